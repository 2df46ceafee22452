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

pub const SERVICE: &str = "mpis-dash";

pub async fn service() -> Json<Value> {
    Json(json!({
        "status": "ok",
        "service": SERVICE,
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// 200 `{status: "ok"}` when `SELECT 1` answers within the budget, else 503 with the cause.
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
