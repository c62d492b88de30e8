//! Events the pool reports. They are informational: nothing breaks when nobody listens.

use std::sync::Arc;

use crate::observe::remove_reason::RemoveReason;
use crate::scaling::reason::ScalingReason;

/// Something that happened in the pool.
#[derive(Debug, Clone, PartialEq)]
pub enum PoolEvent {
    /// A new connection opened.
    Connect {
        /// The pool's id for the connection.
        connection_id: u64,
        /// The server's backend process id.
        process_id: i32,
    },
    /// A connection was handed to a caller.
    Acquire {
        /// The pool's id for the connection.
        connection_id: u64,
        /// The server's backend process id.
        process_id: i32,
        /// The caller's priority.
        priority: i64,
        /// Whether it occupies an emergency slot.
        reserved: bool,
        /// How long the caller waited, in microseconds.
        waited_micros: u64,
    },
    /// A connection came back to the pool.
    Release {
        /// The pool's id for the connection.
        connection_id: u64,
        /// How long it was held, in microseconds.
        held_micros: u64,
    },
    /// A connection was closed and left the pool.
    Remove {
        /// The pool's id for the connection.
        connection_id: u64,
        /// The server's backend process id.
        process_id: i32,
        /// Why it was closed.
        reason: RemoveReason,
    },
    /// The scaling target changed.
    Scale {
        /// Previous min.
        from_min: usize,
        /// Previous max.
        from_max: usize,
        /// New min.
        to_min: usize,
        /// New max.
        to_max: usize,
        /// Multiplier in force.
        multiplier: f64,
        /// Why (shown as `base`, `wedding day in …`, `lead-in before wedding day in …`, …).
        reason: ScalingReason,
    },
    /// The pool's view of the database changed.
    Health {
        /// `healthy`, `degraded` or `down`.
        state: &'static str,
        /// Failed connection attempts in a row.
        consecutive_failures: u32,
        /// The most recent failure's message.
        last_error: Option<String>,
        /// The most recent failure's code.
        last_error_code: Option<&'static str>,
    },
}

/// Bit flags selecting which events are delivered; frequent ones are off until asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// [`PoolEvent::Connect`].
    Connect = 1,
    /// [`PoolEvent::Acquire`].
    Acquire = 2,
    /// [`PoolEvent::Release`].
    Release = 4,
    /// [`PoolEvent::Remove`].
    Remove = 8,
    /// [`PoolEvent::Scale`].
    Scale = 16,
    /// [`PoolEvent::Health`].
    Health = 32,
}

impl PoolEvent {
    /// The kind of this event.
    pub fn kind(&self) -> EventKind {
        match self {
            PoolEvent::Connect { .. } => EventKind::Connect,
            PoolEvent::Acquire { .. } => EventKind::Acquire,
            PoolEvent::Release { .. } => EventKind::Release,
            PoolEvent::Remove { .. } => EventKind::Remove,
            PoolEvent::Scale { .. } => EventKind::Scale,
            PoolEvent::Health { .. } => EventKind::Health,
        }
    }
}

/// Receives events; must not block.
pub type EventSink = Arc<dyn Fn(PoolEvent) + Send + Sync>;

/// Events that are on unless the listener changes the mask: the rare ones.
pub const DEFAULT_EVENT_MASK: u32 =
    EventKind::Connect as u32 | EventKind::Remove as u32 | EventKind::Scale as u32 | EventKind::Health as u32;

impl PoolEvent {
    /// The event for a health change.
    pub fn health(report: &crate::observe::health::HealthReport) -> PoolEvent {
        PoolEvent::Health {
            state: report.state.as_str(),
            consecutive_failures: report.consecutive_failures,
            last_error: report.last_error.as_ref().map(|e| e.to_string()),
            last_error_code: report.last_error.as_ref().map(|e| e.code().as_str()),
        }
    }
}
