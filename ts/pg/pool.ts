/**
 * `Pool` of `wedpool/pg`: node-postgres's documented pool behaviour (pg-pool) over a
 * {@link WeddingAwareConnectionPool}, with the wedding context taken from
 * `withWeddingContext` (or the pool's `defaultContext`).
 */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';

import type { PoolConnection } from '../connection';
import { snapshotContext } from '../context';
import { AcquireTimeoutError, ConnectionLostError, PoolClosedError } from '../errors';
import { WeddingAwareConnectionPool } from '../pool';
import type { DatabaseContext } from '../types';
import { PoolClient, type ClientOwner } from './client';
import { currentWeddingContext } from './context';
import { installedPgTypes, publicOptions, sessionSettings, toWeddingOptions, type PoolConfig } from './options';
import { isSubmittable, normaliseQuery, UnsupportedSubmittableError, type QueryCallback, type QueryConfig, type Submittable } from './query-args';
import type { CustomTypesConfig, QueryResult } from './results';

/** `connect` callback: `err` is `undefined` on success, as pg-pool. */
export type ConnectCallback = (err: Error | undefined, client: PoolClient | undefined, release: (err?: Error | boolean) => void) => void;

/** Reasons for which the server or network ended an idle connection (an error, as pg sees it). */
const BACKGROUND_ERRORS = new Set(['closed_by_server', 'admin_shutdown', 'broken', 'rollback_failed', 'keepalive_failed']);

function later(fn: () => void): void {
  process.nextTick(fn);
}

/**
 * A drop-in for `pg.Pool`. Events: `connect` (client), `acquire` (client), `release` (err,
 * client), `remove` (client), `error` (err, client) — emitted only when a listener exists, so
 * an idle connection's failure never crashes the process.
 */
export class Pool extends EventEmitter implements ClientOwner {
  /** The config with pg-pool's defaults (`password` present but not enumerable). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly #config: PoolConfig;
  #wedpool: WeddingAwareConnectionPool | undefined;
  #starting: Promise<WeddingAwareConnectionPool> | undefined;
  readonly #clients = new Map<number, PoolClient>();
  /** Connections whose client saw an error while idle: closed when next lent. */
  readonly #poisoned = new Set<number>();
  readonly #session: string[];
  readonly #idleListeners = new WeakMap<PoolClient, (err: Error) => void>();
  #ending = false;
  #ended = false;
  /** @internal */
  readonly types: CustomTypesConfig | undefined;
  /** @internal */
  readonly queryTimeout: number | undefined;

  /** Accepts pg's pool and client options and WedPool's own; with no config, pg's `PG*` defaults. */
  constructor(config: PoolConfig = {}) {
    super();
    this.#config = { ...config };
    this.options = publicOptions(this.#config);
    this.types = config.types ?? (config.nativeDecoding ? undefined : installedPgTypes());
    this.queryTimeout = undefined;
    this.#session = sessionSettings(config);
    if (typeof config.password === 'function') {
      toWeddingOptions(config, undefined); // validates everything else now
    } else {
      this.#start(toWeddingOptions(config, config.password));
    }
  }

  #start(options: ReturnType<typeof toWeddingOptions>): WeddingAwareConnectionPool {
    const wedpool = new WeddingAwareConnectionPool(options);
    wedpool.on('remove', (e: { connectionId: number; reason: string }) => this.#onNativeRemove(e.connectionId, e.reason));
    this.#wedpool = wedpool;
    return wedpool;
  }

  async #pool(): Promise<WeddingAwareConnectionPool> {
    if (this.#wedpool) return this.#wedpool;
    this.#starting ??= (async () => {
      const password = await (this.#config.password as () => string | Promise<string>)();
      if (typeof password !== 'string') throw new TypeError('the password function must return a string');
      return this.#start(toWeddingOptions(this.#config, password));
    })();
    return this.#starting;
  }

