//! `POST /api/publisher/metrics/ingest` (the documented contract, §4.1: `{published_item_id,
//! channel, metrics, measured_at}` -> `{metric_id, status: "ingested"}`) and its batch form
//! `POST /api/publisher/metrics/ingest/batch` (`{items: [...]}` -> counts and ids) for bulk
//! loads.
//!
//! Each entry's raw channel metrics are checked and normalized by `domain::metrics`
//! (`check_raw`: a bad number is named, e.g. `["body", "metrics", "views"]`), the raw payload
//! is kept, and the rows are written by `store::metrics::insert_batch_ids` (UNNEST, one
//! transaction). A batch is all-or-nothing: every bad entry is named by its index
//! (`["body", "items", 3, "channel"]`), unknown published items included, and nothing is
//! written unless every entry is good. An unknown item of a single ingest is a 404; a channel
//! other than the item's is a 422 (it would be normalized by the wrong mapping).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::body::{Fields, JsonBody, Style};
use super::error::FieldProblem;
use super::{ApiError, ApiState};
use crate::domain::form::{check_max_chars, check_single_line};
use crate::domain::metrics::check_raw;
use crate::domain::publish::{MAX_FUTURE_SKEW, check_channel, parse_published_at};
use crate::store::metrics::{self, MetricRow};
use utoipa::ToSchema;

/// `source` when the sender names none.
pub const DEFAULT_SOURCE: &str = "api";
/// Longest `source`.
pub const MAX_SOURCE_CHARS: usize = 64;
/// Most entries in one batch (the body limit usually comes first).
pub const MAX_BATCH_ITEMS: usize = 50_000;

/// One metrics entry (§4.1).
#[derive(ToSchema)]
pub struct MetricEntry {
    pub published_item_id: Uuid,
    /// The item's own channel.
    pub channel: String,
    /// The channel's raw metrics (kept as sent, normalized).
    #[schema(value_type = Object)]
    pub metrics: Value,
    /// RFC 3339 or a date; default now; at most a few minutes ahead.
    pub measured_at: Option<String>,
    /// Default `api`.
    pub source: Option<String>,
}

/// The body of the batch form: all or nothing.
#[derive(ToSchema)]
pub struct MetricBatch {
    pub items: Vec<MetricEntry>,
}

/// One entry stored.
#[derive(ToSchema)]
pub struct MetricIngested {
    pub metric_id: Option<Uuid>,
    /// `ingested`.
    pub status: String,
    pub published_item_id: Uuid,
    pub channel: String,
    #[schema(value_type = Object)]
    pub normalized: Value,
    pub measured_at: DateTime<Utc>,
}

/// A batch stored.
#[derive(ToSchema)]
pub struct MetricBatchIngested {
    /// `ingested`.
    pub status: String,
    /// Rows written.
    pub count: i64,
    /// Distinct published items.
    pub items: i64,
    pub metric_ids: Vec<Uuid>,
}

/// Batches read and stored at once; more wait, before their body is read. A batch's parsed
/// JSON and rows take about 3 KB an entry, so 64 clients sending 500-entry batches at once
/// took serve's memory to 139 MiB; the database cannot store more than a few at a time on
/// this many cores anyway (each holds a connection for its insert).
pub const MAX_CONCURRENT_BATCHES: usize = 4;

static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_CONCURRENT_BATCHES);

/// The batch route's middleware: at most [`MAX_CONCURRENT_BATCHES`] batches past it at once
/// (per process). Waiting takes no memory beyond the connection: the body stays unread until
/// the batch's turn.
pub async fn wait_turn(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // TURNS is never closed, so acquiring cannot fail; an error would only skip the wait.
    let _turn = TURNS.acquire().await;
    next.run(request).await
}

#[utoipa::path(post, path = "/api/publisher/metrics/ingest", tag = "metrics",
    request_body = MetricEntry,
    responses(
        (status = 200, description = "Stored", body = MetricIngested),
        (status = 404, description = "No such published item", body = super::openapi::ErrorDetail),
    ))]
