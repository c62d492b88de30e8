//! The pool's orchestration: hand-off, connection creation with backoff, returns, evictions
//! and health transitions. Every method takes the lock, updates [`PoolState`], releases the
//! lock, then starts tasks and emits events.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use deadpool_postgres::Object;
use tokio::sync::Notify;

use crate::admission::context::DatabaseContext;
use crate::admission::priority_class::PriorityClass;
use crate::admission::reservation::SlotKind;
use crate::clock::{self, CalendarClock};
use crate::config::options::PoolConfig;
use crate::conn::driver::Ending;
use crate::error::{ConnectErrorKind, PoolError};
use crate::observe::events::{EventKind, EventSink, PoolEvent};
use crate::observe::health::HealthState;
use crate::observe::remove_reason::RemoveReason;
use crate::pool::backoff::{backoff, expiry};
use crate::pool::lease::Lease;
use crate::pool::state::{PoolState, PooledConnection, CLAIM_STARVED_AFTER};

/// Shared internals; leases and tasks hold it.
pub struct PoolInner {
    pub(crate) config: PoolConfig,
    pub(crate) objects: deadpool_postgres::Pool,
    pub(crate) state: Mutex<PoolState>,
    pub(crate) clock: CalendarClock,
    pub(crate) events: RwLock<Option<EventSink>>,
    pub(crate) event_mask: AtomicU32,
    /// Wakes `ready()` and `end()` waiters after connections open, fail or come back.
    pub(crate) changed: Notify,
    pub(crate) next_connection_id: AtomicU64,
    /// `state.claim_conn` holds a connection for a claim task to start (see `finish`).
    pub(crate) claim_ready: AtomicBool,
    pub(crate) runtime: tokio::runtime::Handle,
}

/// Events gathered under the lock, emitted after it is released.
pub(crate) type Events = Vec<PoolEvent>;

