//! Runs against a real PostgreSQL: create, read, page, filter, complete (aggregation, items,
//! idempotency, atomicity), and the trigger-maintained hourly counts behind the red flags.

use crate::common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use mpis_dash::domain::run_status::RunStatus;
use mpis_dash::store::StoreError;
use mpis_dash::store::red_flags::run_counts_since;
use mpis_dash::store::runs::{self, Completion, ItemReport, RunCursor, RunFilter, RunListRow};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

fn completion(status: RunStatus, execution: &str, items: Vec<ItemReport>) -> Completion {
    Completion {
        status,
        persona_id: None,
        project_id: None,
        n8n_execution_id: execution.to_string(),
        error: None,
        items,
    }
}

fn item(channel: &str, status: Option<&str>) -> ItemReport {
    ItemReport {
        channel: channel.to_string(),
        status: status.map(str::to_string),
        metrics: json!({}),
        ..ItemReport::default()
    }
}

async fn item_rows(pool: &PgPool, run_id: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM dashboard_run_items WHERE run_id = $1")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn create_stores_a_pending_run_with_its_meta() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let mut new = common::new_run(&project);
    new.date_to = new.date_from + Duration::days(2);
    new.templates = serde_json::Value::Null;
    new.options = json!({"max_items": 3});

    let run = runs::create(pool, &new).await.unwrap();
    assert_eq!(run.status, "pending");
    assert_eq!(run.project_id, project.id);
    assert_eq!(run.persona_id, project.persona_id);
    assert_ne!(run.run_id, run.id, "the correlation id is not the row id");
    assert_eq!(run.completed_at, None);
    assert_eq!(run.n8n_execution_id, None);
    assert_eq!(run.n8n_execution_ref, None);
    assert_eq!(
        run.meta.0,
        json!({"channels": ["telegram", "instagram"], "date_from": "2026-01-10",
               "date_to": "2026-01-12", "templates": {}, "options": {"max_items": 3}})
    );
    // A second run gets its own correlation id.
    let other = runs::create(pool, &new).await.unwrap();
    assert_ne!(other.run_id, run.run_id);
}

#[tokio::test]
async fn create_refuses_unknown_project_foreign_persona_and_reversed_dates() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let stranger = common::persona(pool, "Maria").await;

    let mut unknown = common::new_run(&project);
    unknown.project_id = Uuid::new_v4();
    match runs::create(pool, &unknown).await {
        Err(StoreError::NotFound { entity, id }) => {
            assert_eq!(entity, "project");
            assert_eq!(id, unknown.project_id.to_string());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }

    let mut mismatch = common::new_run(&project);
    mismatch.persona_id = stranger;
    match runs::create(pool, &mismatch).await {
        Err(StoreError::Invalid { field, message }) => {
            assert_eq!(field, "persona_id");
            assert!(
                message.contains(&project.persona_id.to_string()),
                "{message}"
            );
        }
        other => panic!("expected Invalid persona_id, got {other:?}"),
    }

    let mut reversed = common::new_run(&project);
    reversed.date_to = NaiveDate::from_ymd_opt(2026, 1, 9).unwrap();
    match runs::create(pool, &reversed).await {
        Err(StoreError::Invalid { field, message }) => {
            assert_eq!(field, "date_to");
            assert!(message.contains("2026-01-09"), "{message}");
        }
        other => panic!("expected Invalid date_to, got {other:?}"),
    }
    assert_eq!(common::count(pool, "dashboard_runs").await, 0);
}

#[tokio::test]
async fn get_finds_a_run_by_its_correlation_id_only() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();

    assert_eq!(
        runs::get(pool, run.run_id).await.unwrap(),
        Some(run.clone())
    );
    assert_eq!(
        runs::get(pool, run.id).await.unwrap(),
        None,
        "row id is not a run id"
    );
    assert_eq!(runs::get(pool, Uuid::new_v4()).await.unwrap(), None);
}

