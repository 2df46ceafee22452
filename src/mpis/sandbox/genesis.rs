//! The genesis routes: `POST /genesis/start`, `GET /genesis/status/{job_id}`,
//! `POST /genesis/approve` (MPIS's checks in its order; edits applied by `patch.rs`) and
//! `GET /genesis/export/{persona_id}`, with numbered slugs on collision and the export paths of
//! a commit. On a database, jobs are written to and unknown jobs read from MPIS's tables
//! (`database.rs`).
//!
//! The slug rule is the domain's ([`crate::domain::genesis::slugify`], shared with the form's
//! preview); the generated first draft and the approver's prompt are in
//! [`crate::mpis::persona_draft`] (the demo seed makes its job with them too).

use std::collections::{BTreeMap, HashSet};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::fastapi::{self, body_error, detail, json_body, uuid_param};
use super::patch::apply_edits;
use super::{AppState, Draft, Job, Persona, SandboxState, Shared, database, lock};
use crate::domain::genesis::slugify;
use crate::mpis::persona_draft;
use crate::mpis::types::{GenesisApproveRequest, GenesisStartRequest, JobStatus, PersonaCore};

/// Where MPIS writes personas (`PERSONAS_BASE_DIR`'s default).
pub const PERSONAS_BASE_DIR: &str = "/opt/mpis/personas";

/// The 13 files of an export, with the folder each lives in.
pub const EXPORT_FILES: [(&str, &str); 13] = [
    ("persona_core.json", "core"),
    ("credo.json", "core"),
    ("ethos.json", "core"),
    ("theologic.txt", "core"),
    ("tone_profile.json", "core"),
    ("style.json", "core"),
    ("language_profile.json", "core"),
    ("concepts.json", "memory"),
    ("sources_index.json", "memory"),
    ("readme.md", "docs"),
    ("usage_prompt.txt", "docs"),
    ("changelog.json", "docs"),
    ("technical_spec.json", "docs"),
];

pub(super) async fn genesis_start(State(shared): AppState, body: Bytes) -> Response {
    let value = match json_body(&body, fastapi::GENESIS_START) {
        Ok(value) => value,
        Err(response) => return *response,
    };
    let request: GenesisStartRequest = match serde_json::from_value(value) {
        Ok(request) => request,
        Err(err) => return body_error(err),
    };
    let _writes = shared.genesis_writes.lock().await;
    let base = slugify(&request.persona_name);
    let taken_in_database = match &shared.database {
        Some(pool) => match database::taken_slugs(pool, &base).await {
            Ok(taken) => taken,
            Err(err) => return genesis_failed(err),
        },
        None => HashSet::new(),
    };
    let slug = {
        let state = lock(&shared.state);
        unique_slug(&base, |candidate| {
            taken_in_database.contains(candidate)
                || state.jobs.values().any(|job| job.slug == candidate)
                || state.personas.values().any(|p| p.slug == candidate)
        })
    };
    let core = persona_draft::first_draft(&request, Utc::now());
    let human_prompt = persona_draft::human_prompt(&request.persona_name, 1);
    let job = Job {
        id: Uuid::new_v4(),
        persona_name: request.persona_name.clone(),
        slug,
        status: JobStatus::AwaitingApproval,
        draft_no: 1,
        drafts: BTreeMap::from([(
            1,
            Draft {
                core: core.clone(),
                human_prompt: Some(human_prompt.clone()),
            },
        )]),
        persona_id: None,
        error: None,
    };
    if let Some(pool) = &shared.database {
        let input = serde_json::to_value(&request).unwrap_or_else(|_| json!({}));
        let started = crate::store::genesis::StartedJob {
            id: job.id,
            persona_name: &job.persona_name,
            slug: &job.slug,
            input: &input,
            core: &core,
            human_prompt: &human_prompt,
        };
        if let Err(err) = crate::store::genesis::insert_started_job(pool, &started).await {
            return genesis_failed(database::Error::from(err));
        }
    }
    let preview = card(&core, None, &job.persona_name, &job.slug, "draft");
    let answer = json!({
        "job_id": job.id, "status": job.status, "draft_no": job.draft_no,
        "human_prompt": human_prompt, "preview": preview
    });
    lock(&shared.state).jobs.insert(job.id, job);
    axum::Json(answer).into_response()
}

