// wedpool/pg: an application that sends BEGIN … COMMIT itself gets a ConnectionLostError that
// says the COMMIT was sent, that its outcome is unknown, and which transaction it was; and a
// statement the driver never wrote says `sent: false`; a lost write outside a transaction says its
// outcome is unknown, a lost read does not. Faults are real, at the TCP proxy.
import { randomUUID } from 'node:crypto';

import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ConnectionLostError as CoreConnectionLostError, WeddingAwareConnectionPool } from '../../dist/index.js';
import { ConnectionLostError, Pool, withWeddingContext, type PoolConfig } from '../../dist/pg/index.js';
import { DATABASE_URL, sleep } from '../support/pool';
import { useProcessGuards } from '../support/process-guards';
import { startProxy, type PgProxy } from '../support/proxy';

useProcessGuards();

const table = `wedpool_pg_commit_${randomUUID().slice(0, 8)}`;
let admin: pg.Client;
let proxy: PgProxy;
const ends: (() => Promise<void>)[] = [];

beforeAll(async () => {
  admin = new pg.Client({ connectionString: DATABASE_URL() });
  await admin.connect();
  await admin.query(`create table ${table} (k text primary key)`);
});

afterAll(async () => {
  await admin.query(`drop table if exists ${table}`);
  await admin.end();
});

afterEach(async () => {
  for (const end of ends.splice(0)) await end().catch(() => undefined);
  await proxy?.close();
});

async function pgPool(config: PoolConfig = {}): Promise<Pool> {
  proxy = await startProxy({ port: Number(new URL(DATABASE_URL()).port || 5432) });
  const pool = new Pool({ connectionString: proxy.url(DATABASE_URL()), fleetBudget: false, max: 2, ...config });
  pool.on('error', () => undefined);
  ends.push(() => pool.end());
  return pool;
}

/** BEGIN, one insert, COMMIT with its answer cut off; returns the COMMIT's error. */
async function lostCommit(pool: Pool, k: string): Promise<ConnectionLostError> {
  const client = await pool.connect();
  client.on('error', () => undefined);
  try {
    await client.query('BEGIN');
    await client.query(`insert into ${table} values ($1)`, [k]);
    const cut = proxy.cutAfterCommit();
    const err = await client.query('COMMIT').then(() => null, (e) => e);
    await cut;
    return err;
  } finally {
    client.release(true);
  }
}

const status = async (id: string): Promise<string> => (await admin.query('select txid_status($1::bigint) as s', [id])).rows[0].s;

describe('wedpool/pg: BEGIN … COMMIT whose answer is lost', () => {
  it('with transactionIds: sent, outcome unknown, and the transaction id the server committed', async () => {
    const pool = await pgPool({ transactionIds: true });
    const k = randomUUID();
    const err = await lostCommit(pool, k);
    expect(err).toBeInstanceOf(ConnectionLostError);
    expect(err).toMatchObject({ code: 'CONNECTION_LOST', sent: true, outcomeUnknown: true });
    expect(err.transactionId).toMatch(/^\d+$/);
    expect(err.message).toContain(`transaction ${err.transactionId}`);
    expect(await status(err.transactionId!)).toBe('committed');
    expect((await admin.query(`select k from ${table} where k = $1`, [k])).rowCount).toBe(1);
  });

  it('wedding-critical contexts learn the id by default; others do not pay the round trip', async () => {
    const pool = await pgPool();
    const critical = await withWeddingContext({ isWeddingCritical: true }, () => lostCommit(pool, randomUUID()));
    expect(critical.transactionId).toMatch(/^\d+$/);
    const ordinary = await lostCommit(pool, randomUUID());
    expect(ordinary).toMatchObject({ sent: true, outcomeUnknown: true });
    expect(ordinary.transactionId).toBeUndefined();
  });
});

describe('lost statements outside transaction(): sent or not, outcome unknown or not', () => {
  it('a write on a connection already reset says sent: false; a lost write inside a transaction is not unknown', async () => {
    proxy = await startProxy({ port: Number(new URL(DATABASE_URL()).port || 5432) });
    const pool = new WeddingAwareConnectionPool({ connectionString: proxy.url(DATABASE_URL()), fleetBudget: false, basePoolSize: { min: 0, max: 2 } });
    ends.push(() => pool.end({ timeoutMillis: 1_000 }));
    const conn = await pool.getConnection();
    await conn.query('select 1');
    proxy.resetAll();
    await sleep(200);
    const unsent = await conn.query(`insert into ${table} values ($1)`, [randomUUID()]).catch((e) => e);
    conn.release();
    expect(unsent).toBeInstanceOf(CoreConnectionLostError);
    expect(unsent).toMatchObject({ sent: false, outcomeUnknown: false });

    const tx = await pool.getConnection();
    await tx.query('BEGIN');
    proxy.resetAll();
    const inTx = await tx.query(`insert into ${table} values ($1)`, [randomUUID()]).catch((e) => e);
    tx.release();
    expect(inTx).toBeInstanceOf(CoreConnectionLostError);
    expect(inTx.outcomeUnknown).toBe(false);
  });

  it('a write outside a transaction whose answer is lost: sent, outcome unknown, and it did apply; a lost read is not unknown', async () => {
    proxy = await startProxy({ port: Number(new URL(DATABASE_URL()).port || 5432) });
    const pool = new WeddingAwareConnectionPool({ connectionString: proxy.url(DATABASE_URL()), fleetBudget: false, basePoolSize: { min: 0, max: 2 } });
    ends.push(() => pool.end({ timeoutMillis: 1_000 }));
    const k = randomUUID();
    const cut = proxy.cutAfterStatement(/^insert into wedpool_pg_commit_/);
    const write = await pool.query(`insert into ${table} values ($1)`, [k]).catch((e) => e);
    await cut;
    expect(write).toBeInstanceOf(CoreConnectionLostError);
    expect(write).toMatchObject({ sent: true, outcomeUnknown: true });
    expect(write.message).toMatch(/outcome is unknown/);
    // Never retried by pool.query, and the server did apply it: exactly one row.
    expect((await admin.query(`select k from ${table} where k = $1`, [k])).rowCount).toBe(1);

    const readCut = proxy.cutAfterStatement(/^select \$1::text as probe/);
    const read = await pool.query('select $1::text as probe', ['x']).catch((e) => e);
    await readCut;
    expect(read).toBeInstanceOf(CoreConnectionLostError);
    expect(read).toMatchObject({ sent: true, outcomeUnknown: false });
  });
});
