//! The ingestion scheduler's run history (`metrics_ingestion_runs`, migration 0014): a run is
//! recorded `running` when it starts and finished with its outcome, counts and per-item
//! errors; and the items a job measures (its channel, and persona when set, published within
//! its look-back).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::StoreResult;
use crate::ingest::ItemToMeasure;

/// How a run ended (`running` until it does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Running,
    /// Every item asked for was measured (or there was none to measure).
    Success,
    /// Some items were measured, some were not.
    Partial,
    /// Nothing was measured although there were items.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Success => "success",
            Outcome::Partial => "partial",
            Outcome::Failed => "failed",
        }
    }
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
        }
    }
}

/// One item's error, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ItemError {
    pub published_item_id: Uuid,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct IngestionRun {
    pub id: Uuid,
    pub job_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub items_asked: i32,
    pub rows_written: i32,
    pub outcome: String,
    pub error: Option<String>,
    pub item_errors: Json<Vec<ItemError>>,
    pub triggered_by: String,
}

/// A finished run's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub items_asked: usize,
    pub rows_written: usize,
    pub outcome: Outcome,
    pub error: Option<String>,
    pub item_errors: Vec<ItemError>,
}

const COLUMNS: &str = "id, job_id, started_at, finished_at, items_asked, rows_written, outcome, \
     error, item_errors, triggered_by";

/// Records a run as started (`running`); returns its id.
pub async fn start(pool: &PgPool, job_id: Uuid, trigger: Trigger) -> StoreResult<Uuid> {
    let id = sqlx::query_scalar(
        "INSERT INTO metrics_ingestion_runs (job_id, triggered_by) VALUES ($1, $2) RETURNING id",
    )
    .bind(job_id)
    .bind(trigger.as_str())
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Records how a run ended (in the caller's transaction, with the job's `record_run`, so the
/// history never shows a run ended while its job still holds the lease).
pub async fn finish(
    conn: &mut sqlx::PgConnection,
    run_id: Uuid,
    finished: &Finished,
) -> StoreResult<()> {
    let clamp = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    sqlx::query(
        "UPDATE metrics_ingestion_runs SET finished_at = NOW(), items_asked = $2,
             rows_written = $3, outcome = $4, error = $5, item_errors = $6
         WHERE id = $1",
    )
    .bind(run_id)
    .bind(clamp(finished.items_asked))
    .bind(clamp(finished.rows_written))
    .bind(finished.outcome.as_str())
    .bind(finished.error.as_deref())
    .bind(Json(&finished.item_errors))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Why a run a stopped process left `running` was closed.
pub const ABANDONED: &str = "the process running it stopped";

/// Closes as `failed` ([`ABANDONED`]) the runs still `running` whose job's lease has run out
/// (or was given back): the process running them stopped. A run under a live lease is never
/// touched: its job's lease is taken before the run is recorded and given back only after it
/// is finished, so a run another process holds always has a live lease. Returns how many.
pub async fn close_abandoned(pool: &PgPool) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE metrics_ingestion_runs r SET outcome = 'failed', finished_at = NOW(), error = $1
         FROM metrics_ingestion_jobs j
         WHERE r.job_id = j.id AND r.outcome = 'running'
           AND (j.locked_until IS NULL OR j.locked_until < NOW())",
    )
    .bind(ABANDONED)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// A job's runs, newest first, at most `limit`; `before` (a run's `started_at`) pages on.
pub async fn list(
    pool: &PgPool,
    job_id: Uuid,
    before: Option<DateTime<Utc>>,
    limit: i64,
) -> StoreResult<Vec<IngestionRun>> {
    let rows = sqlx::query_as::<_, IngestionRun>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM metrics_ingestion_runs
         WHERE job_id = $1 AND ($2::timestamptz IS NULL OR started_at < $2)
         ORDER BY started_at DESC, id DESC LIMIT $3"
    )))
    .bind(job_id)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// One run by id.
pub async fn get(pool: &PgPool, run_id: Uuid) -> StoreResult<Option<IngestionRun>> {
    let row = sqlx::query_as::<_, IngestionRun>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM metrics_ingestion_runs WHERE id = $1"
    )))
    .bind(run_id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// A published item's id, platform id, URL and publish time.
type ItemRow = (Uuid, Option<String>, Option<String>, DateTime<Utc>);

/// The items a job measures: published on `channel` between `since` and `until`, and when
/// `persona_id` is given, from that persona's plans (published item -> draft -> plan), oldest
/// first.
pub async fn items_to_measure(
    pool: &PgPool,
    channel: &str,
    persona_id: Option<Uuid>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<Vec<ItemToMeasure>> {
    let rows: Vec<ItemRow> = sqlx::query_as(
        "SELECT p.id, p.channel_item_id, p.channel_url, p.published_at
         FROM published_items p
         WHERE lower(p.channel) = $1 AND p.published_at >= $2 AND p.published_at <= $3
           AND ($4::uuid IS NULL OR EXISTS (
               SELECT 1 FROM content_drafts cd JOIN content_plans cp ON cp.id = cd.plan_id
               WHERE cd.id = p.draft_id AND cp.persona_id = $4))
         ORDER BY p.published_at, p.id",
    )
    .bind(channel)
    .bind(since)
    .bind(until)
    .bind(persona_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(published_item_id, channel_item_id, channel_url, published_at)| ItemToMeasure {
                published_item_id,
                channel_item_id,
                channel_url,
                published_at,
            },
        )
        .collect())
}
