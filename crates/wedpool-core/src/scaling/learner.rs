//! The traffic learner: an hour-of-week demand profile per configured timezone, exponentially
//! weighted so a changing season is followed, and a forecast of the coming hours.
//!
//! Demand is "connections wanted" — in use plus waiting — per priority class, observed as the
//! peak of each minute. Each timezone folds those minutes into its own *local* hours (so a
//! peak that follows local time, Saturday 14:00 in London, stays put across DST changes, and
//! Asia/Kathmandu's 18:00 starts at 12:15 UTC), and when a local hour ends its peak updates that
//! hour's bucket. The forecast for an instant is the largest prediction among the timezones'
//! profiles. Pure: no I/O.
//!
//! DST, deterministically: a local hour that does not happen (spring forward: 01:00–02:00 on
//! the last Sunday of March in London) gets no observation that week and keeps what it had
//! learned; nothing ever forecasts it, because a forecast looks up the local hour an instant
//! falls in. A local hour that happens twice (fall back: 01:00–02:00 on the last Sunday of
//! October) is one bucket: its two occurrences are one observation (the larger peak of the
//! two), folded once, and the forecast gives both occurrences that bucket's value.

use chrono::{DateTime, Datelike, Duration, DurationRound, NaiveDateTime, TimeZone, Timelike, Utc};
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
    /// Per zone: the local hour being observed (its local start) and its peak so far.
    current: Vec<Option<(NaiveDateTime, Demand)>>,
    /// The last UTC hour with an observation, for `hours_observed`.
    last_hour: Option<DateTime<Utc>>,
    hours_observed: u64,
}

impl TrafficLearner {
    /// A learner for `zones` (at least one); `alpha` in (0, 1] is the weight of the newest week.
    pub fn new(zones: Vec<Tz>, alpha: f64) -> Self {
        let zones = if zones.is_empty() { vec![chrono_tz::UTC] } else { zones };
        let profiles = vec![vec![[None; 3]; HOURS_PER_WEEK]; zones.len()];
        let current = vec![None; zones.len()];
        TrafficLearner { zones, alpha: alpha.clamp(0.01, 1.0), profiles, current, last_hour: None, hours_observed: 0 }
    }

    /// Records the demand peak of the minute starting at `minute`. A zone whose local hour
    /// changes with it folds the hour that ended into its profile.
    pub fn observe(&mut self, minute: DateTime<Utc>, demand: Demand) {
        let hour = truncate_hour(minute);
        if self.last_hour != Some(hour) {
            self.last_hour = Some(hour);
            self.hours_observed += 1;
        }
        for i in 0..self.zones.len() {
            let local_hour = local_hour_of(minute, &self.zones[i]);
            match &mut self.current[i] {
                Some((h, peak)) if *h == local_hour => {
                    for (p, d) in peak.iter_mut().zip(demand) {
                        *p = p.max(d);
                    }
                }
                _ => {
                    self.fold(i);
                    self.current[i] = Some((local_hour, demand));
                }
            }
        }
    }

    /// Folds the hours in progress into the profiles.
    pub fn flush(&mut self) {
        for i in 0..self.zones.len() {
            self.fold(i);
        }
    }

    /// Folds zone `i`'s hour in progress into its bucket.
    fn fold(&mut self, i: usize) {
        let Some((local_hour, peak)) = self.current[i].take() else { return };
        let bucket = &mut self.profiles[i][slot_of(local_hour)];
        for (slot, value) in bucket.iter_mut().zip(peak) {
            *slot = Some(match *slot {
                None => value,
                Some(old) => self.alpha * value + (1.0 - self.alpha) * old,
            });
        }
    }

    /// Hours (of UTC time) with at least one observation so far.
    #[cfg(test)]
    pub fn hours_observed(&self) -> u64 {
        self.hours_observed
    }

    /// Predicted demand per class for the hour containing `at`, and the zone predicting most.
    #[cfg(test)]
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

    /// The largest forecast total among the local hours overlapping `[from, to]` in every
    /// zone; `at` is when that local hour starts. Ties go to the earlier hour, then the zone
    /// configured first.
    pub fn peak_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<ForecastPeak> {
        let mut best: Option<ForecastPeak> = None;
        for (zone, profile) in self.zones.iter().zip(&self.profiles) {
            let mut hour = local_hour_start(from, zone);
            while hour <= to {
                let total: f64 = profile[hour_of_week(hour, zone)].iter().map(|v| v.unwrap_or(0.0)).sum();
                if total > 0.0 && best.as_ref().is_none_or(|b| total > b.demand || (total == b.demand && hour < b.at)) {
                    best = Some(ForecastPeak { demand: total, at: hour, timezone: *zone });
                }
                let next = local_hour_start(hour + Duration::hours(1), zone);
                hour = if next > hour { next } else { hour + Duration::hours(1) };
            }
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
        let hours_observed = match data.get("hoursObserved") {
            None => self.hours_observed,
            Some(h) => h.as_u64().ok_or("hoursObserved must be a whole number of 0 or more")?,
        };
        // All or nothing: the profile is read into a copy that replaces the current one only
        // when every part of it was valid.
        let mut profiles = self.profiles.clone();
        for (zone, profile) in self.zones.iter().zip(profiles.iter_mut()) {
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
        self.profiles = profiles;
        self.hours_observed = hours_observed;
        Ok(())
    }
}

fn truncate_hour(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

/// The local hour `t` falls in, as its local start (`2026-10-25 01:00` for both of London's
/// 01:00 hours that night).
fn local_hour_of(t: DateTime<Utc>, zone: &Tz) -> NaiveDateTime {
    let local = zone.from_utc_datetime(&t.naive_utc()).naive_local();
    local.date().and_hms_opt(local.hour(), 0, 0).unwrap_or(local)
}

/// The instant the local hour containing `t` began in `zone` (12:15 UTC for 18:00 in
/// Asia/Kathmandu).
fn local_hour_start(t: DateTime<Utc>, zone: &Tz) -> DateTime<Utc> {
    let local = zone.from_utc_datetime(&t.naive_utc());
    let into_hour = Duration::minutes(i64::from(local.minute())) + Duration::seconds(i64::from(local.second()));
    (t - into_hour).duration_trunc(Duration::seconds(1)).unwrap_or(t)
}

/// The bucket of a local hour: 0 = Monday 00:00 … 167 = Sunday 23:00.
fn slot_of(local_hour: NaiveDateTime) -> usize {
    local_hour.weekday().num_days_from_monday() as usize * 24 + local_hour.hour() as usize
}

/// 0 = Monday 00:00 local … 167 = Sunday 23:00 local.
pub fn hour_of_week(t: DateTime<Utc>, zone: &Tz) -> usize {
    slot_of(local_hour_of(t, zone))
}

#[cfg(test)]
#[path = "learner_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "learner_dst_tests.rs"]
mod dst_tests;
