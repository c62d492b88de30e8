// Results travel from the binding as one JSON text, with columns that JSON cannot carry sent
// value by value (src/packed_result.rs). Whatever way a column travels, WedPool must return
// what node-postgres returns; these cases sit on the edges between the ways.
import { isDeepStrictEqual } from 'node:util';

import { describe, expect, it } from 'vitest';

import { useParity } from './support/parity';

const { wed, both, expectSameAsPg, expectSameRowsAsPg } = useParity();

async function expectIdenticalToPg(sql: string): Promise<Record<string, unknown>[]> {
  const r = await both(sql);
  // Object.is for every value: -0, NaN and key order count.
  expect(r.wed.rows.map((row) => Object.entries(row))).toEqual(r.pg.rows.map((row) => Object.entries(row)));
  expect(isDeepStrictEqual(r.wed.rows, r.pg.rows)).toBe(true);
  return r.wed.rows as Record<string, unknown>[];
}

describe('a column JSON cannot carry in one cell travels whole, and matches pg', () => {
  it('float8 NaN and Infinity among ordinary numbers', async () => {
    await expectSameRowsAsPg(`select v from (values ('1.5'::float8), ('NaN'), ('-0'), ('Infinity'), (null), ('2')) s(v)`);
  });

  it('an infinite timestamptz among finite ones', async () => {
    const rows = await expectIdenticalToPg(
      `select v from (values ('2026-06-13 15:00+00'::timestamptz), ('infinity'), (null), ('-infinity')) s(v)`,
    );
    expect(rows[0].v).toBeInstanceOf(Date);
    expect(rows[1].v).toBe(Infinity);
  });

  it('bytea next to text and int8', async () => {
    await expectSameAsPg(`select '\\x00ff'::bytea as b, 'after' as t, null::bytea as n, 9007199254740993::int8 as i`);
  });
});

describe('text and JSON written into the packed text read back unchanged', () => {
  it('text with quotes, backslashes, control characters and non-ASCII', async () => {
    await expectIdenticalToPg(
      `select E'q"uote \\\\ back\\nline\\ttab\\x01' as a, 'Ünïcödé 💍 ' || chr(8232) || chr(127) as b, '' as c`,
    );
  });

  it('json and jsonb (scalars, nested, escapes, nulls) and their arrays', async () => {
    await expectIdenticalToPg(
      `select '{"a":[1,2.5e3,{"b":null}],"s":"x\\"y\\u00e9\\n"}'::jsonb as a, '"just a string"'::json as b,
              'null'::jsonb as c, null::json as d, array['{"k":1}'::jsonb, null, '[true]'] as e,
              '  [ 1 , "two" ]  '::json as f, '{"k":1,"k":2}'::json as g`,
    );
  });

  it('a domain over jsonb comes back parsed (the server describes it as jsonb), as in pg', async () => {
    await wed().query(`drop domain if exists packed_spec_doc`);
    await wed().query(`create domain packed_spec_doc as jsonb`);
    try {
      const rows = await expectIdenticalToPg(`select '{"a":1}'::packed_spec_doc as v, '{"a":1}'::jsonb as w`);
      expect(rows[0]).toEqual({ v: { a: 1 }, w: { a: 1 } });
    } finally {
      await wed().query(`drop domain packed_spec_doc`);
    }
  });

  it('arrays of text, numbers and booleans, nested and with nulls', async () => {
    await expectIdenticalToPg(
      `select array[['a"b', null], ['c\\d', 'é']] as a, array[1.5::float8, -0, null] as b, array[true, null] as c,
              '{}'::int4[] as d`,
    );
  });
});

describe('row shapes', () => {
  it('column names needing escapes, repeated names and numeric names', async () => {
    await expectIdenticalToPg(`select 1 as "we""ird\\name", 2 as "ü", 3 as a, 4 as a, 5 as "10", 6 as "2"`);
  });

  it('rowMode array keeps every column, repeated names included', async () => {
    const { rows } = await wed().query(`select 1 as a, 'x' as a, now() as t`, [], undefined, { rowMode: 'array' });
    expect(rows[0]).toEqual([1, 'x', expect.any(Date)]);
  });

  it('an empty result keeps its fields', async () => {
    const r = await both(`select 1 as a, 'x'::text as b where false`);
    expect(r.wed.rows).toEqual([]);
    expect(r.wed.fields.map((f) => [f.name, f.dataTypeID])).toEqual(r.pg.fields.map((f) => [f.name, f.dataTypeID]));
  });
});
