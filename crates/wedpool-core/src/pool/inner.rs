//! The engine's shared internals ([`PoolInner`]) and the discipline every step follows: take
//! the lock, update [`PoolState`], release the lock, then start tasks ([`PoolInner::finish`])
//! and emit events. The steps live by concern: `handoff` (who gets a connection, returns),
//! `opening` (new connections), `outage` (failures and connections the server ends),
//! `maintenance` (periodic upkeep) and `claim` (the fleet's claim protocol).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use tokio::sync::Notify;

use crate::clock::CalendarClock;
use crate::config::options::PoolConfig;
use crate::conn::connect::ConnectSettings;
use crate::observe::events::{EventKind, EventSink, PoolEvent};
use crate::pool::state::PoolState;

/// Shared internals; leases and tasks hold it.
pub struct PoolInner {
    pub(crate) config: PoolConfig,
    /// Opens connections as `config.connect` describes, through the pool's connector.
    pub(crate) connect: ConnectSettings,
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

    /// Counts `n` attempts as started (the caller spawns them after the lock is released).
    pub(crate) fn count_attempts(&self, st: &mut PoolState, n: usize, now: Instant) {
        if n > 0 {
            st.creating += n;
            st.recovery.last_attempt_at = Some(now);
        }
    }

    pub(crate) fn redispatch_at(self: &Arc<Self>, at: Instant) {
        let weak = Arc::downgrade(self);
        self.runtime.spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            if let Some(inner) = weak.upgrade() {
                let mut events = Events::new();
                let mut st = inner.lock();
                // Whatever this timer was for, dispatch re-arms the timers still needed.
                st.recovery.retry_scheduled = false;
                st.claims.wake_scheduled = false;
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
            if let Some(conn) = self.lock().claims.conn.take() {
                let inner = self.clone();
                self.runtime.spawn(async move { inner.claim(conn).await });
            }
        }
        self.emit_all(events);
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
