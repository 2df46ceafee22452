//! API tokens and roles: who may do what, what a token name and an expiry may be, and the
//! shape of a token's secret. Pure: the random bytes come from the caller, the storage from
//! `store::tokens`.
//!
//! A secret is `mpd_` followed by 43 base64url characters (32 random bytes, no padding); only
//! its SHA-256 ([`secret_hash`]) is ever stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::form::{FieldError, char_count, check_single_line};

/// What a token may do, each role including the ones below it: viewer < editor < admin.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::Display,
    strum::EnumString,
    strum::AsRefStr,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Also writes runs, completions, publish records, metrics, layouts, genesis and flags.
    Editor,
    /// Also registers widgets, manages ingestion jobs and tokens.
    Admin,
}

impl Role {
    /// Whether a token of this role may do what needs `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }

    /// `role` as typed (`viewer`, `editor`, `admin`; case-insensitive, surrounding spaces
    /// ignored), or an error naming the field and the accepted values.
    pub fn parse(text: &str) -> Result<Role, FieldError> {
        let t = text.trim();
        t.to_ascii_lowercase().parse::<Role>().map_err(|_| {
            FieldError::new(
                "role",
                format!("{t:?} is not a role (expected viewer, editor or admin)"),
            )
        })
    }
}

/// Longest token name, in characters.
pub const NAME_MAX_CHARS: usize = 100;

/// A token's name as it is stored: surrounding spaces removed, 1 to 100 characters, one line
/// without control characters.
pub fn validate_name(text: &str) -> Result<String, FieldError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(FieldError::new("name", "is empty"));
    }
    let n = char_count(name);
    if n > NAME_MAX_CHARS {
        return Err(FieldError::new(
            "name",
            format!("must be at most {NAME_MAX_CHARS} characters (got {n})"),
        ));
    }
    check_single_line(name).map_err(|message| FieldError::new("name", message))?;
    Ok(name.to_string())
}

/// Longest expiry accepted: ten years (longer is "never", which is no `--expires-in`).
pub const EXPIRES_IN_MAX_DAYS: i64 = 3650;

/// `--expires-in`: a whole positive number and a unit, `90m`, `12h`, `30d` or `1w`.
pub fn parse_expires_in(text: &str) -> Result<Duration, FieldError> {
    let field = |message: String| FieldError::new("expires_in", message);
    let t = text.trim();
    let expected = "(expected a number and a unit: 90m, 12h, 30d or 1w)";
    let Some(unit) = t.chars().last() else {
        return Err(field(format!("is empty {expected}")));
    };
    let digits = &t[..t.len() - unit.len_utf8()];
    let minutes_per_unit: i64 = match unit.to_ascii_lowercase() {
        'm' => 1,
        'h' => 60,
        'd' => 24 * 60,
        'w' => 7 * 24 * 60,
        _ => return Err(field(format!("{t:?} has no known unit {expected}"))),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field(format!("{t:?} is not a duration {expected}")));
    }
    let max_minutes = EXPIRES_IN_MAX_DAYS * 24 * 60;
    let minutes = digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(minutes_per_unit))
        .filter(|&m| m <= max_minutes)
        .ok_or_else(|| {
            field(format!(
                "{t:?} is too long (at most {EXPIRES_IN_MAX_DAYS}d; leave it out for a token that does not expire)"
            ))
        })?;
    if minutes == 0 {
        return Err(field(format!("{t:?} must be more than zero")));
    }
    Ok(Duration::minutes(minutes))
}

/// What every secret starts with, so a leaked one is recognisable (and scannable).
pub const SECRET_PREFIX: &str = "mpd_";
/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;
/// base64url characters (no padding) of [`SECRET_BYTES`] bytes.
pub const SECRET_ENCODED_CHARS: usize = 43;

/// The secret a client sends for these random bytes.
pub fn format_secret(random: &[u8; SECRET_BYTES]) -> String {
    format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(random))
}

/// Whether `text` has a secret's shape (prefix, 43 base64url characters). Anything else is
/// refused without a database look-up.
pub fn looks_like_secret(text: &str) -> bool {
    text.strip_prefix(SECRET_PREFIX).is_some_and(|rest| {
        rest.len() == SECRET_ENCODED_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && URL_SAFE_NO_PAD.decode(rest).is_ok()
    })
}

/// SHA-256 of the secret: what is stored and looked up, never the secret itself.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// `last_used_at` is written at most this often per token, so authenticating stays a read.
pub const LAST_USED_EVERY: Duration = Duration::seconds(60);

/// Whether a use at `now` should be recorded, given the last one recorded.
pub fn last_used_due(last_used: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used.is_none_or(|at| now - at >= LAST_USED_EVERY)
}

/// Why a secret does not authenticate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("unknown token")]
    Unknown,
    #[error("token {name:?} expired at {at}")]
    Expired { name: String, at: DateTime<Utc> },
    #[error("token {name:?} was revoked at {at}")]
    Revoked { name: String, at: DateTime<Utc> },
}

