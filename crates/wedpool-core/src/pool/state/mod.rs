//! The pool's bookkeeping, changed only while its lock is held and never across an `.await`.
//! [`PoolState`] holds the connections and the queue itself; its parts hold the rest by
//! concern: [`Sizing`] (targets), [`Recovery`] (health and backoff), [`FleetReading`] and
//! [`Claims`] (the fleet budget), [`Counters`] (stats).

mod counters;
mod fleet;
mod id_map;
mod pooled_connection;
mod recovery;
mod sizing;
mod waiter;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::admission::queue::{Ticket, WaitQueue};
use crate::admission::reservation::{Reservations, SlotKind};
use crate::config::options::PoolConfig;
use crate::conn::driver::ConnectionFate;
use crate::error::{ConnectErrorKind, PoolError};
use crate::observe::status::{PoolStats, ReservedStats};
use crate::pool::pipeline::Pipeline;
use crate::scaling::learner::{Demand, TrafficLearner};

pub use counters::Counters;
pub use fleet::{Claims, FleetReading, JOINING_WINDOW};
pub use id_map::IdMap;
pub use pooled_connection::PooledConnection;
pub use recovery::Recovery;
pub use sizing::Sizing;
pub use waiter::{Grant, Handover, Waiter};

/// How long a due claim waits for one of the pool's connections to come back before the pool
/// opens one connection unclaimed to run the claim on (every connection is held — by callers
/// that are themselves waiting for more, say); the safety margin absorbs it.
pub const CLAIM_STARVED_AFTER: Duration = Duration::from_millis(100);

/// Shortest time between two connection attempts started early by a newcomer during backoff.
pub const EARLY_ATTEMPT_SPACING: Duration = Duration::from_millis(250);

/// Everything the lock protects.
pub struct PoolState {
    /// `end()` was called.
    pub closed: bool,
    /// Callers waiting for a connection.
    pub queue: WaitQueue<Waiter>,
    /// Receivers of queued callers until they start waiting.
    pub receivers: IdMap<oneshot::Receiver<Handover>>,
    /// Slot accounting, including the emergency reserve.
    pub slots: Reservations,
    /// Idle connections; the back is the most recently used (handed out first).
    pub idle: VecDeque<PooledConnection>,
    /// Connections held by callers, by id, so `end()` can stop their work at its deadline.
    pub lent: IdMap<Arc<ConnectionFate>>,
    /// Open connections: idle, lent or being probed.
    pub live: usize,
    /// Connections being opened.
    pub creating: usize,
    /// Idle connections taken out for a keepalive probe, a fleet reading or a claim.
    pub probing: usize,
    /// Connections held, per class.
    pub in_use_by_class: [usize; 3],
    /// Targets and demand.
    pub sizing: Sizing,
    /// Health and backoff.
    pub recovery: Recovery,
    /// The fleet budget.
    pub fleet: FleetReading,
    /// The fleet's claim protocol.
    pub claims: Claims,
    /// Stats.
    pub counters: Counters,
    /// Connections shared by pipelined `Pool::query` statements (see `pool::pipeline`).
    pub(crate) pipelines: Vec<Arc<Pipeline>>,
}

