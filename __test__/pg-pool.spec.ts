// wedpool/pg follows pg-pool's documented contract: connect/query/release/end in promise and
// callback forms, events and counters (checked against a real pg.Pool on the same script).
import type { EventEmitter } from 'node:events';

import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { ConnectionReleasedError, DatabaseError, Pool, UnsupportedSubmittableError } from '../dist/pg/index.js';
import { realPgPool, wedPgPool } from './support/pg-compat';
import { DATABASE_URL, eventually, sleep } from './support/pool';

type AnyPool = Pool | pg.Pool;

/** Runs one script through a pool, recording events and counters after every step. */
async function eventScript(pool: AnyPool): Promise<string[]> {
  const log: string[] = [];
  const counters = (step: string) => log.push(`${step}: total=${pool.totalCount} idle=${pool.idleCount} waiting=${pool.waitingCount}`);
  for (const name of ['connect', 'acquire', 'release', 'remove'] as const) {
    (pool as EventEmitter).on(name, (...args: unknown[]) => log.push(name === 'release' ? `release(${args[0] === undefined ? '' : String(args[0])})` : name));
  }
  counters('start');
  const c1 = await pool.connect();
  counters('c1');
  const c2 = await pool.connect();
  counters('c2');
  const waiting = pool.connect();
  counters('queued');
  c1.release();
  // pg-pool emits the queued caller's `acquire` inside release(); WedPool when that caller
  // resumes: compare once it has.
  const c3 = await waiting;
  counters('c1 released');
  log.push(`same client: ${c3 === c1}`);
  c2.release(true);
  counters('c2 destroyed');
  // pg-pool emits `remove` once the connection has closed: let both settle.
  await sleep(100);
  c3.release();
  counters('c3 released');
  await pool.end();
  await sleep(100);
  counters('ended');
  return log;
}

