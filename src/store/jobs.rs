//! Metrics ingestion jobs: cron schedules, with the next run computed on every write.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::{StoreError, StoreResult, map_constraint};
use crate::domain::channel::Channel;
use crate::domain::schedule::Schedule;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct IngestionJob {
    pub id: Uuid,
    pub job_name: String,
    pub channel: String,
    pub persona_id: Option<Uuid>,
    pub schedule_cron: String,
    pub last_run_at: Option<DateTime<Utc>>,
    pub next_run_at: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub config: Json<Value>,
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub job_name: String,
    pub channel: String,
    pub persona_id: Option<Uuid>,
    pub schedule_cron: String,
    pub config: Value,
    pub enabled: bool,
}

const COLUMNS: &str = "id, job_name, channel, persona_id, schedule_cron, last_run_at, next_run_at, \
     enabled, config, last_status, last_error, created_at";

/// Creates a job with a validated schedule and its first run time (the old service stored any
/// string and never computed `next_run_at`).
pub async fn create(pool: &PgPool, new: &NewJob, now: DateTime<Utc>) -> StoreResult<IngestionJob> {
    let name = new.job_name.trim();
    if name.is_empty() {
        return Err(StoreError::invalid("job_name", "must not be empty"));
    }
    let channel = Channel::parse(&new.channel);
    if channel.as_str().is_empty() {
        return Err(StoreError::invalid("channel", "must not be empty"));
    }
    let schedule = Schedule::parse(&new.schedule_cron)
        .map_err(|e| StoreError::invalid("schedule_cron", e.to_string()))?;
    let config = if new.config.is_null() {
        serde_json::json!({})
    } else {
        new.config.clone()
    };
    if !config.is_object() {
        return Err(StoreError::invalid("config", "must be a JSON object"));
    }
    sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "INSERT INTO metrics_ingestion_jobs (job_name, channel, persona_id, schedule_cron,
             next_run_at, enabled, config)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    )))
    .bind(name)
    .bind(channel.as_str())
    .bind(new.persona_id)
    .bind(schedule.as_str())
    .bind(schedule.next_after(now))
    .bind(new.enabled)
    .bind(Json(config))
    .fetch_one(pool)
    .await
    .map_err(|e| {
        match map_constraint(
            e,
            StoreError::not_found(
                "persona",
                new.persona_id.map(|p| p.to_string()).unwrap_or_default(),
            ),
        ) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("job_name {name:?} already exists"))
            }
            other => other,
        }
    })
}

pub async fn list(pool: &PgPool, limit: i64) -> StoreResult<Vec<IngestionJob>> {
    let rows = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM metrics_ingestion_jobs ORDER BY job_name LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub async fn set_enabled(
    pool: &PgPool,
    id: Uuid,
    enabled: bool,
    now: DateTime<Utc>,
) -> StoreResult<IngestionJob> {
    let job = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM metrics_ingestion_jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| StoreError::not_found("ingestion job", id))?;
    let next = if enabled {
        Schedule::parse(&job.schedule_cron)
            .ok()
            .and_then(|s| s.next_after(now))
    } else {
        job.next_run_at
    };
    let job = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "UPDATE metrics_ingestion_jobs SET enabled = $2, next_run_at = $3 WHERE id = $1
         RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(enabled)
    .bind(next)
    .fetch_one(pool)
    .await?;
    Ok(job)
}

