//! The traffic learner: an hour-of-week demand profile per configured timezone, exponentially
//! weighted so a changing season is followed, and a forecast of the coming hours.
//!
//! Demand is "connections wanted" — in use plus waiting — per priority class, observed as the
//! peak of each minute and folded into the hour's peak. When an hour ends, every timezone's
//! profile updates the bucket for that hour's *local* hour of the week, so a peak that follows
//! local time (Saturday 14:00 in London) stays put across DST changes. The forecast for an
//! instant is the largest prediction among the timezones' profiles. Pure: no I/O.

use chrono::{DateTime, Datelike, Duration, DurationRound, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value as Json};

use crate::admission::priority_class::PriorityClass;

/// Hours in a week.
pub const HOURS_PER_WEEK: usize = 168;

/// Demand per class, indexed by `PriorityClass as usize`.
pub type Demand = [f64; 3];

/// A forecast peak: how much, when, and which timezone's profile predicts it.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastPeak {
    /// Total connections wanted (all classes).
    pub demand: f64,
    /// The hour it is expected.
    pub at: DateTime<Utc>,
    /// The timezone whose profile predicts it.
    pub timezone: Tz,
}

/// Learns demand by hour of week.
#[derive(Debug, Clone)]
pub struct TrafficLearner {
    zones: Vec<Tz>,
    alpha: f64,
    /// `profiles[zone][hour_of_week][class]`, `None` until observed.
    profiles: Vec<Vec<[Option<f64>; 3]>>,
    current: Option<(DateTime<Utc>, Demand)>,
    hours_observed: u64,
}

impl TrafficLearner {
    /// A learner for `zones` (at least one); `alpha` in (0, 1] is the weight of the newest week.
    pub fn new(zones: Vec<Tz>, alpha: f64) -> Self {
        let zones = if zones.is_empty() { vec![chrono_tz::UTC] } else { zones };
        let profiles = vec![vec![[None; 3]; HOURS_PER_WEEK]; zones.len()];
        TrafficLearner { zones, alpha: alpha.clamp(0.01, 1.0), profiles, current: None, hours_observed: 0 }
    }

    /// Records the demand peak of the minute starting at `minute`.
    pub fn observe(&mut self, minute: DateTime<Utc>, demand: Demand) {
        let hour = truncate_hour(minute);
        match &mut self.current {
            Some((h, peak)) if *h == hour => {
                for (p, d) in peak.iter_mut().zip(demand) {
                    *p = p.max(d);
                }
            }
            _ => {
                self.flush();
                self.current = Some((hour, demand));
            }
        }
    }

    /// Folds the hour in progress into the profiles.
    pub fn flush(&mut self) {
        let Some((hour, peak)) = self.current.take() else { return };
        for (zone, profile) in self.zones.iter().zip(self.profiles.iter_mut()) {
            let bucket = &mut profile[hour_of_week(hour, zone)];
            for (slot, value) in bucket.iter_mut().zip(peak) {
                *slot = Some(match *slot {
                    None => value,
                    Some(old) => self.alpha * value + (1.0 - self.alpha) * old,
                });
            }
        }
        self.hours_observed += 1;
    }

    /// Hours folded into the profiles so far.
    #[cfg(test)]
    pub fn hours_observed(&self) -> u64 {
        self.hours_observed
    }

    /// Predicted demand per class for the hour containing `at`, and the zone predicting most.
    pub fn forecast(&self, at: DateTime<Utc>) -> (Demand, Tz) {
        let mut best = ([0.0; 3], self.zones[0]);
        for (zone, profile) in self.zones.iter().zip(&self.profiles) {
            let bucket = profile[hour_of_week(at, zone)];
            let demand = [bucket[0].unwrap_or(0.0), bucket[1].unwrap_or(0.0), bucket[2].unwrap_or(0.0)];
            if demand.iter().sum::<f64>() > best.0.iter().sum::<f64>() {
                best = (demand, *zone);
            }
        }
        best
    }

    /// The largest forecast total in the hours overlapping `[from, to]`.
    pub fn peak_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<ForecastPeak> {
        let mut hour = truncate_hour(from);
        let mut best: Option<ForecastPeak> = None;
        while hour <= to {
            let (demand, timezone) = self.forecast(hour);
            let total: f64 = demand.iter().sum();
            if total > 0.0 && best.as_ref().is_none_or(|b| total > b.demand) {
                best = Some(ForecastPeak { demand: total, at: hour, timezone });
            }
            hour += Duration::hours(1);
        }
        best
    }

    /// The profile as JSON, for `exportTrafficProfile()` and the profile table.
    pub fn export(&self) -> Json {
        let mut learner = self.clone();
        learner.flush();
        let zones: serde_json::Map<String, Json> = learner
            .zones
            .iter()
            .zip(&learner.profiles)
            .map(|(zone, profile)| {
                let classes: serde_json::Map<String, Json> = PriorityClass::ALL
                    .iter()
                    .map(|c| {
                        (c.as_str().to_string(), json!(profile.iter().map(|b| b[*c as usize]).collect::<Vec<_>>()))
                    })
                    .collect();
                (zone.name().to_string(), Json::Object(classes))
            })
            .collect();
        json!({ "version": 1, "alpha": learner.alpha, "hoursObserved": learner.hours_observed, "timezones": zones })
    }

