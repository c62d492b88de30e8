//! How the engine reacts when the database fails it: failed attempts (backoff, health, a
//! rejected password, a full server), connections the server ends, a host that turned
//! read-only, and shedding non-critical waiters once the database has been down for the grace.

use std::sync::Arc;
use std::time::Duration;

use crate::clock;
use crate::conn::driver::Ending;
use crate::error::{ConnectErrorKind, PoolError};
use crate::observe::events::PoolEvent;
use crate::observe::health::HealthState;
use crate::observe::remove_reason::RemoveReason;
use crate::pool::backoff::backoff;
use crate::pool::inner::{Events, PoolInner};
use crate::pool::state::PoolState;

impl PoolInner {
    pub(crate) fn on_connect_failure(self: &Arc<Self>, st: &mut PoolState, error: PoolError, events: &mut Events) {
        st.counters.connect_failures += 1;
        st.claims.conn_opening = false;
        let open = st.live;
        if let Some(report) = st.recovery.health.on_connect_failure(error.clone(), open) {
            events.push(PoolEvent::health(&report));
            if report.state == HealthState::Down {
                self.start_sweeper(st);
            }
        }
        if let PoolError::ConnectFailed { kind: ConnectErrorKind::TooManyClients, .. } = error {
            // The server is full: back-pressure, not an outage (health stays `degraded`, callers
            // keep waiting within their deadline). Re-read the fleet budget at the next chance.
            st.counters.server_full += 1;
            st.fleet.checked_at = None;
        }
        let random = st.recovery.jitter.next_u64();
        st.recovery.retry_at = Some(clock::now() + backoff(st.recovery.health.consecutive_failures(), random));
        if let PoolError::ConnectFailed { kind: ConnectErrorKind::Auth, .. } = error {
            // Retrying cannot fix a wrong password: everyone waiting learns at once.
            if st.live == 0 {
                for waiter in st.queue.drain() {
                    st.counters.shed += 1;
                    let _ = waiter.sender.send(Err(error.clone()));
                }
            }
        }
    }

    /// The driver of connection `id` ended: drop it if idle; a server shutdown evicts every
    /// idle connection, since they are all about to die.
    pub(crate) fn connection_ended(self: &Arc<Self>, id: u64, ending: &Ending) {
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
            if let Some(report) = st.recovery.health.on_server_ended_sessions(lost) {
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
        let route = &self.connect.route;
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
            if let Some(report) = st.recovery.health.on_server_ended_sessions(error) {
                events.push(PoolEvent::health(&report));
            }
        }
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        self.finish(n, events);
    }

    /// Starts the task that fails non-critical waiters while the database is down.
    pub(crate) fn start_sweeper(self: &Arc<Self>, st: &mut PoolState) {
        if st.recovery.sweeper_running {
            return;
        }
        st.recovery.sweeper_running = true;
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
        if st.closed || st.recovery.health.state() != HealthState::Down {
            st.recovery.sweeper_running = false;
            return false;
        }
        let grace = self.config.unavailable_grace;
        let down_for = clock::elapsed(st.recovery.health.entered());
        if down_for < grace {
            return true;
        }
        let cause = st.recovery.health.last_error().cloned().map(Box::new);
        let now = clock::now();
        let shed = st.queue.remove_where(|w| !w.wedding_critical && now.duration_since(w.enqueued_at) >= grace);
        st.counters.shed += shed.len() as u64;
        for waiter in shed {
            let _ =
                waiter.sender.send(Err(PoolError::DatabaseUnavailable { down_for, last_connect_error: cause.clone() }));
        }
        true
    }
}
