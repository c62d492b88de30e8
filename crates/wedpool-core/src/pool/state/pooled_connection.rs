//! A connection the pool owns while it is idle, probed or lent.

use std::sync::Arc;
use std::time::Instant;

use deadpool_postgres::Object;

use crate::conn::driver::ConnectionFate;

/// An open connection owned by the pool.
pub struct PooledConnection {
    /// The deadpool object (a tokio-postgres client with a statement cache). Boxed: the
    /// object is several hundred bytes, and a connection moves on every lend and return
    /// (idle list → lease → back), each move a copy of all of it (callgrind on the
    /// uncontended acquire + release).
    pub object: Box<Object>,
    /// The pool's id for it.
    pub id: u64,
    /// The server's backend process id.
    pub process_id: i32,
    /// How its driver task ended, once it has; also its cancel token and abort handle.
    pub fate: Arc<ConnectionFate>,
    /// When it should be retired (max lifetime with jitter); `None`: never.
    pub expires_at: Option<Instant>,
    /// When it last became idle.
    pub idle_since: Instant,
}

impl PooledConnection {
    /// Whether its connection has ended (server closed it, socket error).
    pub fn is_dead(&self) -> bool {
        self.object.is_closed() || self.fate.ending().is_some()
    }
}
