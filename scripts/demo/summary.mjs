// The numbers both the terminal summary and the report show, and the terminal table.
import { CLASSES, CLASS_KEYS } from './config.mjs';
import { formatMs, percentile } from './stats.mjs';

/** Per class and overall: requests, p50/p99 wait, failures (by code), for one run. */
export function summarize(result) {
  const rows = CLASS_KEYS.map((cls) => {
    const w = result.waits[cls];
    const failed = Object.values(result.errors[cls]).reduce((a, b) => a + b, 0);
    return {
      cls,
      label: CLASSES[cls].label,
      requests: result.perHour[cls].arrived.reduce((a, b) => a + b, 0),
      p50: percentile(w, 50),
      p99: percentile(w, 99),
      max: w.length ? Math.max(...w) : null,
      failed,
      errors: result.errors[cls],
    };
  });
  const all = CLASS_KEYS.flatMap((c) => result.waits[c]);
  const total = {
    cls: 'all',
    label: 'all requests',
    requests: rows.reduce((a, r) => a + r.requests, 0),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: all.length ? Math.max(...all) : null,
    failed: rows.reduce((a, r) => a + r.failed, 0),
    errors: {},
  };
  const peak = (key) => result.samples.reduce((m, s) => Math.max(m, s[key]), 0);
  // Open connections integrated over simulated time: what the server carried all weekend.
  let connectionHours = 0;
  for (let i = 1; i < result.samples.length; i++) {
    const [prev, cur] = [result.samples[i - 1], result.samples[i]];
    connectionHours += (prev.size * (cur.sim - prev.sim)) / 3_600_000;
  }
  return {
    connectionHours,
    rows,
    total,
    peakSize: peak('size'),
    peakMax: peak('maxSize'),
    peakWaiting: peak('waiting'),
    reservedUses: result.reservedUses,
    connects: result.connects,
  };
}

/** The side-by-side table printed at the end of the demo: `columns` is `[{ name, summary }, …]`. */
export function summaryTable(columns) {
  const first = columns[0].summary;
  const labelWidth = Math.max(...[...first.rows, first.total].map((r) => r.label.length)) + 2;
  const cell = (r) =>
    `${formatMs(r.p50).padStart(9)} ${formatMs(r.p99).padStart(9)} ${String(r.failed).padStart(7)}`;
  const groupWidth = cell(first.total).length;
  const ruleWidth = labelWidth + 9 + (3 + groupWidth) * columns.length;
  const lines = [];
  lines.push(`${''.padEnd(labelWidth)}${''.padStart(9)}${columns.map((c) => `   ${c.name.padEnd(groupWidth)}`).join('').trimEnd()}`);
  const heads = `   ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'failed'.padStart(7)}`;
  lines.push(`${'class'.padEnd(labelWidth)}${'requests'.padStart(9)}${heads.repeat(columns.length)}`);
  lines.push('─'.repeat(ruleWidth));
  const rows = columns.map((c) => [...c.summary.rows, c.summary.total]);
  rows[0].forEach((r, i) => {
    if (i === rows[0].length - 1) lines.push('─'.repeat(ruleWidth));
    lines.push(`${r.label.padEnd(labelWidth)}${String(r.requests).padStart(9)}${rows.map((col) => `   ${cell(col[i])}`).join('')}`);
  });
  return lines.join('\n');
}

/** "POOL_ACQUIRE_TIMEOUT ×12" for every error code in a run, or "none". */
export function errorCodes(summary) {
  const codes = {};
  for (const r of summary.rows) for (const [code, n] of Object.entries(r.errors)) codes[code] = (codes[code] ?? 0) + n;
  const parts = Object.entries(codes).map(([code, n]) => `${code} ×${n}`);
  return parts.length ? parts.join(', ') : 'none';
}
