#!/usr/bin/env node
// `npm test`: builds what is stale (and the npm tarballs in pkg/), provides a PostgreSQL server (DATABASE_URL, else a
// throwaway one), runs the Rust core's tests and the vitest specs against it, runs the checks
// that are not tests (each says so in the output), and ends with one plain line
// `N passed, N failed` (followed by `, N skipped` when tests were skipped on purpose).
//
// Counting is honest: a vitest test that was meant to run but did not (its suite's `beforeAll`
// failed, its file did not load) counts as failed (scripts/lib/vitest-counts.mjs); cargo runs with
// `--no-fail-fast`; a check whose own command fails counts as failed. The whole run has a time
// limit (WEDPOOL_TEST_TIMEOUT_MINUTES, default 45) after which it stops and counts a failure.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { withDatabase } from './lib/postgres.mjs';
import { createDeadline, runStep } from './lib/run-step.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const passthrough = process.argv.slice(2);
const deadline = createDeadline(Number(process.env.WEDPOOL_TEST_TIMEOUT_MINUTES ?? 45));
const run = (cmd, args, env) => runStep(deadline, root, cmd, args, env);

/** Sums cargo's `test result:` lines (unit, integration and doc tests); ignored tests are skipped. */
function cargoCounts(output) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const m of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
    counts.passed += Number(m[1]);
    counts.failed += Number(m[2]);
    counts.skipped += Number(m[3]);
  }
  return counts;
}

/**
 * Specs that run after the others, on their own: `fleet-processes` starts up to 32 Node
 * processes and checks each one's share of the server within 2 s of a start, which other spec
 * files running beside it on a 2-core machine would measure instead.
 */
const RUN_ALONE = ['__test__/fleet-processes.spec.ts'];

/** One vitest run with `args`; its counts (a non-zero exit with nothing failed counts as one failure). */
async function runVitest(countsFile, args, env) {
  rmSync(countsFile, { force: true });
  const vitest = await run(
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=./scripts/lib/vitest-counts.mjs', ...args],
    { ...env, WEDPOOL_COUNTS_FILE: countsFile },
  );
  const js = vitestCounts(countsFile);
  if (vitest.code !== 0 && js.failed === 0) {
    console.log(`\n# vitest exited ${vitest.code} with no failed test counted: counted as one failure`);
    js.failed = 1;
  }
  return js;
}

/** The counts of several vitest runs as one: numbers summed, lists joined. */
function mergeCounts(runs) {
  const merged = { passed: 0, failed: 0, skipped: 0 };
  for (const js of runs) {
    for (const [key, value] of Object.entries(js)) {
      if (typeof value === 'number') merged[key] = (merged[key] ?? 0) + value;
      else if (Array.isArray(value)) merged[key] = [...(merged[key] ?? []), ...value];
      else if (value === true) merged[key] = true;
    }
  }
  return merged;
}

/** Reads the counts scripts/lib/vitest-counts.mjs wrote; a missing file is one failure. */
function vitestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, missing: true };
  return JSON.parse(readFileSync(file, 'utf8'));
}

function printVitestDetails(js) {
  const list = (title, names) => names?.length && console.log(`\n# ${title}:\n${names.map((n) => `  - ${n}`).join('\n')}`);
  list('vitest: tests that never ran because a hook or their file failed (counted as failed)', js.notRun);
  list('vitest: files that failed to load (one failure each)', js.brokenFiles);
  list('vitest: hooks that failed after their tests passed (one failure each)', js.failedHooks);
  list('vitest: skipped on purpose', js.skippedTests);
  if (js.unhandledErrors) console.log(`\n# vitest: ${js.unhandledErrors} unhandled error(s) (one failure each)`);
  if (js.missing) console.log('\n# vitest wrote no counts (it crashed or was stopped): counted as one failure');
}

/** The core must not depend on napi; fails when `cargo tree` itself fails. */
async function napiBoundary() {
  const tree = await run('cargo', ['tree', '-p', 'wedpool-core', '-e', 'normal', '--prefix', 'none']);
  if (tree.code !== 0) return { ok: false, why: `\`cargo tree\` failed (exit ${tree.code})` };
  const napi = tree.output.split('\n').filter((line) => /^napi/.test(line.trim()));
  if (napi.length > 0) return { ok: false, why: `wedpool-core depends on ${[...new Set(napi)].join(', ')}: the core must stay free of N-API` };
  if (!/^wedpool-core /m.test(tree.output)) return { ok: false, why: '`cargo tree` did not list wedpool-core' };
  return { ok: true };
}

