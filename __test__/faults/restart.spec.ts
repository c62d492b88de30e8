// Faults: the database restarts, is down at start, or stays down for a whole acquire deadline.
// Runs against this file's own throwaway server (it is stopped and restarted).
import { afterEach, describe, expect, it } from 'vitest';

import { AcquireTimeoutError, ConnectionError, ConnectionLostError } from '../../dist/index.js';
import {
  adminClient,
  backendPids,
  expectBaseline,
  expectOnlyTypedErrors,
  expectWedPoolError,
  faultPool,
  settle,
  sleep,
  track,
  until,
  type FaultPool,
  type Outcome,
} from '../support/faults';
import { useProcessGuards } from '../support/process-guards';
import { useThrowawayPostgres } from '../support/throwaway';

const db = useThrowawayPostgres();
useProcessGuards();

const CRITICAL = { isWeddingCritical: true, isCriticalOperation: true };

afterEach(async () => {
  if (!db.running) await db.resume();
});

/** Workers running short queries in a loop until stopped; every outcome is recorded. */
function load(pool: FaultPool, workers: number, opts: { timeoutMillis: number }) {
  const outcomes: Array<Outcome<unknown> & { at: number }> = [];
  let stop = false;
  const run = async () => {
    while (!stop) {
      const started = performance.now();
      const o = await track(pool.query('select pg_sleep(0.02)', [], {}, { timeoutMillis: opts.timeoutMillis }), started);
      outcomes.push({ ...o, at: performance.now() });
      if (!o.ok) await sleep(25); // bounded: never a tight loop, even if errors are immediate
    }
  };
  const done = Promise.all(Array.from({ length: workers }, run));
  return {
    outcomes,
    async stop() {
      stop = true;
      await done;
    },
  };
}

describe('database restart', () => {
  it('evicts idle connections on restart; the first query after the server is back succeeds within 1 s', async () => {
    const { pool } = faultPool({
      connectionString: db.url,
      basePoolSize: { min: 3, max: 5, acquireTimeoutMillis: 5_000 },
      connectTimeoutMillis: 1_000,
    });
    const removed: string[] = [];
    pool.on('remove', (e: { reason: string }) => removed.push(e.reason));
    await pool.ready();
    const before = await backendPids(pool, 3);

    await db.restart('fast');
    const back = performance.now();
    const first = await track(pool.query<{ pid: number }>('select pg_backend_pid() as pid', [], {}, { timeoutMillis: 5_000 }), back);
    expect(first.ok, `first query after restart failed: ${String(first.error)}`).toBe(true);
    expect(first.ms, 'first query after the server is back (ms from resume)').toBeLessThan(1_000);
    expect(before).not.toContain(first.value!.rows[0].pid);

    // Every idle connection was evicted: none of the next queries meets a dead backend.
    const next = await settle(Array.from({ length: 5 }, () => pool.query('select 1 as ok', [], {}, { timeoutMillis: 5_000 })));
    expect(next.filter((o) => !o.ok).map((o) => String(o.error))).toEqual([]);
    expect(removed.length).toBeGreaterThanOrEqual(3);

    const admin = await adminClient(db.url);
    try {
      await expectBaseline(pool, { admin });
    } finally {
      await admin.end();
    }
  });

  it('fails in-flight queries with typed errors during a restart mid-load and recovers within 1 s of resume', async () => {
    const { pool } = faultPool({
      connectionString: db.url,
      basePoolSize: { min: 2, max: 5, acquireTimeoutMillis: 800 },
      connectTimeoutMillis: 1_000,
    });
    await pool.ready();
    const work = load(pool, 6, { timeoutMillis: 800 });
    const longOnes = [track(pool.query('select pg_sleep(5)')), track(pool.query('select pg_sleep(5)'))];
    await sleep(300);

    await db.pause('fast');
    const downAt = performance.now();
    await sleep(1_500);
    await db.resume();
    const back = performance.now();

    // The first query issued after the server is back succeeds within 1 s (critical: it must
    // not be shed while the pool still believes the database is down).
    const first = await track(pool.query('select 1 as ok', [], CRITICAL, { timeoutMillis: 3_000 }), back);
    expect(first.ok, `first query after resume failed: ${String(first.error)}`).toBe(true);
    expect(first.ms, 'first query after the server is back (ms from resume)').toBeLessThan(1_000);
    await sleep(300);
    await work.stop();

    // In-flight long queries were cut by the shutdown: ConnectionLostError (57P01 admin shutdown).
    const long = await Promise.all(longOnes);
    for (const o of long) {
      expect(o.ok).toBe(false);
      expectWedPoolError(o.error, 'CONNECTION_LOST', 'ConnectionLostError');
      expect(o.error).toBeInstanceOf(ConnectionLostError);
    }
    const byCode = expectOnlyTypedErrors([...work.outcomes, ...long]);
    // Load succeeded before the outage and again after it.
    expect(work.outcomes.some((o) => o.ok && o.at < downAt)).toBe(true);
    const firstLoadSuccessAfter = work.outcomes.find((o) => o.ok && o.at > back);
    expect(firstLoadSuccessAfter, `no load query succeeded after resume; errors ${JSON.stringify(byCode)}`).toBeDefined();
    expect(firstLoadSuccessAfter!.at - back, 'load recovers within 1 s of resume').toBeLessThan(1_000);

    const admin = await adminClient(db.url);
    try {
      await expectBaseline(pool, { admin });
    } finally {
      await admin.end();
    }
  });
});

