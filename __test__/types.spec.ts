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
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { useParity } from './support/parity';
import { DATABASE_URL, makePool } from './support/pool';

const { wed, client, both, expectSameAsPg, expectSameRowsAsPg } = useParity();

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
