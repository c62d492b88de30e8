//! Shared set-up for the core's integration tests: a pool on `DATABASE_URL` (npm test sets it
//! to a throwaway server; plain `cargo test` falls back to the local default server).
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use wedpool_core::{Pool, PoolConfig, PoolOptions};

/// The server under test.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A pool on the test server with `f` applied to default options.
pub fn pool_with(f: impl FnOnce(&mut PoolOptions)) -> Pool {
    let mut options = PoolOptions { connection_string: Some(database_url()), ..Default::default() };
    options.wedding_calendar_mut().timezones = Some(vec!["UTC".into()]);
    f(&mut options);
    Pool::new(PoolConfig::from_options(options).expect("valid test options"))
}

/// Saturday 2026-06-13, noon UTC.
pub fn saturday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-13T12:00:00Z").unwrap().with_timezone(&Utc)
}

/// Wednesday 2026-06-10, noon UTC.
pub fn wednesday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-10T12:00:00Z").unwrap().with_timezone(&Utc)
}
