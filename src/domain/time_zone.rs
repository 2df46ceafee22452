//! Time zones: the zone the dashboard shows times in (config `timezone`), and the database's
//! default zone as it concerns MPIS's timestamps.
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

/// The zone absolute times are shown in (config `timezone`): UTC, the machine's local zone,
/// or an IANA zone by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayZone {
    #[default]
    Utc,
    /// The process's zone (`TZ`, /etc/localtime), as chrono's `Local` reads it.
    Local,
    Named(chrono_tz::Tz),
}

/// Written as configured ("UTC", "local", "Europe/Berlin"): `mpis-dash config` shows it so.
impl serde::Serialize for DisplayZone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl DisplayZone {
    /// `"UTC"` (and its aliases), `"local"`, or an IANA name (`"Europe/Berlin"`, any case). A
    /// name that is none of these is an error naming the setting and, when one is close, the
    /// nearest IANA name.
    pub fn parse(text: &str) -> Result<DisplayZone, String> {
        let name = text.trim();
        if name.eq_ignore_ascii_case("local") {
            return Ok(DisplayZone::Local);
        }
        if is_utc(name) {
            return Ok(DisplayZone::Utc);
        }
        if let Ok(zone) = name.parse::<chrono_tz::Tz>() {
            return Ok(DisplayZone::Named(zone));
        }
        if let Some(zone) = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|zone| zone.name().eq_ignore_ascii_case(name))
        {
            return Ok(DisplayZone::Named(*zone));
        }
        let known = chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
        let hint = match super::nearest::nearest(name, known) {
            Some(close) => format!(" (did you mean {close:?}?)"),
            None => " (e.g. \"Europe/Berlin\", \"America/New_York\")".to_string(),
        };
        Err(format!(
            "timezone: unknown time zone {name:?}: expected \"UTC\", \"local\" or an IANA name{hint}"
        ))
    }

    /// What the `z` key switches to: UTC, or when UTC is what is configured, local time.
    pub fn toggled(self, configured: DisplayZone) -> DisplayZone {
        match (configured, self) {
            (DisplayZone::Utc, DisplayZone::Utc) => DisplayZone::Local,
            (DisplayZone::Utc, _) => DisplayZone::Utc,
            (_, DisplayZone::Utc) => configured,
            _ => DisplayZone::Utc,
        }
    }

    /// The name the operator configured it by ("UTC", "local", "Europe/Berlin").
    pub fn name(self) -> &'static str {
        match self {
            DisplayZone::Utc => "UTC",
            DisplayZone::Local => "local",
            DisplayZone::Named(zone) => zone.name(),
        }
    }
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

    #[test]
    fn display_zones_parse_utc_local_and_iana_names_any_case() {
        assert_eq!(DisplayZone::parse("UTC"), Ok(DisplayZone::Utc));
        assert_eq!(DisplayZone::parse(" etc/utc "), Ok(DisplayZone::Utc));
        assert_eq!(DisplayZone::parse("Local"), Ok(DisplayZone::Local));
        assert_eq!(
            DisplayZone::parse("Europe/Berlin"),
            Ok(DisplayZone::Named(chrono_tz::Europe::Berlin))
        );
        assert_eq!(
            DisplayZone::parse("europe/berlin"),
            Ok(DisplayZone::Named(chrono_tz::Europe::Berlin))
        );
    }

    #[test]
    fn an_unknown_display_zone_names_the_key_and_the_nearest_zone() {
        let error = DisplayZone::parse("Europe/Berln").unwrap_err();
        assert!(
            error.starts_with("timezone: unknown time zone \"Europe/Berln\""),
            "{error}"
        );
        assert!(error.contains("did you mean \"Europe/Berlin\"?"), "{error}");
        let error = DisplayZone::parse("Mars/Olympus").unwrap_err();
        assert!(error.contains("e.g. \"Europe/Berlin\""), "{error}");
    }

    #[test]
    fn the_toggle_switches_between_the_configured_zone_and_utc() {
        let berlin = DisplayZone::Named(chrono_tz::Europe::Berlin);
        assert_eq!(berlin.toggled(berlin), DisplayZone::Utc);
        assert_eq!(DisplayZone::Utc.toggled(berlin), berlin);
        assert_eq!(
            DisplayZone::Local.toggled(DisplayZone::Local),
            DisplayZone::Utc
        );
        assert_eq!(
            DisplayZone::Utc.toggled(DisplayZone::Local),
            DisplayZone::Local
        );
        // Configured UTC: between UTC and local.
        assert_eq!(
            DisplayZone::Utc.toggled(DisplayZone::Utc),
            DisplayZone::Local
        );
        assert_eq!(
            DisplayZone::Local.toggled(DisplayZone::Utc),
            DisplayZone::Utc
        );
    }
}
