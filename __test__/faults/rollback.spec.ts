// A connection released inside a transaction is rolled back before anyone else gets it; when
// that ROLLBACK cannot complete (here: the network goes silent under it), the connection is
// closed, never reused, its slot stays taken until then, and the caller who released it sees no
// error. Runs against the shared test server through this file's own TCP proxy.
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { adminClient, describeError, expectBaseline, faultPool, sleep, track, until } from '../support/faults';
import { DATABASE_URL } from '../support/pool';
import { useProcessGuards } from '../support/process-guards';
import { startProxy, type PgProxy } from '../support/proxy';

useProcessGuards();

let admin: pg.Client;
let proxy: PgProxy | null = null;
beforeAll(async () => {
  admin = await adminClient(DATABASE_URL());
});
afterAll(async () => {
  await admin.end();
});
afterEach(async () => {
  await proxy?.close();
  proxy = null;
});

describe('released mid-transaction, and the ROLLBACK fails', () => {
  it('closes the connection after the rollback deadline instead of reusing it; the next borrower gets a fresh one outside any transaction', async () => {
    proxy = await startProxy({ port: Number(new URL(DATABASE_URL()).port || 5432) });
    const p = proxy;
    const { pool } = faultPool({
      connectionString: p.url(DATABASE_URL()),
      serverUrl: DATABASE_URL(),
      basePoolSize: { min: 0, max: 1, acquireTimeoutMillis: 10_000 },
      connectTimeoutMillis: 600,
      keepaliveMillis: 60_000,
      // The abandoned backend stays idle in transaction at the server until the proxy lets go.
      serverSlack: 1,
    });
    const removed: Array<{ processId: number; reason: string; at: number }> = [];
    pool.on('remove', (e: { processId: number; reason: string }) => removed.push({ ...e, at: performance.now() }));

    const conn = await pool.getConnection();
    const pid = conn.processId;
    await conn.query('begin');
    await conn.query('select txid_current()');
    await p.blackhole();
    const releasedAt = performance.now();
    expect(() => conn.release(), 'release never throws').not.toThrow();

    // While the ROLLBACK is pending the slot stays taken: a second caller (max 1) waits.
    const waiter = track(pool.getConnection({}, { timeoutMillis: 10_000 }));
    await sleep(200);
    expect(pool.stats().size, 'no second connection while the first is being rolled back').toBeLessThanOrEqual(1);

    await until(() => removed.some((r) => r.processId === pid), 5_000, 'the connection is closed after its failed ROLLBACK');
    const closed = removed.find((r) => r.processId === pid)!;
    expect(closed.reason, 'the documented reason for a failed ROLLBACK').toBe('rollback_failed');
    // The rollback gets connectTimeoutMillis (600 ms); generous upper bound for a loaded machine.
    expect(closed.at - releasedAt).toBeGreaterThanOrEqual(500);
    expect(closed.at - releasedAt).toBeLessThan(3_000);

    await p.pass();
    const next = await waiter;
    expect(next.ok, describeError(next.error)).toBe(true);
    const fresh = next.value!;
    expect(fresh.processId).not.toBe(pid);
    const { rows } = await fresh.query<{ xid: string | null }>('select txid_current_if_assigned()::text as xid');
    expect(rows[0].xid, 'the next borrower is not inside the abandoned transaction').toBeNull();
    fresh.release();

    // The abandoned backend goes once its socket closes; then the server holds what the pool counts.
    await p.close();
    proxy = null;
    await until(
      async () => (await admin.query('select count(*)::int as n from pg_stat_activity where pid = $1', [pid])).rows[0].n === 0,
      5_000,
      'the abandoned backend ends at the server',
    );
    await expectBaseline(pool);
  });
});
