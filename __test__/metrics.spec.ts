// Prometheus metrics, parsed with a real Prometheus text parser, and the prom-client helper.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { registerPrometheusMetrics } from '../dist/index.js';
import { SATURDAY, WEDNESDAY, eventually, makePool } from './support/pool';

type Family = { name: string; type: string; metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }> };

describe('metrics', () => {
  it('exposes gauges, counters and a per-class wait histogram that a Prometheus parser accepts', async () => {
    const pool = makePool({ applicationName: 'metrics-spec', basePoolSize: { max: 2 }, emergencyReservedConnections: 1, weddingCalendar: { timezones: ['UTC'] } });
    pool.setCalendarTime(SATURDAY);
    await pool.query('select 1');
    await pool.query('select 1', [], { isWeddingCritical: true });
    const text = pool.metrics();
    const families = parsePrometheusTextFormat(text) as Family[];
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const name of ['wedpool_connections', 'wedpool_waiting', 'wedpool_reserved', 'wedpool_target', 'wedpool_health', 'wedpool_acquired_total', 'wedpool_acquire_timeouts_total', 'wedpool_shed_total', 'wedpool_connections_created_total', 'wedpool_connections_removed_total', 'wedpool_scale_events_total']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('wedpool_acquired_total')!.metrics[0]).toMatchObject({ labels: { pool: 'metrics-spec' }, value: '2' });
    const health = byName.get('wedpool_health')!.metrics.find((m) => m.labels?.state === 'healthy');
    expect(health?.value).toBe('1');
    const waits = byName.get('wedpool_acquire_wait_seconds')!;
    expect(waits.type).toBe('HISTOGRAM');
    // This parser flattens histogram label sets, so read the per-class counts from the lines.
    const count = (cls: string) => new RegExp(`^wedpool_acquire_wait_seconds_count\\{pool="metrics-spec",class="${cls}"\\} (\\d+)$`, 'm').exec(text)?.[1];
    expect([count('critical'), count('wedding'), count('normal')]).toEqual(['1', '1', '0']);
  });

  it('registers with a prom-client registry', async () => {
    const pool = makePool({ applicationName: 'prom-client-spec' });
    pool.setCalendarTime(WEDNESDAY);
    await pool.query('select 1');
    const registry = new Registry();
    const names = registerPrometheusMetrics(pool, registry);
    expect(names).toContain('wedpool_acquire_wait_seconds');
    const text = await registry.metrics();
    expect(text).toContain('wedpool_acquired_total{pool="prom-client-spec"} 1');
    expect(text).toContain('wedpool_acquire_wait_seconds_count{pool="prom-client-spec",class="normal"} 1');
    expect(text).toContain('# TYPE wedpool_acquire_wait_seconds histogram');
    await pool.query('select 1');
    expect(await registry.metrics()).toContain('wedpool_acquired_total{pool="prom-client-spec"} 2');
  });

  it('the prom-client bridge and the text exposition carry the same families, types and samples', async () => {
    // No reserve to warm and no wedding day to scale for: nothing changes the pool between the
    // two readings below but this test.
    const pool = makePool({ applicationName: 'agree "spec"\\x', basePoolSize: { min: 1, max: 2 }, weddingCalendar: { timezones: ['UTC'] } });
    pool.setCalendarTime(WEDNESDAY);
    await pool.query('select 1');
    await pool.query('select 1', [], { isWeddingCritical: true });
    await eventually(() => pool.stats().pending === 0 && pool.stats().inUse === 0);
    const registry = new Registry();
    registerPrometheusMetrics(pool, registry);
    // Read both in one turn of the event loop, so they see the same pool.
    const [fromBridge, text] = await Promise.all([registry.metrics(), Promise.resolve(pool.metrics())]);
    // Series with their labels as written, and values compared as numbers (prom-client writes
    // JavaScript's number text, WedPool Rust's: 5e-7 and 0.0000005 are the same sample).
    const samples = (exposition: string) =>
      exposition
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const headers = (exposition: string) => exposition.split('\n').filter((l) => l.startsWith('# ')).sort();
    expect(samples(text).length).toBeGreaterThan(60);
    expect(samples(fromBridge)).toEqual(samples(text));
    expect(headers(fromBridge)).toEqual(headers(text));
    const families = pool.metricFamilies();
    const typed = headers(text).filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ').slice(2).join(' '));
    expect(families.map((f) => `${f.name} ${f.type}`).sort()).toEqual(typed);
    expect(families.find((f) => f.name === 'wedpool_acquire_wait_seconds')).toMatchObject({ type: 'histogram' });
  });
});
