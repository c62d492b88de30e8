//! How statements are sent: a setting derived from `prepare` and `statementCacheSize`.

/// How statements are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementMode {
    /// Prepared once per connection as a named statement, kept in a cache of this many.
    Prepared {
        /// Statements kept per connection before the cache is cleared.
        cache_size: usize,
    },
    /// One unnamed Parse/Bind/Execute per call, parameter types left to the server: what a
    /// transaction-mode pooler (PgBouncer, RDS Proxy, Supavisor) can route.
    Unnamed,
}
