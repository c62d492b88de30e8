// Faults on the wire: terminated backends, blackholes, resets, slow queries past their deadline,
// slow connects that outlive the acquire deadline, unresolvable hosts. A test-controlled TCP
// proxy sits between the pool and the shared test server; only this file's own connections are
// touched (pg_terminate_backend targets our own backends only).
import { inspect } from 'node:util';

import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AcquireTimeoutError, ConnectionError, ConnectionLostError } from '../../dist/index.js';
import {
  adminClient,
  expectBaseline,
  expectWedPoolError,
  faultPool,
  serverCount,
  sleep,
  track,
  until,
  within,
} from '../support/faults';
import { DATABASE_URL } from '../support/pool';
import { useProcessGuards } from '../support/process-guards';
import { startProxy, type PgProxy } from '../support/proxy';

useProcessGuards();

let admin: pg.Client;
let proxy: PgProxy | null = null;

beforeAll(async () => {
  admin = await adminClient(DATABASE_URL());
});
afterAll(async () => {
  await admin.end();
});
afterEach(async () => {
  await proxy?.close();
  proxy = null;
});

async function viaProxy(): Promise<{ proxy: PgProxy; url: string }> {
  proxy = await startProxy({ port: Number(new URL(DATABASE_URL()).port || 5432) });
  return { proxy, url: proxy.url(DATABASE_URL()) };
}

async function gone(pid: number): Promise<boolean> {
  const r = await admin.query('select count(*)::int as n from pg_stat_activity where pid = $1', [pid]);
  return r.rows[0].n === 0;
}

describe('pg_terminate_backend', () => {
  it('on an idle connection: the next queries run on new backends and no error reaches the user', async () => {
    const { pool } = faultPool({ connectionString: DATABASE_URL(), basePoolSize: { min: 2, max: 4 } });
    await pool.ready();
    const conns = await Promise.all([pool.getConnection(), pool.getConnection()]);
    const pids = conns.map((c) => c.processId);
    conns.forEach((c) => c.release());
    await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [pids]);
    await until(async () => (await gone(pids[0])) && (await gone(pids[1])), 3_000, 'terminated backends exit');
    await sleep(50);

    const results = await Promise.all(Array.from({ length: 4 }, () => track(pool.query<{ pid: number }>('select pg_backend_pid() as pid'))));
    expect(results.filter((r) => !r.ok).map((r) => String(r.error))).toEqual([]);
    for (const r of results) expect(pids).not.toContain(r.value!.rows[0].pid);
    await expectBaseline(pool, { admin });
  });

  it('on a busy connection: that query rejects with ConnectionLostError (57P01), the connection is discarded and the pool refills', async () => {
    const { pool } = faultPool({ connectionString: DATABASE_URL(), basePoolSize: { min: 2, max: 4 } });
    const removed: string[] = [];
    pool.on('remove', (e: { reason: string }) => removed.push(e.reason));
    await pool.ready();
    const conn = await pool.getConnection();
    const sleeping = track(conn.query('select pg_sleep(5)'));
    await until(
      async () => (await admin.query("select count(*)::int n from pg_stat_activity where pid = $1 and state = 'active'", [conn.processId])).rows[0].n === 1,
      2_000,
      'pg_sleep running',
    );
    const terminatedAt = performance.now();
    await admin.query('select pg_terminate_backend($1)', [conn.processId]);
    const out = await sleeping;
    expect(out.ok).toBe(false);
    expectWedPoolError(out.error, 'CONNECTION_LOST', 'ConnectionLostError');
    expect(out.error).toBeInstanceOf(ConnectionLostError);
    expect((out.error as ConnectionLostError).sqlstate).toBe('57P01');
    expect(performance.now() - terminatedAt).toBeLessThan(1_000);
    conn.release();

    await until(() => pool.stats().size >= 2, 3_000, 'pool refills to min');
    const after = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
    expect(after.rows[0].pid).not.toBe(conn.processId);
    await until(() => removed.length >= 1, 1_000, 'remove event for the broken connection');
    await expectBaseline(pool, { admin });
  });
});

