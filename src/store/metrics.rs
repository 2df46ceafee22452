//! Normalized metrics: batch inserts, and the aggregates the dashboard charts read.
//!
//! Charts read `metric_daily_rollups` (maintained by a trigger on insert/delete), so a 90-day
//! chart reads a few hundred rows however many measurements exist. `normalized_metrics` is
//! append-only: a new measurement is a new row.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::{StoreError, StoreResult, map_constraint};
use crate::domain::channel::Channel;
use crate::domain::metrics::{self, NormalizedMetrics};

/// Largest value `NUMERIC(5,4)` holds.
const MAX_ENGAGEMENT_RATE: f64 = 9.9999;
const INSERT_CHUNK: usize = 5_000;

/// One measurement to store.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub published_item_id: Uuid,
    pub channel: Channel,
    pub metrics: NormalizedMetrics,
    pub raw: Value,
    pub measured_at: DateTime<Utc>,
    pub source: String,
    /// The item's persona when the caller has looked it up already (the ingest route, with
    /// [`items_for_metrics`]); `None`: looked up on insert.
    pub persona_id: Option<Uuid>,
}

impl MetricRow {
    /// Normalizes a channel's raw metrics (reference §3.2) into a row.
    pub fn from_raw(
        published_item_id: Uuid,
        channel: &str,
        raw: Value,
        measured_at: DateTime<Utc>,
        source: &str,
    ) -> MetricRow {
        let channel = Channel::parse(channel);
        let metrics = metrics::normalize(&channel, &raw);
        MetricRow {
            published_item_id,
            channel,
            metrics,
            raw,
            measured_at,
            source: source.to_string(),
            persona_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ChannelAggregate {
    pub channel: String,
    pub measurements: i64,
    pub avg_engagement: Option<f64>,
    pub views: i64,
    pub reactions: i64,
    pub comments: i64,
    pub shares: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct DailyEngagement {
    pub day: NaiveDate,
    pub channel: String,
    pub measurements: i64,
    pub avg_engagement: Option<f64>,
    pub views: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ItemPerformance {
    pub published_item_id: Uuid,
    pub channel: String,
    pub channel_url: Option<String>,
    pub published_at: DateTime<Utc>,
    pub views: Option<i32>,
    pub reactions: Option<i32>,
    pub comments: Option<i32>,
    pub shares: Option<i32>,
    pub engagement_rate: Option<f64>,
    pub measured_at: Option<DateTime<Utc>>,
}

/// Inserts measurements in chunks of one statement each, all in one transaction: either every
/// row lands or none does.
pub async fn insert_batch(pool: &PgPool, rows: &[MetricRow]) -> StoreResult<u64> {
    Ok(insert_batch_ids(pool, rows).await?.len() as u64)
}

/// [`insert_batch`], returning each row's new id in the order of `rows` (the ids are made
/// here and inserted with the rows, so the order never depends on the server's).
pub async fn insert_batch_ids(pool: &PgPool, rows: &[MetricRow]) -> StoreResult<Vec<Uuid>> {
    for (index, row) in rows.iter().enumerate() {
        if let Some(rate) = row.metrics.engagement_rate
            && !(0.0..=MAX_ENGAGEMENT_RATE).contains(&rate)
        {
            return Err(StoreError::invalid(
                format!("metrics[{index}].engagement_rate"),
                format!("{rate} is outside 0..{MAX_ENGAGEMENT_RATE}"),
            ));
        }
    }
    // Time-ordered ids: each new row's key lands at the right edge of the primary key's
    // B-tree instead of on a random page of it.
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    if rows.len() <= INSERT_CHUNK {
        // One statement is atomic by itself: no BEGIN/COMMIT round trips, and the rollup
        // rows it updates are locked only for the statement.
        insert_chunk(pool, rows, &ids).await?;
        return Ok(ids);
    }
    let mut tx = pool.begin().await?;
    for (chunk, chunk_ids) in rows.chunks(INSERT_CHUNK).zip(ids.chunks(INSERT_CHUNK)) {
        insert_chunk(&mut *tx, chunk, chunk_ids).await?;
    }
    tx.commit().await?;
    Ok(ids)
}

async fn insert_chunk<'c>(
    db: impl sqlx::PgExecutor<'c>,
    chunk: &[MetricRow],
    chunk_ids: &[Uuid],
) -> StoreResult<()> {
    let column = |f: fn(&NormalizedMetrics) -> Option<i64>| -> Vec<Option<i32>> {
        chunk
            .iter()
            .map(|r| f(&r.metrics).map(|v| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32))
            .collect()
    };
    sqlx::query(
        // A persona not given is looked up here (COALESCE evaluates the lookup only then), so
        // the per-row trigger that would look it up (mpis_dash_metrics_fill_persona) has
        // nothing to do.
        "INSERT INTO normalized_metrics (published_item_id, channel, views, impressions, reach,
             reactions, comments, shares, saves, clicks, engagement_rate, raw_metrics,
             measured_at, source, id, persona_id)
         SELECT u.item, u.channel, u.views, u.impressions, u.reach, u.reactions, u.comments,
                u.shares, u.saves, u.clicks, u.rate, u.raw, u.measured_at, u.source, u.id,
                COALESCE(u.persona, (
                    SELECT cp.persona_id FROM published_items p
                    JOIN content_drafts cd ON cd.id = p.draft_id
                    JOIN content_plans cp ON cp.id = cd.plan_id
                    WHERE p.id = u.item))
         FROM UNNEST($1::uuid[], $2::text[], $3::int[], $4::int[], $5::int[],
             $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::numeric(5,4)[],
             $12::jsonb[], $13::timestamptz[], $14::text[], $15::uuid[], $16::uuid[])
             AS u(item, channel, views, impressions, reach, reactions, comments, shares,
                  saves, clicks, rate, raw, measured_at, source, id, persona)",
    )
    .bind(
        chunk
            .iter()
            .map(|r| r.published_item_id)
            .collect::<Vec<_>>(),
    )
    .bind(
        chunk
            .iter()
            .map(|r| r.channel.as_str().to_string())
            .collect::<Vec<_>>(),
    )
    .bind(column(|m| m.views))
    .bind(column(|m| m.impressions))
    .bind(column(|m| m.reach))
    .bind(column(|m| m.reactions))
    .bind(column(|m| m.comments))
    .bind(column(|m| m.shares))
    .bind(column(|m| m.saves))
    .bind(column(|m| m.clicks))
    .bind(
        chunk
            .iter()
            .map(|r| r.metrics.engagement_rate)
            .collect::<Vec<_>>(),
    )
    .bind(chunk.iter().map(|r| Json(&r.raw)).collect::<Vec<_>>())
    .bind(chunk.iter().map(|r| r.measured_at).collect::<Vec<_>>())
    .bind(chunk.iter().map(|r| r.source.as_str()).collect::<Vec<_>>())
    .bind(chunk_ids)
    .bind(chunk.iter().map(|r| r.persona_id).collect::<Vec<_>>())
    .execute(db)
    .await
    .map_err(|e| {
        map_constraint(
            e,
            StoreError::invalid("published_item_id", "published item not found"),
        )
    })?;
    Ok(())
}

/// What the ingest routes need of a measured item: its channel (to name a measurement for
/// another channel) and its persona (stored with the measurement).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ItemFacts {
    pub channel: String,
    pub persona_id: Option<Uuid>,
}

/// The facts of each of `ids` that is a published item (MPIS's `published_items`), for
/// naming unknown items and channels that differ before an insert.
pub async fn items_for_metrics(
    pool: &PgPool,
    ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, ItemFacts>> {
    #[derive(sqlx::FromRow)]
    struct Found {
        id: Uuid,
        #[sqlx(flatten)]
        facts: ItemFacts,
    }
    let found: Vec<Found> = sqlx::query_as(
        "SELECT p.id, p.channel, cp.persona_id
         FROM published_items p
         LEFT JOIN content_drafts cd ON cd.id = p.draft_id
         LEFT JOIN content_plans cp ON cp.id = cd.plan_id
         WHERE p.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(found.into_iter().map(|f| (f.id, f.facts)).collect())
}

/// Average engagement and volume per channel over the last `days` days (today included).
pub async fn per_channel(
    pool: &PgPool,
    days: i32,
    persona_id: Option<Uuid>,
) -> StoreResult<Vec<ChannelAggregate>> {
    let rows = sqlx::query_as::<_, ChannelAggregate>(
        "SELECT channel, sum(metric_rows)::bigint AS measurements,
                sum(engagement_sum) / NULLIF(sum(rated_rows), 0) AS avg_engagement,
                sum(views_sum)::bigint AS views, sum(reactions_sum)::bigint AS reactions,
                sum(comments_sum)::bigint AS comments, sum(shares_sum)::bigint AS shares
         FROM metric_daily_rollups
         WHERE day > (NOW() AT TIME ZONE 'UTC')::date - $1
           AND ($2::uuid IS NULL OR persona_id = $2)
         GROUP BY channel HAVING sum(metric_rows) > 0 ORDER BY channel",
    )
    .bind(days)
    .bind(persona_id)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Average engagement per UTC day and channel over the last `days` days, oldest first.
pub async fn engagement_per_day(
    pool: &PgPool,
    days: i32,
    channel: Option<&str>,
    persona_id: Option<Uuid>,
) -> StoreResult<Vec<DailyEngagement>> {
    let rows = sqlx::query_as::<_, DailyEngagement>(
        "SELECT day, channel, sum(metric_rows)::bigint AS measurements,
                sum(engagement_sum) / NULLIF(sum(rated_rows), 0) AS avg_engagement,
                sum(views_sum)::bigint AS views
         FROM metric_daily_rollups
         WHERE day > (NOW() AT TIME ZONE 'UTC')::date - $1
           AND ($2::text IS NULL OR channel = lower($2))
           AND ($3::uuid IS NULL OR persona_id = $3)
         GROUP BY day, channel HAVING sum(metric_rows) > 0 ORDER BY day, channel",
    )
    .bind(days)
    .bind(channel)
    .bind(persona_id)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// The best items by engagement measured in the last `days` days, one row per item.
/// Walks the engagement index from the top, so it reads a few hundred rows at most.
///
/// The best `10 * limit` measurements are the candidates; an item measured often (an hourly
/// ingestion job) can fill most of them, so when they hold fewer than `limit` items and more
/// measurements exist, the window is widened until it holds enough.
pub async fn top_items(
    pool: &PgPool,
    days: i32,
    limit: i64,
    channel: Option<&str>,
) -> StoreResult<Vec<ItemPerformance>> {
    if limit <= 0 {
        return Ok(Vec::new());
    }
    let mut candidates = limit.saturating_mul(10);
    loop {
        let rows = sqlx::query_as::<_, ItemPerformance>(
            "SELECT best.published_item_id, p.channel, p.channel_url, p.published_at, best.views,
                    best.reactions, best.comments, best.shares,
                    best.engagement_rate::float8 AS engagement_rate, best.measured_at
             FROM (SELECT DISTINCT ON (published_item_id) * FROM (
                       SELECT published_item_id, views, reactions, comments, shares,
                              engagement_rate, measured_at
                       FROM normalized_metrics
                       WHERE engagement_rate IS NOT NULL
                         AND measured_at > NOW() - make_interval(days => $1)
                         AND ($3::text IS NULL OR lower(channel) = lower($3))
                       ORDER BY engagement_rate DESC LIMIT $4) AS candidates
                   ORDER BY published_item_id, engagement_rate DESC) AS best
             JOIN published_items p ON p.id = best.published_item_id
             ORDER BY best.engagement_rate DESC, p.published_at DESC LIMIT $2",
        )
        .bind(days)
        .bind(limit)
        .bind(channel)
        .bind(candidates)
        .fetch_all(pool)
        .await?;
        if rows.len() as i64 >= limit {
            return Ok(rows);
        }
        let available: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (
                 SELECT 1 FROM normalized_metrics
                 WHERE engagement_rate IS NOT NULL
                   AND measured_at > NOW() - make_interval(days => $1)
                   AND ($2::text IS NULL OR lower(channel) = lower($2))
                 ORDER BY engagement_rate DESC LIMIT $3) AS c",
        )
        .bind(days)
        .bind(channel)
        .bind(candidates)
        .fetch_one(pool)
        .await?;
        if available < candidates {
            return Ok(rows); // every measurement was a candidate: there are no more items
        }
        candidates = candidates.saturating_mul(4);
    }
}

/// The newest published items with their latest measurement (if any).
pub async fn recent_posts(
    pool: &PgPool,
    limit: i64,
    channel: Option<&str>,
) -> StoreResult<Vec<ItemPerformance>> {
    let rows = sqlx::query_as::<_, ItemPerformance>(
        "SELECT p.id AS published_item_id, p.channel, p.channel_url, p.published_at, m.views,
                m.reactions, m.comments, m.shares, m.engagement_rate::float8 AS engagement_rate,
                m.measured_at
         FROM (SELECT id, channel, channel_url, published_at FROM published_items
               WHERE ($2::text IS NULL OR lower(channel) = lower($2))
               ORDER BY published_at DESC LIMIT $1) AS p
         LEFT JOIN LATERAL (
             SELECT views, reactions, comments, shares, engagement_rate, measured_at
             FROM normalized_metrics WHERE published_item_id = p.id
             ORDER BY measured_at DESC LIMIT 1) AS m ON TRUE
         ORDER BY p.published_at DESC",
    )
    .bind(limit)
    .bind(channel)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Every measurement of one item, oldest first (run detail, item drill-in).
pub async fn for_item(
    pool: &PgPool,
    published_item_id: Uuid,
    limit: i64,
) -> StoreResult<Vec<ItemPerformance>> {
    let rows = sqlx::query_as::<_, ItemPerformance>(
        "SELECT p.id AS published_item_id, p.channel, p.channel_url, p.published_at, m.views,
                m.reactions, m.comments, m.shares, m.engagement_rate::float8 AS engagement_rate,
                m.measured_at
         FROM normalized_metrics m JOIN published_items p ON p.id = m.published_item_id
         WHERE m.published_item_id = $1 ORDER BY m.measured_at LIMIT $2",
    )
    .bind(published_item_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// The latest measurement of each of `ids` (items without one are left out).
pub async fn latest_for_items(pool: &PgPool, ids: &[Uuid]) -> StoreResult<Vec<ItemPerformance>> {
    let rows = sqlx::query_as::<_, ItemPerformance>(
        "SELECT DISTINCT ON (p.id) p.id AS published_item_id, p.channel, p.channel_url,
                p.published_at, m.views, m.reactions, m.comments, m.shares,
                m.engagement_rate::float8 AS engagement_rate, m.measured_at
         FROM published_items p JOIN normalized_metrics m ON m.published_item_id = p.id
         WHERE p.id = ANY($1)
         ORDER BY p.id, m.measured_at DESC",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
