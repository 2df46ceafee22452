//! The embedded cluster: created on first use, reused while it runs, stopped by its starter.

use mpis_dash::pg_local::{Durability, LocalCluster};
use sqlx::Connection;

#[tokio::test]
async fn a_running_cluster_is_reused_and_only_its_starter_stops_it() {
    // Directly under the temp dir: as root the server runs as `postgres`, which must reach it.
    let root = std::env::temp_dir().join(format!(
        "mpis-dash-pg-local-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let started = tokio::task::spawn_blocking({
        let root = root.clone();
        move || LocalCluster::ensure(&root, Durability::Throwaway)
    })
    .await
    .unwrap()
    .expect("cluster starts");
    assert!(started.started_here());
    assert!(root.join("data/PG_VERSION").exists());

    // Only a Unix socket inside the cluster dir; a query works through it.
    let mut conn = sqlx::PgConnection::connect_with(&started.connect_options("postgres"))
        .await
        .expect("connect over the private socket");
    let listen: String = sqlx::query_scalar("SHOW listen_addresses")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(listen, "");
    conn.close().await.unwrap();

    let mut second = LocalCluster::ensure(&root, Durability::Throwaway).expect("reuse");
    assert!(
        !second.started_here(),
        "a running cluster must be reused, not restarted"
    );
    second.stop_if_started_here().unwrap();
    assert!(
        started.is_running(),
        "a process that only reused the cluster must not stop it"
    );

    let mut first = started;
    first.stop_if_started_here().unwrap();
    assert!(!first.is_running());
    std::fs::remove_dir_all(&root).unwrap();
}

/// initdb takes the machine's time zone; on the embedded database MPIS's naive UTC times must
/// not be shifted, so the server is set to UTC and nothing warns about it.
#[test]
fn the_embedded_cluster_runs_in_utc_whatever_the_machines_zone() {
    let dir = std::env::temp_dir().join(format!("mpis-dash-tz-{}", uuid::Uuid::new_v4().simple()));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
            .args(["--data-dir", dir.to_str().expect("utf-8 path")])
            .args(args)
            .env_remove("DATABASE_URL")
            .env("MPIS_DASH_CONFIG", "/dev/null")
            .env("TZ", "Asia/Kolkata")
            .output()
            .expect("run mpis-dash")
    };
    let migrated = run(&["migrate"]);
    let status = run(&["status"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(migrated.status.success(), "{migrated:?}");
    assert!(status.status.success(), "{status:?}");
    let conf = String::from_utf8_lossy(&status.stdout);
    assert!(!conf.contains("NOTE:"), "{conf}");
    assert!(
        !String::from_utf8_lossy(&status.stderr).contains("not UTC"),
        "{status:?}"
    );
}
