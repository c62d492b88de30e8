/**
 * Pool options: the public shape, type checks that name the offending field, and flattening
 * for the native side (which validates meaning: min ≤ max, known timezones, …).
 */
import { ConfigError } from './errors';
import type { NativePoolOptions } from './native';
import type { TracingOptions } from './otel';
import { toNativeTls, type TlsPoolOptions } from './tls-options';

/** Base sizes and timeouts. */
export interface BasePoolSize {
  /** Connections kept open (default 0). */
  min?: number;
  /** Connections never exceeded on an ordinary day (default 10). */
  max?: number;
  /** How long `getConnection` waits before `POOL_ACQUIRE_TIMEOUT` (default 30,000 ms; 0: no waiting). */
  acquireTimeoutMillis?: number;
  /** Idle connections above min close after this long (default 30,000 ms; 0: never). */
  idleTimeoutMillis?: number;
}

/** A listed wedding date. */
export interface WeddingDate {
  /** Local date, `YYYY-MM-DD`. */
  date: string;
  /** IANA timezone where it counts (default: every configured timezone). */
  timezone?: string;
}

/** Which days are wedding days. */
export interface WeddingCalendarOptions {
  /** Weekdays that are wedding days (default `['saturday']`). */
  weekdays?: string[];
  /** IANA timezones to evaluate (default: the process's timezone). */
  timezones?: string[];
  /** Extra wedding dates. */
  dates?: WeddingDate[];
  /** Scaling starts this many minutes before a wedding day (default 60). */
  leadMinutes?: number;
}

/** Options of {@link WeddingAwareConnectionPool}. TLS options: see {@link TlsPoolOptions}. */
export interface WeddingPoolOptions extends TlsPoolOptions {
  /** `postgres://user:password@host:port/database` or libpq `key=value` pairs. */
  connectionString?: string;
  /** Host (overrides the connection string). */
  host?: string;
  /** Port (overrides the connection string). */
  port?: number;
  /** Role (overrides the connection string). */
  user?: string;
  /** Password (never printed). */
  password?: string;
  /** Database (overrides the connection string). */
  database?: string;
  /** The application's name; connections report `application_name` `wedpool:<applicationName>:<instanceId>` (default `app`). */
  applicationName?: string;
  /** This instance's id in `application_name` (default: random). */
  instanceId?: string;
  /** Deadline for one whole connection attempt (default 5,000 ms). */
  connectTimeoutMillis?: number;
  /** Sizes and timeouts. */
  basePoolSize?: BasePoolSize;
  /** min and max are multiplied by this on wedding days (default 2). */
  weddingDayMultiplier?: number;
  /** Connections only wedding-critical requests may use on wedding days (default 0). */
  emergencyReservedConnections?: number;
  /** Wedding days. */
  weddingCalendar?: WeddingCalendarOptions;
  /** Effective priority gained per second of waiting (default 100; 0 turns aging off). */
  priorityAgingPerSecond?: number;
  /** How int8 columns come back (default `'string'`, as node-postgres). */
  types?: { int8?: 'string' | 'bigint' | 'number' };
  /** How often idle reaping and calendar checks run (default 1,000 ms). */
  maintenanceIntervalMillis?: number;
  /** Prepared statements kept per connection (default 256; unused when `prepare` is false). */
  statementCacheSize?: number;
  /**
   * Use named prepared statements, cached per connection (default true). `false` — or
   * `pgbouncer=true` in the connection string — sends every statement as one unnamed
   * Parse/Bind/Execute with parameter types left to the server, never creating a named
   * statement: what PgBouncer, RDS Proxy and Supavisor in transaction mode can route. It also
   * turns the fleet budget off unless `fleetBudget` asks for it (the server then sees the
   * pooler's connections, not this pool's).
   */
  prepare?: boolean;
  /**
   * Which of several hosts (`postgres://u@h1:5432,h2:5433/db`, `host=h1,h2 port=5432,5433`) a
   * connection may use, as libpq: `any` (default), `read-write`, `read-only`, `primary`,
   * `standby`, `prefer-standby`. Overrides `target_session_attrs` in the connection string.
   * Under `read-write`/`primary`, a host that refuses a write (25006) is treated as demoted: its
   * connections close (reason `read_only`) and new ones go to the host that is writable now.
   */
  targetSessionAttrs?: 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';
  /** Idle connections unused this long get a probe (an empty statement); also the TCP keepalive idle time (default 30,000 ms). */
  keepaliveMillis?: number;
  /** Unacknowledged data for this long kills a socket (`TCP_USER_TIMEOUT`; default 10,000 ms; 0: the OS default). */
  tcpUserTimeoutMillis?: number;
  /** Connections are retired when idle after this long, ±10%; paused on wedding days (default 1,800,000 ms; 0: never). */
  maxLifetimeMillis?: number;
  /** Default statement deadline; at expiry a cancel request goes to the server (default 0: none). */
  queryTimeoutMillis?: number;
  /** Queued callers at most; beyond it the lowest priority is shed with `POOL_OVERLOADED` (default 10,000). */
  maxWaiting?: number;
  /** While the database is down, non-critical callers fail with `DATABASE_UNAVAILABLE` after waiting this long (default 500 ms). */
  unavailableGraceMillis?: number;
  /** A connection held longer emits one `leak` event with the stack of its acquire (default 0: off). */
  leakDetectionThresholdMillis?: number;
  /**
   * Keep max within this instance's share of the server's `max_connections`, shared by all live
   * instances of `applicationName` (default on; off when `prepare` is false or the connection
   * string says `pgbouncer=true`). `false` turns it off.
   */
  fleetBudget?: boolean | FleetBudgetOptions;
  /** The traffic learner behind predictive pre-scaling. */
  trafficLearning?: TrafficLearningOptions;
  /** OpenTelemetry query spans (when `@opentelemetry/api` is installed; default on, without statement text). */
  tracing?: TracingOptions;
}

