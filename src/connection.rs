//! `NativeConnection`: a lease held by JavaScript until `connectionRelease` (or garbage
//! collection).
//!
//! JavaScript holds it as an external value (`ConnectionHandle`), and its operations are plain
//! functions taking that handle: creating an external is one allocation and one weak
//! reference, where an instance of a native class also runs a constructor, wraps, type-tags
//! and unwraps (callgrind/perf on the uncontended acquire: about a third of its CPU). Garbage
//! collection of a handle still drops the lease, which gives the connection back.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{Either, Either3};
use napi::Env;
use napi_derive::napi;
use wedpool_core::{Lease, PoolError};

use crate::completions::{statement_outcome, Completions};
use crate::error::NativeError;
use crate::guard::{answer, answer_fallible, error_only, guarded, guarded_async};
use crate::handles::{Handle, Owned};
use crate::values::{params_from_js, JsParam, NativeResult};

/// A borrowed connection. A query in flight keeps it until the query ends, even if
/// `connectionRelease` is called meanwhile.
#[derive(Debug)]
pub struct NativeConnection {
    lease: Mutex<Option<Arc<Lease>>>,
    /// Where `querySubmit` settles: the pool's channel.
    completions: Option<Completions>,
    process_id: i32,
    connection_id: f64,
    reserved: bool,
    priority: i64,
    waited_micros: f64,
}

/// A borrowed connection as JavaScript holds it (typed `ExternalObject<NativeConnection>`).
pub type ConnectionHandle = Owned<NativeConnection>;

impl NativeConnection {
    /// The handle JavaScript gets for `lease`; queries on it settle through `completions`.
    pub(crate) fn handle(lease: Lease, completions: Option<Completions>) -> ConnectionHandle {
        Owned(Self::new(lease, completions))
    }

    fn new(lease: Lease, completions: Option<Completions>) -> Self {
        NativeConnection {
            completions,
            process_id: lease.process_id(),
            connection_id: lease.connection_id() as f64,
            reserved: lease.reserved(),
            priority: lease.priority(),
            waited_micros: lease.waited().as_micros() as f64,
            lease: Mutex::new(Some(Arc::new(lease))),
        }
    }

    fn current(&self) -> Option<Arc<Lease>> {
        self.lease.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn take(&self) -> Option<Arc<Lease>> {
        self.lease.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// What a connection's caller may read about it; fixed when it was lent.
#[derive(Debug)]
#[napi(object)]
pub struct NativeConnectionDetails {
    /// Backend process id.
    pub process_id: i32,
    /// The pool's id for this connection (as in events).
    pub connection_id: f64,
    /// Whether this connection occupies an emergency slot.
    pub reserved: bool,
    /// The caller's priority.
    pub priority: i64,
    /// How long the caller waited, in microseconds.
    pub waited_micros: f64,
}

/// Its ids and admission facts, in one crossing.
#[napi]
pub fn connection_details(
    #[napi(ts_arg_type = "ExternalObject<'NativeConnection'>")] conn: Handle<NativeConnection>,
) -> Either<NativeConnectionDetails, NativeError> {
    answer(guarded("connection.details", || NativeConnectionDetails {
        process_id: conn.process_id,
        connection_id: conn.connection_id,
        reserved: conn.reserved,
        priority: conn.priority,
        waited_micros: conn.waited_micros,
    }))
}

/// Runs one statement; with `textResults`, every cell is the server's text form. Settles
/// `id` through the pool's completion channel; answers an error instead of submitting when
/// it cannot (then `id` is never settled). A panic while the statement runs is an
/// `INTERNAL_ERROR`, and the connection is closed when it is released (its session state is
/// unknown), never lent again.
#[napi]
pub fn connection_query_submit(
    env: Env,
    #[napi(ts_arg_type = "ExternalObject<'NativeConnection'>")] conn: Handle<NativeConnection>,
    id: u32,
    sql: String,
    #[napi(ts_arg_type = "Array<string | Buffer | null>")] params: Vec<JsParam>,
    timeout_millis: Option<f64>,
    text_results: Option<bool>,
) -> Option<NativeError> {
    let submitted = guarded("connection.querySubmit", || {
        let Some(completions) = &conn.completions else {
            return Some(NativeError::internal(
                "WedPool internal error in connection.querySubmit: onCompletions was not called".into(),
            ));
        };
        let lease = conn.current();
        let timeout = crate::pool::statement_millis(timeout_millis);
        let params = params_from_js(params);
        completions.submit(
            &env,
            "connection.query.settle",
            id,
            Box::pin(async move {
                let Some(lease) = lease else {
                    return Either3::C(PoolError::ConnectionReleased.into());
                };
                let run = lease.query_in_form(&sql, &params, timeout, text_results.unwrap_or(false));
                let result = guarded_async("connection.query", run).await;
                if result.is_err() {
                    lease.mark_broken();
                }
                statement_outcome(answer_fallible(result.map(|r| r.map(NativeResult::from))))
            }),
        );
        None
    });
    submitted.unwrap_or_else(|internal| Some(*internal))
}

/// Before each COMMIT on this connection, ask the transaction's id (one round trip), so a
/// COMMIT whose answer is lost carries it.
#[napi]
pub fn connection_learn_transaction_ids(
    #[napi(ts_arg_type = "ExternalObject<'NativeConnection'>")] conn: Handle<NativeConnection>,
    on: bool,
) -> Option<NativeError> {
    error_only(guarded("connection.learnTransactionIds", || {
        if let Some(lease) = conn.current() {
            lease.learn_transaction_ids(on);
        }
    }))
}

/// What was learned before the current transaction's COMMIT: `null` when it was not asked
/// (its COMMIT was never sent), `""` when it had no id (it wrote nothing), else the id.
#[napi]
pub fn connection_learned_transaction_id(
    #[napi(ts_arg_type = "ExternalObject<'NativeConnection'>")] conn: Handle<NativeConnection>,
) -> Either<Option<String>, NativeError> {
    answer(guarded("connection.learnedTransactionId", || {
        let learned = conn.current()?.learned_transaction_id()?;
        Some(learned.map(|id| id.to_string()).unwrap_or_default())
    }))
}

/// Gives the connection back; with `destroy`, closes it instead of reusing it. `false` when
/// it had already been released. After a panic here the connection is still taken from the
/// caller, and closed.
#[napi]
pub fn connection_release(
    #[napi(ts_arg_type = "ExternalObject<'NativeConnection'>")] conn: Handle<NativeConnection>,
    destroy: Option<bool>,
) -> Either<bool, NativeError> {
    let released = guarded("connection.release", || {
        let Some(lease) = conn.take() else { return false };
        if destroy == Some(true) {
            lease.mark_broken();
        }
        drop(lease);
        true
    });
    if released.is_err() {
        if let Some(lease) = conn.take() {
            lease.mark_broken();
            let _ = guarded("connection.release", move || drop(lease));
        }
    }
    answer(released)
}
