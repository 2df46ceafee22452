//! End to end: the real binary with `--demo` in a tmux pane (a real terminal), driven by keys;
//! the screen text is asserted at each step and the process must exit 0 with the embedded
//! cluster stopped behind it.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::tmux_common::Tmux;

use mpis_dash::scratch_db::ScratchDb;

/// The demo's embedded cluster lives here; removed at the end.
struct DataDir(PathBuf);

impl Drop for DataDir {
    fn drop(&mut self) {
        let data = self.0.join("postgres/data");
        if data.join("postmaster.pid").exists()
            && let Some(bin) = mpis_dash::pg_local::find_server_binaries()
        {
            // Only if the test failed half-way: never leave a server running.
            let _ = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(bin.join("pg_ctl"))
                .args(["stop", "-m", "immediate", "-D"])
                .arg(&data)
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn demo_dashboard_drill_in_help_acknowledge_publish_genesis_and_quit() {
    let dir = DataDir(
        std::env::temp_dir().join(format!("mpis-dash-e2e-{}", uuid::Uuid::new_v4().simple())),
    );
    // The shell reports the exit status on the screen once the dashboard has left it.
    let command = format!(
        "env -u DATABASE_URL {} --data-dir {} --operator e2e-operator --demo; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_mpis-dash"),
        dir.0.display()
    );
    let tmux = Tmux::start(&command, (120, 40));

    // The dashboard with data from the demo database.
    tmux.wait_for(
        &["Red Flags", "Recent Runs", "db ok", "Tech Blog Project"],
        Duration::from_secs(60),
    );

    // Drill into a run: focus the runs widget, select a row, Enter.
    // Rows: pending, running, then completed runs (which carry an n8n execution id).
    tmux.keys(&["Tab", "j", "j", "Enter"]);
    let detail = tmux.wait_for(
        &["correlation ids", "run_id", "published items"],
        Duration::from_secs(10),
    );
    assert!(detail.contains("n8n_execution_id"), "{detail}");

    // Help for this screen, closed by any key; Esc back to the dashboard.
    tmux.keys(&["?"]);
    tmux.wait_for(
        &["Help: keys of this screen", "copy the selected id"],
        Duration::from_secs(5),
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["j/k select id"], Duration::from_secs(5));
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["Recent Runs", "Engagement"], Duration::from_secs(5));

    // Acknowledge a flag from the red flags screen, through the palette and a confirm step.
    tmux.keys(&[":"]);
    tmux.text("flags");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Red flags (open)", "[CRIT]"], Duration::from_secs(10));
    tmux.keys(&["a"]);
    tmux.wait_for(&["Confirm", "as e2e-operator?"], Duration::from_secs(5));
    tmux.keys(&["y"]);
    tmux.wait_for(
        &["acknowledged:", "ack by e2e-operator"],
        Duration::from_secs(10),
    );

    // Record a publish through the form: it is written to the outbox and forwarded to the
    // built-in MPIS sandbox (no MPIS is configured).
    tmux.keys(&["Escape", ":"]);
    tmux.text("publish");
    tmux.keys(&["Enter"]);
    // "approved drafts (N of M…" once they are loaded ("loading approved drafts…" before: a
    // Down then would pick nothing).
    tmux.wait_for(
        &["Record a publish", "approved drafts ("],
        Duration::from_secs(10),
    );
    tmux.keys(&["Down", "Tab", "Tab"]);
    tmux.text("e2e-4242");
    tmux.keys(&["C-s"]);
    tmux.wait_for(
        &["[FORWARDED]", "forwarded to MPIS: published item"],
        Duration::from_secs(15),
    );
    tmux.keys(&["Escape"]);

    // Start a persona genesis in the sandbox and approve its first draft.
    tmux.keys(&[":"]);
    tmux.text("genesis");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Start a persona genesis"], Duration::from_secs(10));
    // Part typed, part pasted: the pasted line break is not an Enter (the name keeps focus).
    tmux.text("E2E");
    tmux.paste(" Persona\n");
    tmux.wait_for(
        &["▶ persona name            E2E Persona", "e2e-persona"],
        Duration::from_secs(5),
    );
    tmux.keys(&["C-s"]);
    tmux.wait_for(
        &["Genesis job", "awaiting_approval"],
        Duration::from_secs(15),
    );
    // The sandbox keeps its drafts in the dashboard's database, as MPIS does: the view shows
    // the stored draft. An edit makes draft 2, which is then approved.
    tmux.wait_for(
        &["draft 1 as stored", "credo.summary = "],
        Duration::from_secs(10),
    );
    tmux.keys(&["e"]);
    tmux.text("credo.summary");
    tmux.keys(&["Tab", "Tab"]);
    tmux.text("\"Edited from the e2e test\"");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        &[
            "draft 2 saved in MPIS",
            "draft 2 as stored",
            "credo.summary = \"Edited from the e2e test\"",
        ],
        Duration::from_secs(15),
    );
    tmux.keys(&["A"]);
    tmux.wait_for(
        &["Approve persona E2E Persona draft 2 as e2e-operator?"],
        Duration::from_secs(5),
    );
    tmux.keys(&["y"]);
    tmux.wait_for(
        &["version 1.0", "persona_core.json"],
        Duration::from_secs(15),
    );
    tmux.keys(&["Escape", "Escape"]);

