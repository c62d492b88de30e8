// W2 — contended acquire: 8, 64, 1,024 and 10,000 waiters arrive at once on a pool of 10;
// each acquires, holds the connection ~1 ms (a timer), releases. Rounds repeat until a level
// has `w2MinSamples` acquisitions (one round for 10,000). Figures: acquire-wait percentiles.
import { W2_HOLD_MS, W2_WAITERS } from '../config.mjs';
import { Histogram } from '../lib/histogram.mjs';
import { now, sleep } from '../lib/loops.mjs';
import { percentiles, processFigures } from '../lib/figures.mjs';
import { startProcessProbe } from '../lib/process-metrics.mjs';

async function round(d, waiters, histogram) {
  const one = async () => {
    const t0 = now();
    const conn = await d.acquire();
    histogram?.record(now() - t0);
    await sleep(W2_HOLD_MS);
    d.release(conn);
  };
  const all = new Array(waiters);
  for (let i = 0; i < waiters; i++) all[i] = one();
  await Promise.all(all);
}

export async function run(d, mode) {
  await round(d, 64, null); // warm-up
  const figures = [];
  let ops = 0;
  const probe = startProcessProbe();
  for (const waiters of W2_WAITERS) {
    const histogram = new Histogram();
    const rounds = Math.max(1, Math.ceil(mode.w2MinSamples / waiters));
    for (let r = 0; r < rounds; r++) await round(d, waiters, histogram);
    ops += histogram.count;
    figures.push(...percentiles(`W2.${waiters}`, `${waiters.toLocaleString('en-US')} waiters: acquire wait`, histogram.summary(), 'ms'));
  }
  return [...figures, ...processFigures('W2', probe.stop(ops), 'acquires')];
}
