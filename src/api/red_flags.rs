//! Red flags over HTTP: `GET /api/red-flags` (the old summary's shape, §1.6.13, plus severities,
//! the documented `items` / `runs` arrays, the `stuck_runs` and `ingestion_failing` entries, `evaluated_at` and the missing-metrics `as_of`: the
//! same fast read the dashboard refreshes with, answered from an in-process snapshot at most
//! `red_flags_max_age_secs` old, whose time is the top-level `as_of`), `GET /api/red-flags/flags` (the flag rows),
//! and acknowledge / resolve of one flag (as the calling token's name, audited).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;

use super::error::uuid_param;
use super::{ApiError, ApiState};
use crate::store::red_flags::{self, RedFlag};
use crate::store::tokens::Authenticated;
use utoipa::ToSchema;

/// `GET /api/red-flags`: the overall status and each check's entry (§1.6.13 plus severities).
/// When the evaluation itself failed, only `status: "unknown"` and `error`.
#[derive(ToSchema)]
pub struct RedFlagSummary {
    /// `ok`, `warning`, `critical` or `unknown`.
    pub status: String,
    /// Failed runs per window (`last_24h`, ...): `{total_runs, failed_runs, percentage, alert, severity, runs?}`.
    #[schema(value_type = Option<Object>)]
    pub failed_runs: Option<Value>,
    /// `{count, alert, severity, as_of, items?}`.
    #[schema(value_type = Option<Object>)]
    pub missing_metrics: Option<Value>,
    /// `{count, alert, severity, items?}`.
    #[schema(value_type = Option<Object>)]
    pub missing_publish_records: Option<Value>,
    /// `{count, alert, severity, runs?}`.
    #[schema(value_type = Option<Object>)]
    pub stuck_runs: Option<Value>,
    /// Enabled ingestion jobs failing (N failed runs in a row, or no success for 3 of their
    /// intervals): `{count, alert, severity, enabled_jobs, failures_in_a_row, jobs?}`.
    #[schema(value_type = Option<Object>)]
    pub ingestion_failing: Option<Value>,
    pub evaluated_at: Option<chrono::DateTime<Utc>>,
    /// When this answer was computed: answers come from a snapshot at most
    /// `red_flags_max_age_secs` old.
    pub as_of: chrono::DateTime<Utc>,
    /// Why the evaluation failed (with `status: "unknown"`).
    pub error: Option<String>,
}

/// One red flag row.
#[derive(ToSchema)]
pub struct RedFlagResponse {
    pub id: uuid::Uuid,
    pub flag_type: String,
    pub flag_key: Option<String>,
    /// `warning` or `critical`.
    pub severity: String,
    pub description: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub created_at: chrono::DateTime<Utc>,
    pub last_seen_at: chrono::DateTime<Utc>,
    pub acknowledged_at: Option<chrono::DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<chrono::DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub silenced_until: Option<chrono::DateTime<Utc>>,
    pub silenced_by: Option<String>,
}

/// At most this many flag rows in one answer.
const MAX_FLAGS: i64 = 500;

/// The summary from the in-process snapshot (at most `red_flags_max_age_secs` old, computed by
/// one request at a time), with `as_of`: when it was computed.
#[utoipa::path(get, path = "/api/red-flags", tag = "red-flags",
    responses((status = 200, description = "The summary", body = RedFlagSummary)))]
pub async fn summary(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let computed = state
        .red_flags
        .get(|| async {
            let evaluation =
                red_flags::summary(&state.pool, &state.config.thresholds, Utc::now()).await?;
            Ok::<_, ApiError>(evaluation.summary)
        })
        .await?;
    let mut answer = (*computed.value).clone();
    if let Some(object) = answer.as_object_mut() {
        object.insert("as_of".into(), serde_json::json!(computed.at));
    }
    Ok(Json(answer))
}

#[derive(Debug, Deserialize)]
pub struct FlagsQuery {
    #[serde(default)]
    include_resolved: bool,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/red-flags/flags", tag = "red-flags",
    params(
        ("include_resolved" = Option<bool>, Query, description = "Also the resolved flags (default false)"),
        ("limit" = Option<i64>, Query, description = "1 to 500 (default 100)"),
    ),
    responses((status = 200, description = "The flags, newest first", body = Vec<RedFlagResponse>)))]
pub async fn flags(
    State(state): State<ApiState>,
    query: Result<Query<FlagsQuery>, QueryRejection>,
) -> Result<Json<Vec<RedFlag>>, ApiError> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_FLAGS).contains(&limit) {
        return Err(ApiError::field(super::error::FieldProblem::new(
            vec!["query".into(), "limit".into()],
            format!("must be between 1 and {MAX_FLAGS}, got {limit}"),
            "value_error",
        )));
    }
    let rows = red_flags::list(&state.pool, query.include_resolved, limit).await?;
    Ok(Json(rows))
}

#[utoipa::path(post, path = "/api/red-flags/flags/{flag_id}/acknowledge", tag = "red-flags",
    description = "Acknowledged as the calling token's name (audited).",
    params(("flag_id" = uuid::Uuid, Path, description = "The flag's id")),
    responses(
        (status = 200, description = "The flag, acknowledged", body = RedFlagResponse),
        (status = 404, description = "No such flag", body = super::openapi::ErrorDetail),
        (status = 409, description = "The flag is already resolved", body = super::openapi::ErrorDetail),
    ))]
pub async fn acknowledge(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    Path(raw): Path<String>,
) -> Result<Json<RedFlag>, ApiError> {
    let id = uuid_param("flag_id", &raw)?;
    Ok(Json(
        red_flags::acknowledge(&state.pool, id, &caller.name).await?,
    ))
}

#[utoipa::path(post, path = "/api/red-flags/flags/{flag_id}/resolve", tag = "red-flags",
    description = "Resolved as the calling token's name (audited).",
    params(("flag_id" = uuid::Uuid, Path, description = "The flag's id")),
    responses(
        (status = 200, description = "The flag, resolved", body = RedFlagResponse),
        (status = 404, description = "No such flag", body = super::openapi::ErrorDetail),
        (status = 409, description = "The flag is already resolved", body = super::openapi::ErrorDetail),
    ))]
pub async fn resolve(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    Path(raw): Path<String>,
) -> Result<Json<RedFlag>, ApiError> {
    let id = uuid_param("flag_id", &raw)?;
    Ok(Json(
        red_flags::resolve(&state.pool, id, &caller.name).await?,
    ))
}
