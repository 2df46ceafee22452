//! Metrics ingestion jobs (admin): `POST/GET /api/metrics/jobs`, `GET/PATCH/DELETE
//! /api/metrics/jobs/{job_id}`. §1.6.14's `MetricsIngestionJobResponse` plus `config`,
//! `last_status`, `last_error`, `created_at` and the schedule in words. The cron is checked by
//! `domain::schedule` (422 naming `schedule_cron` and why) and `next_run_at` computed; PATCH
//! changes any field, `enabled` included. A config never holds a secret: it names where the
//! secret lives (`{"credential": {"env": ...}}` or `{"credential": {"file": ..., "key": ...}}`,
//! `domain::credential_ref`); a secret value (a text under a secret-looking key: `bot_token`,
//! `api_key`, `password`, ...) is refused with a 422 naming the field and saying how to
//! reference it instead. Values stored before that rule are still answered `"[redacted]"`.
//! `POST /api/metrics/jobs/{job_id}/run` runs a job now (202 with the run's id, 409 while a
//! run holds the job); `GET /api/metrics/jobs/{job_id}/runs` is its run history.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::body::{Fields, Given, JsonBody, Style};
use super::error::uuid_param;
use super::{ApiError, ApiState};
use crate::domain::job_form;
use crate::domain::redact::redact;
use crate::domain::schedule::Schedule;
use crate::jobs::ingest::RunNowError;
use crate::store::ingestion_runs;
use crate::store::jobs::{self, IngestionJob, JobChanges, NewJob};
use crate::store::tokens::Authenticated;
use utoipa::ToSchema;

/// Longest job name and channel name (the rules are `domain::job_form`'s, shared with `:jobs`).
pub use crate::domain::job_form::{CHANNEL_MAX, NAME_MAX};
/// Jobs per answer when `limit` is not given, and the most one answer may hold.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// §1.6.14's `MetricsIngestionJobResponse` plus `config` (credentials read `[redacted]`),
/// `last_status`, `last_error`, `created_at` and the schedule in words.
#[derive(ToSchema)]
pub struct JobResponse {
    pub id: uuid::Uuid,
    pub job_name: String,
    pub channel: String,
    pub persona_id: Option<uuid::Uuid>,
    pub schedule_cron: String,
    pub schedule_description: Option<String>,
    pub last_run_at: Option<chrono::DateTime<Utc>>,
    pub next_run_at: Option<chrono::DateTime<Utc>>,
    pub enabled: bool,
    #[schema(value_type = Object)]
    pub config: Value,
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
}

/// The body of `POST /api/metrics/jobs`.
#[derive(ToSchema)]
pub struct NewJobRequest {
    pub job_name: String,
    pub channel: String,
    pub persona_id: Option<uuid::Uuid>,
    /// Five-field cron, e.g. `0 */6 * * *`.
    pub schedule_cron: String,
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    /// Default `true`.
    pub enabled: Option<bool>,
}

/// The body of `PATCH /api/metrics/jobs/{job_id}`: any of the fields; `persona_id: null`
/// clears the persona, the others must not be `null`.
#[derive(ToSchema)]
pub struct JobChangesRequest {
    pub job_name: Option<String>,
    pub channel: Option<String>,
    pub persona_id: Option<uuid::Uuid>,
    pub schedule_cron: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    pub enabled: Option<bool>,
}

/// A job as answered: its config redacted.
pub fn shape(job: IngestionJob) -> Value {
    let description = Schedule::parse(&job.schedule_cron)
        .map(|s| s.describe())
        .ok();
    json!({
        "id": job.id,
        "job_name": job.job_name,
        "channel": job.channel,
        "persona_id": job.persona_id,
        "schedule_cron": job.schedule_cron,
        "schedule_description": description,
        "last_run_at": job.last_run_at,
        "next_run_at": job.next_run_at,
        "enabled": job.enabled,
        "config": redact(&job.config.0),
        "last_status": job.last_status,
        "last_error": job.last_error,
        "created_at": job.created_at,
    })
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/metrics/jobs", tag = "jobs",
    params(("limit" = Option<i64>, Query, description = "Jobs per answer (bounded)")),
    responses((status = 200, description = "The ingestion jobs", body = Vec<JobResponse>)))]
pub async fn list(
    State(state): State<ApiState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query?;
    let limit = super::projects::query_limit(query.limit, DEFAULT_LIMIT, MAX_LIMIT)
        .map_err(ApiError::field)?;
    let rows = jobs::list(&state.pool, limit).await?;
    Ok(Json(Value::Array(rows.into_iter().map(shape).collect())))
}

