//! Cron schedules of metrics ingestion jobs (`metrics_ingestion_jobs.schedule_cron`).
//!
//! MPIS stored the string unvalidated and never computed `next_run_at` (MPIS_REFERENCE.md §3.5).
//! We accept standard 5-field cron only (what n8n and the docs use, e.g. `0 * * * *`), so a
//! pattern that the scheduler would read differently from a human is refused up front.

use std::fmt;

use chrono::{DateTime, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// The shorthand names croner expands to 5-field patterns.
const ALIASES: [&str; 6] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@hourly",
];

/// Why a `schedule_cron` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    #[error(
        "schedule_cron is empty: expected a 5-field cron expression such as \"0 * * * *\" (minute hour day-of-month month day-of-week)"
    )]
    Empty,
    #[error(
        "schedule_cron {pattern:?} has {fields} fields: expected 5 (minute hour day-of-month month day-of-week); seconds and year fields are not supported"
    )]
    WrongFieldCount { pattern: String, fields: usize },
    #[error(
        "schedule_cron {pattern:?} is not a known shorthand: use one of {}, or a 5-field cron expression",
        ALIASES.join(", ")
    )]
    UnknownAlias { pattern: String },
    #[error("schedule_cron {pattern:?} is not a valid cron expression: {reason}")]
    Invalid { pattern: String, reason: String },
}

/// A validated 5-field cron schedule, evaluated in UTC.
#[derive(Clone)]
pub struct Schedule {
    source: String,
    cron: Cron,
}

impl Schedule {
    /// Parses a 5-field cron expression or a shorthand (`@hourly`, `@daily`, ...).
    pub fn parse(pattern: &str) -> Result<Schedule, ScheduleError> {
        let trimmed = pattern.trim();
        if trimmed.is_empty() {
            return Err(ScheduleError::Empty);
        }
        if trimmed.starts_with('@') {
            if !ALIASES.iter().any(|a| a.eq_ignore_ascii_case(trimmed)) {
                return Err(ScheduleError::UnknownAlias {
                    pattern: trimmed.to_string(),
                });
            }
        } else {
            let fields = trimmed.split_whitespace().count();
            if fields != 5 {
                return Err(ScheduleError::WrongFieldCount {
                    pattern: trimmed.to_string(),
                    fields,
                });
            }
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(trimmed).map_err(|e| ScheduleError::Invalid {
            pattern: trimmed.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Schedule {
            source: trimmed.to_string(),
            cron,
        })
    }

    /// The first run strictly after `t`; `None` if the pattern never fires again (e.g.
    /// `0 0 30 2 *`, February 30th) within croner's search horizon.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&t, false).ok()
    }

    /// The schedule in words (croner's English description), for the jobs screen.
    pub fn describe(&self) -> String {
        self.cron.describe()
    }

    /// The expression as written (trimmed), for storing back in `schedule_cron`.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Schedule").field(&self.source).finish()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Schedule {}

impl std::str::FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Schedule::parse(s)
    }
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Schedule::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn next(pattern: &str, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Schedule::parse(pattern).unwrap().next_after(t)
    }

    #[test]
    fn reference_example_next_top_of_the_hour() {
        assert_eq!(
            next("0 * * * *", at(2025, 12, 15, 10, 17, 0)),
            Some(at(2025, 12, 15, 11, 0, 0))
        );
    }

    #[test]
    fn next_is_strictly_after() {
        let s = Schedule::parse("0 * * * *").unwrap();
        let on_the_hour = at(2025, 12, 15, 11, 0, 0);
        assert_eq!(s.next_after(on_the_hour), Some(at(2025, 12, 15, 12, 0, 0)));
        let just_before = at(2025, 12, 15, 10, 59, 59) + chrono::Duration::milliseconds(900);
        assert_eq!(s.next_after(just_before), Some(on_the_hour));
        let just_after = on_the_hour + chrono::Duration::milliseconds(1);
        assert_eq!(s.next_after(just_after), Some(at(2025, 12, 15, 12, 0, 0)));
    }

    #[test]
    fn every_fifteen_minutes() {
        let s = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(
            s.next_after(at(2025, 12, 15, 10, 17, 0)),
            Some(at(2025, 12, 15, 10, 30, 0))
        );
        assert_eq!(
            s.next_after(at(2025, 12, 15, 10, 45, 0)),
            Some(at(2025, 12, 15, 11, 0, 0))
        );
        assert_eq!(
            s.next_after(at(2025, 12, 31, 23, 59, 30)),
            Some(at(2026, 1, 1, 0, 0, 0))
        );
    }

