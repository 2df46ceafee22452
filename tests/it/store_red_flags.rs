//! Red flags against a real PostgreSQL: the summary's numbers and shape (MPIS_REFERENCE.md
//! §1.6.13, §3.4), and the stored flag rows with evaluate/acknowledge/resolve.

use crate::common;

use chrono::{DateTime, Duration, Utc};
use mpis_dash::domain::red_flags::{FlagKind, Overall, Severity, Thresholds};
use mpis_dash::domain::run_status::RunStatus;
use mpis_dash::store::metrics::{self, MetricRow};
use mpis_dash::store::projects::Project;
use mpis_dash::store::red_flags::{self, RedFlag, SYSTEM_RESOLVER};
use mpis_dash::store::runs::{self, Completion, ItemReport};
use mpis_dash::store::{StoreError, audit};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// Runs started `hours_ago`, `failed` of them failed and the rest with `other` status.
async fn runs_at(
    pool: &PgPool,
    project: &Project,
    at: DateTime<Utc>,
    total: usize,
    failed: usize,
    other: &str,
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for n in 0..total {
        let status = if n < failed { "failed" } else { other };
        let at = at - Duration::seconds(n as i64);
        ids.push(common::run_at(pool, project, at, status).await.run_id);
    }
    ids
}

async fn summary(pool: &PgPool) -> Value {
    red_flags::summary(pool, &Thresholds::default(), Utc::now())
        .await
        .unwrap()
        .summary
}

async fn set_status(pool: &PgPool, run_ids: &[Uuid], status: &str) {
    sqlx::query("UPDATE dashboard_runs SET status = $2 WHERE run_id = ANY($1)")
        .bind(run_ids)
        .bind(status)
        .execute(pool)
        .await
        .unwrap();
}

/// Completes a run with one successful item that MPIS has no published item for.
async fn run_missing_its_publish_record(pool: &PgPool, project: &Project, draft: Uuid) -> Uuid {
    let run = runs::create(pool, &common::new_run(project)).await.unwrap();
    let item = ItemReport {
        draft_id: Some(draft),
        channel: "telegram".into(),
        channel_item_id: Some(format!("lost-{}", Uuid::new_v4().simple())),
        status: Some("success".into()),
        metrics: json!({}),
        ..ItemReport::default()
    };
    complete(pool, run.run_id, vec![item]).await;
    run.run_id
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

async fn open_flags(pool: &PgPool) -> Vec<RedFlag> {
    red_flags::list(pool, false, 100).await.unwrap()
}

fn by_key(flags: &[RedFlag], kind: FlagKind) -> &RedFlag {
    flags
        .iter()
        .find(|f| f.flag_key.as_deref() == Some(kind.key()))
        .unwrap_or_else(|| panic!("no flag {kind} in {flags:?}"))
}

async fn evaluate(pool: &PgPool) -> Vec<RedFlag> {
    red_flags::evaluate_and_record(pool, &Thresholds::default(), Utc::now())
        .await
        .unwrap();
    open_flags(pool).await
}

#[tokio::test]
async fn summary_of_an_empty_database_is_ok_with_the_reference_shape() {
    let db = common::db().await;
    let pool = &db.pool;
    let e = red_flags::summary(pool, &Thresholds::default(), Utc::now())
        .await
        .unwrap();
    assert_eq!(e.overall, Overall::Ok);
    assert!(e.flags.is_empty());
    let s = e.summary.as_object().unwrap();
    assert_eq!(s["status"], "OK");
    let windows = s["failed_runs"].as_object().unwrap();
    for window in ["last_24h", "last_7d"] {
        let w = windows[window].as_object().unwrap();
        assert!(w["total_runs"].is_i64(), "{window}.total_runs");
        assert!(w["failed_runs"].is_i64(), "{window}.failed_runs");
        assert!(w["percentage"].is_f64(), "{window}.percentage is a float");
        assert!(w["alert"].is_boolean(), "{window}.alert");
        assert_eq!(w["total_runs"], 0);
        assert_eq!(w["percentage"].as_f64(), Some(0.0));
        assert_eq!(w["alert"], false);
    }
    for key in ["missing_metrics", "missing_publish_records"] {
        let m = s[key].as_object().unwrap();
        assert!(m["count"].is_i64(), "{key}.count");
        assert!(m["alert"].is_boolean(), "{key}.alert");
        assert_eq!(m["count"], 0);
        assert_eq!(m["alert"], false);
    }
    // Extras beyond the reference: when it was evaluated and how old the snapshot is.
    assert!(s["evaluated_at"].is_string());
    assert!(s["missing_metrics"]["as_of"].is_string());
    let text = serde_json::to_string(&s["failed_runs"]["last_24h"]).unwrap();
    assert!(text.contains("\"percentage\":0.0"), "{text}");
}

#[tokio::test]
async fn exactly_ten_percent_failed_is_not_an_alert() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    runs_at(
        pool,
        &project,
        Utc::now() - Duration::hours(2),
        20,
        2,
        "success",
    )
    .await;

    let s = summary(pool).await;
    assert_eq!(
        s["failed_runs"]["last_24h"],
        json!({"total_runs": 20, "failed_runs": 2, "percentage": 10.0, "alert": false, "severity": null})
    );
    assert_eq!(s["failed_runs"]["last_7d"]["alert"], false);
    assert_eq!(s["status"], "OK");
}

