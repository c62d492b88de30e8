/**
 * prom-client integration: `registerPrometheusMetrics(pool, register)` adds the pool's metrics
 * to a prom-client registry, so `await register.metrics()` includes them. prom-client is not a
 * dependency of WedPool: any registry with prom-client's `registerMetric` works.
 */
import type { WeddingAwareConnectionPool } from './pool';

/** One sample of a metric family. */
interface Sample {
  metricName: string;
  labels: Record<string, string>;
  value: number;
}

/** One family as prom-client's registry expects it from a metric's `get()`. */
interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  aggregator: 'sum';
  values: Sample[];
}

/** The part of a prom-client `Registry` this helper uses. */
export interface PromRegistryLike {
  registerMetric(metric: unknown): void;
  getSingleMetric?(name: string): unknown;
}

const LABELS = /(\w+)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses WedPool's Prometheus text exposition into families. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) {
      const [, name, help] = /^# HELP (\S+) (.*)$/.exec(line) ?? [];
      current = { name, help, type: 'gauge', aggregator: 'sum', values: [] };
      families.set(name, current);
    } else if (line.startsWith('# TYPE ') && current) {
      current.type = line.split(' ')[3] as Family['type'];
    } else if (line && current) {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) continue;
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? '').matchAll(LABELS)) labels[key] = unescape(value);
      const value = match[3] === '+Inf' ? Infinity : Number(match[3]);
      current.values.push({ metricName: match[1], labels, value });
    }
  }
  return families;
}

/**
 * Registers the pool's metric families with a prom-client registry. Values are read from the
 * pool at each scrape. Returns the registered family names.
 */
export function registerPrometheusMetrics(pool: WeddingAwareConnectionPool, register: PromRegistryLike): string[] {
  // One reading per scrape: prom-client asks every family within one turn of the event loop.
  let cache: Map<string, Family> | undefined;
  const read = (): Map<string, Family> => {
    if (!cache) {
      cache = parseExposition(pool.metrics());
      setImmediate(() => (cache = undefined));
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
