//! Publishing runs over HTTP (MPIS_REFERENCE §1.6.5-1.6.7, contract v1 of §4.1):
//! `POST /api/publisher/runs` (a run request checked by `domain::publisher_contract`, an
//! optional client `run_id`: the same body again -> 200 with the same run, a different body ->
//! 409 naming the fields), `GET /api/publisher/runs` (keyset pages, filters),
//! `GET /api/publisher/runs/{run_id}` (the run, its per-item results and its dispatch to n8n)
//! and `POST /api/publisher/runs/{run_id}/complete` (n8n's callback; idempotent).
//!
//! Answers keep the old `DashboardRunResponse` fields (`id, run_id, project_id, persona_id,
//! status, started_at, completed_at, n8n_execution_id, error_message`) and add to them.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::body::{Fields, Given, JsonBody, Style};
use super::error::{FieldProblem, uuid_param};
use super::{ApiError, ApiState};
use crate::domain::form::FieldError;
use crate::domain::publisher_contract::{
    self, CompletionRequest, ItemRequest, OptionsRequest, Resubmission, RunRequest,
    TemplatesRequest, ValidCompletion, ValidRun,
};
use crate::domain::run_status::RunStatus;
use crate::store::StoreError;
use crate::store::dispatch::{self, DispatchState, RunDispatch};
use crate::store::runs::{self, Completion, NewRun, Run, RunCursor, RunFilter, RunItem};

/// Rows per page of `GET /api/publisher/runs` when `limit` is not given, and the most.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// The answer's words when no `n8n_webhook_url` is configured.
pub const NOT_CONFIGURED: &str = "dispatch to n8n is not configured (n8n_webhook_url)";

// ---------------------------------------------------------------------------------------------
// Answers

/// The old `DashboardRunResponse` fields with the run's dispatch to n8n (the create answer).
#[derive(utoipa::ToSchema)]
pub struct RunResponse {
    pub id: Uuid,
    pub run_id: Uuid,
    pub project_id: Uuid,
    pub persona_id: Uuid,
    /// `pending`, `running`, `completed`, `failed`, ...
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// As n8n sent it: digits or a UUID.
    pub n8n_execution_id: Option<String>,
    pub error_message: Option<String>,
    pub dispatch: DispatchResponse,
}

/// A run with its per-item results and its dispatch (the read and complete answers).
#[derive(utoipa::ToSchema)]
pub struct RunDetail {
    pub id: Uuid,
    pub run_id: Uuid,
    pub project_id: Uuid,
    pub persona_id: Uuid,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub n8n_execution_id: Option<String>,
    pub error_message: Option<String>,
    pub published_items: Vec<RunItemResponse>,
    pub dispatch: DispatchResponse,
    /// Only in a completion's answer: `true` when the same callback came again.
    pub replayed: Option<bool>,
}

/// Where a run is on its way to n8n, and in words.
#[derive(utoipa::ToSchema)]
pub struct DispatchResponse {
    /// Whether `n8n_webhook_url` is configured.
    pub configured: bool,
    /// `queued`, `sent`, `failed`, `cancelled`; `null` for a run without a dispatch.
    pub state: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub detail: String,
}

/// One published item of a completed run.
#[derive(utoipa::ToSchema)]
pub struct RunItemResponse {
    pub item_no: i32,
    pub draft_id: Option<Uuid>,
    pub channel: String,
    pub channel_item_id: Option<String>,
    pub channel_url: Option<String>,
    pub status: Option<String>,
    pub succeeded: bool,
    pub error: Option<String>,
    #[schema(value_type = Object)]
    pub metrics: Value,
    pub published_item_id: Option<Uuid>,
}

