// W6 — result sizes: serial pool-level queries returning 1, 100 and 1,000 rows of the
// wedding-guest table (text, int, timestamptz, jsonb, uuid, numeric; lib/schema.mjs makes it
// once per run). Every library parses rows into objects; latency p50/p99/p999 and Node CPU
// per 1k queries for each size.
import { W6_ROWS } from '../config.mjs';
import { Histogram } from '../lib/histogram.mjs';
import { now } from '../lib/loops.mjs';
import { GUESTS_QUERY } from '../lib/schema.mjs';
import { figure, percentiles, processFigures } from '../lib/figures.mjs';
import { startProcessProbe } from '../lib/process-metrics.mjs';

async function loop(d, rows, ms, histogram) {
  const deadline = now() + BigInt(ms * 1e6);
  let ops = 0;
  while (now() < deadline) {
    const t0 = now();
    const result = await d.query(GUESTS_QUERY, [rows]);
    histogram?.record(now() - t0);
    ops++;
    if (ops === 1 && (result.rows ?? result).length !== rows) throw new Error(`expected ${rows} rows`);
  }
  return ops;
}

export async function run(d, mode) {
  const figures = [];
  let totalOps = 0;
  const whole = startProcessProbe();
  for (const rows of W6_ROWS) {
    await loop(d, rows, mode.warmup, null);
    const histogram = new Histogram();
    const probe = startProcessProbe();
    const ops = await loop(d, rows, mode.w6, histogram);
    totalOps += ops;
    const label = `${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}`;
    figures.push(...percentiles(`W6.${rows}`, `${label}: query latency`, histogram.summary()));
    const process = probe.stop(ops);
    figures.push(figure(`W6.${rows}.cpu`, `${label}: Node CPU per 1k queries`, 'ms', process.cpuMsPer1k));
    figures.push(figure(`W6.${rows}.csw`, `${label}: voluntary context switches per query`, 'n', process.switchesPerOp));
  }
  return [...figures, ...processFigures('W6', whole.stop(totalOps), 'queries').slice(2)];
}