describe('blackhole (packets dropped, no reset)', () => {
  it('on connect: each attempt ends at connectTimeoutMillis and the acquire fails at its deadline', async () => {
    const { proxy: p, url } = await viaProxy();
    await p.blackhole();
    const { pool } = faultPool({ connectionString: url, serverUrl: DATABASE_URL(), basePoolSize: { max: 2 }, connectTimeoutMillis: 500 });

    let started = performance.now();
    const ready = await track(pool.ready(), started);
    expect(ready.ok).toBe(false);
    expectWedPoolError(ready.error, 'CONNECT_FAILED', 'ConnectionError');
    expect((ready.error as ConnectionError).kind).toBe('timeout');
    expect(ready.ms).toBeGreaterThanOrEqual(400);
    expect(ready.ms).toBeLessThanOrEqual(800);

    started = performance.now();
    const acq = await track(pool.getConnection({ isWeddingCritical: true }, { timeoutMillis: 1_500 }), started);
    expect(acq.ok).toBe(false);
    expectWedPoolError(acq.error, 'POOL_ACQUIRE_TIMEOUT');
    expect(acq.ms).toBeGreaterThanOrEqual(1_200);
    expect(acq.ms).toBeLessThanOrEqual(1_800);
    const cause = (acq.error as AcquireTimeoutError).cause as ConnectionError;
    expect(cause).toBeInstanceOf(ConnectionError);
    expect(cause.kind).toBe('timeout');

    // The pool gave up on every blackholed socket (none is left open on the client side).
    await until(() => p.stats().open === 0, 1_500, 'client sockets closed after the connect timeout');
    expect(p.stats().accepted).toBeGreaterThanOrEqual(2);
    await p.pass();
    const ok = await track(pool.query('select 1 as ok', [], { isWeddingCritical: true }, { timeoutMillis: 5_000 }));
    expect(ok.ok, String(ok.error)).toBe(true);
    await expectBaseline(pool, { admin });
  });

  it('on idle connections: the health loop finds them dead (keepaliveMillis) and the pool refills after the network heals', async () => {
    const { proxy: p, url } = await viaProxy();
    const { pool } = faultPool({
      connectionString: url, serverUrl: DATABASE_URL(),
      basePoolSize: { min: 2, max: 3 },
      connectTimeoutMillis: 500,
      keepaliveMillis: 300,
      queryTimeoutMillis: 500,
      maintenanceIntervalMillis: 100,
    });
    const removed: Array<{ processId: number; reason: string }> = [];
    pool.on('remove', (e: { processId: number; reason: string }) => removed.push(e));
    await pool.ready();
    await until(() => pool.stats().size === 2, 2_000, 'min connections open');
    const pids = await Promise.all([pool.getConnection(), pool.getConnection()]).then((cs) => {
      cs.forEach((c) => c.release());
      return cs.map((c) => c.processId);
    });

    await p.blackhole();
    const holedAt = performance.now();
    await until(() => pids.every((pid) => removed.some((r) => r.processId === pid)), 3_000, 'both idle connections removed by the health loop');
    const detectedMs = performance.now() - holedAt;
    // keepalive 300 ms + a 500 ms deadline on the ping, plus scheduling.
    expect(detectedMs).toBeLessThan(2_000);
    expect(pool.stats().idle, 'no dead connection stays idle').toBe(0);

    await p.pass();
    const healedAt = performance.now();
    await until(() => pool.stats().idle >= 2, 3_000, 'pool refills to min after the network heals');
    const q = await track(pool.query<{ pid: number }>('select pg_backend_pid() as pid', [], {}, { timeoutMillis: 2_000 }), healedAt);
    expect(q.ok, String(q.error)).toBe(true);
    expect(pids).not.toContain(q.value!.rows[0].pid);
    await expectBaseline(pool, { admin });
  });

  it('mid-query: the query ends at its deadline with QueryTimeoutError and the connection is discarded', async () => {
    const { proxy: p, url } = await viaProxy();
    const { pool } = faultPool({ connectionString: url, serverUrl: DATABASE_URL(), basePoolSize: { max: 2 }, connectTimeoutMillis: 500, queryTimeoutMillis: 800 });
    await pool.ready();
    const conn = await pool.getConnection();
    const started = performance.now();
    const running = track(conn.query('select pg_sleep(0.3)'), started);
    await sleep(100);
    await p.blackhole();
    const out = await within(running, 3_000);
    expect(out, 'query still pending 3 s after the blackhole: no query deadline').not.toBeNull();
    if (!out) return;
    expect(out.ok).toBe(false);
    expectWedPoolError(out.error, 'QUERY_TIMEOUT', 'QueryTimeoutError');
    expect(out.ms, 'ends at queryTimeoutMillis').toBeGreaterThanOrEqual(600);
    expect(out.ms, 'ends at queryTimeoutMillis').toBeLessThanOrEqual(1_100);
    conn.release();

    await p.pass();
    const ok = await track(pool.query('select 1 as ok', [], {}, { timeoutMillis: 3_000 }));
    expect(ok.ok, String(ok.error)).toBe(true);
    await expectBaseline(pool, { admin });
  });
});