/// One page of `GET /api/publisher/runs`.
#[derive(utoipa::ToSchema)]
pub struct RunPage {
    pub runs: Vec<RunListRowResponse>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A run of the list, with the names an operator reads.
#[derive(utoipa::ToSchema)]
pub struct RunListRowResponse {
    pub id: Uuid,
    pub run_id: Uuid,
    pub status: String,
    pub project_id: Uuid,
    pub project_name: String,
    pub persona_id: Uuid,
    pub persona_name: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
}

/// The body of `POST /api/publisher/runs` (contract v1, §4.1).
#[derive(utoipa::ToSchema)]
pub struct RunRequestBody {
    /// The client's own id: the same body again answers the same run, another body a 409.
    pub run_id: Option<Uuid>,
    pub project_id: Uuid,
    pub persona_id: Uuid,
    /// Known channels (config `channels`).
    pub channels: Vec<String>,
    /// `YYYY-MM-DD`, not after `date_to`.
    pub date_from: String,
    pub date_to: String,
    pub templates: Option<TemplatesBody>,
    pub options: Option<OptionsBody>,
}

/// The prompt and format templates per channel.
#[derive(utoipa::ToSchema)]
pub struct TemplatesBody {
    pub news_prompt_id: Option<String>,
    pub format_telegram_id: Option<String>,
    pub format_instagram_id: Option<String>,
    pub image_prompt_id: Option<String>,
}

/// A run's options.
#[derive(utoipa::ToSchema)]
pub struct OptionsBody {
    pub lookback_days: Option<i64>,
    pub max_items: Option<i64>,
    pub include_image: Option<bool>,
    pub include_products_weekly: Option<bool>,
}

/// The body of `POST /api/publisher/runs/{run_id}/complete` (n8n's callback, contract v1).
#[derive(utoipa::ToSchema)]
pub struct CompletionBody {
    /// The path's run.
    pub run_id: Uuid,
    /// `completed` or `failed`.
    pub status: String,
    pub persona_id: Uuid,
    pub project_id: Uuid,
    /// Digits or a UUID (a string), or a whole number; may be `null`.
    #[schema(value_type = Option<String>)]
    pub n8n_execution_id: Option<Value>,
    pub error: Option<String>,
    /// `[{item_no?, draft_id, channel, channel_item_id, channel_url?, status?, error?, metrics?}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub published_items: Option<Vec<Value>>,
}

/// The old `DashboardRunResponse` fields; `n8n_execution_id` is the id as n8n sent it (digits
/// or a UUID).
fn run_fields(run: &Run) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), json!(run.id));
    out.insert("run_id".into(), json!(run.run_id));
    out.insert("project_id".into(), json!(run.project_id));
    out.insert("persona_id".into(), json!(run.persona_id));
    out.insert("status".into(), json!(run.status));
    out.insert("started_at".into(), json!(run.started_at));
    out.insert("completed_at".into(), json!(run.completed_at));
    let execution = run
        .n8n_execution_ref
        .clone()
        .or_else(|| run.n8n_execution_id.map(|id| id.to_string()));
    out.insert("n8n_execution_id".into(), json!(execution));
    out.insert("error_message".into(), json!(run.error_message));
    out
}

/// Where the run is on its way to n8n, and in words.
fn dispatch_json(configured: bool, run: &Run, dispatch: Option<&RunDispatch>) -> Value {
    let detail = match (configured, dispatch.map(|d| d.state)) {
        (_, None) => {
            "this run has no dispatch to n8n (it was created before dispatch existed)".to_string()
        }
        (_, Some(DispatchState::Queued)) if run.status != "pending" => {
            format!("not sent: the run is already {}", run.status)
        }
        (false, Some(DispatchState::Queued)) => {
            format!("{NOT_CONFIGURED}: the run stays pending")
        }
        (true, Some(DispatchState::Queued)) => match dispatch.and_then(|d| d.last_error.clone()) {
            None => "queued for n8n".to_string(),
            Some(error) => format!("queued for n8n, tried again later (last try: {error})"),
        },
        (_, Some(DispatchState::Sent)) => "sent to n8n".to_string(),
        (_, Some(DispatchState::Failed | DispatchState::Cancelled)) => dispatch
            .and_then(|d| d.last_error.clone())
            .unwrap_or_default(),
    };
    json!({
        "configured": configured,
        "state": dispatch.map(|d| d.state),
        "attempts": dispatch.map(|d| d.attempts).unwrap_or(0),
        "next_attempt_at": dispatch.filter(|d| d.state == DispatchState::Queued).map(|d| d.next_attempt_at),
        "sent_at": dispatch.and_then(|d| d.sent_at),
        "last_error": dispatch.and_then(|d| d.last_error.clone()),
        "detail": detail,
    })
}

