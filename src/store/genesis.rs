//! Genesis jobs (MPIS's tables): the ones awaiting a human's approval, their drafts, and the
//! one write a stand-in for MPIS needs (a started job with its draft 1: the sandbox's
//! `/genesis/start` on a shared database, and the demo seed).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::StoreResult;

/// A job as MPIS leaves it after `/genesis/start`: awaiting approval, with its draft 1.
#[derive(Debug, Clone)]
pub struct StartedJob<'a> {
    pub id: Uuid,
    pub persona_name: &'a str,
    pub slug: &'a str,
    /// The start request as received (MPIS stores it as `input_json`).
    pub input: &'a serde_json::Value,
    pub core: &'a serde_json::Value,
    pub human_prompt: &'a str,
}

/// Inserts the job and its draft 1 in one transaction.
pub async fn insert_started_job(pool: &PgPool, job: &StartedJob<'_>) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO genesis_jobs (id, persona_name, slug, input_json, status, draft_no)
         VALUES ($1, $2, $3, $4, 'awaiting_approval', 1)",
    )
    .bind(job.id)
    .bind(job.persona_name)
    .bind(job.slug)
    .bind(job.input)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO genesis_drafts (job_id, draft_no, draft_core_json, human_prompt)
         VALUES ($1, 1, $2, $3)",
    )
    .bind(job.id)
    .bind(job.core)
    .bind(job.human_prompt)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

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

/// One draft of a genesis job as MPIS stored it (`genesis_drafts`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GenesisDraft {
    pub job_id: Uuid,
    pub draft_no: i32,
    pub core: serde_json::Value,
    pub human_prompt: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The draft `draft_no` of a job, or its latest draft when MPIS has not stored that number yet
/// (MPIS writes the draft row after answering); `None` when the job has no draft here (MPIS
/// keeps its database elsewhere, or the job is still collecting).
pub async fn draft(
    pool: &PgPool,
    job_id: Uuid,
    draft_no: i32,
) -> StoreResult<Option<GenesisDraft>> {
    let row = sqlx::query_as::<_, GenesisDraft>(
        "SELECT job_id, draft_no, draft_core_json AS core, human_prompt, created_at
         FROM genesis_drafts WHERE job_id = $1 AND draft_no <= $2
         ORDER BY draft_no DESC LIMIT 1",
    )
    .bind(job_id)
    .bind(draft_no)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// The persona a committed job became, as MPIS recorded it (`genesis_jobs.persona_id`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CommittedPersona {
    pub persona_id: Uuid,
    pub slug: String,
    /// `personas.active_version` ("1.0" after the commit).
    pub active_version: Option<String>,
}

/// The persona of a committed job; `None` when the job has none here (not committed, or MPIS
/// keeps its own database).
pub async fn committed_persona(
    pool: &PgPool,
    job_id: Uuid,
) -> StoreResult<Option<CommittedPersona>> {
    let row = sqlx::query_as::<_, CommittedPersona>(
        "SELECT p.id AS persona_id, p.slug, p.active_version
         FROM genesis_jobs j JOIN personas p ON p.id = j.persona_id
         WHERE j.id = $1",
    )
    .bind(job_id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}
