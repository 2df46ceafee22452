//! The figures the AI analyst answers from ([`domain::analyst::Aggregates`]), for one persona
//! (or all) and one time range, reading only what the question needs ([`Needs`]). Each read
//! is bounded and walks an index:
//!
//! - channel totals and the two periods of a trend: `metric_daily_rollups` (its primary key
//!   starts with the day), a few hundred rows whatever the number of measurements. The
//!   rollups are per UTC day of *measurement*, so a range is widened to whole days.
//! - hours, weekdays, top and bottom posts: the newest [`SAMPLE_ITEMS`] items *published* in
//!   the range (the `published_at` index; with a persona, through the item's draft and plan),
//!   each with its latest measurement (the `published_item_id` index), aggregated in one
//!   statement. Ranges with more items are answered from the newest (the answer says how
//!   many were read).
//! - failures: runs started in the range (the `started_at` index) and their failed items
//!   (the `(run_id, item_no)` key), at most [`MAX_ERROR_GROUPS`] groups of the newest
//!   [`FAILED_RUNS_GROUPED`] failed runs; the failed count exact.
//! - items without metrics: `metrics_awaiting_items` (kept by the red-flag evaluator, so as
//!   of its last sync), newest first.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::PgPool;
use uuid::Uuid;

use super::StoreResult;
use crate::domain::analyst::{
    Aggregates, Bucket, ChannelTotals, CitedItem, FailureGroup, MissingItem, Needs, PeriodTotals,
    TimeRange,
};

/// How many of the newest items published in the range the timing and post figures read:
/// enough for a few dozen items an hour of the day, and an answer within 50 ms at 1 M items
/// (each sampled item costs a look-up of its latest measurement; `benches/analyst.rs`).
pub const SAMPLE_ITEMS: i64 = 1_000;
/// Best and worst posts kept per channel.
pub const ITEMS_PER_CHANNEL: i64 = 5;
pub const MAX_ERROR_GROUPS: i64 = 10;

/// The newest failed runs grouped by error: grouping all of a 90-day range (60,000 at 1 M
/// items) took 200-500 ms, and the newest thousands say what is failing now. The count of
/// failed runs stays exact.
pub const FAILED_RUNS_GROUPED: i64 = 5_000;
/// Items without metrics listed (the count is of all).
pub const MISSING_LISTED: i64 = 5;

/// The aggregates `needs` asks for; the other parts stay empty.
pub async fn fetch(
    pool: &PgPool,
    persona_id: Option<Uuid>,
    range: TimeRange,
    needs: Needs,
) -> StoreResult<Aggregates> {
    let mut data = Aggregates::default();
    if needs.channels {
        data.channels = channels(pool, persona_id, range).await?;
    }
    if needs.periods {
        (data.current, data.previous) = periods(pool, persona_id, range).await?;
    }
    if needs.timing || needs.items {
        sample(pool, persona_id, range, &mut data).await?;
    }
    if needs.failures {
        failures(pool, persona_id, range, &mut data).await?;
    }
    if needs.missing {
        missing(pool, persona_id, range, &mut data).await?;
    }
    Ok(data)
}

async fn channels(
    pool: &PgPool,
    persona_id: Option<Uuid>,
    range: TimeRange,
) -> StoreResult<Vec<ChannelTotals>> {
    let rows: Vec<(String, i64, Option<f64>, i64)> = sqlx::query_as(
        "SELECT channel, sum(rated_rows)::bigint,
                sum(engagement_sum) / NULLIF(sum(rated_rows), 0),
                sum(views_sum)::bigint
         FROM metric_daily_rollups
         WHERE day >= ($1 AT TIME ZONE 'UTC')::date AND day <= ($2 AT TIME ZONE 'UTC')::date
           AND ($3::uuid IS NULL OR persona_id = $3)
         GROUP BY channel HAVING sum(metric_rows) > 0 ORDER BY channel",
    )
    .bind(range.from)
    .bind(range.to)
    .bind(persona_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(channel, rated, avg_engagement, views)| ChannelTotals {
            channel,
            rated: rated.max(0) as u64,
            avg_engagement,
            views,
        })
        .collect())
}

