// Careless and hostile input: values the machine cannot honour are ConfigError naming the field
// (never an abort, a stall or a panic), and a bad `signal` never orphans a queued ticket.
import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import { ConfigError, InvalidParameterError, WeddingAwareConnectionPool, type WeddingPoolOptions } from '../dist/index.js';
import { makePool } from './support/pool';

const URL_ = 'postgres://app@127.0.0.1:1/db';

function fieldOf(options: WeddingPoolOptions): string | undefined {
  try {
    new WeddingAwareConnectionPool({ connectionString: URL_, fleetBudget: false, ...options }).end();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).field;
  }
  return undefined;
}

describe('bounds the machine can honour', () => {
  it.each([
    ['a max of 1e9', { basePoolSize: { max: 1e9 } }, 'basePoolSize.max'],
    ['a min of 1e6', { basePoolSize: { min: 1e6, max: 1e6 } }, 'basePoolSize.min'],
    ['a multiplier of 1e8', { weddingDayMultiplier: 1e8 }, 'weddingDayMultiplier'],
    ['a multiplier of 1e300', { weddingDayMultiplier: 1e300 }, 'weddingDayMultiplier'],
    ['max × multiplier above 10,000', { basePoolSize: { max: 5_000 }, weddingDayMultiplier: 2.5 }, 'weddingDayMultiplier'],
    ['keepalive above 32,767 s', { keepaliveMillis: 32_767_001 }, 'keepaliveMillis'],
    ['TCP_USER_TIMEOUT above 2^31−1 ms', { tcpUserTimeoutMillis: 2 ** 31 }, 'tcpUserTimeoutMillis'],
    ['a NaN timeout', { connectTimeoutMillis: NaN }, 'connectTimeoutMillis'],
    ['an infinite keepalive', { keepaliveMillis: Infinity }, 'keepaliveMillis'],
    ['maxWaiting of 1e9', { maxWaiting: 1e9 }, 'maxWaiting'],
    ['statementCacheSize of 1e9', { statementCacheSize: 1e9 }, 'statementCacheSize'],
    ['pipelineDepth of 1e9', { pipelineDepth: 1e9 }, 'pipelineDepth'],
    ['a fractional pipelineDepth', { pipelineDepth: 2.5 }, 'pipelineDepth'],
  ])('refuses %s naming the field', (_name, options, field) => {
    expect(fieldOf(options as WeddingPoolOptions)).toBe(field);
  });

  it('accepts the largest pool it documents, at once', () => {
    const started = performance.now();
    expect(fieldOf({ basePoolSize: { max: 5_000 }, weddingDayMultiplier: 2 })).toBeUndefined();
    expect(fieldOf({ keepaliveMillis: 32_767_000, tcpUserTimeoutMillis: 2 ** 31 - 1 })).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('takes Infinity as "no deadline" where a deadline is optional', () => {
    expect(
      fieldOf({
        connectTimeoutMillis: Infinity,
        queryTimeoutMillis: Infinity,
        maxLifetimeMillis: Infinity,
        unavailableGraceMillis: Infinity,
        basePoolSize: { acquireTimeoutMillis: Infinity, idleTimeoutMillis: Infinity },
      }),
    ).toBeUndefined();
  });
});

describe('setCalendarTime', () => {
  it('refuses dates outside the years 1–9999 with ConfigError and keeps working', () => {
    const pool = makePool({ basePoolSize: { max: 2 } });
    for (const bad of [new Date('+262142-12-28T23:01Z'), new Date(8.64e15), new Date(-8.64e15), new Date('+010000-01-01T00:00Z')]) {
      let caught: unknown;
      try {
        pool.setCalendarTime(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).field).toBe('calendarTime');
    }
    pool.setCalendarTime(new Date('9999-12-31T12:00:00Z'));
    expect(pool.scalingPlan().target.max).toBeGreaterThan(0);
    pool.setCalendarTime(new Date('0001-01-01T00:00:00Z'));
    pool.setCalendarTime(null);
  });
});

describe('getConnection with a bad signal', () => {
  it.each([
    ['a plain object', {}],
    ['a look-alike', { aborted: false }],
    ['a number', 42],
  ])('refuses %s before queueing, so no connection is orphaned', async (_name, signal) => {
    const pool = makePool({ basePoolSize: { max: 1, acquireTimeoutMillis: 10_000 } });
    const held = await pool.getConnection();
    await expect(pool.getConnection({}, { signal: signal as never })).rejects.toMatchObject({ field: 'signal' });
    held.release();
    const next = await pool.getConnection({}, { timeoutMillis: 10_000 });
    expect(pool.stats().inUse).toBe(1);
    next.release();
    expect(pool.stats().inUse).toBe(0);
  });

  it('refuses an AbortSignal Proxy whose traps throw (ConfigError, the trap error as cause) before queueing', async () => {
    const pool = makePool({ basePoolSize: { max: 1, acquireTimeoutMillis: 10_000 } });
    const held = await pool.getConnection();
    const hostile = new Error('hostile trap');
    const signal = new Proxy(new AbortController().signal, {
      get: () => {
        throw hostile;
      },
    });
    const err = await pool.getConnection({}, { signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ field: 'signal' });
    expect((err as Error).cause).toBe(hostile);
    expect(pool.stats().waiting).toBe(0);
    held.release();
    expect(pool.stats().inUse).toBe(0);
  });

  it.each(['addEventListener', 'removeEventListener'] as const)(
    'never calls an overridden %s: the wait still aborts, nothing stays queued or borrowed',
    async (method) => {
      const pool = makePool({ basePoolSize: { max: 1, acquireTimeoutMillis: 10_000 } });
      const held = await pool.getConnection();
      const controller = new AbortController();
      controller.signal[method] = () => {
        throw new Error(`hostile ${method}`);
      };
      const waiting = pool.getConnection({}, { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 20));
      expect(pool.stats().waiting).toBe(1);
      controller.abort(new Error('caller gave up'));
      await expect(waiting).rejects.toMatchObject({ code: 'ABORT_ERR' });
      expect(pool.stats().waiting).toBe(0);
      // And when it is handed a connection instead, removing the listener cannot lose it.
      const second = new AbortController();
      second.signal[method] = controller.signal[method];
      const granted = pool.getConnection({}, { signal: second.signal });
      held.release();
      (await granted).release();
      expect(pool.stats().inUse).toBe(0);
    },
  );
});

describe('Infinity per call', () => {
  it('end({ timeoutMillis: Infinity }) lets work in flight finish', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const running = pool.query('SELECT pg_sleep(0.3) AS slept');
    await new Promise((r) => setTimeout(r, 50));
    await pool.end({ timeoutMillis: Infinity });
    await expect(running).resolves.toMatchObject({ rowCount: 1 });
  });

  it('getConnection({ timeoutMillis: Infinity }) waits past the pool default', async () => {
    const pool = makePool({ basePoolSize: { max: 1, acquireTimeoutMillis: 50 } });
    const held = await pool.getConnection();
    const waiting = pool.getConnection({}, { timeoutMillis: Infinity });
    await new Promise((r) => setTimeout(r, 300));
    held.release();
    const conn = await waiting;
    conn.release();
  });

  it('queryTimeoutMillis: Infinity per call overrides the pool default deadline', async () => {
    const pool = makePool({ basePoolSize: { max: 1 }, queryTimeoutMillis: 50 });
    await expect(pool.query('SELECT pg_sleep(0.3)', [], {}, { queryTimeoutMillis: Infinity })).resolves.toMatchObject({ rowCount: 1 });
  });
});

describe('a connection string that fails to parse', () => {
  const CANARY = 'CaNaRy7';
  it.each([
    `postgres://u@h/db?password=${CANARY}&bogus=1`,
    `postgres://u:a/${CANARY}@h/db?bogus=1`,
    `postgres://u:a?${CANARY}@h/db?bogus=1`,
    `postgres://u:a#${CANARY}@h:notaport/db`,
    `password = ${CANARY} bogus=1`,
    `password='x ${CANARY}' bogus=1`,
    `password=x\\ ${CANARY} bogus=1`,
    `password ${CANARY} bogus=1`,
    `host=h password='unterminated ${CANARY}`,
  ])('never shows its password: %s', (connectionString) => {
    let caught: unknown;
    try {
      new WeddingAwareConnectionPool({ connectionString, fleetBudget: false }).end();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.field).toBe('connectionString');
    for (const text of [err.message, err.stack ?? '', inspect(err), JSON.stringify(err)]) expect(text).not.toContain(CANARY);
  });
});

describe('parameters nested absurdly deep', () => {
  it('are InvalidParameterError, not a stack overflow', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    let deep: unknown[] = [1];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    await expect(pool.query('SELECT $1::int[] AS a', [deep as never])).rejects.toBeInstanceOf(InvalidParameterError);
    let object: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) object = { o: object };
    await expect(pool.query('SELECT $1::jsonb AS j', [object])).rejects.toBeInstanceOf(InvalidParameterError);
    expect((await pool.query('SELECT $1::int[] AS a', [[[1, 2], [3, 4]]])).rows[0]).toEqual({ a: [[1, 2], [3, 4]] });
  });
});

