//! Publish records and their forwarding state: the outbox.
//!
//! A record is written (with its audit entry) before MPIS is called; the forwarder claims due
//! records with a lease (`FOR UPDATE SKIP LOCKED`, so several instances never claim the same
//! one), and marks each forwarded, retried later, or failed for good. The idempotency key makes
//! a re-submitted form or callback return the record already written instead of a second one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{StoreError, StoreResult, audit, lease, map_constraint};

/// Where a publish record is on its way to MPIS.
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
pub enum OutboxState {
    /// Waiting for its (next) attempt.
    Queued,
    /// MPIS accepted it (or already had it).
    Forwarded,
    /// MPIS refused it for good (4xx); not retried.
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct PublishRecord {
    pub id: Uuid,
    pub idempotency_key: String,
    pub run_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub persona_id: Option<Uuid>,
    pub published_at: DateTime<Utc>,
    pub draft_id: Uuid,
    pub channel: String,
    pub channel_item_id: Option<String>,
    pub channel_url: Option<String>,
    pub state: OutboxState,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub mpis_published_item_id: Option<Uuid>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewPublishRecord {
    pub idempotency_key: String,
    pub run_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub persona_id: Option<Uuid>,
    pub published_at: Option<DateTime<Utc>>,
    pub draft_id: Uuid,
    pub channel: String,
    pub channel_item_id: Option<String>,
    pub channel_url: Option<String>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enqueued {
    pub record: PublishRecord,
    /// False when the idempotency key was seen before and the earlier record is returned.
    pub created: bool,
}

/// How many records are in each state (the outbox widget's header).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct OutboxCounts {
    pub queued: i64,
    pub forwarded: i64,
    pub failed: i64,
}

const COLUMNS: &str = "id, idempotency_key, run_id, project_id, persona_id, published_at, draft_id, \
     channel, channel_item_id, channel_url, state, attempts, last_error, next_attempt_at, \
     mpis_published_item_id, forwarded_at, created_by, created_at";

/// Writes a queued record and its audit entry in one transaction.
pub async fn enqueue(pool: &PgPool, new: &NewPublishRecord) -> StoreResult<Enqueued> {
    let (key, channel) = checked_key_and_channel(new)?;
    let mut tx = pool.begin().await?;
    let Some(record) = insert_queued(&mut tx, new, key, &channel).await? else {
        tx.rollback().await?;
        let existing = get_by_key(pool, key)
            .await?
            .ok_or_else(|| StoreError::not_found("publish record", key))?;
        return Ok(Enqueued {
            record: existing,
            created: false,
        });
    };
    tx.commit().await?;
    Ok(Enqueued {
        record,
        created: true,
    })
}

/// [`enqueue`] for a caller that chose its own idempotency key (the API's `Idempotency-Key`):
/// one record per publication whatever the keys. The same key returns its record (a
/// [`StoreError::Conflict`] when that record is another publication: draft, channel or item
/// differ); a publication already recorded under another key returns that record, so MPIS
/// never gets it twice. Serialized per publication with a transaction-level advisory lock.
pub async fn enqueue_once(pool: &PgPool, new: &NewPublishRecord) -> StoreResult<Enqueued> {
    let (key, channel) = checked_key_and_channel(new)?;
    let identity = format!(
        "publish_record:{}:{}:{}",
        new.draft_id,
        channel,
        new.channel_item_id.as_deref().unwrap_or("")
    );
    let same_publish = |record: &PublishRecord| {
        record.draft_id == new.draft_id
            && record.channel == channel
            && record.channel_item_id.as_deref() == new.channel_item_id.as_deref()
    };
    let reused = |record: &PublishRecord| {
        StoreError::Conflict(format!(
            "idempotency key {key:?} was used for another publish (draft {}, channel {}, item {}): \
             publish record {}",
            record.draft_id,
            record.channel,
            record.channel_item_id.as_deref().unwrap_or("none"),
            record.id
        ))
    };
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(&identity)
        .execute(&mut *tx)
        .await?;
    let by_key = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM publish_records WHERE idempotency_key = $1"
    )))
    .bind(key)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(record) = by_key {
        tx.rollback().await?;
        return if same_publish(&record) {
            Ok(Enqueued {
                record,
                created: false,
            })
        } else {
            Err(reused(&record))
        };
    }
    let by_publish = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM publish_records
         WHERE draft_id = $1 AND channel = $2 AND channel_item_id IS NOT DISTINCT FROM $3
         ORDER BY created_at, id LIMIT 1"
    )))
    .bind(new.draft_id)
    .bind(&channel)
    .bind(new.channel_item_id.as_deref())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(record) = by_publish {
        tx.rollback().await?;
        return Ok(Enqueued {
            record,
            created: false,
        });
    }
    match insert_queued(&mut tx, new, key, &channel).await? {
        Some(record) => {
            tx.commit().await?;
            Ok(Enqueued {
                record,
                created: true,
            })
        }
        // The key was taken meanwhile by a request for another publication (another lock).
        None => {
            tx.rollback().await?;
            let record = get_by_key(pool, key)
                .await?
                .ok_or_else(|| StoreError::not_found("publish record", key))?;
            if same_publish(&record) {
                Ok(Enqueued {
                    record,
                    created: false,
                })
            } else {
                Err(reused(&record))
            }
        }
    }
}