fn item_json(item: &RunItem) -> Value {
    json!({
        "item_no": item.item_no,
        "draft_id": item.draft_id,
        "channel": item.channel,
        "channel_item_id": item.channel_item_id,
        "channel_url": item.channel_url,
        "status": item.status,
        "succeeded": item.succeeded,
        "error": item.error,
        "metrics": item.metrics.0,
        "published_item_id": item.published_item_id,
    })
}

/// A run with its dispatch (the create answer).
async fn created_answer(state: &ApiState, run: &Run) -> Result<Value, ApiError> {
    let dispatch = dispatch::get(&state.pool, run.run_id).await?;
    let mut out = run_fields(run);
    out.insert(
        "dispatch".into(),
        dispatch_json(
            state.config.n8n_webhook_url.is_some(),
            run,
            dispatch.as_ref(),
        ),
    );
    Ok(Value::Object(out))
}

/// The read and complete answers from what was read.
fn detail_answer(
    state: &ApiState,
    run: &Run,
    items: &[RunItem],
    dispatch: Option<&RunDispatch>,
) -> Map<String, Value> {
    let mut out = run_fields(run);
    out.insert(
        "published_items".into(),
        Value::Array(items.iter().map(item_json).collect()),
    );
    out.insert(
        "dispatch".into(),
        dispatch_json(state.config.n8n_webhook_url.is_some(), run, dispatch),
    );
    out
}

