//! What the input forms share: a validation error that names its field, and the checks more
//! than one form needs (character limits, http(s) URLs, optional UUIDs).
//!
//! Lengths are counted in characters (Unicode scalar values), as pydantic's `max_length` counts
//! them in MPIS, never in bytes.

use thiserror::Error;
use uuid::Uuid;

/// One problem with one form field, shown next to that field before anything is sent.
///
/// `field` is the field's name in the request (`persona_name`, `sources`, `draft_id`, ...), so
/// the UI can place the message and tests can match on it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// Number of characters, as MPIS (Python `len`) counts them.
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// `Err("must be at most {max} characters (got {n})")` when `text` is longer than `max`.
pub fn check_max_chars(text: &str, max: usize) -> Result<(), String> {
    let n = char_count(text);
    if n > max {
        Err(format!("must be at most {max} characters (got {n})"))
    } else {
        Ok(())
    }
}

/// `Err` naming the first control character (newline, tab, escape, ...) in a one-line value.
pub fn check_single_line(text: &str) -> Result<(), String> {
    match text.chars().position(char::is_control) {
        Some(i) => Err(format!(
            "must be a single line without control characters (found one at character {})",
            i + 1
        )),
        None => Ok(()),
    }
}

/// Trimmed text, or `None` when nothing but whitespace was typed.
pub fn non_empty(text: &str) -> Option<&str> {
    let t = text.trim();
    (!t.is_empty()).then_some(t)
}

/// A one-line name (a project, layout, widget or job name, a channel): not blank, and once
/// trimmed a single line of at most `max` characters; the message says what is wrong.
pub fn check_one_line(text: &str, max: usize) -> Result<(), String> {
    let trimmed = non_empty(text).ok_or_else(|| "must not be empty".to_string())?;
    check_single_line(trimmed).and_then(|()| check_max_chars(trimmed, max))
}

/// An optional UUID field: empty is `None`; anything else must parse as a UUID.
pub fn optional_uuid(text: &str) -> Result<Option<Uuid>, String> {
    match non_empty(text) {
        None => Ok(None),
        Some(t) => Uuid::parse_str(t).map(Some).map_err(|_| {
            format!("{t:?} is not a UUID (expected e.g. 550e8400-e29b-41d4-a716-446655440000)")
        }),
    }
}

