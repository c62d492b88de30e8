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
//! caller — a wedding-critical one first — is never overtaken. Room in a pipeline goes to the
//! queue first: when a statement leaves (or a queued statement's connection opens a pipeline),
//! the best queued caller takes the place if it is a pipelined statement that may use that
//! connection, and so on while room is left. When the best queued caller needs a connection
//! of its own (`getConnection()`, a transaction, a statement with a deadline), no pipeline
//! grows: each drains in at most `pipelineDepth` statements and the connection goes to the best
//! waiter as usual. A pipeline on one of the reserve's connections takes only callers who may
//! use the reserve. A joining caller picks the pipeline with the fewest statements in flight; it
//! may still wait behind a slow statement there (the price of pipelining, bounded by
//! `pipelineDepth`).
//!
//! A pipeline whose connection the pool wants back — it would be closed if returned now (over
//! the target size, expired, its host demoted) or taken for a fleet claim or reading — takes
//! nobody new, newcomers nor queued callers, so it drains and returns within `pipelineDepth`
//! statements as a lease would: a connection kept busy by pipelined statements alone still
//! comes back.
//!
//! Every step — opening a pipeline, joining it, leaving it, handing its room to the queue — runs
//! under the pool's lock, so a caller never queues because a pipeline was being set up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::admission::context::DatabaseContext;
use crate::admission::queue::Ticket;
use crate::clock;
use crate::conn::deallocation::deallocation;
use crate::conn::query::{transaction_effect, Param, QueryResult, TransactionEffect};
use crate::error::PoolError;
use crate::pool::inner::{Events, PoolInner};
use crate::pool::lease::Lease;
use crate::pool::state::{Grant, PoolState};
use crate::pool::{CheckoutInfo, Pool, UNSENT_RETRIES};

/// One connection shared by pipelined statements; its lease returns when the last one leaves.
pub(crate) struct Pipeline {
    lease: Lease,
    /// Statements in flight; changed only under the pool's lock.
    in_flight: AtomicUsize,
}

/// A statement's place in a pipeline; leaving is certain even when the caller's future (or a
/// grant nobody received) is dropped.
pub struct Seat {
    /// `None` only once given up under the lock (see [`PoolInner::fill`]).
    pipeline: Option<Arc<Pipeline>>,
}

impl Seat {
    fn lease(&self) -> &Lease {
        &self.pipeline.as_ref().expect("a seat holds its pipeline until dropped").lease
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let Some(pipeline) = self.pipeline.take() else { return };
        let last = pipeline.lease.pool().leave(&pipeline);
        // Outside the lock: the last one out returns the connection, which takes the lock.
        drop(last);
    }
}

/// Whether `sql` may share a connection with other statements: see the module documentation.
pub(crate) fn pipelinable(sql: &str) -> bool {
    transaction_effect(sql) == TransactionEffect::Neutral && deallocation(sql).is_none()
}

impl PoolInner {
    /// Under the lock: makes `lease` a pipeline with one statement (the caller's) in flight and
    /// hands the room left to the queue.
    fn open_pipeline(&self, st: &mut PoolState, lease: Lease) -> Seat {
        let pipeline = Arc::new(Pipeline { lease, in_flight: AtomicUsize::new(1) });
        st.pipelines.push(pipeline.clone());
        self.fill(st, &pipeline);
        Seat { pipeline: Some(pipeline) }
    }

