//! Connections: opening them, watching how they end, and running statements on them.

pub(crate) mod connect;
pub(crate) mod connector;
pub(crate) mod deallocation;
pub(crate) mod driver;
pub(crate) mod loss;
pub(crate) mod query;
pub(crate) mod route;
pub(crate) mod statement_checks;
pub(crate) mod tls;
pub(crate) mod tls_errors;
