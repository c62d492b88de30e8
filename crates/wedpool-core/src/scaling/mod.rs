//! Scaling — how big the pool should be and when: the wedding calendar, the scaling policy,
//! the traffic learner and its forecast, the fleet budget, and the planner that combines
//! them. Pure: functions of configuration, observations and time.

pub(crate) mod calendar;
pub(crate) mod fleet;
#[cfg(test)]
mod fleet_sim;
pub(crate) mod learner;
pub(crate) mod planner;
pub(crate) mod policy;
pub(crate) mod reason;