#[tokio::test]
async fn fifteen_percent_failed_is_a_warning() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    runs_at(
        pool,
        &project,
        Utc::now() - Duration::hours(5),
        20,
        3,
        "success",
    )
    .await;

    let e = red_flags::summary(pool, &Thresholds::default(), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        e.summary["failed_runs"]["last_24h"],
        json!({"total_runs": 20, "failed_runs": 3, "percentage": 15.0, "alert": true, "severity": "warning"})
    );
    let kinds: Vec<_> = e.flags.iter().map(|f| (f.kind, f.severity)).collect();
    assert_eq!(
        kinds,
        [
            (FlagKind::FailedRuns24h, Severity::Warning),
            (FlagKind::FailedRuns7d, Severity::Warning)
        ]
    );
    assert_eq!(e.overall, Overall::Warning);
}

#[tokio::test]
async fn above_twenty_five_percent_failed_is_critical() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let ids = runs_at(
        pool,
        &project,
        Utc::now() - Duration::hours(1),
        20,
        5,
        "running",
    )
    .await;

    // 5 of 20 = 25.0 % exactly: still a warning.
    let s = summary(pool).await;
    assert_eq!(s["failed_runs"]["last_24h"]["percentage"], 25.0);
    assert_eq!(s["failed_runs"]["last_24h"]["severity"], "warning");

    set_status(pool, &ids[5..6], "failed").await;
    let e = red_flags::summary(pool, &Thresholds::default(), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        e.summary["failed_runs"]["last_24h"],
        json!({"total_runs": 20, "failed_runs": 6, "percentage": 30.0, "alert": true, "severity": "critical"})
    );
    assert_eq!(e.overall, Overall::Critical);
    assert_eq!(e.summary["status"], "CRITICAL");
}

#[tokio::test]
async fn partial_runs_are_not_counted_as_failed() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    runs_at(
        pool,
        &project,
        Utc::now() - Duration::hours(3),
        10,
        0,
        "partial",
    )
    .await;
    runs_at(
        pool,
        &project,
        Utc::now() - Duration::hours(4),
        2,
        1,
        "pending",
    )
    .await;

    let s = summary(pool).await;
    assert_eq!(
        s["failed_runs"]["last_24h"],
        json!({"total_runs": 12, "failed_runs": 1, "percentage": 8.3, "alert": false, "severity": null})
    );
}

#[tokio::test]
async fn runs_older_than_seven_days_are_ignored() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let now = Utc::now();
    runs_at(pool, &project, now - Duration::days(8), 10, 10, "failed").await;
    runs_at(pool, &project, now - Duration::days(3), 10, 1, "success").await;
    runs_at(pool, &project, now - Duration::hours(2), 10, 0, "success").await;

    let s = summary(pool).await;
    assert_eq!(
        s["failed_runs"]["last_24h"],
        json!({"total_runs": 10, "failed_runs": 0, "percentage": 0.0, "alert": false, "severity": null})
    );
    assert_eq!(
        s["failed_runs"]["last_7d"],
        json!({"total_runs": 20, "failed_runs": 1, "percentage": 5.0, "alert": false, "severity": null})
    );
    assert_eq!(s["status"], "OK");
}

