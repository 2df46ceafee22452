//! The incremental missing-metrics tracking (migration 0011, `store::metrics_awaiting`): after
//! every change the evaluator's count equals the anti-join over every published item (the
//! rule), without running it: items added, metrics arriving or deleted, items deleted, items
//! committed late, and the periodic full recount.

use chrono::{DateTime, Duration, Utc};
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::store::metrics::{self, MetricRow};
use mpis_dash::store::metrics_awaiting::{self, LATE_WINDOW, RECONCILE_EVERY, Sync};
use mpis_dash::store::{flag_drill, red_flags};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common;

/// The rule, counted the old way.
/// A telegram draft of a persona "Alex" with a project.
async fn draft_of_alex(pool: &PgPool) -> Uuid {
    let project = common::persona_with_project(pool, "Alex").await;
    common::draft(pool, project.persona_id, "telegram").await
}

async fn live_missing(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM published_items p
         WHERE NOT EXISTS (SELECT 1 FROM normalized_metrics m WHERE m.published_item_id = p.id)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn evaluate_at(pool: &PgPool, now: DateTime<Utc>) -> Value {
    red_flags::evaluate_and_record(pool, &Thresholds::default(), now)
        .await
        .unwrap()
        .summary["missing_metrics"]
        .clone()
}

async fn counted_at(pool: &PgPool, now: DateTime<Utc>) -> i64 {
    evaluate_at(pool, now).await["count"].as_i64().unwrap()
}

async fn tracked(pool: &PgPool) -> Vec<Uuid> {
    sqlx::query_scalar(
        "SELECT published_item_id FROM metrics_awaiting_items
         ORDER BY published_at DESC, published_item_id DESC",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn sync_at(pool: &PgPool, now: DateTime<Utc>) -> Sync {
    let mut tx = pool.begin().await.unwrap();
    let kind = metrics_awaiting::sync(&mut tx, now).await.unwrap();
    tx.commit().await.unwrap();
    kind
}

async fn measure(pool: &PgPool, items: &[Uuid], at: DateTime<Utc>) {
    let rows: Vec<_> = items
        .iter()
        .map(|&i| MetricRow::from_raw(i, "telegram", json!({"views": 10}), at, "test"))
        .collect();
    metrics::insert_batch(pool, &rows).await.unwrap();
}

#[tokio::test]
async fn added_measured_unmeasured_and_deleted_items_keep_the_count_equal_to_the_rule() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let now = Utc::now();
    let mut items = Vec::new();
    for n in 0..8 {
        let at = now - Duration::hours(n);
        items.push(common::published_item(pool, draft, "telegram", &format!("a{n}"), at).await);
    }
    measure(pool, &items[..2], now).await;
    // The first evaluation recounts everything (the tracker is new).
    assert_eq!(sync_at(pool, now).await, Sync::Full);
    assert_eq!(counted_at(pool, now).await, 6);
    assert_eq!(tracked(pool).await, items[2..].to_vec(), "newest first");

    // A new item: picked up past the watermark by an incremental sync.
    let later = now + Duration::seconds(10);
    let added = common::published_item(pool, draft, "telegram", "new", later).await;
    assert_eq!(sync_at(pool, later).await, Sync::Incremental);
    assert_eq!(counted_at(pool, later).await, 7);
    assert_eq!(live_missing(pool).await, 7);

    // Metrics arrive: the trigger drops the items at once; the count follows at the next
    // evaluation (the summary reads the evaluator's snapshot).
    measure(pool, &[added, items[2]], later).await;
    assert!(!tracked(pool).await.contains(&added));
    assert!(!tracked(pool).await.contains(&items[2]));
    let summary = red_flags::summary(pool, &Thresholds::default(), later)
        .await
        .unwrap();
    assert_eq!(summary.summary["missing_metrics"]["count"], 7);
    assert_eq!(counted_at(pool, later).await, 5);
    assert_eq!(live_missing(pool).await, 5);

    // Its only metrics deleted: the item is missing metrics again.
    sqlx::query("DELETE FROM normalized_metrics WHERE published_item_id = $1")
        .bind(items[2])
        .execute(pool)
        .await
        .unwrap();
    assert!(tracked(pool).await.contains(&items[2]));
    assert_eq!(counted_at(pool, later).await, 6);
    // One of two measurements deleted: still measured.
    measure(pool, &[items[0]], later).await;
    sqlx::query(
        "DELETE FROM normalized_metrics WHERE id = (SELECT id FROM normalized_metrics
             WHERE published_item_id = $1 ORDER BY measured_at LIMIT 1)",
    )
    .bind(items[0])
    .execute(pool)
    .await
    .unwrap();
    assert!(!tracked(pool).await.contains(&items[0]));
    assert_eq!(counted_at(pool, later).await, 6);

    // Items deleted (one directly, one by its draft's cascade, one measured): gone from the
    // count at the next evaluation, no recount needed.
    sqlx::query("DELETE FROM published_items WHERE id = ANY($1)")
        .bind(vec![items[3], items[0]])
        .execute(pool)
        .await
        .unwrap();
    let other_draft = common::draft(pool, project.persona_id, "telegram").await;
    let doomed = common::published_item(pool, other_draft, "telegram", "d", later).await;
    assert_eq!(counted_at(pool, later).await, 6, "one gone, one added");
    sqlx::query("DELETE FROM content_drafts WHERE id = $1")
        .bind(other_draft)
        .execute(pool)
        .await
        .unwrap();
    assert!(!tracked(pool).await.contains(&doomed));
    assert_eq!(sync_at(pool, later).await, Sync::Incremental);
    assert_eq!(counted_at(pool, later).await, 5);
    assert_eq!(live_missing(pool).await, 5);

    // The drill-in lists exactly what was counted.
    let page = flag_drill::page(
        pool,
        mpis_dash::domain::red_flags::FlagKind::MissingMetrics,
        later,
        None,
        100,
    )
    .await
    .unwrap();
    let listed: Vec<Uuid> = page.rows.iter().map(|r| r.id()).collect();
    assert_eq!(listed, tracked(pool).await);
    assert_eq!(listed.len(), 5);
}

