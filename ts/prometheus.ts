/**
 * prom-client integration: `registerPrometheusMetrics(pool, register)` adds the pool's metrics
 * to a prom-client registry, so `await register.metrics()` includes them. prom-client is not a
 * dependency of WedPool: any registry with prom-client's `registerMetric` works. The families
 * come as data from the core (`pool.metricFamilies()`), the same data `pool.metrics()` renders
 * as text; nothing is parsed.
 */
import type { WeddingAwareConnectionPool } from './pool';
import type { MetricFamily } from './types';

/** One family as prom-client's registry expects it from a metric's `get()`. */
interface PromFamily {
  name: string;
  help: string;
  type: MetricFamily['type'];
  aggregator: 'sum';
  values: Array<{ metricName: string; labels: Record<string, string>; value: number }>;
}

/** The part of a prom-client `Registry` this helper uses. */
export interface PromRegistryLike {
  registerMetric(metric: unknown): void;
  getSingleMetric?(name: string): unknown;
}

function toPromFamily(family: MetricFamily): PromFamily {
  return {
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: 'sum',
    values: family.samples.map((s) => ({ metricName: s.name, labels: s.labels, value: s.value })),
  };
}

/**
 * Registers the pool's metric families with a prom-client registry. Values are read from the
 * pool at each scrape. Returns the registered family names.
 */
export function registerPrometheusMetrics(pool: WeddingAwareConnectionPool, register: PromRegistryLike): string[] {
  // One reading per scrape: `registry.metrics()` calls every family's `get()` synchronously, so
  // a reading lasts until the next microtask (a later turn of the event loop could already see
  // a query that completed in between, and a stale reading would hide it).
  let cache: Map<string, PromFamily> | undefined;
  const read = (): Map<string, PromFamily> => {
    if (!cache) {
      cache = new Map(pool.metricFamilies().map((f) => [f.name, toPromFamily(f)]));
      queueMicrotask(() => (cache = undefined));
    }
    return cache;
  };
  const names = [...read().keys()];
  for (const name of names) {
    const first = read().get(name)!;
    register.registerMetric({
      name,
      help: first.help,
      type: first.type,
      aggregator: 'sum',
      get: async () => read().get(name) ?? { ...first, values: [] },
      reset: () => undefined,
    });
  }
  return names;
}
