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
//! * fold the current demand into the traffic learner (one observation per calendar minute)
//!   and re-plan from the calendar, the forecast and the fleet budget;
//! * every `fleetBudget.refreshMillis`, read the server's connection slots on an idle
//!   connection ([`FLEET_SQL`]) and recompute this instance's share;
//! * refill towards min and the warm reserve.

use std::sync::{Arc, Weak};
use std::time::Instant;

use chrono::{DateTime, DurationRound, Utc};
use tokio_postgres::types::Type;

use crate::clock;
use crate::observe::events::PoolEvent;
use crate::observe::remove_reason::RemoveReason;
use crate::pool::inner::{Events, PoolInner};
use crate::pool::state::{PoolState, PooledConnection, JOINING_WINDOW};
use crate::scaling::fleet::{FleetSnapshot, FLEET_SQL};
use crate::scaling::planner::Planner;

/// How often the fleet budget is re-read while it is what keeps callers waiting (or keeps this
/// instance above its share), so that a start or a stop in the fleet is followed within a second.
const BUDGET_RECHECK_WHEN_LIMITING: std::time::Duration = std::time::Duration::from_millis(500);

/// Escapes `%`, `_` and `\` for a LIKE pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

impl PoolInner {
    /// One maintenance pass.
    pub(crate) fn maintain(self: &Arc<Self>) {
        let calendar_now = self.clock.now();
        let config = &self.config;
        let wedding_day = config.calendar.is_wedding_day(calendar_now);
        let mut events = Events::new();
        let mut st = self.lock();
        if st.closed {
            return;
        }
        st.sizing.wedding_day = wedding_day;
        self.observe_demand(&mut st, calendar_now);
        self.retarget(&mut st, calendar_now, &mut events);
        let now = clock::now();
        while st.live > st.sizing.target.max {
            let Some(conn) = st.idle.pop_front() else { break };
            self.retire(&mut st, conn, RemoveReason::ScaleDown, &mut events);
        }
        if !st.sizing.wedding_day {
            let (expired, kept): (Vec<_>, Vec<_>) =
                st.idle.drain(..).partition(|c| c.expires_at.is_some_and(|at| at <= now));
            st.idle.extend(kept);
            for conn in expired {
                self.retire(&mut st, conn, RemoveReason::MaxLifetime, &mut events);
            }
        }
        if let Some(idle_timeout) = self.config.idle_timeout {
            while st.live > st.reap_floor() {
                match st.idle.front() {
                    Some(oldest) if now.duration_since(oldest.idle_since) >= idle_timeout => {
                        let conn = st.idle.pop_front().expect("front exists");
                        self.retire(&mut st, conn, RemoveReason::IdleTimeout, &mut events);
                    }
                    _ => break,
                }
            }
        }
        let keepalive = self.config.keepalive;
        let (due, fresh): (Vec<_>, Vec<_>) =
            st.idle.drain(..).partition(|c| now.duration_since(c.idle_since) >= keepalive);
        st.idle.extend(fresh);
        st.probing += due.len();
        let fleet_conn = self.take_for_fleet_check(&mut st, now);
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        for conn in due {
            let inner = self.clone();
            self.runtime.spawn(async move { inner.probe(conn).await });
        }
        if let Some(conn) = fleet_conn {
            let inner = self.clone();
            self.runtime.spawn(async move { inner.check_fleet(conn).await });
        }
        self.finish(n, events);
    }

    /// Applies the planner's target for `calendar_now` (calendar, forecast, fleet budget).
    pub(crate) fn retarget(&self, st: &mut PoolState, calendar_now: DateTime<Utc>, events: &mut Events) {
        let config = &self.config;
        let target = Planner {
            policy: &config.scaling,
            calendar: &config.calendar,
            learner: &st.sizing.learner,
            budget: st.fleet.budget,
        }
        .target_at(calendar_now);
        if target.min != st.sizing.target.min || target.max != st.sizing.target.max {
            events.push(PoolEvent::Scale {
                from_min: st.sizing.target.min,
                from_max: st.sizing.target.max,
                to_min: target.min,
                to_max: target.max,
                multiplier: target.multiplier,
                reason: target.reason.clone(),
            });
            st.counters.scale_events += 1;
            st.slots.set_max(target.max);
            self.objects.resize(target.max.max(1));
        }
        st.sizing.target = target;
    }

    /// Folds the current demand into the minute's peak; a new calendar minute hands the
    /// previous one to the learner.
    fn observe_demand(&self, st: &mut PoolState, calendar_now: DateTime<Utc>) {
        let demand = st.demand();
        let minute = calendar_now.duration_trunc(chrono::Duration::minutes(1)).unwrap_or(calendar_now);
        match st.sizing.minute.take() {
            Some((m, mut peak)) if m == minute => {
                for (p, d) in peak.iter_mut().zip(demand) {
                    *p = p.max(d);
                }
                st.sizing.minute = Some((m, peak));
            }
            Some((m, peak)) => {
                st.sizing.learner.observe(m, peak);
                st.sizing.minute = Some((minute, demand));
            }
            None => st.sizing.minute = Some((minute, demand)),
        }
    }

