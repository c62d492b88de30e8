// What pipelining pays: `select 1` from N closed-loop callers through `pool.query` on a pool of
// 10, with `pipelineDepth` 1 (off) and the other depths given, in alternating rounds inside one
// process so load drifts on a shared machine hit every variant alike. Prints, per depth, the
// median queries/s and client CPU per query (process.cpuUsage: every thread) over the rounds,
// and their ratio to depth 1.
// `DATABASE_URL=postgres://… node bench/pipeline-ab.mjs [rounds=8] [callers=64] [depths=4,8]`
// (after `npm run build`; without DATABASE_URL a throwaway server is started).
import { createRequire } from 'node:module';

import { startThrowawayPostgres } from '../scripts/lib/postgres.mjs';

const { WeddingAwareConnectionPool } = createRequire(import.meta.url)('../dist/index.js');
const rounds = Number(process.argv[2] ?? 8);
const callers = Number(process.argv[3] ?? 64);
const depths = [1, ...(process.argv[4] ?? '4,8').split(',').map(Number)];
const ROUND_MS = 1_000;

const server = process.env.DATABASE_URL ? null : await startThrowawayPostgres();
const url = process.env.DATABASE_URL ?? server.url;
const pools = new Map(
  depths.map((d) => [
    d,
    new WeddingAwareConnectionPool({ connectionString: url, fleetBudget: false, pipelineDepth: d, basePoolSize: { min: 10, max: 10 } }),
  ]),
);

async function round(pool, ms) {
  let count = 0;
  const end = performance.now() + ms;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await pool.query('select 1');
        count++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { qps: count / seconds, cpuMicros: (cpu.user + cpu.system) / count };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = new Map(depths.map((d) => [d, []]));
for (const pool of pools.values()) await round(pool, 300);
for (let r = 0; r < rounds; r++) {
  for (const [d, pool] of pools) results.get(d).push(await round(pool, ROUND_MS));
}
const base = results.get(1);
console.log(`${callers} callers, pool 10, ${rounds} rounds of ${ROUND_MS} ms each, alternating`);
for (const [d, rs] of results) {
  const qps = median(rs.map((r) => r.qps));
  const cpu = median(rs.map((r) => r.cpuMicros));
  const qpsRatio = median(rs.map((r, i) => r.qps / base[i].qps));
  const cpuRatio = median(rs.map((r, i) => r.cpuMicros / base[i].cpuMicros));
  console.log(
    `pipelineDepth ${String(d).padStart(2)}: ${qps.toFixed(0).padStart(7)} q/s, ${cpu.toFixed(1)} µs CPU/query; ` +
      `vs depth 1 round by round (median): ${qpsRatio.toFixed(2)}× q/s, ${cpuRatio.toFixed(2)}× CPU`,
  );
}
await Promise.all([...pools.values()].map((p) => p.end()));
await server?.stop();
