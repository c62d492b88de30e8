//! Pool options as the user writes them, and their validation into a [`PoolConfig`].
//!
//! Numbers arrive as `f64` (they come from JavaScript) so that validation can name a negative
//! or fractional value instead of silently truncating it. Every error is
//! [`PoolError::InvalidConfig`] naming the option as the user wrote it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;

use crate::codec::int8_mode::Int8Mode;
use crate::config::bounds::{
    bounded_millis, count, deadline, millis, MAX_KEEPALIVE_MILLIS, MAX_POOL_SIZE, MAX_STATEMENT_CACHE, MAX_WAITING,
    NO_DEADLINE,
};
use crate::config::tls::TlsOptions;
use crate::conn::connect::ConnectSettings;
use crate::error::PoolError;
use crate::scaling::calendar::{ListedDate, WeddingCalendar};
use crate::scaling::policy::ScalingPolicy;

/// Where to connect. Explicit fields override the connection string.
#[derive(Clone, Default)]
pub struct ConnectOptions {
    /// `postgres://user:password@host:port/database?…` or libpq `key=value` pairs.
    pub connection_string: Option<String>,
    /// Host name, IP address or Unix socket directory.
    pub host: Option<String>,
    /// TCP port.
    pub port: Option<f64>,
    /// Role name.
    pub user: Option<String>,
    /// Password (never printed).
    pub password: Option<String>,
    /// Database name.
    pub database: Option<String>,
    /// `application_name` reported to the server (default `wedpool`).
    pub application_name: Option<String>,
    /// Deadline for a whole connection attempt, in ms (default 5,000).
    pub connect_timeout_millis: Option<f64>,
    /// This instance's id in `application_name` (`wedpool:<app>:<instance>`; default random).
    pub instance_id: Option<String>,
    /// Idle time before the kernel starts TCP keepalive probes, in ms (default: `keepaliveMillis`).
    pub keepalive_millis: Option<f64>,
    /// `TCP_USER_TIMEOUT`: unacknowledged data for this long kills the socket, in ms (default 10,000).
    pub tcp_user_timeout_millis: Option<f64>,
    /// `targetSessionAttrs`: `any`, `read-write`, `read-only`, `primary`, `standby` or
    /// `prefer-standby` (overrides `target_session_attrs` in the connection string).
    pub target_session_attrs: Option<String>,
    /// TLS: `sslmode` and friends, or node-postgres's `ssl` (override the connection string).
    pub tls: TlsOptions,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("connection_string", &self.connection_string.as_deref().map(redact_connection_string))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("database", &self.database)
            .field("application_name", &self.application_name)
            .field("tls", &self.tls)
            .finish()
    }
}

/// A listed wedding date as written: `YYYY-MM-DD` and an optional IANA timezone.
#[derive(Debug, Clone, Default)]
pub struct DateOption {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// Where it counts; absent means every configured timezone.
    pub timezone: Option<String>,
}

