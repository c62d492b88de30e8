//! The outcome of a `COMMIT` whose answer never arrived, asked from another connection.
//!
//! PostgreSQL keeps every transaction's fate in its commit log: `txid_status(id)` (PostgreSQL
//! 10+; `pg_xact_status` is its 13+ name) answers `committed`, `aborted` or `in progress` from
//! any session, and NULL once the id is too old to be known.

use std::future::Future;
use std::time::Duration;

use crate::admission::context::DatabaseContext;
use crate::clock;
use crate::codec::value::Value;
use crate::conn::query::Param;
use crate::error::PoolError;
use crate::pool::Pool;

/// What the server says became of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// It committed: its writes are permanent.
    Committed,
    /// It aborted: nothing it wrote remains; running it again is safe.
    Aborted,
    /// Undecided by the deadline, unreachable, or too old to be known.
    Unknown {
        /// Why (the last error, "still in progress", "too old").
        reason: String,
    },
}

/// The first pause between two questions while the answer is `in progress` or the server
/// cannot be reached; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause between two questions.
const MAX_PAUSE: Duration = Duration::from_millis(500);

impl Pool {
    /// Asks, on another connection of this pool (acquired for `ctx`), what became of transaction
    /// `transaction_id`, until it is decided or `deadline` has passed: `in progress` (the
    /// `COMMIT` is still being processed) and connection failures are asked again after a pause.
    pub async fn commit_outcome(
        &self,
        ctx: &DatabaseContext,
        transaction_id: u64,
        deadline: Duration,
    ) -> CommitOutcome {
        let started = clock::now();
        let sql = "select txid_status($1::bigint)";
        let param = [Param::Text(transaction_id.to_string())];
        resolve_with(deadline, || async {
            let remaining = deadline.saturating_sub(clock::elapsed(started));
            let lease = self.acquire(ctx, Some(remaining)).await?;
            let result = lease.query_with_timeout(sql, &param, Some(remaining.max(Duration::from_millis(1)))).await?;
            Ok(match result.rows.first().and_then(|row| row.first()) {
                Some(Value::Text(status)) => Some(status.clone()),
                _ => None,
            })
        })
        .await
    }
}

/// Calls `ask` (the server's status text, `None` when it no longer knows the transaction) until
/// the answer is decided or `deadline` has passed.
pub(crate) async fn resolve_with<F, Fut>(deadline: Duration, mut ask: F) -> CommitOutcome
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<String>, PoolError>>,
{
    let started = tokio::time::Instant::now();
    let mut pause = FIRST_PAUSE;
    let mut last = String::from("no answer");
    loop {
        let remaining = deadline.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            return CommitOutcome::Unknown { reason: format!("undecided after {} ms: {last}", deadline.as_millis()) };
        }
        match tokio::time::timeout(remaining, ask()).await {
            Ok(Ok(Some(status))) => match status.as_str() {
                "committed" => return CommitOutcome::Committed,
                "aborted" => return CommitOutcome::Aborted,
                other => last = format!("the server reports the transaction {other}"),
            },
            Ok(Ok(None)) => {
                return CommitOutcome::Unknown {
                    reason: "the server no longer knows the transaction (its id is too old)".into(),
                }
            }
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = "the question itself ran out of time".into(),
        }
        let remaining = deadline.saturating_sub(started.elapsed());
        tokio::time::sleep(pause.min(remaining)).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn answers(
        list: Vec<Result<Option<&'static str>, PoolError>>,
    ) -> impl FnMut() -> std::future::Ready<Result<Option<String>, PoolError>> {
        let list: Vec<_> = list.into_iter().map(|r| r.map(|s| s.map(str::to_string))).collect();
        let at = AtomicUsize::new(0);
        move || {
            let i = at.fetch_add(1, Ordering::SeqCst).min(list.len() - 1);
            std::future::ready(list[i].clone())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn in_progress_is_asked_again_until_decided() {
        let ask = answers(vec![Ok(Some("in progress")), Ok(Some("in progress")), Ok(Some("committed"))]);
        assert_eq!(resolve_with(Duration::from_secs(5), ask).await, CommitOutcome::Committed);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_server_is_asked_again_until_it_answers() {
        let lost = PoolError::connection_lost("connection refused", None);
        let ask = answers(vec![Err(lost.clone()), Err(lost), Ok(Some("aborted"))]);
        assert_eq!(resolve_with(Duration::from_secs(5), ask).await, CommitOutcome::Aborted);
    }

    #[tokio::test(start_paused = true)]
    async fn past_the_deadline_the_outcome_is_unknown_with_the_last_reason() {
        let started = tokio::time::Instant::now();
        let ask = answers(vec![Err(PoolError::connection_lost("connection refused", None))]);
        let CommitOutcome::Unknown { reason } = resolve_with(Duration::from_secs(3), ask).await else {
            panic!("decided without an answer")
        };
        assert!(reason.contains("connection refused"), "{reason}");
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn still_in_progress_at_the_deadline_is_unknown() {
        let ask = answers(vec![Ok(Some("in progress"))]);
        let outcome = resolve_with(Duration::from_secs(2), ask).await;
        assert!(matches!(&outcome, CommitOutcome::Unknown { reason } if reason.contains("in progress")), "{outcome:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_forgotten_transaction_is_unknown_at_once() {
        let started = tokio::time::Instant::now();
        let outcome = resolve_with(Duration::from_secs(2), answers(vec![Ok(None)])).await;
        assert!(matches!(&outcome, CommitOutcome::Unknown { reason } if reason.contains("too old")));
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
