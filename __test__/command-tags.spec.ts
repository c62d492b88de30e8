// Command tags: `result.command` and `result.rowCount` match node-postgres (`pg`) for the
// statements whose server tag is not simply their first keyword or whose count comes from the
// tag: CREATE TABLE … AS, SELECT INTO, INSERT … RETURNING, UPDATE, DELETE, COPY, MERGE.
// Each driver works on its own copy of the tables (schema per driver), inside a transaction
// rolled back at the end, so nothing is left on the test server.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PoolConnection } from '../dist/index.js';
import { useWedPoolAndPg } from './support/peers';

const peers = useWedPoolAndPg();
let conn: PoolConnection;
let client: pg.Client;
const tag = `${process.pid}`;
const copyFile = (who: string) => `/tmp/wedpool-command-tags-${tag}-${who}.csv`;

beforeAll(async () => {
  conn = await peers.wed().getConnection();
  client = peers.pg();
  for (const [who, run] of [
    ['wed', (s: string) => conn.query(s)],
    ['pg', (s: string) => client.query(s)],
  ] as const) {
    await run('begin');
    await run(`create schema tags_${who}_${tag}`);
    await run(`set local search_path = tags_${who}_${tag}`);
    await run(`create table src (id int primary key, v text)`);
    await run(`insert into src select g, 'v' || g from generate_series(1, 6) g`);
  }
});

afterAll(async () => {
  await conn?.query('rollback').catch(() => undefined);
  conn?.release();
  await client?.query('rollback').catch(() => undefined);
});

/** Runs `sql` (with `{file}` replaced by the driver's own file) through both drivers. */
async function expectSameTag(sql: string, expected: { command: string; rowCount: number | null }) {
  const wed = await conn.query(sql.replaceAll('{file}', copyFile('wed')));
  const p = await client.query(sql.replaceAll('{file}', copyFile('pg')));
  expect({ command: wed.command, rowCount: wed.rowCount }, sql).toEqual({ command: p.command, rowCount: p.rowCount });
  expect({ command: p.command, rowCount: p.rowCount }, `pg itself (the expectation is pg's behaviour): ${sql}`).toEqual(expected);
}

describe('command and rowCount are the same as pg', () => {
  it('INSERT … RETURNING: INSERT with the rows inserted', async () => {
    await expectSameTag(`insert into src select g, 'r' || g from generate_series(7, 9) g returning id`, { command: 'INSERT', rowCount: 3 });
  });

  it('UPDATE and DELETE: the rows touched, also with RETURNING', async () => {
    await expectSameTag(`update src set v = v || '!' where id <= 4`, { command: 'UPDATE', rowCount: 4 });
    await expectSameTag(`delete from src where id = 9 returning *`, { command: 'DELETE', rowCount: 1 });
    await expectSameTag(`update src set v = v where false`, { command: 'UPDATE', rowCount: 0 });
  });

  it('CREATE TABLE … AS and CREATE MATERIALIZED VIEW … AS: SELECT with the rows written', async () => {
    await expectSameTag(`create table copy1 as select * from src where id <= 5`, { command: 'SELECT', rowCount: 5 });
    await expectSameTag(`create temp table copy2 (a, b) as select id, v from src`, { command: 'SELECT', rowCount: 8 });
    await expectSameTag(`create table copy3 as table src`, { command: 'SELECT', rowCount: 8 });
    await expectSameTag(`create materialized view mv1 as select * from src where id > 6`, { command: 'SELECT', rowCount: 2 });
  });

  it('CREATE TABLE … AS … WITH NO DATA: CREATE with no count', async () => {
    await expectSameTag(`create table empty1 as select * from src with no data`, { command: 'CREATE', rowCount: null });
  });

  it('SELECT INTO: SELECT with the rows written', async () => {
    await expectSameTag(`select * into copy4 from src where id < 3`, { command: 'SELECT', rowCount: 2 });
  });

  it('COPY to and from a server file: COPY with the rows copied', async () => {
    await expectSameTag(`copy (select * from src where id <= 3) to '{file}'`, { command: 'COPY', rowCount: 3 });
    await expectSameTag(`create table copied (like src)`, { command: 'CREATE', rowCount: null });
    await expectSameTag(`copy copied from '{file}'`, { command: 'COPY', rowCount: 3 });
  });

  it('MERGE: the rows inserted, updated or deleted', async () => {
    await expectSameTag(
      `merge into copied c using src s on c.id = s.id
         when matched then update set v = s.v
         when not matched then insert values (s.id, s.v)`,
      { command: 'MERGE', rowCount: 8 },
    );
  });
});
