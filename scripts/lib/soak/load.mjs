// The soak's load: callers of four priority classes in closed loops (a real statement each turn,
// some in transactions, some borrowing a connection, some with a short per-call
// queryTimeoutMillis), and a canary that starts `select 1` every 20 ms. Everything is bounded:
// acquires and statements have deadlines, failures back off, the canary caps its in-flight calls.

/** The priority classes and how many closed-loop callers each gets (60 in all). */
export const CLASSES = [
  { name: 'normal', ctx: {}, callers: 24 },
  { name: 'wedding-day', ctx: { isWeddingDay: true }, callers: 16 },
  { name: 'active-wedding', ctx: { isActiveWedding: true, weddingId: 'w-soak' }, callers: 12 },
  { name: 'wedding-critical', ctx: { isWeddingCritical: true, isCriticalOperation: true, weddingId: 'w-soak' }, callers: 8 },
];

/** The canary's context: it must measure the pool's recovery, not its queue. */
export const CANARY_CTX = { isWeddingCritical: true, isCriticalOperation: true, isActiveWedding: true, operation: 'canary' };

const ACQUIRE = { timeoutMillis: 2_000 };
const COUNTERS = 20;

/** Tables the load writes to; run once on a direct admin connection. */
export const SCHEMA = [
  'create table if not exists soak_counters (id int primary key, n bigint not null default 0)',
  'create table if not exists soak_events (id bigserial primary key, caller int not null, at timestamptz not null default now(), note text)',
  `insert into soak_counters (id) select g from generate_series(1, ${COUNTERS}) g on conflict do nothing`,
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (lo, hi) => lo + Math.random() * (hi - lo);

/** One turn of caller `id`: a statement mix with the shapes real handlers have. */
function turn(pool, ctx, id) {
  const r = Math.random();
  const counter = 1 + (id % COUNTERS);
  if (r < 0.4) return pool.query('select id, n from soak_counters where id = $1', [counter], ctx, ACQUIRE);
  if (r < 0.55) return pool.query('select pg_sleep(0.01), $1::int as caller', [id], ctx, ACQUIRE); // keeps backends busy
  if (r < 0.65) {
    // A per-call deadline far above normal latency: only a fault makes it fire.
    return pool.query('select pg_sleep(0.005), $1::int as caller', [id], ctx, { ...ACQUIRE, queryTimeoutMillis: 250 });
  }
  if (r < 0.85) {
    return pool.transaction(
      ctx,
      async (tx) => {
        await tx.query('insert into soak_events (caller, note) values ($1, $2)', [id, 'tx']);
        await tx.query('update soak_counters set n = n + 1 where id = $1', [counter]);
      },
      ACQUIRE,
    );
  }
  return pool.getConnection(ctx, ACQUIRE).then(async (conn) => {
    try {
      await conn.query('select count(*) from soak_events where caller = $1', [id]);
      await conn.query('select now() as t, $1::text as who', [`caller-${id}`]);
    } finally {
      conn.release();
    }
  });
}

/** Starts the closed-loop callers; `stop()` ends the loops and resolves when all have returned. */
export function startLoad(pool, record) {
  let stopped = false;
  let id = 0;
  const loops = [];
  for (const cls of CLASSES) {
    for (let i = 0; i < cls.callers; i += 1) {
      const me = (id += 1);
      loops.push(
        (async () => {
          await sleep(rand(0, 200)); // stagger the start
          while (!stopped) {
            try {
              await turn(pool, cls.ctx, me);
              record.success(cls.name);
              await sleep(rand(5, 25));
            } catch (err) {
              record.failure(cls.name, err);
              await sleep(rand(25, 75)); // never a tight loop, even when errors are immediate
            }
          }
        })(),
      );
    }
  }
  return {
    callers: loops.length,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Starts the canary: `select 1` every `everyMs`, at most `maxInFlight` outstanding. */
export function startCanary(pool, record, { everyMs = 20, maxInFlight = 60 } = {}) {
  const inFlight = new Set();
  const timer = setInterval(() => {
    if (inFlight.size >= maxInFlight) return;
    const start = performance.now();
    const p = pool
      .query('select 1 as ok', [], CANARY_CTX, { timeoutMillis: 1_000, queryTimeoutMillis: 1_000 })
      .then(
        () => record.canaryDone(start, performance.now(), null),
        (err) => record.canaryDone(start, performance.now(), err),
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}
