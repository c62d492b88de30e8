//! Checking connections out: at once, or queued by priority with a ticket to wait on or
//! cancel; and waiting for the pool to be ready.

use std::sync::MutexGuard;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::admission::context::DatabaseContext;
use crate::admission::priority_class::PriorityClass;
use crate::admission::queue::Ticket;
use crate::clock;
use crate::error::PoolError;
use crate::pool::inner::Events;
use crate::pool::lease::Lease;
use crate::pool::state::{Grant, Handover, PoolState, Waiter};
use crate::pool::{Acquired, Pool};

impl Pool {
    /// Waits until `min` connections (at least one) are open.
    ///
    /// Fails with the connect error when an attempt made after this call fails, or
    /// `POOL_CLOSED` when the pool is ended meanwhile.
    pub async fn ready(&self) -> Result<(), PoolError> {
        let failures_at_start;
        {
            let mut events = Events::new();
            let mut st = self.inner.lock();
            failures_at_start = st.counters.connect_failures;
            // The caller asked explicitly: try now instead of honouring a backoff.
            st.recovery.retry_at = None;
            let first = usize::from(st.live + st.creating == 0 && !st.closed);
            self.inner.count_attempts(&mut st, first, clock::now());
            let more = self.inner.dispatch(&mut st, &mut events);
            drop(st);
            self.inner.finish(first + more, events);
        }
        loop {
            let notified = self.inner.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let st = self.inner.lock();
                if st.closed {
                    return Err(PoolError::PoolClosed);
                }
                if st.live >= st.sizing.target.min.max(1) {
                    return Ok(());
                }
                if st.counters.connect_failures > failures_at_start {
                    if let Some(e) = st.recovery.health.last_error() {
                        return Err(e.clone());
                    }
                }
            }
            notified.await;
        }
    }

    /// Hands over an idle connection at once when one is free and nobody waits for it;
    /// otherwise `None`. Never waits and never opens a connection.
    ///
    /// Fails with `POOL_CLOSED` after [`Pool::end`].
    pub fn try_acquire(&self, ctx: &DatabaseContext) -> Result<Option<Lease>, PoolError> {
        let mut events = Events::new();
        let mut st = self.inner.lock();
        if st.closed {
            return Err(PoolError::PoolClosed);
        }
        let lease = self.inner.take_idle_now(&mut st, ctx, &mut events);
        drop(st);
        self.inner.emit_all(events);
        Ok(lease)
    }

    /// Hands over a connection at once, or queues the caller by priority and returns its ticket.
    ///
    /// Fails with `POOL_CLOSED` after [`Pool::end`]; with the authentication error while the
    /// password is being rejected and the backoff has not passed; with `POOL_OVERLOADED` when
    /// `maxWaiting` callers wait and this one has the lowest priority.
    pub fn acquire_or_enqueue(&self, ctx: &DatabaseContext) -> Result<Acquired, PoolError> {
        let mut events = Events::new();
        let mut st = self.inner.lock();
        if st.closed {
            return Err(PoolError::PoolClosed);
        }
        if let Some(lease) = self.inner.take_idle_now(&mut st, ctx, &mut events) {
            drop(st);
            self.inner.emit_all(events);
            return Ok(Acquired::Ready(lease));
        }
        self.enqueue(st, ctx, false, events).map(Acquired::Queued)
    }

    /// Queues the caller by priority (the lock held as `st`, released here) and returns its
    /// ticket; `pipelinable` marks a pipelined `Pool::query` statement, which may be handed a
    /// place in a pipeline instead of a connection. Fails as [`Pool::acquire_or_enqueue`] does
    /// once no connection was free.
    pub(crate) fn enqueue(
        &self,
        mut st: MutexGuard<'_, PoolState>,
        ctx: &DatabaseContext,
        pipelinable: bool,
        mut events: Events,
    ) -> Result<Ticket, PoolError> {
        let now = clock::now();
        if st.recovery.health.auth_failing() && st.live == 0 && st.backing_off(now) {
            return Err(st.recovery.health.last_error().cloned().expect("auth_failing implies an error"));
        }
        let priority = ctx.priority(st.sizing.wedding_day);
        let may_use_reserve = ctx.may_use_reserve(st.sizing.wedding_day);
        if st.queue.len() >= self.inner.config.max_waiting {
            let waiting = st.queue.len();
            let worst = st.queue.worst().expect("a full queue has a worst waiter");
            let worst_priority = st.queue.effective_priority(worst.ticket, now).unwrap_or(f64::MAX);
            if priority as f64 <= worst_priority {
                st.counters.shed += 1;
                return Err(PoolError::PoolOverloaded { waiting });
            }
            if let Some(shed) = st.queue.remove(worst.ticket) {
                st.counters.shed += 1;
                let _ = shed.sender.send(Err(PoolError::PoolOverloaded { waiting }));
            }
        }
        let (sender, receiver) = oneshot::channel();
        let class = PriorityClass::of(ctx, st.sizing.wedding_day);
        let waiter = Waiter {
            sender,
            priority,
            wedding_critical: ctx.is_wedding_critical,
            class,
            enqueued_at: now,
            pipelinable,
        };
        let ticket = st.queue.push(priority, may_use_reserve, now, waiter);
        st.receivers.insert(ticket, receiver);
        let early = usize::from(st.may_attempt_early(now));
        self.inner.count_attempts(&mut st, early, now);
        let creations = self.inner.dispatch(&mut st, &mut events);
        drop(st);
        self.inner.finish(early + creations, events);
        Ok(ticket)
    }

    /// Waits for a queued caller's connection for at most `timeout` (the pool's
    /// `acquireTimeoutMillis` when `None`).
    ///
    /// Fails with `POOL_ACQUIRE_TIMEOUT` (carrying a stats snapshot, the waited time and the
    /// last connect error), `ABORT_ERR` when cancelled, `POOL_CLOSED`, `POOL_OVERLOADED` when
    /// shed for a higher-priority caller, `DATABASE_UNAVAILABLE` while the database is down
    /// (non-critical callers), or the authentication error.
    pub async fn wait(&self, ticket: Ticket, timeout: Option<Duration>) -> Result<Lease, PoolError> {
        match self.wait_for_grant(ticket, timeout).await? {
            Grant::Lease(lease) => Ok(lease),
            // Never: only pipelined `Pool::query` statements queue as pipelinable, and they wait
            // with `wait_for_grant`. Leaving the place (on drop) keeps the pipeline's count right.
            Grant::Seat(..) => Err(PoolError::Aborted),
        }
    }

    /// [`Pool::wait`], for any [`Grant`] (a place in a pipeline too, for pipelinable tickets).
    pub(crate) async fn wait_for_grant(&self, ticket: Ticket, timeout: Option<Duration>) -> Handover {
        let timeout = timeout.unwrap_or(self.inner.config.acquire_timeout);
        let started = clock::now();
        let (receiver, closed) = {
            let mut st = self.inner.lock();
            (st.receivers.remove(&ticket), st.closed)
        };
        let Some(mut receiver) = receiver else {
            return Err(if closed { PoolError::PoolClosed } else { PoolError::Aborted });
        };
        match tokio::time::timeout(timeout, &mut receiver).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(PoolError::PoolClosed),
            Err(_) => {
                let mut events = Events::new();
                let mut st = self.inner.lock();
                if st.queue.remove(ticket).is_some() {
                    st.counters.timeouts += 1;
                    let creations = self.inner.dispatch(&mut st, &mut events);
                    // A connect error is the cause only while attempts are still failing.
                    let failing = st.recovery.health.consecutive_failures() > 0;
                    let error = PoolError::AcquireTimeout {
                        waited: clock::elapsed(started),
                        stats: Box::new(st.snapshot()),
                        last_connect_error: st.recovery.health.last_error().filter(|_| failing).cloned().map(Box::new),
                    };
                    drop(st);
                    self.inner.finish(creations, events);
                    return Err(error);
                }
                drop(st);
                // Served (or failed) just as the deadline passed.
                receiver.try_recv().unwrap_or(Err(PoolError::PoolClosed))
            }
        }
    }

    /// Removes a queued caller at once; its [`Pool::wait`] fails with `ABORT_ERR`.
    /// Returns `false` when the ticket is no longer queued (already served, timed out).
    pub fn cancel(&self, ticket: Ticket) -> bool {
        let mut events = Events::new();
        let mut st = self.inner.lock();
        match st.queue.remove(ticket) {
            Some(waiter) => {
                st.receivers.remove(&ticket);
                let _ = waiter.sender.send(Err(PoolError::Aborted));
                let creations = self.inner.dispatch(&mut st, &mut events);
                drop(st);
                self.inner.finish(creations, events);
                true
            }
            None => {
                // Served but never waited for (the caller gave up between queueing and
                // `wait`): the connection handed to the ticket goes back to the pool, outside
                // the lock (a lease returns itself on drop).
                let orphan = st.receivers.remove(&ticket);
                drop(st);
                drop(orphan);
                false
            }
        }
    }

    /// Acquires a connection, waiting at most `timeout` (default: `acquireTimeoutMillis`).
    ///
    /// Fails as [`Pool::acquire_or_enqueue`] and [`Pool::wait`] do.
    pub async fn acquire(&self, ctx: &DatabaseContext, timeout: Option<Duration>) -> Result<Lease, PoolError> {
        match self.acquire_or_enqueue(ctx)? {
            Acquired::Ready(lease) => Ok(lease),
            Acquired::Queued(ticket) => self.wait(ticket, timeout).await,
        }
    }
}
