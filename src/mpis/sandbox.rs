//! A local stand-in for the MPIS API, for trying the forms without an MPIS deployment and for
//! testing the client over real HTTP.
//!
//! It answers the routes the dashboard calls with MPIS's own shapes, status codes and `detail`
//! texts (MPIS_REFERENCE.md §1.1, §1.2, §1.4, §1.5 and Appendix C), FastAPI-style 422s for
//! malformed bodies, and keeps everything in memory. Faults (latency, random 500s, forced 5xx,
//! malformed bodies, dropped connections) can be set at start and changed while it runs.
//!
//! Started with a database ([`start_with_database`], as `--demo` does with the dashboard's), it
//! also keeps genesis jobs, drafts, committed personas and published items in MPIS's tables
//! there, as MPIS does, and answers for jobs it finds there that it did not start
//! (`demo-data`'s, an earlier run's).
//!
//! Where it differs from a real MPIS, on purpose:
//! - `POST /publisher/publish/record` in memory has no drafts table behind it: any draft id is
//!   accepted except the nil UUID and ids marked unknown with [`SandboxHandle::mark_unknown`]
//!   (on a database the draft must be in `content_drafts`, as in MPIS). It honours
//!   `Idempotency-Key` (the same key answers the first record again); **real MPIS does not** and
//!   records a publish once per request.
//! - `POST /publisher/metrics/ingest` and the analytics routes accept any id except the nil UUID
//!   and ids marked unknown; analytics data is generated (plausible, stable per persona).
//! - Commits end in `committed` (as an MPIS with Qdrant does), not
//!   `committed_with_memory_pending`; no files are written.
//! - On a database it writes `genesis_jobs`, `genesis_drafts`, `personas`, `persona_versions`,
//!   `published_items` and the plan's status only: no `sources` or `audit_log` rows, no
//!   `<slug>/publisher/published/<id>.json` file, and a job is inserted directly as
//!   `awaiting_approval` (MPIS passes through `queued`, `collecting`, `processing`).
//! - Slugs transliterate Latin and Cyrillic letters only (MPIS uses `unidecode`); the slug rule
//!   and the draft edits are the domain's ([`crate::domain::genesis`]).

mod database;
mod fastapi;
pub(crate) mod genesis;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use self::fastapi::{detail, json_body, unprocessable, uuid_param};
pub use self::genesis::{EXPORT_FILES, PERSONAS_BASE_DIR};
use crate::domain::genesis::{apply_edits, slugify};
use crate::mpis::persona_draft;
use crate::mpis::types::{
    GenesisApproveRequest, GenesisStartRequest, JobStatus, PersonaCore, PublishRecordResponse,
};

/// `service` in `/health`, so that a status line can tell the sandbox from MPIS.
pub const SERVICE_NAME: &str = "MPIS API (mpis-dash sandbox)";
const VERSION: &str = "1.0.0";

/// Faults the sandbox injects into every request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SandboxFaults {
    /// Added before each request is handled.
    pub latency: Duration,
    /// Probability (0..=1) of answering 500 `Internal Server Error` instead.
    pub error_rate: f64,
    /// Answer every request with 503 `Service Unavailable` (MPIS down behind a proxy).
    pub force_5xx: bool,
    /// Cut every body in half and append junk (status and headers unchanged).
    pub malformed_bodies: bool,
    /// Drop the connection instead of answering.
    pub drop_connections: bool,
    /// Handle the request (publish records are recorded), then drop the connection instead of
    /// answering: a lost response, the case that tempts a client to send again.
    pub drop_responses: bool,
    /// Ignore `Idempotency-Key`, as the real MPIS does (a repeated publish is recorded again).
    pub ignore_idempotency_keys: bool,
}

