//! Observing the pool: events, health, the stats snapshot and Prometheus metrics.

pub(crate) mod events;
pub(crate) mod exposition;
pub(crate) mod health;
pub(crate) mod metrics;
pub(crate) mod remove_reason;
pub(crate) mod status;
