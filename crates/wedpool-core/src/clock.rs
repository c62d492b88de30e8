//! The calendar clock: the system clock, or a frozen time set by tests and simulations.
//! Timeouts never read this clock; they use the monotonic clock.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

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
