//! The lease both work queues share (`publish_records` for the outbox forwarder,
//! `run_dispatches` for the n8n dispatcher): a due, queued row is claimed for a while
//! (`locked_until`, `FOR UPDATE SKIP LOCKED`, so several instances never hold the same one),
//! each claim counting as an attempt; a worker stopping gives back what it did not try.
//! The rows, their states and what a claim returns stay each queue's own.

use sqlx::PgPool;
use uuid::Uuid;

use super::StoreResult;

/// A queue: its table and the column that names a row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Queue {
    pub table: &'static str,
    pub key: &'static str,
}

pub(crate) const PUBLISH_RECORDS: Queue = Queue {
    table: "publish_records",
    key: "id",
};

pub(crate) const RUN_DISPATCHES: Queue = Queue {
    table: "run_dispatches",
    key: "run_id",
};

impl Queue {
    /// The UPDATE that claims up to `$2` due rows for `$1` seconds, oldest due first; the
    /// caller adds its `RETURNING`.
    pub(crate) fn claim_due_update(self) -> String {
        let Queue { table, key } = self;
        format!(
            "UPDATE {table} SET locked_until = NOW() + make_interval(secs => $1),
                 attempts = attempts + 1, updated_at = NOW()
             WHERE {key} IN (SELECT {key} FROM {table}
                             WHERE state = 'queued' AND next_attempt_at <= NOW()
                               AND (locked_until IS NULL OR locked_until < NOW())
                             ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
        )
    }

    /// Gives back claimed rows that were not tried: claimable again at once, by another
    /// instance too, and the claim no longer counts as an attempt. Returns how many.
    pub(crate) async fn release(self, pool: &PgPool, ids: &[Uuid]) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let Queue { table, key } = self;
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET locked_until = NULL, attempts = GREATEST(attempts - 1, 0),
                 updated_at = NOW()
             WHERE {key} = ANY($1) AND state = 'queued' AND locked_until IS NOT NULL"
        )))
        .bind(ids)
        .execute(pool)
        .await?;
        Ok(done.rows_affected())
    }
}
