// `npm run bench [-- --quick] [-- --reps N --only W1,W4 --libs wedpool,pg]`
// Runs W1–W8 for WedPool, pg-pool and postgres.js (and pgbench as W4's floor when installed)
// against one PostgreSQL: DATABASE_URL if set, else a throwaway server (scripts/lib/postgres.mjs)
// stopped at the end; W8 goes through a PgBouncer in transaction mode started in front of it
// (scripts/lib/pgbouncer.mjs; skipped with a note when pgbouncer is not installed). Every (library, workload, repetition) is a fresh process, interleaved
// A1 B1 C1 A2 B2 C2 …; prints medians (min–max) and the targets, and writes
// bench/results/latest.md and latest.json (a full run of everything only; `--quick` writes
// quick.*, a run narrowed by --only/--libs/--reps writes partial.*). Exits non-zero when any
// workload process failed.
import { fork } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { findPgBouncer, startPgBouncer } from '../scripts/lib/pgbouncer.mjs';
import { withDatabase } from '../scripts/lib/postgres.mjs';
import { LABELS, LIBRARIES, MODES, W7, W8_SERVER_CONNECTIONS, WORKLOADS } from './config.mjs';
import { aggregate } from './lib/aggregate.mjs';
import { describeMachine, nativeBuild } from './lib/machine.mjs';
import { findPgbench, pgbenchCommand, runPgbench } from './lib/pgbench.mjs';
import { fmt, machineTable, resultsTable, targetsTable, writeResults } from './lib/report.mjs';
import { createGuests, dropGuests } from './lib/schema.mjs';
import { evaluateTargets } from './lib/targets.mjs';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean' }, reps: { type: 'string' }, only: { type: 'string' }, libs: { type: 'string' } },
});
const modeName = args.quick ? 'quick' : 'full';
const mode = MODES[modeName];
const reps = args.reps ? Number(args.reps) : mode.reps;
let workloads = args.only ? args.only.split(',').map((w) => w.trim().toUpperCase()) : Object.keys(WORKLOADS);
const libraries = args.libs ? args.libs.split(',') : LIBRARIES;
const log = (line) => process.stderr.write(`${line}\n`);
const resultName = args.quick ? 'quick' : args.only || args.libs || args.reps ? 'partial' : 'latest';

const root = fileURLToPath(new URL('..', import.meta.url));
const hasAddon = existsSync(`${root}native`) && readdirSync(`${root}native`).some((f) => f.endsWith('.node'));
if (libraries.includes('wedpool') && !(existsSync(`${root}dist/index.js`) && hasAddon)) {
  log('WedPool is not built (dist/index.js and native/*.node are needed): run `npm run build` first.');
  process.exit(1);
}

/** Forks bench/child.mjs for one (library, workload, repetition); resolves to its message. */
function runChild(library, workload, url) {
  const childArgs = ['--driver', library, '--workload', workload, '--url', url, ...(args.quick ? ['--quick'] : [])];
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(new URL('./child.mjs', import.meta.url)), childArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let message = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('message', (m) => (message = m));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(message ?? { error: `process exited (${signal ?? code}) without a result` });
    });
  });
}

function headline(figures = []) {
  const pick = (id) => figures.find((f) => f.id === id);
  const f = pick('W1.p50') ?? pick('W2.1024.p99') ?? pick('W3.p50') ?? pick('W4.qps') ?? pick('W5.critical.p99') ?? pick('W6.1000.p50') ?? pick('W7.all.p99') ?? pick('W8.qps');
  return f ? `${f.label} ${fmt(f.value, f.unit)} ${f.unit}` : '';
}

/**
 * Every library on the same transport: a URL naming no `sslmode` gets `sslmode=disable`, so
 * WedPool (libpq's default `prefer`) does not run TLS against a server with `ssl=on` while
 * pg-pool and postgres.js (plaintext by default) do not. A URL that names one keeps it; all three
 * libraries and pgbench read `sslmode` from the URL.
 */
function sameTransport(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return { url, transport: 'as the connection string says' };
  }
  const named = parsed.searchParams.get('sslmode');
  if (named) return { url, transport: `sslmode=${named} (from DATABASE_URL) for every library` };
  parsed.searchParams.set('sslmode', 'disable');
  return { url: parsed.toString(), transport: 'plaintext TCP for every library (sslmode=disable)' };
}

async function probeServer(url, kind) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select current_setting($1) as version, current_setting($2)::int as max_connections', ['server_version', 'max_connections']);
    await createGuests(client);
    return { version: `PostgreSQL ${rows[0].version}`, maxConnections: rows[0].max_connections, kind };
  } finally {
    await client.end();
  }
}

async function cleanUp(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await dropGuests(client).finally(() => client.end());
}

