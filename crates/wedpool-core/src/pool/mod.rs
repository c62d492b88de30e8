//! The public pool API. Orchestration lives in [`crate::pool::inner`], periodic upkeep in
//! [`crate::pool::maintenance`]; all bookkeeping is in [`PoolState`] behind one lock that is never
//! held across an `.await`.

pub(crate) mod backoff;
mod claim;
pub(crate) mod inner;
pub(crate) mod lease;
mod maintenance;
pub(crate) mod outcome;
pub(crate) mod state;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{oneshot, Notify};

use crate::admission::context::DatabaseContext;
use crate::admission::priority_class::PriorityClass;
use crate::admission::queue::{Ticket, WaitQueue};
use crate::admission::reservation::Reservations;
use crate::clock::{self, CalendarClock};
use crate::config::options::PoolConfig;
use crate::conn::query::{Param, QueryResult};
use crate::error::PoolError;
use crate::observe::events::{EventSink, DEFAULT_EVENT_MASK};
use crate::observe::health::{HealthMonitor, HealthReport};
use crate::observe::metrics::{render, MetricsInput};
use crate::observe::remove_reason::RemoveReason;
use crate::observe::status::PoolStats;
use crate::pool::inner::{Events, PoolInner};
use crate::pool::lease::Lease;
use crate::pool::maintenance::spawn_maintenance;
use crate::pool::state::{PoolState, Waiter};
use crate::scaling::learner::TrafficLearner;
use crate::scaling::planner::{Planner, ScalingPlan};

/// How often [`Pool::query`] moves a statement that was never sent to another connection.
pub const UNSENT_RETRIES: u32 = 2;

/// The outcome of asking for a connection without waiting. (Not boxed: it is returned once per
/// acquire, and boxing the lease would add an allocation to the hot path.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Acquired {
    /// A connection was free: here it is.
    Ready(Lease),
    /// The caller is queued; wait with [`Pool::wait`] or cancel with [`Pool::cancel`].
    Queued(Ticket),
}

/// A wedding-aware PostgreSQL connection pool. Cloning gives another handle to the same pool.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<PoolInner>,
}

/// Where the pool connects (without credentials) and its current [`PoolStats`].
impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("target", &self.inner.config.connect.target)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The checkout a statement of [`Pool::query_observed`] ran on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckoutInfo {
    /// The priority the caller was served with.
    pub priority: i64,
    /// Whether the connection was one of the emergency slots.
    pub reserved: bool,
    /// How long the caller waited for it.
    pub waited: Duration,
}

impl Pool {
    /// Creates a pool and starts its maintenance task on the current tokio runtime. Connections
    /// toward `min` open in the background; [`Pool::ready`] waits for them.
    ///
    /// # Panics
    /// When called outside a tokio runtime.
    pub fn new(config: PoolConfig) -> Pool {
        let runtime = tokio::runtime::Handle::current();
        let now = clock::now();
        let target = config.scaling.target(None);
        let objects = config.connect.object_pool(target.max);
        let state = PoolState {
            closed: false,
            queue: WaitQueue::new(config.priority_aging_per_second, now),
            receivers: Default::default(),
            slots: Reservations::new(target.max, config.reserve),
            idle: Default::default(),
            lent: Default::default(),
            live: 0,
            creating: 0,
            probing: 0,
            target,
            wedding_day: false,
            acquired: 0,
            timeouts: 0,
            shed: 0,
            created: 0,
            removed: 0,
            connect_failures: 0,
            health: HealthMonitor::default(),
            retry_at: None,
            last_attempt_at: None,
            retry_scheduled: false,
            sweeper_running: false,
            in_use_by_class: [0; 3],
            learner: TrafficLearner::new(config.calendar.all_timezones(), config.profile_alpha),
            minute: None,
            waits: Default::default(),
            removed_by_reason: Default::default(),
            scale_events: 0,
            budget: None,
            budget_checked_at: None,
            budget_checking: false,
            budget_known: !config.fleet_budget,
            // Pending claims are session locks: not through a transaction-mode pooler.
            claims_on: config.fleet_budget && config.prepare,
            claiming: false,
            claim_conn: None,
            claim_after: None,
            claim_starved_since: None,
            claim_conn_opening: false,
            fleet_instances_seen: 0,
            fleet_joining_until: None,
            fleet_margin_now: config.fleet_margin,
            claim_stats: Default::default(),
            jitter: backoff::Jitter::new(),
            server_full: 0,
        };
        let inner = Arc::new(PoolInner {
            config,
            objects,
            state: Mutex::new(state),
            clock: CalendarClock::system(),
            events: RwLock::new(None),
            event_mask: AtomicU32::new(DEFAULT_EVENT_MASK),
            changed: Notify::new(),
            next_connection_id: AtomicU64::new(1),
            claim_ready: AtomicBool::new(false),
            runtime,
        });
        inner.maintain();
        spawn_maintenance(&inner);
        Pool { inner }
    }

    /// The validated configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }

    /// Sets the function that receives events (replacing any previous one).
    pub fn set_event_sink(&self, sink: Option<EventSink>) {
        *self.inner.events.write().unwrap_or_else(|e| e.into_inner()) = sink;
    }

