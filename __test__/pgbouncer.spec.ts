// PgBouncer mode (`pgbouncer=true` in the connection string, or `prepare: false`) through a
// real PgBouncer in transaction mode with two server connections. Before this mode existed,
// 162 of 300 concurrent queries failed with 26000 `prepared statement "sN" does not exist`.
// Every test here demands zero failures, and that no named prepared statement is left on
// PgBouncer's server connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DatabaseError, type WeddingAwareConnectionPool } from '../dist/index.js';
import { usePgBouncer } from './support/pgbouncer';
import { DATABASE_URL, makePool } from './support/pool';

const bouncer = usePgBouncer({ poolSize: 2 });
// Unique names: several spec files share the test server.
const suffix = `${process.pid}_${Date.now() % 100000}`;
const mood = `bouncer_mood_${suffix}`;
const posint = `bouncer_posint_${suffix}`;
const pair = `bouncer_pair_${suffix}`;
const ledger = `bouncer_ledger_${suffix}`;

beforeAll(async () => {
  const setup = makeDirect();
  await setup.query(`create type ${mood} as enum ('sad', 'ok', 'happy')`);
  await setup.query(`create domain ${posint} as int4 check (value > 0)`);
  await setup.query(`create type ${pair} as (n int4, label text)`);
  await setup.query(`create table ${ledger} (id serial primary key, tx int4 not null, step int4 not null)`);
  await setup.end();
});

afterAll(async () => {
  const cleanup = makeDirect();
  await cleanup.query(`drop table if exists ${ledger}`);
  await cleanup.query(`drop type if exists ${pair}`);
  await cleanup.query(`drop domain if exists ${posint}`);
  await cleanup.query(`drop type if exists ${mood}`);
  await cleanup.end();
});

function makeDirect(): WeddingAwareConnectionPool {
  return makePool({ connectionString: DATABASE_URL(), basePoolSize: { max: 2 } });
}

/** A pool through PgBouncer with more connections than PgBouncer has server connections. */
function throughBouncer(max = 20): WeddingAwareConnectionPool {
  return makePool({ connectionString: `${bouncer.url}?pgbouncer=true`, basePoolSize: { max, acquireTimeoutMillis: 30_000 } });
}

/** Named statements on each of PgBouncer's server connections (pinned by open transactions). */
async function namedStatementsOnServerConnections(pool: WeddingAwareConnectionPool): Promise<number[]> {
  const a = await pool.getConnection();
  const b = await pool.getConnection();
  try {
    await a.query('begin');
    await b.query('begin');
    const counts = [];
    for (const conn of [a, b]) {
      const r = await conn.query<{ n: number; pid: number }>('select count(*)::int as n, pg_backend_pid() as pid from pg_prepared_statements');
      counts.push(r.rows[0]);
    }
    expect(counts[0].pid).not.toBe(counts[1].pid);
    return counts.map((c) => c.n);
  } finally {
    await a.query('rollback');
    await b.query('rollback');
    a.release();
    b.release();
  }
}

