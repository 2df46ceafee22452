//! The sandbox's writes and reads of MPIS's tables, for when it runs on the dashboard's database
//! (`--demo`): MPIS keeps its genesis jobs, drafts, committed personas and published items in
//! the database the dashboard reads, so a sandbox that only kept them in memory would be
//! invisible to the dashboard, and would not know the jobs seeded there (MPIS_REFERENCE.md §1.2,
//! §1.4, §2.1).
//!
//! Each step is one transaction, so the dashboard never sees a job without its draft or a
//! committed job without its persona. Updates are guarded by the job's expected state: if the
//! row moved on behind the sandbox's back (another process on the same database), the write fails
//! instead of overwriting it.

use std::collections::HashSet;

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::mpis::types::PublishRecordResponse;

/// What can go wrong: the database itself, or a job row that is no longer as the sandbox knew it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("genesis job {0} was changed in the database by someone else")]
    ChangedElsewhere(Uuid),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A new draft of a job awaiting approval: `draft_no` follows the job's current one.
pub struct NewDraft<'a> {
    pub job_id: Uuid,
    pub draft_no: i32,
    pub core: &'a Value,
    pub human_prompt: &'a str,
}

/// A confirmed job: the persona row MPIS creates, and its version 1.0.
pub struct Commit<'a> {
    pub job_id: Uuid,
    pub persona_id: Uuid,
    pub name: &'a str,
    pub slug: &'a str,
    /// `credo.summary` of the core.
    pub description: &'a str,
    /// The core's language (MPIS falls back to `en`).
    pub language: &'a str,
    pub core: &'a Value,
}

/// A job as stored, with all its drafts (oldest first).
#[derive(Debug, sqlx::FromRow)]
pub struct StoredJob {
    pub id: Uuid,
    pub persona_name: String,
    pub slug: String,
    pub status: String,
    pub error: Option<String>,
    pub persona_id: Option<Uuid>,
    pub draft_no: i32,
    #[sqlx(skip)]
    pub drafts: Vec<StoredDraft>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct StoredDraft {
    pub draft_no: i32,
    pub draft_core_json: Value,
    pub human_prompt: Option<String>,
}

/// The slugs `base` or `base-<anything>` already used by a persona or a genesis job: MPIS checks
/// both tables, and `personas.slug` is UNIQUE, so a taken slug must be numbered, not reused.
pub async fn taken_slugs(pool: &PgPool, base: &str) -> Result<HashSet<String>> {
    // `left(...)` instead of LIKE: a slug never has wildcards, but the base is a parameter.
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM personas
          WHERE slug = $1 OR left(slug, char_length($1) + 1) = $1 || '-'
         UNION
         SELECT slug FROM genesis_jobs
          WHERE slug = $1 OR left(slug, char_length($1) + 1) = $1 || '-'",
    )
    .bind(base)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Stores an edited draft and moves the job on to it (the job stays awaiting approval).
pub async fn insert_draft(pool: &PgPool, draft: &NewDraft<'_>) -> Result<()> {
    let mut tx = pool.begin().await?;
    let moved = sqlx::query(
        "UPDATE genesis_jobs SET draft_no = $2, updated_at = now()
          WHERE id = $1 AND draft_no = $2 - 1 AND status = 'awaiting_approval'",
    )
    .bind(draft.job_id)
    .bind(draft.draft_no)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(Error::ChangedElsewhere(draft.job_id));
    }
    sqlx::query(
        "INSERT INTO genesis_drafts (job_id, draft_no, draft_core_json, human_prompt)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(draft.job_id)
    .bind(draft.draft_no)
    .bind(draft.core)
    .bind(draft.human_prompt)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates the persona (version 1.0 of the confirmed core) and marks the job committed.
pub async fn commit(pool: &PgPool, commit: &Commit<'_>) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO personas (id, name, slug, description, language, active_version)
         VALUES ($1, $2, $3, $4, $5, '1.0')",
    )
    .bind(commit.persona_id)
    .bind(commit.name)
    .bind(commit.slug)
    .bind(commit.description)
    .bind(commit.language)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO persona_versions (persona_id, version, core_json, reason)
         VALUES ($1, '1.0', $2, 'Initial persona creation via Genesis')",
    )
    .bind(commit.persona_id)
    .bind(commit.core)
    .execute(&mut *tx)
    .await?;
    let committed = sqlx::query(
        "UPDATE genesis_jobs SET status = 'committed', persona_id = $2, updated_at = now()
          WHERE id = $1 AND status = 'awaiting_approval'",
    )
    .bind(commit.job_id)
    .bind(commit.persona_id)
    .execute(&mut *tx)
    .await?;
    if committed.rows_affected() != 1 {
        return Err(Error::ChangedElsewhere(commit.job_id));
    }
    tx.commit().await?;
    Ok(())
}

/// A job with all its drafts, or `None` when there is no such job.
pub async fn load_job(pool: &PgPool, job_id: Uuid) -> Result<Option<StoredJob>> {
    let job = sqlx::query_as::<_, StoredJob>(
        "SELECT id, persona_name, slug, status, error, persona_id, draft_no
           FROM genesis_jobs WHERE id = $1",
    )
    .bind(job_id)
    .fetch_optional(pool)
    .await?;
    let Some(mut job) = job else {
        return Ok(None);
    };
    job.drafts = sqlx::query_as::<_, StoredDraft>(
        "SELECT draft_no, draft_core_json, human_prompt FROM genesis_drafts
          WHERE job_id = $1 ORDER BY draft_no",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await?;
    Ok(Some(job))
}

/// Writes the published item MPIS records for `POST /publisher/publish/record` and marks the
/// draft's plan `published`, in one transaction; `false` (nothing written) when the draft is not
/// in `content_drafts`.
pub async fn record_published(
    pool: &PgPool,
    item: &PublishRecordResponse,
    request: &Value,
) -> Result<bool> {
    let text = |field: &str| request[field].as_str().map(str::to_owned);
    let payload = match &request["published_payload"] {
        Value::Object(_) => request["published_payload"].clone(),
        _ => Value::Object(serde_json::Map::new()),
    };
    // Like MPIS: `published_at` is a naive UTC time, read by PostgreSQL in the zone an MPIS
    // session gets, so on a database whose time zone is not UTC it lands shifted.
    let zone = crate::store::database_info::client_time_zone(pool)
        .await?
        .zone;
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('TimeZone', $1, true)")
        .bind(crate::domain::time_zone::clean(&zone))
        .execute(&mut *tx)
        .await?;
    let plan_id: Option<Uuid> =
        sqlx::query_scalar("SELECT plan_id FROM content_drafts WHERE id = $1 FOR UPDATE")
            .bind(item.draft_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(plan_id) = plan_id else {
        return Ok(false);
    };
    sqlx::query(
        "INSERT INTO published_items
           (id, draft_id, channel, channel_item_id, channel_url, published_payload,
            persona_version_used, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(item.id)
    .bind(item.draft_id)
    .bind(&item.channel)
    .bind(text("channel_item_id"))
    .bind(text("channel_url"))
    .bind(payload)
    .bind(text("persona_version_used"))
    .bind(item.published_at.naive_utc())
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE content_plans SET status = 'published', updated_at = NOW() WHERE id = $1")
        .bind(plan_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}
