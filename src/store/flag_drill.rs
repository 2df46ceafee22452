//! What a red flag counts, row by row: the failed runs of its window, the published items
//! without metrics, the runs missing publish records, the failing ingestion jobs. Each list uses exactly the rule of the
//! count in `store::red_flags` and is read in keyset pages (newest first), so it stays fast at
//! millions of items. Also one published item and its metric history (the item screen).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::runs::{self, RunCursor, RunFilter, RunListRow};
use super::{StoreResult, red_flags};
use crate::domain::red_flags::{FlagKind, RunTimeout, Thresholds};
use crate::domain::run_status::RunStatus;

/// A row behind a flag: a run (with how many of its items miss a publish record, for that
/// flag) or a published item.
#[derive(Debug, Clone, PartialEq)]
pub enum DrillRow {
    Run {
        run: RunListRow,
        missing_items: Option<i64>,
    },
    Item(PublishedItem),
    /// A failing ingestion job: its streak, last success and last error.
    Job(red_flags::FailingJob),
}

impl DrillRow {
    /// The row's identity: the run's `run_id`, the item's or the job's id.
    pub fn id(&self) -> Uuid {
        match self {
            DrillRow::Run { run, .. } => run.run_id,
            DrillRow::Item(item) => item.id,
            DrillRow::Job(job) => job.id,
        }
    }
}

/// Where the next (older) page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillCursor {
    Run(RunCursor),
    Item {
        published_at: DateTime<Utc>,
        id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrillPage {
    pub rows: Vec<DrillRow>,
    /// `None` on the last page.
    pub next: Option<DrillCursor>,
}

/// A published item (MPIS's `published_items` row) as the item screen shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PublishedItem {
    pub id: Uuid,
    pub draft_id: Uuid,
    pub channel: String,
    pub channel_item_id: Option<String>,
    pub channel_url: Option<String>,
    pub published_at: DateTime<Utc>,
}

/// One measurement of an item (`normalized_metrics`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MetricPoint {
    pub measured_at: DateTime<Utc>,
    pub views: Option<i32>,
    pub impressions: Option<i32>,
    pub reach: Option<i32>,
    pub reactions: Option<i32>,
    pub comments: Option<i32>,
    pub shares: Option<i32>,
    pub saves: Option<i32>,
    pub clicks: Option<i32>,
    pub engagement_rate: Option<f64>,
    pub source: String,
}

/// The start of a flag's window as its count uses it (`None`: the flag has no window).
pub fn window_start(kind: FlagKind, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match kind {
        FlagKind::FailedRuns24h => Some(now - Duration::hours(24)),
        FlagKind::FailedRuns7d => Some(now - Duration::hours(168)),
        FlagKind::MissingMetrics
        | FlagKind::MissingPublishRecords
        | FlagKind::StuckRuns
        | FlagKind::IngestionFailing => None,
    }
}

/// One page of what flag `kind` counts, evaluated at `now` (keep the same `now` while paging,
/// so the window does not move under the pages). Stuck runs with the default run timeout;
/// [`page_within`] takes the configured one.
pub async fn page(
    pool: &PgPool,
    kind: FlagKind,
    now: DateTime<Utc>,
    after: Option<DrillCursor>,
    limit: i64,
) -> StoreResult<DrillPage> {
    page_within(pool, kind, now, RunTimeout::default(), after, limit).await
}

/// As [`page`], with the run timeout that decides which running runs are stuck (and the
/// default failures in a row for failing ingestion jobs).
pub async fn page_within(
    pool: &PgPool,
    kind: FlagKind,
    now: DateTime<Utc>,
    run_timeout: RunTimeout,
    after: Option<DrillCursor>,
    limit: i64,
) -> StoreResult<DrillPage> {
    let thresholds = Thresholds {
        run_timeout,
        ..Thresholds::default()
    };
    page_with(pool, kind, now, &thresholds, after, limit).await
}

