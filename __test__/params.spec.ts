// Parameters: WedPool serialises values the way node-postgres (`pg`) does, so the same parameter
// gives the same result through both. Values that cannot be sent are rejected with
// InvalidParameterError *before anything reaches the server*.
//
// Deliberate differences from pg, each asserted below:
//  * pg sends functions and symbols as their String() form and Invalid Dates as
//    '0NaN-NaN-NaNTNaN:NaN:NaN.NaN+NaN:NaN'; WedPool rejects them.
//  * pg sends a BigInt outside the int8 range as text (so `$1::numeric` works); WedPool rejects it.
//  * pg throws a TypeError for a BigInt inside a plain object; WedPool sends it as a JSON string.
//  * a wrong number of parameters is caught by WedPool (InvalidParameterError) instead of the
//    server's protocol error 08P01, so an open transaction is not aborted.
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import {
  DatabaseError,
  InvalidParameterError,
  WedPoolError,
  type PoolConnection,
  type QueryParam,
} from '../dist/index.js';
import { useParity } from './support/parity';
import { makePool } from './support/pool';

const { wed, client, expectSameAsPg } = useParity();

/** The value of `select $1::<type> as v` through WedPool, after checking pg returns the same. */
async function roundTrip(type: string, value: unknown): Promise<unknown> {
  const rows = await expectSameAsPg(`select $1::${type} as v`, [value]);
  return rows[0].v;
}

/** The text the server received for `value` (`$1::text`), after checking pg sends the same text. */
async function sentText(value: unknown): Promise<unknown> {
  return roundTrip('text', value);
}

/** Asserts `promise` rejects with InvalidParameterError for parameter `index`. */
async function expectInvalidParameter(promise: Promise<unknown>, index: number, message?: RegExp): Promise<InvalidParameterError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the query to reject');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidParameterError);
  expect(err).toBeInstanceOf(WedPoolError);
  const e = err as InvalidParameterError;
  expect(e.code).toBe('INVALID_PARAMETER');
  expect(e.name).toBe('InvalidParameterError');
  expect(e.index).toBe(index);
  expect(e.message).toContain(`parameter $${index + 1} cannot be sent`);
  if (message) expect(e.message).toMatch(message);
  return e;
}

/**
 * Asserts that `bad` (at position `index` of an insert's parameters) is rejected with
 * InvalidParameterError and that nothing reached the server:
 *  - through pool.query: no connection was acquired (stats().acquired is unchanged);
 *  - through conn.query inside a transaction: the row was not inserted, and the transaction
 *    is not aborted (any statement the server had rejected would abort it with 25P02).
 */
async function expectRejectedBeforeSending(bad: unknown, message?: RegExp): Promise<void> {
  const pool = makePool({ basePoolSize: { max: 2 } });
  await pool.ready();
  const before = pool.stats().acquired;
  await expectInvalidParameter(pool.query('select $1::text as a, $2::text as b', ['ok', bad] as QueryParam[]), 1, message);
  expect(pool.stats().acquired).toBe(before);
  expect(pool.stats().inUse).toBe(0);

  const conn = await pool.getConnection();
  try {
    await conn.query('create temp table wp_params_sent (a text, b text)');
    await conn.query('begin');
    await expectInvalidParameter(conn.query('insert into wp_params_sent values ($1, $2)', ['ok', bad] as QueryParam[]), 1, message);
    // Still usable: nothing failed server-side, so the transaction is not aborted.
    const { rows } = await conn.query('select count(*)::int as n from wp_params_sent');
    expect(rows).toEqual([{ n: 0 }]);
    await conn.query('commit');
    expect((await conn.query('select count(*)::int as n from wp_params_sent')).rows).toEqual([{ n: 0 }]);
  } finally {
    await conn.query('drop table if exists wp_params_sent').catch(() => undefined);
    conn.release();
  }
}

