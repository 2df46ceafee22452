//! The one formatter of absolute times: converts a UTC instant into the zone the operator chose
//! (config `timezone`, the dashboard's `z` key) and names that zone, so no time on screen is
//! ambiguous: `2026-12-02 21:05 CET`, `21:05:03 UTC`. Tables with many times may put the zone
//! in the column header (`header`) and format cells with `bare`. Shared by `status` and the
//! TUI, so it lives outside tui/ (as sanitize.rs does).

use chrono::{DateTime, Local, Utc};

pub use crate::domain::time_zone::DisplayZone;

/// `%Y-%m-%d %H:%M`: a date and a minute, the usual form.
pub const MINUTE: &str = "%Y-%m-%d %H:%M";
/// `%Y-%m-%d %H:%M:%S`: with seconds (run detail, records).
pub const SECOND: &str = "%Y-%m-%d %H:%M:%S";
/// `%H:%M:%S`: a clock time of today (status line, messages).
pub const CLOCK: &str = "%H:%M:%S";
/// `%H:%M`: hours and minutes (silence until, session starts).
pub const HOUR_MINUTE: &str = "%H:%M";
/// `%m-%d %H:%M`: compact, for narrow table cells.
pub const SHORT: &str = "%m-%d %H:%M";

/// Formats instants in one zone. Cheap to copy: screens take it by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeDisplay {
    pub zone: DisplayZone,
}

impl TimeDisplay {
    pub fn new(zone: DisplayZone) -> TimeDisplay {
        TimeDisplay { zone }
    }

    /// `at` in the zone with `pattern` (chrono's strftime, no zone in it), then the zone's
    /// abbreviation at that instant: "2026-12-02 21:05 CET".
    pub fn format(self, at: DateTime<Utc>, pattern: &str) -> String {
        format!("{} {}", self.bare(at, pattern), self.abbreviation(at))
    }

    /// `at` in the zone without naming it, for cells under a header that does (`header`).
    pub fn bare(self, at: DateTime<Utc>, pattern: &str) -> String {
        match self.zone {
            DisplayZone::Utc => at.format(pattern).to_string(),
            DisplayZone::Local => at.with_timezone(&Local).format(pattern).to_string(),
            DisplayZone::Named(zone) => at.with_timezone(&zone).format(pattern).to_string(),
        }
    }

    /// The zone's abbreviation at `at` ("CET" in winter, "CEST" in summer). Zones without a
    /// customary abbreviation give their offset ("+0530"); local time gives its offset, which
    /// is all chrono's `Local` knows.
    pub fn abbreviation(self, at: DateTime<Utc>) -> String {
        match self.zone {
            DisplayZone::Utc => "UTC".to_string(),
            DisplayZone::Local => at.with_timezone(&Local).format("%:z").to_string(),
            DisplayZone::Named(zone) => at.with_timezone(&zone).format("%Z").to_string(),
        }
    }

    /// A column title naming the zone its cells are in at `at`: "started (CET)".
    pub fn header(self, title: &str, at: DateTime<Utc>) -> String {
        format!("{title} ({})", self.abbreviation(at))
    }

    /// What the `z` key's message says: "Europe/Berlin (CET)", "UTC", "local (+01:00)".
    pub fn describe(self, at: DateTime<Utc>) -> String {
        match self.zone {
            DisplayZone::Utc => "UTC".to_string(),
            zone => format!("{} ({})", zone.name(), self.abbreviation(at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn berlin() -> TimeDisplay {
        TimeDisplay::new(DisplayZone::Named(chrono_tz::Europe::Berlin))
    }

    #[test]
    fn utc_is_shown_as_is_and_named() {
        let at = utc(2026, 12, 2, 21, 5, 3);
        let times = TimeDisplay::default();
        assert_eq!(times.format(at, MINUTE), "2026-12-02 21:05 UTC");
        assert_eq!(times.format(at, CLOCK), "21:05:03 UTC");
        assert_eq!(times.bare(at, SHORT), "12-02 21:05");
        assert_eq!(times.describe(at), "UTC");
    }

    #[test]
    fn an_iana_zone_converts_and_names_its_abbreviation() {
        let at = utc(2026, 12, 2, 20, 5, 3);
        assert_eq!(berlin().format(at, MINUTE), "2026-12-02 21:05 CET");
        assert_eq!(berlin().header("started", at), "started (CET)");
        assert_eq!(berlin().describe(at), "Europe/Berlin (CET)");
        // Across midnight the date moves too.
        let late = utc(2026, 12, 31, 23, 30, 0);
        assert_eq!(berlin().format(late, MINUTE), "2027-01-01 00:30 CET");
        let kolkata = TimeDisplay::new(DisplayZone::Named(chrono_tz::Asia::Kolkata));
        assert_eq!(kolkata.format(at, HOUR_MINUTE), "01:35 IST");
    }

    #[test]
    fn daylight_saving_time_changes_the_offset_and_the_name_at_the_switch() {
        // Berlin leaves CET for CEST at 01:00 UTC on the last Sunday of March 2026 (the 29th).
        let before = utc(2026, 3, 29, 0, 59, 59);
        let after = utc(2026, 3, 29, 1, 0, 0);
        assert_eq!(berlin().format(before, SECOND), "2026-03-29 01:59:59 CET");
        assert_eq!(berlin().format(after, SECOND), "2026-03-29 03:00:00 CEST");
        // And back on October 25th: 02:30 local happens twice, told apart by the name.
        let first = utc(2026, 10, 25, 0, 30, 0);
        let second = utc(2026, 10, 25, 1, 30, 0);
        assert_eq!(berlin().format(first, HOUR_MINUTE), "02:30 CEST");
        assert_eq!(berlin().format(second, HOUR_MINUTE), "02:30 CET");
    }
}
