import { describe, expect, it } from 'vitest';

import type { PoolConnection } from '../dist/index.js';
import { WEDNESDAY, makePool, sleep } from './support/pool';

/** Queues `callers` in order, then releases `held` and records who is served, in order. */
async function serveOrder(
  pool: ReturnType<typeof makePool>,
  held: PoolConnection[],
  callers: Array<[string, Parameters<ReturnType<typeof makePool>['getConnection']>[0]]>,
  gapMs = 0,
): Promise<string[]> {
  const order: string[] = [];
  const waits: Promise<void>[] = [];
  for (const [name, ctx] of callers) {
    waits.push(
      pool.getConnection(ctx).then(async (conn) => {
        order.push(name);
        await sleep(2);
        conn.release();
      }),
    );
    if (gapMs) await sleep(gapMs);
  }
  expect(pool.stats().waiting).toBe(callers.length);
  for (const conn of held) conn.release();
  await Promise.all(waits);
  return order;
}

describe('priority acquisition', () => {
  it('serves queued callers by priority: high, then mid, then low', async () => {
    const pool = makePool({ basePoolSize: { max: 2 }, priorityAgingPerSecond: 0 });
    pool.setCalendarTime(WEDNESDAY);
    const held = [await pool.getConnection(), await pool.getConnection()];
    const order = await serveOrder(pool, held.slice(0, 1), [
      ['low', {}],
      ['mid', { isWeddingDay: true }],
      ['high', { isActiveWedding: true }],
    ]);
    held[1].release();
    expect(order).toEqual(['high', 'mid', 'low']);
  });

  it('serves callers of equal priority first come, first served', async () => {
    const pool = makePool({ basePoolSize: { max: 2 } });
    pool.setCalendarTime(WEDNESDAY);
    const held = [await pool.getConnection(), await pool.getConnection()];
    const order = await serveOrder(pool, held.slice(0, 1), [
      ['a', { isCriticalOperation: true }],
      ['b', { isCriticalOperation: true }],
      ['c', { isCriticalOperation: true }],
      ['d', { isCriticalOperation: true }],
    ]);
    held[1].release();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('lets a long-waiting low-priority caller overtake a later higher-priority one through aging', async () => {
    // 1000 points a second: after ~700 ms the low caller (100) is worth ~800 > 600.
    const pool = makePool({ basePoolSize: { max: 1 }, priorityAgingPerSecond: 1000 });
    pool.setCalendarTime(WEDNESDAY);
    const held = [await pool.getConnection()];
    const order = await serveOrder(pool, held, [
      ['patient-low', {}],
      ['late-mid', { isWeddingDay: true }],
    ], 700);
    expect(order).toEqual(['patient-low', 'late-mid']);
  });

  it('without aging, a later higher-priority caller is served first', async () => {
    const pool = makePool({ basePoolSize: { max: 1 }, priorityAgingPerSecond: 0 });
    pool.setCalendarTime(WEDNESDAY);
    const held = [await pool.getConnection()];
    const order = await serveOrder(pool, held, [
      ['patient-low', {}],
      ['late-mid', { isWeddingDay: true }],
    ], 300);
    expect(order).toEqual(['late-mid', 'patient-low']);
  });

  it('never lets a newcomer overtake a queued caller', async () => {
    const pool = makePool({ basePoolSize: { max: 1 } });
    pool.setCalendarTime(WEDNESDAY);
    const first = await pool.getConnection();
    const queued = pool.getConnection({ isActiveWedding: true });
    first.release();
    // The released connection went straight to the queued caller: a newcomer must queue.
    const newcomer = pool.getConnection({ isActiveWedding: true, isCriticalOperation: true });
    const conn = await queued;
    expect(pool.stats().waiting).toBe(1);
    conn.release();
    (await newcomer).release();
  });

  it('calculates priority from the context and the calendar', async () => {
    const pool = makePool();
    pool.setCalendarTime(WEDNESDAY);
    expect(pool.calculateConnectionPriority({})).toBe(100);
    expect(pool.calculateConnectionPriority({ isActiveWedding: true, isCriticalOperation: true })).toBe(1400);
    expect(pool.calculateConnectionPriority({ isWeddingDay: true })).toBe(600);
    pool.setCalendarTime(new Date('2026-06-13T12:00:00Z'));
    expect(pool.calculateConnectionPriority({})).toBe(600);
    expect(pool.calculateConnectionPriority({ isWeddingDay: false })).toBe(100);
  });
});