pub async fn ingest(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let mut fields = Fields::of(&body).style(Style::Lenient);
    let row = read_entry(&mut fields, &state.config.channels, Utc::now());
    fields.finish()?;
    let Some(row) = row else {
        return Err(ApiError::status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid metrics",
        ));
    };
    let mut row = row;
    let item = row.published_item_id;
    let known = metrics::items_for_metrics(&state.pool, &[item]).await?;
    let Some(facts) = known.get(&item) else {
        return Err(ApiError::not_found(item_not_found(item)));
    };
    if let Some(problem) = channel_differs(&row, &facts.channel, vec![json!("body")]) {
        return Err(ApiError::field(problem));
    }
    row.persona_id = facts.persona_id;
    let normalized = row.metrics.to_json(&row.channel);
    let ids = metrics::insert_batch_ids(&state.pool, std::slice::from_ref(&row)).await?;
    Ok(Json(json!({
        "metric_id": ids.first(),
        "status": "ingested",
        "published_item_id": item,
        "channel": row.channel.as_str(),
        "normalized": normalized,
        "measured_at": row.measured_at,
    })))
}

#[utoipa::path(post, path = "/api/publisher/metrics/ingest/batch", tag = "metrics",
    description = "All or nothing: every bad entry named by its index, unknown items included.",
    request_body = MetricBatch,
    responses((status = 200, description = "Stored", body = MetricBatchIngested)))]