async fn periods(
    pool: &PgPool,
    persona_id: Option<Uuid>,
    range: TimeRange,
) -> StoreResult<(PeriodTotals, PeriodTotals)> {
    let previous = range.previous();
    // Whole UTC days: the current period from its first day, the previous one up to it.
    let row: (i64, Option<f64>, i64, i64, Option<f64>, i64) = sqlx::query_as(
        "SELECT coalesce(sum(rated_rows) FILTER (WHERE cur), 0)::bigint,
                sum(engagement_sum) FILTER (WHERE cur)
                    / NULLIF(sum(rated_rows) FILTER (WHERE cur), 0),
                coalesce(sum(views_sum) FILTER (WHERE cur), 0)::bigint,
                coalesce(sum(rated_rows) FILTER (WHERE NOT cur), 0)::bigint,
                sum(engagement_sum) FILTER (WHERE NOT cur)
                    / NULLIF(sum(rated_rows) FILTER (WHERE NOT cur), 0),
                coalesce(sum(views_sum) FILTER (WHERE NOT cur), 0)::bigint
         FROM (SELECT *, day >= ($2 AT TIME ZONE 'UTC')::date AS cur
               FROM metric_daily_rollups
               WHERE day >= ($1 AT TIME ZONE 'UTC')::date
                 AND day <= ($3 AT TIME ZONE 'UTC')::date
                 AND ($4::uuid IS NULL OR persona_id = $4)) AS r",
    )
    .bind(previous.from)
    .bind(range.from)
    .bind(range.to)
    .bind(persona_id)
    .fetch_one(pool)
    .await?;
    let totals = |rated: i64, avg_engagement, views| PeriodTotals {
        rated: rated.max(0) as u64,
        avg_engagement,
        views,
    };
    Ok((totals(row.0, row.1, row.2), totals(row.3, row.4, row.5)))
}

#[derive(serde::Deserialize)]
struct JsonBucket {
    key: u32,
    items: u64,
    avg_engagement: f64,
}

#[derive(serde::Deserialize)]
struct JsonItem {
    published_item_id: Uuid,
    channel: String,
    published_at: DateTime<Utc>,
    metrics: Map<String, Value>,
}

/// Hours, weekdays and the best and worst posts per channel, over the sample, in one
/// statement (the sample is read once).
async fn sample(
    pool: &PgPool,
    persona_id: Option<Uuid>,
    range: TimeRange,
    data: &mut Aggregates,
) -> StoreResult<()> {
    type Row = (
        i64,
        sqlx::types::Json<Vec<JsonBucket>>,
        sqlx::types::Json<Vec<JsonBucket>>,
        sqlx::types::Json<Vec<JsonItem>>,
        sqlx::types::Json<Vec<JsonItem>>,
    );
    let row: Row = sqlx::query_as(
        "WITH items AS MATERIALIZED (
             SELECT p.id, p.channel, p.published_at
             FROM published_items p
             WHERE p.published_at >= $1 AND p.published_at < $2
               AND ($3::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM content_drafts cd JOIN content_plans cp ON cp.id = cd.plan_id
                   WHERE cd.id = p.draft_id AND cp.persona_id = $3))
             ORDER BY p.published_at DESC LIMIT $4),
         sample AS MATERIALIZED (
             SELECT i.id, i.channel, i.published_at, m.engagement_rate::float8 AS rate,
                    jsonb_strip_nulls(jsonb_build_object(
                        'views', m.views, 'impressions', m.impressions, 'reach', m.reach,
                        'reactions', m.reactions, 'comments', m.comments, 'shares', m.shares,
                        'saves', m.saves, 'clicks', m.clicks,
                        'engagement_rate', m.engagement_rate,
                        'measured_at', m.measured_at)) AS metrics
             FROM items i
             JOIN LATERAL (
                 SELECT * FROM normalized_metrics n WHERE n.published_item_id = i.id
                 ORDER BY n.measured_at DESC LIMIT 1) AS m ON TRUE
             WHERE m.engagement_rate IS NOT NULL),
         ranked AS (
             SELECT *, row_number() OVER (PARTITION BY channel ORDER BY rate DESC, published_at DESC) AS best,
                       row_number() OVER (PARTITION BY channel ORDER BY rate ASC, published_at DESC) AS worst
             FROM sample)
         SELECT (SELECT count(*) FROM sample),
                (SELECT coalesce(jsonb_agg(b ORDER BY b.key), '[]') FROM (
                     SELECT extract(hour FROM published_at AT TIME ZONE 'UTC')::int AS key,
                            count(*) AS items, avg(rate) AS avg_engagement
                     FROM sample GROUP BY 1) AS b),
                (SELECT coalesce(jsonb_agg(b ORDER BY b.key), '[]') FROM (
                     SELECT (extract(isodow FROM published_at AT TIME ZONE 'UTC')::int - 1) AS key,
                            count(*) AS items, avg(rate) AS avg_engagement
                     FROM sample GROUP BY 1) AS b),
                (SELECT coalesce(jsonb_agg(jsonb_build_object('published_item_id', id,
                     'channel', channel, 'published_at', published_at, 'metrics', metrics)
                     ORDER BY rate DESC, published_at DESC), '[]')
                 FROM ranked WHERE best <= $5),
                (SELECT coalesce(jsonb_agg(jsonb_build_object('published_item_id', id,
                     'channel', channel, 'published_at', published_at, 'metrics', metrics)
                     ORDER BY rate ASC, published_at DESC), '[]')
                 FROM ranked WHERE worst <= $5)",
    )
    .bind(range.from)
    .bind(range.to)
    .bind(persona_id)
    .bind(SAMPLE_ITEMS)
    .bind(ITEMS_PER_CHANNEL)
    .fetch_one(pool)
    .await?;
    let buckets = |rows: Vec<JsonBucket>| -> Vec<Bucket> {
        rows.into_iter()
            .map(|b| Bucket {
                key: b.key,
                items: b.items,
                avg_engagement: b.avg_engagement,
            })
            .collect()
    };
    let cited = |rows: Vec<JsonItem>| -> Vec<CitedItem> {
        rows.into_iter()
            .map(|i| CitedItem {
                published_item_id: i.published_item_id,
                channel: i.channel,
                published_at: i.published_at,
                metrics: i.metrics,
            })
            .collect()
    };
    data.items_sampled = row.0.max(0) as u64;
    data.by_hour = buckets(row.1.0);
    data.by_weekday = buckets(row.2.0);
    data.top_items = cited(row.3.0);
    data.bottom_items = cited(row.4.0);
    Ok(())
}

