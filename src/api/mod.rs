//! `mpis-dash serve`: the dashboard's HTTP API (MPIS_REFERENCE §1.6 paths and shapes), on the
//! same store, domain rules and MPIS client as the terminal dashboard.
//!
//! One module per job: `auth` (the token and its role), `error` (every error answer), `body` (reading JSON bodies field by
//! field), `health`, `personas`, `projects`, `red_flags` (the routes), `server` (listening, the ready line,
//! graceful shutdown), `rate_limit`, `cors`, `login`, `layouts`,
//! `widgets`, `jobs` (the configuration routes), `runs`, `publish`, `metrics_ingest`, `genesis`,
//! `correlation` (request ids, the request span), `metrics` (`/metrics`), `openapi`
//! (`/openapi.json`, `/docs`), `analyst` (the AI analyst's questions). Handlers only parse (bodies through `body::Fields`, nothing
//! else), call `store`/`domain`, and shape JSON.

pub mod analyst;
pub mod auth;
pub mod auth_cache;
pub mod body;
pub mod correlation;
pub mod cors;
pub mod error;
pub mod genesis;
pub mod health;
pub mod jobs;
pub mod layouts;
pub mod login;
pub mod metrics;
pub mod metrics_ingest;
pub mod openapi;
pub mod personas;
pub mod projects;
pub mod publish;
pub mod rate_limit;
pub mod red_flags;
pub mod run_cache;
pub mod runs;
pub mod server;
pub mod snapshot;
pub mod widgets;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use sqlx::PgPool;

use crate::config::Config;
use crate::mpis::MpisClient;
pub use error::ApiError;

/// Limits a request lives within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiLimits {
    /// A request taking longer is answered 503 with a detail (config `request_timeout_secs`).
    pub request_timeout: Duration,
    /// A larger body is answered 413 (config `body_limit_bytes`).
    pub body_limit: usize,
    /// `/health/db`'s query budget.
    pub health_db_timeout: Duration,
}

impl Default for ApiLimits {
    fn default() -> ApiLimits {
        ApiLimits {
            request_timeout: Duration::from_secs(30),
            body_limit: 1024 * 1024,
            health_db_timeout: Duration::from_secs(2),
        }
    }
}

/// What every handler shares (cheap to clone: a pool and a client are handles).
#[derive(Clone)]
pub struct ApiState {
    pub pool: PgPool,
    /// The resolved configuration (operator, thresholds, channels, ...), for the routes to come.
    pub config: Arc<Config>,
    /// `None`: no MPIS configured (`/health/mpis` says so).
    pub mpis: Option<MpisClient>,
    pub limits: ApiLimits,
    /// `--allow-anonymous-read`: reads (GET, HEAD) need no token (behind a VPN, the old page).
    pub anonymous_read: bool,
    /// Requests per caller and login attempts per address (config `rate_limit_*`).
    pub rate_limits: Arc<rate_limit::RateLimits>,
    /// `/metrics`' registry: request counts and latencies, the scrape-time gauges.
    pub metrics: Arc<metrics::ApiMetrics>,
    /// `GET /api/red-flags`'s answer, at most `red_flags_max_age_secs` old, one flight at a
    /// time (`snapshot`).
    pub red_flags: Arc<snapshot::Snapshot<serde_json::Value, ApiError>>,
    /// Successful token checks, reused for a second (`auth_cache`).
    pub auth_cache: Arc<auth_cache::AuthCache>,
    /// Run answers kept until the run changes (`run_cache`).
    pub run_cache: Arc<run_cache::RunCache>,
    /// Runs an ingestion job now (`POST /api/metrics/jobs/{job_id}/run`).
    pub ingest: Arc<crate::jobs::ingest::Scheduler>,
    /// The AI analyst's optional phrasing (config `[analyst]`); `None`: the engine's text.
    pub phraser: Option<Arc<crate::analyst_llm::Phraser>>,
}

impl ApiState {
    /// The state for `router`. Everything else a route needs (caches, rate limiters, the
    /// metrics registry) is built here from `config`, so callers stay the same as it grows.
    pub fn new(
        pool: PgPool,
        config: Arc<Config>,
        mpis: Option<MpisClient>,
        limits: ApiLimits,
        anonymous_read: bool,
    ) -> ApiState {
        let rate_limits = Arc::new(rate_limit::RateLimits::from_config(&config));
        let red_flags = Arc::new(snapshot::Snapshot::new(Duration::from_secs(
            config.red_flags_max_age_secs,
        )));
        let run_cache = Arc::new(run_cache::RunCache::following(&pool));
        let ingest = Arc::new(crate::jobs::ingest::Scheduler::new(
            pool.clone(),
            &config,
            crate::ingest::channel_fetchers(),
        ));
        let phraser = crate::analyst_llm::Phraser::from_config(&config.analyst).map(Arc::new);
        ApiState {
            ingest,
            phraser,
            pool,
            run_cache,
            config,
            mpis,
            limits,
            anonymous_read,
            rate_limits,
            metrics: Arc::new(metrics::ApiMetrics::new()),
            red_flags,
            auth_cache: Arc::default(),
        }
    }

