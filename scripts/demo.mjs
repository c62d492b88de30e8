#!/usr/bin/env node
// `npm run demo`: a WedPool pool under mixed-priority load, on an ordinary Wednesday, in the
// lead-in before a Saturday, and on the Saturday itself. Uses DATABASE_URL when set, else a
// throwaway PostgreSQL server that is removed afterwards.
import { createRequire } from 'node:module';

import { withDatabase } from './lib/postgres.mjs';

const require = createRequire(import.meta.url);
const { WeddingAwareConnectionPool } = require('../dist/index.js');

const CLASSES = {
  guest: { label: 'guest RSVP (normal)', ctx: {} },
  vendor: { label: 'vendor check-in (active wedding)', ctx: { isActiveWedding: true } },
  ceremony: { label: 'ceremony change (critical)', ctx: { isActiveWedding: true, isCriticalOperation: true, isWeddingCritical: true } },
};

const percentile = (values, p) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function drive(pool, { guests, vendors, ceremonies, holdMs }) {
  const waits = { guest: [], vendor: [], ceremony: [] };
  const errors = {};
  let reservedUses = 0;
  const one = async (kind) => {
    const started = performance.now();
    try {
      const conn = await pool.getConnection(CLASSES[kind].ctx, { timeoutMillis: 5_000 });
      waits[kind].push(performance.now() - started);
      if (conn.reserved) reservedUses += 1;
      try {
        await conn.query('select pg_sleep($1::float8 / 1000)', [holdMs]);
      } finally {
        conn.release();
      }
    } catch (err) {
      errors[err.code] = (errors[err.code] ?? 0) + 1;
    }
  };
  const jobs = [];
  const total = guests + vendors + ceremonies;
  for (let i = 0; i < total; i++) {
    // Spread each class evenly through the burst (7919 is prime, so this is a permutation).
    const r = (i * 7919) % total;
    const kind = r < ceremonies ? 'ceremony' : r < ceremonies + vendors ? 'vendor' : 'guest';
    jobs.push(one(kind));
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(jobs);
  return { waits, errors, reservedUses };
}

function report(title, pool, result) {
  const s = pool.stats();
  console.log(`\n== ${title}`);
  console.log(`   pool: size ${s.size}, max ${s.maxSize}, min ${s.minSize}, reserve ${s.reserved.size} (${s.scaling.reason})`);
  console.log('   class                              served   p50 wait   p99 wait');
  for (const [kind, { label }] of Object.entries(CLASSES)) {
    const w = result.waits[kind];
    console.log(
      `   ${label.padEnd(34)} ${String(w.length).padStart(6)} ${percentile(w, 50).toFixed(1).padStart(8)} ms ${percentile(w, 99).toFixed(1).padStart(8)} ms`,
    );
  }
  console.log(`   emergency reserve used ${result.reservedUses} times; errors: ${JSON.stringify(result.errors)}`);
}

await withDatabase(async (url) => {
  console.log('WedPool demo: one pool, three moments of a wedding week.');
  const pool = new WeddingAwareConnectionPool({
    connectionString: url,
    basePoolSize: { min: 2, max: 6, acquireTimeoutMillis: 5_000 },
    weddingDayMultiplier: 2,
    emergencyReservedConnections: 2,
    weddingCalendar: { weekdays: ['saturday'], timezones: ['Europe/London', 'America/New_York'], leadMinutes: 60 },
  });
  pool.on('scale', (e) => console.log(`   [scale] max ${e.fromMax} → ${e.toMax}, min ${e.fromMin} → ${e.toMin}: ${e.reason}`));
  let connects = 0;
  pool.on('connect', () => (connects += 1));

  pool.setCalendarTime(new Date('2026-06-10T12:00:00Z'));
  await pool.ready();
  const load = { guests: 120, vendors: 30, ceremonies: 8, holdMs: 20 };
  report('Wednesday 13:00 London — ordinary day, reserve closed to everyone', pool, await drive(pool, load));

  console.log('\n== Friday 23:15 London — 45 minutes before Saturday begins');
  pool.setCalendarTime(new Date('2026-06-12T22:15:00Z'));
  await new Promise((r) => setTimeout(r, 50));
  console.log(`   isWeddingDay() = ${pool.isWeddingDay()}, maxSize = ${pool.stats().maxSize}`);

  pool.setCalendarTime(new Date('2026-06-13T14:00:00Z'));
  report('Saturday 15:00 London — wedding day: doubled pool, reserve open to ceremony changes', pool, await drive(pool, { ...load, guests: 240, vendors: 60, ceremonies: 16 }));

  console.log('\n== Priorities on the Saturday');
  for (const [kind, { label, ctx }] of Object.entries(CLASSES)) {
    console.log(`   ${label.padEnd(34)} priority ${pool.calculateConnectionPriority(ctx)}`);
  }
  const s = pool.stats();
  console.log(`\nTotals: ${s.acquired} acquisitions, ${connects} connections opened, ${s.timeouts} timeouts.`);
  await pool.end();
});
