// Multi-host failover with `target_session_attrs=read-write`: two throwaway clusters, A the
// primary and B a stand-in standby (read-only through `ALTER SYSTEM SET
// default_transaction_read_only = on` + `pg_reload_conf()`; a `-c` on the command line would
// override ALTER SYSTEM). Writers insert numbered rows all the time; a crash of A and a
// switchover of a live A (still up, now read-only) must both let writes resume within 2 s of B
// becoming writable, and every acknowledged write must be on one of the two servers afterwards.
// The measured times are printed (`failover: …`) for the README's failure table.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { WeddingAwareConnectionPool } from '../../dist/index.js';
import { makePool, sleep } from '../support/pool';
import { useProcessGuards } from '../support/process-guards';
import { useThrowawayPostgres, type ThrowawayServer } from '../support/throwaway';

// synchronous_commit on: an acknowledged write must survive a crash of its server.
const a = useThrowawayPostgres({ settings: { synchronous_commit: 'on' } });
const b = useThrowawayPostgres({ settings: { synchronous_commit: 'on' } });
useProcessGuards();

const RESUME_LIMIT_MS = 2_000;

async function setReadOnly(server: ThrowawayServer, readOnly: boolean): Promise<void> {
  await server.sql(`alter system set default_transaction_read_only = ${readOnly ? 'on' : 'off'}`);
  await server.sql('select pg_reload_conf()');
}

beforeAll(async () => {
  for (const server of [a, b]) await server.sql('create table if not exists ledger (id int primary key, at timestamptz default now())');
});

beforeEach(async () => {
  if (!a.running) await a.resume();
  await setReadOnly(a, false);
  await setReadOnly(b, true);
  // DDL is refused by a read-only default: truncate in an explicitly read-write transaction.
  for (const server of [a, b]) {
    const c = await server.client();
    try {
      await c.query('begin read write');
      await c.query('truncate ledger');
      await c.query('commit');
    } finally {
      await c.end();
    }
  }
});

function failoverPool(): { pool: WeddingAwareConnectionPool; removed: string[]; health: string[] } {
  const pool = makePool({
    connectionString: `postgres://postgres@127.0.0.1:${a.port},127.0.0.1:${b.port}/postgres?target_session_attrs=read-write`,
    basePoolSize: { min: 2, max: 6, acquireTimeoutMillis: 10_000 },
    connectTimeoutMillis: 1_000,
  });
  const removed: string[] = [];
  const health: string[] = [];
  pool.on('remove', (e) => removed.push(e.reason));
  pool.on('health', (e) => health.push(e.state));
  return { pool, removed, health };
}

/** Writers inserting 1, 2, 3, … until stopped; the time of every acknowledged write. */
function writers(pool: WeddingAwareConnectionPool, count: number) {
  let next = 1;
  let stop = false;
  const acked: Array<{ id: number; at: number }> = [];
  const failures: string[] = [];
  const run = async () => {
    while (!stop) {
      const id = next++;
      try {
        await pool.query('insert into ledger (id) values ($1)', [id], undefined, { timeoutMillis: 5_000 });
        acked.push({ id, at: performance.now() });
      } catch (err) {
        failures.push((err as { code?: string }).code ?? String(err));
        await sleep(20);
      }
    }
  };
  const done = Promise.all(Array.from({ length: count }, run));
  return {
    acked,
    failures,
    async stop() {
      stop = true;
      await done;
    },
  };
}

async function idsOn(server: ThrowawayServer): Promise<Set<number>> {
  const rows = await server.sql<{ id: number }>('select id from ledger');
  return new Set(rows.map((r) => r.id));
}

async function expectEveryAcknowledgedWritePresent(acked: Array<{ id: number }>): Promise<void> {
  const [onA, onB] = await Promise.all([idsOn(a), idsOn(b)]);
  const missing = acked.filter(({ id }) => !onA.has(id) && !onB.has(id)).map(({ id }) => id);
  expect(missing).toEqual([]);
}

/** Waits until a write is acknowledged after `since`; returns how long after `since` that was. */
async function resumedAfter(acked: Array<{ at: number }>, since: number, limitMs: number): Promise<number> {
  const deadline = since + limitMs + 3_000;
  for (;;) {
    const first = acked.find((w) => w.at > since);
    if (first) return first.at - since;
    if (performance.now() > deadline) return Infinity;
    await sleep(5);
  }
}

