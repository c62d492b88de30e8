//! Values JavaScript holds as external values: a lent connection ([`crate::NativeConnection`])
//! and a pool's acquire handle ([`crate::PoolHandle`]).
//!
//! [`Owned`] becomes an external holding one boxed value, dropped when JavaScript collects
//! the external; [`Handle`] borrows it back for the length of a call. Every external this
//! module made is listed, with its type, in one table keyed by address, so a value that is not
//! one of ours (or of another kind) is refused instead of dereferenced.
//!
//! napi-rs' own `External` does the same with two allocations per value and a SipHash table
//! shared by every external in the process; on the uncontended acquire + release that was
//! about 2,000 instructions of 13,000 (callgrind). Here it is one allocation and a
//! multiplicative hash.

use std::any::TypeId;
use std::collections::HashMap;
use std::ffi::c_void;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Mutex, MutexGuard};

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValueType};
use napi::{sys, Error, Status};

/// Hashes an address by multiplying it with an odd constant (the table's keys are our own
/// allocations, never chosen by a caller). The product's low bits keep the address's
/// alignment zeros, so the high bits are rotated down: the table picks buckets by low bits.
#[derive(Debug, Default, Clone, Copy)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, address: usize) {
        self.0 = (self.0 ^ address as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type LiveTable = HashMap<usize, TypeId, BuildHasherDefault<AddressHasher>>;

/// The externals this module made and JavaScript has not collected, by address.
static LIVE: Mutex<LiveTable> = Mutex::new(HashMap::with_hasher(BuildHasherDefault::new()));

fn live() -> MutexGuard<'static, LiveTable> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A value handed to JavaScript as an external; collected, it is dropped.
#[derive(Debug)]
pub struct Owned<T: Send + 'static>(pub T);

impl<T: Send + 'static> TypeName for Owned<T> {
    fn type_name() -> &'static str {
        "ExternalObject"
    }

    fn value_type() -> ValueType {
        ValueType::External
    }
}

impl<T: Send + 'static> ToNapiValue for Owned<T> {
    unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        let data = Box::into_raw(Box::new(value.0));
        let mut external = ptr::null_mut();
        // SAFETY: `data` is a live allocation owned by the external from here on; `finalize`
        // is instantiated for the same `T`.
        let status =
            unsafe { sys::napi_create_external(env, data.cast(), Some(finalize::<T>), ptr::null_mut(), &mut external) };
        if status != sys::Status::napi_ok {
            // SAFETY: the external was not created, so `data` is still ours alone.
            drop(unsafe { Box::from_raw(data) });
            return Err(Error::new(Status::from(status), "could not create a WedPool handle".to_string()));
        }
        live().insert(data as usize, TypeId::of::<T>());
        Ok(external)
    }
}

/// Drops a collected external's value. Runs on the JavaScript thread; a panic in the drop
/// (a bug) is contained, never unwound into Node.
unsafe extern "C" fn finalize<T: Send + 'static>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    live().remove(&(data as usize));
    // SAFETY: `data` came from `Box::into_raw` in `to_napi_value` for this `T`, and Node
    // finalizes an external once.
    let value = unsafe { Box::from_raw(data.cast::<T>()) };
    let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
}

/// An [`Owned`] value's external, borrowed back for one call.
#[derive(Debug)]
pub struct Handle<T: 'static>(&'static T);

impl<T: 'static> Deref for Handle<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.0
    }
}

impl<T: 'static> TypeName for Handle<T> {
    fn type_name() -> &'static str {
        "ExternalObject"
    }

    fn value_type() -> ValueType {
        ValueType::External
    }
}

impl<T: 'static> FromNapiValue for Handle<T> {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut data = ptr::null_mut();
        // SAFETY: Node checks that `value` is an external (else `napi_invalid_arg`).
        let status = unsafe { sys::napi_get_value_external(env, value, &mut data) };
        if status != sys::Status::napi_ok || live().get(&(data as usize)) != Some(&TypeId::of::<T>()) {
            return Err(Error::new(Status::InvalidArg, "not a WedPool handle of this kind".to_string()));
        }
        // SAFETY: listed as a live `T`, and the external (an argument of the running call)
        // cannot be collected before the call returns.
        Ok(Handle(unsafe { &*data.cast::<T>() }))
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn aligned_addresses_spread_over_buckets() {
        let build = BuildHasherDefault::<AddressHasher>::default();
        let buckets: std::collections::HashSet<u64> =
            (0..64usize).map(|i| build.hash_one(0x7f00_0000_0000 + i * 64) & 63).collect();
        assert!(buckets.len() > 32, "{} distinct buckets of 64", buckets.len());
    }
}
