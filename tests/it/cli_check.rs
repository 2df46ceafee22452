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
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("UNKNOWN - database unreachable: Connection refused")
            && stdout.contains("127.0.0.1"),
        "{stdout}"
    );
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

const MPIS_ONLY_SCHEMA: &str = include_str!("../fixtures/mpis_existing_schema.sql");

/// Every table, trigger and function in the database, to show that nothing was created.
async fn schema_objects(pool: &sqlx::PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT kind || ' ' || name FROM (
             SELECT 'table' AS kind, tablename::text AS name FROM pg_tables WHERE schemaname = 'public'
             UNION ALL SELECT 'trigger', tgname::text FROM pg_trigger WHERE NOT tgisinternal
             UNION ALL SELECT 'function', proname::text FROM pg_proc
                 WHERE pronamespace = 'public'::regnamespace) objects ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn read_only_commands_never_migrate_and_name_the_version_and_the_fix() {
    let db = ScratchDb::empty().await.unwrap();
    sqlx::raw_sql(MPIS_ONLY_SCHEMA)
        .execute(&db.pool)
        .await
        .unwrap();
    let before = schema_objects(&db.pool).await;
    let needed = mpis_dash::store::database_info::needed_version();
    let line = format!(
        "the dashboard schema is at version 0, this build needs {needed}: run `mpis-dash migrate`"
    );

    let status = mpis_dash(&db.url(), &["status"]);
    assert_eq!(status.status.code(), Some(4), "{}", text(&status.stdout));
    assert_eq!(text(&status.stderr).trim(), format!("mpis-dash: {line}"));
    // The dashboard itself, read-only (its output is not a terminal here, so it would print
    // the status; the schema check comes first either way).
    let read_only = mpis_dash(&db.url(), &["--read-only"]);
    assert_eq!(read_only.status.code(), Some(4));
    assert_eq!(text(&read_only.stderr).trim(), format!("mpis-dash: {line}"));
    // check keeps Nagios' codes: UNKNOWN, with the same line as the reason.
    let check = mpis_dash(&db.url(), &["check"]);
    assert_eq!(check.status.code(), Some(3));
    assert_eq!(text(&check.stdout).trim(), format!("UNKNOWN - {line}"));
    let json = mpis_dash(&db.url(), &["check", "--json"]);
    let body: Value = serde_json::from_str(&text(&json.stdout)).unwrap();
    assert_eq!(body["error"], line.as_str());
    assert_eq!(
        schema_objects(&db.pool).await,
        before,
        "nothing created on a database with only MPIS's schema"
    );

    // migrate does, and says from which version to which; then status works.
    let migrate = mpis_dash(&db.url(), &["migrate"]);
    assert_eq!(migrate.status.code(), Some(0), "{}", text(&migrate.stderr));
    assert!(
        text(&migrate.stdout).contains(&format!("from version 0 to {needed}")),
        "{}",
        text(&migrate.stdout)
    );
    let again = mpis_dash(&db.url(), &["migrate"]);
    assert!(text(&again.stdout).contains("nothing to do"));
    assert_eq!(mpis_dash(&db.url(), &["status"]).status.code(), Some(0));
}

#[tokio::test]
async fn a_schema_behind_this_build_is_named_with_its_version() {
    let db = ScratchDb::new().await.unwrap();
    let needed = mpis_dash::store::database_info::needed_version();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(needed)
        .execute(&db.pool)
        .await
        .unwrap();
    let status = mpis_dash(&db.url(), &["status"]);
    assert_eq!(status.status.code(), Some(4));
    assert!(
        text(&status.stderr).contains(&format!(
            "the dashboard schema is at version {}, this build needs {needed}",
            needed - 1
        )),
        "{}",
        text(&status.stderr)
    );
}

#[tokio::test]
async fn a_select_only_role_runs_status_and_check_without_writing() {
    let db = ScratchDb::new().await.unwrap();
    let seeded = mpis_dash(&db.url(), &["demo-data"]);
    assert_eq!(seeded.status.code(), Some(0), "{}", text(&seeded.stderr));
    sqlx::query("DELETE FROM red_flags")
        .execute(&db.pool)
        .await
        .unwrap();
    let reader = db.read_only_url().await.unwrap();

    let status = mpis_dash(&reader, &["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status.stderr));
    assert!(text(&status.stdout).contains("RED FLAGS: CRITICAL"));

    // The same verdict as a writer's check, evaluated without recording flag rows.
    let check = mpis_dash(&reader, &["check", "--json"]);
    assert_eq!(check.status.code(), Some(2), "{}", text(&check.stderr));
    let body: Value = serde_json::from_str(&text(&check.stdout)).unwrap();
    assert_eq!(body["status"], "CRITICAL");
    assert_eq!(body["recorded"], false);
    assert!(
        body["not_recorded_reason"]
            .as_str()
            .unwrap()
            .contains("may not write"),
        "{body}"
    );
    assert_eq!(
        mpis_dash(&reader, &["check"]).status.code(),
        Some(2),
        "one-line check too"
    );
    let flags: i64 = sqlx::query_scalar("SELECT count(*) FROM red_flags")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(flags, 0, "a read-only check records nothing");

    let writer = mpis_dash(&db.url(), &["check", "--json"]);
    let written: Value = serde_json::from_str(&text(&writer.stdout)).unwrap();
    assert_eq!(written["recorded"], true);
    for field in ["count", "items", "severity"] {
        assert_eq!(
            written["missing_metrics"][field],
            body["missing_metrics"][field]
        );
    }
    assert_eq!(
        written["missing_publish_records"]["count"],
        body["missing_publish_records"]["count"]
    );
}

#[tokio::test]
async fn check_names_a_permission_error_instead_of_unreachable() {
    let db = ScratchDb::new().await.unwrap();
    let reader = db.read_only_url().await.unwrap();
    sqlx::query("REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM PUBLIC")
        .execute(&db.pool)
        .await
        .unwrap();
    let role = reader
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap()
        .to_owned();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM {role}"
    )))
    .execute(&db.pool)
    .await
    .unwrap();
    let out = mpis_dash(&reader, &["check"]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("UNKNOWN - permission denied for table"),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_database_outside_utc_is_named_by_status_and_check() {
    let db = ScratchDb::with_time_zone("Asia/Kolkata").await.unwrap();
    let status = mpis_dash(&db.url(), &["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status.stderr));
    let stdout = text(&status.stdout);
    assert!(
        stdout.contains("NOTE: the database time zone is Asia/Kolkata, not UTC")
            && stdout.contains("(from the database setting)"),
        "{stdout}"
    );
    // The log line (stderr for one-shot commands, at the default level).
    assert!(
        text(&status.stderr).contains("WARN")
            && text(&status.stderr).contains("Asia/Kolkata, not UTC"),
        "{}",
        text(&status.stderr)
    );

    let check = mpis_dash(&db.url(), &["check"]);
    assert_eq!(check.status.code(), Some(0));
    assert!(
        text(&check.stdout).starts_with("OK - ")
            && text(&check.stdout)
                .contains("note: db tz Asia/Kolkata is not UTC: MPIS times shifted"),
        "{}",
        text(&check.stdout)
    );
    // Said once on stderr (the log line), not once more by check itself.
    assert_eq!(
        text(&check.stderr).matches("Asia/Kolkata, not UTC").count(),
        1,
        "{}",
        text(&check.stderr)
    );
    let json = mpis_dash(&db.url(), &["check", "--json"]);
    let body: Value = serde_json::from_str(&text(&json.stdout)).unwrap();
    assert_eq!(body["database_time_zone"]["zone"], "Asia/Kolkata");
    assert_eq!(body["database_time_zone"]["utc"], false);

    // A UTC database says nothing of the kind.
    let utc = ScratchDb::with_time_zone("UTC").await.unwrap();
    let quiet = mpis_dash(&utc.url(), &["status"]);
    assert!(!text(&quiet.stdout).contains("NOTE:"));
    let json = mpis_dash(&utc.url(), &["check", "--json"]);
    let body: Value = serde_json::from_str(&text(&json.stdout)).unwrap();
    assert_eq!(body["database_time_zone"]["utc"], true);
}

/// `status` shows its times in the configured zone and names it; `local` is the process's
/// zone (TZ set for the child, never in this process); a bad name is an error naming the key.
#[tokio::test]
async fn status_shows_times_in_the_configured_zone() {
    let db = ScratchDb::new().await.unwrap();
    let status = |zone: &str, tz: &str| {
        Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
            .arg("status")
            .env("DATABASE_URL", db.url())
            .env("MPIS_DASH_CONFIG", "/dev/null")
            .env("MPIS_DASH_TIMEZONE", zone)
            .env("TZ", tz)
            .output()
            .expect("run mpis-dash")
    };
    let first_line = |out: &Output| text(&out.stdout).lines().next().unwrap_or("").to_string();
    let out = status("local", "Asia/Kolkata");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        first_line(&out).ends_with(" +05:30"),
        "{}",
        first_line(&out)
    );
    let out = status("Asia/Tokyo", "UTC");
    assert!(first_line(&out).ends_with(" JST"), "{}", first_line(&out));
    let out = status("UTC", "Asia/Tokyo");
    assert!(first_line(&out).ends_with(" UTC"), "{}", first_line(&out));
    let out = status("Asia/Tokio", "UTC");
    assert_ne!(out.status.code(), Some(0));
    let error = text(&out.stderr);
    assert!(
        error.contains("timezone: unknown time zone \"Asia/Tokio\""),
        "{error}"
    );
    assert!(error.contains("did you mean \"Asia/Tokyo\"?"), "{error}");
}
