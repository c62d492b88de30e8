//! Opening connections: the tokio-postgres configuration, the deadpool object pool, one
//! deadline per attempt, and classification of what went wrong.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;

use crate::config::bounds::{
    bounded_millis, deadline, js, MAX_KEEPALIVE_MILLIS, MAX_TCP_USER_TIMEOUT_MILLIS, NO_DEADLINE,
};
use crate::config::conn_params::{parse_bool, take_params};
use crate::config::option_types::PoolOptions;
use crate::config::redact::{redact_collecting, redact_message};
use crate::config::session_attrs::{SessionState, TargetSessionAttrs};
use crate::config::tls::{channel_binding, SslMode as LibpqSslMode, TlsSettings};
use crate::config::tls_params::take_tls_params;
use crate::conn::connector::{Connector, ServerConnector, SharedConnector};
use crate::conn::driver::{with_fate, ConnectionFate, FateConnect};
use crate::conn::identity::Identity;
use crate::conn::route::{session_state, HostRoute};
use crate::conn::tls::TlsConnector;
use crate::conn::tls_errors::describe_tls_failure;
use crate::error::{ConnectErrorKind, PoolError};
use std::sync::Arc;

/// Connection settings, validated. `Debug` never shows the password.
#[derive(Clone)]
pub struct ConnectSettings {
    pg: tokio_postgres::Config,
    /// Where connections go, without credentials (`app@127.0.0.1:5432/wedsync`).
    pub target: String,
    /// Deadline for one whole attempt (DNS, TCP, authentication, first query).
    pub connect_timeout: Duration,
    /// `keepaliveMillis`: the TCP keepalive idle time (whole seconds, at least one, for the kernel)
    /// and the pool's idle-probe interval.
    pub keepalive: Duration,
    /// The application this pool belongs to (`application_name` is `wedpool:<app>:<instance>`).
    pub app: String,
    /// This instance's id.
    pub instance: String,
    /// The app part of `application_name` (shortened to fit 63 bytes with the instance id).
    pub app_tag: String,
    /// `pgbouncer=true` was in the connection string: a transaction-mode pooler is in front.
    pub pgbouncer: bool,
    /// The hosts, which one the next connection goes to, and `target_session_attrs`.
    pub route: Arc<HostRoute>,
    /// TLS: mode, verification, roots, client certificate.
    pub tls: TlsSettings,
    tls_connector: TlsConnector,
    password: Option<String>,
    connector: SharedConnector,
}

