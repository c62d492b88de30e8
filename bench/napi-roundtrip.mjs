// The floor under every asynchronous WedPool call: one await of a native async function that
// does nothing (a hop to the tokio runtime and back), serially and with 64 in flight.
// `node bench/napi-roundtrip.mjs` (after `npm run build`).
import { createRequire } from 'node:module';

const binding = createRequire(import.meta.url)('../native/binding.js');
const noop = () => binding.__asyncNoopForBench();

async function measure(label, rounds, inFlight) {
  for (let i = 0; i < 200; i++) await Promise.all(Array.from({ length: inFlight }, noop));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) await Promise.all(Array.from({ length: inFlight }, noop));
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const calls = rounds * inFlight;
  console.log(`${label.padEnd(14)} ${(wall / calls).toFixed(2).padStart(7)} µs wall per call  ${((cpu.user + cpu.system) / calls).toFixed(2).padStart(7)} µs CPU per call`);
}

await measure('serial', 20_000, 1);
await measure('64 in flight', 300, 64);
