// Small statistics helpers.

/** The p-th percentile (nearest rank) of `values`; null when empty. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** "0.4 ms", "12 ms", "1.53 s"; "–" for null. */
export function formatMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Values recorded with a timestamp, of which only the last `windowMillis` are kept:
 * live percentiles for the progress line.
 */
export class SlidingWindow {
  constructor(windowMillis) {
    this.windowMillis = windowMillis;
    this.times = [];
    this.values = [];
    this.head = 0;
  }
  push(now, value) {
    this.times.push(now);
    this.values.push(value);
  }
  current(now) {
    while (this.head < this.times.length && this.times[this.head] < now - this.windowMillis) this.head += 1;
    if (this.head > 4096) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
    return this.values.slice(this.head);
  }
}
