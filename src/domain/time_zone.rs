//! The database's default time zone, as it concerns MPIS's timestamps.
//!
//! MPIS writes naive UTC times (`utcnow()`) into `timestamptz` columns, and PostgreSQL reads a
//! naive time in the session's zone. On a database whose default zone is not UTC, every
//! timestamp MPIS writes is therefore shifted by that zone's offset. Our own writes are not
//! (they are zone-aware, and our sessions run in UTC), and nothing of ours matches records by
//! time, but operators reading MPIS's times must be told.

/// Zone names whose offset is zero all year (PostgreSQL's spellings, any case).
const UTC_NAMES: &[&str] = &[
    "utc",
    "uct",
    "gmt",
    "gmt0",
    "gmt+0",
    "gmt-0",
    "greenwich",
    "universal",
    "zulu",
    "z",
    "etc/utc",
    "etc/uct",
    "etc/gmt",
    "etc/gmt0",
    "etc/gmt+0",
    "etc/gmt-0",
    "etc/greenwich",
    "etc/universal",
    "etc/zulu",
];

/// A `TimeZone` setting as PostgreSQL stores it, without the quotes a setting may carry.
pub fn clean(zone: &str) -> &str {
    zone.trim().trim_matches(|c| c == '\'' || c == '"').trim()
}

/// True when the zone is UTC all year: a UTC alias, or a numeric offset of zero (`0`,
/// `+00:00`).
pub fn is_utc(zone: &str) -> bool {
    let zone = clean(zone).to_ascii_lowercase();
    if UTC_NAMES.contains(&zone.as_str()) {
        return true;
    }
    let digits = zone.trim_start_matches(['+', '-']);
    !digits.is_empty() && digits.chars().all(|c| c == '0' || c == ':')
}

/// The operator's explanation when the zone is not UTC, or `None` when it is.
pub fn shifted_timestamps_warning(zone: &str) -> Option<String> {
    if is_utc(zone) {
        return None;
    }
    Some(format!(
        "the database time zone is {}, not UTC: MPIS writes naive UTC times, so its own \
         timestamps (published_at, started_at, created_at) read shifted by that zone's offset; \
         mpis-dash's own times are correct. Fix: ALTER DATABASE <name> SET timezone = 'UTC'",
        clean(zone)
    ))
}

/// The same, short enough for a status line.
pub fn shifted_timestamps_notice(zone: &str) -> Option<String> {
    (!is_utc(zone)).then(|| format!("db tz {} is not UTC: MPIS times shifted", clean(zone)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_aliases_and_zero_offsets_are_utc() {
        for zone in [
            "UTC",
            "Etc/UTC",
            "GMT",
            "'UTC'",
            " Zulu ",
            "Etc/GMT+0",
            "0",
            "+00:00",
            "universal",
        ] {
            assert!(is_utc(zone), "{zone}");
            assert_eq!(shifted_timestamps_warning(zone), None, "{zone}");
        }
    }

    #[test]
    fn other_zones_and_offsets_are_not_utc_and_the_warning_names_the_zone() {
        // Europe/London is UTC only in winter: still shifted half the year.
        for zone in [
            "Asia/Kolkata",
            "Europe/London",
            "America/New_York",
            "+05:30",
            "-3",
        ] {
            assert!(!is_utc(zone), "{zone}");
        }
        let warning = shifted_timestamps_warning("'Asia/Kolkata'").unwrap();
        assert!(warning.starts_with("the database time zone is Asia/Kolkata, not UTC"));
        assert!(warning.contains("SET timezone = 'UTC'"));
        assert_eq!(
            shifted_timestamps_notice("Europe/Berlin").as_deref(),
            Some("db tz Europe/Berlin is not UTC: MPIS times shifted")
        );
    }
}
