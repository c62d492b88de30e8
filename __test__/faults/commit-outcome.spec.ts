// Nothing lost, nothing charged twice: transaction() against real faults at the TCP proxy.
// The proxy lets COMMIT reach the server and resets the client before the answer arrives
// (cutAfterCommit); the server decides, the client never hears, and transaction() must ask the
// server on another connection what became of it. Rows are counted at the server, directly.
import { randomUUID } from 'node:crypto';

import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  CommitAbortedError,
  CommitOutcomeUnknownError,
  ConnectionLostError,
  WeddingAwareConnectionPool,
  type PoolEvents,
} from '../../dist/index.js';
import { DATABASE_URL, sleep } from '../support/pool';
import { useProcessGuards } from '../support/process-guards';
import { startProxy, type PgProxy } from '../support/proxy';

useProcessGuards();

const table = `wedpool_payments_${randomUUID().slice(0, 8)}`;
let admin: pg.Client;
let proxy: PgProxy;
const pools: WeddingAwareConnectionPool[] = [];

beforeAll(async () => {
  admin = new pg.Client({ connectionString: DATABASE_URL() });
  await admin.connect();
  // `k` is unique at COMMIT (deferred): a duplicate makes the server abort the COMMIT itself.
  await admin.query(`create table ${table} (id serial primary key, k text not null, unique (k) deferrable initially deferred)`);
});

afterAll(async () => {
  await admin.query(`drop table if exists ${table}`);
  await admin.end();
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end({ timeoutMillis: 2_000 })));
  await proxy?.close();
});

async function proxiedPool(options: { queryTimeoutMillis?: number } = {}): Promise<WeddingAwareConnectionPool> {
  proxy = await startProxy({ port: Number(new URL(DATABASE_URL()).port || 5432) });
  const pool = new WeddingAwareConnectionPool({
    connectionString: proxy.url(DATABASE_URL()),
    fleetBudget: false,
    basePoolSize: { min: 0, max: 4 },
    applicationName: 'wedpool-commit-outcome',
    ...options,
  });
  pools.push(pool);
  return pool;
}

const rows = async (k: string): Promise<number> => (await admin.query(`select count(*)::int as n from ${table} where k = $1`, [k])).rows[0].n;
const payment = { isWeddingCritical: true, operation: 'payment' };

describe('transaction(): the answer to COMMIT is lost', () => {
  it('the server committed: resolves committed, the callback ran once, one row', async () => {
    const pool = await proxiedPool();
    const events: PoolEvents['commitResolved'][] = [];
    pool.on('commitResolved', (e) => events.push(e));
    const k = randomUUID();
    let calls = 0;
    const cut = proxy.cutAfterCommit();
    const value = await pool.transaction(payment, async (tx) => {
      calls += 1;
      await tx.query(`insert into ${table} (k) values ($1)`, [k]);
      return 'charged';
    }, { retries: 3 });
    await cut;
    expect(value).toBe('charged');
    expect(calls).toBe(1);
    expect(await rows(k)).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'committed', resolvedAfterConnectionLoss: true, attempt: 1 });
    expect(events[0].transactionId).toMatch(/^\d+$/);
  });

  it('off for ordinary contexts: rejects with sent: true and an unknown outcome', async () => {
    const pool = await proxiedPool();
    const k = randomUUID();
    void proxy.cutAfterCommit();
    const err = await pool.transaction(undefined, (tx) => tx.query(`insert into ${table} (k) values ($1)`, [k])).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionLostError);
    expect(err).toMatchObject({ code: 'CONNECTION_LOST', sent: true, outcomeUnknown: true });
    expect(err.message).toMatch(/outcome is unknown/);
    expect(await rows(k)).toBe(1);
  });

  it('the server aborted the COMMIT: rejects as aborted and safe to retry; with retries it runs again once', async () => {
    const pool = await proxiedPool();
    const taken = randomUUID();
    await admin.query(`insert into ${table} (k) values ($1)`, [taken]);

    void proxy.cutAfterCommit();
    const err = await pool.transaction(payment, (tx) => tx.query(`insert into ${table} (k) values ($1)`, [taken])).catch((e) => e);
    expect(err).toBeInstanceOf(CommitAbortedError);
    expect(err).toMatchObject({ code: 'COMMIT_ABORTED', safeToRetry: true });
    expect(err.message).toMatch(/safe to retry/);
    expect(err.cause).toBeInstanceOf(ConnectionLostError);
    expect(await rows(taken)).toBe(1);

    const fresh = randomUUID();
    const attempts: number[] = [];
    void proxy.cutAfterCommit();
    await pool.transaction(payment, async (tx, { attempt, previousError }) => {
      attempts.push(attempt);
      if (attempt > 1) expect(previousError).toBeInstanceOf(CommitAbortedError);
      // The first attempt collides at COMMIT; the retry uses a free key.
      await tx.query(`insert into ${table} (k) values ($1)`, [attempt === 1 ? taken : fresh]);
    }, { retries: 2 });
    expect(attempts).toEqual([1, 2]);
    expect(await rows(taken)).toBe(1);
    expect(await rows(fresh)).toBe(1);
  });

  it('the server stays unreachable past the deadline: COMMIT_OUTCOME_UNKNOWN with the transaction id, never retried', async () => {
    const pool = await proxiedPool();
    const k = randomUUID();
    let calls = 0;
    // Right after the cut, every connection to the server is reset (new ones too).
    const cut = proxy.cutAfterCommit().then(() => proxy.reset());
    const err = await pool
      .transaction(payment, async (tx) => {
        calls += 1;
        await tx.query(`insert into ${table} (k) values ($1)`, [k]);
      }, { retries: 3, commitOutcomeTimeoutMillis: 1_500 })
      .catch((e) => e);
    await cut;
    expect(err).toBeInstanceOf(CommitOutcomeUnknownError);
    expect(err.code).toBe('COMMIT_OUTCOME_UNKNOWN');
    expect(err.transactionId).toMatch(/^\d+$/);
    expect(err.message).toContain(err.transactionId);
    expect(calls).toBe(1);
    // The id is what the application reconciles with later: the server did commit.
    const status = await admin.query('select txid_status($1::bigint) as s', [err.transactionId]);
    expect(status.rows[0].s).toBe('committed');
    expect(await rows(k)).toBe(1);
  });
});

