//! A local stand-in for TikTok's Display API video query (`POST /v2/video/query/`), answering
//! in its shapes: `{"data": {"videos": [...], "cursor", "has_more"}, "error": {"code": "ok",
//! ...}}` on success and the same error envelope with 400/401/429 otherwise. It accepts the
//! bearer token [`TOKEN`], returns only the fields asked for in `fields`, refuses more than 20
//! ids (`invalid_params`, as TikTok does), and leaves out ids that are not all digits or are
//! marked unknown (TikTok leaves out videos the token's account does not own).
//!
//! Counters are deterministic per id and grow with the time since the stand-in started
//! ([`video_counters`]). Knobs ([`TiktokKnobs`]) inject the errors the fetcher must handle.

use std::collections::HashSet;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use super::{Server, lock};
use serde_json::{Map, Value, json};

/// The access token the stand-in accepts.
pub const TOKEN: &str = "standin-token";

/// Errors to inject, changeable while it runs ([`TiktokStandIn::set_knobs`]).
#[derive(Debug, Clone, Default)]
pub struct TiktokKnobs {
    /// Video ids left out of `data.videos` (as for another account's videos).
    pub unknown_ids: HashSet<String>,
    /// Every token is refused as expired (`access_token_invalid`, 401).
    pub bad_token: bool,
    /// The next this many queries answer 429 `rate_limit_exceeded`.
    pub rate_limited: u32,
    /// The `Retry-After` of those 429s, in seconds (`None`: no header).
    pub retry_after_secs: Option<u64>,
    /// Answer 200 with a body that is not the documented JSON.
    pub malformed: bool,
}

/// One video's counters at `elapsed` since the stand-in started: fixed per id at start, each
/// growing by a per-id rate per second.
pub fn video_counters(id: &str, elapsed: Duration) -> [u64; 4] {
    let seed = fnv1a(id.as_bytes());
    let seconds = elapsed.as_secs();
    let views = 1_000 + seed % 500_000 + seconds * (1 + seed % 9);
    [views, views / 12, views / 90, views / 200]
}

/// The running stand-in; dropping it stops the server.
pub struct TiktokStandIn {
    server: Server,
    shared: Arc<Shared>,
}

struct Shared {
    started: Instant,
    knobs: Mutex<TiktokKnobs>,
    /// The ids of every query received, in order.
    calls: Mutex<Vec<Vec<String>>>,
}

/// Starts the stand-in on 127.0.0.1 (a free port).
pub async fn start(knobs: TiktokKnobs) -> io::Result<TiktokStandIn> {
    let shared = Arc::new(Shared {
        started: Instant::now(),
        knobs: Mutex::new(knobs),
        calls: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/v2/video/query/", post(video_query))
        .with_state(Arc::clone(&shared));
    let server = Server::start(app).await?;
    Ok(TiktokStandIn { server, shared })
}

impl TiktokStandIn {
    /// `http://ADDR`, the `base_url` for the fetcher.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn set_knobs(&self, knobs: TiktokKnobs) {
        *lock(&self.shared.knobs) = knobs;
    }

    /// The video ids of each query received (also refused ones), in order.
    pub fn calls(&self) -> Vec<Vec<String>> {
        lock(&self.shared.calls).clone()
    }

    /// Time since the stand-in started (the counters' clock).
    pub fn elapsed(&self) -> Duration {
        self.shared.started.elapsed()
    }
}

#[derive(Deserialize)]
struct Fields {
    fields: Option<String>,
}

async fn video_query(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<Fields>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let ids: Option<Vec<String>> = serde_json::from_str::<Value>(&body).ok().and_then(|body| {
        let ids = body.pointer("/filters/video_ids")?.as_array()?;
        ids.iter()
            .map(|id| id.as_str().map(str::to_owned))
            .collect()
    });
    lock(&shared.calls).push(ids.clone().unwrap_or_default());
    let knobs = {
        let mut knobs = lock(&shared.knobs);
        let now = knobs.clone();
        knobs.rate_limited = knobs.rate_limited.saturating_sub(1);
        now
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if knobs.bad_token || bearer != Some(TOKEN) {
        return error(
            StatusCode::UNAUTHORIZED,
            "access_token_invalid",
            "The access token is invalid or not found in the request.",
        );
    }
    if knobs.rate_limited > 0 {
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            "API rate limit was exceeded. Please try again later.",
        );
        if let Some(seconds) = knobs.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        return response;
    }
    if knobs.malformed {
        return (StatusCode::OK, "<html><body>upstream hiccup</body></html>").into_response();
    }
    let Some(fields) = query.fields.filter(|fields| !fields.trim().is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "fields is required",
        );
    };
    let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "filters.video_ids must be a non-empty list of strings",
        );
    };
    if ids.len() > 20 {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "filters.video_ids can contain at most 20 ids",
        );
    }
    let elapsed = shared.started.elapsed();
    let videos: Vec<Value> = ids
        .iter()
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .filter(|id| !knobs.unknown_ids.contains(*id))
        .map(|id| video(id, &fields, elapsed))
        .collect();
    let answer = json!({
        "data": {"videos": videos, "cursor": 0, "has_more": false},
        "error": {"code": "ok", "message": "", "log_id": log_id()},
    });
    (StatusCode::OK, axum::Json(answer)).into_response()
}

/// A video with the fields asked for (unknown field names are ignored, as TikTok does).
fn video(id: &str, fields: &str, elapsed: Duration) -> Value {
    let [views, likes, comments, shares] = video_counters(id, elapsed);
    let mut video = Map::new();
    for field in fields.split(',').map(str::trim) {
        let value = match field {
            "id" => json!(id),
            "view_count" => json!(views),
            "like_count" => json!(likes),
            "comment_count" => json!(comments),
            "share_count" => json!(shares),
            "title" => json!(format!("Stand-in video {id}")),
            _ => continue,
        };
        video.insert(field.to_owned(), value);
    }
    Value::Object(video)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message, "log_id": log_id()}})),
    )
        .into_response()
}

fn log_id() -> String {
    format!("202412020000000000{:08X}", fastrand::u32(..))
}

/// FNV-1a: a stable hash (std's is seeded per process).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_stable_per_id_and_grow() {
        let at_start = video_counters("7401", Duration::ZERO);
        assert_eq!(at_start, video_counters("7401", Duration::ZERO));
        assert_ne!(at_start, video_counters("7402", Duration::ZERO));
        let later = video_counters("7401", Duration::from_secs(60));
        assert!(later[0] > at_start[0]);
        assert!(
            later
                .iter()
                .zip(at_start)
                .all(|(later, start)| *later >= start)
        );
    }
}
