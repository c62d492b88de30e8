//! The scaling planner: the target for any instant from the wedding calendar, the traffic
//! forecast and the fleet budget — each change with its reason — and the next changes ahead.
//! Pure: a function of `(configuration, learner, budget, time)`.

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::scaling::calendar::WeddingCalendar;
use crate::scaling::learner::TrafficLearner;
use crate::scaling::policy::{ScalingPolicy, ScalingTarget};
use crate::scaling::reason::{ForecastReason, ScalingReason};

/// Headroom above a forecast peak for max (min warms up to the peak itself).
pub const FORECAST_HEADROOM: f64 = 1.25;

/// A change the planner expects.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedChange {
    /// When it takes effect (calendar time).
    pub at: DateTime<Utc>,
    /// Min from then on.
    pub min: usize,
    /// Max from then on.
    pub max: usize,
    /// Why.
    pub reason: ScalingReason,
}

/// The current target and what comes next.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPlan {
    /// In force now.
    pub target: ScalingTarget,
    /// Upcoming changes, soonest first.
    pub next: Vec<PlannedChange>,
}

/// Everything a target depends on.
pub struct Planner<'a> {
    /// Base sizes and the wedding-day multiplier.
    pub policy: &'a ScalingPolicy,
    /// Wedding days and lead time.
    pub calendar: &'a WeddingCalendar,
    /// Learned demand.
    pub learner: &'a TrafficLearner,
    /// This instance's share of the server, once known.
    pub budget: Option<usize>,
}

