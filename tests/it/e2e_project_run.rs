//! End to end at 80x24 under tmux on the demo data: `:project` creates a project (name, the
//! persona by filter, channels completed), `:run` starts a run for it at once (the project by
//! filter, its channels by default, two templates pasted), and the run is in the runs widget,
//! pending, with its dispatch row queued. Key count (pastes count one):
//! `:project⏎` 9 + name 11 + Tab + `alex` 4 + ⏎ + `tele` 4 + Tab + Ctrl-S = 32;
//! `:run⏎` 5 + `e2e` 3 + ⏎ + Tab Tab Tab + paste + Tab + paste + Ctrl-S = 16.

use std::process::Command;
use std::time::Duration;

use mpis_dash::scratch_db::ScratchDb;

use crate::tmux_common::Tmux;

#[test]
fn a_project_created_and_a_run_started_at_80x24() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = runtime
        .block_on(ScratchDb::new())
        .expect("scratch database");
    let seeded = Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
        .args(["demo-data"])
        .env("DATABASE_URL", db.url())
        .env("MPIS_DASH_CONFIG", "/dev/null")
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{seeded:?}");
    let dir = tempfile::tempdir().expect("data dir");
    let tmux = Tmux::start(
        &format!(
            "env MPIS_DASH_CONFIG=/dev/null DATABASE_URL='{}' {} --data-dir {}; \
             echo EXIT=$?; sleep 60",
            db.url(),
            env!("CARGO_BIN_EXE_mpis-dash"),
            dir.path().display()
        ),
        (80, 24),
    );
    tmux.wait_for(&["Recent Runs", "db ok"], Duration::from_secs(60));

    tmux.keys(&[":"]);
    tmux.text("project");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        &["New project", "A project is a persona"],
        Duration::from_secs(10),
    );
    tmux.text("E2E project");
    tmux.keys(&["Tab"]);
    tmux.text("alex");
    tmux.wait_for(&["personas (1 of"], Duration::from_secs(10));
    tmux.keys(&["Enter"]);
    tmux.text("tele");
    tmux.keys(&["Tab"]);
    tmux.wait_for(&["[x] telegram"], Duration::from_secs(10));
    tmux.keys(&["C-s"]);
    tmux.wait_for(&["Recent Runs", "│ Overview"], Duration::from_secs(10));

    tmux.keys(&[":"]);
    tmux.text("run");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["Start a run", "E2E project"], Duration::from_secs(10));
    tmux.text("e2e");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["persona Alex", "telegram"], Duration::from_secs(10));
    tmux.keys(&["Tab", "Tab", "Tab"]);
    tmux.paste("bb0e8400-e29b-41d4-a716-446655440006");
    tmux.keys(&["Tab"]);
    tmux.paste("cc0e8400-e29b-41d4-a716-446655440007");
    tmux.wait_for(
        &["cc0e8400-e29b-41d4-a716-446655440007"],
        Duration::from_secs(10),
    );
    tmux.keys(&["C-s"]);
    let screen = tmux.wait_for(
        &["Recent Runs", "○ pending E2E proj"],
        Duration::from_secs(10),
    );
    assert!(
        screen.contains("▸ ○ pending E2E proj"),
        "selected:\n{screen}"
    );

    let (runs, queued): (i64, i64) = runtime
        .block_on(async {
            sqlx::query_as(
                "SELECT count(*), count(d.run_id) FILTER (WHERE d.state = 'queued')
                 FROM dashboard_runs r JOIN dashboard_projects p ON p.id = r.project_id
                 LEFT JOIN run_dispatches d ON d.run_id = r.run_id
                 WHERE p.name = 'E2E project'",
            )
            .fetch_one(&db.pool)
            .await
        })
        .expect("rows");
    assert_eq!((runs, queued), (1, 1));
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(Duration::from_secs(20)), 0);
}
