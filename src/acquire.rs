//! The synchronous acquire, as a plain function of a pool handle.
//!
//! `getConnection` calls it once per acquire. A method of the `NativePool` class would first
//! unwrap and type-check `this` (callgrind: about 1,700 instructions, more than the core's
//! whole hand-over); a handle argument is looked up in one small table (`handles`).

use napi::bindgen_prelude::Either3;
use napi_derive::napi;
use wedpool_core::{Acquired, Pool};

use crate::completions::Completions;
use crate::connection::{ConnectionHandle, NativeConnection};
use crate::context::context_from_flags;
use crate::error::NativeError;
use crate::guard::guarded;
use crate::handles::{Handle, Owned};

/// What acquiring needs of a pool: the pool, and where lent connections settle their queries.
#[derive(Debug)]
pub struct PoolHandle {
    pool: Pool,
    completions: Option<Completions>,
}

impl PoolHandle {
    /// The handle of `pool`, whose connections settle queries through `completions`.
    pub(crate) fn new(pool: Pool, completions: Option<Completions>) -> Owned<PoolHandle> {
        Owned(PoolHandle { pool, completions })
    }
}

/// A connection's handle at once, or a ticket for `waitSubmit`/`cancel`, or an error.
#[napi(ts_return_type = "ExternalObject<'NativeConnection'> | number | NativeError")]
pub fn pool_acquire_or_enqueue(
    #[napi(ts_arg_type = "ExternalObject<'NativePool'>")] pool: Handle<PoolHandle>,
    flags: u32,
) -> Either3<ConnectionHandle, i64, NativeError> {
    match guarded("getConnection", || pool.pool.acquire_or_enqueue(&context_from_flags(flags))) {
        Ok(Ok(Acquired::Ready(lease))) => Either3::A(NativeConnection::handle(lease, pool.completions.clone())),
        Ok(Ok(Acquired::Queued(ticket))) => Either3::B(ticket as i64),
        Ok(Err(e)) => Either3::C(e.into()),
        Err(internal) => Either3::C(*internal),
    }
}
