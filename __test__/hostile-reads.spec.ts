// Whatever a caller hands in is read once into a snapshot before anything is queued or sent:
// a throwing getter or Proxy trap is a typed error naming what was wrong (ConfigError naming
// the field, InvalidParameterError naming the parameter), with what was thrown as its cause,
// and nothing stays queued or borrowed.
import { describe, expect, it } from 'vitest';

import { ConfigError, InvalidParameterError, WeddingAwareConnectionPool, type DatabaseContext } from '../dist/index.js';
import { withWeddingContext } from '../dist/pg/index.js';
import { makePool } from './support/pool';

const hostile = new Error('hostile');
const boom = (): never => {
  throw hostile;
};

function throwingGetter(field: string): DatabaseContext {
  return Object.defineProperty({}, field, { enumerable: true, get: boom }) as DatabaseContext;
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('a hostile context', () => {
  it.each(['isActiveWedding', 'isWeddingDay', 'isCriticalOperation', 'isWeddingCritical', 'weddingId', 'operation'])(
    'a throwing %s getter is ConfigError naming context.<field>, the original error as cause, on a busy pool',
    async (field) => {
      const pool = makePool({ basePoolSize: { max: 1, acquireTimeoutMillis: 10_000 } });
      const held = await pool.getConnection();
      for (const call of [() => pool.getConnection(throwingGetter(field)), () => pool.query('SELECT 1', [], throwingGetter(field))]) {
        const err = await rejection(call());
        expect(err.field).toBe(`context.${field}`);
        expect(err.cause).toBe(hostile);
      }
      expect(() => pool.calculateConnectionPriority(throwingGetter(field))).toThrow(ConfigError);
      await rejection(pool.transaction(throwingGetter(field), async () => 1));
      expect(pool.stats().waiting).toBe(0);
      held.release();
      expect(pool.stats().inUse).toBe(0);
    },
  );

  it('a Proxy whose traps throw is ConfigError, nothing queued', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const ctx = new Proxy({}, { get: boom, has: boom, ownKeys: boom }) as DatabaseContext;
    const err = await rejection(pool.getConnection(ctx));
    expect(err.field).toBe('context.isActiveWedding');
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
  });

  it('is read once: a getter that would answer differently later cannot change the priority it was queued with', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    let reads = 0;
    const ctx = Object.defineProperty({}, 'isActiveWedding', { enumerable: true, get: () => (++reads === 1 ? true : boom()) }) as DatabaseContext;
    const conn = await pool.getConnection(ctx);
    conn.release();
    expect(reads).toBe(1);
    expect(pool.stats().inUse).toBe(0);
  });

  it('a context that is not an object is ConfigError (context); null and undefined mean none', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    for (const ctx of ['critical', 42, true, 5n]) {
      expect((await rejection(pool.getConnection(ctx as never))).field).toBe('context');
    }
    for (const ctx of [null, undefined]) (await pool.getConnection(ctx as never)).release();
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
  });

  it('withWeddingContext reads it once, before fn runs', () => {
    let ran = false;
    expect(() =>
      withWeddingContext(throwingGetter('isWeddingCritical'), () => {
        ran = true;
      }),
    ).toThrow(ConfigError);
    expect(ran).toBe(false);
  });
});

describe('hostile acquire options', () => {
  it.each(['timeoutMillis', 'signal'])('a throwing %s getter is ConfigError naming it, nothing queued', async (field) => {
    const pool = makePool({ basePoolSize: { max: 1, acquireTimeoutMillis: 10_000 } });
    const held = await pool.getConnection();
    const options = Object.defineProperty({}, field, { enumerable: true, get: boom });
    const err = await rejection(pool.getConnection({}, options));
    expect(err.field).toBe(field);
    expect(err.cause).toBe(hostile);
    expect(pool.stats().waiting).toBe(0);
    held.release();
    expect(pool.stats().inUse).toBe(0);
  });
});

describe('hostile reads elsewhere', () => {
  it.each([
    ['a Proxy whose traps throw', () => new Proxy({}, { get: boom, getPrototypeOf: boom })],
    ['a throwing toPostgres', () => ({ toPostgres: boom })],
    ['a throwing toJSON', () => ({ toJSON: boom })],
    ['a Date whose getTime throws', () => Object.assign(new Date(), { getTime: boom, toISOString: boom })],
  ])('a parameter with %s is InvalidParameterError for it, the original error as cause', async (_name, make) => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const err = await pool.query('SELECT $1::text, $2::text', ['ok', make()]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err).toMatchObject({ index: 1 });
    expect((err as Error).cause).toBe(hostile);
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
  });

  it('a Proxy of a Buffer or a Date is InvalidParameterError, not a native type error', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    for (const value of [new Proxy(Buffer.from('a'), {}), new Proxy(new Date(), {})]) {
      await expect(pool.query('SELECT $1::text', [value])).rejects.toBeInstanceOf(InvalidParameterError);
    }
  });

  it('query, connection.query, transaction and end options are read once; a throwing read is ConfigError naming the field', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const field = async (promise: Promise<unknown>) => (await rejection(promise)).field;
    expect(await field(pool.query('SELECT 1', [], {}, Object.defineProperty({}, 'rowMode', { get: boom })))).toBe('rowMode');
    const conn = await pool.getConnection();
    expect(await field(conn.query('SELECT 1', [], Object.defineProperty({}, 'queryTimeoutMillis', { get: boom })))).toBe('queryTimeoutMillis');
    conn.release();
    expect(await field(pool.transaction({}, async () => 1, Object.defineProperty({}, 'isolationLevel', { get: boom })))).toBe('isolationLevel');
    const other = new WeddingAwareConnectionPool({ connectionString: 'postgres://app@127.0.0.1:1/db', fleetBudget: false });
    expect(await field(other.end(Object.defineProperty({}, 'timeoutMillis', { get: boom })))).toBe('timeoutMillis');
    await other.end();
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
  });

  it('setCalendarTime brand-checks its Date through the platform: a Proxy is ConfigError, an overridden getTime is ignored', () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    expect(() => pool.setCalendarTime(new Proxy(new Date(), {}))).toThrow(ConfigError);
    const saturday = Object.assign(new Date('2026-06-13T12:00:00Z'), { getTime: boom, valueOf: boom });
    pool.setCalendarTime(saturday);
    expect(pool.isWeddingDay()).toBe(true);
  });

  it('a calendar array whose reads throw is ConfigError naming it', () => {
    const timezones = new Proxy(['UTC'], { get: boom });
    expect(() => makePool({ weddingCalendar: { timezones } })).toThrow(expect.objectContaining({ field: 'weddingCalendar.timezones', cause: hostile }));
  });
});