describe('reset mid-query', () => {
  it('rejects each statement in flight at once with ConnectionLostError (no sqlstate) and replaces the connections', async () => {
    const { proxy: p, url } = await viaProxy();
    const { pool } = faultPool({
      connectionString: url,
      serverUrl: DATABASE_URL(),
      basePoolSize: { min: 1, max: 2 },
      connectTimeoutMillis: 1_000,
      // The two reset backends sit in pg_sleep(2) and only then notice their sockets are gone.
      serverSlack: 2,
    });
    await pool.ready();
    const conn = await pool.getConnection();
    const other = await pool.getConnection();
    const running = [track(conn.query('select pg_sleep(2)')), track(other.query('select pg_sleep(2)'))];
    await sleep(200);
    const resetAt = performance.now();
    p.resetAll();
    const outs = await Promise.all(running);
    const resetMs = performance.now() - resetAt;
    for (const out of outs) {
      expect(out.ok).toBe(false);
      expectWedPoolError(out.error, 'CONNECTION_LOST', 'ConnectionLostError');
      // The server never said anything: the socket was reset under it.
      expect((out.error as ConnectionLostError).sqlstate, 'a reset carries no sqlstate').toBeUndefined();
    }
    expect(resetMs, 'immediate (generous for a loaded machine)').toBeLessThan(1_000);
    conn.release();
    other.release();

    const ok = await track(pool.query<{ pid: number }>('select pg_backend_pid() as pid', [], {}, { timeoutMillis: 3_000 }));
    expect(ok.ok, String(ok.error)).toBe(true);
    expect(ok.value!.rows[0].pid).not.toBe(conn.processId);
    await until(() => p.stats().open === pool.stats().size, 2_000, 'proxy sockets = pool size');
    // The reset backend's pg_sleep(2) ends by itself; then the server count matches the pool.
    await expectBaseline(pool, { admin, timeoutMs: 4_000 });
  });
});

describe('slow query past its deadline', () => {
  it('rejects with QueryTimeoutError (QUERY_TIMEOUT) at the pool default deadline, cancels it server-side and replaces the connection', async () => {
    const { pool, appName } = faultPool({ connectionString: DATABASE_URL(), basePoolSize: { max: 2 }, queryTimeoutMillis: 500 });
    await pool.ready();
    const removed: Array<{ processId: number; reason: string }> = [];
    pool.on('remove', (e: { processId: number; reason: string }) => removed.push(e));
    const slowPid = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
    const out = await track(pool.query('select pg_sleep(2) as slow_default'));
    expect(out.ok).toBe(false);
    expectWedPoolError(out.error, 'QUERY_TIMEOUT', 'QueryTimeoutError');
    expect(out.ms).toBeGreaterThanOrEqual(400);
    expect(out.ms).toBeLessThanOrEqual(800);
    // Server side the statement no longer runs (a cancel request was sent, bb8 246).
    const running = () => serverCount(admin, appName, "and state = 'active' and query like '%slow_default%'");
    await until(async () => (await running()) === 0, 1_000, 'the slow query is cancelled on the server');
    const ok = await pool.query<{ ok: number; pid: number }>('select 1 as ok, pg_backend_pid() as pid');
    expect(ok.rows[0].ok).toBe(1);
    // The connection that ran it was replaced: removed from the pool, its backend gone.
    expect(ok.rows[0].pid).not.toBe(slowPid);
    await until(() => removed.some((r) => r.processId === slowPid), 2_000, 'remove event for the timed-out connection');
    await until(() => gone(slowPid), 2_000, 'the timed-out backend ends at the server');
    await expectBaseline(pool, { admin });
  });

  it('honours per-call queryTimeoutMillis on pool.query and conn.query', async () => {
    const { pool, appName } = faultPool({ connectionString: DATABASE_URL(), basePoolSize: { max: 2 }, queryTimeoutMillis: 10_000 });
    const viaPool = await track(pool.query('select pg_sleep(2) as slow_pool', [], {}, { queryTimeoutMillis: 300 }));
    expect(viaPool.ok).toBe(false);
    expectWedPoolError(viaPool.error, 'QUERY_TIMEOUT', 'QueryTimeoutError');
    expect(viaPool.ms).toBeLessThanOrEqual(600);

    const conn = await pool.getConnection();
    const viaConn = await track(conn.query('select pg_sleep(2) as slow_conn', [], { queryTimeoutMillis: 300 }));
    conn.release();
    expect(viaConn.ok).toBe(false);
    expectWedPoolError(viaConn.error, 'QUERY_TIMEOUT', 'QueryTimeoutError');
    expect(viaConn.ms).toBeLessThanOrEqual(600);
    await until(
      async () => (await serverCount(admin, appName, "and state = 'active' and query like '%slow_%'")) === 0,
      1_000,
      'both slow queries cancelled on the server',
    );
    // A query under its deadline is unaffected.
    expect((await pool.query('select 1 as ok from pg_sleep(0.05)', [], {}, { queryTimeoutMillis: 2_000 })).rows[0]).toMatchObject({ ok: 1 });
    await expectBaseline(pool, { admin });
  });
});

