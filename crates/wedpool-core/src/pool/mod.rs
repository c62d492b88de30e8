//! The engine. [`Pool`] is the public handle; its API is split by concern: `checkout`
//! (acquire, wait, cancel, ready), `query` (one statement), `planning` (calendar and scaling),
//! `shutdown` (end, drain), and stats and events here. The engine's steps run on
//! [`PoolInner`](crate::pool::inner::PoolInner): `handoff`, `opening`, `outage`, `maintenance`
//! and `claim`; all bookkeeping is in [`PoolState`] behind one lock that is never held across
//! an `.await`.

pub(crate) mod backoff;
mod checkout;
mod claim;
mod handoff;
pub(crate) mod inner;
pub(crate) mod lease;
mod maintenance;
mod opening;
mod outage;
pub(crate) mod outcome;
pub(crate) mod pipeline;
mod planning;
mod query;
mod shutdown;
pub(crate) mod state;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::admission::context::DatabaseContext;
use crate::admission::queue::Ticket;
use crate::clock::{self, CalendarClock};
use crate::config::options::PoolConfig;
use crate::conn::connect::ConnectSettings;
use crate::conn::connector::Connector;
use crate::observe::events::{EventSink, DEFAULT_EVENT_MASK};
use crate::observe::exposition::{render_text, MetricFamily};
use crate::observe::health::HealthReport;
use crate::observe::metrics::{families, MetricsInput};
use crate::observe::status::PoolStats;
use crate::pool::inner::PoolInner;
use crate::pool::lease::Lease;
use crate::pool::maintenance::spawn_maintenance;
use crate::pool::state::PoolState;

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
        Pool::start(config, None)
    }

    /// Like [`Pool::new`], with connections opened by `connector` instead of dialling the
    /// server (test doubles, in-process transports). Everything else — deadlines,
    /// `application_name`, classification of failures — stays as configured.
    ///
    /// # Panics
    /// When called outside a tokio runtime.
    pub fn with_connector(config: PoolConfig, connector: Arc<dyn Connector>) -> Pool {
        Pool::start(config, Some(connector))
    }

    fn start(config: PoolConfig, connector: Option<Arc<dyn Connector>>) -> Pool {
        let runtime = tokio::runtime::Handle::current();
        let connect = ConnectSettings::new(&config.connect, connector);
        let objects = connect.object_pool(config.scaling.target(None).max);
        let state = PoolState::new(&config, clock::now());
        let inner = Arc::new(PoolInner {
            config,
            connect,
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

    /// The pool now.
    pub fn stats(&self) -> PoolStats {
        self.inner.lock().snapshot()
    }

    /// Prometheus text exposition of the pool (rendered from [`Pool::metric_families`]).
    pub fn metrics(&self) -> String {
        render_text(&self.metric_families())
    }

    /// The pool's metric families as data: names, help, types, samples with labels.
    pub fn metric_families(&self) -> Vec<MetricFamily> {
        let st = self.inner.lock();
        families(&MetricsInput {
            pool: &self.inner.config.connect.app,
            stats: &st.snapshot(),
            health: st.recovery.health.state(),
            removed_by_reason: &st.counters.removed_by_reason,
            scale_events: st.counters.scale_events,
            waits: &st.counters.waits,
            claims: &st.counters.claims,
        })
    }

    /// This instance's share of the server's connections, once it has been read.
    pub fn fleet_budget(&self) -> Option<usize> {
        self.inner.lock().fleet.budget
    }

    /// The pool's view of the database.
    pub fn health(&self) -> HealthReport {
        self.inner.lock().recovery.health.report()
    }

    /// The priority `ctx` would get now.
    pub fn priority_of(&self, ctx: &DatabaseContext) -> i64 {
        ctx.priority(self.inner.lock().sizing.wedding_day)
    }
}
