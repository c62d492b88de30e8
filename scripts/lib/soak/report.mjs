// Text the soak prints: the live line every few seconds and the final summary.
import { FAULT_KINDS } from './faults.mjs';
import { countsText, spread } from './record.mjs';

const sum = (map) => [...map.values()].reduce((a, b) => a + b, 0);
const ms = (v) => (v == null ? '—' : `${Math.round(v)} ms`);

/** One live line: progress, pool state, health and the fault in force. */
export function liveLine({ elapsedMs, record, lastOk, stats, health, fault, rssMb, proxyOpen }) {
  const secs = (elapsedMs / 1000).toFixed(0).padStart(4);
  return (
    `[${secs}s] ok ${record.ok} (+${record.ok - lastOk}) err ${record.errorCount}` +
    ` | size ${stats.size}/${stats.maxSize} idle ${stats.idle} inUse ${stats.inUse} waiting ${stats.waiting} pending ${stats.pending} proxy ${proxyOpen}` +
    ` | ${health} | fault: ${fault ?? '-'} | rss ${rssMb} MB`
  );
}

/** Per-kind recovery and what callers saw: rows of the failure-behaviour table. */
export function faultTable(record) {
  const rec = record.recoveries();
  const lines = [];
  for (const kind of FAULT_KINDS) {
    const eps = rec.filter((r) => r.ep.kind === kind);
    if (eps.length === 0) continue;
    const s = spread(eps.map((r) => r.ms));
    const notRecovered = eps.filter((r) => r.ms == null).length;
    const errors = new Map();
    const canary = new Map();
    for (const { ep } of eps) {
      for (const [k, v] of ep.errors) errors.set(k, (errors.get(k) ?? 0) + v);
      for (const [k, v] of ep.canaryErrors) canary.set(k, (canary.get(k) ?? 0) + v);
    }
    lines.push(
      `  ${kind} ×${eps.length}: recovery min ${ms(s?.min)} / median ${ms(s?.median)} / max ${ms(s?.max)}` +
        (notRecovered ? ` (${notRecovered} not recovered)` : ''),
      `      load errors:   ${countsText(errors)}`,
      `      canary errors: ${countsText(canary)}`,
      `      occurrences:   ${eps.map((r) => `${r.ep.note} → ${ms(r.ms)}, ${sum(r.ep.errors)} load err`).join(' | ')}`,
    );
  }
  return lines;
}

/** The final summary (array of lines) and whether the run passed. */
export function summary({ minutes, wallMs, record, load, finalStats, leaks, sizeViolations, maxSizeSeen, maxSize, removeReasons, healthChanges, peakRssMb }) {
  const failures = [];
  if (record.unhandledRejections + record.uncaughtExceptions > 0) failures.push('unhandled rejections/exceptions');
  if (record.untyped > 0) failures.push(`untyped errors reached callers (${countsText(record.untypedBySource)})`);
  if (record.driverFailures.length > 0) failures.push(`${record.driverFailures.length} fault driver(s) failed: ${record.driverFailures.slice(0, 3).join('; ')}`);
  if (leaks.inUse !== 0 || leaks.waiting !== 0) failures.push('connections in use or callers waiting after the load stopped');
  if (leaks.server !== 0) failures.push('server connections left after pool.end()');
  if (sizeViolations > 0) failures.push('pool size above its max');
  if (record.ok === 0) failures.push('no query succeeded');
  const canaryOk = record.canary.filter((c) => c.ok).length;
  const byClass = load.map((c) => `${c}: ok ${record.okByClass.get(c) ?? 0}, err ${record.errByClass.get(c) ?? 0}`).join('; ');
  const lines = [
    '',
    `== WedPool soak summary (${minutes} min of load, ${(wallMs / 1000).toFixed(1)} s wall)`,
    `queries ok:        ${record.ok} (${byClass})`,
    `errors by code:    ${record.errorCount} — ${countsText(record.errors, 20)}`,
    `  before faults:   ${countsText(record.baseline.errors)}`,
    `canary:            ${record.canary.length} runs, ${canaryOk} ok`,
    `faults injected:   ${record.episodes.length} — ${FAULT_KINDS.map((k) => `${k} ×${record.episodes.filter((e) => e.kind === k).length}`).join(', ')}`,
    `fault calls:       ${countsText(record.injected, 10)}`,
    `untyped errors:    ${record.untyped} (${countsText(record.untypedBySource)}); fault drivers failed: ${record.driverFailures.length}`,
    `unhandled:         ${record.unhandledRejections} rejections, ${record.uncaughtExceptions} exceptions${record.processFaults.length ? ` — first: ${record.processFaults[0]}` : ''}`,
    `leaks:             before end(): inUse ${leaks.inUse}, waiting ${leaks.waiting}; after end(): server connections ${leaks.server}`,
    `pool:              largest open + opening ${maxSizeSeen} (max ${maxSize}, ${sizeViolations} samples above); created ${finalStats.created}, removed ${finalStats.removed}, connect failures ${finalStats.connectFailures}, acquire timeouts ${finalStats.timeouts}, shed ${finalStats.shed}`,
    `removed because:   ${countsText(removeReasons, 10)}`,
    `health changes:    ${countsText(healthChanges, 10)}`,
    `peak RSS:          ${peakRssMb} MB`,
    'recovery (fault lifted → first successful canary select 1 started after it; canary every 20 ms):',
    ...faultTable(record),
    failures.length ? `RESULT: FAIL — ${failures.join('; ')}` : 'RESULT: PASS',
  ];
  return { lines, passed: failures.length === 0 };
}
