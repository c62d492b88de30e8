//! Opening connections: one attempt per spawned task, the first fleet reading on the first
//! connection, and adopting a new connection into the pool.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use deadpool_postgres::Object;

use crate::clock;
use crate::conn::driver::ConnectionFate;
use crate::observe::events::{EventKind, PoolEvent};
use crate::observe::remove_reason::RemoveReason;
use crate::pool::backoff::expiry;
use crate::pool::inner::{Events, PoolInner};
use crate::pool::state::{PoolState, PooledConnection};

impl PoolInner {
    pub(crate) async fn create_one(self: Arc<Self>) {
        let result = self.connect.open(&self.objects).await;
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
            let due = self.config.fleet_budget && !st.fleet.known && !st.fleet.checking;
            st.fleet.checking |= due;
            due
        };
        if due {
            let snapshot = self.read_fleet(object).await;
            let mut events = Events::new();
            let mut st = self.lock();
            st.fleet.checking = false;
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
        fate: Arc<ConnectionFate>,
        events: &mut Events,
    ) {
        let now = clock::now();
        let id = self.next_connection_id.fetch_add(1, Ordering::Relaxed);
        let conn = PooledConnection {
            object: Box::new(object),
            id,
            process_id,
            fate: fate.clone(),
            expires_at: expiry(now, self.config.max_lifetime, id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11),
            idle_since: now,
        };
        st.live += 1;
        st.counters.created += 1;
        st.recovery.retry_at = None;
        if let Some(report) = st.recovery.health.on_connect_success() {
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
        let for_claim = std::mem::take(&mut st.claims.conn_opening);
        if st.closed || st.live > st.sizing.target.max {
            let reason = if st.closed { RemoveReason::PoolEnded } else { RemoveReason::ScaleDown };
            self.retire(st, conn, reason, events);
        } else if for_claim && st.claim_due(now) {
            self.take_for_claim(st, conn);
        } else {
            st.idle.push_back(conn);
        }
    }
}
