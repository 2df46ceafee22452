//! The demo data set and the synthetic scale data, seeded into a real PostgreSQL.

use crate::common;

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use mpis_dash::demo_data::{seed_demo, seed_scale};
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::store::outbox::{self, OutboxCounts};
use mpis_dash::store::red_flags::{self, run_counts_since};
use mpis_dash::store::{genesis, jobs};
use sqlx::PgPool;

const TABLES: [&str; 16] = [
    "personas",
    "content_plans",
    "content_drafts",
    "published_items",
    "dashboard_projects",
    "dashboard_runs",
    "dashboard_run_items",
    "normalized_metrics",
    "metric_daily_rollups",
    "dashboard_run_hourly_stats",
    "red_flags",
    "metrics_ingestion_jobs",
    "publish_records",
    "audit_log",
    "genesis_jobs",
    "genesis_drafts",
];

async fn row_counts(pool: &PgPool) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push((table, common::count(pool, table).await));
    }
    counts
}

async fn distinct(pool: &PgPool, sql: &'static str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The fast run counts agree with a full count for the red-flag windows.
async fn assert_run_counts_exact(pool: &PgPool) {
    let now = Utc::now();
    for cutoff in [now - Duration::hours(24), now - Duration::hours(168)] {
        let fast = run_counts_since(pool, cutoff).await.unwrap();
        let (total, failed): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE status = 'failed') FROM dashboard_runs
             WHERE started_at >= $1",
        )
        .bind(cutoff)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!((fast.total, fast.failed), (total, failed));
    }
}

#[tokio::test]
async fn the_demo_is_seeded_once_and_shows_every_state() {
    let db = common::db().await;
    let pool = &db.pool;
    let first = seed_demo(pool).await.unwrap();
    assert!(first.starts_with("demo data seeded"), "{first}");
    let counts = row_counts(pool).await;

    let second = seed_demo(pool).await.unwrap();
    assert!(second.contains("already present"), "{second}");
    assert_eq!(
        row_counts(pool).await,
        counts,
        "a second seed changes nothing"
    );

    assert_eq!(
        distinct(pool, "SELECT DISTINCT status FROM dashboard_runs").await,
        set(&["failed", "partial", "pending", "running", "success"])
    );
    assert_eq!(common::count(pool, "dashboard_runs").await, 120);
    assert_eq!(
        distinct(pool, "SELECT DISTINCT channel FROM published_items").await,
        set(&["instagram", "telegram", "tiktok", "youtube"])
    );
    assert!(common::count(pool, "normalized_metrics").await > 100);
    assert!(common::count(pool, "dashboard_run_items").await > 100);

    // Every completed run has its per-item results; pending/running ones have none.
    let without_items: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM dashboard_runs r WHERE r.status IN ('success', 'failed', 'partial')
           AND NOT EXISTS (SELECT 1 FROM dashboard_run_items i WHERE i.run_id = r.run_id)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(without_items, 0);

    // Open red flags, including the two runs whose publishes never reached MPIS.
    let open = red_flags::list(pool, false, 50).await.unwrap();
    assert!(!open.is_empty());
    let keys: BTreeSet<_> = open.iter().filter_map(|f| f.flag_key.clone()).collect();
    assert!(keys.contains("missing_publish_records"), "{keys:?}");
    assert!(keys.contains("failed_runs_24h"), "{keys:?}");
    let summary = red_flags::summary(pool, &Thresholds::default(), Utc::now())
        .await
        .unwrap()
        .summary;
    assert_eq!(summary["missing_publish_records"]["count"], 2);
    assert_eq!(summary["failed_runs"]["last_24h"]["total_runs"], 12);
    assert_run_counts_exact(pool).await;

    let job_channels: BTreeSet<_> = jobs::list(pool, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.channel)
        .collect();
    assert_eq!(
        job_channels,
        set(&["instagram", "telegram", "tiktok", "youtube"])
    );
    assert_eq!(
        outbox::counts(pool).await.unwrap(),
        OutboxCounts {
            queued: 1,
            forwarded: 0,
            failed: 1
        }
    );
    assert_eq!(outbox::list_unforwarded(pool, 10).await.unwrap().len(), 2);
    assert_eq!(genesis::awaiting_approval(pool, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn scale_data_has_the_requested_size_and_is_seeded_once() {
    let db = common::db().await;
    let pool = &db.pool;
    let message = seed_scale(pool, 2000).await.unwrap();
    assert!(
        message.starts_with("synthetic data: 2000 published items"),
        "{message}"
    );

    let synthetic: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM published_items WHERE meta @> '{\"synthetic\": true}'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(synthetic, 2000);
    assert_eq!(common::count(pool, "published_items").await, 2000);
    assert_eq!(common::count(pool, "normalized_metrics").await, 1800);
    assert_eq!(common::count(pool, "dashboard_runs").await, 800);
    assert_eq!(
        distinct(pool, "SELECT DISTINCT status FROM dashboard_runs").await,
        set(&["failed", "partial", "pending", "running", "success"])
    );
    // The triggers kept the pre-aggregates in step with the set-based inserts.
    let rolled: i64 = sqlx::query_scalar(
        "SELECT COALESCE(sum(metric_rows), 0)::bigint FROM metric_daily_rollups",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(rolled, 1800);
    assert_run_counts_exact(pool).await;
    // The 200 oldest items have no metrics, and the evaluation after seeding saw that.
    let summary = red_flags::summary(pool, &Thresholds::default(), Utc::now())
        .await
        .unwrap()
        .summary;
    assert_eq!(summary["missing_metrics"]["count"], 200);

    let counts = row_counts(pool).await;
    let again = seed_scale(pool, 2000).await.unwrap();
    assert!(again.contains("already present"), "{again}");
    assert_eq!(
        row_counts(pool).await,
        counts,
        "a second call changes nothing"
    );
}
