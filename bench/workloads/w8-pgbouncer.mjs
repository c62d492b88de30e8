// W8 — parameterised throughput through PgBouncer in transaction mode: 64 concurrent callers
// in a closed loop on a pool of 10, PgBouncer holding 10 server connections. Every library
// runs without named prepared statements (WedPool `pgbouncer=true`, postgres.js
// `prepare: false`, pg-pool's unnamed statements), the only way through PgBouncer 1.18.
// The orchestrator starts PgBouncer (scripts/lib/pgbouncer.mjs) and hands its URL in.
import { W4_CALLERS } from '../config.mjs';
import { Histogram } from '../lib/histogram.mjs';
import { closedLoop, now } from '../lib/loops.mjs';
import { figure, percentiles, processFigures } from '../lib/figures.mjs';
import { startProcessProbe } from '../lib/process-metrics.mjs';

const SQL = 'select $1::int4 + 1 as n';

export async function run(d, mode) {
  let i = 0;
  const once = async () => {
    const n = i++;
    const result = await d.query(SQL, [n]);
    // postgres.js resolves to the rows themselves, the others to { rows }.
    const rows = Array.isArray(result) ? result : result.rows;
    if (rows[0].n !== n + 1) throw new Error(`wrong result through PgBouncer: ${JSON.stringify(rows[0])} for ${n}`);
  };
  await closedLoop(W4_CALLERS, mode.warmup, once);
  const histogram = new Histogram();
  const probe = startProcessProbe();
  const t0 = now();
  await closedLoop(W4_CALLERS, mode.w8, async () => {
    const start = now();
    await once();
    histogram.record(now() - start);
  });
  const seconds = Number(now() - t0) / 1e9;
  const process = probe.stop(histogram.count);
  return [
    figure('W8.qps', 'queries/s through PgBouncer', 'q/s', histogram.count / seconds, 'higher'),
    ...percentiles('W8', 'query latency through PgBouncer', histogram.summary(), 'ms'),
    ...processFigures('W8', process, 'queries'),
  ];
}
