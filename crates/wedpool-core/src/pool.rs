//! The pool: admission (who gets the next connection), hand-off, connection creation and the
//! maintenance task. All bookkeeping happens in [`PoolState`] under one lock that is never held
//! across an `.await`; events are emitted after the lock is released.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use deadpool_postgres::Object;
use tokio::sync::{oneshot, Notify};

use crate::clock::CalendarClock;
use crate::config::PoolConfig;
use crate::error::PoolError;
use crate::events::{EventSink, PoolEvent, DEFAULT_EVENT_MASK};
use crate::lease::Lease;
use crate::priority::DatabaseContext;
use crate::query::{Param, QueryResult};
use crate::queue::{Ticket, WaitQueue};
use crate::reservation::{Reservations, SlotKind};
use crate::state::{backoff, PoolState, PooledConnection, Waiter};
use crate::status::PoolStats;

/// The outcome of asking for a connection without waiting.
pub enum Acquired {
    /// A connection was free: here it is.
    Ready(Lease),
    /// The caller is queued; wait with [`Pool::wait`] or cancel with [`Pool::cancel`].
    Queued(Ticket),
}

/// Shared internals; leases and tasks hold it.
pub struct PoolInner {
    pub(crate) config: PoolConfig,
    objects: deadpool_postgres::Pool,
    state: Mutex<PoolState>,
    clock: CalendarClock,
    events: RwLock<Option<EventSink>>,
    event_mask: AtomicU32,
    changed: Notify,
    next_connection_id: AtomicU64,
    runtime: tokio::runtime::Handle,
}

/// A wedding-aware PostgreSQL connection pool. Cloning gives another handle to the same pool.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<PoolInner>,
}

impl Pool {
    /// Creates a pool and starts its maintenance task on the current tokio runtime. Connections
    /// toward `min` open in the background; [`Pool::ready`] waits for them.
    ///
    /// # Panics
    /// When called outside a tokio runtime.
    pub fn new(config: PoolConfig) -> Pool {
        let runtime = tokio::runtime::Handle::current();
        let now = Instant::now();
        let target = config.scaling.target(None);
        let objects = config.connect.object_pool(target.max);
        let state = PoolState {
            closed: false,
            queue: WaitQueue::new(config.priority_aging_per_second, now),
            receivers: Default::default(),
            slots: Reservations::new(target.max, config.reserve),
            idle: Default::default(),
            live: 0,
            creating: 0,
            target,
            wedding_day: false,
            acquired: 0,
            timeouts: 0,
            created: 0,
            removed: 0,
            connect_failures: 0,
            consecutive_connect_failures: 0,
            last_connect_error: None,
            retry_at: None,
            retry_scheduled: false,
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

    /// Chooses which [`crate::events::EventKind`]s are delivered (a bit mask).
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
            let mut st = self.inner.lock();
            failures_at_start = st.connect_failures;
            // Retry at once instead of honouring a backoff: the caller asked explicitly.
            st.retry_at = None;
            let start = if st.live + st.creating == 0 && !st.closed { 1 } else { 0 };
            st.creating += start;
            let more = self.inner.dispatch(&mut st, &mut Vec::new());
            drop(st);
            self.inner.spawn_creations(start + more);
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
                    if let Some(e) = &st.last_connect_error {
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
        let mut st = self.inner.lock();
        if st.closed {
            return Err(PoolError::PoolClosed);
        }
        let mut events = Vec::new();
        let lease = self.inner.take_idle_now(&mut st, ctx, &mut events);
        drop(st);
        self.inner.emit_all(events);
        Ok(lease)
    }

    /// Hands over a connection at once, or queues the caller by priority and returns its ticket.
    ///
    /// Fails with `POOL_CLOSED` after [`Pool::end`].
    pub fn acquire_or_enqueue(&self, ctx: &DatabaseContext) -> Result<Acquired, PoolError> {
        let mut events = Vec::new();
        let mut st = self.inner.lock();
        if st.closed {
            return Err(PoolError::PoolClosed);
        }
        if let Some(lease) = self.inner.take_idle_now(&mut st, ctx, &mut events) {
            drop(st);
            self.inner.emit_all(events);
            return Ok(Acquired::Ready(lease));
        }
        let now = Instant::now();
        let priority = ctx.priority(st.wedding_day);
        let may_use_reserve = ctx.may_use_reserve(st.wedding_day);
        let (sender, receiver) = oneshot::channel();
        let ticket = st.queue.push(priority, may_use_reserve, now, Waiter { sender, priority, enqueued_at: now });
        st.receivers.insert(ticket, receiver);
        let creations = self.inner.dispatch(&mut st, &mut events);
        drop(st);
        self.inner.spawn_creations(creations);
        self.inner.emit_all(events);
        Ok(Acquired::Queued(ticket))
    }

    /// Waits for a queued caller's connection for at most `timeout` (the pool's
    /// `acquireTimeoutMillis` when `None`).
    ///
    /// Fails with `POOL_ACQUIRE_TIMEOUT` (carrying a stats snapshot, the waited time and the
    /// last connect error), `ABORT_ERR` when cancelled, or `POOL_CLOSED`.
    pub async fn wait(&self, ticket: Ticket, timeout: Option<Duration>) -> Result<Lease, PoolError> {
        let timeout = timeout.unwrap_or(self.inner.config.acquire_timeout);
        let started = Instant::now();
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
                let mut st = self.inner.lock();
                if st.queue.remove(ticket).is_some() {
                    st.timeouts += 1;
                    let creations = self.inner.dispatch(&mut st, &mut Vec::new());
                    let error = PoolError::AcquireTimeout {
                        waited: started.elapsed(),
                        stats: Box::new(st.snapshot()),
                        last_connect_error: st.last_connect_error.clone().map(Box::new),
                    };
                    drop(st);
                    self.inner.spawn_creations(creations);
                    return Err(error);
                }
                drop(st);
                // Served (or cancelled) just as the deadline passed.
                receiver.try_recv().unwrap_or(Err(PoolError::PoolClosed))
            }
        }
    }