/// Every page of the list, following the cursor to the end.
async fn all_pages(pool: &PgPool, filter: &RunFilter, limit: i64) -> Vec<Vec<RunListRow>> {
    let mut pages = Vec::new();
    let mut cursor: Option<RunCursor> = None;
    loop {
        let page = runs::list(pool, filter, cursor, limit).await.unwrap();
        assert!(page.rows.len() as i64 <= limit);
        pages.push(page.rows);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages.len() < 100, "paging does not terminate");
    }
    pages
}

#[tokio::test]
async fn list_is_newest_first_and_keyset_pages_return_every_run_once() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    // Seven runs; three share one start time so the id breaks the tie.
    let mut expected = Vec::new();
    for minutes in [0, 10, 10, 10, 25, 40, 90] {
        let run =
            common::run_at(pool, &project, base - Duration::minutes(minutes), "success").await;
        expected.push((run.started_at, run.id));
    }
    expected.sort_by(|a, b| b.cmp(a));

    let first = runs::list(pool, &RunFilter::default(), None, 100)
        .await
        .unwrap();
    let order: Vec<_> = first.rows.iter().map(|r| (r.started_at, r.id)).collect();
    assert_eq!(order, expected, "newest first, then by id descending");
    assert_eq!(first.next, None);
    assert_eq!(first.rows[0].project_name, "Alex project");
    assert_eq!(first.rows[0].persona_name, "Alex");

    let pages = all_pages(pool, &RunFilter::default(), 3).await;
    let sizes: Vec<_> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [3, 3, 1]);
    let paged: Vec<_> = pages
        .iter()
        .flatten()
        .map(|r| (r.started_at, r.id))
        .collect();
    assert_eq!(paged, expected, "every run exactly once, in order");

    // A limit that divides the runs exactly ends with an empty cursor, not an empty page.
    let pages = all_pages(pool, &RunFilter::default(), 7).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].len(), 7);
}

#[tokio::test]
async fn list_filters_by_status_project_persona_time_and_literal_text() {
    let db = common::db().await;
    let pool = &db.pool;
    let alex = common::persona_with_project(pool, "Alex").await;
    let maria = common::persona_with_project(pool, "Maria").await;
    let now = Utc::now();
    let a1 = common::run_at(pool, &alex, now - Duration::hours(1), "failed").await;
    let a2 = common::run_at(pool, &alex, now - Duration::hours(2), "success").await;
    let a3 = common::run_at(pool, &alex, now - Duration::hours(30), "failed").await;
    let m1 = common::run_at(pool, &maria, now - Duration::hours(3), "failed").await;
    let m2 = common::run_at(pool, &maria, now - Duration::hours(4), "partial").await;
    for (run, error) in [
        (&a1, "quota 100% used"),
        (&a3, "quota 1000 used"),
        (&m1, "bad_token"),
        (&m2, "badXtoken"),
    ] {
        sqlx::query("UPDATE dashboard_runs SET error_message = $2 WHERE run_id = $1")
            .bind(run.run_id)
            .bind(error)
            .execute(pool)
            .await
            .unwrap();
    }
    let ids = |filter: RunFilter| async move {
        let page = runs::list(pool, &filter, None, 50).await.unwrap();
        page.rows.iter().map(|r| r.run_id).collect::<Vec<_>>()
    };

    assert_eq!(
        ids(RunFilter {
            status: Some(RunStatus::Failed),
            ..RunFilter::default()
        })
        .await,
        [a1.run_id, m1.run_id, a3.run_id]
    );
    assert_eq!(
        ids(RunFilter {
            project_id: Some(maria.id),
            ..RunFilter::default()
        })
        .await,
        [m1.run_id, m2.run_id]
    );
    assert_eq!(
        ids(RunFilter {
            persona_id: Some(alex.persona_id),
            ..RunFilter::default()
        })
        .await,
        [a1.run_id, a2.run_id, a3.run_id]
    );
    assert_eq!(
        ids(RunFilter {
            status: Some(RunStatus::Failed),
            persona_id: Some(alex.persona_id),
            since: Some(now - Duration::hours(24)),
            ..RunFilter::default()
        })
        .await,
        [a1.run_id]
    );
    let text = |t: &str| RunFilter {
        text: Some(t.to_string()),
        ..RunFilter::default()
    };
    // `%` and `_` are literal characters, not wildcards.
    assert_eq!(ids(text("100%")).await, [a1.run_id]);
    assert_eq!(ids(text("BAD_token")).await, [m1.run_id]);
    assert_eq!(ids(text("%")).await, [a1.run_id]);
    assert_eq!(ids(text("_")).await, [m1.run_id]);
    // Project and persona names match too, case-insensitively.
    assert_eq!(ids(text("maria PROJ")).await, [m1.run_id, m2.run_id]);
    assert_eq!(ids(text("alex")).await, [a1.run_id, a2.run_id, a3.run_id]);
    // Blank text is no filter.
    assert_eq!(ids(text("   ")).await.len(), 5);
    assert!(ids(text("no such thing")).await.is_empty());
}

