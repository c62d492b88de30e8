//! Hand-off: idle connections to newcomers and to the best servable waiters, connections back
//! from leases, and closing the ones that are not kept. Each step runs under the lock and
//! says how many connections to open.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Object;

use crate::admission::context::DatabaseContext;
use crate::admission::priority_class::PriorityClass;
use crate::admission::reservation::SlotKind;
use crate::clock;
use crate::observe::events::{EventKind, PoolEvent};
use crate::observe::remove_reason::RemoveReason;
use crate::pool::inner::{Events, PoolInner};
use crate::pool::lease::Lease;
use crate::pool::state::{Grant, PoolState, PooledConnection, CLAIM_STARVED_AFTER};

impl PoolInner {
    /// The fast path: an idle connection for a newcomer when no queued caller could use it.
    pub(crate) fn take_idle_now(
        self: &Arc<Self>,
        st: &mut PoolState,
        ctx: &DatabaseContext,
        events: &mut Events,
    ) -> Option<Lease> {
        let slot = st.slots.available_for(ctx.may_use_reserve(st.sizing.wedding_day))?;
        if st.waiter_could_use(slot) {
            return None;
        }
        let conn = self.pop_idle(st, events)?;
        let priority = ctx.priority(st.sizing.wedding_day);
        let class = PriorityClass::of(ctx, st.sizing.wedding_day);
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
        st.counters.acquired += 1;
        st.in_use_by_class[class as usize] += 1;
        st.counters.waits.record(class, waited.as_secs_f64());
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
        st.counters.acquired -= 1;
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
            if let Err(Ok(Grant::Lease(lease))) = waiter.sender.send(Ok(Grant::Lease(lease))) {
                // The caller gave up just now: the connection stays idle.
                let (conn, slot) = lease.into_parts();
                self.unlend(st, conn, slot, waiter.class);
                events.truncate(events_before);
            }
        }
        let now = clock::now();
        if st.waiting_for_backoff(now) && !st.recovery.retry_scheduled {
            st.recovery.retry_scheduled = true;
            self.redispatch_at(st.recovery.retry_at.unwrap_or(now));
        }
        let n = st.creations_needed(now);
        self.count_attempts(st, n, now);
        if n > 0 && st.claims.on && st.live > 0 {
            // No connection came back in time: this one opens unclaimed and runs the claim.
            st.claims.conn_opening = true;
        }
        if st.claim_due(now) {
            if let Some(conn) = self.pop_idle(st, events) {
                self.take_for_claim(st, conn);
            } else if st.claims.starved_since.is_none() {
                // Every connection is held: the next one back runs the claim (see `release`);
                // if none comes back in time, one connection opens unclaimed.
                st.claims.starved_since = Some(now);
                self.redispatch_at(now + CLAIM_STARVED_AFTER);
            }
        } else if !st.claims.running {
            st.claims.starved_since = None;
        }
        if let Some(at) = st.claim_paused_until(now) {
            // Claim again as soon as the pause ends, not at the next maintenance pass.
            if !std::mem::replace(&mut st.claims.wake_scheduled, true) {
                self.redispatch_at(at);
            }
        }
        n
    }

    /// Sets `conn` aside for a claim; `finish` starts the claim once the lock is released.
    pub(crate) fn take_for_claim(&self, st: &mut PoolState, conn: PooledConnection) {
        st.claims.running = true;
        st.claims.starved_since = None;
        st.probing += 1;
        st.claims.conn = Some(conn);
        self.claim_ready.store(true, Ordering::Release);
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
        let expired = conn.expires_at.is_some_and(|at| at <= now) && !st.sizing.wedding_day;
        let reason = if st.closed {
            Some(RemoveReason::PoolEnded)
        } else if self.connect.route.is_demoted(conn.fate.host()) {
            Some(RemoveReason::ReadOnly)
        } else if fault.is_some() || conn.is_dead() {
            Some(fault.unwrap_or(RemoveReason::Broken))
        } else if st.live > st.sizing.target.max {
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
                st.fleet.checking = true;
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
        st.counters.count_removal(reason);
        if self.wants(EventKind::Remove) {
            events.push(PoolEvent::Remove { connection_id: conn.id, process_id: conn.process_id, reason });
        }
        drop(Object::take(*conn.object));
    }
}
