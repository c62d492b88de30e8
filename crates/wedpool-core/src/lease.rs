//! A borrowed connection. Dropping it (or calling [`Lease::release`]) gives it back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::PoolError;
use crate::pool::PoolInner;
use crate::query::{execute, Param, QueryResult};
use crate::reservation::SlotKind;
use crate::state::PooledConnection;

/// A connection lent to one caller until it is dropped.
pub struct Lease {
    conn: Option<PooledConnection>,
    slot: SlotKind,
    priority: i64,
    waited: Duration,
    acquired_at: Instant,
    /// Set when the connection's state became unknown; it is closed instead of reused.
    broken: AtomicBool,
    pool: Arc<PoolInner>,
}

impl Lease {
    pub(crate) fn new(conn: PooledConnection, slot: SlotKind, priority: i64, waited: Duration, pool: Arc<PoolInner>) -> Self {
        Lease { conn: Some(conn), slot, priority, waited, acquired_at: Instant::now(), broken: AtomicBool::new(false), pool }
    }

    /// Takes the connection back out without returning it (used when a hand-off fails).
    pub(crate) fn into_parts(mut self) -> (PooledConnection, SlotKind) {
        let conn = self.conn.take().expect("a lease holds its connection until dropped");
        (conn, self.slot)
    }

    fn conn(&self) -> &PooledConnection {
        self.conn.as_ref().expect("a lease holds its connection until dropped")
    }

    /// The server's backend process id.
    pub fn process_id(&self) -> i32 {
        self.conn().process_id
    }

    /// The pool's id for this connection.
    pub fn connection_id(&self) -> u64 {
        self.conn().id
    }

    /// Whether it occupies one of the emergency slots.
    pub fn reserved(&self) -> bool {
        self.slot == SlotKind::Reserved
    }

    /// The priority the caller had.
    pub fn priority(&self) -> i64 {
        self.priority
    }

    /// How long the caller waited for it.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// When it was handed over.
    pub fn acquired_at(&self) -> Instant {
        self.acquired_at
    }

    /// Runs one statement with bound parameters.
    ///
    /// Fails with `INVALID_PARAMETER`, a database error carrying the SQLSTATE, or
    /// `CONNECTION_LOST`.
    pub async fn query(&self, sql: &str, params: &[Param]) -> Result<QueryResult, PoolError> {
        let config = &self.pool.config;
        let result = execute(&self.conn().object, sql, params, config.int8, config.statement_cache_size).await;
        if let Err(PoolError::ConnectionLost { .. }) = &result {
            self.mark_broken();
        }
        result
    }

    /// Marks the connection as unusable: it is closed, not reused, when the lease ends.
    pub fn mark_broken(&self) {
        self.broken.store(true, Ordering::Relaxed);
    }

    /// Whether the connection was marked unusable.
    pub fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Relaxed)
    }

    /// Gives the connection back to the pool (the same as dropping the lease).
    pub fn release(self) {}
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.release(conn, self.slot, self.acquired_at.elapsed(), self.is_broken());
        }
    }
}
