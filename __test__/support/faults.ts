// Shared helpers for the fault suite (__test__/faults): pools with the planned options, typed-error
// assertions, and the truth about connections taken where it cannot lie — at the server:
// every fault pool has a server sampler that counts its backends in pg_stat_activity (by its
// unique application_name, any state, so also backends still starting up) every 20 ms on a
// direct connection, and the "back to baseline" check requires that the server never held more
// than the pool's max (for longer than LINGER_MS, the time a discarded backend takes to exit)
// and ends holding exactly what the pool counts (nothing leaked). The pool's
// own stats are sampled too: connections open plus those being opened never exceed max.
import pg from 'pg';
import { afterEach, expect } from 'vitest';

import { WeddingAwareConnectionPool, WedPoolError, type PoolStats, type WeddingPoolOptions } from '../../dist/index.js';

/** Options the recovery work adds (written against the planned contract). */
export interface PlannedOptions {
  keepaliveMillis?: number;
  maxLifetimeMillis?: number;
  queryTimeoutMillis?: number;
  maxWaiting?: number;
  leakDetectionThresholdMillis?: number;
}

export type FaultPoolOptions = WeddingPoolOptions &
  PlannedOptions & {
    /**
     * Superuser URL of the server the pool ultimately reaches, connected to directly (never
     * through a proxy): the server-side count of the pool's backends is taken there. Defaults to
     * `connectionString` only when that is itself a direct superuser URL — pass it whenever the
     * pool goes through a proxy or logs in as another role.
     */
    serverUrl?: string;
    /**
     * Backends the server may keep beyond the pool's max because the pool has already given them
     * up and the server has not noticed yet (a blackholed socket is only found dead by the
     * server's own keepalive). Default 0.
     */
    serverSlack?: number;
  };

export interface PoolHealth {
  state: 'healthy' | 'degraded' | 'down';
  since: Date;
  consecutiveFailures: number;
  lastError?: WedPoolError;
}

/** The pool with the planned API (health(), end({ timeoutMillis }), per-call queryTimeoutMillis). */
export type FaultPool = WeddingAwareConnectionPool & {
  health(): PoolHealth;
  end(options?: { timeoutMillis?: number }): Promise<void>;
};

/** A Wednesday: no wedding-day scaling, priorities as on an ordinary day. */
export const WEDNESDAY = new Date('2026-06-10T12:00:00Z');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Sampler {
  /** Largest `size + pending` seen (connections open plus being opened). */
  readonly maxSize: number;
  /** Samples where size + pending exceeded maxSize. */
  readonly violations: PoolStats[];
  readonly samples: number;
  /** Takes one sample now (also done every few ms and on every connect event). */
  sample(): PoolStats | null;
  stop(): void;
}

/**
 * How long the server may show more of the pool's backends than its max: a backend whose socket
 * the pool has just closed (a discarded connection) exits only once it reads the EOF, a few ms
 * later, while the pool may already be opening its replacement. Longer than this is a violation.
 */
export const LINGER_MS = 250;

/** The pool's backends as the server sees them, sampled every 20 ms on a direct connection. */
export interface ServerSampler {
  /** Largest count of the pool's backends seen at the server. */
  readonly max: number;
  /** Successful samples (the server may be down for a while in some scenarios). */
  readonly samples: number;
  /** Counts above the allowed maximum (max + slack) for longer than LINGER_MS, with when. */
  readonly over: Array<{ count: number; limit: number; at: number; backends: string[] }>;
  /** Counts the pool's backends now (throws if the server cannot be reached). */
  count(): Promise<number>;
  stop(): Promise<void>;
}

interface Tracked {
  pool: FaultPool;
  appName: string;
  max: number;
  sampler: Sampler;
  server: ServerSampler;
}

const tracked = new Map<WeddingAwareConnectionPool, Tracked>();
let seq = 0;

afterEach(async () => {
  const all = [...tracked.values()];
  tracked.clear();
  for (const t of all) t.sampler.stop();
  // A short drain: a test that failed while holding connections must not cost 10 s here.
  await Promise.all(all.map((t) => t.pool.end({ timeoutMillis: 500 }).catch(() => undefined)));
  await Promise.all(all.map((t) => t.server.stop()));
});

