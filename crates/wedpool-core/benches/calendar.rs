//! Criterion benches for `WeddingCalendar::window_at` (crates/wedpool-core/src/scaling/calendar.rs),
//! the check the maintenance task and `setCalendarTime` run, across 1, 3 and 10 timezones.
//!
//! * `ordinary_wednesday`: no timezone matches, so every zone is converted twice (the day
//!   itself, then the lead-in) — the worst case, and the common one.
//! * `saturday`: the first zone already matches.
//!
//! The calendar has Saturdays, a 60-minute lead-in and two listed dates, as a real config would;
//! the one listed in Europe/Rome adds that zone to the 1-zone case (listed dates count in their
//! own zone whether or not it is configured).
//! Run: `cargo bench -p wedpool-core --bench calendar`.
use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use wedpool_core::{ListedDate, WeddingCalendar};

const ZONES: [Tz; 10] = [
    chrono_tz::Europe::London,
    chrono_tz::America::New_York,
    chrono_tz::Europe::Rome,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Australia::Sydney,
    chrono_tz::Asia::Tokyo,
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Africa::Johannesburg,
    chrono_tz::Pacific::Auckland,
];

fn calendar(zones: usize) -> WeddingCalendar {
    let dates = vec![
        ListedDate { date: NaiveDate::from_ymd_opt(2026, 6, 10).unwrap(), timezone: Some(chrono_tz::Europe::Rome) },
        ListedDate { date: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), timezone: None },
    ];
    WeddingCalendar::new(vec![Weekday::Sat], ZONES[..zones].to_vec(), dates, chrono::Duration::minutes(60))
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn bench_calendar(c: &mut Criterion) {
    // Wednesday 2026-06-17 12:00Z is Wednesday (or early Thursday) in every zone above.
    let moments = [("ordinary_wednesday", at("2026-06-17T12:00:00Z")), ("saturday", at("2026-06-13T12:00:00Z"))];
    let mut group = c.benchmark_group("calendar_window_at");
    for zones in [1usize, 3, 10] {
        let cal = calendar(zones);
        for (name, now) in &moments {
            group.bench_with_input(BenchmarkId::new(*name, zones), &zones, |b, _| {
                b.iter(|| cal.window_at(black_box(*now)))
            });
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500))
}

criterion_group! { name = benches; config = config(); targets = bench_calendar }
criterion_main!(benches);