    /// Reads [`FLEET_SQL`] on `conn`; `None` when the server does not answer in time.
    pub(crate) async fn read_fleet(&self, object: &deadpool_postgres::Object) -> Option<FleetSnapshot> {
        let prefix = format!("wedpool:{}:%", like_escape(&self.config.connect.app_tag));
        let mine = self.config.connect.application_name();
        let deadline = self.config.connect.connect_timeout;
        // One unnamed statement: it must also work through a transaction-mode pooler.
        let params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 2] =
            [(&prefix, Type::TEXT), (&mine, Type::TEXT)];
        let row = match tokio::time::timeout(deadline, object.query_typed(FLEET_SQL, &params)).await {
            Ok(Ok(rows)) => rows.into_iter().next()?,
            _ => return None,
        };
        let n = |name: &str| row.try_get::<_, i32>(name).map(|v| v.max(0) as usize).unwrap_or(0);
        Some(FleetSnapshot {
            max_connections: n("max_connections"),
            superuser_reserved: n("superuser_reserved"),
            reserved: n("reserved"),
            others: n("others"),
            ours: n("ours"),
            mine: n("mine"),
            instances: n("instances").max(1),
            rank: n("rank"),
            pending: n("pending"),
        })
    }

    /// Records a reading — the fair share, or no limit when the server could not tell — and
    /// applies it to the target at once, before any more connections are opened. For
    /// [`JOINING_WINDOW`] after an instance appears, shares keep a quarter of the slots free for
    /// the first connections of instances still starting.
    pub(crate) fn apply_fleet(&self, st: &mut PoolState, snapshot: Option<FleetSnapshot>, events: &mut Events) {
        let now = clock::now();
        st.fleet.checked_at = Some(now);
        st.fleet.known = true;
        if let Some(s) = snapshot {
            if s.instances > st.fleet.instances_seen {
                // An instance appeared (or this one started): more may be starting right now.
                st.fleet.joining_until = Some(now + JOINING_WINDOW);
            }
            st.fleet.instances_seen = s.instances;
            let joining = st.fleet.joining_until.is_some_and(|until| now < until);
            let margin = self.config.fleet_margin;
            st.fleet.margin_now = if joining { s.joining_margin(margin) } else { margin };
        }
        st.fleet.budget = snapshot.map(|s| s.fair_share(st.fleet.margin_now));
        self.retarget(st, self.clock.now(), events);
    }

    /// Whether a fleet reading is due (and none is in flight): every `refreshMillis`, and every
    /// second while the budget is what keeps waiting callers from getting a connection.
    pub(crate) fn fleet_reading_due(&self, st: &PoolState, now: Instant) -> bool {
        if !self.config.fleet_budget || st.fleet.checking {
            return false;
        }
        let Some(at) = st.fleet.checked_at else { return true };
        let held_back =
            !st.queue.is_empty() && st.fleet.budget.is_some_and(|b| b <= st.sizing.target.max && st.live >= b);
        let every = if held_back {
            self.config.fleet_refresh.min(BUDGET_RECHECK_WHEN_LIMITING)
        } else {
            self.config.fleet_refresh
        };
        now.duration_since(at) >= every
    }

    /// An idle connection to read the fleet budget with, when a reading is due. (Under full
    /// load there is none; a released connection takes the reading then, see `release`.)
    fn take_for_fleet_check(&self, st: &mut PoolState, now: Instant) -> Option<PooledConnection> {
        if !self.fleet_reading_due(st, now) {
            return None;
        }
        let conn = st.idle.pop_back()?;
        st.probing += 1;
        st.fleet.checking = true;
        Some(conn)
    }

    /// Reads [`FLEET_SQL`] and sets this instance's share, then re-plans.
    pub(crate) async fn check_fleet(self: Arc<Self>, mut conn: PooledConnection) {
        let snapshot = self.read_fleet(&conn.object).await;
        let mut events = Events::new();
        let mut st = self.lock();
        st.probing -= 1;
        st.fleet.checking = false;
        self.apply_fleet(&mut st, snapshot, &mut events);
        if st.closed || conn.is_dead() {
            let reason = if st.closed { RemoveReason::PoolEnded } else { RemoveReason::Broken };
            self.retire(&mut st, conn, reason, &mut events);
        } else {
            conn.idle_since = clock::now();
            st.idle.push_back(conn);
        }
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        self.finish(n, events);
        self.maintain();
    }

    async fn probe(self: Arc<Self>, mut conn: PooledConnection) {
        let deadline = self.config.connect.connect_timeout;
        let alive = matches!(tokio::time::timeout(deadline, conn.object.simple_query("")).await, Ok(Ok(_)));
        let mut events = Events::new();
        let mut st = self.lock();
        st.probing -= 1;
        if !alive || conn.is_dead() {
            self.retire(&mut st, conn, RemoveReason::KeepaliveFailed, &mut events);
        } else if st.closed {
            self.retire(&mut st, conn, RemoveReason::PoolEnded, &mut events);
        } else {
            conn.idle_since = clock::now();
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
