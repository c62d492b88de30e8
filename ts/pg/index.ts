/**
 * `wedpool/pg`: a drop-in for node-postgres's `Pool` (pg-pool's documented behaviour) with
 * WedPool underneath. Change one import line; put wedding context around call sites with
 * {@link withWeddingContext} — Kysely, Drizzle and other node-postgres users included.
 *
 * ```ts
 * import { Pool, withWeddingContext } from 'wedpool/pg'; // was: import { Pool } from 'pg'
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL, emergencyReservedConnections: 2 });
 * await withWeddingContext({ isWeddingCritical: true }, () => pool.query('select 1'));
 * ```
 */
export { Pool, type ConnectCallback } from './pool';
export { PoolClient, DoubleReleaseError } from './client';
/** The client type (pg's `PoolClient`); clients come from `pool.connect()`, there is no standalone `Client`. */
export type { PoolClient as Client } from './client';
export { withWeddingContext, currentWeddingContext } from './context';
export type { PoolConfig, PasswordOption } from './options';
export type { QueryConfig, QueryCallback, Submittable } from './query-args';
export { UnsupportedSubmittableError } from './query-args';
export type { QueryResult, CustomTypesConfig, TypeParser } from './results';
export type { FieldDef, DatabaseContext } from '../types';
export { WeddingAwareConnectionPool } from '../pool';
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
  ConnectionReleasedError,
  QueryTimeoutError,
  PoolOverloadedError,
  DatabaseUnavailableError,
  CommitAbortedError,
  CommitOutcomeUnknownError,
} from '../errors';
