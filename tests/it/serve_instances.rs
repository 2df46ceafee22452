//! More than one `serve` on one database: the background jobs' runners share the work without
//! doing any of it twice (each due publish record reaches the MPIS sandbox once; one red flag
//! evaluation at a time, across connections as across processes), the evaluator keeps the
//! flags as fresh as its interval, and a stop (the real binary's SIGTERM) lets a request in
//! flight finish and gives back every lease and lock.

use std::time::{Duration, Instant};

use chrono::Utc;
use mpis_dash::config::Config;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::ingest::no_fetchers;
use mpis_dash::jobs::evaluator::{EVALUATOR_LOCK_KEY, Evaluator, PassOutcome};
use mpis_dash::jobs::runner::{self, Runner};
use mpis_dash::mpis::sandbox::{self, SandboxFaults, SandboxHandle};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::store::outbox::{self, NewPublishRecord};
use reqwest::StatusCode;
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::api_common::{self, call, http};
use crate::api_ops::ServeProcess;
use crate::common;

/// Advisory locks held on this test's database (other tests' databases share the cluster).
const ADVISORY_LOCKS_HERE: &str = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

async fn sandbox_with(faults: SandboxFaults) -> (SandboxHandle, MpisClient) {
    let sandbox = sandbox::start("127.0.0.1:0".parse().unwrap(), faults)
        .await
        .unwrap();
    let mut config = MpisConfig::new(sandbox.url());
    config.request_timeout = Duration::from_secs(5);
    let client = MpisClient::new(config).unwrap();
    (sandbox, client)
}

async fn enqueue(pool: &PgPool, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for item in 0..n {
        let draft = Uuid::new_v4();
        let record = outbox::enqueue(
            pool,
            &NewPublishRecord {
                idempotency_key: format!("publish:{draft}:telegram:{item}"),
                run_id: None,
                project_id: None,
                persona_id: None,
                published_at: Some(Utc::now()),
                draft_id: draft,
                channel: "telegram".into(),
                channel_item_id: Some(format!("item-{item}")),
                channel_url: None,
                created_by: "alice".into(),
            },
        )
        .await
        .unwrap();
        ids.push(record.record.id);
    }
    ids
}

/// A second pool on the same database: another process's connections.
async fn other_pool(db: &mpis_dash::scratch_db::ScratchDb) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect(&db.url())
        .await
        .unwrap()
}

fn config(evaluator_interval_secs: u64) -> Config {
    let mut config = api_common::config();
    config.evaluator_interval_secs = evaluator_interval_secs;
    config
}

async fn state_counts(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'forwarded'),
                count(*) FILTER (WHERE locked_until IS NOT NULL)
         FROM publish_records",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn two_runners_forward_each_due_record_exactly_once() {
    let db = common::db().await;
    // As the real MPIS: a repeated publish would be recorded again, so a duplicate shows.
    let (sandbox, client) = sandbox_with(SandboxFaults {
        latency: Duration::from_millis(20),
        ignore_idempotency_keys: true,
        ..SandboxFaults::none()
    })
    .await;
    let records = 60;
    enqueue(&db.pool, records).await;
    let second = other_pool(&db).await;

    let a = runner::start_serve_jobs(&config(1), &db.pool, Some(client.clone()), no_fetchers())
        .unwrap();
    let b =
        runner::start_serve_jobs(&config(1), &second, Some(client.clone()), no_fetchers()).unwrap();
    assert_eq!(
        a.names(),
        [
            "red flag evaluator",
            "publish outbox forwarder",
            "ingestion scheduler"
        ]
    );
    // Both claim at once (batches of 20), then every 5 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    while state_counts(&db.pool).await.0 < records as i64 {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            state_counts(&db.pool).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(a.stop(Duration::from_secs(10)).await.is_empty());
    assert!(b.stop(Duration::from_secs(10)).await.is_empty());

    let published = sandbox.published();
    assert_eq!(published.len(), records, "each record sent once");
    let mut items: Vec<String> = published
        .iter()
        .map(|p| p.request["channel_item_id"].as_str().unwrap().to_string())
        .collect();
    items.sort();
    items.dedup();
    assert_eq!(items.len(), records, "no item twice");
    assert_eq!(
        sandbox.request_count("POST", "/publisher/publish/record"),
        records
    );
    let attempts: Vec<i32> = sqlx::query_scalar("SELECT attempts FROM publish_records")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert!(attempts.iter().all(|&a| a == 1), "{attempts:?}");
    assert_eq!(state_counts(&db.pool).await, (records as i64, 0));
}