#[utoipa::path(get, path = "/api/metrics/jobs/{job_id}", tag = "jobs",
    params(("job_id" = uuid::Uuid, Path, description = "The job's id")),
    responses(
        (status = 200, description = "The job", body = JobResponse),
        (status = 404, description = "No such job", body = super::openapi::ErrorDetail),
    ))]
pub async fn get(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = uuid_param("job_id", &raw)?;
    match jobs::get(&state.pool, id).await? {
        Some(job) => Ok(Json(shape(job))),
        None => Err(not_found(id)),
    }
}

#[utoipa::path(post, path = "/api/metrics/jobs", tag = "jobs",
    request_body = NewJobRequest,
    responses(
        (status = 200, description = "The new job", body = JobResponse),
        (status = 409, description = "A job of this name exists", body = super::openapi::ErrorDetail),
    ))]
pub async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let mut fields = Fields::of(&body).style(Style::Explicit);
    let job_name = fields.required_str("job_name");
    let channel = fields.required_str("channel");
    let persona_id = fields.uuid("persona_id").value();
    let schedule_cron = fields.required_str("schedule_cron");
    let config = fields.dict("config").value();
    let enabled = fields.bool("enabled");
    if enabled == Given::Null {
        fields.problem("enabled", "must be true or false (leave it out for true)");
    }
    check_texts(&mut fields, job_name, channel, schedule_cron);
    check_config(&mut fields, config);
    fields.finish()?;
    let (Some(job_name), Some(channel), Some(schedule_cron)) = (job_name, channel, schedule_cron)
    else {
        return Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid job",
        ));
    };
    if let Some(persona) = persona_id {
        super::personas::must_exist(&state, persona).await?;
    }
    let new = NewJob {
        job_name: job_name.trim().to_string(),
        channel: channel.trim().to_string(),
        persona_id,
        schedule_cron: schedule_cron.to_string(),
        config: config.cloned().unwrap_or_else(|| json!({})),
        enabled: enabled.value().unwrap_or(true),
    };
    let job = jobs::create(&state.pool, &new, Utc::now()).await?;
    tracing::info!(job = %job.job_name, by = %caller.name, "ingestion job created");
    Ok(Json(shape(job)))
}

/// Changes any of the fields; `enabled` turns the job on or off (`next_run_at` computed again
/// when it is turned on or the schedule changes); `persona_id: null` clears the persona.
#[utoipa::path(patch, path = "/api/metrics/jobs/{job_id}", tag = "jobs",
    params(("job_id" = uuid::Uuid, Path, description = "The job's id")),
    request_body = JobChangesRequest,
    responses(
        (status = 200, description = "The job, changed", body = JobResponse),
        (status = 404, description = "No such job", body = super::openapi::ErrorDetail),
        (status = 409, description = "A job of this name exists", body = super::openapi::ErrorDetail),
    ))]
pub async fn update(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let id = uuid_param("job_id", &raw)?;
    let mut fields = Fields::of(&body).style(Style::Explicit);
    let job_name = fields.str("job_name");
    let channel = fields.str("channel");
    let persona_id = fields.uuid("persona_id");
    let schedule_cron = fields.str("schedule_cron");
    let config = fields.dict("config");
    let enabled = fields.bool("enabled");
    fields.refuse_nulls(&["job_name", "channel", "schedule_cron", "config", "enabled"]);
    let names = [
        "job_name",
        "channel",
        "persona_id",
        "schedule_cron",
        "config",
        "enabled",
    ];
    if fields.is_object() && !fields.has_any(&names) {
        fields.problem_at(
            vec![json!("body")],
            format!("nothing to change: give any of {}", names.join(", ")),
        );
    }
    check_texts(
        &mut fields,
        job_name.value(),
        channel.value(),
        schedule_cron.value(),
    );
    check_config(&mut fields, config.value());
    fields.finish()?;
    if jobs::get(&state.pool, id).await?.is_none() {
        return Err(not_found(id));
    }
    if let Given::Value(persona) = persona_id {
        super::personas::must_exist(&state, persona).await?;
    }
    let changes = JobChanges {
        job_name: job_name.value().map(|s| s.trim().to_string()),
        channel: channel.value().map(|s| s.trim().to_string()),
        persona_id: match persona_id {
            Given::Absent => None,
            Given::Null => Some(None),
            Given::Value(p) => Some(Some(p)),
        },
        schedule_cron: schedule_cron.value().map(str::to_string),
        config: config.value().cloned(),
        enabled: enabled.value(),
    };
    let job = match jobs::update(&state.pool, id, &changes, Utc::now()).await {
        Err(crate::store::StoreError::NotFound {
            entity: "ingestion job",
            ..
        }) => {
            return Err(not_found(id));
        }
        other => other?,
    };
    tracing::info!(job = %job.job_name, enabled = job.enabled, by = %caller.name, "ingestion job changed");
    Ok(Json(shape(job)))
}

