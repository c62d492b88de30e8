//! One statement on a pooled connection: acquire, run, release, with a retry on another
//! connection when the first one turned out to be dead before the statement was sent.

use std::time::Duration;

use crate::admission::context::DatabaseContext;
use crate::clock;
use crate::conn::query::{Param, QueryResult};
use crate::error::PoolError;
use crate::pool::{CheckoutInfo, Pool, UNSENT_RETRIES};

impl Pool {
    /// Acquires a connection (waiting at most `acquire_timeout`), runs one statement (for at
    /// most `query_timeout`, default `queryTimeoutMillis`) and releases the connection. When the
    /// connection turns out to have been ended by the server before the statement was sent
    /// (terminated while idle), the statement runs on another connection — at most
    /// `UNSENT_RETRIES` times; a statement that was sent is never retried. When every connection
    /// is busy and nobody is queued, a statement without a deadline may share a connection with
    /// others (`pipelineDepth`; the README's Behaviour section says when and why).
    ///
    /// Fails as [`Pool::acquire`] and [`Lease::query`](crate::Lease::query) do.
    pub async fn query(
        &self,
        ctx: &DatabaseContext,
        sql: &str,
        params: &[Param],
        acquire_timeout: Option<Duration>,
        query_timeout: Option<Duration>,
    ) -> Result<QueryResult, PoolError> {
        self.query_observed(ctx, sql, params, acquire_timeout, query_timeout).await.0
    }

    /// [`Pool::query`], also telling which checkout the statement ran on (its priority, reserve
    /// use and wait), for tracing; `None` when no connection was acquired.
    pub async fn query_observed(
        &self,
        ctx: &DatabaseContext,
        sql: &str,
        params: &[Param],
        acquire_timeout: Option<Duration>,
        query_timeout: Option<Duration>,
    ) -> (Result<QueryResult, PoolError>, Option<CheckoutInfo>) {
        if self.pipelines(sql, query_timeout) {
            return self.query_pipelined(ctx, sql, params, acquire_timeout).await;
        }
        let started = clock::now();
        let mut attempts = 0;
        loop {
            let remaining = acquire_timeout.map(|t| t.saturating_sub(clock::elapsed(started)));
            let lease = match self.acquire(ctx, remaining).await {
                Ok(lease) => lease,
                Err(e) => return (Err(e), None),
            };
            let info = CheckoutInfo { priority: lease.priority(), reserved: lease.reserved(), waited: lease.waited() };
            let result = lease.query_with_timeout(sql, params, query_timeout).await;
            match result {
                Err(PoolError::ConnectionLost { .. }) if lease.lost_before_sending() && attempts < UNSENT_RETRIES => {
                    attempts += 1;
                }
                other => return (other, Some(info)),
            }
        }
    }
}
