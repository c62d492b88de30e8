/**
 * Typed errors. Every error WedPool raises is an instance of {@link WedPoolError} with a
 * stable `code`; server errors are {@link DatabaseError}s whose `code` is the SQLSTATE.
 * No message ever contains a password.
 */
import type { PoolStats } from './types';

/** Base class of every WedPool error. */
export class WedPoolError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The server rejected a statement. `code` is the SQLSTATE (e.g. `23505`). */
export class DatabaseError extends WedPoolError {
  /** `ERROR`, `FATAL`, … */
  readonly severity?: string;
  /** Secondary detail. */
  readonly detail?: string;
  /** Hint for fixing the problem. */
  readonly hint?: string;
  /** 1-based character position in the statement. */
  readonly position?: string;
  /** Position inside an internally generated query. */
  readonly internalPosition?: string;
  /** The internally generated query. */
  readonly internalQuery?: string;
  /** PL/pgSQL context. */
  readonly where?: string;
  /** Schema of the object involved. */
  readonly schema?: string;
  /** Table involved. */
  readonly table?: string;
  /** Column involved. */
  readonly column?: string;
  /** Data type involved. */
  readonly dataType?: string;
  /** Constraint violated. */
  readonly constraint?: string;
  /** Server source file. */
  readonly file?: string;
  /** Server source line. */
  readonly line?: string;
  /** Server routine. */
  readonly routine?: string;
  constructor(message: string, sqlstate: string, fields: Partial<DatabaseError> = {}) {
    super(message, sqlstate);
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && value !== null) (this as Record<string, unknown>)[key] = value;
    }
  }
}

/** No connection became available before the deadline. */
export class AcquireTimeoutError extends WedPoolError {
  /** The pool when the deadline passed. */
  readonly stats: PoolStats;
  /** How long the caller waited, in ms. */
  readonly waitedMillis: number;
  constructor(message: string, stats: PoolStats, waitedMillis: number, cause?: ConnectionError) {
    super(message, 'POOL_ACQUIRE_TIMEOUT', cause ? { cause } : undefined);
    this.stats = stats;
    this.waitedMillis = waitedMillis;
  }
}

/** The pool has been ended. */
export class PoolClosedError extends WedPoolError {
  constructor(message = 'the pool has been ended') {
    super(message, 'POOL_CLOSED');
  }
}

/** Why a connection attempt failed. */
export type ConnectErrorKind = 'refused' | 'timeout' | 'auth' | 'dns' | 'tls' | 'too_many_clients' | 'other';

/** A new connection could not be opened. */
export class ConnectionError extends WedPoolError {
  /** The classified cause. */
  readonly kind: ConnectErrorKind;
  /** The server's SQLSTATE, when the server answered (e.g. `28P01`, `53300`). */
  readonly sqlstate?: string;
  constructor(message: string, kind: ConnectErrorKind, sqlstate?: string) {
    super(message, 'CONNECT_FAILED');
    this.kind = kind;
    if (sqlstate) this.sqlstate = sqlstate;
  }
}

/** What is known about the statement a {@link ConnectionLostError} interrupted. */
export interface LostStatementFacts {
  /** Whether the statement may have reached the server (default `true`). */
  sent?: boolean;
  /** Whether it may have taken effect (a write outside a transaction, or a COMMIT). */
  outcomeUnknown?: boolean;
  /** The transaction a lost COMMIT was committing, when it was learned. */
  transactionId?: string;
}

/**
 * An open connection broke while in use. `sent: false` means the statement provably never ran
 * (safe to run again); with `sent: true` it may have. `outcomeUnknown` is set for a write outside
 * a transaction and for a COMMIT: it may have taken effect, and only the server can tell
 * (`transaction()` asks it; see `resolveCommitOutcome`). A statement inside a transaction that
 * is not its COMMIT died with the transaction.
 */
export class ConnectionLostError extends WedPoolError {
  /** The server's SQLSTATE when the server ended the session (`57P01`, …). */
  readonly sqlstate?: string;
  /** Whether the statement may have reached the server; `false`: it never ran. */
  readonly sent: boolean;
  /** Whether it may have taken effect: a write outside a transaction, or a COMMIT. */
  readonly outcomeUnknown: boolean;
  /** The id of the transaction a lost COMMIT was committing (decimal text), when learned. */
  readonly transactionId?: string;
  constructor(message: string, sqlstate?: string, facts: LostStatementFacts = {}) {
    super(message, 'CONNECTION_LOST');
    if (sqlstate) this.sqlstate = sqlstate;
    this.sent = facts.sent ?? true;
    this.outcomeUnknown = facts.outcomeUnknown ?? false;
    if (facts.transactionId) this.transactionId = facts.transactionId;
  }
}

