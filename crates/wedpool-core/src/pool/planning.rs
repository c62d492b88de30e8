//! The pool's calendar and scaling: the wedding-day clock, the plan for the next 48 hours,
//! the learned traffic profile, and running a maintenance pass on demand.

use chrono::{DateTime, Utc};

use crate::error::PoolError;
use crate::pool::Pool;
use crate::scaling::planner::{Planner, ScalingPlan};

impl Pool {
    /// The target now and the changes expected in the next 48 hours of calendar time, each
    /// with its reason (base, wedding day, lead-in, forecast, capped by budget).
    pub fn scaling_plan(&self) -> ScalingPlan {
        let st = self.inner.lock();
        let config = &self.inner.config;
        let planner = Planner {
            policy: &config.scaling,
            calendar: &config.calendar,
            learner: &st.sizing.learner,
            budget: st.fleet.budget,
        };
        planner.plan(self.inner.clock.now(), chrono::Duration::hours(48), chrono::Duration::minutes(15), 12)
    }

    /// The learned traffic profile as JSON (see `TrafficLearner::export`).
    pub fn export_traffic_profile(&self) -> serde_json::Value {
        self.inner.lock().sizing.learner.export()
    }

    /// Loads a profile exported earlier and re-plans at once.
    ///
    /// Fails with `INVALID_CONFIG` (field `trafficProfile`) naming what is malformed.
    pub fn import_traffic_profile(&self, profile: &serde_json::Value) -> Result<(), PoolError> {
        self.inner.lock().sizing.learner.import(profile).map_err(|m| PoolError::invalid_config("trafficProfile", m))?;
        self.inner.maintain();
        Ok(())
    }

    /// Whether the calendar says now is a wedding day.
    pub fn is_wedding_day(&self) -> bool {
        self.inner.config.calendar.is_wedding_day(self.inner.clock.now())
    }

    /// Freezes the calendar clock at `time` (`None`: back to the system clock) and re-evaluates
    /// the scaling target at once. Timeouts are unaffected.
    pub fn set_calendar_time(&self, time: Option<DateTime<Utc>>) {
        self.inner.clock.set(time);
        self.inner.maintain();
    }

    /// The calendar clock's time.
    pub fn calendar_time(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Runs one maintenance pass now (calendar, reaping, probes, refill). It also runs on its
    /// own every `maintenanceIntervalMillis`.
    pub fn maintain(&self) {
        self.inner.maintain();
    }
}
