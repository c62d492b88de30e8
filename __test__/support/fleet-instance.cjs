// One instance of a fleet, in its own process (see fleet-processes.spec.ts). Plain CommonJS,
// run with `node fleet-instance.cjs <url> <instanceId> <callers> <criticalCallers>`.
//
// Protocol on stdio, one line each: the instance prints `ready` once its pool has its first
// connection; on a `go <loadMillis>` line from the parent its callers query without pause for
// that long (the first `criticalCallers` of them wedding-critical), then it prints one JSON line
// (`result {...}`) with its caller errors and stats, ends its pool and exits. A `stop` line ends
// it early the same way (an instance leaving during the load).
'use strict';

const { WeddingAwareConnectionPool } = require('../../dist/index.js');

const [url, instanceId, callers, critical] = process.argv.slice(2);
const SATURDAY = new Date('2026-06-13T12:00:00Z');

const pool = new WeddingAwareConnectionPool({
  connectionString: url,
  applicationName: 'fleet-proc',
  instanceId,
  // 50 × 3 on a Saturday: each instance wants far more than its share.
  basePoolSize: { min: 1, max: 50, acquireTimeoutMillis: 30_000 },
  weddingDayMultiplier: 3,
  fleetBudget: { safetyMargin: 3, refreshMillis: 2_000 },
  maintenanceIntervalMillis: 100,
});
pool.setCalendarTime(SATURDAY);

const errors = [];
let stopping = false;
let started = 0;

async function caller(ctx) {
  while (!stopping) {
    try {
      await pool.query('select pg_sleep(0.005)', [], ctx);
    } catch (e) {
      errors.push(e && e.code ? `${e.code}: ${e.message}` : String(e));
    }
  }
}

async function finish() {
  if (stopping) return;
  stopping = true;
  await Promise.all(running);
  const result = { instanceId, errors: errors.slice(0, 5), errorCount: errors.length, stats: pool.stats(), health: pool.health().state, metrics: pool.metrics(), ms: Date.now() - started };
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
  await pool.end();
}

let running = [];
let buffered = '';
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    if (line.startsWith('go ')) {
      const loadMs = Number(line.slice(3));
      started = Date.now();
      running = Array.from({ length: Number(callers) }, (_, i) => caller(i < Number(critical) ? { isWeddingCritical: true } : undefined));
      setTimeout(() => void finish().then(() => process.stdin.destroy()), loadMs);
    } else if (line === 'stop') {
      void finish().then(() => process.stdin.destroy());
    }
  }
});

pool.ready().then(
  () => process.stdout.write('ready\n'),
  (e) => {
    process.stdout.write(`failed ${e && e.code}: ${e && e.message}\n`);
    process.exit(1);
  },
);