#[tokio::test]
async fn list_clamps_the_limit_to_1_through_500() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    sqlx::query(
        "INSERT INTO dashboard_runs (run_id, project_id, persona_id, started_at)
         SELECT uuid_generate_v4(), $1, $2, NOW() - g * INTERVAL '1 minute'
         FROM generate_series(1, 501) g",
    )
    .bind(project.id)
    .bind(project.persona_id)
    .execute(pool)
    .await
    .unwrap();
    let filter = RunFilter::default();

    let huge = runs::list(pool, &filter, None, 100_000).await.unwrap();
    assert_eq!(huge.rows.len(), 500);
    assert!(huge.next.is_some());
    let rest = runs::list(pool, &filter, huge.next, 100_000).await.unwrap();
    assert_eq!(rest.rows.len(), 1);
    assert_eq!(rest.next, None);

    for tiny in [0, -5] {
        let page = runs::list(pool, &filter, None, tiny).await.unwrap();
        assert_eq!(page.rows.len(), 1, "limit {tiny}");
        assert!(page.next.is_some());
    }
}

#[tokio::test]
async fn complete_aggregates_the_item_statuses() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let ok = || item("telegram", Some("success"));
    let bad = || item("instagram", Some("failed"));
    let cases: Vec<(RunStatus, Vec<ItemReport>, &str)> = vec![
        (RunStatus::Success, vec![ok(), ok()], "success"),
        (RunStatus::Success, vec![ok(), bad()], "partial"),
        (RunStatus::Failed, vec![ok(), bad()], "partial"),
        (RunStatus::Success, vec![bad(), bad()], "failed"),
        (RunStatus::Failed, vec![bad()], "failed"),
        // Only exactly "failed" (any case) is a failure; a missing status is a success.
        (
            RunStatus::Success,
            vec![item("telegram", None), item("tiktok", Some("FAILED"))],
            "partial",
        ),
        (
            RunStatus::Success,
            vec![item("telegram", Some("skipped"))],
            "success",
        ),
        // Without items, the reported status stands.
        (RunStatus::Success, vec![], "success"),
        (RunStatus::Failed, vec![], "failed"),
        (RunStatus::Partial, vec![], "partial"),
    ];
    for (n, (reported, items, expected)) in cases.into_iter().enumerate() {
        let run = runs::create(pool, &common::new_run(&project))
            .await
            .unwrap();
        let count = items.len();
        let out = runs::complete(
            pool,
            run.run_id,
            &completion(reported, &format!("{n}"), items),
        )
        .await
        .unwrap();
        assert!(!out.replayed);
        assert_eq!(out.run.status, expected, "case {n}");
        assert!(out.run.completed_at.is_some());
        let stored = runs::get(pool, run.run_id).await.unwrap().unwrap();
        assert_eq!(stored.status, expected, "case {n} stored");
        assert_eq!(runs::items(pool, run.run_id).await.unwrap().len(), count);
    }
}

