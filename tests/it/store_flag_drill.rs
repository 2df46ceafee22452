//! The on-call path against a real PostgreSQL: the rows behind each red flag (exactly what the
//! counts count, in keyset pages), a published item's metric history, acknowledgements that
//! survive re-evaluation, and silencing a flag whose condition still holds.

use crate::common;

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use mpis_dash::domain::red_flags::{FlagKind, Overall, Thresholds, with_silenced};
use mpis_dash::domain::run_status::RunStatus;
use mpis_dash::store::flag_drill::{self, DrillCursor, DrillRow};
use mpis_dash::store::metrics::{self, MetricRow};
use mpis_dash::store::projects::Project;
use mpis_dash::store::red_flags::{self, OpenFlagCounts, RedFlag, SYSTEM_RESOLVER};
use mpis_dash::store::runs::{self, Completion, ItemReport};
use mpis_dash::store::{StoreError, audit};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Every row of what `kind` counts, read `limit` at a time; fails on a repeated row.
async fn all_pages(pool: &PgPool, kind: FlagKind, now: DateTime<Utc>, limit: i64) -> Vec<DrillRow> {
    let mut rows = Vec::new();
    let mut after: Option<DrillCursor> = None;
    let mut pages = 0;
    loop {
        let page = flag_drill::page(pool, kind, now, after, limit)
            .await
            .unwrap();
        assert!(
            page.rows.len() as i64 <= limit,
            "a page holds at most {limit}"
        );
        pages += 1;
        rows.extend(page.rows);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
        assert!(pages < 100, "paging does not end");
    }
    let ids: HashSet<Uuid> = rows.iter().map(DrillRow::id).collect();
    assert_eq!(ids.len(), rows.len(), "no row twice across pages");
    rows
}

fn run_ids(rows: &[DrillRow]) -> HashSet<Uuid> {
    rows.iter()
        .map(|r| match r {
            DrillRow::Run { run, .. } => run.run_id,
            other => panic!("not a run: {other:?}"),
        })
        .collect()
}

async fn runs_at(
    pool: &PgPool,
    project: &Project,
    at: DateTime<Utc>,
    n: usize,
    status: &str,
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let at = at - Duration::seconds(i as i64);
        ids.push(common::run_at(pool, project, at, status).await.run_id);
    }
    ids
}

async fn complete(pool: &PgPool, run_id: Uuid, items: Vec<ItemReport>) {
    runs::complete(
        pool,
        run_id,
        &Completion {
            status: RunStatus::Success,
            persona_id: None,
            project_id: None,
            n8n_execution_id: Uuid::new_v4().to_string(),
            error: None,
            items,
        },
    )
    .await
    .unwrap();
}

fn report(draft: Uuid, channel_item_id: &str) -> ItemReport {
    ItemReport {
        draft_id: Some(draft),
        channel: "telegram".into(),
        channel_item_id: Some(channel_item_id.to_string()),
        status: Some("success".into()),
        metrics: json!({}),
        ..ItemReport::default()
    }
}

async fn evaluate_at(pool: &PgPool, now: DateTime<Utc>) -> Vec<RedFlag> {
    red_flags::evaluate_and_record(pool, &Thresholds::default(), now)
        .await
        .unwrap();
    red_flags::list(pool, false, 100).await.unwrap()
}

fn by_key(flags: &[RedFlag], kind: FlagKind) -> &RedFlag {
    flags
        .iter()
        .find(|f| f.flag_key.as_deref() == Some(kind.key()))
        .unwrap_or_else(|| panic!("no flag {kind} in {flags:?}"))
}