/// Everything the user can set, unvalidated. `Default` gives WedPool's defaults.
#[derive(Debug, Clone, Default)]
pub struct PoolOptions {
    /// Where to connect.
    pub connect: ConnectOptions,
    /// `basePoolSize.min` (default 0).
    pub min: Option<f64>,
    /// `basePoolSize.max` (default 10).
    pub max: Option<f64>,
    /// `basePoolSize.acquireTimeoutMillis` (default 30,000).
    pub acquire_timeout_millis: Option<f64>,
    /// `basePoolSize.idleTimeoutMillis` (default 30,000; 0 keeps idle connections forever).
    pub idle_timeout_millis: Option<f64>,
    /// `weddingDayMultiplier` (default 2).
    pub wedding_day_multiplier: Option<f64>,
    /// `emergencyReservedConnections` (default 0).
    pub emergency_reserved_connections: Option<f64>,
    /// `weddingCalendar.weekdays` (default `['saturday']`).
    pub weekdays: Option<Vec<String>>,
    /// `weddingCalendar.timezones` (default: the process's timezone, else UTC).
    pub timezones: Option<Vec<String>>,
    /// `weddingCalendar.dates`.
    pub dates: Option<Vec<DateOption>>,
    /// `weddingCalendar.leadMinutes` (default 60).
    pub lead_minutes: Option<f64>,
    /// `priorityAgingPerSecond` (default 100; 0 turns aging off).
    pub priority_aging_per_second: Option<f64>,
    /// `types.int8` (default `string`).
    pub int8: Option<String>,
    /// `maintenanceIntervalMillis`: how often idle reaping and calendar checks run (default 1,000).
    pub maintenance_interval_millis: Option<f64>,
    /// `statementCacheSize`: prepared statements kept per connection (default 256).
    pub statement_cache_size: Option<f64>,
    /// `prepare`: use named prepared statements (default true; false — or `pgbouncer=true` in
    /// the connection string — for transaction-mode poolers such as PgBouncer).
    pub prepare: Option<bool>,
    /// `keepaliveMillis`: idle connections unused this long get a probe (default 30,000).
    pub keepalive_millis: Option<f64>,
    /// `maxLifetimeMillis`: connections are retired after this long, ±10% (default 1,800,000; 0: never).
    pub max_lifetime_millis: Option<f64>,
    /// `queryTimeoutMillis`: default statement deadline (default 0: none).
    pub query_timeout_millis: Option<f64>,
    /// `maxWaiting`: queued callers at most (default 10,000).
    pub max_waiting: Option<f64>,
    /// `unavailableGraceMillis`: while the database is down, non-critical callers fail after
    /// waiting this long (default 500).
    pub unavailable_grace_millis: Option<f64>,
    /// `localTimezone`: the IANA zone in which `date` and `timestamp` values are read (the
    /// facade passes Node's; default: `TZ`, else the system's zone, else UTC).
    pub local_timezone: Option<String>,
    /// `fleetBudget.enabled`: keep max within this instance's share of the server (default true;
    /// false in PgBouncer mode, where the server sees the pooler's connections, not ours).
    pub fleet_budget: Option<bool>,
    /// `fleetBudget.safetyMargin`: server slots left free for everyone else (default 3).
    pub fleet_margin: Option<f64>,
    /// `fleetBudget.refreshMillis`: how often the share is recomputed (default 10,000).
    pub fleet_refresh_millis: Option<f64>,
    /// `trafficLearning.alpha`: weight of the newest week in the profile (default 0.3).
    pub profile_alpha: Option<f64>,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// How connections are opened.
    pub connect: ConnectSettings,
    /// Sizes and the wedding-day multiplier.
    pub scaling: ScalingPolicy,
    /// Connections only wedding-critical requests may use on wedding days.
    pub reserve: usize,
    /// Default acquire deadline.
    pub acquire_timeout: Duration,
    /// Idle time after which connections above min close; `None` keeps them.
    pub idle_timeout: Option<Duration>,
    /// Wedding days.
    pub calendar: WeddingCalendar,
    /// Effective priority gained per second of waiting.
    pub priority_aging_per_second: f64,
    /// How int8 values are returned.
    pub int8: Int8Mode,
    /// Period of the maintenance task.
    pub maintenance_interval: Duration,
    /// Prepared statements kept per connection before the cache is cleared.
    pub statement_cache_size: usize,
    /// Whether statements are prepared as named statements and cached (false: every statement
    /// goes as one unnamed Parse/Bind/Execute, for transaction-mode poolers).
    pub prepare: bool,
    /// Idle time after which a connection is probed.
    pub keepalive: Duration,
    /// Age after which an idle connection is retired (paused on wedding days); `None`: never.
    pub max_lifetime: Option<Duration>,
    /// Default statement deadline; `None`: none.
    pub query_timeout: Option<Duration>,
    /// Queued callers at most.
    pub max_waiting: usize,
    /// How long non-critical callers wait while the database is down.
    pub unavailable_grace: Duration,
    /// The zone in which wall-clock values (`date`, `timestamp`) are read.
    pub local_timezone: Tz,
    /// Whether max stays within this instance's share of the server.
    pub fleet_budget: bool,
    /// Server slots left free for everyone else.
    pub fleet_margin: usize,
    /// How often the share is recomputed.
    pub fleet_refresh: Duration,
    /// Weight of the newest week in the traffic profile.
    pub profile_alpha: f64,
}

