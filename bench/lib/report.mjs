// Renders results: aligned pipe tables (valid Markdown, readable in a terminal) for the
// console and bench/results/latest.md, and the full data as bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { LABELS, LIBRARIES, WORKLOADS } from '../config.mjs';

export function fmt(v, unit) {
  if (!Number.isFinite(v)) return '—';
  if (unit === 'q/s' || unit === 'acq/s') return Math.round(v).toLocaleString('en-US');
  if (unit === '%') return v.toFixed(1);
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const cell = (v, unit) => (v ? `${fmt(v.median, unit)} (${fmt(v.min, unit)}–${fmt(v.max, unit)})` : '');

export function resultsTable(rows, failures, libraries = LIBRARIES) {
  const libs = [...libraries, ...(rows.some((r) => r.values.pgbench) ? ['pgbench'] : [])];
  const body = rows.map((r) => [r.workload, r.label, r.unit, ...libs.map((lib) => cell(r.values[lib], r.unit))]);
  for (const f of failures) body.push([f.workload, `FAILED rep ${f.rep}: ${f.error.split('\n')[0].slice(0, 80)}`, '', ...libs.map((l) => (l === f.library ? 'error' : ''))]);
  return table(['', 'figure', 'unit', ...libs.map((l) => `${LABELS[l]} median (min–max)`)], body);
}

export function targetsTable(targets) {
  return table(
    ['target', 'required', 'WedPool', 'reference', 'ratio', 'status'],
    targets.map((t) => [
      t.target,
      t.required,
      `${fmt(t.measured, t.unit)} ${t.unit}`,
      t.referenceName === 'bound' ? `${fmt(t.reference, t.unit)} ${t.unit}` : `${LABELS[t.referenceName]} ${fmt(t.reference, t.unit)}`,
      Number.isFinite(t.ratio) ? `${t.ratio.toFixed(2)}×` : '—',
      t.status === 'n/a' ? 'n/a (not measured)' : t.status,
    ]),
  );
}

export function machineTable(machine) {
  const libs = Object.entries(machine.libraries).map(([k, v]) => `${k} ${v}`).join(', ');
  return table(['machine', ''], [
    ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
    ['memory', `${machine.memoryGiB} GiB`],
    ['OS', machine.os],
    ['Node', machine.node],
    ['PostgreSQL', `${machine.postgresql} (${machine.database}, max_connections ${machine.postgresqlMaxConnections})`],
    ['libraries', libs],
    ['WedPool addon', machine.wedpoolAddon],
    ['load average (1/5/15 min) at start', machine.loadAverageAtStart.join(' / ')],
    ['pgbench', machine.pgbench],
  ]);
}

/**
 * Writes `bench/results/<name>.json` and `<name>.md`: `latest` only for a full run of everything,
 * `quick` for `--quick`, `partial` for a run narrowed by `--only`, `--libs` or `--reps`.
 */
export function writeResults(report, name = 'latest') {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${name}.json`, JSON.stringify(report, null, 2) + '\n');
  const workloads = report.workloads.map((w) => `- **${w}** ${WORKLOADS[w].title}`).join('\n');
  const md = [
    `# WedPool benchmark — ${report.mode} run`,
    '',
    `${report.generatedAt} · \`${report.command}\` · ${report.reps} interleaved repetitions per library, each in a fresh process · pool size 10 (W7: 50 base)`,
    '',
    machineTable(report.machine),
    '',
    '## Targets',
    '',
    targetsTable(report.targets),
    '',
    '## Results (median of repetitions, min–max in brackets)',
    '',
    workloads,
    '',
    resultsTable(report.rows, report.failures, report.libraries),
    '',
    '## Notes',
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  writeFileSync(`${dir}${name}.md`, md);
  return dir;
}
