//! `GET /metrics`: Prometheus text format (0.0.4) through `prometheus-client`.
//!
//! - `mpis_dash_http_requests_total{route,method,status}` and
//!   `mpis_dash_http_request_duration_seconds{route,method,status}` (a histogram), counted by
//!   the correlation middleware; `route` is the matched route's pattern (`unmatched` for 404s).
//! - The gauges of `store::ops_metrics::GAUGES` (outbox depth by state, open red flags by type
//!   and severity, ingestion job lag, ...), read at scrape time with one cheap query each,
//!   within a short budget; `mpis_dash_database_up` says whether they could be read (a gauge
//!   that could not be read is left out rather than reported stale).
//!
//! Access: like every read, a viewer token (Prometheus sends one with
//! `authorization: {credentials_file: ...}`), or none under `--allow-anonymous-read`. The
//! figures name routes, flag types and queue depths, so they are not public like `/health`.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sqlx::PgPool;

use super::{ApiError, ApiState};
use crate::store::ops_metrics::{self, GAUGES};

type RequestLabels = [(&'static str, String); 3];
type GaugeLabels = Vec<(&'static str, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// Latency buckets, in seconds: 1 ms to 30 s (the request timeout's default).
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The registry and the metrics the API keeps.
pub struct ApiMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    database_up: FloatGauge,
    /// One family per entry of `GAUGES`, in its order.
    gauges: Vec<Family<GaugeLabels, FloatGauge>>,
    /// One scrape refreshes the gauges at a time (a refresh clears, then sets).
    scrape: tokio::sync::Mutex<()>,
    /// Run reads answered from `api::run_cache` or not, and the bytes it holds.
    run_cache_reads: Family<[(&'static str, &'static str); 1], Counter>,
    run_cache_bytes: FloatGauge,
}

impl Default for ApiMetrics {
    fn default() -> ApiMetrics {
        ApiMetrics::new()
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl ApiMetrics {
    pub fn new() -> ApiMetrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "mpis_dash_http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        let latency = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "mpis_dash_http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route, method and status",
            latency.clone(),
        );
        let database_up = FloatGauge::default();
        registry.register(
            "mpis_dash_database_up",
            "1 when the last scrape could read the database gauges, else 0",
            database_up.clone(),
        );
        let gauges = GAUGES
            .iter()
            .map(|gauge| {
                let family = Family::<GaugeLabels, FloatGauge>::default();
                registry.register(gauge.name, gauge.help, family.clone());
                family
            })
            .collect();
        let run_cache_reads = Family::<[(&'static str, &'static str); 1], Counter>::default();
        registry.register(
            "mpis_dash_run_cache_reads",
            "Run reads (GET /api/publisher/runs/{run_id}) by result: hit (answered from the \
             cache) or miss (read from the database)",
            run_cache_reads.clone(),
        );
        let run_cache_bytes = FloatGauge::default();
        registry.register(
            "mpis_dash_run_cache_bytes",
            "Bytes of run answers the cache holds (at most 8 MiB)",
            run_cache_bytes.clone(),
        );
        ApiMetrics {
            registry,
            requests,
            latency,
            database_up,
            gauges,
            scrape: tokio::sync::Mutex::new(()),
            run_cache_reads,
            run_cache_bytes,
        }
    }

    /// Counts a run read answered from the cache (`hit`) or the database.
    pub fn observe_run_read(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.run_cache_reads
            .get_or_create(&[("result", result)])
            .inc();
    }

    /// Counts one answered request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let labels = [
            ("route", route.to_owned()),
            ("method", method.to_owned()),
            ("status", status.to_string()),
        ];
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Reads every gauge (each within `budget`), then encodes everything.
    pub async fn scrape(&self, pool: &PgPool, budget: Duration) -> String {
        let _one_at_a_time = self.scrape.lock().await;
        // All at once, each within the budget: a database that is down costs one budget.
        let reads = GAUGES.iter().map(|gauge| async move {
            match tokio::time::timeout(budget, ops_metrics::read(pool, gauge)).await {
                Ok(Ok(rows)) => Some(rows),
                Ok(Err(error)) => {
                    tracing::debug!("metrics: {} not read: {}", gauge.name, error.cause());
                    None
                }
                Err(_) => {
                    tracing::debug!("metrics: {} not read within {budget:?}", gauge.name);
                    None
                }
            }
        });
        let results = futures_util::future::join_all(reads).await;
        let mut all_read = true;
        for ((gauge, family), rows) in GAUGES.iter().zip(&self.gauges).zip(results) {
            family.clear();
            let Some(rows) = rows else {
                all_read = false;
                continue;
            };
            for (values, value) in rows {
                let labels: GaugeLabels = gauge.labels.iter().copied().zip(values).collect();
                family.get_or_create(&labels).set(value);
            }
        }
        self.database_up.set(if all_read { 1.0 } else { 0.0 });
        self.encode()
    }

    /// The registry in Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", tag = "metrics",
    responses((status = 200, description = "Prometheus text exposition (requests, latencies, queue and database gauges)",
        content_type = "text/plain; version=0.0.4", body = String)))]
pub async fn scrape(State(state): State<ApiState>) -> Result<Response, ApiError> {
    state
        .metrics
        .run_cache_bytes
        .set(state.run_cache.held_bytes() as f64);
    let text = state
        .metrics
        .scrape(&state.pool, state.limits.health_db_timeout)
        .await;
    Ok(([(CONTENT_TYPE, prometheus_text::CONTENT_TYPE)], text).into_response())
}