    /// Under the lock: a place in the open pipeline with the fewest statements in flight below
    /// the depth that this caller may use (a reserve connection's only when `may_use_reserve`).
    /// None while the pool wants connections back (see [`PoolInner::wants_back`]): the caller
    /// queues instead, and the pipelines drain and return.
    fn join_pipeline(&self, st: &PoolState, may_use_reserve: bool) -> Option<Seat> {
        let depth = self.config.pipeline_depth;
        let now = clock::now();
        if self.wants_a_connection_back(st, now) {
            return None;
        }
        let best = st
            .pipelines
            .iter()
            .filter(|p| p.in_flight.load(Ordering::Relaxed) < depth)
            .filter(|p| may_use_reserve || !p.lease.reserved())
            .filter(|p| p.lease.takes_more() && !self.wants_this_one_back(st, &p.lease, now))
            .min_by_key(|p| p.in_flight.load(Ordering::Relaxed))?;
        best.in_flight.fetch_add(1, Ordering::Relaxed);
        Some(Seat { pipeline: Some(best.clone()) })
    }

    /// Under the lock: while `pipeline` has room, hands a place to the best queued caller that
    /// may use its connection, as long as that caller is a pipelined statement and no slot is
    /// free for it (the pool could still grow for it). Stops at the first caller that needs a
    /// connection of its own, so nobody is overtaken.
    fn fill(&self, st: &mut PoolState, pipeline: &Arc<Pipeline>) {
        let reserved = pipeline.lease.reserved();
        if self.wants_back(st, &pipeline.lease, clock::now()) {
            return;
        }
        while pipeline.in_flight.load(Ordering::Relaxed) < self.config.pipeline_depth && pipeline.lease.takes_more() {
            let head = if reserved { st.queue.best_reserve_eligible() } else { st.queue.best() };
            let Some(head) = head else { return };
            if !st.queue.get(head.ticket).is_some_and(|w| w.pipelinable) {
                return;
            }
            // A slot is free for the head: it gets a connection of its own (opened or claimed
            // for it), and while it is queued it counts as demand, so the pool grows instead of
            // pipelining behind a connection it could add.
            if st.slots.available_for(head.may_use_reserve).is_some() {
                return;
            }
            let waiter = st.queue.remove(head.ticket).expect("the head is queued");
            let waited = clock::elapsed(waiter.enqueued_at);
            let info = CheckoutInfo { priority: waiter.priority, reserved, waited };
            pipeline.in_flight.fetch_add(1, Ordering::Relaxed);
            let seat = Seat { pipeline: Some(pipeline.clone()) };
            match waiter.sender.send(Ok(Grant::Seat(seat, info))) {
                Ok(()) => st.counters.waits.record(waiter.class, waited.as_secs_f64()),
                // The caller gave up just now: the place is given back here, since leaving
                // through the seat would take the lock held here.
                Err(Ok(Grant::Seat(mut seat, _))) => {
                    seat.pipeline = None;
                    pipeline.in_flight.fetch_sub(1, Ordering::Relaxed);
                }
                Err(_) => {}
            }
        }
    }

    /// Whether the pool wants the connection back rather than kept busy: returned now, it would
    /// be closed (over the target size, expired, its host demoted) or taken for a fleet claim or
    /// reading (see [`PoolInner::release`]). Such a pipeline takes nobody from the queue, so it
    /// drains and comes back within `pipelineDepth` statements.
    fn wants_back(&self, st: &PoolState, lease: &Lease, now: Instant) -> bool {
        self.wants_a_connection_back(st, now) || self.wants_this_one_back(st, lease, now)
    }

    /// The pool-wide part of [`PoolInner::wants_back`]: over the target size, or a fleet claim
    /// or reading due with no idle connection to take.
    fn wants_a_connection_back(&self, st: &PoolState, now: Instant) -> bool {
        st.live > st.sizing.target.max || (st.idle.is_empty() && (st.claim_due(now) || self.fleet_reading_due(st, now)))
    }

    /// The per-connection part of [`PoolInner::wants_back`]: expired, or its host demoted.
    fn wants_this_one_back(&self, st: &PoolState, lease: &Lease, now: Instant) -> bool {
        let conn = lease.connection();
        (conn.expires_at.is_some_and(|at| at <= now) && !st.sizing.wedding_day)
            || self.connect.route.is_demoted(conn.fate.host())
    }

