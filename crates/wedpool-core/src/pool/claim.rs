//! The fleet's claim protocol: every connection an instance opens beyond its first is claimed
//! first, through the database itself, so that instances opening at the same moment never
//! take the same free slot twice.
//!
//! A claim runs on one of the instance's own connections, in four round trips:
//!
//! 1. `BEGIN; SET LOCAL lock_timeout …; SET LOCAL idle_in_transaction_session_timeout …;
//!    SELECT pg_advisory_xact_lock(FLEET_LOCK_KEY)` — waits while another instance (of any
//!    application using WedPool on this database) is claiming;
//! 2. [`FLEET_SQL`](crate::scaling::fleet::FLEET_SQL): the server's slots, who holds them, and
//!    `pending` — slots other instances claimed whose connections are not open yet. Nobody else
//!    can claim meanwhile, so the free slots it shows are free for this instance alone (apart
//!    from other instances' first connections, which the safety margin absorbs). The grant
//!    ([`FleetSnapshot::grant`]) is at most what is wanted, what the fair share leaves and what
//!    is free;
//! 3. one session-level shared advisory lock `(PENDING_KEY, n)` per granted slot, `COMMIT`
//!    (which lets the next claimer in: it counts these as pending), then
//!    `BEGIN; SET LOCAL idle_in_transaction_session_timeout …` again;
//! 4. after the granted connections opened (or failed): `SELECT pg_advisory_unlock_all();
//!    COMMIT` — they now count in `pg_stat_activity` instead.
//!
//! The claim lock is held for two round trips only; the connections open outside it, in
//! parallel with other instances' claims.
//!
//! Failure modes: an instance that dies during a claim loses its session, which releases its
//! lock and its pending slots at once; one that vanishes without closing its socket is cut off
//! by `idle_in_transaction_session_timeout` (the claim connection is inside a transaction
//! throughout). No wall clock is involved, so a clock that jumps changes nothing. A server
//! restart ends every session and lock; each instance's first connection after it is opened
//! unclaimed, within the margin.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_postgres::error::SqlState;

use crate::clock;
use crate::observe::remove_reason::RemoveReason;
use crate::pool::backoff::backoff;
use crate::pool::inner::{Events, PoolInner};
use crate::pool::state::PooledConnection;
use crate::scaling::fleet::{FleetSnapshot, PENDING_KEY};

/// The advisory lock every WedPool instance takes to claim connections (`wedpool` in ASCII,
/// then 0). Advisory locks are per database.
pub const FLEET_LOCK_KEY: i64 = 0x7765_6470_6f6f_6c00;

/// The shortest pause before an instance claims again after a claim found no room; a random
/// part of as much again is added, so that waiting instances do not queue in step.
const CLAIM_RETRY: Duration = Duration::from_millis(150);

impl PoolInner {
    /// Runs one claim on `conn` (set aside by `take_for_claim`), then gives the connection back.
    pub(crate) async fn claim(self: Arc<Self>, mut conn: PooledConnection) {
        let started = clock::now();
        let clean = match self.take_claim_lock(&conn).await {
            Ok(()) => self.claim_locked(&conn, started).await,
            Err(clean) => {
                self.claim_failed();
                clean
            }
        };
        let mut events = Events::new();
        let mut st = self.lock();
        st.claims.running = false;
        st.probing -= 1;
        if clean && !st.closed && !conn.is_dead() {
            conn.idle_since = clock::now();
            st.idle.push_back(conn);
        } else {
            let reason = if st.closed { RemoveReason::PoolEnded } else { RemoveReason::Broken };
            self.retire(&mut st, conn, reason, &mut events);
        }
        let n = self.dispatch(&mut st, &mut events);
        drop(st);
        self.changed.notify_waiters();
        self.finish(n, events);
    }

    /// Step 1: begins the transaction and waits for the fleet's claim lock. On failure, whether
    /// the connection is clean again.
    async fn take_claim_lock(&self, conn: &PooledConnection) -> Result<(), bool> {
        let wait = self.config.connect.connect_timeout;
        let sql = format!(
            "BEGIN; SET LOCAL lock_timeout = '{}ms'; SET LOCAL idle_in_transaction_session_timeout = '{}ms'; \
             SELECT pg_advisory_xact_lock({FLEET_LOCK_KEY})",
            wait.as_millis(),
            self.claim_idle_limit().as_millis()
        );
        match tokio::time::timeout(wait + Duration::from_secs(1), conn.object.simple_query(&sql)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => Err(self.run(conn, "ROLLBACK").await),
            _ => Err(false),
        }
    }