/**
 * The answer to COMMIT was lost (the connection broke, or the COMMIT ran past its deadline), and
 * another connection learned that the server aborted the transaction (e.g. a deferred constraint
 * failed at COMMIT): nothing it wrote remains, so running it again is safe. `cause` is the
 * {@link ConnectionLostError} or `QueryTimeoutError`.
 */
export class CommitAbortedError extends WedPoolError {
  /** The aborted transaction (decimal text). */
  readonly transactionId: string;
  /** Always `true`: nothing was committed. */
  readonly safeToRetry = true;
  constructor(transactionId: string, cause: WedPoolError) {
    super(`the answer to COMMIT was lost and the server reports transaction ${transactionId} aborted: nothing was committed, safe to retry`, 'COMMIT_ABORTED', { cause });
    this.transactionId = transactionId;
  }
}

/**
 * The answer to COMMIT was lost (connection broken, or COMMIT past its deadline) and the outcome
 * could not be learned (the server stayed
 * unreachable past `commitOutcomeTimeoutMillis`, the transaction stayed in progress, or its id is
 * too old). It may have committed: reconcile with `transactionId` (`txid_status(id)` /
 * `pg_xact_status(id)` on the server) before doing it again. Never retried by `transaction()`.
 */
export class CommitOutcomeUnknownError extends WedPoolError {
  /** The transaction whose outcome is unknown (decimal text). */
  readonly transactionId: string;
  /** Why it could not be learned. */
  readonly reason: string;
  constructor(transactionId: string, reason: string, cause: WedPoolError) {
    super(`the answer to the COMMIT of transaction ${transactionId} was lost and its outcome is unknown (${reason}); it may have committed: reconcile before retrying`, 'COMMIT_OUTCOME_UNKNOWN', { cause });
    this.transactionId = transactionId;
    this.reason = reason;
  }
}

/** The caller aborted (AbortSignal). `name` is `AbortError`, as in the platform. */
export class AbortError extends WedPoolError {
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super(message, 'ABORT_ERR', options);
  }
}

/** An option is invalid; `field` names it as written (`basePoolSize.min`). */
export class ConfigError extends WedPoolError {
  /** The invalid option. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`invalid option ${field}: ${message}`, 'INVALID_CONFIG', options);
    this.field = field;
  }
}

/** A query parameter cannot be sent; nothing was sent. */
export class InvalidParameterError extends WedPoolError {
  /** 0-based index of the parameter. */
  readonly index: number;
  constructor(index: number, message: string, options?: { cause?: unknown }) {
    super(`parameter $${index + 1} cannot be sent: ${message}`, 'INVALID_PARAMETER', options);
    this.index = index;
  }
}

/**
 * The statement cannot be sent as it is (not a string, a NUL byte, `COPY … TO STDOUT` /
 * `FROM STDIN`); nothing was sent and the connection is kept.
 */
export class InvalidStatementError extends WedPoolError {
  constructor(message: string) {
    super(message.startsWith('statement cannot be sent: ') ? message : `statement cannot be sent: ${message}`, 'INVALID_STATEMENT');
  }
}

/** A connection was used or released after it had been released. */
export class ConnectionReleasedError extends WedPoolError {
  constructor(message = 'this connection has already been released to the pool') {
    super(message, 'CONNECTION_RELEASED');
  }
}

/** A statement ran past its deadline; a cancel request was sent to the server. */
export class QueryTimeoutError extends WedPoolError {
  /** The deadline that passed, in ms. */
  readonly timeoutMillis: number;
  constructor(message: string, timeoutMillis: number) {
    super(message, 'QUERY_TIMEOUT');
    this.timeoutMillis = timeoutMillis;
  }
}

/** The wait queue was full (`maxWaiting`) and this caller had the lowest priority. */
export class PoolOverloadedError extends WedPoolError {
  /** Callers queued when this one was shed. */
  readonly waiting: number;
  constructor(message: string, waiting: number) {
    super(message, 'POOL_OVERLOADED');
    this.waiting = waiting;
  }
}

/** The database is down; non-critical callers fail fast while wedding-critical ones wait. */
export class DatabaseUnavailableError extends WedPoolError {
  /** How long the pool had seen the database as down, in ms. */
  readonly downMillis: number;
  constructor(message: string, downMillis: number, cause?: ConnectionError) {
    super(message, 'DATABASE_UNAVAILABLE', cause ? { cause } : undefined);
    this.downMillis = downMillis;
  }
}

/**
 * A panic inside WedPool's native code (a bug: please report it), caught where it would have
 * crossed into JavaScript. The message names the operation; it never contains a password. A
 * connection that was in use when it happened is closed on release, never lent again; the
 * pool stays usable.
 */
export class InternalError extends WedPoolError {
  constructor(message: string) {
    super(message, 'INTERNAL_ERROR');
  }
}
