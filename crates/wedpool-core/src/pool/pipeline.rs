//! Pipelining: [`Pool::query`] statements that need nothing exclusive share a connection when
//! every connection the caller could get is busy, as postgres.js and pgbench do. tokio-postgres
//! writes concurrently polled statements to the socket one after another without waiting for
//! answers, and sends `Sync` after each (`Parse/Describe/Sync` to prepare,
//! `Bind/Execute/Sync` to run), so each statement is its own implicit transaction and an error
//! ends only that statement: the server skips to the next `Sync`, which is the next statement's
//! own.
//!
//! What may be pipelined (see [`pipelinable`]): a `Pool::query` statement with no deadline (no
//! per-call `queryTimeoutMillis`, no pool default), with named prepared statements on (not
//! through a transaction-mode pooler), that neither opens nor ends a transaction and does not
//! drop prepared statements. Everything else — `getConnection()` leases, transactions,
//! statements with a deadline — keeps its connection to itself.
//!
//! Why statements with a deadline are never pipelined: a timeout sends the server a cancel
//! request, and the server interrupts whatever statement the backend is running when the
//! request arrives. In a pipeline that can be a neighbour — one written before the timed-out
//! statement (it still runs) or, when the timed-out one finished just as the request was sent,
//! the one after it. So a statement with a deadline runs alone, as before: at its deadline it
//! fails with `QUERY_TIMEOUT`, a cancel request stops it and its connection is closed, and no
//! other caller's statement is touched.
//!
//! Who gets capacity: a caller first takes an idle connection (the usual fast path, which the
//! reserve and waiting callers govern as before). It joins a pipeline only when no slot it may
//! use is free (no idle connection and no room to open one) *and nobody is queued*: so a queued
//! caller — a wedding-critical one first — is never overtaken, and once anyone queues, no
//! pipeline grows until the queue is empty; each drains in at most `pipelineDepth` statements
//! and the connection goes to the best waiter as usual. A pipeline on one of the reserve's
//! connections takes only callers who may use the reserve. A joining caller picks the pipeline
//! with the fewest statements in flight; it may still wait behind a slow statement there (the
//! price of pipelining, bounded by `pipelineDepth`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::admission::context::DatabaseContext;
use crate::conn::deallocation::deallocation;
use crate::conn::query::{transaction_effect, Param, QueryResult, TransactionEffect};
use crate::error::PoolError;
use crate::pool::lease::Lease;
use crate::pool::{Acquired, CheckoutInfo, Pool, UNSENT_RETRIES};

/// One connection shared by pipelined statements; its lease returns when the last one leaves.
pub(crate) struct Pipeline {
    lease: Lease,
    /// Statements in flight; changed only under [`Pipelines`]'s lock.
    in_flight: AtomicUsize,
}

/// The pool's open pipelines.
#[derive(Default)]
pub(crate) struct Pipelines {
    open: Mutex<Vec<Arc<Pipeline>>>,
}

impl Pipelines {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Pipeline>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `lease` a pipeline with one statement (the caller's) in flight.
    fn open(&self, lease: Lease) -> Arc<Pipeline> {
        let pipeline = Arc::new(Pipeline { lease, in_flight: AtomicUsize::new(1) });
        self.lock().push(pipeline.clone());
        pipeline
    }

    /// Joins the pipeline with the fewest statements in flight below `depth` that this caller
    /// may use (a reserve connection's only when `may_use_reserve`).
    fn join(&self, depth: usize, may_use_reserve: bool) -> Option<Arc<Pipeline>> {
        let open = self.lock();
        let best = open
            .iter()
            .filter(|p| p.in_flight.load(Ordering::Relaxed) < depth)
            .filter(|p| may_use_reserve || !p.lease.reserved())
            .filter(|p| p.lease.takes_more())
            .min_by_key(|p| p.in_flight.load(Ordering::Relaxed))?;
        best.in_flight.fetch_add(1, Ordering::Relaxed);
        Some(best.clone())
    }

    /// A statement left; the last one out takes the pipeline off the list, and its lease returns
    /// to the pool when the returned value is dropped — outside this lock, since returning takes
    /// the pool's lock.
    fn leave(&self, pipeline: &Arc<Pipeline>) -> Option<Arc<Pipeline>> {
        let mut open = self.lock();
        if pipeline.in_flight.fetch_sub(1, Ordering::Relaxed) > 1 {
            return None;
        }
        let at = open.iter().position(|p| Arc::ptr_eq(p, pipeline))?;
        Some(open.swap_remove(at))
    }
}

/// A caller's place in a pipeline; leaving is certain even when the caller's future is dropped.
struct Seat<'a> {
    pipelines: &'a Pipelines,
    pipeline: Arc<Pipeline>,
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        let last = self.pipelines.leave(&self.pipeline);
        drop(last);
    }
}