describe('database down at start', () => {
  it('fails ready() fast with ConnectionError, then the same pool works once the server is up', async () => {
    await db.pause('fast');
    const { pool } = faultPool({
      connectionString: db.url,
      basePoolSize: { min: 1, max: 3, acquireTimeoutMillis: 5_000 },
      connectTimeoutMillis: 1_000,
    });
    const started = performance.now();
    const err = await pool.ready().catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expectWedPoolError(err, 'CONNECT_FAILED', 'ConnectionError');
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).kind).toBe('refused');
    expect(elapsed, 'ready() fails fast').toBeLessThan(1_000);

    await db.resume();
    const back = performance.now();
    const r = await track(pool.query('select 1 as ok', [], CRITICAL, { timeoutMillis: 5_000 }), back);
    expect(r.ok, `query after the server came up failed: ${String(r.error)}`).toBe(true);
    expect((r.value as { rows: unknown[] }).rows).toEqual([{ ok: 1 }]);
    expect(r.ms, 'first query after the server is up (ms from resume)').toBeLessThan(1_000);
    await expect(pool.ready()).resolves.toBeUndefined();

    const admin = await adminClient(db.url);
    try {
      await expectBaseline(pool, { admin });
    } finally {
      await admin.end();
    }
  });

  it('a lazy pool (min 0) never asked for ready() recovers on its own', async () => {
    await db.pause('fast');
    const { pool } = faultPool({ connectionString: db.url, basePoolSize: { min: 0, max: 3 }, connectTimeoutMillis: 1_000 });
    const down = await track(pool.query('select 1', [], CRITICAL, { timeoutMillis: 400 }));
    expect(down.ok).toBe(false);
    expectWedPoolError(down.error);
    await db.resume();
    const back = performance.now();
    const up = await track(pool.query('select 1 as ok', [], CRITICAL, { timeoutMillis: 5_000 }), back);
    expect(up.ok, `query after the server came up failed: ${String(up.error)}`).toBe(true);
    expect(up.ms, 'first query after the server is up (ms from resume)').toBeLessThan(1_000);
    await expectBaseline(pool);
  });
});