describe('transaction(): the connection is lost before COMMIT is sent', () => {
  for (const ctx of [undefined, payment]) {
    it(`rejects with sent: false, and runs again when asked (${ctx ? 'resolving' : 'not resolving'})`, async () => {
      const pool = await proxiedPool();
      const once = async (retries: number) => {
        const k = randomUUID();
        let calls = 0;
        const result = await pool
          .transaction(ctx, async (tx) => {
            calls += 1;
            await tx.query(`insert into ${table} (k) values ($1)`, [k]);
            if (calls === 1) {
              proxy.resetAll();
              await sleep(200); // the driver sees the reset before COMMIT would be written
            }
          }, { retries })
          .then(() => null, (e) => e);
        return { k, calls, result };
      };
      const failed = await once(0);
      expect(failed.result).toBeInstanceOf(ConnectionLostError);
      expect(failed.result).toMatchObject({ sent: false, outcomeUnknown: false });
      expect(failed.result.message).toMatch(/never sent; safe to retry/);
      expect(await rows(failed.k)).toBe(0);

      const retried = await once(1);
      expect(retried.result).toBeNull();
      expect(retried.calls).toBe(2);
      expect(await rows(retried.k)).toBe(1);
    });
  }
});

describe('transaction(): the COMMIT never reaches the server and runs past its deadline', () => {
  it('asks while the server reports it in progress, learns it aborted, and runs it again once', async () => {
    const pool = await proxiedPool({ queryTimeoutMillis: 1_000 });
    const events: PoolEvents['commitResolved'][] = [];
    pool.on('commitResolved', (e) => events.push(e));
    const k = randomUUID();
    const ids: string[] = [];
    const attempts: number[] = [];
    // While the COMMIT is held, the server still has the transaction open.
    const seen = proxy.holdCommit().then(async () => (await admin.query('select txid_status($1::bigint) as s', [ids[0]])).rows[0].s);
    await pool.transaction(payment, async (tx, { attempt }) => {
      attempts.push(attempt);
      // The server ends a session idle in a transaction after 3 s: that decides the held one.
      await tx.query("set local idle_in_transaction_session_timeout = '3s'");
      ids.push((await tx.query<{ id: string }>('select txid_current()::text as id')).rows[0].id);
      await tx.query(`insert into ${table} (k) values ($1)`, [k]);
    }, { retries: 1, commitOutcomeTimeoutMillis: 20_000 });
    expect(await seen).toBe('in progress');
    expect(attempts).toEqual([1, 2]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'aborted', transactionId: ids[0], attempt: 1 });
    expect(await rows(k)).toBe(1);
  });
});
