//! The limits every numeric option is checked against, and the checks themselves.
//!
//! Each bound is one the machine can honour: a pool size deadpool can reserve slots for without
//! stalling the constructor, durations the kernel's socket options and the timers accept. A value
//! outside them is [`PoolError::InvalidConfig`] naming the field, never an abort later.

use std::time::Duration;

use crate::error::PoolError;

/// Connections one pool may ever hold (`basePoolSize.max` × `weddingDayMultiplier` included).
/// PostgreSQL's own `max_connections` rarely exceeds a few thousand; deadpool reserves a slot
/// per connection up front.
pub const MAX_POOL_SIZE: usize = 10_000;

/// Queued callers at most (`maxWaiting`).
pub const MAX_WAITING: usize = 1_000_000;

/// `pool.query` statements in flight on one connection when `pipelineDepth` is not set.
pub const DEFAULT_PIPELINE_DEPTH: usize = 8;

/// `pipelineDepth` at most: deeper pipelines only lengthen the wait behind a slow statement.
pub const MAX_PIPELINE_DEPTH: usize = 256;

/// Prepared statements kept per connection at most (`statementCacheSize`).
pub const MAX_STATEMENT_CACHE: usize = 100_000;

/// Largest duration option in milliseconds (365 days), where no tighter OS limit applies.
pub const MAX_MILLIS: f64 = 365.0 * 24.0 * 3600.0 * 1000.0;

/// `keepaliveMillis` at most: `TCP_KEEPIDLE` takes whole seconds up to 32,767.
pub const MAX_KEEPALIVE_MILLIS: f64 = 32_767_000.0;

/// `tcpUserTimeoutMillis` at most: `TCP_USER_TIMEOUT` is an unsigned int of ms the kernel caps
/// at `INT_MAX`.
pub const MAX_TCP_USER_TIMEOUT_MILLIS: f64 = 2_147_483_647.0;

/// What "no deadline" becomes where a `Duration` is needed (30 years, as tokio's far future).
pub const NO_DEADLINE: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// A number as JavaScript writes it in a message: `Infinity`, `-Infinity`, `NaN`, `1e+300`
/// stay readable to the caller who wrote them (Rust would print `inf`).
pub(crate) fn js(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        v.to_string()
    }
}

/// A whole number option in `0..=limit`.
pub(crate) fn count(field: &str, value: Option<f64>, default: usize, limit: usize) -> Result<usize, PoolError> {
    match value {
        None => Ok(default),
        Some(v) if !v.is_finite() || v < 0.0 || v.fract() != 0.0 => {
            Err(PoolError::invalid_config(field, format!("must be a whole number of 0 or more, got {}", js(v))))
        }
        Some(v) if v > limit as f64 => {
            Err(PoolError::invalid_config(field, format!("must be at most {limit}, got {}", js(v))))
        }
        Some(v) => Ok(v as usize),
    }
}

/// A finite duration option in milliseconds, `0..=MAX_MILLIS`.
pub(crate) fn millis(field: &str, value: Option<f64>, default_ms: u64) -> Result<Duration, PoolError> {
    bounded_millis(field, value, default_ms, MAX_MILLIS)
}

/// A finite duration option in milliseconds, `0..=limit`.
pub(crate) fn bounded_millis(
    field: &str,
    value: Option<f64>,
    default_ms: u64,
    limit: f64,
) -> Result<Duration, PoolError> {
    match value {
        None => Ok(Duration::from_millis(default_ms)),
        Some(v) if v.is_nan() || v < 0.0 || v == f64::INFINITY => Err(PoolError::invalid_config(
            field,
            format!("must be a number of milliseconds of 0 or more, got {}", js(v)),
        )),
        Some(v) if v > limit => {
            Err(PoolError::invalid_config(field, format!("must be at most {limit} ms, got {}", js(v))))
        }
        Some(v) => Ok(Duration::from_micros((v * 1000.0) as u64)),
    }
}

