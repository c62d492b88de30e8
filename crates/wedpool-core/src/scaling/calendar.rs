//! The wedding calendar: which instants are wedding days, in which timezone.
//!
//! Every decision converts UTC to local time (never the reverse), which is unambiguous even
//! across DST changes: a local day is a wedding day if its weekday is configured or its date
//! is listed, whatever its length (23, 24 or 25 hours).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

/// A listed wedding date, in one timezone or (when `timezone` is `None`) in every configured one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDate {
    /// The local date.
    pub date: NaiveDate,
    /// Where that date counts; `None` means every configured timezone.
    pub timezone: Option<Tz>,
}

/// Why the calendar says a moment belongs to wedding time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeddingWindow {
    /// It is a wedding day in this timezone now.
    WeddingDay {
        /// The timezone where it is a wedding day.
        timezone: Tz,
        /// The local date there.
        date: NaiveDate,
    },
    /// A wedding day starts within the lead time in this timezone.
    LeadIn {
        /// The timezone where the wedding day is about to start.
        timezone: Tz,
        /// The local date of that wedding day.
        date: NaiveDate,
    },
}

impl WeddingWindow {
    /// A human-readable reason, used in `scale` events and stats.
    pub fn reason(&self) -> String {
        match self {
            WeddingWindow::WeddingDay { timezone, date } => {
                format!("wedding day in {} ({})", timezone.name(), date)
            }
            WeddingWindow::LeadIn { timezone, date } => {
                format!("lead-in before wedding day in {} ({})", timezone.name(), date)
            }
        }
    }
}

/// Which days are wedding days, and how long before one the pool prepares.
#[derive(Debug, Clone)]
pub struct WeddingCalendar {
    weekdays: Vec<Weekday>,
    timezones: Vec<Tz>,
    dates: Vec<ListedDate>,
    lead: Duration,
}

impl WeddingCalendar {
    /// A calendar; `timezones` must not be empty (the config supplies the process's zone).
    pub fn new(weekdays: Vec<Weekday>, timezones: Vec<Tz>, dates: Vec<ListedDate>, lead: Duration) -> Self {
        WeddingCalendar { weekdays, timezones, dates, lead }
    }

    /// The configured timezones.
    pub fn timezones(&self) -> &[Tz] {
        &self.timezones
    }

    /// The lead time before a wedding day.
    pub fn lead(&self) -> Duration {
        self.lead
    }

    /// The first configured timezone in which `now` falls on a wedding day.
    pub fn wedding_day_at(&self, now: DateTime<Utc>) -> Option<WeddingWindow> {
        self.timezones.iter().find_map(|tz| {
            let date = now.with_timezone(tz).date_naive();
            self.is_wedding_date(date, tz).then_some(WeddingWindow::WeddingDay { timezone: *tz, date })
        })
    }

    /// Whether `now` is a wedding day anywhere configured.
    pub fn is_wedding_day(&self, now: DateTime<Utc>) -> bool {
        self.wedding_day_at(now).is_some()
    }

    /// The scaling window `now` is in: a wedding day somewhere, or within the lead time of one.
    /// Scaling up therefore starts `lead` before the day begins in the earliest timezone and
    /// ends when the day is over in the latest.
    pub fn window_at(&self, now: DateTime<Utc>) -> Option<WeddingWindow> {
        if let Some(day) = self.wedding_day_at(now) {
            return Some(day);
        }
        if self.lead <= Duration::zero() {
            return None;
        }
        let ahead = now + self.lead;
        self.timezones.iter().find_map(|tz| {
            let date = ahead.with_timezone(tz).date_naive();
            self.is_wedding_date(date, tz).then_some(WeddingWindow::LeadIn { timezone: *tz, date })
        })
    }

    fn is_wedding_date(&self, date: NaiveDate, tz: &Tz) -> bool {
        self.weekdays.contains(&date.weekday())
            || self.dates.iter().any(|d| d.date == date && d.timezone.is_none_or(|z| z == *tz))
    }

    /// Listed dates whose own timezone is not among the configured ones still count there.
    /// This returns every timezone the calendar must look at.
    pub fn all_timezones(&self) -> Vec<Tz> {
        let mut zones = self.timezones.clone();
        for d in &self.dates {
            if let Some(z) = d.timezone {
                if !zones.contains(&z) {
                    zones.push(z);
                }
            }
        }
        zones
    }
}

#[cfg(test)]
mod tests {
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
}
