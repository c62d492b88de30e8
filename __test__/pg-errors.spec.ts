// Database errors through wedpool/pg carry node-postgres's fields with pg's values, for common
// SQLSTATEs, in promise and callback forms.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DatabaseError, Pool } from '../dist/pg/index.js';
import { DATABASE_URL } from './support/pool';

const FIELDS = ['message', 'code', 'severity', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

let ours: Pool;
let theirs: pg.Pool;

beforeAll(async () => {
  ours = new Pool({ connectionString: DATABASE_URL(), fleetBudget: false, max: 2 });
  theirs = new pg.Pool({ connectionString: DATABASE_URL(), max: 2 });
  await theirs.query(`
    drop table if exists pg_err_child, pg_err_parent;
    create table pg_err_parent (id int primary key, email text unique not null, age int check (age >= 0));
    create table pg_err_child (parent_id int references pg_err_parent(id));
    insert into pg_err_parent values (1, 'a@example.com', 30);`);
});

afterAll(async () => {
  await theirs.query('drop table if exists pg_err_child, pg_err_parent');
  await Promise.all([ours.end(), theirs.end()]);
});

const CASES: Array<[string, string, unknown[]?]> = [
  ['23505', "insert into pg_err_parent values (2, 'a@example.com', 1)"],
  ['23503', 'insert into pg_err_child values (99)'],
  ['23502', 'insert into pg_err_parent (id, email) values (3, null)'],
  ['23514', "insert into pg_err_parent values (4, 'b@example.com', -1)"],
  ['22P02', 'select $1::int', ['not a number']],
  ['22012', 'select 1 / 0'],
  ['42P01', 'select * from pg_err_missing'],
  ['42703', 'select missing_column from pg_err_parent'],
  ['42601', 'selec 1'],
  ['42883', 'select no_such_function(1)'],
  ['22003', 'select 2147483647::int + 1'],
  ['P0001', "do $$ begin raise exception 'custom failure' using hint = 'try again', detail = 'more'; end $$"],
  ['2BP01', 'drop table pg_err_parent'],
];

function pick(err: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (err[f] !== undefined) out[f] = err[f];
  return out;
}

describe('wedpool/pg database errors', () => {
  for (const [code, sql, params] of CASES) {
    it(`${code} carries the same fields as pg`, async () => {
      const theirErr = await theirs.query(sql, params).then(() => undefined, (e) => e);
      const ourErr = await ours.query(sql, params).then(() => undefined, (e) => e);
      expect(theirErr?.code).toBe(code);
      expect(ourErr).toBeInstanceOf(Error);
      expect(ourErr).toBeInstanceOf(DatabaseError);
      expect(pick(ourErr)).toEqual(pick(theirErr));
    });
  }

  it('22001 from an insert carries the same fields as pg', async () => {
    const tc = await theirs.connect();
    await tc.query('create temp table if not exists short_t (v varchar(3))');
    const t = await tc.query("insert into short_t values ('toolong')").then(() => undefined, (e) => e);
    tc.release();
    const c = await ours.connect();
    await c.query('create temp table if not exists short_t (v varchar(3))');
    const o = await c.query("insert into short_t values ('toolong')").then(() => undefined, (e) => e);
    c.release();
    expect(t.code).toBe('22001');
    expect(pick(o)).toEqual(pick(t));
  });

  it('delivers the error to a callback, asynchronously, and to the client query callback', async () => {
    const viaPool = await new Promise<unknown>((resolve) => ours.query('select 1 / 0', (err) => resolve(err)));
    expect(viaPool).toMatchObject({ code: '22012', message: 'division by zero' });
    const client = await ours.connect();
    const viaClient = await new Promise<unknown>((resolve) => client.query('selec 1', (err) => resolve(err)));
    expect(viaClient).toMatchObject({ code: '42601', position: '1' });
    client.release();
  });
});
