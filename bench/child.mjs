// One benchmark process: one library, one workload, one repetition. The orchestrator
// (run.mjs) forks it and receives { figures } over IPC; run it by hand to profile, e.g.
//   node --cpu-prof bench/child.mjs --driver wedpool --workload W4 --url postgres://… [--quick]
// Without IPC it prints the figures as JSON. W6 needs the guest table (run.mjs creates it).
import { parseArgs } from 'node:util';

import { CONTEXTS, MODES, WORKLOADS } from './config.mjs';

const FILES = {
  W1: 'w1-acquire-release', W2: 'w2-contended', W3: 'w3-serial-select', W4: 'w4-throughput',
  W5: 'w5-mixed-priority', W6: 'w6-result-sizes', W7: 'w7-saturday-burst', W8: 'w8-pgbouncer',
};

const WARM_UP_LIMIT_MS = 30_000;

const { values: args } = parseArgs({
  options: { driver: { type: 'string' }, workload: { type: 'string' }, url: { type: 'string' }, quick: { type: 'boolean' } },
});
const url = args.url ?? process.env.DATABASE_URL;
if (!FILES[args.workload] || !args.driver || !url) {
  console.error('usage: node bench/child.mjs --driver wedpool|pg|postgresjs --workload W1..W8 --url postgres://… [--quick]');
  process.exit(2);
}

/** Opens every connection the pool may hold, so no workload measures connection set-up. */
async function warmPool(d) {
  let timer;
  const stalled = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`warm-up stalled: ${d.maxSize} connections not open after ${WARM_UP_LIMIT_MS} ms; pool: ${JSON.stringify(d.describe())}`)), WARM_UP_LIMIT_MS);
  });
  const conns = await Promise.race([Promise.all(Array.from({ length: d.maxSize }, () => d.acquire(CONTEXTS.critical))), stalled]);
  clearTimeout(timer);
  for (const conn of conns) d.release(conn);
}

const { createDriver } = await import(`./drivers/${args.driver}.mjs`);
const workload = await import(`./workloads/${FILES[args.workload]}.mjs`);
const driver = await createDriver({ url, scenario: WORKLOADS[args.workload].scenario });
let message;
try {
  await warmPool(driver);
  message = { figures: await workload.run(driver, args.quick ? MODES.quick : MODES.full), pool: driver.describe() };
} catch (err) {
  message = { error: String(err?.stack ?? err) };
}
await Promise.race([driver.end(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
if (process.send) process.send(message, () => process.exit(0));
else {
  console.log(JSON.stringify(message, null, 2));
  process.exit(message.error ? 1 : 0);
}
