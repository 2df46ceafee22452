//! End to end, the on-call path at 80x24 under tmux, on a database seeded with the demo data:
//! the status line points to the critical flag, Enter opens the flags list on it, Enter lists
//! the runs it counts, one opens and Esc comes back, the flag is acknowledged, and the
//! acknowledgement survives the next evaluation; resolving it while it still holds offers a
//! silence instead. Key count: Enter Enter Enter Esc a y (x 1) = 6 (8).

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use mpis_dash::domain::red_flags::{FlagKind, Thresholds};
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::red_flags;

use crate::tmux_common::Tmux;

#[test]
fn on_call_at_80x24_from_the_critical_flag_to_its_runs_acknowledged_through_the_next_evaluation() {
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
            "env MPIS_DASH_CONFIG=/dev/null DATABASE_URL='{}' {} --data-dir {} --operator oncall; \
         echo EXIT=$?; sleep 60",
            db.url(),
            env!("CARGO_BIN_EXE_mpis-dash"),
            dir.path().display()
        ),
        (80, 24),
    );

    // The dashboard evaluates at start: the critical flag is open, and the status line says
    // where to look (the red-flags widget is focused).
    tmux.wait_for(
        &["Red Flags", "⚠ 1 critical: press F for flags"],
        Duration::from_secs(60),
    );
    // Enter: the flags list, on the critical flag.
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        &["Red flags (open)", "▸ [CRIT] 2 runs are missing"],
        Duration::from_secs(10),
    );
    // Enter: the runs it counts.
    tmux.keys(&["Enter"]);
    let runs = tmux.wait_for(
        &["runs missing publish records: 1-2", "without a record"],
        Duration::from_secs(10),
    );
    assert!(runs.contains("not acknowledged"), "{runs}");
    // Enter: the first run's detail; Esc comes back to the runs.
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["correlation ids", "run_id"], Duration::from_secs(10));
    tmux.keys(&["Escape"]);
    tmux.wait_for(
        &["runs missing publish records: 1-2", "▸ ✓"],
        Duration::from_secs(10),
    );
    // a, y: acknowledged, and the screen says by whom.
    tmux.keys(&["a"]);
    tmux.wait_for(&["Confirm", "as oncall?"], Duration::from_secs(5));
    tmux.keys(&["y"]);
    // The status line's alert turns into the short acknowledged form once the counts reload.
    tmux.wait_for(
        &["ack by oncall", "1 critical, acked (F)"],
        Duration::from_secs(10),
    );

    // The next evaluation (as the dashboard's own evaluator or `check` runs it) keeps the
    // same flag with its acknowledgement; the screen shows it after the reload it triggers.
    let flags = runtime.block_on(async {
        red_flags::evaluate_and_record(&db.pool, &Thresholds::default(), Utc::now())
            .await
            .expect("evaluate");
        red_flags::list(&db.pool, false, 20).await.expect("flags")
    });
    let flag = flags
        .iter()
        .find(|f| f.flag_key.as_deref() == Some(FlagKind::MissingPublishRecords.key()))
        .expect("the flag is still open");
    assert_eq!(flag.acknowledged_by.as_deref(), Some("oncall"));
    tmux.keys(&["r"]);
    let after = tmux.wait_for(&["ack by oncall"], Duration::from_secs(10));
    assert!(!after.contains("resolved by"), "{after}");

    // x: the condition still holds, so a silence is offered; 1 silences it for an hour, and
    // the status line's alert goes away.
    tmux.keys(&["x"]);
    tmux.wait_for(
        &["Condition still holds", "1: 1 h"],
        Duration::from_secs(10),
    );
    tmux.keys(&["1"]);
    let silenced = tmux.wait_for(
        &["silenced for 1 h", "silenced by oncall until"],
        Duration::from_secs(10),
    );
    assert!(silenced.contains("ack by oncall"), "{silenced}");
    // Back along the way: the flags list (F from here: the same flag), the dashboard.
    tmux.keys(&["Escape"]);
    tmux.wait_for(
        &["Red flags (open)", "silenced by oncall"],
        Duration::from_secs(10),
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for(&["Recent Runs"], Duration::from_secs(10));
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.screen().contains("press F for flags") {
        assert!(Instant::now() < deadline, "{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(100));
    }

    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(Duration::from_secs(20)), 0);
}
