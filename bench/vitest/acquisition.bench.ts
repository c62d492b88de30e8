// Acquisition micro-benchmarks (`npm run bench:vitest`): how long one `getConnection()` +
// `release()` takes when a connection is idle, when callers queue for a small pool, and for a
// wedding-critical caller while normal callers saturate everything but the reserve. Reported
// as p50/p99 per operation by ./percentile-reporter.mjs; nothing here asserts a timing.
import { afterAll, bench, describe } from 'vitest';

import { WeddingAwareConnectionPool, type DatabaseContext, type WeddingPoolOptions } from '../../dist/index.js';

const SATURDAY = new Date('2026-06-13T12:00:00Z');
const WEDNESDAY = new Date('2026-06-10T12:00:00Z');
const CRITICAL: DatabaseContext = { isWeddingCritical: true, isActiveWedding: true, isCriticalOperation: true };
/** Each task runs this long after a short warm-up: the suite stays a few seconds for CI. */
const TASK = { time: 400, warmupTime: 100 };

const pools: WeddingAwareConnectionPool[] = [];
/** Background loops being stopped: tinybench does not await an async teardown, so afterAll does. */
const stopping: Promise<void>[] = [];
afterAll(async () => {
  await Promise.all(stopping.splice(0));
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

function openPool(max: number, extra: WeddingPoolOptions, day: Date): WeddingAwareConnectionPool {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (the vitest global setup starts a throwaway server)');
  const pool = new WeddingAwareConnectionPool({
    connectionString: url,
    applicationName: 'wedpool-vitest-bench',
    fleetBudget: false,
    basePoolSize: { min: 0, max, idleTimeoutMillis: 0, acquireTimeoutMillis: 60_000 },
    weddingDayMultiplier: 1,
    weddingCalendar: { timezones: ['UTC'], weekdays: ['saturday'] },
    ...extra,
  });
  pool.setCalendarTime(day);
  pools.push(pool);
  return pool;
}

/** Opens `count` connections at once so no task pays for a connect. */
async function warm(pool: WeddingAwareConnectionPool, count: number, ctx?: DatabaseContext): Promise<void> {
  const held = await Promise.all(Array.from({ length: count }, () => pool.getConnection(ctx)));
  for (const conn of held) conn.release();
}

/** `callers` closed loops of acquire → hold → release, running until the returned stop is awaited. */
function background(pool: WeddingAwareConnectionPool, callers: number, hold: () => Promise<void>): () => Promise<void> {
  let running = true;
  const loops = Array.from({ length: callers }, async () => {
    while (running) {
      const conn = await pool.getConnection();
      await hold();
      conn.release();
    }
  });
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const oneMillisecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe('acquisition', () => {
  // Pools are created lazily inside each task's setup so `vitest bench` can filter tasks.
  let uncontended: WeddingAwareConnectionPool;
  bench(
    'uncontended: acquire + release, idle connection (pool 10)',
    async () => {
      (await uncontended.getConnection()).release();
    },
    {
      ...TASK,
      setup: async () => {
        uncontended ??= openPool(10, {}, WEDNESDAY);
        await warm(uncontended, 1);
      },
    },
  );

  let contended: WeddingAwareConnectionPool;
  let stopContended: (() => Promise<void>) | undefined;
  bench(
    'contended: acquire + release, 8 other callers on a pool of 2',
    async () => {
      (await contended.getConnection()).release();
    },
    {
      ...TASK,
      setup: async () => {
        contended ??= openPool(2, {}, WEDNESDAY);
        await warm(contended, 2);
        stopContended ??= background(contended, 8, nextTurn);
      },
      teardown: (_task, mode) => {
        if (mode !== 'run' || !stopContended) return;
        stopping.push(stopContended());
        stopContended = undefined;
      },
    },
  );

  let reserve: WeddingAwareConnectionPool;
  let stopNormal: (() => Promise<void>) | undefined;
  bench(
    'reserve: critical acquire + release, 12 normal callers saturating a pool of 4 (reserve 1, Saturday)',
    async () => {
      (await reserve.getConnection(CRITICAL)).release();
    },
    {
      ...TASK,
      setup: async () => {
        reserve ??= openPool(4, { emergencyReservedConnections: 1 }, SATURDAY);
        await warm(reserve, 4, CRITICAL);
        stopNormal ??= background(reserve, 12, oneMillisecond);
      },
      teardown: (_task, mode) => {
        if (mode !== 'run' || !stopNormal) return;
        stopping.push(stopNormal());
        stopNormal = undefined;
      },
    },
  );
});
