// Figures are what a workload reports: { id, label, unit, value, better }. `better` says which
// direction is good ('lower' for latencies, 'higher' for throughput). Helpers turn a histogram
// summary (µs) into p50/p99/p999 figures in the unit a table should show.

export const figure = (id, label, unit, value, better = 'lower') => ({ id, label, unit, value, better });

/** p50/p99/p999 figures from a Histogram summary (µs), shown in `unit` ('µs' or 'ms'). */
export function percentiles(id, label, summary, unit = 'µs', which = ['p50', 'p99', 'p999']) {
  const scale = unit === 'ms' ? 1 / 1_000 : 1;
  return which.map((p) => figure(`${id}.${p}`, `${label} ${p}`, unit, summary[p] * scale));
}

const SINGULAR = { acquires: 'acquire', queries: 'query', ops: 'op' };

/** The per-process figures (CPU per 1k ops, context switches per op, event-loop delay p99, peak RSS) of a workload. */
export function processFigures(workload, probe, opName = 'ops') {
  return [
    figure(`${workload}.cpu`, `Node CPU per 1k ${opName}`, 'ms', probe.cpuMsPer1k),
    figure(`${workload}.csw`, `voluntary context switches per ${SINGULAR[opName] ?? opName}`, 'n', probe.switchesPerOp),
    figure(`${workload}.loop`, 'event-loop delay p99', 'ms', probe.loopDelayP99Ms),
    figure(`${workload}.rss`, 'peak RSS', 'MB', probe.peakRssMb),
  ];
}
