import { describe, expect, it } from 'vitest';

import { SATURDAY, WEDNESDAY, makePool } from './support/pool';

const sized = { basePoolSize: { min: 0, max: 50 }, weddingDayMultiplier: 3 };

describe('wedding calendar and scaling', () => {
  it('has maxSize 150 on a wedding day and 50 otherwise', () => {
    const pool = makePool({ ...sized, weddingCalendar: { timezones: ['Europe/London'] } });
    pool.setCalendarTime(SATURDAY);
    expect(pool.isWeddingDay()).toBe(true);
    expect(pool.stats().maxSize).toBe(150);
    expect(pool.stats().weddingDay).toBe(true);
    expect(pool.stats().scaling).toEqual({ multiplier: 3, reason: 'wedding day in Europe/London (2026-06-13)' });
    pool.setCalendarTime(WEDNESDAY);
    expect(pool.isWeddingDay()).toBe(false);
    expect(pool.stats().maxSize).toBe(50);
    expect(pool.stats().scaling).toEqual({ multiplier: 1, reason: 'base' });
  });

  it('multiplies min as well and warms connections up to it', async () => {
    const pool = makePool({ basePoolSize: { min: 2, max: 10 }, weddingDayMultiplier: 2, weddingCalendar: { timezones: ['UTC'] } });
    pool.setCalendarTime(SATURDAY);
    expect(pool.stats().minSize).toBe(4);
    await expect.poll(() => pool.stats().size, { timeout: 5_000 }).toBe(4);
  });

  it('sees Saturday in Pacific/Auckland while it is still Friday in America/Los_Angeles', () => {
    const friday = new Date('2026-06-12T14:00:00Z');
    const auckland = makePool({ ...sized, weddingCalendar: { timezones: ['Pacific/Auckland'], leadMinutes: 0 } });
    const losAngeles = makePool({ ...sized, weddingCalendar: { timezones: ['America/Los_Angeles'], leadMinutes: 0 } });
    auckland.setCalendarTime(friday);
    losAngeles.setCalendarTime(friday);
    expect(auckland.isWeddingDay()).toBe(true);
    expect(losAngeles.isWeddingDay()).toBe(false);
    expect(auckland.stats().maxSize).toBe(150);
    expect(losAngeles.stats().maxSize).toBe(50);
  });

  it('keeps the wedding day until it ends in the latest timezone', () => {
    const pool = makePool({ ...sized, weddingCalendar: { timezones: ['Europe/London', 'America/New_York'], leadMinutes: 0 } });
    pool.setCalendarTime(new Date('2026-06-14T02:00:00Z')); // Sunday in London, Saturday 22:00 in New York
    expect(pool.stats().scaling.reason).toBe('wedding day in America/New_York (2026-06-13)');
    pool.setCalendarTime(new Date('2026-06-14T04:00:01Z')); // Sunday everywhere
    expect(pool.stats().maxSize).toBe(50);
  });

  it('handles the DST change weekend: Saturday before spring-forward is a full wedding day', () => {
    const pool = makePool({ ...sized, weddingCalendar: { timezones: ['America/New_York'], leadMinutes: 0 } });
    pool.setCalendarTime(new Date('2026-03-07T05:00:00Z')); // Saturday 00:00 EST
    expect(pool.isWeddingDay()).toBe(true);
    pool.setCalendarTime(new Date('2026-03-08T04:59:59Z')); // Saturday 23:59:59 EST
    expect(pool.isWeddingDay()).toBe(true);
    pool.setCalendarTime(new Date('2026-03-08T05:00:00Z')); // Sunday 00:00 (EST, DST starts at 02:00)
    expect(pool.isWeddingDay()).toBe(false);
  });

  it('handles the DST change weekend: Saturday before fall-back ends at local midnight', () => {
    const pool = makePool({ ...sized, weddingCalendar: { timezones: ['Europe/London'], leadMinutes: 0 } });
    pool.setCalendarTime(new Date('2026-10-24T22:59:59Z')); // Saturday 23:59:59 BST
    expect(pool.isWeddingDay()).toBe(true);
    pool.setCalendarTime(new Date('2026-10-24T23:00:00Z')); // Sunday 00:00 BST
    expect(pool.isWeddingDay()).toBe(false);
  });

  it('treats listed dates as wedding days in their timezone', () => {
    const pool = makePool({
      ...sized,
      weddingCalendar: { weekdays: [], timezones: ['Europe/Rome'], dates: [{ date: '2026-06-10', timezone: 'Europe/Rome' }], leadMinutes: 0 },
    });
    pool.setCalendarTime(WEDNESDAY);
    expect(pool.isWeddingDay()).toBe(true);
    expect(pool.stats().scaling.reason).toBe('wedding day in Europe/Rome (2026-06-10)');
    pool.setCalendarTime(SATURDAY);
    expect(pool.isWeddingDay()).toBe(false);
  });

  it('scales up leadMinutes before the day begins and reports the lead-in', () => {
    const pool = makePool({ ...sized, weddingCalendar: { timezones: ['Europe/London'], leadMinutes: 60 } });
    pool.setCalendarTime(new Date('2026-06-12T21:59:00Z')); // 23:59 Friday BST minus 61 min → outside
    expect(pool.stats().maxSize).toBe(50);
    pool.setCalendarTime(new Date('2026-06-12T22:30:00Z')); // 30 minutes before Saturday in London
    expect(pool.stats().maxSize).toBe(150);
    expect(pool.stats().scaling.reason).toMatch(/^lead-in before wedding day in Europe\/London/);
    expect(pool.isWeddingDay()).toBe(false);
  });

  it('emits a scale event with the reason when the target changes', async () => {
    const pool = makePool({ ...sized, weddingCalendar: { timezones: ['UTC'] } });
    pool.setCalendarTime(WEDNESDAY);
    const events: unknown[] = [];
    pool.on('scale', (e) => events.push(e));
    await new Promise((r) => setImmediate(r));
    pool.setCalendarTime(SATURDAY);
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toMatchObject({ fromMax: 50, toMax: 150, multiplier: 3, reason: 'wedding day in UTC (2026-06-13)' });
  });

  it('scales down by retiring idle connections, never busy ones', async () => {
    const pool = makePool({ basePoolSize: { min: 0, max: 2 }, weddingDayMultiplier: 2, weddingCalendar: { timezones: ['UTC'] } });
    pool.setCalendarTime(SATURDAY);
    const held = await Promise.all(Array.from({ length: 4 }, () => pool.getConnection()));
    held.slice(2).forEach((c) => c.release());
    pool.setCalendarTime(WEDNESDAY);
    expect(pool.stats()).toMatchObject({ maxSize: 2, inUse: 2, idle: 0, size: 2 });
    const still = await held[0].query('select 1 as ok');
    expect(still.rows).toEqual([{ ok: 1 }]);
    held.slice(0, 2).forEach((c) => c.release());
  });

  it('returns to the system clock with setCalendarTime(null)', () => {
    const pool = makePool({ ...sized, weddingCalendar: { timezones: ['UTC'] } });
    pool.setCalendarTime(SATURDAY);
    pool.setCalendarTime(null);
    const todayIsSaturday = new Date().getUTCDay() === 6;
    expect(pool.isWeddingDay()).toBe(todayIsSaturday);
  });
});