/// Checks that `text` is an absolute `http://` or `https://` URL with a host; the message says
/// what is wrong. Nothing is normalised: the URL is sent as typed.
///
/// Accepted: `https://example.org`, `http://localhost:8080/x?y#z`, `https://user@host/`,
/// `http://[::1]:80/`, internationalised host names. Refused: other schemes, no `://`, an empty
/// host, empty host labels (`a..b`), a port that is not 1..=65535, and any whitespace.
pub fn check_http_url(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("is empty".into());
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err("must start with http:// or https://".into());
    };
    let scheme_lower = scheme.to_ascii_lowercase();
    if scheme_lower != "http" && scheme_lower != "https" {
        return Err(format!("scheme must be http or https, not {scheme:?}"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // Userinfo (`user:pass@`) is allowed and not part of the host.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let Some((v6, after)) = inner.split_once(']') else {
            return Err("has an unclosed '[' in the host".into());
        };
        if v6.is_empty()
            || !v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(format!("has an invalid IPv6 host [{v6}]"));
        }
        match after {
            "" => (v6, None),
            _ => match after.strip_prefix(':') {
                Some(p) => (v6, Some(p)),
                None => return Err(format!("has unexpected text {after:?} after the host")),
            },
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("has no host (expected e.g. https://example.org/page)".into());
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !valid {
            return Err(format!("has an invalid port {port:?} (expected 1..65535)"));
        }
    }
    if !host_port.starts_with('[') {
        let labels = host.strip_suffix('.').unwrap_or(host);
        for label in labels.split('.') {
            if label.is_empty() {
                return Err(format!("has an invalid host {host:?} (empty label)"));
            }
            if let Some(bad) = label
                .chars()
                .find(|c| !(c.is_alphanumeric() || *c == '-' || *c == '_'))
            {
                return Err(format!(
                    "has an invalid character {bad:?} in the host {host:?}"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_error_displays_field_then_message() {
        let e = FieldError::new("persona_name", "required");
        assert_eq!(e.to_string(), "persona_name: required");
    }

    #[test]
    fn max_chars_counts_characters_not_bytes() {
        assert_eq!(check_max_chars("", 0), Ok(()));
        assert_eq!(check_max_chars("абв", 3), Ok(())); // 6 bytes, 3 characters
        assert_eq!(
            check_max_chars("абвг", 3),
            Err("must be at most 3 characters (got 4)".into())
        );
    }

    #[test]
    fn single_line_refuses_control_characters() {
        assert_eq!(check_single_line("Tim Keller"), Ok(()));
        assert_eq!(
            check_single_line("Tim\nKeller"),
            Err(
                "must be a single line without control characters (found one at character 4)"
                    .into()
            )
        );
        assert!(check_single_line("a\u{1b}[31m").is_err());
    }

    #[test]
    fn optional_uuid_empty_valid_and_invalid() {
        assert_eq!(optional_uuid(""), Ok(None));
        assert_eq!(optional_uuid("   "), Ok(None));
        assert_eq!(
            optional_uuid(" 550E8400-E29B-41D4-A716-446655440000 ").unwrap(),
            Some(Uuid::parse_str("550e8400-e29b-41d4-a716-446655440000").unwrap())
        );
        let err = optional_uuid("550e8400").unwrap_err();
        assert!(err.starts_with("\"550e8400\" is not a UUID"), "{err}");
    }

    #[test]
    fn http_urls_accepted() {
        for url in [
            "https://example.org",
            "http://example.org/",
            "HTTPS://Example.org/a/b?c=d#e",
            "http://localhost:8080/x",
            "https://user:pw@example.org/",
            "http://[::1]:8081/health",
            "http://[2001:db8::1]/",
            "https://пример.рф/страница",
            "https://example.org./",
            "https://example.org?q=1",
            "https://example.org:65535",
        ] {
            assert_eq!(check_http_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn http_urls_refused_with_reasons() {
        let cases = [
            ("", "is empty"),
            ("example.org/x", "must start with http:// or https://"),
            (
                "ftp://example.org/x",
                "scheme must be http or https, not \"ftp\"",
            ),
            (
                "htp://example.org",
                "scheme must be http or https, not \"htp\"",
            ),
            ("https://", "has no host"),
            ("https:///path", "has no host"),
            ("https://:80/", "has no host"),
            (
                "https://a..b/",
                "has an invalid host \"a..b\" (empty label)",
            ),
            ("https://example.org:0/", "has an invalid port \"0\""),
            (
                "https://example.org:99999/",
                "has an invalid port \"99999\"",
            ),
            ("https://example.org:/", "has an invalid port \"\""),
            ("https://example.org:8o/", "has an invalid port \"8o\""),
            ("https://exa mple.org/", "must not contain spaces"),
            ("https://exa$mple.org/", "has an invalid character '$'"),
            ("http://[::1/", "has an unclosed '['"),
            ("http://[zz]/", "has an invalid IPv6 host [zz]"),
            ("http://[::1]x/", "has unexpected text \"x\" after the host"),
        ];
        for (url, expected) in cases {
            let err = check_http_url(url).unwrap_err();
            assert!(err.starts_with(expected), "{url}: {err}");
        }
    }

    #[test]
    fn a_one_line_name_is_not_blank_single_line_and_short_enough() {
        assert_eq!(check_one_line("  Spring  ", 6), Ok(()));
        assert_eq!(
            check_one_line(" \t ", 6),
            Err("must not be empty".to_string())
        );
        assert!(
            check_one_line("a\nb", 6)
                .unwrap_err()
                .contains("single line")
        );
        assert_eq!(
            check_one_line("Springs", 6),
            Err("must be at most 6 characters (got 7)".to_string())
        );
    }
}
