// Faults of authentication: a wrong password (28P01) with many waiters. Runs against this file's
// own throwaway server, where the role wedpool_pw needs scram-sha-256 and 'right-password'.
// Login attempts are counted by a TCP proxy in front of the server.
import { inspect } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { ConnectionError } from '../../dist/index.js';
import { expectBaseline, expectOnlyTypedErrors, expectWedPoolError, faultPool, settle, sleep, track } from '../support/faults';
import { useProcessGuards } from '../support/process-guards';
import { startProxy, type PgProxy } from '../support/proxy';
import { PASSWORD_ROLE, RIGHT_PASSWORD, useThrowawayPostgres } from '../support/throwaway';

const db = useThrowawayPostgres({ passwordAuth: true });
useProcessGuards();

const WRONG = 'Wr0ng-pa55word-for-wedding';

let proxy: PgProxy | null = null;
afterEach(async () => {
  await proxy?.close();
  proxy = null;
});

async function proxied(password: string): Promise<{ proxy: PgProxy; url: string }> {
  proxy = await startProxy({ port: db.port });
  return { proxy, url: db.urlFor({ user: PASSWORD_ROLE, password, port: proxy.port }) };
}

function textOf(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth += 1) {
    parts.push(String(e), inspect(e, { depth: 5, showHidden: true }), (e as Error).stack ?? '', JSON.stringify(e));
    e = (e as Error).cause;
  }
  return parts.join('\n');
}

describe('password authentication', () => {
  it('works with the right password through the proxy', async () => {
    const { url } = await proxied(RIGHT_PASSWORD);
    const { pool } = faultPool({ connectionString: url, serverUrl: db.url, basePoolSize: { max: 2 } });
    await pool.ready();
    expect((await pool.query<{ u: string }>('select current_user as u')).rows).toEqual([{ u: PASSWORD_ROLE }]);
    await expectBaseline(pool);
  });

  it('ready() fails fast with ConnectionError kind auth (28P01), without the password', async () => {
    const { url } = await proxied(WRONG);
    const { pool } = faultPool({ connectionString: url, serverUrl: db.url, connectTimeoutMillis: 2_000 });
    const started = performance.now();
    const err = await pool.ready().catch((e: unknown) => e);
    expectWedPoolError(err, 'CONNECT_FAILED', 'ConnectionError');
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ kind: 'auth', sqlstate: '28P01' });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(textOf(err)).not.toContain(WRONG);
    expect(inspect(pool, { depth: 5, showHidden: true })).not.toContain(WRONG);
    await expectBaseline(pool);
  });

  it('50 waiters on a wrong password all fail fast with the auth error, with about one login attempt per backoff window', async () => {
    const { proxy: p, url } = await proxied(WRONG);
    const { pool } = faultPool({
      connectionString: url, serverUrl: db.url,
      basePoolSize: { max: 10, acquireTimeoutMillis: 10_000 },
      connectTimeoutMillis: 2_000,
    });
    const events: string[] = [];
    for (const name of ['connect', 'remove', 'scale', 'health', 'leak'] as const) pool.on(name, (e: unknown) => events.push(JSON.stringify(e)));

    const started = performance.now();
    const first = await settle(
      Array.from({ length: 50 }, (_, i): Promise<unknown> => (i % 2 ? pool.getConnection() : pool.query('select 1'))),
      started,
    );
    expectOnlyTypedErrors(first);
    for (const o of first) {
      expect(o.ok).toBe(false);
      expectWedPoolError(o.error, 'CONNECT_FAILED', 'ConnectionError');
      expect(o.error).toMatchObject({ kind: 'auth', sqlstate: '28P01' });
      expect(o.ms, 'fails fast, not at the 10 s acquire deadline').toBeLessThan(1_000);
    }
    // One login attempt serves all 50 (not one per free slot, which also inflates the backoff).
    expect(p.stats().accepted, 'login attempts for the first 50 waiters').toBeLessThanOrEqual(2);

    // Keep the demand up for 2 s: a new caller every 40 ms. Each fails fast; the pool logs in
    // about once per backoff window (100 ms doubling, ±20%), not once per caller.
    const later: Array<Promise<{ ok: boolean; error?: unknown; ms: number }>> = [];
    const demandStart = performance.now();
    while (performance.now() - demandStart < 2_000) {
      later.push(track(pool.query('select 1')));
      await sleep(40);
    }
    const outcomes = await Promise.all(later);
    for (const o of outcomes) {
      expect(o.ok).toBe(false);
      expectWedPoolError(o.error, 'CONNECT_FAILED');
      expect(o.error).toMatchObject({ kind: 'auth' });
      expect(o.ms).toBeLessThan(1_000);
    }
    const { accepted, acceptedAt } = p.stats();
    expect(accepted, `${later.length} callers over 2 s`).toBeGreaterThanOrEqual(2);
    expect(accepted, `${later.length} callers over 2 s`).toBeLessThanOrEqual(9);
    const gaps = acceptedAt.slice(1).map((t, i) => t - acceptedAt[i]);
    // The backoff spaces attempts ≥ 80 ms (100 ms −20%); one attempt delayed by a loaded machine
    // can shorten the gap after it, so the typical gap is checked, and no gap is tight-loop short.
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[sorted.length >> 1], `median gap between login attempts: ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThanOrEqual(60);
    expect(sorted[0], `gaps between login attempts: ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThanOrEqual(20);

    for (const o of [...first, ...outcomes]) expect(textOf(o.error)).not.toContain(WRONG);
    expect(events.join('\n')).not.toContain(WRONG);
    const h = pool.health();
    expect(textOf(h.lastError)).not.toContain(WRONG);
    expect(inspect(h, { depth: 5 })).not.toContain(WRONG);
    await expectBaseline(pool);
  });

  it('recovers on its own once the password is fixed server-side', async () => {
    const { url } = await proxied(WRONG);
    const { pool } = faultPool({ connectionString: url, serverUrl: db.url, basePoolSize: { max: 2 }, connectTimeoutMillis: 2_000 });
    const failed = await track(pool.query('select 1'));
    expect(failed.ok).toBe(false);
    expectWedPoolError(failed.error, 'CONNECT_FAILED');
    try {
      await db.sql(`alter role ${PASSWORD_ROLE} password '${WRONG}'`);
      // The application keeps calling (every 100 ms, bounded); the attempt after the current
      // backoff window succeeds. Calls before that fail fast with the typed auth error.
      const fixedAt = performance.now();
      let ok = false;
      while (!ok && performance.now() - fixedAt < 8_000) {
        const o = await track(pool.query('select 1 as ok', [], {}, { timeoutMillis: 1_000 }));
        ok = o.ok;
        if (!o.ok) {
          expectWedPoolError(o.error);
          await sleep(100);
        }
      }
      expect(ok, 'a query succeeds after the password is fixed').toBe(true);
      // Backoff is capped at 5 s (±20%).
      expect(performance.now() - fixedAt).toBeLessThan(6_500);
    } finally {
      await db.sql(`alter role ${PASSWORD_ROLE} password '${RIGHT_PASSWORD}'`);
    }
    await expectBaseline(pool);
  });
});
