// Faults of capacity: a server with no free slot (53300), bursts of 1000× the pool size with a
// bounded wait queue, and storms of aborted waiters. Runs against this file's own throwaway
// server (its max_connections is filled).
import { getEventListeners } from 'node:events';

import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { AcquireTimeoutError, ConnectionError, type DatabaseContext, type PoolConnection } from '../../dist/index.js';
import {
  adminClient,
  backendPids,
  describeError,
  expectBaseline,
  expectOnlyTypedErrors,
  expectWedPoolError,
  faultPool,
  sleep,
  track,
  until,
  type Outcome,
} from '../support/faults';
import { useProcessGuards } from '../support/process-guards';
import { startProxy, type PgProxy } from '../support/proxy';
import { useThrowawayPostgres } from '../support/throwaway';

const MAX_CONNECTIONS = 20;
const db = useThrowawayPostgres({ settings: { max_connections: String(MAX_CONNECTIONS) } });
useProcessGuards();

const CRITICAL = { isWeddingCritical: true, isCriticalOperation: true };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('server full (too many clients, 53300)', () => {
  it('keeps healthy connections, retries creation with backoff inside the deadline (no tight loop) and gets a slot once one frees', async () => {
    const proxy: PgProxy = await startProxy({ port: db.port });
    cleanups.push(() => proxy.close());
    const { pool } = faultPool({
      connectionString: proxy.url(db.url),
      serverUrl: db.url,
      basePoolSize: { min: 2, max: 6, acquireTimeoutMillis: 5_000 },
      connectTimeoutMillis: 1_000,
    });
    await pool.ready();
    await until(() => pool.stats().size === 2, 2_000, 'min connections open');
    const healthy = await backendPids(pool, 2);

    // Fill every remaining slot with other clients (the admin session takes one of them).
    const admin = await adminClient(db.url);
    cleanups.push(() => admin.end());
    const fillers: pg.Client[] = [];
    cleanups.push(() => Promise.all(fillers.map((f) => f.end().catch(() => undefined))));
    for (let i = 0; i < MAX_CONNECTIONS + 5; i += 1) {
      try {
        fillers.push(await adminClient(db.url));
      } catch (e) {
        expect((e as { code?: string }).code).toBe('53300');
        break;
      }
    }
    expect(fillers.length).toBeGreaterThan(0);
    expect(fillers.length).toBeLessThan(MAX_CONNECTIONS);

    // The two healthy connections are busy; a third caller needs a new connection.
    const held = await Promise.all([pool.getConnection(), pool.getConnection()]);
    expect(held.map((c) => c.processId).sort()).toEqual([...healthy].sort());
    proxy.resetCounts();
    const fullSince = performance.now();

    // A caller whose deadline passes while the server is full learns why.
    const probe = await track(pool.getConnection(CRITICAL, { timeoutMillis: 600 }));
    expect(probe.ok).toBe(false);
    expectWedPoolError(probe.error, 'POOL_ACQUIRE_TIMEOUT', 'AcquireTimeoutError');
    expect(probe.ms).toBeGreaterThanOrEqual(450);
    expect(probe.ms).toBeLessThanOrEqual(900);
    const cause = (probe.error as AcquireTimeoutError).cause as ConnectionError;
    expect(cause).toBeInstanceOf(ConnectionError);
    expect(cause.kind).toBe('too_many_clients');

    // A waiter with a longer deadline keeps going while the server stays full.
    const waiter = track(pool.getConnection(CRITICAL, { timeoutMillis: 5_000 }));
    await sleep(1_400);
    const attempts = proxy.stats().accepted;
    const elapsed = performance.now() - fullSince;
    // Backoff 100 ms doubling (±20%): about 5 attempts in 2 s; a tight loop would make hundreds.
    expect(attempts, `connection attempts in ${Math.round(elapsed)} ms while full`).toBeGreaterThanOrEqual(2);
    expect(attempts, `connection attempts in ${Math.round(elapsed)} ms while full`).toBeLessThanOrEqual(8);
    const gaps = proxy
      .stats()
      .acceptedAt.slice(1)
      .map((t, i) => t - proxy.stats().acceptedAt[i]);
    // Backoff ≥ 80 ms between attempts; a delayed attempt can shorten the next gap on a loaded
    // machine, so: typical gap ≥ 50 ms, and none tight-loop short.
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[sorted.length >> 1], `median gap between attempts ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThanOrEqual(50);
    expect(sorted[0], `gaps between attempts ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThanOrEqual(20);

    // The healthy connections were kept and still work.
    for (const c of held) expect((await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid).toBe(c.processId);

    // One slot frees: the waiter gets it inside its deadline.
    await fillers.pop()!.end();
    const got = await waiter;
    expect(got.ok, `waiter failed: ${String(got.error)}`).toBe(true);
    (got.value as PoolConnection).release();
    held.forEach((c) => c.release());
    expect(pool.stats().size).toBeLessThanOrEqual(6);

    await Promise.all(fillers.splice(0).map((f) => f.end()));
    await expectBaseline(pool, { admin });
  });
});

describe('server full with nothing open: back-pressure, not an outage', () => {
  it('ordinary callers keep waiting within their deadline (no DATABASE_UNAVAILABLE), health never goes down, and the metric says why', async () => {
    // Fill the server before the pool opens anything (the admin session takes one slot).
    const admin = await adminClient(db.url);
    cleanups.push(() => admin.end());
    const fillers: pg.Client[] = [];
    cleanups.push(() => Promise.all(fillers.map((f) => f.end().catch(() => undefined))));
    for (let i = 0; i < MAX_CONNECTIONS + 5; i += 1) {
      try {
        fillers.push(await adminClient(db.url));
      } catch (e) {
        expect((e as { code?: string }).code).toBe('53300');
        break;
      }
    }
    const { pool } = faultPool({
      connectionString: db.url,
      basePoolSize: { min: 0, max: 4, acquireTimeoutMillis: 8_000 },
      unavailableGraceMillis: 200,
      fleetBudget: false,
    });
    const states: string[] = [];
    pool.on('health', (h: { state: string }) => states.push(h.state));
    // Ordinary (not wedding-critical) callers: a database that is down would fail them after
    // 200 ms with DATABASE_UNAVAILABLE; a full one must not.
    const callers = Array.from({ length: 5 }, () => track(pool.query('select 1 as one')));
    await sleep(1_500);
    expect(pool.health().state).toBe('degraded');
    expect((pool.health().lastError as ConnectionError).kind).toBe('too_many_clients');
    expect(pool.stats().serverFull).toBeGreaterThanOrEqual(3);
    expect(pool.metrics()).toMatch(/^wedpool_server_full_total\{pool="[^"]+"\} [1-9]\d*$/m);
    // Two slots free: every caller is served inside its deadline.
    await fillers.pop()!.end();
    await fillers.pop()!.end();
    const outcomes = await Promise.all(callers);
    expect(outcomes.map((o) => (o.ok ? 'ok' : describeError(o.error)))).toEqual(Array(5).fill('ok'));
    expect(states).not.toContain('down');
    expect(pool.health().state).not.toBe('down');
    await Promise.all(fillers.splice(0).map((f) => f.end()));
    await expectBaseline(pool, { admin });
  });
});

describe('burst of 1000× the pool size', () => {
  it('sheds the excess with PoolOverloadedError, lowest priority first, and never exceeds max', async () => {
    const MAX = 10;
    const MAX_WAITING = 1_000;
    const CALLERS = 10_000;
    const { pool, sampler } = faultPool({
      connectionString: db.url,
      basePoolSize: { max: MAX, acquireTimeoutMillis: 20_000 },
      maxWaiting: MAX_WAITING,
    });
    const classes: Array<{ ctx: DatabaseContext; priority: number }> = [
      { ctx: {}, priority: 100 },
      { ctx: { isWeddingDay: true }, priority: 600 },
      { ctx: { isActiveWedding: true }, priority: 1100 },
      { ctx: { isActiveWedding: true, isCriticalOperation: true }, priority: 1400 },
    ];
    for (const c of classes) expect(pool.calculateConnectionPriority(c.ctx)).toBe(c.priority);

    // Every connection is busy while the burst arrives, so the queue bound decides who stays.
    const held = await Promise.all(Array.from({ length: MAX }, () => pool.getConnection({}, { timeoutMillis: 5_000 })));
    let seed = 42;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let settled = 0;
    const calls: Array<Promise<Outcome<unknown> & { priority: number }>> = [];
    for (let i = 0; i < CALLERS; i += 1) {
      const cls = classes[Math.floor(rand() * classes.length)];
      const p =
        i % 2 === 0
          ? pool.query('select 1 as ok', [], cls.ctx)
          : pool.getConnection(cls.ctx).then(async (c) => {
              try {
                return await c.query('select 1 as ok');
              } finally {
                c.release();
              }
            });
      calls.push(
        track(p).then((o) => {
          settled += 1;
          return { ...o, priority: cls.priority };
        }),
      );
      if (i % 500 === 0) sampler.sample();
    }
    // Everyone has either been queued or shed before any connection frees up.
    await until(() => settled + pool.stats().waiting >= CALLERS, 5_000, 'every caller queued or shed');
    expect(pool.stats().waiting, 'the wait queue is bounded by maxWaiting').toBeLessThanOrEqual(MAX_WAITING);
    held.forEach((c) => c.release());

    const outcomes = await Promise.all(calls);
    const byCode = expectOnlyTypedErrors(outcomes);
    expect(Object.keys(byCode)).toEqual(['POOL_OVERLOADED']);
    const shed = outcomes.filter((o) => !o.ok);
    for (const o of shed.slice(0, 50)) expectWedPoolError(o.error, 'POOL_OVERLOADED', 'PoolOverloadedError');
    const served = outcomes.filter((o) => o.ok);
    expect(served.length, 'served = the queue bound').toBe(MAX_WAITING);
    expect(shed.length).toBe(CALLERS - MAX_WAITING);

    // Lowest priority first: the 1000 kept are the highest-priority callers (there are ~2500
    // of them), so every caller of a lower class was shed.
    const servedByPriority: Record<number, number> = {};
    for (const o of served) servedByPriority[o.priority] = (servedByPriority[o.priority] ?? 0) + 1;
    expect(servedByPriority).toEqual({ 1400: MAX_WAITING });
    expect(sampler.maxSize).toBeLessThanOrEqual(MAX);
    await expectBaseline(pool, { max: MAX });
  });

  it('with the default maxWaiting, a burst well under the bound is served completely', async () => {
    const { pool } = faultPool({ connectionString: db.url, basePoolSize: { max: 5, acquireTimeoutMillis: 20_000 } });
    const outcomes = await Promise.all(Array.from({ length: 2_000 }, (_, i) => track(pool.query('select $1::int as i', [i]))));
    expect(expectOnlyTypedErrors(outcomes)).toEqual({});
    await expectBaseline(pool, { max: 5 });
  });
});

describe('abort storms', () => {
  it('thousands of AbortSignals firing while queued: every waiter leaves at once, nothing leaks', async () => {
    const { pool, appName } = faultPool({ connectionString: db.url, basePoolSize: { max: 2, acquireTimeoutMillis: 10_000 } });
    const admin = await adminClient(db.url);
    cleanups.push(() => admin.end());
    const held = await Promise.all([pool.getConnection(), pool.getConnection()]);

    const N = 3_000;
    const controllers = Array.from({ length: N }, () => new AbortController());
    const ctxs: DatabaseContext[] = [{}, { isActiveWedding: true }, { isWeddingCritical: true }, { isCriticalOperation: true }];
    const waiters = controllers.map((c, i) =>
      track<unknown>(
        i % 3 === 0 ? pool.query('select 1', [], ctxs[i % 4], { signal: c.signal }) : pool.getConnection(ctxs[i % 4], { signal: c.signal }),
      ),
    );
    // Plus waiters whose signals time out on their own, spread over 1–50 ms.
    const timed = Array.from({ length: 1_000 }, (_, i) => track(pool.getConnection(ctxs[i % 4], { signal: AbortSignal.timeout(1 + (i % 50)) })));
    expect(pool.stats().waiting).toBe(N + 1_000);

    // Abort in bursts: some in the same tick, some a few ms apart, in a scrambled order.
    const order = controllers.map((_, i) => (i * 7_919) % N);
    for (let i = 0; i < order.length; i += 250) {
      for (const j of order.slice(i, i + 250)) controllers[j].abort(new Error(`stop ${j}`));
      await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all([...waiters, ...timed]);
    expect(pool.stats().waiting, 'no waiter left behind').toBe(0);
    for (const r of results) {
      expect(r.ok).toBe(false);
      expectWedPoolError(r.error, 'ABORT_ERR', 'AbortError');
    }
    expect(((results[5].error as Error).cause as Error).message).toBe('stop 5');

    held.forEach((c) => c.release());
    expect(pool.stats()).toMatchObject({ inUse: 0, idle: 2, waiting: 0 });

    // Races: the connection is handed over in the same tick the waiter aborts.
    for (let round = 0; round < 300; round += 1) {
      const holders = await Promise.all([pool.getConnection(), pool.getConnection()]);
      const c = new AbortController();
      const w = track(pool.getConnection({}, { signal: c.signal }));
      if (round % 2 === 0) {
        holders[0].release();
        c.abort();
      } else {
        c.abort();
        holders[0].release();
      }
      holders[1].release();
      const o = await w;
      if (o.ok) (o.value as PoolConnection).release();
      else expectWedPoolError(o.error, 'ABORT_ERR');
    }
    // One long-lived signal shared by many acquires accumulates no listeners.
    const shared = new AbortController();
    for (let batch = 0; batch < 20; batch += 1) {
      await Promise.all(
        Array.from({ length: 20 }, () =>
          pool.getConnection({}, { signal: shared.signal, timeoutMillis: 5_000 }).then(async (conn) => {
            await sleep(1); // held across a turn, so the others queue with the shared signal
            conn.release();
          }),
        ),
      );
    }
    expect(getEventListeners(shared.signal, 'abort').length, 'abort listeners left on a shared signal').toBe(0);

    expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    await expectBaseline(pool, { admin, appName, max: 2 });
  });
});