#[tokio::test]
async fn the_failed_runs_lists_are_exactly_the_windows_failed_runs_in_keyset_pages() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let now = Utc::now();
    let day = runs_at(pool, &project, now - Duration::hours(2), 5, "failed").await;
    let week = runs_at(pool, &project, now - Duration::hours(30), 2, "failed").await;
    runs_at(pool, &project, now - Duration::days(8), 1, "failed").await;
    runs_at(pool, &project, now - Duration::hours(1), 3, "success").await;
    runs_at(pool, &project, now - Duration::hours(1), 2, "partial").await;

    let summary = red_flags::summary(pool, &Thresholds::default(), now)
        .await
        .unwrap()
        .summary;
    let rows = all_pages(pool, FlagKind::FailedRuns24h, now, 2).await;
    assert_eq!(run_ids(&rows), day.iter().copied().collect());
    assert_eq!(
        rows.len() as i64,
        summary["failed_runs"]["last_24h"]["failed_runs"]
            .as_i64()
            .unwrap()
    );
    // Newest first, and each with its project and persona for the operator.
    let started: Vec<_> = rows
        .iter()
        .map(|r| match r {
            DrillRow::Run { run, missing_items } => {
                assert_eq!(run.status, "failed");
                assert_eq!(*missing_items, None);
                assert_eq!(run.persona_name, "Alex");
                run.started_at
            }
            other => panic!("not a run: {other:?}"),
        })
        .collect();
    assert!(started.windows(2).all(|w| w[0] >= w[1]), "{started:?}");

    let rows = all_pages(pool, FlagKind::FailedRuns7d, now, 3).await;
    let expected: HashSet<Uuid> = day.iter().chain(&week).copied().collect();
    assert_eq!(run_ids(&rows), expected);
    assert_eq!(
        rows.len() as i64,
        summary["failed_runs"]["last_7d"]["failed_runs"]
            .as_i64()
            .unwrap()
    );

    // The window is the one the flag was evaluated at: a day later the 24 h list is empty.
    let later = all_pages(pool, FlagKind::FailedRuns24h, now + Duration::hours(23), 10).await;
    assert!(later.is_empty(), "{later:?}");
}