#[tokio::test]
async fn complete_stores_items_in_order_linked_to_published_items() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let other_draft = common::draft(pool, project.persona_id, "instagram").await;
    let published = common::published_item(pool, draft, "telegram", "101", Utc::now()).await;
    // Same channel item id but a different draft: must not be linked.
    common::published_item(pool, other_draft, "telegram", "202", Utc::now()).await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();

    let report = |draft_id: Uuid, channel: &str, id: Option<&str>, status: &str| ItemReport {
        draft_id: Some(draft_id),
        channel: channel.to_string(),
        channel_item_id: id.map(str::to_string),
        channel_url: id.map(|i| format!("https://t.me/demo/{i}")),
        status: Some(status.to_string()),
        error: (status == "failed").then(|| "upload timed out".to_string()),
        metrics: json!({"views": 10}),
    };
    let items = vec![
        report(draft, " Telegram ", Some("101"), "success"),
        report(draft, "telegram", Some("202"), "success"),
        report(draft, "instagram", None, "failed"),
        report(draft, "telegram", Some("101"), "failed"),
    ];
    let mut done = completion(RunStatus::Success, "4711", items);
    done.persona_id = Some(project.persona_id);
    done.project_id = Some(project.id);
    done.error = Some("one channel failed".to_string());
    let out = runs::complete(pool, run.run_id, &done).await.unwrap();
    assert_eq!(out.run.status, "partial");
    assert_eq!(out.run.n8n_execution_ref.as_deref(), Some("4711"));
    assert_eq!(out.run.n8n_execution_id, None, "a numeric id is not a UUID");
    assert_eq!(out.run.error_message.as_deref(), Some("one channel failed"));

    let stored = runs::items(pool, run.run_id).await.unwrap();
    let summary: Vec<_> = stored
        .iter()
        .map(|i| {
            (
                i.item_no,
                i.channel.as_str(),
                i.channel_item_id.as_deref(),
                i.succeeded,
                i.published_item_id,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, "telegram", Some("101"), true, Some(published)),
            (1, "telegram", Some("202"), true, None),
            (2, "instagram", None, false, None),
            (3, "telegram", Some("101"), false, None),
        ]
    );
    assert_eq!(stored[0].draft_id, Some(draft));
    assert_eq!(stored[0].status.as_deref(), Some("success"));
    assert_eq!(stored[0].metrics.0, json!({"views": 10}));
    assert_eq!(stored[2].error.as_deref(), Some("upload timed out"));
    assert!(stored.iter().all(|i| i.run_id == run.run_id));
}

#[tokio::test]
async fn complete_keeps_a_uuid_execution_id_in_both_columns() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    let execution = Uuid::new_v4();
    let out = runs::complete(
        pool,
        run.run_id,
        &completion(RunStatus::Success, &execution.to_string(), vec![]),
    )
    .await
    .unwrap();
    assert_eq!(out.run.n8n_execution_id, Some(execution));
    assert_eq!(
        out.run.n8n_execution_ref.as_deref(),
        Some(execution.to_string().as_str())
    );
}

