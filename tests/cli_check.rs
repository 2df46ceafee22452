//! The real binary: `check` exit codes and output, `migrate`, `demo-data`, config errors.

use std::process::{Command, Output};

use chrono::{Duration, Utc};
use mpis_dash::scratch_db::ScratchDb;
use serde_json::Value;

fn mpis_dash(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("MPIS_DASH_CONFIG", "/dev/null")
        .output()
        .expect("run mpis-dash")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn check_on_a_quiet_database_is_ok_with_exit_0() {
    let db = ScratchDb::new().await.unwrap();
    let out = mpis_dash(&db.url(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("OK"), "{}", text(&out.stdout));
}

#[tokio::test]
async fn a_failure_rate_above_the_threshold_is_a_warning_with_exit_1() {
    let db = ScratchDb::new().await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO personas (id, name, slug) VALUES ('33333333-3333-4333-8333-333333333333', 'P', 'p');
         INSERT INTO dashboard_projects (id, name, persona_id)
             VALUES ('44444444-4444-4444-8444-444444444444', 'Pr', '33333333-3333-4333-8333-333333333333');
         INSERT INTO dashboard_runs (run_id, project_id, persona_id, status, started_at)
             SELECT uuid_generate_v4(), '44444444-4444-4444-8444-444444444444',
                    '33333333-3333-4333-8333-333333333333',
                    CASE WHEN g <= 3 THEN 'failed' ELSE 'success' END, NOW() - g * INTERVAL '10 minutes'
             FROM generate_series(1, 20) g;",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let out = mpis_dash(&db.url(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("WARNING"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("15.0%"), "{}", text(&out.stdout));
}

#[tokio::test]
async fn demo_data_is_critical_with_exit_2_and_the_json_has_the_api_shape() {
    let db = ScratchDb::new().await.unwrap();
    let seeded = mpis_dash(&db.url(), &["demo-data"]);
    assert_eq!(seeded.status.code(), Some(0), "{}", text(&seeded.stderr));
    assert!(text(&seeded.stdout).contains("demo data seeded"));
    let again = mpis_dash(&db.url(), &["demo-data"]);
    assert!(
        text(&again.stdout).contains("already present"),
        "{}",
        text(&again.stdout)
    );

    let out = mpis_dash(&db.url(), &["check", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let summary: Value = serde_json::from_str(&text(&out.stdout)).expect("one JSON document");
    for window in ["last_24h", "last_7d"] {
        let w = &summary["failed_runs"][window];
        assert!(w["total_runs"].is_i64() && w["failed_runs"].is_i64(), "{w}");
        assert!(w["percentage"].is_f64() && w["alert"].is_boolean(), "{w}");
    }
    assert!(summary["missing_metrics"]["count"].is_i64());
    assert_eq!(summary["missing_publish_records"]["count"], 2);
    assert_eq!(summary["missing_publish_records"]["alert"], true);
    assert_eq!(summary["status"], "CRITICAL");

    // The evaluation was recorded: one open flag per raised condition.
    let open: i64 = sqlx::query_scalar("SELECT count(*) FROM red_flags WHERE resolved_at IS NULL")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(open >= 3, "open flags: {open}");
}

#[test]
fn an_unreachable_database_is_unknown_with_exit_3_and_the_reason_on_stderr() {
    let out = mpis_dash("postgres://nobody@127.0.0.1:1/nothing", &["check"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout).trim(), "UNKNOWN - database unreachable");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("database unreachable") && stderr.contains("127.0.0.1"),
        "{stderr}"
    );

    let json = mpis_dash(
        "postgres://nobody@127.0.0.1:1/nothing",
        &["check", "--json"],
    );
    assert_eq!(json.status.code(), Some(3));
    let body: Value = serde_json::from_str(&text(&json.stdout)).unwrap();
    assert_eq!(body["status"], "UNKNOWN");
}

#[tokio::test]
async fn migrate_succeeds_and_a_bad_config_file_is_named() {
    let db = ScratchDb::new().await.unwrap();
    let out = mpis_dash(&db.url(), &["migrate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "refresh_interval_secs = \"soon\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
        .args(["--config", config.to_str().unwrap(), "check"])
        .env("DATABASE_URL", db.url())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("config.toml") && stderr.contains("refresh_interval_secs"),
        "{stderr}"
    );
}

#[tokio::test]
async fn runs_older_than_seven_days_do_not_count() {
    let db = ScratchDb::new().await.unwrap();
    let old = Utc::now() - Duration::days(8);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO personas (id, name, slug) VALUES ('33333333-3333-4333-8333-333333333333', 'P', 'p');
         INSERT INTO dashboard_projects (id, name, persona_id)
             VALUES ('44444444-4444-4444-8444-444444444444', 'Pr', '33333333-3333-4333-8333-333333333333');
         INSERT INTO dashboard_runs (run_id, project_id, persona_id, status, started_at)
             SELECT uuid_generate_v4(), '44444444-4444-4444-8444-444444444444',
                    '33333333-3333-4333-8333-333333333333', 'failed', '{}'::timestamptz
             FROM generate_series(1, 5);",
        old.to_rfc3339()
    )))
    .execute(&db.pool)
    .await
    .unwrap();
    let out = mpis_dash(&db.url(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}
