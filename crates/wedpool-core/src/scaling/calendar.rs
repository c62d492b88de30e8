//! The wedding calendar: which instants are wedding days, in which timezone.
//!
//! A wedding day runs from one local midnight to the next in its timezone, whatever its length
//! (23, 24 or 25 hours across a DST change). Configured weekdays and listed dates without a
//! timezone count in every configured timezone; a listed date with a timezone counts in that
//! zone, whether or not it is configured. "Is it a wedding day" only ever converts UTC to local
//! time, which is unambiguous; only the start of a day (for the lead-in and the plan) converts
//! a local midnight back, taking the earlier instant when midnight happens twice and the moment
//! the clock jumps when midnight is skipped.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone, Utc, Weekday};
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

/// A timezone the calendar looks at, and whether it is configured (weekdays and undated
/// listed dates count there) or only brought in by listed dates in that zone.
#[derive(Debug, Clone, Copy)]
struct Zone {
    tz: Tz,
    configured: bool,
}

/// Which days are wedding days, and how long before one the pool prepares.
#[derive(Debug, Clone)]
pub struct WeddingCalendar {
    weekdays: Vec<Weekday>,
    timezones: Vec<Tz>,
    dates: Vec<ListedDate>,
    lead: Duration,
    /// The configured timezones in order, then the zones of listed dates not among them.
    zones: Vec<Zone>,
}

impl WeddingCalendar {
    /// A calendar; `timezones` must not be empty (the config supplies the process's zone).
    pub fn new(weekdays: Vec<Weekday>, timezones: Vec<Tz>, dates: Vec<ListedDate>, lead: Duration) -> Self {
        let mut zones: Vec<Zone> = timezones.iter().map(|&tz| Zone { tz, configured: true }).collect();
        for tz in dates.iter().filter_map(|d| d.timezone) {
            if !zones.iter().any(|z| z.tz == tz) {
                zones.push(Zone { tz, configured: false });
            }
        }
        WeddingCalendar { weekdays, timezones, dates, lead, zones }
    }

    /// The configured timezones.
    pub fn timezones(&self) -> &[Tz] {
        &self.timezones
    }

    /// The lead time before a wedding day.
    pub fn lead(&self) -> Duration {
        self.lead
    }

    /// The timezone in which `now` falls on a wedding day: the first configured one, else the
    /// first listed date's own zone (in listing order).
    pub fn wedding_day_at(&self, now: DateTime<Utc>) -> Option<WeddingWindow> {
        self.zones.iter().find_map(|zone| {
            let date = now.with_timezone(&zone.tz).date_naive();
            self.is_wedding_date(date, zone).then_some(WeddingWindow::WeddingDay { timezone: zone.tz, date })
        })
    }

    /// Whether `now` is a wedding day in any configured timezone or any listed date's zone.
    pub fn is_wedding_day(&self, now: DateTime<Utc>) -> bool {
        self.wedding_day_at(now).is_some()
    }

    /// The scaling window `now` is in: a wedding day somewhere, or within the lead time before
    /// the next one to begin (the earliest start wins; ties go to the zone listed first).
    /// Scaling up therefore starts `lead` before the day begins in the earliest timezone and
    /// ends when the day is over in the latest.
    pub fn window_at(&self, now: DateTime<Utc>) -> Option<WeddingWindow> {
        let ahead = now + self.lead.max(Duration::zero());
        let mut soonest: Option<(DateTime<Utc>, WeddingWindow)> = None;
        // One pass, each zone converted at most twice: a wedding day anywhere wins at once (in
        // zone order, as `wedding_day_at`); otherwise the lead-in whose day starts first.
        for zone in &self.zones {
            let today = now.with_timezone(&zone.tz).date_naive();
            if self.is_wedding_date(today, zone) {
                return Some(WeddingWindow::WeddingDay { timezone: zone.tz, date: today });
            }
            if ahead == now {
                continue;
            }
            let last = ahead.with_timezone(&zone.tz).date_naive();
            // Dates that begin after `now` and no later than `ahead`: at most two, as the
            // lead is at most a day.
            for date in today.iter_days().skip(1).take_while(|d| *d <= last) {
                if !self.is_wedding_date(date, zone) {
                    continue;
                }
                let Some(start) = day_start(&zone.tz, date) else { continue };
                if soonest.as_ref().is_none_or(|(s, _)| start < *s) {
                    soonest = Some((start, WeddingWindow::LeadIn { timezone: zone.tz, date }));
                }
                break;
            }
        }
        soonest.map(|(_, window)| window)
    }

    /// Every instant in `(from, to]` where [`window_at`](Self::window_at) may change: the
    /// start of each lead-in, and the start and end of each wedding day, in every zone.
    pub fn changes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut changes = Vec::new();
        for zone in &self.zones {
            let first = from.with_timezone(&zone.tz).date_naive();
            let last = (to + self.lead).with_timezone(&zone.tz).date_naive();
            for date in first.iter_days().take_while(|d| *d <= last) {
                if !self.is_wedding_date(date, zone) {
                    continue;
                }
                let Some(start) = day_start(&zone.tz, date) else {
                    continue;
                };
                let end = date.succ_opt().and_then(|next| day_start(&zone.tz, next));
                changes.extend([Some(start - self.lead), Some(start), end].into_iter().flatten());
            }
        }
        changes.retain(|t| *t > from && *t <= to);
        changes.sort();
        changes.dedup();
        changes
    }

    fn is_wedding_date(&self, date: NaiveDate, zone: &Zone) -> bool {
        (zone.configured && self.weekdays.contains(&date.weekday()))
            || self.dates.iter().any(|d| {
                d.date == date
                    && match d.timezone {
                        Some(tz) => tz == zone.tz,
                        None => zone.configured,
                    }
            })
    }

    /// Every timezone the calendar looks at: the configured ones, then the zones of listed
    /// dates that are not among them.
    pub fn all_timezones(&self) -> Vec<Tz> {
        self.zones.iter().map(|z| z.tz).collect()
    }
}

/// The first instant of `date` in `tz`: local midnight; the earlier one if midnight happens
/// twice; the moment the clock jumps if midnight is skipped. `None` if the date never happens
/// there (Pacific/Apia skipped 2011-12-30).
pub fn day_start(tz: &Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
    let midnight = date.and_time(NaiveTime::MIN);
    let start = match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            // Midnight is in a gap: the day starts when the offset in force before it ends,
            // i.e. at midnight read in that earlier offset.
            let before = tz.offset_from_utc_datetime(&(midnight - Duration::days(1))).fix();
            Utc.from_utc_datetime(&(midnight - Duration::seconds(i64::from(before.local_minus_utc()))))
        }
    };
    (start.with_timezone(tz).date_naive() == date).then_some(start)
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "calendar_edge_tests.rs"]
mod edge_tests;
