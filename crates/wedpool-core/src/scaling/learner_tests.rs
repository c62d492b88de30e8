//! The traffic learner: converging, following a season, export and import.

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

#[test]
fn a_rejected_import_changes_nothing() {
    let mut source = TrafficLearner::new(vec![chrono_tz::UTC, chrono_tz::Asia::Tokyo], 0.3);
    source.observe(utc("2026-06-13T12:00:00Z"), [8.0, 8.0, 8.0]);
    let mut bad = source.export();
    // The first zone is valid, the second is not: nothing of the first may stick.
    bad["timezones"]["Asia/Tokyo"]["normal"] = json!("not an array");
    let mut learner = TrafficLearner::new(vec![chrono_tz::UTC, chrono_tz::Asia::Tokyo], 0.3);
    learner.observe(utc("2026-06-13T12:00:00Z"), [1.0, 1.0, 1.0]);
    let before = learner.export();
    assert!(learner.import(&bad).is_err());
    assert_eq!(learner.export(), before);
}
