//! The "ingestion failing" red flag end to end on a real database: a job whose last 3 runs
//! failed is counted and flagged (one success clears it), a job without a successful run for
//! 3 of its intervals is too, a disabled job never is; the flag opens and resolves with the
//! evaluator, its condition is reported while it holds, the drill-in lists the failing jobs
//! with their streak, last success and last error; `GET /api/red-flags` and `check` report it;
//! the widget and the drill-in screen show it.

use crate::api_common::{self, call};
use crate::common;
use crate::tui_common::*;

use chrono::{DateTime, Duration, Utc};
use mpis_dash::api::ApiLimits;
use mpis_dash::domain::red_flags::ingestion::Failing;
use mpis_dash::domain::red_flags::{self as rules, FlagKind, RedFlagInputs, Severity, Thresholds};
use mpis_dash::store::flag_drill::{self, DrillPage, DrillRow};
use mpis_dash::store::jobs::{self, IngestionJob, NewJob, RunResult};
use mpis_dash::store::red_flags::{self, FailingJob};
use mpis_dash::tui::app::{App, Event};
use mpis_dash::tui::data::{WidgetData, WidgetKind};
use mpis_dash::tui::worker::DataEvent;
use ratatui::crossterm::event::KeyCode;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

async fn job(pool: &PgPool, name: &str, cron: &str, enabled: bool) -> IngestionJob {
    let new = NewJob {
        job_name: name.to_string(),
        channel: "youtube".to_string(),
        persona_id: None,
        schedule_cron: cron.to_string(),
        config: json!({}),
        enabled,
    };
    jobs::create(pool, &new, Utc::now()).await.unwrap()
}

/// What the scheduler records at the end of a run.
async fn ran(pool: &PgPool, job: &IngestionJob, at: DateTime<Utc>, error: Option<&str>) {
    let result = RunResult {
        status: if error.is_some() { "failed" } else { "success" },
        error,
        succeeded: error.is_none(),
        not_before: None,
    };
    let mut conn = pool.acquire().await.unwrap();
    jobs::record_run(&mut conn, job.id, at, &result)
        .await
        .unwrap();
}

fn ingestion_flag(e: &rules::Evaluation) -> Option<&rules::Flag> {
    e.flags
        .iter()
        .find(|f| f.kind == FlagKind::IngestionFailing)
}

