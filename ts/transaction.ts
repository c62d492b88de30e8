/**
 * `pool.transaction()`: BEGIN … COMMIT on one connection, with safe retries and, when the
 * answer to COMMIT is lost, the outcome asked from the server on another connection.
 */
import type { PoolConnection } from './connection';
import { contextFlags } from './context';
import { describeValue } from './describe';
import { CommitAbortedError, CommitOutcomeUnknownError, ConfigError, ConnectionLostError, DatabaseError, QueryTimeoutError, type WedPoolError } from './errors';
import type { NativeCommitOutcome } from './native';
import type { AcquireOptions, DatabaseContext, PoolEvents } from './types';

/** `BEGIN ISOLATION LEVEL …`. */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** Options of `pool.transaction(ctx, fn, options)`. */
export interface TransactionOptions extends AcquireOptions {
  /**
   * How many more times `fn` may run when an attempt is known not to have committed:
   * serialization failure (40001), deadlock (40P01), the connection lost before COMMIT was sent,
   * or a COMMIT the server reports aborted. Never after an unknown outcome. Default 0.
   */
  retries?: number;
  /**
   * When the answer to COMMIT is lost (the connection broke after it was written, or it ran past
   * `queryTimeoutMillis`), ask another connection what became of the transaction (`txid_status`)
   * instead of rejecting with `ConnectionLostError` / `QueryTimeoutError`. Costs one
   * round trip before each COMMIT (to learn the transaction id). Default: on for wedding-critical
   * contexts (`isWeddingCritical` or `isCriticalOperation`), off otherwise.
   */
  resolveCommitOutcome?: boolean;
  /** How long to keep asking before `COMMIT_OUTCOME_UNKNOWN`, in ms (default 30,000). */
  commitOutcomeTimeoutMillis?: number;
  /** The transaction's isolation level (default: the server's, normally read committed). */
  isolationLevel?: IsolationLevel;
}

/** What `fn` is told about the attempt it runs. */
export interface TransactionAttempt {
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  /** Why the previous attempt did not commit (absent on the first). */
  previousError?: unknown;
}

/** The `commitResolved` event: the outcome of a COMMIT whose answer was lost, as the server told it. */
export type CommitResolvedEvent = PoolEvents['commitResolved'];

/** What `transaction()` needs from the pool. */
export interface TransactionHost {
  getConnection(ctx: DatabaseContext | undefined, options: AcquireOptions | undefined): Promise<PoolConnection>;
  commitOutcome(flags: number, transactionId: string, deadlineMillis: number): Promise<NativeCommitOutcome>;
  emit(event: 'commitResolved', payload: CommitResolvedEvent): void;
}

const ISOLATION: Record<IsolationLevel, string> = {
  'read committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
};

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

/** An attempt that failed; `beforeCommit`: COMMIT had not been sent. */
class Failed {
  constructor(
    readonly error: unknown,
    readonly beforeCommit: boolean,
  ) {}
}

/** Whether the failed attempt is known not to have committed, so `fn` may run again. */
function knownNotCommitted(f: Failed): boolean {
  const e = f.error;
  if (e instanceof DatabaseError) return RETRYABLE_SQLSTATES.has(e.code);
  if (e instanceof CommitAbortedError) return true;
  if (e instanceof ConnectionLostError) return f.beforeCommit || !e.sent;
  return false;
}

function checkOptions(options: TransactionOptions | undefined): { retries: number; deadline: number; begin: string } {
  const retries = options?.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0) throw new ConfigError('retries', `must be a whole number of 0 or more, got ${describeValue(retries)}`);
  const deadline = options?.commitOutcomeTimeoutMillis ?? 30_000;
  if (typeof deadline !== 'number' || !(deadline >= 0)) {
    throw new ConfigError('commitOutcomeTimeoutMillis', `must be a number of milliseconds of 0 or more, got ${describeValue(deadline)}`);
  }
  const level = options?.isolationLevel;
  if (level !== undefined && !(level in ISOLATION)) {
    throw new ConfigError('isolationLevel', `must be 'read committed', 'repeatable read' or 'serializable', got ${describeValue(level)}`);
  }
  return { retries, deadline, begin: level ? ISOLATION[level] : 'BEGIN' };
}

