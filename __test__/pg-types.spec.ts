// wedpool/pg results against node-postgres's on the same statements: default values, values
// through pg's own type parsers and through Drizzle-style parsers that keep the server's text,
// rowMode 'array', and the field descriptions.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Pool } from '../dist/pg/index.js';
import { DATABASE_URL } from './support/pool';

let ours: Pool;
let theirs: pg.Pool;

beforeAll(() => {
  ours = new Pool({ connectionString: DATABASE_URL(), fleetBudget: false, max: 2 });
  theirs = new pg.Pool({ connectionString: DATABASE_URL(), max: 2 });
});

afterAll(async () => {
  await Promise.all([ours.end(), theirs.end()]);
});

// Every value's type, as the server prints it, with NULLs and arrays.
const VALUES = `select
  true as bool, 32767::int2 as int2, -5::int4 as int4, 9007199254740993::int8 as int8, 12.5::float4 as float4,
  0.1::float8 as float8, 123456789.000100::numeric as numeric, 'text'::text as text, 'abc'::varchar(10) as varchar,
  'x'::char(3) as bpchar, '\\xdeadbeef'::bytea as bytea, '{"a": [1, 2]}'::json as json, '{"b": {"c": null}}'::jsonb as jsonb,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as uuid, '2026-06-13'::date as date,
  '2026-06-13 14:30:05.123456'::timestamp as ts, '2026-06-13 14:30:05.5+02'::timestamptz as tstz,
  '1 year 2 mons 3 days 04:05:06.7'::interval as interval, '-1 days +02:00:00'::interval as neg_interval,
  '13:45:00'::time as time, '13:45:00+05:30'::timetz as timetz, '192.168.0.1/24'::inet as inet, '10.0.0.0/8'::cidr as cidr,
  '08:00:2b:01:02:03'::macaddr as macaddr, 12.34::money as money, B'1011'::bit(4) as bit, '[1,5)'::int4range as range,
  array[1, null, 3]::int4[] as int4s, array['a b', '', 'NULL', 'q"uote', 'back\\slash', null]::text[] as texts,
  array[[1, 2], [3, 4]]::int8[] as matrix, array['2026-06-13'::date, null] as dates,
  array['2026-06-13 12:00:00+00'::timestamptz] as tstzs, array['1 day'::interval] as intervals,
  array[true, false] as bools, array['{"k": 1}'::jsonb] as jsonbs, array[1.5::numeric] as numerics,
  '{}'::int4[] as empty_array, null::int4 as null_int, null::text[] as null_array,
  'infinity'::timestamptz as inf_tstz, '-infinity'::date as neg_inf_date, 'NaN'::float8 as nan`;

/** pg's own parsers, plus Drizzle's: dates, timestamps and intervals (and their arrays) stay text. */
const drizzleTypes = {
  getTypeParser: (oid: number, format?: string) => {
    if ([1184, 1114, 1082, 1186, 1231, 1115, 1185, 1187, 1182].includes(oid)) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

describe('wedpool/pg values', () => {
  it('returns the same values as pg by default', async () => {
    const [a, b] = await Promise.all([ours.query(VALUES), theirs.query(VALUES)]);
    expect(a.rows).toEqual(b.rows);
  });

  it('hands type parsers the server text pg hands them (pg.types per query)', async () => {
    const config = { text: VALUES, types: pg.types };
    const [a, b] = await Promise.all([ours.query(config), theirs.query(config)]);
    expect(a.rows).toEqual(b.rows);
  });

  it('keeps dates, timestamps and intervals as the server text with Drizzle-style parsers, rows as arrays', async () => {
    const config = { text: VALUES, types: drizzleTypes, rowMode: 'array' as const };
    const [a, b] = await Promise.all([ours.query(config), theirs.query(config)]);
    expect(a.rows).toEqual(b.rows);
    const names = a.fields.map((f) => f.name);
    const row = a.rows[0] as unknown[];
    expect(row[names.indexOf('tstz')]).toBe('2026-06-13 12:30:05.5+00');
    expect(row[names.indexOf('interval')]).toBe('1 year 2 mons 3 days 04:05:06.7');
  });

  it('applies a pool-wide types option to every query', async () => {
    const seen: number[] = [];
    const pool = new Pool({
      connectionString: DATABASE_URL(),
      fleetBudget: false,
      types: { getTypeParser: (oid: number) => (v: string) => (seen.push(oid), `<${v}>`) },
    });
    try {
      const { rows } = await pool.query('select 1::int4 as n, null::text as t, now()::date = now()::date as b');
      expect(rows).toEqual([{ n: '<1>', t: null, b: '<t>' }]);
      expect(seen).toEqual([23, 16]);
    } finally {
      await pool.end();
    }
  });

  it('describes fields as pg does', async () => {
    const sql = "select 1::int4 as a, 'x'::varchar(12) as b, now() as c, 2.5::numeric(6,2) as d, relname from pg_class limit 1";
    const [a, b] = await Promise.all([ours.query(sql), theirs.query(sql)]);
    expect(a.fields).toEqual(b.fields.map((f) => ({ ...f })));
  });

  it('returns rows as arrays with rowMode array, as pg', async () => {
    const config = { text: 'select 1 as a, 2 as a, $1::text as b', values: ['x'], rowMode: 'array' as const };
    const [a, b] = await Promise.all([ours.query(config), theirs.query(config)]);
    expect(a.rows).toEqual(b.rows);
    expect(a.rows).toEqual([[1, 2, 'x']]);
  });

  it('serialises parameters as pg does', async () => {
    const params = [new Date(Date.UTC(2026, 5, 13, 12)), { a: 1 }, [1, 2], Buffer.from('hi'), null, true, 12n];
    const sql = 'select $1::timestamptz as d, $2::jsonb as j, $3::int[] as arr, $4::bytea as b, $5::text as n, $6::bool as t, $7::int8 as big';
    const [a, b] = await Promise.all([ours.query(sql, params), theirs.query(sql, params)]);
    expect(a.rows).toEqual(b.rows);
  });
});
