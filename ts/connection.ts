/** A connection borrowed from the pool. */
import { inspect } from 'node:util';

import { ConfigError, ConnectionReleasedError } from './errors';
import { unwrap, type NativeConnection } from './native';
import { prepareParams } from './params';
import { shapeResult } from './results';
import type { QueryOptions, QueryParam, QueryResult } from './types';

/** A connection lent to one caller. Call {@link PoolConnection.release} exactly once. */
export class PoolConnection {
  readonly #native: NativeConnection;
  readonly #onRelease: (() => void) | undefined;
  #released = false;
  /** The server's backend process id. */
  readonly processId: number;
  /** Whether this connection occupies one of the emergency slots. */
  readonly reserved: boolean;
  /** The priority the caller was served with. */
  readonly priority: number;
  /** How long the caller waited for it, in ms. */
  readonly waitedMillis: number;

  /** @internal Created by the pool only. */
  constructor(native: NativeConnection, onRelease?: () => void) {
    this.#native = native;
    this.#onRelease = onRelease;
    this.processId = native.processId;
    this.reserved = native.reserved;
    this.priority = native.priority;
    this.waitedMillis = native.waitedMicros / 1000;
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
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    if (this.#released) throw new ConnectionReleasedError();
    const wire = prepareParams(params);
    const timeout = options?.queryTimeoutMillis;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
      throw new ConfigError('queryTimeoutMillis', `must be a number of milliseconds of 0 or more, got ${String(timeout)}`);
    }
    return shapeResult<R>(unwrap(await this.#native.query(sql, wire, timeout)), options);
  }

  /** Gives the connection back. Throws `ConnectionReleasedError` when called twice. */
  release(): void {
    if (this.#released || !this.#native.release()) {
      this.#released = true;
      throw new ConnectionReleasedError();
    }
    this.#released = true;
    this.#onRelease?.();
  }

  /** @internal */
  [inspect.custom](): string {
    return `PoolConnection { processId: ${this.processId}, reserved: ${this.reserved}, priority: ${this.priority}, released: ${this.#released} }`;
  }
}
