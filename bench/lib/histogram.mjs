// A latency recorder: values in nanoseconds appended to a growable Float64Array, sorted once
// when summarised (exact percentiles, nearest-rank). Simple and precise for the ≤ a few
// million samples a benchmark process records.

export class Histogram {
  #values = new Float64Array(1024);
  #count = 0;

  /** Records one value in ns (a number or a bigint from process.hrtime.bigint()). */
  record(ns) {
    if (this.#count === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#count++] = Number(ns);
  }

  get count() {
    return this.#count;
  }

  /** { count, p50, p99, p999, max } in µs. */
  summary() {
    const sorted = this.#values.slice(0, this.#count).sort();
    const at = (p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 1_000);
    return { count: sorted.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) };
  }
}