/// As [`page`], with the configured thresholds (the run timeout, the failures in a row).
pub async fn page_with(
    pool: &PgPool,
    kind: FlagKind,
    now: DateTime<Utc>,
    thresholds: &Thresholds,
    after: Option<DrillCursor>,
    limit: i64,
) -> StoreResult<DrillPage> {
    let limit = limit.clamp(1, 500);
    let run_timeout = thresholds.run_timeout;
    match kind {
        // The jobs table is small: one page holds every failing job.
        FlagKind::IngestionFailing => {
            let (_, failing) =
                red_flags::failing_jobs(pool, thresholds.ingestion_failures_in_a_row, now).await?;
            let rows = failing
                .into_iter()
                .take(usize::try_from(limit).unwrap_or(500))
                .map(DrillRow::Job)
                .collect();
            Ok(DrillPage { rows, next: None })
        }
        FlagKind::FailedRuns24h | FlagKind::FailedRuns7d => {
            let filter = RunFilter {
                status: Some(RunStatus::Failed),
                since: window_start(kind, now),
                ..RunFilter::default()
            };
            let after = match after {
                Some(DrillCursor::Run(cursor)) => Some(cursor),
                _ => None,
            };
            let page = runs::list(pool, &filter, after, limit).await?;
            Ok(DrillPage {
                rows: page
                    .rows
                    .into_iter()
                    .map(|run| DrillRow::Run {
                        run,
                        missing_items: None,
                    })
                    .collect(),
                next: page.next.map(DrillCursor::Run),
            })
        }
        FlagKind::MissingMetrics => {
            let after = match after {
                Some(DrillCursor::Item { published_at, id }) => Some((published_at, id)),
                _ => None,
            };
            let mut rows = items_without_metrics(pool, after, limit + 1).await?;
            let next = cut(&mut rows, limit).map(|last| DrillCursor::Item {
                published_at: last.published_at,
                id: last.id,
            });
            Ok(DrillPage {
                rows: rows.into_iter().map(DrillRow::Item).collect(),
                next,
            })
        }
        FlagKind::StuckRuns => {
            let after = match after {
                Some(DrillCursor::Run(cursor)) => Some(cursor),
                _ => None,
            };
            let mut rows = stuck_runs(pool, now - run_timeout.duration(), after, limit + 1).await?;
            let next = cut(&mut rows, limit).map(|run| {
                DrillCursor::Run(RunCursor {
                    started_at: run.started_at,
                    id: run.id,
                })
            });
            Ok(DrillPage {
                rows: rows
                    .into_iter()
                    .map(|run| DrillRow::Run {
                        run,
                        missing_items: None,
                    })
                    .collect(),
                next,
            })
        }
        FlagKind::MissingPublishRecords => {
            let after = match after {
                Some(DrillCursor::Run(cursor)) => Some(cursor),
                _ => None,
            };
            let mut rows = runs_missing_publish_records(pool, after, limit + 1).await?;
            let next = cut(&mut rows, limit).map(|(run, _)| {
                DrillCursor::Run(RunCursor {
                    started_at: run.started_at,
                    id: run.id,
                })
            });
            Ok(DrillPage {
                rows: rows
                    .into_iter()
                    .map(|(run, missing)| DrillRow::Run {
                        run,
                        missing_items: Some(missing),
                    })
                    .collect(),
                next,
            })
        }
    }
}

/// Keeps the first `limit` rows; the last kept one when more followed.
fn cut<T: Clone>(rows: &mut Vec<T>, limit: i64) -> Option<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last().cloned()
    } else {
        None
    }
}

