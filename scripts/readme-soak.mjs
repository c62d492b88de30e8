#!/usr/bin/env node
// `node scripts/readme-soak.mjs [--check] [FILE]`: writes the README's soak figures — the
// paragraph between `<!-- soak:begin -->` and `<!-- soak:end -->` and the recovery column of
// the failure table — from the soak's results file (default docs/soak/latest.json, written by
// `npm run soak -- --minutes N`). Nothing in those places is typed by hand. `--check` changes
// nothing and exits 1 when the README differs from what the file says (npm test runs it).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const check = args.includes('--check');
const file = args.find((a) => !a.startsWith('--')) ?? 'docs/soak/latest.json';
const readmePath = `${root}README.md`;

/** Failure-table rows (by the start of their first cell) and the soak fault that measures each. */
const ROWS = [
  ['database restart', 'restart'],
  ['database stopped for 2 s', 'stop-2s'],
  ['`pg_terminate_backend` on an idle connection', 'terminate-idle'],
  ['`pg_terminate_backend` on a busy connection', 'terminate-busy'],
  ['network blackhole', 'blackhole-1.5s'],
  ['connection reset mid-query', 'proxy-reset'],
  ['slow query past its deadline', 'slow-query'],
  ['burst of 2,000 extra callers', 'burst-2000'],
];

const n = (v) => v.toLocaleString('en-US');

/** The README text these results give: { paragraph, cells: Map<rowStart, text> }. */
export function figures(results) {
  const t = results.totals;
  const unhandled = t.unhandledRejections + t.uncaughtExceptions;
  const leaked = t.leaks.inUse + t.leaks.waiting + Math.max(0, t.leaks.server);
  const paragraph = [
    `Measured by \`${results.command}\` (results: \`${file}\` and \`${file.replace(/\.json$/, '.md')}\`,`,
    `${results.generatedAt.slice(0, 10)}, ${results.server}; mixed-priority load of 60 callers with a fault every 6 s, its`,
    'own throwaway server behind a TCP proxy; recovery is from the moment the fault is lifted to the',
    'first successful `select 1` of a canary that runs every 20 ms, min / median / max over the',
    `occurrences). ${n(t.queriesOk)} queries succeeded in that run; ${unhandled} unhandled rejections or exceptions,`,
    `${t.untyped} untyped errors (load, canary and fault drivers), ${t.driverFailures.length} failed fault drivers, ${leaked} leaked`,
    `connections; open + opening connections at most ${t.pool.largestOpenPlusOpening} of ${t.pool.max} by the pool's count, and at most`,
    `${t.serverSide.largest} of its backends by the server's (${t.serverSide.samplesAboveMax} of ${t.serverSide.samples} samples every 500 ms above ${t.pool.max}: backends of`,
    `connections the pool had already closed, not yet gone at the server); peak RSS ${t.peakRssMb} MB.`,
    `\`node scripts/readme-soak.mjs\` writes these figures from the results file. The same scenarios are`,
    'asserted one by one in `__test__/faults/`.',
  ].join('\n');
  const cells = new Map();
  for (const [row, kind] of ROWS) {
    const f = results.faults[kind];
    const r = f?.recoveryMs;
    cells.set(row, r ? `${r.min} / ${r.median} / ${r.max} ms (${f.occurrences}×${f.notRecovered ? `, ${f.notRecovered} not recovered` : ''})` : 'not measured');
  }
  return { paragraph, cells };
}

/** The README with the figures replaced. */
export function rewrite(readme, results) {
  const { paragraph, cells } = figures(results);
  const begin = '<!-- soak:begin -->';
  const end = '<!-- soak:end -->';
  const a = readme.indexOf(begin);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${begin} … ${end} block`);
  let out = `${readme.slice(0, a + begin.length)}\n${paragraph}\n${readme.slice(b)}`;
  for (const [row, text] of cells) {
    const lines = out.split('\n');
    const i = lines.findIndex((l) => l.startsWith(`| ${row}`));
    if (i < 0) throw new Error(`README.md has no failure-table row starting "${row}"`);
    const cellsOfRow = lines[i].split(' | ');
    cellsOfRow[cellsOfRow.length - 1] = `${text} |`;
    lines[i] = cellsOfRow.join(' | ');
    out = lines.join('\n');
  }
  return out;
}

const results = JSON.parse(readFileSync(`${root}${file}`, 'utf8'));
const readme = readFileSync(readmePath, 'utf8');
const updated = rewrite(readme, results);
if (check) {
  if (updated !== readme) {
    console.error(`README.md's soak figures differ from ${file}: run \`node scripts/readme-soak.mjs\``);
    process.exit(1);
  }
  console.log(`README.md's soak figures match ${file}`);
} else {
  writeFileSync(readmePath, updated);
  console.log(`README.md: soak figures written from ${file}`);
}
