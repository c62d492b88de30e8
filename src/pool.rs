//! `NativePool`: the core pool behind one N-API class.

use std::time::Duration;

use napi::bindgen_prelude::{Either, Either3, Unknown};
use napi::Env;
use napi_derive::napi;
use wedpool_core::{CommitOutcome, Pool, PoolConfig, PoolStats};

use crate::acquire::PoolHandle;
use crate::connection::NativeConnection;
use crate::context::context_from_flags;
use crate::error::NativeError;
use crate::events::{sink, EventCallback};
use crate::guard::{answer, answer_fallible, error_only, guarded, guarded_async};
use crate::handles::Owned;
use crate::options::read_options;

/// `pool.commitOutcome(…)`.
#[derive(Debug)]
#[napi(object)]
pub struct NativeCommitOutcome {
    /// `committed`, `aborted` or `unknown`.
    pub status: String,
    /// Why it is unknown.
    pub reason: Option<String>,
}

/// The emergency reserve in [`NativeStats`].
#[derive(Debug)]
#[napi(object)]
pub struct NativeReservedStats {
    /// Configured emergency slots.
    pub size: u32,
    /// Warm connections ready for a wedding-critical caller.
    pub idle: u32,
    /// Emergency slots in use.
    pub in_use: u32,
}

/// `pool.stats()`.
#[derive(Debug)]
#[napi(object)]
pub struct NativeStats {
    /// Open connections.
    pub size: u32,
    /// Idle connections.
    pub idle: u32,
    /// Connections held by callers.
    pub in_use: u32,
    /// Queued callers.
    pub waiting: u32,
    /// Connections being opened.
    pub pending: u32,
    /// Current minimum.
    pub min_size: u32,
    /// Current maximum.
    pub max_size: u32,
    /// The emergency reserve.
    pub reserved: NativeReservedStats,
    /// Whether today is a wedding day.
    pub wedding_day: bool,
    /// Multiplier in force.
    pub multiplier: f64,
    /// Why the pool has its size.
    pub reason: String,
    /// Connections handed out.
    pub acquired: f64,
    /// Timed-out acquires.
    pub timeouts: f64,
    /// Callers shed (queue full, database down).
    pub shed: f64,
    /// Connections opened.
    pub created: f64,
    /// Connections closed.
    pub removed: f64,
    /// Failed connection attempts.
    pub connect_failures: f64,
    /// Attempts refused because the server was full (53300).
    pub server_full: f64,
    /// This instance's share of the server's connections, once read.
    pub budget: Option<u32>,
}

impl From<PoolStats> for NativeStats {
    fn from(s: PoolStats) -> Self {
        NativeStats {
            size: s.size as u32,
            idle: s.idle as u32,
            in_use: s.in_use as u32,
            waiting: s.waiting as u32,
            pending: s.pending as u32,
            min_size: s.min_size as u32,
            max_size: s.max_size as u32,
            reserved: NativeReservedStats {
                size: s.reserved.size as u32,
                idle: s.reserved.idle as u32,
                in_use: s.reserved.in_use as u32,
            },
            wedding_day: s.wedding_day,
            multiplier: s.multiplier,
            reason: s.reason.to_string(),
            acquired: s.acquired as f64,
            timeouts: s.timeouts as f64,
            shed: s.shed as f64,
            created: s.created as f64,
            removed: s.removed as f64,
            connect_failures: s.connect_failures as f64,
            server_full: s.server_full as f64,
            budget: s.budget.map(|b| b as u32),
        }
    }
}

/// `pool.health()`.
#[derive(Debug)]
#[napi(object)]
pub struct NativeHealth {
    /// `healthy`, `degraded` or `down`.
    pub state: String,
    /// When the state began, in ms since the Unix epoch.
    pub since_millis: f64,
    /// Failed connection attempts in a row.
    pub consecutive_failures: u32,
    /// The most recent failure.
    pub last_error: Option<NativeError>,
}

/// A planned change of the scaling target.
#[derive(Debug)]
#[napi(object)]
pub struct NativePlannedChange {
    /// When, in ms since the Unix epoch (calendar time).
    pub at_millis: f64,
    /// Min from then on.
    pub min: u32,
    /// Max from then on.
    pub max: u32,
    /// Why.
    pub reason: String,
}

