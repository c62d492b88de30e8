//! Pool options as the facade passes them (already type-checked and flattened by
//! `ts/options.ts`); semantic validation happens in `wedpool_core::PoolConfig`.

use napi_derive::napi;
use wedpool_core::PoolOptions;
use wedpool_core::{ConnectOptions, DateOption, NodeSsl, NodeSslOptions, TlsOptions};

/// A listed wedding date.
#[napi(object)]
pub struct NativeDate {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// IANA timezone; absent means every configured timezone.
    pub timezone: Option<String>,
}

/// node-postgres's `ssl` option, with Buffers already turned into PEM text.
#[napi(object)]
pub struct NativeSsl {
    /// `false` for `ssl: false`.
    pub enabled: bool,
    /// Trusted CA certificates (PEM).
    pub ca: Option<Vec<String>>,
    /// Client certificate chain (PEM).
    pub cert: Option<String>,
    /// Client key (PEM).
    pub key: Option<String>,
    /// `false` accepts any server certificate.
    pub reject_unauthorized: Option<bool>,
    /// Name for SNI and the certificate check.
    pub servername: Option<String>,
}

impl From<NativeSsl> for NodeSsl {
    fn from(s: NativeSsl) -> Self {
        if !s.enabled {
            return NodeSsl::Off;
        }
        NodeSsl::On(NodeSslOptions {
            ca: s.ca.unwrap_or_default(),
            cert: s.cert,
            key: s.key,
            reject_unauthorized: s.reject_unauthorized,
            servername: s.servername,
        })
    }
}

/// Flattened pool options.
#[napi(object)]
pub struct NativePoolOptions {
    /// Connection string (URL or key=value).
    pub connection_string: Option<String>,
    /// Host.
    pub host: Option<String>,
    /// Port.
    pub port: Option<f64>,
    /// Role.
    pub user: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Database.
    pub database: Option<String>,
    /// application_name.
    pub application_name: Option<String>,
    /// Connect deadline in ms.
    pub connect_timeout_millis: Option<f64>,
    /// libpq sslmode.
    pub sslmode: Option<String>,
    /// CA file or `system`.
    pub sslrootcert: Option<String>,
    /// Client certificate file.
    pub sslcert: Option<String>,
    /// Client key file.
    pub sslkey: Option<String>,
    /// channel_binding.
    pub channel_binding: Option<String>,
    /// node-postgres's ssl.
    pub ssl: Option<NativeSsl>,
    /// basePoolSize.min.
    pub min: Option<f64>,
    /// basePoolSize.max.
    pub max: Option<f64>,
    /// basePoolSize.acquireTimeoutMillis.
    pub acquire_timeout_millis: Option<f64>,
    /// basePoolSize.idleTimeoutMillis.
    pub idle_timeout_millis: Option<f64>,
    /// weddingDayMultiplier.
    pub wedding_day_multiplier: Option<f64>,
    /// emergencyReservedConnections.
    pub emergency_reserved_connections: Option<f64>,
    /// weddingCalendar.weekdays.
    pub weekdays: Option<Vec<String>>,
    /// weddingCalendar.timezones.
    pub timezones: Option<Vec<String>>,
    /// weddingCalendar.dates.
    pub dates: Option<Vec<NativeDate>>,
    /// weddingCalendar.leadMinutes.
    pub lead_minutes: Option<f64>,
    /// priorityAgingPerSecond.
    pub priority_aging_per_second: Option<f64>,
    /// types.int8.
    pub int8: Option<String>,
    /// maintenanceIntervalMillis.
    pub maintenance_interval_millis: Option<f64>,
    /// statementCacheSize.
    pub statement_cache_size: Option<f64>,
    /// prepare (false: unnamed statements only, for transaction-mode poolers).
    pub prepare: Option<bool>,
    /// targetSessionAttrs.
    pub target_session_attrs: Option<String>,
    /// keepaliveMillis.
    pub keepalive_millis: Option<f64>,
    /// tcpUserTimeoutMillis.
    pub tcp_user_timeout_millis: Option<f64>,
    /// maxLifetimeMillis.
    pub max_lifetime_millis: Option<f64>,
    /// queryTimeoutMillis.
    pub query_timeout_millis: Option<f64>,
    /// maxWaiting.
    pub max_waiting: Option<f64>,
    /// unavailableGraceMillis.
    pub unavailable_grace_millis: Option<f64>,
    /// The IANA zone in which date/timestamp values are read (the process's).
    pub local_timezone: Option<String>,
    /// instanceId.
    pub instance_id: Option<String>,
    /// fleetBudget.enabled.
    pub fleet_budget: Option<bool>,
    /// fleetBudget.safetyMargin.
    pub fleet_safety_margin: Option<f64>,
    /// fleetBudget.refreshMillis.
    pub fleet_refresh_millis: Option<f64>,
    /// trafficLearning.alpha.
    pub profile_alpha: Option<f64>,
}

impl From<NativePoolOptions> for PoolOptions {
    fn from(o: NativePoolOptions) -> Self {
        PoolOptions {
            connect: ConnectOptions {
                connection_string: o.connection_string,
                host: o.host,
                port: o.port,
                user: o.user,
                password: o.password,
                database: o.database,
                application_name: o.application_name,
                connect_timeout_millis: o.connect_timeout_millis,
                keepalive_millis: None,
                tcp_user_timeout_millis: o.tcp_user_timeout_millis,
                instance_id: o.instance_id,
                target_session_attrs: o.target_session_attrs,
                tls: TlsOptions {
                    sslmode: o.sslmode,
                    sslrootcert: o.sslrootcert,
                    sslcert: o.sslcert,
                    sslkey: o.sslkey,
                    channel_binding: o.channel_binding,
                    ssl: o.ssl.map(NodeSsl::from),
                },
            },
            min: o.min,
            max: o.max,
            acquire_timeout_millis: o.acquire_timeout_millis,
            idle_timeout_millis: o.idle_timeout_millis,
            wedding_day_multiplier: o.wedding_day_multiplier,
            emergency_reserved_connections: o.emergency_reserved_connections,
            weekdays: o.weekdays,
            timezones: o.timezones,
            dates: o
                .dates
                .map(|ds| ds.into_iter().map(|d| DateOption { date: d.date, timezone: d.timezone }).collect()),
            lead_minutes: o.lead_minutes,
            priority_aging_per_second: o.priority_aging_per_second,
            int8: o.int8,
            maintenance_interval_millis: o.maintenance_interval_millis,
            statement_cache_size: o.statement_cache_size,
            prepare: o.prepare,
            keepalive_millis: o.keepalive_millis,
            max_lifetime_millis: o.max_lifetime_millis,
            query_timeout_millis: o.query_timeout_millis,
            max_waiting: o.max_waiting,
            unavailable_grace_millis: o.unavailable_grace_millis,
            local_timezone: o.local_timezone,
            fleet_budget: o.fleet_budget,
            fleet_margin: o.fleet_safety_margin,
            fleet_refresh_millis: o.fleet_refresh_millis,
            profile_alpha: o.profile_alpha,
        }
    }
}