#[tokio::test]
async fn the_evaluator_never_runs_two_passes_at_once() {
    let db = common::db().await;
    let project = common::persona_with_project(&db.pool, "Eval").await;
    for status in ["failed", "failed", "success"] {
        common::run_at(&db.pool, &project, Utc::now(), status).await;
    }
    let second = other_pool(&db).await;
    let thresholds = Thresholds::default();
    let a = Evaluator::new(db.pool.clone(), thresholds.clone(), Duration::ZERO);
    let b = Evaluator::new(second.clone(), thresholds.clone(), Duration::ZERO);

    // Another session holds the lock: both skip, nothing is written.
    let mut holder = PgConnection::connect(&db.url()).await.unwrap();
    let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(EVALUATOR_LOCK_KEY)
        .fetch_one(&mut holder)
        .await
        .unwrap();
    assert!(held);
    assert!(matches!(a.pass().await.unwrap(), PassOutcome::Skipped));
    assert!(matches!(b.pass().await.unwrap(), PassOutcome::Skipped));
    assert_eq!(common::count(&db.pool, "red_flags").await, 0);
    // Unlocked at once (a closed session's locks go a moment later).
    let unlocked: bool = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
        .bind(EVALUATOR_LOCK_KEY)
        .fetch_one(&mut holder)
        .await
        .unwrap();
    assert!(unlocked);
    holder.close().await.unwrap();

    // Racing passes from two "processes": the ones that ran never overlap, and some skipped.
    let mut ran = Vec::new();
    let mut skipped = 0;
    for _ in 0..15 {
        let (x, y) = tokio::join!(a.pass(), b.pass());
        for outcome in [x.unwrap(), y.unwrap()] {
            match outcome {
                PassOutcome::Ran {
                    started, finished, ..
                } => ran.push((started, finished)),
                PassOutcome::Skipped => skipped += 1,
            }
        }
    }
    assert!(ran.len() >= 15, "one of each pair at least: {}", ran.len());
    assert!(skipped > 0, "the racing pass skipped at least once");
    ran.sort();
    for pair in ran.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlapping passes: {pair:?}");
    }
    assert_eq!(
        common::count(&db.pool, "red_flags WHERE flag_key = 'failed_runs_24h'").await,
        1,
        "the failed-runs flag, opened once"
    );
    // And no lock is left behind.
    let locks: i64 = sqlx::query_scalar(ADVISORY_LOCKS_HERE)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(locks, 0);
}