/// The trimmed key and the lowercased channel, both required.
fn checked_key_and_channel(new: &NewPublishRecord) -> StoreResult<(&str, String)> {
    let key = new.idempotency_key.trim();
    if key.is_empty() {
        return Err(StoreError::invalid("idempotency_key", "must not be empty"));
    }
    let channel = new.channel.trim().to_lowercase();
    if channel.is_empty() {
        return Err(StoreError::invalid("channel", "must not be empty"));
    }
    Ok((key, channel))
}

/// Inserts a queued record and its audit entry in `tx`; `None` when the key exists already.
async fn insert_queued(
    tx: &mut sqlx::PgConnection,
    new: &NewPublishRecord,
    key: &str,
    channel: &str,
) -> StoreResult<Option<PublishRecord>> {
    let inserted = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "INSERT INTO publish_records (idempotency_key, run_id, project_id, persona_id, published_at,
             draft_id, channel, channel_item_id, channel_url, created_by)
         VALUES ($1, $2, $3, $4, COALESCE($5, NOW()), $6, $7, $8, $9, $10)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING {COLUMNS}"
    )))
    .bind(key)
    .bind(new.run_id)
    .bind(new.project_id)
    .bind(new.persona_id)
    .bind(new.published_at)
    .bind(new.draft_id)
    .bind(channel)
    .bind(new.channel_item_id.as_deref())
    .bind(new.channel_url.as_deref())
    .bind(&new.created_by)
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| map_constraint(e, StoreError::invalid("project_id", "project not found")))?;
    let Some(record) = inserted else {
        return Ok(None);
    };
    audit::record(
        tx,
        "publish_recorded",
        "publish_record",
        record.id,
        &new.created_by,
        json!({"draft_id": record.draft_id, "channel": record.channel,
               "channel_item_id": record.channel_item_id, "run_id": record.run_id}),
    )
    .await?;
    Ok(Some(record))
}

