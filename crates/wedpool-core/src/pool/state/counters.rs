//! What the pool has done so far: the monotonic counters behind `stats()` and `metrics()`.

use std::collections::BTreeMap;

use crate::observe::metrics::{ClaimStats, WaitHistogram};
use crate::observe::remove_reason::RemoveReason;

/// Counters that only grow (and the wait histogram), read by stats and metrics.
#[derive(Default)]
pub struct Counters {
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
    /// Connections closed, by reason.
    pub removed_by_reason: BTreeMap<RemoveReason, u64>,
    /// Failed connection attempts.
    pub connect_failures: u64,
    /// Connection attempts refused because the server was full (53300).
    pub server_full: u64,
    /// Changes of the scaling target.
    pub scale_events: u64,
    /// Acquire waits per class.
    pub waits: WaitHistogram,
    /// What fleet claims cost so far.
    pub claims: ClaimStats,
}

impl Counters {
    /// Counts one closed connection and why.
    pub fn count_removal(&mut self, reason: RemoveReason) {
        self.removed += 1;
        *self.removed_by_reason.entry(reason).or_default() += 1;
    }
}