describe('PgBouncer in transaction mode (default_pool_size = 2)', () => {
  it('runs through a real PgBouncer', async () => {
    const pool = throughBouncer(2);
    const { rows } = await pool.query<{ v: string }>('select current_setting($1) as v', ['server_version']);
    expect(rows[0].v).toMatch(/^\d+/);
    expect(bouncer.version).toMatch(/PgBouncer 1\.\d+/);
  });

  it('three hundred concurrent parameterised queries all succeed and leave no named statement behind', async () => {
    const pool = throughBouncer(20);
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) =>
        pool.query<{ n: number; s: string; t: string }>('select $1::int4 + 1 as n, $2::text as s, $3 as t', [i, `row ${i}`, 'x'.repeat(i % 7)]),
      ),
    );
    const failures = results.filter((r) => r.status === 'rejected');
    expect(failures.map((f) => String((f as PromiseRejectedResult).reason))).toEqual([]);
    results.forEach((r, i) => {
      expect((r as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toEqual([{ n: i + 1, s: `row ${i}`, t: 'x'.repeat(i % 7) }]);
    });
    expect(await namedStatementsOnServerConnections(pool)).toEqual([0, 0]);
  });

  it('the same works with the prepare: false option instead of pgbouncer=true', async () => {
    const pool = makePool({ connectionString: bouncer.url, prepare: false, basePoolSize: { max: 10 } });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => pool.query<{ n: number }>('select $1::int8 * 2 as n', [i])));
    expect(results.map((r) => r.rows[0].n)).toEqual(Array.from({ length: 100 }, (_, i) => String(i * 2)));
  });

  it('fifty concurrent transactions each stay on one server connection and all commit', async () => {
    const pool = throughBouncer(20);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, tx) =>
        pool.transaction(undefined, async (conn) => {
          const pids = new Set<number>();
          for (let step = 0; step < 3; step++) {
            await conn.query(`insert into ${ledger} (tx, step) values ($1, $2)`, [tx, step]);
            const r = await conn.query<{ n: number; pid: number }>(
              `select count(*)::int as n, pg_backend_pid() as pid from ${ledger} where tx = $1`,
              [tx],
            );
            expect(r.rows[0].n).toBe(step + 1);
            pids.add(r.rows[0].pid);
          }
          expect(pids.size).toBe(1);
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${ledger}`);
    expect(rows[0].n).toBe(150);
  });

  it('enum, domain, composite and array-of-them results are the same values and types as with prepared statements', async () => {
    const sql = `select 'happy'::${mood} as m, array['sad', 'ok']::${mood}[] as ms, $1::${posint} as d,
                        array[1, 2]::${posint}[] as ds, row(7, 'seven')::${pair} as p,
                        array[row(1, 'a')::${pair}, row(2, null)::${pair}] as ps, $2::${mood} as param_enum`;
    const direct = makeDirect();
    const expected = await direct.query(sql, [5, 'ok']);
    const pool = throughBouncer(10);
    // Many fresh connections resolve the types at once: every look-up goes through PgBouncer.
    const results = await Promise.all(Array.from({ length: 40 }, () => pool.query(sql, [5, 'ok'])));
    for (const r of results) {
      expect(r.rows).toEqual(expected.rows);
      expect(r.fields.map((f) => [f.name, f.dataTypeID])).toEqual(expected.fields.map((f) => [f.name, f.dataTypeID]));
    }
    expect(results[0].rows[0]).toMatchObject({ m: 'happy', ms: ['sad', 'ok'], d: 5, ds: [1, 2], param_enum: 'ok' });
    expect(await namedStatementsOnServerConnections(pool)).toEqual([0, 0]);
  });

  it('an empty result still describes its columns', async () => {
    const pool = throughBouncer(2);
    const r = await pool.query(`select 'ok'::${mood} as m, 1::int4 as n where false`);
    expect(r.rows).toEqual([]);
    expect(r.fields.map((f) => f.name)).toEqual(['m', 'n']);
  });

  it('errors come back as the server reports them and never break later statements', async () => {
    const pool = throughBouncer(4);
    const attempts = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => {
        switch (i % 4) {
          case 0:
            return pool.query('select 1 / $1::int4 as x', [0]);
          case 1:
            return pool.query('select $1::int4 as x', ['not a number']);
          case 2:
            return pool.query(`select $1::${posint} as x`, [-1]);
          default:
            return pool.query('select $1::int4 + $2::int4 as x', [i]);
        }
      }),
    );
    const codes = attempts.map((a) => (a.status === 'rejected' ? (a.reason as { code: string }).code : 'ok'));
    expect(codes).toEqual(Array.from({ length: 60 }, (_, i) => ['22012', '22P02', '23514', 'INVALID_PARAMETER'][i % 4]));
    expect((attempts[0] as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseError);
    const after = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.query<{ n: number }>('select $1::int4 as n', [i])));
    expect(after.map((r) => r.rows[0].n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('a failed statement inside a transaction rolls the whole transaction back', async () => {
    const pool = throughBouncer(4);
    const marker = 100_000 + (Date.now() % 1000);
    await expect(
      pool.transaction(undefined, async (conn) => {
        await conn.query(`insert into ${ledger} (tx, step) values ($1, 0)`, [marker]);
        await conn.query('select 1 / 0');
      }),
    ).rejects.toMatchObject({ code: '22012' });
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${ledger} where tx = $1`, [marker]);
    expect(rows[0].n).toBe(0);
  });
});