impl PoolState {
    /// The state of a new pool with `config`, at `now`.
    pub fn new(config: &PoolConfig, now: Instant) -> Self {
        let target = config.scaling.target(None);
        PoolState {
            closed: false,
            queue: WaitQueue::new(config.priority_aging_per_second, now),
            receivers: IdMap::default(),
            slots: Reservations::new(target.max, config.reserve),
            idle: VecDeque::new(),
            lent: IdMap::default(),
            live: 0,
            creating: 0,
            probing: 0,
            in_use_by_class: [0; 3],
            sizing: Sizing::new(target, TrafficLearner::new(config.calendar.all_timezones(), config.profile_alpha)),
            recovery: Recovery::default(),
            fleet: FleetReading::new(config.fleet_budget, config.fleet_margin),
            // Pending claims are session locks: not through a transaction-mode pooler.
            claims: Claims { on: config.fleet_budget && config.prepare, ..Claims::default() },
            counters: Counters::default(),
            pipelines: Vec::new(),
        }
    }

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
        wanted.max(self.sizing.target.min).min(self.sizing.target.max)
    }

    /// How many connection attempts to start now without a claim (0 while backing off or
    /// closed). With claims on, only the first connection opens this way (there is nothing to
    /// claim with before it); the others wait for [`PoolState::claim_due`].
    pub fn creations_needed(&self, now: Instant) -> usize {
        let wanted = self.openings_wanted(now);
        if !self.claims.on {
            return wanted;
        }
        let starved = self.claims.starved_since.is_some_and(|at| now.duration_since(at) >= CLAIM_STARVED_AFTER);
        let unclaimed = usize::from(starved && !self.claims.conn_opening);
        wanted.min(1usize.saturating_sub(self.live + self.creating).max(unclaimed))
    }

    /// Whether a claim should start: claims are on, the first reading is done, a connection
    /// exists to claim with, none is in flight, and more connections are wanted.
    pub fn claim_due(&self, now: Instant) -> bool {
        self.claims.on
            && self.fleet.known
            && !self.claims.running
            && self.live > 0
            && self.claims.after.is_none_or(|at| now >= at)
            && self.openings_wanted(now) > 0
    }

    /// When a claim held back only by the pause after the last one (`claims.after`) becomes
    /// due; `None` when none is held back that way.
    pub fn claim_paused_until(&self, now: Instant) -> Option<Instant> {
        let at = self.claims.after.filter(|at| now < *at)?;
        let due_then = self.claims.on
            && self.fleet.known
            && !self.claims.running
            && self.live > 0
            && self.openings_wanted(now) > 0;
        due_then.then_some(at)
    }

    /// How many more connections are wanted now (0 while backing off or closed).
    pub fn openings_wanted(&self, now: Instant) -> usize {
        if self.closed || self.backing_off(now) {
            return 0;
        }
        let wanted = self.desired_live().saturating_sub(self.live + self.creating);
        if self.fleet.known {
            wanted
        } else {
            // Until the first fleet reading, open one connection only: it takes the reading.
            wanted.min(1usize.saturating_sub(self.live + self.creating))
        }
    }

    /// Whether a failed attempt's backoff is still running.
    pub fn backing_off(&self, now: Instant) -> bool {
        self.recovery.backing_off(now)
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
            self.recovery.health.last_error(),
            Some(PoolError::ConnectFailed { kind: ConnectErrorKind::Auth | ConnectErrorKind::TooManyClients, .. })
        );
        !self.closed
            && self.backing_off(now)
            && self.creating == 0
            && !(self.claims.on && self.live > 0)
            && self.idle.is_empty()
            && retry_helps
            && self.recovery.last_attempt_at.is_none_or(|at| now.duration_since(at) >= EARLY_ATTEMPT_SPACING)
    }

    /// The floor idle reaping keeps: min, plus warm connections for the free emergency slots.
    pub fn reap_floor(&self) -> usize {
        self.sizing.target.min.max(self.in_use() + self.slots.free_reserved())
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
            min_size: self.sizing.target.min,
            max_size: self.sizing.target.max,
            reserved: ReservedStats {
                size: self.slots.reserve(),
                idle: self.slots.free_reserved().min(self.idle.len()),
                in_use: self.slots.reserved_in_use(),
            },
            wedding_day: self.sizing.wedding_day,
            multiplier: self.sizing.target.multiplier,
            reason: self.sizing.target.reason.clone(),
            acquired: self.counters.acquired,
            timeouts: self.counters.timeouts,
            shed: self.counters.shed,
            created: self.counters.created,
            removed: self.counters.removed,
            connect_failures: self.counters.connect_failures,
            server_full: self.counters.server_full,
            budget: self.fleet.budget,
        }
    }
}
