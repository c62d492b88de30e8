//! The wedding calendar at the edges of the world and of DST: for each edge, the calendar's
//! window, the planner's target and plan, and the priority bonus all agree on both sides of the
//! exact instant where the day (or its lead-in) begins or ends.

use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use super::{ListedDate, WeddingCalendar, WeddingWindow};
use crate::admission::context::DatabaseContext;
use crate::scaling::learner::TrafficLearner;
use crate::scaling::planner::Planner;
use crate::scaling::policy::ScalingPolicy;

const POLICY: ScalingPolicy = ScalingPolicy { base_min: 0, base_max: 50, wedding_day_multiplier: 3.0 };

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn tz(name: &str) -> Tz {
    name.parse().unwrap()
}

fn listed(date: &str, zone: Option<&str>) -> ListedDate {
    ListedDate { date: date.parse::<NaiveDate>().unwrap(), timezone: zone.map(tz) }
}

fn weekly(day: Weekday, zones: &[&str], lead_minutes: i64) -> WeddingCalendar {
    WeddingCalendar::new(vec![day], zones.iter().map(|z| tz(z)).collect(), vec![], Duration::minutes(lead_minutes))
}

/// What a moment looks like: ordinary, a wedding day or a lead-in, with its reason.
#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Base,
    Day(&'static str),
    LeadIn(&'static str),
}

impl State {
    fn reason(self) -> String {
        match self {
            State::Base => "base".into(),
            State::Day(r) | State::LeadIn(r) => r.into(),
        }
    }

    fn is_wedding_day(self) -> bool {
        matches!(self, State::Day(_))
    }

    fn max(self) -> usize {
        if self == State::Base {
            50
        } else {
            150
        }
    }
}

/// Checks one edge: `before` holds one second before `at`, `after` from `at` on; the
/// calendar, the planner (target and a plan made three hours earlier) and the priority bonus
/// agree.
fn assert_edge(cal: &WeddingCalendar, at: &str, before: State, after: State) {
    let at = utc(at);
    let learner = TrafficLearner::new(cal.all_timezones(), 0.3);
    let planner = Planner { policy: &POLICY, calendar: cal, learner: &learner, budget: None };
    for (t, want) in [(at - Duration::seconds(1), before), (at, after)] {
        let window = cal.window_at(t);
        let got = match &window {
            None => State::Base.reason(),
            Some(w) => w.reason(),
        };
        assert_eq!(got, want.reason(), "window at {t}");
        assert_eq!(matches!(window, Some(WeddingWindow::WeddingDay { .. })), want.is_wedding_day(), "kind at {t}");
        assert_eq!(cal.is_wedding_day(t), want.is_wedding_day(), "is_wedding_day at {t}");
        let target = planner.target_at(t);
        assert_eq!(
            (target.max, target.reason.to_string().as_str()),
            (want.max(), want.reason().as_str()),
            "target at {t}"
        );
        let bonus = DatabaseContext::default().priority(cal.is_wedding_day(t)) - 100;
        assert_eq!(bonus, if want.is_wedding_day() { 500 } else { 0 }, "priority bonus at {t}");
    }
    let plan = planner.plan(at - Duration::hours(3), Duration::hours(6), Duration::minutes(15), 20);
    let change = plan.next.iter().find(|c| c.at == at);
    assert!(
        change.is_some_and(|c| c.max == after.max() && c.reason.to_string() == after.reason()),
        "plan has no change at {at} to {after:?}: {:?}",
        plan.next
    );
}

#[test]
fn kiritimati_saturday_begins_friday_ten_utc() {
    let cal = weekly(Weekday::Sat, &["Pacific/Kiritimati"], 0);
    let day = State::Day("wedding day in Pacific/Kiritimati (2026-06-13)");
    assert_edge(&cal, "2026-06-12T10:00:00Z", State::Base, day);
    assert_edge(&cal, "2026-06-13T10:00:00Z", day, State::Base);
}

#[test]
fn pago_pago_saturday_ends_sunday_eleven_utc() {
    let cal = weekly(Weekday::Sat, &["Pacific/Pago_Pago"], 0);
    let day = State::Day("wedding day in Pacific/Pago_Pago (2026-06-13)");
    assert_edge(&cal, "2026-06-13T11:00:00Z", State::Base, day);
    assert_edge(&cal, "2026-06-14T11:00:00Z", day, State::Base);
}

#[test]
fn lead_in_before_the_earliest_zone_and_end_after_the_latest() {
    // Saturday in UTC+14 ends an hour before it begins in UTC−11; the lead-in for Pago Pago
    // bridges the gap, so the pool stays scaled up but the priority bonus pauses.
    let cal = weekly(Weekday::Sat, &["Pacific/Pago_Pago", "Pacific/Kiritimati"], 60);
    let kiritimati = State::Day("wedding day in Pacific/Kiritimati (2026-06-13)");
    let pago_lead = State::LeadIn("lead-in before wedding day in Pacific/Pago_Pago (2026-06-13)");
    let pago = State::Day("wedding day in Pacific/Pago_Pago (2026-06-13)");
    assert_edge(
        &cal,
        "2026-06-12T09:00:00Z",
        State::Base,
        State::LeadIn("lead-in before wedding day in Pacific/Kiritimati (2026-06-13)"),
    );
    assert_edge(
        &cal,
        "2026-06-12T10:00:00Z",
        State::LeadIn("lead-in before wedding day in Pacific/Kiritimati (2026-06-13)"),
        kiritimati,
    );
    assert_edge(&cal, "2026-06-13T10:00:00Z", kiritimati, pago_lead);
    assert_edge(&cal, "2026-06-13T11:00:00Z", pago_lead, pago);
    assert_edge(&cal, "2026-06-14T11:00:00Z", pago, State::Base);
}

#[test]
fn quarter_and_half_hour_zones_start_at_their_own_midnight() {
    let kathmandu = weekly(Weekday::Sat, &["Asia/Kathmandu"], 0);
    assert_edge(
        &kathmandu,
        "2026-06-12T18:15:00Z",
        State::Base,
        State::Day("wedding day in Asia/Kathmandu (2026-06-13)"),
    );
    let adelaide = weekly(Weekday::Sat, &["Australia/Adelaide"], 45);
    assert_edge(
        &adelaide,
        "2026-06-12T13:45:00Z",
        State::Base,
        State::LeadIn("lead-in before wedding day in Australia/Adelaide (2026-06-13)"),
    );
    assert_edge(
        &adelaide,
        "2026-06-13T14:30:00Z",
        State::Day("wedding day in Australia/Adelaide (2026-06-13)"),
        State::Base,
    );
}

#[test]
fn listed_date_in_a_zone_that_is_not_configured_is_a_wedding_day_there() {
    let cal = WeddingCalendar::new(
        vec![],
        vec![tz("Europe/London")],
        vec![listed("2026-06-17", Some("Asia/Kolkata"))],
        Duration::minutes(60),
    );
    let day = State::Day("wedding day in Asia/Kolkata (2026-06-17)");
    let lead = State::LeadIn("lead-in before wedding day in Asia/Kolkata (2026-06-17)");
    assert_edge(&cal, "2026-06-16T17:30:00Z", State::Base, lead);
    assert_edge(&cal, "2026-06-16T18:30:00Z", lead, day);
    assert_edge(&cal, "2026-06-17T18:30:00Z", day, State::Base);
    assert_eq!(cal.timezones(), &[tz("Europe/London")]);
    assert_eq!(cal.all_timezones(), vec![tz("Europe/London"), tz("Asia/Kolkata")]);
}

#[test]
fn a_configured_zone_wins_the_reason_over_a_listed_date_elsewhere() {
    let cal = WeddingCalendar::new(
        vec![Weekday::Wed],
        vec![tz("Europe/London")],
        vec![listed("2026-06-17", Some("Asia/Kolkata"))],
        Duration::zero(),
    );
    // 2026-06-17T12:00Z is Wednesday in both London and Kolkata.
    assert_eq!(
        cal.window_at(utc("2026-06-17T12:00:00Z")).unwrap().reason(),
        "wedding day in Europe/London (2026-06-17)"
    );
    // Late on Wednesday in London it is Thursday in Kolkata; before London's day, Kolkata's.
    assert_edge(
        &cal,
        "2026-06-16T23:00:00Z",
        State::Day("wedding day in Asia/Kolkata (2026-06-17)"),
        State::Day("wedding day in Europe/London (2026-06-17)"),
    );
}

#[test]
fn listed_date_without_timezone_applies_in_every_configured_zone_only() {
    let cal = WeddingCalendar::new(
        vec![],
        vec![tz("Pacific/Kiritimati"), tz("Pacific/Pago_Pago")],
        vec![listed("2026-06-17", None), listed("2026-06-20", Some("Asia/Kolkata"))],
        Duration::zero(),
    );
    assert_edge(
        &cal,
        "2026-06-16T10:00:00Z",
        State::Base,
        State::Day("wedding day in Pacific/Kiritimati (2026-06-17)"),
    );
    assert_edge(&cal, "2026-06-18T11:00:00Z", State::Day("wedding day in Pacific/Pago_Pago (2026-06-17)"), State::Base);
    // The undated listing does not reach a zone that only a dated listing brings in: at 19:00Z
    // on the 16th it is already the 17th in Kolkata, still the 16th in London.
    let london = WeddingCalendar::new(
        vec![],
        vec![tz("Europe/London")],
        vec![listed("2026-06-17", None), listed("2026-06-20", Some("Asia/Kolkata"))],
        Duration::zero(),
    );
    assert!(!london.is_wedding_day(utc("2026-06-16T19:00:00Z")));
    assert_edge(&london, "2026-06-16T23:00:00Z", State::Base, State::Day("wedding day in Europe/London (2026-06-17)"));
}

#[test]
fn lead_in_names_the_zone_whose_day_starts_first() {
    // Two hours of lead: at 21:30Z both Paris (22:00Z) and London (23:00Z) are ahead.
    let cal = weekly(Weekday::Sat, &["Europe/London", "Europe/Paris"], 120);
    let paris = State::LeadIn("lead-in before wedding day in Europe/Paris (2026-06-13)");
    assert_edge(&cal, "2026-06-12T20:00:00Z", State::Base, paris);
    assert_eq!(cal.window_at(utc("2026-06-12T21:30:00Z")).unwrap().reason(), paris.reason());
}

#[test]
fn europe_23_and_25_hour_sundays_and_the_saturdays_before() {
    let sat = weekly(Weekday::Sat, &["Europe/London"], 0);
    assert_edge(&sat, "2026-03-29T00:00:00Z", State::Day("wedding day in Europe/London (2026-03-28)"), State::Base);
    assert_edge(&sat, "2026-10-24T23:00:00Z", State::Day("wedding day in Europe/London (2026-10-24)"), State::Base);
    let sun = weekly(Weekday::Sun, &["Europe/London"], 0);
    let spring = State::Day("wedding day in Europe/London (2026-03-29)");
    assert_edge(&sun, "2026-03-29T00:00:00Z", State::Base, spring);
    assert_edge(&sun, "2026-03-29T23:00:00Z", spring, State::Base); // 23 hours later
    let autumn = State::Day("wedding day in Europe/London (2026-10-25)");
    assert_edge(&sun, "2026-10-24T23:00:00Z", State::Base, autumn);
    assert_edge(&sun, "2026-10-26T00:00:00Z", autumn, State::Base); // 25 hours later
}

#[test]
fn north_america_23_and_25_hour_sundays_and_the_saturdays_before() {
    let sat = weekly(Weekday::Sat, &["America/New_York"], 0);
    assert_edge(&sat, "2026-03-08T05:00:00Z", State::Day("wedding day in America/New_York (2026-03-07)"), State::Base);
    assert_edge(&sat, "2026-11-01T04:00:00Z", State::Day("wedding day in America/New_York (2026-10-31)"), State::Base);
    let sun = weekly(Weekday::Sun, &["America/New_York"], 0);
    let spring = State::Day("wedding day in America/New_York (2026-03-08)");
    assert_edge(&sun, "2026-03-09T04:00:00Z", spring, State::Base);
    let autumn = State::Day("wedding day in America/New_York (2026-11-01)");
    assert_edge(&sun, "2026-11-01T04:00:00Z", State::Base, autumn);
    assert_edge(&sun, "2026-11-02T05:00:00Z", autumn, State::Base);
}

#[test]
fn sydney_dst_ends_in_april_and_starts_in_october() {
    let sun = weekly(Weekday::Sun, &["Australia/Sydney"], 0);
    let april = State::Day("wedding day in Australia/Sydney (2026-04-05)");
    assert_edge(&sun, "2026-04-04T13:00:00Z", State::Base, april);
    assert_edge(&sun, "2026-04-05T14:00:00Z", april, State::Base); // 25 hours
    let october = State::Day("wedding day in Australia/Sydney (2026-10-04)");
    assert_edge(&sun, "2026-10-03T14:00:00Z", State::Base, october);
    assert_edge(&sun, "2026-10-04T13:00:00Z", october, State::Base); // 23 hours
    let sat = weekly(Weekday::Sat, &["Australia/Sydney"], 0);
    assert_edge(&sat, "2026-10-02T14:00:00Z", State::Base, State::Day("wedding day in Australia/Sydney (2026-10-03)"));
}

#[test]
fn full_day_lead_in_before_a_23_hour_day_has_no_gap() {
    // A 23-hour wedding day with a 24-hour lead: an hour before it starts, `now + lead` is
    // already past its end, yet the lead-in must hold right up to its start.
    let cal = weekly(Weekday::Sun, &["Europe/London"], 24 * 60);
    let lead = State::LeadIn("lead-in before wedding day in Europe/London (2026-03-29)");
    assert_edge(&cal, "2026-03-28T00:00:00Z", State::Base, lead);
    assert_edge(&cal, "2026-03-29T00:00:00Z", lead, State::Day("wedding day in Europe/London (2026-03-29)"));
}

#[test]
fn a_day_that_never_happens_is_never_a_wedding_day() {
    // Samoa skipped Friday 2011-12-30 when it crossed the date line.
    let cal =
        WeddingCalendar::new(vec![], vec![tz("Pacific/Apia")], vec![listed("2011-12-30", None)], Duration::minutes(60));
    assert_eq!(super::day_start(&tz("Pacific/Apia"), "2011-12-30".parse().unwrap()), None);
    assert_eq!(cal.window_at(utc("2011-12-30T09:30:00Z")), None);
    assert!(cal.changes_between(utc("2011-12-28T00:00:00Z"), utc("2012-01-02T00:00:00Z")).is_empty());
}

#[test]
fn a_skipped_midnight_starts_the_day_when_the_clock_jumps() {
    // America/Santiago springs forward at 24:00 on Saturday 2026-09-05: Sunday starts at 01:00.
    let start = super::day_start(&tz("America/Santiago"), "2026-09-06".parse().unwrap()).unwrap();
    assert_eq!(start, utc("2026-09-06T04:00:00Z"));
    let cal = weekly(Weekday::Sun, &["America/Santiago"], 0);
    assert_edge(&cal, "2026-09-06T04:00:00Z", State::Base, State::Day("wedding day in America/Santiago (2026-09-06)"));
}