#[tokio::test]
async fn missing_metrics_counts_items_without_metrics_as_of_the_last_refresh() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let now = Utc::now();
    let mut items = Vec::new();
    for n in 0..9 {
        items.push(common::published_item(pool, draft, "telegram", &n.to_string(), now).await);
    }
    // Three items measured (one twice); one has only MPIS's item_metrics, which do not count.
    let mut rows = Vec::new();
    for (item, views) in [
        (items[0], 100),
        (items[1], 200),
        (items[2], 300),
        (items[2], 400),
    ] {
        rows.push(MetricRow::from_raw(
            item,
            "telegram",
            json!({"views": views}),
            now,
            "test",
        ));
    }
    metrics::insert_batch(pool, &rows).await.unwrap();
    sqlx::query(
        "INSERT INTO item_metrics (published_item_id, metric_type, metric_value) VALUES ($1, 'views', 5)",
    )
    .bind(items[3])
    .execute(pool)
    .await
    .unwrap();
    let direct: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM published_items p LEFT JOIN normalized_metrics m
             ON m.published_item_id = p.id WHERE m.id IS NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(direct, 6);

    assert_eq!(red_flags::refresh_missing_metrics(pool).await.unwrap(), 6);
    let s = summary(pool).await;
    assert_eq!(s["missing_metrics"]["count"], 6);
    assert_eq!(s["missing_metrics"]["alert"], true);
    assert_eq!(s["missing_metrics"]["severity"], "warning");
    let sample: Vec<_> = s["missing_metrics"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["published_item_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sample.len(), 6);
    assert!(sample.contains(&items[3].to_string()));
    assert!(!sample.contains(&items[0].to_string()));

    // The summary reads the snapshot: a new unmeasured item shows after the next refresh.
    common::published_item(pool, draft, "telegram", "late", now).await;
    assert_eq!(summary(pool).await["missing_metrics"]["count"], 6);
    assert_eq!(red_flags::refresh_missing_metrics(pool).await.unwrap(), 7);
    assert_eq!(summary(pool).await["missing_metrics"]["count"], 7);

    // Open dashboards evaluating often share a recent recount; `check` always recounts.
    common::published_item(pool, draft, "telegram", "shared", now).await;
    let thresholds = Thresholds::default();
    let shared =
        red_flags::evaluate_and_record_within(pool, &thresholds, Utc::now(), Duration::hours(1));
    assert_eq!(
        shared.await.unwrap().summary["missing_metrics"]["count"],
        7,
        "snapshot reused"
    );
    let live = red_flags::evaluate_and_record(pool, &thresholds, Utc::now())
        .await
        .unwrap();
    assert_eq!(live.summary["missing_metrics"]["count"], 8, "recounted");

    // One-shot readers recount only a snapshot older than they accept.
    common::published_item(pool, draft, "telegram", "later", now).await;
    let fresh = red_flags::refresh_missing_metrics_if_older(pool, Duration::hours(1), Utc::now());
    assert!(!fresh.await.unwrap(), "a fresh snapshot is kept");
    assert_eq!(summary(pool).await["missing_metrics"]["count"], 8);
    let two_hours_later = Utc::now() + Duration::hours(2);
    let stale =
        red_flags::refresh_missing_metrics_if_older(pool, Duration::hours(1), two_hours_later);
    assert!(stale.await.unwrap(), "a stale snapshot is recounted");
    assert_eq!(summary(pool).await["missing_metrics"]["count"], 9);

    // Measuring items brings the count down (again after a refresh).
    let rows: Vec<_> = items[3..6]
        .iter()
        .map(|&i| MetricRow::from_raw(i, "telegram", json!({"views": 1}), now, "test"))
        .collect();
    metrics::insert_batch(pool, &rows).await.unwrap();
    assert_eq!(red_flags::refresh_missing_metrics(pool).await.unwrap(), 6);
    let s = summary(pool).await;
    assert_eq!(s["missing_metrics"]["count"], 6);
    assert_eq!(
        s["missing_metrics"]["alert"], true,
        "6 is above the threshold of 5"
    );
}

#[tokio::test]
async fn missing_publish_records_counts_completed_runs_with_unlinked_successful_items() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    common::published_item(pool, draft, "telegram", "1", Utc::now()).await;
    let report = |id: &str, status: &str| ItemReport {
        draft_id: Some(draft),
        channel: "telegram".into(),
        channel_item_id: Some(id.to_string()),
        status: Some(status.to_string()),
        metrics: json!({}),
        ..ItemReport::default()
    };
    let new_run = || async {
        runs::create(pool, &common::new_run(&project))
            .await
            .unwrap()
    };

    let linked = new_run().await;
    complete(pool, linked.run_id, vec![report("1", "success")]).await;
    let unlinked = new_run().await;
    complete(pool, unlinked.run_id, vec![report("2", "success")]).await;
    let all_failed = new_run().await;
    complete(pool, all_failed.run_id, vec![report("3", "failed")]).await;
    let two_missing = new_run().await;
    complete(
        pool,
        two_missing.run_id,
        vec![
            report("1", "success"),
            report("4", "success"),
            report("5", "success"),
        ],
    )
    .await;
    new_run().await; // pending, no items

    let s = summary(pool).await;
    let m = &s["missing_publish_records"];
    assert_eq!(m["count"], 2);
    assert_eq!(m["alert"], true);
    assert_eq!(m["severity"], "critical");
    let mut sample: Vec<_> = m["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["run_id"].as_str().unwrap().to_string(),
                r["missing_items"].as_i64().unwrap(),
            )
        })
        .collect();
    sample.sort();
    let mut expected = vec![
        (unlinked.run_id.to_string(), 1),
        (two_missing.run_id.to_string(), 2),
    ];
    expected.sort();
    assert_eq!(sample, expected);

    // MPIS records the publish late: the run no longer counts, even before the evaluator
    // links the item (a read-only `check` cannot link, and must agree), nor after.
    common::published_item(pool, draft, "telegram", "2", Utc::now()).await;
    assert_eq!(summary(pool).await["missing_publish_records"]["count"], 1);
    assert_eq!(runs::link_published_items(pool).await.unwrap(), 1);
    assert_eq!(summary(pool).await["missing_publish_records"]["count"], 1);
}

