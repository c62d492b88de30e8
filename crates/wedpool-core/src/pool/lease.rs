//! A borrowed connection. Dropping it (or calling [`Lease::release`]) gives it back.
//!
//! Hygiene on return: a connection whose statement lost the connection or was cancelled is
//! closed, never reused; one returned inside a transaction is
//! rolled back (`ROLLBACK`, within the connect timeout) before anyone else gets it, and
//! closed when the rollback fails.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::admission::priority_class::PriorityClass;
use crate::admission::reservation::SlotKind;
use crate::clock;
use crate::codec::value::Value;
use crate::conn::loss::{classify, commits, LossFacts};
use crate::conn::query::{execute, transaction_effect, Param, QueryResult, TransactionEffect};
use crate::conn::statement_checks::is_missing_prepared_statement;
use crate::error::PoolError;
use crate::observe::remove_reason::RemoveReason;
use crate::pool::inner::PoolInner;
use crate::pool::state::PooledConnection;

/// [`Lease`]'s `transaction_id` before it has been asked in the current transaction.
const NOT_LEARNED: u64 = u64::MAX;

/// A connection lent to one caller until it is dropped.
pub struct Lease {
    conn: Option<PooledConnection>,
    slot: SlotKind,
    priority: i64,
    class: PriorityClass,
    waited: Duration,
    acquired_at: Instant,
    /// The connection's state is unknown; it is closed instead of reused.
    broken: AtomicBool,
    /// A transaction is open (BEGIN seen, no COMMIT/ROLLBACK yet).
    in_transaction: AtomicBool,
    /// The last statement failed because the server had ended the session before the statement
    /// was written to it (see [`Lease::lost_before_sending`]).
    lost_unsent: AtomicBool,
    /// Ask the open transaction's id before sending its `COMMIT` (see
    /// [`Lease::learn_transaction_ids`]).
    learn_transaction_ids: AtomicBool,
    /// The id of the current (or last committed) transaction: [`NOT_LEARNED`], 0 when it had
    /// none (it wrote nothing), or the id.
    transaction_id: AtomicU64,
    pool: Arc<PoolInner>,
}