#[utoipa::path(delete, path = "/api/metrics/jobs/{job_id}", tag = "jobs",
    params(("job_id" = uuid::Uuid, Path, description = "The job's id")),
    responses(
        (status = 200, description = "Deleted", body = super::openapi::Deleted),
        (status = 404, description = "No such job", body = super::openapi::ErrorDetail),
    ))]
pub async fn delete(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = uuid_param("job_id", &raw)?;
    match jobs::delete(&state.pool, id).await {
        Ok(()) => {
            tracing::info!(job = %id, by = %caller.name, "ingestion job deleted");
            Ok(Json(json!({ "id": id, "status": "deleted" })))
        }
        Err(crate::store::StoreError::NotFound { .. }) => Err(not_found(id)),
        Err(err) => Err(err.into()),
    }
}

fn not_found(id: uuid::Uuid) -> ApiError {
    ApiError::not_found(format!("Ingestion job not found: {id}"))
}

/// The name and channel as one-line texts; the cron by `domain::schedule` (its error says
/// why and shows an example): `domain::job_form`'s rules, as the `:jobs` form checks them.
fn check_texts(
    fields: &mut Fields<'_>,
    job_name: Option<&str>,
    channel: Option<&str>,
    schedule_cron: Option<&str>,
) {
    if let Some(text) = job_name {
        fields.check("job_name", job_form::check_name(text));
    }
    if let Some(text) = channel {
        fields.check("channel", job_form::check_channel(text));
    }
    if let Some(cron) = schedule_cron
        && let Err(why) = job_form::check_cron(cron)
    {
        fields.problem("schedule_cron", why);
    }
}

/// A config holds no secret value (only where a secret lives), a valid `lookback_hours` and
/// an http(s) `base_url` (`domain::job_form::config_problems`, as the `:jobs` form checks it).
fn check_config(fields: &mut Fields<'_>, config: Option<&Value>) {
    let Some(config) = config else { return };
    for problem in job_form::config_problems(config) {
        let mut loc = vec![json!("body"), json!("config")];
        loc.extend(problem.path.iter().map(|key| json!(key)));
        let field = format!("config.{}", problem.path.join("."));
        fields.problem_at(loc, format!("{field} {}", problem.message));
    }
}

#[utoipa::path(post, path = "/api/metrics/jobs/{job_id}/run", tag = "jobs",
    params(("job_id" = uuid::Uuid, Path, description = "The job's id")),
    responses(
        (status = 202, description = "The run started: its id", body = Object),
        (status = 404, description = "No such job", body = super::openapi::ErrorDetail),
        (status = 409, description = "A run of the job is in progress", body = super::openapi::ErrorDetail),
    ))]
pub async fn run_now(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    Path(raw): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = uuid_param("job_id", &raw)?;
    match state.ingest.run_now(id).await {
        Ok(run_id) => {
            tracing::info!(job = %id, run = %run_id, by = %caller.name, "ingestion job run now");
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({ "job_id": id, "run_id": run_id, "outcome": "running" })),
            ))
        }
        Err(RunNowError::Busy) => Err(ApiError::status(
            StatusCode::CONFLICT,
            RunNowError::Busy.to_string(),
        )),
        Err(RunNowError::Store(crate::store::StoreError::NotFound { .. })) => Err(not_found(id)),
        Err(RunNowError::Store(err)) => Err(err.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct RunsQuery {
    limit: Option<i64>,
    before: Option<chrono::DateTime<Utc>>,
}

/// Runs per answer when `limit` is not given, and the most one answer may hold.
pub const RUNS_DEFAULT_LIMIT: i64 = 50;
pub const RUNS_MAX_LIMIT: i64 = 500;

#[utoipa::path(get, path = "/api/metrics/jobs/{job_id}/runs", tag = "jobs",
    params(
        ("job_id" = uuid::Uuid, Path, description = "The job's id"),
        ("limit" = Option<i64>, Query, description = "Runs per answer (bounded)"),
        ("before" = Option<String>, Query, description = "Runs started before this time (the last answer's oldest `started_at`)"),
    ),
    responses(
        (status = 200, description = "The job's runs, newest first, with per-item errors", body = Vec<Object>),
        (status = 404, description = "No such job", body = super::openapi::ErrorDetail),
    ))]
pub async fn runs(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = uuid_param("job_id", &raw)?;
    let Query(query) = query?;
    let limit = super::projects::query_limit(query.limit, RUNS_DEFAULT_LIMIT, RUNS_MAX_LIMIT)
        .map_err(ApiError::field)?;
    if jobs::get(&state.pool, id).await?.is_none() {
        return Err(not_found(id));
    }
    let rows = ingestion_runs::list(&state.pool, id, query.before, limit).await?;
    Ok(Json(json!(rows)))
}