    /// A statement left `pipeline`: its room goes to the queue first; the last one out takes
    /// the pipeline off the list, and its lease returns to the pool when the returned value is
    /// dropped — outside this lock, since returning takes it.
    fn leave(&self, pipeline: &Arc<Pipeline>) -> Option<Arc<Pipeline>> {
        let mut st = self.lock();
        pipeline.in_flight.fetch_sub(1, Ordering::Relaxed);
        if !st.queue.is_empty() && !st.closed {
            self.fill(&mut st, pipeline);
        }
        if pipeline.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let at = st.pipelines.iter().position(|p| Arc::ptr_eq(p, pipeline))?;
        Some(st.pipelines.swap_remove(at))
    }
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
        let started = clock::now();
        let mut attempts = 0;
        loop {
            let remaining = acquire_timeout.map(|t| t.saturating_sub(clock::elapsed(started)));
            let (seat, info) = match self.seat(ctx, remaining).await {
                Ok(seat) => seat,
                Err(e) => return (Err(e), None),
            };
            let (result, unsent) = seat.lease().query_pipelined(sql, params).await;
            drop(seat);
            match result {
                Err(PoolError::ConnectionLost { .. }) if unsent && attempts < UNSENT_RETRIES => attempts += 1,
                other => return (other, Some(info)),
            }
        }
    }

    /// A place in a pipeline: at once, or after queueing (handed a place in a pipeline with
    /// room, or a connection that then opens one).
    async fn seat(&self, ctx: &DatabaseContext, timeout: Option<Duration>) -> Result<(Seat, CheckoutInfo), PoolError> {
        let ticket = match self.seat_or_enqueue(ctx)? {
            Seating::Seated(seat, info) => return Ok((seat, info)),
            Seating::Queued(ticket) => ticket,
        };
        match self.wait_for_grant(ticket, timeout).await? {
            Grant::Seat(seat, info) => Ok((seat, info)),
            Grant::Lease(lease) => {
                let info =
                    CheckoutInfo { priority: lease.priority(), reserved: lease.reserved(), waited: lease.waited() };
                let mut st = self.inner.lock();
                Ok((self.inner.open_pipeline(&mut st, lease), info))
            }
        }
    }

    /// Under one hold of the lock: an idle connection when one is free for this caller (opening
    /// a pipeline on it); else a place in an open pipeline when no slot is free for it and
    /// nobody waits; else a place in the queue.
    fn seat_or_enqueue(&self, ctx: &DatabaseContext) -> Result<Seating, PoolError> {
        let mut events = Events::new();
        let mut st = self.inner.lock();
        if st.closed {
            return Err(PoolError::PoolClosed);
        }
        if let Some(lease) = self.inner.take_idle_now(&mut st, ctx, &mut events) {
            let info = CheckoutInfo { priority: lease.priority(), reserved: lease.reserved(), waited: Duration::ZERO };
            let seat = self.inner.open_pipeline(&mut st, lease);
            drop(st);
            self.inner.emit_all(events);
            return Ok(Seating::Seated(seat, info));
        }
        let may_use_reserve = ctx.may_use_reserve(st.sizing.wedding_day);
        if st.queue.is_empty() && st.slots.available_for(may_use_reserve).is_none() {
            if let Some(seat) = self.inner.join_pipeline(&st, may_use_reserve) {
                let priority = ctx.priority(st.sizing.wedding_day);
                let info = CheckoutInfo { priority, reserved: seat.lease().reserved(), waited: Duration::ZERO };
                drop(st);
                self.inner.emit_all(events);
                return Ok(Seating::Seated(seat, info));
            }
        }
        self.enqueue(st, ctx, true, events).map(Seating::Queued)
    }
}

/// Where [`Pool::seat_or_enqueue`] put the caller.
enum Seating {
    /// In a pipeline.
    Seated(Seat, CheckoutInfo),
    /// In the queue.
    Queued(Ticket),
}

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
