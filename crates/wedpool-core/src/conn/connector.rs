//! The seam between the engine and the network: how one connection is opened. The default
//! [`ServerConnector`] dials the server named in the configuration (TCP or Unix socket) with
//! tokio-postgres; tests pass their own [`Connector`] that speaks the protocol over an
//! in-memory stream, so the engine runs without a PostgreSQL server (and on tokio's paused
//! clock) while everything above the socket — startup, queries, the driver task and how a
//! connection ends — is the real code.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config, Error, NoTls};

use crate::conn::tls::TlsConnector;

/// A connection's driver: the future that runs its protocol until the connection ends
/// (`Ok` when the server closed it, `Err` with the server's FATAL error or the socket error).
pub type Driver = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// Opens connections. Implement it to run the pool over something other than a socket
/// dialled by tokio-postgres (a test double, an in-process proxy); most users never do.
pub trait Connector: Send + Sync + 'static {
    /// Opens one connection with `config` (host, user, database, `application_name`, …) and
    /// returns its client and driver. The pool spawns the driver and applies its own connect
    /// deadline around this call.
    fn connect(&self, config: &Config) -> BoxFuture<'static, Result<(Client, Driver), Error>>;
}

/// Dials the configured server. `Default` dials without TLS; the pool's own connector uses
/// the TLS settings of its options (`sslmode`, `ssl`).
#[derive(Debug, Default, Clone)]
pub struct ServerConnector {
    tls: Option<TlsConnector>,
    retry_with_tls: bool,
}

impl ServerConnector {
    /// Dials through `tls`. With `retry_with_tls` (libpq's `sslmode=allow`, where the config
    /// says no TLS), a first attempt the server answers with an error (a `hostnossl … reject`
    /// rule, say) is repeated with TLS.
    pub(crate) fn with_tls(tls: TlsConnector, retry_with_tls: bool) -> Self {
        ServerConnector { tls: Some(tls), retry_with_tls }
    }
}

impl Connector for ServerConnector {
    fn connect(&self, config: &Config) -> BoxFuture<'static, Result<(Client, Driver), Error>> {
        let config = config.clone();
        let this = self.clone();
        Box::pin(async move {
            let Some(tls) = this.tls else {
                let (client, connection) = config.connect(NoTls).await?;
                return Ok((client, Box::pin(connection) as Driver));
            };
            let (client, connection) = match config.connect(tls.clone()).await {
                Err(e) if this.retry_with_tls && e.as_db_error().is_some() => {
                    let mut with_tls = config.clone();
                    with_tls.ssl_mode(SslMode::Require);
                    with_tls.connect(tls).await?
                }
                other => other?,
            };
            Ok((client, Box::pin(connection) as Driver))
        })
    }
}

/// The connector a pool uses, shared by its connection attempts.
#[derive(Clone)]
pub(crate) struct SharedConnector(pub(crate) Arc<dyn Connector>);

impl Default for SharedConnector {
    fn default() -> Self {
        SharedConnector(Arc::new(ServerConnector::default()))
    }
}

impl fmt::Debug for SharedConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connector")
    }
}
