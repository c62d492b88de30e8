/** A connection borrowed from the pool. */
import { inspect } from 'node:util';

import { snapshotFields } from './acquire-options';
import { describeValue } from './describe';
import { ConfigError, ConnectionReleasedError } from './errors';
import {
  connectionDetails,
  connectionLearnedTransactionId,
  connectionLearnTransactionIds,
  connectionQuerySubmit,
  connectionRelease,
  isNativeError,
  throwIfError,
  toError,
  unwrap,
  type NativeConnection,
  type NativeError,
  type NativeResult,
} from './native';
import type { QueryTracer } from './otel';
import { checkSql, prepareParams } from './params';
import { shapeResult } from './results';
import type { QueryOptions, QueryParam, QueryResult } from './types';

/** The query options read, each once, from what the caller passed. */
const QUERY_OPTION_FIELDS = ['rowMode', 'queryTimeoutMillis'] as const;

interface ConnectionDetails {
  processId: number;
  connectionId: number;
  reserved: boolean;
  priority: number;
  waitedMillis: number;
}

/**
 * @internal Submits one native call under a fresh id, settled through the pool's completion
 * channel; `send` answers an error instead when it could not submit.
 */
export type Submit = <T = NativeResult>(send: (id: number) => NativeError | null) => Promise<T | NativeError>;

/** A connection lent to one caller. Call {@link PoolConnection.release} exactly once. */
export class PoolConnection {
  readonly #native: NativeConnection;
  readonly #submit: Submit;
  readonly #onRelease: (() => void) | undefined;
  readonly #tracer: QueryTracer | undefined;
  #released = false;
  // Read from the native side on first use: most callers never look, and each read is a call
  // across the N-API boundary (this keeps the uncontended acquire cheap).
  #details: ConnectionDetails | undefined;

  /** @internal Created by the pool only. */
  constructor(native: NativeConnection, submit: Submit, onRelease?: () => void, tracer?: QueryTracer) {
    this.#native = native;
    this.#submit = submit;
    this.#onRelease = onRelease;
    this.#tracer = tracer;
  }

  /** Runs `work` inside a query span when tracing is on. */
  async #traced<T>(sql: string, work: () => Promise<T>): Promise<T> {
    const active = this.#tracer?.start(sql);
    if (!active) return work();
    try {
      const value = await work();
      active.finish(this.#read());
      return value;
    } catch (err) {
      active.finish(this.#read(), err);
      throw err;
    }
  }

  #read(): ConnectionDetails {
    if (!this.#details) {
      const n = unwrap(connectionDetails(this.#native));
      this.#details = { processId: n.processId, connectionId: n.connectionId, reserved: n.reserved, priority: n.priority, waitedMillis: n.waitedMicros / 1000 };
    }
    return this.#details;
  }

  /** The server's backend process id. */
  get processId(): number {
    return this.#read().processId;
  }

  /** The pool's id for this connection, as `connect`/`acquire`/`release`/`remove` events name it. */
  get connectionId(): number {
    return this.#read().connectionId;
  }

  /** Whether this connection occupies one of the emergency slots. */
  get reserved(): boolean {
    return this.#read().reserved;
  }

  /** The priority the caller was served with. */
  get priority(): number {
    return this.#read().priority;
  }

  /** How long the caller waited for it, in ms. */
  get waitedMillis(): number {
    return this.#read().waitedMillis;
  }

  /** Whether {@link PoolConnection.release} was called. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * Runs one statement with bound parameters (`$1`, `$2`, …).
   * Rejects with `DatabaseError` (code = SQLSTATE), `ConnectionLostError`,
   * `InvalidParameterError` (nothing sent) or `ConnectionReleasedError`.
   */
  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly QueryParam[],
    given?: QueryOptions,
  ): Promise<QueryResult<R>> {
    if (this.#released) throw new ConnectionReleasedError();
    checkSql(sql);
    const wire = prepareParams(params);
    const options = snapshotFields(given, QUERY_OPTION_FIELDS);
    const timeout = options?.queryTimeoutMillis;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
      throw new ConfigError('queryTimeoutMillis', `must be a number of milliseconds of 0 or more, got ${describeValue(timeout)}`);
    }
    return this.#traced(sql, async () => shapeResult<R>(unwrap(await this.#submit((id) => connectionQuerySubmit(this.#native, id, sql, wire, timeout))), options));
  }

  /**
   * @internal Runs one statement and returns the native result: cells decoded, or with
   * `textResults` each one as the server's text form (for node-postgres type parsers).
   */
  async queryRaw(sql: string, params: readonly unknown[] | undefined, timeoutMillis: number | undefined, textResults: boolean): Promise<NativeResult> {
    if (this.#released) throw new ConnectionReleasedError();
    checkSql(sql);
    const wire = prepareParams(params);
    return this.#traced(sql, async () => unwrap(await this.#submit((id) => connectionQuerySubmit(this.#native, id, sql, wire, timeoutMillis, textResults))));
  }

  /**
   * @internal Before each COMMIT on this connection, ask the transaction's id (one round trip),
   * so a `ConnectionLostError` for a COMMIT whose answer was lost carries `transactionId`.
   */
  learnTransactionIds(): void {
    if (!this.#released) throwIfError(connectionLearnTransactionIds(this.#native, true));
  }

  /**
   * @internal What was learned before the current transaction's COMMIT: `null` when it was not
   * asked (its COMMIT was never sent), `''` when it had no id (it wrote nothing), else the id.
   */
  get learnedTransactionId(): string | null {
    return this.#released ? null : (unwrap(connectionLearnedTransactionId(this.#native)) ?? null);
  }

  /** Gives the connection back. Throws `ConnectionReleasedError` when called twice. */
  release(): void {
    this.#giveBack(false);
  }

  /**
   * Closes the connection instead of returning it (its session state is unknown or unwanted);
   * the pool opens a replacement when needed. Counts as the release: throws
   * `ConnectionReleasedError` when the connection was already released.
   */
  destroy(): void {
    this.#giveBack(true);
  }

  #giveBack(destroy: boolean): void {
    if (this.#released) throw new ConnectionReleasedError();
    this.#released = true;
    const released = connectionRelease(this.#native, destroy);
    if (released === false) throw new ConnectionReleasedError();
    // Given back, or taken and closed after an internal error: either way it is not ours now.
    this.#onRelease?.();
    if (isNativeError(released)) throw toError(released);
  }

  /** @internal */
  [inspect.custom](): string {
    return `PoolConnection { processId: ${this.processId}, reserved: ${this.reserved}, priority: ${this.priority}, released: ${this.#released} }`;
  }
}
