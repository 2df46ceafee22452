//! Red flags over HTTP: `GET /api/red-flags` (the old summary's shape, §1.6.13, plus severities,
//! the documented `items` / `runs` arrays, `evaluated_at` and the missing-metrics `as_of`: the
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

/// At most this many flag rows in one answer.
const MAX_FLAGS: i64 = 500;

/// The summary from the in-process snapshot (at most `red_flags_max_age_secs` old, computed by
/// one request at a time), with `as_of`: when it was computed.
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