#[tokio::test]
async fn the_items_without_metrics_list_matches_the_count_newest_first() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let now = Utc::now();
    let mut without = Vec::new();
    for n in 0..5 {
        let at = now - Duration::hours(n);
        without.push(common::published_item(pool, draft, "telegram", &format!("w{n}"), at).await);
    }
    let measured = common::published_item(pool, draft, "telegram", "m", now).await;
    metrics::insert_batch(
        pool,
        &[MetricRow::from_raw(
            measured,
            "telegram",
            json!({"views": 10}),
            now,
            "test",
        )],
    )
    .await
    .unwrap();
    let counted = red_flags::refresh_missing_metrics(pool).await.unwrap();

    let rows = all_pages(pool, FlagKind::MissingMetrics, now, 2).await;
    assert_eq!(rows.len() as i64, counted);
    let ids: Vec<Uuid> = rows
        .iter()
        .map(|r| match r {
            DrillRow::Item(item) => item.id,
            other => panic!("not an item: {other:?}"),
        })
        .collect();
    assert_eq!(ids, without, "newest first, the measured item left out");

    // The item screen: the item and its measurements, newest first.
    let item = flag_drill::published_item(pool, measured)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.channel_item_id.as_deref(), Some("m"));
    assert_eq!(item.draft_id, draft);
    metrics::insert_batch(
        pool,
        &[MetricRow::from_raw(
            measured,
            "telegram",
            json!({"views": 25}),
            now + Duration::hours(1),
            "test",
        )],
    )
    .await
    .unwrap();
    let history = flag_drill::metric_history(pool, measured, 10)
        .await
        .unwrap();
    let views: Vec<Option<i32>> = history.iter().map(|m| m.views).collect();
    assert_eq!(views, vec![Some(25), Some(10)]);
    assert!(
        flag_drill::metric_history(pool, without[0], 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_runs_missing_publish_records_list_matches_the_count_with_their_items() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    common::published_item(pool, draft, "telegram", "1", Utc::now()).await;
    let new_run = || async {
        runs::create(pool, &common::new_run(&project))
            .await
            .unwrap()
    };
    let linked = new_run().await;
    complete(pool, linked.run_id, vec![report(draft, "1")]).await;
    let one = new_run().await;
    complete(pool, one.run_id, vec![report(draft, "2")]).await;
    let two = new_run().await;
    complete(
        pool,
        two.run_id,
        vec![report(draft, "1"), report(draft, "3"), report(draft, "4")],
    )
    .await;
    let late = new_run().await;
    complete(pool, late.run_id, vec![report(draft, "5")]).await;
    // MPIS recorded this one late (not linked yet): not missing, as the count says.
    common::published_item(pool, draft, "telegram", "5", Utc::now()).await;

    let now = Utc::now();
    let count = red_flags::summary(pool, &Thresholds::default(), now)
        .await
        .unwrap()
        .summary["missing_publish_records"]["count"]
        .as_i64()
        .unwrap();
    let rows = all_pages(pool, FlagKind::MissingPublishRecords, now, 1).await;
    assert_eq!(rows.len() as i64, count);
    let mut missing: Vec<(Uuid, Option<i64>)> = rows
        .iter()
        .map(|r| match r {
            DrillRow::Run { run, missing_items } => (run.run_id, *missing_items),
            other => panic!("not a run: {other:?}"),
        })
        .collect();
    missing.sort();
    let mut expected = vec![(one.run_id, Some(1)), (two.run_id, Some(2))];
    expected.sort();
    assert_eq!(missing, expected);
}

#[tokio::test]
async fn an_acknowledgement_survives_re_evaluation_while_the_numbers_and_the_window_move() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let now = Utc::now();
    let failed = runs_at(pool, &project, now - Duration::hours(1), 3, "failed").await;
    let ok = runs_at(pool, &project, now - Duration::hours(1), 17, "success").await;
    let flag = by_key(&evaluate_at(pool, now).await, FlagKind::FailedRuns24h).clone();
    assert_eq!(flag.severity, "warning");
    red_flags::acknowledge(pool, flag.id, "alice")
        .await
        .unwrap();

    // One more failure: the description and the numbers change, the acknowledgement stays.
    sqlx::query("UPDATE dashboard_runs SET status = 'failed' WHERE run_id = $1")
        .bind(ok[0])
        .execute(pool)
        .await
        .unwrap();
    let again = by_key(&evaluate_at(pool, now).await, FlagKind::FailedRuns24h).clone();
    assert_eq!(again.id, flag.id);
    assert_ne!(again.description, flag.description);
    assert_ne!(again.metadata, flag.metadata);
    assert_eq!(again.acknowledged_by.as_deref(), Some("alice"));

    // Older successful runs that drop out of the window as it moves: 4/30 then 4/20.
    runs_at(
        pool,
        &project,
        now - Duration::minutes(23 * 60 + 30),
        10,
        "success",
    )
    .await;
    let before = by_key(&evaluate_at(pool, now).await, FlagKind::FailedRuns24h).clone();
    assert_eq!(before.metadata.0["total_runs"], 30);
    let moved = by_key(
        &evaluate_at(pool, now + Duration::hours(1)).await,
        FlagKind::FailedRuns24h,
    )
    .clone();
    assert_eq!(moved.id, flag.id);
    assert_eq!(moved.metadata.0["total_runs"], 20);
    assert_eq!(moved.acknowledged_by.as_deref(), Some("alice"));

    // The condition clears: the flag is resolved by the system, its history kept.
    sqlx::query("UPDATE dashboard_runs SET status = 'success' WHERE run_id = ANY($1)")
        .bind(&failed)
        .execute(pool)
        .await
        .unwrap();
    let open = evaluate_at(pool, now).await;
    assert!(
        open.iter()
            .all(|f| f.flag_key.as_deref() != Some(FlagKind::FailedRuns24h.key()))
    );
    let closed = red_flags::get(pool, flag.id).await.unwrap().unwrap();
    assert_eq!(closed.resolved_by.as_deref(), Some(SYSTEM_RESOLVER));
    assert_eq!(closed.acknowledged_by.as_deref(), Some("alice"));
}