/// Whether `sql` may share a connection with other statements: see the module documentation.
pub(crate) fn pipelinable(sql: &str) -> bool {
    transaction_effect(sql) == TransactionEffect::Neutral && deallocation(sql).is_none()
}

impl Pool {
    /// Whether a `Pool::query` with this statement and deadline goes through a pipeline.
    pub(crate) fn pipelines(&self, sql: &str, query_timeout: Option<Duration>) -> bool {
        let config = &self.inner.config;
        let deadline = match query_timeout {
            Some(t) => !t.is_zero(),
            None => config.query_timeout.is_some(),
        };
        config.pipeline_depth > 1 && config.prepare && !deadline && pipelinable(sql)
    }

    /// Runs `sql` in a pipeline: on an idle connection (which others may then join), in an
    /// open pipeline when no slot is free and nobody is queued, else after queueing as usual.
    /// A statement that was never sent (the connection had ended) runs again elsewhere, at
    /// most [`UNSENT_RETRIES`] times.
    pub(crate) async fn query_pipelined(
        &self,
        ctx: &DatabaseContext,
        sql: &str,
        params: &[Param],
        acquire_timeout: Option<Duration>,
    ) -> (Result<QueryResult, PoolError>, Option<CheckoutInfo>) {
        let started = crate::clock::now();
        let mut attempts = 0;
        loop {
            let remaining = acquire_timeout.map(|t| t.saturating_sub(crate::clock::elapsed(started)));
            let (seat, info) = match self.seat(ctx, remaining).await {
                Ok(seat) => seat,
                Err(e) => return (Err(e), None),
            };
            let (result, unsent) = seat.pipeline.lease.query_pipelined(sql, params).await;
            drop(seat);
            match result {
                Err(PoolError::ConnectionLost { .. }) if unsent && attempts < UNSENT_RETRIES => attempts += 1,
                other => return (other, Some(info)),
            }
        }
    }

    async fn seat(
        &self,
        ctx: &DatabaseContext,
        timeout: Option<Duration>,
    ) -> Result<(Seat<'_>, CheckoutInfo), PoolError> {
        let pipelines = &self.inner.pipelines;
        let lease = match self.acquire_or_join(ctx)? {
            Joined(pipeline, info) => return Ok((Seat { pipelines, pipeline }, info)),
            Alone(Acquired::Ready(lease)) => lease,
            Alone(Acquired::Queued(ticket)) => self.wait(ticket, timeout).await?,
        };
        let info = CheckoutInfo { priority: lease.priority(), reserved: lease.reserved(), waited: lease.waited() };
        Ok((Seat { pipelines, pipeline: pipelines.open(lease) }, info))
    }

    /// An idle connection when one is free for this caller; else a place in an open pipeline
    /// when no slot is free for it and nobody waits; else a place in the queue.
    fn acquire_or_join(&self, ctx: &DatabaseContext) -> Result<Seating, PoolError> {
        {
            let st = self.inner.lock();
            let may_use_reserve = ctx.may_use_reserve(st.sizing.wedding_day);
            if !st.closed && st.queue.is_empty() && st.slots.available_for(may_use_reserve).is_none() {
                if let Some(pipeline) = self.inner.pipelines.join(self.inner.config.pipeline_depth, may_use_reserve) {
                    let priority = ctx.priority(st.sizing.wedding_day);
                    let reserved = pipeline.lease.reserved();
                    return Ok(Joined(pipeline, CheckoutInfo { priority, reserved, waited: Duration::ZERO }));
                }
            }
        }
        self.acquire_or_enqueue(ctx).map(Alone)
    }
}

/// Where [`Pool::acquire_or_join`] put the caller. (Not boxed, like [`Acquired`]: it is built
/// once per statement, and boxing the lease would add an allocation to the hot path.)
#[allow(clippy::large_enum_variant)]
enum Seating {
    /// In an open pipeline.
    Joined(Arc<Pipeline>, CheckoutInfo),
    /// On a connection of its own, now or after queueing.
    Alone(Acquired),
}
use Seating::{Alone, Joined};

#[cfg(test)]
mod tests {
    use super::pipelinable;

    #[test]
    fn only_statements_that_leave_the_session_as_they_found_it_are_pipelined() {
        for sql in ["select 1", "insert into t values ($1)", "update t set a = 1", "ROLLBACK TO SAVEPOINT a"] {
            assert!(pipelinable(sql), "{sql}");
        }
        for sql in [
            "BEGIN",
            "start transaction",
            "commit",
            "ROLLBACK",
            "prepare transaction 'x'",
            "DISCARD ALL",
            "deallocate s1",
        ] {
            assert!(!pipelinable(sql), "{sql}");
        }
    }
}
