// Result types: WedPool must return the same JavaScript values as node-postgres (`pg`) for the
// same query on the same server. Types pg leaves as text (or turns into objects, like interval)
// come back from WedPool in PostgreSQL's own text form; those are checked against the server's
// output function instead of against pg.
//
// Deliberate differences, each asserted and commented where it is tested:
//  * numeric[] elements stay exact decimal strings (pg parses numeric[] elements with
//    parseFloat, losing precision, while it keeps scalar numeric as a string).
//  * interval (and interval[]) come back as PostgreSQL text; pg returns PostgresInterval objects.
//  * arrays whose element type pg has no parser for (name[], "char"[], enum[]) come back as
//    arrays; pg returns the raw array literal string.
//  * types.int8 also applies to int8[] elements.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, promisify } from 'node:util';

import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { type QueryResult } from '../dist/index.js';
import { useWedPoolAndPg } from './support/peers';
import { DATABASE_URL, makePool } from './support/pool';

const execFileAsync = promisify(execFile);

const peers = useWedPoolAndPg();
const wed = () => peers.wed();
const client = () => peers.pg();

type Rows = Record<string, unknown>[];

/** Runs `sql` through WedPool and pg; returns both results. */
async function both(sql: string, params?: unknown[]): Promise<{ wed: QueryResult; pg: pg.QueryResult }> {
  const [w, p] = await Promise.all([wed().query(sql, params as never), client().query(sql, params)]);
  return { wed: w, pg: p };
}

/** Asserts WedPool returns exactly pg's rows (and column types) for `sql`; returns WedPool's rows. */
async function expectSameAsPg(sql: string, params?: unknown[]): Promise<Rows> {
  const r = await both(sql, params);
  expect(r.wed.rows).toEqual(r.pg.rows);
  expect(r.wed.fields.map((f) => [f.name, f.dataTypeID])).toEqual(r.pg.fields.map((f) => [f.name, f.dataTypeID]));
  return r.wed.rows;
}

/**
 * Like expectSameAsPg for many rows, but reports only the differing rows (index and both
 * values) so a mismatch in thousands of rows is readable.
 */
async function expectSameRowsAsPg(sql: string): Promise<void> {
  const r = await both(sql);
  expect(r.wed.rows.length).toBe(r.pg.rows.length);
  const differing = [];
  for (let i = 0; i < r.pg.rows.length; i++) {
    if (!isDeepStrictEqual(r.wed.rows[i], r.pg.rows[i])) differing.push({ row: i, wedpool: r.wed.rows[i], pg: r.pg.rows[i] });
  }
  expect(differing.slice(0, 10)).toEqual([]);
}

/**
 * Asserts that column `v` of `sql` comes back from WedPool as the server's text output of the
 * value. `format('%s', v)` calls the type's output function; `v::text` is the same for most
 * types but not for inet, whose text() cast always appends the netmask.
 */
async function expectServerText(sql: string): Promise<Rows> {
  const { rows } = await wed().query<{ v: unknown; t: string | null }>(`select v, format('%s', v) as t from (${sql}) s(v)`);
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.map((r) => r.v)).toEqual(rows.map((r) => r.t));
  return rows;
}

/** A VALUES list of quoted literals: `('a'), ('b')`. */
function values(literals: string[], cast: string): string {
  return `values ${literals.map((l, i) => `(${l === 'NULL' ? 'NULL' : `'${l.replace(/'/g, "''")}'`}${i === 0 ? `::${cast}` : ''})`).join(', ')}`;
}

