// W4 — `SELECT 1` throughput: 64 concurrent callers in a closed loop on a pool of 10 for a
// fixed duration; queries/s plus per-query latency (queueing included). pgbench's floor for
// the same statement is run by the orchestrator (lib/pgbench.mjs), not here.
import { W4_CALLERS } from '../config.mjs';
import { Histogram } from '../lib/histogram.mjs';
import { closedLoop, now } from '../lib/loops.mjs';
import { figure, percentiles, processFigures } from '../lib/figures.mjs';
import { startProcessProbe } from '../lib/process-metrics.mjs';

export async function run(d, mode) {
  await closedLoop(W4_CALLERS, mode.warmup, () => d.query('select 1'));
  const histogram = new Histogram();
  const probe = startProcessProbe();
  const t0 = now();
  await closedLoop(W4_CALLERS, mode.w4, async () => {
    const start = now();
    await d.query('select 1');
    histogram.record(now() - start);
  });
  const seconds = Number(now() - t0) / 1e9;
  const process = probe.stop(histogram.count);
  return [
    figure('W4.qps', 'queries/s', 'q/s', histogram.count / seconds, 'higher'),
    ...percentiles('W4', 'query latency', histogram.summary(), 'ms'),
    ...processFigures('W4', process, 'queries'),
  ];
}
