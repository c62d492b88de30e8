/**
 * node-postgres pool and client options, with pg's defaults (`PGHOST`, `PGPORT`, `PGUSER`,
 * `PGPASSWORD`, `PGDATABASE`, `PGAPPNAME`), mapped onto WedPool's options.
 */
import { userInfo } from 'node:os';

import { ConfigError } from '../errors';
import type { WeddingPoolOptions } from '../options';
import type { SslOptions } from '../tls-options';
import type { DatabaseContext } from '../types';
import type { CustomTypesConfig } from './results';

/** A password, or a function giving one (called when the pool first connects). */
export type PasswordOption = string | (() => string | Promise<string>);

/** node-postgres's options plus WedPool's own (every WedPool option is accepted as is). */
export interface PoolConfig extends Omit<WeddingPoolOptions, 'password' | 'types' | 'port'> {
  /** Server port (number or numeric string). Default `PGPORT`, else 5432. */
  port?: number | string;
  /** Password, or a function returning one (or a promise of one). Default `PGPASSWORD`. */
  password?: PasswordOption;
  /**
   * As pg: `true` verifies the server against the system's roots; `{ ca, cert, key,
   * rejectUnauthorized, servername }` (PEM strings or Buffers); `false` turns TLS off. Unset:
   * WedPool's default, libpq's `sslmode=prefer` (TLS when the server offers it). Other
   * `tls.connect` options are refused with `ConfigError`.
   */
  ssl?: boolean | SslOptions;
  /**
   * Connections at most (default 10, as pg): a hard cap, as in pg, unless `weddingDayMultiplier`
   * (default 1 here) scales it on wedding days. `basePoolSize.max` takes precedence.
   */
  max?: number;
  /** Connections kept open (default 0); `basePoolSize.min` takes precedence. */
  min?: number;
  /** Idle connections close after this long (default 10,000 ms as pg; 0: never). */
  idleTimeoutMillis?: number;
  /** How long `connect()` may wait for a connection, in ms (default 0: no limit, as pg). */
  connectionTimeoutMillis?: number;
  /** Connections are retired after this many seconds (default 0: WedPool's `maxLifetimeMillis`). */
  maxLifetimeSeconds?: number;
  /** A connection is closed after this many checkouts (default: unlimited). */
  maxUses?: number;
  /** Accepted for compatibility: WedPool's idle connections never keep Node's event loop alive. */
  allowExitOnIdle?: boolean;
  /** Server `application_name` base (WedPool reports `wedpool:<name>:<instance>`). */
  application_name?: string;
  /** Server-side `statement_timeout` in ms, set on every new connection. */
  statement_timeout?: number;
  /** Server-side `lock_timeout` in ms, set on every new connection. */
  lock_timeout?: number;
  /** Server-side `idle_in_transaction_session_timeout` in ms, set on every new connection. */
  idle_in_transaction_session_timeout?: number;
  /** Client-side statement deadline in ms (WedPool cancels the statement on the server). */
  query_timeout?: number;
  /** Type parsers for every query of the pool: `getTypeParser(oid, format)` gets the server's text. */
  types?: CustomTypesConfig;
  /** Runs on every new connection before it is first handed out (e.g. `SET` statements). */
  onConnect?: (client: never) => void | Promise<void>;
  /** pg-pool's `verify(client, callback)`: checks a new connection before it is first lent; an error rejects the acquire. */
  verify?: (client: never, callback: (err?: Error) => void) => void;
  /** Accepted for compatibility (TCP keepalive is always on in WedPool). */
  keepAlive?: boolean;
  /** TCP keepalive idle time in ms (WedPool's `keepaliveMillis`). */
  keepAliveInitialDelayMillis?: number;
  /** The wedding context of acquires outside any `withWeddingContext` scope. */
  defaultContext?: DatabaseContext;
  /** With `nativeDecoding`: how int8 columns come back (default `'string'`, as pg). */
  int8?: 'string' | 'bigint' | 'number';
  /**
   * Decode values in Rust instead of through pg's type parsers. Off by default: when `pg` is
   * installed, its `types` (with any `setTypeParser` the application made) parse every value,
   * exactly as node-postgres does. On: faster, and different from pg for intervals (text),
   * numeric arrays (strings) and types with custom parsers.
   */
  nativeDecoding?: boolean;
  /**
   * Before each COMMIT a client sends, ask the transaction's id (`txid_current_if_assigned()`,
   * one round trip), so a `ConnectionLostError` for a COMMIT whose answer was lost carries
   * `transactionId` (with `sent: true`, `outcomeUnknown: true`) and the outcome can be asked on
   * another connection (`SELECT txid_status(id)`). Default: on for wedding-critical contexts
   * (`isWeddingCritical` or `isCriticalOperation`), off otherwise.
   */
  transactionIds?: boolean;
}