#[tokio::test]
async fn three_failures_in_a_row_flag_a_job_and_one_success_clears_it() {
    let db = common::db().await;
    let pool = &db.pool;
    let t = Thresholds::default();
    let now = Utc::now();
    let failing = job(pool, "yt-every-5", "*/5 * * * *", true).await;
    let healthy = job(pool, "yt-healthy", "*/5 * * * *", true).await;
    ran(pool, &healthy, now, None).await;
    // Disabled: however often it failed, nobody expects it to run.
    let disabled = job(pool, "yt-disabled", "*/5 * * * *", false).await;
    for _ in 0..5 {
        ran(pool, &disabled, now, Some("HTTP 500")).await;
    }

    ran(pool, &failing, now, None).await;
    ran(pool, &failing, now, Some("HTTP 503")).await;
    ran(pool, &failing, now, Some("HTTP 503")).await;
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    assert_eq!(e.summary["ingestion_failing"]["count"], json!(0), "2 < 3");
    assert_eq!(e.summary["ingestion_failing"]["enabled_jobs"], json!(2));
    assert!(ingestion_flag(&e).is_none());

    ran(
        pool,
        &failing,
        now,
        Some("credentials refused: API key invalid"),
    )
    .await;
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    let entry = &e.summary["ingestion_failing"];
    assert_eq!(entry["count"], json!(1), "{entry}");
    assert_eq!(entry["severity"], json!("warning"), "1 of 2 enabled jobs");
    assert_eq!(entry["jobs"][0]["job_name"], json!("yt-every-5"));
    assert_eq!(entry["jobs"][0]["consecutive_failures"], json!(3));
    assert_eq!(
        entry["jobs"][0]["why"],
        json!({"reason": "in_a_row", "failures": 3})
    );
    assert!(rules::one_line(&e).ends_with("; ingestion failing 1"));

    // The evaluator opens the flag; resolving it now would bring it back (the question that
    // leads to a silence).
    red_flags::evaluate_and_record(pool, &t, now).await.unwrap();
    let open = red_flags::list(pool, false, 10).await.unwrap();
    let flag = open
        .iter()
        .find(|f| f.flag_key.as_deref() == Some("ingestion_failing"))
        .expect("ingestion_failing flag opened");
    assert_eq!(flag.severity, "warning");
    assert_eq!(
        flag.description.as_deref(),
        Some(
            "1 of 2 ingestion jobs is failing (3 failed runs in a row, or no successful run for 3 intervals)"
        )
    );
    let (_, holds) = red_flags::condition_holds(pool, &t, flag.id, now)
        .await
        .unwrap();
    assert!(holds);

    // The drill-in: the failing job with its streak, last success and last error.
    let page = flag_drill::page_with(pool, FlagKind::IngestionFailing, now, &t, None, 100)
        .await
        .unwrap();
    assert_eq!(page.next, None);
    let rows: Vec<&FailingJob> = page
        .rows
        .iter()
        .map(|r| match r {
            DrillRow::Job(job) => job,
            other => panic!("not a job: {other:?}"),
        })
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, failing.id);
    assert_eq!(rows[0].consecutive_failures, 3);
    assert!(rows[0].last_success_at.is_some());
    assert_eq!(
        rows[0].last_error.as_deref(),
        Some("credentials refused: API key invalid")
    );
    assert_eq!(rows[0].why, Failing::InARow { failures: 3 });
    assert_eq!(
        flag_drill::window_start(FlagKind::IngestionFailing, now),
        None
    );

    // A higher threshold (config) does not count it yet.
    let lenient = Thresholds {
        ingestion_failures_in_a_row: 4,
        ..Thresholds::default()
    };
    let e = red_flags::summary(pool, &lenient, now).await.unwrap();
    assert_eq!(e.summary["ingestion_failing"]["count"], json!(0));

    // One success clears it, and the evaluator resolves the flag.
    ran(pool, &failing, now, None).await;
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    assert_eq!(e.summary["ingestion_failing"]["count"], json!(0));
    red_flags::evaluate_and_record(pool, &t, now).await.unwrap();
    let open = red_flags::list(pool, false, 10).await.unwrap();
    assert!(
        !open
            .iter()
            .any(|f| f.flag_key.as_deref() == Some("ingestion_failing")),
        "{open:?}"
    );
    let (_, holds) = red_flags::condition_holds(pool, &t, flag.id, now)
        .await
        .unwrap();
    assert!(!holds);
}

#[tokio::test]
async fn a_job_without_success_for_three_intervals_flags_and_every_job_failing_is_critical() {
    let db = common::db().await;
    let pool = &db.pool;
    let t = Thresholds::default();
    let quiet = job(pool, "tg-every-10", "*/10 * * * *", true).await;
    let now = Utc::now();
    // Created an hour ago, never succeeded, never ran (the scheduler was down): 3 intervals
    // of 10 minutes passed long ago.
    sqlx::query("UPDATE metrics_ingestion_jobs SET created_at = $2 WHERE id = $1")
        .bind(quiet.id)
        .bind(now - Duration::hours(1))
        .execute(pool)
        .await
        .unwrap();
    // An hourly job created 20 minutes ago is not late yet.
    let young = job(pool, "ig-hourly", "0 * * * *", true).await;
    sqlx::query("UPDATE metrics_ingestion_jobs SET created_at = $2 WHERE id = $1")
        .bind(young.id)
        .bind(now - Duration::minutes(20))
        .execute(pool)
        .await
        .unwrap();
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    let entry = &e.summary["ingestion_failing"];
    assert_eq!(entry["count"], json!(1), "{entry}");
    assert_eq!(entry["jobs"][0]["job_name"], json!("tg-every-10"));
    assert_eq!(entry["jobs"][0]["why"]["reason"], json!("no_success"));
    assert_eq!(ingestion_flag(&e).unwrap().severity, Severity::Warning);

    // Its last success 40 minutes ago counts the same way.
    ran(pool, &quiet, now - Duration::minutes(40), None).await;
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    assert_eq!(e.summary["ingestion_failing"]["count"], json!(1));
    // A recent one clears it.
    ran(pool, &quiet, now - Duration::minutes(1), None).await;
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    assert_eq!(e.summary["ingestion_failing"]["count"], json!(0));

    // Both enabled jobs failing: no metrics arrive at all, critical.
    for _ in 0..3 {
        ran(pool, &quiet, now, Some("unreachable")).await;
        ran(pool, &young, now, Some("unreachable")).await;
    }
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    assert_eq!(e.summary["ingestion_failing"]["count"], json!(2));
    let flag = ingestion_flag(&e).unwrap();
    assert_eq!(flag.severity, Severity::Critical);
    assert_eq!(e.overall, rules::Overall::Critical);
    // Disabling one leaves the other as the only enabled job: still critical, and the
    // disabled one is not listed.
    jobs::set_enabled(pool, young.id, false, now).await.unwrap();
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    assert_eq!(e.summary["ingestion_failing"]["count"], json!(1));
    assert_eq!(
        ingestion_flag(&e).unwrap().description,
        "the only enabled ingestion job is failing (3 failed runs in a row, or no successful run for 3 intervals)"
    );
}