impl SandboxFaults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// `none`, or the active faults, e.g. `latency 200 ms, error rate 0.3`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.latency.is_zero() {
            parts.push(format!(
                "latency {}",
                crate::mpis::error::format_duration(self.latency)
            ));
        }
        if self.error_rate > 0.0 {
            parts.push(format!("error rate {}", self.error_rate));
        }
        if self.force_5xx {
            parts.push("every answer 503".to_owned());
        }
        if self.malformed_bodies {
            parts.push("malformed bodies".to_owned());
        }
        if self.drop_connections {
            parts.push("dropping connections".to_owned());
        }
        if self.drop_responses {
            parts.push("dropping responses".to_owned());
        }
        if self.ignore_idempotency_keys {
            parts.push("ignoring idempotency keys".to_owned());
        }
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// A publish record the sandbox accepted: the raw JSON it received, the idempotency key, and
/// what it answered.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedRecord {
    pub idempotency_key: Option<String>,
    pub request: Value,
    pub response: PublishRecordResponse,
}

/// A request as the sandbox saw it (before any fault).
#[derive(Debug, Clone, PartialEq)]
pub struct SeenRequest {
    pub method: String,
    pub path: String,
    pub api_key: Option<String>,
    pub idempotency_key: Option<String>,
}

impl SeenRequest {
    fn of(request: &Request) -> Self {
        let header_text = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            api_key: header_text("x-api-key"),
            idempotency_key: header_text("idempotency-key"),
        }
    }
}

/// The running sandbox. Dropping it (or [`SandboxHandle::shutdown`]) stops the server.
pub struct SandboxHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

/// Binds `addr` (port 0 picks a free port) and serves the MPIS routes until the handle is
/// dropped or shut down. Everything stays in memory.
pub async fn start(addr: SocketAddr, faults: SandboxFaults) -> io::Result<SandboxHandle> {
    serve(addr, faults, None).await
}

/// [`start`], but genesis jobs, drafts and committed personas are also written to (and unknown
/// jobs read from) MPIS's tables in `pool`, as MPIS does with the database the dashboard reads.
pub async fn start_with_database(
    addr: SocketAddr,
    faults: SandboxFaults,
    pool: PgPool,
) -> io::Result<SandboxHandle> {
    serve(addr, faults, Some(pool)).await
}

