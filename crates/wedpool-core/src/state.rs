//! The pool's bookkeeping, changed only while its lock is held and never across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use deadpool_postgres::Object;
use tokio::sync::oneshot;

use crate::error::PoolError;
use crate::lease::Lease;
use crate::queue::{Ticket, WaitQueue};
use crate::reservation::{Reservations, SlotKind};
use crate::scaling::ScalingTarget;
use crate::status::{PoolStats, ReservedStats};

/// An open connection owned by the pool.
pub struct PooledConnection {
    /// The deadpool object (a tokio-postgres client with a statement cache).
    pub object: Object,
    /// The pool's id for it.
    pub id: u64,
    /// The server's backend process id.
    pub process_id: i32,
    /// When it was opened.
    pub created_at: Instant,
    /// When it last became idle.
    pub idle_since: Instant,
}

/// A queued caller.
pub struct Waiter {
    /// Where its connection (or error) goes.
    pub sender: oneshot::Sender<Result<Lease, PoolError>>,
    /// Its priority.
    pub priority: i64,
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
    /// Open connections, idle or in use.
    pub live: usize,
    /// Connections being opened.
    pub creating: usize,
    /// Current min, max and reason.
    pub target: ScalingTarget,
    /// Whether today is a wedding day, as last evaluated.
    pub wedding_day: bool,
    /// Connections handed out.
    pub acquired: u64,
    /// Acquires that timed out.
    pub timeouts: u64,
    /// Connections opened.
    pub created: u64,
    /// Connections closed.
    pub removed: u64,
    /// Failed connection attempts.
    pub connect_failures: u64,
    /// Failed attempts since the last success.
    pub consecutive_connect_failures: u32,
    /// The most recent connection failure.
    pub last_connect_error: Option<PoolError>,
    /// No new attempt before this instant (backoff after failures).
    pub retry_at: Option<Instant>,
    /// A timer will re-dispatch at `retry_at`.
    pub retry_scheduled: bool,
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

    /// How many connection attempts to start now (0 while backing off or closed).
    pub fn creations_needed(&self, now: Instant) -> usize {
        if self.closed || self.retry_at.is_some_and(|at| now < at) {
            return 0;
        }
        self.desired_live().saturating_sub(self.live + self.creating)
    }

    /// Whether attempts are wanted but held back by the backoff.
    pub fn waiting_for_backoff(&self, now: Instant) -> bool {
        !self.closed
            && self.retry_at.is_some_and(|at| now < at)
            && self.desired_live() > self.live + self.creating
    }

    /// The floor idle reaping keeps: min, plus warm connections for the free emergency slots.
    pub fn reap_floor(&self) -> usize {
        self.target.min.max(self.in_use() + self.slots.free_reserved())
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
            created: self.created,
            removed: self.removed,
            connect_failures: self.connect_failures,
        }
    }
}

/// Delay before the next connection attempt after `failures` consecutive failures:
/// 100 ms doubling up to 5 s, with ±20% jitter so that many pools do not retry in step.
pub fn backoff(failures: u32, jitter_seed: u64) -> Duration {
    let base_ms = 100u64.saturating_mul(1u64 << failures.saturating_sub(1).min(6)).min(5_000);
    let spread = (jitter_seed % 41) as i64 - 20; // −20 … +20 percent
    let ms = (base_ms as i64 + base_ms as i64 * spread / 100).max(1) as u64;
    Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_from_100ms_to_5s() {
        assert_eq!(backoff(1, 20), Duration::from_millis(100));
        assert_eq!(backoff(2, 20), Duration::from_millis(200));
        assert_eq!(backoff(6, 20), Duration::from_millis(3200));
        assert_eq!(backoff(7, 20), Duration::from_millis(5000));
        assert_eq!(backoff(40, 20), Duration::from_millis(5000));
    }

    #[test]
    fn backoff_jitter_stays_within_a_fifth() {
        for seed in 0..100 {
            let d = backoff(3, seed).as_millis();
            assert!((320..=480).contains(&d), "{d}");
        }
    }
}
