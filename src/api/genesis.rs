//! The genesis proxy (§1.6.16-19, real instead of the old mocks): `POST /api/genesis/start`
//! (all eight form fields, checked by `domain::genesis`'s start form, forwarded as MPIS's
//! `GenesisStartRequest`), `GET /api/genesis/status/{job_id}`, `POST /api/genesis/approve`
//! (edits and confirm, each edit checked as the approval's edit dialog checks it) and
//! `GET /api/genesis/export/{persona_id}`, through `MpisClient`.
//!
//! MPIS's answer is passed on as MPIS gives it; MPIS's refusals (4xx) keep their status and
//! `detail`. MPIS unreachable or failing -> 502, no answer in time -> 504 (each detail names
//! the MPIS URL), no MPIS configured -> 503. A start and an approval are audited as the
//! dashboard's worker audits them, with the calling token's name.

use std::future::Future;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{Value, json};
use uuid::Uuid;

use super::body::{Fields, JsonBody, Style};
use super::error::uuid_param;
use super::{ApiError, ApiState};
use crate::domain::genesis::{
    EditDraft, EditOp, GenesisForm, SourceInputDraft, SourceKind, ValidGenesis, detect_source,
    validate_edit, validate_source,
};
use crate::mpis::types::{EditOperation, GenesisApproveRequest};
use crate::mpis::{MpisClient, MpisError};
use crate::store::audit;
use crate::store::tokens::Authenticated;

/// The body of `POST /api/genesis/start` (§1.6.16's `PersonaCreateRequest`).
#[derive(utoipa::ToSchema)]
pub struct GenesisStartBody {
    pub persona_name: String,
    /// Default `en`.
    pub language: Option<String>,
    pub inspiration_source: Option<String>,
    pub public_persona: Option<bool>,
    pub public_name: Option<String>,
    pub gdrive_folder_id: Option<String>,
    pub notes: Option<String>,
    /// Lines as typed in the form (`https://...`, `youtube:...`, `text:...`) or `{type, ref}`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub sources: Option<Vec<Value>>,
}

/// The body of `POST /api/genesis/approve`: edits, or `confirm: true`.
#[derive(utoipa::ToSchema)]
pub struct GenesisApproveBody {
    pub job_id: Uuid,
    /// 1 or more.
    pub draft_no: i64,
    pub confirm: Option<bool>,
    /// `[{path, op: add|replace|remove, value?}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub edits: Option<Vec<Value>>,
}

/// A genesis job as MPIS answers it (MPIS's own shape, passed on).
#[derive(utoipa::ToSchema)]
pub struct GenesisJob {
    pub job_id: Uuid,
    /// `queued`, `collecting`, `processing`, `awaiting_approval`, `committed`, `failed`, ...
    pub status: String,
    pub draft_no: i64,
    pub human_prompt: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub preview: Option<Value>,
    /// `GET status`: `{stage, percent, message}`.
    #[schema(value_type = Option<Object>)]
    pub progress: Option<Value>,
    pub errors: Option<Vec<String>>,
    /// After an approval.
    pub persona_id: Option<Uuid>,
    pub version: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub export_paths: Option<Value>,
}

/// A persona's export (MPIS's shape, passed on).
#[derive(utoipa::ToSchema)]
pub struct GenesisExportResponse {
    pub persona_id: Uuid,
    pub slug: String,
    pub base_path: String,
    /// `{core, memory, docs}`.
    #[schema(value_type = Object)]
    pub files: Value,
}

/// The answers every genesis route documents for MPIS failing, slow or missing.
#[derive(utoipa::IntoResponses)]
pub enum MpisFailures {
    #[response(status = 502, description = "MPIS unreachable or failing")]
    Failing(super::openapi::ErrorDetail),
    #[response(
        status = 503,
        description = "No MPIS configured, or the database cannot answer"
    )]
    Missing(super::openapi::ErrorDetail),
    #[response(status = 504, description = "MPIS did not answer in time")]
    Slow(super::openapi::ErrorDetail),
}

