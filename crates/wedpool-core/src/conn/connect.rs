//! Opening connections: the deadpool object pool over a validated [`ConnectConfig`], one
//! deadline per attempt, and classification of what went wrong.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::error::SqlState;

use crate::config::connect_config::ConnectConfig;
use crate::config::session_attrs::{SessionState, TargetSessionAttrs};
use crate::conn::connector::{Connector, ServerConnector, SharedConnector};
use crate::conn::driver::{with_fate, ConnectionFate, FateConnect};
use crate::conn::route::{session_state, HostRoute};
use crate::conn::tls::TlsConnector;
use crate::conn::tls_errors::describe_tls_failure;
use crate::error::{ConnectErrorKind, PoolError};

/// What opens a pool's connections: its validated [`ConnectConfig`], the route over its hosts,
/// the TLS connector and the [`Connector`]. `Debug` never shows the password.
#[derive(Clone)]
pub struct ConnectSettings {
    config: ConnectConfig,
    /// The hosts, which one the next connection goes to, and `target_session_attrs`.
    pub route: Arc<HostRoute>,
    tls_connector: TlsConnector,
    connector: SharedConnector,
}

impl fmt::Debug for ConnectSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectSettings").field("config", &self.config).finish_non_exhaustive()
    }
}

impl ConnectSettings {
    /// Connections as `config` describes them, opened by `connector` — or, without one, by a
    /// [`ServerConnector`] dialling the server with the configured TLS. With a connector of
    /// its own (test doubles, in-process transports) everything else — deadlines,
    /// `application_name`, classification of failures — stays as configured.
    pub fn new(config: &ConnectConfig, connector: Option<Arc<dyn Connector>>) -> Self {
        let tls_connector = TlsConnector::new(&config.tls_client, config.tls.servername.as_deref());
        let connector = connector
            .unwrap_or_else(|| Arc::new(ServerConnector::with_tls(tls_connector.clone(), config.retry_with_tls())));
        ConnectSettings {
            route: Arc::new(HostRoute::new(&config.pg, config.session_attrs)),
            config: config.clone(),
            tls_connector,
            connector: SharedConnector(connector),
        }
    }

