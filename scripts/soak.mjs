#!/usr/bin/env node
// `npm run soak -- --minutes N` (default 1; fractions allowed): WedPool under mixed-priority load
// (60 closed-loop callers in four priority classes, plus a canary running `select 1` every
// 20 ms) against its own throwaway PostgreSQL server reached through a TCP proxy, with a fault
// injected every 6 s in turn: restart, stop for 2 s, pg_terminate_backend of idle and of busy
// backends, a 1.5 s blackhole, a reset of every socket, a slow query past its deadline and a
// burst of 2,000 extra callers. Prints a live line every 3 s and a summary, and writes the
// results (recovery per fault, totals, RSS over time, errors from every source) to
// docs/soak/latest.json and .md (`--out PREFIX` writes PREFIX.json and PREFIX.md instead); exits
// non-zero on unhandled rejections/exceptions, untyped errors from any source (load, canary,
// fault drivers' own calls), a fault driver that failed, leaked connections or a pool above its
// max. The README's failure-table figures come from docs/soak/latest.json (scripts/readme-soak.mjs).
// Only 127.0.0.1; bounded by a watchdog; the server is removed afterwards.
// Modules: lib/soak/{load,faults,record,report,results}.mjs, lib/proxy.mjs, lib/pg-ctl.mjs.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { serverControl } from './lib/pg-ctl.mjs';
import { startThrowawayPostgres } from './lib/postgres.mjs';
import { startProxy } from './lib/proxy.mjs';
import { FAULTS, FAULT_KINDS, adminQuery } from './lib/soak/faults.mjs';
import { CLASSES, SCHEMA, startCanary, startLoad } from './lib/soak/load.mjs';
import { SoakRecord } from './lib/soak/record.mjs';
import { liveLine, summary } from './lib/soak/report.mjs';
import { soakResults, writeSoakResults } from './lib/soak/results.mjs';

const WARMUP_MS = 3_000;
const SLOT_MS = 6_000;
const QUIET_TAIL_MS = 3_000;
const WEDNESDAY = new Date('2026-06-10T12:00:00Z'); // an ordinary day: priorities are the flags alone

const arg = process.argv.slice(2).join(' ').match(/--minutes[= ]+(\S+)/);
const minutes = arg ? Number(arg[1]) : 1;
if (!(minutes > 0 && minutes <= 120)) {
  console.error('usage: npm run soak -- --minutes N   (0 < N <= 120, fractions allowed)');
  process.exit(2);
}
const durationMs = Math.round(minutes * 60_000);
const outArg = process.argv.slice(2).join(' ').match(/--out[= ]+(\S+)/);
const outPrefix = outArg ? outArg[1] : fileURLToPath(new URL('../docs/soak/latest', import.meta.url));
const command = `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim();

let wedpool;
try {
  wedpool = createRequire(import.meta.url)('../dist/index.js');
} catch (err) {
  console.error(`Could not load dist/index.js — run \`npm run build\` first.\n${err.message}`);
  process.exit(2);
}
const record = new SoakRecord(wedpool.WedPoolError);
const onProcessFault = (type) => (err) => {
  if (type === 'rejection') record.unhandledRejections += 1;
  else record.uncaughtExceptions += 1;
  if (record.processFaults.length < 5) record.processFaults.push(`${type}: ${err?.stack ?? String(err)}`);
};
process.on('unhandledRejection', onProcessFault('rejection'));
process.on('uncaughtException', onProcessFault('exception'));

let server = null;
let proxy = null;
const cleanup = async () => {
  await proxy?.close().catch(() => {});
  await Promise.resolve(server?.stop()).catch(() => {});
};
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => cleanup().finally(() => process.exit(130)));
const watchdog = setTimeout(() => {
  console.error(`watchdog: the soak overran ${durationMs / 1000 + 120} s; cleaning up`);
  cleanup().finally(() => process.exit(3));
}, durationMs + 120_000);
watchdog.unref();

const sleepUntil = (t) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
const bounded = (p, ms) => Promise.race([p, new Promise((r) => setTimeout(r, ms).unref())]);
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