#[tokio::test]
async fn a_replayed_callback_changes_nothing_and_another_execution_conflicts() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    let first = runs::complete(
        pool,
        run.run_id,
        &completion(
            RunStatus::Success,
            "900",
            vec![item("telegram", Some("success"))],
        ),
    )
    .await
    .unwrap();
    assert!(!first.replayed);

    // n8n retries the same execution, even with a different body: nothing changes.
    let mut again = completion(
        RunStatus::Failed,
        " 900 ",
        vec![
            item("telegram", Some("failed")),
            item("tiktok", Some("failed")),
        ],
    );
    again.error = Some("late error".to_string());
    let replay = runs::complete(pool, run.run_id, &again).await.unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.run, first.run);
    assert_eq!(
        runs::get(pool, run.run_id).await.unwrap(),
        Some(first.run.clone())
    );
    assert_eq!(item_rows(pool, run.run_id).await, 1);

    match runs::complete(
        pool,
        run.run_id,
        &completion(RunStatus::Success, "901", vec![]),
    )
    .await
    {
        Err(StoreError::Conflict(message)) => {
            assert!(message.contains("900"), "{message}");
            assert!(message.contains("success"), "{message}");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(runs::get(pool, run.run_id).await.unwrap(), Some(first.run));
}

#[tokio::test]
async fn complete_refuses_foreign_persona_or_project_unknown_runs_and_empty_input() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let other = common::persona_with_project(pool, "Maria").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();

    let mut wrong_persona = completion(RunStatus::Success, "1", vec![]);
    wrong_persona.persona_id = Some(other.persona_id);
    match runs::complete(pool, run.run_id, &wrong_persona).await {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "persona_id"),
        other => panic!("expected Invalid persona_id, got {other:?}"),
    }
    let mut wrong_project = completion(RunStatus::Success, "1", vec![]);
    wrong_project.persona_id = Some(project.persona_id);
    wrong_project.project_id = Some(other.id);
    match runs::complete(pool, run.run_id, &wrong_project).await {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "project_id"),
        other => panic!("expected Invalid project_id, got {other:?}"),
    }
    let missing = Uuid::new_v4();
    match runs::complete(pool, missing, &completion(RunStatus::Success, "1", vec![])).await {
        Err(StoreError::NotFound { entity, id }) => {
            assert_eq!(entity, "run");
            assert_eq!(id, missing.to_string());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    match runs::complete(
        pool,
        run.run_id,
        &completion(RunStatus::Success, "  ", vec![]),
    )
    .await
    {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "n8n_execution_id"),
        other => panic!("expected Invalid n8n_execution_id, got {other:?}"),
    }
    match runs::complete(
        pool,
        run.run_id,
        &completion(
            RunStatus::Success,
            "1",
            vec![item("ok", None), item(" ", None)],
        ),
    )
    .await
    {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "published_items[1].channel"),
        other => panic!("expected Invalid channel, got {other:?}"),
    }
    // Only a final status completes a run (callers parse with `parse_reported`).
    for status in [RunStatus::Pending, RunStatus::Running] {
        match runs::complete(pool, run.run_id, &completion(status, "1", vec![])).await {
            Err(StoreError::Invalid { field, message }) => {
                assert_eq!(field, "status");
                assert!(message.contains(status.as_str()), "{message}");
            }
            other => panic!("expected Invalid status, got {other:?}"),
        }
    }
    let stored = runs::get(pool, run.run_id).await.unwrap().unwrap();
    assert_eq!(stored, run, "refused completions change nothing");
    assert_eq!(item_rows(pool, run.run_id).await, 0);
}

#[tokio::test]
async fn a_completion_that_cannot_be_stored_leaves_the_run_untouched() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    let mut poisoned = item("telegram", Some("success"));
    poisoned.metrics = json!({"caption": "nul \u{0000} byte"});
    let items = vec![item("telegram", Some("success")), poisoned];

    match runs::complete(
        pool,
        run.run_id,
        &completion(RunStatus::Success, "77", items),
    )
    .await
    {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "published_items"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let stored = runs::get(pool, run.run_id).await.unwrap().unwrap();
    assert_eq!(stored.status, "pending");
    assert_eq!(stored.completed_at, None);
    assert_eq!(stored.n8n_execution_ref, None);
    assert_eq!(item_rows(pool, run.run_id).await, 0);
    assert_eq!(common::count(pool, "dashboard_run_items").await, 0);

    // The same execution, sent again with storable content, is accepted.
    let out = runs::complete(
        pool,
        run.run_id,
        &completion(
            RunStatus::Success,
            "77",
            vec![item("telegram", Some("success"))],
        ),
    )
    .await
    .unwrap();
    assert!(!out.replayed);
    assert_eq!(out.run.status, "success");
}

