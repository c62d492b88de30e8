//! No panic crosses a native call: unwinding out of an `extern "C"` N-API callback aborts the
//! process, and a panic in an async call would reject with an untyped `Error`. Every native
//! entry point therefore runs inside [`guarded`] (synchronous) or [`guarded_async`], which turn
//! a panic into an `INTERNAL_ERROR` [`NativeError`] the facade throws as `InternalError`.
//!
//! Tests arm a panic for the next call of a named operation with `__injectPanicForTest`, so a
//! spec can prove that each entry point is guarded, and what becomes of a connection that was
//! in use when the panic happened.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use futures_util::FutureExt;
use napi::bindgen_prelude::Either;

use crate::error::NativeError;

/// The code of an error that came from a panic inside WedPool (a bug).
pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";

/// What a guarded call answers: its value, or the `INTERNAL_ERROR` a panic became.
pub type Guarded<T> = Result<T, Box<NativeError>>;

/// Whether a test armed a panic (read on every guarded call, so it is a plain flag).
static ARMED: AtomicBool = AtomicBool::new(false);
/// The operation whose next call panics (see `__injectPanicForTest`).
static ARMED_OPERATION: Mutex<Option<String>> = Mutex::new(None);

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// The error a panic in `what` becomes. The panic's own text passes through the connection
/// string redaction: it is WedPool's text, but a bug may well have formatted a secret into it.
fn internal(what: &str, payload: &(dyn Any + Send)) -> Box<NativeError> {
    let detail = wedpool_core::redact_connection_string(&panic_message(payload));
    Box::new(NativeError::internal(format!("WedPool internal error in {what} (a bug; please report it): {detail}")))
}

/// Panics when a test armed a panic for `what`, once.
fn injected(what: &str) {
    if !ARMED.load(Ordering::Relaxed) {
        return;
    }
    let mut armed = ARMED_OPERATION.lock().unwrap_or_else(|e| e.into_inner());
    if armed.as_deref() == Some(what) {
        *armed = None;
        ARMED.store(false, Ordering::Relaxed);
        drop(armed);
        panic!("panic injected by a test into {what}");
    }
}

/// Runs `f`; a panic becomes an `INTERNAL_ERROR` naming `what` instead of an abort.
pub fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Guarded<T> {
    catch_unwind(AssertUnwindSafe(|| {
        injected(what);
        f()
    }))
    .map_err(|payload| internal(what, payload.as_ref()))
}

/// Awaits `work`; a panic while it runs becomes an `INTERNAL_ERROR` naming `what` instead of
/// an untyped rejection.
pub async fn guarded_async<T>(what: &str, work: impl Future<Output = T>) -> Guarded<T> {
    AssertUnwindSafe(async {
        injected(what);
        work.await
    })
    .catch_unwind()
    .await
    .map_err(|payload| internal(what, payload.as_ref()))
}

/// Test hook: the next native call of `operation` (as named in `INTERNAL_ERROR` messages, e.g.
/// `stats`, `connection.release`) panics inside its guard; `null` disarms. Not part of the
/// public API.
#[napi_derive::napi(js_name = "__injectPanicForTest")]
#[allow(dead_code)] // registered with N-API by the macro
pub fn inject_panic_for_test(operation: Option<String>) {
    let mut armed = ARMED_OPERATION.lock().unwrap_or_else(|e| e.into_inner());
    ARMED.store(operation.is_some(), Ordering::Relaxed);
    *armed = operation;
}

/// A guarded value for JavaScript: the value, or the internal error as a plain object.
pub fn answer<T>(result: Guarded<T>) -> Either<T, NativeError> {
    match result {
        Ok(value) => Either::A(value),
        Err(internal) => Either::B(*internal),
    }
}

/// A guarded fallible value for JavaScript: the value, or its error or the internal error as
/// a plain object.
pub fn answer_fallible<T, E: Into<NativeError>>(result: Guarded<Result<T, E>>) -> Either<T, NativeError> {
    match result {
        Ok(Ok(value)) => Either::A(value),
        Ok(Err(e)) => Either::B(e.into()),
        Err(internal) => Either::B(*internal),
    }
}

/// A guarded call without a value for JavaScript: `null`, or the internal error.
pub fn error_only(result: Guarded<()>) -> Option<NativeError> {
    result.err().map(|internal| *internal)
}
