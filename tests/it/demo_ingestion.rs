//! `--demo` ingests for real: the demo wiring (`ingest::demo::start`) starts the four stand-ins,
//! writes their keys to an owner-only secrets file in the data dir and points the seeded jobs
//! at them by reference; a scheduler pass then writes new `normalized_metrics` rows and records
//! a `success` run for each demo job, and the next start re-points them at the new ports.

use crate::api_common::config;
use crate::common;

use chrono::Utc;
use mpis_dash::ingest::channel_fetchers;
use mpis_dash::ingest::demo;
use mpis_dash::jobs::ingest::Scheduler;
use mpis_dash::store::ingestion_runs::Outcome;
use mpis_dash::store::jobs;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn views_of_newest_youtube_item(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT m.views::bigint FROM normalized_metrics m
         WHERE m.source = 'ingest:youtube_metrics_demo'
         ORDER BY m.measured_at DESC, m.published_item_id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_demo_jobs_measure_the_seeded_items_against_the_stand_ins() {
    let db = common::db().await;
    let pool = &db.pool;
    mpis_dash::demo_data::seed_demo(pool).await.unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let stand_ins = demo::start(pool, data_dir.path()).await.unwrap();

    // Pointed at the stand-ins, with the credential by reference only.
    let demo_jobs = jobs::list(pool, 100).await.unwrap();
    assert_eq!(demo_jobs.len(), 4);
    let secrets = data_dir.path().join(demo::SECRETS_FILE);
    for job in &demo_jobs {
        let config = &job.config.0;
        let base = config["base_url"].as_str().unwrap();
        assert!(base.starts_with("http://127.0.0.1:"), "{config}");
        let stored = config.to_string();
        for secret in ["standin-key", "standin-token"] {
            assert!(
                !stored.contains(secret),
                "a secret in the database: {stored}"
            );
        }
        match job.channel.as_str() {
            "telegram" => {
                assert_eq!(config["channel_username"], json!(demo::TELEGRAM_CHANNEL));
                assert!(config.get("credential").is_none());
                assert!(
                    job.next_run_at.unwrap() <= Utc::now(),
                    "due at start: {job:?}"
                );
            }
            channel => assert_eq!(
                config["credential"],
                json!({"file": secrets.display().to_string(), "key": channel})
            ),
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secrets).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Every demo job due (TikTok's enabled too), one pass: rows and a success run each.
    for job in &demo_jobs {
        jobs::set_enabled(pool, job.id, true, Utc::now())
            .await
            .unwrap();
    }
    let make_due = || async {
        sqlx::query("UPDATE metrics_ingestion_jobs SET next_run_at = NOW() - INTERVAL '1 second'")
            .execute(pool)
            .await
            .unwrap();
    };
    make_due().await;
    let before = common::count(pool, "normalized_metrics").await;
    let scheduler = Scheduler::new(pool.clone(), &config(), channel_fetchers());
    let reports = scheduler.pass().await.unwrap();
    assert_eq!(reports.len(), 4, "{reports:?}");
    let mut written = 0;
    for report in &reports {
        let job = demo_jobs.iter().find(|j| j.id == report.job_id).unwrap();
        let f = &report.finished;
        assert_eq!(
            f.outcome,
            Outcome::Success,
            "{}: {:?} {:?}",
            job.job_name,
            f.error,
            f.item_errors
        );
        assert!(f.rows_written > 0, "{}: {f:?}", job.job_name);
        assert_eq!(f.rows_written, f.items_asked);
        written += f.rows_written as i64;
        let runs = mpis_dash::store::ingestion_runs::list(pool, job.id, None, 10)
            .await
            .unwrap();
        assert_eq!(runs[0].outcome, "success");
    }
    assert_eq!(
        common::count(pool, "normalized_metrics").await,
        before + written
    );
    let first_views = views_of_newest_youtube_item(pool).await;
    assert!(first_views > 0);

    // The next run writes new rows again, with numbers that do not go back.
    make_due().await;
    let reports = scheduler.pass().await.unwrap();
    assert!(
        reports
            .iter()
            .all(|r| r.finished.outcome == Outcome::Success)
    );
    assert_eq!(
        common::count(pool, "normalized_metrics").await,
        before + 2 * written
    );
    assert!(views_of_newest_youtube_item(pool).await >= first_views);

    // The next demo start (new ports) re-points the jobs.
    let old: Vec<Value> = demo_jobs
        .iter()
        .map(|j| j.config.0["base_url"].clone())
        .collect();
    // (Started while the old ones still hold their ports, so none is handed out again.)
    let _again = demo::start(pool, data_dir.path()).await.unwrap();
    drop(stand_ins);
    let now_pointed = jobs::list(pool, 100).await.unwrap();
    for (job, old_url) in now_pointed.iter().zip(&old) {
        assert_ne!(&job.config.0["base_url"], old_url, "{}", job.job_name);
    }
}
