//! The engine's two clocks.
//!
//! * The **monotonic clock** ([`now`], [`elapsed`]): every deadline, backoff, idle time and
//!   lifetime in the engine reads it and nothing else. It is tokio's clock, so a test runtime
//!   with paused time (`#[tokio::test(start_paused = true)]`) drives the whole engine and
//!   `tokio::time::advance` moves it; in production it is the system's monotonic clock.
//! * The **calendar clock** ([`CalendarClock`]): wall-clock time for the wedding calendar, the
//!   system time or a frozen time set by tests and simulations. Timeouts never read it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// The current monotonic time (tokio's clock, paused in tests that pause it).
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Time passed since `since` on the monotonic clock.
pub(crate) fn elapsed(since: Instant) -> Duration {
    now().saturating_duration_since(since)
}

/// Wall-clock time as the wedding calendar sees it.
#[derive(Debug, Default)]
pub struct CalendarClock {
    frozen: Mutex<Option<DateTime<Utc>>>,
}

impl CalendarClock {
    /// A clock that follows the system time.
    pub fn system() -> Self {
        CalendarClock::default()
    }

    /// The current calendar time.
    pub fn now(&self) -> DateTime<Utc> {
        self.frozen.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or_else(Utc::now)
    }

    /// Freezes the calendar at `time`, or returns to the system clock with `None`.
    pub fn set(&self, time: Option<DateTime<Utc>>) {
        *self.frozen.lock().unwrap_or_else(|e| e.into_inner()) = time;
    }
}
