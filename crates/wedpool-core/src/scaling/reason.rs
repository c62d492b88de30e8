//! Why the pool has the size it has: the calendar window, a forecast peak and the fleet budget
//! that shaped the target. Kept as data; the text (`wedding day in Europe/London
//! (2026-06-13); capped by budget (12)`) is made only when shown.

use std::fmt;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::scaling::calendar::WeddingWindow;

/// A forecast peak that raised the target above what the calendar asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastReason {
    /// When the peak is expected.
    pub at: DateTime<Utc>,
    /// The timezone whose profile predicts it (the time is shown in its local time).
    pub timezone: Tz,
    /// Connections wanted at the peak.
    pub demand: f64,
}

/// Why the scaling target is what it is. Displays as the `reason` JavaScript sees: `base`, the
/// calendar's window, the forecast, joined by `; `, then `; capped by budget (n)` when the
/// fleet budget lowered max.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScalingReason {
    /// The wedding day or lead-in in force; `None` off wedding time.
    pub window: Option<WeddingWindow>,
    /// The forecast peak that raised min or max.
    pub forecast: Option<ForecastReason>,
    /// The fleet budget that capped max.
    pub capped_by_budget: Option<usize>,
}

impl ScalingReason {
    /// The base sizes, nothing else.
    pub fn base() -> ScalingReason {
        ScalingReason::default()
    }

    /// The same reason without the forecast's demand figure, which changes from hour to hour:
    /// two targets whose reasons have the same kind are the same plan step.
    pub(crate) fn kind(&self) -> ScalingReason {
        let forecast = self.forecast.as_ref().map(|f| ForecastReason { demand: 0.0, ..f.clone() });
        ScalingReason { forecast, ..self.clone() }
    }
}

impl fmt::Display for ForecastReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.timezone.from_utc_datetime(&self.at.naive_utc());
        write!(f, "forecast for {} {}: {:.0} connections", local.format("%a %H:%M"), self.timezone.name(), self.demand)
    }
}

impl fmt::Display for ScalingReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.window, &self.forecast) {
            (None, None) => f.write_str("base")?,
            (Some(w), None) => f.write_str(&w.reason())?,
            (None, Some(forecast)) => write!(f, "{forecast}")?,
            (Some(w), Some(forecast)) => write!(f, "{}; {forecast}", w.reason())?,
        }
        if let Some(budget) = self.capped_by_budget {
            write!(f, "; capped by budget ({budget})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn london_day() -> WeddingWindow {
        WeddingWindow::WeddingDay {
            timezone: chrono_tz::Europe::London,
            date: NaiveDate::from_ymd_opt(2026, 6, 13).unwrap(),
        }
    }

    fn forecast(demand: f64) -> ForecastReason {
        let at = DateTime::parse_from_rfc3339("2026-06-10T17:00:00Z").unwrap().with_timezone(&Utc);
        ForecastReason { at, timezone: chrono_tz::Europe::London, demand }
    }

    #[test]
    fn reads_like_the_documented_reasons() {
        assert_eq!(ScalingReason::base().to_string(), "base");
        let capped = ScalingReason { capped_by_budget: Some(12), ..ScalingReason::base() };
        assert_eq!(capped.to_string(), "base; capped by budget (12)");
        let day = ScalingReason { window: Some(london_day()), ..ScalingReason::base() };
        assert_eq!(day.to_string(), "wedding day in Europe/London (2026-06-13)");
        let all =
            ScalingReason { window: Some(london_day()), forecast: Some(forecast(15.6)), capped_by_budget: Some(12) };
        assert_eq!(
            all.to_string(),
            "wedding day in Europe/London (2026-06-13); forecast for Wed 18:00 Europe/London: 16 connections; \
             capped by budget (12)"
        );
    }

    #[test]
    fn kind_ignores_the_forecast_figure_only() {
        let a = ScalingReason { forecast: Some(forecast(10.0)), ..ScalingReason::base() };
        let b = ScalingReason { forecast: Some(forecast(14.0)), ..ScalingReason::base() };
        assert_eq!(a.kind(), b.kind());
        let capped = ScalingReason { capped_by_budget: Some(3), ..b.clone() };
        assert_ne!(b.kind(), capped.kind());
        assert_ne!(ScalingReason::base().kind(), a.kind());
    }
}