describe('wedpool/pg pool', () => {
  it('emits the same events and counters as pg-pool on the same script', async () => {
    const ours = await eventScript(wedPgPool({ max: 2 }));
    const theirs = await eventScript(realPgPool({ max: 2 }));
    expect(ours).toEqual(theirs);
  });

  it('connect() resolves to a client whose query returns pg-shaped results', async () => {
    const pool = wedPgPool();
    const client = await pool.connect();
    expect(typeof client.processID).toBe('number');
    const res = await client.query('select $1::int as n, $2::text as t', [7, 'x']);
    expect(res.command).toBe('SELECT');
    expect(res.rowCount).toBe(1);
    expect(res.rows).toEqual([{ n: 7, t: 'x' }]);
    expect(res.fields.map((f) => f.name)).toEqual(['n', 't']);
    const byConfig = await client.query({ text: 'select $1::int as n', values: [3], rowMode: 'array' });
    expect(byConfig.rows).toEqual([[3]]);
    client.release();
  });

  it('connect(callback) calls back asynchronously with err undefined, the client and release, and returns undefined', async () => {
    const pool = wedPgPool();
    let sync = true;
    const got = await new Promise<unknown[]>((resolve) => {
      const ret = pool.connect((...args) => resolve([sync, ...args]));
      expect(ret).toBeUndefined();
      sync = false;
    });
    const [wasSync, err, client, release] = got as [boolean, unknown, pg.PoolClient, (e?: unknown) => void];
    expect(wasSync).toBe(false);
    expect(err).toBeUndefined();
    expect(typeof client.query).toBe('function');
    release();
    expect(pool.idleCount).toBe(1);
  });

  it('pool.query accepts text, config objects, values and callbacks', async () => {
    const pool = wedPgPool();
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    expect((await pool.query({ text: 'select $1::text as a', values: ['b'] })).rows).toEqual([{ a: 'b' }]);
    expect((await pool.query({ text: 'select $1::text as a', values: ['ignored'] }, ['wins'])).rows).toEqual([{ a: 'wins' }]);
    let sync = true;
    const viaCallback = await new Promise<unknown[]>((resolve) => {
      const ret = pool.query('select $1::int as n', [5], (err, res) => resolve([sync, err, res.rows]));
      expect(ret).toBeUndefined();
      sync = false;
    });
    expect(viaCallback).toEqual([false, undefined, [{ n: 5 }]]);
    const noValues = await new Promise<unknown>((resolve) => pool.query('select 2 as n', (_err, res) => resolve(res.rows)));
    expect(noValues).toEqual([{ n: 2 }]);
  });

  it('a client query with a callback gets null on success and the error on failure, never synchronously', async () => {
    const pool = wedPgPool();
    const client = await pool.connect();
    const ok = await new Promise<unknown[]>((resolve) => {
      let sync = true;
      client.query('select 1 as n', (err, res) => resolve([sync, err, res?.rows]));
      sync = false;
    });
    expect(ok).toEqual([false, null, [{ n: 1 }]]);
    const failed = await new Promise<unknown>((resolve) => client.query('select nope', (err) => resolve(err)));
    expect(failed).toBeInstanceOf(DatabaseError);
    client.release();
  });

  it('a failed pool.query releases its client with the error: the connection is closed and the pool stays usable', async () => {
    const pool = wedPgPool({ max: 1 });
    const released: unknown[] = [];
    pool.on('release', (err) => released.push(err));
    const removed: unknown[] = [];
    pool.on('remove', (c) => removed.push(c));
    await expect(pool.query('select 1/0')).rejects.toMatchObject({ code: '22012' });
    expect(released).toHaveLength(1);
    expect(released[0]).toBeInstanceOf(DatabaseError);
    await eventually(() => removed.length === 1);
    expect((await pool.query('select 1 as n')).rows).toEqual([{ n: 1 }]);
  });

  it('a second release throws and release(err) closes the connection', async () => {
    const pool = wedPgPool();
    const client = await pool.connect();
    const pid = client.processID;
    client.release(new Error('state unknown'));
    expect(() => client.release()).toThrow('Release called on client which has already been released to the pool.');
    expect(() => client.release()).toThrow(ConnectionReleasedError);
    const next = await pool.connect();
    expect(next.processID).not.toBe(pid);
    next.release();
  });

  it('statements queued on one client run one at a time, in order', async () => {
    const pool = wedPgPool();
    const client = await pool.connect();
    await client.query('create temp table seq (n int)');
    const order: string[] = [];
    const calls = [1, 2, 0, 4, 5].map((n) =>
      client.query('insert into seq values (10 / $1::int) returning n', [n]).then(
        () => order.push(`ok ${n}`),
        (err) => order.push(`failed ${n}: ${err.code}`),
      ),
    );
    await Promise.all(calls);
    expect(order).toEqual(['ok 1', 'ok 2', 'failed 0: 22012', 'ok 4', 'ok 5']);
    const { rows } = await client.query('select n from seq');
    expect(rows.map((r) => r.n)).toEqual([10, 5, 2, 2]);
    client.release();
  });

  it('end() lets lent clients finish; a second end() and any later use fail', async () => {
    const pool = wedPgPool();
    const client = await pool.connect();
    const ended = pool.end();
    expect(pool.ending).toBe(true);
    expect((await client.query('select 1 as n')).rows).toEqual([{ n: 1 }]);
    client.release();
    await ended;
    expect(pool.ended).toBe(true);
    await expect(pool.end()).rejects.toThrow('Called end on pool more than once');
    const viaCallback = await new Promise((resolve) => pool.end((err) => resolve(err)));
    expect(String(viaCallback)).toContain('Called end on pool more than once');
    await expect(pool.connect()).rejects.toThrow('Cannot use a pool after calling end on the pool');
    await expect(pool.query('select 1')).rejects.toThrow('Cannot use a pool after calling end on the pool');
  });

  it('an idle client terminated by the server reaches the pool error event with err.client and never crashes', async () => {
    const pool = wedPgPool();
    const client = await pool.connect();
    const pid = client.processID;
    client.release();
    const errors: Array<[Error & { client?: unknown }, unknown]> = [];
    pool.on('error', (err, c) => errors.push([err, c]));
    const admin = new pg.Client({ connectionString: DATABASE_URL() });
    await admin.connect();
    await admin.query('select pg_terminate_backend($1)', [pid]);
    await admin.end();
    await eventually(() => errors.length === 1);
    expect(errors[0][0].client).toBe(client);
    expect(errors[0][1]).toBe(client);
    expect(pool.totalCount).toBe(0);
    expect((await pool.query('select 1 as n')).rows).toEqual([{ n: 1 }]);
  });

  it('an error emitted on an idle client goes to the pool error event and that connection is not lent again', async () => {
    const pool = wedPgPool({ max: 1 });
    const client = await pool.connect();
    const pid = client.processID;
    client.release();
    const seen = new Promise<[Error & { client?: unknown }, unknown]>((resolve) => pool.once('error', (err, c) => resolve([err, c])));
    client.emit('error', new Error('on purpose'));
    const [err, c] = await seen;
    expect(err.message).toBe('on purpose');
    expect(err.client).toBe(client);
    expect(c).toBe(client);
    const next = await pool.connect();
    expect(next).not.toBe(client);
    expect(next.processID).not.toBe(pid);
    next.release();
  });

  it('without an error listener, an idle connection dying is silent', async () => {
    const pool = wedPgPool();
    const client = await pool.connect();
    const pid = client.processID;
    client.release();
    const admin = new pg.Client({ connectionString: DATABASE_URL() });
    await admin.connect();
    await admin.query('select pg_terminate_backend($1)', [pid]);
    await admin.end();
    await eventually(() => pool.totalCount === 0);
    await sleep(20);
  });

  it('submittables (pg-cursor, pg-query-stream) are rejected at once with what to use instead', async () => {
    const pool = wedPgPool();
    const client = await pool.connect();
    const cursorLike = { submit: () => undefined, read: () => undefined };
    expect(() => client.query(cursorLike)).toThrow(UnsupportedSubmittableError);
    expect(() => client.query(cursorLike)).toThrow(/LIMIT\/keyset/);
    expect(() => pool.query(cursorLike)).toThrow(UnsupportedSubmittableError);
    expect((await client.query('select 1 as n')).rows).toEqual([{ n: 1 }]);
    client.release();
  });

  it('rejects a function as the query and a null query like pg', async () => {
    const pool = wedPgPool();
    await expect(pool.query((() => 'select 1') as never)).rejects.toThrow('Passing a function as the first parameter to pool.query is not supported');
    const client = await pool.connect();
    expect(() => client.query(null as never)).toThrow('Client was passed a null or undefined query');
    client.release();
  });

  it('rowCount and oid are null where pg gives null', async () => {
    const pool = wedPgPool();
    const real = realPgPool();
    const c1 = await pool.connect();
    const c2 = await real.connect();
    for (const sql of ['begin', 'create temp table rc (n int)', 'insert into rc values (1), (2)', 'update rc set n = n + 1', 'select * from rc', 'delete from rc', 'commit']) {
      const [a, b] = [await c1.query(sql), await c2.query(sql)];
      expect({ command: a.command, rowCount: a.rowCount, oid: a.oid }).toEqual({ command: b.command, rowCount: b.rowCount, oid: b.oid });
    }
    c1.release();
    c2.release();
  });

});
