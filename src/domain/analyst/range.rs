//! The analyst's time range: a preset (`24h`, `7d`, `30d`, `90d`, ending now) or explicit
//! bounds `{from, to}`; the period before it (same length) is what a trend compares with.

use chrono::{DateTime, Duration, Utc};

/// `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The presets accepted, for error messages.
pub const PRESETS: [&str; 4] = ["24h", "7d", "30d", "90d"];

/// The longest explicit range (a year): beyond it the rollups are read for nothing.
pub const MAX_DAYS: i64 = 366;

impl TimeRange {
    /// A preset ending at `now`; `None` for anything else.
    pub fn preset(text: &str, now: DateTime<Utc>) -> Option<TimeRange> {
        let length = match text.trim().to_ascii_lowercase().as_str() {
            "24h" | "1d" => Duration::hours(24),
            "7d" => Duration::days(7),
            "30d" => Duration::days(30),
            "90d" => Duration::days(90),
            _ => return None,
        };
        Some(TimeRange {
            from: now - length,
            to: now,
        })
    }

    /// Explicit bounds: `from` before `to`, at most [`MAX_DAYS`] apart.
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<TimeRange, String> {
        if from >= to {
            return Err("from must be before to".to_string());
        }
        if to - from > Duration::days(MAX_DAYS) {
            return Err(format!("the range may span at most {MAX_DAYS} days"));
        }
        Ok(TimeRange { from, to })
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> TimeRange {
        TimeRange {
            from: self.from - (self.to - self.from),
            to: self.from,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn presets_end_now_and_the_previous_period_has_the_same_length() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
        let week = TimeRange::preset(" 7D ", now).unwrap();
        assert_eq!(week.from, now - Duration::days(7));
        assert_eq!(week.to, now);
        assert_eq!(week.previous().to, week.from);
        assert_eq!(week.previous().from, now - Duration::days(14));
        assert_eq!(
            TimeRange::preset("24h", now).unwrap().from,
            now - Duration::hours(24)
        );
        for bad in ["", "7", "8d", "week", "-7d"] {
            assert_eq!(TimeRange::preset(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn explicit_bounds_are_ordered_and_bounded() {
        let a = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert!(TimeRange::between(a, a + Duration::days(1)).is_ok());
        assert!(TimeRange::between(a, a).is_err());
        assert!(TimeRange::between(a + Duration::days(1), a).is_err());
        assert!(TimeRange::between(a, a + Duration::days(400)).is_err());
    }
}
