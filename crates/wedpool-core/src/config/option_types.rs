//! The one definition of every pool option: its name, its nesting, its type and its doc.
//!
//! The options are written once, below, inside [`pool_option_types!`](crate::pool_option_types).
//! The core expands the macro into plain structs (this file); the N-API binding expands the same
//! macro with `#[napi(object)]`, so JavaScript receives the very same shape and names
//! (`basePoolSize.max` is `base_pool_size.max` here), napi-rs writes these doc comments into
//! `native/binding.d.ts`, and the TypeScript facade re-exports those generated interfaces
//! instead of writing them again. The core stays free of N-API: it only exports the macro.
//!
//! Adding an option is therefore: a field below (with its doc), its check in
//! `config/options.rs`, and a line in the README. Numbers are `f64` because JavaScript sends
//! numbers; milliseconds stay milliseconds until validation turns them into `Duration`s, in the
//! core only (`config/bounds.rs`), so every bound and its error live beside the field's meaning.

use std::fmt;

use crate::config::redact::redact_connection_string;
use crate::config::tls::NodeSsl;

/// Converts a binding-side mirror of an option type into the core's type, field by field.
///
/// Implemented by [`pool_option_types!`](crate::pool_option_types) for every type it emits
/// with a `mirror_of` path; identity for the scalar field types.
pub trait Mirror<T> {
    /// The same value as the core's type.
    fn mirror(self) -> T;
}

macro_rules! identity_mirror {
    ($($t:ty),*) => {$(
        impl Mirror<$t> for $t {
            fn mirror(self) -> $t {
                self
            }
        }
    )*};
}
identity_mirror!(f64, bool, String);

impl<A: Mirror<B>, B> Mirror<Option<B>> for Option<A> {
    fn mirror(self) -> Option<B> {
        self.map(Mirror::mirror)
    }
}

impl<A: Mirror<B>, B> Mirror<Vec<B>> for Vec<A> {
    fn mirror(self) -> Vec<B> {
        self.into_iter().map(Mirror::mirror).collect()
    }
}

