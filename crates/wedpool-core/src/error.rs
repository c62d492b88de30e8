//! Errors with stable codes shared by Rust, the binding and TypeScript.

use std::fmt;
use std::time::Duration;

use crate::observe::status::PoolStats;

/// The stable machine-readable code of a [`PoolError`].
///
/// The strings returned by [`ErrorCode::as_str`] are part of the public API: the
/// TypeScript facade maps each one to an error class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No connection became available before the caller's deadline.
    AcquireTimeout,
    /// The pool was ended.
    PoolClosed,
    /// A new connection could not be opened.
    ConnectFailed,
    /// An open connection broke while it was in use.
    ConnectionLost,
    /// The caller cancelled its request.
    Aborted,
    /// The pool options are invalid.
    InvalidConfig,
    /// A query parameter cannot be sent.
    InvalidParameter,
    /// The statement text cannot be sent (a NUL byte, a COPY to or from the client).
    InvalidStatement,
    /// The server rejected a statement; the SQLSTATE is carried separately.
    Database,
    /// A connection was used or released after it had been released.
    ConnectionReleased,
    /// A statement ran past its deadline and was cancelled.
    QueryTimeout,
    /// The wait queue was full and this caller had the lowest priority.
    PoolOverloaded,
    /// The database is down; non-critical callers fail fast.
    DatabaseUnavailable,
}

impl ErrorCode {
    /// The stable code string (`POOL_ACQUIRE_TIMEOUT`, …). Database errors use `DATABASE_ERROR`
    /// here; the facade exposes their SQLSTATE as `code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AcquireTimeout => "POOL_ACQUIRE_TIMEOUT",
            ErrorCode::PoolClosed => "POOL_CLOSED",
            ErrorCode::ConnectFailed => "CONNECT_FAILED",
            ErrorCode::ConnectionLost => "CONNECTION_LOST",
            ErrorCode::Aborted => "ABORT_ERR",
            ErrorCode::InvalidConfig => "INVALID_CONFIG",
            ErrorCode::InvalidParameter => "INVALID_PARAMETER",
            ErrorCode::InvalidStatement => "INVALID_STATEMENT",
            ErrorCode::Database => "DATABASE_ERROR",
            ErrorCode::ConnectionReleased => "CONNECTION_RELEASED",
            ErrorCode::QueryTimeout => "QUERY_TIMEOUT",
            ErrorCode::PoolOverloaded => "POOL_OVERLOADED",
            ErrorCode::DatabaseUnavailable => "DATABASE_UNAVAILABLE",
        }
    }
}

/// Why a connection attempt failed, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectErrorKind {
    /// The server refused the TCP connection (nothing listens there).
    Refused,
    /// The connect deadline passed.
    Timeout,
    /// Authentication failed (wrong password, unknown role, pg_hba rejection).
    Auth,
    /// The host name could not be resolved.
    Dns,
    /// TLS negotiation failed.
    Tls,
    /// The server has no free connection slots (SQLSTATE 53300).
    TooManyClients,
    /// Anything else (the message says what).
    Other,
}

impl ConnectErrorKind {
    /// The lower-case name used by the facade (`refused`, `timeout`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectErrorKind::Refused => "refused",
            ConnectErrorKind::Timeout => "timeout",
            ConnectErrorKind::Auth => "auth",
            ConnectErrorKind::Dns => "dns",
            ConnectErrorKind::Tls => "tls",
            ConnectErrorKind::TooManyClients => "too_many_clients",
            ConnectErrorKind::Other => "other",
        }
    }
}

