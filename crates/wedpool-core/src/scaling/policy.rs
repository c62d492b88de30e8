//! The scaling policy: the pool's min and max for a moment, and why.

use crate::scaling::calendar::WeddingWindow;
use crate::scaling::reason::ScalingReason;

/// What the pool should look like now.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingTarget {
    /// Connections to keep open.
    pub min: usize,
    /// Connections never to exceed.
    pub max: usize,
    /// The multiplier in force (1 off wedding days).
    pub multiplier: f64,
    /// Why (shown as `base`, `wedding day in Europe/London (2026-06-13)`, …).
    pub reason: ScalingReason,
}

/// Base sizes and the wedding-day multiplier.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPolicy {
    /// Minimum on an ordinary day.
    pub base_min: usize,
    /// Maximum on an ordinary day.
    pub base_max: usize,
    /// Factor applied to min and max on wedding days (≥ 1).
    pub wedding_day_multiplier: f64,
}

impl ScalingPolicy {
    /// The target for a moment in `window` (or outside any wedding window).
    pub fn target(&self, window: Option<&WeddingWindow>) -> ScalingTarget {
        match window {
            None => {
                ScalingTarget { min: self.base_min, max: self.base_max, multiplier: 1.0, reason: ScalingReason::base() }
            }
            Some(w) => ScalingTarget {
                min: scale(self.base_min, self.wedding_day_multiplier),
                max: scale(self.base_max, self.wedding_day_multiplier),
                multiplier: self.wedding_day_multiplier,
                reason: ScalingReason { window: Some(w.clone()), ..ScalingReason::base() },
            },
        }
    }

    /// The largest max this policy can ask for.
    pub fn ceiling(&self) -> usize {
        scale(self.base_max, self.wedding_day_multiplier.max(1.0))
    }
}

fn scale(n: usize, multiplier: f64) -> usize {
    (n as f64 * multiplier).round() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn policy() -> ScalingPolicy {
        ScalingPolicy { base_min: 10, base_max: 50, wedding_day_multiplier: 3.0 }
    }

    #[test]
    fn ordinary_day_uses_base_sizes() {
        let t = policy().target(None);
        assert_eq!((t.min, t.max, t.reason.to_string().as_str()), (10, 50, "base"));
    }

    #[test]
    fn wedding_day_multiplies_min_and_max() {
        let w = WeddingWindow::WeddingDay {
            timezone: chrono_tz::Europe::London,
            date: NaiveDate::from_ymd_opt(2026, 6, 13).unwrap(),
        };
        let t = policy().target(Some(&w));
        assert_eq!((t.min, t.max), (30, 150));
        assert_eq!(t.reason.to_string(), "wedding day in Europe/London (2026-06-13)");
        assert_eq!(policy().ceiling(), 150);
    }

    #[test]
    fn fractional_multiplier_rounds() {
        let p = ScalingPolicy { base_min: 3, base_max: 5, wedding_day_multiplier: 1.5 };
        let w = WeddingWindow::LeadIn { timezone: chrono_tz::UTC, date: NaiveDate::from_ymd_opt(2026, 6, 13).unwrap() };
        let t = p.target(Some(&w));
        assert_eq!((t.min, t.max), (5, 8));
    }
}