/// `pool.scalingPlan()`.
#[derive(Debug)]
#[napi(object)]
pub struct NativeScalingPlan {
    /// Min now.
    pub min: u32,
    /// Max now.
    pub max: u32,
    /// Why now.
    pub reason: String,
    /// Upcoming changes.
    pub next: Vec<NativePlannedChange>,
}

/// The native pool. Only `ts/pool.ts` uses it.
#[derive(Debug)]
#[napi]
pub struct NativePool {
    pub(crate) pool: Pool,
    /// Where submitted calls settle (set once by the facade).
    pub(crate) completions: std::sync::OnceLock<crate::completions::Completions>,
}

/// Validates `options` (a [`crate::options::PoolOptions`]) and creates a pool reading
/// wall-clock values in `localTimezone` (Node's), or returns the `INVALID_CONFIG` error.
#[napi(ts_args_type = "options: PoolOptions, localTimezone: string")]
pub fn create_pool(options: Unknown<'_>, local_timezone: String) -> Either<NativePool, NativeError> {
    answer_fallible(guarded("createPool", || {
        read_options(options)
            .and_then(PoolConfig::from_options)
            .and_then(|config| config.with_local_timezone(&local_timezone))
            .map(|config| NativePool {
                pool: napi::bindgen_prelude::within_runtime_if_available(|| Pool::new(config)),
                completions: std::sync::OnceLock::new(),
            })
    }))
}

/// A per-call deadline in ms (already checked by the facade): absent → the pool's default,
/// `Infinity` → no deadline.
pub(crate) fn per_call_deadline(ms: Option<f64>) -> Option<Duration> {
    ms.filter(|m| *m >= 0.0).map(|m| {
        if m.is_finite() {
            Duration::from_micros((m * 1000.0) as u64).min(wedpool_core::NO_DEADLINE)
        } else {
            wedpool_core::NO_DEADLINE
        }
    })
}

/// A per-call statement deadline in ms: absent → `queryTimeoutMillis`; `0` and `Infinity` →
/// none (the core reads a zero duration as "no deadline").
pub(crate) fn statement_millis(ms: Option<f64>) -> Option<Duration> {
    ms.filter(|m| *m >= 0.0).map(|m| {
        if m.is_finite() {
            Duration::from_micros((m * 1000.0) as u64)
        } else {
            Duration::ZERO
        }
    })
}

#[napi]
impl NativePool {
    /// Resolves to `null` once min connections (at least one) are open, or to the connect error.
    #[napi]
    pub async fn ready(&self) -> Option<NativeError> {
        match guarded_async("ready", self.pool.ready()).await {
            Ok(result) => result.err().map(Into::into),
            Err(internal) => Some(*internal),
        }
    }

    /// The handle `poolAcquireOrEnqueue` takes; connections lent through it settle their
    /// queries through the channel `onCompletions` set (call that first).
    #[napi(ts_return_type = "ExternalObject<'NativePool'> | NativeError")]
    pub fn handle(&self) -> Either<Owned<PoolHandle>, NativeError> {
        answer(guarded("handle", || PoolHandle::new(self.pool.clone(), self.completions.get().cloned())))
    }

    /// Waits for a queued caller's connection and settles `id` with it (or the error) through
    /// the completion channel. After a panic, or when it cannot submit (then `id` is never
    /// settled and the error is the answer), the ticket is withdrawn.
    #[napi]
    pub fn wait_submit(&self, env: Env, id: u32, ticket: i64, timeout_millis: Option<f64>) -> Option<NativeError> {
        let submitted = guarded("wait", || {
            let Some(completions) = self.completions.get() else {
                return Some(NativeError::internal(
                    "WedPool internal error in wait: onCompletions was not called".into(),
                ));
            };
            let (pool, lent_with) = (self.pool.clone(), completions.clone());
            let deadline = per_call_deadline(timeout_millis);
            completions.submit(
                &env,
                "wait.settle",
                id,
                Box::pin(async move {
                    let waited = guarded_async("wait.queued", pool.wait(ticket as u64, deadline)).await;
                    if waited.is_err() {
                        // Nobody waits for this ticket any more: withdraw it (a connection
                        // already handed to it goes back to the pool).
                        let _ = guarded("cancel", || pool.cancel(ticket as u64));
                    }
                    match answer_fallible(waited) {
                        Either::A(lease) => Either3::B(NativeConnection::handle(lease, Some(lent_with))),
                        Either::B(error) => Either3::C(error),
                    }
                }),
            );
            None
        });
        let refused = submitted.unwrap_or_else(|internal| Some(*internal));
        if refused.is_some() {
            let _ = guarded("cancel", || self.pool.cancel(ticket as u64));
        }
        refused
    }

