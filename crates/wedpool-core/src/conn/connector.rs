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
use tokio_postgres::{Client, Config, Error, NoTls};

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

/// Dials the configured server without TLS.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServerConnector;

impl Connector for ServerConnector {
    fn connect(&self, config: &Config) -> BoxFuture<'static, Result<(Client, Driver), Error>> {
        let config = config.clone();
        Box::pin(async move {
            let (client, connection) = config.connect(NoTls).await?;
            Ok((client, Box::pin(connection) as Driver))
        })
    }
}

/// The connector a pool uses, shared by its connection attempts.
#[derive(Clone)]
pub(crate) struct SharedConnector(pub(crate) Arc<dyn Connector>);

impl Default for SharedConnector {
    fn default() -> Self {
        SharedConnector(Arc::new(ServerConnector))
    }
}

impl fmt::Debug for SharedConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connector")
    }
}
