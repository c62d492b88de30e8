// Small helpers the workloads share: sleeping, and running N closed-loop callers until a
// deadline (each caller finishes its current iteration, so the pool drains cleanly).
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };
export const now = () => process.hrtime.bigint();

/** Runs `callers` copies of `body(index)` in a loop for `ms` milliseconds; resolves when all stop. */
export async function closedLoop(callers, ms, body) {
  const deadline = now() + BigInt(Math.round(ms * 1e6));
  const loops = [];
  for (let i = 0; i < callers; i++) {
    loops.push((async () => {
      while (now() < deadline) await body(i);
    })());
  }
  await Promise.all(loops);
}

/** Lets timers and I/O run (a tight loop of resolved promises never yields on its own). */
export const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