await withDatabase(async (givenUrl, server) => {
  const started = Date.now();
  const { url, transport } = sameTransport(givenUrl);
  const serverInfo = await probeServer(url, `${server ? `throwaway ${server.kind} server` : 'DATABASE_URL'}, ${transport}`);
  const pgbench = findPgbench();
  const warnings = [];
  if (workloads.includes('W4') && !pgbench) warnings.push('pgbench was not found (Debian: postgresql-client / postgresql-contrib; PGBENCH=/path picks one): the W4 floor and its target were skipped.');
  if (workloads.includes('W7') && serverInfo.maxConnections < W7.baseMax * W7.multiplier + 10) {
    warnings.push(`max_connections is ${serverInfo.maxConnections}: W7 needs ${W7.baseMax * W7.multiplier} for WedPool's scaled pool.`);
  }
  let bouncer = null;
  if (workloads.includes('W8')) {
    if (findPgBouncer()) {
      const server = new URL(url);
      bouncer = await startPgBouncer({
        serverHost: server.hostname,
        serverPort: Number(server.port || 5432),
        user: decodeURIComponent(server.username) || 'postgres',
        poolSize: W8_SERVER_CONNECTIONS,
      });
      server.port = String(bouncer.port);
      bouncer.benchUrl = server.toString();
      log(`W8 goes through ${bouncer.version} (transaction mode, default_pool_size = ${W8_SERVER_CONNECTIONS}) on port ${bouncer.port}`);
    } else {
      warnings.push('pgbouncer was not found (Debian: pgbouncer): W8 (through PgBouncer) was skipped.');
      workloads = workloads.filter((w) => w !== 'W8');
    }
  }
  const machine = describeMachine(serverInfo, pgbench);
  log(`${modeName} run: ${workloads.join(' ')} × ${libraries.map((l) => LABELS[l]).join(', ')} × ${reps} reps on ${serverInfo.version}${pgbench || !workloads.includes('W4') ? '' : ' (pgbench: not found, skipped)'}`);

  const runs = [];
  try {
    for (const workload of workloads) {
      for (let rep = 1; rep <= reps; rep++) {
        for (const library of libraries) {
          const message = await runChild(library, workload, workload === 'W8' ? bouncer.benchUrl : url);
          runs.push({ workload, library, rep, ...message });
          log(`  ${workload} rep ${rep}/${reps} ${LABELS[library].padEnd(11)} ${message.error ? `ERROR ${message.error.split('\n')[0]}` : headline(message.figures)}`);
        }
        if (workload === 'W4' && pgbench) {
          const figures = await runPgbench(pgbench, url, mode.w4Pgbench).catch((err) => ({ error: String(err.message) }));
          runs.push({ workload, library: 'pgbench', rep, ...(Array.isArray(figures) ? { figures } : figures) });
          log(`  ${workload} rep ${rep}/${reps} ${'pgbench'.padEnd(11)} ${Array.isArray(figures) ? headline(figures) : `ERROR ${figures.error}`}`);
        }
      }
    }
  } finally {
    await bouncer?.stop();
    if (!server) await cleanUp(url).catch(() => {});
  }

  const rows = aggregate(runs);
  const targets = evaluateTargets(rows, workloads);
  const failures = runs.filter((r) => r.error).map(({ workload, library, rep, error }) => ({ workload, library, rep, error }));
  if (nativeBuild() !== machine.wedpoolAddon) warnings.push(`The WedPool addon was rebuilt during the run (now ${nativeBuild()}): WedPool figures mix two builds; run again.`);
  if (modeName === 'quick') warnings.push('Quick run: few repetitions and short phases, a smoke test for CI; draw conclusions from the full run.');
  const notes = [
    ...warnings,
    'Latencies are per operation, timed in the caller with process.hrtime.bigint(); acquire wait is from the acquire call to holding the connection.',
    'Holds in W2/W5/W7 are timers (1, 2, 5 ms) while the connection is held. W5: 12 normal closed-loop callers (120% of 10) + 8 critical callers with 20 ms think time. W7: 300 closed-loop callers, 80% normal / 15% active wedding / 5% critical.',
    'WedPool: W5 has emergencyReservedConnections 2, multiplier 1, calendar frozen on Saturday 2026-06-13 (UTC); W7 base max 50 × 3 with a reserve of 5 on the same Saturday; other workloads freeze the calendar on a Wednesday. Peers ignore caller classes.',
    'Every process first opens all connections its pool may hold and runs a short warm-up of the workload; only the phase after that is measured.',
    `Node CPU is the whole process (all threads, so WedPool's tokio workers count), from process.cpuUsage(). pgbench: \`${pgbenchCommand(mode.w4Pgbench)}\`.`,
    ...(bouncer ? [`W8: ${bouncer.version} in transaction mode (default_pool_size ${W8_SERVER_CONNECTIONS}) in front of the same server, 64 callers, \`select $1::int4 + 1\`; WedPool \`pgbouncer=true\`, postgres.js \`prepare: false\`, pg-pool's unnamed statements.`] : []),
    'Single runs on a 2-core machine vary; compare only figures taken side by side in one run.',
  ];
  const report = {
    generatedAt: new Date().toISOString(),
    mode: modeName,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    reps,
    workloads,
    libraries,
    machine,
    settings: mode,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    targets,
    rows,
    failures,
    notes,
    // Per process: errors and the pool's stats at the end (figures are in rows[].values[lib].reps).
    runs: runs.map(({ figures, ...run }) => run),
  };
  const dir = writeResults(report, resultName);
  console.log(`\n${machineTable(machine)}\n\nResults (median of ${reps}, min–max in brackets)\n\n${resultsTable(rows, failures, libraries)}\n\nTargets\n\n${targetsTable(targets)}\n`);
  for (const w of warnings) console.log(`note: ${w}`);
  console.log(`wrote ${dir}${resultName}.md and ${resultName}.json (${report.durationSeconds} s)`);
  if (failures.length > 0) {
    console.error(`${failures.length} of ${runs.length} workload processes failed:`);
    for (const f of failures) console.error(`  ${f.workload} rep ${f.rep} ${f.library}: ${f.error.split('\n')[0]}`);
    process.exitCode = 1;
  }
});
