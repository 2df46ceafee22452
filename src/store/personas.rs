//! Personas (MPIS's table, read only) with their active version.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct PersonaSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub language: Option<String>,
    pub active_version: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Newest first, one page at a time (personas are few, but never unbounded).
pub async fn list(pool: &PgPool, limit: i64, offset: i64) -> StoreResult<Vec<PersonaSummary>> {
    let rows = sqlx::query_as::<_, PersonaSummary>(
        "SELECT id, name, slug, language, active_version, created_at
         FROM personas ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub async fn get(pool: &PgPool, id: Uuid) -> StoreResult<Option<PersonaSummary>> {
    let row = sqlx::query_as::<_, PersonaSummary>(
        "SELECT id, name, slug, language, active_version, created_at FROM personas WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub async fn exists(pool: &PgPool, id: Uuid) -> StoreResult<bool> {
    let found: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM personas WHERE id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await?;
    Ok(found)
}
