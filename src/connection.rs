//! `NativeConnection`: a lease held by JavaScript until `release()` (or garbage collection).

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::Either;
use napi_derive::napi;
use wedpool_core::{Lease, PoolError};

use crate::error::NativeError;
use crate::values::{params_from_js, JsParam, NativeResult};

/// A borrowed connection. A query in flight keeps it until the query ends, even if
/// `release()` is called meanwhile.
#[napi]
pub struct NativeConnection {
    lease: Mutex<Option<Arc<Lease>>>,
    process_id: i32,
    connection_id: f64,
    reserved: bool,
    priority: i64,
    waited_micros: f64,
}

impl NativeConnection {
    pub(crate) fn new(lease: Lease) -> Self {
        NativeConnection {
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
}

#[napi]
impl NativeConnection {
    /// Backend process id.
    #[napi(getter)]
    pub fn process_id(&self) -> i32 {
        self.process_id
    }

    /// The pool's id for this connection (as in events).
    #[napi(getter)]
    pub fn connection_id(&self) -> f64 {
        self.connection_id
    }

    /// Whether this connection occupies an emergency slot.
    #[napi(getter)]
    pub fn reserved(&self) -> bool {
        self.reserved
    }

    /// The caller's priority.
    #[napi(getter)]
    pub fn priority(&self) -> i64 {
        self.priority
    }

    /// How long the caller waited, in microseconds.
    #[napi(getter)]
    pub fn waited_micros(&self) -> f64 {
        self.waited_micros
    }

    /// Runs one statement; with `textResults`, every cell is the server's text form.
    #[napi]
    pub async fn query(
        &self,
        sql: String,
        #[napi(ts_arg_type = "Array<string | Buffer | null>")] params: Vec<JsParam>,
        timeout_millis: Option<f64>,
        text_results: Option<bool>,
    ) -> Either<NativeResult, NativeError> {
        let Some(lease) = self.current() else {
            return Either::B(PoolError::ConnectionReleased.into());
        };
        let timeout = crate::pool::statement_millis(timeout_millis);
        match lease.query_in_form(&sql, &params_from_js(params), timeout, text_results.unwrap_or(false)).await {
            Ok(result) => Either::A(result.into()),
            Err(e) => Either::B(e.into()),
        }
    }

    /// Before each COMMIT on this connection, ask the transaction's id (one round trip), so a
    /// COMMIT whose answer is lost carries it.
    #[napi]
    pub fn learn_transaction_ids(&self, on: bool) {
        if let Some(lease) = self.current() {
            lease.learn_transaction_ids(on);
        }
    }

    /// What was learned before the current transaction's COMMIT: `null` when it was not asked
    /// (its COMMIT was never sent), `""` when it had no id (it wrote nothing), else the id.
    #[napi(getter)]
    pub fn learned_transaction_id(&self) -> Option<String> {
        let learned = self.current()?.learned_transaction_id()?;
        Some(learned.map(|id| id.to_string()).unwrap_or_default())
    }

    /// Gives the connection back; with `destroy`, closes it instead of reusing it. `false` when
    /// it had already been released.
    #[napi]
    pub fn release(&self, destroy: Option<bool>) -> bool {
        let Some(lease) = self.lease.lock().unwrap_or_else(|e| e.into_inner()).take() else { return false };
        if destroy == Some(true) {
            lease.mark_broken();
        }
        true
    }
}