describe('numbers', () => {
  it('int2, int4 and oid come back as numbers, extremes included', async () => {
    const rows = await expectSameAsPg(
      `select '-32768'::int2 as a, 32767::int2 as b, '-2147483648'::int4 as c, 2147483647::int4 as d,
              0::oid as e, 4294967295::oid as f, 0::int4 as g, '-1'::int2 as h`,
    );
    expect(rows).toEqual([{ a: -32768, b: 32767, c: -2147483648, d: 2147483647, e: 0, f: 4294967295, g: 0, h: -1 }]);
  });

  it('float8 values come back as the same numbers, including -0, subnormals and extremes', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('0'::float8), ('-0'), ('0.1'), ('1e-7'), ('1e21'), ('-1.7976931348623157e308'),
              ('5e-324'), ('2.2250738585072014e-308'), ('9007199254740993'), ('3.141592653589793')) s(v)`,
    );
    expect(rows[1].v).toBe(-0);
    expect(rows[2].v).toBe(0.1);
  });

  it('float8 NaN, Infinity and -Infinity come back as the numbers NaN, Infinity and -Infinity', async () => {
    const rows = await expectSameAsPg(`select 'NaN'::float8 as a, 'Infinity'::float8 as b, '-Infinity'::float8 as c`);
    expect(rows[0]).toEqual({ a: NaN, b: Infinity, c: -Infinity });
  });

  it('float4 values come back as pg parses their shortest text form (not widened binary floats)', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('3.14'::float4), ('0.1'), ('1e30'), ('-0'), ('NaN'), ('Infinity'), ('-Infinity'),
              ('1.17549435e-38'), ('3.4028235e38'), ('16777217'), ('1.4e-45'), ('123456.789')) s(v)`,
    );
    expect(rows[0].v).toBe(3.14);
    expect(rows[1].v).toBe(0.1);
    expect(rows[3].v).toBe(-0);
  });

  it('large float4 values come back as pg parses the server text (5.5140152e+07 is 55140152, not 55140150)', async () => {
    // PostgreSQL prints these float4 values with one more digit than Rust's shortest form
    // ('5.5140152e+07' vs '55140150'); both round to the same float4 but are different doubles.
    const rows = await expectSameAsPg(
      `select v, v::text as t from (values ('55140152'::float4), ('-404065216'), ('-70692096'), ('123456792'), ('16777218')) s(v)`,
    );
    expect(rows.map((r) => r.v)).toEqual(rows.map((r) => parseFloat(r.t as string)));
  });

  it('five thousand float4 values across the exponent range match pg', async () => {
    await expectSameRowsAsPg(
      `select (sin(g) * 10 ^ (g % 70 - 35))::float4 as v, (sin(g) * 10 ^ (g % 70 - 35))::float4::text as t from generate_series(1, 5000) g`,
    );
  });

  it('five thousand float8 values across the exponent range match pg', async () => {
    await expectSameRowsAsPg(
      `select (sin(g) * 10 ^ (g % 600 - 300))::float8 as v from generate_series(1, 5000) g`,
    );
  });

  it('int8 comes back as a decimal string by default, exactly like pg', async () => {
    const rows = await expectSameAsPg(
      `select '-9223372036854775808'::int8 as a, 9223372036854775807::int8 as b, 0::int8 as c,
              9007199254740993::int8 as d, '-1'::int8 as e`,
    );
    expect(rows[0]).toEqual({ a: '-9223372036854775808', b: '9223372036854775807', c: '0', d: '9007199254740993', e: '-1' });
  });

  it("types.int8 'string' is the same as the default", async () => {
    const pool = makePool({ types: { int8: 'string' } });
    const { rows } = await pool.query(`select 9223372036854775807::int8 as a`);
    expect(rows).toEqual([{ a: '9223372036854775807' }]);
  });

  it("types.int8 'bigint' returns BigInts equal to pg with a BigInt parser for int8", async () => {
    const pool = makePool({ types: { int8: 'bigint' } });
    const sql = `select '-9223372036854775808'::int8 as a, 9223372036854775807::int8 as b, 9007199254740993::int8 as c, null::int8 as d`;
    const bigintClient = new pg.Client({
      connectionString: DATABASE_URL(),
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? BigInt : pg.types.getTypeParser(oid, format))) as never },
    });
    await bigintClient.connect();
    try {
      const [w, p] = await Promise.all([pool.query(sql), bigintClient.query(sql)]);
      expect(w.rows).toEqual(p.rows);
      expect(w.rows).toEqual([{ a: -(2n ** 63n), b: 2n ** 63n - 1n, c: 9007199254740993n, d: null }]);
    } finally {
      await bigintClient.end();
    }
  });

  it("types.int8 'number' returns Number(value), rounding beyond 2^53 as Number() does", async () => {
    const pool = makePool({ types: { int8: 'number' } });
    const { rows } = await pool.query(`select 42::int8 as a, 9007199254740993::int8 as b, '-9223372036854775808'::int8 as c`);
    expect(rows).toEqual([{ a: 42, b: Number('9007199254740993'), c: Number('-9223372036854775808') }]);
  });

  it('types.int8 changes only int8: numeric, int4, int2, oid and text are unaffected', async () => {
    for (const mode of ['bigint', 'number'] as const) {
      const pool = makePool({ types: { int8: mode } });
      const sql = `select 1.50::numeric as n, 7::int4 as i, 3::int2 as s, 9::oid as o, '5'::text as t, 12345678901234567890::numeric as big`;
      const [w, p] = await Promise.all([pool.query(sql), client().query(sql)]);
      expect(w.rows).toEqual(p.rows);
    }
  });

  it('types.int8 also applies to int8[] elements (pg keeps them as strings with an int8-only parser)', async () => {
    // Deliberate: WedPool applies the int8 mode to array elements too, so int8 values have one
    // representation whatever column they come from.
    const big = makePool({ types: { int8: 'bigint' } });
    expect((await big.query(`select '{1,NULL,9223372036854775807}'::int8[] as v`)).rows).toEqual([{ v: [1n, null, 2n ** 63n - 1n] }]);
    const num = makePool({ types: { int8: 'number' } });
    expect((await num.query(`select '{1,NULL}'::int8[] as v`)).rows).toEqual([{ v: [1, null] }]);
  });

  it('numeric comes back as the exact decimal string PostgreSQL prints, like pg', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('0'::numeric), ('0.000'), ('-0.0001'), ('1e-30'), ('1.50'), ('10000'), ('100000000'),
              ('0.00010000'), ('123456789012345678901234567890.123456789'), ('-1e100'), ('99999999.99999999'),
              ('12.34'), ('-10002'), ('500000000')) s(v)`,
    );
    expect(rows.map((r) => r.v)).toEqual([
      '0', '0.000', '-0.0001', '0.000000000000000000000000000001', '1.50', '10000', '100000000', '0.00010000',
      '123456789012345678901234567890.123456789', `-1${'0'.repeat(100)}`, '99999999.99999999', '12.34', '-10002', '500000000',
    ]);
  });

  it('numeric NaN, Infinity and -Infinity come back as the strings pg returns', async () => {
    const rows = await expectSameAsPg(`select 'NaN'::numeric as a, 'Infinity'::numeric as b, '-Infinity'::numeric as c`);
    expect(rows[0]).toEqual({ a: 'NaN', b: 'Infinity', c: '-Infinity' });
  });

  it('five thousand numerics of varying scale and magnitude match pg', async () => {
    await expectSameRowsAsPg(
      `select round((sin(g) * 10 ^ (g % 40 - 20))::numeric, g % 30) as v,
              (cos(g) * 1e6)::numeric(20, 10) as w from generate_series(1, 5000) g`,
    );
  });
});

describe('booleans, text and binary', () => {
  it('bool comes back as true and false', async () => {
    const rows = await expectSameAsPg(`select true as a, false as b, 't'::bool as c, null::bool as d`);
    expect(rows[0]).toEqual({ a: true, b: false, c: true, d: null });
  });

  it('text, varchar, char(n) (space-padded), name and "char" come back as strings', async () => {
    const rows = await expectSameAsPg(
      `select 'héllo 🎉'::text as a, 'x'::varchar(3) as b, 'ab'::char(4) as c, 'abc'::name as d, 'a'::"char" as e,
              ''::text as f, 'line1' || chr(10) || 'line2' as g, 'unknown literal' as h, 'q''uote\\back"slash'::text as i`,
    );
    expect(rows[0]).toMatchObject({ c: 'ab  ', d: 'abc', e: 'a', f: '' });
  });

  it('bytea comes back as a Buffer with the same bytes, including all 256 byte values and empty', async () => {
    const rows = await expectSameAsPg(
      `select '\\x00ff5c'::bytea as a, ''::bytea as b, (select string_agg(set_byte('\\x00'::bytea, 0, g), ''::bytea order by g) from generate_series(0, 255) g) as c`,
    );
    expect(Buffer.isBuffer(rows[0].a)).toBe(true);
    expect(rows[0].a).toEqual(Buffer.from([0, 255, 92]));
    expect(rows[0].b).toEqual(Buffer.alloc(0));
    expect(rows[0].c).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  });

  it('uuid comes back as a lowercase hyphenated string', async () => {
    const rows = await expectSameAsPg(
      `select 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid as a, '00000000-0000-0000-0000-000000000000'::uuid as b`,
    );
    expect(rows[0].a).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  });

  it('json and jsonb come back parsed, scalars and nested values included', async () => {
    const rows = await expectSameAsPg(
      `select '{"a":[1,2.50,{"b":null}],"c":"\\u00e9","d":true}'::jsonb as a,
              '{"a":1,"a":2,"n":1.0000000000000000001,"big":12345678901234567890}'::json as b,
              'null'::jsonb as c, '"str"'::json as d, '42'::jsonb as e, '[]'::json as f, null::jsonb as g,
              '  { "spaced" : [ 1 , 2 ] }  '::json as h`,
    );
    expect(rows[0]).toMatchObject({ a: { a: [1, 2.5, { b: null }], c: 'é', d: true }, c: null, d: 'str', e: 42, f: [], g: null });
    expect((rows[0].b as { a: number }).a).toBe(2);
  });
});

describe('dates and timestamps (process-local time zone, like pg)', () => {
  it('date comes back as local midnight of that day', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('2026-06-13'::date), ('1970-01-01'), ('1969-12-31'), ('2000-02-29'), ('1900-01-01'),
              ('1800-06-15'), ('0099-12-31'), ('0001-01-01'), ('0044-03-15 BC'), ('9999-12-31'), ('12345-01-01')) s(v)`,
    );
    expect(rows[0].v).toEqual(new Date(2026, 5, 13));
    expect(rows[4].v).toEqual(new Date(1900, 0, 1));
  });

  it('timestamp without time zone is read as local wall-clock time, microseconds truncated to ms', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('2026-06-13 14:30:00'::timestamp), ('2026-06-13 14:30:00.123456'), ('2026-06-13 14:30:00.999999'),
              ('1969-12-31 23:59:59.9995'), ('1900-01-01 00:00:00.001'), ('1850-07-04 12:00:00'), ('0099-12-31 23:59:59.999'),
              ('0001-01-01 00:00:00'), ('0001-01-01 00:00:00 BC'), ('2026-01-01 00:00:00.000001')) s(v)`,
    );
    expect(rows[0].v).toEqual(new Date(2026, 5, 13, 14, 30));
    expect(rows[1].v).toEqual(new Date(2026, 5, 13, 14, 30, 0, 123));
  });

  it('every millisecond fraction of a timestamp comes back like pg', async () => {
    await expectSameRowsAsPg(
      `select timestamp '2026-01-01 00:00:00' + make_interval(secs => g / 1000.0) as v from generate_series(0, 999) g`,
    );
    await expectSameRowsAsPg(
      `select timestamp '1960-01-01 00:00:00' + make_interval(secs => g / 1000000.0) as v from generate_series(0, 999999, 997) g`,
    );
  });

  it('timestamptz comes back as the same instant', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('2026-06-13 12:34:56.789+00'::timestamptz), ('2026-06-13 12:34:56.789123+05:30'),
              ('1969-12-31 23:59:59.999-08'), ('1883-11-18 12:00:00+00'), ('0001-01-01 00:00:00+00'),
              ('0010-06-01 00:00:00+00 BC'), ('2200-01-01 00:00:00+00')) s(v)`,
    );
    expect(rows[0].v).toEqual(new Date('2026-06-13T12:34:56.789Z'));
    expect(rows[1].v).toEqual(new Date('2026-06-13T07:04:56.789Z'));
  });

  it('infinite dates and timestamps come back as the numbers Infinity and -Infinity, like pg', async () => {
    // pg (postgres-date) returns the *number* ±Infinity rather than a Date for infinite values;
    // WedPool does the same, so `v instanceof Date` is false for these.
    const rows = await expectSameAsPg(
      `select 'infinity'::timestamptz as a, '-infinity'::timestamptz as b, 'infinity'::timestamp as c,
              '-infinity'::timestamp as d, 'infinity'::date as e, '-infinity'::date as f,
              array['infinity'::timestamptz, '-infinity', null] as g, array['-infinity'::date] as h`,
    );
    expect(rows[0]).toEqual({ a: Infinity, b: -Infinity, c: Infinity, d: -Infinity, e: Infinity, f: -Infinity, g: [Infinity, -Infinity, null], h: [-Infinity] });
  });

  it('fifteen thousand dates from 1800 to 2087 match pg', async () => {
    await expectSameRowsAsPg(`select date '1800-01-01' + g * 7 as v from generate_series(0, 15000) g`);
  });

  it('twenty thousand timestamps and timestamptz from 1850 to 2100 match pg', async () => {
    await expectSameRowsAsPg(
      `select (timestamp '1850-01-01' + g * interval '12345 seconds 678901 microseconds' * 32)::text as label,
              timestamp '1850-01-01' + g * interval '12345 seconds 678901 microseconds' * 32 as v,
              timestamptz '1850-01-01 00:00:00+00' + g * interval '12345 seconds 678901 microseconds' * 32 as w
         from generate_series(0, 20000) g`,
    );
  });

  it('wall times inside local DST transitions (gaps and overlaps) resolve like pg in the current time zone', async () => {
    // Only meaningful when the process runs in one of these zones (e.g. TZ=America/New_York or
    // TZ=Europe/Berlin); in UTC every value is an ordinary wall time. See the child-process
    // tests below for a run that does not depend on the process's zone.
    await expectSameAsPg(
      `select v from (values ('2026-03-08 02:30'::timestamp), ('2026-11-01 01:30'), ('2026-11-01 01:00'), ('2026-11-01 01:59:59.999'),
              ('2040-11-04 01:30'), ('2085-11-04 01:12:56.134'), ('2026-03-29 02:30'), ('2026-10-25 02:30'), ('2026-03-29 00:30')) s(v)`,
    );
  });
});