#[tokio::test]
async fn mark_running_moves_only_pending_runs() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();

    let running = runs::mark_running(pool, run.run_id).await.unwrap();
    assert_eq!(running.status, "running");
    assert_eq!(running.run_id, run.run_id);
    assert!(matches!(
        runs::mark_running(pool, run.run_id).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        runs::mark_running(pool, Uuid::new_v4()).await,
        Err(StoreError::NotFound { entity: "run", .. })
    ));

    // A running run completes normally; a completed one cannot go back to running.
    let out = runs::complete(
        pool,
        run.run_id,
        &completion(RunStatus::Success, "5", vec![]),
    )
    .await
    .unwrap();
    assert_eq!(out.run.status, "success");
    assert!(matches!(
        runs::mark_running(pool, run.run_id).await,
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test]
async fn link_published_items_links_items_whose_publish_appears_later() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    let report = |id: &str, status: &str| ItemReport {
        draft_id: Some(draft),
        channel: "telegram".to_string(),
        channel_item_id: Some(id.to_string()),
        status: Some(status.to_string()),
        metrics: json!({}),
        ..ItemReport::default()
    };
    runs::complete(
        pool,
        run.run_id,
        &completion(
            RunStatus::Success,
            "31",
            vec![
                report("501", "success"),
                report("502", "failed"),
                report("503", "success"),
            ],
        ),
    )
    .await
    .unwrap();
    assert!(
        runs::items(pool, run.run_id)
            .await
            .unwrap()
            .iter()
            .all(|i| i.published_item_id.is_none())
    );
    assert_eq!(runs::link_published_items(pool).await.unwrap(), 0);

    // MPIS records two of the publishes late (one of them for the failed item).
    let p501 = common::published_item(pool, draft, "Telegram", "501", Utc::now()).await;
    common::published_item(pool, draft, "telegram", "502", Utc::now()).await;
    assert_eq!(runs::link_published_items(pool).await.unwrap(), 1);
    let linked: Vec<_> = runs::items(pool, run.run_id)
        .await
        .unwrap()
        .iter()
        .map(|i| i.published_item_id)
        .collect();
    assert_eq!(linked, [Some(p501), None, None]);
    assert_eq!(
        runs::link_published_items(pool).await.unwrap(),
        0,
        "already linked"
    );
}

/// What the hourly stats say for a cutoff must be what a full count says.
async fn assert_counts_exact(pool: &PgPool, cutoffs: &[DateTime<Utc>], when: &str) {
    for &cutoff in cutoffs {
        let fast = run_counts_since(pool, cutoff).await.unwrap();
        let (total, failed): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE status = 'failed') FROM dashboard_runs
             WHERE started_at >= $1",
        )
        .bind(cutoff)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(
            (fast.total, fast.failed),
            (total, failed),
            "{when}, cutoff {cutoff}"
        );
    }
    // The per-hour table itself matches a GROUP BY (hours that dropped to zero may remain).
    let drift: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
             SELECT hour, total_runs, failed_runs FROM dashboard_run_hourly_stats
             WHERE total_runs <> 0 OR failed_runs <> 0
             EXCEPT
             SELECT date_trunc('hour', started_at, 'UTC'), count(*),
                    count(*) FILTER (WHERE status = 'failed')
             FROM dashboard_runs GROUP BY 1) AS d",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let hours: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT date_trunc('hour', started_at, 'UTC')) FROM dashboard_runs",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let nonzero: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM dashboard_run_hourly_stats WHERE total_runs <> 0 OR failed_runs <> 0",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((drift, nonzero), (0, hours), "{when}: hourly table");
}

