/** The public pool. */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';

import { PoolConnection, type Submit } from './connection';
import { checkTimeout, readField, snapshotAcquireOptions, snapshotFields, type AcquireSnapshot } from './acquire-options';
import { contextFlags, snapshotContext } from './context';
import { thrownText } from './describe';
import { AbortError, ConfigError, WedPoolError } from './errors';
import {
  connectionRelease,
  createPool,
  poolAcquireOrEnqueue,
  EVENT_BITS,
  isNativeError,
  throwIfError,
  toError,
  toMetricFamilies,
  toPublicStats,
  unwrap,
  type NativeConnection,
  type NativeError,
  type NativeEvent,
  type NativePool,
  type NativePoolHandle,
  type NativeResult,
} from './native';
import { processTimezone, snapshotOptions, toNativeOptions, type WeddingPoolOptions } from './options';
import { checkSql, prepareParams } from './params';
import { shapeResult } from './results';
import { QueryTracer } from './otel';
import { TrafficProfileStore } from './profile-store';
import { runTransaction, type TransactionAttempt, type TransactionOptions } from './transaction';
import type {
  AcquireOptions,
  DatabaseContext,
  HealthReport,
  MetricFamily,
  PoolEvents,
  PoolStats,
  QueryOptions,
  QueryParam,
  QueryResult,
  ScalingPlan,
} from './types';

/** The snapshot of absent acquire options: the pool's deadline, no signal. */
const NO_ACQUIRE_OPTIONS: AcquireSnapshot = Object.freeze({ timeoutMillis: undefined, signal: undefined });

const NATIVE_EVENTS: Record<Exclude<keyof PoolEvents, 'leak' | 'commitResolved'>, number> = EVENT_BITS;

/** Options of {@link WeddingAwareConnectionPool.end}. */
export interface EndOptions {
  /** How long in-flight work may run before it is cancelled (default 10,000 ms). */
  timeoutMillis?: number;
}

function publicEvent(e: NativeEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e)) if (key !== 'type' && value !== undefined && value !== null) out[key] = value;
  return out;
}

/** `Date.prototype.getTime` as the platform defines it. */
const dateMillis = Date.prototype.getTime;

/** {@link PoolEvents} in the shape Node's typed `EventEmitter` takes: each event's argument list. */
export type PoolEventArgs = { [K in keyof PoolEvents]: [PoolEvents[K]] };

/**
 * A wedding-aware PostgreSQL connection pool: priority acquisition, an emergency reserve for
 * wedding-critical work, and wedding-day scaling. Emits the {@link PoolEvents} (`connect`,
 * `acquire`, `release`, `remove`, `scale`, `health`, `leak`, `commitResolved`); never `'error'`.
 */
export class WeddingAwareConnectionPool extends EventEmitter<PoolEventArgs> {
  readonly #native: NativePool;
  /** What the synchronous acquire takes (a plain function, cheaper than a method call). */
  readonly #handle: NativePoolHandle;
  readonly #leakThresholdMillis: number;
  readonly #profileStore: TrafficProfileStore | undefined;
  readonly #tracer: QueryTracer | undefined;
  #ended = false;
  #listening = false;
  /** Submitted native calls by id, settled by the batches `onCompletions` delivers. */
  readonly #settle = new Map<number, (outcome: unknown) => void>();
  #nextId = 0;
  /** A flush of deferred `pool.query` statements is scheduled (see {@link #query}). */
  #flushQueued = false;
  readonly #flush = (): void => {
    this.#flushQueued = false;
    throwIfError(this.#native.flushSubmissions());
  };

