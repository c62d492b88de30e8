/**
 * Pool options. Every option is defined once, in the core (`pool_option_types!` in
 * `crates/wedpool-core/src/config/option_types.rs`): its name, nesting, type and doc comment
 * reach this file through the binding's generated `native/binding.d.ts`, and its bounds are
 * checked there, once, with errors naming the field by the path written here. What stays here
 * is JavaScript's own: reading the object exactly once (getters), `fleetBudget: true`,
 * Buffers in `ssl`, the process's timezone, narrower string types, and the options only the
 * facade uses (tracing, leak detection, the profile table).
 */
import { describeValue, thrownText } from './describe';
import { ConfigError } from './errors';
import type {
  BasePoolSize,
  NativeFleetBudgetOptions,
  NativePoolOptions,
  NativeTrafficLearningOptions,
  WeddingCalendarOptions,
  WeddingDate,
} from './native';
import type { TracingOptions } from './otel';
import { toNativeSsl, type TlsPoolOptions } from './tls-options';

export type { BasePoolSize, WeddingCalendarOptions, WeddingDate };

/** Options of the fleet budget. */
export interface FleetBudgetOptions extends NativeFleetBudgetOptions {}

/** Options of the traffic learner. */
export interface TrafficLearningOptions extends NativeTrafficLearningOptions {
  /**
   * Keep the profile in this table (created on demand; `true` means `wedpool_traffic_profile`):
   * loaded by `ready()`, saved every `saveIntervalMillis` and by `end()`.
   */
  table?: boolean | string;
  /** How often the profile is saved to the table (default 600,000 ms). */
  saveIntervalMillis?: number;
}

/** Options whose JavaScript type is narrower than the binding's, or that only the facade reads. */
type Narrowed = 'sslmode' | 'channelBinding' | 'ssl' | 'targetSessionAttrs' | 'types' | 'fleetBudget' | 'trafficLearning';

/**
 * Options of {@link WeddingAwareConnectionPool}. The fields documented in the binding
 * (`basePoolSize`, `weddingCalendar`, timeouts, …) come from the core's definition; TLS options:
 * see {@link TlsPoolOptions}.
 */
export interface WeddingPoolOptions extends Omit<NativePoolOptions, Narrowed>, TlsPoolOptions {
  /**
   * Which of several hosts (`postgres://u@h1:5432,h2:5433/db`, `host=h1,h2 port=5432,5433`) a
   * connection may use, as libpq: `any` (default), `read-write`, `read-only`, `primary`,
   * `standby`, `prefer-standby`. Overrides `target_session_attrs` in the connection string.
   * Under `read-write`/`primary`, a host that refuses a write (25006) is treated as demoted: its
   * connections close (reason `read_only`) and new ones go to the host that is writable now.
   */
  targetSessionAttrs?: 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';
  /** How int8 columns come back (default `'string'`, as node-postgres). */
  types?: { int8?: 'string' | 'bigint' | 'number' };
  /**
   * Keep max within this instance's share of the server's `max_connections`, shared by all live
   * instances of `applicationName` (default on; off when `prepare` is false or the connection
   * string says `pgbouncer=true`). `false` turns it off.
   */
  fleetBudget?: boolean | FleetBudgetOptions;
  /** The traffic learner behind predictive pre-scaling. */
  trafficLearning?: TrafficLearningOptions;
  /** A connection held longer emits one `leak` event with the stack of its acquire (default 0: off). */
  leakDetectionThresholdMillis?: number;
  /** OpenTelemetry query spans (when `@opentelemetry/api` is installed; default on, without statement text). */
  tracing?: TracingOptions;
}

function checkObject(field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ConfigError(field, 'must be an object');
  }
}

/** Node's timers fire at once for delays above this (2^31−1 ms, about 24.8 days). */
export const MAX_TIMER_MILLIS = 2 ** 31 - 1;

function copyObject(field: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  // napi-rs reads the properties of whatever it is given, so a number where an object belongs
  // would be read as `{}`: refuse it here, where the object is copied anyway.
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(field, 'must be an object');
  try {
    return { ...(value as Record<string, unknown>) };
  } catch (err) {
    throw new ConfigError(field, `could not be read (${thrownText(err)})`, { cause: err });
  }
}

function copyArray(field: string, value: unknown): unknown {
  // Holes of a sparse array read as undefined, which the checks below refuse.
  try {
    return Array.isArray(value) ? Array.from(value) : value;
  } catch (err) {
    throw new ConfigError(field, `could not be read (${thrownText(err)})`, { cause: err });
  }
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
  // Where objects nest, so that their getters run once too (their fields are the core's).
  for (const key of ['basePoolSize', 'types', 'tracing'] as const) snap[key] = copyObject(key, snap[key]);
  const fleet = snap.fleetBudget;
  snap.fleetBudget = typeof fleet === 'boolean' ? fleet : copyObject('fleetBudget', fleet);
  snap.trafficLearning = copyObject('trafficLearning', snap.trafficLearning);
  const cal = copyObject('weddingCalendar', snap.weddingCalendar);
  if (cal) {
    cal.weekdays = copyArray('weddingCalendar.weekdays', cal.weekdays);
    cal.timezones = copyArray('weddingCalendar.timezones', cal.timezones);
    const dates = copyArray('weddingCalendar.dates', cal.dates);
    cal.dates = Array.isArray(dates) ? dates.map((d) => copyObject('weddingCalendar.dates', d ?? 0)) : dates;
  }
  snap.weddingCalendar = cal;
  return snap as WeddingPoolOptions;
}

function checkTimerMillis(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= 0) || value > MAX_TIMER_MILLIS) {
    throw new ConfigError(field, `must be a number of milliseconds from 0 to ${MAX_TIMER_MILLIS}, got ${describeValue(value)}`);
  }
}

/** The process's IANA timezone, as Node sees it. */
export function processTimezone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // An empty or unknown TZ makes Node report `Etc/Unknown`; Node then uses UTC.
  return !zone || zone === 'Etc/Unknown' ? 'UTC' : zone;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The options for the native pool: the JavaScript-only options checked, `fleetBudget: true`
 * and `ssl` in the binding's shape, the process's timezone as the default wedding timezone.
 * Everything else goes through as given; the core checks it. Throws {@link ConfigError}.
 * Pass a {@link snapshotOptions} copy: fields are read more than once here and natively.
 */
export function toNativeOptions(options: WeddingPoolOptions | undefined): NativePoolOptions {
  const o = options ?? {};
  checkObject('options', o);
  checkTimerMillis('leakDetectionThresholdMillis', o.leakDetectionThresholdMillis);
  const learning = o.trafficLearning;
  if (isObject(learning)) {
    checkTimerMillis('trafficLearning.saveIntervalMillis', learning.saveIntervalMillis);
    const table = learning.table;
    if (table !== undefined && typeof table !== 'boolean' && !(typeof table === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table))) {
      throw new ConfigError('trafficLearning.table', 'must be true, false or a plain table name (letters, digits, _)');
    }
  }
  const cal = o.weddingCalendar;
  const defaultZone = isObject(cal) && (cal.timezones == null || (Array.isArray(cal.timezones) && cal.timezones.length === 0));
  return {
    ...(o as NativePoolOptions),
    ssl: toNativeSsl(o.ssl),
    fleetBudget: typeof o.fleetBudget === 'boolean' ? { enabled: o.fleetBudget } : (o.fleetBudget as NativePoolOptions['fleetBudget']),
    weddingCalendar: cal == null ? { timezones: [processTimezone()] } : defaultZone ? { ...cal, timezones: [processTimezone()] } : cal,
  };
}