describe('database down for the whole acquire deadline', () => {
  it('rejects at the deadline (±300 ms) with AcquireTimeoutError caused by the ConnectionError, without a tight loop', async () => {
    await db.pause('fast');
    const { pool } = faultPool({ connectionString: db.url, basePoolSize: { max: 3 }, connectTimeoutMillis: 500 });
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();

    const started = performance.now();
    const [acq, q] = await settle(
      [pool.getConnection(CRITICAL, { timeoutMillis: 2_000 }) as Promise<unknown>, pool.query('select 1', [], CRITICAL, { timeoutMillis: 2_000 })],
      started,
    );
    for (const o of [acq, q]) {
      expect(o.ok).toBe(false);
      expectWedPoolError(o.error, 'POOL_ACQUIRE_TIMEOUT', 'AcquireTimeoutError');
      expect(o.error).toBeInstanceOf(AcquireTimeoutError);
      expect(o.ms, 'rejected at the deadline').toBeGreaterThanOrEqual(1_700);
      expect(o.ms, 'rejected at the deadline').toBeLessThanOrEqual(2_300);
      const cause = (o.error as AcquireTimeoutError).cause;
      expect(cause).toBeInstanceOf(ConnectionError);
      expect((cause as ConnectionError).kind).toBe('refused');
    }
    // No tight loop (deadpool 201): a handful of attempts with backoff, and little CPU.
    const cpu = process.cpuUsage(cpuBefore);
    const wall = performance.now() - wallBefore;
    expect(pool.stats().connectFailures, 'connect attempts in 2 s with backoff').toBeLessThanOrEqual(12);
    expect((cpu.user + cpu.system) / 1000, `CPU ms used during ${Math.round(wall)} ms of outage`).toBeLessThan(wall * 0.5);
    // Counted at the server once it is back: no attempt made during the outage left a backend.
    await db.resume();
    await expectBaseline(pool);
  });
});

describe('health while the database is down (planned API)', () => {
  it('reports down, sheds non-critical acquires with DatabaseUnavailableError, keeps critical ones waiting, and returns to healthy', async () => {
    const { pool } = faultPool({
      connectionString: db.url,
      basePoolSize: { min: 1, max: 3, acquireTimeoutMillis: 5_000 },
      connectTimeoutMillis: 500,
      keepaliveMillis: 500,
    });
    await pool.ready();
    expect(pool.health()).toMatchObject({ state: 'healthy', consecutiveFailures: 0 });
    expect(pool.health().since).toBeInstanceOf(Date);
    const states: string[] = [];
    pool.on('health', (h: { state: string }) => states.push(h.state));

    await db.pause('fast');
    // Demand during the outage drives the pool to notice.
    const started = performance.now();
    const normal = await track(pool.query('select 1', [], {}, { timeoutMillis: 5_000 }), started);
    expect(normal.ok).toBe(false);
    expectWedPoolError(normal.error, 'DATABASE_UNAVAILABLE', 'DatabaseUnavailableError');
    expect(normal.ms, 'non-critical acquire fails fast (short grace), well before its 5 s deadline').toBeLessThan(3_000);

    const h = pool.health();
    expect(h.state).toBe('down');
    expect(h.consecutiveFailures).toBeGreaterThanOrEqual(1);
    expectWedPoolError(h.lastError);

    const critStarted = performance.now();
    const critical = await track(pool.getConnection(CRITICAL, { timeoutMillis: 1_500 }), critStarted);
    expect(critical.ok).toBe(false);
    expectWedPoolError(critical.error, 'POOL_ACQUIRE_TIMEOUT');
    expect(critical.ms, 'critical waits until its own deadline').toBeGreaterThanOrEqual(1_200);
    expect(critical.ms).toBeLessThanOrEqual(1_800);

    await db.resume();
    const back = performance.now();
    const up = await track(pool.query('select 1 as ok', [], CRITICAL, { timeoutMillis: 3_000 }), back);
    expect(up.ok, `query after resume failed: ${String(up.error)}`).toBe(true);
    expect(up.ms).toBeLessThan(1_000);
    await until(() => pool.health().state === 'healthy', 1_000, 'health back to healthy');
    expect(pool.health().consecutiveFailures).toBe(0);
    expect(states).toContain('down');
    expect(states[states.length - 1]).toBe('healthy');
    await expectBaseline(pool);
  });
});