#[tokio::test]
async fn late_items_are_counted_within_the_window_at_once_and_older_at_the_full_recount() {
    let db = common::db().await;
    let pool = &db.pool;
    let draft = draft_of_alex(pool).await;
    let now = Utc::now();
    common::published_item(pool, draft, "telegram", "first", now).await;
    assert_eq!(counted_at(pool, now).await, 1);

    // Committed after the evaluation but dated before it (MPIS's transaction began earlier):
    // inside the late window, the next incremental sync finds it.
    let late = now - LATE_WINDOW + Duration::minutes(5);
    let within = common::published_item(pool, draft, "telegram", "late", late).await;
    let soon = now + Duration::seconds(30);
    assert_eq!(counted_at(pool, soon).await, 2);
    assert!(tracked(pool).await.contains(&within));

    // Dated before the window (a backfill): not seen by an incremental sync, counted once the
    // periodic full recount is due.
    let old = now - Duration::days(2);
    let backfilled = common::published_item(pool, draft, "telegram", "old", old).await;
    assert_eq!(sync_at(pool, soon).await, Sync::Incremental);
    assert!(!tracked(pool).await.contains(&backfilled));
    assert_eq!(counted_at(pool, soon).await, 2);
    let due = now + RECONCILE_EVERY + Duration::seconds(1);
    assert_eq!(counted_at(pool, due).await, 3);
    assert_eq!(live_missing(pool).await, 3);
    // The recount happened at `due`: the next one is RECONCILE_EVERY later.
    assert_eq!(
        sync_at(pool, due + Duration::seconds(1)).await,
        Sync::Incremental
    );

    // An item dated in the future does not move the watermark past now: one published
    // meanwhile (dated now) is still found.
    common::published_item(pool, draft, "telegram", "future", due + Duration::days(1)).await;
    assert_eq!(counted_at(pool, due + Duration::seconds(2)).await, 4);
    common::published_item(pool, draft, "telegram", "meanwhile", due).await;
    assert_eq!(counted_at(pool, due + Duration::seconds(3)).await, 5);
    assert_eq!(live_missing(pool).await, 5);
}

#[tokio::test]
async fn the_flag_ages_through_its_thresholds_as_items_come_and_get_measured() {
    let db = common::db().await;
    let pool = &db.pool;
    let draft = draft_of_alex(pool).await;
    let now = Utc::now();
    let mut items = Vec::new();
    let mut at = now;
    for n in 0..5 {
        at = now + Duration::seconds(n);
        items.push(common::published_item(pool, draft, "telegram", &format!("t{n}"), at).await);
    }
    let five = evaluate_at(pool, at).await;
    assert_eq!(
        (five["count"].clone(), five["alert"].clone()),
        (json!(5), json!(false))
    );

    // One more unmeasured item: above the warning threshold of 5, opened as a flag.
    let sixth = common::published_item(pool, draft, "telegram", "t5", at).await;
    let six = evaluate_at(pool, at + Duration::seconds(1)).await;
    assert_eq!(
        (six["count"].clone(), six["severity"].clone()),
        (json!(6), json!("warning"))
    );
    let open = red_flags::list(pool, false, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].flag_key.as_deref(), Some("missing_metrics"));

    // Measured: back to 5, the flag is resolved by the system.
    measure(pool, &[sixth], at).await;
    let back = evaluate_at(pool, at + Duration::seconds(2)).await;
    assert_eq!(
        (back["count"].clone(), back["alert"].clone()),
        (json!(5), json!(false))
    );
    assert!(red_flags::list(pool, false, 10).await.unwrap().is_empty());

    // TRUNCATE fires no delete trigger: the tracker resets and the next sync recounts.
    sqlx::query("TRUNCATE normalized_metrics")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(sync_at(pool, at + Duration::seconds(3)).await, Sync::Full);
    assert_eq!(counted_at(pool, at + Duration::seconds(3)).await, 6);
    assert_eq!(live_missing(pool).await, 6);
    assert_eq!(items.len(), 5);
}

/// Metrics committed while the evaluator syncs are never lost: the sync waits for the metric
/// insert holding the shared lock, then sees it committed.
#[tokio::test]
async fn a_measurement_in_flight_during_a_sync_is_not_lost() {
    let db = common::db().await;
    let pool = &db.pool;
    let draft = draft_of_alex(pool).await;
    let now = Utc::now();
    common::published_item(pool, draft, "telegram", "seen", now).await;
    assert_eq!(counted_at(pool, now).await, 1);
    let item = common::published_item(pool, draft, "telegram", "racing", now).await;

    let mut ingest = pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO normalized_metrics (published_item_id, channel, views, measured_at, source)
         VALUES ($1, 'telegram', 5, NOW(), 'test')",
    )
    .bind(item)
    .execute(&mut *ingest)
    .await
    .unwrap();
    let evaluator = {
        let pool = pool.clone();
        tokio::spawn(async move { red_flags::refresh_missing_metrics(&pool).await.unwrap() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !evaluator.is_finished(),
        "the sync waits for the metric insert"
    );
    ingest.commit().await.unwrap();
    assert_eq!(evaluator.await.unwrap(), 1);
    assert!(!tracked(pool).await.contains(&item));
    assert_eq!(live_missing(pool).await, 1);
}