/// The fields of a server error, named as node-postgres names them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatabaseErrorFields {
    /// The primary message.
    pub message: String,
    /// Severity (`ERROR`, `FATAL`, …).
    pub severity: String,
    /// The SQLSTATE, for example `23505`.
    pub code: String,
    /// Optional secondary detail.
    pub detail: Option<String>,
    /// Optional hint.
    pub hint: Option<String>,
    /// 1-based character position in the statement, as text.
    pub position: Option<String>,
    /// Internal position, when the error is inside an internal query.
    pub internal_position: Option<String>,
    /// The internal query.
    pub internal_query: Option<String>,
    /// Where the error happened (call stack of PL functions).
    pub r#where: Option<String>,
    /// Schema name.
    pub schema: Option<String>,
    /// Table name.
    pub table: Option<String>,
    /// Column name.
    pub column: Option<String>,
    /// Data type name.
    pub data_type: Option<String>,
    /// Constraint name.
    pub constraint: Option<String>,
    /// Source file in the server.
    pub file: Option<String>,
    /// Source line in the server.
    pub line: Option<String>,
    /// Source routine in the server.
    pub routine: Option<String>,
}

/// Everything that can go wrong in WedPool. Each variant maps to one [`ErrorCode`].
#[derive(Debug, Clone)]
pub enum PoolError {
    /// No connection within the deadline; carries what the pool looked like.
    AcquireTimeout {
        /// How long the caller waited.
        waited: Duration,
        /// The pool when the deadline passed.
        stats: Box<PoolStats>,
        /// The most recent failed connection attempt, if any.
        last_connect_error: Option<Box<PoolError>>,
    },
    /// The pool was ended.
    PoolClosed,
    /// A connection could not be opened.
    ConnectFailed {
        /// The classified cause.
        kind: ConnectErrorKind,
        /// A message without credentials.
        message: String,
        /// The server's SQLSTATE when the server answered with an error.
        sqlstate: Option<String>,
    },
    /// The connection broke while in use.
    ConnectionLost {
        /// What happened.
        message: String,
        /// The server's SQLSTATE when it ended the session itself (`57P01` …).
        sqlstate: Option<String>,
        /// Whether the statement may have reached the server. `false` only when it provably
        /// never ran (the connection was gone before it was sent, or broke while it was being
        /// prepared): running it again cannot apply it twice.
        sent: bool,
        /// The statement was sent and may have taken effect: a write outside a transaction, or a
        /// `COMMIT`. Only the server can tell (see [`crate::Pool::commit_outcome`]).
        outcome_unknown: bool,
        /// The id of the transaction a lost `COMMIT` was committing, when it had been learned
        /// (`txid_current_if_assigned()`, the 64-bit form `pg_xact_status` takes).
        transaction_id: Option<u64>,
    },
    /// The caller cancelled.
    Aborted,
    /// An option is invalid.
    InvalidConfig {
        /// The option's name as the user wrote it (`basePoolSize.min`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The statement cannot be sent as it is; nothing was sent and the connection is kept.
    InvalidStatement {
        /// Why.
        message: String,
    },
    /// A parameter cannot be sent.
    InvalidParameter {
        /// 0-based index of the parameter.
        index: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The server rejected the statement.
    Database(Box<DatabaseErrorFields>),
    /// The connection was already released.
    ConnectionReleased,
    /// The statement ran past `timeout`; a cancel request was sent to the server.
    QueryTimeout {
        /// The deadline that passed.
        timeout: Duration,
    },
    /// The wait queue held `max_waiting` callers and this one had the lowest priority.
    PoolOverloaded {
        /// Callers queued when this one was shed.
        waiting: usize,
    },
    /// The database has been down for `down_for`; only wedding-critical callers keep waiting.
    DatabaseUnavailable {
        /// How long the pool has seen the database as down.
        down_for: Duration,
        /// The most recent connection failure.
        last_connect_error: Option<Box<PoolError>>,
    },
}

impl PoolError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            PoolError::AcquireTimeout { .. } => ErrorCode::AcquireTimeout,
            PoolError::PoolClosed => ErrorCode::PoolClosed,
            PoolError::ConnectFailed { .. } => ErrorCode::ConnectFailed,
            PoolError::ConnectionLost { .. } => ErrorCode::ConnectionLost,
            PoolError::Aborted => ErrorCode::Aborted,
            PoolError::InvalidConfig { .. } => ErrorCode::InvalidConfig,
            PoolError::InvalidParameter { .. } => ErrorCode::InvalidParameter,
            PoolError::InvalidStatement { .. } => ErrorCode::InvalidStatement,
            PoolError::Database(_) => ErrorCode::Database,
            PoolError::ConnectionReleased => ErrorCode::ConnectionReleased,
            PoolError::QueryTimeout { .. } => ErrorCode::QueryTimeout,
            PoolError::PoolOverloaded { .. } => ErrorCode::PoolOverloaded,
            PoolError::DatabaseUnavailable { .. } => ErrorCode::DatabaseUnavailable,
        }
    }

    /// A [`PoolError::ConnectionLost`] for a statement that may have been sent and whose
    /// outcome is not yet classified (the lease refines `sent` and `outcome_unknown`).
    pub fn connection_lost(message: impl Into<String>, sqlstate: Option<String>) -> Self {
        PoolError::ConnectionLost {
            message: message.into(),
            sqlstate,
            sent: true,
            outcome_unknown: false,
            transaction_id: None,
        }
    }

    /// Builds an [`PoolError::InvalidConfig`] naming `field`.
    pub fn invalid_config(field: impl Into<String>, message: impl Into<String>) -> Self {
        PoolError::InvalidConfig { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::AcquireTimeout { waited, stats, last_connect_error } => {
                write!(
                    f,
                    "timed out after {} ms waiting for a connection (size {}, idle {}, in use {}, waiting {}, max {})",
                    waited.as_millis(),
                    stats.size,
                    stats.idle,
                    stats.in_use,
                    stats.waiting,
                    stats.max_size
                )?;
                if let Some(cause) = last_connect_error {
                    write!(f, "; last connect error: {cause}")?;
                }
                Ok(())
            }
            PoolError::PoolClosed => write!(f, "the pool has been ended"),
            PoolError::ConnectFailed { kind, message, .. } => {
                write!(f, "could not connect ({}): {message}", kind.as_str())
            }
            PoolError::ConnectionLost { message, sent, outcome_unknown, transaction_id, .. } => {
                write!(f, "connection lost: {message}")?;
                match (sent, outcome_unknown, transaction_id) {
                    (false, _, _) => write!(f, " (the statement was never sent; safe to retry)"),
                    (true, true, Some(xid)) => {
                        write!(f, " (sent; the outcome of transaction {xid} is unknown: it may have committed)")
                    }
                    (true, true, None) => write!(f, " (sent; its outcome is unknown: it may have taken effect)"),
                    (true, false, _) => Ok(()),
                }
            }
            PoolError::Aborted => write!(f, "the operation was aborted"),
            PoolError::InvalidConfig { field, message } => write!(f, "invalid option {field}: {message}"),
            PoolError::InvalidParameter { index, message } => {
                write!(f, "parameter ${} cannot be sent: {message}", index + 1)
            }
            PoolError::InvalidStatement { message } => write!(f, "statement cannot be sent: {message}"),
            PoolError::Database(fields) => write!(f, "{}", fields.message),
            PoolError::ConnectionReleased => {
                write!(f, "this connection has already been released to the pool")
            }
            PoolError::QueryTimeout { timeout } => {
                write!(f, "the statement ran longer than {} ms and was cancelled", timeout.as_millis())
            }
            PoolError::PoolOverloaded { waiting } => {
                write!(f, "the pool is overloaded ({waiting} callers waiting) and this request had the lowest priority")
            }
            PoolError::DatabaseUnavailable { down_for, last_connect_error } => {
                write!(f, "the database has been unreachable for {} ms", down_for.as_millis())?;
                if let Some(cause) = last_connect_error {
                    write!(f, "; last connect error: {cause}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PoolError {}
