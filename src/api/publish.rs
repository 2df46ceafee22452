//! `POST /api/publisher/publish/record` (§1.6.8 as documented, no longer a mock): the record is
//! checked by `domain::publish`, written to the outbox first (`store::outbox::enqueue_once`,
//! with its audit entry), then forwarded once at once by the outbox's own forwarder
//! (`jobs::outbox::Forwarder::forward_one`, as the dashboard's publish form does) within a
//! short budget (config `publish_forward_budget_ms`). The answer is the record's state:
//!
//! - forwarded: 200 `{published_item_id, status: "recorded", record_id}`;
//! - still queued (MPIS down, failing, slow, not configured): 202 `{record_id, status:
//!   "queued", detail}`; the background forwarder delivers it (a send still running when the
//!   budget ends goes on, and marks the record itself);
//! - refused by MPIS (4xx, not retried): MPIS's status with MPIS's `detail` and the record.
//!
//! Only MPIS's four fields are forwarded; `run_id`, `project_id`, `persona_id` and
//! `published_at` stay in the record. `Idempotency-Key` (else the publication's own key:
//! draft, channel, item) returns the first record's outcome; one publication is one record
//! whatever the keys, so MPIS never gets it twice.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde_json::{Value, json};

use super::body::{Fields, JsonBody, Style};
use super::error::FieldProblem;
use super::{ApiError, ApiState};
use crate::domain::publish::{PublishForm, ValidPublish};
use crate::jobs::outbox::Forwarder;
use crate::mpis::error::refusal_from_message;
use crate::store::StoreError;
use crate::store::outbox::{self, NewPublishRecord, OutboxState, PublishRecord};
use crate::store::tokens::Authenticated;
use utoipa::ToSchema;

/// The body of `POST /api/publisher/publish/record` (§1.6.8).
#[derive(ToSchema)]
pub struct PublishRecordRequest {
    pub draft_id: uuid::Uuid,
    /// A known channel (config `channels`).
    pub channel: String,
    pub channel_item_id: String,
    pub channel_url: Option<String>,
    pub run_id: Option<uuid::Uuid>,
    pub project_id: Option<uuid::Uuid>,
    pub persona_id: Option<uuid::Uuid>,
    /// RFC 3339 or a date; default now.
    pub published_at: Option<String>,
}

/// Forwarded to MPIS.
#[derive(ToSchema)]
pub struct PublishRecorded {
    pub published_item_id: Option<uuid::Uuid>,
    /// `recorded`.
    pub status: String,
    pub record_id: uuid::Uuid,
}

/// Kept in the outbox, to be forwarded (or refused by MPIS: `status: "failed"`).
#[derive(ToSchema)]
pub struct PublishPending {
    pub record_id: uuid::Uuid,
    /// `queued` or `failed`.
    pub status: String,
    pub detail: String,
}

/// The request header a client retries with.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

#[utoipa::path(post, path = "/api/publisher/publish/record", tag = "publish",
    description = "Written to the outbox, then forwarded to MPIS within a short budget. A refusal by MPIS keeps MPIS's status (4xx) and detail.",
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 200 visible characters; the same key returns the first record's outcome")),
    request_body = PublishRecordRequest,
    responses(
        (status = 200, description = "Forwarded to MPIS", body = PublishRecorded),
        (status = 202, description = "Queued: the background forwarder delivers it", body = PublishPending),
        (status = 400, description = "Refused by MPIS (MPIS's 4xx status and detail; `status: failed`, not retried)", body = PublishPending),
        (status = 409, description = "The Idempotency-Key was used for another publication", body = super::openapi::ErrorDetail),
        (status = 502, description = "MPIS failed it for good (`status: failed`)", body = PublishPending),
    ))]
pub async fn record(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (valid, persona_id) = read_record(&body, &state.config.channels)?;
    let key = idempotency_key(&headers)?.unwrap_or_else(|| valid.idempotency_key());
    let new = NewPublishRecord {
        idempotency_key: key,
        run_id: valid.run_id(),
        project_id: valid.project_id(),
        persona_id,
        published_at: Some(valid.published_at()),
        draft_id: valid.draft_id(),
        channel: valid.channel().as_str().to_string(),
        channel_item_id: Some(valid.channel_item_id().to_string()),
        channel_url: valid.channel_url().map(str::to_string),
        created_by: caller.name.clone(),
    };
    let enqueued = outbox::enqueue_once(&state.pool, &new).await?;
    let mut record = enqueued.record;
    if record.state == OutboxState::Queued
        && let Some(client) = &state.mpis
    {
        let budget = Duration::from_millis(state.config.publish_forward_budget_ms);
        let forwarder = Forwarder::new(state.pool.clone(), client.clone());
        let id = record.id;
        // On its own task: when the budget ends first, the send goes on and marks the record.
        let send = tokio::spawn(async move { forwarder.forward_one(id).await });
        match tokio::time::timeout(budget, send).await {
            Ok(Ok(Err(error))) => {
                tracing::warn!(
                    "publish record {id}: forwarding now failed: {}",
                    error.cause()
                )
            }
            Ok(Err(join)) => tracing::warn!("publish record {id}: forwarding task failed: {join}"),
            Ok(Ok(Ok(_))) | Err(_) => {}
        }
        record = outbox::get(&state.pool, id)
            .await?
            .ok_or_else(|| StoreError::not_found("publish record", id))?;
    }
    Ok(answer(&record, state.mpis.is_some()))
}

