// W3 — serial `SELECT 1`: one caller, one pool-level query at a time; per-query latency.
import { Histogram } from '../lib/histogram.mjs';
import { now } from '../lib/loops.mjs';
import { figure, percentiles, processFigures } from '../lib/figures.mjs';
import { startProcessProbe } from '../lib/process-metrics.mjs';

async function loop(d, ms, histogram) {
  const deadline = now() + BigInt(ms * 1e6);
  let ops = 0;
  while (now() < deadline) {
    const t0 = now();
    await d.query('select 1');
    histogram?.record(now() - t0);
    ops++;
  }
  return ops;
}

export async function run(d, mode) {
  await loop(d, mode.warmup, null);
  const histogram = new Histogram();
  const probe = startProcessProbe();
  const t0 = now();
  const ops = await loop(d, mode.w3, histogram);
  const seconds = Number(now() - t0) / 1e9;
  const process = probe.stop(ops);
  return [
    ...percentiles('W3', 'query latency', histogram.summary()),
    figure('W3.qps', 'queries/s (one caller)', 'q/s', ops / seconds, 'higher'),
    ...processFigures('W3', process, 'queries'),
  ];
}
