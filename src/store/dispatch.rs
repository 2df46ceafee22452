//! Runs on their way to n8n: one `run_dispatches` row per run, written by `runs::create` in
//! the run's own transaction (so every way of creating a run dispatches it), claimed by the
//! dispatcher (`jobs::dispatch`) with a lease (`FOR UPDATE SKIP LOCKED`: several instances
//! never hold the same one), and marked sent (the run becomes `running`), retried later, failed
//! (the run becomes `failed` with the reason) or cancelled (the run was no longer pending).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgPool, Postgres};
use uuid::Uuid;

use super::{StoreError, StoreResult, lease};

/// Where a run's dispatch is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    sqlx::Type,
    serde::Serialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum DispatchState {
    /// Waiting for its (next) attempt.
    Queued,
    /// n8n accepted the run (2xx).
    Sent,
    /// n8n refused it (4xx) or every attempt failed; the run is `failed`.
    Failed,
    /// The run was no longer pending when its turn came; nothing was sent.
    Cancelled,
}

impl DispatchState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A dispatch row as the API shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct RunDispatch {
    pub run_id: Uuid,
    pub state: DispatchState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// n8n's HTTP status of the last answer, if there was one.
    pub last_status: Option<i32>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A claimed dispatch with what sending it needs: the run's ids, status and stored request.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DueDispatch {
    pub run_id: Uuid,
    /// Counting this claim.
    pub attempts: i32,
    pub project_id: Uuid,
    pub persona_id: Uuid,
    pub run_status: String,
    pub meta: Json<Value>,
}

const COLUMNS: &str =
    "run_id, state, attempts, next_attempt_at, last_error, last_status, sent_at, created_at";

/// Queues the dispatch of a run just inserted in `tx` (due at once).
pub(crate) async fn insert(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    run_id: Uuid,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO run_dispatches (run_id) VALUES ($1) ON CONFLICT (run_id) DO NOTHING")
        .bind(run_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn get(pool: &PgPool, run_id: Uuid) -> StoreResult<Option<RunDispatch>> {
    let row = sqlx::query_as::<_, RunDispatch>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM run_dispatches WHERE run_id = $1"
    )))
    .bind(run_id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Dispatches waiting for an attempt (the dispatch queue's depth).
pub async fn queued_count(pool: &PgPool) -> StoreResult<i64> {
    let n = sqlx::query_scalar("SELECT count(*) FROM run_dispatches WHERE state = 'queued'")
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Claims up to `limit` due dispatches for `lease` (longer than a send can take); one whose
/// dispatcher died is claimable again once its lease ran out. Each claim counts as an attempt.
pub async fn claim_due(
    pool: &PgPool,
    lease: Duration,
    limit: i64,
) -> StoreResult<Vec<DueDispatch>> {
    let rows = sqlx::query_as::<_, DueDispatch>(sqlx::AssertSqlSafe(format!(
        "WITH claimed AS ({} RETURNING run_id, attempts, next_attempt_at)
         SELECT c.run_id, c.attempts, r.project_id, r.persona_id, r.status AS run_status, r.meta
         FROM claimed c JOIN dashboard_runs r ON r.run_id = c.run_id
         ORDER BY c.next_attempt_at",
        lease::RUN_DISPATCHES.claim_due_update()
    )))
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// n8n accepted the run: the dispatch is sent and a pending run becomes `running` (a run n8n
/// already completed before its answer arrived keeps its final status), in one transaction.
pub async fn mark_sent(pool: &PgPool, run_id: Uuid, http_status: u16) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE run_dispatches SET state = 'sent', sent_at = NOW(), locked_until = NULL,
             last_error = NULL, last_status = $2, updated_at = NOW()
         WHERE run_id = $1 AND state = 'queued'",
    )
    .bind(run_id)
    .bind(i32::from(http_status))
    .execute(&mut *tx)
    .await?;
    ensure_was_queued(pool, run_id, done.rows_affected()).await?;
    sqlx::query(
        "UPDATE dashboard_runs SET status = 'running', updated_at = NOW()
         WHERE run_id = $1 AND status = 'pending'",
    )
    .bind(run_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A failure worth retrying (n8n down, timeout, 5xx): try again at `retry_at`.
pub async fn record_failure(
    pool: &PgPool,
    run_id: Uuid,
    error: &str,
    http_status: Option<u16>,
    retry_at: DateTime<Utc>,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE run_dispatches SET last_error = $2, last_status = $3, next_attempt_at = $4,
             locked_until = NULL, updated_at = NOW()
         WHERE run_id = $1 AND state = 'queued'",
    )
    .bind(run_id)
    .bind(error)
    .bind(http_status.map(i32::from))
    .bind(retry_at)
    .execute(pool)
    .await?;
    ensure_was_queued(pool, run_id, done.rows_affected()).await
}

/// The run will not reach n8n (refused, or out of attempts): the dispatch fails and a pending
/// run becomes `failed` with `reason` as its error, in one transaction.
pub async fn mark_failed(
    pool: &PgPool,
    run_id: Uuid,
    reason: &str,
    http_status: Option<u16>,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE run_dispatches SET state = 'failed', last_error = $2, last_status = $3,
             locked_until = NULL, updated_at = NOW()
         WHERE run_id = $1 AND state = 'queued'",
    )
    .bind(run_id)
    .bind(reason)
    .bind(http_status.map(i32::from))
    .execute(&mut *tx)
    .await?;
    ensure_was_queued(pool, run_id, done.rows_affected()).await?;
    sqlx::query(
        "UPDATE dashboard_runs SET status = 'failed', error_message = $2, completed_at = NOW(),
             updated_at = NOW()
         WHERE run_id = $1 AND status = 'pending'",
    )
    .bind(run_id)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The run was no longer pending when its dispatch came up: nothing is sent.
pub async fn cancel(pool: &PgPool, run_id: Uuid, reason: &str) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE run_dispatches SET state = 'cancelled', last_error = $2, locked_until = NULL,
             updated_at = NOW()
         WHERE run_id = $1 AND state = 'queued'",
    )
    .bind(run_id)
    .bind(reason)
    .execute(pool)
    .await?;
    ensure_was_queued(pool, run_id, done.rows_affected()).await
}

/// A state change that touched nothing: say whether the dispatch is unknown or already final.
async fn ensure_was_queued(pool: &PgPool, run_id: Uuid, changed: u64) -> StoreResult<()> {
    if changed > 0 {
        return Ok(());
    }
    Err(match get(pool, run_id).await? {
        Some(d) => StoreError::Conflict(format!(
            "the dispatch of run {run_id} is {}, not queued",
            d.state
        )),
        None => StoreError::not_found("run dispatch", run_id),
    })
}

/// Gives back claimed dispatches that were not tried (a dispatcher stopping mid-pass): claimable
/// again at once, by another instance too, without counting the claim as an attempt.
pub async fn release(pool: &PgPool, run_ids: &[Uuid]) -> StoreResult<u64> {
    lease::RUN_DISPATCHES.release(pool, run_ids).await
}