/// The connection's ids and the lease's admission facts; never credentials.
impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("connection_id", &self.conn.as_ref().map(|c| c.id))
            .field("process_id", &self.conn.as_ref().map(|c| c.process_id))
            .field("slot", &self.slot)
            .field("priority", &self.priority)
            .field("class", &self.class)
            .field("waited", &self.waited)
            .field("in_transaction", &self.in_transaction.load(Ordering::Relaxed))
            .field("broken", &self.broken.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Lease {
    pub(crate) fn new(
        conn: PooledConnection,
        slot: SlotKind,
        priority: i64,
        class: PriorityClass,
        waited: Duration,
        pool: Arc<PoolInner>,
    ) -> Self {
        Lease {
            conn: Some(conn),
            slot,
            priority,
            class,
            waited,
            acquired_at: clock::now(),
            broken: AtomicBool::new(false),
            in_transaction: AtomicBool::new(false),
            lost_unsent: AtomicBool::new(false),
            learn_transaction_ids: AtomicBool::new(false),
            transaction_id: AtomicU64::new(NOT_LEARNED),
            pool,
        }
    }

    /// Takes the connection back out without returning it (used when a hand-off fails).
    pub(crate) fn into_parts(mut self) -> (PooledConnection, SlotKind) {
        let conn = self.conn.take().expect("a lease holds its connection until dropped");
        (conn, self.slot)
    }

    fn conn(&self) -> &PooledConnection {
        self.conn.as_ref().expect("a lease holds its connection until dropped")
    }

    /// The connection it holds.
    pub(crate) fn connection(&self) -> &PooledConnection {
        self.conn()
    }

    /// The server's backend process id.
    pub fn process_id(&self) -> i32 {
        self.conn().process_id
    }

    /// The pool's id for this connection.
    pub fn connection_id(&self) -> u64 {
        self.conn().id
    }

    /// The pool it came from.
    pub(crate) fn pool(&self) -> &Arc<PoolInner> {
        &self.pool
    }

    /// Whether it occupies one of the emergency slots.
    pub fn reserved(&self) -> bool {
        self.slot == SlotKind::Reserved
    }

    /// The caller's priority class.
    pub fn class(&self) -> PriorityClass {
        self.class
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

    /// Runs one statement with bound parameters, within the pool's `queryTimeoutMillis`.
    ///
    /// Fails as [`Lease::query_with_timeout`] does.
    pub async fn query(&self, sql: &str, params: &[Param]) -> Result<QueryResult, PoolError> {
        self.query_with_timeout(sql, params, None).await
    }

    /// Runs one statement with bound parameters within `timeout` (default: the pool's
    /// `queryTimeoutMillis`; zero: no deadline). At the deadline a cancel request goes to the
    /// server, the call fails with `QUERY_TIMEOUT`, and the connection is closed when released
    /// (a replacement opens in the background).
    ///
    /// Fails with `INVALID_PARAMETER`, a database error carrying the SQLSTATE,
    /// `CONNECTION_LOST` (the connection is then discarded) or `QUERY_TIMEOUT`.
    pub async fn query_with_timeout(
        &self,
        sql: &str,
        params: &[Param],
        timeout: Option<Duration>,
    ) -> Result<QueryResult, PoolError> {
        self.query_in_form(sql, params, timeout, false).await
    }

    /// [`Lease::query_with_timeout`], with every cell as the server's text form when
    /// `text_results` (what a client asking for text results receives) instead of decoded values.
    pub async fn query_in_form(
        &self,
        sql: &str,
        params: &[Param],
        timeout: Option<Duration>,
        text_results: bool,
    ) -> Result<QueryResult, PoolError> {
        let (result, unsent) = self.run(sql, params, timeout, text_results).await;
        self.lost_unsent.store(unsent, Ordering::Relaxed);
        result
    }

    /// Runs one statement of a pipeline (see [`crate::pool::pipeline`]): other statements may
    /// be in flight on the connection at the same time. Returns, with the result, whether it
    /// failed with `CONNECTION_LOST` without having been sent — per call, since
    /// [`Lease::lost_before_sending`] is shared by every statement on the lease.
    pub(crate) async fn query_pipelined(&self, sql: &str, params: &[Param]) -> (Result<QueryResult, PoolError>, bool) {
        self.run(sql, params, Some(Duration::ZERO), false).await
    }

    /// Whether more statements may be pipelined onto this connection: it is open and nothing
    /// has marked it for closing.
    pub(crate) fn takes_more(&self) -> bool {
        !self.is_broken() && !self.conn().is_dead()
    }

    async fn run(
        &self,
        sql: &str,
        params: &[Param],
        timeout: Option<Duration>,
        text_results: bool,
    ) -> (Result<QueryResult, PoolError>, bool) {
        let config = &self.pool.config;
        let conn = self.conn();
        let decode = crate::codec::decode::DecodeOptions { text: text_results, ..config.decode_options() };
        let in_transaction = self.in_transaction();
        if transaction_effect(sql) == TransactionEffect::Begins {
            self.transaction_id.store(NOT_LEARNED, Ordering::Relaxed);
        }
        let learn = in_transaction && self.learn_transaction_ids.load(Ordering::Relaxed) && commits(sql);
        // Nothing can be written to a connection whose driver has already stopped.
        let closed_before = conn.object.is_closed();
        let run = async {
            if learn {
                self.learn_transaction_id(decode).await?;
            }
            let mode = config.statement_mode();
            match execute(&conn.object, sql, params, decode, mode).await {
                // The cache was cleared; outside a transaction nothing ran (Bind failed), so
                // preparing again once is invisible to the caller. Inside one, the transaction
                // is aborted and the caller must see the error.
                Err(e) if !in_transaction && is_missing_prepared_statement(&e) => {
                    execute(&conn.object, sql, params, decode, mode).await
                }
                other => other,
            }
        };
        let limit = match timeout {
            Some(t) if t.is_zero() => None,
            Some(t) => Some(t),
            None => config.query_timeout,
        };
        let result = match limit {
            None => run.await,
            Some(limit) => {
                let mut run = std::pin::pin!(run);
                match tokio::time::timeout(limit, run.as_mut()).await {
                    Ok(result) => result,
                    Err(_) => {
                        self.cancel_in_background();
                        return (Err(PoolError::QueryTimeout { timeout: limit }), false);
                    }
                }
            }
        };
        self.track(sql, &result);
        self.notice_demotion(&result);
        let facts = LossFacts { unsent: closed_before, in_transaction, transaction_id: self.transaction_id() };
        match result {
            Ok(result) => (Ok(result), false),
            Err(e) => {
                let (error, unsent) = self.explain_loss(classify(e, sql, facts));
                (Err(error), unsent)
            }
        }
    }

    /// Asks the server for the open transaction's id (`txid_current_if_assigned()`: none for a
    /// transaction that has written nothing, and none is assigned by asking). One round trip.
    /// A lost connection here means the `COMMIT` that follows was never sent.
    async fn learn_transaction_id(&self, decode: crate::codec::decode::DecodeOptions) -> Result<(), PoolError> {
        let sql = "select txid_current_if_assigned()::text";
        match execute(&self.conn().object, sql, &[], decode, self.pool.config.statement_mode()).await {
            Ok(result) => {
                let id = match result.rows.first().and_then(|row| row.first()) {
                    Some(Value::Text(text)) => text.parse().unwrap_or(0),
                    _ => 0,
                };
                self.transaction_id.store(id, Ordering::Relaxed);
                Ok(())
            }
            Err(PoolError::ConnectionLost { message, sqlstate, .. }) => Err(PoolError::ConnectionLost {
                message,
                sqlstate,
                sent: false,
                outcome_unknown: false,
                transaction_id: None,
            }),
            // A failed transaction (25P02) cannot be asked; its COMMIT rolls back anyway.
            Err(_) => Ok(()),
        }
    }

    /// Before each `COMMIT` of a transaction on this connection, ask the transaction's id (one
    /// round trip), so a `COMMIT` whose answer is lost reports it and the outcome can be asked
    /// from another connection ([`crate::Pool::commit_outcome`]).
    pub fn learn_transaction_ids(&self, on: bool) {
        self.learn_transaction_ids.store(on, Ordering::Relaxed);
    }

    /// The id of the open (or last committed) transaction, when it was learned before its
    /// `COMMIT`; `None` for a transaction that wrote nothing or was not asked.
    pub fn transaction_id(&self) -> Option<u64> {
        self.learned_transaction_id().flatten()
    }

    /// What was learned before the current transaction's `COMMIT`: `None` when it was not asked
    /// (so its `COMMIT` was never sent), `Some(None)` when it had no id (it wrote nothing),
    /// `Some(Some(id))`.
    pub fn learned_transaction_id(&self) -> Option<Option<u64>> {
        match self.transaction_id.load(Ordering::Relaxed) {
            NOT_LEARNED => None,
            id => Some(Some(id).filter(|&id| id != 0)),
        }
    }

    /// Marks the connection for closing and sends the server a cancel request in the
    /// background, so the caller gets `QUERY_TIMEOUT` at its deadline even when the server is
    /// unreachable. The connection is never reused: the server signals a cancel to the backend
    /// asynchronously (twice: to the backend and its process group), so a late signal could
    /// cancel the *next* statement on that backend. Closing the socket alone would not stop the
    /// statement (a backend notices a gone client only when it next talks to it), hence the
    /// cancel request.
    fn cancel_in_background(&self) {
        self.mark_broken();
        let Some(canceller) = self.conn().fate.canceller() else { return };
        let deadline = self.pool.config.connect.connect_timeout;
        self.pool.runtime.spawn(async move {
            let _ = tokio::time::timeout(deadline, canceller.cancel()).await;
        });
    }

    /// Follows BEGIN/COMMIT/ROLLBACK so a connection returned mid-transaction is cleaned.
    fn track(&self, sql: &str, result: &Result<QueryResult, PoolError>) {
        match (transaction_effect(sql), result) {
            (_, Err(PoolError::ConnectionLost { .. })) => self.mark_broken(),
            (TransactionEffect::Begins, Ok(_)) => self.in_transaction.store(true, Ordering::Relaxed),
            (TransactionEffect::Ends, Ok(_)) => self.in_transaction.store(false, Ordering::Relaxed),
            // A failed COMMIT still ends the transaction; a failed ROLLBACK leaves it unknown.
            (TransactionEffect::Ends, Err(_)) => self.in_transaction.store(true, Ordering::Relaxed),
            _ => {}
        }
    }

    /// Adds the server's reason (e.g. 57P01 admin shutdown) to a bare "connection closed", and
    /// tells whether the statement failed with `CONNECTION_LOST` without having been sent.
    ///
    /// A bare "connection closed" together with an ending that is a server error means the
    /// server's FATAL arrived while nothing was in flight: the driver reads before it writes and
    /// stops at that error, so this statement was never written (the session was terminated
    /// while idle, e.g. by `pg_terminate_backend`). A FATAL for a statement that *was* written is
    /// delivered to that statement instead, as a database error.
    fn explain_loss(&self, error: PoolError) -> (PoolError, bool) {
        let PoolError::ConnectionLost { message, sqlstate, sent, outcome_unknown, transaction_id } = error else {
            return (error, false);
        };
        let (message, sqlstate, sent) = match (sqlstate, self.conn().fate.ending()) {
            (None, Some(ending)) => {
                let unsent = ending.sqlstate.is_some();
                (ending.message.clone(), ending.sqlstate.clone(), sent && !unsent)
            }
            (sqlstate, _) => (message, sqlstate, sent),
        };
        let error = PoolError::ConnectionLost {
            message,
            sqlstate,
            sent,
            outcome_unknown: outcome_unknown && sent,
            transaction_id,
        };
        (error, !sent)
    }

    /// Whether the last statement failed with `CONNECTION_LOST` without having been sent: the
    /// server had already ended the session. Such a statement can be run again elsewhere.
    pub fn lost_before_sending(&self) -> bool {
        self.lost_unsent.load(Ordering::Relaxed)
    }

    /// Under `target_session_attrs=read-write`/`primary`, a read-only refusal (25006: a standby,
    /// or a primary switched to read-only) means the host was demoted: its idle connections
    /// close now and this one when it is released; new connections go to another host.
    fn notice_demotion(&self, result: &Result<QueryResult, PoolError>) {
        if let Err(PoolError::Database(fields)) = result {
            if fields.code == "25006" && self.pool.config.connect.session_attrs.wants_writable() {
                let error = PoolError::Database(fields.clone());
                self.pool.demote_host(self.conn().fate.host(), error);
            }
        }
    }

    /// Marks the connection as unusable: it is closed, not reused, when the lease ends.
    pub fn mark_broken(&self) {
        self.broken.store(true, Ordering::Relaxed);
    }

    /// Whether the connection was marked unusable.
    pub fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Relaxed)
    }

    /// Whether a transaction is open on it, as far as its statements tell.
    pub fn in_transaction(&self) -> bool {
        self.in_transaction.load(Ordering::Relaxed)
    }

    /// Gives the connection back to the pool (the same as dropping the lease).
    pub fn release(self) {}
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let held = clock::elapsed(self.acquired_at);
        // Dropped while a panic unwinds: whatever the connection was doing stopped half-way.
        let broken = self.is_broken() || std::thread::panicking();
        if broken || !self.in_transaction() || conn.is_dead() {
            self.pool.release(conn, self.slot, self.class, held, broken.then_some(RemoveReason::Broken));
            return;
        }
        // Returned inside a transaction: roll back before anyone else gets it. The slot stays
        // taken until then, so the pool never counts more connections than it has.
        let (pool, slot, class) = (self.pool.clone(), self.slot, self.class);
        let deadline = pool.config.connect.connect_timeout;
        pool.runtime.clone().spawn(async move {
            let clean = matches!(tokio::time::timeout(deadline, conn.object.simple_query("ROLLBACK")).await, Ok(Ok(_)));
            pool.release(conn, slot, class, held, (!clean).then_some(RemoveReason::RollbackFailed));
        });
    }
}