#[tokio::test]
async fn hourly_run_stats_stay_exact_through_inserts_updates_and_deletes() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let now = Utc::now();
    let hour = now
        .with_minute(0)
        .unwrap()
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    let cutoffs = [
        now - Duration::hours(24),
        now - Duration::hours(168),
        hour - Duration::hours(5) + Duration::minutes(30), // the middle of an hour
        hour - Duration::hours(5),                         // exactly on an hour
        hour - Duration::hours(5) + Duration::minutes(17) + Duration::seconds(1),
        now - Duration::days(400),
        now + Duration::hours(1),
    ];

    // Single inserts through the store, spread over the last 9 days, some in the same hour.
    let mut made = Vec::new();
    for (n, minutes_ago) in [
        5, 20, 290, 300, 305, 330, 340, 1500, 1441, 4000, 10_100, 12_000,
    ]
    .into_iter()
    .enumerate()
    {
        let status = if n % 3 == 0 { "failed" } else { "success" };
        made.push(
            common::run_at(
                pool,
                &project,
                hour - Duration::minutes(minutes_ago),
                status,
            )
            .await,
        );
    }
    // A multi-row insert in one statement.
    sqlx::query(
        "INSERT INTO dashboard_runs (run_id, project_id, persona_id, status, started_at)
         SELECT uuid_generate_v4(), $1, $2, CASE WHEN g % 2 = 0 THEN 'failed' ELSE 'partial' END,
                $3 - g * INTERVAL '7 minutes'
         FROM generate_series(1, 60) g",
    )
    .bind(project.id)
    .bind(project.persona_id)
    .bind(now)
    .execute(pool)
    .await
    .unwrap();
    assert_counts_exact(pool, &cutoffs, "after inserts").await;

    // Status changes, one row and many rows at a time, into and out of `failed`.
    sqlx::query("UPDATE dashboard_runs SET status = 'failed' WHERE run_id = $1")
        .bind(made[1].run_id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE dashboard_runs SET status = 'success' WHERE run_id = $1")
        .bind(made[0].run_id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE dashboard_runs SET status = CASE status WHEN 'failed' THEN 'success' ELSE 'failed' END
         WHERE started_at > $1",
    )
    .bind(now - Duration::hours(3))
    .execute(pool)
    .await
    .unwrap();
    // A run moved to another hour, and a run completed through the store.
    sqlx::query(
        "UPDATE dashboard_runs SET started_at = started_at - INTERVAL '3 days' WHERE run_id = $1",
    )
    .bind(made[2].run_id)
    .execute(pool)
    .await
    .unwrap();
    let fresh = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    runs::complete(
        pool,
        fresh.run_id,
        &completion(
            RunStatus::Failed,
            "1",
            vec![item("telegram", Some("failed"))],
        ),
    )
    .await
    .unwrap();
    assert_counts_exact(pool, &cutoffs, "after updates").await;

    // Deletes: one row, then many.
    sqlx::query("DELETE FROM dashboard_runs WHERE run_id = $1")
        .bind(made[3].run_id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM dashboard_runs WHERE status = 'partial' AND started_at < $1")
        .bind(now - Duration::hours(2))
        .execute(pool)
        .await
        .unwrap();
    assert_counts_exact(pool, &cutoffs, "after deletes").await;

    // Deleting the project cascades to its runs.
    sqlx::query("DELETE FROM dashboard_projects WHERE id = $1")
        .bind(project.id)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(common::count(pool, "dashboard_runs").await, 0);
    assert_counts_exact(pool, &cutoffs, "after cascade").await;
    assert_eq!(
        run_counts_since(pool, now - Duration::days(400))
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn callbacks_at_once_record_one_completion_and_answer_what_was_stored() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    // Eight deliveries of one execution and eight of others, all at once.
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let pool = pool.clone();
            let execution = if n % 2 == 0 {
                "700".to_string()
            } else {
                format!("8{n}")
            };
            tokio::spawn(async move {
                let items = vec![item("telegram", Some("success")), item("tiktok", None)];
                runs::complete(
                    &pool,
                    run.run_id,
                    &completion(RunStatus::Success, &execution, items),
                )
                .await
            })
        })
        .collect();
    let mut recorded = Vec::new();
    let (mut replays, mut conflicts) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(out) if out.replayed => replays += 1,
            Ok(out) => recorded.push(out),
            Err(StoreError::Conflict(_)) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(recorded.len(), 1, "exactly one callback is recorded");
    assert_eq!(item_rows(pool, run.run_id).await, 2, "its items once");
    let winner = recorded.pop().unwrap();
    let execution = winner.run.n8n_execution_ref.clone().unwrap();
    // The same execution's other deliveries are replays, every other execution a conflict
    // (each odd delivery is an execution of its own).
    let (same, others) = if execution == "700" { (7, 8) } else { (0, 15) };
    assert_eq!((replays, conflicts), (same, others));

    // The answer of the recording callback is the run as a later read shows it, with the
    // dispatch it cancelled in the same statement.
    let answered = winner
        .detail
        .expect("a recorded completion carries its detail");
    let read = runs::detail(pool, run.run_id).await.unwrap().unwrap();
    assert_eq!(answered, read);
    assert_eq!(answered.items.len(), 2);
    assert_eq!(
        answered.dispatch.as_ref().map(|d| d.state.as_str()),
        Some("cancelled")
    );
}
