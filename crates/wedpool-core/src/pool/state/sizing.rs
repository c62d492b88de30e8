//! How big the pool should be: the scaling target in force, whether today is a wedding day,
//! and the demand being learned.

use chrono::{DateTime, Utc};

use crate::scaling::learner::{Demand, TrafficLearner};
use crate::scaling::policy::ScalingTarget;

/// The pool's size targets and the demand observations that feed them.
pub struct Sizing {
    /// Current min, max and reason.
    pub target: ScalingTarget,
    /// Whether today is a wedding day, as last evaluated.
    pub wedding_day: bool,
    /// Learned demand by hour of week.
    pub learner: TrafficLearner,
    /// The calendar minute being observed, and its demand peak so far.
    pub minute: Option<(DateTime<Utc>, Demand)>,
}

impl Sizing {
    /// Starts at `target`, not (yet) on a wedding day, learning with `learner`.
    pub fn new(target: ScalingTarget, learner: TrafficLearner) -> Self {
        Sizing { target, wedding_day: false, learner, minute: None }
    }
}
