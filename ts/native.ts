/**
 * The one importer of the generated binding, and the one place where native error objects
 * become typed error classes.
 */
import type * as Binding from '../native/binding';
import {
  AbortError,
  AcquireTimeoutError,
  ConfigError,
  ConnectionError,
  ConnectionLostError,
  ConnectionReleasedError,
  DatabaseError,
  InternalError,
  InvalidParameterError,
  InvalidStatementError,
  PoolClosedError,
  PoolOverloadedError,
  QueryTimeoutError,
  DatabaseUnavailableError,
  WedPoolError,
  type ConnectErrorKind,
} from './errors';
import { loadNativeBinding, type PackageDescription } from './native-loader';
import type { MetricFamily, PoolStats } from './types';

const binding = loadNativeBinding<typeof Binding>(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require('../native/binding.js'),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../package.json') as PackageDescription,
);

/** Context flag bits, defined once in the binding (`src/context.rs`). */
export const CONTEXT_BITS = {
  activeWedding: binding.CONTEXT_ACTIVE_WEDDING,
  weddingDayTrue: binding.CONTEXT_WEDDING_DAY_TRUE,
  weddingDayFalse: binding.CONTEXT_WEDDING_DAY_FALSE,
  criticalOperation: binding.CONTEXT_CRITICAL_OPERATION,
  weddingCritical: binding.CONTEXT_WEDDING_CRITICAL,
} as const;

/** Event-mask bits of the native events, defined once in the core (`EventKind`). */
export const EVENT_BITS = {
  connect: binding.EVENT_CONNECT,
  acquire: binding.EVENT_ACQUIRE,
  release: binding.EVENT_RELEASE,
  remove: binding.EVENT_REMOVE,
  scale: binding.EVENT_SCALE,
  health: binding.EVENT_HEALTH,
} as const;

export type NativePool = Binding.NativePool;
/** A pool's handle for {@link poolAcquireOrEnqueue} (an external value), from `NativePool.handle()`. */
export type NativePoolHandle = Binding.ExternalObject<'NativePool'>;
/** A lent connection's handle (an external value): the connection functions take it. */
export type NativeConnection = Binding.ExternalObject<'NativeConnection'>;
export type NativeError = Binding.NativeError;
export type NativeResult = Binding.NativeResult;
export type NativeStats = Binding.NativeStats;
export type NativeEvent = Binding.NativeEvent;
/** The pool options as the core defines them (`crates/wedpool-core/src/config/option_types.rs`). */
export type NativePoolOptions = Binding.PoolOptions;
export type NativeSsl = Binding.NativeSsl;
export type BasePoolSize = Binding.BasePoolSize;
export type WeddingDate = Binding.WeddingDate;
export type WeddingCalendarOptions = Binding.WeddingCalendarOptions;
export type NativeFleetBudgetOptions = Binding.FleetBudgetOptions;
export type NativeTrafficLearningOptions = Binding.TrafficLearningOptions;
export type NativeHealth = Binding.NativeHealth;
export type NativeCommitOutcome = Binding.NativeCommitOutcome;
export type NativeConnectionDetails = Binding.NativeConnectionDetails;
export type NativeMetricFamily = Binding.NativeMetricFamily;

export const {
  createPool,
  connectionDetails,
  connectionLearnedTransactionId,
  connectionLearnTransactionIds,
  connectionQuerySubmit,
  connectionRelease,
  poolAcquireOrEnqueue,
} = binding;

/** Whether a native return value is an error object. */
export function isNativeError(value: unknown): value is NativeError {
  return typeof value === 'object' && value !== null && (value as { wedpoolError?: unknown }).wedpoolError === true;
}

/** Converts native stats to the public shape. */
export function toPublicStats(s: NativeStats): PoolStats {
  return {
    size: s.size,
    idle: s.idle,
    inUse: s.inUse,
    waiting: s.waiting,
    pending: s.pending,
    minSize: s.minSize,
    maxSize: s.maxSize,
    reserved: { size: s.reserved.size, idle: s.reserved.idle, inUse: s.reserved.inUse },
    weddingDay: s.weddingDay,
    scaling: { multiplier: s.multiplier, reason: s.reason },
    acquired: s.acquired,
    timeouts: s.timeouts,
    shed: s.shed,
    created: s.created,
    removed: s.removed,
    connectFailures: s.connectFailures,
    serverFull: s.serverFull,
    budget: s.budget ?? null,
  };
}

