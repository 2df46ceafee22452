//! Ingestion runs a stopped process left `running`: closed as `failed` ("the process running
//! it stopped") once their job's lease has run out, by the store and by every scheduler pass
//! (the first at the scheduler's start); a run under a live lease (another process is running
//! it) is never touched.

use std::time::Duration;

use chrono::Utc;
use mpis_dash::ingest::no_fetchers;
use mpis_dash::jobs::ingest::Scheduler;
use mpis_dash::store::ingestion_runs::{self, ABANDONED, Trigger};
use mpis_dash::store::jobs::{self, IngestionJob, NewJob};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::api_common::config;
use crate::common;

async fn job(pool: &PgPool, name: &str) -> IngestionJob {
    let new = NewJob {
        job_name: name.to_string(),
        channel: "youtube".to_string(),
        persona_id: None,
        // Never due during the test: only run-now style claims hold leases here.
        schedule_cron: "0 0 1 1 *".to_string(),
        config: json!({}),
        enabled: true,
    };
    jobs::create(pool, &new, Utc::now()).await.unwrap()
}

/// A run started under a lease of `lease` (as the scheduler records one).
async fn started_run(pool: &PgPool, job: &IngestionJob, lease: Duration) -> Uuid {
    jobs::claim_one(pool, job.id, lease)
        .await
        .unwrap()
        .expect("the lease");
    ingestion_runs::start(pool, job.id, Trigger::Manual)
        .await
        .unwrap()
}

async fn outcome(pool: &PgPool, run: Uuid) -> (String, Option<String>, bool) {
    let run = ingestion_runs::get(pool, run).await.unwrap().unwrap();
    (run.outcome, run.error, run.finished_at.is_some())
}

#[tokio::test]
async fn runs_whose_lease_ran_out_are_closed_and_live_ones_are_left_alone() {
    let db = common::db().await;
    let pool = &db.pool;
    let dead = job(pool, "dead-process").await;
    let alive = job(pool, "live-process").await;
    let released = job(pool, "lease-given-back").await;

    let dead_run = started_run(pool, &dead, Duration::from_secs(600)).await;
    // Its process stopped: the lease ran out.
    sqlx::query(
        "UPDATE metrics_ingestion_jobs SET locked_until = NOW() - INTERVAL '1 second' WHERE id = $1",
    )
    .bind(dead.id)
    .execute(pool)
    .await
    .unwrap();
    let live_run = started_run(pool, &alive, Duration::from_secs(600)).await;
    let released_run = started_run(pool, &released, Duration::from_secs(600)).await;
    jobs::release(pool, released.id).await.unwrap();
    // A finished run is history: never rewritten.
    let finished_run = ingestion_runs::start(pool, dead.id, Trigger::Schedule)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE metrics_ingestion_runs SET outcome = 'success', finished_at = NOW() WHERE id = $1",
    )
    .bind(finished_run)
    .execute(pool)
    .await
    .unwrap();

    assert_eq!(ingestion_runs::close_abandoned(pool).await.unwrap(), 2);
    for run in [dead_run, released_run] {
        assert_eq!(
            outcome(pool, run).await,
            ("failed".to_string(), Some(ABANDONED.to_string()), true)
        );
    }
    assert_eq!(
        outcome(pool, live_run).await,
        ("running".to_string(), None, false),
        "another live process holds it"
    );
    assert_eq!(
        outcome(pool, finished_run).await,
        ("success".to_string(), None, true)
    );
    assert_eq!(ingestion_runs::close_abandoned(pool).await.unwrap(), 0);
}

#[tokio::test]
async fn a_scheduler_pass_closes_them_from_its_start() {
    let db = common::db().await;
    let pool = &db.pool;
    let dead = job(pool, "dead-process").await;
    let alive = job(pool, "live-process").await;
    let dead_run = started_run(pool, &dead, Duration::from_secs(600)).await;
    sqlx::query("UPDATE metrics_ingestion_jobs SET locked_until = NULL WHERE id = $1")
        .bind(dead.id)
        .execute(pool)
        .await
        .unwrap();
    let live_run = started_run(pool, &alive, Duration::from_secs(600)).await;

    let scheduler = Scheduler::new(pool.clone(), &config(), no_fetchers());
    let reports = scheduler.pass().await.unwrap();
    assert!(reports.is_empty(), "nothing was due: {reports:?}");
    assert_eq!(
        outcome(pool, dead_run).await,
        ("failed".to_string(), Some(ABANDONED.to_string()), true)
    );
    assert_eq!(outcome(pool, live_run).await.0, "running");
}