#[tokio::test]
async fn the_api_summary_and_flags_report_failing_ingestion() {
    let db = common::db().await;
    let pool = &db.pool;
    let failing = job(pool, "yt-broken", "*/5 * * * *", true).await;
    let now = Utc::now();
    for _ in 0..3 {
        ran(pool, &failing, now, Some("HTTP 500")).await;
    }
    red_flags::evaluate_and_record(pool, &Thresholds::default(), now)
        .await
        .unwrap();
    let api = api_common::start(pool.clone(), None, ApiLimits::default()).await;
    let http = api.http();
    let (status, body) = call(http.get(api.url("/api/red-flags"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let entry = &body["ingestion_failing"];
    assert_eq!(entry["count"], json!(1), "{body}");
    assert_eq!(entry["alert"], json!(true));
    assert_eq!(entry["severity"], json!("critical"), "the only enabled job");
    assert_eq!(entry["failures_in_a_row"], json!(3));
    assert_eq!(entry["jobs"][0]["job_id"], json!(failing.id));
    // The old shape is kept.
    for key in ["failed_runs", "missing_metrics", "missing_publish_records"] {
        assert!(body.get(key).is_some(), "{key} in {body}");
    }
    assert_eq!(body["status"], json!("CRITICAL"));

    let (status, flags) = call(http.get(api.url("/api/red-flags/flags"))).await;
    assert_eq!(status, StatusCode::OK, "{flags}");
    let flag = flags
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["flag_key"] == json!("ingestion_failing"))
        .unwrap_or_else(|| panic!("{flags}"));
    assert_eq!(flag["severity"], json!("critical"));
    assert_eq!(flag["metadata"]["jobs"][0]["job_name"], json!("yt-broken"));
}

#[tokio::test]
async fn check_reports_failing_ingestion_with_its_exit_code() {
    let db = common::db().await;
    let pool = &db.pool;
    let failing = job(pool, "yt-broken", "*/5 * * * *", true).await;
    let healthy = job(pool, "yt-fine", "*/5 * * * *", true).await;
    let now = Utc::now();
    ran(pool, &healthy, now, None).await;
    let dir = tempfile::tempdir().unwrap();
    let check = |in_a_row: i64| {
        let config = dir.path().join(format!("{in_a_row}.toml"));
        std::fs::write(
            &config,
            format!("[red_flags]\ningestion_failures_in_a_row = {in_a_row}\n"),
        )
        .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
            .arg("check")
            .env("DATABASE_URL", db.url())
            .env("MPIS_DASH_CONFIG", &config)
            .output()
            .expect("run check");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    ran(pool, &failing, now, None).await;
    ran(pool, &failing, now, Some("HTTP 500")).await;
    ran(pool, &failing, now, Some("HTTP 500")).await;
    let (code, stdout) = check(3);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(!stdout.contains("ingestion"), "{stdout}");
    let (code, stdout) = check(2);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.starts_with("WARNING - "), "{stdout}");
    assert!(stdout.contains("; ingestion failing 1"), "{stdout}");
}

fn evaluation(failing: i64, enabled: i64) -> rules::Evaluation {
    let inputs = RedFlagInputs {
        ingestion_failing: failing,
        ingestion_jobs_enabled: enabled,
        ..RedFlagInputs::default()
    };
    rules::evaluate(&inputs, &Thresholds::default())
}

fn widget(failing: i64, enabled: i64) -> WidgetData {
    red_flags_widget_data(evaluation(failing, enabled))
}

fn draw(data: &WidgetData, size: (u16, u16)) -> String {
    red_flags_widget_text(data, size)
}

#[test]
fn the_widget_shows_an_ingestion_line_only_while_jobs_fail() {
    let quiet = draw(&widget(0, 4), (100, 20));
    assert!(!quiet.contains("ingestion"), "{quiet}");
    let small = draw(&widget(1, 4), (40, 8));
    assert!(small.contains("[WARN] ingestion           1"), "{small}");
    let narrow = draw(&widget(2, 4), (30, 8));
    assert!(narrow.contains("[WARN] ingest 2"), "{narrow}");
    let wide = draw(&widget(2, 2), (100, 20));
    assert!(
        wide.contains("[CRIT] ingestion                    2  of 2 jobs failing"),
        "{wide}"
    );
    insta::assert_snapshot!("ingestion_failing_widget_100x20", wide);
}

fn failing_job(name: &str, streak: i32, why: Failing, error: Option<&str>) -> FailingJob {
    FailingJob {
        id: id(0x70 + u128::try_from(streak).unwrap()),
        job_name: name.to_string(),
        channel: "youtube".to_string(),
        schedule_cron: "*/5 * * * *".to_string(),
        consecutive_failures: streak,
        last_success_at: (streak < 5).then(|| at("2025-05-20T09:55:00Z")),
        last_run_at: Some(at("2025-05-20T11:55:00Z")),
        last_error: error.map(str::to_string),
        why,
    }
}

/// The flags list -> Enter on the ingestion flag -> its failing jobs, at 80x24.
#[test]
fn the_drill_in_lists_failing_jobs_with_streak_last_success_and_error() {
    let mut app: App = loaded();
    assert_eq!(app.slots[app.focus].kind, WidgetKind::RedFlags);
    press(&mut app, KeyCode::Enter);
    let e = evaluation(2, 3);
    let flag = ingestion_flag(&e).unwrap();
    let mut row = red_flag(
        0x62,
        flag.kind.key(),
        flag.severity.as_str(),
        &flag.description,
        "2025-05-20T11:00:00Z",
        flag.metadata.clone(),
    );
    row.flag_key = Some(flag.kind.key().to_string());
    app.update(Event::Data(DataEvent::Flags(Ok(vec![row]))), app.now);
    let flags_screen = screen_text(&app);
    assert!(
        flags_screen.contains("2 of 3 ingestion jobs are failing"),
        "{flags_screen}"
    );
    let commands = press(&mut app, KeyCode::Enter);
    assert!(
        commands.iter().any(|c| matches!(
            c,
            mpis_dash::tui::worker::Command::LoadFlagDrill {
                kind: FlagKind::IngestionFailing,
                ..
            }
        )),
        "{commands:?}"
    );
    let page = DrillPage {
        rows: vec![
            DrillRow::Job(failing_job(
                "yt-alex-hourly",
                7,
                Failing::InARow { failures: 7 },
                Some("credentials refused: API key not valid"),
            )),
            DrillRow::Job(failing_job(
                "tg-alex",
                1,
                Failing::NoSuccess {
                    since: at("2025-05-20T09:55:00Z"),
                    deadline: at("2025-05-20T10:12:30Z"),
                },
                Some("HTTP 502"),
            )),
        ],
        next: None,
    };
    app.update(Event::Data(DataEvent::FlagDrill(Ok(page))), app.now);
    let screen = screen_text(&app);
    assert!(screen.contains("failing ingestion jobs: 1-2"), "{screen}");
    assert!(screen.contains("yt-alex-hourly"), "{screen}");
    assert!(screen.contains("never"), "no success yet: {screen}");
    assert!(screen.contains("credentials refused"), "{screen}");
    assert!(screen.contains("late 3×: HTTP 502"), "{screen}");
    insta::assert_snapshot!("ingestion_failing_drill_80x24", screen);
    // Enter on a job row stays (its runs are on the jobs screen).
    assert!(press(&mut app, KeyCode::Enter).is_empty());
}

fn screen_text(app: &App) -> String {
    view_text(app, (80, 24))
}
