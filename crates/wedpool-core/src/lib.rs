//! # wedpool-core
//!
//! The engine behind WedPool, a PostgreSQL connection pool for wedding-day traffic.
//! It is a plain Rust library (no N-API), one folder per concern:
//!
//! * `admission` — who gets the next connection: [`DatabaseContext`] and its priority, the
//!   [`WaitQueue`], the [`Reservations`] accounting of the emergency reserve (pure);
//! * `scaling` — how big the pool should be and when: the [`WeddingCalendar`], the scaling
//!   policy, the traffic learner, the fleet budget and the planner (pure);
//! * `pool` — the engine: [`Pool`] (admission, hand-off, connection creation, maintenance) and
//!   [`Lease`] (a borrowed connection that runs queries);
//! * `conn` — opening connections, watching how they end, running statements;
//! * `codec` — binary results into JavaScript-shaped [`Value`]s;
//! * `observe` — [`PoolEvent`]s, [`HealthReport`]s, [`PoolStats`] and metrics;
//! * `config` — [`PoolOptions`] validated into a [`PoolConfig`].
//!
//! Connections are deadpool-postgres objects; admission (who gets the next connection)
//! is WedPool's own, because deadpool's wait queue is a FIFO semaphore. The modules are
//! private; the `pub use` list below is the whole public surface.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations, rustdoc::broken_intra_doc_links)]
#![warn(clippy::all)]

mod admission;
mod clock;
mod codec;
mod config;
mod conn;
mod error;
mod observe;
mod pool;
mod scaling;

pub use admission::context::DatabaseContext;
pub use admission::priority_class::PriorityClass;
pub use admission::queue::{Head, Ticket, WaitQueue};
pub use admission::reservation::{Reservations, SlotKind};
pub use codec::decode::DecodeOptions;
pub use codec::int8_mode::Int8Mode;
pub use codec::value::Value;
pub use config::bounds::{
    calendar_time, DEFAULT_PIPELINE_DEPTH, MAX_KEEPALIVE_MILLIS, MAX_MILLIS, MAX_PIPELINE_DEPTH, MAX_POOL_SIZE,
    MAX_STATEMENT_CACHE, MAX_TCP_USER_TIMEOUT_MILLIS, MAX_WAITING, NO_DEADLINE,
};
pub use config::option_types::{
    BasePoolSize, FleetBudgetOptions, Mirror, PoolOptions, TrafficLearningOptions, TypesOptions,
    WeddingCalendarOptions, WeddingDate,
};
pub use config::options::PoolConfig;
pub use config::redact::redact_connection_string;
pub use config::statement_mode::StatementMode;
pub use config::tls::{NodeSsl, NodeSslOptions, SslMode};
pub use conn::connector::{Connector, Driver, ServerConnector};
pub use conn::query::{Field, Param, QueryResult};
pub use error::{ConnectErrorKind, DatabaseErrorFields, ErrorCode, PoolError};
pub use observe::events::{EventKind, EventSink, PoolEvent};
pub use observe::exposition::{MetricFamily, MetricKind, MetricSample};
pub use observe::health::{HealthReport, HealthState};
pub use observe::remove_reason::RemoveReason;
pub use observe::status::{PoolStats, ReservedStats};
pub use pool::lease::Lease;
pub use pool::outcome::CommitOutcome;
pub use pool::{Acquired, CheckoutInfo, Pool};
pub use scaling::calendar::{ListedDate, WeddingCalendar, WeddingWindow};
pub use scaling::planner::{PlannedChange, ScalingPlan};
pub use scaling::policy::{ScalingPolicy, ScalingTarget};
pub use scaling::reason::{ForecastReason, ScalingReason};
