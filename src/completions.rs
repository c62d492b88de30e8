//! Completions of a pool's asynchronous calls, delivered to JavaScript in batches through one
//! shared thread-safe function instead of a promise and a thread-safe function per call.
//!
//! A call is submitted with an id the facade chose; its future runs on the tokio runtime and
//! its outcome joins a queue. Only the completion that finds the queue empty schedules a call
//! of the thread-safe function, and that one call hands JavaScript every outcome queued by the
//! time it runs, as one flat array `[id, outcome, id, outcome, …]`. The thread-safe function is
//! referenced (keeps Node alive) exactly while calls are in flight, so an idle pool never holds
//! the process open.
//!
//! Calls may also be deferred ([`Completions::defer`]) and started together by
//! [`Completions::flush`]: one task runs them all, so the statements a burst of callers submits
//! reach their connections together and each connection writes them in one `send` instead of one
//! each (the facade defers `pool.query` statements while others are in flight and flushes once
//! per tick).

use std::future::Future;

use futures_util::stream::{FuturesUnordered, StreamExt};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{Either, Either3, Function, ToNapiValue};
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};

use crate::connection::ConnectionHandle;
use crate::error::NativeError;
use crate::guard::guarded_async;
use crate::values::NativeResult;

/// What a submitted call settles with: a statement's result, a queued caller's connection, or
/// an error.
pub type Outcome = Either3<NativeResult, ConnectionHandle, NativeError>;

/// A statement's outcome as an [`Outcome`].
pub fn statement_outcome(outcome: Either<NativeResult, NativeError>) -> Outcome {
    match outcome {
        Either::A(result) => Either3::A(result),
        Either::B(error) => Either3::C(error),
    }
}

/// A submitted call's work.
pub type Work = std::pin::Pin<Box<dyn Future<Output = Outcome> + Send + 'static>>;

/// Outcomes handed to JavaScript in one call: `[id, outcome, id, outcome, …]`.
pub struct Batch(Vec<(u32, Outcome)>);

/// The ids it settles (a connection handle has no `Debug`).
impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").field("ids", &self.0.iter().map(|(id, _)| *id).collect::<Vec<_>>()).finish()
    }
}

impl ToNapiValue for Batch {
    unsafe fn to_napi_value(env: sys::napi_env, batch: Self) -> napi::Result<sys::napi_value> {
        let mut array = std::ptr::null_mut();
        napi::check_status!(sys::napi_create_array_with_length(env, batch.0.len() * 2, &mut array))?;
        for (i, (id, outcome)) in batch.0.into_iter().enumerate() {
            let id = ToNapiValue::to_napi_value(env, id)?;
            napi::check_status!(sys::napi_set_element(env, array, (2 * i) as u32, id))?;
            let value = ToNapiValue::to_napi_value(env, outcome)?;
            napi::check_status!(sys::napi_set_element(env, array, (2 * i + 1) as u32, value))?;
        }
        Ok(array)
    }
}

type Deliver = ThreadsafeFunction<(), (), Batch, Status, false, true>;

/// The queue and the count of calls in flight, shared with the delivery callback.
#[derive(Default)]
struct Shared {
    queue: Mutex<Vec<(u32, Outcome)>>,
    /// Calls submitted and not yet delivered; read and written on the JavaScript thread only.
    in_flight: AtomicUsize,
    /// The thread-safe function, for referencing it from its own callback.
    raw: AtomicPtr<sys::napi_threadsafe_function__>,
    /// Deferred calls, started by the next flush; used on the JavaScript thread only.
    pending: Mutex<Vec<Deferred>>,
}

/// A deferred call: its id, its name (for internal errors) and its work.
type Deferred = (u32, &'static str, Work);

impl Shared {
    /// Takes every queued outcome; runs on the JavaScript thread, where the count is kept.
    fn drain(&self, env: &Env) -> Batch {
        let batch = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()));
        let left = self.in_flight.load(Ordering::Relaxed).saturating_sub(batch.len());
        self.in_flight.store(left, Ordering::Relaxed);
        if left == 0 {
            // SAFETY: on the JavaScript thread, with the function this callback belongs to.
            unsafe { sys::napi_unref_threadsafe_function(env.raw(), self.raw.load(Ordering::Relaxed)) };
        }
        Batch(batch)
    }
}