async function main() {
  const wallStart = performance.now();
  server = await startThrowawayPostgres({ settings: { idle_in_transaction_session_timeout: "'10s'" } });
  const ctl = serverControl(server);
  proxy = await startProxy({ port: server.port });
  for (const statement of SCHEMA) await adminQuery(server.url, statement);
  const serverVersion = `PostgreSQL ${(await adminQuery(server.url, 'show server_version'))[0].server_version} (${server.kind})`;

  const appName = `soak-${process.pid}-pool`;
  const maxSize = 16;
  const pool = new wedpool.WeddingAwareConnectionPool({
    connectionString: proxy.url(server.url),
    applicationName: appName,
    basePoolSize: { min: 4, max: maxSize, acquireTimeoutMillis: 2_000, idleTimeoutMillis: 10_000 },
    queryTimeoutMillis: 2_000,
    maxWaiting: 1_000,
    keepaliveMillis: 1_000,
    connectTimeoutMillis: 1_000,
    fleetBudget: false,
  });
  pool.setCalendarTime(WEDNESDAY);
  const removeReasons = new Map();
  const healthChanges = new Map();
  pool.on('remove', (e) => removeReasons.set(e.reason, (removeReasons.get(e.reason) ?? 0) + 1));
  pool.on('health', (h) => healthChanges.set(h.state, (healthChanges.get(h.state) ?? 0) + 1));
  await pool.ready();

  let maxSizeSeen = 0;
  let sizeViolations = 0;
  const sampler = setInterval(() => {
    const s = pool.stats();
    maxSizeSeen = Math.max(maxSizeSeen, s.size + s.pending);
    if (s.size + s.pending > s.maxSize) sizeViolations += 1;
  }, 50);
  // The server's own count of the pool's backends, every 500 ms on a direct connection (fails
  // while the server is down; a blackholed or reset socket's backend may outlive the pool's use
  // of it, so this is reported, not asserted).
  const serverSide = { samples: 0, largest: 0, samplesAboveMax: 0 };
  const serverSampler = setInterval(() => {
    adminQuery(server.url, "select count(*)::int as n from pg_stat_activity where strpos(application_name, $1) > 0 and backend_type = 'client backend'", [appName]).then(
      (rows) => {
        serverSide.samples += 1;
        serverSide.largest = Math.max(serverSide.largest, rows[0].n);
        if (rows[0].n > maxSize) serverSide.samplesAboveMax += 1;
      },
      () => {},
    );
  }, 500);
  let fault = null;
  let lastOk = 0;
  const t0 = performance.now();
  const live = setInterval(() => {
    const line = liveLine({ elapsedMs: performance.now() - t0, record, lastOk, stats: pool.stats(), health: pool.health().state, fault, rssMb: rssMb(), proxyOpen: proxy.stats().open });
    lastOk = record.ok;
    record.rss.push({ atSeconds: Math.round((performance.now() - t0) / 1000), rssMb: rssMb() });
    console.log(line);
  }, 3_000);
  console.log(`soak: ${minutes} min, ${CLASSES.reduce((n, c) => n + c.callers, 0)} callers + canary, server :${server.port} via proxy :${proxy.port}, pool max ${maxSize}`);

  const load = startLoad(pool, record);
  const canary = startCanary(pool, record);
  const env = { ctl, proxy, pool, record, appName, serverUrl: server.url };
  for (let k = 0; ; k += 1) {
    const slotStart = t0 + WARMUP_MS + k * SLOT_MS;
    if (slotStart + SLOT_MS > t0 + durationMs - QUIET_TAIL_MS) break;
    await sleepUntil(slotStart);
    const kind = FAULT_KINDS[k % FAULT_KINDS.length];
    const ep = record.beginEpisode(kind, performance.now());
    fault = kind;
    try {
      Object.assign(ep, await FAULTS[kind](env));
    } catch (err) {
      ep.note = `driver failed: ${err.message}`;
      record.driverFailures.push(`${kind}: ${err.message}`);
      if (!ctl.running) await ctl.resume().catch(() => {});
      await proxy.pass().catch(() => {});
      ep.liftAt = performance.now();
    }
    fault = `${kind} (lifted)`;
  }
  await sleepUntil(t0 + durationMs);
  fault = 'stopping';
  await bounded(Promise.all([load.stop(), canary.stop()]), 20_000);
  clearInterval(live);
  clearInterval(sampler);
  clearInterval(serverSampler);

  // Leaks: nobody in use or waiting once every caller has returned; nothing left on the server after end().
  let s = pool.stats();
  for (const until = performance.now() + 2_000; (s.inUse || s.waiting) && performance.now() < until; s = pool.stats()) await sleepUntil(performance.now() + 20);
  const leaks = { inUse: s.inUse, waiting: s.waiting, server: -1 };
  await bounded(pool.end({ timeoutMillis: 5_000 }), 10_000);
  const countSql = "select count(*)::int as n from pg_stat_activity where strpos(application_name, $1) > 0 and backend_type = 'client backend'";
  for (const until = performance.now() + 5_000; ; await sleepUntil(performance.now() + 50)) {
    leaks.server = (await adminQuery(server.url, countSql, [appName]))[0].n;
    if (leaks.server === 0 || performance.now() > until) break;
  }
  await cleanup();
  await new Promise((r) => setImmediate(r)); // let late rejections surface before counting

  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const wallMs = performance.now() - wallStart;
  const classes = CLASSES.map((c) => c.name);
  const { lines, passed } = summary({
    minutes, wallMs, record, load: classes, finalStats: s,
    leaks, sizeViolations, maxSizeSeen, maxSize, removeReasons, healthChanges, peakRssMb,
  });
  lines.splice(lines.length - 1, 0, `server side:       largest count of the pool's backends ${serverSide.largest} in ${serverSide.samples} samples (${serverSide.samplesAboveMax} above max ${maxSize})`);
  console.log(lines.join('\n'));
  const results = soakResults({
    command, minutes, wallMs, serverVersion, record, classes, finalStats: s, leaks, sizeViolations, maxSizeSeen, maxSize,
    serverSide, removeReasons, healthChanges, peakRssMb, passed, lines,
  });
  const written = writeSoakResults(outPrefix, results, lines);
  console.log(`wrote ${written.join(' and ')}`);
  return passed;
}

main().then(
  (passed) => {
    process.exitCode = passed ? 0 : 1;
    // Everything is closed, so Node exits by itself; if something still holds the loop, say so.
    setTimeout(() => {
      console.error('soak: something kept the event loop alive after cleanup; exiting');
      process.exit(process.exitCode || 4);
    }, 5_000).unref();
  },
  async (err) => {
    console.error('soak failed:', err);
    await cleanup();
    process.exit(1);
  },
);
