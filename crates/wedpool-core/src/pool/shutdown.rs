//! Ending the pool: at once ([`Pool::end`]) or letting connections in use finish first
//! ([`Pool::drain`]).

use std::time::Duration;

use crate::error::PoolError;
use crate::observe::remove_reason::RemoveReason;
use crate::pool::inner::Events;
use crate::pool::Pool;

impl Pool {
    /// Stops admitting: queued callers fail with `POOL_CLOSED`, idle connections close now and
    /// connections in use close when they are released. Idempotent. See [`Pool::drain`].
    pub fn end(&self) {
        let mut events = Events::new();
        let waiters = {
            let mut st = self.inner.lock();
            st.closed = true;
            let waiters = st.queue.drain();
            while let Some(conn) = st.idle.pop_front() {
                self.inner.retire(&mut st, conn, RemoveReason::PoolEnded, &mut events);
            }
            waiters
        };
        for w in waiters {
            let _ = w.sender.send(Err(PoolError::PoolClosed));
        }
        self.inner.objects.close();
        self.inner.changed.notify_waiters();
        self.inner.emit_all(events);
    }

    /// Ends the pool and waits up to `timeout` for connections in use to come back; then
    /// cancels the statements still running on them and closes their sockets (their callers
    /// get `CONNECTION_LOST`). Returns how many connections had to be stopped.
    pub async fn drain(&self, timeout: Duration) -> usize {
        self.end();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.inner.lock().lent.is_empty() {
                return 0;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                break;
            }
        }
        let lent: Vec<_> = self.inner.lock().lent.values().cloned().collect();
        let cancel_deadline = self.inner.config.connect.connect_timeout.min(Duration::from_secs(2));
        for fate in &lent {
            if let Some(canceller) = fate.canceller() {
                let _ = tokio::time::timeout(cancel_deadline, canceller.cancel()).await;
            }
            fate.abort();
        }
        lent.len()
    }

    /// Whether [`Pool::end`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }
}
