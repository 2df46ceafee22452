//! The scheduler's metric writer (`jobs::metric_writer`): rows gathered into large statements
//! written while the run goes on, every row stored once, the rollups and the items awaiting
//! metrics kept by the statement triggers, and a failed write stopping it without writing the
//! rows after it.

use chrono::Utc;
use mpis_dash::jobs::metric_writer::MetricWriter;
use mpis_dash::store::metrics::MetricRow;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::common;

fn row(item: Uuid, views: i64) -> MetricRow {
    MetricRow::from_raw(
        item,
        "youtube",
        json!({"views": views.to_string(), "likes": "3"}),
        Utc::now(),
        "ingest:test",
    )
}

async fn items(pool: &PgPool, n: usize) -> (Uuid, Vec<Uuid>) {
    let persona = common::persona(pool, "Writer").await;
    let draft = common::draft(pool, persona, "youtube").await;
    let mut ids = Vec::new();
    for i in 0..n {
        let at = Utc::now() - chrono::Duration::minutes(i as i64 + 1);
        ids.push(common::published_item(pool, draft, "youtube", &format!("vid{i:08}"), at).await);
    }
    (persona, ids)
}

#[tokio::test]
async fn rows_are_written_in_chunks_once_each_with_their_rollups() {
    let db = common::db().await;
    let pool = &db.pool;
    let (persona, ids) = items(pool, 7).await;
    let mut writer = MetricWriter::with_chunk(pool.clone(), 3);
    // Pushed as a fetcher answers (2 at a time); nothing is written before a chunk is full.
    writer
        .push(vec![row(ids[0], 10), row(ids[1], 20)])
        .await
        .unwrap();
    assert_eq!(common::count(pool, "normalized_metrics").await, 0);
    for pair in ids[2..].chunks(2) {
        writer
            .push(pair.iter().map(|id| row(*id, 30)).collect())
            .await
            .unwrap();
    }
    writer.finish().await.unwrap();
    assert_eq!(writer.written, 7);
    let stored: Vec<(Uuid, Option<i32>, Option<Uuid>)> = sqlx::query_as(
        "SELECT published_item_id, views, persona_id FROM normalized_metrics
         ORDER BY published_item_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(
        stored.iter().map(|r| r.0).collect::<Vec<_>>(),
        expected,
        "each item once"
    );
    assert!(
        stored.iter().all(|r| r.2 == Some(persona)),
        "persona looked up"
    );
    let views: i64 = stored.iter().map(|r| i64::from(r.1.unwrap())).sum();
    let (rollup_rows, rollup_views): (i64, i64) = sqlx::query_as(
        "SELECT sum(metric_rows)::bigint, sum(views_sum)::bigint FROM metric_daily_rollups
         WHERE persona_id = $1",
    )
    .bind(persona)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((rollup_rows, rollup_views), (7, views));
    // A second finish has nothing left to write.
    writer.finish().await.unwrap();
    assert_eq!(common::count(pool, "normalized_metrics").await, 7);
}

#[tokio::test]
async fn a_failed_write_stops_the_writer_and_drops_what_follows() {
    let db = common::db().await;
    let pool = &db.pool;
    let (_, ids) = items(pool, 3).await;
    let mut writer = MetricWriter::with_chunk(pool.clone(), 2);
    // The first chunk names an item that does not exist: the statement fails whole.
    writer
        .push(vec![row(ids[0], 1), row(Uuid::new_v4(), 1)])
        .await
        .unwrap();
    writer.push(vec![row(ids[1], 1)]).await.unwrap();
    let error = writer
        .push(vec![row(ids[2], 1)])
        .await
        .expect_err("the failed chunk is reported");
    assert!(error.contains("published item not found"), "{error}");
    // The run stops there: what was gathered meanwhile is not written.
    writer.finish().await.unwrap();
    assert_eq!(writer.written, 0);
    assert_eq!(common::count(pool, "normalized_metrics").await, 0);
}
