//! `GET /api/personas`: `[{id, name, active_version, created_at}]`, newest first (§1.6.1).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use super::error::FieldProblem;
use super::projects::Page;
use super::{ApiError, ApiState};
use crate::store::personas;
use utoipa::ToSchema;

/// §1.6.1's persona.
#[derive(ToSchema)]
pub struct PersonaResponse {
    pub id: uuid::Uuid,
    pub name: String,
    pub active_version: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(get, path = "/api/personas", tag = "personas",
    description = "Every persona, newest first.",
    params(super::projects::Page),
    responses((status = 200, description = "The personas", body = Vec<PersonaResponse>)))]
pub async fn list(
    State(state): State<ApiState>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(page) = page?;
    let (limit, offset) = page.bounds()?;
    let rows = personas::list(&state.pool, limit, offset).await?;
    Ok(Json(Value::Array(
        rows.into_iter()
            .map(|p| {
                json!({
                    "id": p.id,
                    "name": p.name,
                    "active_version": p.active_version,
                    "created_at": p.created_at,
                })
            })
            .collect(),
    )))
}

/// A body's `persona_id` that names no persona: a 422 naming the field (MPIS answered 500 on
/// the foreign key).
pub async fn must_exist(state: &ApiState, persona: uuid::Uuid) -> Result<(), ApiError> {
    if personas::exists(&state.pool, persona).await? {
        Ok(())
    } else {
        Err(ApiError::field(FieldProblem::body(
            "persona_id",
            format!("persona {persona} does not exist"),
            "value_error",
        )))
    }
}
