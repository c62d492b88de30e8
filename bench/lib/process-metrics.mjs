// Process-level figures for the measured phase of a workload: CPU time of the whole process
// (all threads, so WedPool's tokio workers count) per 1,000 operations, voluntary context
// switches per operation (all threads: a thread hop shows up here), event-loop delay p99
// (perf_hooks.monitorEventLoopDelay) and the peak RSS of the process so far.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 2;

export function startProcessProbe() {
  const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const switches0 = process.resourceUsage().voluntaryContextSwitches;
  const t0 = process.hrtime.bigint();
  return {
    /** Stops the probe; `ops` is how many operations the phase completed. */
    stop(ops) {
      const cpu = process.cpuUsage(cpu0);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      loop.disable();
      const cpuMs = (cpu.user + cpu.system) / 1_000;
      return {
        cpuMsPer1k: ops > 0 ? (cpuMs / ops) * 1_000 : NaN,
        cpuUtilisation: cpuMs / wallMs,
        switchesPerOp: ops > 0 ? (process.resourceUsage().voluntaryContextSwitches - switches0) / ops : NaN,
        // The histogram records whole timer intervals; the delay is what exceeds the resolution.
        loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - RESOLUTION_MS),
        peakRssMb: process.resourceUsage().maxRSS / 1024,
      };
    },
  };
}