  /** The underlying WedPool pool (stats, scalingPlan, health, metrics, setCalendarTime, …). */
  get wedpool(): WeddingAwareConnectionPool {
    if (!this.#wedpool) throw new PoolClosedError('the pool starts on first use when its password is a function: call connect() first');
    return this.#wedpool;
  }

  /** Connections open or opening (pg-pool's `totalCount`). */
  get totalCount(): number {
    const s = this.#wedpool?.stats();
    return s ? s.size + s.pending : 0;
  }

  /** Idle connections. */
  get idleCount(): number {
    return this.#wedpool?.stats().idle ?? 0;
  }

  /** Callers waiting for a connection. */
  get waitingCount(): number {
    return this.#wedpool?.stats().waiting ?? 0;
  }

  /** Lent connections older than `maxLifetimeSeconds`: closed when released. */
  get expiredCount(): number {
    const lifetime = this.#config.maxLifetimeSeconds;
    if (!lifetime) return 0;
    const cutoff = Date.now() - lifetime * 1000;
    let n = 0;
    for (const c of this.#clients.values()) if (c.lent && c.createdAt <= cutoff) n += 1;
    return n;
  }

  /** Whether `end()` was called. */
  get ending(): boolean {
    return this.#ending;
  }

  /** Whether `end()` finished. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Lends a client: `connect()` resolves to it; `connect((err, client, release) => …)` calls
   * back (never synchronously) and returns `undefined`. The acquire uses the wedding context
   * of the current `withWeddingContext` scope, else the pool's `defaultContext`.
   */
  connect(): Promise<PoolClient>;
  connect(callback: ConnectCallback): void;
  connect(callback?: ConnectCallback): Promise<PoolClient> | void {
    const ctx = currentWeddingContext() ?? this.#config.defaultContext;
    const promise = this.#acquire(ctx);
    if (!callback) return promise;
    promise.then(
      (client) => callback(undefined, client, (err) => client.release(err)),
      (err) => callback(err, undefined, () => undefined),
    );
    return undefined;
  }

  async #acquire(given: DatabaseContext | undefined): Promise<PoolClient> {
    if (this.#ending) throw new PoolClosedError('Cannot use a pool after calling end on the pool');
    // Read once: a getter must not answer differently (or throw) after a connection is held.
    const ctx = snapshotContext(given);
    const wedpool = this.#wedpool ?? (await this.#pool());
    for (;;) {
      let connection: PoolConnection;
      try {
        connection = await wedpool.getConnection(ctx);
      } catch (err) {
        if (err instanceof AcquireTimeoutError) {
          throw new AcquireTimeoutError('timeout exceeded when trying to connect', err.stats, err.waitedMillis, (err.cause as never) ?? undefined);
        }
        throw err;
      }
      if (this.#config.transactionIds ?? (ctx?.isWeddingCritical === true || ctx?.isCriticalOperation === true)) {
        connection.learnTransactionIds();
      }
      const id = connection.connectionId;
      if (this.#poisoned.delete(id)) {
        connection.destroy();
        continue;
      }
      let client = this.#clients.get(id);
      const fresh = client === undefined;
      if (!client) {
        const created = new PoolClient(this, connection);
        this.#idleListeners.set(created, (err) => this.#idleError(created, err));
        this.#clients.set(id, created);
        client = created;
      }
      client.off('error', this.#idleListeners.get(client)!);
      client.lend(connection);
      if (fresh) {
        try {
          for (const statement of this.#session) await client.query(statement);
          if (this.#config.onConnect) await this.#config.onConnect(client as never);
          const verify = this.#config.verify;
          if (verify) await new Promise<void>((resolve, reject) => verify(client as never, (err) => (err ? reject(err) : resolve())));
        } catch (err) {
          this.#clients.delete(id);
          client.takeConnection()?.destroy();
          throw err;
        }
        this.emit('connect', client);
      }
      this.emit('acquire', client);
      return client;
    }
  }

  /** @internal `client.release(err?)`. */
  releaseClient(client: PoolClient, err: Error | boolean | undefined): void {
    const connection = client.takeConnection();
    if (!connection) return;
    const maxUses = this.#config.maxUses;
    const lifetime = this.#config.maxLifetimeSeconds;
    const expired = lifetime ? Date.now() - client.createdAt >= lifetime * 1000 : false;
    const destroy = Boolean(err) || (maxUses !== undefined && client.uses >= maxUses) || expired || this.#ending;
    this.emit('release', err, client);
    if (destroy) {
      this.#clients.delete(client.connectionId);
      connection.destroy();
      // As pg-pool: `remove` once the connection is being closed, not inside release().
      setImmediate(() => this.emit('remove', client));
    } else {
      client.on('error', this.#idleListeners.get(client)!);
      connection.release();
    }
  }

  #onNativeRemove(connectionId: number, reason: string): void {
    const client = this.#clients.get(connectionId);
    if (client && BACKGROUND_ERRORS.has(reason)) {
      const err = Object.assign(new ConnectionLostError(`the connection ended (${reason.replace(/_/g, ' ')})`), { client });
      // Idle: the idle listener turns it into the pool's `error` event; lent: the client's own.
      if (!client.lent || client.listenerCount('error') > 0) client.emit('error', err);
    }
    this.#poisoned.delete(connectionId);
    if (client && this.#clients.get(connectionId) === client) {
      this.#clients.delete(connectionId);
      this.emit('remove', client);
    }
  }

  /** An idle client's `error` (from its connection or emitted on it) reaches the pool's `error`. */
  #idleError(client: PoolClient, err: Error): void {
    if (this.#clients.get(client.connectionId) !== client) return;
    this.#clients.delete(client.connectionId);
    this.#poisoned.add(client.connectionId);
    client.off('error', this.#idleListeners.get(client)!);
    (err as Error & { client?: PoolClient }).client = client;
    if (this.listenerCount('error') > 0) this.emit('error', err, client);
    this.emit('remove', client);
  }

  /**
   * Runs one statement on a lent client and releases it — with the statement's error when it
   * fails (the connection is then closed, as pg-pool does). Promise or callback form
   * (`(err, result)`, `err` `undefined` on success, never synchronous, returns `undefined`).
   */
  query<R = any>(config: string | QueryConfig, values?: readonly unknown[]): Promise<QueryResult<R>>;
  query<R = any>(config: string | QueryConfig, callback: QueryCallback<R>): void;
  query<R = any>(config: string | QueryConfig, values: readonly unknown[] | undefined, callback: QueryCallback<R>): void;
  query<T extends Submittable>(submittable: T): T;
  query(config: unknown, values?: unknown, callback?: unknown): unknown {
    if (typeof config === 'function') {
      const err = new TypeError('Passing a function as the first parameter to pool.query is not supported');
      const cb = typeof values === 'function' ? values : callback;
      if (typeof cb === 'function') return void later(() => (cb as QueryCallback)(err, undefined as never));
      return Promise.reject(err);
    }
    if (isSubmittable(config)) throw new UnsupportedSubmittableError();
    let q;
    try {
      q = normaliseQuery(config, values, callback);
    } catch (err) {
      const cb = typeof values === 'function' ? values : callback;
      if (typeof cb === 'function') return void later(() => (cb as QueryCallback)(err as Error, undefined as never));
      return Promise.reject(err);
    }
    const cb = q.callback;
    const ctx = currentWeddingContext() ?? this.#config.defaultContext;
    const run = async () => {
      const client = await this.#acquire(ctx);
      let result: QueryResult;
      try {
        result = await client.run(q);
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
      client.release();
      return result;
    };
    const promise = run();
    if (!cb) return promise;
    promise.then(
      (result) => cb(undefined, result),
      (err) => cb(err, undefined as never),
    );
    return undefined;
  }

  /**
   * Ends the pool: new `connect()`/`query()` calls fail, idle connections close, lent ones close
   * when released (work in flight is cancelled after WedPool's `end` deadline, 10 s). A second
   * call fails with "Called end on pool more than once".
   */
  end(): Promise<void>;
  end(callback: (err?: Error) => void): void;
  end(callback?: (err?: Error) => void): Promise<void> | void {
    let promise: Promise<void>;
    if (this.#ending) {
      promise = Promise.reject(new Error('Called end on pool more than once'));
    } else {
      this.#ending = true;
      promise = (async () => {
        const wedpool = this.#wedpool ?? (this.#starting ? await this.#starting.catch(() => undefined) : undefined);
        if (wedpool) await wedpool.end();
        for (const client of this.#clients.values()) this.emit('remove', client);
        this.#clients.clear();
        this.#ended = true;
      })();
    }
    if (!callback) return promise;
    promise.then(
      () => callback(),
      (err) => callback(err),
    );
    return undefined;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Pool { totalCount: ${this.totalCount}, idleCount: ${this.idleCount}, waitingCount: ${this.waitingCount}, ending: ${this.#ending} }`;
  }
}
