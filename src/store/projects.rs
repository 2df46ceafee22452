//! Dashboard projects: a name, a persona and the channels it publishes to.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{StoreError, StoreResult, map_constraint};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub persona_id: Uuid,
    pub channels: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: String,
    pub persona_id: Uuid,
    pub channels: Vec<String>,
}

const COLUMNS: &str = "id, name, persona_id, channels, created_at";

pub async fn list(pool: &PgPool, limit: i64, offset: i64) -> StoreResult<Vec<Project>> {
    let rows = sqlx::query_as::<_, Project>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM dashboard_projects ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub async fn get(pool: &PgPool, id: Uuid) -> StoreResult<Option<Project>> {
    let row = sqlx::query_as::<_, Project>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM dashboard_projects WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Creates a project; the name is trimmed and must be 1..=200 characters, the persona must
/// exist (a clear error instead of the old 500 on the foreign key).
pub async fn create(pool: &PgPool, new: &NewProject) -> StoreResult<Project> {
    let name = new.name.trim();
    let length = name.chars().count();
    if !(1..=200).contains(&length) {
        return Err(StoreError::invalid(
            "name",
            format!("must be 1 to 200 characters, got {length}"),
        ));
    }
    let channels: Vec<String> = new
        .channels
        .iter()
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    sqlx::query_as::<_, Project>(sqlx::AssertSqlSafe(format!(
        "INSERT INTO dashboard_projects (name, persona_id, channels) VALUES ($1, $2, $3)
         RETURNING {COLUMNS}"
    )))
    .bind(name)
    .bind(new.persona_id)
    .bind(&channels)
    .fetch_one(pool)
    .await
    .map_err(|e| map_constraint(e, StoreError::not_found("persona", new.persona_id)))
}

/// The templates of each project's most recent run (`meta.templates`), for the `:run` form to
/// start from; projects without a run (or whose last run has no templates) are absent.
pub async fn last_templates(pool: &PgPool) -> StoreResult<Vec<(Uuid, serde_json::Value)>> {
    let rows: Vec<(Uuid, serde_json::Value)> = sqlx::query_as(
        "SELECT p.id, last.templates FROM dashboard_projects p
         CROSS JOIN LATERAL (
             SELECT r.meta->'templates' AS templates FROM dashboard_runs r
             WHERE r.project_id = p.id AND jsonb_typeof(r.meta->'templates') = 'object'
             ORDER BY r.started_at DESC, r.id DESC LIMIT 1
         ) last",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
