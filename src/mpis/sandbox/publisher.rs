//! The publisher routes: `POST /publisher/publish/record` (idempotency keys, and `published_items`
//! on a database) and `POST /publisher/metrics/ingest` (MPIS's `float()` checks and texts).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use super::fastapi::{self, body_error, detail, json_body, naive};
use super::{AppState, PublishedRecord, database, lock};
use crate::mpis::types::PublishRecordResponse;

pub(super) async fn publish_record(
    State(shared): AppState,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let value = match json_body(&body, fastapi::PUBLISH_RECORD) {
        Ok(value) => value,
        Err(response) => return *response,
    };
    let (Some(draft_id), Some(channel)) = (
        value["draft_id"]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok()),
        value["channel"].as_str(),
    ) else {
        return body_error("draft_id or channel unreadable");
    };
    let ignore_keys = lock(&shared.faults).ignore_idempotency_keys;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && !ignore_keys)
        .map(str::to_owned);
    let not_found = || {
        detail(
            StatusCode::BAD_REQUEST,
            format!("Draft {draft_id} not found"),
        )
    };
    let _writes = shared.genesis_writes.lock().await;
    let response = {
        let state = lock(&shared.state);
        if draft_id.is_nil() || state.unknown.contains(&draft_id) {
            return not_found();
        }
        if let Some(key) = &key
            && let Some(index) = state.by_idempotency_key.get(key)
            && let Some(first) = state.published.get(*index)
        {
            return publish_answer(&first.response);
        }
        PublishRecordResponse {
            id: Uuid::new_v4(),
            draft_id,
            channel: channel.to_owned(),
            published_at: Utc::now(),
        }
    };
    // With a database, MPIS's row in `published_items` (and the plan marked published); the
    // draft must exist there.
    if let Some(pool) = &shared.database {
        match database::record_published(pool, &response, &value).await {
            Ok(true) => {}
            Ok(false) => return not_found(),
            Err(err) => {
                return detail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Publish record failed: {err}"),
                );
            }
        }
    }
    let mut state = lock(&shared.state);
    if let Some(key) = &key {
        let index = state.published.len();
        state.by_idempotency_key.insert(key.clone(), index);
    }
    state.published.push(PublishedRecord {
        idempotency_key: key,
        request: value,
        response: response.clone(),
    });
    publish_answer(&response)
}

/// MPIS writes `published_at` naive (UTC without an offset).
fn publish_answer(response: &PublishRecordResponse) -> Response {
    axum::Json(json!({
        "id": response.id, "draft_id": response.draft_id, "channel": response.channel,
        "published_at": naive(response.published_at)
    }))
    .into_response()
}

pub(super) async fn metrics_ingest(State(shared): AppState, body: Bytes) -> Response {
    let value = match json_body(&body, fastapi::METRICS_INGEST) {
        Ok(value) => value,
        Err(response) => return *response,
    };
    let Some(item_id) = value["published_item_id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
    else {
        return body_error("published_item_id unreadable");
    };
    if item_id.is_nil() || lock(&shared.state).unknown.contains(&item_id) {
        return detail(
            StatusCode::BAD_REQUEST,
            format!("Published item {item_id} not found"),
        );
    }
    let mut count = 0;
    for metric in value["metrics"].as_array().into_iter().flatten() {
        let (Some(_), Some(raw)) = (metric.get("type"), metric.get("value")) else {
            continue;
        };
        if let Err(reason) = as_float(raw) {
            return detail(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Metrics ingestion failed: {reason}"),
            );
        }
        count += 1;
    }
    axum::Json(json!({
        "published_item_id": item_id, "metrics_ingested": count, "recorded_at": naive(Utc::now())
    }))
    .into_response()
}

/// Python's `float(value)`, with its error texts.
fn as_float(value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| "number out of range".to_owned()),
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::String(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("could not convert string to float: '{text}'")),
        Value::Null => {
            Err("float() argument must be a string or a real number, not 'NoneType'".to_owned())
        }
        Value::Array(_) => {
            Err("float() argument must be a string or a real number, not 'list'".to_owned())
        }
        Value::Object(_) => {
            Err("float() argument must be a string or a real number, not 'dict'".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_convert_like_python() {
        assert_eq!(as_float(&json!(3)), Ok(3.0));
        assert_eq!(as_float(&json!(" 2.5 ")), Ok(2.5));
        assert_eq!(as_float(&json!(true)), Ok(1.0));
        assert_eq!(
            as_float(&json!("many")),
            Err("could not convert string to float: 'many'".to_owned())
        );
        assert!(as_float(&Value::Null).is_err());
    }
}
