//! Errors cross the boundary as plain objects (napi-rs rejections cannot carry a `code`);
//! `ts/native.ts` turns them into typed error classes.

use napi_derive::napi;
use wedpool_core::PoolError;

use crate::pool::NativeStats;

/// A WedPool error as a plain object. `wedpoolError` is always `true` so the facade can tell
/// it from a result.
#[derive(Debug)]
#[napi(object)]
pub struct NativeError {
    /// Always true.
    pub wedpool_error: bool,
    /// Stable code (`POOL_ACQUIRE_TIMEOUT`, …; `DATABASE_ERROR` for server errors).
    pub code: String,
    /// Human-readable message (never contains a password).
    pub message: String,
    /// SQLSTATE of a server error, or of the server's answer to a failed connect.
    pub sqlstate: Option<String>,
    /// Server error fields, named as node-postgres names them.
    pub severity: Option<String>,
    /// Server error detail.
    pub detail: Option<String>,
    /// Server error hint.
    pub hint: Option<String>,
    /// Position in the statement.
    pub position: Option<String>,
    /// Position in the internal query.
    pub internal_position: Option<String>,
    /// The internal query.
    pub internal_query: Option<String>,
    /// PL/pgSQL context.
    pub r#where: Option<String>,
    /// Schema.
    pub schema: Option<String>,
    /// Table.
    pub table: Option<String>,
    /// Column.
    pub column: Option<String>,
    /// Data type.
    pub data_type: Option<String>,
    /// Constraint.
    pub constraint: Option<String>,
    /// Server source file.
    pub file: Option<String>,
    /// Server source line.
    pub line: Option<String>,
    /// Server routine.
    pub routine: Option<String>,
    /// Connect failure kind (`refused`, `timeout`, `auth`, `dns`, `tls`, `too_many_clients`, `other`).
    pub kind: Option<String>,
    /// The invalid option (`INVALID_CONFIG`).
    pub field: Option<String>,
    /// 0-based index of the bad parameter (`INVALID_PARAMETER`).
    pub index: Option<u32>,
    /// How long the caller waited (`POOL_ACQUIRE_TIMEOUT`).
    pub waited_millis: Option<f64>,
    /// The pool when the error happened (`POOL_ACQUIRE_TIMEOUT`).
    pub stats: Option<NativeStats>,
    /// The last connect error (`POOL_ACQUIRE_TIMEOUT`).
    pub cause_code: Option<String>,
    /// Message of the last connect error.
    pub cause_message: Option<String>,
    /// Kind of the last connect error.
    pub cause_kind: Option<String>,
    /// The statement deadline that passed (`QUERY_TIMEOUT`), in ms.
    pub timeout_millis: Option<f64>,
    /// Callers queued when this one was shed (`POOL_OVERLOADED`).
    pub waiting: Option<u32>,
    /// How long the database had been down (`DATABASE_UNAVAILABLE`), in ms.
    pub down_millis: Option<f64>,
    /// The checkout the failed statement ran on (observed `pool.query` only, for tracing).
    pub checkout: Option<crate::values::NativeCheckout>,
    /// Whether the statement may have reached the server (`CONNECTION_LOST`).
    pub sent: Option<bool>,
    /// The statement may have taken effect: a write outside a transaction or a COMMIT
    /// (`CONNECTION_LOST`).
    pub outcome_unknown: Option<bool>,
    /// The transaction a lost COMMIT was committing, as decimal text (`CONNECTION_LOST`).
    pub transaction_id: Option<String>,
}

impl NativeError {
    /// An `INTERNAL_ERROR`: a panic inside WedPool, caught at the binding edge.
    pub fn internal(message: String) -> Self {
        Self::base(crate::guard::INTERNAL_ERROR, message)
    }

    fn base(code: &str, message: String) -> Self {
        NativeError {
            wedpool_error: true,
            code: code.to_string(),
            message,
            sqlstate: None,
            severity: None,
            detail: None,
            hint: None,
            position: None,
            internal_position: None,
            internal_query: None,
            r#where: None,
            schema: None,
            table: None,
            column: None,
            data_type: None,
            constraint: None,
            file: None,
            line: None,
            routine: None,
            kind: None,
            field: None,
            index: None,
            waited_millis: None,
            stats: None,
            cause_code: None,
            cause_message: None,
            cause_kind: None,
            timeout_millis: None,
            waiting: None,
            down_millis: None,
            checkout: None,
            sent: None,
            outcome_unknown: None,
            transaction_id: None,
        }
    }

    fn set_cause(&mut self, cause: Option<Box<PoolError>>) {
        if let Some(cause) = cause {
            self.cause_code = Some(cause.code().as_str().to_string());
            self.cause_message = Some(cause.to_string());
            if let PoolError::ConnectFailed { kind, .. } = *cause {
                self.cause_kind = Some(kind.as_str().to_string());
            }
        }
    }
}

impl From<PoolError> for NativeError {
    fn from(e: PoolError) -> Self {
        let mut out = NativeError::base(e.code().as_str(), e.to_string());
        match e {
            PoolError::AcquireTimeout { waited, stats, last_connect_error } => {
                out.waited_millis = Some(waited.as_secs_f64() * 1000.0);
                out.stats = Some((*stats).into());
                out.set_cause(last_connect_error);
            }
            PoolError::QueryTimeout { timeout } => out.timeout_millis = Some(timeout.as_secs_f64() * 1000.0),
            PoolError::PoolOverloaded { waiting } => out.waiting = Some(waiting as u32),
            PoolError::DatabaseUnavailable { down_for, last_connect_error } => {
                out.down_millis = Some(down_for.as_secs_f64() * 1000.0);
                out.set_cause(last_connect_error);
            }
            PoolError::ConnectFailed { kind, sqlstate, .. } => {
                out.kind = Some(kind.as_str().to_string());
                out.sqlstate = sqlstate;
            }
            PoolError::ConnectionLost { sqlstate, sent, outcome_unknown, transaction_id, .. } => {
                out.sqlstate = sqlstate;
                out.sent = Some(sent);
                out.outcome_unknown = Some(outcome_unknown);
                out.transaction_id = transaction_id.map(|id| id.to_string());
            }
            PoolError::InvalidConfig { field, .. } => out.field = Some(field),
            PoolError::InvalidParameter { index, .. } => out.index = Some(index as u32),
            PoolError::InvalidStatement { .. } => {}
            PoolError::Database(db) => {
                let db = *db;
                out.message = db.message;
                out.sqlstate = Some(db.code);
                out.severity = Some(db.severity);
                out.detail = db.detail;
                out.hint = db.hint;
                out.position = db.position;
                out.internal_position = db.internal_position;
                out.internal_query = db.internal_query;
                out.r#where = db.r#where;
                out.schema = db.schema;
                out.table = db.table;
                out.column = db.column;
                out.data_type = db.data_type;
                out.constraint = db.constraint;
                out.file = db.file;
                out.line = db.line;
                out.routine = db.routine;
            }
            _ => {}
        }
        out
    }
}
