//! What can go wrong talking to MPIS, typed so that the UI can say what happened.
//!
//! Text that came from the network (`detail`, body excerpts) is cleaned when the error is made:
//! control characters and escape sequences are shown as visible escapes, never emitted, so an
//! error can be printed or drawn as it is.

use std::time::Duration;

use serde_json::Value;

/// At most this many characters of a body are kept in an error.
pub const EXCERPT_CHARS: usize = 200;
/// At most this many characters of MPIS's `detail` are kept.
const DETAIL_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MpisError {
    /// No connection could be made, or the connection was dropped before a complete answer.
    #[error("MPIS unreachable at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// No complete answer within the time allowed for this call.
    #[error("no answer from MPIS within {}", format_duration(*after))]
    Timeout { after: Duration },
    /// MPIS refused the request (4xx) and said why in its `detail`.
    #[error("MPIS rejected the request (HTTP {status}): {detail}")]
    Rejected { status: u16, detail: String },
    /// MPIS (or a proxy in front of it) failed (5xx); the body is opaque.
    #[error("MPIS failed (HTTP {status}): {excerpt}")]
    ServerError { status: u16, excerpt: String },
    /// An answer whose body is not what MPIS sends for that status.
    #[error("unreadable answer from MPIS (HTTP {status}): {reason}; body starts: {excerpt}")]
    BadBody {
        status: u16,
        excerpt: String,
        reason: String,
    },
    /// The client is configured wrongly (URL, API key, idempotency key).
    #[error("MPIS client configuration: {0}")]
    Config(String),
    /// The caller gave up waiting (the request may still complete on MPIS).
    #[error("cancelled while waiting for MPIS")]
    Cancelled,
}

impl MpisError {
    /// Trying the same call again may succeed: MPIS unreachable or the connection dropped,
    /// no answer in time, or a 5xx.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::Timeout { .. } | Self::ServerError { .. }
        )
    }

    /// For a failure that means MPIS is unavailable (unreachable, timing out, 5xx), a stable
    /// key of its kind, so that an outage is logged once, not once per attempt.
    pub fn outage_kind(&self) -> Option<String> {
        match self {
            Self::Unreachable { .. } => Some("unreachable".to_owned()),
            Self::Timeout { .. } => Some("timeout".to_owned()),
            Self::ServerError { status, .. } => Some(format!("HTTP {status}")),
            _ => None,
        }
    }

    /// The HTTP status of an answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Rejected { status, .. }
            | Self::ServerError { status, .. }
            | Self::BadBody { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// MPIS's own `detail` of a 4xx.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Rejected { detail, .. } => Some(detail),
            _ => None,
        }
    }

    /// `(expected, got)` when MPIS refused an approval because the draft number was stale
    /// (`Draft number mismatch: expected 2, got 1`): someone else made a newer draft.
    pub fn stale_draft(&self) -> Option<(i32, i32)> {
        let rest = self
            .detail()?
            .strip_prefix("Draft number mismatch: expected ")?;
        let (expected, got) = rest.split_once(", got ")?;
        Some((expected.trim().parse().ok()?, got.trim().parse().ok()?))
    }

    /// One line for a status bar or a form: what happened and what to do.
    pub fn user_message(&self) -> String {
        match self {
            Self::Unreachable { url, reason } => {
                format!("MPIS unreachable at {url}: {reason}. Is it running? Check MPIS_API_URL.")
            }
            Self::Timeout { after } => format!(
                "MPIS gave no answer within {}; it may be busy. Try again.",
                format_duration(*after)
            ),
            Self::Rejected { status, detail } => format!("MPIS refused (HTTP {status}): {detail}"),
            Self::ServerError { status, excerpt } if excerpt.is_empty() => {
                format!("MPIS failed (HTTP {status}); try again later.")
            }
            Self::ServerError { status, excerpt } => {
                format!("MPIS failed (HTTP {status}): {excerpt}; try again later.")
            }
            Self::BadBody {
                status, excerpt, ..
            } => format!(
                "MPIS answered HTTP {status} with a body it does not send (is MPIS_API_URL right?): {excerpt}"
            ),
            Self::Config(message) => format!("MPIS client misconfigured: {message}"),
            Self::Cancelled => {
                "Stopped waiting for MPIS (it may still complete the request).".to_owned()
            }
        }
    }
}

/// The status and `detail` of a refusal from its [`MpisError::user_message`] (`MPIS refused
/// (HTTP 400): Draft ... not found`), as a publish record keeps it in `last_error`; `None` for
/// any other message.
pub fn refusal_from_message(message: &str) -> Option<(u16, &str)> {
    let rest = message.strip_prefix("MPIS refused (HTTP ")?;
    let (status, detail) = rest.split_once("): ")?;
    let status: u16 = status.parse().ok()?;
    (400..500).contains(&status).then_some((status, detail))
}

/// `1.5 s`, `200 ms`, `10 min`.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(60_000) {
        format!("{} min", millis / 60_000)
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// A short, printable excerpt of a body: line breaks and tabs become spaces, at most
/// [`EXCERPT_CHARS`] characters (then `…`), control characters escaped.
pub fn excerpt(body: &[u8]) -> String {
    clean(&String::from_utf8_lossy(body), EXCERPT_CHARS)
}

fn clean(text: &str, max_chars: usize) -> String {
    let flat: String = text
        .trim()
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut kept: String = flat.chars().take(max_chars).collect();
    let cut = kept.len() < flat.len();
    kept = crate::sanitize::sanitize(&kept).into_owned();
    if cut {
        kept.push('…');
    }
    kept
}

