// W1 — uncontended acquire + release: one caller, an idle pool of 10; each op is
// `await acquire(); release()` timed with process.hrtime.bigint(). Every 1,024 ops the loop
// yields to the event loop (untimed), since resolved promises alone never let timers run.
import { Histogram } from '../lib/histogram.mjs';
import { now, yieldToLoop } from '../lib/loops.mjs';
import { percentiles, processFigures } from '../lib/figures.mjs';
import { startProcessProbe } from '../lib/process-metrics.mjs';

async function loop(d, ms, histogram) {
  const deadline = now() + BigInt(ms * 1e6);
  let ops = 0;
  while (now() < deadline) {
    const t0 = now();
    const conn = await d.acquire();
    d.release(conn);
    const t1 = now();
    histogram?.record(t1 - t0);
    if ((++ops & 1023) === 0) await yieldToLoop();
  }
  return ops;
}

export async function run(d, mode) {
  await loop(d, mode.warmup, null);
  const histogram = new Histogram();
  const probe = startProcessProbe();
  const ops = await loop(d, mode.w1, histogram);
  const process = probe.stop(ops);
  return [...percentiles('W1', 'acquire+release', histogram.summary()), ...processFigures('W1', process, 'acquires')];
}
