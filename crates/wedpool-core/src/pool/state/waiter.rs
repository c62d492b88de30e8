//! A caller queued for a connection.

use std::time::Instant;

use tokio::sync::oneshot;

use crate::admission::priority_class::PriorityClass;
use crate::error::PoolError;
use crate::pool::lease::Lease;

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
