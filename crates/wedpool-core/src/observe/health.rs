//! Outage detection: the pool's health as a small state machine fed by connection attempts.
//! Pure: no I/O, no `.await`; the pool calls it under its lock and emits the changes.
//!
//! * `healthy` — the last connection attempt succeeded (or none failed yet).
//! * `degraded` — attempts are failing but connections are still open, or the server just
//!   ended sessions (restart), or fewer than [`DOWN_AFTER_FAILURES`] attempts failed in a row.
//! * `down` — no connection is open and the last attempts all failed; an authentication
//!   failure with nothing open is `down` at once (retrying cannot help until the password
//!   changes). A server that refuses because it is full (53300) is never `down`: it answered.

use std::time::{Instant, SystemTime};

use crate::clock;
use crate::error::{ConnectErrorKind, PoolError};

/// Consecutive failed attempts, with nothing open, after which the database counts as down.
pub const DOWN_AFTER_FAILURES: u32 = 3;

/// The pool's view of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// Connections open fine.
    Healthy,
    /// Some trouble; the pool still works or is still trying.
    Degraded,
    /// The database cannot be reached.
    Down,
}

impl HealthState {
    /// `healthy`, `degraded` or `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Degraded => "degraded",
            HealthState::Down => "down",
        }
    }
}

/// A snapshot for `pool.health()` and `health` events.
#[derive(Debug, Clone)]
pub struct HealthReport {
    /// Current state.
    pub state: HealthState,
    /// When it began (wall clock).
    pub since: SystemTime,
    /// Failed connection attempts in a row.
    pub consecutive_failures: u32,
    /// The most recent failure.
    pub last_error: Option<PoolError>,
}

/// Tracks the state; every `on_*` method returns the new report when the state changed.
#[derive(Debug, Clone)]
pub struct HealthMonitor {
    state: HealthState,
    since: SystemTime,
    entered: Instant,
    consecutive_failures: u32,
    last_error: Option<PoolError>,
}

impl Default for HealthMonitor {
    fn default() -> Self {
        HealthMonitor {
            state: HealthState::Healthy,
            since: SystemTime::now(),
            entered: clock::now(),
            consecutive_failures: 0,
            last_error: None,
        }
    }
}

impl HealthMonitor {
    /// The current report.
    pub fn report(&self) -> HealthReport {
        HealthReport {
            state: self.state,
            since: self.since,
            consecutive_failures: self.consecutive_failures,
            last_error: self.last_error.clone(),
        }
    }

    /// The current state.
    pub fn state(&self) -> HealthState {
        self.state
    }

    /// When the current state began (monotonic clock).
    pub fn entered(&self) -> Instant {
        self.entered
    }

    /// Failed attempts in a row.
    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// The last failure, if any.
    pub fn last_error(&self) -> Option<&PoolError> {
        self.last_error.as_ref()
    }

    /// Whether the last failure was an authentication failure that still stands.
    pub fn auth_failing(&self) -> bool {
        self.consecutive_failures > 0
            && matches!(self.last_error, Some(PoolError::ConnectFailed { kind: ConnectErrorKind::Auth, .. }))
    }

    /// A connection opened.
    pub fn on_connect_success(&mut self) -> Option<HealthReport> {
        self.consecutive_failures = 0;
        self.set(HealthState::Healthy)
    }

    /// A connection attempt failed while `open` connections remain. A full server (53300) is
    /// back-pressure, never an outage: the database answered, so it is at most `degraded`.
    pub fn on_connect_failure(&mut self, error: PoolError, open: usize) -> Option<HealthReport> {
        self.consecutive_failures += 1;
        let auth = matches!(error, PoolError::ConnectFailed { kind: ConnectErrorKind::Auth, .. });
        let full = matches!(error, PoolError::ConnectFailed { kind: ConnectErrorKind::TooManyClients, .. });
        self.last_error = Some(error);
        let state = if full {
            HealthState::Degraded
        } else if open == 0 && (auth || self.consecutive_failures >= DOWN_AFTER_FAILURES) {
            HealthState::Down
        } else {
            HealthState::Degraded
        };
        self.set(state)
    }

    /// The server ended sessions itself (restart, crash, termination).
    pub fn on_server_ended_sessions(&mut self, error: PoolError) -> Option<HealthReport> {
        self.last_error = Some(error);
        if self.state == HealthState::Healthy {
            self.set(HealthState::Degraded)
        } else {
            None
        }
    }

    fn set(&mut self, state: HealthState) -> Option<HealthReport> {
        if state == self.state {
            return None;
        }
        self.state = state;
        self.since = SystemTime::now();
        self.entered = clock::now();
        Some(self.report())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> PoolError {
        PoolError::ConnectFailed { kind: ConnectErrorKind::Refused, message: "refused".into(), sqlstate: None }
    }

    fn auth() -> PoolError {
        PoolError::ConnectFailed {
            kind: ConnectErrorKind::Auth,
            message: "password".into(),
            sqlstate: Some("28P01".into()),
        }
    }

    #[test]
    fn starts_healthy() {
        assert_eq!(HealthMonitor::default().state(), HealthState::Healthy);
    }

    #[test]
    fn is_down_after_repeated_failures_with_nothing_open() {
        let mut h = HealthMonitor::default();
        assert_eq!(h.on_connect_failure(refused(), 0).unwrap().state, HealthState::Degraded);
        assert!(h.on_connect_failure(refused(), 0).is_none());
        let down = h.on_connect_failure(refused(), 0).unwrap();
        assert_eq!((down.state, down.consecutive_failures), (HealthState::Down, 3));
    }

    #[test]
    fn stays_degraded_while_connections_are_open() {
        let mut h = HealthMonitor::default();
        for _ in 0..10 {
            h.on_connect_failure(refused(), 4);
        }
        assert_eq!(h.state(), HealthState::Degraded);
    }

    #[test]
    fn authentication_failure_with_nothing_open_is_down_at_once() {
        let mut h = HealthMonitor::default();
        assert_eq!(h.on_connect_failure(auth(), 0).unwrap().state, HealthState::Down);
        assert!(h.auth_failing());
    }

    #[test]
    fn a_full_server_is_never_down_even_with_nothing_open() {
        let full = PoolError::ConnectFailed {
            kind: ConnectErrorKind::TooManyClients,
            message: "sorry, too many clients already".into(),
            sqlstate: Some("53300".into()),
        };
        let mut h = HealthMonitor::default();
        for _ in 0..3 {
            h.on_connect_failure(refused(), 0);
        }
        assert_eq!(h.state(), HealthState::Down);
        // The server answers again, only to say it is full: no longer an outage.
        assert_eq!(h.on_connect_failure(full.clone(), 0).unwrap().state, HealthState::Degraded);
        for _ in 0..10 {
            assert!(h.on_connect_failure(full.clone(), 0).is_none());
        }
        assert_eq!(h.state(), HealthState::Degraded);
    }

    #[test]
    fn one_success_recovers() {
        let mut h = HealthMonitor::default();
        for _ in 0..5 {
            h.on_connect_failure(refused(), 0);
        }
        let r = h.on_connect_success().unwrap();
        assert_eq!((r.state, r.consecutive_failures), (HealthState::Healthy, 0));
        assert!(!h.auth_failing());
    }

    #[test]
    fn server_ending_sessions_degrades_a_healthy_pool() {
        let mut h = HealthMonitor::default();
        let lost = PoolError::connection_lost("shutdown", Some("57P01".into()));
        assert_eq!(h.on_server_ended_sessions(lost.clone()).unwrap().state, HealthState::Degraded);
        assert!(h.on_server_ended_sessions(lost).is_none());
    }
}
