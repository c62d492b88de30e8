// transaction(ctx, fn, { retries }): fn runs again only when the earlier attempt is known not to
// have committed. Real SERIALIZABLE contention on a real server: every transfer lands exactly
// once.
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, DatabaseError, type WeddingAwareConnectionPool } from '../dist/index.js';
import { makePool } from './support/pool';

const accounts = `wedpool_accounts_${randomUUID().slice(0, 8)}`;
const transfers = `wedpool_transfers_${randomUUID().slice(0, 8)}`;
let setup: WeddingAwareConnectionPool;

beforeAll(async () => {
  setup = makePool({ basePoolSize: { min: 1, max: 2 } });
  await setup.query(`create table ${accounts} (id int primary key, balance int not null)`);
  await setup.query(`create table ${transfers} (id text primary key, amount int not null)`);
});

afterAll(async () => {
  const cleanup = makePool({ basePoolSize: { min: 0, max: 1 } });
  await cleanup.query(`drop table if exists ${accounts}, ${transfers}`);
  await cleanup.end();
});

/** Resolves once `n` callers have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((r) => (open = r));
  return () => {
    arrived += 1;
    if (arrived === n) open();
    return all;
  };
}

describe('transaction() retries', () => {
  it('under SERIALIZABLE contention every transfer is applied exactly once', async () => {
    const n = 6;
    await setup.query(`insert into ${accounts} values (1, 1000), (2, 0)`);
    const pool = makePool({ basePoolSize: { min: 0, max: n } });
    const allRead = barrier(n);
    const attempts: number[][] = Array.from({ length: n }, () => []);
    const codes: string[] = [];
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        pool.transaction(undefined, async (tx, { attempt, previousError }) => {
          attempts[i].push(attempt);
          if (previousError instanceof DatabaseError) codes.push(previousError.code);
          const from = (await tx.query<{ balance: number }>(`select balance from ${accounts} where id = 1`)).rows[0].balance;
          const to = (await tx.query<{ balance: number }>(`select balance from ${accounts} where id = 2`)).rows[0].balance;
          // The first attempts all read before any writes: all but one must fail to serialize.
          if (attempt === 1) await allRead();
          await tx.query(`update ${accounts} set balance = $1 where id = 1`, [from - 10]);
          await tx.query(`update ${accounts} set balance = $1 where id = 2`, [to + 10]);
          await tx.query(`insert into ${transfers} values ($1, 10)`, [`t${i}`]);
        }, { isolationLevel: 'serializable', retries: 2 * n }),
      ),
    );
    const balances = (await setup.query<{ id: number; balance: number }>(`select id, balance from ${accounts} order by id`)).rows;
    expect(balances).toEqual([{ id: 1, balance: 1000 - 10 * n }, { id: 2, balance: 10 * n }]);
    expect((await setup.query(`select count(*)::int as n from ${transfers}`)).rows[0].n).toBe(n);
    expect(attempts.flat().filter((a) => a > 1).length).toBeGreaterThanOrEqual(n - 1);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(['40001', '40P01']).toContain(code);
  });

  it('other errors are not retried: the callback runs once and the error comes back', async () => {
    const pool = makePool({ basePoolSize: { min: 0, max: 1 } });
    let calls = 0;
    const err = await pool
      .transaction(undefined, async (tx) => {
        calls += 1;
        await tx.query('select 1/0');
      }, { retries: 5 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.code).toBe('22012');
    expect(calls).toBe(1);
  });

  it('a serialization failure without retries comes back as it is', async () => {
    const pool = makePool({ basePoolSize: { min: 0, max: 1 } });
    const err = await pool
      .transaction(undefined, () => Promise.reject(new DatabaseError('could not serialize access', '40001')))
      .catch((e) => e);
    expect(err).toMatchObject({ code: '40001' });
  });

  it('invalid options are named', async () => {
    const pool = makePool({ basePoolSize: { min: 0, max: 1 } });
    await expect(pool.transaction(undefined, async () => 1, { retries: -1 })).rejects.toThrow(ConfigError);
    await expect(pool.transaction(undefined, async () => 1, { isolationLevel: 'chaos' as never })).rejects.toMatchObject({ field: 'isolationLevel' });
    await expect(pool.transaction(undefined, async () => 1, { commitOutcomeTimeoutMillis: -5 })).rejects.toMatchObject({ field: 'commitOutcomeTimeoutMillis' });
  });
});
