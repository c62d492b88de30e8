// pool.query settles through one shared completion channel per pool (src/completions.rs):
// outcomes arrive in batches and are matched to their callers by id.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DatabaseError } from '../dist/index.js';
import { runNodeScript } from './support/child';
import { makePool } from './support/pool';

const dist = join(__dirname, '..', 'dist', 'index.js');

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
});
