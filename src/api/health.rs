//! `GET /health` (the service is up), `/health/db` (one query within a short budget) and
//! `/health/mpis` (MPIS's own `/health`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::ApiState;
use crate::mpis::MpisError;
use crate::store::StoreError;
use utoipa::ToSchema;

pub const SERVICE: &str = "mpis-dash";

/// `GET /health`: the service is up.
#[derive(ToSchema)]
pub struct ServiceHealth {
    /// Always `ok`.
    pub status: String,
    /// `mpis-dash`.
    pub service: String,
    pub version: String,
}

/// `GET /health/db` when the database answers.
#[derive(ToSchema)]
pub struct DatabaseHealth {
    /// Always `ok`.
    pub status: String,
}

/// `GET /health/mpis` when MPIS answers: its own health.
#[derive(ToSchema)]
pub struct MpisHealth {
    /// Always `ok`.
    pub status: String,
    pub mpis_url: String,
    pub mpis: MpisHealthFields,
}

/// MPIS's `/health` answer.
#[derive(ToSchema)]
pub struct MpisHealthFields {
    pub status: String,
    pub service: String,
    pub version: String,
}

/// A health check that failed: `unavailable` (or `not_configured`) and why.
#[derive(ToSchema)]
pub struct HealthProblem {
    pub status: String,
    pub detail: String,
}

#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "The service is up", body = ServiceHealth)))]
pub async fn service() -> Json<Value> {
    Json(json!({
        "status": "ok",
        "service": SERVICE,
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// 200 `{status: "ok"}` when `SELECT 1` answers within the budget, else 503 with the cause.
#[utoipa::path(get, path = "/health/db", tag = "health",
    responses(
        (status = 200, description = "The database answered `SELECT 1` in time", body = DatabaseHealth),
        (status = 503, description = "The database did not answer (in time)", body = HealthProblem),
    ))]
pub async fn database(State(state): State<ApiState>) -> Response {
    let budget = state.limits.health_db_timeout;
    let query = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    let problem = match tokio::time::timeout(budget, query).await {
        Ok(Ok(_)) => return Json(json!({ "status": "ok" })).into_response(),
        Ok(Err(err)) => StoreError::from(err).cause(),
        Err(_) => format!(
            "database unavailable: no answer within {} s",
            budget.as_secs_f64()
        ),
    };
    unavailable(StatusCode::SERVICE_UNAVAILABLE, "unavailable", problem)
}

/// 200 with MPIS's health when it answers; 502 unreachable or failing, 504 no answer in time,
/// 503 when no MPIS is configured. Each detail names the MPIS URL.
#[utoipa::path(get, path = "/health/mpis", tag = "health",
    responses(
        (status = 200, description = "MPIS answered its /health", body = MpisHealth),
        (status = 502, description = "MPIS unreachable or failing", body = HealthProblem),
        (status = 503, description = "No MPIS configured (`not_configured`)", body = HealthProblem),
        (status = 504, description = "MPIS did not answer in time", body = HealthProblem),
    ))]
pub async fn mpis(State(state): State<ApiState>) -> Response {
    let Some(client) = &state.mpis else {
        return unavailable(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "MPIS is not configured (set MPIS_API_URL or mpis_api_url)".to_string(),
        );
    };
    let url = client.base_url();
    match client.health().await {
        Ok(health) => Json(json!({
            "status": "ok",
            "mpis_url": url,
            "mpis": { "status": health.status, "service": health.service, "version": health.version },
        }))
        .into_response(),
        Err(err) => {
            let status = match err {
                MpisError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::BAD_GATEWAY,
            };
            unavailable(status, "unavailable", format!("MPIS at {url}: {err}"))
        }
    }
}

fn unavailable(status: StatusCode, word: &str, detail: String) -> Response {
    (status, Json(json!({ "status": word, "detail": detail }))).into_response()
}
