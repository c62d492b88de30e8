//! A caller queued for a connection, and what it is handed when served.

use std::time::Instant;

use tokio::sync::oneshot;

use crate::admission::priority_class::PriorityClass;
use crate::error::PoolError;
use crate::pool::lease::Lease;
use crate::pool::pipeline::Seat;
use crate::pool::CheckoutInfo;

/// What a queued caller is handed: a connection of its own, or — only a pipelined
/// [`crate::Pool::query`] statement — a place in an open pipeline (see `pool::pipeline`). (Not
/// boxed, like [`crate::Acquired`]: one is built per hand-over, and boxing the lease would add an
/// allocation to the hot path.)
#[allow(clippy::large_enum_variant)]
pub enum Grant {
    /// A connection of its own.
    Lease(Lease),
    /// A place in a pipeline, with the checkout it counts as.
    Seat(Seat, CheckoutInfo),
}

/// What a queued caller's channel carries: its grant, or why it was not served.
pub type Handover = Result<Grant, PoolError>;

/// A queued caller.
pub struct Waiter {
    /// Where its grant (or error) goes.
    pub sender: oneshot::Sender<Handover>,
    /// Its priority.
    pub priority: i64,
    /// Whether it is wedding-critical (keeps waiting while the database is down).
    pub wedding_critical: bool,
    /// Its class, for demand learning and wait metrics.
    pub class: PriorityClass,
    /// When it started waiting.
    pub enqueued_at: Instant,
    /// A pipelined `Pool::query` statement: it may be handed a place in a pipeline.
    pub pipelinable: bool,
}
