// Options that change how connections age, cache and persist, each observed where it acts:
// maxLifetimeMillis (and its pause on wedding days), statementCacheSize (prepared statements at
// the server), trafficLearning.saveIntervalMillis (rows in the profile table) and the
// WEDPOOL_WORKER_THREADS environment variable (the addon's runtime threads).
import { join } from 'node:path';

import pg from 'pg';
import { describe, expect, it } from 'vitest';

import type { WeddingAwareConnectionPool } from '../dist/index.js';
import { runNodeScript } from './support/child';
import { DATABASE_URL, SATURDAY, WEDNESDAY, eventually, makePool, sleep } from './support/pool';

interface RemoveEvent {
  processId: number;
  reason: string;
}

function removals(pool: WeddingAwareConnectionPool): RemoveEvent[] {
  const seen: RemoveEvent[] = [];
  pool.on('remove', (e: RemoveEvent) => seen.push(e));
  return seen;
}

async function pidsOf(pool: WeddingAwareConnectionPool, n: number): Promise<number[]> {
  const conns = await Promise.all(Array.from({ length: n }, () => pool.getConnection()));
  conns.forEach((c) => c.release());
  return conns.map((c) => c.processId);
}

const lifetimePool = () =>
  makePool({
    basePoolSize: { min: 2, max: 2, idleTimeoutMillis: 0 },
    weddingDayMultiplier: 1,
    weddingCalendar: { weekdays: ['saturday'], timezones: ['UTC'], leadMinutes: 0 },
    maxLifetimeMillis: 400,
    maintenanceIntervalMillis: 50,
    keepaliveMillis: 60_000,
  });

describe('maxLifetimeMillis', () => {
  it('retires idle connections after their lifetime (±10%) on an ordinary day and opens new ones', async () => {
    const pool = lifetimePool();
    pool.setCalendarTime(WEDNESDAY);
    const removed = removals(pool);
    await pool.ready();
    const started = performance.now();
    const first = await pidsOf(pool, 2);
    await eventually(() => first.every((pid) => removed.some((r) => r.processId === pid && r.reason === 'max_lifetime')), 5_000);
    // Not before 90% of the lifetime.
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    const next = await pidsOf(pool, 2);
    for (const pid of next) expect(first).not.toContain(pid);
  });

  it('retires a connection held past its lifetime when it is released', async () => {
    const pool = lifetimePool();
    pool.setCalendarTime(WEDNESDAY);
    const removed = removals(pool);
    const conn = await pool.getConnection();
    await sleep(600);
    expect(removed.some((r) => r.processId === conn.processId), 'retired while in use').toBe(false);
    conn.release();
    await eventually(() => removed.some((r) => r.processId === conn.processId && r.reason === 'max_lifetime'), 2_000);
  });

  it('pauses on wedding days: no connection is retired for its age, and rotation resumes the day after', async () => {
    const pool = lifetimePool();
    pool.setCalendarTime(SATURDAY);
    const removed = removals(pool);
    await pool.ready();
    const pids = await pidsOf(pool, 2);
    await sleep(1_500); // more than three lifetimes
    expect(removed.filter((r) => r.reason === 'max_lifetime')).toEqual([]);
    expect(await pidsOf(pool, 2)).toEqual(expect.arrayContaining(pids));

    pool.setCalendarTime(WEDNESDAY);
    await eventually(() => pids.every((pid) => removed.some((r) => r.processId === pid && r.reason === 'max_lifetime')), 5_000);
  });
});

describe('statementCacheSize', () => {
  /** Prepared statements the connection's session holds, counted by the session itself. */
  async function preparedAfter(pool: WeddingAwareConnectionPool, statements: number): Promise<number> {
    const conn = await pool.getConnection();
    try {
      for (let i = 0; i < statements; i += 1) await conn.query(`select ${i} as n`);
      const { rows } = await conn.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements');
      return rows[0].n;
    } finally {
      conn.release();
    }
  }

  it('the default keeps every statement prepared on the connection', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    expect(await preparedAfter(pool, 10)).toBe(11); // ten, plus the counting statement
  });

  it('statementCacheSize 3 clears the cache (and deallocates at the server) once it holds 3', async () => {
    const pool = makePool({ basePoolSize: { max: 1 }, statementCacheSize: 3 });
    const n = await preparedAfter(pool, 10);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(3);
  });
});

describe('trafficLearning.saveIntervalMillis', () => {
  it('saves the profile to its table every saveIntervalMillis, not only at end()', async () => {
    const table = `wedpool_save_interval_${process.pid}`;
    const admin = new pg.Client({ connectionString: DATABASE_URL() });
    await admin.connect();
    try {
      const pool = makePool({
        applicationName: 'save-interval-spec',
        trafficLearning: { table, saveIntervalMillis: 200 },
        weddingCalendar: { timezones: ['UTC'] },
      });
      await pool.ready();
      const profile = pool.exportTrafficProfile() as { timezones: Record<string, Record<string, (number | null)[]>> };
      profile.timezones.UTC.critical[10] = 9;
      pool.importTrafficProfile(profile);
      const saved = async () => {
        const { rows } = await admin.query(`select profile from ${table} where app = $1`, ['save-interval-spec']);
        return rows[0]?.profile?.timezones?.UTC?.critical?.[10] as number | undefined;
      };
      const started = performance.now();
      while ((await saved()) !== 9) {
        if (performance.now() - started > 3_000) throw new Error('the change was not saved within 3 s at saveIntervalMillis 200');
        await sleep(50);
      }

      // With the default (10 minutes), a change is not saved before end().
      const slow = makePool({ applicationName: 'save-interval-spec', trafficLearning: { table }, weddingCalendar: { timezones: ['UTC'] } });
      await slow.ready();
      await pool.end();
      const p2 = slow.exportTrafficProfile() as typeof profile;
      p2.timezones.UTC.critical[10] = 4;
      slow.importTrafficProfile(p2);
      await sleep(800);
      expect(await saved()).toBe(9);
      await slow.end();
      expect(await saved()).toBe(4);
    } finally {
      await admin.query(`drop table if exists ${table}`);
      await admin.end();
    }
  });
});

describe('WEDPOOL_WORKER_THREADS', () => {
  const script = `
    require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
    const { readdirSync, readFileSync } = require('node:fs');
    const count = () => readdirSync('/proc/self/task')
      .map((t) => { try { return readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim(); } catch { return ''; } })
      .filter((n) => n === 'wedpool-rt').length;
    // Worker threads name themselves as they start: wait until the count has been stable a while.
    let last = -1, stable = 0;
    const timer = setInterval(() => {
      const n = count();
      stable = n === last ? stable + 1 : 0;
      last = n;
      if (stable >= 5) { clearInterval(timer); console.log('workers=' + n); }
    }, 50);
  `;
  const workers = async (value?: string) => {
    const env: Record<string, string> = {};
    if (value !== undefined) env.WEDPOOL_WORKER_THREADS = value;
    else delete process.env.WEDPOOL_WORKER_THREADS;
    const r = await runNodeScript(script, env);
    expect(r.code, r.out).toBe(0);
    return Number(/workers=(\d+)/.exec(r.out)?.[1]);
  };

  it.runIf(process.platform === 'linux')('sizes the addon runtime: default 2, the value when 1–64, the default otherwise', async () => {
    expect(await workers()).toBe(2);
    expect(await workers('1')).toBe(1);
    expect(await workers('3')).toBe(3);
    expect(await workers('0')).toBe(2);
    expect(await workers('many')).toBe(2);
  });
});
