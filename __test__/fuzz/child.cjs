// Runs one category of fuzz cases in this process (a crash must not take the test runner
// down): `node child.cjs <category> <seed> <count>`. Prints one JSON line per case before
// running it (`start`) and one after (`ok` or `bad` with why); exits 0 when done.
'use strict';
const { inspect } = require('node:util');
const path = require('node:path');

const dist = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));
const gen = require('./generators.cjs');

const { WeddingAwareConnectionPool, WedPoolError } = dist;
const [category, seedText, countText] = process.argv.slice(2);
const seed = Number(seedText);
const count = Number(countText);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');

/** What every thrown error must be: typed, never showing the canary password. */
function judge(err) {
  if (!(err instanceof WedPoolError)) return `untyped ${err?.constructor?.name}: ${String(err?.message ?? err).slice(0, 200)}`;
  for (const text of [err.message, err.stack ?? '', inspect(err)]) if (text.includes(gen.CANARY)) return 'the password is shown';
  return undefined;
}

async function attempt(fn) {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return judge(err);
  }
}

const DB = process.env.DATABASE_URL;
let shared;
function pool() {
  shared ??= new WeddingAwareConnectionPool({ connectionString: DB, fleetBudget: false, basePoolSize: { max: 2, acquireTimeoutMillis: 5_000 } });
  return shared;
}

const CASES = {
  options: async (r) => attempt(async () => {
    const p = new WeddingAwareConnectionPool(gen.options(r));
    p.setCalendarTime(new Date('2026-06-13T12:00:00Z'));
    p.scalingPlan();
    await p.end({ timeoutMillis: 0 });
  }),
  connectionStrings: async (r) => attempt(() => new WeddingAwareConnectionPool({ connectionString: gen.connectionString(r), fleetBudget: false }).end()),
  calendarTimes: async (r) => attempt(() => {
    pool().setCalendarTime(gen.calendarTime(r));
    pool().scalingPlan();
    pool().isWeddingDay();
  }),
  profiles: async (r) => attempt(() => pool().importTrafficProfile(gen.profile(r))),
  parameters: async (r) => attempt(() => pool().query('SELECT $1::text AS v', [gen.parameter(r)])),
  statements: async (r) => attempt(async () => {
    const sql = gen.statement(r);
    const options = gen.queryOptions(r);
    await pool().query(sql, [], undefined, options);
    const conn = await pool().getConnection();
    try {
      await conn.query(sql, [], options);
    } finally {
      conn.release();
    }
  }),
  contexts: async (r) => attempt(async () => {
    const conn = await pool().getConnection(gen.context(r), gen.acquireOptions(r));
    conn.release();
  }),
};

(async () => {
  const random = gen.rng(seed);
  for (let i = 0; i < count; i++) {
    say({ case: i, state: 'start' });
    const why = await CASES[category](random);
    say({ case: i, state: why ? 'bad' : 'ok', why });
  }
  if (shared) {
    // Nothing may be left borrowed or queued by the misuse above.
    await new Promise((r) => setTimeout(r, 50));
    const s = shared.stats();
    say({ case: 'leaks', state: s.inUse === 0 && s.waiting === 0 ? 'ok' : 'bad', why: `inUse ${s.inUse}, waiting ${s.waiting}` });
    await shared.end();
  }
})().catch((err) => {
  say({ case: 'runner', state: 'bad', why: String(err?.stack ?? err) });
  process.exitCode = 1;
});