/// Sets up all four conditions: failed runs (24 h and 7 d, warning), 6 items without metrics
/// (warning), and one run missing its publish record (critical). Returns the failed runs.
async fn all_four_conditions(pool: &PgPool, project: &Project) -> Vec<Uuid> {
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let failed = runs_at(
        pool,
        project,
        Utc::now() - Duration::hours(2),
        3,
        3,
        "failed",
    )
    .await;
    runs_at(
        pool,
        project,
        Utc::now() - Duration::hours(3),
        16,
        0,
        "success",
    )
    .await;
    run_missing_its_publish_record(pool, project, draft).await;
    for n in 0..6 {
        common::published_item(pool, draft, "telegram", &format!("p{n}"), Utc::now()).await;
    }
    failed
}

#[tokio::test]
async fn evaluate_and_record_keeps_one_open_row_per_condition() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    all_four_conditions(pool, &project).await;

    let first = evaluate(pool).await;
    assert_eq!(first.len(), 4);
    let mut keys: Vec<_> = first
        .iter()
        .map(|f| {
            (
                f.flag_key.clone().unwrap(),
                f.flag_type.clone(),
                f.severity.clone(),
            )
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            (
                "failed_runs_24h".into(),
                "failed_runs_24h".into(),
                "warning".into()
            ),
            (
                "failed_runs_7d".into(),
                "failed_runs_7d".into(),
                "warning".into()
            ),
            (
                "missing_metrics".into(),
                "missing_metrics".into(),
                "warning".into()
            ),
            (
                "missing_publish_records".into(),
                "missing_publish_records".into(),
                "critical".into()
            ),
        ]
    );
    // Critical first.
    assert_eq!(
        first[0].flag_key.as_deref(),
        Some("missing_publish_records")
    );
    let runs_flag = by_key(&first, FlagKind::FailedRuns24h);
    assert_eq!(runs_flag.metadata.0["failed_runs"], 3);
    assert_eq!(runs_flag.metadata.0["total_runs"], 20);
    assert!(
        runs_flag
            .description
            .as_deref()
            .unwrap()
            .contains("3 of 20")
    );
    assert!(
        first
            .iter()
            .all(|f| f.resolved_at.is_none() && f.acknowledged_at.is_none())
    );

    let second = evaluate(pool).await;
    assert_eq!(second.len(), 4, "re-evaluation updates, it does not add");
    assert_eq!(common::count(pool, "red_flags").await, 4);
    // The four conditions raised above (no run is stuck here).
    for &kind in &FlagKind::ALL[..4] {
        let (a, b) = (by_key(&first, kind), by_key(&second, kind));
        assert_eq!(a.id, b.id, "{kind}: same row");
        assert_eq!(a.created_at, b.created_at);
        assert!(
            b.last_seen_at > a.last_seen_at,
            "{kind}: last_seen_at advances"
        );
    }
}