/// Claims enabled jobs that are due, each for `lease`, so one instance runs each due job once.
pub async fn claim_due(
    pool: &PgPool,
    lease: Duration,
    limit: i64,
) -> StoreResult<Vec<IngestionJob>> {
    let rows = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "UPDATE metrics_ingestion_jobs SET locked_until = NOW() + make_interval(secs => $1)
         WHERE id IN (SELECT id FROM metrics_ingestion_jobs
                      WHERE enabled AND next_run_at <= NOW()
                        AND (locked_until IS NULL OR locked_until < NOW())
                      ORDER BY next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING {COLUMNS}"
    )))
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Records a finished run and schedules the next one from the job's cron.
pub async fn mark_ran(
    pool: &PgPool,
    id: Uuid,
    finished_at: DateTime<Utc>,
    error: Option<&str>,
) -> StoreResult<IngestionJob> {
    let cron: String =
        sqlx::query_scalar("SELECT schedule_cron FROM metrics_ingestion_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| StoreError::not_found("ingestion job", id))?;
    let next = Schedule::parse(&cron)
        .ok()
        .and_then(|s| s.next_after(finished_at));
    let job = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "UPDATE metrics_ingestion_jobs SET last_run_at = $2, next_run_at = $3, locked_until = NULL,
             last_status = $4, last_error = $5
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(finished_at)
    .bind(next)
    .bind(if error.is_some() { "failed" } else { "success" })
    .bind(error)
    .fetch_one(pool)
    .await?;
    Ok(job)
}

/// One job by id.
pub async fn get(pool: &PgPool, id: Uuid) -> StoreResult<Option<IngestionJob>> {
    let row = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM metrics_ingestion_jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Fields to change; `None` leaves a field as it is (`persona_id: Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct JobChanges {
    pub job_name: Option<String>,
    pub channel: Option<String>,
    pub persona_id: Option<Option<Uuid>>,
    pub schedule_cron: Option<String>,
    pub config: Option<Value>,
    pub enabled: Option<bool>,
}

/// Changes a job in one transaction (the row locked while it is read and written). The next
/// run is computed again from `now` when the schedule changes or the job is enabled again;
/// a config's credentials sent back as the redaction placeholder keep their stored values.
pub async fn update(
    pool: &PgPool,
    id: Uuid,
    changes: &JobChanges,
    now: DateTime<Utc>,
) -> StoreResult<IngestionJob> {
    let name = match &changes.job_name {
        Some(name) if name.trim().is_empty() => {
            return Err(StoreError::invalid("job_name", "must not be empty"));
        }
        Some(name) => Some(name.trim().to_string()),
        None => None,
    };
    let channel = match &changes.channel {
        Some(raw) => {
            let channel = Channel::parse(raw);
            if channel.as_str().is_empty() {
                return Err(StoreError::invalid("channel", "must not be empty"));
            }
            Some(channel.as_str().to_string())
        }
        None => None,
    };
    let schedule = changes
        .schedule_cron
        .as_deref()
        .map(Schedule::parse)
        .transpose()
        .map_err(|e| StoreError::invalid("schedule_cron", e.to_string()))?;
    if changes.config.as_ref().is_some_and(|c| !c.is_object()) {
        return Err(StoreError::invalid("config", "must be a JSON object"));
    }
    let mut tx = pool.begin().await?;
    let job = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM metrics_ingestion_jobs WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found("ingestion job", id))?;
    let enabled = changes.enabled.unwrap_or(job.enabled);
    let reschedule = schedule.is_some() || (enabled && !job.enabled);
    let next_run_at = if reschedule {
        match &schedule {
            Some(s) => s.next_after(now),
            None => Schedule::parse(&job.schedule_cron)
                .ok()
                .and_then(|s| s.next_after(now)),
        }
    } else {
        job.next_run_at
    };
    let config = changes
        .config
        .as_ref()
        .map(|c| crate::domain::redact::keep_redacted(c, &job.config.0));
    let persona_id = changes.persona_id.unwrap_or(job.persona_id);
    let updated = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "UPDATE metrics_ingestion_jobs SET job_name = $2, channel = $3, persona_id = $4,
             schedule_cron = $5, next_run_at = $6, enabled = $7, config = $8
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(name.as_deref().unwrap_or(&job.job_name))
    .bind(channel.as_deref().unwrap_or(&job.channel))
    .bind(persona_id)
    .bind(
        schedule
            .as_ref()
            .map_or(job.schedule_cron.as_str(), Schedule::as_str),
    )
    .bind(next_run_at)
    .bind(enabled)
    .bind(Json(config.unwrap_or(job.config.0)))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        let missing = StoreError::not_found(
            "persona",
            persona_id.map(|p| p.to_string()).unwrap_or_default(),
        );
        match map_constraint(e, missing) {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "job_name {:?} already exists",
                name.as_deref().unwrap_or_default()
            )),
            other => other,
        }
    })?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a job; an unknown id is `NotFound`.
pub async fn delete(pool: &PgPool, id: Uuid) -> StoreResult<()> {
    let done = sqlx::query("DELETE FROM metrics_ingestion_jobs WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::not_found("ingestion job", id));
    }
    Ok(())
}

/// Claims one job's lease for `lease` whatever its schedule (a run-now): `Ok(None)` when a run
/// holds it already (scheduled or manual), so the two never overlap; `NotFound` for no job.
pub async fn claim_one(
    pool: &PgPool,
    id: Uuid,
    lease: Duration,
) -> StoreResult<Option<IngestionJob>> {
    let claimed = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "UPDATE metrics_ingestion_jobs SET locked_until = NOW() + make_interval(secs => $2)
         WHERE id = $1 AND (locked_until IS NULL OR locked_until < NOW())
         RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(lease.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    if claimed.is_none() && get(pool, id).await?.is_none() {
        return Err(StoreError::not_found("ingestion job", id));
    }
    Ok(claimed)
}

/// How a run of a job ended, for the job's row.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult<'a> {
    /// `success`, `partial` or `failed`.
    pub status: &'a str,
    pub error: Option<&'a str>,
    /// Whether the run wrote rows (or had nothing to measure): resets the failures in a row.
    pub succeeded: bool,
    /// The platform asked to wait until then (a `Retry-After`): the next run is not earlier.
    pub not_before: Option<DateTime<Utc>>,
}

/// Records a finished run on its job and gives the lease back: `last_run_at`, the status and
/// error, the failures in a row, `last_success_at`, and the next run from the cron after
/// `finished_at` (so a job due many times while nothing ran runs once), never before
/// `not_before`.
pub async fn record_run(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    finished_at: DateTime<Utc>,
    result: &RunResult<'_>,
) -> StoreResult<IngestionJob> {
    let cron: String =
        sqlx::query_scalar("SELECT schedule_cron FROM metrics_ingestion_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("ingestion job", id))?;
    let next = Schedule::parse(&cron)
        .ok()
        .and_then(|s| s.next_after(finished_at))
        .map(|next| result.not_before.map_or(next, |wait| next.max(wait)));
    let job = sqlx::query_as::<_, IngestionJob>(sqlx::AssertSqlSafe(format!(
        "UPDATE metrics_ingestion_jobs SET last_run_at = $2, next_run_at = $3, locked_until = NULL,
             last_status = $4, last_error = $5,
             consecutive_failures = CASE WHEN $6 THEN 0 ELSE consecutive_failures + 1 END,
             last_success_at = CASE WHEN $6 THEN $2 ELSE last_success_at END
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(finished_at)
    .bind(next)
    .bind(result.status)
    .bind(result.error)
    .bind(result.succeeded)
    .fetch_one(&mut *conn)
    .await?;
    Ok(job)
}

/// A job's failures in a row and its last successful run (`record_run` keeps them).
pub async fn failure_streak(
    pool: &PgPool,
    id: Uuid,
) -> StoreResult<Option<(i32, Option<DateTime<Utc>>)>> {
    let row = sqlx::query_as(
        "SELECT consecutive_failures, last_success_at FROM metrics_ingestion_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Gives a claimed job's lease back without recording a run (a run that never started).
pub async fn release(pool: &PgPool, id: Uuid) -> StoreResult<()> {
    sqlx::query("UPDATE metrics_ingestion_jobs SET locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