impl PoolConfig {
    /// How statements are sent: named and cached, or unnamed (`prepare: false`).
    pub fn statement_mode(&self) -> crate::conn::query::StatementMode {
        use crate::conn::query::StatementMode;
        if self.prepare {
            StatementMode::Prepared { cache_size: self.statement_cache_size }
        } else {
            StatementMode::Unnamed
        }
    }

    /// How result values are decoded.
    pub fn decode_options(&self) -> crate::codec::decode::DecodeOptions {
        crate::codec::decode::DecodeOptions { int8: self.int8, local: self.local_timezone, text: false }
    }
}

/// The system's timezone: `TZ`, `/etc/timezone`, or the `/etc/localtime` link; else UTC.
pub fn system_timezone() -> Tz {
    let from_env = std::env::var("TZ").ok().map(|z| z.trim_start_matches(':').to_string());
    let from_file = || std::fs::read_to_string("/etc/timezone").ok().map(|z| z.trim().to_string());
    let from_link = || {
        std::fs::read_link("/etc/localtime")
            .ok()
            .and_then(|p| p.to_str().and_then(|s| s.split_once("zoneinfo/").map(|(_, z)| z.to_string())))
    };
    from_env
        .into_iter()
        .chain(from_file())
        .chain(from_link())
        .find_map(|z| Tz::from_str(&z).ok())
        .unwrap_or(chrono_tz::UTC)
}