/// The detail when no MPIS is configured (as `/health/mpis` says it).
pub const NOT_CONFIGURED: &str = "MPIS is not configured (set MPIS_API_URL or mpis_api_url)";

#[utoipa::path(post, path = "/api/genesis/start", tag = "genesis",
    description = "Forwarded to MPIS; MPIS's refusals (4xx) keep their status and detail. Audited.",
    request_body = GenesisStartBody,
    responses(
        (status = 200, description = "The job started", body = GenesisJob),
        (status = 400, description = "MPIS refused it (MPIS's 4xx and detail)", body = super::openapi::ErrorDetail),
        MpisFailures,
    ))]
pub async fn start(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let valid = read_start(&body)?;
    let request = crate::mpis::types::genesis_request(&valid);
    let started = call_mpis(&state, |mpis| mpis.genesis_start(&request)).await?;
    let details = json!({"persona_name": valid.persona_name, "draft_no": started.draft_no});
    audit_entry(&state, &caller, "genesis_started", started.job_id, details).await;
    Ok(Json(to_json(&started)))
}

#[utoipa::path(get, path = "/api/genesis/status/{job_id}", tag = "genesis",
    params(("job_id" = Uuid, Path, description = "The genesis job")),
    responses(
        (status = 200, description = "The job's state", body = GenesisJob),
        (status = 404, description = "MPIS knows no such job", body = super::openapi::ErrorDetail),
        MpisFailures,
    ))]
pub async fn status(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let job_id = uuid_param("job_id", &raw)?;
    passed_on(&state, |mpis| mpis.genesis_status(job_id)).await
}

#[utoipa::path(post, path = "/api/genesis/approve", tag = "genesis",
    description = "Edits of the draft, or the approval (`confirm: true`). Audited.",
    request_body = GenesisApproveBody,
    responses(
        (status = 200, description = "The job after the edits or the approval", body = GenesisJob),
        (status = 404, description = "MPIS knows no such job", body = super::openapi::ErrorDetail),
        (status = 400, description = "MPIS refused it (MPIS's 4xx and detail): not the current draft, or not awaiting approval", body = super::openapi::ErrorDetail),
        MpisFailures,
    ))]
pub async fn approve(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let request = read_approve(&body)?;
    let response = call_mpis(&state, |mpis| mpis.genesis_approve(&request)).await?;
    let (event_type, details) = if request.edits.is_empty() {
        (
            "genesis_approved",
            json!({"persona_id": response.persona_id, "version": response.version,
                   "draft_no": request.draft_no}),
        )
    } else {
        (
            "genesis_draft_edited",
            json!({"draft_no": response.draft_no, "edits": request.edits}),
        )
    };
    audit_entry(&state, &caller, event_type, request.job_id, details).await;
    Ok(Json(to_json(&response)))
}

#[utoipa::path(get, path = "/api/genesis/export/{persona_id}", tag = "genesis",
    params(("persona_id" = Uuid, Path, description = "The persona")),
    responses(
        (status = 200, description = "Where the persona's files are", body = GenesisExportResponse),
        (status = 404, description = "MPIS knows no such persona", body = super::openapi::ErrorDetail),
        MpisFailures,
    ))]
pub async fn export(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let persona_id = uuid_param("persona_id", &raw)?;
    passed_on(&state, |mpis| mpis.genesis_export(persona_id)).await
}

/// The one way every genesis route calls MPIS: 503 when no MPIS is configured, else the
/// call through [`proxy`] (bounded, MPIS's failures mapped).
async fn call_mpis<'s, T, Call>(
    state: &'s ApiState,
    call: impl FnOnce(&'s MpisClient) -> Call,
) -> Result<T, ApiError>
where
    Call: Future<Output = Result<T, MpisError>>,
{
    let client = state
        .mpis
        .as_ref()
        .ok_or_else(|| ApiError::unavailable(NOT_CONFIGURED))?;
    proxy(state, client, call(client)).await
}