    /// Loads a profile exported earlier; zones not configured now are ignored.
    ///
    /// Fails with a message naming what is malformed.
    pub fn import(&mut self, data: &Json) -> Result<(), String> {
        if data.get("version").and_then(Json::as_u64) != Some(1) {
            return Err("unsupported or missing version (expected 1)".into());
        }
        let zones = data.get("timezones").and_then(Json::as_object).ok_or("missing timezones object")?;
        for (zone, profile) in self.zones.iter().zip(self.profiles.iter_mut()) {
            let Some(classes) = zones.get(zone.name()) else { continue };
            for class in PriorityClass::ALL {
                let values = classes
                    .get(class.as_str())
                    .and_then(Json::as_array)
                    .ok_or_else(|| format!("{}: missing {} array", zone.name(), class.as_str()))?;
                if values.len() != HOURS_PER_WEEK {
                    return Err(format!(
                        "{}.{}: expected {HOURS_PER_WEEK} hours, got {}",
                        zone.name(),
                        class.as_str(),
                        values.len()
                    ));
                }
                for (bucket, v) in profile.iter_mut().zip(values) {
                    bucket[class as usize] = match v {
                        Json::Null => None,
                        v => Some(v.as_f64().filter(|x| x.is_finite() && *x >= 0.0).ok_or_else(|| {
                            format!("{}.{}: values must be non-negative numbers or null", zone.name(), class.as_str())
                        })?),
                    };
                }
            }
        }
        self.hours_observed = data.get("hoursObserved").and_then(Json::as_u64).unwrap_or(self.hours_observed);
        Ok(())
    }
}

fn truncate_hour(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

/// 0 = Monday 00:00 local … 167 = Sunday 23:00 local.
pub fn hour_of_week(t: DateTime<Utc>, zone: &Tz) -> usize {
    let local = zone.from_utc_datetime(&t.naive_utc());
    local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// A synthetic week: 5 connections always, 40 on Saturdays 12:00–18:00 London time.
    fn feed_week(learner: &mut TrafficLearner, week_start: DateTime<Utc>, peak: f64, peak_hour: u32) {
        for hour in 0..HOURS_PER_WEEK as i64 {
            let t = week_start + Duration::hours(hour);
            let local = chrono_tz::Europe::London.from_utc_datetime(&t.naive_utc());
            let busy = local.weekday() == chrono::Weekday::Sat && (peak_hour..peak_hour + 6).contains(&local.hour());
            let demand = if busy { [peak * 0.1, peak * 0.6, peak * 0.3] } else { [0.0, 0.0, 5.0] };
            for minute in [0, 30] {
                learner.observe(t + Duration::minutes(minute), demand);
            }
        }
    }

    #[test]
    fn converges_on_a_repeating_week_and_forecasts_the_saturday_peak() {
        let mut learner = TrafficLearner::new(vec![chrono_tz::Europe::London], 0.5);
        let monday = utc("2026-06-01T00:00:00Z");
        for week in 0..3 {
            feed_week(&mut learner, monday + Duration::weeks(week), 40.0, 12);
        }
        learner.flush();
        let (demand, _) = learner.forecast(utc("2026-06-27T13:00:00Z")); // Saturday 14:00 BST
        assert!((demand.iter().sum::<f64>() - 40.0).abs() < 0.01, "{demand:?}");
        let (quiet, _) = learner.forecast(utc("2026-06-24T13:00:00Z")); // Wednesday
        assert!((quiet.iter().sum::<f64>() - 5.0).abs() < 0.01);
        let peak = learner.peak_between(utc("2026-06-27T08:00:00Z"), utc("2026-06-27T12:00:00Z")).unwrap();
        assert_eq!(peak.at, utc("2026-06-27T11:00:00Z")); // 12:00 BST, the first busy hour
    }

    #[test]
    fn follows_a_changing_season() {
        let mut learner = TrafficLearner::new(vec![chrono_tz::Europe::London], 0.5);
        let monday = utc("2026-06-01T00:00:00Z");
        for week in 0..3 {
            feed_week(&mut learner, monday + Duration::weeks(week), 40.0, 12);
        }
        // Autumn: the peak doubles.
        for week in 3..8 {
            feed_week(&mut learner, monday + Duration::weeks(week), 80.0, 12);
        }
        learner.flush();
        let (demand, _) = learner.forecast(utc("2026-08-01T13:00:00Z"));
        let total: f64 = demand.iter().sum();
        assert!(total > 75.0 && total <= 80.0, "{total}");
    }

    #[test]
    fn local_peak_stays_at_local_time_across_dst() {
        let mut learner = TrafficLearner::new(vec![chrono_tz::Europe::London], 1.0);
        // Saturday 14:00 local in summer (13:00Z) …
        learner.observe(utc("2026-10-17T13:00:00Z"), [0.0, 30.0, 0.0]);
        learner.flush();
        // … is predicted at 14:00 local in winter (14:00Z).
        assert_eq!(learner.forecast(utc("2026-10-31T14:00:00Z")).0[1], 30.0);
    }

    #[test]
    fn export_and_import_round_trip() {
        let mut learner = TrafficLearner::new(vec![chrono_tz::UTC, chrono_tz::Asia::Tokyo], 0.3);
        learner.observe(utc("2026-06-13T12:00:00Z"), [1.0, 2.0, 3.0]);
        let exported = learner.export();
        let mut fresh = TrafficLearner::new(vec![chrono_tz::UTC, chrono_tz::Asia::Tokyo], 0.3);
        fresh.import(&exported).unwrap();
        assert_eq!(fresh.forecast(utc("2026-06-20T12:30:00Z")).0, [1.0, 2.0, 3.0]);
        assert_eq!(fresh.hours_observed(), 1);
    }

    #[test]
    fn import_rejects_malformed_profiles_with_a_reason() {
        let mut learner = TrafficLearner::new(vec![chrono_tz::UTC], 0.3);
        assert!(learner.import(&json!({ "version": 2 })).unwrap_err().contains("version"));
        let short = json!({ "version": 1, "timezones": { "UTC": { "critical": [1], "wedding": [], "normal": [] } } });
        assert!(learner.import(&short).unwrap_err().contains("168"));
    }
}
