// What resolving commit outcomes costs: transaction() with one INSERT, serially, with
// `resolveCommitOutcome` off and on (on = one extra round trip before COMMIT to learn the
// transaction id; a transaction that wrote nothing has none and pays only that round trip),
// interleaved in rounds so load drifts hit every variant alike. Medians per transaction.
// `DATABASE_URL=postgres://… node bench/commit-outcome-cost.mjs` (after `npm run build`).
import { createRequire } from 'node:module';

const { WeddingAwareConnectionPool } = createRequire(import.meta.url)('../dist/index.js');

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const table = `wedpool_commit_cost_${process.pid}`;
const pool = new WeddingAwareConnectionPool({ connectionString: url, fleetBudget: false, basePoolSize: { min: 1, max: 1 } });
await pool.query(`create unlogged table ${table} (id bigserial primary key, amount int)`);

const variants = [
  ['insert, off', (tx) => tx.query(`insert into ${table} (amount) values ($1)`, [1]), false],
  ['insert, on', (tx) => tx.query(`insert into ${table} (amount) values ($1)`, [1]), true],
  ['read-only, off', (tx) => tx.query('select 1'), false],
  ['read-only, on', (tx) => tx.query('select 1'), true],
];
const samples = Object.fromEntries(variants.map(([label]) => [label, []]));
async function run(label, fn, resolveCommitOutcome, n, keep) {
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await pool.transaction(undefined, fn, { resolveCommitOutcome });
    if (keep) samples[label].push(Number(process.hrtime.bigint() - t0) / 1000);
  }
}

const rounds = Number(process.argv[2] ?? 10);
const perRound = 200;
for (const [label, fn, on] of variants) await run(label, fn, on, 100, false);
for (let r = 0; r < rounds; r++) for (const [label, fn, on] of variants) await run(label, fn, on, perRound, true);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [label] of variants) {
  const m = median(samples[label]);
  const off = median(samples[label.replace(', on', ', off')]);
  const delta = label.endsWith(', on') ? `  ${m - off >= 0 ? '+' : ''}${(m - off).toFixed(0)} µs against off` : '';
  console.log(`${('resolveCommitOutcome ' + label).padEnd(36)} ${m.toFixed(0).padStart(6)} µs per transaction (median of ${samples[label].length})${delta}`);
}
console.log(`load average at the end: ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
await pool.query(`drop table ${table}`);
await pool.end();
