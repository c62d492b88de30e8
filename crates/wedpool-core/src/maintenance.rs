//! Periodic upkeep, run every `maintenanceIntervalMillis` by a task that holds only a weak
//! reference to the pool (it ends when the pool is dropped or ended), and at once when the
//! calendar clock is set:
//!
//! * re-evaluate the wedding calendar and apply the scaling target (`scale` event);
//! * retire idle connections above max, idle too long above the floor, or past their max
//!   lifetime (lifetime rotation pauses on wedding days);
//! * probe idle connections unused for `keepaliveMillis` with an empty statement — the
//!   cheapest round trip PostgreSQL has: the simple query `""` answered by
//!   `EmptyQueryResponse` — and retire those that do not answer within the connect timeout;
//! * refill towards min and the warm reserve.

use std::sync::{Arc, Weak};
use std::time::Instant;

use crate::events::PoolEvent;
use crate::inner::{Events, PoolInner};
use crate::state::PooledConnection;

impl PoolInner {
    /// One maintenance pass.
    pub(crate) fn maintain(self: &Arc<Self>) {
        let calendar_now = self.clock.now();
        let calendar = &self.config.calendar;
        let target = self.config.scaling.target(calendar.window_at(calendar_now).as_ref());
        let wedding_day = calendar.is_wedding_day(calendar_now);
        let mut events = Events::new();
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
            self.retire(&mut st, conn, "scale_down", &mut events);
        }
        if !st.wedding_day {
            let (expired, kept): (Vec<_>, Vec<_>) =
                st.idle.drain(..).partition(|c| c.expires_at.is_some_and(|at| at <= now));
            st.idle.extend(kept);
            for conn in expired {
                self.retire(&mut st, conn, "max_lifetime", &mut events);
            }
        }
        if let Some(idle_timeout) = self.config.idle_timeout {
            while st.live > st.reap_floor() {
                match st.idle.front() {
                    Some(oldest) if now.duration_since(oldest.idle_since) >= idle_timeout => {
                        let conn = st.idle.pop_front().expect("front exists");
                        self.retire(&mut st, conn, "idle_timeout", &mut events);
                    }
                    _ => break,
                }
            }
        }
        let keepalive = self.config.keepalive;
        let (due, fresh): (Vec<_>, Vec<_>) = st.idle.drain(..).partition(|c| now.duration_since(c.idle_since) >= keepalive);
        st.idle.extend(fresh);
        st.probing += due.len();
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        for conn in due {
            let inner = self.clone();
            self.runtime.spawn(async move { inner.probe(conn).await });
        }
        self.finish(n, events);
    }

    async fn probe(self: Arc<Self>, mut conn: PooledConnection) {
        let deadline = self.config.connect.connect_timeout;
        let alive = matches!(tokio::time::timeout(deadline, conn.object.simple_query("")).await, Ok(Ok(_)));
        let mut events = Events::new();
        let mut st = self.lock();
        st.probing -= 1;
        if !alive || conn.is_dead() {
            self.retire(&mut st, conn, "keepalive_failed", &mut events);
        } else if st.closed {
            self.retire(&mut st, conn, "pool_ended", &mut events);
        } else {
            conn.idle_since = Instant::now();
            // Probed connections go to the cold end: recently used ones are handed out first.
            st.idle.push_front(conn);
        }
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        self.finish(n, events);
    }
}

/// Runs [`PoolInner::maintain`] periodically while the pool exists and is open.
pub(crate) fn spawn_maintenance(inner: &Arc<PoolInner>) {
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
