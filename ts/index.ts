/**
 * WedPool: a wedding-aware PostgreSQL connection pool for Node.js with its hot path in Rust.
 *
 * ```ts
 * import { WeddingAwareConnectionPool } from 'wedpool';
 * const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL });
 * const { rows } = await pool.query('select $1::int as n', [1]);
 * ```
 */
export { WeddingAwareConnectionPool } from './pool';
export { PoolConnection } from './connection';
export {
  WedPoolError,
  DatabaseError,
  AcquireTimeoutError,
  PoolClosedError,
  ConnectionError,
  ConnectionLostError,
  AbortError,
  ConfigError,
  InvalidParameterError,
  InvalidStatementError,
  InternalError,
  ConnectionReleasedError,
  QueryTimeoutError,
  PoolOverloadedError,
  DatabaseUnavailableError,
  CommitAbortedError,
  CommitOutcomeUnknownError,
  type ConnectErrorKind,
  type LostStatementFacts,
} from './errors';
export type { WeddingPoolOptions, BasePoolSize, WeddingCalendarOptions, WeddingDate } from './options';
export type {
  DatabaseContext,
  PoolStats,
  ReservedStats,
  QueryResult,
  FieldDef,
  QueryParam,
  QueryOptions,
  AcquireOptions,
  PoolEvents,
  RemoveReason,
  HealthReport,
  MetricFamily,
  MetricSample,
} from './types';
export type { EndOptions, PoolEventArgs } from './pool';
export type { TransactionOptions, TransactionAttempt, IsolationLevel, CommitResolvedEvent } from './transaction';
export type { FleetBudgetOptions, TrafficLearningOptions } from './options';
export type { TlsPoolOptions, SslOptions, SslMode, Pem } from './tls-options';
export type { ScalingPlan, PlannedChange } from './types';
export { registerPrometheusMetrics, type PromRegistryLike } from './prometheus';
