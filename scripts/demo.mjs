#!/usr/bin/env node
// `npm run demo`: a wedding weekend, compressed. Friday evening, the Saturday peak rolling from
// Sydney to London to New York, and a quiet Sunday, driven against a real PostgreSQL — first
// on WedPool (wedding-day scaling, emergency reserve, priorities), then replayed request for
// request on a fixed-size first-come-first-served pool, and on a real `pg.Pool` as large as
// WedPool's Saturday peak ("why not just a bigger pg pool?"). Prints live progress and a summary, and
// writes report/weekend.html (charts as inline SVG, no network needed).
//
//   npm run demo                 # about a minute
//   npm run demo -- --quick      # about 15 s (CI)
//
// Uses DATABASE_URL when set, else a throwaway PostgreSQL server that is removed afterwards.
// The modules are in scripts/demo/: config (what is simulated), traffic (when requests come),
// schema (tables and statements), run (drives one pool), summary, report and svg (the HTML).
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  BASE_POOL,
  CALENDAR,
  CLASSES,
  FIXED_EXTRA,
  MODES,
  PG_POOL,
  TIMEZONES,
  USAGE,
  WEDPOOL_EXTRA,
  WEEKEND,
  parseArgs,
} from './demo/config.mjs';
import { pgContender } from './demo/pg-contender.mjs';
import { Progress } from './demo/progress.mjs';
import { renderReport } from './demo/report.mjs';
import { utcLabel, runWeekend } from './demo/run.mjs';
import { WEDDINGS_PER_ZONE, createSchema, dropSchema, operations, schemaName, seed, tableCounts } from './demo/schema.mjs';
import { errorCodes, summarize, summaryTable } from './demo/summary.mjs';
import { buildSchedule } from './demo/traffic.mjs';
import { withDatabase } from './lib/postgres.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The built package; waits a little if a rebuild is in progress. */
async function loadWedPool() {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return require('../dist/index.js');
    } catch (err) {
      if (Date.now() > deadline) {
        console.error('Could not load dist/index.js — run `npm run build` first (npm install does it too).');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const mode = args.quick ? MODES.quick : MODES.full;
const runMillis = mode.runSeconds * 1000;
const outDir = resolve(args.out ?? join(root, 'report'));

// Everything below is bounded; this is only a guard against a bug turning into a hung CI job.
setTimeout(() => {
  console.error('\nThe demo took more than 5 minutes; giving up.');
  process.exit(1);
}, 300_000).unref();

// Ctrl-C: stop launching requests, abort the waiting ones, clean up, exit 130.
const stop = new AbortController();
setMaxListeners(0, stop.signal); // every waiting request listens to it
process.once('SIGINT', () => {
  console.log('\nInterrupted: stopping the weekend and cleaning up (Ctrl-C again to quit at once).');
  stop.abort(new Error('interrupted'));
  process.once('SIGINT', () => process.exit(130));
});

const { WeddingAwareConnectionPool } = await loadWedPool();
const demoStarted = performance.now();
const hours = Math.round((WEEKEND.end - WEEKEND.start) / 3_600_000);

await withDatabase(async (url, server) => {
  const schema = schemaName();
  const admin = new WeddingAwareConnectionPool({
    connectionString: url,
    applicationName: 'wedpool-demo-admin',
    basePoolSize: { min: 0, max: 1, acquireTimeoutMillis: 30_000 },
  });
  const query = (sql, params) => admin.query(sql, params);
  const { rows } = await query('show server_version');
  const database = `${server ? `throwaway PostgreSQL ${rows[0].server_version} (${server.kind})` : `DATABASE_URL, PostgreSQL ${rows[0].server_version}`}`;

  console.log(`WedPool demo: a wedding weekend — ${hours} simulated hours in ${mode.runSeconds} s per pool${args.quick ? ' (--quick)' : ''}.`);
  console.log(`Weddings in ${TIMEZONES.map((t) => `${t.city} (${t.zone})`).join(', ')}; Saturday is the wedding day.`);
  console.log(`Database: ${database}; tables in schema ${schema}.`);
  console.log(
    `WedPool: base max ${BASE_POOL.max}, min ${BASE_POOL.min}, ×${WEDPOOL_EXTRA.weddingDayMultiplier} on wedding days, ` +
      `${WEDPOOL_EXTRA.emergencyReservedConnections} reserved for critical work. Fixed pool: max ${BASE_POOL.max}, first come first served.`,
  );

  const schedule = buildSchedule({
    start: WEEKEND.start,
    end: WEEKEND.end,
    runMillis,
    peakRate: mode.peakRate,
    seed: args.seed,
    weddingsPerZone: WEDDINGS_PER_ZONE,
  });
  const simHourMillis = runMillis / hours;
  const poolOptions = (extra) => ({
    connectionString: url,
    applicationName: 'wedpool-demo',
    basePoolSize: {
      ...BASE_POOL,
      acquireTimeoutMillis: mode.acquireTimeoutMillis,
      // Idle connections above min close after about 1.5 simulated hours.
      idleTimeoutMillis: Math.max(250, Math.round(1.5 * simHourMillis)),
    },
    weddingCalendar: CALENDAR,
    maintenanceIntervalMillis: 100,
    ...extra,
  });
  const ops = operations(schema);
  const progress = new Progress({ printEveryMillis: mode.printEverySeconds * 1000 });

  const runOne = async (name, extra, useContext, contender) => {
    await seed(query, schema);
    const pool = contender ?? new WeddingAwareConnectionPool(poolOptions(extra));
    try {
      pool.setCalendarTime(WEEKEND.start);
      if (!contender) await pool.ready();
      console.log(`\n== ${name}: ${schedule.requests.length} requests from ${utcLabel(WEEKEND.start.getTime())} to ${utcLabel(WEEKEND.end.getTime())}`);
      const result = await runWeekend({
        name,
        pool,
        schedule,
        weekend: WEEKEND,
        runMillis,
        mode,
        ops,
        useContext,
        progress,
        signal: stop.signal,
      });
      result.tables = await tableCounts(query, schema);
      result.options = { ...BASE_POOL, ...extra };
      return result;
    } finally {
      await pool.end({ timeoutMillis: 5_000 });
    }
  };
  const pgPool = () =>
    pgContender(require('pg'), {
      connectionString: url,
      ...PG_POOL,
      idleTimeoutMillis: poolOptions({}).basePoolSize.idleTimeoutMillis,
      acquireTimeoutMillis: mode.acquireTimeoutMillis,
    });

  let wedpool;
  let fixed;
  let bigPg;
  try {
    await createSchema(query, schema);
    wedpool = await runOne('WedPool', WEDPOOL_EXTRA, true);
    if (!stop.signal.aborted) fixed = await runOne('fixed pool', FIXED_EXTRA, false);
    if (!stop.signal.aborted) bigPg = await runOne('pg.Pool', { ...PG_POOL, weddingDayMultiplier: 1, emergencyReservedConnections: 0 }, false, pgPool());
  } finally {
    await dropSchema(query, schema).catch((err) => console.error(`could not drop schema ${schema}: ${err.message}`));
    await admin.end();
  }
  if (stop.signal.aborted) {
    console.log(`Stopped early; schema ${schema} dropped, no report written.`);
    process.exitCode = 130;
    return;
  }

  const a = summarize(wedpool);
  const b = summarize(fixed);
  const c = summarize(bigPg);
  console.log('\n== Summary: time to get a connection, whole weekend (timed-out callers count with the time they waited)\n');
  console.log(
    summaryTable([
      { name: 'WedPool', summary: a },
      { name: `fixed pool (max ${BASE_POOL.max}, FIFO)`, summary: b },
      { name: `pg.Pool (max ${PG_POOL.max})`, summary: c },
    ]),
  );
  console.log(
    `\nWedPool: peak size ${a.peakSize} of max ${a.peakMax}, peak waiting ${a.peakWaiting}, emergency reserve used ${a.reservedUses} times, errors: ${errorCodes(a)}.`,
  );
  console.log(`Fixed:   peak size ${b.peakSize} of max ${b.peakMax}, peak waiting ${b.peakWaiting}, errors: ${errorCodes(b)}.`);
  console.log(`pg.Pool: peak size ${c.peakSize} of max ${c.peakMax}, peak waiting ${c.peakWaiting}, errors: ${errorCodes(c)}.`);
  console.log(
    `Connection-hours held over the weekend: WedPool ${a.connectionHours.toFixed(0)}, fixed ${b.connectionHours.toFixed(0)}, pg.Pool ${c.connectionHours.toFixed(0)}.`,
  );

  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'weekend.html');
  writeFileSync(
    file,
    renderReport({
      wedpool,
      fixed,
      bigPg,
      summaries: { wedpool: a, fixed: b, bigPg: c },
      meta: {
        mode: args.quick ? 'quick' : 'full',
        seed: args.seed,
        runSeconds: mode.runSeconds,
        hours,
        database,
        acquireTimeoutMillis: mode.acquireTimeoutMillis,
        peakRate: mode.peakRate,
        requests: schedule.requests.length,
        generatedAt: new Date(),
        classes: CLASSES,
      },
    }),
  );
  const shown = relative(process.cwd(), file);
  console.log(`\nReport: ${shown && !shown.startsWith('..') ? shown : file}  (${pathToFileURL(file).href})`);
  console.log(`Demo finished in ${((performance.now() - demoStarted) / 1000).toFixed(1)} s.`);
});
