import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import {
  AbortError,
  AcquireTimeoutError,
  ConnectionError,
  ConnectionLostError,
  ConnectionReleasedError,
  DatabaseError,
  PoolClosedError,
  WeddingAwareConnectionPool,
  WedPoolError,
} from '../dist/index.js';
import { DATABASE_URL, WEDNESDAY, makePool, sleep } from './support/pool';
import { closedPort, silentServer } from './support/servers';

const SECRET = 'wedding-s3cret-passw0rd';

describe('typed errors', () => {
  it('rejects with POOL_ACQUIRE_TIMEOUT carrying stats and the waited time', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    pool.setCalendarTime(WEDNESDAY);
    const held = await pool.getConnection();
    const started = Date.now();
    const err = await pool.getConnection({}, { timeoutMillis: 200 }).catch((e) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(AcquireTimeoutError);
    expect(err).toBeInstanceOf(WedPoolError);
    expect(err.code).toBe('POOL_ACQUIRE_TIMEOUT');
    expect(err.waitedMillis).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(err.stats).toMatchObject({ size: 1, inUse: 1, waiting: 0, maxSize: 1 });
    expect(err.message).toMatch(/timed out after \d+ ms waiting for a connection \(size 1, idle 0, in use 1/);
    expect(pool.stats().timeouts).toBe(1);
    held.release();
  });

  it('reports the last connect error as the cause of an acquire timeout', async () => {
    const port = await closedPort();
    const pool = new WeddingAwareConnectionPool({ connectionString: `postgres://app:${SECRET}@127.0.0.1:${port}/db` });
    try {
      const err = await pool.getConnection({}, { timeoutMillis: 300 }).catch((e) => e);
      expect(err).toBeInstanceOf(AcquireTimeoutError);
      expect(err.cause).toBeInstanceOf(ConnectionError);
      expect(err.cause.kind).toBe('refused');
      expect(err.message).toContain('last connect error');
      expect(JSON.stringify({ m: err.message, c: err.cause.message, s: err.stack })).not.toContain(SECRET);
    } finally {
      await pool.end();
    }
  });

  it('rejects queued and new callers with POOL_CLOSED after end()', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const held = await pool.getConnection();
    const queued = pool.getConnection();
    const ending = pool.end();
    await expect(queued).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.query('select 1')).rejects.toMatchObject({ code: 'POOL_CLOSED' });
    await expect(pool.getConnection()).rejects.toBeInstanceOf(PoolClosedError);
    expect((await held.query('select 1 as still')).rows).toEqual([{ still: 1 }]);
    held.release();
    await ending;
    expect(pool.stats().size).toBe(0);
  });

  it('fails ready() with CONNECT_FAILED kind refused when nothing listens', async () => {
    const port = await closedPort();
    const pool = makePool({ connectionString: `postgres://app:${SECRET}@127.0.0.1:${port}/db` });
    const err = await pool.ready().catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ code: 'CONNECT_FAILED', kind: 'refused' });
    expect(err.message).not.toContain(SECRET);
  });

  it('fails with kind dns for an unresolvable host', async () => {
    const pool = makePool({ connectionString: 'postgres://app@no-such-host.invalid:5432/db', connectTimeoutMillis: 3_000 });
    await expect(pool.ready()).rejects.toMatchObject({ code: 'CONNECT_FAILED', kind: 'dns' });
  });

  it('fails with kind timeout when the server never answers within connectTimeoutMillis', async () => {
    const silent = await silentServer();
    try {
      const pool = makePool({ connectionString: `postgres://app@127.0.0.1:${silent.port}/db`, connectTimeoutMillis: 300 });
      const started = Date.now();
      await expect(pool.ready()).rejects.toMatchObject({ code: 'CONNECT_FAILED', kind: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await silent.close();
    }
  });

  it('fails with kind auth for an unknown role', async () => {
    const url = new URL(DATABASE_URL());
    url.username = 'no_such_role_wedpool';
    const pool = makePool({ connectionString: url.toString() });
    await expect(pool.ready()).rejects.toMatchObject({ code: 'CONNECT_FAILED', kind: 'auth', sqlstate: '28000' });
  });

  it('fails with kind too_many_clients when the server has no slot for the role', async () => {
    const admin = makePool();
    await admin.query('drop role if exists wedpool_limited');
    await admin.query('create role wedpool_limited login connection limit 0');
    try {
      const url = new URL(DATABASE_URL());
      url.username = 'wedpool_limited';
      url.password = '';
      const pool = makePool({ connectionString: url.toString() });
      await expect(pool.ready()).rejects.toMatchObject({ code: 'CONNECT_FAILED', kind: 'too_many_clients', sqlstate: '53300' });
    } finally {
      await admin.query('drop role if exists wedpool_limited');
    }
  });

  it('rejects a query whose backend is terminated with CONNECTION_LOST and replaces the connection', async () => {
    const pool = makePool({ basePoolSize: { max: 2 } });
    const conn = await pool.getConnection();
    const sleeping = conn.query('select pg_sleep(10)').catch((e) => e);
    await sleep(200);
    await pool.query('select pg_terminate_backend($1)', [conn.processId]);
    const err = await sleeping;
    expect(err).toBeInstanceOf(ConnectionLostError);
    expect(err.sqlstate).toBe('57P01');
    expect(err.code).toBe('CONNECTION_LOST');
    conn.release();
    const after = await pool.query('select 1 as ok');
    expect(after.rows).toEqual([{ ok: 1 }]);
    expect(pool.stats().inUse).toBe(0);
  });

  it('rejects with DatabaseError carrying the server fields', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const conn = await pool.getConnection();
    try {
      await conn.query('create temp table guests (id int primary key, email text)');
      await conn.query('insert into guests values (1, $1)', ['a@example.com']);
      const dup = await conn.query('insert into guests values (1, $1)', ['b@example.com']).catch((e) => e);
      expect(dup).toBeInstanceOf(DatabaseError);
      expect(dup).toMatchObject({
        code: '23505',
        severity: 'ERROR',
        table: 'guests',
        constraint: 'guests_pkey',
        detail: 'Key (id)=(1) already exists.',
      });
      expect(dup.schema).toMatch(/^pg_temp/);
      const syntax = await conn.query('select * fromm guests').catch((e) => e);
      expect(syntax).toMatchObject({ code: '42601', position: '10' });
      const missing = await conn.query('select nope from guests').catch((e) => e);
      expect(missing).toMatchObject({ code: '42703' });
      expect(missing.message).toBe('column "nope" does not exist');
    } finally {
      conn.release();
    }
  });

  it('keeps a connection usable after a statement error', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    await expect(pool.query('select 1/0')).rejects.toMatchObject({ code: '22012' });
    expect((await pool.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
  });

  it('removes an aborted waiter at once with AbortError', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    const held = await pool.getConnection();
    const controller = new AbortController();
    const waiting = pool.getConnection({}, { signal: controller.signal, timeoutMillis: 10_000 });
    expect(pool.stats().waiting).toBe(1);
    const started = Date.now();
    controller.abort();
    const err = await waiting.catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.name).toBe('AbortError');
    expect(err.code).toBe('ABORT_ERR');
    expect(Date.now() - started).toBeLessThan(500);
    expect(pool.stats().waiting).toBe(0);
    held.release();
    expect(pool.stats()).toMatchObject({ inUse: 0, idle: 1 });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const pool = makePool();
    await expect(pool.getConnection({}, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    await expect(pool.query('select 1', [], {}, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it('throws ConnectionReleasedError on a double release and on use after release', async () => {
    const pool = makePool();
    const conn = await pool.getConnection();
    conn.release();
    expect(() => conn.release()).toThrow(ConnectionReleasedError);
    await expect(conn.query('select 1')).rejects.toMatchObject({ code: 'CONNECTION_RELEASED' });
    expect(pool.stats().inUse).toBe(0);
  });

  it('never shows the password in errors, inspect output or events', async () => {
    const port = await closedPort();
    const pool = makePool({ connectionString: `postgres://app:${SECRET}@127.0.0.1:${port}/db`, password: SECRET });
    const seen: string[] = [];
    for (const name of ['connect', 'remove', 'scale'] as const) pool.on(name, (e: unknown) => seen.push(JSON.stringify(e)));
    const err = await pool.ready().catch((e) => e);
    const timeout = await pool.getConnection({}, { timeoutMillis: 150 }).catch((e) => e);
    const text = [inspect(pool, { depth: 5, showHidden: true }), inspect(err), inspect(timeout), err.stack, ...seen].join('\n');
    expect(text).not.toContain(SECRET);
    expect(inspect(pool)).toContain(`app@127.0.0.1:${port}/db`);
  });
});
