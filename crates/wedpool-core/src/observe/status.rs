//! A snapshot of the pool for `stats()` and for timeout diagnostics.

use crate::scaling::reason::ScalingReason;

/// The emergency reserve in a [`PoolStats`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReservedStats {
    /// Configured emergency slots.
    pub size: usize,
    /// Open connections ready for a wedding-critical caller.
    pub idle: usize,
    /// Emergency slots in use.
    pub in_use: usize,
}

/// The pool at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolStats {
    /// Open connections (idle + in use).
    pub size: usize,
    /// Open connections nobody holds.
    pub idle: usize,
    /// Connections held by callers.
    pub in_use: usize,
    /// Callers queued.
    pub waiting: usize,
    /// Connections being opened.
    pub pending: usize,
    /// Current minimum (after wedding-day scaling).
    pub min_size: usize,
    /// Current maximum (after wedding-day scaling).
    pub max_size: usize,
    /// The emergency reserve.
    pub reserved: ReservedStats,
    /// Whether the calendar says today is a wedding day.
    pub wedding_day: bool,
    /// Multiplier in force.
    pub multiplier: f64,
    /// Why the pool has its current size.
    pub reason: ScalingReason,
    /// Connections handed out since start.
    pub acquired: u64,
    /// Acquires that timed out since start.
    pub timeouts: u64,
    /// Callers shed (queue full, database down) since start.
    pub shed: u64,
    /// Connections opened since start.
    pub created: u64,
    /// Connections closed since start.
    pub removed: u64,
    /// Failed connection attempts since start.
    pub connect_failures: u64,
    /// Of those, attempts the server refused because it was full (53300 `too many clients`,
    /// or only reserved slots left): back-pressure, never an outage.
    pub server_full: u64,
    /// This instance's share of the server's connections, once read (fleet budget).
    pub budget: Option<usize>,
}