/// Published items without any normalized metrics (the rule of the missing-metrics count),
/// newest first. Where the evaluator stored its count, its list of the newest such items
/// (`red_flag_missing_metric_items`) is read first, checked live for metrics that came since:
/// the list matches the count on screen and costs index lookups, not a walk past every
/// measured item. Past the end of a full list (more were missing than it keeps) the older ones
/// are read live.
async fn items_without_metrics(
    pool: &PgPool,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<PublishedItem>> {
    if !red_flags::missing_metrics_listed(pool).await? {
        return items_without_metrics_live(pool, after, limit).await;
    }
    let mut rows = sqlx::query_as::<_, PublishedItem>(
        "SELECT p.id, p.draft_id, p.channel, p.channel_item_id, p.channel_url, p.published_at
         FROM red_flag_missing_metric_items l JOIN published_items p ON p.id = l.published_item_id
         WHERE NOT EXISTS (SELECT 1 FROM normalized_metrics m WHERE m.published_item_id = p.id)
           AND ($1::timestamptz IS NULL OR (l.published_at, l.published_item_id) < ($1, $2))
         ORDER BY l.published_at DESC, l.published_item_id DESC LIMIT $3",
    )
    .bind(after.map(|(at, _)| at))
    .bind(after.map(|(_, id)| id))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() < wanted {
        let (listed, oldest_at, oldest_id): (i64, Option<DateTime<Utc>>, Option<Uuid>) =
            sqlx::query_as(
                "SELECT count(*), min(published_at),
                        (SELECT published_item_id FROM red_flag_missing_metric_items
                         ORDER BY published_at, published_item_id LIMIT 1)
                 FROM red_flag_missing_metric_items",
            )
            .fetch_one(pool)
            .await?;
        if let (true, Some(at), Some(id)) = (
            listed >= red_flags::MISSING_METRICS_LISTED,
            oldest_at,
            oldest_id,
        ) {
            // Continue below the list's oldest entry (or below `after`, when it is older).
            let from = match after {
                Some(after) if after < (at, id) => after,
                _ => (at, id),
            };
            let more = limit - i64::try_from(rows.len()).unwrap_or(0);
            rows.extend(items_without_metrics_live(pool, Some(from), more).await?);
        }
    }
    Ok(rows)
}

/// The same rule counted live: a walk of `published_items` newest first with an anti-join.
async fn items_without_metrics_live(
    pool: &PgPool,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<PublishedItem>> {
    let rows = sqlx::query_as::<_, PublishedItem>(
        "SELECT p.id, p.draft_id, p.channel, p.channel_item_id, p.channel_url, p.published_at
         FROM published_items p
         WHERE NOT EXISTS (SELECT 1 FROM normalized_metrics m WHERE m.published_item_id = p.id)
           AND ($1::timestamptz IS NULL OR (p.published_at, p.id) < ($1, $2))
         ORDER BY p.published_at DESC, p.id DESC LIMIT $3",
    )
    .bind(after.map(|(at, _)| at))
    .bind(after.map(|(_, id)| id))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Runs still `running` that started before `cutoff` (the rule of the stuck-runs count),
/// newest first like the other run lists.
async fn stuck_runs(
    pool: &PgPool,
    cutoff: DateTime<Utc>,
    after: Option<RunCursor>,
    limit: i64,
) -> StoreResult<Vec<RunListRow>> {
    let rows = sqlx::query_as::<_, RunListRow>(
        "SELECT r.id, r.run_id, r.status, r.project_id, pr.name AS project_name, r.persona_id,
                pe.name AS persona_name, r.started_at, r.completed_at, r.error_message
         FROM dashboard_runs r
         JOIN dashboard_projects pr ON pr.id = r.project_id
         JOIN personas pe ON pe.id = r.persona_id
         WHERE r.status = 'running' AND r.started_at < $1
           AND ($2::timestamptz IS NULL OR (r.started_at, r.id) < ($2, $3))
         ORDER BY r.started_at DESC, r.id DESC LIMIT $4",
    )
    .bind(cutoff)
    .bind(after.map(|c| c.started_at))
    .bind(after.map(|c| c.id))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct MissingRecordRow {
    #[sqlx(flatten)]
    run: RunListRow,
    missing_items: i64,
}

/// Completed runs with a successful item that never reached `published_items` (the rule of the
/// missing-publish-records count), newest first, with how many items each misses.
async fn runs_missing_publish_records(
    pool: &PgPool,
    after: Option<RunCursor>,
    limit: i64,
) -> StoreResult<Vec<(RunListRow, i64)>> {
    let rows = sqlx::query_as::<_, MissingRecordRow>(
        "WITH missing AS (
             SELECT ri.run_id, count(*) AS missing_items FROM dashboard_run_items ri
             WHERE ri.succeeded AND ri.published_item_id IS NULL AND NOT EXISTS (
                 SELECT 1 FROM published_items p
                 WHERE p.draft_id = ri.draft_id AND lower(p.channel) = lower(ri.channel)
                   AND p.channel_item_id IS NOT DISTINCT FROM ri.channel_item_id)
             GROUP BY ri.run_id)
         SELECT r.id, r.run_id, r.status, r.project_id, pr.name AS project_name, r.persona_id,
                pe.name AS persona_name, r.started_at, r.completed_at, r.error_message,
                missing.missing_items
         FROM missing
         JOIN dashboard_runs r ON r.run_id = missing.run_id
         JOIN dashboard_projects pr ON pr.id = r.project_id
         JOIN personas pe ON pe.id = r.persona_id
         WHERE r.status IN ('success', 'partial', 'failed')
           AND ($1::timestamptz IS NULL OR (r.started_at, r.id) < ($1, $2))
         ORDER BY r.started_at DESC, r.id DESC LIMIT $3",
    )
    .bind(after.map(|c| c.started_at))
    .bind(after.map(|c| c.id))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.run, row.missing_items))
        .collect())
}

/// One published item by id.
pub async fn published_item(pool: &PgPool, id: Uuid) -> StoreResult<Option<PublishedItem>> {
    let row = sqlx::query_as::<_, PublishedItem>(
        "SELECT id, draft_id, channel, channel_item_id, channel_url, published_at
         FROM published_items WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// An item's measurements, newest first (at most `limit`).
pub async fn metric_history(pool: &PgPool, id: Uuid, limit: i64) -> StoreResult<Vec<MetricPoint>> {
    let rows = sqlx::query_as::<_, MetricPoint>(
        "SELECT measured_at, views, impressions, reach, reactions, comments, shares, saves, clicks,
                engagement_rate::float8 AS engagement_rate, source
         FROM normalized_metrics WHERE published_item_id = $1
         ORDER BY measured_at DESC, id DESC LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