function startSampler(pool: WeddingAwareConnectionPool, intervalMs = 5): Sampler {
  let maxSize = 0;
  let samples = 0;
  const violations: PoolStats[] = [];
  let stopped = false;
  const sample = (): PoolStats | null => {
    if (stopped || pool.ended) return null;
    let s: PoolStats;
    try {
      s = pool.stats();
    } catch {
      return null;
    }
    samples += 1;
    maxSize = Math.max(maxSize, s.size + s.pending);
    if (s.size + s.pending > s.maxSize) violations.push(s);
    return s;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  const onConnect = () => sample();
  pool.on('connect', onConnect);
  return {
    get maxSize() {
      return maxSize;
    },
    get violations() {
      return violations;
    },
    get samples() {
      return samples;
    },
    sample,
    stop() {
      if (stopped) return;
      sample();
      stopped = true;
      clearInterval(timer);
      pool.off('connect', onConnect);
    },
  };
}

function startServerSampler(serverUrl: string, appName: string, limit: () => number, intervalMs = 20): ServerSampler {
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  let max = 0;
  let samples = 0;
  let busy = false;
  let stopped = false;
  let overSince: number | null = null;
  const over: Array<{ count: number; limit: number; at: number; backends: string[] }> = [];
  const connect = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: serverUrl, application_name: 'wedpool-fault-sampler', connectionTimeoutMillis: 2_000 });
      c.on('error', () => {
        if (client === c) client = null;
      });
      try {
        await c.connect();
      } catch (err) {
        await c.end().catch(() => undefined);
        throw err;
      }
      client = c;
      return c;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };
  const count = async (): Promise<number> => {
    const c = await connect();
    try {
      const { rows } = await c.query<{ pid: number; state: string | null; query: string; ms: number }>(
        `select pid, state, left(query, 60) as query, (extract(epoch from clock_timestamp() - backend_start) * 1000)::int as ms
           from pg_stat_activity
          where (application_name = $1 or strpos(application_name, $1) > 0) and backend_type = 'client backend'`,
        [appName],
      );
      const n = rows.length;
      samples += 1;
      max = Math.max(max, n);
      const allowed = limit();
      const now = Date.now();
      if (n <= allowed) overSince = null;
      else {
        overSince ??= now;
        if (now - overSince >= LINGER_MS) over.push({ count: n, limit: allowed, at: now, backends: rows.map((r) => `${r.pid} ${r.state} ${r.ms}ms old: ${r.query}`) });
      }
      return n;
    } catch (err) {
      if (client === c) client = null;
      await c.end().catch(() => undefined);
      throw err;
    }
  };
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    // The server may be down (restart scenarios): a failed sample is simply not taken.
    count()
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    get max() {
      return max;
    },
    get samples() {
      return samples;
    },
    get over() {
      return over;
    },
    count,
    async stop() {
      stopped = true;
      clearInterval(timer);
      const c = client ?? (await connecting?.catch(() => null));
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}

/**
 * A pool for a fault scenario: ordinary-day calendar (no wedding-day scaling), a unique
 * application_name, a stats sampler and a server sampler (see the file comment), ended after
 * the test.
 */
export function faultPool(options: FaultPoolOptions): { pool: FaultPool; appName: string; sampler: Sampler; server: ServerSampler } {
  seq += 1;
  // Terminated by '-pool' so that no name is a substring of another (see serverCount).
  const appName = options.applicationName ?? `wedpool-fault-${process.pid}-${seq}-pool`;
  const { serverUrl, serverSlack = 0, ...poolOptions } = options;
  const pool = new WeddingAwareConnectionPool({
    weddingDayMultiplier: 1,
    priorityAgingPerSecond: 0,
    ...poolOptions,
    applicationName: appName,
  } as WeddingPoolOptions) as FaultPool;
  pool.setCalendarTime(WEDNESDAY);
  const sampler = startSampler(pool);
  const max = options.basePoolSize?.max ?? 10;
  const directUrl = serverUrl ?? options.connectionString;
  if (!directUrl) throw new Error('faultPool needs serverUrl (or a direct connectionString) to count connections at the server');
  const server = startServerSampler(directUrl, appName, () => max + serverSlack);
  tracked.set(pool, { pool, appName, max, sampler, server });
  return { pool, appName, sampler, server };
}

/** Asserts `err` is a typed WedPool error with `code` (and class `name` when given). */
export function expectWedPoolError(err: unknown, code?: string | string[], name?: string): asserts err is WedPoolError {
  expect(err, `expected a WedPoolError, got ${describeError(err)}`).toBeInstanceOf(WedPoolError);
  if (code !== undefined) {
    const codes = Array.isArray(code) ? code : [code];
    expect(codes, `unexpected code for ${describeError(err)}`).toContain((err as WedPoolError).code);
  }
  if (name !== undefined) expect((err as Error).name).toBe(name);
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { code?: string; kind?: string; cause?: unknown };
    return `${e.name}(${e.code ?? ''}${e.kind ? `/${e.kind}` : ''}): ${e.message}${e.cause ? ` [cause: ${describeError(e.cause)}]` : ''}`;
  }
  return `non-error ${JSON.stringify(err)}`;
}

export interface Outcome<T> {
  ok: boolean;
  value?: T;
  error?: unknown;
  /** ms from `settle` start to settling. */
  ms: number;
}