/// Failed and partial runs grouped by error: a run's own message, else each error of its
/// failed items (a run failed with neither is the group without an error).
async fn failures(
    pool: &PgPool,
    persona_id: Option<Uuid>,
    range: TimeRange,
    data: &mut Aggregates,
) -> StoreResult<()> {
    let (total, failed): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status IN ('failed', 'partial'))
         FROM dashboard_runs
         WHERE started_at >= $1 AND started_at < $2 AND ($3::uuid IS NULL OR persona_id = $3)",
    )
    .bind(range.from)
    .bind(range.to)
    .bind(persona_id)
    .fetch_one(pool)
    .await?;
    let groups: Vec<(Option<String>, i64, i64)> = sqlx::query_as(
        "WITH bad AS (
             SELECT run_id, nullif(btrim(error_message), '') AS error FROM dashboard_runs
             WHERE started_at >= $1 AND started_at < $2 AND ($3::uuid IS NULL OR persona_id = $3)
               AND status IN ('failed', 'partial')
             ORDER BY started_at DESC LIMIT $5)
         SELECT coalesce(b.error, nullif(btrim(i.error), '')) AS error,
                count(DISTINCT b.run_id)::bigint AS runs, count(i.run_id)::bigint AS items
         FROM bad b
         LEFT JOIN dashboard_run_items i ON i.run_id = b.run_id AND NOT i.succeeded
         GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT $4",
    )
    .bind(range.from)
    .bind(range.to)
    .bind(persona_id)
    .bind(MAX_ERROR_GROUPS)
    .bind(FAILED_RUNS_GROUPED)
    .fetch_all(pool)
    .await?;
    data.runs_total = total.max(0) as u64;
    data.runs_failed = failed.max(0) as u64;
    data.failed_runs_grouped = data.runs_failed.min(FAILED_RUNS_GROUPED as u64);
    data.failures = groups
        .into_iter()
        .map(|(error, runs, items)| FailureGroup {
            error,
            runs: runs.max(0) as u64,
            items: items.max(0) as u64,
        })
        .collect();
    Ok(())
}

async fn missing(
    pool: &PgPool,
    persona_id: Option<Uuid>,
    range: TimeRange,
    data: &mut Aggregates,
) -> StoreResult<()> {
    const OF_PERSONA: &str = "($3::uuid IS NULL OR EXISTS (
             SELECT 1 FROM published_items p
             JOIN content_drafts cd ON cd.id = p.draft_id
             JOIN content_plans cp ON cp.id = cd.plan_id
             WHERE p.id = a.published_item_id AND cp.persona_id = $3))";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM metrics_awaiting_items a
         WHERE a.published_at >= $1 AND a.published_at < $2 AND {OF_PERSONA}"
    )))
    .bind(range.from)
    .bind(range.to)
    .bind(persona_id)
    .fetch_one(pool)
    .await?;
    let listed: Vec<(Uuid, Option<String>, DateTime<Utc>)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT a.published_item_id, a.channel, a.published_at FROM metrics_awaiting_items a
             WHERE a.published_at >= $1 AND a.published_at < $2 AND {OF_PERSONA}
             ORDER BY a.published_at DESC, a.published_item_id DESC LIMIT $4"
        )))
        .bind(range.from)
        .bind(range.to)
        .bind(persona_id)
        .bind(MISSING_LISTED)
        .fetch_all(pool)
        .await?;
    data.missing_total = total.max(0) as u64;
    data.missing = listed
        .into_iter()
        .map(|(published_item_id, channel, published_at)| MissingItem {
            published_item_id,
            channel,
            published_at,
        })
        .collect();
    Ok(())
}