#[tokio::test]
async fn a_cleared_condition_is_resolved_by_the_system() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let failed = all_four_conditions(pool, &project).await;
    let before = evaluate(pool).await;

    set_status(pool, &failed, "success").await;
    let open = evaluate(pool).await;
    let mut open_keys: Vec<_> = open.iter().map(|f| f.flag_key.clone().unwrap()).collect();
    open_keys.sort();
    assert_eq!(open_keys, ["missing_metrics", "missing_publish_records"]);
    for kind in [FlagKind::FailedRuns24h, FlagKind::FailedRuns7d] {
        let old = by_key(&before, kind);
        let row = red_flags::get(pool, old.id).await.unwrap().unwrap();
        assert!(row.resolved_at.is_some(), "{kind} resolved");
        assert_eq!(row.resolved_by.as_deref(), Some(SYSTEM_RESOLVER));
    }
    // Resolved rows are listed after the open ones when asked for.
    let all = red_flags::list(pool, true, 100).await.unwrap();
    assert_eq!(all.len(), 4);
    assert!(all[..2].iter().all(|f| f.resolved_at.is_none()));
    assert!(all[2..].iter().all(|f| f.resolved_at.is_some()));

    // The condition comes back: a new row opens, the resolved one stays resolved.
    set_status(pool, &failed, "failed").await;
    let reopened = evaluate(pool).await;
    assert_eq!(reopened.len(), 4);
    let again = by_key(&reopened, FlagKind::FailedRuns24h);
    assert_ne!(again.id, by_key(&before, FlagKind::FailedRuns24h).id);
    assert_eq!(common::count(pool, "red_flags").await, 6);

    // Everything clears at once: no flag stays open, each resolved by the system.
    for table in ["dashboard_runs", "published_items"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(pool)
            .await
            .unwrap();
    }
    assert!(evaluate(pool).await.is_empty());
    let all = red_flags::list(pool, true, 100).await.unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.iter().all(|f| f.resolved_at.is_some()));
    let system = all
        .iter()
        .filter(|f| f.resolved_by.as_deref() == Some(SYSTEM_RESOLVER))
        .count();
    assert_eq!(system, 6);
}