/// A token's state at `now`: usable, or why not (revocation wins over expiry).
pub fn check_usable(
    name: &str,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AuthFailure> {
    if let Some(at) = revoked_at {
        return Err(AuthFailure::Revoked {
            name: name.to_string(),
            at,
        });
    }
    match expires_at {
        Some(at) if at <= now => Err(AuthFailure::Expired {
            name: name.to_string(),
            at,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn roles_are_ordered_and_include_the_ones_below() {
        assert!(Role::Admin.allows(Role::Editor));
        assert!(Role::Admin.allows(Role::Viewer));
        assert!(Role::Editor.allows(Role::Viewer));
        assert!(Role::Editor.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Admin));
        assert!(!Role::Viewer.allows(Role::Editor));
        assert!(Role::Viewer.allows(Role::Viewer));
    }

    #[test]
    fn roles_parse_and_print_in_lowercase() {
        assert_eq!(Role::parse("viewer"), Ok(Role::Viewer));
        assert_eq!(Role::parse(" Editor "), Ok(Role::Editor));
        assert_eq!(Role::parse("ADMIN"), Ok(Role::Admin));
        assert_eq!(Role::Editor.to_string(), "editor");
        let err = Role::parse("root").unwrap_err();
        assert_eq!(err.field, "role");
        assert!(err.message.contains("\"root\""), "{err}");
        assert!(err.message.contains("viewer, editor or admin"), "{err}");
        assert_eq!(Role::parse("").unwrap_err().field, "role");
    }

    #[test]
    fn names_are_one_to_a_hundred_printable_characters() {
        assert_eq!(validate_name("  n8n prod  ").unwrap(), "n8n prod");
        assert_eq!(validate_name("ünïcødé 名前").unwrap(), "ünïcødé 名前");
        assert_eq!(
            validate_name(&"é".repeat(100)).unwrap().chars().count(),
            100
        );
        let long = validate_name(&"é".repeat(101)).unwrap_err();
        assert_eq!(long.field, "name");
        assert!(long.message.contains("at most 100"), "{long}");
        assert_eq!(validate_name("   ").unwrap_err().message, "is empty");
        assert!(validate_name("a\nb").is_err());
        assert!(validate_name("a\u{1b}[31mb").is_err());
    }

    #[test]
    fn expiry_takes_minutes_hours_days_and_weeks() {
        assert_eq!(parse_expires_in("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_expires_in("12h"), Ok(Duration::hours(12)));
        assert_eq!(parse_expires_in("30d"), Ok(Duration::days(30)));
        assert_eq!(parse_expires_in("1w"), Ok(Duration::weeks(1)));
        assert_eq!(parse_expires_in(" 2W "), Ok(Duration::weeks(2)));
        assert_eq!(parse_expires_in("3650d"), Ok(Duration::days(3650)));
    }

    #[test]
    fn bad_expiries_name_the_field_and_say_why() {
        for (input, says) in [
            ("", "is empty"),
            ("30", "no known unit"),
            ("30s", "no known unit"),
            ("d", "not a duration"),
            ("-1d", "not a duration"),
            ("1.5h", "not a duration"),
            ("1 d", "not a duration"),
            ("0h", "more than zero"),
            ("3651d", "too long"),
            ("99999999999999999999w", "too long"),
            ("5é", "no known unit"),
        ] {
            let err = parse_expires_in(input).unwrap_err();
            assert_eq!(err.field, "expires_in", "{input}");
            assert!(err.message.contains(says), "{input}: {err}");
        }
    }

    #[test]
    fn secrets_have_the_prefix_and_43_base64url_characters() {
        let secret = format_secret(&[0xfb; SECRET_BYTES]);
        assert!(secret.starts_with("mpd_"));
        assert_eq!(secret.len(), 4 + 43);
        assert!(
            secret[4..]
                .bytes()
                .all(|b| b == b'-' || b == b'_' || b.is_ascii_alphanumeric())
        );
        assert!(
            secret.contains('-') || secret.contains('_'),
            "url-safe alphabet: {secret}"
        );
        assert!(looks_like_secret(&secret));
        assert!(looks_like_secret(&format_secret(&[0; SECRET_BYTES])));
        assert!(!looks_like_secret(&secret[..secret.len() - 1]));
        assert!(!looks_like_secret(&format!("{secret}A")));
        assert!(!looks_like_secret(&secret.replacen("mpd_", "mpx_", 1)));
        assert!(!looks_like_secret(&secret.replace('-', "+")));
        assert!(!looks_like_secret(""));
    }

    #[test]
    fn the_hash_is_sha256_of_the_secret() {
        // SHA-256("abc"), FIPS 180-2's example.
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let hex: String = secret_hash("abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, expected);
        assert_ne!(secret_hash("mpd_a"), secret_hash("mpd_b"));
    }

    #[test]
    fn last_use_is_recorded_at_most_once_a_minute() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        assert!(last_used_due(None, t0));
        assert!(!last_used_due(Some(t0), t0 + Duration::seconds(59)));
        assert!(last_used_due(Some(t0), t0 + Duration::seconds(60)));
    }

    #[test]
    fn revoked_wins_over_expired_and_expiry_is_inclusive() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        assert_eq!(check_usable("a", None, None, t0), Ok(()));
        assert_eq!(
            check_usable("a", Some(t0 + Duration::seconds(1)), None, t0),
            Ok(())
        );
        assert!(matches!(
            check_usable("a", Some(t0), None, t0),
            Err(AuthFailure::Expired { .. })
        ));
        assert!(matches!(
            check_usable("a", Some(t0 - Duration::days(1)), Some(t0), t0),
            Err(AuthFailure::Revoked { .. })
        ));
    }
}
