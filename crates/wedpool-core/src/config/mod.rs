//! Configuration: pool options as the user writes them and their validation.

pub(crate) mod bounds;
pub(crate) mod conn_params;
pub(crate) mod connect_config;
pub(crate) mod identity;
pub(crate) mod option_types;
pub(crate) mod options;
pub(crate) mod redact;
pub(crate) mod session_attrs;
pub(crate) mod statement_mode;
pub(crate) mod tls;
pub(crate) mod tls_client;
pub(crate) mod tls_params;