impl PoolInner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fast path: an idle connection for a newcomer when no queued caller could use it.
    pub(crate) fn take_idle_now(
        self: &Arc<Self>,
        st: &mut PoolState,
        ctx: &DatabaseContext,
        events: &mut Events,
    ) -> Option<Lease> {
        let slot = st.slots.available_for(ctx.may_use_reserve(st.wedding_day))?;
        if st.waiter_could_use(slot) {
            return None;
        }
        let conn = self.pop_idle(st, events)?;
        let priority = ctx.priority(st.wedding_day);
        let class = PriorityClass::of(ctx, st.wedding_day);
        Some(self.lend(st, conn, slot, priority, class, Duration::ZERO, events))
    }

    /// Records a hand-over and builds the lease.
    #[allow(clippy::too_many_arguments)]
    fn lend(
        self: &Arc<Self>,
        st: &mut PoolState,
        conn: PooledConnection,
        slot: SlotKind,
        priority: i64,
        class: PriorityClass,
        waited: Duration,
        events: &mut Events,
    ) -> Lease {
        st.slots.take(slot);
        st.acquired += 1;
        st.in_use_by_class[class as usize] += 1;
        st.waits.record(class, waited.as_secs_f64());
        st.lent.insert(conn.id, conn.fate.clone());
        if self.wants(EventKind::Acquire) {
            events.push(PoolEvent::Acquire {
                connection_id: conn.id,
                process_id: conn.process_id,
                priority,
                reserved: slot == SlotKind::Reserved,
                waited_micros: waited.as_micros() as u64,
            });
        }
        Lease::new(conn, slot, priority, class, waited, self.clone())
    }

    /// Undoes [`PoolInner::lend`] for a hand-off nobody received.
    fn unlend(&self, st: &mut PoolState, conn: PooledConnection, slot: SlotKind, class: PriorityClass) {
        st.slots.give_back(slot);
        st.acquired -= 1;
        st.in_use_by_class[class as usize] -= 1;
        st.lent.remove(&conn.id);
        st.idle.push_back(conn);
    }

    /// The most recently used idle connection that is still open; dead ones are closed.
    pub(crate) fn pop_idle(&self, st: &mut PoolState, events: &mut Events) -> Option<PooledConnection> {
        while let Some(conn) = st.idle.pop_back() {
            if conn.is_dead() {
                self.retire(st, conn, RemoveReason::Broken, events);
                continue;
            }
            return Some(conn);
        }
        None
    }

    /// Hands idle connections to the best servable waiters, then says how many connections to
    /// open. Called after every change.
    pub(crate) fn dispatch(self: &Arc<Self>, st: &mut PoolState, events: &mut Events) -> usize {
        while let Some((ticket, slot)) = st.next_servable() {
            let Some(conn) = self.pop_idle(st, events) else { break };
            let waiter = st.queue.remove(ticket).expect("next_servable returns a queued ticket");
            let events_before = events.len();
            let lease =
                self.lend(st, conn, slot, waiter.priority, waiter.class, clock::elapsed(waiter.enqueued_at), events);
            if let Err(Ok(lease)) = waiter.sender.send(Ok(lease)) {
                // The caller gave up just now: the connection stays idle.
                let (conn, slot) = lease.into_parts();
                self.unlend(st, conn, slot, waiter.class);
                events.truncate(events_before);
            }
        }
        let now = clock::now();
        if st.waiting_for_backoff(now) && !st.retry_scheduled {
            st.retry_scheduled = true;
            self.redispatch_at(st.retry_at.unwrap_or(now));
        }
        let n = st.creations_needed(now);
        self.count_attempts(st, n, now);
        if n > 0 && st.claims_on && st.live > 0 {
            // No connection came back in time: this one opens unclaimed and runs the claim.
            st.claim_conn_opening = true;
        }
        if st.claim_due(now) {
            if let Some(conn) = self.pop_idle(st, events) {
                self.take_for_claim(st, conn);
            } else if st.claim_starved_since.is_none() {
                // Every connection is held: the next one back runs the claim (see `release`);
                // if none comes back in time, one connection opens unclaimed.
                st.claim_starved_since = Some(now);
                self.redispatch_at(now + CLAIM_STARVED_AFTER);
            }
        } else if !st.claiming {
            st.claim_starved_since = None;
        }
        n
    }

    /// Sets `conn` aside for a claim; `finish` starts the claim once the lock is released.
    pub(crate) fn take_for_claim(&self, st: &mut PoolState, conn: PooledConnection) {
        st.claiming = true;
        st.claim_starved_since = None;
        st.probing += 1;
        st.claim_conn = Some(conn);
        self.claim_ready.store(true, Ordering::Release);
    }

    /// Counts `n` attempts as started (the caller spawns them after the lock is released).
    pub(crate) fn count_attempts(&self, st: &mut PoolState, n: usize, now: Instant) {
        if n > 0 {
            st.creating += n;
            st.last_attempt_at = Some(now);
        }
    }

    fn redispatch_at(self: &Arc<Self>, at: Instant) {
        let weak = Arc::downgrade(self);
        self.runtime.spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            if let Some(inner) = weak.upgrade() {
                let mut events = Events::new();
                let mut st = inner.lock();
                st.retry_scheduled = false;
                let n = inner.dispatch(&mut st, &mut events);
                drop(st);
                inner.finish(n, events);
            }
        });
    }

    /// After the lock is released: start `creations` attempts and emit `events`.
    pub(crate) fn finish(self: &Arc<Self>, creations: usize, events: Events) {
        for _ in 0..creations {
            let inner = self.clone();
            self.runtime.spawn(async move { inner.create_one().await });
        }
        if self.claim_ready.swap(false, Ordering::AcqRel) {
            if let Some(conn) = self.lock().claim_conn.take() {
                let inner = self.clone();
                self.runtime.spawn(async move { inner.claim(conn).await });
            }
        }
        self.emit_all(events);
    }

    pub(crate) async fn create_one(self: Arc<Self>) {
        let result = self.config.connect.open(&self.objects).await;
        let read_fleet = match &result {
            Ok((object, _, _)) => self.first_fleet_reading(object).await,
            Err(_) => false,
        };
        let mut events = Events::new();
        let mut st = self.lock();
        st.creating -= 1;
        match result {
            Ok((object, process_id, fate)) => self.adopt(&mut st, object, process_id, fate, &mut events),
            Err(error) => self.on_connect_failure(&mut st, error, &mut events),
        }
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        self.changed.notify_waiters();
        self.finish(n, events);
        if read_fleet {
            // Re-plan with the budget now that it is known.
            self.maintain();
        }
    }

    /// Until the first fleet reading the pool opens one connection only; that connection
    /// takes the reading before anyone gets it.
    async fn first_fleet_reading(&self, object: &Object) -> bool {
        let due = {
            let mut st = self.lock();
            let due = self.config.fleet_budget && !st.budget_known && !st.budget_checking;
            st.budget_checking |= due;
            due
        };
        if due {
            let snapshot = self.read_fleet(object).await;
            let mut events = Events::new();
            let mut st = self.lock();
            st.budget_checking = false;
            self.apply_fleet(&mut st, snapshot, &mut events);
            drop(st);
            self.emit_all(events);
        }
        due
    }

    fn adopt(
        self: &Arc<Self>,
        st: &mut PoolState,
        object: Object,
        process_id: i32,
        fate: Arc<crate::conn::driver::ConnectionFate>,
        events: &mut Events,
    ) {
        let now = clock::now();
        let id = self.next_connection_id.fetch_add(1, Ordering::Relaxed);
        let conn = PooledConnection {
            object,
            id,
            process_id,
            fate: fate.clone(),
            expires_at: expiry(now, self.config.max_lifetime, id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11),
            idle_since: now,
        };
        st.live += 1;
        st.created += 1;
        st.retry_at = None;
        if let Some(report) = st.health.on_connect_success() {
            events.push(PoolEvent::health(&report));
        }
        if self.wants(EventKind::Connect) {
            events.push(PoolEvent::Connect { connection_id: id, process_id });
        }
        let weak = Arc::downgrade(self);
        fate.watch(move |ending| {
            if let Some(inner) = weak.upgrade() {
                inner.connection_ended(id, ending);
            }
        });
        let for_claim = std::mem::take(&mut st.claim_conn_opening);
        if st.closed || st.live > st.target.max {
            let reason = if st.closed { RemoveReason::PoolEnded } else { RemoveReason::ScaleDown };
            self.retire(st, conn, reason, events);
        } else if for_claim && st.claim_due(now) {
            self.take_for_claim(st, conn);
        } else {
            st.idle.push_back(conn);
        }
    }

    fn on_connect_failure(self: &Arc<Self>, st: &mut PoolState, error: PoolError, events: &mut Events) {
        st.connect_failures += 1;
        st.claim_conn_opening = false;
        let open = st.live;
        if let Some(report) = st.health.on_connect_failure(error.clone(), open) {
            events.push(PoolEvent::health(&report));
            if report.state == HealthState::Down {
                self.start_sweeper(st);
            }
        }
        if let PoolError::ConnectFailed { kind: ConnectErrorKind::TooManyClients, .. } = error {
            // The server is full: back-pressure, not an outage (health stays `degraded`, callers
            // keep waiting within their deadline). Re-read the fleet budget at the next chance.
            st.server_full += 1;
            st.budget_checked_at = None;
        }
        let random = st.jitter.next_u64();
        st.retry_at = Some(clock::now() + backoff(st.health.consecutive_failures(), random));
        if let PoolError::ConnectFailed { kind: ConnectErrorKind::Auth, .. } = error {
            // Retrying cannot fix a wrong password: everyone waiting learns at once.
            if st.live == 0 {
                for waiter in st.queue.drain() {
                    st.shed += 1;
                    let _ = waiter.sender.send(Err(error.clone()));
                }
            }
        }
    }

    /// The driver of connection `id` ended: drop it if idle; a server shutdown evicts every
    /// idle connection, since they are all about to die.
    fn connection_ended(self: &Arc<Self>, id: u64, ending: &Ending) {
        let mut events = Events::new();
        let mut st = self.lock();
        if st.closed {
            return;
        }
        if let Some(pos) = st.idle.iter().position(|c| c.id == id) {
            let conn = st.idle.remove(pos).expect("position is in range");
            self.retire(&mut st, conn, RemoveReason::ClosedByServer, &mut events);
        }
        if ending.is_admin_shutdown() {
            while let Some(conn) = st.idle.pop_front() {
                self.retire(&mut st, conn, RemoveReason::AdminShutdown, &mut events);
            }
            let lost = PoolError::connection_lost(ending.message.clone(), ending.sqlstate.clone());
            if let Some(report) = st.health.on_server_ended_sessions(lost) {
                events.push(PoolEvent::health(&report));
            }
        }
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        self.finish(n, events);
    }

    /// Host `index` refused a write under a write target: closes its idle connections (reason
    /// `read_only`; those in use follow when released), reports `degraded` health until a
    /// connection to a writable host opens, and opens replacements for whoever waits.
    pub(crate) fn demote_host(self: &Arc<Self>, index: usize, error: PoolError) {
        let route = &self.config.connect.route;
        let newly = route.demote(index);
        let mut events = Events::new();
        let mut st = self.lock();
        if st.closed {
            return;
        }
        let mut kept = std::collections::VecDeque::with_capacity(st.idle.len());
        while let Some(conn) = st.idle.pop_front() {
            if conn.fate.host() == index {
                self.retire(&mut st, conn, RemoveReason::ReadOnly, &mut events);
            } else {
                kept.push_back(conn);
            }
        }
        st.idle = kept;
        if newly {
            if let Some(report) = st.health.on_server_ended_sessions(error) {
                events.push(PoolEvent::health(&report));
            }
        }
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        self.finish(n, events);
    }

    /// Takes a connection back from a lease.
    pub(crate) fn release(
        self: &Arc<Self>,
        mut conn: PooledConnection,
        slot: SlotKind,
        class: PriorityClass,
        held: Duration,
        fault: Option<RemoveReason>,
    ) {
        let mut events = Events::new();
        if self.wants(EventKind::Release) {
            events.push(PoolEvent::Release { connection_id: conn.id, held_micros: held.as_micros() as u64 });
        }
        let mut st = self.lock();
        st.slots.give_back(slot);
        st.in_use_by_class[class as usize] = st.in_use_by_class[class as usize].saturating_sub(1);
        st.lent.remove(&conn.id);
        let now = clock::now();
        conn.idle_since = now;
        let expired = conn.expires_at.is_some_and(|at| at <= now) && !st.wedding_day;
        let reason = if st.closed {
            Some(RemoveReason::PoolEnded)
        } else if self.config.connect.route.is_demoted(conn.fate.host()) {
            Some(RemoveReason::ReadOnly)
        } else if fault.is_some() || conn.is_dead() {
            Some(fault.unwrap_or(RemoveReason::Broken))
        } else if st.live > st.target.max {
            Some(RemoveReason::ScaleDown)
        } else if expired {
            Some(RemoveReason::MaxLifetime)
        } else {
            None
        };
        let mut fleet_reading = None;
        match reason {
            Some(reason) => self.retire(&mut st, conn, reason, &mut events),
            // Growth waits for a connection to claim with: under load, the first one back.
            None if st.idle.is_empty() && st.claim_due(now) => self.take_for_claim(&mut st, conn),
            // Under full load no connection is ever idle: a due fleet reading takes this one.
            None if st.idle.is_empty() && self.fleet_reading_due(&st, now) => {
                st.probing += 1;
                st.budget_checking = true;
                fleet_reading = Some(conn);
            }
            None => st.idle.push_back(conn),
        }
        let n = self.dispatch(&mut st, &mut events);
        let closing = st.closed;
        drop(st);
        if let Some(conn) = fleet_reading {
            let inner = self.clone();
            self.runtime.spawn(async move { inner.check_fleet(conn).await });
        }
        if closing {
            self.changed.notify_waiters();
        }
        self.finish(n, events);
    }

    /// Closes a connection that is no longer counted anywhere else, updating the counts.
    pub(crate) fn retire(&self, st: &mut PoolState, conn: PooledConnection, reason: RemoveReason, events: &mut Events) {
        st.live -= 1;
        st.removed += 1;
        *st.removed_by_reason.entry(reason).or_default() += 1;
        if self.wants(EventKind::Remove) {
            events.push(PoolEvent::Remove { connection_id: conn.id, process_id: conn.process_id, reason });
        }
        drop(Object::take(conn.object));
    }

    /// Starts the task that fails non-critical waiters while the database is down.
    pub(crate) fn start_sweeper(self: &Arc<Self>, st: &mut PoolState) {
        if st.sweeper_running {
            return;
        }
        st.sweeper_running = true;
        let weak = Arc::downgrade(self);
        let period = (self.config.unavailable_grace / 4).clamp(Duration::from_millis(10), Duration::from_millis(250));
        self.runtime.spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(inner) = weak.upgrade() else { return };
                if !inner.sweep_unavailable() {
                    return;
                }
            }
        });
    }

    /// Fails non-critical waiters that waited out the grace while the database is down.
    /// Returns whether the sweeper should keep running.
    fn sweep_unavailable(self: &Arc<Self>) -> bool {
        let mut st = self.lock();
        if st.closed || st.health.state() != HealthState::Down {
            st.sweeper_running = false;
            return false;
        }
        let grace = self.config.unavailable_grace;
        let down_for = clock::elapsed(st.health.entered());
        if down_for < grace {
            return true;
        }
        let cause = st.health.last_error().cloned().map(Box::new);
        let now = clock::now();
        let shed = st.queue.remove_where(|w| !w.wedding_critical && now.duration_since(w.enqueued_at) >= grace);
        st.shed += shed.len() as u64;
        for waiter in shed {
            let _ =
                waiter.sender.send(Err(PoolError::DatabaseUnavailable { down_for, last_connect_error: cause.clone() }));
        }
        true
    }

    pub(crate) fn wants(&self, kind: EventKind) -> bool {
        self.event_mask.load(Ordering::Relaxed) & kind as u32 != 0
    }

    pub(crate) fn emit_all(&self, events: Events) {
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
