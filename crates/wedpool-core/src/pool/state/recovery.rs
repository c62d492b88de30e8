//! Outage handling: the health of the database as the pool sees it, and the backoff between
//! failed connection attempts.

use std::time::Instant;

use crate::observe::health::HealthMonitor;
use crate::pool::backoff::Jitter;

/// Health and backoff.
#[derive(Default)]
pub struct Recovery {
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
    /// This pool's random source for backoff jitter.
    pub jitter: Jitter,
}

impl Recovery {
    /// Whether a failed attempt's backoff is still running.
    pub fn backing_off(&self, now: Instant) -> bool {
        self.retry_at.is_some_and(|at| now < at)
    }
}