/** Options of the fleet budget. */
export interface FleetBudgetOptions {
  /** Default true. */
  enabled?: boolean;
  /** Server slots left free for everyone else (default 3). */
  safetyMargin?: number;
  /** How often the share is recomputed (default 10,000 ms). */
  refreshMillis?: number;
}

/** Options of the traffic learner. */
export interface TrafficLearningOptions {
  /** Weight of the newest week in the hour-of-week profile, in (0, 1] (default 0.3). */
  alpha?: number;
  /**
   * Keep the profile in this table (created on demand; `true` means `wedpool_traffic_profile`):
   * loaded by `ready()`, saved every `saveIntervalMillis` and by `end()`.
   */
  table?: boolean | string;
  /** How often the profile is saved to the table (default 600,000 ms). */
  saveIntervalMillis?: number;
}

function check(field: string, value: unknown, type: 'number' | 'string' | 'boolean'): void {
  if (value !== undefined && typeof value !== type) {
    throw new ConfigError(field, `must be a ${type}, got ${value === null ? 'null' : typeof value}`);
  }
}

function checkStrings(field: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ConfigError(field, 'must be an array of strings');
  }
  return value as string[];
}

function checkObject(field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ConfigError(field, 'must be an object');
  }
}

/** Node's timers fire at once for delays above this (2^31−1 ms, about 24.8 days). */
export const MAX_TIMER_MILLIS = 2 ** 31 - 1;

function copyObject(field: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) return value as never;
  try {
    return { ...(value as Record<string, unknown>) };
  } catch (err) {
    throw new ConfigError(field, `could not be read (${String((err as Error)?.message ?? err)})`);
  }
}

function copyArray(value: unknown): unknown {
  // Holes of a sparse array read as undefined, which the checks below refuse.
  return Array.isArray(value) ? Array.from(value) : value;
}

/**
 * Options read exactly once: every getter runs once, here, and everything after (validation,
 * the native pool, the facade's own settings) uses this copy, so a value cannot change between
 * its check and its use.
 */
export function snapshotOptions(options: WeddingPoolOptions | undefined): WeddingPoolOptions {
  const o = copyObject('options', options ?? {});
  checkObject('options', o);
  const snap = o as Record<string, unknown>;
  for (const key of ['basePoolSize', 'types', 'tracing'] as const) snap[key] = copyObject(key, snap[key]);
  const fleet = snap.fleetBudget;
  snap.fleetBudget = typeof fleet === 'boolean' ? fleet : copyObject('fleetBudget', fleet);
  snap.trafficLearning = copyObject('trafficLearning', snap.trafficLearning);
  const cal = copyObject('weddingCalendar', snap.weddingCalendar);
  if (cal) {
    cal.weekdays = copyArray(cal.weekdays);
    cal.timezones = copyArray(cal.timezones);
    const dates = copyArray(cal.dates);
    cal.dates = Array.isArray(dates) ? dates.map((d, i) => copyObject(`weddingCalendar.dates[${i}]`, d)) : dates;
  }
  snap.weddingCalendar = cal;
  return snap as WeddingPoolOptions;
}

function checkTimerMillis(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= 0) || value > MAX_TIMER_MILLIS) {
    throw new ConfigError(field, `must be a number of milliseconds from 0 to ${MAX_TIMER_MILLIS}, got ${String(value)}`);
  }
}

/** The process's IANA timezone, as Node sees it. */
export function processTimezone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // An empty or unknown TZ makes Node report `Etc/Unknown`; Node then uses UTC.
  return !zone || zone === 'Etc/Unknown' ? 'UTC' : zone;
}

/**
 * Type-checks `options` and flattens them for the native pool. Throws {@link ConfigError}.
 * Pass a {@link snapshotOptions} copy: every field is read more than once here.
 */
