//! `store::runs::detail` (a run, its items and its dispatch in one statement) against the
//! three reads it replaces, and the completion's publish link written as two index lookups
//! (`=` for a given channel item id, `IS NULL` for none) against the `IS NOT DISTINCT FROM`
//! match it replaces.

use crate::common;

use chrono::{Duration, Utc};
use mpis_dash::domain::run_status::RunStatus;
use mpis_dash::store::dispatch;
use mpis_dash::store::runs::{self, Completion, ItemReport};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

async fn unnumbered_item(
    pool: &PgPool,
    draft: Uuid,
    channel: &str,
    at: chrono::DateTime<Utc>,
) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO published_items (draft_id, channel, channel_item_id, published_at)
         VALUES ($1, $2, NULL, $3) RETURNING id",
    )
    .bind(draft)
    .bind(channel)
    .bind(at)
    .fetch_one(pool)
    .await
    .expect("insert published item")
}

fn report(draft: Uuid, channel: &str, id: Option<&str>, status: &str) -> ItemReport {
    ItemReport {
        draft_id: Some(draft),
        channel: channel.to_string(),
        channel_item_id: id.map(str::to_string),
        channel_url: id.map(|i| format!("https://t.me/demo/{i}")),
        status: Some(status.to_string()),
        error: (status == "failed").then(|| "upload timed out".to_string()),
        metrics: json!({"views": 3}),
    }
}

#[tokio::test]
async fn detail_is_what_the_three_reads_give() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    common::published_item(pool, draft, "telegram", "7", Utc::now()).await;

    // Pending with its queued dispatch, no items.
    let pending = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    // Completed with items (the dispatch cancelled by the completion).
    let done = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    let completion = Completion {
        status: RunStatus::Success,
        persona_id: None,
        project_id: None,
        n8n_execution_id: "42".into(),
        error: None,
        items: vec![
            report(draft, "telegram", Some("7"), "success"),
            report(draft, "instagram", None, "failed"),
            report(draft, "telegram", Some("8"), "success"),
        ],
    };
    runs::complete(pool, done.run_id, &completion)
        .await
        .unwrap();
    // A run without a dispatch row (created before dispatch existed).
    let old = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    sqlx::query("DELETE FROM run_dispatches WHERE run_id = $1")
        .bind(old.run_id)
        .execute(pool)
        .await
        .unwrap();

    for run_id in [pending.run_id, done.run_id, old.run_id] {
        let detail = runs::detail(pool, run_id).await.unwrap().expect("the run");
        assert_eq!(detail.run, runs::get(pool, run_id).await.unwrap().unwrap());
        assert_eq!(detail.items, runs::items(pool, run_id).await.unwrap());
        assert_eq!(detail.dispatch, dispatch::get(pool, run_id).await.unwrap());
    }
    let detail = runs::detail(pool, done.run_id).await.unwrap().unwrap();
    let numbers: Vec<i32> = detail.items.iter().map(|i| i.item_no).collect();
    assert_eq!(numbers, [0, 1, 2], "in the callback's order");
    assert!(detail.items[0].published_item_id.is_some());
    assert!(
        runs::detail(pool, pending.run_id)
            .await
            .unwrap()
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        runs::detail(pool, old.run_id)
            .await
            .unwrap()
            .unwrap()
            .dispatch
            .is_none()
    );
    assert!(
        runs::detail(pool, pending.run_id)
            .await
            .unwrap()
            .unwrap()
            .dispatch
            .is_some()
    );
    assert_eq!(runs::detail(pool, Uuid::new_v4()).await.unwrap(), None);
}

#[tokio::test]
async fn an_item_without_a_channel_id_links_to_the_newest_unnumbered_publish_of_its_draft() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let now = Utc::now();
    unnumbered_item(pool, draft, "telegram", now - Duration::hours(2)).await;
    let newest = unnumbered_item(pool, draft, "Telegram", now - Duration::hours(1)).await;
    let numbered = common::published_item(pool, draft, "telegram", "55", now).await;
    let older_56 =
        common::published_item(pool, draft, "telegram", "56", now - Duration::hours(3)).await;
    let newer_56 =
        common::published_item(pool, draft, "telegram", "56", now - Duration::minutes(5)).await;

    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    let completion = Completion {
        status: RunStatus::Success,
        persona_id: None,
        project_id: None,
        n8n_execution_id: "9".into(),
        error: None,
        items: vec![
            // No id: the newest publish of the draft on the channel that has none either.
            report(draft, "telegram", None, "success"),
            // An id: that item, never an unnumbered one.
            report(draft, "telegram", Some("55"), "success"),
            // An id published twice: the newer.
            report(draft, "telegram", Some("56"), "success"),
            // An id MPIS never recorded: not linked (not to an unnumbered item either).
            report(draft, "telegram", Some("57"), "success"),
            // No id on a channel without such a publish: not linked.
            report(draft, "instagram", None, "success"),
        ],
    };
    runs::complete(pool, run.run_id, &completion).await.unwrap();
    let links: Vec<Option<Uuid>> = runs::items(pool, run.run_id)
        .await
        .unwrap()
        .iter()
        .map(|i| i.published_item_id)
        .collect();
    assert_eq!(
        links,
        [Some(newest), Some(numbered), Some(newer_56), None, None]
    );
    assert_ne!(links[2], Some(older_56));
}
