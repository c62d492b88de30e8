// The per-connection statement cache survives the statements that deallocate prepared
// statements behind its back (what PgBouncer's server_reset_query sends, too).
import { describe, expect, it } from 'vitest';

import { InvalidStatementError } from '../dist/index.js';
import { makePool } from './support/pool';

describe('the statement cache after a reset', () => {
  it.each(['DISCARD ALL', 'DEALLOCATE ALL', 'DEALLOCATE PREPARE ALL'])('keeps working after %s', async (reset) => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    await pool.query('SELECT $1::int AS n', [1]);
    await pool.query('SELECT $1::text AS t', ['a']);
    await pool.query(reset);
    expect((await pool.query('SELECT $1::int AS n', [2])).rows).toEqual([{ n: 2 }]);
    expect((await pool.query('SELECT $1::text AS t', ['b'])).rows).toEqual([{ t: 'b' }]);
  });

  it('keeps working after DEALLOCATE of one cached statement by name', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    await pool.query('SELECT $1::int AS n', [1]);
    const names = await pool.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int%'");
    expect(names.rows.length).toBe(1);
    await pool.query(`DEALLOCATE ${names.rows[0]!.name}`);
    expect((await pool.query('SELECT $1::int AS n', [3])).rows).toEqual([{ n: 3 }]);
  });

  it('DEALLOCATE of one statement forgets only that one: the others keep their server-side statements', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const conn = await pool.getConnection();
    try {
      const named = async (prefix: string) =>
        (await conn.query<{ name: string }>('SELECT name FROM pg_prepared_statements WHERE statement LIKE $1 ORDER BY name', [`${prefix}%`])).rows.map(
          (r) => r.name,
        );
      await conn.query('SELECT $1::int AS n', [1]);
      await conn.query('SELECT $1::text AS t', ['a']);
      const [intName] = await named('SELECT $1::int');
      const [textName] = await named('SELECT $1::text');
      await conn.query(`DEALLOCATE ${intName!.toUpperCase()}`);
      expect(await named('SELECT $1::int')).toEqual([]);
      expect(await named('SELECT $1::text')).toEqual([textName]);
      expect((await conn.query('SELECT $1::text AS t', ['b'])).rows).toEqual([{ t: 'b' }]);
      expect(await named('SELECT $1::text')).toEqual([textName]);
      expect((await conn.query('SELECT $1::int AS n', [2])).rows).toEqual([{ n: 2 }]);
      const [again] = await named('SELECT $1::int');
      expect(again).toBeDefined();
      expect(again).not.toBe(intName);
    } finally {
      conn.release();
    }
  });

  it('DEALLOCATE of a statement the caller prepared with PREPARE leaves the cache alone', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const conn = await pool.getConnection();
    try {
      await conn.query('SELECT $1::int AS n', [1]);
      const before = await conn.query("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int%'");
      await conn.query('PREPARE "Mine" AS SELECT 1');
      await conn.query('DEALLOCATE PREPARE "Mine"');
      expect((await conn.query('SELECT $1::int AS n', [2])).rows).toEqual([{ n: 2 }]);
      expect((await conn.query("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int%'")).rows).toEqual(before.rows);
    } finally {
      conn.release();
    }
  });

  it('DISCARD PLANS keeps the prepared statements (only their plans go), and so does the cache', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const conn = await pool.getConnection();
    try {
      await conn.query('SELECT $1::int AS n', [1]);
      const before = await conn.query("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int%'");
      await conn.query('DISCARD PLANS');
      expect((await conn.query('SELECT $1::int AS n', [2])).rows).toEqual([{ n: 2 }]);
      expect((await conn.query("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int%'")).rows).toEqual(before.rows);
    } finally {
      conn.release();
    }
  });

  it('prepares again once, transparently, when a statement vanished without WedPool seeing it', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    await pool.query('SELECT $1::int AS n', [1]);
    // A DO block deallocates out of sight of the statement parser.
    await pool.query("DO $$ BEGIN EXECUTE 'DEALLOCATE ALL'; END $$");
    expect((await pool.query('SELECT $1::int AS n', [4])).rows).toEqual([{ n: 4 }]);
  });

  it('inside a transaction reports the vanished statement (the transaction is aborted) and recovers after it', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const conn = await pool.getConnection();
    try {
      await conn.query('SELECT $1::int AS n', [1]);
      await conn.query('BEGIN');
      await conn.query("DO $$ BEGIN EXECUTE 'DEALLOCATE ALL'; END $$");
      await expect(conn.query('SELECT $1::int AS n', [5])).rejects.toMatchObject({ code: '26000' });
      await conn.query('ROLLBACK');
      expect((await conn.query('SELECT $1::int AS n', [6])).rows).toEqual([{ n: 6 }]);
    } finally {
      conn.release();
    }
  });
});

describe('statements that cannot be sent', () => {
  it.each([
    ['a NUL byte', 'SELECT 1\0'],
    ['COPY … TO STDOUT', 'COPY (SELECT 1) TO STDOUT'],
    ['COPY … FROM STDIN', 'COPY pg_class FROM STDIN'],
    ['a number', 42],
    ['an object', { text: 'SELECT 1' }],
    ['null', null],
  ])('refuses %s with InvalidStatementError before sending, keeping the connection', async (_name, sql) => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const conn = await pool.getConnection();
    try {
      const pid = conn.processId;
      await expect(conn.query(sql as string)).rejects.toBeInstanceOf(InvalidStatementError);
      await expect(conn.query(sql as string)).rejects.toMatchObject({ code: 'INVALID_STATEMENT' });
      expect((await conn.query('SELECT pg_backend_pid() AS pid')).rows[0]).toEqual({ pid });
    } finally {
      conn.release();
    }
    await expect(pool.query(sql as string)).rejects.toBeInstanceOf(InvalidStatementError);
    expect(pool.stats().size).toBe(1);
  });
});
