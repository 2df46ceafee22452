//! Published items still waiting for their first normalized metrics, tracked incrementally
//! (`metrics_awaiting_items`, migration 0011) so the missing-metrics count costs a read of
//! this table, not an anti-join over every published item.
//!
//! Triggers on `normalized_metrics` (our table) remove an item when metrics arrive and add it
//! back when its last metrics are deleted; the table's foreign key drops a deleted item.
//! MPIS's `published_items` gets no trigger, so [`sync`] picks up new items past a watermark
//! on `published_at` (looking back [`LATE_WINDOW`] for items committed late) and recounts
//! everything when the tracker is new or reset, and every [`RECONCILE_EVERY`] (items
//! published even later than the window).

use chrono::{DateTime, Duration, Utc};
use sqlx::{Postgres, Transaction};

use super::StoreResult;

/// The advisory lock the sync takes exclusively and the triggers take shared (migration 0011).
const LOCK: i64 = 7_011_011;

/// How far behind the watermark an incremental sync looks for items committed late (MPIS's
/// `published_at` is its transaction's start, or a time it was given).
pub const LATE_WINDOW: Duration = Duration::hours(1);

/// How often the sync recounts every item instead (items arriving later than
/// [`LATE_WINDOW`]); a full recount costs about what the old anti-join did.
pub const RECONCILE_EVERY: Duration = Duration::minutes(10);

/// What a sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// Items past the watermark were checked.
    Incremental,
    /// Every item was recounted.
    Full,
}

/// Brings `metrics_awaiting_items` up to date inside `tx` (the caller reads it in the same
/// transaction). Serialized with the metric triggers by an advisory lock, so a measurement
/// committed while a sync runs is never lost.
pub async fn sync(tx: &mut Transaction<'_, Postgres>, now: DateTime<Utc>) -> StoreResult<Sync> {
    // The incremental statement is planned generically after a few runs (`published_at >= $1`
    // guessed at a third of the table), which costs enough to start JIT compilation: 0.2 s
    // for a statement that reads a few hundred rows.
    sqlx::query("SET LOCAL jit = off")
        .execute(&mut **tx)
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LOCK)
        .execute(&mut **tx)
        .await?;
    let (watermark, reconciled_at): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
        sqlx::query_as(
            "SELECT watermark, reconciled_at FROM metrics_awaiting_state WHERE singleton
             FOR UPDATE",
        )
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or((None, None));
    let due = reconciled_at.is_none_or(|at| now - at >= RECONCILE_EVERY);
    let kind = match watermark {
        Some(watermark) if !due => {
            // A subplan per item of the window (an index probe each), whatever the estimate:
            // an anti-join would hash every measurement.
            sqlx::query(
                "INSERT INTO metrics_awaiting_items (published_item_id, published_at, channel)
                 SELECT p.id, p.published_at, p.channel FROM published_items p
                 WHERE p.published_at >= $1
                   AND (SELECT 1 FROM normalized_metrics m
                        WHERE m.published_item_id = p.id LIMIT 1) IS NULL
                 ON CONFLICT DO NOTHING",
            )
            .bind(watermark - LATE_WINDOW)
            .execute(&mut **tx)
            .await?;
            Sync::Incremental
        }
        _ => {
            // Only the difference is written (deleted items left through the foreign key
            // already; tracked ones are skipped by the conflict, before any foreign-key
            // check): a recount that finds nothing new writes nothing. The table's statistics
            // first, so the delete is planned for the rows it holds.
            sqlx::query("ANALYZE metrics_awaiting_items")
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "DELETE FROM metrics_awaiting_items a
                 WHERE EXISTS (SELECT 1 FROM normalized_metrics m
                               WHERE m.published_item_id = a.published_item_id)",
            )
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO metrics_awaiting_items (published_item_id, published_at, channel)
                 SELECT p.id, p.published_at, p.channel FROM published_items p
                 WHERE NOT EXISTS (SELECT 1 FROM normalized_metrics m
                                   WHERE m.published_item_id = p.id)
                 ON CONFLICT DO NOTHING",
            )
            .execute(&mut **tx)
            .await?;
            sqlx::query("ANALYZE metrics_awaiting_items")
                .execute(&mut **tx)
                .await?;
            Sync::Full
        }
    };
    // The newest item seen, never past `now` (an item dated in the future must not move the
    // window past the items published meanwhile); none yet: no watermark, the next sync reads
    // all (nothing, or the few that came).
    sqlx::query(
        "INSERT INTO metrics_awaiting_state (singleton, watermark, reconciled_at)
         VALUES (TRUE, (SELECT CASE WHEN max(published_at) IS NOT NULL
                                    THEN LEAST(max(published_at), $1) END
                        FROM published_items), $2)
         ON CONFLICT (singleton) DO UPDATE SET
             watermark = GREATEST(CASE WHEN $3 THEN NULL ELSE metrics_awaiting_state.watermark END,
                                  EXCLUDED.watermark),
             reconciled_at = COALESCE(EXCLUDED.reconciled_at, metrics_awaiting_state.reconciled_at)",
    )
    .bind(now)
    .bind((kind == Sync::Full).then_some(now))
    .bind(kind == Sync::Full)
    .execute(&mut **tx)
    .await?;
    Ok(kind)
}

/// Forgets the tracked state: the next [`sync`] recounts every item (after a bulk load that
/// ran with triggers off).
pub async fn reset(tx: &mut Transaction<'_, Postgres>) -> StoreResult<()> {
    sqlx::query("UPDATE metrics_awaiting_state SET watermark = NULL, reconciled_at = NULL")
        .execute(&mut **tx)
        .await?;
    Ok(())
}
