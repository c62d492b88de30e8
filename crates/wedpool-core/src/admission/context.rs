//! Who a request is: the wedding context and the priority it earns.

/// Priority every request starts with.
pub const BASE_PRIORITY: i64 = 100;
/// Added when the request serves a wedding that is happening now.
pub const ACTIVE_WEDDING_BONUS: i64 = 1000;
/// Added on a wedding day (the context flag, or the pool's calendar when the flag is absent).
pub const WEDDING_DAY_BONUS: i64 = 500;
/// Added for operations the caller marks critical (payments, ceremony changes).
pub const CRITICAL_OPERATION_BONUS: i64 = 300;

/// What the application knows about a request. All fields are optional hints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseContext {
    /// The request belongs to a wedding taking place right now.
    pub is_active_wedding: bool,
    /// Overrides the calendar's view of whether today is a wedding day.
    pub is_wedding_day: Option<bool>,
    /// The operation is critical for the business (payments, ceremony changes).
    pub is_critical_operation: bool,
    /// The request may use the emergency reserve on a wedding day.
    pub is_wedding_critical: bool,
    /// The wedding this request serves, for diagnostics.
    pub wedding_id: Option<String>,
    /// A name for the operation, for diagnostics.
    pub operation: Option<String>,
}

impl DatabaseContext {
    /// The priority of this request: 100, +1000 active wedding, +500 wedding day
    /// (the context flag when present, otherwise `calendar_wedding_day`), +300 critical operation.
    pub fn priority(&self, calendar_wedding_day: bool) -> i64 {
        let mut priority = BASE_PRIORITY;
        if self.is_active_wedding {
            priority += ACTIVE_WEDDING_BONUS;
        }
        if self.is_wedding_day.unwrap_or(calendar_wedding_day) {
            priority += WEDDING_DAY_BONUS;
        }
        if self.is_critical_operation {
            priority += CRITICAL_OPERATION_BONUS;
        }
        priority
    }

    /// Whether this request may use the emergency reserve: it is wedding-critical and the
    /// calendar says today is a wedding day.
    pub fn may_use_reserve(&self, calendar_wedding_day: bool) -> bool {
        self.is_wedding_critical && calendar_wedding_day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_request_has_base_priority() {
        assert_eq!(DatabaseContext::default().priority(false), 100);
    }

    #[test]
    fn bonuses_add_up() {
        let ctx = DatabaseContext { is_active_wedding: true, is_critical_operation: true, ..Default::default() };
        assert_eq!(ctx.priority(true), 100 + 1000 + 500 + 300);
    }

    #[test]
    fn context_flag_overrides_calendar() {
        let not_today = DatabaseContext { is_wedding_day: Some(false), ..Default::default() };
        assert_eq!(not_today.priority(true), 100);
        let today = DatabaseContext { is_wedding_day: Some(true), ..Default::default() };
        assert_eq!(today.priority(false), 600);
    }

    #[test]
    fn reserve_needs_wedding_critical_on_a_wedding_day() {
        let ctx = DatabaseContext { is_wedding_critical: true, ..Default::default() };
        assert!(ctx.may_use_reserve(true));
        assert!(!ctx.may_use_reserve(false));
        assert!(!DatabaseContext::default().may_use_reserve(true));
    }
}
