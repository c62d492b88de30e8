//! Driving connections: WedPool's own deadpool [`Connect`] spawns each tokio-postgres
//! connection task and records how it ended (the server's FATAL error such as 57P01, or a socket
//! error) in a [`ConnectionFate`]. The pool watches fates to evict dead idle connections at
//! once and to tell callers why a connection was lost; the fate's abort handle and cancel
//! token let `end()` stop work still running at its deadline. Cancel requests go through the
//! pool's TLS connector, as connections do.

use std::sync::{Arc, Mutex, OnceLock};

use deadpool_postgres::Connect;
use futures_util::future::BoxFuture;
use tokio::task::{AbortHandle, JoinHandle};
use tokio_postgres::{CancelToken, Client, Config, Error};

#[cfg(doc)]
use crate::conn::connector::Connector;
use crate::conn::connector::SharedConnector;
use crate::conn::tls::TlsConnector;

use crate::conn::route::HostRoute;

tokio::task_local! {
    /// The fate of the connection being opened by the current task.
    static OPENING: Arc<ConnectionFate>;
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    /// What happened, without credentials.
    pub message: String,
    /// The server's SQLSTATE when it ended the session itself.
    pub sqlstate: Option<String>,
}

impl Ending {
    /// Whether the server is shutting down or restarting (57P01, 57P02, 57P03): every other
    /// connection to it is about to die too.
    pub fn is_admin_shutdown(&self) -> bool {
        matches!(self.sqlstate.as_deref(), Some("57P01" | "57P02" | "57P03"))
    }
}

type Watcher = Box<dyn Fn(&Ending) + Send + Sync>;

/// What is known about one connection's life, shared by its driver task and the pool.
#[derive(Default)]
pub struct ConnectionFate {
    ending: OnceLock<Ending>,
    watcher: Mutex<Option<Watcher>>,
    abort: OnceLock<AbortHandle>,
    cancel: OnceLock<Canceller>,
    host: OnceLock<usize>,
}

/// Sends a cancel request for the statement running on one connection, over the same TLS
/// settings the connection used.
#[derive(Clone)]
pub struct Canceller {
    token: CancelToken,
    tls: TlsConnector,
}

impl std::fmt::Debug for Canceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canceller").finish_non_exhaustive()
    }
}

impl Canceller {
    /// Opens a new connection to the server and asks it to cancel the running statement.
    pub async fn cancel(self) -> Result<(), Error> {
        self.token.cancel_query(self.tls).await
    }
}

/// How the connection ended, if it has; the handles are not shown.
impl std::fmt::Debug for ConnectionFate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionFate").field("ending", &self.ending.get()).finish_non_exhaustive()
    }
}

impl ConnectionFate {
    /// Aims the attempt at host `index` of the pool's [`HostRoute`] (before connecting).
    pub fn aim(&self, index: usize) {
        let _ = self.host.set(index);
    }

    /// The index of the host this connection went to (0 when attempts are not aimed).
    pub fn host(&self) -> usize {
        self.host.get().copied().unwrap_or(0)
    }

    /// How the connection ended, if it has.
    pub fn ending(&self) -> Option<&Ending> {
        self.ending.get()
    }

    /// Calls `watcher` when the connection ends (at once if it already has).
    pub fn watch(&self, watcher: impl Fn(&Ending) + Send + Sync + 'static) {
        let mut slot = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ending) = self.ending.get() {
            drop(slot);
            watcher(ending);
            return;
        }
        *slot = Some(Box::new(watcher));
    }

    /// What cancels the statement running on this connection.
    pub fn canceller(&self) -> Option<Canceller> {
        self.cancel.get().cloned()
    }

    /// Stops the connection's driver task: every pending and later request fails at once.
    pub fn abort(&self) {
        if let Some(handle) = self.abort.get() {
            handle.abort();
        }
    }

    fn finish(&self, ending: Ending) {
        let _ = self.ending.set(ending);
        let watcher = self.watcher.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let (Some(watcher), Some(ending)) = (watcher, self.ending.get()) {
            watcher(ending);
        }
    }
}

/// Runs `open` (which asks deadpool for a new object) so that the connection it creates
/// reports to `fate`.
pub async fn with_fate<T>(fate: Arc<ConnectionFate>, open: impl std::future::Future<Output = T>) -> T {
    OPENING.scope(fate, open).await
}

/// deadpool's connect hook: opens a connection with the pool's [`Connector`] and drives it in
/// a task that records how it ended. With several hosts and a `target_session_attrs` other
/// than `any`, each attempt goes to the one host its fate is aimed at (see [`HostRoute`]).
/// Cancel requests for the connection go through the TLS connector (the third field), as the
/// connection itself did.
#[derive(Debug, Clone)]
pub(crate) struct FateConnect(pub(crate) SharedConnector, pub(crate) Option<Arc<HostRoute>>, pub(crate) TlsConnector);

impl Connect for FateConnect {
    fn connect(&self, config: &Config) -> BoxFuture<'_, Result<(Client, JoinHandle<()>), Error>> {
        let fate = OPENING.try_with(Arc::clone).ok();
        let aimed = match (&self.1, &fate) {
            (Some(route), Some(fate)) => fate.host.get().and_then(|i| route.config_for(*i)),
            _ => None,
        };
        let opening = self.0 .0.connect(aimed.unwrap_or(config));
        let tls = self.2.clone();
        Box::pin(async move {
            let (client, connection) = opening.await?;
            let task_fate = fate.clone();
            let task = tokio::spawn(async move {
                let mut connection = std::pin::pin!(connection);
                let result = connection.as_mut().await;
                // Record the ending before the connection is dropped, so a caller whose
                // request fails with "connection closed" can already read why.
                if let Some(fate) = task_fate {
                    fate.finish(ending_of(result));
                }
            });
            if let Some(fate) = fate {
                let _ = fate.abort.set(task.abort_handle());
                let _ = fate.cancel.set(Canceller { token: client.cancel_token(), tls });
            }
            Ok((client, task))
        })
    }
}

fn ending_of(result: Result<(), Error>) -> Ending {
    match result {
        Ok(()) => Ending { message: "the server closed the connection".into(), sqlstate: None },
        Err(e) => match e.as_db_error() {
            Some(db) => Ending { message: db.message().to_string(), sqlstate: Some(db.code().code().to_string()) },
            None => Ending { message: e.to_string(), sqlstate: None },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn watcher_set_after_the_ending_is_called_at_once() {
        let fate = ConnectionFate::default();
        fate.finish(Ending { message: "bye".into(), sqlstate: Some("57P01".into()) });
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        fate.watch(move |e| {
            assert!(e.is_admin_shutdown());
            c.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn watcher_is_called_once_when_the_connection_ends() {
        let fate = ConnectionFate::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        fate.watch(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        fate.finish(Ending { message: "reset".into(), sqlstate: None });
        fate.finish(Ending { message: "again".into(), sqlstate: None });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(fate.ending().unwrap().message, "reset");
    }

    #[test]
    fn only_shutdown_codes_count_as_admin_shutdown() {
        let e = |s: Option<&str>| Ending { message: String::new(), sqlstate: s.map(str::to_string) };
        assert!(e(Some("57P02")).is_admin_shutdown());
        assert!(!e(Some("57014")).is_admin_shutdown());
        assert!(!e(None).is_admin_shutdown());
    }
}
