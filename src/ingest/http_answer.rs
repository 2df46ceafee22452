//! What every fetcher reads the same way from any HTTP answer: the `Retry-After` hint,
//! transport failures, and platform messages cut to a readable length.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::FetchError;

/// Longest platform message kept in an error (they can quote whole requests).
const MESSAGE_CHARS: usize = 300;

/// `Retry-After` as whole seconds or an HTTP date (RFC 9110 §10.2.3); `None` when absent or
/// unreadable. A date in the past is zero.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// A request that got no answer. The URL is left out: it carries the key or token.
pub fn transport(error: reqwest::Error) -> FetchError {
    let error = error.without_url();
    if error.is_decode() {
        FetchError::Malformed(error.to_string())
    } else {
        FetchError::Unavailable(error.to_string())
    }
}

/// A request that got no answer (unreachable, timed out, cut off), said with the platform's
/// name: the whole call failed. The URL is left out, as in [`transport`].
pub fn send_failed(platform: &str, error: &reqwest::Error) -> FetchError {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let error = format!("{error}");
    let error = error.split(" for url (").next().unwrap_or(&error);
    FetchError::Unavailable(format!("{platform}: {what}: {error}"))
}

/// The whole call's error by its HTTP status alone, once the platform's own error codes said
/// nothing more: 429 is a rate limit (with its `Retry-After`), 401 and 403 refused
/// credentials, 5xx the platform unavailable; any other answer is a request it refused.
pub fn by_status(status: StatusCode, retry_after: Option<Duration>, detail: String) -> FetchError {
    match status.as_u16() {
        429 => FetchError::RateLimited {
            retry_after,
            detail,
        },
        401 | 403 => FetchError::Unauthorized(detail),
        500..=599 => FetchError::Unavailable(detail),
        _ => FetchError::Malformed(format!("the request was refused: {detail}")),
    }
}

/// A platform's message, trimmed and cut to [`MESSAGE_CHARS`] characters.
pub fn short(message: &str) -> String {
    let message = message.trim();
    match message.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn statuses_map_to_what_the_scheduler_does_with_them() {
        let wait = Some(Duration::from_secs(4));
        let map = |code: u16| by_status(StatusCode::from_u16(code).unwrap(), wait, "d".into());
        assert_eq!(
            map(429),
            FetchError::RateLimited {
                retry_after: wait,
                detail: "d".into()
            }
        );
        assert_eq!(map(401), FetchError::Unauthorized("d".into()));
        assert_eq!(map(403), FetchError::Unauthorized("d".into()));
        assert_eq!(map(502), FetchError::Unavailable("d".into()));
        assert_eq!(
            map(400),
            FetchError::Malformed("the request was refused: d".into())
        );
        assert_eq!(
            map(404),
            FetchError::Malformed("the request was refused: d".into())
        );
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:30Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            retry_after(&headers(" 7 "), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT"), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn short_cuts_long_messages_at_a_char_boundary() {
        assert_eq!(short("  fine "), "fine");
        let long = "é".repeat(400);
        let cut = short(&long);
        assert_eq!(cut.chars().count(), MESSAGE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