describe('scalar parameters round-trip like pg', () => {
  it('null and undefined are sent as SQL NULL', async () => {
    expect(await roundTrip('text', null)).toBeNull();
    expect(await roundTrip('text', undefined)).toBeNull();
    expect(await roundTrip('int8', null)).toBeNull();
    expect(await roundTrip('jsonb', null)).toBeNull();
    expect(await roundTrip('timestamptz', undefined)).toBeNull();
    expect(await roundTrip('bytea', null)).toBeNull();
    const rows = await expectSameAsPg('select $1::int is null as a, $2::text is null as b', [null, undefined]);
    expect(rows).toEqual([{ a: true, b: true }]);
  });

  it('booleans are sent as true and false', async () => {
    expect(await roundTrip('bool', true)).toBe(true);
    expect(await roundTrip('bool', false)).toBe(false);
    expect(await sentText(true)).toBe('true');
    expect(await sentText(false)).toBe('false');
  });

  it('numbers are sent in their JavaScript text form', async () => {
    for (const n of [0, -0, 1, -1, 0.1, 1e-7, 1e21, 123456789.125, Number.MAX_SAFE_INTEGER, -Number.MAX_VALUE, 5e-324]) {
      expect(await sentText(n)).toBe(String(n));
      expect(await roundTrip('float8', n)).toBe(n === 0 ? 0 : n); // String(-0) is '0', as in pg
    }
    expect(await roundTrip('int4', 2147483647)).toBe(2147483647);
    expect(await roundTrip('int2', -32768)).toBe(-32768);
    expect(await roundTrip('numeric', 0.1)).toBe('0.1');
    expect(await roundTrip('int8', 9007199254740991)).toBe('9007199254740991');
  });

  it('NaN, Infinity and -Infinity are sent as the float8 special values', async () => {
    expect(await roundTrip('float8', NaN)).toBeNaN();
    expect(await roundTrip('float8', Infinity)).toBe(Infinity);
    expect(await roundTrip('float8', -Infinity)).toBe(-Infinity);
    expect(await roundTrip('numeric', NaN)).toBe('NaN');
  });

  it('a fractional number bound to an int parameter fails on the server exactly as with pg (22P02)', async () => {
    const [w, p] = await Promise.allSettled([wed().query('select $1::int as v', [1.5]), client().query('select $1::int as v', [1.5])]);
    expect(w.status).toBe('rejected');
    expect(p.status).toBe('rejected');
    const we = (w as PromiseRejectedResult).reason as DatabaseError;
    const pe = (p as PromiseRejectedResult).reason as pg.DatabaseError;
    expect(we).toBeInstanceOf(DatabaseError);
    expect(we.code).toBe('22P02');
    expect(we.code).toBe(pe.code);
    expect(we.message).toBe(pe.message);
  });

  it('bigints round-trip through int8 at the extremes', async () => {
    for (const b of [0n, 1n, -1n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n]) {
      expect(await roundTrip('int8', b)).toBe(b.toString());
      expect(await sentText(b)).toBe(b.toString());
    }
    expect(await roundTrip('numeric', 2n ** 63n - 1n)).toBe('9223372036854775807');
  });

  it("bigints round-trip as BigInt with types.int8 'bigint'", async () => {
    const pool = makePool({ types: { int8: 'bigint' } });
    for (const b of [-(2n ** 63n), -1n, 0n, 9007199254740993n, 2n ** 63n - 1n]) {
      const { rows } = await pool.query('select $1::int8 as v, $1::int8 + 0 as w', [b]);
      expect(rows).toEqual([{ v: b, w: b }]);
    }
  });

  it('strings are sent verbatim: unicode, quotes, backslashes, newlines, empty and very long', async () => {
    for (const s of ['', 'plain', "it's", 'a "quoted" word', 'back\\slash', 'tab\tnew\nline\r', 'héllo 🎉 日本', '{a,b}', 'NULL', 'x'.repeat(100_000)]) {
      expect(await sentText(s)).toBe(s);
    }
    expect(await roundTrip('varchar', 'abc')).toBe('abc');
    expect(await roundTrip('int4', '42')).toBe(42);
    expect(await roundTrip('jsonb', '{"a":1}')).toEqual({ a: 1 });
    expect(await roundTrip('jsonb', '"str"')).toBe('str');
  });

  it('a string containing a NUL byte fails on the server exactly as with pg (22021)', async () => {
    const [w, p] = await Promise.allSettled([wed().query('select $1::text as v', ['a\u0000b']), client().query('select $1::text as v', ['a\u0000b'])]);
    const we = (w as PromiseRejectedResult).reason as DatabaseError;
    const pe = (p as PromiseRejectedResult).reason as pg.DatabaseError;
    expect(we).toBeInstanceOf(DatabaseError);
    expect(we.code).toBe('22021');
    expect(we.code).toBe(pe.code);
  });

  it('an untyped parameter is inferred as text by the server, like pg', async () => {
    const rows = await expectSameAsPg('select $1 as a, $2 as b, $3 as c', [5, true, 'x']);
    expect(rows).toEqual([{ a: '5', b: 'true', c: 'x' }]);
  });

  it('the same parameter can be referenced several times', async () => {
    const rows = await expectSameAsPg('select $1::int + $1::int as a, $2::text || $2::text as b', [21, 'ab']);
    expect(rows).toEqual([{ a: 42, b: 'abab' }]);
  });
});

