//! Content drafts (MPIS's tables, read only): the approved ones a publish record can name.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct DraftChoice {
    pub id: Uuid,
    pub draft_no: i32,
    pub plan_title: String,
    pub channel: String,
    pub persona_name: String,
    pub created_at: DateTime<Utc>,
}

/// Approved drafts, newest first.
pub async fn approved(pool: &PgPool, limit: i64) -> StoreResult<Vec<DraftChoice>> {
    let rows = sqlx::query_as::<_, DraftChoice>(
        "SELECT d.id, d.draft_no, cp.title AS plan_title, cp.channel, p.name AS persona_name,
                d.created_at
         FROM content_drafts d
         JOIN content_plans cp ON cp.id = d.plan_id
         JOIN personas p ON p.id = cp.persona_id
         WHERE d.status = 'approved'
         ORDER BY d.created_at DESC, d.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