    /// Removes a queued caller; its `wait` resolves to `ABORT_ERR`.
    #[napi]
    pub fn cancel(&self, ticket: i64) -> Either<bool, NativeError> {
        answer(guarded("cancel", || self.pool.cancel(ticket as u64)))
    }

    /// What became of transaction `transactionId` (decimal text), asked on another connection
    /// acquired for `flags` until decided or `deadlineMillis` passed: `committed`, `aborted`, or
    /// `unknown` with the reason (a panic while asking is `unknown` too, with the internal error).
    #[napi]
    pub async fn commit_outcome(
        &self,
        flags: u32,
        transaction_id: String,
        deadline_millis: f64,
    ) -> NativeCommitOutcome {
        let Ok(id) = transaction_id.parse::<u64>() else {
            return NativeCommitOutcome {
                status: "unknown".into(),
                reason: Some(format!("not a transaction id: {transaction_id}")),
            };
        };
        let deadline = per_call_deadline(Some(deadline_millis)).unwrap_or_default();
        let ctx = context_from_flags(flags);
        let asked = self.pool.commit_outcome(&ctx, id, deadline);
        match guarded_async("commitOutcome", asked).await {
            Ok(CommitOutcome::Committed) => NativeCommitOutcome { status: "committed".into(), reason: None },
            Ok(CommitOutcome::Aborted) => NativeCommitOutcome { status: "aborted".into(), reason: None },
            Ok(CommitOutcome::Unknown { reason }) => {
                NativeCommitOutcome { status: "unknown".into(), reason: Some(reason) }
            }
            Err(internal) => NativeCommitOutcome { status: "unknown".into(), reason: Some(internal.message) },
        }
    }

    /// Where connections go, without credentials (`user@host:port/database`).
    #[napi]
    pub fn target(&self) -> Either<String, NativeError> {
        answer(guarded("target", || self.pool.config().connect.target.clone()))
    }

    /// The pool now.
    #[napi]
    pub fn stats(&self) -> Either<NativeStats, NativeError> {
        answer(guarded("stats", || self.pool.stats().into()))
    }

