//! The wedding context crosses the boundary as one bit mask (cheaper than an object on the
//! hot path); `ts/context.ts` builds it from the bits exported here.

use napi_derive::napi;
use wedpool_core::DatabaseContext;

/// Context bit: `isActiveWedding`.
#[napi]
pub const CONTEXT_ACTIVE_WEDDING: u32 = 1;
/// Context bit: `isWeddingDay: true`.
#[napi]
pub const CONTEXT_WEDDING_DAY_TRUE: u32 = 2;
/// Context bit: `isWeddingDay: false` (neither bit: the calendar decides).
#[napi]
pub const CONTEXT_WEDDING_DAY_FALSE: u32 = 4;
/// Context bit: `isCriticalOperation`.
#[napi]
pub const CONTEXT_CRITICAL_OPERATION: u32 = 8;
/// Context bit: `isWeddingCritical`.
#[napi]
pub const CONTEXT_WEDDING_CRITICAL: u32 = 16;

/// Decodes the flags built by `contextFlags()` in `ts/context.ts`.
pub fn context_from_flags(flags: u32) -> DatabaseContext {
    DatabaseContext {
        is_active_wedding: flags & CONTEXT_ACTIVE_WEDDING != 0,
        is_wedding_day: if flags & CONTEXT_WEDDING_DAY_TRUE != 0 {
            Some(true)
        } else if flags & CONTEXT_WEDDING_DAY_FALSE != 0 {
            Some(false)
        } else {
            None
        },
        is_critical_operation: flags & CONTEXT_CRITICAL_OPERATION != 0,
        is_wedding_critical: flags & CONTEXT_WEDDING_CRITICAL != 0,
        wedding_id: None,
        operation: None,
    }
}
