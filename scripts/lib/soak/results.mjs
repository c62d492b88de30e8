// The soak's results file: everything the summary prints, as JSON (for the README's figures,
// see scripts/readme-soak.mjs) and as Markdown (the summary text), written to `<prefix>.json`
// and `<prefix>.md`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { FAULT_KINDS } from './faults.mjs';
import { spread } from './record.mjs';

const obj = (map) => Object.fromEntries([...map.entries()].sort((a, b) => b[1] - a[1]));
const round = (v) => (v == null ? null : Math.round(v));

/** Per fault kind: occurrences, recovery min/median/max (ms), what callers and the canary saw. */
function faultResults(record) {
  const rec = record.recoveries();
  const out = {};
  for (const kind of FAULT_KINDS) {
    const eps = rec.filter((r) => r.ep.kind === kind);
    if (eps.length === 0) continue;
    const s = spread(eps.map((r) => r.ms));
    const merge = (pick) => {
      const m = new Map();
      for (const { ep } of eps) for (const [k, v] of pick(ep)) m.set(k, (m.get(k) ?? 0) + v);
      return obj(m);
    };
    out[kind] = {
      occurrences: eps.length,
      recoveryMs: s ? { min: round(s.min), median: round(s.median), max: round(s.max) } : null,
      notRecovered: eps.filter((r) => r.ms == null).length,
      loadErrors: merge((ep) => ep.errors),
      canaryErrors: merge((ep) => ep.canaryErrors),
      each: eps.map((r) => ({ note: r.ep.note, recoveryMs: round(r.ms), loadErrors: [...r.ep.errors.values()].reduce((a, b) => a + b, 0) })),
    };
  }
  return out;
}

/** Builds the JSON document from what main() collected. */
export function soakResults({ command, minutes, wallMs, serverVersion, record, classes, finalStats, leaks, sizeViolations, maxSizeSeen, maxSize, serverSide, removeReasons, healthChanges, peakRssMb, passed, lines }) {
  return {
    generatedAt: new Date().toISOString(),
    command,
    minutes,
    wallSeconds: Math.round(wallMs / 1000),
    server: serverVersion,
    passed,
    result: lines[lines.length - 1],
    totals: {
      queriesOk: record.ok,
      byClass: Object.fromEntries(classes.map((c) => [c, { ok: record.okByClass.get(c) ?? 0, errors: record.errByClass.get(c) ?? 0 }])),
      errors: obj(record.errors),
      canary: { runs: record.canary.length, ok: record.canary.filter((c) => c.ok).length },
      faultCalls: obj(record.injected),
      untyped: record.untyped,
      untypedBySource: obj(record.untypedBySource),
      driverFailures: record.driverFailures,
      unhandledRejections: record.unhandledRejections,
      uncaughtExceptions: record.uncaughtExceptions,
      processFaults: record.processFaults,
      leaks,
      pool: {
        max: maxSize,
        largestOpenPlusOpening: maxSizeSeen,
        samplesAboveMax: sizeViolations,
        created: finalStats.created,
        removed: finalStats.removed,
        connectFailures: finalStats.connectFailures,
        acquireTimeouts: finalStats.timeouts,
        shed: finalStats.shed,
      },
      serverSide,
      removedBecause: obj(removeReasons),
      healthChanges: obj(healthChanges),
      peakRssMb,
    },
    rssMb: record.rss,
    faults: faultResults(record),
  };
}

/** Writes `<prefix>.json` and `<prefix>.md`; returns the two paths. */
export function writeSoakResults(prefix, results, lines) {
  mkdirSync(dirname(prefix), { recursive: true });
  writeFileSync(`${prefix}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const md = [
    `# WedPool soak — ${results.minutes} min`,
    '',
    `${results.generatedAt} · \`${results.command}\` · ${results.server}`,
    '',
    '```',
    ...lines.filter((l) => l !== ''),
    '```',
    '',
    `RSS (MB) every 3 s: ${results.rssMb.map((r) => r.rssMb).join(' ')}`,
    '',
  ].join('\n');
  writeFileSync(`${prefix}.md`, md);
  return [`${prefix}.json`, `${prefix}.md`];
}