/// MPIS's answer when `/genesis/start` fails on something other than a bad value.
fn genesis_failed(err: database::Error) -> Response {
    detail(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Genesis failed: {err}"),
    )
}

/// With a database: a job the sandbox does not hold yet (seeded by `demo-data`, started by an
/// earlier run) is read from it into memory, so that the routes below treat it as their own.
/// Absent there too: nothing happens (the route answers its "not found"). A database failure is
/// MPIS's catch-all 500 with the error as `detail`.
async fn load_unknown_job(shared: &Shared, job_id: Uuid) -> Result<(), Box<Response>> {
    let Some(pool) = &shared.database else {
        return Ok(());
    };
    if lock(&shared.state).jobs.contains_key(&job_id) {
        return Ok(());
    }
    let stored = match database::load_job(pool, job_id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Ok(()),
        Err(err) => {
            return Err(Box::new(detail(
                StatusCode::INTERNAL_SERVER_ERROR,
                err.to_string(),
            )));
        }
    };
    let mut state = lock(&shared.state);
    if let Some(persona_id) = stored.persona_id {
        let slug = stored.slug.clone();
        state.personas.entry(persona_id).or_insert(Persona { slug });
    }
    // A request that loaded (or changed) it meanwhile has the newer copy.
    state.jobs.entry(job_id).or_insert_with(|| Job {
        id: stored.id,
        persona_name: stored.persona_name,
        slug: stored.slug,
        status: JobStatus::from(stored.status),
        draft_no: stored.draft_no,
        drafts: stored
            .drafts
            .into_iter()
            .map(|draft| {
                let loaded = Draft {
                    core: draft.draft_core_json,
                    human_prompt: draft.human_prompt,
                };
                (draft.draft_no, loaded)
            })
            .collect(),
        persona_id: stored.persona_id,
        error: stored.error,
    });
    Ok(())
}

pub(super) async fn genesis_status(State(shared): AppState, Path(raw): Path<String>) -> Response {
    let job_id = match uuid_param("job_id", &raw) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    if let Err(response) = load_unknown_job(&shared, job_id).await {
        return *response;
    }
    let state = lock(&shared.state);
    let Some(job) = state.jobs.get(&job_id) else {
        return detail(StatusCode::NOT_FOUND, format!("Job not found: {job_id}"));
    };
    let (percent, message) = job.status.progress();
    let draft = job.drafts.get(&job.draft_no);
    // MPIS builds the status preview with the default version "draft", even after a commit.
    let preview = draft.map(|d| {
        card(
            &d.core,
            job.persona_id,
            &job.persona_name,
            &job.slug,
            "draft",
        )
    });
    axum::Json(json!({
        "job_id": job.id,
        "status": job.status,
        "progress": {"stage": job.status, "percent": percent, "message": message},
        "draft_no": job.draft_no,
        "human_prompt": draft.and_then(|d| d.human_prompt.clone()),
        "preview": preview,
        "errors": job.error.iter().collect::<Vec<_>>()
    }))
    .into_response()
}

/// What an accepted approval does, decided on the state before anything is written.
enum Approval {
    /// A new draft `draft_no` of the job.
    Edit {
        job_id: Uuid,
        draft_no: i32,
        draft: Draft,
        answer: Value,
    },
    /// The job's current draft becomes the persona `persona_id`.
    Commit {
        job_id: Uuid,
        persona_id: Uuid,
        name: String,
        slug: String,
        core: Value,
        answer: Value,
    },
}

pub(super) async fn genesis_approve(State(shared): AppState, body: Bytes) -> Response {
    let value = match json_body(&body, fastapi::GENESIS_APPROVE) {
        Ok(value) => value,
        Err(response) => return *response,
    };
    let request: GenesisApproveRequest = match serde_json::from_value(value) {
        Ok(request) => request,
        Err(err) => return body_error(err),
    };
    let _writes = shared.genesis_writes.lock().await;
    if let Err(response) = load_unknown_job(&shared, request.job_id).await {
        return *response;
    }
    let approval = match decide_approval(&lock(&shared.state), &request) {
        Ok(approval) => approval,
        Err(response) => return *response,
    };
    if let Some(pool) = &shared.database
        && let Err(err) = write_approval(pool, &approval).await
    {
        return detail(StatusCode::INTERNAL_SERVER_ERROR, err.to_string());
    }
    let answer = apply_approval(&mut lock(&shared.state), approval);
    axum::Json(answer).into_response()
}

