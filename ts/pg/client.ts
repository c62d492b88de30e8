/**
 * The client `wedpool/pg` lends: the node-postgres `PoolClient` surface over one WedPool
 * connection. One object per connection, handed out again each time that connection is lent
 * (Kysely keys its state by client object).
 */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';

import type { PoolConnection } from '../connection';
import { ConnectionReleasedError, WedPoolError } from '../errors';
import { normaliseQuery, type NormalisedQuery, type QueryCallback, type QueryConfig, type Submittable } from './query-args';
import { toPgResult, type CustomTypesConfig, type QueryResult } from './results';

/** What the client needs from its pool. */
export interface ClientOwner {
  /** The pool's type parsers, if any. */
  readonly types: CustomTypesConfig | undefined;
  /** The pool's client-side deadline, if any. */
  readonly queryTimeout: number | undefined;
  /** Called by `release(err?)`. */
  releaseClient(client: PoolClient, err: Error | boolean | undefined): void;
}

/** The error pg throws on a second `release()`. */
export class DoubleReleaseError extends ConnectionReleasedError {
  constructor() {
    super('Release called on client which has already been released to the pool.');
  }
}

/** A connection lent by a `wedpool/pg` pool; call `release()` exactly once per `connect()`. */
export class PoolClient extends EventEmitter {
  readonly #owner: ClientOwner;
  #connection: PoolConnection | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #uses = 0;
  readonly #createdAt = Date.now();
  /** The pool's id for the connection (as WedPool's events name it). */
  readonly connectionId: number;
  /** The server's backend process id, as pg's `client.processID`. */
  readonly processID: number;

  /** @internal Created by the pool only. */
  constructor(owner: ClientOwner, first: PoolConnection) {
    super();
    this.#owner = owner;
    this.connectionId = first.connectionId;
    this.processID = first.processId;
  }

  /** @internal Lends the client with a new checkout of its connection. */
  lend(connection: PoolConnection): void {
    this.#connection = connection;
    this.#uses += 1;
  }

  /** @internal The current checkout, taken back (undefined when not lent). */
  takeConnection(): PoolConnection | undefined {
    const c = this.#connection;
    this.#connection = undefined;
    return c;
  }

  /** Whether the client is lent out now. */
  get lent(): boolean {
    return this.#connection !== undefined;
  }

  /** How many times it has been lent (pg-pool's use count for `maxUses`). */
  get uses(): number {
    return this.#uses;
  }

  /** When the connection was first lent, in ms since the epoch. */
  get createdAt(): number {
    return this.#createdAt;
  }

  /** The checkout in use now: the wedding context's priority, reserve use and wait. */
  get wedpool(): PoolConnection | undefined {
    return this.#connection;
  }

  /**
   * Runs one statement, as pg's `client.query`: `query(text, values?)`, `query({ text, values,
   * rowMode, types, name })`, with a callback (`(err, result)`, returns `undefined`) or a
   * promise. Statements on one client run one at a time, in call order.
   */
  query<R = any>(config: string | QueryConfig, values?: readonly unknown[]): Promise<QueryResult<R>>;
  query<R = any>(config: string | QueryConfig, callback: QueryCallback<R>): void;
  query<R = any>(config: string | QueryConfig, values: readonly unknown[] | undefined, callback: QueryCallback<R>): void;
  /** Submittables (pg-cursor, pg-query-stream) are rejected at once with `UNSUPPORTED_SUBMITTABLE`. */
  query<T extends Submittable>(submittable: T): T;
  query(config: unknown, values?: unknown, callback?: unknown): unknown {
    const q = normaliseQuery(config, values, callback);
    const work = this.run(q);
    if (q.callback) {
      const cb = q.callback;
      work.then(
        (result) => cb(null, result),
        (err) => cb(err, undefined as never),
      );
      return undefined;
    }
    return work;
  }

  /**
   * @internal Queues a normalised statement behind the client's earlier ones: every statement
   * of `wedpool/pg` (client and pool) passes here, one at a time per connection.
   */
  run(q: NormalisedQuery): Promise<QueryResult> {
    const connection = this.#connection;
    const work = this.#tail.then(async () => {
      if (!connection || this.#connection !== connection) throw new ConnectionReleasedError();
      const types = q.types ?? this.#owner.types;
      const native = await connection.queryRaw(q.text, q.values, q.queryTimeout ?? this.#owner.queryTimeout, types !== undefined);
      return toPgResult(native, q.rowMode, types);
    });
    this.#tail = work.catch(() => undefined);
    return work;
  }

  /**
   * Gives the client back to the pool. `release(err)` or `release(true)` closes its connection
   * instead (the pool opens a replacement when needed). A second call throws.
   */
  release(err?: Error | boolean): void {
    if (!this.#connection) throw new DoubleReleaseError();
    this.#owner.releaseClient(this, err);
  }

  /** Quotes `str` as a SQL string literal, as pg's `client.escapeLiteral`. */
  escapeLiteral(str: string): string {
    let hasBackslash = false;
    let escaped = "'";
    for (const c of str) {
      if (c === "'") escaped += "''";
      else if (c === '\\') {
        escaped += '\\\\';
        hasBackslash = true;
      } else escaped += c;
    }
    escaped += "'";
    return hasBackslash ? ` E${escaped}` : escaped;
  }

  /** Quotes `str` as a SQL identifier, as pg's `client.escapeIdentifier`. */
  escapeIdentifier(str: string): string {
    return `"${str.replace(/"/g, '""')}"`;
  }

  /** Not available: WedPool clients are lent by the pool and connect there. */
  connect(): never {
    throw new WedPoolError('a pooled client is already connected: get clients with pool.connect()', 'UNSUPPORTED');
  }

  /** @internal */
  [inspect.custom](): string {
    return `PoolClient { processID: ${this.processID}, connectionId: ${this.connectionId}, lent: ${this.lent} }`;
  }
}
