//! Connection settings as data: the options and the connection string validated into the
//! tokio-postgres configuration, the deadlines, the pool's identity, `target_session_attrs`,
//! PgBouncer mode and TLS (with the rustls client configuration already built, so every
//! mistake is `INVALID_CONFIG` here). Opening connections with them is `conn/`'s business.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use tokio_postgres::config::SslMode;

use crate::config::bounds::{
    bounded_millis, deadline, js, MAX_KEEPALIVE_MILLIS, MAX_TCP_USER_TIMEOUT_MILLIS, NO_DEADLINE,
};
use crate::config::conn_params::{parse_bool, take_params};
use crate::config::identity::Identity;
use crate::config::option_types::PoolOptions;
use crate::config::redact::{redact_collecting, redact_message};
use crate::config::session_attrs::TargetSessionAttrs;
use crate::config::tls::{channel_binding, SslMode as LibpqSslMode, TlsSettings};
use crate::config::tls_client::client_config;
use crate::config::tls_params::take_tls_params;
use crate::error::PoolError;

/// Connection settings, validated. `Debug` never shows the password.
#[derive(Clone)]
pub struct ConnectConfig {
    /// The tokio-postgres configuration: hosts, ports, credentials, `application_name`,
    /// keepalives, deadlines, the TLS mode tokio-postgres knows.
    pub(crate) pg: tokio_postgres::Config,
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
    /// What a host must be (`target_session_attrs`).
    pub session_attrs: TargetSessionAttrs,
    /// TLS: mode, verification, roots, client certificate.
    pub tls: TlsSettings,
    /// The rustls client configuration for [`ConnectConfig::tls`], validated.
    pub(crate) tls_client: Arc<ClientConfig>,
    password: Option<String>,
}

impl fmt::Debug for ConnectConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectConfig")
            .field("target", &self.target)
            .field("connect_timeout", &self.connect_timeout)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl ConnectConfig {
    /// Builds settings from the user's options.
    ///
    /// Fails with `INVALID_CONFIG` (`connectionString`, `port`, `sslmode`, …) when the connection
    /// string cannot be parsed or an option is wrong (see [`TlsSettings::resolve`] for TLS).
    pub fn from_options(o: &PoolOptions) -> Result<Self, PoolError> {
        let own = o.connection_string.as_deref().map(|s| take_params(s, &["pgbouncer", "target_session_attrs"]));
        let session_attrs = match (&o.target_session_attrs, own.as_ref().and_then(|t| t.get("target_session_attrs"))) {
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
        let tls_client = client_config(&tls)?;
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
        Ok(ConnectConfig {
            pg,
            target,
            connect_timeout,
            keepalive,
            app,
            instance,
            app_tag: identity.app_tag,
            pgbouncer,
            session_attrs,
            tls,
            tls_client,
            password,
        })
    }

    /// Whether a first attempt without TLS that the server refuses is repeated with TLS
    /// (libpq's `sslmode=allow`, over TCP: Unix sockets have no TLS).
    pub fn retry_with_tls(&self) -> bool {
        self.tls.mode == LibpqSslMode::Allow && !only_unix_sockets(&self.pg)
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

/// Eight hex digits from the clock and the process id: unique enough among instances.
fn random_instance_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    format!("{:08x}", h.finish() as u32)
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
