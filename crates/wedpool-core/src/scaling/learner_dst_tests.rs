//! The learned profile and the forecast around DST changes and in zones whose hours do not
//! start on the UTC hour.

use chrono::{DateTime, Duration, Utc};

use super::{hour_of_week, TrafficLearner};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Sunday 01:00 local, bucket 6 × 24 + 1.
const SUNDAY_1AM: usize = 145;

fn observe_minutes(learner: &mut TrafficLearner, from: &str, minutes: i64, normal: f64) {
    let start = utc(from);
    for m in 0..minutes {
        learner.observe(start + Duration::minutes(m), [0.0, 0.0, normal]);
    }
}

fn sunday_1am(learner: &TrafficLearner) -> Option<f64> {
    learner.export()["timezones"]["Europe/London"]["normal"][SUNDAY_1AM].as_f64()
}

#[test]
fn a_repeated_local_hour_is_one_observation_of_its_larger_peak_folded_once() {
    let mut learner = TrafficLearner::new(vec![chrono_tz::Europe::London], 0.5);
    // A week earlier, Sunday 01:00 GMT saw 2.
    observe_minutes(&mut learner, "2026-10-18T00:00:00Z", 60, 2.0);
    // 2026-10-25: 01:00 BST (00:00Z) sees 10, then 01:00 GMT (01:00Z) sees 4, then 02:00 GMT.
    observe_minutes(&mut learner, "2026-10-25T00:00:00Z", 60, 10.0);
    observe_minutes(&mut learner, "2026-10-25T01:00:00Z", 60, 4.0);
    observe_minutes(&mut learner, "2026-10-25T02:00:00Z", 1, 0.0);
    // One fold of max(10, 4) over 2: 0.5 × 10 + 0.5 × 2.
    assert_eq!(sunday_1am(&learner), Some(6.0));
    // Both occurrences of 01:00 forecast that bucket.
    assert_eq!(hour_of_week(utc("2026-10-25T00:30:00Z"), &chrono_tz::Europe::London), SUNDAY_1AM);
    assert_eq!(hour_of_week(utc("2026-10-25T01:30:00Z"), &chrono_tz::Europe::London), SUNDAY_1AM);
    assert_eq!(learner.forecast(utc("2026-11-01T01:00:00Z")).0[2], 6.0);
}

#[test]
fn a_skipped_local_hour_keeps_what_it_learned_and_is_never_forecast() {
    let mut learner = TrafficLearner::new(vec![chrono_tz::Europe::London], 0.5);
    // Sunday 01:00 GMT the week before learns 8.
    observe_minutes(&mut learner, "2026-03-22T01:00:00Z", 60, 8.0);
    // 2026-03-29: 00:00 GMT, then the clock jumps from 01:00 to 02:00 BST (01:00Z).
    observe_minutes(&mut learner, "2026-03-29T00:00:00Z", 60, 3.0);
    observe_minutes(&mut learner, "2026-03-29T01:00:00Z", 60, 20.0);
    learner.flush();
    assert_eq!(sunday_1am(&learner), Some(8.0), "no observation that week");
    // That night the UTC hours map to 00:00 and 02:00 local; the plan's horizon never asks 01:00.
    let peak = learner.peak_between(utc("2026-03-29T00:00:00Z"), utc("2026-03-29T01:30:00Z")).unwrap();
    assert_eq!((peak.at, peak.demand), (utc("2026-03-29T01:00:00Z"), 20.0));
    assert_eq!(learner.forecast(utc("2026-03-29T00:59:00Z")).0[2], 3.0);
}

#[test]
fn hours_follow_local_time_in_a_quarter_hour_zone() {
    let mut learner = TrafficLearner::new(vec![chrono_tz::Asia::Kathmandu], 1.0);
    // 12:00–12:14Z is 17:45–17:59 local; 12:15Z starts 18:00 local (UTC+5:45).
    observe_minutes(&mut learner, "2026-06-13T12:00:00Z", 15, 1.0);
    observe_minutes(&mut learner, "2026-06-13T12:15:00Z", 60, 30.0);
    learner.flush();
    assert_eq!(learner.forecast(utc("2026-06-20T12:14:00Z")).0[2], 1.0);
    assert_eq!(learner.forecast(utc("2026-06-20T12:15:00Z")).0[2], 30.0);
    let peak = learner.peak_between(utc("2026-06-20T11:00:00Z"), utc("2026-06-20T13:00:00Z")).unwrap();
    assert_eq!(peak.at, utc("2026-06-20T12:15:00Z"));
    assert_eq!(learner.hours_observed(), 2, "UTC hours 12:00 and 13:00 were observed");
}