/** Awaits every promise, recording outcome and settle time; never throws. */
export async function settle<T>(promises: Array<Promise<T>>, started = performance.now()): Promise<Array<Outcome<T>>> {
  return Promise.all(
    promises.map((p) =>
      p.then(
        (value) => ({ ok: true, value, ms: performance.now() - started }),
        (error: unknown) => ({ ok: false, error, ms: performance.now() - started }),
      ),
    ),
  );
}

/** Attaches handlers at once (no unhandled rejection while the test does other things). */
export function track<T>(p: Promise<T>, started = performance.now()): Promise<Outcome<T>> {
  return p.then(
    (value) => ({ ok: true, value, ms: performance.now() - started }),
    (error: unknown) => ({ ok: false, error, ms: performance.now() - started }),
  );
}

/** `outcome`, or null when it has not settled within `ms` (a hang: the test fails without waiting 30 s). */
export async function within<T>(outcome: Promise<Outcome<T>>, ms: number): Promise<Outcome<T> | null> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), ms);
  });
  try {
    return await Promise.race([outcome, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every failure is a WedPoolError; returns the counts by code. */
export function expectOnlyTypedErrors(outcomes: Array<Outcome<unknown>>): Record<string, number> {
  const byCode: Record<string, number> = {};
  const untyped: string[] = [];
  for (const o of outcomes) {
    if (o.ok) continue;
    if (o.error instanceof WedPoolError) byCode[o.error.code] = (byCode[o.error.code] ?? 0) + 1;
    else untyped.push(describeError(o.error));
  }
  expect(untyped.slice(0, 5), `${untyped.length} untyped errors reached the caller`).toEqual([]);
  return byCode;
}

/** A superuser client (direct to the server, never through a proxy); the caller ends it. */
export async function adminClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'wedpool-fault-admin' });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/**
 * Client backends of the pool whose applicationName is `appName` (the server may see it
 * decorated, e.g. `wedpool:<name>:<id>`, so it is matched as a substring; names are chosen so
 * that none contains another).
 */
export async function serverCount(admin: pg.Client, appName: string, extra = ''): Promise<number> {
  const r = await admin.query(
    `select count(*)::int as n from pg_stat_activity
      where (application_name = $1 or strpos(application_name, $1) > 0) and backend_type = 'client backend' ${extra}`,
    [appName],
  );
  return r.rows[0].n as number;
}

/** Polls an async check until it returns true or the time is up (then fails with `what`). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}

/**
 * The scenario's end state: nobody in use or waiting, nothing being opened, open + opening
 * within max at every sample; at the server: never more of the pool's backends than its max
 * (plus the scenario's `serverSlack`), at least one sample taken, and at the end exactly as many
 * backends as the pool counts (nothing leaked). The server must be up at the end. `admin` is
 * accepted for older call sites and no longer needed (the server sampler has its own connection).
 */
export async function expectBaseline(
  pool: WeddingAwareConnectionPool,
  opts: { admin?: pg.Client; appName?: string; max?: number; timeoutMs?: number } = {},
): Promise<void> {
  const t = tracked.get(pool);
  if (!t) throw new Error('expectBaseline needs a pool made by faultPool() (it samples the server)');
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const started = performance.now();
  let last = pool.stats();
  while (performance.now() - started < timeoutMs) {
    last = pool.stats();
    if (last.inUse === 0 && last.waiting === 0 && last.pending === 0) break;
    await sleep(10);
  }
  expect({ inUse: last.inUse, waiting: last.waiting, pending: last.pending }, 'pool back to baseline').toEqual({
    inUse: 0,
    waiting: 0,
    pending: 0,
  });
  expect(last.reserved.inUse).toBe(0);
  t.sampler.sample();
  expect(t.sampler.violations.slice(0, 3), 'open + opening above maxSize').toEqual([]);
  expect(t.sampler.maxSize, 'largest open + opening seen').toBeLessThanOrEqual(opts.max ?? t.max);
  if (opts.appName !== undefined) expect(opts.appName).toBe(t.appName);
  let server = -1;
  let size = -1;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    size = pool.stats().size;
    server = await t.server.count().catch(() => -1);
    if (server === size) break;
    await sleep(25);
  }
  expect({ server, pool: size }, 'server-side connections = pool size (nothing leaked)').toEqual({ server: size, pool: size });
  expect(t.server.samples, 'the server was sampled during the scenario').toBeGreaterThan(0);
  expect(t.server.over.slice(0, 3), 'the server held more of the pool\'s backends than its max').toEqual([]);
  if (opts.max !== undefined) expect(t.server.max, 'most backends seen at the server').toBeLessThanOrEqual(opts.max);
}

/** `select pg_backend_pid()` on each of `n` connections held at once; released afterwards. */
export async function backendPids(pool: WeddingAwareConnectionPool, n: number): Promise<number[]> {
  const conns = await Promise.all(Array.from({ length: n }, () => pool.getConnection({}, { timeoutMillis: 5_000 })));
  try {
    return conns.map((c) => c.processId);
  } finally {
    for (const c of conns) c.release();
  }
}
