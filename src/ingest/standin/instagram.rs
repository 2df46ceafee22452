//! Instagram Graph API stand-in: `GET /{version}/{media_id}/insights?metric=..&access_token=..`
//! answering `{"data": [{"name", "period", "values": [{"value"}], "title", "id"}]}` (`views`
//! as `total_value.value`, the shape newer metrics use) and the Graph error shape
//! (`{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`). Media ids must
//! be digits, as the real ones are.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::{INSTAGRAM_TOKEN, Shared, counter};

/// The media metrics the stand-in knows (v21.0's, plus `impressions` unless deprecated).
const METRICS: [&str; 9] = [
    "reach",
    "likes",
    "comments",
    "shares",
    "saved",
    "views",
    "impressions",
    "total_interactions",
    "profile_visits",
];

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{version}/{media_id}/insights", get(insights))
        .with_state(shared)
}

async fn insights(
    State(shared): State<Arc<Shared>>,
    Path((version, media_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    shared.record(&format!("/{version}/{media_id}/insights"), &query);
    if let Some(wait) = shared.take_rate_limit() {
        let mut response = graph_error(
            StatusCode::TOO_MANY_REQUESTS,
            4,
            None,
            "OAuthException",
            "(#4) Application request limit reached",
        );
        if let Some(seconds) = wait {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        return response;
    }
    let knobs = shared.knobs();
    if query.get("access_token").map(String::as_str) != Some(INSTAGRAM_TOKEN)
        || knobs.credential_expired
    {
        return graph_error(
            StatusCode::BAD_REQUEST,
            190,
            Some(463),
            "OAuthException",
            "Error validating access token: Session has expired.",
        );
    }
    if knobs.quota_exhausted {
        return graph_error(
            StatusCode::BAD_REQUEST,
            4,
            None,
            "OAuthException",
            "(#4) Application request limit reached",
        );
    }
    if knobs.malformed {
        return axum::Json(json!({"data": [{"name": "reach", "period": "lifetime"}]}))
            .into_response();
    }
    if knobs.unknown_ids.contains(&media_id) || !media_id.bytes().all(|b| b.is_ascii_digit()) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            Some(33),
            "GraphMethodException",
            &format!(
                "Unsupported get request. Object with ID '{media_id}' does not exist, cannot \
                 be loaded due to missing permissions, or does not support this operation."
            ),
        );
    }
    let asked: Vec<&str> = query
        .get("metric")
        .map(|m| m.split(',').filter(|m| !m.is_empty()).collect())
        .unwrap_or_default();
    if asked.is_empty() {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "OAuthException",
            "(#100) The parameter metric is required",
        );
    }
    let deprecated: Vec<&str> = asked
        .iter()
        .copied()
        .filter(|m| knobs.deprecated_metrics.contains(*m))
        .collect();
    if let Some(first) = deprecated.first() {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "OAuthException",
            &format!(
                "(#100) Starting from version v22.0 and above, the {first} metric is no longer \
                 supported for media insights."
            ),
        );
    }
    if let Some(index) = asked.iter().position(|m| !METRICS.contains(m)) {
        let offered: Vec<&str> = METRICS
            .iter()
            .copied()
            .filter(|m| !knobs.deprecated_metrics.contains(*m))
            .collect();
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "OAuthException",
            &format!(
                "(#100) metric[{index}] must be one of the following values: {}",
                offered.join(", ")
            ),
        );
    }
    let minutes = shared.minutes(&knobs);
    let data: Vec<Value> = asked
        .iter()
        .map(|name| {
            let value = counter(&media_id, name, minutes);
            let id = format!("{media_id}/insights/{name}/lifetime");
            if *name == "views" {
                json!({"name": name, "period": "lifetime", "total_value": {"value": value},
                    "title": "Views", "id": id})
            } else {
                json!({"name": name, "period": "lifetime", "values": [{"value": value}],
                    "title": name, "id": id})
            }
        })
        .collect();
    axum::Json(json!({"data": data})).into_response()
}

/// The Graph API's error body.
fn graph_error(
    status: StatusCode,
    code: i64,
    subcode: Option<i64>,
    kind: &str,
    message: &str,
) -> Response {
    let mut error = json!({"message": message, "type": kind, "code": code,
        "fbtrace_id": "AStandInTrace"});
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    (status, axum::Json(json!({"error": error}))).into_response()
}