/// The contract's problems as a FastAPI 422: `templates.news_prompt_id` ->
/// `["body", "templates", "news_prompt_id"]`; an item's problem (`published_items[].channel`,
/// "item 2: ...") -> `["body", "published_items", 1, "channel"]`.
fn contract_problems(errors: Vec<FieldError>) -> ApiError {
    ApiError::Invalid(
        errors
            .into_iter()
            .map(|e| {
                let mut loc = vec![json!("body")];
                let mut msg = e.message.clone();
                match e.field.split_once("[].") {
                    Some((list, rest)) => {
                        loc.push(json!(list));
                        if let Some((n, tail)) = e
                            .message
                            .strip_prefix("item ")
                            .and_then(|m| m.split_once(": "))
                            && let Ok(n) = n.parse::<usize>()
                        {
                            loc.push(json!(n.saturating_sub(1)));
                            msg = tail.to_string();
                        }
                        loc.extend(rest.split('.').map(|p| json!(p)));
                    }
                    None => loc.extend(e.field.split('.').map(|p| json!(p))),
                }
                FieldProblem::new(loc, msg, "value_error")
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Reading bodies field by field (the typed problems: missing, wrong type, not a UUID)

/// An optional text as the contract's requests hold it.
fn owned(text: Given<&str>) -> Option<String> {
    text.value().map(str::to_string)
}

/// The body of `POST /api/publisher/runs`, each field read with its type; the contract's own
/// rules (channels known, dates ordered, templates per channel) come after, in `validate`.
pub fn read_run_request(body: &Value) -> Result<RunRequest, ApiError> {
    let mut fields = Fields::of(body);
    let project_id = fields.required_uuid("project_id");
    let persona_id = fields.required_uuid("persona_id");
    let channels = fields.required_str_list("channels");
    let date_from = fields.required_str("date_from");
    let date_to = fields.required_str("date_to");
    // The optional fields as n8n sends them (null = absent, a UUID trimmed).
    fields.set_style(Style::Lenient);
    let run_id = fields.uuid("run_id").value();
    let templates = fields.model("templates").value().map(|mut t| {
        let templates = TemplatesRequest {
            news_prompt_id: owned(t.str("news_prompt_id")),
            format_telegram_id: owned(t.str("format_telegram_id")),
            format_instagram_id: owned(t.str("format_instagram_id")),
            image_prompt_id: owned(t.str("image_prompt_id")),
        };
        fields.absorb(t);
        templates
    });
    let options = fields.model("options").value().map(|mut o| {
        let options = OptionsRequest {
            lookback_days: o.int("lookback_days").value(),
            max_items: o.int("max_items").value(),
            include_image: o.bool("include_image").value(),
            include_products_weekly: o.bool("include_products_weekly").value(),
        };
        fields.absorb(o);
        options
    });
    fields.finish()?;
    match (project_id, persona_id, channels, date_from, date_to) {
        (Some(project_id), Some(persona_id), Some(channels), Some(date_from), Some(date_to)) => {
            Ok(RunRequest {
                run_id,
                project_id,
                persona_id,
                channels: channels.into_iter().map(str::to_string).collect(),
                date_from: date_from.to_string(),
                date_to: date_to.to_string(),
                templates,
                options,
            })
        }
        _ => Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid run request",
        )),
    }
}

/// The body of `POST /api/publisher/runs/{run_id}/complete`, each field read with its type.
pub fn read_completion(body: &Value) -> Result<CompletionRequest, ApiError> {
    let mut fields = Fields::of(body);
    let run_id = fields.required_uuid("run_id");
    let status = fields.required_str("status");
    let persona_id = fields.required_uuid("persona_id");
    let project_id = fields.required_uuid("project_id");
    let execution = match fields.value("n8n_execution_id") {
        Given::Absent if fields.is_object() => {
            fields.problem_kind("n8n_execution_id", "Field required", "missing");
            Value::Null
        }
        Given::Value(v @ Value::String(_)) => v.clone(),
        Given::Value(v @ Value::Number(n)) if n.is_u64() => v.clone(),
        Given::Absent => Value::Null,
        Given::Null | Given::Value(_) => {
            fields.problem_kind(
                "n8n_execution_id",
                "Input should be a string (digits or a UUID) or a whole number",
                "string_type",
            );
            Value::Null
        }
    };
    let error = owned(fields.str("error"));
    let mut items = Vec::new();
    for (i, item) in fields
        .list("published_items")
        .value()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = fields.loc_of("published_items", i);
        if !item.is_object() {
            fields.push(FieldProblem::new(
                at,
                "Input should be a valid dictionary or object",
                "dict_type",
            ));
            continue;
        }
        match serde_json::from_value::<ItemRequest>(item.clone()) {
            Ok(parsed) => items.push(parsed),
            Err(e) => fields.push(FieldProblem::new(
                at,
                e.to_string(),
                "model_attributes_type",
            )),
        }
    }
    fields.finish()?;
    match (run_id, status, persona_id, project_id) {
        (Some(run_id), Some(status), Some(persona_id), Some(project_id)) => Ok(CompletionRequest {
            run_id,
            status: status.to_string(),
            persona_id,
            project_id,
            n8n_execution_id: execution,
            error,
            published_items: items,
        }),
        _ => Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid completion",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// `POST /api/publisher/runs`: 202 with the new run (queued for n8n), 200 with the existing
/// run when its `run_id` came again with the same body, 409 when with another.
#[utoipa::path(post, path = "/api/publisher/runs", tag = "runs",
    request_body = RunRequestBody,
    responses(
        (status = 202, description = "The new run, queued for n8n", body = RunResponse),
        (status = 200, description = "The same `run_id` with the same body again: the existing run", body = RunResponse),
        (status = 409, description = "The `run_id` exists with another body (the differing fields named)", body = super::openapi::ErrorDetail),
    ))]
pub async fn create(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request = read_run_request(&body)?;
    let valid = request
        .validate(&state.config.channels)
        .map_err(contract_problems)?;
    if let Some(run_id) = valid.run_id
        && let Some(existing) = runs::get(&state.pool, run_id).await?
    {
        return resubmitted(&state, &valid, &existing).await;
    }
    let run_id = valid.run_id.unwrap_or_else(Uuid::new_v4);
    match runs::create_with_id(&state.pool, &NewRun::from(&valid), run_id).await {
        Ok(run) => Ok((
            StatusCode::ACCEPTED,
            Json(created_answer(&state, &run).await?),
        )),
        // Created by a concurrent request with the same run_id: the same rule as above.
        Err(StoreError::Conflict(what)) if what == "run_id" => {
            match runs::get(&state.pool, run_id).await? {
                Some(existing) => resubmitted(&state, &valid, &existing).await,
                None => Err(ApiError::status(
                    StatusCode::CONFLICT,
                    format!("run {run_id} is being created by another request; try again"),
                )),
            }
        }
        Err(StoreError::NotFound { entity, id }) => Err(ApiError::field(FieldProblem::body(
            &format!("{entity}_id"),
            format!("{entity} {id} does not exist"),
            "value_error",
        ))),
        Err(other) => Err(other.into()),
    }
}

/// A run request whose `run_id` exists: the same content -> 200 with the run as it is now;
/// different content -> 409 naming the fields that differ.
async fn resubmitted(
    state: &ApiState,
    valid: &ValidRun,
    existing: &Run,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let stored = publisher_contract::stored_canonical(
        existing.project_id,
        existing.persona_id,
        &existing.meta.0,
    );
    let outcome = match &stored {
        Some(stored) => publisher_contract::resubmission(valid, stored),
        None => Resubmission::Conflict(vec!["body".into()]),
    };
    match outcome {
        Resubmission::Same => Ok((StatusCode::OK, Json(created_answer(state, existing).await?))),
        Resubmission::Conflict(fields) => Err(ApiError::status(
            StatusCode::CONFLICT,
            format!(
                "{}; send it under a new run_id, or the same body to get the existing run",
                publisher_contract::describe_differences(
                    &format!("run {} already exists and", existing.run_id),
                    &fields
                )
            ),
        )),
    }
}

/// `GET /api/publisher/runs/{run_id}`: the run, its per-item results and its dispatch.
#[utoipa::path(get, path = "/api/publisher/runs/{run_id}", tag = "runs",
    params(("run_id" = Uuid, Path, description = "The run's run_id")),
    responses(
        (status = 200, description = "The run, its items and its dispatch", body = RunDetail),
        (status = 404, description = "No such run", body = super::openapi::ErrorDetail),
    ))]