const PG_ONLY_KEYS = new Set([
  'port', 'password', 'ssl', 'max', 'min', 'idleTimeoutMillis', 'connectionTimeoutMillis', 'maxLifetimeSeconds',
  'maxUses', 'allowExitOnIdle', 'application_name', 'statement_timeout', 'lock_timeout',
  'idle_in_transaction_session_timeout', 'query_timeout', 'types', 'onConnect', 'keepAlive',
  'keepAliveInitialDelayMillis', 'defaultContext', 'int8', 'nativeDecoding', 'transactionIds', 'Promise', 'log', 'Client', 'verify', 'binary',
]);

function nonNegative(field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !(value >= 0)) throw new ConfigError(field, `must be a number of 0 or more, got ${String(value)}`);
  return value;
}

/** Which connection parameters a connection string already names (URL or `key=value` form). */
function namedInConnectionString(cs: string): Set<string> {
  const named = new Set<string>();
  if (/^postgres(ql)?:\/\//i.test(cs)) {
    try {
      const url = new URL(cs);
      if (url.hostname) named.add('host');
      if (url.port) named.add('port');
      if (url.username) named.add('user');
      if (url.password) named.add('password');
      if (url.pathname.length > 1) named.add('database');
      for (const key of url.searchParams.keys()) named.add(key === 'dbname' ? 'database' : key);
    } catch {
      // The native side reports a malformed string with its own message.
    }
    return named;
  }
  for (const m of cs.matchAll(/(\w+)\s*=/g)) named.add(m[1] === 'dbname' ? 'database' : m[1]);
  return named;
}

/** pg's default for a connection parameter: its `PG*` environment variable, else pg's default. */
function envDefault(key: 'host' | 'port' | 'user' | 'password' | 'database', user: string | undefined): string | undefined {
  const env = process.env;
  switch (key) {
    case 'host':
      return env.PGHOST || 'localhost';
    case 'port':
      return env.PGPORT || '5432';
    case 'user':
      return env.PGUSER || safeUsername();
    case 'password':
      return env.PGPASSWORD || undefined;
    case 'database':
      return env.PGDATABASE || user;
  }
}