impl PoolConfig {
    /// Validates `options`.
    ///
    /// Fails with [`PoolError::InvalidConfig`] naming the first wrong option: min above max,
    /// negative or fractional sizes, a reserve not below max, a multiplier below 1, an unknown
    /// timezone or weekday, a malformed date, a negative timeout, a bad connection string.
    pub fn from_options(options: PoolOptions) -> Result<PoolConfig, PoolError> {
        let min = count("basePoolSize.min", options.min, 0, MAX_POOL_SIZE)?;
        let max = count("basePoolSize.max", options.max, 10, MAX_POOL_SIZE)?;
        if max == 0 {
            return Err(PoolError::invalid_config("basePoolSize.max", "must be at least 1"));
        }
        if min > max {
            return Err(PoolError::invalid_config(
                "basePoolSize.min",
                format!("must not exceed basePoolSize.max ({min} > {max})"),
            ));
        }
        let reserve = count("emergencyReservedConnections", options.emergency_reserved_connections, 0, MAX_POOL_SIZE)?;
        if reserve > 0 && reserve >= max {
            return Err(PoolError::invalid_config(
                "emergencyReservedConnections",
                format!("must be below basePoolSize.max ({reserve} >= {max})"),
            ));
        }
        let multiplier = options.wedding_day_multiplier.unwrap_or(2.0);
        if !multiplier.is_finite() || multiplier < 1.0 {
            return Err(PoolError::invalid_config(
                "weddingDayMultiplier",
                format!("must be a number of at least 1, got {multiplier}"),
            ));
        }
        if (max as f64 * multiplier).round() > MAX_POOL_SIZE as f64 {
            return Err(PoolError::invalid_config(
                "weddingDayMultiplier",
                format!(
                    "basePoolSize.max × weddingDayMultiplier must be at most {MAX_POOL_SIZE} connections, got {max} × {multiplier}"
                ),
            ));
        }
        let aging = options.priority_aging_per_second.unwrap_or(100.0);
        if !aging.is_finite() || aging < 0.0 {
            return Err(PoolError::invalid_config("priorityAgingPerSecond", format!("must be 0 or more, got {aging}")));
        }
        let lead_minutes = count("weddingCalendar.leadMinutes", options.lead_minutes, 60, 24 * 60)?;
        let calendar = WeddingCalendar::new(
            weekdays(options.weekdays)?,
            timezones(options.timezones)?,
            dates(options.dates.unwrap_or_default())?,
            chrono::Duration::minutes(lead_minutes as i64),
        );
        let idle = deadline("basePoolSize.idleTimeoutMillis", options.idle_timeout_millis, 30_000)?;
        let keepalive = bounded_millis("keepaliveMillis", options.keepalive_millis, 30_000, MAX_KEEPALIVE_MILLIS)?
            .max(Duration::from_millis(10));
        let lifetime = deadline("maxLifetimeMillis", options.max_lifetime_millis, 30 * 60_000)?;
        let query_timeout = deadline("queryTimeoutMillis", options.query_timeout_millis, 0)?;
        let max_waiting = count("maxWaiting", options.max_waiting, 10_000, MAX_WAITING)?;
        if max_waiting == 0 {
            return Err(PoolError::invalid_config("maxWaiting", "must be at least 1"));
        }
        let mut connect = options.connect.clone();
        connect.keepalive_millis = connect.keepalive_millis.or(Some(keepalive.as_millis() as f64));
        let connect = ConnectSettings::from_options(&connect)?;
        let prepare = match (options.prepare, connect.pgbouncer) {
            (Some(true), true) => {
                return Err(PoolError::invalid_config(
                    "prepare",
                    "cannot be true when the connection string says pgbouncer=true (named prepared statements \
                     do not survive a transaction-mode pooler)",
                ))
            }
            (Some(p), _) => p,
            (None, pgbouncer) => !pgbouncer,
        };
        Ok(PoolConfig {
            prepare,
            keepalive,
            max_lifetime: lifetime.filter(|d| !d.is_zero()),
            query_timeout: query_timeout.filter(|d| !d.is_zero()),
            max_waiting,
            unavailable_grace: deadline("unavailableGraceMillis", options.unavailable_grace_millis, 500)?
                .unwrap_or(NO_DEADLINE),
            fleet_budget: options.fleet_budget.unwrap_or(prepare),
            fleet_margin: count("fleetBudget.safetyMargin", options.fleet_margin, 3, MAX_POOL_SIZE)?,
            fleet_refresh: millis("fleetBudget.refreshMillis", options.fleet_refresh_millis, 10_000)?
                .max(Duration::from_millis(100)),
            profile_alpha: match options.profile_alpha {
                None => 0.3,
                Some(a) if a > 0.0 && a <= 1.0 => a,
                Some(a) => {
                    return Err(PoolError::invalid_config(
                        "trafficLearning.alpha",
                        format!("must be in (0, 1], got {a}"),
                    ))
                }
            },
            local_timezone: match options.local_timezone.as_deref() {
                Some(z) => timezone("localTimezone", z)?,
                None => system_timezone(),
            },
            connect,
            scaling: ScalingPolicy { base_min: min, base_max: max, wedding_day_multiplier: multiplier },
            reserve,
            acquire_timeout: deadline("basePoolSize.acquireTimeoutMillis", options.acquire_timeout_millis, 30_000)?
                .unwrap_or(NO_DEADLINE),
            idle_timeout: idle.filter(|d| !d.is_zero()),
            calendar,
            priority_aging_per_second: aging,
            int8: options.int8.as_deref().map(Int8Mode::from_str).transpose()?.unwrap_or_default(),
            maintenance_interval: millis("maintenanceIntervalMillis", options.maintenance_interval_millis, 1_000)?
                .max(Duration::from_millis(10)),
            statement_cache_size: count("statementCacheSize", options.statement_cache_size, 256, MAX_STATEMENT_CACHE)?,
        })
    }
}

fn weekdays(names: Option<Vec<String>>) -> Result<Vec<Weekday>, PoolError> {
    let names = names.unwrap_or_else(|| vec!["saturday".to_string()]);
    names
        .iter()
        .map(|name| {
            Weekday::from_str(name.trim()).map_err(|_| {
                PoolError::invalid_config(
                    "weddingCalendar.weekdays",
                    format!("unknown weekday {name:?} (use monday … sunday)"),
                )
            })
        })
        .collect()
}

fn timezone(field: &str, name: &str) -> Result<Tz, PoolError> {
    Tz::from_str(name.trim()).map_err(|_| PoolError::invalid_config(field, format!("unknown IANA timezone {name:?}")))
}

fn timezones(names: Option<Vec<String>>) -> Result<Vec<Tz>, PoolError> {
    let names = names.unwrap_or_default();
    if names.is_empty() {
        return Ok(vec![chrono_tz::UTC]);
    }
    names.iter().map(|n| timezone("weddingCalendar.timezones", n)).collect()
}

