// The soak's faults. Each driver injects one fault, lifts it, and resolves with the moment it was
// lifted (`performance.now()`: server back, proxy back to pass, termination done, slow query
// ended, burst drained) and a short note. Server-side actions use a plain `pg` client connected
// directly to the server (never through the proxy), opened per use so a restart cannot break it.
import pg from 'pg';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The order faults are injected in, round robin. */
export const FAULT_KINDS = ['restart', 'stop-2s', 'terminate-idle', 'terminate-busy', 'blackhole-1.5s', 'proxy-reset', 'slow-query', 'burst-2000'];

/** Runs one statement on a fresh direct superuser connection (bounded: 2 s connect, 5 s statement). */
export async function adminQuery(url, text, params = []) {
  const c = new pg.Client({ connectionString: url, application_name: 'wedpool-soak-admin', connectionTimeoutMillis: 2_000, statement_timeout: 5_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Terminates the pool's backends in `state` (`idle` or `active`) whose state is at least
 * `minAgeMs` old, retrying every 10 ms for up to `searchMs` until at least one is found.
 * Resolves with the number terminated.
 */
async function terminate(env, state, minAgeMs = 0, searchMs = 1_000) {
  const deadline = performance.now() + searchMs;
  for (;;) {
    const rows = await adminQuery(
      env.serverUrl,
      `select count(*) filter (where pg_terminate_backend(pid))::int as n from pg_stat_activity
        where strpos(application_name, $1) > 0 and backend_type = 'client backend' and state = $2
          and state_change <= clock_timestamp() - make_interval(secs => $3::float8 / 1000) and pid <> pg_backend_pid()`,
      [env.appName, state, minAgeMs],
    );
    if (rows[0].n > 0 || performance.now() > deadline) return rows[0].n;
    await sleep(10);
  }
}

/** Fault drivers by kind: `(env) => Promise<{ liftAt, note }>`. */
export const FAULTS = {
  async restart(env) {
    await env.ctl.restart('fast');
    return { liftAt: performance.now(), note: 'pg_ctl restart -m fast' };
  },
  async 'stop-2s'(env) {
    await env.ctl.pause('fast');
    await sleep(2_000);
    await env.ctl.resume();
    return { liftAt: performance.now(), note: 'pg_ctl stop -m fast; 2 s; start' };
  },
  async 'terminate-idle'(env) {
    // Under load a backend the server calls idle may already be handed to a caller whose
    // statement is on its way; one idle for 20 ms sits in the pool's idle list.
    let n = await terminate(env, 'idle', 20, 2_000);
    if (n > 0) return { liftAt: performance.now(), note: `${n} backend(s) idle ≥20 ms terminated` };
    n = await terminate(env, 'idle');
    return { liftAt: performance.now(), note: `${n} backend(s) idle <20 ms terminated` };
  },
  async 'terminate-busy'(env) {
    const n = await terminate(env, 'active');
    return { liftAt: performance.now(), note: `${n} busy backend(s) terminated` };
  },
  async 'blackhole-1.5s'(env) {
    await env.proxy.blackhole();
    await sleep(1_500);
    await env.proxy.pass();
    return { liftAt: performance.now(), note: 'proxy blackhole 1.5 s' };
  },
  async 'proxy-reset'(env) {
    const n = env.proxy.resetAll();
    return { liftAt: performance.now(), note: `${n} socket(s) reset` };
  },
  async 'slow-query'(env) {
    const started = performance.now();
    let err = null;
    await env.pool.query('select pg_sleep(5) as soak_slow', [], { operation: 'soak-slow' }, { timeoutMillis: 2_000, queryTimeoutMillis: 400 }).catch((e) => {
      err = e;
    });
    env.record.injectedOutcome('slow-query', err);
    return { liftAt: performance.now(), note: `pg_sleep(5) with a 400 ms deadline ended after ${Math.round(performance.now() - started)} ms` };
  },
  async 'burst-2000'(env) {
    const started = performance.now();
    const calls = Array.from({ length: 2_000 }, () =>
      env.pool.query('select 1 as burst', [], { operation: 'burst' }, { timeoutMillis: 3_000 }).then(
        () => env.record.injectedOutcome('burst', null),
        (err) => env.record.injectedOutcome('burst', err),
      ),
    );
    await Promise.all(calls);
    return { liftAt: performance.now(), note: `2,000 normal-priority callers drained in ${Math.round(performance.now() - started)} ms` };
  },
};
