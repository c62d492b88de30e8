//! N-API binding for WedPool. Conversions only: every decision lives in `wedpool-core`.
//! Native classes carry the `Native` prefix and are wrapped by the TypeScript facade in `ts/`.
#![deny(missing_docs, missing_debug_implementations)]
#![deny(clippy::all)]

mod completions;
mod connection;
mod context;
mod error;
mod events;
mod guard;
mod json_text;
mod metrics;
mod options;
mod packed_result;
mod pool;
mod pool_query;
mod runtime;
mod values;

pub use connection::NativeConnection;
pub use pool::{create_pool, NativePool};
