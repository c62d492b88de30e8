// What the fleet claim costs per connection opened: one pool grows from 1 to 40 connections
// under 40 concurrent callers, with the fleet budget (every opening claimed) and without it;
// 5 alternating repetitions each. Prints the claim's own time per claimed connection (round
// trips and lock wait, from the pool's metrics) and the time to reach 40 connections.
// `node bench/fleet-claim.mjs` (after `npm run build`); DATABASE_URL, else a throwaway server.
import { createRequire } from 'node:module';

import { startThrowawayPostgres } from '../scripts/lib/postgres.mjs';

const { WeddingAwareConnectionPool } = createRequire(import.meta.url)('../dist/index.js');
const SIZE = 40;
const REPS = 5;

const server = process.env.DATABASE_URL ? null : await startThrowawayPostgres({ settings: { max_connections: '100' } });
const url = process.env.DATABASE_URL ?? server.url;

const metric = (text, name) => Number(new RegExp(`^${name}\\{[^}]*\\} ([\\d.e-]+)$`, 'm').exec(text)?.[1] ?? 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function grow(fleetBudget) {
  const pool = new WeddingAwareConnectionPool({
    connectionString: url,
    applicationName: 'claim-bench',
    basePoolSize: { min: 1, max: SIZE },
    fleetBudget: fleetBudget ? { safetyMargin: 3 } : false,
    maintenanceIntervalMillis: 60_000,
  });
  await pool.ready();
  const t0 = performance.now();
  let stop = false;
  const callers = Array.from({ length: SIZE }, async () => {
    while (!stop) await pool.query('select pg_sleep(0.02)');
  });
  while (pool.stats().size < SIZE && performance.now() - t0 < 10_000) await new Promise((r) => setImmediate(r));
  const ms = performance.now() - t0;
  stop = true;
  await Promise.all(callers);
  const m = pool.metrics();
  await pool.end();
  await new Promise((r) => setTimeout(r, 300)); // backends exit
  const claimed = metric(m, 'wedpool_fleet_claimed_connections_total');
  return {
    ms,
    claims: metric(m, 'wedpool_fleet_claims_total'),
    claimed,
    overhead: (1000 * metric(m, 'wedpool_fleet_claim_overhead_seconds_total')) / Math.max(1, claimed),
    wait: (1000 * metric(m, 'wedpool_fleet_claim_lock_wait_seconds_total')) / Math.max(1, claimed),
    held: (1000 * metric(m, 'wedpool_fleet_claim_lock_held_seconds_total')) / Math.max(1, claimed),
  };
}

const on = [];
const off = [];
for (let r = 0; r < REPS; r++) {
  on.push(await grow(true));
  off.push(await grow(false));
}
console.log(`growing one pool from 1 to ${SIZE} connections under ${SIZE} callers, median of ${REPS}:`);
console.log(`  fleet budget on : ${median(on.map((x) => x.ms)).toFixed(1)} ms, ${median(on.map((x) => x.claims))} claims for ${median(on.map((x) => x.claimed))} connections`);
console.log(`  fleet budget off: ${median(off.map((x) => x.ms)).toFixed(1)} ms`);
console.log(
  `  claim time per claimed connection: ${median(on.map((x) => x.overhead)).toFixed(3)} ms ` +
    `(lock wait ${median(on.map((x) => x.wait)).toFixed(3)} ms, lock held ${median(on.map((x) => x.held)).toFixed(3)} ms)`,
);
if (server) await server.stop();
