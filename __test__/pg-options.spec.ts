// wedpool/pg reads node-postgres's pool and client options (with pg's PG* defaults) and WedPool's
// own: sizes, timeouts, lifetimes, maxUses, session settings, onConnect/verify hooks, passwords.
import { describe, expect, it } from 'vitest';

import { Pool, WeddingAwareConnectionPool } from '../dist/pg/index.js';
import { wedPgPool } from './support/pg-compat';
import { DATABASE_URL, SATURDAY, WEDNESDAY, eventually } from './support/pool';

describe('wedpool/pg options', () => {
  it('maxUses retires a connection after that many checkouts', async () => {
    const pool = wedPgPool({ max: 1, maxUses: 2 });
    const removed: unknown[] = [];
    pool.on('remove', (c) => removed.push(c));
    const pids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await pool.connect();
      pids.push(c.processID);
      c.release();
    }
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(pids[2]).not.toBe(pids[1]);
    await eventually(() => removed.length === 2);
  });

  it('reads pg options: max, min, idleTimeoutMillis, statement_timeout, application_name, and exposes them as options', async () => {
    const pool = wedPgPool({ max: 3, statement_timeout: 1234, application_name: 'compat' });
    expect(pool.options.max).toBe(3);
    expect(pool.options.idleTimeoutMillis).toBe(10_000);
    expect(pool.options.maxUses).toBe(Infinity);
    const { rows } = await pool.query("select current_setting('statement_timeout') as st, current_setting('application_name') as app");
    expect(rows[0].st).toBe('1234ms');
    expect(rows[0].app).toContain('compat');
    expect(pool.wedpool).toBeInstanceOf(WeddingAwareConnectionPool);
    expect(pool.wedpool.stats().maxSize).toBe(3);
  });

  it('keeps the password out of options inspection and accepts a password function', async () => {
    const url = new URL(DATABASE_URL());
    const pool = wedPgPool({ password: async () => 'not-printed-secret' });
    expect(JSON.stringify(pool.options)).not.toContain('not-printed-secret');
    expect((await pool.query('select 1 as n')).rows).toEqual([{ n: 1 }]);
    void url;
  });

  it('uses the PG* environment variables when given no connection settings', async () => {
    const url = new URL(DATABASE_URL());
    const saved = { ...process.env };
    Object.assign(process.env, { PGHOST: url.hostname, PGPORT: url.port || '5432', PGUSER: decodeURIComponent(url.username), PGDATABASE: url.pathname.slice(1) });
    try {
      const pool = new Pool({ fleetBudget: false });
      try {
        const { rows } = await pool.query('select current_user as u, current_database() as d');
        expect(rows).toEqual([{ u: process.env.PGUSER, d: process.env.PGDATABASE }]);
      } finally {
        await pool.end();
      }
    } finally {
      process.env = saved;
    }
  });

  it('onConnect runs once per new connection before it is lent', async () => {
    const seen: number[] = [];
    const pool = wedPgPool({ max: 1, onConnect: async (client: { processID: number; query(sql: string): Promise<unknown> }) => {
      seen.push(client.processID);
      await client.query("set search_path to pg_catalog");
    } } as never);
    for (let i = 0; i < 3; i++) {
      const { rows } = await pool.query('show search_path');
      expect(rows[0].search_path).toBe('pg_catalog');
    }
    expect(seen).toHaveLength(1);
  });

  it('max stays a hard cap on a wedding day unless wedding-day scaling is asked for', async () => {
    const plain = wedPgPool({ max: 3 });
    plain.wedpool.setCalendarTime(SATURDAY);
    expect(plain.wedpool.isWeddingDay()).toBe(true);
    expect(plain.wedpool.stats().maxSize).toBe(3);
    const scaled = wedPgPool({ max: 3, weddingDayMultiplier: 2 });
    scaled.wedpool.setCalendarTime(SATURDAY);
    await eventually(() => scaled.wedpool.stats().maxSize === 6);
  });

  it('maxLifetimeSeconds retires a connection once it has lived that long', async () => {
    const pool = wedPgPool({ maxLifetimeSeconds: 1 });
    pool.wedpool.setCalendarTime(WEDNESDAY);
    const removed: unknown[] = [];
    pool.on('remove', (c) => removed.push(c));
    const first = await pool.connect();
    first.release();
    await eventually(() => removed.length === 1, 5_000);
    expect(removed[0]).toBe(first);
    expect(pool.totalCount).toBe(0);
  });

  it('idleTimeoutMillis closes idle connections and emits remove with the client', async () => {
    const pool = wedPgPool({ idleTimeoutMillis: 50 });
    const removed: unknown[] = [];
    pool.on('remove', (c) => removed.push(c));
    const client = await pool.connect();
    client.release();
    expect(pool.idleCount).toBe(1);
    await eventually(() => pool.totalCount === 0);
    await eventually(() => removed.length === 1);
    expect(removed[0]).toBe(client);
  });

  it('verify(client, callback) checks new connections; its error rejects connect()', async () => {
    let calls = 0;
    const ok = wedPgPool({ verify: (_client: unknown, cb: (err?: Error) => void) => (calls++, cb()) } as never);
    (await ok.connect()).release();
    expect(calls).toBe(1);
    const failing = wedPgPool({ verify: (_client: unknown, cb: (err?: Error) => void) => cb(new Error('not this one')) } as never);
    await expect(failing.connect()).rejects.toThrow('not this one');
    expect(failing.totalCount).toBe(0);
  });

  it('connectionTimeoutMillis bounds the wait with pg-pool’s message', async () => {
    const pool = wedPgPool({ max: 1, connectionTimeoutMillis: 100 });
    const held = await pool.connect();
    await expect(pool.connect()).rejects.toThrow('timeout exceeded when trying to connect');
    held.release();
  });
});
