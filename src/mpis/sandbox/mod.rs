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
//! - The slug rule is the domain's ([`crate::domain::genesis::slugify`], the form's preview);
//!   the draft edits follow MPIS's patch code (`patch.rs`).
//!
//! This file starts the server and holds its state (the handle, jobs, personas, publish records,
//! requests seen) and the route table; each other file in `sandbox/` has one job:
//! - `faults.rs`: [`SandboxFaults`] and the middleware that injects them (and records requests).
//! - `genesis.rs`: the genesis routes (start, status, approve, export), slugs and export paths.
//! - `patch.rs`: MPIS's patch code, applying an approval's edits to a draft.
//! - `publisher.rs`: publish records and metrics ingestion.
//! - `analytics.rs`: the persona summary and recommendations (generated data).
//! - `fastapi.rs`: FastAPI/pydantic-style answers and body checks.
//! - `database.rs`: MPIS's tables, when the sandbox shares the dashboard's database.

mod analytics;
mod database;
mod fastapi;
mod faults;
mod genesis;
mod patch;
mod publisher;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use self::fastapi::detail;
pub use self::faults::SandboxFaults;
pub use self::genesis::{EXPORT_FILES, PERSONAS_BASE_DIR};
use crate::mpis::types::{JobStatus, PublishRecordResponse};

/// `service` in `/health`, so that a status line can tell the sandbox from MPIS.
pub const SERVICE_NAME: &str = "MPIS API (mpis-dash sandbox)";
const VERSION: &str = "1.0.0";

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
        .route("/genesis/start", post(genesis::genesis_start))
        .route("/genesis/status/{job_id}", get(genesis::genesis_status))
        .route("/genesis/approve", post(genesis::genesis_approve))
        .route("/genesis/export/{persona_id}", get(genesis::genesis_export))
        .route("/publisher/publish/record", post(publisher::publish_record))
        .route("/publisher/metrics/ingest", post(publisher::metrics_ingest))
        .route(
            "/analytics/persona/{persona_id}/summary",
            get(analytics::persona_summary),
        )
        .route(
            "/analytics/recommendations/{persona_id}",
            get(analytics::recommendations),
        )
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not Found") })
        .method_not_allowed_fallback(|| async {
            detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        })
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            faults::inject_faults,
        ))
        .with_state(shared)
}

async fn health() -> Response {
    axum::Json(json!({"status": "healthy", "service": SERVICE_NAME, "version": VERSION}))
        .into_response()
}
