//! N-API binding for WedPool. Conversions only: every decision lives in `wedpool-core`.
//! Native classes carry the `Native` prefix and are wrapped by the TypeScript facade in `ts/`;
//! a lent connection is a handle the `connection*` functions take.
#![deny(missing_docs, missing_debug_implementations)]
#![deny(clippy::all)]

mod acquire;
mod completions;
mod connection;
mod context;
mod error;
mod events;
mod guard;
mod handles;
mod json_text;
mod metrics;
mod options;
mod packed_result;
mod pool;
mod pool_query;
mod runtime;
mod values;

pub use acquire::{pool_acquire_or_enqueue, PoolHandle};
pub use connection::{
    connection_details, connection_learn_transaction_ids, connection_learned_transaction_id, connection_query_submit,
    connection_release, ConnectionHandle, NativeConnection, NativeConnectionDetails,
};
pub use pool::{create_pool, NativePool};