async fn serve(
    addr: SocketAddr,
    faults: SandboxFaults,
    database: Option<PgPool>,
) -> io::Result<SandboxHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        faults: Mutex::new(faults),
        state: Mutex::new(SandboxState::default()),
        database,
        genesis_writes: tokio::sync::Mutex::new(()),
    });
    let app = router(Arc::clone(&shared));
    let (shutdown, stop) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop.await;
            })
            .await
    });
    Ok(SandboxHandle {
        addr,
        shared,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

impl SandboxHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the value for `MPIS_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn faults(&self) -> SandboxFaults {
        lock(&self.shared.faults).clone()
    }

    /// Changes the faults for the requests that arrive from now on.
    pub fn set_faults(&self, faults: SandboxFaults) {
        *lock(&self.shared.faults) = faults;
    }

    /// The publish records accepted so far (one per idempotency key).
    pub fn published(&self) -> Vec<PublishedRecord> {
        lock(&self.shared.state).published.clone()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        lock(&self.shared.state).seen.clone()
    }

    /// How many requests `METHOD path` were received (path without the query).
    pub fn request_count(&self, method: &str, path: &str) -> usize {
        lock(&self.shared.state)
            .seen
            .iter()
            .filter(|seen| seen.method.eq_ignore_ascii_case(method) && seen.path == path)
            .count()
    }

    /// Makes `id` unknown as a draft (publish record), a published item (metrics ingest) and a
    /// persona (analytics), so that those routes answer their "not found" errors for it.
    pub fn mark_unknown(&self, id: Uuid) {
        lock(&self.shared.state).unknown.insert(id);
    }

    /// Stops accepting connections and waits (briefly) for requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

struct Shared {
    faults: Mutex<SandboxFaults>,
    state: Mutex<SandboxState>,
    /// MPIS's database, when the sandbox shares one with the dashboard.
    database: Option<PgPool>,
    /// Held by a genesis start or approve (and a publish record) for its whole request, across
    /// the database write, so that a decision taken on the in-memory state is still true when it
    /// is written (the std `state` lock is never held across an `.await`).
    genesis_writes: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct SandboxState {
    jobs: HashMap<Uuid, Job>,
    personas: HashMap<Uuid, Persona>,
    published: Vec<PublishedRecord>,
    by_idempotency_key: HashMap<String, usize>,
    unknown: HashSet<Uuid>,
    /// persona -> (computed_at, run_id) of the latest recommendations (cached for a day).
    recommendation_runs: HashMap<Uuid, (DateTime<Utc>, Uuid)>,
    seen: Vec<SeenRequest>,
}

struct Job {
    id: Uuid,
    persona_name: String,
    slug: String,
    status: JobStatus,
    draft_no: i32,
    drafts: BTreeMap<i32, Draft>,
    persona_id: Option<Uuid>,
    error: Option<String>,
}

struct Draft {
    core: Value,
    /// `None` only for a draft read from the database without one.
    human_prompt: Option<String>,
}

struct Persona {
    slug: String,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

type AppState = State<Arc<Shared>>;

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/genesis/start", post(genesis_start))
        .route("/genesis/status/{job_id}", get(genesis_status))
        .route("/genesis/approve", post(genesis_approve))
        .route("/genesis/export/{persona_id}", get(genesis_export))
        .route("/publisher/publish/record", post(publish_record))
        .route("/publisher/metrics/ingest", post(metrics_ingest))
        .route(
            "/analytics/persona/{persona_id}/summary",
            get(persona_summary),
        )
        .route(
            "/analytics/recommendations/{persona_id}",
            get(recommendations),
        )
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not Found") })
        .method_not_allowed_fallback(|| async {
            detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        })
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            inject_faults,
        ))
        .with_state(shared)
}

// ------------------------------------------------------------------------------------------------
// Faults

async fn inject_faults(State(shared): AppState, request: Request, next: Next) -> Response {
    let seen = SeenRequest::of(&request);
    lock(&shared.state).seen.push(seen);

    let latency = lock(&shared.faults).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let faults = lock(&shared.faults).clone();
    if faults.drop_connections {
        return dropped_connection();
    }
    if faults.force_5xx {
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    if faults.error_rate > 0.0 && fastrand::f64() < faults.error_rate {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    let response = next.run(request).await;
    if faults.drop_responses {
        return dropped_connection();
    }
    if faults.malformed_bodies {
        return malformed(response).await;
    }
    response
}

/// A response whose body fails at once: the server abandons the connection mid-answer.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "sandbox fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// The first half of the real body, then an escape sequence and junk.
async fn malformed(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let mut broken = bytes[..bytes.len() / 2].to_vec();
    broken.extend_from_slice(b"\x1b[31m<!-- sandbox fault: malformed body -->");
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(broken))
}

// ------------------------------------------------------------------------------------------------
// Health and genesis

async fn health() -> Response {
    axum::Json(json!({"status": "healthy", "service": SERVICE_NAME, "version": VERSION}))
        .into_response()
}

async fn genesis_start(State(shared): AppState, body: Bytes) -> Response {
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
        genesis::unique_slug(&base, |candidate| {
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

async fn genesis_status(State(shared): AppState, Path(raw): Path<String>) -> Response {
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

async fn genesis_approve(State(shared): AppState, body: Bytes) -> Response {
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
            "export_paths": genesis::export_paths(&job.slug)
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

async fn genesis_export(State(shared): AppState, Path(raw): Path<String>) -> Response {
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

/// A body that passed the model check but still does not decode (should not happen).
fn body_error(message: impl std::fmt::Display) -> Response {
    unprocessable(vec![json!({
        "type": "value_error", "loc": ["body"], "msg": message.to_string(), "input": null
    })])
}

// ------------------------------------------------------------------------------------------------
// Publisher

async fn publish_record(State(shared): AppState, headers: HeaderMap, body: Bytes) -> Response {
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

async fn metrics_ingest(State(shared): AppState, body: Bytes) -> Response {
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

// ------------------------------------------------------------------------------------------------
// Analytics

const TOPICS: [&str; 6] = [
    "faith and work",
    "leadership",
    "habits",
    "community",
    "parenting",
    "rest",
];

async fn persona_summary(
    State(shared): AppState,
    Path(raw): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let persona_id = match uuid_param("persona_id", &raw) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let range = query.get("range").map_or("30d", String::as_str);
    if !matches!(range, "7d" | "30d" | "90d" | "all") {
        let pattern = "^(7d|30d|90d|all)$";
        return unprocessable(vec![json!({
            "type": "string_pattern_mismatch", "loc": ["query", "range"],
            "msg": format!("String should match pattern '{pattern}'"),
            "input": range, "ctx": {"pattern": pattern}
        })]);
    }
    let include_insights = match query.get("include_insights").map(|v| v.to_lowercase()) {
        None => true,
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes" | "on" | "t" | "y") => true,
        Some(v) if matches!(v.as_str(), "false" | "0" | "no" | "off" | "f" | "n") => false,
        Some(v) => {
            return unprocessable(vec![json!({
                "type": "bool_parsing", "loc": ["query", "include_insights"],
                "msg": "Input should be a valid boolean, unable to interpret input", "input": v
            })]);
        }
    };
    if persona_id.is_nil() || lock(&shared.state).unknown.contains(&persona_id) {
        return detail(
            StatusCode::NOT_FOUND,
            format!("Persona {persona_id} not found"),
        );
    }
    let now = Utc::now();
    let (summary, period_start) = generated_summary(persona_id, range, now);
    let published = summary["total_published"].as_i64().unwrap_or(0);
    let (insights, trends) = if include_insights && published > 0 {
        (mock_insights(&summary), json!({"trend": "stable"}))
    } else {
        (Vec::new(), json!({}))
    };
    axum::Json(json!({
        "persona_id": persona_id, "range_type": range,
        "period_start": naive(period_start), "period_end": naive(now),
        "metrics": summary, "insights": insights, "trends": trends
    }))
    .into_response()
}

/// Plausible, stable numbers for a persona and range.
fn generated_summary(persona_id: Uuid, range: &str, now: DateTime<Utc>) -> (Value, DateTime<Utc>) {
    let (days, period_start) = match range {
        "7d" => (7, now - chrono::Duration::days(7)),
        "90d" => (90, now - chrono::Duration::days(90)),
        "all" => {
            let start = Utc
                .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or(now);
            ((now - start).num_days().max(1), start)
        }
        _ => (30, now - chrono::Duration::days(30)),
    };
    let mut rng = fastrand::Rng::with_seed(seed(persona_id));
    let per_day = rng.f64() * 1.5 + 0.3;
    let total_published = ((days as f64) * per_day).round().max(1.0);
    let views = (total_published * (rng.f64() * 2500.0 + 400.0)).round();
    let reactions = (views * (rng.f64() * 0.06 + 0.01)).round();
    let shares = (views * (rng.f64() * 0.01 + 0.001)).round();
    let rate = if views > 0.0 {
        ((reactions + shares) / views * 100.0 * 100.0).round() / 100.0
    } else {
        0.0
    };
    let first = rng.usize(0..TOPICS.len());
    let topics: Vec<&str> = (0..3).map(|i| TOPICS[(first + i) % TOPICS.len()]).collect();
    let summary = json!({
        "total_published": total_published as i64,
        "total_views": views, "total_reactions": reactions, "total_shares": shares,
        "engagement_rate": rate,
        "best_performing_topics": topics, "best_performing_times": []
    });
    (summary, period_start)
}

fn mock_insights(summary: &Value) -> Vec<String> {
    let rate = summary["engagement_rate"].as_f64().unwrap_or(0.0);
    let mut insights = vec![format!(
        "Published {} items with {rate}% engagement rate",
        summary["total_published"]
    )];
    insights.push(if rate > 5.0 {
        "Engagement rate is above average - keep up the momentum".to_owned()
    } else {
        "Consider experimenting with different content formats to boost engagement".to_owned()
    });
    if let Some(top) = summary["best_performing_topics"][0].as_str() {
        insights.push(format!("Top performing topic: {top}"));
    }
    insights
}

async fn recommendations(State(shared): AppState, Path(raw): Path<String>) -> Response {
    let persona_id = match uuid_param("persona_id", &raw) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let now = Utc::now();
    let (computed_at, run_id) = {
        let mut state = lock(&shared.state);
        if persona_id.is_nil() || state.unknown.contains(&persona_id) {
            return detail(
                StatusCode::NOT_FOUND,
                format!("Persona {persona_id} not found"),
            );
        }
        let run = state
            .recommendation_runs
            .entry(persona_id)
            .or_insert((now, Uuid::new_v4()));
        if (now - run.0).num_days() >= 1 {
            *run = (now, Uuid::new_v4());
        }
        *run
    };
    let (summary, _) = generated_summary(persona_id, "30d", now);
    let rate = summary["engagement_rate"].as_f64().unwrap_or(0.0);
    let top = summary["best_performing_topics"][0]
        .as_str()
        .unwrap_or("leadership");
    axum::Json(json!({
        "persona_id": persona_id,
        "run_id": run_id,
        "computed_at": computed_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "recommendations": [
            {"id": 1, "title": format!("Double down on {top}"),
             "description": format!("Posts about {top} drew the most engagement in the last 30 days; plan two more this week."),
             "priority": "high", "category": "content",
             "evidence": [format!("Engagement rate {rate}% over 30 days"), format!("{top} is the top topic")],
             "measurable_outcome": "Engagement rate up 10% in two weeks"},
            {"id": 2, "title": "Post when the audience is awake",
             "description": "Try publishing in the morning for two weeks and compare reach with evenings.",
             "priority": "medium", "category": "timing",
             "evidence": ["Posting times vary widely"], "measurable_outcome": "Views per post"},
            {"id": 3, "title": "Ask a question at the end",
             "description": "Close each post with one open question to invite replies.",
             "priority": "low", "category": "engagement", "evidence": [],
             "measurable_outcome": null}
        ],
        "content_briefs": [
            {"topic": top, "hook": format!("What nobody tells you about {top}"),
             "key_points": ["A story from this week", "One practical step", "A question to the reader"],
             "target_channel": "telegram", "suggested_length": 800,
             "rationale": "Best performing topic on the strongest channel"},
            {"topic": "rest", "hook": "Rest is not a reward",
             "key_points": ["Why rest comes first", "A 10-minute practice"],
             "target_channel": "instagram", "suggested_length": 400,
             "rationale": "Short visual posts do well on instagram"}
        ],
        "experiments": [
            {"name": "CTA style", "hypothesis": "Question-based calls to action get more replies",
             "variants": ["imperative CTA", "question CTA"], "success_metric": "comments per post",
             "duration_days": 14}
        ],
        "status": "pending"
    }))
    .into_response()
}

fn seed(id: Uuid) -> u64 {
    let (high, low) = id.as_u64_pair();
    high ^ low.rotate_left(17)
}

/// `2026-11-24T20:17:07.951099`: naive ISO-8601 in UTC, as Python's `utcnow().isoformat()`.
fn naive(at: DateTime<Utc>) -> String {
    at.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_describe_themselves() {
        assert_eq!(SandboxFaults::none().describe(), "none");
        let faults = SandboxFaults {
            latency: Duration::from_millis(250),
            error_rate: 0.25,
            force_5xx: true,
            malformed_bodies: true,
            drop_connections: true,
            drop_responses: true,
            ignore_idempotency_keys: true,
        };
        assert_eq!(
            faults.describe(),
            "latency 250 ms, error rate 0.25, every answer 503, malformed bodies, dropping connections, \
             dropping responses, ignoring idempotency keys"
        );
    }

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

    #[test]
    fn generated_analytics_are_stable_and_consistent() {
        let id = Uuid::from_u128(42);
        let now = Utc::now();
        let (a, _) = generated_summary(id, "30d", now);
        let (b, _) = generated_summary(id, "30d", now);
        assert_eq!(a, b);
        let views = a["total_views"].as_f64().unwrap_or(0.0);
        let engaged = a["total_reactions"].as_f64().unwrap_or(0.0)
            + a["total_shares"].as_f64().unwrap_or(0.0);
        let expected = (engaged / views * 10000.0).round() / 100.0;
        assert_eq!(a["engagement_rate"].as_f64(), Some(expected));
        assert!(a["total_published"].as_i64().unwrap_or(0) > 0);
    }

    #[test]
    fn naive_timestamps_have_no_offset() {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 20, 17, 7).single();
        let shown = at.map(naive).unwrap_or_default();
        assert_eq!(shown, "2026-11-24T20:17:07.000000");
    }
}