/// An optional deadline in milliseconds: `Infinity` is `None` (no deadline); otherwise as
/// [`millis`]. What `0` means is the caller's business.
pub(crate) fn deadline(field: &str, value: Option<f64>, default_ms: u64) -> Result<Option<Duration>, PoolError> {
    match value {
        Some(v) if v == f64::INFINITY => Ok(None),
        other => millis(field, other, default_ms).map(Some),
    }
}

/// Earliest calendar time accepted by `setCalendarTime` (0001-01-01T00:00:00Z), in epoch ms.
pub const MIN_CALENDAR_MILLIS: f64 = -62_135_596_800_000.0;

/// Latest calendar time accepted by `setCalendarTime` (9999-12-31T23:59:59.999Z), in epoch ms.
/// The calendar plans 48 hours and a day of lead-in beyond it; chrono reaches year 262,142.
pub const MAX_CALENDAR_MILLIS: f64 = 253_402_300_799_999.0;

/// A frozen calendar time from epoch milliseconds, within years 1–9999 (UTC).
///
/// Fails with [`PoolError::InvalidConfig`] (`calendarTime`) outside that range or when not finite.
pub fn calendar_time(epoch_millis: f64) -> Result<chrono::DateTime<chrono::Utc>, PoolError> {
    if !(MIN_CALENDAR_MILLIS..=MAX_CALENDAR_MILLIS).contains(&epoch_millis) {
        return Err(PoolError::invalid_config(
            "calendarTime",
            format!("must lie between the years 1 and 9999 (UTC), got {} ms since 1970", js(epoch_millis)),
        ));
    }
    chrono::DateTime::from_timestamp_millis(epoch_millis.floor() as i64)
        .ok_or_else(|| PoolError::invalid_config("calendarTime", "is outside the calendar's range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of<T: std::fmt::Debug>(r: Result<T, PoolError>) -> String {
        match r {
            Err(PoolError::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn counts_above_their_limit_name_the_field() {
        assert_eq!(field_of(count("basePoolSize.max", Some(1e9), 10, MAX_POOL_SIZE)), "basePoolSize.max");
        assert_eq!(field_of(count("x", Some(f64::INFINITY), 10, MAX_POOL_SIZE)), "x");
        assert_eq!(field_of(count("x", Some(f64::NAN), 10, MAX_POOL_SIZE)), "x");
        assert_eq!(count("x", Some(10_000.0), 10, MAX_POOL_SIZE).unwrap(), 10_000);
    }

    #[test]
    fn calendar_times_outside_years_1_to_9999_are_refused() {
        assert!(calendar_time(MAX_CALENDAR_MILLIS).is_ok());
        assert!(calendar_time(MIN_CALENDAR_MILLIS).is_ok());
        assert_eq!(field_of(calendar_time(MAX_CALENDAR_MILLIS + 1.0)), "calendarTime");
        assert_eq!(field_of(calendar_time(8.64e15)), "calendarTime");
        assert_eq!(field_of(calendar_time(f64::NAN)), "calendarTime");
    }

    #[test]
    fn messages_write_numbers_as_javascript_does() {
        let message = |r: Result<Duration, PoolError>| match r {
            Err(PoolError::InvalidConfig { message, .. }) => message,
            other => panic!("expected InvalidConfig, got {other:?}"),
        };
        assert!(message(millis("t", Some(f64::INFINITY), 5)).ends_with("got Infinity"));
        assert!(message(millis("t", Some(f64::NAN), 5)).ends_with("got NaN"));
        assert!(message(millis("t", Some(-f64::INFINITY), 5)).ends_with("got -Infinity"));
    }

    #[test]
    fn infinity_is_no_deadline_only_where_a_deadline_is_optional() {
        assert_eq!(deadline("t", Some(f64::INFINITY), 5).unwrap(), None);
        assert_eq!(deadline("t", None, 5).unwrap(), Some(Duration::from_millis(5)));
        assert_eq!(field_of(deadline("t", Some(-f64::INFINITY), 5)), "t");
        assert_eq!(field_of(millis("t", Some(f64::INFINITY), 5)), "t");
        assert_eq!(field_of(millis("t", Some(MAX_MILLIS + 1.0), 5)), "t");
    }
}
