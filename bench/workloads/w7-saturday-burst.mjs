// W7 — Saturday burst: 300 callers in a closed loop hold a connection 5 ms (a timer) each
// time. Peers have a fixed pool of 50; WedPool has base max 50 with wedding-day scaling
// (× 3 on a frozen Saturday) and a reserve of 5. Callers are 80% normal, 15% active wedding,
// 5% wedding-critical (interleaved); acquire-wait p50/p99 per class.
import { CONTEXTS, W7 } from '../config.mjs';
import { Histogram } from '../lib/histogram.mjs';
import { closedLoop, now, sleep } from '../lib/loops.mjs';
import { figure, percentiles, processFigures } from '../lib/figures.mjs';
import { startProcessProbe } from '../lib/process-metrics.mjs';

/** Caller i's class: 1 in 20 critical, 3 in 20 active wedding, the rest normal. */
const classOf = (i) => (i % 20 === 0 ? 'critical' : i % 20 <= 3 ? 'active' : 'normal');

function phase(d, ms, histograms) {
  return closedLoop(W7.callers, ms, async (i) => {
    const cls = classOf(i);
    const t0 = now();
    const conn = await d.acquire(CONTEXTS[cls]);
    const waited = now() - t0;
    histograms?.[cls].record(waited);
    histograms?.all.record(waited);
    await sleep(W7.holdMs);
    d.release(conn);
  });
}

export async function run(d, mode) {
  await phase(d, mode.warmup, null);
  const histograms = { normal: new Histogram(), active: new Histogram(), critical: new Histogram(), all: new Histogram() };
  const probe = startProcessProbe();
  const t0 = now();
  await phase(d, mode.w7, histograms);
  const seconds = Number(now() - t0) / 1e9;
  const names = { all: 'all callers', normal: 'normal', active: 'active wedding', critical: 'critical' };
  const figures = Object.entries(names).flatMap(([cls, name]) =>
    percentiles(`W7.${cls}`, `${name}: acquire wait`, histograms[cls].summary(), 'ms', ['p50', 'p99']));
  return [
    ...figures,
    figure('W7.rate', 'acquisitions/s', 'acq/s', histograms.all.count / seconds, 'higher'),
    ...processFigures('W7', probe.stop(histograms.all.count), 'acquires'),
  ];
}