    /// A deadpool pool of `max_size` objects over these settings. Its own wait queue is never
    /// used: WedPool admits callers itself and only asks deadpool for new objects.
    pub fn object_pool(&self, max_size: usize) -> deadpool_postgres::Pool {
        let manager = Manager::from_connect(
            self.config.pg.clone(),
            FateConnect(self.connector.clone(), Some(self.route.clone()), self.tls_connector.clone()),
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        deadpool_postgres::Pool::builder(manager)
            .max_size(max_size.max(1))
            .runtime(Runtime::Tokio1)
            .build()
            .expect("a pool with a runtime and a positive size always builds")
    }

    /// Opens one connection and reads its backend process id, all within the connect deadline.
    /// The connection's driver reports how it ends to the returned [`ConnectionFate`].
    ///
    /// Fails with [`PoolError::ConnectFailed`] carrying the classified cause.
    ///
    /// With a `target_session_attrs` other than `any`, each host is tried in turn (the last one
    /// that fitted first) and asked what it is; one that does not fit is closed and the next
    /// tried. `prefer-standby` takes a primary only when no standby answered.
    pub async fn open(
        &self,
        objects: &deadpool_postgres::Pool,
    ) -> Result<(Object, i32, Arc<ConnectionFate>), PoolError> {
        let attrs = self.route.attrs;
        if !attrs.needs_check() {
            let fate = Arc::new(ConnectionFate::default());
            let (object, pid) = with_fate(fate.clone(), self.open_object(objects)).await?;
            return Ok((object, pid, fate));
        }
        let mut notes = Vec::new();
        let mut last_connect_error = None;
        let passes = if attrs == TargetSessionAttrs::PreferStandby { 2 } else { 1 };
        for pass in 0..passes {
            for index in self.route.attempt_order() {
                let name = self.route.name(index);
                let fate = Arc::new(ConnectionFate::default());
                fate.aim(index);
                let (object, pid) = match with_fate(fate.clone(), self.open_object(objects)).await {
                    Ok(opened) => opened,
                    Err(e) => {
                        notes.push(format!("{name}: {}", short_reason(&e)));
                        last_connect_error = Some(e);
                        continue;
                    }
                };
                match tokio::time::timeout(self.config.connect_timeout, session_state(&object)).await {
                    Ok(Ok(state)) if attrs.accepts(state) || pass == 1 => {
                        self.route.fitted(index);
                        return Ok((object, pid, fate));
                    }
                    Ok(Ok(state)) => notes.push(format!("{name} is {}", describe_state(state))),
                    Ok(Err(e)) => notes.push(format!("{name}: {}", short_reason(&self.classify(&e)))),
                    Err(_) => notes.push(format!("{name}: no answer to the session check")),
                }
                drop(Object::take(object));
            }
        }
        let failures = notes.len();
        match last_connect_error {
            // Nothing answered at all: the connect error says best what is wrong.
            Some(e) if failures == self.route.len() * passes && self.route.len() == 1 => Err(e),
            last => Err(self.failure(
                last.as_ref().map(connect_kind).unwrap_or(ConnectErrorKind::Other),
                format!("no host fits target_session_attrs={attrs} ({})", notes.join("; ")),
                None,
            )),
        }
    }

    async fn open_object(&self, objects: &deadpool_postgres::Pool) -> Result<(Object, i32), PoolError> {
        let timeouts = Timeouts {
            wait: Some(Duration::ZERO),
            create: Some(self.config.connect_timeout),
            recycle: Some(self.config.connect_timeout),
        };
        let attempt = async {
            let object = objects.timeout_get(&timeouts).await.map_err(|e| self.classify_pool_error(e))?;
            let pid = backend_pid(&object).await.map_err(|e| self.classify(&e))?;
            Ok((object, pid))
        };
        match tokio::time::timeout(self.config.connect_timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(self.failure(
                ConnectErrorKind::Timeout,
                format!(
                    "no connection to {} within {} ms",
                    self.config.target,
                    self.config.connect_timeout.as_millis()
                ),
                None,
            )),
        }
    }

    fn classify_pool_error(&self, e: deadpool_postgres::PoolError) -> PoolError {
        use deadpool_postgres::PoolError as P;
        match e {
            P::Backend(e) => self.classify(&e),
            P::Timeout(_) => self.failure(
                ConnectErrorKind::Timeout,
                format!(
                    "no connection to {} within {} ms",
                    self.config.target,
                    self.config.connect_timeout.as_millis()
                ),
                None,
            ),
            other => self.failure(ConnectErrorKind::Other, other.to_string(), None),
        }
    }

    /// Classifies a tokio-postgres error raised while connecting.
    pub fn classify(&self, e: &tokio_postgres::Error) -> PoolError {
        if let Some(cause) = describe_tls_failure(e, &self.config.tls) {
            return self.failure(
                ConnectErrorKind::Tls,
                format!("{cause} ({}, {})", self.config.target, self.config.tls.describe()),
                None,
            );
        }
        if let Some(db) = e.as_db_error() {
            let kind = match *db.code() {
                SqlState::INVALID_PASSWORD | SqlState::INVALID_AUTHORIZATION_SPECIFICATION => ConnectErrorKind::Auth,
                SqlState::TOO_MANY_CONNECTIONS => ConnectErrorKind::TooManyClients,
                _ => ConnectErrorKind::Other,
            };
            return self.failure(kind, db.message().to_string(), Some(db.code().code().to_string()));
        }
        let text = error_chain(e);
        let lower = text.to_lowercase();
        let kind = if let Some(io) = find_io_error(e) {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => ConnectErrorKind::Refused,
                std::io::ErrorKind::TimedOut => ConnectErrorKind::Timeout,
                _ if is_dns(&lower) => ConnectErrorKind::Dns,
                _ => ConnectErrorKind::Other,
            }
        } else if is_dns(&lower) {
            ConnectErrorKind::Dns
        } else if lower.contains("password") || lower.contains("authentication") {
            ConnectErrorKind::Auth
        } else if lower.contains("tls") || lower.contains("ssl") {
            ConnectErrorKind::Tls
        } else if lower.contains("timed out") || lower.contains("timeout") {
            ConnectErrorKind::Timeout
        } else {
            ConnectErrorKind::Other
        };
        self.failure(kind, format!("{text} ({})", self.config.target), None)
    }

    fn failure(&self, kind: ConnectErrorKind, message: String, sqlstate: Option<String>) -> PoolError {
        PoolError::ConnectFailed { kind, message: self.config.scrub(message), sqlstate }
    }
}

/// What a host is, for messages.
fn describe_state(state: SessionState) -> &'static str {
    match (state.in_recovery, state.read_only) {
        (true, _) => "a standby (in recovery)",
        (false, true) => "read-only (transaction_read_only is on)",
        (false, false) => "a writable primary",
    }
}

/// The message of a connect error, without the target (the caller names the host).
fn short_reason(e: &PoolError) -> String {
    match e {
        PoolError::ConnectFailed { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// The kind of a connect error (`Other` for anything else).
fn connect_kind(e: &PoolError) -> ConnectErrorKind {
    match e {
        PoolError::ConnectFailed { kind, .. } => *kind,
        _ => ConnectErrorKind::Other,
    }
}

/// The SQL sent once per new connection: `select pg_backend_pid()`.
async fn backend_pid(object: &Object) -> Result<i32, tokio_postgres::Error> {
    let messages = object.simple_query("select pg_backend_pid()").await?;
    Ok(messages
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).and_then(|v| v.parse().ok()),
            _ => None,
        })
        .unwrap_or(0))
}

fn is_dns(lower: &str) -> bool {
    lower.contains("lookup")
        || lower.contains("name or service not known")
        || lower.contains("resolve")
        || lower.contains("no address")
        || lower.contains("nodename nor servname")
}

fn find_io_error(e: &tokio_postgres::Error) -> Option<&std::io::Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        source = s.source();
    }
    None
}

fn error_chain(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
