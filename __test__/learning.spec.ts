// Traffic learning and predictive pre-scaling, driven through the calendar clock.
import { describe, expect, it } from 'vitest';

import { ConfigError } from '../dist/index.js';
import { makePool } from './support/pool';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Holds `n` connections while the calendar steps through `minutes` minutes from `start`. */
async function busyHour(pool: ReturnType<typeof makePool>, start: Date, n: number, minutes = 3): Promise<void> {
  const held = await Promise.all(Array.from({ length: n }, () => pool.getConnection({ isActiveWedding: true })));
  for (let m = 0; m <= minutes; m++) pool.setCalendarTime(new Date(start.getTime() + m * MINUTE));
  held.forEach((c) => c.release());
}

describe('traffic learning', () => {
  it('learns a Saturday peak and pre-scales before it the next week, with the reason', async () => {
    const pool = makePool({
      basePoolSize: { min: 0, max: 6 },
      weddingDayMultiplier: 3,
      weddingCalendar: { weekdays: [], timezones: ['Europe/London'], leadMinutes: 60 },
      trafficLearning: { alpha: 1 },
    });
    const peak = new Date('2026-06-13T13:00:00Z'); // Saturday 14:00 in London
    await busyHour(pool, peak, 6);
    pool.setCalendarTime(new Date(peak.getTime() + HOUR)); // the hour is folded in
    // One week later, 30 minutes before the same hour:
    pool.setCalendarTime(new Date(peak.getTime() + 7 * 24 * HOUR - 30 * MINUTE));
    const s = pool.stats();
    expect(s.minSize).toBe(6);
    expect(s.maxSize).toBe(8); // 6 × 1.25 headroom, rounded up
    expect(s.scaling.reason).toBe('forecast for Sat 14:00 Europe/London: 6 connections');
    await expect.poll(() => pool.stats().size, { timeout: 5_000 }).toBe(6);
    const plan = pool.scalingPlan();
    expect(plan.target).toEqual({ min: 6, max: 8, reason: s.scaling.reason });
    expect(plan.next.some((c) => c.reason === 'base')).toBe(true);
  });

  it('never pre-scales above the wedding-day ceiling', async () => {
    const pool = makePool({ basePoolSize: { max: 2 }, weddingDayMultiplier: 2, weddingCalendar: { weekdays: [], timezones: ['UTC'] } });
    const profile = pool.exportTrafficProfile() as { timezones: Record<string, Record<string, (number | null)[]>> };
    profile.timezones.UTC.normal[5 * 24 + 12] = 50; // Saturday 12:00
    pool.importTrafficProfile(profile);
    pool.setCalendarTime(new Date('2026-06-13T11:30:00Z'));
    expect(pool.stats().maxSize).toBe(4);
  });

  it('exports and imports a profile, and rejects a malformed one naming the problem', () => {
    const a = makePool({ weddingCalendar: { timezones: ['UTC', 'Asia/Tokyo'] } });
    const b = makePool({ weddingCalendar: { timezones: ['UTC', 'Asia/Tokyo'] } });
    const profile = a.exportTrafficProfile() as { version: number; timezones: Record<string, Record<string, unknown[]>> };
    expect(profile.version).toBe(1);
    expect(Object.keys(profile.timezones).sort()).toEqual(['Asia/Tokyo', 'UTC']);
    expect(profile.timezones.UTC.critical).toHaveLength(168);
    profile.timezones.UTC.wedding[3] = 7;
    b.importTrafficProfile(profile);
    expect((b.exportTrafficProfile() as typeof profile).timezones.UTC.wedding[3]).toBe(7);
    expect(() => b.importTrafficProfile({ version: 9 })).toThrow(ConfigError);
    expect(() => b.importTrafficProfile('not json')).toThrow(/trafficProfile/);
  });

  it('keeps the profile in a table across restarts', async () => {
    const table = `wedpool_profile_spec_${process.pid}`;
    const first = makePool({ applicationName: 'profile-spec', trafficLearning: { table }, weddingCalendar: { timezones: ['UTC'] } });
    await first.ready();
    const profile = first.exportTrafficProfile() as { timezones: Record<string, Record<string, (number | null)[]>> };
    profile.timezones.UTC.critical[10] = 3;
    first.importTrafficProfile(profile);
    await first.end();
    const second = makePool({ applicationName: 'profile-spec', trafficLearning: { table }, weddingCalendar: { timezones: ['UTC'] } });
    await second.ready();
    expect((second.exportTrafficProfile() as typeof profile).timezones.UTC.critical[10]).toBe(3);
    await second.query(`drop table ${table}`);
  });
});
