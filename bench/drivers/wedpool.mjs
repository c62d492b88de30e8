// WedPool driver: the library-specific half of every workload (acquire, release, pool-level
// query) over the built package (dist/ + native/; `npm run build` makes them).
// Scenarios: plain (10 connections, calendar frozen on a Wednesday, no reserve),
// mixed-priority (W5: 10 connections, reserve 2, multiplier 1, frozen on a Saturday in UTC),
// saturday-burst (W7: base max 50 × 3 on a Saturday, reserve 5), pgbouncer (W8: pgbouncer=true).
import { createRequire } from 'node:module';

import { POOL_SIZE, SATURDAY, W5, W7 } from '../config.mjs';

const require = createRequire(import.meta.url);
const WEDNESDAY = new Date('2026-06-10T12:00:00Z');

// `WEDPOOL_BENCH_PIPELINE_DEPTH=1 npm run bench …` measures WedPool without pipelining (the
// default depth otherwise), for a before/after within one machine state.
const PIPELINE = process.env.WEDPOOL_BENCH_PIPELINE_DEPTH ? { pipelineDepth: Number(process.env.WEDPOOL_BENCH_PIPELINE_DEPTH) } : {};

function options(url, scenario) {
  const common = { connectionString: url, applicationName: 'wedpool-bench', weddingCalendar: { timezones: ['UTC'], weekdays: ['saturday'] }, ...PIPELINE };
  const size = (max) => ({ min: 0, max, idleTimeoutMillis: 0, acquireTimeoutMillis: 60_000 });
  switch (scenario) {
    case 'mixed-priority':
      return { ...common, basePoolSize: size(POOL_SIZE), weddingDayMultiplier: 1, emergencyReservedConnections: W5.reserve };
    case 'pgbouncer':
      // W8: the URL points at PgBouncer; no named prepared statements (and no fleet budget).
      return { ...common, connectionString: `${url}${url.includes('?') ? '&' : '?'}pgbouncer=true`, basePoolSize: size(POOL_SIZE), weddingDayMultiplier: 1 };
    case 'saturday-burst':
      // One instance, like the peers' fixed pools: no fleet budget. With it, the first 3 s keep a
      // quarter of the server's slots free for instances still starting, and the warm-up holds
      // every connection at once, so no connection comes back to re-read the budget with (see
      // the README's Limits).
      return {
        ...common,
        basePoolSize: size(W7.baseMax),
        weddingDayMultiplier: W7.multiplier,
        emergencyReservedConnections: W7.reserve,
        fleetBudget: false,
      };
    default:
      return { ...common, basePoolSize: size(POOL_SIZE), weddingDayMultiplier: 1 };
  }
}

export async function createDriver({ url, scenario }) {
  const { WeddingAwareConnectionPool } = require('../../dist/index.js');
  const pool = new WeddingAwareConnectionPool(options(url, scenario));
  pool.setCalendarTime(scenario === 'plain' || scenario === 'pgbouncer' ? WEDNESDAY : SATURDAY);
  return {
    maxSize: pool.stats().maxSize,
    acquire: (ctx) => pool.getConnection(ctx),
    release: (conn) => conn.release(),
    query: (text, params) => pool.query(text, params),
    describe: () => pool.stats(),
    end: () => pool.end(),
  };
}