/// A read MPIS answers: its answer passed on as MPIS gives it.
async fn passed_on<'s, T: serde::Serialize, Call>(
    state: &'s ApiState,
    call: impl FnOnce(&'s MpisClient) -> Call,
) -> Result<Json<Value>, ApiError>
where
    Call: Future<Output = Result<T, MpisError>>,
{
    let answer = call_mpis(state, call).await?;
    Ok(Json(to_json(&answer)))
}

/// A call to MPIS, bounded a little under the request's own limit (so the answer is this
/// route's 504 naming MPIS, not the generic timeout), with MPIS's failures mapped.
async fn proxy<T>(
    state: &ApiState,
    client: &MpisClient,
    call: impl Future<Output = Result<T, MpisError>>,
) -> Result<T, ApiError> {
    let limit = state.limits.request_timeout;
    let budget = limit
        .checked_sub(Duration::from_millis(500))
        .filter(|b| !b.is_zero())
        .unwrap_or(limit);
    let url = client.base_url();
    match tokio::time::timeout(budget, call).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(error)) => Err(mpis_failure(&url, &error)),
        Err(_) => Err(mpis_failure(&url, &MpisError::Timeout { after: budget })),
    }
}

/// MPIS's refusal keeps its status and detail; anything else is the gateway's problem.
pub fn mpis_failure(url: &str, error: &MpisError) -> ApiError {
    match error {
        MpisError::Rejected { status, detail } => ApiError::status(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
            detail.clone(),
        ),
        MpisError::Timeout { .. } => ApiError::status(
            StatusCode::GATEWAY_TIMEOUT,
            format!("MPIS at {url}: {error} (it may still complete the request)"),
        ),
        MpisError::Unreachable { reason, .. } => ApiError::status(
            StatusCode::BAD_GATEWAY,
            format!("MPIS at {url} is unreachable: {reason}"),
        ),
        _ => ApiError::status(StatusCode::BAD_GATEWAY, format!("MPIS at {url}: {error}")),
    }
}

