//! The pool's bookkeeping, changed only while its lock is held and never across an `.await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Object;
use tokio::sync::oneshot;

use crate::admission::priority_class::PriorityClass;
use crate::admission::queue::{Ticket, WaitQueue};
use crate::admission::reservation::{Reservations, SlotKind};
use crate::conn::driver::ConnectionFate;
use crate::error::{ConnectErrorKind, PoolError};
use crate::observe::health::HealthMonitor;
use crate::observe::metrics::{ClaimStats, WaitHistogram};
use crate::observe::remove_reason::RemoveReason;
use crate::observe::status::{PoolStats, ReservedStats};
use crate::pool::backoff::Jitter;
use crate::pool::lease::Lease;
use crate::scaling::learner::{Demand, TrafficLearner};
use crate::scaling::policy::ScalingTarget;

/// How long after an instance appears (this one included) the fleet keeps room for more.
pub const JOINING_WINDOW: Duration = Duration::from_secs(3);

/// How long a due claim waits for one of the pool's connections to come back before the pool
/// opens one connection unclaimed to run the claim on (every connection is held — by callers
/// that are themselves waiting for more, say); the safety margin absorbs it.
pub const CLAIM_STARVED_AFTER: Duration = Duration::from_millis(100);

/// Shortest time between two connection attempts started early by a newcomer during backoff.
pub const EARLY_ATTEMPT_SPACING: Duration = Duration::from_millis(250);

/// An open connection owned by the pool.
pub struct PooledConnection {
    /// The deadpool object (a tokio-postgres client with a statement cache).
    pub object: Object,
    /// The pool's id for it.
    pub id: u64,
    /// The server's backend process id.
    pub process_id: i32,
    /// How its driver task ended, once it has; also its cancel token and abort handle.
    pub fate: Arc<ConnectionFate>,
    /// When it should be retired (max lifetime with jitter); `None`: never.
    pub expires_at: Option<Instant>,
    /// When it last became idle.
    pub idle_since: Instant,
}

impl PooledConnection {
    /// Whether its connection has ended (server closed it, socket error).
    pub fn is_dead(&self) -> bool {
        self.object.is_closed() || self.fate.ending().is_some()
    }
}

/// A queued caller.
pub struct Waiter {
    /// Where its connection (or error) goes.
    pub sender: oneshot::Sender<Result<Lease, PoolError>>,
    /// Its priority.
    pub priority: i64,
    /// Whether it is wedding-critical (keeps waiting while the database is down).
    pub wedding_critical: bool,
    /// Its class, for demand learning and wait metrics.
    pub class: PriorityClass,
    /// When it started waiting.
    pub enqueued_at: Instant,
}

