//! Why the pool closed a connection: the `reason` of `remove` events and the label of
//! `wedpool_connections_removed_total`.

use std::fmt;

/// Why a connection was closed. [`RemoveReason::as_str`] is the name JavaScript and
/// Prometheus see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RemoveReason {
    /// Idle longer than `idleTimeoutMillis` while the pool was above its min.
    IdleTimeout,
    /// The pool was above its max (the target shrank).
    ScaleDown,
    /// Older than its (jittered) `maxLifetimeSeconds`.
    MaxLifetime,
    /// Its state was unknown (lost or cancelled statement) or it had died.
    Broken,
    /// The server ended this idle connection.
    ClosedByServer,
    /// The server is shutting down or restarting (57P01/57P02/57P03): every idle connection goes.
    AdminShutdown,
    /// A keepalive probe on an idle connection failed or timed out.
    KeepaliveFailed,
    /// Returned inside a transaction and the `ROLLBACK` failed or timed out.
    RollbackFailed,
    /// The pool was ended.
    PoolEnded,
    /// Its host refused a write (25006) under `target_session_attrs` `read-write`/`primary`:
    /// the host was demoted (switchover), so its connections go.
    ReadOnly,
}

impl RemoveReason {
    /// Every reason, in declaration order.
    pub const ALL: [RemoveReason; 10] = [
        RemoveReason::IdleTimeout,
        RemoveReason::ScaleDown,
        RemoveReason::MaxLifetime,
        RemoveReason::Broken,
        RemoveReason::ClosedByServer,
        RemoveReason::AdminShutdown,
        RemoveReason::KeepaliveFailed,
        RemoveReason::RollbackFailed,
        RemoveReason::PoolEnded,
        RemoveReason::ReadOnly,
    ];

    /// The snake_case name (`idle_timeout`, `scale_down`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RemoveReason::IdleTimeout => "idle_timeout",
            RemoveReason::ScaleDown => "scale_down",
            RemoveReason::MaxLifetime => "max_lifetime",
            RemoveReason::Broken => "broken",
            RemoveReason::ClosedByServer => "closed_by_server",
            RemoveReason::AdminShutdown => "admin_shutdown",
            RemoveReason::KeepaliveFailed => "keepalive_failed",
            RemoveReason::RollbackFailed => "rollback_failed",
            RemoveReason::PoolEnded => "pool_ended",
            RemoveReason::ReadOnly => "read_only",
        }
    }
}

impl fmt::Display for RemoveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_snake_case() {
        let names: std::collections::BTreeSet<_> = RemoveReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names.len(), RemoveReason::ALL.len());
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
        assert_eq!(RemoveReason::RollbackFailed.to_string(), "rollback_failed");
    }
}