    /// Removes a queued caller at once; its [`Pool::wait`] fails with `ABORT_ERR`.
    /// Returns `false` when the ticket is no longer queued (already served, timed out).
    pub fn cancel(&self, ticket: Ticket) -> bool {
        let mut st = self.inner.lock();
        match st.queue.remove(ticket) {
            Some(waiter) => {
                st.receivers.remove(&ticket);
                let _ = waiter.sender.send(Err(PoolError::Aborted));
                let creations = self.inner.dispatch(&mut st, &mut Vec::new());
                drop(st);
                self.inner.spawn_creations(creations);
                true
            }
            None => false,
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

    /// Acquires a connection, runs one statement and releases the connection.
    ///
    /// Fails as [`Pool::acquire`] and [`Lease::query`] do.
    pub async fn query(
        &self,
        ctx: &DatabaseContext,
        sql: &str,
        params: &[Param],
        timeout: Option<Duration>,
    ) -> Result<QueryResult, PoolError> {
        let lease = self.acquire(ctx, timeout).await?;
        lease.query(sql, params).await
    }

    /// The pool now.
    pub fn stats(&self) -> PoolStats {
        self.inner.lock().snapshot()
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

    /// Runs one maintenance pass now (calendar, idle reaping, refill). It also runs on its own
    /// every `maintenanceIntervalMillis`.
    pub fn maintain(&self) {
        self.inner.maintain();
    }

    /// Ends the pool: queued callers fail with `POOL_CLOSED`, idle connections close now and
    /// connections in use close when they are released. Idempotent.
    pub fn end(&self) {
        let mut events = Vec::new();
        let (waiters, idle) = {
            let mut st = self.inner.lock();
            st.closed = true;
            let waiters = st.queue.drain();
            let idle: Vec<_> = st.idle.drain(..).collect();
            st.live -= idle.len();
            st.removed += idle.len() as u64;
            (waiters, idle)
        };
        for w in waiters {
            let _ = w.sender.send(Err(PoolError::PoolClosed));
        }
        for conn in idle {
            events.push(self.inner.close(conn, "pool_ended"));
        }
        self.inner.objects.close();
        self.inner.changed.notify_waiters();
        self.inner.emit_all(events);
    }

    /// Whether [`Pool::end`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }
}

impl PoolInner {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fast path: an idle connection for a newcomer when no queued caller could use it.
    fn take_idle_now(self: &Arc<Self>, st: &mut PoolState, ctx: &DatabaseContext, events: &mut Vec<PoolEvent>) -> Option<Lease> {
        let slot = st.slots.available_for(ctx.may_use_reserve(st.wedding_day))?;
        if st.waiter_could_use(slot) {
            return None;
        }
        let conn = self.pop_idle(st, events)?;
        st.slots.take(slot);
        st.acquired += 1;
        let priority = ctx.priority(st.wedding_day);
        self.push_acquire_event(events, &conn, priority, slot, Duration::ZERO);
        Some(Lease::new(conn, slot, priority, Duration::ZERO, self.clone()))
    }

    /// The most recently used idle connection that is still open; closed ones are dropped.
    fn pop_idle(&self, st: &mut PoolState, events: &mut Vec<PoolEvent>) -> Option<PooledConnection> {
        while let Some(conn) = st.idle.pop_back() {
            if conn.object.is_closed() {
                st.live -= 1;
                st.removed += 1;
                events.push(self.close(conn, "broken"));
                continue;
            }
            return Some(conn);
        }
        None
    }

    /// Hands idle connections to the best servable waiters, then says how many connections to
    /// open. Called after every change.
    fn dispatch(self: &Arc<Self>, st: &mut PoolState, events: &mut Vec<PoolEvent>) -> usize {
        while let Some((ticket, slot)) = st.next_servable() {
            let Some(conn) = self.pop_idle(st, events) else { break };
            let waiter = st.queue.remove(ticket).expect("next_servable returns a queued ticket");
            let waited = waiter.enqueued_at.elapsed();
            st.slots.take(slot);
            let event_conn = (conn.id, conn.process_id);
            match waiter.sender.send(Ok(Lease::new(conn, slot, waiter.priority, waited, self.clone()))) {
                Ok(()) => {
                    st.acquired += 1;
                    if self.wants(crate::events::EventKind::Acquire) {
                        events.push(PoolEvent::Acquire {
                            connection_id: event_conn.0,
                            process_id: event_conn.1,
                            priority: waiter.priority,
                            reserved: slot == SlotKind::Reserved,
                            waited_micros: waited.as_micros() as u64,
                        });
                    }
                }
                Err(Ok(lease)) => {
                    let (conn, slot) = lease.into_parts();
                    st.slots.give_back(slot);
                    st.idle.push_back(conn);
                }
                Err(Err(_)) => {}
            }
        }
        let now = Instant::now();
        if st.waiting_for_backoff(now) && !st.retry_scheduled {
            st.retry_scheduled = true;
            let at = st.retry_at.unwrap_or(now);
            let weak = Arc::downgrade(self);
            self.runtime.spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                if let Some(inner) = weak.upgrade() {
                    let mut st = inner.lock();
                    st.retry_scheduled = false;
                    let mut events = Vec::new();
                    let n = inner.dispatch(&mut st, &mut events);
                    drop(st);
                    inner.spawn_creations(n);
                    inner.emit_all(events);
                }
            });
        }
        let n = st.creations_needed(now);
        st.creating += n;
        n
    }

    /// Starts `n` connection attempts (already counted in `creating`).
    fn spawn_creations(self: &Arc<Self>, n: usize) {
        for _ in 0..n {
            let inner = self.clone();
            self.runtime.spawn(async move { inner.create_one().await });
        }
    }

    async fn create_one(self: Arc<Self>) {
        let result = self.config.connect.open(&self.objects).await;
        let mut events = Vec::new();
        let mut st = self.lock();
        st.creating -= 1;
        match result {
            Ok((object, process_id)) => {
                let now = Instant::now();
                let conn = PooledConnection {
                    object,
                    id: self.next_connection_id.fetch_add(1, Ordering::Relaxed),
                    process_id,
                    created_at: now,
                    idle_since: now,
                };
                st.live += 1;
                st.created += 1;
                st.consecutive_connect_failures = 0;
                st.retry_at = None;
                if self.wants(crate::events::EventKind::Connect) {
                    events.push(PoolEvent::Connect { connection_id: conn.id, process_id });
                }
                if st.closed || st.live > st.target.max {
                    st.live -= 1;
                    st.removed += 1;
                    events.push(self.close(conn, if st.closed { "pool_ended" } else { "scale_down" }));
                } else {
                    st.idle.push_back(conn);
                }
            }
            Err(error) => {
                st.connect_failures += 1;
                st.consecutive_connect_failures += 1;
                let seed = st.connect_failures.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ Instant::now().elapsed().subsec_nanos() as u64;
                st.retry_at = Some(Instant::now() + backoff(st.consecutive_connect_failures, seed >> 7));
                st.last_connect_error = Some(error);
            }
        }
        let creations = self.dispatch(&mut st, &mut events);
        drop(st);
        self.changed.notify_waiters();
        self.spawn_creations(creations);
        self.emit_all(events);
    }

    /// Takes a connection back from a lease.
    pub(crate) fn release(self: &Arc<Self>, mut conn: PooledConnection, slot: SlotKind, held: Duration, broken: bool) {
        let mut events = Vec::new();
        if self.wants(crate::events::EventKind::Release) {
            events.push(PoolEvent::Release { connection_id: conn.id, held_micros: held.as_micros() as u64 });
        }
        let mut st = self.lock();
        st.slots.give_back(slot);
        conn.idle_since = Instant::now();
        let reason = if st.closed {
            Some("pool_ended")
        } else if broken || conn.object.is_closed() {
            Some("broken")
        } else if st.live > st.target.max {
            Some("scale_down")
        } else {
            None
        };
        match reason {
            Some(reason) => {
                st.live -= 1;
                st.removed += 1;
                events.push(self.close(conn, reason));
            }
            None => st.idle.push_back(conn),
        }
        let creations = self.dispatch(&mut st, &mut events);
        drop(st);
        self.spawn_creations(creations);
        self.emit_all(events);
    }

    /// Re-evaluates the calendar, retires idle connections above the target and refills.
    fn maintain(self: &Arc<Self>) {
        let calendar_now = self.clock.now();
        let calendar = &self.config.calendar;
        let target = self.config.scaling.target(calendar.window_at(calendar_now).as_ref());
        let wedding_day = calendar.is_wedding_day(calendar_now);
        let mut events = Vec::new();
        let mut st = self.lock();
        if st.closed {
            return;
        }
        st.wedding_day = wedding_day;
        if target.min != st.target.min || target.max != st.target.max {
            events.push(PoolEvent::Scale {
                from_min: st.target.min,
                from_max: st.target.max,
                to_min: target.min,
                to_max: target.max,
                multiplier: target.multiplier,
                reason: target.reason.clone(),
            });
            st.slots.set_max(target.max);
            self.objects.resize(target.max.max(1));
        }
        st.target = target;
        let now = Instant::now();
        while st.live > st.target.max {
            let Some(conn) = st.idle.pop_front() else { break };
            st.live -= 1;
            st.removed += 1;
            events.push(self.close(conn, "scale_down"));
        }
        if let Some(idle_timeout) = self.config.idle_timeout {
            while st.live > st.reap_floor() {
                match st.idle.front() {
                    Some(oldest) if now.duration_since(oldest.idle_since) >= idle_timeout => {
                        let conn = st.idle.pop_front().expect("front exists");
                        st.live -= 1;
                        st.removed += 1;
                        events.push(self.close(conn, "idle_timeout"));
                    }
                    _ => break,
                }
            }
        }
        let creations = self.dispatch(&mut st, &mut events);
        drop(st);
        self.spawn_creations(creations);
        self.emit_all(events);
    }

    /// Detaches a connection from deadpool and closes it; returns the `remove` event.
    fn close(&self, conn: PooledConnection, reason: &'static str) -> PoolEvent {
        let event = PoolEvent::Remove { connection_id: conn.id, process_id: conn.process_id, reason };
        drop(Object::take(conn.object));
        event
    }

    fn push_acquire_event(&self, events: &mut Vec<PoolEvent>, conn: &PooledConnection, priority: i64, slot: SlotKind, waited: Duration) {
        if self.wants(crate::events::EventKind::Acquire) {
            events.push(PoolEvent::Acquire {
                connection_id: conn.id,
                process_id: conn.process_id,
                priority,
                reserved: slot == SlotKind::Reserved,
                waited_micros: waited.as_micros() as u64,
            });
        }
    }

    fn wants(&self, kind: crate::events::EventKind) -> bool {
        self.event_mask.load(Ordering::Relaxed) & kind as u32 != 0
    }

    fn emit_all(&self, events: Vec<PoolEvent>) {
        if events.is_empty() {
            return;
        }
        let sink = self.events.read().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(sink) = sink {
            for event in events {
                if self.wants(event.kind()) {
                    sink(event);
                }
            }
        }
    }
}

/// Runs [`PoolInner::maintain`] periodically while the pool exists and is open.
fn spawn_maintenance(inner: &Arc<PoolInner>) {
    let weak: Weak<PoolInner> = Arc::downgrade(inner);
    let period = inner.config.maintenance_interval;
    inner.runtime.spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval.tick().await;
        loop {
            interval.tick().await;
            let Some(inner) = weak.upgrade() else { break };
            if inner.lock().closed {
                break;
            }
            inner.maintain();
        }
    });
}
