// Fleet budget: several instances of one application share the server's max_connections.
import { describe, expect, it } from 'vitest';

import { WeddingAwareConnectionPool, WedPoolError } from '../dist/index.js';
import { sleep } from './support/pool';
import { useThrowawayPostgres } from './support/throwaway';

const db = useThrowawayPostgres({ settings: { max_connections: '40' } });

describe('fleet budget', () => {
  it('keeps three busy instances within the server limit, with no too-many-clients errors', async () => {
    await runFleet(300, 37, (failures, lastErrors) => expect({ failures, lastErrors }).toEqual({ failures: [0, 0, 0], lastErrors: [undefined, undefined, undefined] }));
  });

  it('converges without caller errors or refused attempts even when the instances start at the same moment', async () => {
    // Openings beyond each instance's first are claimed under the fleet's lock, so instances
    // starting together never take the same free slot twice.
    await runFleet(0, 37, (failures, lastErrors) => expect({ failures, lastErrors }).toEqual({ failures: [0, 0, 0], lastErrors: [undefined, undefined, undefined] }));
  });

  it('keeps each instance distinct within 63 bytes when the application name is 60 characters long', async () => {
    const applicationName = 'wedsync-guest-rsvp-and-vendor-timeline-service-eu-west-prod1';
    expect(applicationName).toHaveLength(60);
    const pools = ['blue-7f3a', 'green-2c1d'].map(
      (instanceId) => new WeddingAwareConnectionPool({ connectionString: db.url, applicationName, instanceId, basePoolSize: { min: 1, max: 10 }, fleetBudget: { safetyMargin: 3, refreshMillis: 100 }, maintenanceIntervalMillis: 50 }),
    );
    try {
      await Promise.all(pools.map((p) => p.ready()));
      const names = await Promise.all(pools.map(async (p) => (await p.query<{ name: string }>('select current_setting($1) as name', ['application_name'])).rows[0].name));
      expect(names[0]).toMatch(/^wedpool:wedsync-guest-rsvp-and-vendor-t~[0-9a-f]{6}:blue-7f3a$/);
      expect(names[1].endsWith(':green-2c1d')).toBe(true);
      for (const n of names) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(63);
      // The server's names are the pools' own, untruncated: the budget counts two instances.
      const seen = await db.sql<{ name: string }>("select distinct application_name as name from pg_stat_activity where application_name like 'wedpool:wedsync%' order by 1");
      expect(seen.map((r) => r.name)).toEqual([...names].sort());
      // (40 − 3 superuser-reserved − 3 margin) ÷ 2 instances = 17 each.
      await expect.poll(() => pools.map((p) => p.stats().budget), { timeout: 5_000 }).toEqual([17, 17]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('names connections wedpool:<app>:<instance>', async () => {
    const pool = new WeddingAwareConnectionPool({ connectionString: db.url, applicationName: 'naming-spec', instanceId: 'i-7', fleetBudget: false });
    try {
      const { rows } = await pool.query<{ name: string }>('select current_setting($1) as name', ['application_name']);
      expect(rows[0].name).toBe('wedpool:naming-spec:i-7');
    } finally {
      await pool.end();
    }
  });
});

/**
 * Three instances of one application, started `staggerMs` apart, each under load for 4 s; the
 * server's client connections never exceed `peakLimit` (37 is what non-superusers may use).
 */
async function runFleet(staggerMs: number, peakLimit: number, checkFailures: (failures: number[], lastErrors: (string | undefined)[]) => void): Promise<void> {
  {
    const pools = ['a', 'b', 'c'].map(
      (instanceId) =>
        new WeddingAwareConnectionPool({
          connectionString: db.url,
          applicationName: 'fleet-spec',
          instanceId,
          basePoolSize: { max: 30, acquireTimeoutMillis: 20_000 },
          weddingDayMultiplier: 1,
          fleetBudget: { refreshMillis: 100, safetyMargin: 3 },
          maintenanceIntervalMillis: 50,
        }),
    );
    const observer = new WeddingAwareConnectionPool({ connectionString: db.url, applicationName: 'fleet-observer', basePoolSize: { max: 1 }, fleetBudget: false });
    const errors: string[] = [];
    let peakServer = 0;
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        const { rows } = await observer.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where backend_type = 'client backend'");
        peakServer = Math.max(peakServer, rows[0].n);
        await sleep(20);
      }
    })();
    try {
      const deadline = Date.now() + 4_000 + 2 * staggerMs;
      await Promise.all(
        pools.flatMap((pool, i) =>
          Array.from({ length: 40 }, async () => {
            await sleep(i * staggerMs);
            while (Date.now() < deadline) {
              try {
                await pool.query('select pg_sleep(0.01)');
              } catch (err) {
                errors.push(err instanceof WedPoolError ? err.code : String(err));
              }
            }
          }),
        ),
      );
      const budgets = pools.map((p) => p.stats().budget);
      const sizes = pools.map((p) => p.stats().size);
      // (40 − 3 superuser-reserved − 1 observer − 3 margin) ÷ 3 = 11 each.
      expect(budgets).toEqual([11, 11, 11]);
      expect(sizes.every((s) => s <= 11)).toBe(true);
      checkFailures(pools.map((p) => p.stats().connectFailures), pools.map((p) => p.health().lastError?.message));
      expect(errors).toEqual([]);
      expect(peakServer).toBeLessThanOrEqual(peakLimit);
      expect(pools[0].stats().maxSize).toBe(11);
      expect(pools[0].scalingPlan().target.reason).toContain('capped by budget (11)');
    } finally {
      stop = true;
      await sampler;
      await Promise.all([...pools, observer].map((p) => p.end()));
    }
  }
}