describe('Date parameters', () => {
  it('Dates are sent as local time with the UTC offset, exactly as pg sends them', async () => {
    const d = new Date(2026, 5, 13, 14, 30, 15, 123);
    const text = (await sentText(d)) as string;
    expect(text).toMatch(/^2026-06-13T14:30:15\.123[+-]\d{2}:\d{2}$/);
  });

  it('Dates round-trip through timestamptz as the same instant', async () => {
    for (const d of [new Date('2026-06-13T12:34:56.789Z'), new Date(0), new Date(-1), new Date('1980-02-29T23:59:59.999Z'), new Date('2200-12-31T23:59:59.999Z')]) {
      expect(await roundTrip('timestamptz', d)).toEqual(d);
    }
  });

  it('historic Dates (local mean time offsets with seconds) are sent exactly as pg sends them', async () => {
    // Like pg, the offset is written in whole minutes, so where the local zone's offset has
    // seconds (e.g. New York before 1883 was -04:56:02) the instant that comes back can differ
    // from the original by those seconds — identically for pg and WedPool (roundTrip compares).
    for (const d of [new Date('1883-11-18T17:00:00Z'), new Date('1850-01-01T00:00:00Z'), new Date('0001-01-01T00:00:00Z')]) {
      const back = (await roundTrip('timestamptz', d)) as Date;
      expect(Math.abs(back.getTime() - d.getTime())).toBeLessThan(60_000);
      expect(await sentText(d)).toEqual(expect.any(String));
    }
  });

  it('Dates before year 1 are sent with a BC suffix and round-trip', async () => {
    const d = new Date('-000043-03-15T12:00:00Z');
    expect(await sentText(d)).toMatch(/ BC$/);
    const back = (await roundTrip('timestamptz', d)) as Date;
    expect(Math.abs(back.getTime() - d.getTime())).toBeLessThan(60_000); // see the note on offsets with seconds
    expect(back.getUTCFullYear()).toBe(-43);
  });

  it('Dates round-trip through timestamp (local wall time) and date (local midnight)', async () => {
    const local = new Date(2026, 5, 13, 1, 2, 3, 4);
    expect(await roundTrip('timestamp', local)).toEqual(local);
    expect(await roundTrip('date', new Date(2026, 5, 13))).toEqual(new Date(2026, 5, 13));
    expect(await roundTrip('date', new Date(2026, 5, 13, 23, 59))).toEqual(new Date(2026, 5, 13));
    expect(await roundTrip('date', new Date(1900, 0, 1))).toEqual(new Date(1900, 0, 1));
  });

  it('Date arrays round-trip through timestamptz[] with NULLs', async () => {
    const a = [new Date('2026-06-13T12:00:00Z'), null, new Date('1969-07-20T20:17:40Z')];
    expect(await roundTrip('timestamptz[]', a)).toEqual(a);
  });
});