impl Planner<'_> {
    /// The target at `t`: calendar first, raised to a forecast peak expected within the lead
    /// time, then capped by the fleet budget. Never below the base min (unless the budget is
    /// smaller), never above the budget.
    pub fn target_at(&self, t: DateTime<Utc>) -> ScalingTarget {
        let window = self.calendar.window_at(t);
        let mut target = self.policy.target(window.as_ref());
        let horizon = t + self.calendar.lead().max(Duration::hours(1));
        if let Some(peak) = self.learner.peak_between(t, horizon) {
            let ceiling = self.policy.ceiling();
            let want_min = (peak.demand.ceil() as usize).min(ceiling);
            let want_max = ((peak.demand * FORECAST_HEADROOM).ceil() as usize).min(ceiling);
            if want_min > target.min || want_max > target.max {
                target.min = target.min.max(want_min);
                target.max = target.max.max(want_max);
                target.reason.forecast =
                    Some(ForecastReason { at: peak.at, timezone: peak.timezone, demand: peak.demand });
            }
        }
        if let Some(budget) = self.budget {
            if target.max > budget {
                target.max = budget;
                target.min = target.min.min(budget);
                target.reason.capped_by_budget = Some(budget);
            }
        }
        target.min = target.min.min(target.max);
        target
    }

    /// The target now and the changes expected within `horizon`: evaluated at every calendar
    /// change (each lead-in start and wedding-day start and end, exact to the second, in every
    /// zone) and on a grid of `step` aligned to UTC (for forecast changes), soonest first.
    pub fn plan(&self, now: DateTime<Utc>, horizon: Duration, step: Duration, limit: usize) -> ScalingPlan {
        let target = self.target_at(now);
        let end = now + horizon;
        let mut instants = self.calendar.changes_between(now, end);
        let step = step.max(Duration::minutes(1));
        let mut t = now.duration_trunc(step).unwrap_or(now) + step;
        while t <= end {
            instants.push(t);
            t += step;
        }
        instants.sort();
        instants.dedup();
        let mut next = Vec::new();
        let mut previous = (target.min, target.max, target.reason.kind());
        for t in instants {
            if next.len() >= limit {
                break;
            }
            let candidate = self.target_at(t);
            let key = (candidate.min, candidate.max, candidate.reason.kind());
            if key != previous {
                next.push(PlannedChange { at: t, min: candidate.min, max: candidate.max, reason: candidate.reason });
                previous = key;
            }
        }
        ScalingPlan { target, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn calendar() -> WeddingCalendar {
        WeddingCalendar::new(vec![Weekday::Sat], vec![chrono_tz::Europe::London], vec![], Duration::minutes(60))
    }

    const POLICY: ScalingPolicy = ScalingPolicy { base_min: 2, base_max: 10, wedding_day_multiplier: 3.0 };

    #[test]
    fn forecast_raises_min_and_max_before_a_learned_peak() {
        let mut learner = TrafficLearner::new(vec![chrono_tz::Europe::London], 1.0);
        learner.observe(utc("2026-06-03T17:00:00Z"), [0.0, 0.0, 16.0]); // Wednesday 18:00 BST
        learner.flush();
        let cal = calendar();
        let planner = Planner { policy: &POLICY, calendar: &cal, learner: &learner, budget: None };
        let t = planner.target_at(utc("2026-06-10T16:30:00Z")); // 30 min before next Wednesday's peak
        assert_eq!((t.min, t.max), (16, 20));
        assert_eq!(t.reason.to_string(), "forecast for Wed 18:00 Europe/London: 16 connections");
        let quiet = planner.target_at(utc("2026-06-10T10:00:00Z"));
        assert_eq!((quiet.min, quiet.max, quiet.reason.to_string().as_str()), (2, 10, "base"));
    }

    #[test]
    fn budget_caps_every_target() {
        let learner = TrafficLearner::new(vec![chrono_tz::Europe::London], 1.0);
        let cal = calendar();
        let planner = Planner { policy: &POLICY, calendar: &cal, learner: &learner, budget: Some(12) };
        let t = planner.target_at(utc("2026-06-13T12:00:00Z"));
        assert_eq!((t.min, t.max), (6, 12));
        assert_eq!(t.reason.to_string(), "wedding day in Europe/London (2026-06-13); capped by budget (12)");
    }

    #[test]
    fn plan_lists_the_lead_in_the_wedding_day_and_its_end() {
        let learner = TrafficLearner::new(vec![chrono_tz::Europe::London], 1.0);
        let cal = calendar();
        let planner = Planner { policy: &POLICY, calendar: &cal, learner: &learner, budget: None };
        let plan = planner.plan(utc("2026-06-12T12:00:00Z"), Duration::hours(48), Duration::minutes(15), 10);
        assert_eq!(plan.target.reason.to_string(), "base");
        let reasons: Vec<_> = plan.next.iter().map(|c| (c.at, c.max, c.reason.to_string())).collect();
        assert_eq!(reasons[0].0, utc("2026-06-12T22:00:00Z"));
        assert!(reasons[0].2.to_string().starts_with("lead-in before wedding day in Europe/London"));
        assert_eq!(reasons[1].0, utc("2026-06-12T23:00:00Z"));
        assert_eq!(reasons[1].1, 30);
        assert_eq!(reasons[2], (utc("2026-06-13T23:00:00Z"), 10, "base".to_string()));
    }

    #[test]
    fn forecast_follows_local_hours_in_a_quarter_hour_zone() {
        // 18:00 in Asia/Kathmandu (UTC+5:45) starts at 12:15 UTC.
        let kathmandu = chrono_tz::Asia::Kathmandu;
        let mut learner = TrafficLearner::new(vec![kathmandu], 1.0);
        for minute in 0..60 {
            learner.observe(utc("2026-06-13T12:15:00Z") + Duration::minutes(minute), [0.0, 0.0, 16.0]);
        }
        learner.flush();
        let cal = WeddingCalendar::new(vec![], vec![kathmandu], vec![], Duration::minutes(60));
        let planner = Planner { policy: &POLICY, calendar: &cal, learner: &learner, budget: None };
        let plan = planner.plan(utc("2026-06-20T10:00:00Z"), Duration::hours(4), Duration::minutes(15), 10);
        let first = &plan.next[0];
        assert_eq!(first.at, utc("2026-06-20T11:15:00Z")); // an hour before the local hour begins
        assert_eq!((first.min, first.max), (16, 20));
        assert_eq!(first.reason.to_string(), "forecast for Sat 18:00 Asia/Kathmandu: 16 connections");
        assert_eq!((plan.next[1].at, plan.next[1].reason.to_string().as_str()), (utc("2026-06-20T13:15:00Z"), "base"));
    }
}
