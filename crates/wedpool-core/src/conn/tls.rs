//! The TLS connector: the rustls client configuration validated with the options
//! (`config/tls_client.rs`) behind `tokio-postgres-rustls`, with the server name the options
//! ask for. The same connector serves cancel requests, so they reach TLS-only servers.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use rustls::ClientConfig;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::Socket;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Makes TLS sessions for connections and cancel requests. Cheap to clone.
#[derive(Clone)]
pub struct TlsConnector {
    rustls: MakeRustlsConnect,
    servername: Option<Arc<str>>,
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector").field("servername", &self.servername).finish_non_exhaustive()
    }
}

impl TlsConnector {
    /// A connector over `client` (already validated), sending `servername` instead of the
    /// host name when one is given.
    pub fn new(client: &ClientConfig, servername: Option<&str>) -> TlsConnector {
        TlsConnector { rustls: MakeRustlsConnect::new(client.clone()), servername: servername.map(Arc::from) }
    }
}

impl MakeTlsConnect<Socket> for TlsConnector {
    type Stream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;
    type TlsConnect = <MakeRustlsConnect as MakeTlsConnect<Socket>>::TlsConnect;
    type Error = Infallible;

    fn make_tls_connect(&mut self, host: &str) -> Result<Self::TlsConnect, Infallible> {
        let name = self.servername.clone();
        <MakeRustlsConnect as MakeTlsConnect<Socket>>::make_tls_connect(
            &mut self.rustls,
            name.as_deref().unwrap_or(host),
        )
    }
}