    /// Chooses which [`crate::observe::events::EventKind`]s are delivered (a bit mask).
    pub fn set_event_mask(&self, mask: u32) {
        self.inner.event_mask.store(mask, Ordering::Relaxed);
    }

    /// Waits until `min` connections (at least one) are open.
    ///
    /// Fails with the connect error when an attempt made after this call fails, or
    /// `POOL_CLOSED` when the pool is ended meanwhile.
    pub async fn ready(&self) -> Result<(), PoolError> {
        let failures_at_start;
        {
            let mut events = Events::new();
            let mut st = self.inner.lock();
            failures_at_start = st.connect_failures;
            // The caller asked explicitly: try now instead of honouring a backoff.
            st.retry_at = None;
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
                if st.live >= st.target.min.max(1) {
                    return Ok(());
                }
                if st.connect_failures > failures_at_start {
                    if let Some(e) = st.health.last_error() {
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
        let now = clock::now();
        if st.health.auth_failing() && st.live == 0 && st.backing_off(now) {
            return Err(st.health.last_error().cloned().expect("auth_failing implies an error"));
        }
        let priority = ctx.priority(st.wedding_day);
        let may_use_reserve = ctx.may_use_reserve(st.wedding_day);
        if st.queue.len() >= self.inner.config.max_waiting {
            let waiting = st.queue.len();
            let worst = st.queue.worst().expect("a full queue has a worst waiter");
            let worst_priority = st.queue.effective_priority(worst.ticket, now).unwrap_or(f64::MAX);
            if priority as f64 <= worst_priority {
                st.shed += 1;
                return Err(PoolError::PoolOverloaded { waiting });
            }
            if let Some(shed) = st.queue.remove(worst.ticket) {
                st.shed += 1;
                let _ = shed.sender.send(Err(PoolError::PoolOverloaded { waiting }));
            }
        }
        let (sender, receiver) = oneshot::channel();
        let class = PriorityClass::of(ctx, st.wedding_day);
        let waiter = Waiter { sender, priority, wedding_critical: ctx.is_wedding_critical, class, enqueued_at: now };
        let ticket = st.queue.push(priority, may_use_reserve, now, waiter);
        st.receivers.insert(ticket, receiver);
        let early = usize::from(st.may_attempt_early(now));
        self.inner.count_attempts(&mut st, early, now);
        let creations = self.inner.dispatch(&mut st, &mut events);
        drop(st);
        self.inner.finish(early + creations, events);
        Ok(Acquired::Queued(ticket))
    }

    /// Waits for a queued caller's connection for at most `timeout` (the pool's
    /// `acquireTimeoutMillis` when `None`).
    ///
    /// Fails with `POOL_ACQUIRE_TIMEOUT` (carrying a stats snapshot, the waited time and the
    /// last connect error), `ABORT_ERR` when cancelled, `POOL_CLOSED`, `POOL_OVERLOADED` when
    /// shed for a higher-priority caller, `DATABASE_UNAVAILABLE` while the database is down
    /// (non-critical callers), or the authentication error.
    pub async fn wait(&self, ticket: Ticket, timeout: Option<Duration>) -> Result<Lease, PoolError> {
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
                    st.timeouts += 1;
                    let creations = self.inner.dispatch(&mut st, &mut events);
                    // A connect error is the cause only while attempts are still failing.
                    let failing = st.health.consecutive_failures() > 0;
                    let error = PoolError::AcquireTimeout {
                        waited: clock::elapsed(started),
                        stats: Box::new(st.snapshot()),
                        last_connect_error: st.health.last_error().filter(|_| failing).cloned().map(Box::new),
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

    /// Acquires a connection (waiting at most `acquire_timeout`), runs one statement (for at
    /// most `query_timeout`, default `queryTimeoutMillis`) and releases the connection. When the
    /// connection turns out to have been ended by the server before the statement was sent
    /// (terminated while idle), the statement runs on another connection — at most
    /// `UNSENT_RETRIES` times; a statement that was sent is never retried.
    ///
    /// Fails as [`Pool::acquire`] and [`Lease::query`] do.
    pub async fn query(
        &self,
        ctx: &DatabaseContext,
        sql: &str,
        params: &[Param],
        acquire_timeout: Option<Duration>,
        query_timeout: Option<Duration>,
    ) -> Result<QueryResult, PoolError> {
        self.query_observed(ctx, sql, params, acquire_timeout, query_timeout).await.0
    }

    /// [`Pool::query`], also telling which checkout the statement ran on (its priority, reserve
    /// use and wait), for tracing; `None` when no connection was acquired.
    pub async fn query_observed(
        &self,
        ctx: &DatabaseContext,
        sql: &str,
        params: &[Param],
        acquire_timeout: Option<Duration>,
        query_timeout: Option<Duration>,
    ) -> (Result<QueryResult, PoolError>, Option<CheckoutInfo>) {
        let started = clock::now();
        let mut attempts = 0;
        loop {
            let remaining = acquire_timeout.map(|t| t.saturating_sub(clock::elapsed(started)));
            let lease = match self.acquire(ctx, remaining).await {
                Ok(lease) => lease,
                Err(e) => return (Err(e), None),
            };
            let info = CheckoutInfo { priority: lease.priority(), reserved: lease.reserved(), waited: lease.waited() };
            let result = lease.query_with_timeout(sql, params, query_timeout).await;
            match result {
                Err(PoolError::ConnectionLost { .. }) if lease.lost_before_sending() && attempts < UNSENT_RETRIES => {
                    attempts += 1;
                }
                other => return (other, Some(info)),
            }
        }
    }

    /// The pool now.
    pub fn stats(&self) -> PoolStats {
        self.inner.lock().snapshot()
    }

    /// The target now and the changes expected in the next 48 hours of calendar time, each
    /// with its reason (base, wedding day, lead-in, forecast, capped by budget).
    pub fn scaling_plan(&self) -> ScalingPlan {
        let st = self.inner.lock();
        let config = &self.inner.config;
        let planner =
            Planner { policy: &config.scaling, calendar: &config.calendar, learner: &st.learner, budget: st.budget };
        planner.plan(self.inner.clock.now(), chrono::Duration::hours(48), chrono::Duration::minutes(15), 12)
    }

    /// The learned traffic profile as JSON (see `TrafficLearner::export`).
    pub fn export_traffic_profile(&self) -> serde_json::Value {
        self.inner.lock().learner.export()
    }

    /// Loads a profile exported earlier and re-plans at once.
    ///
    /// Fails with `INVALID_CONFIG` (field `trafficProfile`) naming what is malformed.
    pub fn import_traffic_profile(&self, profile: &serde_json::Value) -> Result<(), PoolError> {
        self.inner.lock().learner.import(profile).map_err(|m| PoolError::invalid_config("trafficProfile", m))?;
        self.inner.maintain();
        Ok(())
    }

    /// Prometheus text exposition of the pool.
    pub fn metrics(&self) -> String {
        let st = self.inner.lock();
        render(&MetricsInput {
            pool: &self.inner.config.connect.app,
            stats: &st.snapshot(),
            health: st.health.state(),
            removed_by_reason: &st.removed_by_reason,
            scale_events: st.scale_events,
            waits: &st.waits,
            claims: &st.claim_stats,
        })
    }

    /// This instance's share of the server's connections, once it has been read.
    pub fn fleet_budget(&self) -> Option<usize> {
        self.inner.lock().budget
    }

    /// The pool's view of the database.
    pub fn health(&self) -> HealthReport {
        self.inner.lock().health.report()
    }

    /// The priority `ctx` would get now.
    pub fn priority_of(&self, ctx: &DatabaseContext) -> i64 {
        ctx.priority(self.inner.lock().wedding_day)
    }

    /// Whether the calendar says now is a wedding day.
    pub fn is_wedding_day(&self) -> bool {
        self.inner.config.calendar.is_wedding_day(self.inner.clock.now())
    }

    /// Freezes the calendar clock at `time` (`None`: back to the system clock) and re-evaluates
    /// the scaling target at once. Timeouts are unaffected.
    pub fn set_calendar_time(&self, time: Option<DateTime<Utc>>) {
        self.inner.clock.set(time);
        self.inner.maintain();
    }

    /// The calendar clock's time.
    pub fn calendar_time(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Runs one maintenance pass now (calendar, reaping, probes, refill). It also runs on its
    /// own every `maintenanceIntervalMillis`.
    pub fn maintain(&self) {
        self.inner.maintain();
    }

    /// Stops admitting: queued callers fail with `POOL_CLOSED`, idle connections close now and
    /// connections in use close when they are released. Idempotent. See [`Pool::drain`].
    pub fn end(&self) {
        let mut events = Events::new();
        let waiters = {
            let mut st = self.inner.lock();
            st.closed = true;
            let waiters = st.queue.drain();
            while let Some(conn) = st.idle.pop_front() {
                self.inner.retire(&mut st, conn, RemoveReason::PoolEnded, &mut events);
            }
            waiters
        };
        for w in waiters {
            let _ = w.sender.send(Err(PoolError::PoolClosed));
        }
        self.inner.objects.close();
        self.inner.changed.notify_waiters();
        self.inner.emit_all(events);
    }

    /// Ends the pool and waits up to `timeout` for connections in use to come back; then
    /// cancels the statements still running on them and closes their sockets (their callers
    /// get `CONNECTION_LOST`). Returns how many connections had to be stopped.
    pub async fn drain(&self, timeout: Duration) -> usize {
        self.end();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.inner.lock().lent.is_empty() {
                return 0;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                break;
            }
        }
        let lent: Vec<_> = self.inner.lock().lent.values().cloned().collect();
        let cancel_deadline = self.inner.config.connect.connect_timeout.min(Duration::from_secs(2));
        for fate in &lent {
            if let Some(canceller) = fate.canceller() {
                let _ = tokio::time::timeout(cancel_deadline, canceller.cancel()).await;
            }
            fate.abort();
        }
        lent.len()
    }

    /// Whether [`Pool::end`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }
}