    /// The pool's view of the database.
    #[napi]
    pub fn health(&self) -> Either<NativeHealth, NativeError> {
        answer(guarded("health", || {
            let report = self.pool.health();
            NativeHealth {
                state: report.state.as_str().to_string(),
                since_millis: report
                    .since
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64() * 1000.0)
                    .unwrap_or(0.0),
                consecutive_failures: report.consecutive_failures,
                last_error: report.last_error.map(Into::into),
            }
        }))
    }

    /// Ends the pool, waits up to `timeoutMillis` for connections in use, then stops the rest.
    /// Resolves to how many connections had to be stopped.
    #[napi]
    pub async fn drain(&self, timeout_millis: f64) -> Either<u32, NativeError> {
        let drained = self.pool.drain(per_call_deadline(Some(timeout_millis)).unwrap_or_default());
        answer(guarded_async("end", drained).await.map(|stopped| stopped as u32))
    }

    /// The target now and the changes expected in the next 48 hours, with reasons.
    #[napi]
    pub fn scaling_plan(&self) -> Either<NativeScalingPlan, NativeError> {
        answer(guarded("scalingPlan", || {
            let plan = self.pool.scaling_plan();
            NativeScalingPlan {
                min: plan.target.min as u32,
                max: plan.target.max as u32,
                reason: plan.target.reason.to_string(),
                next: plan
                    .next
                    .into_iter()
                    .map(|c| NativePlannedChange {
                        at_millis: c.at.timestamp_millis() as f64,
                        min: c.min as u32,
                        max: c.max as u32,
                        reason: c.reason.to_string(),
                    })
                    .collect(),
            }
        }))
    }

    /// Prometheus text exposition.
    #[napi]
    pub fn metrics(&self) -> Either<String, NativeError> {
        answer(guarded("metrics", || self.pool.metrics()))
    }

    /// The learned traffic profile, as JSON text.
    #[napi]
    pub fn export_traffic_profile(&self) -> Either<String, NativeError> {
        answer(guarded("exportTrafficProfile", || self.pool.export_traffic_profile().to_string()))
    }

    /// Loads a profile (JSON text); `null`, or the `INVALID_CONFIG` error naming the problem.
    #[napi]
    pub fn import_traffic_profile(&self, json: String) -> Option<NativeError> {
        let imported = guarded("importTrafficProfile", || {
            let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| {
                wedpool_core::PoolError::invalid_config("trafficProfile", format!("is not valid JSON ({e})"))
            })?;
            napi::bindgen_prelude::within_runtime_if_available(|| self.pool.import_traffic_profile(&value))
        });
        match imported {
            Ok(result) => result.err().map(Into::into),
            Err(internal) => Some(*internal),
        }
    }

    /// The priority a context would get now.
    #[napi]
    pub fn priority_of(&self, flags: u32) -> Either<i64, NativeError> {
        answer(guarded("calculateConnectionPriority", || self.pool.priority_of(&context_from_flags(flags))))
    }

    /// Whether the calendar says now is a wedding day.
    #[napi]
    pub fn is_wedding_day(&self) -> Either<bool, NativeError> {
        answer(guarded("isWeddingDay", || self.pool.is_wedding_day()))
    }

    /// Freezes the calendar at `epochMillis`, or returns to the system clock with `null`;
    /// `INVALID_CONFIG` (`calendarTime`) outside the years 1–9999.
    #[napi]
    pub fn set_calendar_time(&self, epoch_millis: Option<f64>) -> Option<NativeError> {
        let set = guarded("setCalendarTime", || {
            let time = epoch_millis.map(wedpool_core::calendar_time).transpose()?;
            napi::bindgen_prelude::within_runtime_if_available(|| self.pool.set_calendar_time(time));
            Ok::<_, wedpool_core::PoolError>(())
        });
        match set {
            Ok(result) => result.err().map(Into::into),
            Err(internal) => Some(*internal),
        }
    }

    /// Runs one maintenance pass now.
    #[napi]
    pub fn maintain(&self) -> Option<NativeError> {
        error_only(guarded("maintain", || napi::bindgen_prelude::within_runtime_if_available(|| self.pool.maintain())))
    }

    /// Selects which events are delivered (a mask of the `EVENT_*` bits).
    #[napi]
    pub fn set_event_mask(&self, mask: u32) -> Option<NativeError> {
        error_only(guarded("setEventMask", || self.pool.set_event_mask(mask)))
    }

    /// Sets the event listener.
    #[napi]
    pub fn on_event(
        &self,
        #[napi(ts_arg_type = "(event: NativeEvent) => void")] callback: EventCallback,
    ) -> Option<NativeError> {
        error_only(guarded("onEvent", || self.pool.set_event_sink(Some(sink(callback)))))
    }

    /// Ends the pool. Idempotent.
    #[napi]
    pub fn end(&self) -> Option<NativeError> {
        error_only(guarded("end", || {
            self.pool.set_event_sink(None);
            napi::bindgen_prelude::within_runtime_if_available(|| self.pool.end())
        }))
    }
}

/// Test hook: an async native call that panics outside any guard, to prove napi-rs rejects the
/// promise instead of hanging it. Not part of the public API.
#[napi(js_name = "__panicForTest")]
#[allow(dead_code)] // registered with N-API by the macro
pub async fn panic_for_test(message: String) -> u32 {
    tokio::task::yield_now().await;
    panic!("{message}");
}

/// Test hook: a synchronous native call that panics, to prove the panic becomes an
/// `INTERNAL_ERROR` instead of an abort. Not part of the public API.
#[napi(js_name = "__panicSyncForTest")]
#[allow(dead_code)] // registered with N-API by the macro
pub fn panic_sync_for_test(message: String) -> Either<u32, NativeError> {
    answer(guarded("__panicSyncForTest", || panic!("{message}")))
}

/// Benchmark hook: an async native call that does nothing, to measure the cost of crossing to
/// the runtime and back. Not part of the public API.
#[napi(js_name = "__asyncNoopForBench")]
#[allow(dead_code)] // registered with N-API by the macro
pub async fn async_noop_for_bench() -> u32 {
    1
}