describe('options read once', () => {
  it('a getter answering differently on a second read cannot slip a table name past its check', () => {
    let reads = 0;
    const trafficLearning = {
      get table() {
        reads += 1;
        return reads === 1 ? 'safe_name' : 'x; DROP TABLE users; --';
      },
    };
    const pool = new WeddingAwareConnectionPool({ connectionString: URL_, fleetBudget: false, trafficLearning });
    expect(reads).toBe(1);
    void pool.end();
  });

  it.each([
    ['a sparse weekdays array', { weddingCalendar: { weekdays: [, 'saturday'] } }, 'weddingCalendar.weekdays'],
    ['a sparse timezones array', { weddingCalendar: { timezones: ['UTC', , 'UTC'] } }, 'weddingCalendar.timezones'],
    ['a sparse dates array', { weddingCalendar: { dates: [, { date: '2026-06-13' }] } }, 'weddingCalendar.dates'],
    ['a BigInt int8 mode', { types: { int8: 5n } }, 'types.int8'],
    ['a BigInt size', { basePoolSize: { max: 5n } }, 'basePoolSize.max'],
    ['a throwing getter', { basePoolSize: { get max(): never { throw new Error('boom'); } } }, 'basePoolSize'],
    ['a leak threshold beyond Node timers', { leakDetectionThresholdMillis: 2 ** 31 }, 'leakDetectionThresholdMillis'],
  ])('refuses %s with ConfigError', (_name, options, field) => {
    expect(fieldOf(options as never)).toBe(field);
  });
});

describe('importTrafficProfile', () => {
  it('refuses non-JSON profiles with ConfigError and is all or nothing', () => {
    const pool = makePool({ basePoolSize: { max: 2 } });
    const before = JSON.stringify(pool.exportTrafficProfile());
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const bad of [{ n: 1n }, circular, undefined, () => 1]) {
      expect(() => pool.importTrafficProfile(bad)).toThrow(ConfigError);
    }
    const profile = pool.exportTrafficProfile() as { timezones: Record<string, Record<string, unknown>> };
    const zone = Object.keys(profile.timezones)[0]!;
    profile.timezones[zone]!.normal = (profile.timezones[zone]!.normal as unknown[]).map(() => 50);
    profile.timezones[zone]!.critical = 'broken';
    expect(() => pool.importTrafficProfile(profile)).toThrow(ConfigError);
    expect(JSON.stringify(pool.exportTrafficProfile())).toBe(before);
  });
});