pub async fn ingest_batch(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let mut fields = Fields::of(&body).style(Style::Lenient);
    let items = fields.required_list("items");
    fields.finish()?;
    let items = items.unwrap_or_default();
    if items.is_empty() || items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::field(FieldProblem::body(
            "items",
            format!(
                "must hold 1 to {MAX_BATCH_ITEMS} entries, got {}",
                items.len()
            ),
            "value_error",
        )));
    }
    let now = Utc::now();
    let mut problems = Vec::new();
    let mut rows = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let mut entry = Fields::at(item, vec![json!("body"), json!("items"), json!(index)])
            .style(Style::Lenient);
        let row = read_entry(&mut entry, &state.config.channels, now);
        problems.extend(entry.into_problems());
        rows.extend(row);
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let mut wanted: Vec<Uuid> = rows.iter().map(|r| r.published_item_id).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let known = metrics::items_for_metrics(&state.pool, &wanted).await?;
    let mut problems = Vec::new();
    for (index, row) in rows.iter_mut().enumerate() {
        let at = vec![json!("body"), json!("items"), json!(index)];
        match known.get(&row.published_item_id) {
            None => {
                let mut loc = at;
                loc.push(json!("published_item_id"));
                problems.push(FieldProblem::new(
                    loc,
                    item_not_found(row.published_item_id),
                    "value_error",
                ));
            }
            Some(facts) => {
                problems.extend(channel_differs(row, &facts.channel, at));
                row.persona_id = facts.persona_id;
            }
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let ids = metrics::insert_batch_ids(&state.pool, &rows).await?;
    Ok(Json(json!({
        "status": "ingested",
        "count": ids.len(),
        "items": wanted.len(),
        "metric_ids": ids,
    })))
}

fn item_not_found(item: Uuid) -> String {
    format!("Published item {item} not found")
}

/// A measurement for another channel than its item's (normalized by the wrong mapping, and
/// counted under the wrong channel): a problem of `channel` at `at`.
fn channel_differs(
    row: &MetricRow,
    item_channel: &str,
    mut at: Vec<Value>,
) -> Option<FieldProblem> {
    let item_channel = item_channel.trim().to_lowercase();
    (item_channel != row.channel.as_str()).then(|| {
        at.push(json!("channel"));
        FieldProblem::new(
            at,
            format!(
                "published item {} is on {item_channel}, not {}",
                row.published_item_id,
                row.channel.as_str()
            ),
            "value_error",
        )
    })
}

/// One entry, each problem at its location; `Some` only when the entry is good.
fn read_entry(
    fields: &mut Fields<'_>,
    channels: &[String],
    now: DateTime<Utc>,
) -> Option<MetricRow> {
    let item = fields.required_uuid("published_item_id");
    let channel =
        fields
            .required_str("channel")
            .and_then(|name| match check_channel(name, channels) {
                Ok(channel) => Some(channel),
                Err(message) => {
                    fields.problem("channel", message);
                    None
                }
            });
    let raw = fields.required_value("metrics");
    let normalized = match (&channel, raw) {
        (Some(channel), Some(raw)) => match check_raw(channel, raw) {
            Ok(normalized) => Some(normalized),
            Err(bad) => {
                for problem in bad {
                    let mut loc = fields.loc("metrics");
                    if !problem.key.is_empty() {
                        loc.push(json!(problem.key));
                    }
                    fields.problem_at(loc, problem.message);
                }
                None
            }
        },
        _ => None,
    };
    let measured_at = match fields.str("measured_at").value() {
        None => Some(now),
        Some(text) => match parse_published_at(text) {
            Ok(at) if at > now + MAX_FUTURE_SKEW => {
                fields.problem(
                    "measured_at",
                    format!(
                        "{} is in the future; at most {} minutes ahead is accepted",
                        at.format("%Y-%m-%d %H:%M:%S UTC"),
                        MAX_FUTURE_SKEW.num_minutes()
                    ),
                );
                None
            }
            Ok(at) => Some(at),
            Err(message) => {
                fields.problem("measured_at", message);
                None
            }
        },
    };
    let source = match fields.str("source").value().map(str::trim) {
        None => Some(DEFAULT_SOURCE.to_string()),
        Some("") => {
            fields.problem("source", "must not be empty");
            None
        }
        Some(source) => match check_single_line(source)
            .and_then(|()| check_max_chars(source, MAX_SOURCE_CHARS))
        {
            Ok(()) => Some(source.to_string()),
            Err(message) => {
                fields.problem("source", message);
                None
            }
        },
    };
    Some(MetricRow {
        published_item_id: item?,
        channel: channel?,
        metrics: normalized?,
        raw: raw?.clone(),
        measured_at: measured_at?,
        source: source?,
        persona_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(value: Value) -> Vec<Vec<Value>> {
        let mut fields = Fields::of(&value).style(Style::Lenient);
        let row = read_entry(&mut fields, &[], Utc::now());
        assert!(row.is_none());
        fields.into_problems().into_iter().map(|p| p.loc).collect()
    }

    #[test]
    fn an_entry_reads_as_a_normalized_row_with_its_raw_payload() {
        let item = Uuid::new_v4();
        let raw = json!({"views": 200, "reactions": {"👍": 5}, "forwards": 3, "extra": [1]});
        let body = json!({"published_item_id": item, "channel": "Telegram", "metrics": raw,
                          "measured_at": "2026-01-01T10:00:00Z"});
        let mut fields = Fields::of(&body).style(Style::Lenient);
        let row = read_entry(&mut fields, &[], Utc::now()).expect("a row");
        assert_eq!(row.published_item_id, item);
        assert_eq!(row.metrics.views, Some(200));
        assert_eq!(row.metrics.reactions, Some(5));
        assert_eq!(row.metrics.shares, Some(3));
        assert_eq!(row.raw, raw);
        assert_eq!(row.source, DEFAULT_SOURCE);
    }

    #[test]
    fn every_bad_field_is_located() {
        assert_eq!(
            problems(json!({"published_item_id": "x", "channel": "myspace",
                            "metrics": {"views": -3}, "measured_at": "soon", "source": ""})),
            vec![
                vec![json!("body"), json!("published_item_id")],
                vec![json!("body"), json!("channel")],
                vec![json!("body"), json!("measured_at")],
                vec![json!("body"), json!("source")],
            ]
        );
        assert_eq!(
            problems(
                json!({"published_item_id": Uuid::new_v4(), "channel": "youtube",
                            "metrics": {"views": "lots", "likes": 2.5}})
            ),
            vec![
                vec![json!("body"), json!("metrics"), json!("views")],
                vec![json!("body"), json!("metrics"), json!("likes")],
            ]
        );
        assert_eq!(
            problems(json!({"channel": "youtube", "metrics": 5})),
            vec![
                vec![json!("body"), json!("published_item_id")],
                vec![json!("body"), json!("metrics")],
            ]
        );
    }
}
