import { describe, expect, it } from 'vitest';

import { AcquireTimeoutError } from '../dist/index.js';
import { SATURDAY, WEDNESDAY, makePool } from './support/pool';

const options = {
  basePoolSize: { min: 0, max: 10 },
  emergencyReservedConnections: 2,
  weddingDayMultiplier: 1,
  weddingCalendar: { timezones: ['UTC'] },
};

describe('emergency reserve', () => {
  it('gives a wedding-critical caller a reserved connection at once while normal callers are capped', async () => {
    const pool = makePool(options);
    pool.setCalendarTime(SATURDAY);
    const normal = await Promise.all(Array.from({ length: 8 }, () => pool.getConnection()));
    expect(normal.every((c) => !c.reserved)).toBe(true);

    const ninth = pool.getConnection({}, { timeoutMillis: 300 });
    const started = Date.now();
    const critical = await pool.getConnection({ isWeddingCritical: true }, { timeoutMillis: 5_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(critical.reserved).toBe(true);
    expect(pool.stats().reserved.inUse).toBe(1);

    await expect(ninth).rejects.toBeInstanceOf(AcquireTimeoutError);
    critical.release();
    normal.forEach((c) => c.release());
    expect(pool.stats().inUse).toBe(0);
  });

  it('keeps the reserved connections open and warm', async () => {
    const pool = makePool(options);
    pool.setCalendarTime(SATURDAY);
    await pool.ready();
    await expect.poll(() => pool.stats().reserved.idle, { timeout: 5_000 }).toBe(2);
  });

  it('does not give the reserve to a critical caller off a wedding day', async () => {
    const pool = makePool(options);
    pool.setCalendarTime(WEDNESDAY);
    const normal = await Promise.all(Array.from({ length: 8 }, () => pool.getConnection()));
    const critical = pool.getConnection({ isWeddingCritical: true }, { timeoutMillis: 300 });
    await expect(critical).rejects.toMatchObject({ code: 'POOL_ACQUIRE_TIMEOUT' });
    normal.forEach((c) => c.release());
  });

  it('queues a critical caller for the next connection of either kind when the reserve is busy', async () => {
    const pool = makePool({ ...options, basePoolSize: { max: 4 }, emergencyReservedConnections: 1 });
    pool.setCalendarTime(SATURDAY);
    const normal = await Promise.all(Array.from({ length: 3 }, () => pool.getConnection()));
    const firstCritical = await pool.getConnection({ isWeddingCritical: true });
    expect(firstCritical.reserved).toBe(true);
    const queuedNormal = pool.getConnection();
    const secondCritical = pool.getConnection({ isWeddingCritical: true });
    normal[0].release();
    // Both have the same priority, so the earlier normal caller is served first and the
    // critical caller takes the next normal slot.
    const n = await queuedNormal;
    normal[1].release();
    const c = await secondCritical;
    expect(c.reserved).toBe(false);
    [n, c, firstCritical, normal[2]].forEach((x) => x.release());
  });

  it('serves a queued critical caller with a released reserved slot', async () => {
    const pool = makePool({ ...options, basePoolSize: { max: 3 }, emergencyReservedConnections: 1 });
    pool.setCalendarTime(SATURDAY);
    const normal = await Promise.all(Array.from({ length: 2 }, () => pool.getConnection()));
    const reserved = await pool.getConnection({ isWeddingCritical: true });
    const queuedNormal = pool.getConnection({}, { timeoutMillis: 400 });
    const queuedCritical = pool.getConnection({ isWeddingCritical: true });
    reserved.release();
    const c = await queuedCritical;
    expect(c.reserved).toBe(true);
    await expect(queuedNormal).rejects.toBeInstanceOf(AcquireTimeoutError);
    c.release();
    normal.forEach((x) => x.release());
  });
});
