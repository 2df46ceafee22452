//! YouTube Data API v3 stand-in: `GET /youtube/v3/videos?part=statistics&id=..&key=..`,
//! answering `youtube#videoListResponse` with statistics as decimal strings and Google's
//! error shape (`{"error": {"code", "message", "errors": [{"reason"}], "status"}}`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::{Shared, YOUTUBE_KEY, counter};
use crate::ingest::youtube::MAX_IDS_PER_CALL;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/youtube/v3/videos", get(videos))
        .with_state(shared)
}

async fn videos(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    shared.record("/youtube/v3/videos", &query);
    if let Some(wait) = shared.take_rate_limit() {
        let mut response = google_error(
            StatusCode::TOO_MANY_REQUESTS,
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
            "The request cannot be completed because you have exceeded your quota.",
        );
        if let Some(seconds) = wait {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        return response;
    }
    let knobs = shared.knobs();
    match query.get("key").map(String::as_str) {
        None | Some("") => {
            return google_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "PERMISSION_DENIED",
                "The request is missing a valid API key.",
            );
        }
        Some(key) if key != YOUTUBE_KEY || knobs.credential_expired => {
            return google_error(
                StatusCode::BAD_REQUEST,
                "keyInvalid",
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
            );
        }
        Some(_) => {}
    }
    if knobs.quota_exhausted {
        return google_error(
            StatusCode::FORBIDDEN,
            "quotaExceeded",
            "PERMISSION_DENIED",
            "The request cannot be completed because you have exceeded your quota.",
        );
    }
    if query.get("part").map(String::as_str) != Some("statistics") {
        return bad_request("'part' must include statistics for this stand-in.");
    }
    let ids: Vec<&str> = query
        .get("id")
        .map(|ids| ids.split(',').filter(|id| !id.is_empty()).collect())
        .unwrap_or_default();
    if ids.len() > MAX_IDS_PER_CALL {
        return bad_request("The request specifies more than 50 video ids.");
    }
    if knobs.malformed {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>Our systems have detected unusual traffic</body></html>",
        )
            .into_response();
    }
    let minutes = shared.minutes(&knobs);
    let items: Vec<Value> = ids
        .iter()
        .filter(|id| !knobs.unknown_ids.contains(**id))
        .map(|id| {
            let mut statistics = json!({
                "viewCount": counter(id, "views", minutes).to_string(),
                "likeCount": counter(id, "likes", minutes).to_string(),
                "favoriteCount": "0",
                "commentCount": counter(id, "comments", minutes).to_string(),
            });
            if knobs.hidden_likes.contains(*id)
                && let Some(object) = statistics.as_object_mut()
            {
                object.remove("likeCount");
            }
            json!({"kind": "youtube#video", "etag": format!("etag-{id}"), "id": id,
                "statistics": statistics})
        })
        .collect();
    let total = items.len();
    axum::Json(json!({
        "kind": "youtube#videoListResponse",
        "etag": "standin",
        "items": items,
        "pageInfo": {"totalResults": total, "resultsPerPage": total},
    }))
    .into_response()
}

fn bad_request(message: &str) -> Response {
    google_error(
        StatusCode::BAD_REQUEST,
        "badRequest",
        "INVALID_ARGUMENT",
        message,
    )
}

/// Google's error body.
fn google_error(status: StatusCode, reason: &str, grpc_status: &str, message: &str) -> Response {
    let body = json!({"error": {
        "code": status.as_u16(),
        "message": message,
        "errors": [{"message": message, "domain": "global", "reason": reason}],
        "status": grpc_status,
    }});
    (status, axum::Json(body)).into_response()
}