fn dates(options: Vec<DateOption>) -> Result<Vec<ListedDate>, PoolError> {
    options
        .into_iter()
        .map(|d| {
            let well_formed = d.date.len() == 10 && d.date.as_bytes()[4] == b'-' && d.date.as_bytes()[7] == b'-';
            let date =
                NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok().filter(|_| well_formed).ok_or_else(|| {
                    PoolError::invalid_config(
                        "weddingCalendar.dates",
                        format!("malformed date {:?} (expected YYYY-MM-DD)", d.date),
                    )
                })?;
            let timezone = d.timezone.as_deref().map(|z| timezone("weddingCalendar.dates.timezone", z)).transpose()?;
            Ok(ListedDate { date, timezone })
        })
        .collect()
}

pub use crate::config::redact::redact_connection_string;

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut PoolOptions)) -> Result<PoolConfig, PoolError> {
        let mut o = PoolOptions::default();
        f(&mut o);
        PoolConfig::from_options(o)
    }

    fn field_of(r: Result<PoolConfig, PoolError>) -> String {
        match r {
            Err(PoolError::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        let c = with(|_| {}).unwrap();
        assert_eq!((c.scaling.base_min, c.scaling.base_max, c.reserve), (0, 10, 0));
        assert_eq!(c.acquire_timeout, Duration::from_secs(30));
    }

    #[test]
    fn min_above_max_names_min() {
        assert_eq!(
            field_of(with(|o| {
                o.min = Some(20.0);
                o.max = Some(10.0)
            })),
            "basePoolSize.min"
        );
    }

    #[test]
    fn negative_and_fractional_sizes_are_rejected() {
        assert_eq!(field_of(with(|o| o.max = Some(-1.0))), "basePoolSize.max");
        assert_eq!(field_of(with(|o| o.min = Some(1.5))), "basePoolSize.min");
        assert_eq!(field_of(with(|o| o.acquire_timeout_millis = Some(-5.0))), "basePoolSize.acquireTimeoutMillis");
    }

    #[test]
    fn reserve_must_stay_below_max() {
        assert_eq!(
            field_of(with(|o| {
                o.max = Some(5.0);
                o.emergency_reserved_connections = Some(5.0)
            })),
            "emergencyReservedConnections"
        );
    }

    #[test]
    fn multiplier_below_one_is_rejected() {
        assert_eq!(field_of(with(|o| o.wedding_day_multiplier = Some(0.5))), "weddingDayMultiplier");
    }

    #[test]
    fn unknown_timezone_weekday_and_bad_date_are_named() {
        assert_eq!(field_of(with(|o| o.timezones = Some(vec!["Mars/Olympus".into()]))), "weddingCalendar.timezones");
        assert_eq!(field_of(with(|o| o.weekdays = Some(vec!["caturday".into()]))), "weddingCalendar.weekdays");
        for bad in ["2026-13-01", "2026-6-1", "13/06/2026", ""] {
            assert_eq!(
                field_of(with(|o| o.dates = Some(vec![DateOption { date: bad.into(), timezone: None }]))),
                "weddingCalendar.dates",
                "{bad}"
            );
        }
    }

    #[test]
    fn pgbouncer_mode_turns_prepare_and_the_fleet_budget_off() {
        let c = with(|o| o.connect.connection_string = Some("postgres://u@h:6432/db?pgbouncer=true".into())).unwrap();
        assert!(!c.prepare && !c.fleet_budget);
        let c = with(|o| o.prepare = Some(false)).unwrap();
        assert!(!c.prepare && !c.fleet_budget);
        let c = with(|o| {
            o.prepare = Some(false);
            o.fleet_budget = Some(true)
        })
        .unwrap();
        assert!(c.fleet_budget, "asked for explicitly");
        let c = with(|_| {}).unwrap();
        assert!(c.prepare && c.fleet_budget);
    }

    #[test]
    fn prepare_true_contradicting_pgbouncer_true_is_rejected() {
        let r = with(|o| {
            o.connect.connection_string = Some("host=h pgbouncer=true".into());
            o.prepare = Some(true)
        });
        assert_eq!(field_of(r), "prepare");
        let r = with(|o| o.connect.connection_string = Some("host=h pgbouncer=perhaps".into()));
        assert_eq!(field_of(r), "connectionString");
    }
}