#[tokio::test]
async fn a_silenced_flag_stays_open_acknowledged_and_is_no_alert_until_its_silence_ends() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    complete(pool, run.run_id, vec![report(draft, "lost")]).await;
    let now = Utc::now();
    let flag = by_key(
        &evaluate_at(pool, now).await,
        FlagKind::MissingPublishRecords,
    )
    .clone();
    assert_eq!(flag.severity, "critical");
    assert_eq!(
        red_flags::open_counts(pool, now).await.unwrap(),
        OpenFlagCounts {
            critical: 1,
            critical_unacknowledged: 1,
            warning: 0,
            silenced: 0
        }
    );
    red_flags::acknowledge(pool, flag.id, "alice")
        .await
        .unwrap();
    let counts = red_flags::open_counts(pool, now).await.unwrap();
    assert_eq!(
        (counts.critical, counts.critical_unacknowledged),
        (1, 0),
        "acknowledged: still open and critical, no longer unacknowledged"
    );

    // The condition still holds: resolving would only reopen it. Silence it instead.
    let thresholds = Thresholds::default();
    let (_, holds) = red_flags::condition_holds(pool, &thresholds, flag.id, now)
        .await
        .unwrap();
    assert!(holds);
    let until = now + Duration::hours(4);
    let silenced = red_flags::silence(pool, flag.id, "bob", until)
        .await
        .unwrap();
    assert_eq!(silenced.silenced_by.as_deref(), Some("bob"));
    assert!(silenced.is_silenced(now));
    let audit = audit::for_entity(pool, flag.id, 10).await.unwrap();
    assert_eq!(audit[0].event_type, "red_flag_silenced");
    assert_eq!(audit[0].details.0["operator"], "bob");

    // Re-evaluation keeps the same open row, its acknowledgement and its silence.
    let after = by_key(
        &evaluate_at(pool, now).await,
        FlagKind::MissingPublishRecords,
    )
    .clone();
    assert_eq!(after.id, flag.id);
    assert_eq!(after.resolved_at, None);
    assert_eq!(after.acknowledged_by.as_deref(), Some("alice"));
    assert_eq!(after.silenced_by.as_deref(), Some("bob"));
    assert_eq!(
        after.silenced_until.map(|t| t.timestamp()),
        Some(until.timestamp())
    );

    // Not an alert meanwhile (status line, check), an alert again once the silence ended.
    assert_eq!(
        red_flags::open_counts(pool, now).await.unwrap(),
        OpenFlagCounts {
            critical: 0,
            critical_unacknowledged: 0,
            warning: 0,
            silenced: 1
        }
    );
    let keys = red_flags::silenced_keys(pool, now).await.unwrap();
    assert_eq!(
        keys,
        vec![FlagKind::MissingPublishRecords.key().to_string()]
    );
    let evaluation = red_flags::summary(pool, &thresholds, now).await.unwrap();
    assert_eq!(evaluation.overall, Overall::Critical);
    let as_alert = with_silenced(evaluation, &keys);
    assert_eq!(as_alert.overall, Overall::Ok);
    assert_eq!(as_alert.summary["status"], "OK");
    let later = now + Duration::hours(5);
    assert_eq!(
        red_flags::open_counts(pool, later).await.unwrap().critical,
        1
    );
    assert!(
        red_flags::silenced_keys(pool, later)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!after.is_silenced(later));

    // MPIS records the publish: the condition cleared, so resolving is what the operator
    // asks for, and it stays resolved.
    common::published_item(pool, draft, "telegram", "lost", now).await;
    let (_, holds) = red_flags::condition_holds(pool, &thresholds, flag.id, now)
        .await
        .unwrap();
    assert!(!holds);
    red_flags::resolve(pool, flag.id, "alice").await.unwrap();
    let open = evaluate_at(pool, now).await;
    assert!(open.is_empty(), "{open:?}");

    // Silencing a resolved flag is refused.
    let err = red_flags::silence(pool, flag.id, "bob", until)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn an_escalation_clears_a_silence_as_it_clears_an_acknowledgement() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let now = Utc::now();
    runs_at(pool, &project, now - Duration::hours(1), 3, "failed").await;
    let ok = runs_at(pool, &project, now - Duration::hours(1), 17, "success").await;
    let flag = by_key(&evaluate_at(pool, now).await, FlagKind::FailedRuns24h).clone();
    assert_eq!(flag.severity, "warning");
    red_flags::silence(pool, flag.id, "bob", now + Duration::hours(4))
        .await
        .unwrap();
    sqlx::query("UPDATE dashboard_runs SET status = 'failed' WHERE run_id = ANY($1)")
        .bind(&ok[..5])
        .execute(pool)
        .await
        .unwrap();
    let escalated = by_key(&evaluate_at(pool, now).await, FlagKind::FailedRuns24h).clone();
    assert_eq!(escalated.id, flag.id);
    assert_eq!(escalated.severity, "critical");
    assert_eq!(escalated.silenced_until, None);
    assert_eq!(escalated.silenced_by, None);
    // An alert again: it and the 7-day flag (the same runs) are critical.
    assert_eq!(red_flags::open_counts(pool, now).await.unwrap().critical, 2);
}