/// The answer for a record as it is now (the same for a replay of its key).
pub fn answer(record: &PublishRecord, mpis_configured: bool) -> Response {
    match record.state {
        OutboxState::Forwarded => Json(json!({
            "published_item_id": record.mpis_published_item_id,
            "status": "recorded",
            "record_id": record.id,
        }))
        .into_response(),
        OutboxState::Queued => (
            StatusCode::ACCEPTED,
            Json(json!({
                "record_id": record.id,
                "status": "queued",
                "detail": crate::jobs::outbox::publish_note(record, mpis_configured),
            })),
        )
            .into_response(),
        OutboxState::Failed => {
            let error = record.last_error.clone().unwrap_or_default();
            let (status, detail) = match refusal_from_message(&error) {
                Some((status, detail)) => (
                    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                    detail.to_string(),
                ),
                None => (StatusCode::BAD_GATEWAY, error),
            };
            (
                status,
                Json(json!({
                    "detail": detail,
                    "record_id": record.id,
                    "status": "failed",
                })),
            )
                .into_response()
        }
    }
}

/// `Idempotency-Key`, when sent: 1..=200 visible characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let problem = |msg: String| {
        ApiError::field(FieldProblem::new(
            vec![json!("header"), json!(IDEMPOTENCY_KEY_HEADER)],
            msg,
            "value_error",
        ))
    };
    let text = value
        .to_str()
        .map_err(|_| problem("must be visible ASCII text".into()))?
        .trim();
    if text.is_empty() {
        return Err(problem("must not be empty".into()));
    }
    if text.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(problem(format!(
            "must be at most {MAX_IDEMPOTENCY_KEY_CHARS} characters"
        )));
    }
    Ok(Some(text.to_string()))
}

/// The body: JSON types first (a number where a string belongs is named, as FastAPI does),
/// then the publish form's rules (`domain::publish`), every problem in one 422. `persona_id`
/// (documented for n8n, kept locally) is read here; the form has no field for it.
pub fn read_record(
    body: &Value,
    channels: &[String],
) -> Result<(ValidPublish, Option<uuid::Uuid>), ApiError> {
    let mut fields = Fields::of(body).style(Style::Lenient);
    let form = PublishForm {
        draft_id_text: fields.form_text("draft_id", true),
        channel_text: fields.form_text("channel", true),
        channel_item_id: fields.form_text("channel_item_id", true),
        channel_url: fields.form_text("channel_url", false),
        run_id_text: fields.form_text("run_id", false),
        project_id_text: fields.form_text("project_id", false),
        published_at_text: fields.form_text("published_at", false),
    };
    let persona_id = fields.uuid("persona_id").value();
    let valid = form.validate_with(Utc::now(), channels);
    if let Err(errors) = &valid {
        fields.form_problems(errors);
    }
    fields.finish()?;
    match valid {
        Ok(valid) => Ok((valid, persona_id)),
        Err(_) => Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid publish record",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRAFT: &str = "550e8400-e29b-41d4-a716-446655440000";

    fn locs(err: ApiError) -> Vec<String> {
        let ApiError::Invalid(problems) = err else {
            panic!("not a 422: {err:?}")
        };
        problems
            .iter()
            .map(|p| {
                p.loc[1..]
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect()
    }

    #[test]
    fn a_body_reads_as_the_form_and_keeps_persona_id() {
        let persona = uuid::Uuid::new_v4();
        let (valid, kept) = read_record(
            &json!({"draft_id": DRAFT, "channel": "Telegram", "channel_item_id": "42",
                    "channel_url": null, "persona_id": persona, "published_at": "2026-01-02"}),
            &[],
        )
        .unwrap();
        assert_eq!(valid.channel().as_str(), "telegram");
        assert_eq!(valid.channel_item_id(), "42");
        assert_eq!(kept, Some(persona));
    }

    #[test]
    fn types_and_rules_are_named_once_each() {
        let err = read_record(
            &json!({"draft_id": "nope", "channel": "telegarm", "channel_item_id": 42,
                    "run_id": 7, "persona_id": "x"}),
            &[],
        )
        .unwrap_err();
        assert_eq!(
            locs(err),
            [
                "\"channel_item_id\"",
                "\"run_id\"",
                "\"persona_id\"",
                "\"draft_id\"",
                "\"channel\""
            ]
        );
    }
}