describe('binary parameters', () => {
  it('Buffers round-trip through bytea, all 256 byte values and empty included', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(await roundTrip('bytea', all)).toEqual(all);
    expect(await roundTrip('bytea', Buffer.alloc(0))).toEqual(Buffer.alloc(0));
    expect(await roundTrip('bytea', Buffer.from('\\x00', 'utf8'))).toEqual(Buffer.from('\\x00', 'utf8'));
  });

  it('Uint8Arrays (including views at an offset) are sent as their bytes', async () => {
    expect(await roundTrip('bytea', new Uint8Array([1, 2, 3]))).toEqual(Buffer.from([1, 2, 3]));
    const backing = new Uint8Array([9, 9, 4, 5, 6, 9]);
    expect(await roundTrip('bytea', backing.subarray(2, 5))).toEqual(Buffer.from([4, 5, 6]));
  });

  it('Buffer arrays round-trip through bytea[] with NULLs', async () => {
    const a = [Buffer.from([0, 1, 255]), null, Buffer.alloc(0), Buffer.from('"{},\\')];
    expect(await roundTrip('bytea[]', a)).toEqual(a);
  });
});

describe('array parameters', () => {
  it('string arrays with quotes, backslashes, commas, braces, spaces, NULL text and NULLs round-trip through text[]', async () => {
    const a = ['a"b', 'c\\d', 'e,f', '{g}', '}', '{', null, 'NULL', 'null', '', ' sp ', "it's", 'multi\nline', '\\"', 'é🎉'];
    expect(await roundTrip('text[]', a)).toEqual(a);
    expect(await roundTrip('varchar[]', a)).toEqual(a);
  });

  it('nested arrays round-trip as multi-dimensional arrays', async () => {
    expect(await roundTrip('int[]', [[1, 2], [3, null]])).toEqual([[1, 2], [3, null]]);
    expect(await roundTrip('text[]', [[['a', 'b,c']], [['{d}', null]]])).toEqual([[['a', 'b,c']], [['{d}', null]]]);
  });

  it('an empty array round-trips as []; [[]] gets the same answer from the server as with pg', async () => {
    expect(await roundTrip('int[]', [])).toEqual([]);
    expect(await roundTrip('text[]', [])).toEqual([]);
    // PostgreSQL 15 rejects '{{}}'; newer servers accept it. Either way WedPool matches pg.
    const [w, p] = await Promise.allSettled([wed().query('select $1::text[] as v', [[[]]]), client().query('select $1::text[] as v', [[[]]])]);
    expect(w.status).toBe(p.status);
    if (w.status === 'rejected') {
      expect(w.reason).toBeInstanceOf(DatabaseError);
      expect(w.reason.code).toBe((p as PromiseRejectedResult).reason.code);
    } else {
      expect(w.value.rows).toEqual((p as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows);
    }
  });

  it('arrays of numbers, booleans, bigints and mixed values are sent as array literals like pg', async () => {
    expect(await roundTrip('int[]', [1, 2, null, -3])).toEqual([1, 2, null, -3]);
    expect(await roundTrip('float8[]', [1.5, NaN, Infinity, -Infinity])).toEqual([1.5, NaN, Infinity, -Infinity]);
    expect(await roundTrip('bool[]', [true, false, null])).toEqual([true, false, null]);
    expect(await roundTrip('int8[]', [1n, -(2n ** 63n), null])).toEqual(['1', '-9223372036854775808', null]);
    expect(await roundTrip('text[]', [true, 1.5, 'x', undefined])).toEqual(['true', '1.5', 'x', null]);
    expect(await sentText([1, [2, 3]])).toBe('{"1",{"2","3"}}');
  });

  it('arrays of objects round-trip through jsonb[] as JSON', async () => {
    const a = [{ a: 1 }, { b: '"x"', c: ['\\', '{}'] }, null];
    expect(await roundTrip('jsonb[]', a)).toEqual(a);
  });

  it('uuid and numeric arrays round-trip', async () => {
    expect(await roundTrip('uuid[]', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null])).toEqual(['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null]);
    const { rows } = await wed().query('select $1::numeric[] as v', [['1.50', '12345678901234567890.123', null]]);
    expect(rows[0].v).toEqual(['1.50', '12345678901234567890.123', null]);
  });

  it('an array bound to a json parameter is sent as an array literal, as pg does (22P02)', async () => {
    const [w, p] = await Promise.allSettled([wed().query('select $1::jsonb as v', [[1, 2]]), client().query('select $1::jsonb as v', [[1, 2]])]);
    expect((w as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseError);
    expect((w as PromiseRejectedResult).reason.code).toBe('22P02');
    expect((p as PromiseRejectedResult).reason.code).toBe('22P02');
    // Passing JSON.stringify(array) works through both.
    expect(await roundTrip('jsonb', JSON.stringify([1, 2]))).toEqual([1, 2]);
  });
});

describe('object parameters', () => {
  it('plain objects are sent as JSON and round-trip through jsonb and json', async () => {
    const o = { a: 1, b: [1, 'x', null], c: null, d: { e: 'f"\\', g: true }, h: 'é🎉', i: 1.5e-10 };
    expect(await roundTrip('jsonb', o)).toEqual(o);
    expect(await roundTrip('json', o)).toEqual(o);
    expect(await sentText(o)).toBe(JSON.stringify(o));
  });

  it('JSON serialisation follows JSON.stringify: undefined and function members dropped, toJSON used, Dates as ISO strings', async () => {
    expect(await sentText({ a: undefined, b: 1, f: () => 1, s: Symbol('q') })).toBe('{"b":1}');
    expect(await sentText({ toJSON: () => ({ replaced: true }) })).toBe('{"replaced":true}');
    expect(await sentText({ at: new Date('2026-06-13T12:00:00Z') })).toBe('{"at":"2026-06-13T12:00:00.000Z"}');
    expect(await sentText({})).toBe('{}');
    expect(await sentText(new Map([[1, 2]]))).toBe('{}');
  });

  it('objects with toPostgres() are serialised through it, like pg', async () => {
    expect(await sentText({ toPostgres: () => 'custom' })).toBe('custom');
    expect(await sentText({ toPostgres: () => ({ a: 1 }) })).toBe('{"a":1}');
    expect(await sentText({ toPostgres: () => [1, 'a'] })).toBe('{"1","a"}');
    expect(await sentText({ toPostgres: (prepare: (v: unknown) => unknown) => prepare(new Date(0)) })).toMatch(/^19(70|69)-/);
  });

  it('a BigInt inside a plain object is sent as a JSON string (pg throws a TypeError)', async () => {
    // Deliberate difference: JSON.stringify cannot serialise BigInt; WedPool writes it as a string.
    const { rows } = await wed().query('select $1::jsonb as v', [{ n: 2n ** 63n - 1n }]);
    expect(rows).toEqual([{ v: { n: '9223372036854775807' } }]);
    await expect(client().query('select $1::jsonb as v', [{ n: 1n }])).rejects.toThrow(TypeError);
  });
});

describe('unsupported parameters are rejected before anything is sent', () => {
  it('a function is rejected with InvalidParameterError (pg would send its source text)', async () => {
    await expectRejectedBeforeSending(() => 1, /function/);
  });

  it('a symbol is rejected with InvalidParameterError (pg would send "Symbol(x)")', async () => {
    await expectRejectedBeforeSending(Symbol('x'), /symbol/);
  });

  it('a BigInt above the int8 range is rejected with InvalidParameterError', async () => {
    await expectRejectedBeforeSending(2n ** 63n, /int8 range/);
  });

  it('a BigInt below the int8 range is rejected with InvalidParameterError', async () => {
    await expectRejectedBeforeSending(-(2n ** 63n) - 1n, /int8 range/);
  });

  it('a BigInt outside the int8 range is rejected even for a numeric parameter (pg would send it)', async () => {
    await expectInvalidParameter(wed().query('select $1::numeric as v', [2n ** 70n]), 0, /int8 range/);
    const p = await client().query('select $1::numeric as v', [2n ** 70n]);
    expect(p.rows).toEqual([{ v: (2n ** 70n).toString() }]);
  });

  it('an Invalid Date is rejected with InvalidParameterError (pg would send NaN text)', async () => {
    await expectRejectedBeforeSending(new Date(NaN), /Invalid Date/);
  });

  it('a circular object is rejected with InvalidParameterError', async () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    await expectRejectedBeforeSending(o, /circular/);
  });

  it('a circular object reached through toPostgres() is rejected with InvalidParameterError', async () => {
    const o = {
      toPostgres(): unknown {
        return this;
      },
    };
    await expectRejectedBeforeSending(o, /circular/);
  });

  it('a circular array is rejected with InvalidParameterError (not a stack overflow)', async () => {
    const a: unknown[] = [1];
    a.push(a);
    await expectRejectedBeforeSending(a, /circular/);
  });

  it('an object whose toJSON throws is rejected with InvalidParameterError', async () => {
    await expectRejectedBeforeSending({ toJSON: () => { throw new Error('boom'); } }, /boom/);
  });

  it('an unsupported value nested inside an array is rejected with the index of the array parameter', async () => {
    await expectRejectedBeforeSending(['ok', [() => 1]], /function/);
    await expectRejectedBeforeSending([Symbol('x')], /symbol/);
    await expectRejectedBeforeSending([new Date(NaN)], /Invalid Date/);
    await expectRejectedBeforeSending([1n, 2n ** 64n], /int8 range/);
  });

  it('the index names the first unsupported parameter', async () => {
    await expectInvalidParameter(wed().query('select $1::text, $2::text, $3::text, $4::text', ['a', 1, () => 1, Symbol('s')] as unknown as QueryParam[]), 2, /function/);
    await expectInvalidParameter(wed().query('select $1::text', [Symbol('s')] as unknown as QueryParam[]), 0, /symbol/);
  });

  it('a rejected parameter through conn.query leaves the connection usable', async () => {
    const conn: PoolConnection = await wed().getConnection();
    try {
      await expectInvalidParameter(conn.query('select $1::text as v', [() => 1] as unknown as QueryParam[]), 0);
      expect((await conn.query('select $1::text as v', ['next'])).rows).toEqual([{ v: 'next' }]);
    } finally {
      conn.release();
    }
  });

  it('a params argument that is not an array is rejected with InvalidParameterError', async () => {
    await expectInvalidParameter(wed().query('select $1::text as v', 'abc' as unknown as QueryParam[]), 0);
  });
});

describe('wrong number of parameters', () => {
  async function countMismatch(sql: string, params: QueryParam[], index: number, pgCode = '08P01'): Promise<void> {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const err = await pool.query(sql, params).then(
      () => {
        throw new Error('expected the query to reject');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err).toBeInstanceOf(WedPoolError);
    expect(err).not.toBeInstanceOf(DatabaseError);
    expect((err as InvalidParameterError).code).toBe('INVALID_PARAMETER');
    expect((err as InvalidParameterError).index).toBe(index);
    expect((err as Error).message).toMatch(/expects \d+ parameter\(s\) but \d+ were given/);
    // pg sends the statement and gets a server error instead: the protocol error 08P01, or
    // 42P02 when it has no parameters at all (it then uses the simple query protocol).
    await expect(client().query(sql, params)).rejects.toMatchObject({ code: pgCode });
  }

  it('too few parameters reject with InvalidParameterError (INVALID_PARAMETER, index of the first missing one)', async () => {
    await countMismatch('select $1::int as a, $2::int as b', [1], 1);
    await countMismatch('select $1::int as a', [], 0, '42P02');
  });

  it('too many parameters reject with InvalidParameterError (INVALID_PARAMETER, index of the first extra one)', async () => {
    await countMismatch('select $1::int as a', [1, 2], 1);
    await countMismatch('select 1 as a', [1], 0);
  });

  it('a parameter count mismatch does not execute the statement or abort the open transaction', async () => {
    const conn = await wed().getConnection();
    try {
      await conn.query('create temp table wp_params_count (a int)');
      await conn.query('begin');
      const err = await conn.query('insert into wp_params_count values ($1), ($2)', [1]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidParameterError);
      expect((err as InvalidParameterError).code).toBe('INVALID_PARAMETER');
      expect((await conn.query('select count(*)::int as n from wp_params_count')).rows).toEqual([{ n: 0 }]);
      await conn.query('commit');
      // The same statement with the right count then works on the same connection.
      expect((await conn.query('insert into wp_params_count values ($1), ($2)', [1, 2])).rowCount).toBe(2);
    } finally {
      await conn.query('drop table if exists wp_params_count').catch(() => undefined);
      conn.release();
    }
  });
});
