//! Correlation ids and the access log: every request gets a request id (the client's
//! `X-Request-ID` when it is a safe token, else a new UUID), keeps the `X-Run-ID`,
//! `X-Project-ID` and `X-N8N-Execution-ID` it sent when they are well-formed, and gets all of
//! them back as response headers. A `request` span carries them with the method and the
//! matched route (the route's pattern, never the raw path or query), so every log line of the
//! request names them; when it is answered the span gets `status` and `duration_ms`, one
//! access line is logged at info, and the request is counted in `/metrics`.
//!
//! A value that is not well-formed is ignored: never echoed, never logged (it could carry a
//! secret or terminal escapes).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use uuid::Uuid;

use super::ApiState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const RUN_ID: HeaderName = HeaderName::from_static("x-run-id");
pub const PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");
pub const N8N_EXECUTION_ID: HeaderName = HeaderName::from_static("x-n8n-execution-id");

/// The route label of a request no route matched (the 404 fallback): one label, whatever path
/// was asked for, so a scan cannot grow the metrics without bound.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// A request's correlation ids, in its extensions for handlers (e.g. to pass them on to n8n).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlation {
    /// The client's when it sent a safe one, else generated (a UUID).
    pub request_id: String,
    pub run_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub n8n_execution_id: Option<String>,
}

impl Correlation {
    /// Reads the headers; a malformed value counts as absent.
    pub fn from_headers(headers: &HeaderMap) -> Correlation {
        let text = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        Correlation {
            request_id: text(&REQUEST_ID)
                .filter(|v| is_safe_request_id(v))
                .map(str::to_owned)
                .unwrap_or_else(|| Uuid::new_v4().to_string()),
            run_id: text(&RUN_ID).and_then(parse_uuid),
            project_id: text(&PROJECT_ID).and_then(parse_uuid),
            n8n_execution_id: text(&N8N_EXECUTION_ID)
                .filter(|v| is_execution_id(v))
                .map(str::to_owned),
        }
    }

    /// The headers the response carries back (ids in their canonical form).
    pub fn headers(&self) -> Vec<(HeaderName, String)> {
        let mut headers = vec![(REQUEST_ID, self.request_id.clone())];
        if let Some(id) = self.run_id {
            headers.push((RUN_ID, id.to_string()));
        }
        if let Some(id) = self.project_id {
            headers.push((PROJECT_ID, id.to_string()));
        }
        if let Some(id) = &self.n8n_execution_id {
            headers.push((N8N_EXECUTION_ID, id.clone()));
        }
        headers
    }
}

/// A request id we repeat: 1..=128 characters of letters, digits and `-_.:` (UUIDs, ULIDs,
/// proxies' ids), nothing that could split a header or a log line.
pub fn is_safe_request_id(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// n8n's execution ids: numeric (self-hosted) or a UUID (contract v1 takes both).
pub fn is_execution_id(value: &str) -> bool {
    ((1..=20).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()))
        || parse_uuid(value).is_some()
}

fn parse_uuid(value: &str) -> Option<Uuid> {
    Uuid::try_parse(value.trim()).ok()
}

/// The method as a metrics label: the standard ones, else `other`.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The middleware (outermost, so the timeout's 503 and the auth refusals are logged and
/// counted too).
pub async fn track(State(state): State<ApiState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let correlation = Correlation::from_headers(request.headers());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    let method = method_label(request.method());
    let span = tracing::info_span!(
        "request",
        request_id = %correlation.request_id,
        run_id = tracing::field::Empty,
        project_id = tracing::field::Empty,
        n8n_execution_id = tracing::field::Empty,
        method,
        route = %route,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    if let Some(id) = correlation.run_id {
        span.record("run_id", tracing::field::display(id));
    }
    if let Some(id) = correlation.project_id {
        span.record("project_id", tracing::field::display(id));
    }
    if let Some(id) = &correlation.n8n_execution_id {
        span.record("n8n_execution_id", id.as_str());
    }
    let echoed = correlation.headers();
    request.extensions_mut().insert(correlation);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let duration_ms = (elapsed.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    span.record("status", status);
    span.record("duration_ms", duration_ms);
    span.in_scope(|| {
        // The access line: method and route are the span's; status and duration_ms are the
        // event's own too, so a JSON line has them at its top level.
        tracing::info!(status, duration_ms, "answered");
    });
    state
        .metrics
        .observe_request(&route, method, status, elapsed);
    for (name, value) in echoed {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert((*name).clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn safe_ids_are_kept_and_bad_ones_replaced_or_dropped() {
        let run = Uuid::new_v4();
        let kept = Correlation::from_headers(&headers(&[
            (&REQUEST_ID, "req-1.a:b_c"),
            (&RUN_ID, &run.to_string().to_uppercase()),
            (&PROJECT_ID, "not-a-uuid"),
            (&N8N_EXECUTION_ID, "12345"),
        ]));
        assert_eq!(kept.request_id, "req-1.a:b_c");
        assert_eq!(kept.run_id, Some(run), "canonical form");
        assert_eq!(kept.project_id, None);
        assert_eq!(kept.n8n_execution_id.as_deref(), Some("12345"));

        for bad in [
            "",
            "a b",
            "x\u{1b}[31m",
            "Bearer mpd_secret",
            &"a".repeat(129),
        ] {
            let mut map = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(bad) {
                map.insert(REQUEST_ID, value);
            }
            let generated = Correlation::from_headers(&map);
            assert_ne!(generated.request_id, bad);
            assert!(Uuid::try_parse(&generated.request_id).is_ok(), "{bad:?}");
        }
        for bad in ["12a", "-1", "1.5", &"9".repeat(21)] {
            assert!(!is_execution_id(bad), "{bad}");
        }
        assert!(is_execution_id(&Uuid::new_v4().to_string()));
    }
}
