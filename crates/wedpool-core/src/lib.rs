//! # wedpool-core
//!
//! The engine behind WedPool, a PostgreSQL connection pool for wedding-day traffic.
//! It is a plain Rust library (no N-API) made of two kinds of parts:
//!
//! * **pure parts** with no `.await`: the priority [`queue::WaitQueue`], the
//!   [`reservation::Reservations`] accounting of the emergency reserve, the
//!   [`calendar::WeddingCalendar`] and the [`scaling::ScalingPolicy`];
//! * **orchestration**: [`pool::Pool`] (admission, hand-off, connection creation,
//!   maintenance) and [`lease::Lease`] (a borrowed connection that runs queries).
//!
//! Connections are deadpool-postgres objects; admission (who gets the next connection)
//! is WedPool's own, because deadpool's wait queue is a FIFO semaphore.
#![deny(missing_docs)]
#![warn(clippy::all)]

pub mod calendar;
pub mod clock;
pub mod config;
pub mod connect;
pub mod decode;
pub mod driver;
pub mod error;
pub mod events;
pub mod health;
mod inner;
pub mod budget;
pub mod lease;
pub mod learner;
pub mod metrics;
pub mod planner;
mod maintenance;
pub mod pool;
pub mod priority;
pub mod query;
pub mod queue;
pub mod reservation;
pub mod scaling;
pub mod state;
pub mod status;
pub mod textform;

pub use config::{ConnectOptions, Int8Mode, PoolConfig, PoolOptions};
pub use error::{ConnectErrorKind, DatabaseErrorFields, ErrorCode, PoolError};
pub use events::{EventKind, PoolEvent};
pub use lease::Lease;
pub use pool::{Acquired, Pool};
pub use priority::DatabaseContext;
pub use query::{Param, QueryResult};
pub use decode::Value;
pub use status::PoolStats;
pub use health::{HealthReport, HealthState};