#[tokio::test]
async fn acknowledge_and_resolve_record_the_operator_and_an_audit_entry() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    all_four_conditions(pool, &project).await;
    let flags = evaluate(pool).await;
    let flag = by_key(&flags, FlagKind::MissingMetrics);

    let acked = red_flags::acknowledge(pool, flag.id, "  alice ")
        .await
        .unwrap();
    assert_eq!(acked.acknowledged_by.as_deref(), Some("alice"));
    assert!(acked.acknowledged_at.is_some());
    assert_eq!(acked.resolved_at, None);
    // Re-evaluating an unchanged condition keeps the acknowledgement.
    let flags = evaluate(pool).await;
    assert_eq!(
        by_key(&flags, FlagKind::MissingMetrics)
            .acknowledged_by
            .as_deref(),
        Some("alice")
    );

    let resolved = red_flags::resolve(pool, flag.id, "bob").await.unwrap();
    assert_eq!(resolved.resolved_by.as_deref(), Some("bob"));
    assert!(resolved.resolved_at.is_some());
    assert_eq!(resolved.acknowledged_by.as_deref(), Some("alice"));
    assert_eq!(
        red_flags::get(pool, flag.id).await.unwrap(),
        Some(resolved.clone())
    );

    let entries = audit::for_entity(pool, flag.id, 10).await.unwrap();
    let mut events: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e.event_type.as_str(),
                e.entity_type.as_deref(),
                e.details.0["operator"].as_str(),
            )
        })
        .collect();
    events.sort();
    assert_eq!(
        events,
        [
            ("red_flag_acknowledged", Some("red_flag"), Some("alice")),
            ("red_flag_resolved", Some("red_flag"), Some("bob")),
        ]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.details.0["flag_type"] == "missing_metrics")
    );

    // Resolved by hand while the condition still holds: the next evaluation opens a new flag.
    let flags = evaluate(pool).await;
    assert_ne!(by_key(&flags, FlagKind::MissingMetrics).id, flag.id);
}

#[tokio::test]
async fn acknowledge_and_resolve_refuse_bad_requests() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    all_four_conditions(pool, &project).await;
    let flags = evaluate(pool).await;
    let flag = by_key(&flags, FlagKind::FailedRuns7d);

    for operator in ["", "   "] {
        match red_flags::resolve(pool, flag.id, operator).await {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "operator"),
            other => panic!("expected Invalid operator, got {other:?}"),
        }
        assert!(matches!(
            red_flags::acknowledge(pool, flag.id, operator).await,
            Err(StoreError::Invalid { .. })
        ));
    }
    let unknown = Uuid::new_v4();
    for result in [
        red_flags::resolve(pool, unknown, "bob").await,
        red_flags::acknowledge(pool, unknown, "bob").await,
    ] {
        match result {
            Err(StoreError::NotFound { entity, id }) => {
                assert_eq!(entity, "red flag");
                assert_eq!(id, unknown.to_string());
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
    }

    red_flags::resolve(pool, flag.id, "bob").await.unwrap();
    assert!(matches!(
        red_flags::resolve(pool, flag.id, "carol").await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        red_flags::acknowledge(pool, flag.id, "carol").await,
        Err(StoreError::Conflict(_))
    ));
    let row = red_flags::get(pool, flag.id).await.unwrap().unwrap();
    assert_eq!(row.resolved_by.as_deref(), Some("bob"));
    // Only the one successful action was audited.
    assert_eq!(audit::for_entity(pool, flag.id, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn escalation_to_critical_clears_the_acknowledgement() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let ids = runs_at(
        pool,
        &project,
        Utc::now() - Duration::hours(1),
        20,
        3,
        "success",
    )
    .await;
    let flags = evaluate(pool).await;
    let warning = by_key(&flags, FlagKind::FailedRuns24h);
    assert_eq!(warning.severity, "warning");
    red_flags::acknowledge(pool, warning.id, "alice")
        .await
        .unwrap();

    // 8 of 20 failed = 40 %: critical.
    set_status(pool, &ids[3..8], "failed").await;
    let flags = evaluate(pool).await;
    let critical = by_key(&flags, FlagKind::FailedRuns24h);
    assert_eq!(critical.id, warning.id, "the same flag, escalated");
    assert_eq!(critical.severity, "critical");
    assert_eq!(critical.acknowledged_at, None);
    assert_eq!(critical.acknowledged_by, None);
    assert_eq!(critical.metadata.0["percentage"], 40.0);

    // Acknowledged again, then back down to a warning: the acknowledgement stays.
    red_flags::acknowledge(pool, critical.id, "alice")
        .await
        .unwrap();
    set_status(pool, &ids[3..8], "success").await;
    let flags = evaluate(pool).await;
    let calmer = by_key(&flags, FlagKind::FailedRuns24h);
    assert_eq!(calmer.id, warning.id);
    assert_eq!(calmer.severity, "warning");
    assert_eq!(calmer.acknowledged_by.as_deref(), Some("alice"));
}