/// Everything the lock protects.
pub struct PoolState {
    /// `end()` was called.
    pub closed: bool,
    /// Callers waiting for a connection.
    pub queue: WaitQueue<Waiter>,
    /// Receivers of queued callers until they start waiting.
    pub receivers: HashMap<Ticket, oneshot::Receiver<Result<Lease, PoolError>>>,
    /// Slot accounting, including the emergency reserve.
    pub slots: Reservations,
    /// Idle connections; the back is the most recently used (handed out first).
    pub idle: VecDeque<PooledConnection>,
    /// Connections held by callers, by id, so `end()` can stop their work at its deadline.
    pub lent: HashMap<u64, Arc<ConnectionFate>>,
    /// Open connections: idle, lent or being probed.
    pub live: usize,
    /// Connections being opened.
    pub creating: usize,
    /// Idle connections taken out for a keepalive probe.
    pub probing: usize,
    /// Current min, max and reason.
    pub target: ScalingTarget,
    /// Whether today is a wedding day, as last evaluated.
    pub wedding_day: bool,
    /// Connections handed out.
    pub acquired: u64,
    /// Acquires that timed out.
    pub timeouts: u64,
    /// Callers shed because the queue was full or the database was down.
    pub shed: u64,
    /// Connections opened.
    pub created: u64,
    /// Connections closed.
    pub removed: u64,
    /// Failed connection attempts.
    pub connect_failures: u64,
    /// Outage detection.
    pub health: HealthMonitor,
    /// No new attempt before this instant (backoff after failures).
    pub retry_at: Option<Instant>,
    /// When the last connection attempt started.
    pub last_attempt_at: Option<Instant>,
    /// A timer will re-dispatch at `retry_at`.
    pub retry_scheduled: bool,
    /// The task failing non-critical waiters while the database is down is running.
    pub sweeper_running: bool,
    /// Connections held, per class.
    pub in_use_by_class: [usize; 3],
    /// Learned demand by hour of week.
    pub learner: TrafficLearner,
    /// The calendar minute being observed, and its demand peak so far.
    pub minute: Option<(chrono::DateTime<chrono::Utc>, Demand)>,
    /// Acquire waits per class.
    pub waits: WaitHistogram,
    /// Connections closed, by reason.
    pub removed_by_reason: BTreeMap<RemoveReason, u64>,
    /// Changes of the scaling target.
    pub scale_events: u64,
    /// This instance's share of the server, once read.
    pub budget: Option<usize>,
    /// When the share was last read.
    pub budget_checked_at: Option<Instant>,
    /// A share reading is in flight.
    pub budget_checking: bool,
    /// The first reading is done (until then the pool opens one connection only).
    pub budget_known: bool,
    /// Openings beyond the first go through the fleet's claim protocol (fleet budget on).
    pub claims_on: bool,
    /// A claim is in flight (its connection is out of the idle list, counted in `probing`).
    pub claiming: bool,
    /// A connection taken for a claim, waiting for the claim task to start.
    pub claim_conn: Option<PooledConnection>,
    /// No claim before this instant (the last one found no room, or failed).
    pub claim_after: Option<Instant>,
    /// Since when a claim has been due with no connection to run it on (all are held).
    pub claim_starved_since: Option<Instant>,
    /// A connection is being opened (unclaimed) to run a starved claim on.
    pub claim_conn_opening: bool,
    /// Instances of this application in the last reading.
    pub fleet_instances_seen: usize,
    /// Until when the fleet counts as joining (an instance appeared in the last
    /// [`JOINING_WINDOW`]): shares then leave a quarter of the slots free.
    pub fleet_joining_until: Option<Instant>,
    /// The margin the last reading used (the safety margin, or the larger joining margin).
    pub fleet_margin_now: usize,
    /// What claims cost so far.
    pub claim_stats: ClaimStats,
    /// This pool's random source for backoff jitter.
    pub jitter: Jitter,
    /// Connection attempts refused because the server was full (53300).
    pub server_full: u64,
}

impl PoolState {
    /// Connections held by callers.
    pub fn in_use(&self) -> usize {
        self.slots.in_use()
    }

    /// The best waiter that can be served now, and the slot it would take.
    pub fn next_servable(&self) -> Option<(Ticket, SlotKind)> {
        let best = self.queue.best()?;
        if let Some(slot) = self.slots.available_for(best.may_use_reserve) {
            return Some((best.ticket, slot));
        }
        let eligible = self.queue.best_reserve_eligible()?;
        self.slots.available_for(true).map(|slot| (eligible.ticket, slot))
    }

    /// Whether a queued caller could use `slot`; a newcomer must not take it then.
    pub fn waiter_could_use(&self, slot: SlotKind) -> bool {
        match slot {
            SlotKind::Normal => !self.queue.is_empty(),
            SlotKind::Reserved => self.queue.reserve_eligible_len() > 0,
        }
    }

    /// How many connections should be open: the callers holding one, the waiters that could be
    /// served, and warm connections for every free emergency slot; at least min, at most max.
    pub fn desired_live(&self) -> usize {
        let servable_waiters = self.queue.len().min(self.slots.free_normal());
        let wanted = self.in_use() + servable_waiters + self.slots.free_reserved();
        wanted.max(self.target.min).min(self.target.max)
    }