export function toNativeOptions(options: WeddingPoolOptions | undefined): NativePoolOptions {
  const o = options ?? {};
  checkObject('options', o);
  checkTimerMillis('leakDetectionThresholdMillis', o.leakDetectionThresholdMillis);
  for (const key of ['connectionString', 'host', 'user', 'password', 'database', 'applicationName', 'instanceId'] as const) {
    check(key, o[key], 'string');
  }
  for (const key of [
    'port',
    'connectTimeoutMillis',
    'weddingDayMultiplier',
    'emergencyReservedConnections',
    'priorityAgingPerSecond',
    'maintenanceIntervalMillis',
    'statementCacheSize',
    'keepaliveMillis',
    'tcpUserTimeoutMillis',
    'maxLifetimeMillis',
    'queryTimeoutMillis',
    'maxWaiting',
    'unavailableGraceMillis',
    'leakDetectionThresholdMillis',
  ] as const) {
    check(key, o[key], 'number');
  }
  checkObject('basePoolSize', o.basePoolSize);
  const base = o.basePoolSize ?? {};
  for (const key of ['min', 'max', 'acquireTimeoutMillis', 'idleTimeoutMillis'] as const) {
    check(`basePoolSize.${key}`, base[key], 'number');
  }
  checkObject('weddingCalendar', o.weddingCalendar);
  const cal = o.weddingCalendar ?? {};
  check('weddingCalendar.leadMinutes', cal.leadMinutes, 'number');
  const weekdays = checkStrings('weddingCalendar.weekdays', cal.weekdays);
  const timezones = checkStrings('weddingCalendar.timezones', cal.timezones);
  if (cal.dates !== undefined && !Array.isArray(cal.dates)) {
    throw new ConfigError('weddingCalendar.dates', 'must be an array of { date, timezone? }');
  }
  const dates = cal.dates?.map((d, i) => {
    if (typeof d !== 'object' || d === null || typeof d.date !== 'string') {
      throw new ConfigError('weddingCalendar.dates', `entry ${i} must be { date: 'YYYY-MM-DD', timezone? }`);
    }
    check('weddingCalendar.dates.timezone', d.timezone, 'string');
    return { date: d.date, timezone: d.timezone };
  });
  check('prepare', o.prepare, 'boolean');
  check('targetSessionAttrs', o.targetSessionAttrs, 'string');
  const fleet = typeof o.fleetBudget === 'boolean' ? { enabled: o.fleetBudget } : o.fleetBudget;
  checkObject('fleetBudget', fleet);
  check('fleetBudget.enabled', fleet?.enabled, 'boolean');
  check('fleetBudget.safetyMargin', fleet?.safetyMargin, 'number');
  check('fleetBudget.refreshMillis', fleet?.refreshMillis, 'number');
  checkObject('trafficLearning', o.trafficLearning);
  check('trafficLearning.alpha', o.trafficLearning?.alpha, 'number');
  check('trafficLearning.saveIntervalMillis', o.trafficLearning?.saveIntervalMillis, 'number');
  checkTimerMillis('trafficLearning.saveIntervalMillis', o.trafficLearning?.saveIntervalMillis);
  const table = o.trafficLearning?.table;
  if (table !== undefined && typeof table !== 'boolean' && !(typeof table === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table))) {
    throw new ConfigError('trafficLearning.table', 'must be true, false or a plain table name (letters, digits, _)');
  }
  checkObject('types', o.types);
  const int8 = o.types?.int8;
  if (int8 !== undefined && int8 !== 'string' && int8 !== 'bigint' && int8 !== 'number') {
    throw new ConfigError('types.int8', `must be 'string', 'bigint' or 'number', got ${typeof int8 === 'string' ? JSON.stringify(int8) : typeof int8}`);
  }
  return {
    ...toNativeTls(o),
    connectionString: o.connectionString,
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.database,
    applicationName: o.applicationName,
    connectTimeoutMillis: o.connectTimeoutMillis,
    min: base.min,
    max: base.max,
    acquireTimeoutMillis: base.acquireTimeoutMillis,
    idleTimeoutMillis: base.idleTimeoutMillis,
    weddingDayMultiplier: o.weddingDayMultiplier,
    emergencyReservedConnections: o.emergencyReservedConnections,
    weekdays: weekdays?.map((w) => w.toLowerCase()),
    timezones: timezones && timezones.length > 0 ? timezones : [processTimezone()],
    dates,
    leadMinutes: cal.leadMinutes,
    priorityAgingPerSecond: o.priorityAgingPerSecond,
    int8,
    maintenanceIntervalMillis: o.maintenanceIntervalMillis,
    statementCacheSize: o.statementCacheSize,
    prepare: o.prepare,
    targetSessionAttrs: o.targetSessionAttrs,
    keepaliveMillis: o.keepaliveMillis,
    tcpUserTimeoutMillis: o.tcpUserTimeoutMillis,
    maxLifetimeMillis: o.maxLifetimeMillis,
    queryTimeoutMillis: o.queryTimeoutMillis,
    maxWaiting: o.maxWaiting,
    unavailableGraceMillis: o.unavailableGraceMillis,
    localTimezone: processTimezone(),
    instanceId: o.instanceId,
    fleetBudget: fleet?.enabled,
    fleetSafetyMargin: fleet?.safetyMargin,
    fleetRefreshMillis: fleet?.refreshMillis,
    profileAlpha: o.trafficLearning?.alpha,
  };
}