impl fmt::Debug for ConnectSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectSettings")
            .field("target", &self.target)
            .field("connect_timeout", &self.connect_timeout)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl ConnectSettings {
    /// Builds settings from the user's options.
    ///
    /// Fails with `INVALID_CONFIG` (`connectionString`, `port`, `sslmode`, …) when the connection
    /// string cannot be parsed or an option is wrong (see [`TlsSettings::resolve`] for TLS).
    pub fn from_options(o: &PoolOptions) -> Result<Self, PoolError> {
        let own = o.connection_string.as_deref().map(|s| take_params(s, &["pgbouncer", "target_session_attrs"]));
        let attrs = match (&o.target_session_attrs, own.as_ref().and_then(|t| t.get("target_session_attrs"))) {
            (Some(v), _) => TargetSessionAttrs::parse(v, "targetSessionAttrs")?,
            (None, Some(v)) => TargetSessionAttrs::parse(v, "connectionString")?,
            (None, None) => TargetSessionAttrs::Any,
        };
        let pgbouncer = match own.as_ref().and_then(|t| t.get("pgbouncer")) {
            None => false,
            Some(v) => parse_bool(v).ok_or_else(|| {
                PoolError::invalid_config("connectionString", format!("pgbouncer must be true or false, got {v:?}"))
            })?,
        };
        let (rest, tls_params) = match own.as_ref().map(|t| t.rest.as_str()) {
            Some(s) => {
                let (rest, params) = take_tls_params(s)?;
                (Some(rest), params)
            }
            None => (None, Default::default()),
        };
        let mut pg = match &rest {
            Some(s) => tokio_postgres::Config::from_str(s).map_err(|e| {
                let (redacted, masked) = redact_collecting(s);
                let mut secrets: Vec<&str> = masked.iter().map(String::as_str).collect();
                secrets.extend(o.password.as_deref());
                let message = redact_message(&format!("cannot be parsed ({e})"), &secrets);
                PoolError::invalid_config("connectionString", format!("{message} in {redacted}"))
            })?,
            None => tokio_postgres::Config::new(),
        };
        if let Some(host) = &o.host {
            pg = replace_hosts(pg, host);
        }
        if let Some(port) = o.port {
            if !(1.0..=65535.0).contains(&port) || port.fract() != 0.0 {
                return Err(PoolError::invalid_config(
                    "port",
                    format!("must be a TCP port (1–65535), got {}", js(port)),
                ));
            }
            pg.port(port as u16);
        }
        if let Some(user) = &o.user {
            pg.user(user);
        }
        if let Some(password) = &o.password {
            pg.password(password);
        }
        if let Some(db) = &o.database {
            pg.dbname(db);
        }
        if pg.get_hosts().is_empty() {
            pg.host("localhost");
        }
        if pg.get_user().is_none() {
            let user = std::env::var("PGUSER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "postgres".into());
            pg.user(&user);
        }
        let app = o
            .application_name
            .clone()
            .or_else(|| pg.get_application_name().map(str::to_string))
            .unwrap_or_else(|| "app".to_string());
        let instance = o.instance_id.clone().unwrap_or_else(random_instance_id);
        let identity = Identity::new(&app, &instance);
        pg.application_name(&identity.application_name);
        let tls = TlsSettings::resolve(&tls_params, o)?;
        let tls_connector = TlsConnector::new(&tls)?;
        pg.channel_binding(channel_binding(o.channel_binding.as_deref(), pg.get_channel_binding(), tls.mode)?);
        pg.ssl_mode(match tls.mode {
            // TLS does not exist over Unix sockets: libpq ignores sslmode there.
            _ if only_unix_sockets(&pg) => SslMode::Disable,
            LibpqSslMode::Disable | LibpqSslMode::Allow => SslMode::Disable,
            LibpqSslMode::Prefer => SslMode::Prefer,
            LibpqSslMode::Require | LibpqSslMode::VerifyCa | LibpqSslMode::VerifyFull => SslMode::Require,
        });
        let connect_timeout = deadline("connectTimeoutMillis", o.connect_timeout_millis, 5_000)?.unwrap_or(NO_DEADLINE);
        pg.connect_timeout(connect_timeout);
        pg.keepalives(true);
        let keepalive = bounded_millis("keepaliveMillis", o.keepalive_millis, 30_000, MAX_KEEPALIVE_MILLIS)?;
        pg.keepalives_idle(keepalive.max(Duration::from_secs(1)));
        pg.keepalives_interval(Duration::from_secs(5));
        pg.keepalives_retries(3);
        let user_timeout =
            bounded_millis("tcpUserTimeoutMillis", o.tcp_user_timeout_millis, 10_000, MAX_TCP_USER_TIMEOUT_MILLIS)?;
        if !user_timeout.is_zero() {
            pg.tcp_user_timeout(user_timeout);
        }
        let password = pg.get_password().map(|p| String::from_utf8_lossy(p).into_owned());
        let target = describe(&pg);
        let route = Arc::new(HostRoute::new(&pg, attrs));
        let retry_with_tls = tls.mode == LibpqSslMode::Allow && !only_unix_sockets(&pg);
        Ok(ConnectSettings {
            pg,
            target,
            connect_timeout,
            keepalive,
            app,
            instance,
            app_tag: identity.app_tag,
            pgbouncer,
            route,
            connector: SharedConnector(Arc::new(ServerConnector::with_tls(tls_connector.clone(), retry_with_tls))),
            tls,
            tls_connector,
            password,
        })
    }

    /// The same settings, with connections opened by `connector` instead of dialling the
    /// server (test doubles, in-process transports). Everything else — deadlines,
    /// `application_name`, classification of failures — stays as configured.
    pub fn with_connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = SharedConnector(connector);
        self
    }

    /// A deadpool pool of `max_size` objects over these settings. Its own wait queue is never
    /// used: WedPool admits callers itself and only asks deadpool for new objects.
    pub fn object_pool(&self, max_size: usize) -> deadpool_postgres::Pool {
        let manager = Manager::from_connect(
            self.pg.clone(),
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
                match tokio::time::timeout(self.connect_timeout, session_state(&object)).await {
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
            create: Some(self.connect_timeout),
            recycle: Some(self.connect_timeout),
        };
        let attempt = async {
            let object = objects.timeout_get(&timeouts).await.map_err(|e| self.classify_pool_error(e))?;
            let pid = backend_pid(&object).await.map_err(|e| self.classify(&e))?;
            Ok((object, pid))
        };
        match tokio::time::timeout(self.connect_timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(self.failure(
                ConnectErrorKind::Timeout,
                format!("no connection to {} within {} ms", self.target, self.connect_timeout.as_millis()),
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
                format!("no connection to {} within {} ms", self.target, self.connect_timeout.as_millis()),
                None,
            ),
            other => self.failure(ConnectErrorKind::Other, other.to_string(), None),
        }
    }

    /// Classifies a tokio-postgres error raised while connecting.
    pub fn classify(&self, e: &tokio_postgres::Error) -> PoolError {
        if let Some(cause) = describe_tls_failure(e, &self.tls) {
            return self.failure(
                ConnectErrorKind::Tls,
                format!("{cause} ({}, {})", self.target, self.tls.describe()),
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
        self.failure(kind, format!("{text} ({})", self.target), None)
    }

    fn failure(&self, kind: ConnectErrorKind, message: String, sqlstate: Option<String>) -> PoolError {
        PoolError::ConnectFailed { kind, message: self.scrub(message), sqlstate }
    }

    /// The `application_name` connections report.
    pub fn application_name(&self) -> String {
        self.pg.get_application_name().unwrap_or_default().to_string()
    }

    /// Removes the password from a message, should any layer ever echo it.
    pub fn scrub(&self, message: String) -> String {
        match self.password.as_deref() {
            Some(p) if !p.is_empty() => message.replace(p, "***"),
            _ => message,
        }
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

/// Eight hex digits from the clock and the process id: unique enough among instances.
fn random_instance_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    format!("{:08x}", h.finish() as u32)
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

fn replace_hosts(pg: tokio_postgres::Config, host: &str) -> tokio_postgres::Config {
    // tokio-postgres only appends hosts; rebuild the config without the parsed ones.
    let mut fresh = tokio_postgres::Config::new();
    if let Some(u) = pg.get_user() {
        fresh.user(u);
    }
    if let Some(p) = pg.get_password() {
        fresh.password(p);
    }
    if let Some(d) = pg.get_dbname() {
        fresh.dbname(d);
    }
    if let Some(a) = pg.get_application_name() {
        fresh.application_name(a);
    }
    if let Some(o) = pg.get_options() {
        fresh.options(o);
    }
    fresh.ssl_mode(pg.get_ssl_mode());
    fresh.channel_binding(pg.get_channel_binding());
    for port in pg.get_ports() {
        fresh.port(*port);
    }
    fresh.host(host);
    fresh
}

fn only_unix_sockets(pg: &tokio_postgres::Config) -> bool {
    #[cfg(unix)]
    return pg.get_hosts().iter().all(|h| matches!(h, tokio_postgres::config::Host::Unix(_)));
    #[cfg(not(unix))]
    return false;
}

fn describe(pg: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let hosts: Vec<String> = pg
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let port = pg.get_ports().get(i).or_else(|| pg.get_ports().first()).copied().unwrap_or(5432);
            match h {
                Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect();
    format!("{}@{}/{}", pg.get_user().unwrap_or("?"), hosts.join(","), pg.get_dbname().or(pg.get_user()).unwrap_or("?"))
}