    /// Steps 2 to 4, holding the claim lock. Whether the connection is clean afterwards.
    async fn claim_locked(self: &Arc<Self>, conn: &PooledConnection, started: Instant) -> bool {
        let locked = clock::now();
        let Some(snapshot) = self.read_fleet(&conn.object).await else {
            self.claim_failed();
            return self.run(conn, "ROLLBACK").await;
        };
        let granted = self.grant(snapshot);
        let recorded = if granted == 0 {
            self.run(conn, "COMMIT").await
        } else {
            let sql = format!(
                "SELECT pg_advisory_lock_shared({PENDING_KEY}, n) FROM generate_series(1, {granted}) n; COMMIT; \
                 BEGIN; SET LOCAL idle_in_transaction_session_timeout = '{}ms'",
                self.claim_idle_limit().as_millis()
            );
            self.run(conn, &sql).await
        };
        let released = clock::now();
        if !recorded {
            // The claim may not be visible to others: open nothing.
            self.ungrant(granted);
            return false;
        }
        let mut clean = true;
        let mut opening = Duration::ZERO;
        if granted > 0 {
            let openings: Vec<_> = (0..granted).map(|_| self.runtime.spawn(self.clone().create_one())).collect();
            for handle in openings {
                let _ = handle.await;
            }
            opening = clock::elapsed(released);
            clean = self.run(conn, "SELECT pg_advisory_unlock_all(); COMMIT").await;
        }
        let mut st = self.lock();
        let c = &mut st.counters.claims;
        c.claims += 1;
        c.lock_wait += locked - started;
        c.lock_held += released - locked;
        c.overhead += clock::elapsed(started).saturating_sub(opening);
        clean
    }

    /// Applies the reading and decides how many connections to open; counts them as being
    /// opened. Schedules the next claim when this one could not give all that is wanted.
    fn grant(&self, snapshot: FleetSnapshot) -> usize {
        let mut events = Events::new();
        let mut st = self.lock();
        self.apply_fleet(&mut st, Some(snapshot), &mut events);
        let now = clock::now();
        let wanted = st.openings_wanted(now);
        let granted = snapshot.grant(st.fleet.margin_now, wanted, st.live + st.creating);
        st.creating += granted;
        st.counters.claims.granted += granted as u64;
        if granted > 0 {
            st.recovery.last_attempt_at = Some(now);
        }
        if granted < wanted {
            let spread = (st.recovery.jitter.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            st.claims.after = Some(now + CLAIM_RETRY.mul_f64(1.0 + spread));
        }
        drop(st);
        self.emit_all(events);
        granted
    }

    /// Takes back a grant whose claim could not be recorded.
    fn ungrant(&self, granted: usize) {
        let mut st = self.lock();
        st.creating -= granted;
        st.counters.claims.granted -= granted as u64;
        st.counters.claims.failed += 1;
    }

    /// A claim that did not get the lock or a reading: the next one waits a little.
    fn claim_failed(&self) {
        let mut st = self.lock();
        st.counters.claims.failed += 1;
        let random = st.recovery.jitter.next_u64();
        st.claims.after = Some(clock::now() + backoff(3, random));
    }

    /// How long the server lets a claim connection sit idle inside its transaction before it
    /// ends the session (and with it the claim): enough for the openings, each bounded by the
    /// connect timeout and run together.
    fn claim_idle_limit(&self) -> Duration {
        self.config.connect.connect_timeout * 2 + Duration::from_secs(1)
    }

    /// Runs `sql` (simple protocol) within the connect timeout; whether it succeeded.
    async fn run(&self, conn: &PooledConnection, sql: &str) -> bool {
        let deadline = self.config.connect.connect_timeout;
        matches!(tokio::time::timeout(deadline, conn.object.simple_query(sql)).await, Ok(Ok(_)))
    }
}