/** The specs and the facade type-check (tsconfig.test.json). */
async function typecheck() {
  const tsc = await run('npx', ['tsc', '-p', 'tsconfig.test.json']);
  return tsc.code === 0 ? { ok: true } : { ok: false, why: 'the specs and the facade do not type-check (tsconfig.test.json)' };
}

/** A command that must exit 0; `why` says what its failure means. */
function mustPass(cmd, args, why, env) {
  return async () => ((await run(cmd, args, env)).code === 0 ? { ok: true } : { ok: false, why });
}

/** Checks that are not tests; each counts as one passed or failed line and says which it was. */
const CHECKS = [
  ['napi boundary (cargo tree -p wedpool-core has no napi)', napiBoundary],
  ['type-check (tsc -p tsconfig.test.json)', typecheck],
  ['format (cargo fmt --all --check)', mustPass('cargo', ['fmt', '--all', '--check'], 'run `cargo fmt --all`')],
  [
    'lint (cargo clippy --workspace --all-targets -- -D warnings)',
    mustPass('cargo', ['clippy', '--workspace', '--all-targets', '--', '-D', 'warnings'], 'clippy reports warnings'),
  ],
  [
    'rustdoc (cargo doc -p wedpool-core --no-deps, warnings denied)',
    mustPass('cargo', ['doc', '-p', 'wedpool-core', '--no-deps'], 'rustdoc reports warnings (broken links?)', {
      RUSTDOCFLAGS: '-D warnings',
    }),
  ],
  [
    "README soak figures (node scripts/readme-soak.mjs --check: they match docs/soak/latest.json)",
    mustPass('node', ['scripts/readme-soak.mjs', '--check'], 'the README quotes figures docs/soak/latest.json does not hold: run `node scripts/readme-soak.mjs`'),
  ],
];

async function runChecks() {
  const results = [];
  for (const [name, check] of CHECKS) {
    console.log(`\n# check: ${name}`);
    const result = deadline.expired ? { ok: false, why: 'not run: time limit reached' } : await check();
    console.log(`# check ${result.ok ? 'passed' : 'FAILED'}: ${name}${result.ok ? '' : ` — ${result.why}`}`);
    results.push({ name, ...result });
  }
  return results;
}

async function main() {
  const build = await run('npm', ['run', '--silent', 'build']);
  if (build.code !== 0) {
    console.log('\n# check FAILED: npm run build\n0 passed, 1 failed');
    process.exit(1);
  }
  // The npm tarballs the package specs install (pkg/). A cold run builds the release binary
  // against napi-rs's old-glibc sysroot, so it happens here, before the specs run side by side.
  if (process.platform === 'linux') {
    const packaged = await run('npm', ['run', '--silent', 'package', '--', '--if-stale']);
    if (packaged.code !== 0) console.error('npm run package failed; the package specs will report it');
  }
  const totals = await withDatabase(async (url) => {
    console.log(`\n# database: ${url.replace(/:[^:@/]*@/, ':***@')}`);
    const env = { DATABASE_URL: url };
    const core = await run('cargo', ['test', '-p', 'wedpool-core', '--no-fail-fast', '--', '--test-threads=2'], env);
    const rust = cargoCounts(core.output);
    if (core.code !== 0 && rust.failed === 0) {
      console.log(`\n# cargo test exited ${core.code} with no failed test counted (a build error or a crash): counted as one failure`);
      rust.failed = 1;
    }
    console.log(`\n# cargo test: ${rust.passed} passed, ${rust.failed} failed, ${rust.skipped} ignored`);
    const checks = await runChecks();
    const reportDir = join(root, '.tmp');
    mkdirSync(reportDir, { recursive: true });
    // A full run first runs every spec but the ones that must run alone, then those alone;
    // arguments given to `npm test` run vitest once, with them.
    const phases = passthrough.length > 0 ? [passthrough] : [RUN_ALONE.flatMap((f) => ['--exclude', f]), RUN_ALONE];
    const runs = [];
    for (const [i, args] of phases.entries()) runs.push(await runVitest(join(reportDir, `vitest-counts-${i}.json`), args, env));
    const js = mergeCounts(runs);
    printVitestDetails(js);
    console.log(`\n# vitest: ${js.passed} passed, ${js.failed} failed, ${js.skipped} skipped`);
    for (const c of checks) console.log(`# check ${c.ok ? 'passed' : 'FAILED'}: ${c.name}`);
    return {
      passed: rust.passed + js.passed + checks.filter((c) => c.ok).length,
      failed: rust.failed + js.failed + checks.filter((c) => !c.ok).length + (deadline.expired ? 1 : 0),
      skipped: rust.skipped + js.skipped,
    };
  });
  if (deadline.expired) console.log(`\n# npm test was stopped at its time limit of ${deadline.minutes} min: counted as one failure`);
  console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''}`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
