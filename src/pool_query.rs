//! `pool.query` in one crossing: acquire, execute and release inside Rust, the outcome
//! delivered through the pool's shared completion channel (`src/completions.rs`).

use napi::bindgen_prelude::{Either3, Function};
use napi::Env;
use napi_derive::napi;

use crate::completions::{Batch, Completions, Outcome, Work};
use crate::context::context_from_flags;
use crate::error::NativeError;
use crate::guard::guarded;
use crate::pool::{per_call_deadline, statement_millis, NativePool};
use crate::values::{params_from_js, JsParam, NativeResult};

#[napi]
impl NativePool {
    /// Sets where submitted calls settle: `callback([id, outcome, id, outcome, …])`, once per
    /// batch of completions. Called once, before the first submission.
    #[napi]
    pub fn on_completions(
        &self,
        #[napi(ts_arg_type = "(batch: Array<number | NativeResult | NativeError>) => void")] callback: Function<
            '_,
            Batch,
            (),
        >,
    ) -> Option<NativeError> {
        let set = guarded("onCompletions", || {
            let completions = Completions::new(callback).map_err(|e| e.reason.clone())?;
            self.completions.set(completions).map_err(|_| "onCompletions was already called".to_string())
        });
        match set {
            Ok(Ok(())) => None,
            Ok(Err(misuse)) => {
                Some(NativeError::internal(format!("WedPool internal error in onCompletions: {misuse}")))
            }
            Err(internal) => Some(*internal),
        }
    }

    /// Acquire, run one statement and release, in one crossing; settles `id` with the result
    /// or the error. With `observe`, the result (or error) also carries the checkout it ran on,
    /// for tracing. With `defer`, the statement starts at the next `flushSubmissions()`,
    /// together with the others deferred until then. Answers an error instead of submitting
    /// when it cannot (then `id` is never settled).
    #[napi]
    #[allow(clippy::too_many_arguments)] // the JavaScript call's arguments, one each
    pub fn query_submit(
        &self,
        env: Env,
        id: u32,
        flags: u32,
        sql: String,
        #[napi(ts_arg_type = "Array<string | Buffer | null>")] params: Vec<JsParam>,
        timeout_millis: Option<f64>,
        query_timeout_millis: Option<f64>,
        observe: Option<bool>,
        defer: Option<bool>,
    ) -> Option<NativeError> {
        let submitted = guarded("query", || {
            let Some(completions) = self.completions.get() else {
                return Some(NativeError::internal(
                    "WedPool internal error in query: onCompletions was not called".into(),
                ));
            };
            let pool = self.pool.clone();
            let ctx = context_from_flags(flags);
            let params = params_from_js(params);
            let (acquire, statement) = (per_call_deadline(timeout_millis), statement_millis(query_timeout_millis));
            let work: Work = Box::pin(async move {
                if observe != Some(true) {
                    return match pool.query(&ctx, &sql, &params, acquire, statement).await {
                        Ok(result) => Either3::A(result.into()),
                        Err(e) => Either3::C(e.into()),
                    };
                }
                let (result, checkout) = pool.query_observed(&ctx, &sql, &params, acquire, statement).await;
                let outcome: Outcome = match result {
                    Ok(result) => Either3::A(NativeResult { checkout: checkout.map(Into::into), ..result.into() }),
                    Err(e) => Either3::C(NativeError { checkout: checkout.map(Into::into), ..e.into() }),
                };
                outcome
            });
            if defer == Some(true) {
                completions.defer(&env, "query.execute", id, work);
            } else {
                completions.submit(&env, "query.execute", id, work);
            }
            None
        });
        submitted.unwrap_or_else(|internal| Some(*internal))
    }

    /// Starts every statement deferred by `querySubmit(…, defer)` since the last flush, together.
    #[napi]
    pub fn flush_submissions(&self) -> Option<NativeError> {
        guarded("flushSubmissions", || {
            if let Some(completions) = self.completions.get() {
                completions.flush();
            }
        })
        .err()
        .map(|internal| *internal)
    }
}