/** Runs `fn` in a transaction; see `WeddingAwareConnectionPool.transaction`. */
export async function runTransaction<T>(
  host: TransactionHost,
  ctx: DatabaseContext | undefined,
  fn: (tx: PoolConnection, attempt: TransactionAttempt) => Promise<T>,
  options: TransactionOptions | undefined,
): Promise<T> {
  const { retries, deadline, begin } = checkOptions(options);
  const resolve = options?.resolveCommitOutcome ?? (ctx?.isWeddingCritical === true || ctx?.isCriticalOperation === true);
  let previousError: unknown;
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptOnce(host, ctx, fn, options, { attempt, previousError }, { begin, resolve, deadline });
    if (!(outcome instanceof Failed)) return outcome.value;
    if (attempt > retries || !knownNotCommitted(outcome)) throw outcome.error;
    previousError = outcome.error;
  }
}

async function attemptOnce<T>(
  host: TransactionHost,
  ctx: DatabaseContext | undefined,
  fn: (tx: PoolConnection, attempt: TransactionAttempt) => Promise<T>,
  options: AcquireOptions | undefined,
  info: TransactionAttempt,
  how: { begin: string; resolve: boolean; deadline: number },
): Promise<{ value: T } | Failed> {
  const conn = await host.getConnection(ctx, options);
  try {
    if (how.resolve) conn.learnTransactionIds();
    let value: T;
    try {
      await conn.query(how.begin);
      value = await fn(conn, info);
    } catch (err) {
      if (!conn.released) await conn.query('ROLLBACK').catch(() => undefined);
      return new Failed(err, true);
    }
    try {
      await conn.query('COMMIT');
      return { value };
    } catch (err) {
      // The COMMIT may have been applied: its answer was lost, or it ran past its deadline.
      const answerLost = (err instanceof ConnectionLostError && err.sent) || err instanceof QueryTimeoutError;
      // Not asked: the COMMIT was never sent (or the transaction had already failed).
      const learned = conn.learnedTransactionId;
      if (!answerLost || !how.resolve || learned === null) return new Failed(err, false);
      // Close it first: a transaction still open on it (a COMMIT that never arrived) ends only
      // when its session does, and would stay "in progress" for as long as we held it.
      conn.destroy();
      return await resolveLostCommit(host, ctx, err as WedPoolError, learned, value, info.attempt, how.deadline);
    }
  } finally {
    if (!conn.released) conn.release();
  }
}

/** Asks the server what became of a COMMIT whose answer was lost. */
async function resolveLostCommit<T>(
  host: TransactionHost,
  ctx: DatabaseContext | undefined,
  lost: WedPoolError,
  learned: string,
  value: T,
  attempt: number,
  deadline: number,
): Promise<{ value: T } | Failed> {
  const started = Date.now();
  const report = (transactionId: string | null, outcome: CommitResolvedEvent['outcome']) =>
    host.emit('commitResolved', { transactionId, outcome, resolvedAfterConnectionLoss: true, attempt, resolveMillis: Date.now() - started, context: ctx });
  const id = learned;
  if (id === '') {
    // No id was assigned: the transaction wrote nothing, so committed or not changes nothing.
    report(null, 'committed');
    return { value };
  }
  const answer = await host.commitOutcome(contextFlags(ctx), id, deadline);
  report(id, answer.status as CommitResolvedEvent['outcome']);
  if (answer.status === 'committed') return { value };
  if (answer.status === 'aborted') return new Failed(new CommitAbortedError(id, lost), false);
  return new Failed(new CommitOutcomeUnknownError(id, answer.reason ?? 'no answer', lost), false);
}