describe('dates and timestamps in other time zones (child processes with TZ set)', () => {
  const distIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const pgPath = createRequire(import.meta.url).resolve('pg');

  /** Runs `sql` (columns `label` text and `v`) in a child process with `TZ=tz`; returns ISO strings per label. */
  async function inZone(tz: string, sql: string): Promise<{ wed: Record<string, string>; pg: Record<string, string> }> {
    const script = `
      const { WeddingAwareConnectionPool } = require(${JSON.stringify(distIndex)});
      const pg = require(${JSON.stringify(pgPath)});
      const show = (rows) => Object.fromEntries(rows.map((r) => [r.label, r.v instanceof Date ? r.v.toISOString() : String(r.v)]));
      (async () => {
        const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL });
        const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await client.connect();
        try {
          const sql = ${JSON.stringify(sql)};
          const [w, p] = await Promise.all([pool.query(sql), client.query(sql)]);
          process.stdout.write(JSON.stringify({ wed: show(w.rows), pg: show(p.rows) }));
        } finally {
          await client.end();
          await pool.end();
        }
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const { stdout } = await execFileAsync(process.execPath, ['-e', script], {
      env: { ...process.env, TZ: tz, DATABASE_URL: DATABASE_URL() },
      timeout: 20_000,
    });
    return JSON.parse(stdout);
  }

  const zoneSql = (stamps: string[], cast: string): string =>
    `select v::text as label, v from (${values(stamps, cast)}) s(v)`;

  it('ordinary dates and timestamps in America/New_York match pg', async () => {
    const r = await inZone(
      'America/New_York',
      zoneSql(['2026-06-13 14:30:00', '2026-01-15 08:00:00.123', '1883-11-18 11:00:00', '1850-01-01 00:00:00', '0044-03-15 12:00:00 BC'], 'timestamp'),
    );
    expect(r.wed).toEqual(r.pg);
    const d = await inZone('America/New_York', zoneSql(['2026-06-13', '2026-01-15', '1883-11-18', '1800-01-01', '0001-01-01'], 'date'));
    expect(d.wed).toEqual(d.pg);
  });

  it('a timestamp inside a DST overlap resolves to the earlier instant (daylight time), like pg, in America/New_York', async () => {
    // 2026-11-01 01:30 happens twice in New York; JavaScript's Date (and so pg) picks the first
    // occurrence, 01:30 EDT = 05:30Z.
    const r = await inZone('America/New_York', zoneSql(['2026-11-01 01:30:00', '2026-11-01 01:00:00', '2040-11-04 01:30:00', '2085-11-04 01:12:56.134'], 'timestamp'));
    expect(r.pg['2026-11-01 01:30:00']).toBe('2026-11-01T05:30:00.000Z');
    expect(r.wed).toEqual(r.pg);
  });

  it('a timestamp inside a DST overlap resolves to the earlier instant (summer time), like pg, in Europe/Berlin', async () => {
    const r = await inZone('Europe/Berlin', zoneSql(['2026-10-25 02:30:00', '2026-10-25 02:00:00'], 'timestamp'));
    expect(r.pg['2026-10-25 02:30:00']).toBe('2026-10-25T00:30:00.000Z');
    expect(r.wed).toEqual(r.pg);
  });

  it('a timestamp inside a DST gap moves forward by the gap, like pg, in America/New_York', async () => {
    const r = await inZone('America/New_York', zoneSql(['2026-03-08 02:30:00', '2026-03-08 02:00:00'], 'timestamp'));
    expect(r.pg['2026-03-08 02:30:00']).toBe('2026-03-08T07:30:00.000Z');
    expect(r.wed).toEqual(r.pg);
  });

  it('a timestamp inside a DST gap moves forward by the gap, like pg, in Europe/Berlin (east of UTC)', async () => {
    // 02:30 does not exist on 2026-03-29 in Berlin; JavaScript reads it as 03:30 CEST = 01:30Z.
    const r = await inZone('Europe/Berlin', zoneSql(['2026-03-29 02:30:00', '2026-03-29 02:00:00'], 'timestamp'));
    expect(r.pg['2026-03-29 02:30:00']).toBe('2026-03-29T01:30:00.000Z');
    expect(r.wed).toEqual(r.pg);
  });

  it('dates and timestamps at a midnight DST gap match pg in Asia/Beirut and America/Sao_Paulo', async () => {
    const runs = await Promise.all([
      inZone('Asia/Beirut', zoneSql(['2026-03-29 00:30:00', '2026-03-29 00:00:00', '2026-03-28 23:30:00'], 'timestamp')),
      inZone('Asia/Beirut', zoneSql(['2026-03-29', '2026-03-28'], 'date')),
      inZone('America/Sao_Paulo', zoneSql(['2018-11-04', '2018-11-03'], 'date')),
      inZone('America/Sao_Paulo', zoneSql(['2018-11-04 00:30:00'], 'timestamp')),
    ]);
    expect(runs.map((r) => r.wed)).toEqual(runs.map((r) => r.pg));
  });
});

describe('arrays', () => {
  it('arrays of numbers, booleans, strings, uuids, bytea, json and dates come back as arrays equal to pg', async () => {
    await expectSameAsPg(
      `select '{1,2,3}'::int4[] as i4, '{-32768,32767}'::int2[] as i2, '{1,NULL,-9223372036854775808}'::int8[] as i8,
              '{1.5,NaN,Infinity,-0}'::float8[] as f8, '{1.5,0.1,NaN}'::float4[] as f4, '{1,2}'::oid[] as o,
              '{t,f,NULL}'::bool[] as b, array['a'::varchar, 'b'] as vc, '{ab}'::char(3)[] as c,
              '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'::uuid[] as u, array['\\x0102'::bytea, '', null] as by,
              array['[1]'::json, null, '{"a":"b"}'] as js, array['{"a":1}'::jsonb, 'null'] as jb,
              array[date '2026-01-02', null, date '1900-01-01'] as dt,
              array[timestamp '2026-01-02 03:04:05.678', timestamp '1960-01-01 00:00:00.0001'] as ts,
              array[timestamptz '2026-01-02 03:04:05+02'] as tz`,
    );
  });

  it('multi-dimensional arrays keep their shape', async () => {
    const rows = await expectSameAsPg(
      `select '{{1,2},{3,NULL}}'::int[] as a, '{{{1}},{{2}}}'::int2[] as b, '{{a,b,c},{d,e,f}}'::text[] as c,
              '{{t},{f}}'::bool[] as d, array[array[date '2026-01-01'], array[null::date]] as e,
              '{{"[1]","{}"}}'::jsonb[] as f`,
    );
    expect(rows[0].a).toEqual([[1, 2], [3, null]]);
    expect(rows[0].b).toEqual([[[1]], [[2]]]);
    expect(rows[0].f).toEqual([[[1], {}]]);
  });

  it('empty arrays come back as []', async () => {
    const rows = await expectSameAsPg(
      `select '{}'::int[] as a, '{}'::text[] as b, '{}'::jsonb[] as c, '{}'::date[] as d, '{}'::bytea[] as e, array[]::int8[] as f`,
    );
    expect(rows[0]).toEqual({ a: [], b: [], c: [], d: [], e: [], f: [] });
  });

  it('NULL elements come back as null', async () => {
    const rows = await expectSameAsPg(
      `select '{NULL}'::int[] as a, '{NULL,NULL}'::text[] as b, array[null::jsonb] as c, array[null::bytea] as d,
              array[null::timestamptz] as e, '{{NULL},{1}}'::int[] as f`,
    );
    expect(rows[0]).toEqual({ a: [null], b: [null, null], c: [null], d: [null], e: [null], f: [[null], [1]] });
  });

  it('array elements with quotes, backslashes, commas, braces, spaces and the text NULL come back verbatim', async () => {
    const rows = await expectSameAsPg(
      `select array['a"b', 'c\\d', 'e,f', '{g}', null, 'NULL', '', ' s ', 'x''y', 'multi
line'] as v`,
    );
    expect(rows[0].v).toEqual(['a"b', 'c\\d', 'e,f', '{g}', null, 'NULL', '', ' s ', "x'y", 'multi\nline']);
  });

  it('arrays with a non-default lower bound come back as plain arrays, like pg', async () => {
    const rows = await expectSameAsPg(`select '[0:2]={7,8,9}'::int[] as a, '[-1:0][5:6]={{1,2},{3,4}}'::int[] as b`);
    expect(rows[0]).toEqual({ a: [7, 8, 9], b: [[1, 2], [3, 4]] });
  });

  it('arrays of text-form types (time, timetz, inet, cidr, macaddr) come back as pg returns them', async () => {
    await expectSameAsPg(
      `select array['12:00'::time, '23:59:59.999999'] as tm, array['12:00+01'::timetz] as ttz,
              array['1.2.3.4'::inet, '::1', '10.0.0.1/8'] as ine, array['10.0.0.0/8'::cidr] as cd,
              array['08:00:2b:01:02:03'::macaddr] as mac`,
    );
  });

  it('numeric[] elements come back as exact decimal strings (pg parses them as floats)', async () => {
    // Deliberate difference: pg registers parseFloat for numeric[] (so '12345678901234567890.123'
    // becomes 12345678901234567000) while it returns scalar numeric as a string. WedPool keeps
    // numeric exact everywhere.
    const { rows } = await wed().query(`select '{1.50,NaN,12345678901234567890.123,NULL}'::numeric[] as v`);
    expect(rows).toEqual([{ v: ['1.50', 'NaN', '12345678901234567890.123', null] }]);
    const p = await client().query(`select '{1.50,NaN,12345678901234567890.123,NULL}'::numeric[] as v`);
    expect(p.rows[0].v).toEqual([1.5, NaN, 12345678901234567000, null]);
  });

  it('name[] and "char"[] come back as arrays of strings (pg returns the raw literal)', async () => {
    // Deliberate difference: pg has no parser for these array types and returns '{x,y}'.
    const { rows } = await wed().query(`select '{x,"y z"}'::name[] as a, '{a,b}'::"char"[] as b`);
    expect(rows).toEqual([{ a: ['x', 'y z'], b: ['a', 'b'] }]);
  });
});

