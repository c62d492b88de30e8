#!/usr/bin/env node
// `node scripts/flake-budget.mjs [--runs 10] [--max-minutes M] [--no-load]`: runs the fault suite
// (`vitest run __test__/faults`) RUNS times in a row while `npm run bench -- --quick` runs over
// and over in the background as load (unless --no-load), and writes what failed in each run to
// docs/flake/latest.json and latest.md; with --max-minutes, no run starts after M minutes (the
// report says how many ran). Uses DATABASE_URL when set, else a throwaway server
// (scripts/lib/postgres.mjs). Build first (`npm run build`). Exits 1 when any run failed.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { withDatabase } from './lib/postgres.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { runs: { type: 'string' }, 'max-minutes': { type: 'string' }, 'no-load': { type: 'boolean' } } });
const runs = Number(args.runs ?? 10);
const withLoad = !args['no-load'];
const maxMinutes = args['max-minutes'] ? Number(args['max-minutes']) : Infinity;
const startedAt = Date.now();

function start(cmd, argv, env, quiet = true) {
  const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: quiet ? 'ignore' : 'inherit', detached: true });
  return { child, done: new Promise((r) => child.on('close', (code) => r(code ?? 1))) };
}

await withDatabase(async (url) => {
  const env = { DATABASE_URL: url };
  let loadRuns = 0;
  let stopLoad = false;
  let current = null;
  const load = (async () => {
    while (withLoad && !stopLoad) {
      current = start('npm', ['run', '--silent', 'bench', '--', '--quick'], env);
      await current.done;
      loadRuns += 1;
    }
  })();
  const results = [];
  const countsFile = `${root}.tmp/flake-counts.json`;
  mkdirSync(`${root}.tmp`, { recursive: true });
  for (let i = 1; i <= runs; i += 1) {
    if ((Date.now() - startedAt) / 60_000 > maxMinutes) {
      console.log(`flake-budget: ${maxMinutes} min passed after ${i - 1} runs; stopping`);
      break;
    }
    rmSync(countsFile, { force: true });
    const started = Date.now();
    const load1 = loadavg()[0];
    const { done } = start('npx', ['vitest', 'run', '__test__/faults', '--reporter=dot', '--reporter=./scripts/lib/vitest-counts.mjs'], { ...env, WEDPOOL_COUNTS_FILE: countsFile }, false);
    const code = await done;
    let counts;
    try {
      counts = JSON.parse(readFileSync(countsFile, 'utf8'));
    } catch {
      counts = { passed: 0, failed: 1, skipped: 0, failedTests: ['(no counts written)'], notRun: [] };
    }
    const failed = [...counts.failedTests, ...counts.notRun, ...(counts.brokenFiles ?? []), ...(counts.failedHooks ?? [])];
    results.push({ run: i, exitCode: code, seconds: Math.round((Date.now() - started) / 1000), loadAverage1m: Number(load1.toFixed(2)), passed: counts.passed, failed: counts.failed, skipped: counts.skipped, failedTests: failed });
    console.log(`flake-budget: run ${i}/${runs}: ${counts.passed} passed, ${counts.failed} failed${failed.length ? ` — ${failed.join('; ')}` : ''}`);
  }
  stopLoad = true;
  if (current) {
    try {
      process.kill(-current.child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  await load;
  const failedRuns = results.filter((r) => r.failed > 0).length;
  const byTest = {};
  for (const r of results) for (const t of r.failedTests) byTest[t] = (byTest[t] ?? 0) + 1;
  const report = {
    generatedAt: new Date().toISOString(),
    command: `node scripts/flake-budget.mjs --runs ${runs}${Number.isFinite(maxMinutes) ? ` --max-minutes ${maxMinutes}` : ''}${withLoad ? '' : ' --no-load'}`,
    machine: { cpus: cpus().length },
    background: withLoad ? `npm run bench -- --quick, in a loop (${loadRuns} runs completed)` : 'none',
    runsPlanned: runs,
    runs: results.length,
    failedRuns,
    testsPerRun: results[0] ? results[0].passed + results[0].failed : 0,
    flakes: byTest,
    results,
  };
  mkdirSync(`${root}docs/flake`, { recursive: true });
  writeFileSync(`${root}docs/flake/latest.json`, `${JSON.stringify(report, null, 2)}\n`);
  const md = [
    '# Fault-suite flake budget',
    '',
    `${report.generatedAt} · \`${report.command}\` · ${report.machine.cpus} cores · background: ${report.background}`,
    '',
    `${failedRuns} of ${results.length} runs had a failure (${report.testsPerRun} tests per run; ${runs} planned).`,
    '',
    '| run | passed | failed | seconds | load (1 min) | failed tests |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.run} | ${r.passed} | ${r.failed} | ${r.seconds} | ${r.loadAverage1m} | ${r.failedTests.join('; ') || '—'} |`),
    '',
  ].join('\n');
  writeFileSync(`${root}docs/flake/latest.md`, md);
  console.log(`flake-budget: ${failedRuns} of ${results.length} runs failed; wrote docs/flake/latest.json and latest.md`);
  process.exitCode = failedRuns > 0 ? 1 : 0;
});
