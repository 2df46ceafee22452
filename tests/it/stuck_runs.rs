//! The "stuck runs" red flag end to end: a run `running` longer than the run timeout is
//! counted by the store (and nothing else is), evaluated into a flag that opens and clears,
//! listed by the flag's drill-in in keyset pages, reported by `check`, and shown as a line of
//! the red-flags widget (only while there are stuck runs).

use crate::common;
use crate::tui_common::{red_flags_widget_data, red_flags_widget_text};

use std::collections::HashSet;

use chrono::{Duration, Utc};
use mpis_dash::domain::red_flags::{
    self as rules, FlagKind, RedFlagInputs, RunTimeout, Thresholds,
};
use mpis_dash::store::flag_drill::{self, DrillCursor, DrillRow};
use mpis_dash::store::red_flags;
use mpis_dash::tui::data::WidgetData;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn only_runs_running_past_the_timeout_are_counted_listed_and_flagged() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let now = Utc::now();
    let hours = |h: i64| now - Duration::hours(h);
    // Stuck at the default 6 h: three runs running for 7, 8 and 30 hours.
    let mut stuck = Vec::new();
    for h in [7, 8, 30] {
        stuck.push(
            common::run_at(pool, &project, hours(h), "running")
                .await
                .run_id,
        );
    }
    // Not stuck: running for 5 h, pending or finished long ago.
    common::run_at(pool, &project, hours(5), "running").await;
    common::run_at(pool, &project, hours(10), "pending").await;
    common::run_at(pool, &project, hours(10), "success").await;
    common::run_at(pool, &project, hours(10), "failed").await;

    let t = Thresholds::default();
    let e = red_flags::summary(pool, &t, now).await.unwrap();
    let entry = &e.summary["stuck_runs"];
    assert_eq!(entry["count"], json!(3), "{entry}");
    assert_eq!(entry["severity"], json!("critical"), "3 > 2 at once");
    assert_eq!(entry["run_timeout"], json!("6h"));
    let sampled: Vec<&str> = entry["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_id"].as_str().unwrap())
        .collect();
    let oldest_first: Vec<String> = [stuck[2], stuck[1], stuck[0]]
        .iter()
        .map(Uuid::to_string)
        .collect();
    assert_eq!(sampled, oldest_first, "the sample is the oldest first");
    assert!(
        rules::one_line(&e).ends_with("; stuck runs 3"),
        "{}",
        rules::one_line(&e)
    );

    // A longer timeout (config `run_timeout`) counts fewer; a shorter one counts the 5 h run.
    let day = Thresholds {
        run_timeout: RunTimeout::parse("1d").unwrap(),
        ..Thresholds::default()
    };
    let e = red_flags::summary(pool, &day, now).await.unwrap();
    assert_eq!(e.summary["stuck_runs"]["count"], json!(1));
    assert_eq!(
        e.flags
            .iter()
            .find(|f| f.kind == FlagKind::StuckRuns)
            .unwrap()
            .severity,
        rules::Severity::Warning
    );
    let short = Thresholds {
        run_timeout: RunTimeout::parse("4h").unwrap(),
        ..Thresholds::default()
    };
    let e = red_flags::summary(pool, &short, now).await.unwrap();
    assert_eq!(e.summary["stuck_runs"]["count"], json!(4));

    // The drill-in lists exactly the counted runs, newest first, in keyset pages of two.
    let mut rows = Vec::new();
    let mut after: Option<DrillCursor> = None;
    loop {
        let page = flag_drill::page_within(pool, FlagKind::StuckRuns, now, t.run_timeout, after, 2)
            .await
            .unwrap();
        assert!(page.rows.len() <= 2);
        rows.extend(page.rows);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let listed: Vec<Uuid> = rows
        .iter()
        .map(|r| match r {
            DrillRow::Run { run, missing_items } => {
                assert_eq!(run.status, "running");
                assert_eq!(*missing_items, None);
                run.run_id
            }
            other => panic!("not a run: {other:?}"),
        })
        .collect();
    assert_eq!(listed, stuck, "newest first: 7 h, 8 h, 30 h");
    let with_day =
        flag_drill::page_within(pool, FlagKind::StuckRuns, now, day.run_timeout, None, 10)
            .await
            .unwrap();
    let ids: HashSet<Uuid> = with_day.rows.iter().map(DrillRow::id).collect();
    assert_eq!(ids, HashSet::from([stuck[2]]));
    assert_eq!(flag_drill::window_start(FlagKind::StuckRuns, now), None);

    // The evaluator opens the flag; it clears once n8n reports back.
    red_flags::evaluate_and_record(pool, &t, now).await.unwrap();
    let open = red_flags::list(pool, false, 10).await.unwrap();
    let flag = open
        .iter()
        .find(|f| f.flag_key.as_deref() == Some("stuck_runs"))
        .expect("stuck_runs flag opened");
    assert_eq!(flag.severity, "critical");
    assert_eq!(
        flag.description.as_deref(),
        Some("3 runs have been running for more than 6h (critical threshold 2)")
    );
    assert_eq!(flag.metadata.0["run_timeout_secs"], json!(21_600));
    sqlx::query("UPDATE dashboard_runs SET status = 'failed' WHERE status = 'running'")
        .execute(pool)
        .await
        .unwrap();
    red_flags::evaluate_and_record(pool, &t, now).await.unwrap();
    let open = red_flags::list(pool, false, 10).await.unwrap();
    assert!(
        !open
            .iter()
            .any(|f| f.flag_key.as_deref() == Some("stuck_runs")),
        "{open:?}"
    );
}

#[tokio::test]
async fn check_reports_stuck_runs_with_the_configured_timeout() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    common::run_at(pool, &project, Utc::now() - Duration::hours(2), "running").await;
    let dir = tempfile::tempdir().unwrap();
    let check = |timeout: &str| {
        let config = dir.path().join(format!("{timeout}.toml"));
        std::fs::write(
            &config,
            format!("[red_flags]\nrun_timeout = \"{timeout}\"\n"),
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
    let (code, stdout) = check("6h");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(!stdout.contains("stuck"), "{stdout}");
    let (code, stdout) = check("90m");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.starts_with("WARNING"), "{stdout}");
    assert!(stdout.contains("; stuck runs 1"), "{stdout}");
}

fn widget(stuck: i64) -> WidgetData {
    let inputs = RedFlagInputs {
        stuck_runs: stuck,
        ..RedFlagInputs::default()
    };
    red_flags_widget_data(rules::evaluate(&inputs, &Thresholds::default()))
}

fn draw(data: &WidgetData, size: (u16, u16)) -> String {
    red_flags_widget_text(data, size)
}

/// The widget's cell in the 80x24 overview (40x8) and in a wide layout (100x20).
#[test]
fn the_widget_shows_a_stuck_runs_line_only_while_runs_are_stuck() {
    let quiet = draw(&widget(0), (40, 8));
    assert!(!quiet.contains("stuck"), "{quiet}");
    let quiet_wide = draw(&widget(0), (100, 20));
    assert!(!quiet_wide.contains("stuck"), "{quiet_wide}");

    let small = draw(&widget(1), (40, 8));
    assert!(small.contains("[WARN] stuck runs          1"), "{small}");
    let wide = draw(&widget(3), (100, 20));
    assert!(
        wide.contains("[CRIT] stuck runs                   3  runs running > 6h"),
        "{wide}"
    );
    assert!(
        wide.contains("3 runs have been running for more than 6h"),
        "the open flag is listed: {wide}"
    );
    let narrow = draw(&widget(2), (30, 8));
    assert!(narrow.contains("[WARN] stuck 2"), "{narrow}");
}