/// One pool's completion channel (a clone shares it).
#[derive(Clone)]
pub struct Completions {
    shared: Arc<Shared>,
    deliver: Arc<Deliver>,
}

/// How many calls are in flight; the queue and the thread-safe function are not shown.
impl std::fmt::Debug for Completions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Completions")
            .field("in_flight", &self.shared.in_flight.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Completions {
    /// A channel delivering batches to `callback(batch)`.
    pub fn new(callback: Function<'_, Batch, ()>) -> napi::Result<Self> {
        let shared = Arc::new(Shared::default());
        let from_callback = shared.clone();
        let deliver: Deliver = callback
            .build_threadsafe_function::<()>()
            .weak::<true>()
            .callee_handled::<false>()
            .build_callback(move |ctx| Ok(from_callback.drain(&ctx.env)))?;
        shared.raw.store(deliver.raw(), Ordering::Relaxed);
        Ok(Completions { shared, deliver: Arc::new(deliver) })
    }

    /// Runs `work` on the runtime and queues its outcome under `id`; a panic settles it with an
    /// `INTERNAL_ERROR`. Called on the JavaScript thread.
    /// `work` comes boxed: a statement's future is large (the whole pool → lease → driver state
    /// machine), and each move of an unboxed one copies all of it (callgrind: ~100k instructions
    /// of memcpy per serial `pool.query` before it was boxed).
    pub fn submit(&self, env: &Env, what: &'static str, id: u32, work: Work) {
        self.count_in(env);
        let (shared, deliver) = (self.shared.clone(), self.deliver.clone());
        napi::bindgen_prelude::spawn(async move {
            let outcome = settle(what, work).await;
            queue_outcome(&shared, &deliver, id, outcome);
        });
    }

    /// Like [`Completions::submit`], but `work` starts only at the next [`Completions::flush`],
    /// together with every other call deferred until then. Called on the JavaScript thread.
    pub fn defer(&self, env: &Env, what: &'static str, id: u32, work: Work) {
        self.count_in(env);
        self.shared.pending.lock().unwrap_or_else(|p| p.into_inner()).push((id, what, work));
    }

    /// Starts every deferred call in one task, which queues each outcome as it comes. Called on
    /// the JavaScript thread.
    pub fn flush(&self) {
        let pending = std::mem::take(&mut *self.shared.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if pending.is_empty() {
            return;
        }
        let (shared, deliver) = (self.shared.clone(), self.deliver.clone());
        napi::bindgen_prelude::spawn(async move {
            let mut running: FuturesUnordered<_> =
                pending.into_iter().map(|(id, what, work)| async move { (id, settle(what, work).await) }).collect();
            while let Some((id, outcome)) = running.next().await {
                queue_outcome(&shared, &deliver, id, outcome);
            }
        });
    }

    /// Counts a call in; the first keeps Node alive until the last is delivered.
    fn count_in(&self, env: &Env) {
        if self.shared.in_flight.fetch_add(1, Ordering::Relaxed) == 0 {
            // SAFETY: on the JavaScript thread, with a live thread-safe function.
            unsafe { sys::napi_ref_threadsafe_function(env.raw(), self.deliver.raw()) };
        }
    }
}

/// Runs `work`; a panic becomes an `INTERNAL_ERROR` outcome.
async fn settle(what: &'static str, work: Work) -> Outcome {
    match guarded_async(what, work).await {
        Ok(outcome) => outcome,
        Err(internal) => Either3::C(*internal),
    }
}

/// Queues `id`'s outcome; the first one queued schedules the delivery to JavaScript.
fn queue_outcome(shared: &Shared, deliver: &Deliver, id: u32, outcome: Outcome) {
    let first = {
        let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.push((id, outcome));
        queue.len() == 1
    };
    if first {
        deliver.call((), ThreadsafeFunctionCallMode::NonBlocking);
    }
}
