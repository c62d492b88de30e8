import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runNodeScript } from './support/child';
import { makePool } from './support/pool';

const dist = join(__dirname, '..', 'dist', 'index.js');

describe('lifecycle', () => {
  it('lets Node exit by itself after end(), with listeners attached', async () => {
    const r = await runNodeScript(`
      const { WeddingAwareConnectionPool } = require(${JSON.stringify(dist)});
      const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL, basePoolSize: { min: 2 } });
      pool.on('connect', () => {}); pool.on('acquire', () => {}); pool.on('release', () => {});
      pool.ready().then(() => pool.query('select 1')).then(() => pool.end()).then(() => console.log('ended'));
    `);
    expect(r.out).toContain('ended');
    expect(r.code).toBe(0);
  });

  it('does not keep Node alive even when end() is never called', async () => {
    const r = await runNodeScript(`
      const { WeddingAwareConnectionPool } = require(${JSON.stringify(dist)});
      const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL });
      pool.on('scale', () => {});
      pool.query('select 1 as one').then((r) => console.log('rows', r.rows[0].one));
    `);
    expect(r.out).toContain('rows 1');
    expect(r.code).toBe(0);
  });

  it('opens min connections on ready() and closes them all on end()', async () => {
    const pool = makePool({ basePoolSize: { min: 3, max: 5 }, applicationName: 'wedpool-lifecycle', weddingDayMultiplier: 1 });
    await pool.ready();
    expect(pool.stats().size).toBeGreaterThanOrEqual(3);
    const observer = makePool({ weddingDayMultiplier: 1 });
    const count = async () =>
      Number((await observer.query<{ n: string }>("select count(*) n from pg_stat_activity where application_name like 'wedpool:wedpool-lifecycle:%'")).rows[0].n);
    expect(await count()).toBeGreaterThanOrEqual(3);
    await pool.end();
    expect(pool.stats()).toMatchObject({ size: 0, idle: 0 });
    await expect.poll(count, { timeout: 5_000 }).toBe(0);
  });

  it('closes idle connections above min after idleTimeoutMillis', async () => {
    const pool = makePool({ basePoolSize: { min: 1, max: 4, idleTimeoutMillis: 200 }, maintenanceIntervalMillis: 50, weddingDayMultiplier: 1 });
    const removed: string[] = [];
    pool.on('remove', (e) => removed.push(e.reason));
    const held = await Promise.all([1, 2, 3].map(() => pool.getConnection()));
    held.forEach((c) => c.release());
    expect(pool.stats().size).toBe(3);
    await expect.poll(() => pool.stats().size, { timeout: 3_000 }).toBe(1);
    expect(removed).toEqual(['idle_timeout', 'idle_timeout']);
  });

  it('emits connect, acquire and release events with details', async () => {
    const pool = makePool({ weddingDayMultiplier: 1 });
    const events: Array<[string, Record<string, unknown>]> = [];
    for (const name of ['connect', 'acquire', 'release'] as const) pool.on(name, (e: object) => events.push([name, e as Record<string, unknown>]));
    await new Promise((r) => setImmediate(r));
    const conn = await pool.getConnection({ isActiveWedding: true });
    conn.release();
    await expect.poll(() => events.map(([n]) => n)).toEqual(['connect', 'acquire', 'release']);
    expect(events[0][1]).toMatchObject({ processId: conn.processId });
    expect(events[1][1]).toMatchObject({ processId: conn.processId, reserved: false });
    expect(events[1][1].priority).toBeGreaterThanOrEqual(1100);
  });

  it('survives a listener that throws', async () => {
    const pool = makePool();
    pool.on('acquire', () => {
      throw new Error('listener bug');
    });
    await new Promise((r) => setImmediate(r));
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
      await expect.poll(() => warnings.some((w) => w.includes('listener bug'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('rolls back a transaction whose callback throws and commits otherwise', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    await pool.query('create table if not exists wedpool_tx_spec (id int)');
    await pool.query('truncate wedpool_tx_spec');
    await expect(
      pool.transaction({}, async (tx) => {
        await tx.query('insert into wedpool_tx_spec values (1)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const value = await pool.transaction({ isCriticalOperation: true }, async (tx) => {
      await tx.query('insert into wedpool_tx_spec values (2)');
      return 'done';
    });
    expect(value).toBe('done');
    expect((await pool.query('select id from wedpool_tx_spec')).rows).toEqual([{ id: 2 }]);
    expect(pool.stats().inUse).toBe(0);
    await pool.query('drop table wedpool_tx_spec');
  });
});
