// Faults of application hygiene: leaked connections, connections released mid-transaction,
// shutdown with work in flight. Non-destructive: runs against the shared test server, touching
// only its own connections (unique application_name) and its own table.
import { join } from 'node:path';

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as wedpool from '../../dist/index.js';
import { adminClient, expectBaseline, expectWedPoolError, faultPool, serverCount, sleep, track, until } from '../support/faults';
import { runNodeScript } from '../support/child';
import { DATABASE_URL } from '../support/pool';
import { useProcessGuards } from '../support/process-guards';

useProcessGuards();

const TABLE = `wedpool_fault_tx_${process.pid}`;
let admin: pg.Client;

beforeAll(async () => {
  admin = await adminClient(DATABASE_URL());
  await admin.query(`create table if not exists ${TABLE} (id int primary key, note text)`);
});
afterAll(async () => {
  await admin.query(`drop table if exists ${TABLE}`);
  await admin.end();
});

describe('typed errors of the recovery work', () => {
  it('exports QueryTimeoutError, PoolOverloadedError and DatabaseUnavailableError as WedPoolErrors', () => {
    const w = wedpool as unknown as Record<string, new (...args: never[]) => Error>;
    for (const name of ['QueryTimeoutError', 'PoolOverloadedError', 'DatabaseUnavailableError']) {
      expect(typeof w[name], `${name} exported`).toBe('function');
      expect(w[name].prototype).toBeInstanceOf(wedpool.WedPoolError);
    }
  });
});

describe('application leak', () => {
  it('emits one leak event with the acquire stack after leakDetectionThresholdMillis', async () => {
    const { pool } = faultPool({
      connectionString: DATABASE_URL(),
      basePoolSize: { max: 2 },
      leakDetectionThresholdMillis: 300,
      maintenanceIntervalMillis: 50,
    });
    const leaks: Array<{ stack: string; heldMillis: number; processId: number; at: number }> = [];
    pool.on('leak', (e: { stack: string; heldMillis: number; processId: number }) => leaks.push({ ...e, at: performance.now() }));
    await new Promise((r) => setImmediate(r));

    // Released in time: no event.
    const quick = await pool.getConnection();
    await sleep(100);
    quick.release();

    async function acquireAndForgetForTheWedding() {
      return pool.getConnection({ weddingId: 'w-leak' });
    }
    const acquiredAt = performance.now();
    const leaked = await acquireAndForgetForTheWedding();

    // Others still get the remaining connection, or time out with diagnostics.
    const other = await pool.getConnection();
    const timeout = await track(pool.getConnection({}, { timeoutMillis: 150 }));
    expect(timeout.ok).toBe(false);
    expectWedPoolError(timeout.error, 'POOL_ACQUIRE_TIMEOUT');
    expect((timeout.error as wedpool.AcquireTimeoutError).stats).toMatchObject({ inUse: 2, size: 2 });
    other.release();

    await until(() => leaks.length > 0, 2_000, 'leak event');
    await sleep(600); // well past the threshold again: still one event for this acquire
    expect(leaks).toHaveLength(1);
    const [leak] = leaks;
    expect(leak.processId).toBe(leaked.processId);
    expect(leak.heldMillis).toBeGreaterThanOrEqual(300);
    expect(leak.at - acquiredAt).toBeGreaterThanOrEqual(280);
    expect(leak.at - acquiredAt).toBeLessThan(1_000);
    expect(leak.stack).toContain('acquireAndForgetForTheWedding');
    expect(leak.stack).toContain('hygiene.spec');

    leaked.release();
    await sleep(400);
    expect(leaks).toHaveLength(1);
    await expectBaseline(pool, { admin });
  });
});

describe('released mid-transaction', () => {
  it('rolls back or discards: the next borrower is never inside the previous transaction', async () => {
    const { pool, appName } = faultPool({ connectionString: DATABASE_URL(), basePoolSize: { max: 1 } });
    const a = await pool.getConnection();
    await a.query('begin');
    await a.query(`insert into ${TABLE} values (1, 'uncommitted')`);
    await sleep(150); // inside that transaction, now() (its start) falls behind statement_timestamp()
    a.release();

    const b = await pool.getConnection();
    const r = await b.query<{ fresh: boolean; xid: string | null; n: string }>(
      `select statement_timestamp() - now() < interval '100 ms' as fresh, txid_current_if_assigned()::text as xid,
              (select count(*) from ${TABLE}) as n`,
    );
    // A new transaction (not the one begun 150 ms ago), no xid assigned, the insert invisible.
    expect(r.rows[0]).toEqual({ fresh: true, xid: null, n: '0' });
    b.release();

    // Nothing was committed later, and no session of the pool sits idle in transaction.
    expect((await admin.query(`select count(*)::int as n from ${TABLE}`)).rows[0].n).toBe(0);
    await until(
      async () => (await serverCount(admin, appName, "and state like 'idle in transaction%'")) === 0,
      2_000,
      'no pool session idle in transaction',
    );
    await expectBaseline(pool, { admin });
  });

  it('after a failed statement inside a transaction, the next borrower is not in an aborted transaction', async () => {
    const { pool } = faultPool({ connectionString: DATABASE_URL(), basePoolSize: { max: 1 } });
    const a = await pool.getConnection();
    await a.query('begin');
    await expect(a.query('select 1/0')).rejects.toMatchObject({ code: '22012' });
    a.release();
    const r = await track(pool.query<{ ok: number }>('select 1 as ok'));
    expect(r.ok, `next borrower failed: ${String(r.error)}`).toBe(true);
    await expectBaseline(pool, { admin });
  });

  it('locks taken in the abandoned transaction are released', async () => {
    const { pool } = faultPool({ connectionString: DATABASE_URL(), basePoolSize: { max: 2 } });
    const a = await pool.getConnection();
    await a.query('begin');
    await a.query(`lock table ${TABLE} in access exclusive mode`);
    a.release();
    const other = await adminClient(DATABASE_URL());
    try {
      await other.query("set lock_timeout = '1s'");
      await other.query(`select count(*) from ${TABLE}`); // blocks (then times out) while the lock is held
    } finally {
      await other.end();
    }
    await expectBaseline(pool, { admin });
  });
});