/// MPIS's checks, in its order, and the outcome: a new draft (edits win even with confirm) or
/// the commit. Changes nothing.
fn decide_approval(
    state: &SandboxState,
    request: &GenesisApproveRequest,
) -> Result<Approval, Box<Response>> {
    let bad = |message: String| Box::new(detail(StatusCode::BAD_REQUEST, message));
    let Some(job) = state.jobs.get(&request.job_id) else {
        return Err(bad(format!("Job not found: {}", request.job_id)));
    };
    if job.status != JobStatus::AwaitingApproval {
        return Err(bad(format!("Job is not awaiting approval: {}", job.status)));
    }
    if job.draft_no != request.draft_no {
        return Err(bad(format!(
            "Draft number mismatch: expected {}, got {}",
            job.draft_no, request.draft_no
        )));
    }
    let Some(current) = job.drafts.get(&request.draft_no) else {
        return Err(bad(format!("Draft not found: {}", request.draft_no)));
    };

    if !request.edits.is_empty() {
        let updated = match apply_edits(&current.core, &request.edits) {
            Ok(updated) => updated,
            Err(message) => return Err(bad(format!("Edit error: {message}"))),
        };
        if let Err(err) = serde_json::from_value::<PersonaCore>(updated.clone()) {
            return Err(bad(format!(
                "Validation error: 1 validation error for PersonaCore: {err}"
            )));
        }
        let draft_no = job.draft_no + 1;
        let human_prompt = persona_draft::human_prompt(&job.persona_name, draft_no);
        let preview = card(&updated, None, &job.persona_name, &job.slug, "draft");
        let answer = json!({
            "job_id": job.id, "status": job.status, "draft_no": draft_no,
            "human_prompt": human_prompt, "preview": preview,
            "persona_id": null, "version": null, "export_paths": null
        });
        return Ok(Approval::Edit {
            job_id: job.id,
            draft_no,
            draft: Draft {
                core: updated,
                human_prompt: Some(human_prompt),
            },
            answer,
        });
    }

    if request.confirm {
        let persona_id = Uuid::new_v4();
        let preview = card(
            &current.core,
            Some(persona_id),
            &job.persona_name,
            &job.slug,
            "1.0",
        );
        let answer = json!({
            "job_id": job.id, "status": JobStatus::Committed, "draft_no": job.draft_no,
            "human_prompt": null, "preview": preview,
            "persona_id": persona_id, "version": "1.0",
            "export_paths": export_paths(&job.slug)
        });
        return Ok(Approval::Commit {
            job_id: job.id,
            persona_id,
            name: job.persona_name.clone(),
            slug: job.slug.clone(),
            core: current.core.clone(),
            answer,
        });
    }
    let neither = "Either confirm=true or edits[] must be provided";
    Err(bad(neither.to_owned()))
}

/// The approval in MPIS's tables: the new draft, or the persona, its version 1.0 and the
/// committed job (description = `credo.summary`, language = the core's or `en`, as MPIS does).
async fn write_approval(pool: &PgPool, approval: &Approval) -> database::Result<()> {
    match approval {
        Approval::Edit {
            job_id,
            draft_no,
            draft,
            ..
        } => {
            let new = database::NewDraft {
                job_id: *job_id,
                draft_no: *draft_no,
                core: &draft.core,
                human_prompt: draft.human_prompt.as_deref().unwrap_or_default(),
            };
            database::insert_draft(pool, &new).await
        }
        Approval::Commit {
            job_id,
            persona_id,
            name,
            slug,
            core,
            ..
        } => {
            let parsed: PersonaCore = serde_json::from_value(core.clone()).unwrap_or_default();
            let language = Some(parsed.language.as_str())
                .filter(|language| !language.is_empty())
                .unwrap_or("en");
            let commit = database::Commit {
                job_id: *job_id,
                persona_id: *persona_id,
                name,
                slug,
                description: &parsed.credo.summary,
                language,
                core,
            };
            database::commit(pool, &commit).await
        }
    }
}

