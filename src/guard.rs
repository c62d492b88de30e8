//! No panic crosses a synchronous native call: unwinding out of an `extern "C"` N-API callback
//! aborts the process, so every synchronous entry point that does real work runs inside
//! [`guarded`], which turns a panic into an error the facade can throw.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::NativeError;

/// The code of an error that came from a panic inside WedPool (a bug).
pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn describe(what: &str, payload: &(dyn std::any::Any + Send)) -> String {
    format!("WedPool internal error in {what} (a bug; please report it): {}", panic_message(payload))
}

/// Runs `f`; a panic becomes a JavaScript `Error` (`code` `GenericFailure`, message starting
/// `WedPool internal error`) instead of an abort.
pub fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|payload| napi::Error::new(napi::Status::GenericFailure, describe(what, payload.as_ref())))
}

/// Runs `f`; a panic becomes an `INTERNAL_ERROR` [`NativeError`] for calls that already
/// answer with one.
pub fn guarded_native<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, Box<NativeError>> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|payload| Box::new(NativeError::internal(describe(what, payload.as_ref()))))
}

/// The `INTERNAL_ERROR` [`NativeError`] for a panic caught in `what` (an asynchronous call).
pub fn panic_error(what: &str, payload: &(dyn std::any::Any + Send)) -> NativeError {
    NativeError::internal(describe(what, payload))
}