pub async fn get(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let run_id = uuid_param("run_id", &raw)?;
    let cached = state.run_cache.get(run_id);
    state.metrics.observe_run_read(cached.is_some());
    let answer = match cached {
        Some(answer) => answer,
        None => {
            let start = state.run_cache.read_start();
            let detail = runs::detail(&state.pool, run_id)
                .await?
                .ok_or_else(|| ApiError::not_found("Run not found"))?;
            let answer = Bytes::from(
                Value::Object(detail_answer(
                    &state,
                    &detail.run,
                    &detail.items,
                    detail.dispatch.as_ref(),
                ))
                .to_string(),
            );
            state.run_cache.store(start, run_id, answer.clone());
            answer
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], answer).into_response())
}

/// The filters and page of `GET /api/publisher/runs`, each bad one named.
pub fn read_list_query(
    query: &HashMap<String, String>,
) -> Result<(RunFilter, Option<RunCursor>, i64), ApiError> {
    let mut problems = Vec::new();
    let mut bad = |name: &str, msg: String| {
        problems.push(FieldProblem::new(
            vec![json!("query"), json!(name)],
            msg,
            "value_error",
        ))
    };
    let value = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut filter = RunFilter::default();
    if let Some(status) = value("status") {
        match RunStatus::parse(status) {
            Ok(s) => filter.status = Some(s),
            Err(e) => bad("status", e.to_string()),
        }
    }
    for name in ["project_id", "persona_id"] {
        if let Some(raw) = value(name) {
            match Uuid::parse_str(raw) {
                Ok(id) if name == "project_id" => filter.project_id = Some(id),
                Ok(id) => filter.persona_id = Some(id),
                Err(_) => bad(name, format!("Input should be a valid UUID, got {raw:?}")),
            }
        }
    }
    if let Some(since) = value("since") {
        match parse_since(since) {
            Some(t) => filter.since = Some(t),
            None => bad(
                "since",
                format!(
                    "{since:?} is not a time: use RFC 3339 (2026-01-10T08:00:00Z) or a date \
                     (2026-01-10, midnight UTC)"
                ),
            ),
        }
    }
    let mut limit = DEFAULT_LIMIT;
    if let Some(raw) = value("limit") {
        match raw.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => limit = n,
            _ => bad(
                "limit",
                format!("must be a whole number from 1 to {MAX_LIMIT}, got {raw:?}"),
            ),
        }
    }
    let mut cursor = None;
    if let Some(raw) = value("cursor") {
        match decode_cursor(raw) {
            Some(c) => cursor = Some(c),
            None => bad(
                "cursor",
                "not a cursor of this API: pass next_cursor from the previous page as it is"
                    .to_string(),
            ),
        }
    }
    if problems.is_empty() {
        Ok((filter, cursor, limit))
    } else {
        Err(ApiError::Invalid(problems))
    }
}