    /// The state with the channel fetchers a run-now uses (the scheduler's own).
    pub fn with_fetchers(mut self, fetchers: crate::ingest::FetcherFactory) -> ApiState {
        self.ingest = Arc::new(crate::jobs::ingest::Scheduler::new(
            self.pool.clone(),
            &self.config,
            fetchers,
        ));
        self
    }

    /// The state with a scheduler of the caller's (tests: a shorter rate-limit wait).
    pub fn with_scheduler(mut self, scheduler: crate::jobs::ingest::Scheduler) -> ApiState {
        self.ingest = Arc::new(scheduler);
        self
    }
}

/// The whole API. `/health*` is public; everything under `/api` goes through [`guard`], the
/// slot where authentication will sit.
pub fn router(state: ApiState) -> Router {
    let limits = state.limits;
    let api = Router::new()
        .route("/personas", get(personas::list))
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/{project_id}", get(projects::get))
        .route("/red-flags", get(red_flags::summary))
        .route("/red-flags/flags", get(red_flags::flags))
        .route(
            "/red-flags/flags/{flag_id}/acknowledge",
            post(red_flags::acknowledge),
        )
        .route(
            "/red-flags/flags/{flag_id}/resolve",
            post(red_flags::resolve),
        )
        .route(
            "/dashboards/layouts",
            get(layouts::list).post(layouts::create),
        )
        .route(
            "/dashboards/layouts/{layout_id}",
            put(layouts::update).delete(layouts::delete),
        )
        .route("/widgets", get(widgets::list))
        .route("/publisher/runs", get(runs::list).post(runs::create))
        .route("/publisher/runs/{run_id}", get(runs::get))
        .route("/publisher/runs/{run_id}/complete", post(runs::complete))
        .route("/publisher/publish/record", post(publish::record))
        .route("/publisher/metrics/ingest", post(metrics_ingest::ingest))
        .route(
            "/publisher/metrics/ingest/batch",
            post(metrics_ingest::ingest_batch)
                .layer(axum::middleware::from_fn(metrics_ingest::wait_turn)),
        )
        .route("/genesis/start", post(genesis::start))
        .route("/genesis/status/{job_id}", get(genesis::status))
        .route("/genesis/approve", post(genesis::approve))
        .route("/genesis/export/{persona_id}", get(genesis::export));
    // Admin whatever the method (a viewer may not even list the jobs: their configs).
    let admin = Router::new()
        .route("/widgets/register", post(widgets::register))
        .route("/metrics/jobs", get(jobs::list).post(jobs::create))
        .route(
            "/metrics/jobs/{job_id}",
            get(jobs::get).patch(jobs::update).delete(jobs::delete),
        )
        .route("/metrics/jobs/{job_id}/run", post(jobs::run_now))
        .route("/metrics/jobs/{job_id}/runs", get(jobs::runs));
    // No token: the login that gives one (limited per address like `/health*`).
    let public = Router::new()
        .route("/auth/login", post(login::login))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::by_ip,
        ));
    // A viewer whatever the method: questions are bodies, but nothing is written.
    let queries = Router::new()
        .route("/ai-analyst/query", post(analyst::query))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_viewer,
        ));
    let api = guard(api, state.clone())
        .merge(admin_guard(admin, state.clone()))
        .merge(queries)
        .merge(public);
    let health = Router::new()
        .route("/health", get(health::service))
        .route("/health/db", get(health::database))
        .route("/health/mpis", get(health::mpis))
        .route("/openapi.json", get(openapi::document))
        .route("/docs", get(openapi::docs_page))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::by_ip,
        ));
    let router = health
        .nest("/api", api)
        // `/metrics` needs a viewer token like any read (Prometheus sends one).
        .merge(guard(
            Router::new().route("/metrics", get(metrics::scrape)),
            state.clone(),
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits.body_limit))
        .layer(middleware::from_fn_with_state(limits, request_timeout));
    // So a browser's preflight is answered before any token is asked for.
    let router = match cors::layer(&state.config.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    // Outermost: every answer, a preflight's and a 429 too, carries its request id and is logged.
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            correlation::track,
        ))
        .with_state(state)
}

/// The admin routes need an admin token whatever the method (`auth::require_admin`).
fn admin_guard(routes: Router<ApiState>, state: ApiState) -> Router<ApiState> {
    routes.layer(middleware::from_fn_with_state(state, auth::require_admin))
}

/// Every `/api` route needs a token of the role its method needs (`auth`).
fn guard(routes: Router<ApiState>, state: ApiState) -> Router<ApiState> {
    routes.layer(middleware::from_fn_with_state(state, auth::require_token))
}

async fn not_found() -> ApiError {
    ApiError::not_found("Not Found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::status(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

/// Answers 503 with a detail when a request is not done within the limit (never a hang).
async fn request_timeout(
    State(limits): State<ApiLimits>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable(format!(
            "request timed out after {} s",
            limits.request_timeout.as_secs_f64()
        ))
        .into_response(),
    }
}