/// One option struct: emitted with `$attr`s; with a `mirror_of` path, also its [`Mirror`] into
/// the type of the same name there. Used by [`pool_option_types!`](crate::pool_option_types).
#[doc(hidden)]
#[macro_export]
macro_rules! pool_option_struct {
    // A field's type is matched as `Wrapper<Inner>` rather than as one `ty` fragment: napi-rs
    // recognises an optional field by the path `Option<…>`, which a `ty` fragment would hide.
    ([$(#[$attr:meta])*] [$($core:ident)::+] $(#[$doc:meta])* $name:ident {
        $($(#[$fdoc:meta])* $field:ident: $wrap:ident $(<$inner:ty>)?,)*
    }) => {
        $crate::pool_option_struct!([$(#[$attr])*] [] $(#[$doc])* $name { $($(#[$fdoc])* $field: $wrap $(<$inner>)?,)* });
        impl $crate::Mirror<$($core)::+::$name> for $name {
            fn mirror(self) -> $($core)::+::$name {
                $($core)::+::$name { $($field: $crate::Mirror::mirror(self.$field),)* }
            }
        }
    };
    ([$(#[$attr:meta])*] [] $(#[$doc:meta])* $name:ident {
        $($(#[$fdoc:meta])* $field:ident: $wrap:ident $(<$inner:ty>)?,)*
    }) => {
        $(#[$attr])*
        $(#[$doc])*
        pub struct $name {
            $($(#[$fdoc])* pub $field: $wrap $(<$inner>)?,)*
        }
    };
}

/// Emits the option types: `PoolOptions` and its parts, nested and named as the JavaScript
/// options (`camelCase` there, `snake_case` here). The docs inside are `#[doc = "…"]` rather
/// than `///`: a `///` inside a macro becomes a raw string, which napi-rs copies into the
/// `.d.ts` with its `r"` prefix.
///
/// `parts` and `options` are the attributes of the parts and of `PoolOptions` (the core derives
/// `Debug` for the parts and writes `PoolOptions`'s own, which hides the password); `ssl` is the
/// type of node-postgres's `ssl` option (PEM text: the facade turns Buffers into text); with
/// `mirror_of`, each type also gets a [`Mirror`] into the type of the same name in that module.
#[macro_export]
macro_rules! pool_option_types {
    (parts: [$(#[$pattr:meta])*], options: [$(#[$oattr:meta])*], ssl: $ssl:ty $(, mirror_of: $($core:ident)::+)?) => {
        $crate::pool_option_struct! { [$(#[$pattr])*] [$($($core)::+)?]
            #[doc = "Base sizes and timeouts (`basePoolSize`)."]
            BasePoolSize {
                #[doc = "Connections kept open (default 0)."]
                min: Option<f64>,
                #[doc = "Connections never exceeded on an ordinary day (default 10; at most 10,000)."]
                max: Option<f64>,
                #[doc = "How long `getConnection` waits before `POOL_ACQUIRE_TIMEOUT` (default 30,000 ms; 0: no waiting; `Infinity`: no deadline)."]
                acquire_timeout_millis: Option<f64>,
                #[doc = "Idle connections above min close after this long (default 30,000 ms; 0 or `Infinity`: never)."]
                idle_timeout_millis: Option<f64>,
            }
        }
        $crate::pool_option_struct! { [$(#[$pattr])*] [$($($core)::+)?]
            #[doc = "A listed wedding date."]
            WeddingDate {
                #[doc = "Local date, `YYYY-MM-DD`."]
                date: String,
                #[doc = "IANA timezone where it counts (default: every configured timezone)."]
                timezone: Option<String>,
            }
        }
        $crate::pool_option_struct! { [$(#[$pattr])*] [$($($core)::+)?]
            #[doc = "Which days are wedding days (`weddingCalendar`)."]
            WeddingCalendarOptions {
                #[doc = "Weekdays that are wedding days (default `['saturday']`)."]
                weekdays: Option<Vec<String>>,
                #[doc = "IANA timezones to evaluate (default: the process's timezone)."]
                timezones: Option<Vec<String>>,
                #[doc = "Extra wedding dates."]
                dates: Option<Vec<WeddingDate>>,
                #[doc = "Scaling starts this many minutes before a wedding day (default 60; at most 1,440)."]
                lead_minutes: Option<f64>,
            }
        }
        $crate::pool_option_struct! { [$(#[$pattr])*] [$($($core)::+)?]
            #[doc = "How values come back (`types`)."]
            TypesOptions {
                #[doc = "How int8 columns come back: `'string'` (default, as node-postgres), `'bigint'` or `'number'`."]
                int8: Option<String>,
            }
        }
        $crate::pool_option_struct! { [$(#[$pattr])*] [$($($core)::+)?]
            #[doc = "Options of the fleet budget (`fleetBudget`)."]
            FleetBudgetOptions {
                #[doc = "Default true (false when `prepare` is false or the connection string says `pgbouncer=true`)."]
                enabled: Option<bool>,
                #[doc = "Server slots left free for everyone else (default 3)."]
                safety_margin: Option<f64>,
                #[doc = "How often the share is recomputed (default 10,000 ms; at least 100 ms)."]
                refresh_millis: Option<f64>,
            }
        }
        $crate::pool_option_struct! { [$(#[$pattr])*] [$($($core)::+)?]
            #[doc = "Options of the traffic learner (`trafficLearning`)."]
            TrafficLearningOptions {
                #[doc = "Weight of the newest week in the hour-of-week profile, in (0, 1] (default 0.3)."]
                alpha: Option<f64>,
            }
        }
        $crate::pool_option_struct! { [$(#[$oattr])*] [$($($core)::+)?]
            #[doc = "Options of the pool, as the user writes them. Explicit connection fields override"]
            #[doc = "the connection string."]
            PoolOptions {
                #[doc = "`postgres://user:password@host:port/database` or libpq `key=value` pairs."]
                connection_string: Option<String>,
                #[doc = "Host name, IP address or Unix socket directory; several comma-separated (overrides the connection string)."]
                host: Option<String>,
                #[doc = "TCP port, 1–65535 (overrides the connection string)."]
                port: Option<f64>,
                #[doc = "Role (overrides the connection string)."]
                user: Option<String>,
                #[doc = "Password (never printed)."]
                password: Option<String>,
                #[doc = "Database (overrides the connection string)."]
                database: Option<String>,
                #[doc = "The application's name; connections report `application_name` `wedpool:<applicationName>:<instanceId>` (default `app`)."]
                application_name: Option<String>,
                #[doc = "This instance's id in `application_name` (default: random)."]
                instance_id: Option<String>,
                #[doc = "Deadline for one whole connection attempt (default 5,000 ms; `Infinity`: none)."]
                connect_timeout_millis: Option<f64>,
                #[doc = "libpq's `sslmode` (default `prefer`); overrides the connection string's."]
                sslmode: Option<String>,
                #[doc = "CA file path, or `'system'` for the system's trusted roots (then the default mode is `verify-full`)."]
                sslrootcert: Option<String>,
                #[doc = "Client certificate file path (PEM)."]
                sslcert: Option<String>,
                #[doc = "Client key file path (PEM, unencrypted)."]
                sslkey: Option<String>,
                #[doc = "SCRAM channel binding: `'require'` insists on SCRAM-SHA-256-PLUS over TLS (default `prefer`)."]
                channel_binding: Option<String>,
                #[doc = "node-postgres style TLS; exclusive with `sslmode`/`sslrootcert`/`sslcert`/`sslkey`."]
                ssl: Option<$ssl>,
                #[doc = "Sizes and timeouts."]
                base_pool_size: Option<BasePoolSize>,
                #[doc = "min and max are multiplied by this on wedding days (default 2; max × multiplier at most 10,000)."]
                wedding_day_multiplier: Option<f64>,
                #[doc = "Connections only wedding-critical requests may use on wedding days (default 0; below max)."]
                emergency_reserved_connections: Option<f64>,
                #[doc = "Wedding days."]
                wedding_calendar: Option<WeddingCalendarOptions>,
                #[doc = "Effective priority gained per second of waiting (default 100; 0 turns aging off)."]
                priority_aging_per_second: Option<f64>,
                #[doc = "How values come back."]
                types: Option<TypesOptions>,
                #[doc = "How often idle reaping and calendar checks run (default 1,000 ms; at least 10 ms)."]
                maintenance_interval_millis: Option<f64>,
                #[doc = "Prepared statements kept per connection (default 256; at most 100,000; unused when `prepare` is false)."]
                statement_cache_size: Option<f64>,
                #[doc = "Use named prepared statements, cached per connection (default true). `false` — or"]
                #[doc = "`pgbouncer=true` in the connection string — sends every statement as one unnamed"]
                #[doc = "Parse/Bind/Execute, what PgBouncer, RDS Proxy and Supavisor in transaction mode can"]
                #[doc = "route; it also turns the fleet budget off unless `fleetBudget` asks for it."]
                prepare: Option<bool>,
                #[doc = "Which of several hosts a connection may use, as libpq: `any` (default), `read-write`,"]
                #[doc = "`read-only`, `primary`, `standby`, `prefer-standby`. Overrides `target_session_attrs`"]
                #[doc = "in the connection string."]
                target_session_attrs: Option<String>,
                #[doc = "Idle connections unused this long get a probe; also the TCP keepalive idle time (default 30,000 ms; at most 32,767,000)."]
                keepalive_millis: Option<f64>,
                #[doc = "Unacknowledged data for this long kills a socket (`TCP_USER_TIMEOUT`; default 10,000 ms; 0: the OS default; at most 2³¹−1)."]
                tcp_user_timeout_millis: Option<f64>,
                #[doc = "Connections are retired when idle after this long, ±10%; paused on wedding days (default 1,800,000 ms; 0 or `Infinity`: never)."]
                max_lifetime_millis: Option<f64>,
                #[doc = "Default statement deadline; at expiry a cancel request goes to the server (default 0 or `Infinity`: none)."]
                query_timeout_millis: Option<f64>,
                #[doc = "Queued callers at most; beyond it the lowest priority is shed with `POOL_OVERLOADED` (default 10,000; at most 1,000,000)."]
                max_waiting: Option<f64>,
                #[doc = "`pool.query` statements in flight on one connection at most when every connection is busy and nobody is queued (default 8; 0 or 1: no pipelining; at most 256). Only statements without a deadline (no `queryTimeoutMillis`), outside transactions, with prepared statements on, are pipelined; `getConnection()` leases and transactions always have their connection to themselves."]
                pipeline_depth: Option<f64>,
                #[doc = "While the database is down, non-critical callers fail with `DATABASE_UNAVAILABLE` after waiting this long (default 500 ms; `Infinity`: wait)."]
                unavailable_grace_millis: Option<f64>,
                #[doc = "Keep max within this instance's share of the server's `max_connections`, shared by all live instances of `applicationName`."]
                fleet_budget: Option<FleetBudgetOptions>,
                #[doc = "The traffic learner behind predictive pre-scaling."]
                traffic_learning: Option<TrafficLearningOptions>,
            }
        }
    };
}

crate::pool_option_types!(
    parts: [#[derive(Debug, Clone, Default)]],
    options: [#[derive(Clone, Default)]],
    ssl: NodeSsl
);

impl fmt::Debug for PoolOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolOptions")
            .field("connection_string", &self.connection_string.as_deref().map(redact_connection_string))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("database", &self.database)
            .field("application_name", &self.application_name)
            .field("sslmode", &self.sslmode)
            .field("ssl", &self.ssl)
            .field("base_pool_size", &self.base_pool_size)
            .field("wedding_calendar", &self.wedding_calendar)
            .finish_non_exhaustive()
    }
}

impl PoolOptions {
    /// `basePoolSize`, created empty if absent: `o.base_pool_size_mut().max = Some(20.0)`.
    pub fn base_pool_size_mut(&mut self) -> &mut BasePoolSize {
        self.base_pool_size.get_or_insert_with(Default::default)
    }

    /// `weddingCalendar`, created empty if absent.
    pub fn wedding_calendar_mut(&mut self) -> &mut WeddingCalendarOptions {
        self.wedding_calendar.get_or_insert_with(Default::default)
    }

    /// `fleetBudget`, created empty if absent.
    pub fn fleet_budget_mut(&mut self) -> &mut FleetBudgetOptions {
        self.fleet_budget.get_or_insert_with(Default::default)
    }
}