  /** Validates options (throws `ConfigError` naming the field) and starts the pool. */
  constructor(given?: WeddingPoolOptions) {
    super();
    const options = snapshotOptions(given);
    const created = createPool(toNativeOptions(options), processTimezone());
    if (isNativeError(created)) throw toError(created);
    this.#native = created;
    this.#leakThresholdMillis = options?.leakDetectionThresholdMillis ?? 0;
    this.#tracer = QueryTracer.create(unwrap(this.#native.target()), options?.tracing);
    const table = options?.trafficLearning?.table;
    if (table) {
      const name = table === true ? 'wedpool_traffic_profile' : table;
      const every = options?.trafficLearning?.saveIntervalMillis ?? 600_000;
      this.#profileStore = new TrafficProfileStore(this, name, options?.applicationName ?? 'app', every);
    }
    throwIfError(this.#native.setEventMask(0));
    throwIfError(
      this.#native.onCompletions((batch) => {
        for (let i = 0; i < batch.length; i += 2) {
          const id = batch[i] as number;
          const settle = this.#settle.get(id);
          this.#settle.delete(id);
          settle?.(batch[i + 1]);
        }
      }),
    );
    this.#handle = unwrap(this.#native.handle());
    // Node's own bookkeeping events are not part of PoolEvents.
    const untyped = this as EventEmitter;
    untyped.on('newListener', (name: string | symbol) => queueMicrotask(() => this.#updateEventMask(name)));
    untyped.on('removeListener', () => this.#updateEventMask());
  }

  #updateEventMask(_added?: string | symbol): void {
    if (this.#ended) return;
    let mask = 0;
    for (const [name, bit] of Object.entries(NATIVE_EVENTS)) if ((this as EventEmitter).listenerCount(name) > 0) mask |= bit;
    if (mask !== 0 && !this.#listening) {
      this.#listening = true;
      throwIfError(
        this.#native.onEvent((event: NativeEvent) => {
          try {
            (this as EventEmitter).emit(event.type, publicEvent(event));
          } catch (err) {
            process.emitWarning(`a WedPool '${event.type}' listener threw: ${thrownText(err)}`, 'WedPoolListenerWarning');
          }
        }),
      );
    }
    throwIfError(this.#native.setEventMask(mask));
  }

  /** Resolves once `min` connections (at least one) are open; rejects with the connect error. */
  async ready(): Promise<void> {
    const error = await this.#native.ready();
    if (error) throw toError(error);
    if (this.#profileStore) {
      await this.#profileStore.load();
      this.#profileStore.start();
    }
  }

  /**
   * Borrows a connection for `ctx`. Higher priority callers are served first; wedding-critical
   * callers may use the emergency reserve on wedding days. Rejects with
   * `AcquireTimeoutError`, `AbortError`, `PoolClosedError`.
   */
  async getConnection(ctx?: DatabaseContext, options?: AcquireOptions): Promise<PoolConnection> {
    // Context and options are read once, before anything is queued: a throwing getter or a
    // non-AbortSignal is a ConfigError naming the field, and nothing needs undoing.
    const snapshot = snapshotContext(ctx);
    const { timeoutMillis: timeout, signal } = options === undefined ? NO_ACQUIRE_OPTIONS : snapshotAcquireOptions(options);
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    const flags = contextFlags(snapshot);
    const acquiredAt = this.#leakThresholdMillis > 0 ? new Error('connection acquired here').stack ?? '' : undefined;
    const first = unwrap(poolAcquireOrEnqueue(this.#handle, flags));
    if (typeof first !== 'number') return this.#lend(first, snapshot, acquiredAt);
    // From here until `wait` owns the ticket, any throw must cancel it: a ticket left queued
    // would later be handed a connection nobody releases.
    const ticket = first;
    let unwatch: (() => void) | undefined;
    let waiting: Promise<NativeConnection | NativeError>;
    try {
      unwatch = signal?.watch(() => unwrap(this.#native.cancel(ticket)));
      waiting = this.#submit<NativeConnection>((id) => this.#native.waitSubmit(id, ticket, timeout));
    } catch (err) {
      unwrap(this.#native.cancel(ticket));
      unwatch?.();
      throw err;
    }
    try {
      const result = await waiting;
      if (isNativeError(result)) {
        if (result.code === 'ABORT_ERR' && signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
        throw toError(result);
      }
      if (signal?.aborted) {
        connectionRelease(result, false);
        throw new AbortError(undefined, { cause: signal.reason });
      }
      return this.#lend(result, snapshot, acquiredAt);
    } finally {
      unwatch?.();
    }
  }

  #lend(native: NativeConnection, ctx: DatabaseContext | undefined, acquiredAt: string | undefined): PoolConnection {
    if (acquiredAt === undefined) return new PoolConnection(native, this.#submit, undefined, this.#tracer);
    const started = Date.now();
    const conn: PoolConnection = new PoolConnection(native, this.#submit, () => clearTimeout(timer), this.#tracer);
    const timer = setTimeout(() => {
      if (conn.released) return;
      this.emit('leak', { processId: conn.processId, heldMillis: Date.now() - started, stack: acquiredAt, context: ctx });
    }, this.#leakThresholdMillis);
    timer.unref();
    return conn;
  }

  /**
   * Acquires a connection, runs one statement and releases it — one call into Rust.
   * Rejects like {@link getConnection} and {@link PoolConnection.query}.
   */
  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly QueryParam[],
    ctx?: DatabaseContext,
    given?: QueryOptions & AcquireOptions,
  ): Promise<QueryResult<R>> {
    checkSql(sql);
    const wire = prepareParams(params);
    const snapshot = snapshotContext(ctx);
    // Read once: the same values go to the acquire, the statement and the result's shape.
    const options = snapshotFields(given, ['rowMode', 'queryTimeoutMillis', 'timeoutMillis', 'signal']);
    if (options?.signal !== undefined) {
      const conn = await this.getConnection(snapshot, options);
      try {
        return await conn.query<R>(sql, params, options);
      } finally {
        conn.release();
      }
    }
    const timeout = checkTimeout(options?.timeoutMillis);
    const queryTimeout = checkTimeout(options?.queryTimeoutMillis, 'queryTimeoutMillis');
    const active = this.#tracer?.start(sql);
    if (!active) return shapeResult<R>(unwrap(await this.#query(contextFlags(snapshot), sql, wire, timeout, queryTimeout)), options);
    const result = await this.#query(contextFlags(snapshot), sql, wire, timeout, queryTimeout, true);
    const checkout = result.checkout ?? undefined;
    if (isNativeError(result)) {
      const error = toError(result);
      active.finish(checkout, error);
      throw error;
    }
    active.finish(checkout);
    return shapeResult<R>(result, options);
  }

  /**
   * One native `pool.query`, settled through the shared completion channel. While other calls
   * are in flight it starts at the end of the tick, together with every statement submitted
   * until then: a burst of callers' statements then reaches each connection together and is
   * written in one `send`.
   */
  #query(
    flags: number,
    sql: string,
    wire: Array<string | Buffer | null>,
    timeout: number | undefined,
    queryTimeout: number | undefined,
    observe?: boolean,
  ): Promise<NativeResult | NativeError> {
    const defer = this.#settle.size > 0;
    const settled = this.#submit((id) => this.#native.querySubmit(id, flags, sql, wire, timeout, queryTimeout, observe, defer));
    if (defer && !this.#flushQueued) {
      this.#flushQueued = true;
      process.nextTick(this.#flush);
    }
    return settled;
  }

  /** Submits one native call under a fresh id (`send` answers an error when it could not). */
  readonly #submit: Submit = (send) => {
    const id = (this.#nextId = (this.#nextId + 1) >>> 0);
    const refused = send(id);
    if (refused) return Promise.resolve(refused);
    return new Promise((resolve) => this.#settle.set(id, resolve as (outcome: unknown) => void));
  };

  /**
   * Runs `fn` inside `BEGIN … COMMIT` on one connection and resolves with what `fn` returned;
   * rolls back and rethrows when `fn` throws. The connection is always released.
   *
   * With `retries`, `fn` runs again (told which `attempt` it is) only when the earlier attempt
   * is known not to have committed: 40001, 40P01, the connection lost before COMMIT was sent,
   * or a COMMIT the server reports aborted. When the answer to COMMIT is lost (connection
   * broken, or COMMIT past its deadline) and
   * `resolveCommitOutcome` is on (default for wedding-critical contexts), another connection
   * asks the server: committed → resolves (and emits `commitResolved`); aborted → rejects
   * with `CommitAbortedError` (safe to retry); undecided by `commitOutcomeTimeoutMillis` →
   * `CommitOutcomeUnknownError` (`COMMIT_OUTCOME_UNKNOWN`, with the transaction id).
   */
  async transaction<T>(
    ctx: DatabaseContext | undefined,
    fn: (tx: PoolConnection, attempt: TransactionAttempt) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    return runTransaction(
      {
        getConnection: (c, o) => this.getConnection(c, o),
        commitOutcome: (flags, id, deadline) => this.#native.commitOutcome(flags, id, deadline),
        emit: (event, payload) => {
          try {
            (this as EventEmitter).emit(event, payload);
          } catch (err) {
            process.emitWarning(`a WedPool '${event}' listener threw: ${thrownText(err)}`, 'WedPoolListenerWarning');
          }
        },
      },
      snapshotContext(ctx),
      fn,
      snapshotFields(options, ['retries', 'resolveCommitOutcome', 'commitOutcomeTimeoutMillis', 'isolationLevel', 'signal', 'timeoutMillis']),
    );
  }

  /** The priority `ctx` would get now (100, +1000 active wedding, +500 wedding day, +300 critical). */
  calculateConnectionPriority(ctx?: DatabaseContext): number {
    return unwrap(this.#native.priorityOf(contextFlags(snapshotContext(ctx))));
  }

  /** Whether the calendar says now is a wedding day in any configured timezone. */
  isWeddingDay(): boolean {
    return unwrap(this.#native.isWeddingDay());
  }

  /** The pool now. */
  stats(): PoolStats {
    return toPublicStats(unwrap(this.#native.stats()));
  }

  /**
   * Freezes the calendar clock (tests, simulations); `null` returns to the system clock. The
   * scaling target is re-evaluated at once. Timeouts always use real time. Dates outside the
   * years 1–9999 (UTC) are refused with `ConfigError` (`calendarTime`).
   */
  setCalendarTime(time: Date | null): void {
    let millis: number | null = null;
    if (time !== null) {
      // The platform's getTime, read once: it brand-checks (a Proxy or look-alike throws) and
      // ignores an overridden getTime/valueOf.
      try {
        millis = dateMillis.call(time);
      } catch (cause) {
        throw new ConfigError('calendarTime', 'must be a valid Date or null', { cause });
      }
      if (Number.isNaN(millis)) throw new ConfigError('calendarTime', 'must be a valid Date or null');
    }
    const error = this.#native.setCalendarTime(millis);
    if (error) throw toError(error);
  }

  /**
   * Ends the pool: stops admitting, rejects queued callers with `PoolClosedError`, closes idle
   * connections, lets work in flight finish for up to `timeoutMillis` (default 10,000), then
   * cancels it and closes the rest. Idempotent; Node can exit afterwards.
   */
  async end(options?: EndOptions): Promise<void> {
    const timeout = checkTimeout(readField(options, 'timeoutMillis')) ?? 10_000;
    if (this.#ended) return;
    if (this.#profileStore) {
      this.#profileStore.stop();
      await this.#profileStore.save().catch((err) => process.emitWarning(`could not save the WedPool traffic profile: ${String(err)}`, 'WedPoolWarning'));
    }
    // Statements deferred to this tick's flush start before the pool stops admitting.
    if (this.#flushQueued) this.#flush();
    this.#ended = true;
    unwrap(await this.#native.drain(timeout));
    throwIfError(this.#native.end());
  }

  /**
   * The scaling target now and the changes expected in the next 48 hours of calendar time,
   * each with its reason (base, wedding day in <timezone>, lead-in, forecast for <hour>,
   * capped by budget). `scale` events carry the same reasons.
   */
  scalingPlan(): ScalingPlan {
    const p = unwrap(this.#native.scalingPlan());
    return {
      target: { min: p.min, max: p.max, reason: p.reason },
      next: p.next.map((c) => ({ at: new Date(c.atMillis), min: c.min, max: c.max, reason: c.reason })),
    };
  }

  /** Prometheus text exposition: gauges, counters and the acquire-wait histogram per class. */
  metrics(): string {
    return unwrap(this.#native.metrics());
  }

  /**
   * The same metrics as data — family name, help, type, samples with labels — for
   * integrations that would otherwise parse {@link metrics} (the prom-client bridge uses it).
   */
  metricFamilies(): MetricFamily[] {
    return toMetricFamilies(unwrap(this.#native.metricFamilies()));
  }

  /** The learned hour-of-week traffic profile (JSON-serialisable), for `importTrafficProfile`. */
  exportTrafficProfile(): unknown {
    return JSON.parse(unwrap(this.#native.exportTrafficProfile()));
  }

  /**
   * Loads a profile from `exportTrafficProfile` and re-plans at once. All or nothing: a
   * malformed profile throws `ConfigError` (`trafficProfile`) and changes nothing.
   */
  importTrafficProfile(profile: unknown): void {
    let json: string | undefined;
    try {
      json = typeof profile === 'string' ? profile : JSON.stringify(profile);
    } catch (err) {
      throw new ConfigError('trafficProfile', `is not JSON-serialisable (${thrownText(err)})`);
    }
    if (typeof json !== 'string') throw new ConfigError('trafficProfile', `must be a profile object or JSON text, got ${typeof profile}`);
    const error = this.#native.importTrafficProfile(json);
    if (error) throw toError(error);
  }

  /** The pool's view of the database: `healthy`, `degraded` or `down`, since when, and why. */
  health(): HealthReport {
    const h = unwrap(this.#native.health());
    const report: HealthReport = {
      state: h.state as HealthReport['state'],
      since: new Date(h.sinceMillis),
      consecutiveFailures: h.consecutiveFailures,
    };
    if (h.lastError) report.lastError = toError(h.lastError);
    return report;
  }

  /** Whether {@link end} was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** @internal */
  [inspect.custom](): string {
    const s = this.stats();
    return `WeddingAwareConnectionPool { target: ${inspect(unwrap(this.#native.target()))}, size: ${s.size}, idle: ${s.idle}, inUse: ${s.inUse}, waiting: ${s.waiting}, maxSize: ${s.maxSize}, weddingDay: ${s.weddingDay} }`;
  }
}

export { WedPoolError };