    #[test]
    fn daily_at_six_like_the_n8n_reflection() {
        let s = Schedule::parse("0 6 * * *").unwrap();
        assert_eq!(
            s.next_after(at(2025, 12, 15, 5, 59, 0)),
            Some(at(2025, 12, 15, 6, 0, 0))
        );
        assert_eq!(
            s.next_after(at(2025, 12, 15, 6, 0, 0)),
            Some(at(2025, 12, 16, 6, 0, 0))
        );
        assert_eq!(
            s.next_after(at(2024, 2, 28, 7, 0, 0)),
            Some(at(2024, 2, 29, 6, 0, 0))
        );
    }

    #[test]
    fn weekday_and_month_names_and_aliases() {
        // 2025-12-15 is a Monday.
        assert_eq!(
            next("30 9 * * MON-FRI", at(2025, 12, 19, 10, 0, 0)),
            Some(at(2025, 12, 22, 9, 30, 0))
        );
        assert_eq!(
            next("@hourly", at(2025, 12, 15, 10, 17, 0)),
            Some(at(2025, 12, 15, 11, 0, 0))
        );
        assert_eq!(
            next("@Daily", at(2025, 12, 15, 10, 17, 0)),
            Some(at(2025, 12, 16, 0, 0, 0))
        );
        assert_eq!(
            next("0 0 1 jan *", at(2025, 12, 15, 0, 0, 0)),
            Some(at(2026, 1, 1, 0, 0, 0))
        );
    }

    #[test]
    fn impossible_date_has_no_next_run() {
        assert_eq!(next("0 0 30 2 *", at(2025, 1, 1, 0, 0, 0)), None);
    }

    #[test]
    fn as_str_display_and_describe() {
        let s = Schedule::parse("  */15 * * * *  ").unwrap();
        assert_eq!(s.as_str(), "*/15 * * * *");
        assert_eq!(s.to_string(), "*/15 * * * *");
        assert_eq!(format!("{s:?}"), "Schedule(\"*/15 * * * *\")");
        assert_eq!(
            Schedule::parse("0 6 * * *").unwrap().describe(),
            "At 06:00."
        );
        assert_eq!(
            Schedule::parse("0 * * * *").unwrap().describe(),
            "At minute 0 past every hour."
        );
        assert_eq!(
            Schedule::parse("*/15 * * * *").unwrap().describe(),
            "At every 15 minutes."
        );
    }

    #[test]
    fn rejects_empty_input() {
        for input in ["", "   ", "\n"] {
            let err = Schedule::parse(input).unwrap_err();
            assert_eq!(err, ScheduleError::Empty);
            assert!(err.to_string().contains("schedule_cron"));
        }
    }

    #[test]
    fn rejects_seconds_and_year_fields() {
        for (input, fields) in [
            ("0 0 * * * *", 6),
            ("0 0 0 * * * 2026", 7),
            ("* * * *", 4),
            ("0", 1),
        ] {
            let err = Schedule::parse(input).unwrap_err();
            assert_eq!(
                err,
                ScheduleError::WrongFieldCount {
                    pattern: input.to_string(),
                    fields
                }
            );
            let text = err.to_string();
            assert!(
                text.contains("schedule_cron") && text.contains("expected 5"),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_invalid_fields_and_unknown_aliases() {
        for input in [
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "a b c d e",
            "*/0 * * * *",
        ] {
            let err = Schedule::parse(input).unwrap_err();
            assert!(
                matches!(&err, ScheduleError::Invalid { pattern, .. } if pattern == input),
                "{input}: {err:?}"
            );
            assert!(err.to_string().starts_with("schedule_cron"), "{err}");
        }
        let err = Schedule::parse("@reboot").unwrap_err();
        assert!(matches!(err, ScheduleError::UnknownAlias { .. }));
        assert!(err.to_string().contains("@hourly"), "{err}");
    }

    #[test]
    fn serde_as_a_string() {
        let s: Schedule = serde_json::from_str("\"0 * * * *\"").unwrap();
        assert_eq!(s, Schedule::parse("0 * * * *").unwrap());
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"0 * * * *\"");
        let err = serde_json::from_str::<Schedule>("\"0 0 * * * *\"").unwrap_err();
        assert!(err.to_string().contains("expected 5"), "{err}");
        assert_eq!(
            "@weekly".parse::<Schedule>().map(|s| s.to_string()),
            Ok("@weekly".into())
        );
    }
}
