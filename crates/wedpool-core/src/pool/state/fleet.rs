//! The fleet budget as last read from the server, and the claims that grow the pool beyond its
//! first connection (see `pool::claim`).

use std::time::{Duration, Instant};

use crate::pool::state::PooledConnection;

/// How long after an instance appears (this one included) the fleet keeps room for more.
pub const JOINING_WINDOW: Duration = Duration::from_secs(3);

/// This instance's share of the server's connections and when it was read.
pub struct FleetReading {
    /// This instance's share of the server, once read.
    pub budget: Option<usize>,
    /// When the share was last read.
    pub checked_at: Option<Instant>,
    /// A share reading is in flight.
    pub checking: bool,
    /// The first reading is done (until then the pool opens one connection only).
    pub known: bool,
    /// Instances of this application in the last reading.
    pub instances_seen: usize,
    /// Until when the fleet counts as joining (an instance appeared in the last
    /// [`JOINING_WINDOW`]): shares then leave a quarter of the slots free.
    pub joining_until: Option<Instant>,
    /// The margin the last reading used (the safety margin, or the larger joining margin).
    pub margin_now: usize,
}

impl FleetReading {
    /// Nothing read yet. Without a fleet budget there is nothing to read: the budget counts as
    /// known (no limit).
    pub fn new(fleet_budget: bool, margin: usize) -> Self {
        FleetReading {
            budget: None,
            checked_at: None,
            checking: false,
            known: !fleet_budget,
            instances_seen: 0,
            joining_until: None,
            margin_now: margin,
        }
    }
}

/// The claim protocol's progress.
#[derive(Default)]
pub struct Claims {
    /// Openings beyond the first go through the fleet's claim protocol (fleet budget on).
    pub on: bool,
    /// A claim is in flight (its connection is out of the idle list, counted in `probing`).
    pub running: bool,
    /// A connection taken for a claim, waiting for the claim task to start.
    pub conn: Option<PooledConnection>,
    /// No claim before this instant (the last one found no room, or failed).
    pub after: Option<Instant>,
    /// Since when a claim has been due with no connection to run it on (all are held).
    pub starved_since: Option<Instant>,
    /// A connection is being opened (unclaimed) to run a starved claim on.
    pub conn_opening: bool,
    /// A timer will re-dispatch when the pause before the next claim (`after`) ends.
    pub wake_scheduled: bool,
}