/// MPIS's `detail` from a 4xx body: a string (handled errors), or FastAPI's 422 list
/// flattened to `field: msg; field: msg`. `None` when the body has no `detail`.
pub fn detail_from_body(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let detail = value.get("detail")?;
    let text = match detail {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(flatten_validation_item)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => return None,
        other => other.to_string(),
    };
    Some(clean(&text, DETAIL_CHARS))
}

/// `{"loc": ["body", "sources", 0, "type"], "msg": "..."}` -> `sources[0].type: ...`.
fn flatten_validation_item(item: &Value) -> String {
    let Some(object) = item.as_object() else {
        return match item {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
    };
    let message = match object.get("msg") {
        Some(Value::String(msg)) => msg.clone(),
        Some(other) => other.to_string(),
        None => "invalid".to_owned(),
    };
    let mut field = String::new();
    if let Some(Value::Array(loc)) = object.get("loc") {
        for (i, part) in loc.iter().enumerate() {
            match part {
                Value::String(name)
                    if i == 0 && matches!(name.as_str(), "body" | "query" | "path" | "header") =>
                {
                    if loc.len() == 1 {
                        field.push_str(name);
                    }
                }
                Value::String(name) => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(name);
                }
                Value::Number(index) => {
                    field.push('[');
                    field.push_str(&index.to_string());
                    field.push(']');
                }
                other => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(&other.to_string());
                }
            }
        }
    }
    if field.is_empty() {
        message
    } else {
        format!("{field}: {message}")
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_refusal_is_read_back_from_its_message() {
        let refused = MpisError::Rejected {
            status: 404,
            detail: "Draft 42 not found: (HTTP 1)".to_owned(),
        };
        assert_eq!(
            refusal_from_message(&refused.user_message()),
            Some((404, "Draft 42 not found: (HTTP 1)"))
        );
        let failed = MpisError::ServerError {
            status: 503,
            excerpt: String::new(),
        };
        assert_eq!(refusal_from_message(&failed.user_message()), None);
        assert_eq!(refusal_from_message("MPIS refused (HTTP 503): x"), None);
        assert_eq!(refusal_from_message("anything else"), None);
    }

    use super::*;

    #[test]
    fn string_detail_is_kept() {
        let body = br#"{"detail": "Draft number mismatch: expected 2, got 1"}"#;
        assert_eq!(
            detail_from_body(body).as_deref(),
            Some("Draft number mismatch: expected 2, got 1")
        );
        let err = MpisError::Rejected {
            status: 400,
            detail: detail_from_body(body).unwrap_or_default(),
        };
        assert_eq!(err.stale_draft(), Some((2, 1)));
        assert!(!err.is_retryable());
    }

    #[test]
    fn fastapi_422_list_is_flattened() {
        let body = serde_json::json!({"detail": [
            {"type": "missing", "loc": ["body", "persona_name"], "msg": "Field required", "input": {}},
            {"type": "literal_error", "loc": ["body", "sources", 0, "type"],
             "msg": "Input should be 'text', 'url', 'file' or 'youtube'", "input": "x"},
            {"type": "json_invalid", "loc": ["body", 12], "msg": "JSON decode error"},
            {"type": "missing", "loc": ["body"], "msg": "Field required"}
        ]})
        .to_string();
        assert_eq!(
            detail_from_body(body.as_bytes()).as_deref(),
            Some(
                "persona_name: Field required; sources[0].type: Input should be 'text', 'url', 'file' or 'youtube'; [12]: JSON decode error; body: Field required"
            )
        );
    }

    #[test]
    fn bodies_without_detail_have_none() {
        assert_eq!(detail_from_body(b"<html>nope</html>"), None);
        assert_eq!(detail_from_body(br#"{"error": "x"}"#), None);
        assert_eq!(detail_from_body(br#"{"detail": null}"#), None);
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        let hostile = format!("oops\u{1b}]0;owned\u{7}\n{}", "x".repeat(500));
        let shown = excerpt(hostile.as_bytes());
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert!(shown.starts_with("oops\\x1b]0;owned\\x07 x"), "{shown}");
        assert!(shown.ends_with('…'));
        assert!(shown.chars().count() < EXCERPT_CHARS + 20);
        assert_eq!(excerpt(b"  short \r\n"), "short");
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn detail_is_cleaned_too() {
        let body = serde_json::json!({"detail": "bad\u{1b}[2J\nthing"}).to_string();
        assert_eq!(
            detail_from_body(body.as_bytes()).as_deref(),
            Some("bad\\x1b[2J thing")
        );
    }

    #[test]
    fn retryable_kinds_and_messages() {
        let unreachable = MpisError::Unreachable {
            url: "http://127.0.0.1:1/health".into(),
            reason: "connection refused".into(),
        };
        assert!(unreachable.is_retryable());
        assert!(unreachable.user_message().contains("connection refused"));
        let timeout = MpisError::Timeout {
            after: Duration::from_millis(200),
        };
        assert!(timeout.is_retryable());
        assert_eq!(timeout.to_string(), "no answer from MPIS within 200 ms");
        assert!(
            MpisError::ServerError {
                status: 503,
                excerpt: String::new()
            }
            .is_retryable()
        );
        assert!(
            !MpisError::BadBody {
                status: 200,
                excerpt: "{".into(),
                reason: "EOF".into()
            }
            .is_retryable()
        );
        assert!(!MpisError::Cancelled.is_retryable());
        assert!(!MpisError::Config("x".into()).is_retryable());
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(200)), "200 ms");
        assert_eq!(format_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(format_duration(Duration::from_secs(600)), "10 min");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5 s");
    }
}
