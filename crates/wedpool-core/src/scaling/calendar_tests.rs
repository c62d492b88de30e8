//! The wedding calendar: weekdays, listed dates, lead-in, across timezones.

use super::*;
use chrono::TimeZone;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn saturdays(zones: &[Tz], lead_minutes: i64) -> WeddingCalendar {
    WeddingCalendar::new(vec![Weekday::Sat], zones.to_vec(), vec![], Duration::minutes(lead_minutes))
}

#[test]
fn saturday_in_auckland_while_still_friday_in_los_angeles() {
    // 2026-06-12T14:00Z: Saturday 02:00 in Auckland (UTC+12), Friday 07:00 in Los Angeles.
    let now = utc("2026-06-12T14:00:00Z");
    let auckland = saturdays(&[chrono_tz::Pacific::Auckland], 0);
    let los_angeles = saturdays(&[chrono_tz::America::Los_Angeles], 0);
    assert!(auckland.is_wedding_day(now));
    assert!(!los_angeles.is_wedding_day(now));
    let both = saturdays(&[chrono_tz::America::Los_Angeles, chrono_tz::Pacific::Auckland], 0);
    assert_eq!(both.wedding_day_at(now).unwrap().reason(), "wedding day in Pacific/Auckland (2026-06-13)");
}

#[test]
fn saturday_ends_in_the_latest_timezone() {
    // Sunday 00:30 in London, still Saturday 19:30 in New York.
    let now = utc("2026-06-13T23:30:00Z");
    let cal = saturdays(&[chrono_tz::Europe::London, chrono_tz::America::New_York], 0);
    assert!(matches!(
        cal.wedding_day_at(now),
        Some(WeddingWindow::WeddingDay { timezone: chrono_tz::America::New_York, .. })
    ));
    assert!(!cal.is_wedding_day(utc("2026-06-14T04:30:00Z")));
}

#[test]
fn dst_spring_forward_saturday_is_a_whole_wedding_day() {
    // Europe/London springs forward on Sunday 2026-03-29; the Saturday before is normal,
    // and the US springs forward on 2026-03-08. Check both edges of the 23-hour Sunday.
    let cal = saturdays(&[chrono_tz::Europe::London], 0);
    assert!(cal.is_wedding_day(utc("2026-03-28T00:00:00Z")));
    assert!(cal.is_wedding_day(utc("2026-03-28T23:59:59Z")));
    assert!(!cal.is_wedding_day(utc("2026-03-29T00:00:00Z")));
    let ny = saturdays(&[chrono_tz::America::New_York], 0);
    // Saturday 2026-03-07 in New York is UTC-5: it ends at 05:00Z on the 8th.
    assert!(ny.is_wedding_day(utc("2026-03-08T04:59:59Z")));
    assert!(!ny.is_wedding_day(utc("2026-03-08T05:00:00Z")));
}

#[test]
fn dst_fall_back_saturday_has_the_right_bounds() {
    // Europe/London falls back on Sunday 2026-10-25 (BST ends); Saturday is still BST (UTC+1).
    let cal = saturdays(&[chrono_tz::Europe::London], 0);
    assert!(!cal.is_wedding_day(utc("2026-10-23T22:59:59Z")));
    assert!(cal.is_wedding_day(utc("2026-10-23T23:00:00Z")));
    assert!(cal.is_wedding_day(utc("2026-10-24T22:59:59Z")));
    assert!(!cal.is_wedding_day(utc("2026-10-24T23:00:00Z")));
}

#[test]
fn listed_date_counts_in_its_own_timezone_only() {
    let rome = chrono_tz::Europe::Rome;
    let cal = WeddingCalendar::new(
        vec![],
        vec![rome, chrono_tz::America::New_York],
        vec![ListedDate { date: NaiveDate::from_ymd_opt(2026, 6, 10).unwrap(), timezone: Some(rome) }],
        Duration::zero(),
    );
    // Wednesday 2026-06-10 00:30 in Rome (UTC+2) is 2026-06-09T22:30Z.
    assert!(cal.is_wedding_day(utc("2026-06-09T22:30:00Z")));
    // Late on the 10th in New York it is already the 11th in Rome.
    assert!(!cal.is_wedding_day(utc("2026-06-11T02:00:00Z")));
}

#[test]
fn listed_date_without_timezone_counts_everywhere_configured() {
    let cal = WeddingCalendar::new(
        vec![],
        vec![chrono_tz::America::New_York],
        vec![ListedDate { date: NaiveDate::from_ymd_opt(2026, 6, 10).unwrap(), timezone: None }],
        Duration::zero(),
    );
    assert!(cal.is_wedding_day(utc("2026-06-11T02:00:00Z")));
}

#[test]
fn lead_in_starts_before_the_earliest_timezone_midnight() {
    let cal = saturdays(&[chrono_tz::Europe::London, chrono_tz::America::New_York], 60);
    // London Saturday starts 2026-06-12T23:00Z (BST). 61 minutes before: nothing.
    assert_eq!(cal.window_at(utc("2026-06-12T21:59:00Z")), None);
    let w = cal.window_at(utc("2026-06-12T22:01:00Z")).unwrap();
    assert!(matches!(w, WeddingWindow::LeadIn { timezone: chrono_tz::Europe::London, .. }), "{w:?}");
    assert!(matches!(cal.window_at(utc("2026-06-12T23:00:00Z")), Some(WeddingWindow::WeddingDay { .. })));
}

#[test]
fn weekday_not_configured_is_ordinary() {
    let cal = saturdays(&[chrono_tz::UTC], 0);
    let wednesday = Utc.with_ymd_and_hms(2026, 6, 10, 12, 0, 0).unwrap();
    assert!(!cal.is_wedding_day(wednesday));
    assert_eq!(cal.window_at(wednesday), None);
}