/// The approval in memory; returns the answer.
fn apply_approval(state: &mut SandboxState, approval: Approval) -> Value {
    match approval {
        Approval::Edit {
            job_id,
            draft_no,
            draft,
            answer,
        } => {
            if let Some(job) = state.jobs.get_mut(&job_id) {
                job.drafts.insert(draft_no, draft);
                job.draft_no = draft_no;
            }
            answer
        }
        Approval::Commit {
            job_id,
            persona_id,
            slug,
            answer,
            ..
        } => {
            if let Some(job) = state.jobs.get_mut(&job_id) {
                job.status = JobStatus::Committed;
                job.persona_id = Some(persona_id);
            }
            state.personas.insert(persona_id, Persona { slug });
            answer
        }
    }
}

pub(super) async fn genesis_export(State(shared): AppState, Path(raw): Path<String>) -> Response {
    let persona_id = match uuid_param("persona_id", &raw) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let state = lock(&shared.state);
    let Some(persona) = state.personas.get(&persona_id) else {
        return detail(StatusCode::NOT_FOUND, "Persona not found");
    };
    let base = format!("{PERSONAS_BASE_DIR}/{}", persona.slug);
    axum::Json(json!({
        "persona_id": persona_id.to_string(),
        "slug": persona.slug,
        "base_path": base,
        "files": {
            "core": format!("{base}/core"),
            "memory": format!("{base}/memory"),
            "docs": format!("{base}/docs")
        }
    }))
    .into_response()
}

fn card(core: &Value, persona_id: Option<Uuid>, name: &str, slug: &str, version: &str) -> Value {
    let parsed: PersonaCore = serde_json::from_value(core.clone()).unwrap_or_default();
    serde_json::to_value(parsed.card(persona_id, name, slug, version)).unwrap_or(Value::Null)
}

/// The first free slug: `slug`, then `slug-2`, `slug-3`, ...
pub fn unique_slug(slug: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(slug) {
        return slug.to_owned();
    }
    (2u64..)
        .map(|n| format!("{slug}-{n}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| slug.to_owned())
}

/// `export_paths` of a commit: `{base_path, files: {name: path}}`.
pub fn export_paths(slug: &str) -> Value {
    let base = format!("{PERSONAS_BASE_DIR}/{slug}");
    let files: Map<String, Value> = EXPORT_FILES
        .iter()
        .map(|(name, folder)| ((*name).to_owned(), json!(format!("{base}/{folder}/{name}"))))
        .collect();
    json!({"base_path": base, "files": files})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_mpis_rule() {
        assert_eq!(slugify("Tim Keller"), "tim-keller");
        assert_eq!(slugify("Тим Келлер"), "tim-keller");
        assert_eq!(slugify("Алексей 123"), "aleksei-123");
        assert_eq!(slugify("  __Ünïcode_ Name!! "), "unicode-name");
        assert_eq!(slugify("a - - b"), "a-b");
        assert_eq!(slugify("!!!"), "persona");
        assert_eq!(slugify("漢字"), "han-zi"); // unidecode: "Han Zi "
        assert_eq!(slugify(""), "");
        let long = format!("{}-{}", "a".repeat(49), "b".repeat(10));
        assert_eq!(slugify(&long), "a".repeat(49));
        assert_eq!(slugify(&"x".repeat(80)).len(), 50);
    }

    #[test]
    fn slug_collisions_get_numbered_from_two() {
        let taken = ["alex", "alex-2"];
        assert_eq!(unique_slug("alex", |s| taken.contains(&s)), "alex-3");
        assert_eq!(unique_slug("sam", |s| taken.contains(&s)), "sam");
    }

    #[test]
    fn export_lists_thirteen_files() {
        let paths = export_paths("alex");
        assert_eq!(paths["base_path"], "/opt/mpis/personas/alex");
        assert_eq!(paths["files"].as_object().map(Map::len), Some(13));
        assert_eq!(
            paths["files"]["usage_prompt.txt"],
            "/opt/mpis/personas/alex/docs/usage_prompt.txt"
        );
    }
}