fn parse_since(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// The keyset position as an opaque token (base64url of "micros.id").
pub fn encode_cursor(cursor: &RunCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}.{}",
        cursor.started_at.timestamp_micros(),
        cursor.id
    ))
}

pub fn decode_cursor(text: &str) -> Option<RunCursor> {
    let raw = URL_SAFE_NO_PAD.decode(text).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (micros, id) = raw.split_once('.')?;
    Some(RunCursor {
        started_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id: Uuid::parse_str(id).ok()?,
    })
}

/// `GET /api/publisher/runs?status=&project_id=&persona_id=&since=&limit=&cursor=`: newest
/// first, `{runs, next_cursor}` (`null` on the last page).
#[utoipa::path(get, path = "/api/publisher/runs", tag = "runs",
    description = "Newest first, keyset pages.",
    params(
        ("status" = Option<String>, Query, description = "A run status"),
        ("project_id" = Option<Uuid>, Query, description = "Only this project's runs"),
        ("persona_id" = Option<Uuid>, Query, description = "Only this persona's runs"),
        ("since" = Option<String>, Query, description = "RFC 3339 time or a date (midnight UTC)"),
        ("limit" = Option<i64>, Query, description = "1 to 500 (default 50)"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses((status = 200, description = "One page of runs", body = RunPage)))]
pub async fn list(
    State(state): State<ApiState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query?;
    let (filter, cursor, limit) = read_list_query(&query)?;
    let page = runs::list(&state.pool, &filter, cursor, limit).await?;
    Ok(Json(json!({
        "runs": page.rows,
        "next_cursor": page.next.as_ref().map(encode_cursor),
    })))
}

/// `POST /api/publisher/runs/{run_id}/complete`: n8n's callback (contract v1 output). 200
/// with the run and its items; the same callback again -> 200, the same answer, nothing
/// changed (`replayed: true`); another callback for a completed run -> 409 naming what differs.
#[utoipa::path(post, path = "/api/publisher/runs/{run_id}/complete", tag = "runs",
    description = "n8n's callback; idempotent.",
    params(("run_id" = Uuid, Path, description = "The run's run_id")),
    request_body = CompletionBody,
    responses(
        (status = 200, description = "The completed run (`replayed: true` for the same callback again)", body = RunDetail),
        (status = 404, description = "No such run", body = super::openapi::ErrorDetail),
        (status = 409, description = "The run was completed by another callback (the differing fields named)", body = super::openapi::ErrorDetail),
    ))]