#[tokio::test]
async fn check_does_not_alert_on_a_silenced_flag_until_its_silence_ends() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    complete(pool, run.run_id, vec![report(draft, "lost")]).await;
    let check = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
            .arg("check")
            .env("DATABASE_URL", db.url())
            .env("MPIS_DASH_CONFIG", "/dev/null")
            .output()
            .expect("run check")
    };
    let out = check();
    assert_eq!(out.status.code(), Some(2), "critical before the silence");
    let flag = by_key(
        &red_flags::list(pool, false, 10).await.unwrap(),
        FlagKind::MissingPublishRecords,
    )
    .clone();
    red_flags::silence(pool, flag.id, "bob", Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    let out = check();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("OK"), "{stdout}");
    assert!(
        stdout.contains("missing publish records 1"),
        "the numbers stay: {stdout}"
    );
    assert!(
        stdout.contains("silenced: missing_publish_records"),
        "{stdout}"
    );
    // The silence ends: an alert again.
    sqlx::query("UPDATE red_flags SET silenced_until = NOW() - INTERVAL '1 minute' WHERE id = $1")
        .bind(flag.id)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(check().status.code(), Some(2));
}

/// The ids of a drill-in's item rows, in order.
fn item_ids(rows: &[DrillRow]) -> Vec<Uuid> {
    rows.iter()
        .map(|r| match r {
            DrillRow::Item(item) => item.id,
            other => panic!("not an item: {other:?}"),
        })
        .collect()
}

/// The evaluator lists the newest 1000 items without metrics beside its count; the drill-in
/// reads that list (so it matches the count on screen and never walks every measured item),
/// drops what was measured since, and continues live past the end of a full list. Without a
/// stored count (never evaluated) it reads live, as the summary counts live.
#[tokio::test]
async fn the_missing_metrics_drill_in_reads_the_evaluators_list_then_live_past_its_end() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let now = Utc::now();
    let first = common::published_item(pool, draft, "telegram", "i0", now).await;
    // 1,004 more items without metrics, one minute apart going back: 1,005 in all, more than
    // the list keeps.
    sqlx::query(
        "INSERT INTO published_items (draft_id, channel, channel_item_id, published_at)
         SELECT draft_id, channel, 'i' || n, published_at - n * INTERVAL '1 minute'
         FROM published_items, generate_series(1, 1004) AS n WHERE id = $1",
    )
    .bind(first)
    .execute(pool)
    .await
    .expect("more items");
    let live_order = item_ids(&all_pages(pool, FlagKind::MissingMetrics, now, 100).await);
    assert_eq!(live_order.len(), 1005, "no stored count yet: read live");

    assert_eq!(
        red_flags::refresh_missing_metrics(pool).await.unwrap(),
        1005
    );
    let listed: i64 = sqlx::query_scalar("SELECT count(*) FROM red_flag_missing_metric_items")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(listed, red_flags::MISSING_METRICS_LISTED);
    let rows = item_ids(&all_pages(pool, FlagKind::MissingMetrics, now, 100).await);
    assert_eq!(
        rows, live_order,
        "the list, then live past its end: the same rows, in order"
    );

    // Measured since the evaluation: left out at once. Published since: not in the count on
    // screen, so not listed until the next evaluation counts it.
    metrics::insert_batch(
        pool,
        &[MetricRow::from_raw(
            first,
            "telegram",
            json!({"views": 3}),
            now,
            "test",
        )],
    )
    .await
    .unwrap();
    let newer =
        common::published_item(pool, draft, "telegram", "new", now + Duration::minutes(5)).await;
    let rows = item_ids(&all_pages(pool, FlagKind::MissingMetrics, now, 100).await);
    assert_eq!(rows.len(), 1004);
    assert!(!rows.contains(&first) && !rows.contains(&newer));
    assert_eq!(
        red_flags::refresh_missing_metrics(pool).await.unwrap(),
        1005
    );
    let rows = item_ids(&all_pages(pool, FlagKind::MissingMetrics, now, 100).await);
    assert_eq!(
        rows[0], newer,
        "counted and listed after the next evaluation"
    );
    assert_eq!(rows.len(), 1005);
}
