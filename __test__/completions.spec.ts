// pool.query settles through one shared completion channel per pool (src/completions.rs):
// outcomes arrive in batches and are matched to their callers by id.
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DatabaseError } from '../dist/index.js';
import type { NativeError, NativePool, NativePoolOptions, NativeResult } from '../dist/native.js';
import { unpackResult } from '../dist/results.js';
import { runNodeScript } from './support/child';
import { DATABASE_URL, eventually, makePool, sleep } from './support/pool';

const dist = join(__dirname, '..', 'dist', 'index.js');
const binding = createRequire(__filename)(join(__dirname, '..', 'native', 'binding.js')) as {
  createPool(options: NativePoolOptions, localTimezone: string): NativePool | NativeError;
};

describe('completions delivered in batches', () => {
  it('settles each of 500 concurrent queries with its own result', async () => {
    const pool = makePool({ basePoolSize: { max: 4 } });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => pool.query<{ n: number }>('select $1::int as n', [i])),
    );
    expect(results.map((r) => r.rows[0].n)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('rejects the failing ones and resolves the rest when outcomes share a batch', async () => {
    const pool = makePool({ basePoolSize: { max: 4 } });
    const settled = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        i % 3 === 0 ? pool.query('select 1/0 as boom') : pool.query<{ n: number }>('select $1::int as n', [i]),
      ),
    );
    settled.forEach((s, i) => {
      if (i % 3 === 0) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseError);
        expect((s as PromiseRejectedResult).reason.code).toBe('22012');
      } else {
        expect(s).toEqual({ status: 'fulfilled', value: expect.objectContaining({ rows: [{ n: i }] }) });
      }
    });
  });

  it('keeps Node alive while a query is in flight, again after an idle gap, and not afterwards', async () => {
    const r = await runNodeScript(`
      const { WeddingAwareConnectionPool } = require(${JSON.stringify(dist)});
      const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL });
      pool.query('select pg_sleep(0.2), 1 as one').then((r) => {
        console.log('first', r.rows[0].one);
        setTimeout(() => pool.query('select pg_sleep(0.2), 2 as two').then((r) => console.log('second', r.rows[0].two)), 50);
      });
    `);
    expect(r.out).toContain('first 1');
    expect(r.out).toContain('second 2');
    expect(r.code).toBe(0);
  });

  it('starts deferred statements only when flushed, all together, and settles each', async () => {
    const pool = binding.createPool({ connectionString: DATABASE_URL(), basePoolSize: { max: 2 }, fleetBudget: { enabled: false } }, 'UTC');
    if ('wedpoolError' in pool) throw new Error(pool.message);
    const delivered: unknown[] = [];
    expect(pool.onCompletions((batch) => delivered.push(...batch))).toBeNull();
    for (let id = 1; id <= 6; id++) {
      expect(pool.querySubmit(id, 0, 'select $1::int as n', [String(id * 10)], undefined, undefined, undefined, true)).toBeNull();
    }
    await sleep(100);
    expect(delivered).toEqual([]);
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
    expect(pool.flushSubmissions()).toBeNull();
    await eventually(() => delivered.length === 12);
    const byId = new Map<number, unknown>();
    for (let i = 0; i < delivered.length; i += 2) byId.set(delivered[i] as number, delivered[i + 1]);
    for (let id = 1; id <= 6; id++) expect(unpackResult(byId.get(id) as NativeResult)).toMatchObject({ rowCount: 1, rows: [[id * 10]] });
    expect(pool.flushSubmissions()).toBeNull();
    pool.end();
  });
});