pub async fn get(pool: &PgPool, id: Uuid) -> StoreResult<Option<PublishRecord>> {
    let row = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM publish_records WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub async fn get_by_key(pool: &PgPool, key: &str) -> StoreResult<Option<PublishRecord>> {
    let row = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM publish_records WHERE idempotency_key = $1"
    )))
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Records not forwarded (queued or failed), newest first.
pub async fn list_unforwarded(pool: &PgPool, limit: i64) -> StoreResult<Vec<PublishRecord>> {
    let rows = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM publish_records WHERE state <> 'forwarded'
         ORDER BY created_at DESC, id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub async fn counts(pool: &PgPool) -> StoreResult<OutboxCounts> {
    let counts = sqlx::query_as::<_, OutboxCounts>(
        "SELECT count(*) FILTER (WHERE state = 'queued') AS queued,
                count(*) FILTER (WHERE state = 'forwarded') AS forwarded,
                count(*) FILTER (WHERE state = 'failed') AS failed
         FROM publish_records",
    )
    .fetch_one(pool)
    .await?;
    Ok(counts)
}

/// Claims up to `limit` due records for `lease`; a record whose forwarder died is claimable
/// again once its lease ran out. Each claim counts as an attempt.
pub async fn claim_due(
    pool: &PgPool,
    lease: Duration,
    limit: i64,
) -> StoreResult<Vec<PublishRecord>> {
    let rows = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "{} RETURNING {COLUMNS}",
        lease::PUBLISH_RECORDS.claim_due_update()
    )))
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Claims one record for `lease` if it is queued and not held by another forwarder (whether
/// or not its retry is due: the operator asked for it now). Counts as an attempt.
pub async fn claim(pool: &PgPool, id: Uuid, lease: Duration) -> StoreResult<Option<PublishRecord>> {
    let row = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "UPDATE publish_records SET locked_until = NOW() + make_interval(secs => $2),
             attempts = attempts + 1, updated_at = NOW()
         WHERE id = (SELECT id FROM publish_records
                     WHERE id = $1 AND state = 'queued'
                       AND (locked_until IS NULL OR locked_until < NOW())
                     FOR UPDATE SKIP LOCKED)
         RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(lease.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// MPIS accepted the record: store its published item id and link the run's item to it.
pub async fn mark_forwarded(
    pool: &PgPool,
    id: Uuid,
    mpis_item_id: Uuid,
) -> StoreResult<PublishRecord> {
    let mut tx = pool.begin().await?;
    let record = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "UPDATE publish_records SET state = 'forwarded', mpis_published_item_id = $2,
             forwarded_at = NOW(), locked_until = NULL, last_error = NULL, updated_at = NOW()
         WHERE id = $1 AND state = 'queued' RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(mpis_item_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::Conflict(format!("publish record {id} is not queued")))?;
    sqlx::query(
        "UPDATE dashboard_run_items SET published_item_id = $1
         WHERE run_id = $2 AND draft_id = $3 AND lower(channel) = lower($4)
           AND channel_item_id IS NOT DISTINCT FROM $5 AND published_item_id IS NULL",
    )
    .bind(mpis_item_id)
    .bind(record.run_id)
    .bind(record.draft_id)
    .bind(&record.channel)
    .bind(record.channel_item_id.as_deref())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// The published item MPIS already holds for this record, if the dashboard shares MPIS's
/// database and an earlier attempt got through (its answer lost, or the process died before
/// marking the record).
///
/// The same draft, channel and channel item id is the same publish; clocks are never compared
/// (MPIS writes naive UTC, shifted on a database whose time zone is not UTC). An item already
/// claimed by another record is someone else's publish, so a deliberate second publish of a
/// draft without an item id is not mistaken for this one.
pub async fn find_in_mpis(pool: &PgPool, record: &PublishRecord) -> StoreResult<Option<Uuid>> {
    let id = sqlx::query_scalar(
        "SELECT p.id FROM published_items p
         WHERE p.draft_id = $1 AND lower(p.channel) = lower($2)
           AND p.channel_item_id IS NOT DISTINCT FROM $3
           AND NOT EXISTS (SELECT 1 FROM publish_records r
                           WHERE r.mpis_published_item_id = p.id AND r.id <> $4)
         ORDER BY p.published_at, p.id LIMIT 1",
    )
    .bind(record.draft_id)
    .bind(&record.channel)
    .bind(record.channel_item_id.as_deref())
    .bind(record.id)
    .fetch_optional(pool)
    .await?;
    Ok(id)
}

/// A retryable failure (MPIS down, timeout, 5xx): try again at `retry_at`.
pub async fn record_failure(
    pool: &PgPool,
    id: Uuid,
    error: &str,
    retry_at: DateTime<Utc>,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE publish_records SET last_error = $2, next_attempt_at = $3, locked_until = NULL,
             updated_at = NOW()
         WHERE id = $1 AND state = 'queued'",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .execute(pool)
    .await?;
    ensure_was_queued(pool, id, done.rows_affected()).await
}

/// MPIS refused the record for good (4xx, e.g. unknown draft): stop retrying, keep the reason.
pub async fn mark_failed(pool: &PgPool, id: Uuid, error: &str) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE publish_records SET state = 'failed', last_error = $2, locked_until = NULL,
             updated_at = NOW()
         WHERE id = $1 AND state = 'queued'",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await?;
    ensure_was_queued(pool, id, done.rows_affected()).await
}

/// A state change that touched nothing: say whether the record is unknown or already final.
async fn ensure_was_queued(pool: &PgPool, id: Uuid, changed: u64) -> StoreResult<()> {
    if changed > 0 {
        return Ok(());
    }
    Err(match get(pool, id).await? {
        Some(record) => StoreError::Conflict(format!(
            "publish record {id} is {}, not queued",
            record.state
        )),
        None => StoreError::not_found("publish record", id),
    })
}

/// An operator retries a failed record: it is queued again, due now, with an audit entry (who,
/// and the error it had), in one transaction. Only a failed record can be retried.
pub async fn retry_failed(pool: &PgPool, id: Uuid, operator: &str) -> StoreResult<PublishRecord> {
    let mut tx = pool.begin().await?;
    let before: Option<(OutboxState, i32, Option<String>)> = sqlx::query_as(
        "SELECT state, attempts, last_error FROM publish_records WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let (state, attempts, last_error) =
        before.ok_or_else(|| StoreError::not_found("publish record", id))?;
    if state != OutboxState::Failed {
        return Err(StoreError::Conflict(format!(
            "publish record {id} is {state}, not failed: only a failed record is retried"
        )));
    }
    let record = sqlx::query_as::<_, PublishRecord>(sqlx::AssertSqlSafe(format!(
        "UPDATE publish_records SET state = 'queued', next_attempt_at = NOW(),
             locked_until = NULL, updated_at = NOW()
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        "publish_retried",
        "publish_record",
        id,
        operator,
        json!({"attempts": attempts, "last_error": last_error}),
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Gives back records a forwarder claimed but did not try (it is stopping): claimable again at
/// once by anyone, and the claim no longer counts as an attempt. Returns how many.
pub async fn release(pool: &PgPool, ids: &[Uuid]) -> StoreResult<u64> {
    lease::PUBLISH_RECORDS.release(pool, ids).await
}
