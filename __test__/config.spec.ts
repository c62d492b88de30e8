import { describe, expect, it } from 'vitest';

import { ConfigError, WeddingAwareConnectionPool, type WeddingPoolOptions } from '../dist/index.js';

const URL_ = 'postgres://app@127.0.0.1:1/db';

function configErrorOf(options: WeddingPoolOptions): ConfigError {
  try {
    new WeddingAwareConnectionPool({ connectionString: URL_, ...options }).end();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it.each([
    ['min above max', { basePoolSize: { min: 20, max: 10 } }, 'basePoolSize.min'],
    ['negative max', { basePoolSize: { max: -1 } }, 'basePoolSize.max'],
    ['zero max', { basePoolSize: { max: 0 } }, 'basePoolSize.max'],
    ['fractional min', { basePoolSize: { min: 1.5 } }, 'basePoolSize.min'],
    ['negative acquire timeout', { basePoolSize: { acquireTimeoutMillis: -1 } }, 'basePoolSize.acquireTimeoutMillis'],
    ['negative idle timeout', { basePoolSize: { idleTimeoutMillis: -1 } }, 'basePoolSize.idleTimeoutMillis'],
    ['reserve equal to max', { basePoolSize: { max: 5 }, emergencyReservedConnections: 5 }, 'emergencyReservedConnections'],
    ['negative reserve', { emergencyReservedConnections: -2 }, 'emergencyReservedConnections'],
    ['multiplier below 1', { weddingDayMultiplier: 0.5 }, 'weddingDayMultiplier'],
    ['unknown timezone', { weddingCalendar: { timezones: ['Mars/Olympus'] } }, 'weddingCalendar.timezones'],
    ['unknown weekday', { weddingCalendar: { weekdays: ['caturday'] } }, 'weddingCalendar.weekdays'],
    ['malformed date', { weddingCalendar: { dates: [{ date: '13/06/2026' }] } }, 'weddingCalendar.dates'],
    ['impossible date', { weddingCalendar: { dates: [{ date: '2026-02-30' }] } }, 'weddingCalendar.dates'],
    ['unknown date timezone', { weddingCalendar: { dates: [{ date: '2026-06-13', timezone: 'Nowhere/City' }] } }, 'weddingCalendar.dates.timezone'],
    ['negative aging', { priorityAgingPerSecond: -1 }, 'priorityAgingPerSecond'],
    ['bad int8 mode', { types: { int8: 'float' as never } }, 'types.int8'],
    ['string size', { basePoolSize: { max: '10' as never } }, 'basePoolSize.max'],
    ['bad port', { port: 70_000 }, 'port'],
  ])('rejects %s naming the field', (_name, options, field) => {
    const err = configErrorOf(options as WeddingPoolOptions);
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it('rejects an unparseable connection string without echoing its password', () => {
    const err = configErrorOf({ connectionString: 'postgres://app:hunter2-wedding@host:notaport/db' });
    expect(err.field).toBe('connectionString');
    expect(err.message).not.toContain('hunter2-wedding');
  });

  it('accepts the documented example', async () => {
    const pool = new WeddingAwareConnectionPool({
      connectionString: URL_,
      basePoolSize: { min: 10, max: 50, acquireTimeoutMillis: 60_000, idleTimeoutMillis: 30_000 },
      weddingDayMultiplier: 3,
      emergencyReservedConnections: 5,
      weddingCalendar: {
        weekdays: ['saturday'],
        timezones: ['Europe/London', 'America/New_York'],
        dates: [{ date: '2026-06-13', timezone: 'Europe/Rome' }],
        leadMinutes: 60,
      },
      priorityAgingPerSecond: 100,
    });
    pool.setCalendarTime(new Date('2026-06-10T12:00:00Z'));
    expect(pool.stats()).toMatchObject({ minSize: 10, maxSize: 50, reserved: { size: 5 } });
    await pool.end();
  });

  it('defaults to a max of 10 and no reserve', async () => {
    const pool = new WeddingAwareConnectionPool({ connectionString: URL_ });
    pool.setCalendarTime(new Date('2026-06-10T12:00:00Z'));
    expect(pool.stats()).toMatchObject({ minSize: 0, maxSize: 10, reserved: { size: 0 } });
    await pool.end();
  });
});