pub async fn complete(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let run_id = uuid_param("run_id", &raw)?;
    let request = read_completion(&body)?;
    let valid = request.validate(run_id).map_err(contract_problems)?;
    let completion = Completion::from(&valid);
    // The usual case in one statement: an open run of this project and persona.
    if let Some(detail) = runs::complete_open(&state.pool, run_id, &completion).await? {
        // Its next read here shows the completion, whenever the notification comes.
        state.run_cache.forget(run_id);
        return Ok(completed(&state, &detail, false));
    }
    // Not taken: unknown (404), someone else's (422), or completed by n8n (replay or 409).
    let run = runs::get(&state.pool, run_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Run not found"))?;
    publisher_contract::check_run(&valid, run.project_id, run.persona_id)
        .map_err(contract_problems)?;
    if run.completed_by_n8n() {
        return replayed(&state, &valid, &run).await;
    }
    // Changed between the two reads (rare): the store decides again.
    match runs::complete(&state.pool, run_id, &completion).await {
        Ok(outcome) => match outcome.detail {
            Some(detail) => {
                state.run_cache.forget(run_id);
                Ok(completed(&state, &detail, false))
            }
            None => replayed(&state, &valid, &outcome.run).await,
        },
        Err(StoreError::Conflict(_)) => match runs::get(&state.pool, run_id).await? {
            Some(now) => replayed(&state, &valid, &now).await,
            None => Err(ApiError::not_found("Run not found")),
        },
        Err(other) => Err(other.into()),
    }
}

/// A completion's answer: the run as stored, and whether this callback was a replay.
fn completed(state: &ApiState, detail: &runs::RunDetail, replayed: bool) -> Json<Value> {
    let mut out = detail_answer(state, &detail.run, &detail.items, detail.dispatch.as_ref());
    out.insert("replayed".into(), json!(replayed));
    Json(Value::Object(out))
}

/// A callback for a completed run: the same content -> 200 with the run as stored
/// (`replayed: true`); different -> 409 naming the fields.
async fn replayed(
    state: &ApiState,
    valid: &ValidCompletion,
    run: &Run,
) -> Result<Json<Value>, ApiError> {
    // One read of the run as stored now: what is compared is what is answered.
    let detail = runs::detail(&state.pool, run.run_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Run not found"))?;
    let outcome = match runs::stored_completion(&detail.run, &detail.items) {
        Some(stored) => publisher_contract::completion_replay(valid, &stored),
        None => Resubmission::Conflict(vec!["status".into()]),
    };
    match outcome {
        Resubmission::Same => Ok(completed(state, &detail, true)),
        Resubmission::Conflict(fields) => Err(ApiError::status(
            StatusCode::CONFLICT,
            publisher_contract::describe_differences(
                &format!(
                    "run {} was already completed ({}); this callback",
                    detail.run.run_id, detail.run.status
                ),
                &fields,
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_junk_is_not_one() {
        let cursor = RunCursor {
            started_at: DateTime::from_timestamp_micros(1_767_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&cursor)), Some(cursor));
        for junk in ["", "abc", "!!!", &URL_SAFE_NO_PAD.encode("12.not-a-uuid")] {
            assert_eq!(decode_cursor(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn every_bad_query_value_is_named() {
        let query: HashMap<String, String> = [
            ("status", "done"),
            ("project_id", "x"),
            ("persona_id", "y"),
            ("since", "yesterday"),
            ("limit", "0"),
            ("cursor", "zz"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let ApiError::Invalid(problems) = read_list_query(&query).unwrap_err() else {
            panic!("not a 422")
        };
        let mut names: Vec<String> = problems.iter().map(|p| p.loc[1].to_string()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "\"cursor\"",
                "\"limit\"",
                "\"persona_id\"",
                "\"project_id\"",
                "\"since\"",
                "\"status\""
            ]
        );
    }

    #[test]
    fn an_items_problem_is_located_at_its_index() {
        let err = contract_problems(vec![
            FieldError::new("published_items[].channel", "item 2: is required"),
            FieldError::new("templates.news_prompt_id", "is required"),
        ]);
        let ApiError::Invalid(problems) = err else {
            panic!("not a 422")
        };
        assert_eq!(
            problems[0].loc,
            vec![
                json!("body"),
                json!("published_items"),
                json!(1),
                json!("channel")
            ]
        );
        assert_eq!(problems[0].msg, "is required");
        assert_eq!(
            problems[1].loc,
            vec![json!("body"), json!("templates"), json!("news_prompt_id")]
        );
    }

    #[test]
    fn wrong_types_in_nested_objects_are_named() {
        let body = json!({
            "project_id": Uuid::new_v4(), "persona_id": Uuid::new_v4(),
            "channels": ["telegram"], "date_from": "2026-01-01", "date_to": "2026-01-02",
            "run_id": 5, "templates": {"news_prompt_id": 7}, "options": {"max_items": "ten", "include_image": "yes"}
        });
        let ApiError::Invalid(problems) = read_run_request(&body).unwrap_err() else {
            panic!("not a 422")
        };
        let locs: Vec<Value> = problems.iter().map(|p| json!(p.loc)).collect();
        assert_eq!(
            locs,
            vec![
                json!(["body", "run_id"]),
                json!(["body", "templates", "news_prompt_id"]),
                json!(["body", "options", "max_items"]),
                json!(["body", "options", "include_image"]),
            ]
        );
    }
}
