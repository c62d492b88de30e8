import { describe, expect, it } from 'vitest';

import { WEDNESDAY, makePool } from './support/pool';

describe('load', () => {
  // Depth 1: every statement takes a connection of its own through the queue. Depth 8 (the
  // default): statements may also join a busy connection's pipeline, which is not an acquire.
  it.each([1, 8])('serves 1,000 concurrent callers on max 10 without exceeding max or leaking (pipelineDepth %i)', async (pipelineDepth) => {
    const pool = makePool({
      basePoolSize: { max: 10, acquireTimeoutMillis: 60_000 },
      applicationName: `wedpool-load-spec-${pipelineDepth}`,
      pipelineDepth,
    });
    pool.setCalendarTime(WEDNESDAY);
    let peakSize = 0;
    let peakInUse = 0;
    pool.on('acquire', () => {
      const s = pool.stats();
      peakSize = Math.max(peakSize, s.size);
      peakInUse = Math.max(peakInUse, s.inUse);
    });
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        pool.query('select $1::int as i', [i], { isActiveWedding: i % 7 === 0, isCriticalOperation: i % 11 === 0 }),
      ),
    );
    expect(results.map((r) => r.rows[0].i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const server = await pool.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where application_name like 'wedpool:wedpool-load-spec-${pipelineDepth}:%'`,
    );
    expect(Number(server.rows[0].n)).toBeLessThanOrEqual(10);
    expect(peakSize).toBeLessThanOrEqual(10);
    expect(peakInUse).toBeLessThanOrEqual(10);
    // Connections opened for callers that a release served first may still be arriving:
    // they end up idle, never leaked.
    await expect.poll(() => pool.stats().pending, { timeout: 5_000 }).toBe(0);
    const s = pool.stats();
    expect(s).toMatchObject({ inUse: 0, waiting: 0, pending: 0, timeouts: 0 });
    expect(s.size).toBeLessThanOrEqual(10);
    // Every statement plus the count above went through an acquire, unless it joined a pipeline.
    if (pipelineDepth === 1) expect(s.acquired).toBeGreaterThanOrEqual(1001);
  });

  it('serves 1,000 concurrent getConnection callers with explicit release', async () => {
    const pool = makePool({ basePoolSize: { max: 10 } });
    pool.setCalendarTime(WEDNESDAY);
    let maxInUse = 0;
    await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const conn = await pool.getConnection({ isWeddingDay: i % 2 === 0 });
        maxInUse = Math.max(maxInUse, pool.stats().inUse);
        try {
          await conn.query('select 1');
        } finally {
          conn.release();
        }
      }),
    );
    expect(maxInUse).toBeLessThanOrEqual(10);
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
  });
});
