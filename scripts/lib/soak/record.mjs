// What the soak observed: query outcomes by class, errors by label, fault episodes (each one
// owns the errors seen from its injection until the next one), the canary's log, and process
// faults. Pure bookkeeping: no timers, no I/O.

/** A short, stable label for an error: class, code and the detail that tells faults apart. */
export function errorLabel(err, WedPoolError) {
  if (!(err instanceof WedPoolError)) {
    const e = /** @type {any} */ (err);
    return `untyped ${e?.name ?? typeof err}: ${String(e?.message ?? err).slice(0, 60)}`;
  }
  const e = /** @type {any} */ (err);
  let label = `${e.name} ${e.code}`;
  if (e.sqlstate) label += `/${e.sqlstate}`;
  if (e.kind) label += `/${e.kind}`;
  const cause = e.cause;
  if (cause instanceof WedPoolError) label += ` <- ${cause.code}${cause.kind ? `/${cause.kind}` : ''}`;
  return label;
}

const bump = (map, key, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

/** Collects outcomes. `now()` is `performance.now()`. */
export class SoakRecord {
  constructor(WedPoolError) {
    this.WedPoolError = WedPoolError;
    this.ok = 0;
    this.okByClass = new Map();
    this.errByClass = new Map();
    this.errors = new Map();
    this.untyped = 0;
    /** Untyped errors by source (`load`, `canary`, `slow-query`, `burst`, …): a caller never gets one. */
    this.untypedBySource = new Map();
    /** Fault drivers that threw (the fault may not have been injected as planned). */
    this.driverFailures = [];
    /** `{ atSeconds, rssMb }` every few seconds. */
    this.rss = [];
    /** Fault occurrences, in order: { kind, n, startAt, liftAt, note, errors, canaryErrors }. */
    this.episodes = [];
    this.baseline = { kind: 'before faults', errors: new Map(), canaryErrors: new Map() };
    this.current = this.baseline;
    /** Canary queries: { start, end, ok }. */
    this.canary = [];
    this.unhandledRejections = 0;
    this.uncaughtExceptions = 0;
    this.processFaults = [];
    /** Outcomes of the fault drivers' own calls (the slow query, the burst): label → count. */
    this.injected = new Map();
  }

  /** A load query succeeded for `cls`. */
  success(cls) {
    this.ok += 1;
    bump(this.okByClass, cls);
  }

  /** A load query failed for `cls`. */
  failure(cls, err) {
    const label = errorLabel(err, this.WedPoolError);
    this.noteUntyped('load', label);
    bump(this.errors, label);
    bump(this.errByClass, cls);
    bump(this.current.errors, label);
  }

  /** A canary query settled. */
  canaryDone(start, end, err) {
    this.canary.push({ start, end, ok: !err });
    if (err) {
      const label = errorLabel(err, this.WedPoolError);
      this.noteUntyped('canary', label);
      bump(this.current.canaryErrors, label);
    }
  }

  /** Counts an untyped error from `source` (all sources count towards `untyped`). */
  noteUntyped(source, label) {
    if (!label.startsWith('untyped')) return;
    this.untyped += 1;
    bump(this.untypedBySource, source);
  }

  /** An outcome of a fault driver's own call (not load). */
  injectedOutcome(kind, err) {
    const label = err ? errorLabel(err, this.WedPoolError) : 'ok';
    if (err) this.noteUntyped(kind, label);
    bump(this.injected, `${kind}: ${label}`);
  }

  /** A fault starts now: it owns every error until the next one starts. */
  beginEpisode(kind, startAt) {
    const n = this.episodes.filter((e) => e.kind === kind).length + 1;
    const ep = { kind, n, startAt, liftAt: null, note: '', errors: new Map(), canaryErrors: new Map() };
    this.episodes.push(ep);
    this.current = ep;
    return ep;
  }

  /** Total load errors. */
  get errorCount() {
    let n = 0;
    for (const v of this.errors.values()) n += v;
    return n;
  }

  /**
   * Recovery of each episode: ms from its lift until the first canary query that STARTED at or
   * after the lift succeeded (null when none did before the run ended).
   */
  recoveries() {
    const okCanary = this.canary.filter((c) => c.ok).sort((a, b) => a.start - b.start);
    return this.episodes.map((ep) => {
      if (ep.liftAt == null) return { ep, ms: null };
      let best = null;
      for (const c of okCanary) {
        if (c.start < ep.liftAt) continue;
        const ms = c.end - ep.liftAt;
        if (best === null || ms < best) best = ms;
        if (c.start > ep.liftAt + 10_000) break;
      }
      return { ep, ms: best };
    });
  }
}

/** min / median / max of numbers (nulls ignored), or null when there are none. */
export function spread(values) {
  const v = values.filter((x) => x != null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { min: v[0], median, max: v[v.length - 1], n: v.length };
}

/** `{ a: 3, b: 1 }`-style text for a label → count map, biggest first. */
export function countsText(map, limit = 6) {
  const entries = [...map.entries()].sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return 'none';
  const shown = entries.slice(0, limit).map(([k, v]) => `${k} ×${v}`);
  if (entries.length > limit) shown.push(`… ${entries.length - limit} more`);
  return shown.join('; ');
}
