#!/usr/bin/env node
// `npm test`: builds what is stale, provides a PostgreSQL server (DATABASE_URL, else a
// throwaway one), runs the Rust core's tests and the vitest specs against it, checks that the
// core stays free of N-API and that the specs type-check, and ends with one plain line
// `N passed, N failed` covering all of it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { withDatabase } from './lib/postgres.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const passthrough = process.argv.slice(2);

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function cargoCounts(output) {
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

function vitestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const report = JSON.parse(readFileSync(file, 'utf8'));
  // A spec file that fails to load has no tests but is still a failure.
  const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  return { passed: report.numPassedTests, failed: report.numFailedTests + brokenFiles };
}

async function main() {
  const build = await run('npm', ['run', '--silent', 'build']);
  if (build.code !== 0) {
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const totals = await withDatabase(async (url) => {
    console.log(`\n# database: ${url.replace(/:[^:@/]*@/, ':***@')}`);
    const env = { DATABASE_URL: url };
    const core = await run('cargo', ['test', '-p', 'wedpool-core', '--', '--test-threads=2'], env);
    const rust = cargoCounts(core.output);
    if (core.code !== 0 && rust.failed === 0) rust.failed = 1;
    const typecheck = await run('npx', ['tsc', '-p', 'tsconfig.test.json']);
    if (typecheck.code !== 0) console.error('the specs and the facade do not type-check (tsconfig.test.json)');
    const boundary = await run('bash', ['-c', 'cargo tree -p wedpool-core -e normal | grep -c napi || true']);
    const napiInCore = Number(boundary.output.trim().split('\n').pop()) > 0;
    if (napiInCore) console.error('wedpool-core depends on napi: the core must stay free of N-API');
    const reportDir = join(root, '.tmp');
    mkdirSync(reportDir, { recursive: true });
    const reportFile = join(reportDir, 'vitest.json');
    rmSync(reportFile, { force: true });
    const vitest = await run(
      'npx',
      ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...passthrough],
      env,
    );
    const js = vitestCounts(reportFile);
    if (vitest.code !== 0 && js.failed === 0) js.failed = 1;
    const checks = [!napiInCore, typecheck.code === 0];
    return {
      passed: rust.passed + js.passed + checks.filter(Boolean).length,
      failed: rust.failed + js.failed + checks.filter((ok) => !ok).length,
    };
  });
  console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
