//! The wedding context crosses the boundary as one bit mask (cheaper than an object on the
//! hot path); `ts/context.ts` builds it.

use wedpool_core::DatabaseContext;

const ACTIVE_WEDDING: u32 = 1;
const WEDDING_DAY_TRUE: u32 = 2;
const WEDDING_DAY_FALSE: u32 = 4;
const CRITICAL_OPERATION: u32 = 8;
const WEDDING_CRITICAL: u32 = 16;

/// Decodes the flags built by `contextFlags()` in `ts/context.ts`.
pub fn context_from_flags(flags: u32) -> DatabaseContext {
    DatabaseContext {
        is_active_wedding: flags & ACTIVE_WEDDING != 0,
        is_wedding_day: if flags & WEDDING_DAY_TRUE != 0 {
            Some(true)
        } else if flags & WEDDING_DAY_FALSE != 0 {
            Some(false)
        } else {
            None
        },
        is_critical_operation: flags & CRITICAL_OPERATION != 0,
        is_wedding_critical: flags & WEDDING_CRITICAL != 0,
        wedding_id: None,
        operation: None,
    }
}