    /// How many connection attempts to start now without a claim (0 while backing off or
    /// closed). With claims on, only the first connection opens this way (there is nothing to
    /// claim with before it); the others wait for [`PoolState::claim_due`].
    pub fn creations_needed(&self, now: Instant) -> usize {
        let wanted = self.openings_wanted(now);
        if !self.claims_on {
            return wanted;
        }
        let starved = self.claim_starved_since.is_some_and(|at| now.duration_since(at) >= CLAIM_STARVED_AFTER);
        let unclaimed = usize::from(starved && !self.claim_conn_opening);
        wanted.min(1usize.saturating_sub(self.live + self.creating).max(unclaimed))
    }

    /// Whether a claim should start: claims are on, the first reading is done, a connection
    /// exists to claim with, none is in flight, and more connections are wanted.
    pub fn claim_due(&self, now: Instant) -> bool {
        self.claims_on
            && self.budget_known
            && !self.claiming
            && self.live > 0
            && self.claim_after.is_none_or(|at| now >= at)
            && self.openings_wanted(now) > 0
    }

    /// How many more connections are wanted now (0 while backing off or closed).
    pub fn openings_wanted(&self, now: Instant) -> usize {
        if self.closed || self.backing_off(now) {
            return 0;
        }
        let wanted = self.desired_live().saturating_sub(self.live + self.creating);
        if self.budget_known {
            wanted
        } else {
            // Until the first fleet reading, open one connection only: it takes the reading.
            wanted.min(1usize.saturating_sub(self.live + self.creating))
        }
    }

    /// Whether a failed attempt's backoff is still running.
    pub fn backing_off(&self, now: Instant) -> bool {
        self.retry_at.is_some_and(|at| now < at)
    }

    /// Whether attempts are wanted but held back by the backoff.
    pub fn waiting_for_backoff(&self, now: Instant) -> bool {
        !self.closed && self.backing_off(now) && self.desired_live() > self.live + self.creating
    }

    /// Whether a newcomer may start one attempt before the backoff ends: nothing is open or
    /// being opened, the failures were not of a kind retrying cannot fix (authentication,
    /// server full), and no early attempt started in the last [`EARLY_ATTEMPT_SPACING`]. This
    /// is what lets the first query after an outage succeed without waiting out the backoff.
    pub fn may_attempt_early(&self, now: Instant) -> bool {
        let retry_helps = !matches!(
            self.health.last_error(),
            Some(PoolError::ConnectFailed { kind: ConnectErrorKind::Auth | ConnectErrorKind::TooManyClients, .. })
        );
        !self.closed
            && self.backing_off(now)
            && self.creating == 0
            && !(self.claims_on && self.live > 0)
            && self.idle.is_empty()
            && retry_helps
            && self.last_attempt_at.is_none_or(|at| now.duration_since(at) >= EARLY_ATTEMPT_SPACING)
    }

    /// The floor idle reaping keeps: min, plus warm connections for the free emergency slots.
    pub fn reap_floor(&self) -> usize {
        self.target.min.max(self.in_use() + self.slots.free_reserved())
    }

    /// Demand now: connections held plus callers waiting, per class.
    pub fn demand(&self) -> Demand {
        let mut demand = self.in_use_by_class.map(|n| n as f64);
        for waiter in self.queue.values() {
            demand[waiter.class as usize] += 1.0;
        }
        demand
    }

    /// A snapshot for `stats()` and diagnostics.
    pub fn snapshot(&self) -> PoolStats {
        PoolStats {
            size: self.live,
            idle: self.idle.len(),
            in_use: self.in_use(),
            waiting: self.queue.len(),
            pending: self.creating,
            min_size: self.target.min,
            max_size: self.target.max,
            reserved: ReservedStats {
                size: self.slots.reserve(),
                idle: self.slots.free_reserved().min(self.idle.len()),
                in_use: self.slots.reserved_in_use(),
            },
            wedding_day: self.wedding_day,
            multiplier: self.target.multiplier,
            reason: self.target.reason.clone(),
            acquired: self.acquired,
            timeouts: self.timeouts,
            shed: self.shed,
            created: self.created,
            removed: self.removed,
            connect_failures: self.connect_failures,
            server_full: self.server_full,
            budget: self.budget,
        }
    }
}
