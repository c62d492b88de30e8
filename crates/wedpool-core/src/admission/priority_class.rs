//! The priority class of a request: the coarse grouping that demand, wait metrics and the
//! traffic learner are recorded by.

use crate::admission::context::DatabaseContext;

/// The classes demand is recorded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PriorityClass {
    /// Wedding-critical or critical operations.
    Critical = 0,
    /// Active weddings and wedding-day work.
    Wedding = 1,
    /// Everything else.
    Normal = 2,
}

impl PriorityClass {
    /// All classes, in label order.
    pub const ALL: [PriorityClass; 3] = [PriorityClass::Critical, PriorityClass::Wedding, PriorityClass::Normal];

    /// `critical`, `wedding` or `normal`.
    pub fn as_str(self) -> &'static str {
        match self {
            PriorityClass::Critical => "critical",
            PriorityClass::Wedding => "wedding",
            PriorityClass::Normal => "normal",
        }
    }

    /// The class of a request.
    pub fn of(ctx: &DatabaseContext, calendar_wedding_day: bool) -> PriorityClass {
        if ctx.is_wedding_critical || ctx.is_critical_operation {
            PriorityClass::Critical
        } else if ctx.is_active_wedding || ctx.is_wedding_day.unwrap_or(calendar_wedding_day) {
            PriorityClass::Wedding
        } else {
            PriorityClass::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_follows_the_context() {
        let critical = DatabaseContext { is_wedding_critical: true, ..Default::default() };
        assert_eq!(PriorityClass::of(&critical, false), PriorityClass::Critical);
        assert_eq!(PriorityClass::of(&DatabaseContext::default(), true), PriorityClass::Wedding);
        assert_eq!(PriorityClass::of(&DatabaseContext::default(), false), PriorityClass::Normal);
    }
}