describe('shutdown with work in flight', () => {
  const dist = join(__dirname, '..', '..', 'dist', 'index.js');



  it('end({ timeoutMillis }): waiters rejected POOL_CLOSED, short work finishes, long work is cut at the deadline, Node exits by itself', async () => {
    const appName = `wedpool-fault-end-${process.pid}`;
    const r = await runNodeScript(`
      const { WeddingAwareConnectionPool, WedPoolError } = require(${JSON.stringify(dist)});
      const pool = new WeddingAwareConnectionPool({
        connectionString: process.env.DATABASE_URL,
        applicationName: ${JSON.stringify(appName)},
        basePoolSize: { max: 2 },
        weddingDayMultiplier: 1,
        // The five callers below must queue (they are what end() rejects): with pipelining they
        // would be written behind the statements in flight instead (see pipelining.spec.ts).
        pipelineDepth: 1,
      });
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      let endStarted = 0;
      const outcome = (p) => p.then(
        () => ({ ok: true, ms: performance.now() - endStarted }),
        (e) => ({ ok: false, typed: e instanceof WedPoolError, code: e && e.code, name: e && e.name, ms: performance.now() - endStarted }),
      );
      (async () => {
        await pool.ready();
        const short = outcome(pool.query('select pg_sleep(0.3)'));
        const long = outcome(pool.query('select pg_sleep(30)'));
        await sleep(150);
        const waiters = Array.from({ length: 5 }, () => outcome(pool.query('select 1', [], {}, { timeoutMillis: 10000 })));
        await sleep(20);
        endStarted = performance.now();
        await pool.end({ timeoutMillis: 1000 });
        const endMs = performance.now() - endStarted;
        const after = await outcome(pool.query('select 1'));
        const result = { endMs, short: await short, long: await long, waiters: await Promise.all(waiters), after, stats: pool.stats() };
        console.log('RESULT ' + JSON.stringify(result));
        console.log('ENDED_AT ' + Date.now());
      })().catch((e) => { console.log('FAILED ' + (e && e.stack)); process.exitCode = 2; });
    `);
    const line = r.out.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, `child output:\n${r.out}`).toBeDefined();
    const res = JSON.parse(line!.slice('RESULT '.length));
    // Waiters were rejected at once with POOL_CLOSED.
    for (const w of res.waiters) expect(w).toMatchObject({ ok: false, typed: true, code: 'POOL_CLOSED' });
    // At once, not at the 1 s end deadline (generous for a loaded machine).
    for (const w of res.waiters) expect(w.ms).toBeLessThan(600);
    // In-flight work: the short query finished, the long one was cut by the deadline (typed).
    expect(res.short.ok, JSON.stringify(res.short)).toBe(true);
    expect(res.long).toMatchObject({ ok: false, typed: true });
    expect(res.long.ms).toBeLessThanOrEqual(1_300);
    expect(res.endMs, 'end() resolves by its deadline').toBeLessThanOrEqual(1_300);
    expect(res.after).toMatchObject({ ok: false, typed: true, code: 'POOL_CLOSED' });
    expect(res.stats).toMatchObject({ size: 0, inUse: 0, waiting: 0 });
    // The child exits by itself (no process.exit) soon after, with code 0.
    expect(r.signal, `child was killed; output:\n${r.out}`).toBeNull();
    expect(r.code, r.out).toBe(0);
    const endedAt = Number(r.out.split('\n').find((l) => l.startsWith('ENDED_AT '))!.slice('ENDED_AT '.length));
    expect(Date.now() - endedAt, 'child exit after its last line').toBeLessThan(3_000);
    // Server side the long statement is gone too (cancelled or its session closed).
    await until(async () => (await serverCount(admin, appName)) === 0, 2_000, 'no session of the ended pool left on the server');
  });
});