describe('NULL, fields and row shapes', () => {
  it('NULL of every decoded type comes back as null', async () => {
    const types = [
      'int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid', 'bool', 'text', 'varchar', 'char(3)', 'name', 'bytea',
      'json', 'jsonb', 'uuid', 'date', 'timestamp', 'timestamptz', 'interval', 'time', 'timetz', 'inet', 'cidr', 'macaddr',
      'money', 'int4[]', 'text[]',
    ];
    const sql = `select ${types.map((t, i) => `null::${t} as c${i}`).join(', ')}`;
    const rows = await expectSameAsPg(sql);
    expect(Object.values(rows[0])).toEqual(types.map(() => null));
  });

  it('fields report the same names, tableID, columnID and dataTypeID as pg', async () => {
    const conn = await wed().getConnection();
    try {
      await conn.query(`create temp table wp_types_fields (id int8, label text, at timestamptz, data jsonb)`);
      await conn.query(`insert into wp_types_fields values (1, 'a', '2026-06-13 12:00+00', '{"k":1}')`);
      const w = await conn.query(`select id, label, at, data, id + 1 as computed from wp_types_fields`);
      await client().query(`create temp table wp_types_fields (id int8, label text, at timestamptz, data jsonb)`);
      await client().query(`insert into wp_types_fields values (1, 'a', '2026-06-13 12:00+00', '{"k":1}')`);
      const p = await client().query(`select id, label, at, data, id + 1 as computed from wp_types_fields`);
      await client().query(`drop table wp_types_fields`);
      expect(w.rows).toEqual(p.rows);
      // Temp tables differ per session, so compare table ids by presence, the rest exactly.
      expect(w.fields.map((f) => [f.name, f.columnID, f.dataTypeID, f.tableID === 0])).toEqual(
        p.fields.map((f) => [f.name, f.columnID, f.dataTypeID, f.tableID === 0]),
      );
      expect(w.fields[4].tableID).toBe(0);
      expect(w.fields[0].tableID).toBeGreaterThan(0);
    } finally {
      conn.release();
    }
  });

  it("rowMode 'array' returns each row's values in column order, like pg", async () => {
    const sql = `select 1 as a, 'x' as b, null::int as c, '{"k":[1]}'::jsonb as d, 1 as a`;
    const conn = await wed().getConnection();
    try {
      const w = await conn.query(sql, [], { rowMode: 'array' });
      const p = await client().query({ text: sql, rowMode: 'array' });
      expect(w.rows).toEqual(p.rows);
      expect(w.rows).toEqual([[1, 'x', null, { k: [1] }, 1]]);
      const viaPool = await wed().query(sql, [], undefined, { rowMode: 'array' });
      expect(viaPool.rows).toEqual(p.rows);
    } finally {
      conn.release();
    }
  });

  it('duplicate column names keep the last value in object rows, like pg', async () => {
    const rows = await expectSameAsPg(`select 1 as n, 2 as n`);
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('several rows come back in order with command and rowCount like pg', async () => {
    const r = await both(`select g as n, g::text as t from generate_series(1, 50) g`);
    expect(r.wed.rows).toEqual(r.pg.rows);
    expect(r.wed.command).toBe(r.pg.command);
    expect(r.wed.rowCount).toBe(r.pg.rowCount);
  });
});

describe("types returned in PostgreSQL's text form", () => {
  it('interval comes back as the server text form (pg returns a PostgresInterval object instead)', async () => {
    await expectServerText(
      values(['1 year 2 mons 3 days 04:05:06.5', '0', '100 hours', '-00:00:01.5', '1 day -1 hour', '11 mons', '00:00:00.000001', '178000000 years', '3 days'], 'interval'),
    );
  });

  it('negative intervals come back as the server text form (plural units, "+" after a negative part)', async () => {
    const rows = await expectServerText(values(['-1 year', '-14 months', '1 mon -1 day', '-1 days 1 hour', '-1 mon +1 hour', '-1 day'], 'interval'));
    expect(rows.map((r) => r.v)).toEqual(['-1 years', '-1 years -2 mons', '1 mon -1 days', '-1 days +01:00:00', '-1 mons +01:00:00', '-1 days']);
  });

  it('time and timetz come back as the server text form', async () => {
    await expectServerText(values(['12:34:56.789', '24:00:00', '00:00:00.000001', '00:00'], 'time'));
    await expectServerText(values(['12:34:56.789+05:30', '00:00-03', '23:59:59.5+14', '12:00+05:45:30', '12:00-00'], 'timetz'));
    // pg returns both as strings too.
    await expectSameAsPg(`select '12:34:56.789'::time as a, '12:34:56.789+05:30'::timetz as b`);
  });

  it('inet and cidr come back as the server text form and as pg returns them', async () => {
    const inets = ['1.2.3.4', '10.0.0.1/8', '::1', '2001:db8::1/64', '::ffff:1.2.3.4', '1:0:2:3:4:5:6:7', '2001:db8:0:0:1:0:0:1', 'fe80::', '::', '255.255.255.255/0'];
    await expectServerText(values(inets, 'inet'));
    const cidrs = ['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', '1.2.3.4/32', '::/0'];
    await expectServerText(values(cidrs, 'cidr'));
    await expectSameAsPg(`select v from (${values(inets, 'inet')}) s(v)`);
    await expectSameAsPg(`select v from (${values(cidrs, 'cidr')}) s(v)`);
  });

  it('an IPv4-compatible IPv6 inet (::1.2.3.4) comes back as the server text form', async () => {
    await expectServerText(values(['::1.2.3.4', '::10.0.0.1/120'], 'inet'));
  });

  it('macaddr comes back as the server text form', async () => {
    await expectServerText(values(['08:00:2b:01:02:03', '08-00-2B-01-02-03', '0800.2b01.0203'], 'macaddr'));
    await expectSameAsPg(`select '08:00:2b:01:02:03'::macaddr as v`);
  });

  it('money comes back as the server text form (currency symbol and grouping included)', async () => {
    await expectServerText(values(['0', '-0.01', '1234.56', '-1234567.89', '92233720368547758.07', '0.5'], 'money'));
    // pg returns money as the same text.
    await expectSameAsPg(`select '1234.56'::money as v, array['1'::money] as a`);
  });

  it('enum values come back as their labels; enum arrays as arrays of labels (pg returns the literal)', async () => {
    const conn = await wed().getConnection();
    try {
      await conn.query('begin');
      await conn.query(`create type wp_mood as enum ('sad', 'happy', 'with space')`);
      const { rows } = await conn.query(`select 'happy'::wp_mood as v, format('%s', 'happy'::wp_mood) as t, '{sad,"with space",NULL}'::wp_mood[] as a`);
      // Deliberate difference: pg has no parser for the enum's array type and returns '{sad,"with space",NULL}'.
      expect(rows).toEqual([{ v: 'happy', t: 'happy', a: ['sad', 'with space', null] }]);
    } finally {
      await conn.query('rollback');
      conn.release();
    }
  });

  it('interval[] elements come back as the server text form', async () => {
    const { rows } = await wed().query(
      `select array['1 day'::interval, '-1 year', null, '01:02:03'] as v,
              array(select format('%s', e) from unnest(array['1 day'::interval, '-1 year', null, '01:02:03']) e) as t`,
    );
    expect(rows[0].v).toEqual((rows[0].t as (string | null)[]).map((x) => (x === '' ? null : x)));
  });

  it('types without a dedicated decoder (ranges, bit strings, macaddr8, tsvector, point, box) come back as the server text form', async () => {
    const cases: Record<string, string> = {
      int4range: `'[1,5)'::int4range`,
      empty_range: `'empty'::int4range`,
      tsrange: `'[2026-01-01,2026-02-01)'::tsrange`,
      varbit: `B'101'::varbit`,
      bit: `B'0000'::bit(4)`,
      macaddr8: `'08:00:2b:01:02:03:04:05'::macaddr8`,
      tsvector: `'a fat cat'::tsvector`,
      point: `'(1,2)'::point`,
      box: `'((0,0),(1,1))'::box`,
    };
    const sql = `select ${Object.entries(cases).map(([k, e]) => `${e} as ${k}, format('%s', ${e}) as ${k}_text`).join(', ')}`;
    const { rows } = await wed().query(sql);
    const actual = Object.fromEntries(Object.keys(cases).map((k) => [k, rows[0][k]]));
    const expected = Object.fromEntries(Object.keys(cases).map((k) => [k, rows[0][`${k}_text`]]));
    expect(actual).toEqual(expected);
  });

  it('xml comes back as a string like pg', async () => {
    await expectSameAsPg(`select '<a>x</a>'::xml as v`);
  });

  it('xid comes back as text like pg; reg* types come back as their OID in text form', async () => {
    // Deliberate difference: the text of a reg* value is an object name only the server can
    // look up (pg gets 'now'); WedPool decodes the binary OID and returns it as text.
    const xid = await expectSameAsPg(`select '5'::xid as x`);
    expect(xid).toEqual([{ x: '5' }]);
    const pool = makePool();
    const { rows } = await pool.query(`select 'now'::regproc as r, 'now'::regproc::oid::text as oid`);
    expect(rows[0].r).toBe(rows[0].oid);
  });
});