describe('failover across two hosts (target_session_attrs=read-write)', () => {
  it('a switchover (A still up, now read-only; B made writable): writes resume on B within 2 s', async () => {
    const { pool, removed, health } = failoverPool();
    await pool.ready();
    const load = writers(pool, 6);
    await sleep(500);
    expect(load.acked.length).toBeGreaterThan(0);
    await setReadOnly(a, true);
    await sleep(300);
    await setReadOnly(b, false);
    const writable = performance.now();
    const resumed = await resumedAfter(load.acked, writable, RESUME_LIMIT_MS);
    await sleep(500);
    await load.stop();
    console.log(`failover: switchover — writes resumed ${resumed.toFixed(0)} ms after B became writable (${load.acked.length} writes acknowledged, ${load.failures.length} refused meanwhile: ${[...new Set(load.failures)].join(', ')})`);
    expect(resumed).toBeLessThan(RESUME_LIMIT_MS);
    expect(removed).toContain('read_only');
    expect(health).toContain('degraded');
    expect(health.at(-1)).toBe('healthy');
    // Writes after the switch went to B; A refused them (25006) or was skipped.
    const [onA, onB] = await Promise.all([idsOn(a), idsOn(b)]);
    expect(onB.size).toBeGreaterThan(0);
    expect(load.acked.filter((w) => w.at > writable + resumed).every(({ id }) => onB.has(id) && !onA.has(id))).toBe(true);
    await expectEveryAcknowledgedWritePresent(load.acked);
    // Meanwhile callers saw only typed refusals: A's 25006, or no writable host yet.
    expect([...new Set(load.failures)].filter((c) => !['25006', 'DATABASE_UNAVAILABLE', 'CONNECT_FAILED'].includes(c))).toEqual([]);
  });

  it('a crash of the primary (A killed; B made writable): writes resume on B within 2 s', async () => {
    const { pool } = failoverPool();
    await pool.ready();
    const load = writers(pool, 6);
    await sleep(500);
    expect(load.acked.length).toBeGreaterThan(0);
    await a.pause('immediate');
    await sleep(300);
    await setReadOnly(b, false);
    const writable = performance.now();
    const resumed = await resumedAfter(load.acked, writable, RESUME_LIMIT_MS);
    await sleep(500);
    await load.stop();
    console.log(`failover: crash — writes resumed ${resumed.toFixed(0)} ms after B became writable (${load.acked.length} writes acknowledged, ${load.failures.length} failed meanwhile: ${[...new Set(load.failures)].join(', ')})`);
    expect(resumed).toBeLessThan(RESUME_LIMIT_MS);
    expect([...new Set(load.failures)].filter((c) => !['CONNECTION_LOST', '57P01', '57P02', 'DATABASE_UNAVAILABLE', 'CONNECT_FAILED'].includes(c))).toEqual([]);
    await a.resume();
    await expectEveryAcknowledgedWritePresent(load.acked);
  });

  it('with no writable host, connecting fails with a message naming what each host is', async () => {
    await setReadOnly(a, true);
    const { pool } = failoverPool();
    await expect(pool.ready()).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
      message: expect.stringMatching(/no host fits target_session_attrs=read-write.*read-only.*read-only/),
    });
  });

  it('read-only picks the read-only host; standby finds none (nothing is in recovery); prefer-standby falls back to the first host', async () => {
    const hosts = `postgres://postgres@127.0.0.1:${a.port},127.0.0.1:${b.port}/postgres`;
    const port = async (pool: WeddingAwareConnectionPool) =>
      (await pool.query<{ port: number }>("select current_setting('port')::int as port")).rows[0].port;
    expect(await port(makePool({ connectionString: `${hosts}?target_session_attrs=read-only`, basePoolSize: { max: 1 } }))).toBe(b.port);
    expect(await port(makePool({ connectionString: hosts, targetSessionAttrs: 'prefer-standby', basePoolSize: { max: 1 } }))).toBe(a.port);
    const standby = makePool({ connectionString: hosts, targetSessionAttrs: 'standby', basePoolSize: { max: 1 } });
    await expect(standby.ready()).rejects.toMatchObject({ message: expect.stringMatching(/no host fits target_session_attrs=standby/) });
  });

  it('an unknown target_session_attrs is INVALID_CONFIG naming the field', async () => {
    expect(() => makePool({ connectionString: `postgres://127.0.0.1:${a.port}/postgres?target_session_attrs=primary-ish` })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'connectionString' }),
    );
    expect(() => makePool({ connectionString: a.url, targetSessionAttrs: 'writable' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'targetSessionAttrs' }),
    );
  });
});