describe('cancel requests never hit the next caller', () => {
  it('after concurrent query timeouts, later statements on the same backends are not cancelled (57014)', async () => {
    const { pool } = faultPool({ connectionString: DATABASE_URL(), basePoolSize: { max: 4 } });
    const innocent: string[] = [];
    const timedOut: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let k = 0; k < 30; k += 1) {
          const queryTimeoutMillis = 60 + ((k * 13 + w * 7) % 60);
          const conn = await pool.getConnection({}, { timeoutMillis: 5_000 });
          const slow = await track(conn.query('select pg_sleep(1)', [], { queryTimeoutMillis }));
          conn.release();
          if (slow.ok || (slow.error as { code?: string }).code !== 'QUERY_TIMEOUT') {
            timedOut.push(`worker ${w} round ${k}: ${slow.ok ? 'completed' : String(slow.error)} after ${Math.round(slow.ms)} ms (deadline ${queryTimeoutMillis})`);
          }
          // The next statement: whichever backend it lands on must not be cancelled by a
          // cancel request meant for an earlier statement.
          const next = await track(pool.query('select 1 as ok', [], {}, { timeoutMillis: 5_000 }));
          if (!next.ok) innocent.push(`worker ${w} round ${k}: ${String(next.error)} after ${Math.round(next.ms)} ms`);
        }
      }),
    );
    // A stale cancel shows up as DatabaseError 57014 'canceling statement due to user request'
    // a few ms into a statement that had nothing to do with the timed-out one.
    expect({ slowNotTimedOut: timedOut, nextFailed: innocent }).toEqual({ slowNotTimedOut: [], nextFailed: [] });
    await expectBaseline(pool, { admin });
  });
});

describe('acquire times out while a connection is being created', () => {
  it('keeps the late connection idle (counted by stats, matching the server), never leaked', async () => {
    const { proxy: p, url } = await viaProxy();
    await p.delay(300);
    const { pool, appName } = faultPool({ connectionString: url, serverUrl: DATABASE_URL(), basePoolSize: { max: 3 }, connectTimeoutMillis: 5_000 });

    const started = performance.now();
    const outs = await Promise.all(Array.from({ length: 2 }, () => track(pool.getConnection({}, { timeoutMillis: 200 }), started)));
    for (const o of outs) {
      expect(o.ok).toBe(false);
      expectWedPoolError(o.error, 'POOL_ACQUIRE_TIMEOUT', 'AcquireTimeoutError');
      expect(o.ms).toBeLessThanOrEqual(500);
    }
    // The attempts in flight complete later; their connections must end up idle in the pool.
    await until(() => pool.stats().pending === 0 && pool.stats().size >= 1, 4_000, 'late connections arrive');
    await sleep(100);
    const s = pool.stats();
    expect(s).toMatchObject({ inUse: 0, waiting: 0, pending: 0 });
    expect(s.idle).toBe(s.size);
    expect(await serverCount(admin, appName), 'server-side connections = stats().size').toBe(s.size);
    expect(p.stats().open, 'proxy sockets = stats().size').toBe(s.size);

    // The late connection is used by the next caller instead of a new one.
    await p.pass();
    const created = pool.stats().created;
    const conn = await pool.getConnection({}, { timeoutMillis: 1_000 });
    expect(pool.stats().created).toBe(created);
    conn.release();
    await expectBaseline(pool, { admin });
  });
});

describe('unresolvable host', () => {
  it('fails fast with CONNECT_FAILED kind dns, without the password', async () => {
    const secret = 'dns-s3cret-value';
    const { pool } = faultPool({
      connectionString: `postgres://app:${secret}@no-such-host.invalid:5432/db`,
      serverUrl: DATABASE_URL(),
      connectTimeoutMillis: 2_000,
      basePoolSize: { acquireTimeoutMillis: 3_000 },
    });
    let started = performance.now();
    const ready = await track(pool.ready(), started);
    expect(ready.ok).toBe(false);
    expectWedPoolError(ready.error, 'CONNECT_FAILED', 'ConnectionError');
    expect((ready.error as ConnectionError).kind).toBe('dns');
    expect(ready.ms).toBeLessThan(2_000);

    // An acquire does not sit out its whole 3 s deadline on a name that does not resolve.
    started = performance.now();
    const acq = await track(pool.getConnection(), started);
    expect(acq.ok).toBe(false);
    expectWedPoolError(acq.error, ['CONNECT_FAILED', 'DATABASE_UNAVAILABLE']);
    const err = acq.error as ConnectionError & { cause?: ConnectionError };
    expect(err.kind ?? err.cause?.kind).toBe('dns');
    expect(acq.ms, 'fast, not at the 3 s deadline').toBeLessThan(1_500);
    for (const e of [ready.error, acq.error]) {
      expect([inspect(e, { depth: 5 }), (e as Error).stack].join('\n')).not.toContain(secret);
    }
    await expectBaseline(pool);
  });
});