function safeUsername(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * WedPool options for a pg config whose password (if any) is already a string. Explicit
 * `basePoolSize` / WedPool fields win over the pg-style ones.
 */
export function toWeddingOptions(config: PoolConfig, password: string | undefined): WeddingPoolOptions {
  if ((config as { binary?: unknown }).binary) {
    throw new ConfigError('binary', 'binary results are not available: type parsers receive the server text, as with pg by default');
  }
  if ((config as { Client?: unknown }).Client !== undefined) {
    throw new ConfigError('Client', 'a custom Client class is not supported: WedPool opens its connections in Rust');
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (!PG_ONLY_KEYS.has(key) && value !== undefined) out[key] = value;
  const opts = out as WeddingPoolOptions;
  if (config.ssl !== undefined) opts.ssl = config.ssl;
  // Connection parameters: explicit fields, then (for those the connection string lacks) pg's defaults.
  const named = config.connectionString ? namedInConnectionString(config.connectionString) : new Set<string>();
  const port = config.port ?? (named.has('port') ? undefined : envDefault('port', undefined));
  if (port !== undefined) {
    const n = typeof port === 'string' ? Number(port) : port;
    if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new ConfigError('port', `must be a port number, got ${String(port)}`);
    opts.port = n;
  }
  if (opts.host === undefined && !named.has('host')) opts.host = envDefault('host', undefined);
  if (opts.user === undefined && !named.has('user')) opts.user = envDefault('user', undefined);
  const pass = password ?? (named.has('password') ? undefined : envDefault('password', undefined));
  if (pass !== undefined) opts.password = pass;
  if (opts.database === undefined && !named.has('database')) opts.database = envDefault('database', opts.user ?? undefined);
  if (opts.applicationName === undefined) {
    const app = config.application_name ?? process.env.PGAPPNAME;
    if (app) opts.applicationName = app;
  }
  // Sizes and timeouts.
  const base = { ...(config.basePoolSize ?? {}) };
  base.max ??= nonNegative('max', config.max) ?? 10;
  base.min ??= nonNegative('min', config.min);
  base.idleTimeoutMillis ??= nonNegative('idleTimeoutMillis', config.idleTimeoutMillis) ?? 10_000;
  const connectionTimeout = nonNegative('connectionTimeoutMillis', config.connectionTimeoutMillis);
  // pg: 0 (the default) waits without limit; WedPool's 0 would mean "do not wait".
  base.acquireTimeoutMillis ??= connectionTimeout ? connectionTimeout : 2_147_483_647;
  if (connectionTimeout && opts.connectTimeoutMillis === undefined) opts.connectTimeoutMillis = connectionTimeout;
  opts.basePoolSize = base;
  // `max` is a hard cap, as in pg: wedding-day scaling only when asked for.
  opts.weddingDayMultiplier ??= 1;
  const lifetime = nonNegative('maxLifetimeSeconds', config.maxLifetimeSeconds);
  if (lifetime && opts.maxLifetimeMillis === undefined) opts.maxLifetimeMillis = lifetime * 1000;
  // Idle and expired connections are retired by the maintenance pass: run it often enough for
  // short timeouts and lifetimes.
  if (opts.maintenanceIntervalMillis === undefined) {
    const soonest = Math.min(base.idleTimeoutMillis > 0 ? base.idleTimeoutMillis / 2 : Infinity, lifetime ? (lifetime * 1000) / 4 : Infinity);
    if (soonest < 1_000) opts.maintenanceIntervalMillis = Math.max(10, Math.floor(soonest));
  }
  const queryTimeout = nonNegative('query_timeout', config.query_timeout);
  if (queryTimeout !== undefined && opts.queryTimeoutMillis === undefined) opts.queryTimeoutMillis = queryTimeout;
  const keepalive = nonNegative('keepAliveInitialDelayMillis', config.keepAliveInitialDelayMillis);
  if (keepalive && opts.keepaliveMillis === undefined) opts.keepaliveMillis = keepalive;
  if (config.int8 !== undefined) opts.types = { int8: config.int8 };
  nonNegative('maxUses', config.maxUses);
  nonNegative('statement_timeout', config.statement_timeout);
  nonNegative('lock_timeout', config.lock_timeout);
  nonNegative('idle_in_transaction_session_timeout', config.idle_in_transaction_session_timeout);
  if (config.onConnect !== undefined && typeof config.onConnect !== 'function') throw new ConfigError('onConnect', 'must be a function');
  if (config.verify !== undefined && typeof config.verify !== 'function') throw new ConfigError('verify', 'must be a function');
  if (config.types !== undefined && typeof config.types?.getTypeParser !== 'function') {
    throw new ConfigError('types', 'must be an object with getTypeParser(oid, format), like pg.types');
  }
  return opts;
}

/** node-postgres's own `types` (its parsers and the application's `setTypeParser` calls), when `pg` is installed. */
export function installedPgTypes(): CustomTypesConfig | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const types = require('pg').types as CustomTypesConfig | undefined;
    return typeof types?.getTypeParser === 'function' ? types : undefined;
  } catch {
    return undefined;
  }
}

/** `SET` statements a new connection runs for pg's session options. */
export function sessionSettings(config: PoolConfig): string[] {
  const out: string[] = [];
  for (const key of ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout'] as const) {
    const value = config[key];
    if (typeof value === 'number') out.push(`SET ${key} = ${Math.floor(value)}`);
  }
  return out;
}

/** `pool.options`: the config with pg-pool's defaults; the password is kept but not enumerable. */
export function publicOptions(config: PoolConfig): Readonly<Record<string, unknown>> {
  const { password, ...rest } = config;
  const options: Record<string, unknown> = {
    max: 10,
    min: 0,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 0,
    maxUses: Infinity,
    maxLifetimeSeconds: 0,
    allowExitOnIdle: false,
    ...rest,
  };
  if (password !== undefined) Object.defineProperty(options, 'password', { value: password, enumerable: false });
  return options;
}
