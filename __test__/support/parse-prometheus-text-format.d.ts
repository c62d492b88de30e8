// Typings for the Prometheus text parser used by metrics.spec.ts (the package ships none).
declare module 'parse-prometheus-text-format' {
  /** One sample (gauge/counter value, or histogram buckets with count and sum). */
  interface Sample {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** One metric family. */
  interface Family {
    name: string;
    help: string;
    type: 'GAUGE' | 'COUNTER' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: Sample[];
  }
  /** Parses Prometheus text exposition; throws on malformed input. */
  export default function parsePrometheusTextFormat(text: string): Family[];
}
