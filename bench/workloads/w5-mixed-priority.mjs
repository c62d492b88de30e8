// W5 — mixed priority: 12 normal callers in a closed loop (120% of a pool of 10) each hold a
// connection 2 ms (a timer), while 8 wedding-critical callers think 20 ms, acquire, hold 2 ms
// (≈ 5–10% of acquisitions). WedPool gives the critical ones priority and a reserve of 2 on a
// frozen Saturday; peers cannot tell them apart. Figures: acquire-wait percentiles per class.
import { CONTEXTS, W5 } from '../config.mjs';
import { Histogram } from '../lib/histogram.mjs';
import { closedLoop, now, sleep } from '../lib/loops.mjs';
import { figure, percentiles, processFigures } from '../lib/figures.mjs';
import { startProcessProbe } from '../lib/process-metrics.mjs';

async function cycle(d, ctx, histogram) {
  const t0 = now();
  const conn = await d.acquire(ctx);
  histogram?.record(now() - t0);
  await sleep(W5.holdMs);
  d.release(conn);
}

function phase(d, ms, normal, critical) {
  return Promise.all([
    closedLoop(W5.normalCallers, ms, () => cycle(d, CONTEXTS.normal, normal)),
    closedLoop(W5.criticalCallers, ms, async () => {
      await sleep(W5.criticalThinkMs);
      await cycle(d, CONTEXTS.critical, critical);
    }),
  ]);
}

export async function run(d, mode) {
  await phase(d, mode.warmup, null, null);
  const normal = new Histogram();
  const critical = new Histogram();
  const probe = startProcessProbe();
  const t0 = now();
  await phase(d, mode.w5, normal, critical);
  const seconds = Number(now() - t0) / 1e9;
  const total = normal.count + critical.count;
  return [
    ...percentiles('W5.critical', 'critical: acquire wait', critical.summary(), 'ms'),
    ...percentiles('W5.normal', 'normal: acquire wait', normal.summary(), 'ms'),
    figure('W5.share', 'critical share of acquisitions', '%', (100 * critical.count) / total, 'none'),
    figure('W5.rate', 'acquisitions/s', 'acq/s', total / seconds, 'higher'),
    ...processFigures('W5', probe.stop(total), 'acquires'),
  ];
}
