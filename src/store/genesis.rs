//! Genesis jobs (MPIS's tables, read only): the ones awaiting a human's approval.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct PendingGenesisJob {
    pub id: Uuid,
    pub persona_name: String,
    pub slug: String,
    pub status: String,
    pub draft_no: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Jobs awaiting approval, oldest waiting first (they have waited longest).
pub async fn awaiting_approval(pool: &PgPool, limit: i64) -> StoreResult<Vec<PendingGenesisJob>> {
    let rows = sqlx::query_as::<_, PendingGenesisJob>(
        "SELECT id, persona_name, slug, status, draft_no, created_at, updated_at
         FROM genesis_jobs WHERE status = 'awaiting_approval'
         ORDER BY updated_at ASC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