    // The job demo-data seeded is reachable by name from the palette and answered by the
    // sandbox from the database.
    tmux.keys(&[":"]);
    tmux.text("genesis Sofia");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        &[
            "status awaiting_approval",
            "Sofia - Urban Gardener",
            "draft 1 as stored",
        ],
        Duration::from_secs(15),
    );
    tmux.keys(&["Escape"]);

    // Quit: exit 0, terminal restored, the embedded cluster stopped by the process.
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(Duration::from_secs(30)), 0);
    let after = tmux.screen();
    assert!(
        !after.contains("Recent Runs"),
        "the alternate screen was left:\n{after}"
    );
    // Bracketed paste is off again: a paste reaches the shell without its markers.
    tmux.paste("after-quit");
    let after = tmux.wait_for(&["after-quit"], Duration::from_secs(5));
    assert!(
        !after.contains("[200~"),
        "bracketed paste left on:\n{after}"
    );
    assert!(
        !dir.0.join("postgres/data/postmaster.pid").exists(),
        "the embedded cluster must be stopped on exit"
    );
}

/// An SSH connection that drops closes the terminal under the dashboard (SIGHUP, and every
/// write fails with EIO): it must still stop the embedded cluster it started.
#[test]
fn a_closed_terminal_stops_the_embedded_cluster() {
    let dir = DataDir(
        std::env::temp_dir().join(format!("mpis-dash-hup-{}", uuid::Uuid::new_v4().simple())),
    );
    let command = format!(
        "env -u DATABASE_URL {} --data-dir {} --demo; sleep 60",
        env!("CARGO_BIN_EXE_mpis-dash"),
        dir.0.display()
    );
    let tmux = Tmux::start(&command, (120, 40));
    tmux.wait_for(&["Recent Runs", "db ok"], Duration::from_secs(60));
    let pid_file = dir.0.join("postgres/data/postmaster.pid");
    assert!(pid_file.exists(), "the demo runs its embedded cluster");
    tmux.run(&["kill-session", "-t", "app"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while pid_file.exists() {
        assert!(
            Instant::now() < deadline,
            "the embedded cluster was left running after the terminal closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs `mpis-dash ARGS` against `url` in a tmux pane, printing its exit status afterwards.
fn dashboard_on(url: &str, data_dir: &std::path::Path, args: &str) -> Tmux {
    Tmux::start(
        &format!(
            "env MPIS_DASH_CONFIG=/dev/null DATABASE_URL='{url}' {} --data-dir {} {args}; \
         echo EXIT=$?; sleep 60",
            env!("CARGO_BIN_EXE_mpis-dash"),
            data_dir.display()
        ),
        (120, 40),
    )
}

/// The flag rows and their last change: what an evaluator pass would move.
async fn flag_rows(pool: &sqlx::PgPool) -> (i64, Option<chrono::DateTime<chrono::Utc>>) {
    sqlx::query_as("SELECT count(*), max(updated_at) FROM red_flags")
        .fetch_one(pool)
        .await
        .expect("read red flags")
}

/// On-call over a SELECT-only role, on a database set to local time: the dashboard starts
/// read-only by itself and says why, names the time zone, and writes nothing.
#[test]
fn a_select_only_role_outside_utc_gets_a_read_only_dashboard_that_says_why() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = runtime
        .block_on(ScratchDb::with_time_zone("Asia/Kolkata"))
        .expect("scratch database");
    let seeded = Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
        .args(["demo-data"])
        .env("DATABASE_URL", db.url())
        .env("MPIS_DASH_CONFIG", "/dev/null")
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{seeded:?}");
    let reader = runtime
        .block_on(db.read_only_url())
        .expect("read-only role");
    let before = runtime.block_on(flag_rows(&db.pool));
    let dir = tempfile::tempdir().expect("data dir");

    let tmux = dashboard_on(&reader, dir.path(), "");
    tmux.wait_for(
        &[
            "Recent Runs",
            "db ok",
            "READ-ONLY",
            "db tz Asia/Kolkata is not UTC: MPIS times shifted",
            "role ro_",
        ],
        Duration::from_secs(30),
    );
    // The evaluator would have run at once on a writable dashboard; give it the chance.
    std::thread::sleep(Duration::from_secs(2));
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(Duration::from_secs(20)), 0);
    assert_eq!(runtime.block_on(flag_rows(&db.pool)), before);
    let log = std::fs::read_to_string(dir.path().join("mpis-dash.log")).unwrap_or_default();
    assert!(
        log.contains("dashboard starts read-only") && log.contains("Asia/Kolkata, not UTC"),
        "{log}"
    );
}

/// `--read-only` on a database with only MPIS's schema: one line naming the versions and the
/// fix, a distinct exit code, and no terminal left in the alternate screen.
#[test]
fn read_only_on_a_database_without_the_dashboard_schema_says_to_migrate() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = runtime
        .block_on(ScratchDb::empty())
        .expect("scratch database");
    runtime
        .block_on(
            sqlx::raw_sql(include_str!("../fixtures/mpis_existing_schema.sql")).execute(&db.pool),
        )
        .expect("MPIS's schema");
    let dir = tempfile::tempdir().expect("data dir");
    let tmux = dashboard_on(&db.url(), dir.path(), "--read-only");
    let screen = tmux.wait_for(&["EXIT="], Duration::from_secs(20));
    assert!(
        screen.contains("the dashboard schema is at version 0, this build needs")
            && screen.contains("run `mpis-dash migrate`"),
        "{screen}"
    );
    assert_eq!(tmux.wait_for_exit(Duration::from_secs(5)), 4);
}

/// `--demo` ingests for real: the seeded jobs point at the in-process stand-ins, the one due
/// at start has run by the time `:jobs` is opened, and run now on another writes new metric
/// rows, told in the status line and kept in the job's history.
#[test]
fn demo_ingestion_jobs_run_against_the_stand_ins() {
    let dir = DataDir(std::env::temp_dir().join(format!(
        "mpis-dash-ingest-{}",
        uuid::Uuid::new_v4().simple()
    )));
    let command = format!(
        "env -u DATABASE_URL {} --data-dir {} --demo; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_mpis-dash"),
        dir.0.display()
    );
    let tmux = Tmux::start(&command, (200, 40));
    tmux.wait_for(&["Recent Runs", "db ok"], Duration::from_secs(60));

    // The Telegram job is due at start: the scheduler has run it against its stand-in.
    tmux.keys(&[":"]);
    tmux.text("jobs");
    tmux.keys(&["Enter"]);
    let list = tmux.wait_for(
        &[
            "Ingestion jobs",
            "youtube_metrics_demo",
            "telegram_metrics_demo",
        ],
        Duration::from_secs(10),
    );
    assert!(list.contains("instagram_metrics_demo"), "{list}");
    let telegram_ran = tmux.wait_for(&["✓"], Duration::from_secs(30));
    let telegram_line = telegram_ran
        .lines()
        .find(|l| l.contains("telegram_metrics_demo"))
        .unwrap_or_default();
    assert!(
        telegram_line.contains("success"),
        "the job due at start ran successfully:\n{telegram_ran}"
    );

    // Run now on the YouTube job: new rows from the stand-in, said when the run lands.
    tmux.keys(&["/"]);
    tmux.text("youtube");
    tmux.keys(&["Enter", "r"]);
    let said = tmux.wait_for(
        &["job \"youtube_metrics_demo\": ✓ success —", "rows from"],
        Duration::from_secs(30),
    );
    assert!(!said.contains("— 0 rows from"), "{said}");

    // Its history keeps the run, started by hand.
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["run now", "success"], Duration::from_secs(10));

    tmux.keys(&["Escape", "Escape", "Escape", "q"]);
    assert_eq!(tmux.wait_for_exit(Duration::from_secs(30)), 0);
}