#[tokio::test]
async fn a_dropped_pass_releases_the_evaluator_lock() {
    let db = common::db().await;
    let evaluator = Evaluator::new(db.pool.clone(), Thresholds::default(), Duration::ZERO);
    // A row lock on red_flags' open flag keeps the pass waiting with the advisory lock taken.
    let project = common::persona_with_project(&db.pool, "Drop").await;
    common::run_at(&db.pool, &project, Utc::now(), "failed").await;
    assert!(evaluator.pass().await.unwrap().ran());
    let mut blocker = db.pool.begin().await.unwrap();
    sqlx::query("SELECT * FROM red_flags FOR UPDATE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let pass = tokio::time::timeout(Duration::from_millis(500), evaluator.pass()).await;
    assert!(pass.is_err(), "the pass waits on the row lock");
    blocker.rollback().await.unwrap();
    // The dropped pass's connection is gone, and its lock with it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let locks: i64 = sqlx::query_scalar(ADVISORY_LOCKS_HERE)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if locks == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the lock outlived the pass");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(evaluator.pass().await.unwrap().ran());
}

#[tokio::test]
async fn the_runner_keeps_red_flags_as_fresh_as_its_interval() {
    let db = common::db().await;
    let jobs = runner::start_serve_jobs(&config(1), &db.pool, None, no_fetchers()).unwrap();
    assert_eq!(
        jobs.names(),
        ["red flag evaluator", "ingestion scheduler"],
        "no MPIS, no forwarder"
    );
    let project = common::persona_with_project(&db.pool, "Fresh").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..2 {
        common::run_at(&db.pool, &project, Utc::now(), "failed").await;
    }
    let began = Instant::now();
    loop {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM red_flags WHERE flag_key = 'failed_runs_24h' AND resolved_at IS NULL",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        if open == 1 {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(4),
            "no flag within 4 s with a 1 s interval (the default 5 s would not)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(jobs.stop(Duration::from_secs(5)).await.is_empty());
}

#[tokio::test]
async fn a_stopping_runner_finishes_the_record_in_flight_and_releases_the_rest() {
    let db = common::db().await;
    let (sandbox, client) = sandbox_with(SandboxFaults {
        latency: Duration::from_millis(400),
        ..SandboxFaults::none()
    })
    .await;
    enqueue(&db.pool, 10).await;
    let mut jobs = Runner::new();
    let forwarder = mpis_dash::jobs::outbox::Forwarder::new(db.pool.clone(), client);
    jobs.spawn("forwarder", move |stop| async move {
        forwarder.run(Duration::from_secs(60), stop).await;
    });
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(jobs.stop(Duration::from_secs(5)).await.is_empty());
    let (forwarded, leased) = state_counts(&db.pool).await;
    assert!((1..10).contains(&forwarded), "{forwarded}");
    assert_eq!(leased, 0, "no lease left");
    assert_eq!(sandbox.published().len() as i64, forwarded);
    // The released ones did not count as attempts, and are due for anyone at once.
    let untried: i64 = common::count(
        &db.pool,
        "publish_records WHERE state = 'queued' AND attempts = 0 AND next_attempt_at <= NOW()",
    )
    .await;
    assert_eq!(untried, 10 - forwarded);
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_and_releases_every_lease() {
    let db = common::db().await;
    // A slow MPIS: each publish and each /health takes 1 s.
    let (sandbox, _) = sandbox_with(SandboxFaults {
        latency: Duration::from_millis(1000),
        ..SandboxFaults::none()
    })
    .await;
    enqueue(&db.pool, 12).await;
    let serve = ServeProcess::start(
        &db.url(),
        &["--allow-anonymous-read"],
        &[("MPIS_API_URL", &sandbox.url())],
    );
    // The forwarder is sending its first record; a request is in flight.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let in_flight = tokio::spawn(call(http().get(serve.url("/health/mpis"))));
    tokio::time::sleep(Duration::from_millis(300)).await;
    serve.terminate();
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let (code, stderr) = serve.wait(Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "{stderr}");

    let (forwarded, leased) = state_counts(&db.pool).await;
    assert!((1..12).contains(&forwarded), "{forwarded}: {stderr}");
    assert_eq!(leased, 0, "every lease released");
    assert_eq!(
        sandbox.published().len() as i64,
        forwarded,
        "nothing sent but marked"
    );
    let locks: i64 = sqlx::query_scalar(ADVISORY_LOCKS_HERE)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(locks, 0);
    // The log says what happened, in order.
    let stopping = stderr.find("SIGTERM: stopping").expect("the stop line");
    let access = stderr
        .find("route=/health/mpis status=200")
        .expect("the access line");
    assert!(
        stopping < access,
        "the request ended after the stop: {stderr}"
    );
}

#[tokio::test]
async fn a_lock_connection_closed_by_the_server_is_replaced_without_a_failed_pass() {
    let db = common::db().await;
    let evaluator = Evaluator::new(db.pool.clone(), Thresholds::default(), Duration::ZERO);
    assert!(evaluator.pass().await.unwrap().ran());
    // The server ends the evaluator's idle lock connection (an idle timeout, a restart).
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE '%pg_advisory_unlock%'
           AND pid <> pg_backend_pid()",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        ended,
        [true],
        "the evaluator's connection, found by its last query"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(evaluator.pass().await.unwrap().ran());
}