/// The audit entry of a call MPIS accepted. MPIS has done it by now, so a failed entry is
/// logged, not turned into an error a client would retry (and start a second persona).
async fn audit_entry(
    state: &ApiState,
    caller: &Authenticated,
    event_type: &str,
    job_id: Uuid,
    details: Value,
) {
    let written = async {
        let mut conn = state.pool.acquire().await?;
        audit::record(
            &mut conn,
            event_type,
            "genesis_job",
            job_id,
            &caller.name,
            details,
        )
        .await
    }
    .await;
    if let Err(error) = written {
        tracing::warn!(
            "genesis job {job_id}: MPIS accepted {event_type}, but its audit entry failed: {}",
            error.cause()
        );
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The start body (§1.6.16's `PersonaCreateRequest`, all eight fields): types first, then the
/// start form's rules. `sources` are lines as typed in the form (`https://...`, `youtube:...`,
/// `file:...`, `text:...`) or MPIS's `{type, ref}` objects; each bad one is named by index.
pub fn read_start(body: &Value) -> Result<ValidGenesis, ApiError> {
    let mut fields = Fields::of(body).style(Style::Lenient);
    let form = GenesisForm {
        persona_name: fields.form_text("persona_name", true),
        language: fields.str("language").value().unwrap_or("en").to_string(),
        inspiration_source: fields.form_text("inspiration_source", false),
        public_persona: fields.bool("public_persona").value().unwrap_or(false),
        public_name: fields.form_text("public_name", false),
        gdrive_folder_id: fields.form_text("gdrive_folder_id", false),
        sources_text: String::new(),
        notes: fields.form_text("notes", false),
    };
    let sources = read_sources(&mut fields);
    let valid = form.validate();
    if let Err(errors) = &valid {
        fields.form_problems(errors);
    }
    fields.finish()?;
    match valid {
        Ok(mut valid) => {
            valid.sources = sources;
            Ok(valid)
        }
        Err(_) => Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid genesis start",
        )),
    }
}

fn read_sources(fields: &mut Fields<'_>) -> Vec<(SourceKind, String)> {
    let mut sources = Vec::new();
    let Some(items) = fields.list("sources").value() else {
        return sources;
    };
    for (index, item) in items.iter().enumerate() {
        let loc = fields.loc_of("sources", index);
        let source = match item {
            Value::String(line) if line.contains(['\n', '\r']) => {
                Err("one source per entry: no line breaks".to_string())
            }
            Value::String(line) => detect_source(line).ok_or_else(|| "must not be empty".into()),
            Value::Object(_) => {
                let mut entry = fields.entry("sources", index, item);
                let kind = entry.required_str("type");
                let reference = entry.required_str("ref");
                if !entry.problems().is_empty() {
                    fields.absorb(entry);
                    continue;
                }
                match (kind.and_then(SourceKind::parse), reference) {
                    (Some(kind), Some(reference)) => Ok(SourceInputDraft {
                        kind,
                        reference: reference.trim().to_string(),
                    }),
                    _ => Err(format!(
                        "type must be one of url, youtube, file, text, got {:?}",
                        kind.unwrap_or_default()
                    )),
                }
            }
            _ => Err("Input should be a source line or an object {type, ref}".to_string()),
        };
        match source.and_then(|s| validate_source(&s).map(|()| s)) {
            Ok(source) => sources.push((source.kind, source.reference)),
            Err(message) => fields.problem_at(loc, message),
        }
    }
    sources
}

/// The approve body: `{job_id, draft_no, confirm = false, edits = []}`, each edit checked as
/// the approval's edit dialog checks it (path grammar, a JSON value for add/replace, none for
/// remove); edits or confirm must be given (MPIS would refuse it).
pub fn read_approve(body: &Value) -> Result<GenesisApproveRequest, ApiError> {
    let mut fields = Fields::of(body).style(Style::Lenient);
    let job_id = fields.required_uuid("job_id");
    let draft_no = fields.required_int("draft_no");
    if let Some(n) = draft_no
        && !(1..=i64::from(i32::MAX)).contains(&n)
    {
        fields.problem("draft_no", format!("must be 1 or more, got {n}"));
    }
    let confirm = fields.bool("confirm").value().unwrap_or(false);
    let mut edits = Vec::new();
    for (index, item) in fields
        .list("edits")
        .value()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let mut entry = fields.entry("edits", index, item);
        let path = entry.required_str("path");
        let op = entry
            .required_str("op")
            .and_then(|op| match EditOp::parse(op) {
                Some(op) => Some(op),
                None => {
                    entry.problem_kind(
                        "op",
                        format!("must be add, replace or remove, got {op:?}"),
                        "enum",
                    );
                    None
                }
            });
        if let (Some(path), Some(op)) = (path, op) {
            let draft = EditDraft {
                path: path.to_string(),
                op,
                value_text: match item.get("value") {
                    None | Some(Value::Null) if op == EditOp::Remove => String::new(),
                    None => String::new(),
                    Some(value) => value.to_string(),
                },
            };
            match validate_edit(&draft) {
                Ok(edit) => edits.push(EditOperation {
                    path: edit.path,
                    op: edit.op,
                    value: edit.value,
                }),
                Err(error) => entry.problem(error.field, error.message),
            }
        }
        fields.absorb(entry);
    }
    if fields.is_object() && fields.problems().is_empty() && !confirm && edits.is_empty() {
        fields.problem("confirm", "either confirm=true or edits[] must be given");
    }
    fields.finish()?;
    match (job_id, draft_no) {
        (Some(job_id), Some(draft_no)) => Ok(GenesisApproveRequest {
            job_id,
            draft_no: draft_no as i32,
            confirm,
            edits,
        }),
        _ => Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid approval",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locs(err: ApiError) -> Vec<Vec<Value>> {
        let ApiError::Invalid(problems) = err else {
            panic!("not a 422: {err:?}")
        };
        problems.into_iter().map(|p| p.loc).collect()
    }

    #[test]
    fn a_start_body_keeps_all_eight_fields() {
        let valid = read_start(&json!({
            "persona_name": " Ada ", "language": "de", "inspiration_source": "Lovelace",
            "public_persona": true, "public_name": "Ada L.", "gdrive_folder_id": "abcdefghijk",
            "notes": "n", "sources": ["https://example.com/a", {"type": "text", "ref": "hello"}]
        }))
        .unwrap();
        assert_eq!(valid.persona_name, "Ada");
        assert_eq!(valid.language, "de");
        assert!(valid.public_persona);
        assert_eq!(valid.public_name.as_deref(), Some("Ada L."));
        assert_eq!(valid.gdrive_folder_id.as_deref(), Some("abcdefghijk"));
        assert_eq!(valid.notes.as_deref(), Some("n"));
        assert_eq!(
            valid.sources,
            vec![
                (SourceKind::Url, "https://example.com/a".to_string()),
                (SourceKind::Text, "hello".to_string())
            ]
        );
        // Only the name is required; the language defaults to en.
        assert_eq!(
            read_start(&json!({"persona_name": "Bo"})).unwrap().language,
            "en"
        );
    }

    #[test]
    fn a_bad_start_names_each_field() {
        let err = read_start(&json!({
            "persona_name": "", "language": "xx", "public_persona": "yes",
            "sources": ["", {"type": "fax", "ref": "1"}, 3]
        }))
        .unwrap_err();
        assert_eq!(
            locs(err),
            vec![
                vec![json!("body"), json!("public_persona")],
                vec![json!("body"), json!("sources"), json!(0)],
                vec![json!("body"), json!("sources"), json!(1)],
                vec![json!("body"), json!("sources"), json!(2)],
                vec![json!("body"), json!("persona_name")],
                vec![json!("body"), json!("language")],
            ]
        );
    }

    #[test]
    fn an_approval_checks_its_edits() {
        let job = Uuid::new_v4();
        let ok = read_approve(&json!({"job_id": job, "draft_no": 2, "edits": [
            {"path": "credo.statements[0]", "op": "replace", "value": "Be kind"},
            {"path": "ethos.virtues", "op": "remove"}
        ]}))
        .unwrap();
        assert_eq!(ok.edits.len(), 2);
        assert_eq!(ok.edits[0].value, json!("Be kind"));
        assert!(!ok.confirm);
        assert!(read_approve(&json!({"job_id": job, "draft_no": 1, "confirm": true})).is_ok());
        assert_eq!(
            locs(read_approve(&json!({"job_id": job, "draft_no": 1})).unwrap_err()),
            vec![vec![json!("body"), json!("confirm")]]
        );
        let err = read_approve(&json!({"job_id": "x", "draft_no": 0, "edits": [
            {"path": "a..b", "op": "add", "value": 1},
            {"path": "a", "op": "swap"},
            {"path": "a", "op": "add"},
            {"path": "a", "op": "remove", "value": 3}
        ]}))
        .unwrap_err();
        assert_eq!(
            locs(err),
            vec![
                vec![json!("body"), json!("job_id")],
                vec![json!("body"), json!("draft_no")],
                vec![json!("body"), json!("edits"), json!(0), json!("path")],
                vec![json!("body"), json!("edits"), json!(1), json!("op")],
                vec![json!("body"), json!("edits"), json!(2), json!("value")],
                vec![json!("body"), json!("edits"), json!(3), json!("value")],
            ]
        );
    }
}
