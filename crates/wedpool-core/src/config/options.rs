//! Validation of the [`PoolOptions`] (defined in `config/option_types.rs`) into a [`PoolConfig`].
//!
//! This is the one place options are checked. Numbers arrive as `f64` (they come from
//! JavaScript) so that validation can name a negative or fractional value instead of silently
//! truncating it. Every error is [`PoolError::InvalidConfig`] naming the option by its public
//! JavaScript path (`basePoolSize.max`, `fleetBudget.safetyMargin`).

use std::str::FromStr;
use std::time::Duration;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;

use crate::codec::int8_mode::Int8Mode;
use crate::config::bounds::{
    count, deadline, js, millis, DEFAULT_PIPELINE_DEPTH, MAX_PIPELINE_DEPTH, MAX_POOL_SIZE, MAX_STATEMENT_CACHE,
    MAX_WAITING, NO_DEADLINE,
};
use crate::config::connect_config::ConnectConfig;
use crate::config::option_types::{PoolOptions, WeddingDate};
use crate::config::statement_mode::StatementMode;
use crate::error::PoolError;
use crate::scaling::calendar::{ListedDate, WeddingCalendar};
use crate::scaling::policy::ScalingPolicy;

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// How connections are opened.
    pub connect: ConnectConfig,
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
    /// `pool.query` statements in flight on one connection at most (1: no pipelining).
    pub pipeline_depth: usize,
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
    pub fn statement_mode(&self) -> StatementMode {
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
        let base = options.base_pool_size.clone().unwrap_or_default();
        let min = count("basePoolSize.min", base.min, 0, MAX_POOL_SIZE)?;
        let max = count("basePoolSize.max", base.max, 10, MAX_POOL_SIZE)?;
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
                format!("must be a number of at least 1, got {}", js(multiplier)),
            ));
        }
        if (max as f64 * multiplier).round() > MAX_POOL_SIZE as f64 {
            return Err(PoolError::invalid_config(
                "weddingDayMultiplier",
                format!(
                    "basePoolSize.max × weddingDayMultiplier must be at most {MAX_POOL_SIZE} connections, got {max} × {}",
                    js(multiplier)
                ),
            ));
        }
        let aging = options.priority_aging_per_second.unwrap_or(100.0);
        if !aging.is_finite() || aging < 0.0 {
            return Err(PoolError::invalid_config(
                "priorityAgingPerSecond",
                format!("must be 0 or more, got {}", js(aging)),
            ));
        }
        let cal = options.wedding_calendar.clone().unwrap_or_default();
        let lead_minutes = count("weddingCalendar.leadMinutes", cal.lead_minutes, 60, 24 * 60)?;
        let calendar = WeddingCalendar::new(
            weekdays(cal.weekdays)?,
            timezones(cal.timezones)?,
            dates(cal.dates.unwrap_or_default())?,
            chrono::Duration::minutes(lead_minutes as i64),
        );
        let idle = deadline("basePoolSize.idleTimeoutMillis", base.idle_timeout_millis, 30_000)?;
        let lifetime = deadline("maxLifetimeMillis", options.max_lifetime_millis, 30 * 60_000)?;
        let query_timeout = deadline("queryTimeoutMillis", options.query_timeout_millis, 0)?;
        let max_waiting = count("maxWaiting", options.max_waiting, 10_000, MAX_WAITING)?;
        if max_waiting == 0 {
            return Err(PoolError::invalid_config("maxWaiting", "must be at least 1"));
        }
        let connect = ConnectConfig::from_options(&options)?;
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
        let fleet = options.fleet_budget.clone().unwrap_or_default();
        let alpha = options.traffic_learning.as_ref().and_then(|t| t.alpha);
        let int8 = options.types.as_ref().and_then(|t| t.int8.as_deref());
        let pipeline_depth =
            count("pipelineDepth", options.pipeline_depth, DEFAULT_PIPELINE_DEPTH, MAX_PIPELINE_DEPTH)?.max(1);
        Ok(PoolConfig {
            pipeline_depth,
            prepare,
            keepalive: connect.keepalive.max(Duration::from_millis(10)),
            max_lifetime: lifetime.filter(|d| !d.is_zero()),
            query_timeout: query_timeout.filter(|d| !d.is_zero()),
            max_waiting,
            unavailable_grace: deadline("unavailableGraceMillis", options.unavailable_grace_millis, 500)?
                .unwrap_or(NO_DEADLINE),
            fleet_budget: fleet.enabled.unwrap_or(prepare),
            fleet_margin: count("fleetBudget.safetyMargin", fleet.safety_margin, 3, MAX_POOL_SIZE)?,
            fleet_refresh: millis("fleetBudget.refreshMillis", fleet.refresh_millis, 10_000)?
                .max(Duration::from_millis(100)),
            profile_alpha: match alpha {
                None => 0.3,
                Some(a) if a > 0.0 && a <= 1.0 => a,
                Some(a) => {
                    return Err(PoolError::invalid_config(
                        "trafficLearning.alpha",
                        format!("must be in (0, 1], got {}", js(a)),
                    ))
                }
            },
            local_timezone: system_timezone(),
            connect,
            scaling: ScalingPolicy { base_min: min, base_max: max, wedding_day_multiplier: multiplier },
            reserve,
            acquire_timeout: deadline("basePoolSize.acquireTimeoutMillis", base.acquire_timeout_millis, 30_000)?
                .unwrap_or(NO_DEADLINE),
            idle_timeout: idle.filter(|d| !d.is_zero()),
            calendar,
            priority_aging_per_second: aging,
            int8: int8.map(Int8Mode::from_str).transpose()?.unwrap_or_default(),
            maintenance_interval: millis("maintenanceIntervalMillis", options.maintenance_interval_millis, 1_000)?
                .max(Duration::from_millis(10)),
            statement_cache_size: count("statementCacheSize", options.statement_cache_size, 256, MAX_STATEMENT_CACHE)?,
        })
    }

    /// Reads `date` and `timestamp` values in the IANA zone `zone` instead of the system's (the
    /// facade passes the zone Node uses). Fails with [`PoolError::InvalidConfig`]
    /// (`localTimezone`) for an unknown zone.
    pub fn with_local_timezone(mut self, zone: &str) -> Result<PoolConfig, PoolError> {
        self.local_timezone = timezone("localTimezone", zone)?;
        Ok(self)
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

fn dates(options: Vec<WeddingDate>) -> Result<Vec<ListedDate>, PoolError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::option_types::{BasePoolSize, FleetBudgetOptions, WeddingCalendarOptions};

    fn base(min: Option<f64>, max: Option<f64>) -> Option<BasePoolSize> {
        Some(BasePoolSize { min, max, ..Default::default() })
    }

    fn calendar(f: impl FnOnce(&mut WeddingCalendarOptions)) -> Option<WeddingCalendarOptions> {
        let mut c = WeddingCalendarOptions::default();
        f(&mut c);
        Some(c)
    }

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
        assert_eq!(field_of(with(|o| o.base_pool_size = base(Some(20.0), Some(10.0)))), "basePoolSize.min");
    }

    #[test]
    fn negative_and_fractional_sizes_are_rejected() {
        assert_eq!(field_of(with(|o| o.base_pool_size = base(None, Some(-1.0)))), "basePoolSize.max");
        assert_eq!(field_of(with(|o| o.base_pool_size = base(Some(1.5), None))), "basePoolSize.min");
        let acquire = BasePoolSize { acquire_timeout_millis: Some(-5.0), ..Default::default() };
        assert_eq!(field_of(with(|o| o.base_pool_size = Some(acquire))), "basePoolSize.acquireTimeoutMillis");
    }

    #[test]
    fn reserve_must_stay_below_max() {
        assert_eq!(
            field_of(with(|o| {
                o.base_pool_size = base(None, Some(5.0));
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
        let zones = calendar(|c| c.timezones = Some(vec!["Mars/Olympus".into()]));
        assert_eq!(field_of(with(|o| o.wedding_calendar = zones)), "weddingCalendar.timezones");
        let days = calendar(|c| c.weekdays = Some(vec!["caturday".into()]));
        assert_eq!(field_of(with(|o| o.wedding_calendar = days)), "weddingCalendar.weekdays");
        for bad in ["2026-13-01", "2026-6-1", "13/06/2026", ""] {
            assert_eq!(
                field_of(with(|o| o.wedding_calendar =
                    calendar(|c| c.dates = Some(vec![WeddingDate { date: bad.into(), timezone: None }])))),
                "weddingCalendar.dates",
                "{bad}"
            );
        }
    }

    #[test]
    fn pgbouncer_mode_turns_prepare_and_the_fleet_budget_off() {
        let c = with(|o| o.connection_string = Some("postgres://u@h:6432/db?pgbouncer=true".into())).unwrap();
        assert!(!c.prepare && !c.fleet_budget);
        let c = with(|o| o.prepare = Some(false)).unwrap();
        assert!(!c.prepare && !c.fleet_budget);
        let c = with(|o| {
            o.prepare = Some(false);
            o.fleet_budget = Some(FleetBudgetOptions { enabled: Some(true), ..Default::default() })
        })
        .unwrap();
        assert!(c.fleet_budget, "asked for explicitly");
        let c = with(|_| {}).unwrap();
        assert!(c.prepare && c.fleet_budget);
    }

    #[test]
    fn prepare_true_contradicting_pgbouncer_true_is_rejected() {
        let r = with(|o| {
            o.connection_string = Some("host=h pgbouncer=true".into());
            o.prepare = Some(true)
        });
        assert_eq!(field_of(r), "prepare");
        let r = with(|o| o.connection_string = Some("host=h pgbouncer=perhaps".into()));
        assert_eq!(field_of(r), "connectionString");
    }
}