/** Converts native metric families to the public shape (labels as an object, in order). */
export function toMetricFamilies(families: NativeMetricFamily[]): MetricFamily[] {
  return families.map((f) => ({
    name: f.name,
    help: f.help,
    type: f.type as MetricFamily['type'],
    samples: f.samples.map((s) => {
      const labels: Record<string, string> = {};
      s.labelNames.forEach((name, i) => (labels[name] = s.labelValues[i]!));
      return { name: s.name, labels, value: s.value };
    }),
  }));
}

function causeOf(e: NativeError): ConnectionError | undefined {
  return e.causeCode === 'CONNECT_FAILED' && e.causeMessage
    ? new ConnectionError(e.causeMessage, (e.causeKind ?? 'other') as ConnectErrorKind)
    : undefined;
}

/** Turns a native error object into the matching typed error. */
export function toError(e: NativeError): WedPoolError {
  switch (e.code) {
    case 'DATABASE_ERROR':
      return new DatabaseError(e.message, e.sqlstate ?? 'XX000', {
        severity: e.severity,
        detail: e.detail,
        hint: e.hint,
        position: e.position,
        internalPosition: e.internalPosition,
        internalQuery: e.internalQuery,
        where: e.where,
        schema: e.schema,
        table: e.table,
        column: e.column,
        dataType: e.dataType,
        constraint: e.constraint,
        file: e.file,
        line: e.line,
        routine: e.routine,
      });
    case 'POOL_ACQUIRE_TIMEOUT': {
      const stats = e.stats ? toPublicStats(e.stats) : (undefined as unknown as PoolStats);
      return new AcquireTimeoutError(e.message, stats, e.waitedMillis ?? 0, causeOf(e));
    }
    case 'QUERY_TIMEOUT':
      return new QueryTimeoutError(e.message, e.timeoutMillis ?? 0);
    case 'POOL_OVERLOADED':
      return new PoolOverloadedError(e.message, e.waiting ?? 0);
    case 'DATABASE_UNAVAILABLE':
      return new DatabaseUnavailableError(e.message, e.downMillis ?? 0, causeOf(e));
    case 'POOL_CLOSED':
      return new PoolClosedError(e.message);
    case 'CONNECT_FAILED':
      return new ConnectionError(e.message, (e.kind ?? 'other') as ConnectErrorKind, e.sqlstate ?? undefined);
    case 'CONNECTION_LOST':
      return new ConnectionLostError(e.message, e.sqlstate ?? undefined, {
        sent: e.sent ?? true,
        outcomeUnknown: e.outcomeUnknown ?? false,
        transactionId: e.transactionId ?? undefined,
      });
    case 'ABORT_ERR':
      return new AbortError(e.message);
    case 'INVALID_CONFIG':
      return new ConfigError(e.field ?? 'options', e.message.replace(/^invalid option [^:]+: /, ''));
    case 'INVALID_PARAMETER':
      return new InvalidParameterError(e.index ?? 0, e.message.replace(/^parameter \$\d+ cannot be sent: /, ''));
    case 'INVALID_STATEMENT':
      return new InvalidStatementError(e.message);
    case 'CONNECTION_RELEASED':
      return new ConnectionReleasedError(e.message);
    case 'INTERNAL_ERROR':
      return new InternalError(e.message);
    default:
      return new WedPoolError(e.message, e.code);
  }
}

/** Returns `value`, or throws the typed error a native error object stands for. */
export function unwrap<T>(value: T | NativeError): T {
  if (isNativeError(value)) throw toError(value);
  return value;
}

/** Throws the typed error a native call without a value answered, if any. */
export function throwIfError(error: NativeError | null | undefined): void {
  if (error) throw toError(error);
}
