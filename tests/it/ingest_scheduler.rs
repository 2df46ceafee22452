//! The ingestion scheduler (`jobs::ingest`) against a real PostgreSQL, with an in-test fetcher
//! standing for the platform (counters, failed items, rate limits, a gate to hold a call):
//! due jobs run once (also with two schedulers on one database, and after downtime), rows are
//! written normalized with the raw payload kept, outcomes and per-item errors recorded,
//! `Retry-After` honoured; run-now and the history over HTTP; secret values refused; credential
//! references resolved.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use mpis_dash::api::{self, ApiLimits, ApiState};
use mpis_dash::domain::channel::Channel;
use mpis_dash::ingest::credentials;
use mpis_dash::ingest::{
    FetchError, FetchOutcome, Fetcher, FetcherFactory, FetcherSettings, ItemFailure, ItemToMeasure,
    Measured,
};
use mpis_dash::jobs::ingest::Scheduler;
use mpis_dash::store::ingestion_runs::{self, Outcome};
use mpis_dash::store::jobs::{self, IngestionJob, NewJob};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::api_common::{call, config};
use crate::common;

/// The platform as the test arranges it.
#[derive(Default)]
struct Platform {
    /// Views per platform id; an id not here is "not found" (a per-item failure).
    views: HashMap<String, i64>,
    /// Ids the platform leaves out of its answer (neither measured nor failed).
    silent: Vec<String>,
    /// Answers given before the normal ones, one per call.
    script: Mutex<VecDeque<FetchError>>,
    /// Items per call.
    max_batch: usize,
    /// Calls made, with their sizes.
    calls: Mutex<Vec<usize>>,
    /// When set, each call waits for a permit (a call held "in flight").
    gate: Option<Arc<Semaphore>>,
    /// The credential each fetcher was built with.
    credentials: Mutex<Vec<Option<String>>>,
}

struct PlatformFetcher(Arc<Platform>);

impl Fetcher for PlatformFetcher {
    fn channel(&self) -> Channel {
        Channel::Youtube
    }

    fn max_batch(&self) -> usize {
        self.0.max_batch
    }

    fn fetch<'a>(
        &'a self,
        items: &'a [ItemToMeasure],
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
        Box::pin(async move {
            let platform = &self.0;
            platform.calls.lock().unwrap().push(items.len());
            if let Some(gate) = &platform.gate {
                gate.acquire().await.unwrap().forget();
            }
            if let Some(error) = platform.script.lock().unwrap().pop_front() {
                return Err(error);
            }
            let mut outcome = FetchOutcome::default();
            for item in items {
                let id = item.channel_item_id.clone().unwrap_or_default();
                if platform.silent.contains(&id) {
                    continue;
                }
                match platform.views.get(&id) {
                    Some(views) => outcome.measured.push(Measured {
                        published_item_id: item.published_item_id,
                        // Numbers as strings, as YouTube sends them; an extra field kept raw.
                        raw: json!({"views": views.to_string(), "likes": "7", "etag": id}),
                    }),
                    None => outcome.failures.push(ItemFailure {
                        published_item_id: item.published_item_id,
                        error: format!("video {id} not found"),
                    }),
                }
            }
            Ok(outcome)
        })
    }
}

fn factory(platform: &Arc<Platform>) -> FetcherFactory {
    let platform = platform.clone();
    Arc::new(move |channel: &Channel, settings: FetcherSettings| {
        if *channel != Channel::Youtube {
            return Err(format!("no fetcher for {}", channel.as_str()));
        }
        platform
            .credentials
            .lock()
            .unwrap()
            .push(settings.credential.map(|s| s.expose().to_string()));
        Ok(Box::new(PlatformFetcher(platform.clone())) as Box<dyn Fetcher>)
    })
}

fn platform(views: &[(&str, i64)], max_batch: usize) -> Platform {
    Platform {
        views: views.iter().map(|(id, v)| (id.to_string(), *v)).collect(),
        max_batch,
        ..Platform::default()
    }
}

/// A persona with YouTube items published `hours_ago` (platform ids as given); returns the
/// persona and the items' ids in order.
async fn items(pool: &PgPool, published: &[(&str, i64)]) -> (Uuid, Vec<Uuid>) {
    let persona = common::persona(pool, "Ada").await;
    let draft = common::draft(pool, persona, "youtube").await;
    let mut ids = Vec::new();
    for (platform_id, hours_ago) in published {
        let at = Utc::now() - chrono::Duration::hours(*hours_ago);
        ids.push(common::published_item(pool, draft, "youtube", platform_id, at).await);
    }
    (persona, ids)
}

/// A job due since `due_ago`.
async fn due_job(
    pool: &PgPool,
    name: &str,
    persona_id: Option<Uuid>,
    cron: &str,
    config: Value,
    due_ago: chrono::Duration,
) -> IngestionJob {
    let job = jobs::create(
        pool,
        &NewJob {
            job_name: name.into(),
            channel: "youtube".into(),
            persona_id,
            schedule_cron: cron.into(),
            config,
            enabled: true,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE metrics_ingestion_jobs SET next_run_at = $2 WHERE id = $1")
        .bind(job.id)
        .bind(Utc::now() - due_ago)
        .execute(pool)
        .await
        .unwrap();
    job
}

async fn runs_of(pool: &PgPool, job_id: Uuid) -> Vec<ingestion_runs::IngestionRun> {
    ingestion_runs::list(pool, job_id, None, 100).await.unwrap()
}

/// A stored measurement: item, views, reactions, raw, source, measured_at, persona.
type StoredRow = (
    Uuid,
    Option<i32>,
    Option<i32>,
    Value,
    String,
    DateTime<Utc>,
    Option<Uuid>,
);

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

#[tokio::test]
async fn a_due_job_runs_once_and_writes_normalized_rows_with_the_raw_kept() {
    let db = common::db().await;
    let pool = &db.pool;
    let (persona, ids) = items(pool, &[("v1", 1), ("v2", 2), ("v3", 3), ("old", 30)]).await;
    // Another persona's item on the same channel: not this job's.
    let (_, other) = items(pool, &[("v9", 1)]).await;
    let platform = Arc::new(platform(
        &[("v1", 100), ("v2", 200), ("v3", 300), ("old", 1), ("v9", 9)],
        2,
    ));
    let job = due_job(
        pool,
        "yt",
        Some(persona),
        "*/5 * * * *",
        json!({}),
        minutes(1),
    )
    .await;
    let scheduler = Scheduler::new(pool.clone(), &config(), factory(&platform));

    let before = Utc::now();
    let reports = scheduler.pass().await.unwrap();
    assert_eq!(reports.len(), 1);
    let finished = &reports[0].finished;
    assert_eq!(finished.outcome, Outcome::Success, "{finished:?}");
    assert_eq!((finished.items_asked, finished.rows_written), (3, 3));
    // Batched by the fetcher's max_batch: 2 + 1.
    assert_eq!(*platform.calls.lock().unwrap(), vec![2, 1]);

    let rows: Vec<StoredRow> = sqlx::query_as(
        "SELECT published_item_id, views, reactions, raw_metrics, source, measured_at,
                    persona_id
             FROM normalized_metrics ORDER BY views",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    for ((item, views, reactions, raw, source, measured_at, row_persona), (want, want_views)) in
        rows.iter()
            .zip([(ids[0], 100), (ids[1], 200), (ids[2], 300)])
    {
        assert_eq!(*item, want);
        assert_eq!(*views, Some(want_views));
        assert_eq!(*reactions, Some(7), "likes normalized to reactions");
        assert_eq!(raw["views"], want_views.to_string(), "raw kept as sent");
        assert!(raw["etag"].is_string(), "extra fields kept: {raw}");
        assert_eq!(source, "ingest:yt");
        assert!(*measured_at >= before, "measured now");
        assert_eq!(*row_persona, Some(persona));
    }
    assert!(!rows.iter().any(|r| r.0 == other[0] || r.0 == ids[3]));

    let after = jobs::get(pool, job.id).await.unwrap().unwrap();
    assert_eq!(after.last_status.as_deref(), Some("success"));
    assert!(after.next_run_at.unwrap() > Utc::now());
    assert!(after.last_run_at.unwrap() >= before);
    let history = runs_of(pool, job.id).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].outcome, "success");
    assert_eq!(history[0].triggered_by, "schedule");
    assert_eq!((history[0].items_asked, history[0].rows_written), (3, 3));
    assert!(history[0].finished_at.is_some());

    // Not due any more: the next pass runs nothing.
    assert!(scheduler.pass().await.unwrap().is_empty());
    assert_eq!(common::count(pool, "metrics_ingestion_runs").await, 1);
}

#[tokio::test]
async fn two_schedulers_on_one_database_run_each_due_job_once() {
    let db = common::db().await;
    let pool = &db.pool;
    let (persona, _) = items(pool, &[("v1", 1), ("v2", 1)]).await;
    let mut job_ids = Vec::new();
    for n in 0..5 {
        let job = due_job(
            pool,
            &format!("yt-{n}"),
            Some(persona),
            "0 * * * *",
            json!({}),
            minutes(1),
        )
        .await;
        job_ids.push(job.id);
    }
    let second = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect(&db.url())
        .await
        .unwrap();
    let platform = Arc::new(platform(&[("v1", 1), ("v2", 2)], 50));
    let a = Scheduler::new(pool.clone(), &config(), factory(&platform));
    let b = Scheduler::new(second, &config(), factory(&platform));
    for _ in 0..3 {
        let (ra, rb) = tokio::join!(a.pass(), b.pass());
        ra.unwrap();
        rb.unwrap();
    }
    for id in job_ids {
        assert_eq!(runs_of(pool, id).await.len(), 1, "job {id} ran once");
    }
    assert_eq!(common::count(pool, "normalized_metrics").await, 10);
}

#[tokio::test]
async fn a_job_due_many_times_during_downtime_runs_once_and_is_scheduled_ahead() {
    let db = common::db().await;
    let pool = &db.pool;
    let (persona, _) = items(pool, &[("v1", 1)]).await;
    let platform = Arc::new(platform(&[("v1", 1)], 50));
    // Hourly, last due 30 days ago: ~720 runs missed.
    let job = due_job(
        pool,
        "yt",
        Some(persona),
        "0 * * * *",
        json!({}),
        chrono::Duration::days(30),
    )
    .await;
    let scheduler = Scheduler::new(pool.clone(), &config(), factory(&platform));
    assert_eq!(scheduler.pass().await.unwrap().len(), 1);
    assert!(scheduler.pass().await.unwrap().is_empty());
    assert_eq!(runs_of(pool, job.id).await.len(), 1);
    let next = jobs::get(pool, job.id)
        .await
        .unwrap()
        .unwrap()
        .next_run_at
        .unwrap();
    assert!(next > Utc::now() && next <= Utc::now() + chrono::Duration::hours(1));
}

#[tokio::test]
async fn partial_and_failed_runs_are_recorded_with_their_item_errors() {
    let db = common::db().await;
    let pool = &db.pool;
    let (persona, ids) = items(pool, &[("v1", 1), ("gone", 1), ("v3", 1), ("quiet", 1)]).await;
    let mut arranged = platform(&[("v1", 10), ("v3", 30), ("quiet", 1)], 50);
    arranged.silent = vec!["quiet".into()];
    let platform = Arc::new(arranged);
    let scheduler = Scheduler::new(pool.clone(), &config(), factory(&platform));

    // Partial: one item unknown to the platform, one left out of its answer; the others stored.
    let job = due_job(
        pool,
        "partial",
        Some(persona),
        "0 * * * *",
        json!({}),
        minutes(1),
    )
    .await;
    let report = scheduler.pass().await.unwrap().remove(0);
    assert_eq!(report.finished.outcome, Outcome::Partial);
    assert_eq!(report.finished.rows_written, 2);
    let run = &runs_of(pool, job.id).await[0];
    assert_eq!(run.outcome, "partial");
    assert_eq!((run.items_asked, run.rows_written), (4, 2));
    let errors: HashMap<Uuid, String> = run
        .item_errors
        .0
        .iter()
        .map(|e| (e.published_item_id, e.error.clone()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[&ids[1]], "video gone not found");
    assert!(errors[&ids[3]].contains("not in the platform's answer"));
    assert!(
        run.error
            .as_deref()
            .unwrap()
            .contains("2 of 4 items failed")
    );
    assert_eq!(common::count(pool, "normalized_metrics").await, 2);
    let streak = jobs::failure_streak(pool, job.id).await.unwrap().unwrap();
    assert_eq!(streak.0, 0, "a partial run is not a failure in a row");
    assert!(streak.1.is_some());

    // Failed: the platform is down for every call; each item carries the error; twice in a row.
    let failing = due_job(
        pool,
        "down",
        Some(persona),
        "0 * * * *",
        json!({}),
        minutes(1),
    )
    .await;
    jobs::set_enabled(pool, job.id, false, Utc::now())
        .await
        .unwrap();
    for round in 1..=2 {
        platform
            .script
            .lock()
            .unwrap()
            .push_back(FetchError::Unavailable("503 from the platform".into()));
        let report = scheduler.pass().await.unwrap().remove(0);
        assert_eq!(report.finished.outcome, Outcome::Failed);
        assert_eq!(report.finished.item_errors.len(), 4);
        assert!(
            report.finished.item_errors[0]
                .error
                .contains("unavailable: 503 from the platform")
        );
        let streak = jobs::failure_streak(pool, failing.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(streak, (round, None));
        sqlx::query("UPDATE metrics_ingestion_jobs SET next_run_at = NOW() WHERE id = $1")
            .bind(failing.id)
            .execute(pool)
            .await
            .unwrap();
    }
    let after = jobs::get(pool, failing.id).await.unwrap().unwrap();
    assert_eq!(after.last_status.as_deref(), Some("failed"));

    // No fetcher for the channel.
    let none = Scheduler::new(pool.clone(), &config(), mpis_dash::ingest::no_fetchers());
    let report = none.pass().await.unwrap().remove(0);
    assert_eq!(report.finished.outcome, Outcome::Failed);
    assert_eq!(
        report.finished.error.as_deref(),
        Some("no fetcher for youtube")
    );
}

#[tokio::test]
async fn retry_after_is_waited_out_when_short_and_pushes_the_next_run_when_long() {
    let db = common::db().await;
    let pool = &db.pool;
    let (persona, _) = items(pool, &[("v1", 1), ("v2", 1), ("v3", 1)]).await;
    let platform = Arc::new(platform(&[("v1", 1), ("v2", 2), ("v3", 3)], 1));
    let scheduler = Scheduler::new(pool.clone(), &config(), factory(&platform))
        .with_max_wait(Duration::from_secs(2));

    // Short: waited out, every item measured.
    let job = due_job(
        pool,
        "short",
        Some(persona),
        "0 * * * *",
        json!({}),
        minutes(1),
    )
    .await;
    platform
        .script
        .lock()
        .unwrap()
        .push_back(FetchError::RateLimited {
            retry_after: Some(Duration::from_secs(1)),
            detail: "quota".into(),
        });
    let started = Instant::now();
    let report = scheduler.pass().await.unwrap().remove(0);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited");
    assert_eq!(report.finished.outcome, Outcome::Success, "{report:?}");
    assert_eq!(report.finished.rows_written, 3);
    assert_eq!(platform.calls.lock().unwrap().len(), 4, "one call again");
    jobs::set_enabled(pool, job.id, false, Utc::now())
        .await
        .unwrap();

    // Long, after the first batch: the run stops (partial) and the next run waits past it.
    let job = due_job(
        pool,
        "long",
        Some(persona),
        "*/5 * * * *",
        json!({}),
        minutes(1),
    )
    .await;
    let calls = platform.calls.lock().unwrap().len();
    let before = Utc::now();
    // The first call answers; the second is limited for an hour.
    let limited = Arc::new(Platform {
        views: platform.views.clone(),
        max_batch: 1,
        script: Mutex::new(VecDeque::new()),
        ..Platform::default()
    });
    let scheduler = Scheduler::new(pool.clone(), &config(), factory_limited_after(&limited, 1));
    let report = scheduler.pass().await.unwrap().remove(0);
    assert_eq!(report.job_id, job.id);
    assert_eq!(report.finished.outcome, Outcome::Partial, "{report:?}");
    assert_eq!(report.finished.rows_written, 1);
    let error = report.finished.error.clone().unwrap();
    assert!(
        error.contains("rate limited (retry after 3600 s)"),
        "{error}"
    );
    assert!(error.contains("2 items not measured"), "{error}");
    assert_eq!(platform.calls.lock().unwrap().len(), calls);
    let next = jobs::get(pool, job.id)
        .await
        .unwrap()
        .unwrap()
        .next_run_at
        .unwrap();
    assert!(next >= before + chrono::Duration::seconds(3590), "{next}");
    assert!(scheduler.pass().await.unwrap().is_empty(), "not due yet");
}

/// A factory whose platform answers `ok_calls` calls, then asks to retry after an hour.
fn factory_limited_after(platform: &Arc<Platform>, ok_calls: usize) -> FetcherFactory {
    struct Limited(Arc<Platform>, usize);
    impl Fetcher for Limited {
        fn channel(&self) -> Channel {
            Channel::Youtube
        }
        fn max_batch(&self) -> usize {
            self.0.max_batch
        }
        fn fetch<'a>(
            &'a self,
            items: &'a [ItemToMeasure],
        ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
            Box::pin(async move {
                if self.0.calls.lock().unwrap().len() >= self.1 {
                    return Err(FetchError::RateLimited {
                        retry_after: Some(Duration::from_secs(3600)),
                        detail: "quota exceeded".into(),
                    });
                }
                PlatformFetcher(self.0.clone()).fetch(items).await
            })
        }
    }
    let platform = platform.clone();
    Arc::new(move |_: &Channel, _: FetcherSettings| {
        Ok(Box::new(Limited(platform.clone(), ok_calls)) as Box<dyn Fetcher>)
    })
}

#[tokio::test]
async fn run_now_over_http_answers_202_refuses_an_overlap_and_shows_in_the_history() {
    let db = common::db().await;
    let pool = &db.pool;
    let (persona, _) = items(pool, &[("v1", 1), ("v2", 1)]).await;
    let gate = Arc::new(Semaphore::new(0));
    let mut arranged = platform(&[("v1", 1), ("v2", 2)], 50);
    arranged.gate = Some(gate.clone());
    let platform = Arc::new(arranged);
    // Not due for an hour: only the run-now runs it.
    let job = due_job(
        pool,
        "yt",
        Some(persona),
        "0 * * * *",
        json!({}),
        minutes(-60),
    )
    .await;

    let api = start_api(pool.clone(), factory(&platform)).await;
    let client = api.http();
    let run_url = api.url(&format!("/api/metrics/jobs/{}/run", job.id));
    let (status, started) = call(client.post(&run_url)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let run_id = started["run_id"].as_str().unwrap().to_string();

    // While it runs (its call held): a second run-now and the scheduler both keep off.
    let (status, busy) = call(client.post(&run_url)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{busy}");
    assert!(busy["detail"].as_str().unwrap().contains("in progress"));
    sqlx::query("UPDATE metrics_ingestion_jobs SET next_run_at = NOW() WHERE id = $1")
        .bind(job.id)
        .execute(pool)
        .await
        .unwrap();
    let scheduler = Scheduler::new(pool.clone(), &config(), factory(&platform));
    assert!(
        scheduler.pass().await.unwrap().is_empty(),
        "the lease is held"
    );
    let runs_url = api.url(&format!("/api/metrics/jobs/{}/runs", job.id));
    let (_, running) = call(client.get(&runs_url)).await;
    assert_eq!(running[0]["outcome"], "running", "{running}");

    gate.add_permits(10);
    let deadline = Instant::now() + Duration::from_secs(30);
    let history = loop {
        let (status, history) = call(client.get(&runs_url)).await;
        assert_eq!(status, StatusCode::OK, "{history}");
        if history[0]["outcome"] != "running" {
            break history;
        }
        assert!(Instant::now() < deadline, "the run never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["id"], run_id.as_str());
    assert_eq!(history[0]["outcome"], "success");
    assert_eq!(history[0]["triggered_by"], "manual");
    assert_eq!(history[0]["rows_written"], 2);
    assert_eq!(history[0]["item_errors"], json!([]));

    // Free again: a run-now is accepted; an unknown job is 404.
    let (status, _) = call(client.post(&run_url)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let deadline = Instant::now() + Duration::from_secs(30);
    while runs_of(pool, job.id)
        .await
        .iter()
        .any(|r| r.outcome == "running")
    {
        assert!(Instant::now() < deadline, "the second run never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(runs_of(pool, job.id).await.len(), 2);
    let unknown = api.url(&format!("/api/metrics/jobs/{}/run", Uuid::new_v4()));
    let (status, _) = call(client.post(&unknown)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        call(client.get(api.url(&format!("/api/metrics/jobs/{}/runs", Uuid::new_v4())))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The API with the given fetchers and an admin token.
async fn start_api(pool: PgPool, fetchers: FetcherFactory) -> crate::api_common::Running {
    let token = mpis_dash::store::tokens::create(
        &pool,
        "tests-admin",
        mpis_dash::domain::auth::Role::Admin,
        None,
        "tests",
        Utc::now(),
    )
    .await
    .unwrap()
    .secret;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = ApiState::new(pool, Arc::new(config()), None, ApiLimits::default(), false)
        .with_fetchers(fetchers);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(api::server::serve(
        listener,
        api::router(state),
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    crate::api_common::Running {
        base,
        stop: Some(stop),
        done,
        token: Some(token),
    }
}

#[tokio::test]
async fn env_and_file_references_resolve_and_a_world_readable_secrets_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;

    let env = |name: &str| (name == "YOUTUBE_API_KEY").then(|| "from-env".to_string());
    let resolved =
        credentials::for_config_with(&json!({"credential": {"env": "YOUTUBE_API_KEY"}}), env)
            .unwrap()
            .unwrap();
    assert_eq!(resolved.expose(), "from-env");
    let missing =
        credentials::for_config_with(&json!({"credential": {"env": "NOPE"}}), env).unwrap_err();
    assert!(missing.contains("NOPE is not set"), "{missing}");
    assert!(
        credentials::for_config_with(&json!({}), env)
            .unwrap()
            .is_none()
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.toml");
    std::fs::write(&path, "youtube = \"from-file\"\nother = 3\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let reference = |key: &str| json!({"credential": {"file": path.to_str().unwrap(), "key": key}});
    let resolved = credentials::for_config(&reference("youtube"))
        .unwrap()
        .unwrap();
    assert_eq!(resolved.expose(), "from-file");
    assert!(format!("{resolved:?}").contains("redacted"));
    let absent = credentials::for_config(&reference("tiktok")).unwrap_err();
    assert!(absent.contains("no key \"tiktok\""), "{absent}");
    let not_text = credentials::for_config(&reference("other")).unwrap_err();
    assert!(not_text.contains("not a text"), "{not_text}");

    // A job's run gets the file's secret; with the file world-readable the run fails saying
    // how to fix it, and the secret is never shown.
    let db = common::db().await;
    let pool = &db.pool;
    let (persona, _) = items(pool, &[("v1", 1)]).await;
    let platform = Arc::new(platform(&[("v1", 1)], 50));
    let scheduler = Scheduler::new(pool.clone(), &config(), factory(&platform));
    let job = due_job(
        pool,
        "yt",
        Some(persona),
        "0 * * * *",
        reference("youtube"),
        minutes(1),
    )
    .await;
    let report = scheduler.pass().await.unwrap().remove(0);
    assert_eq!(report.finished.outcome, Outcome::Success, "{report:?}");
    assert_eq!(
        *platform.credentials.lock().unwrap(),
        vec![Some("from-file".to_string())]
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = credentials::for_config(&reference("youtube")).unwrap_err();
    assert!(refused.contains("chmod 600"), "{refused}");
    assert!(refused.contains("644"), "{refused}");
    sqlx::query("UPDATE metrics_ingestion_jobs SET next_run_at = NOW() WHERE id = $1")
        .bind(job.id)
        .execute(pool)
        .await
        .unwrap();
    let report = scheduler.pass().await.unwrap().remove(0);
    assert_eq!(report.finished.outcome, Outcome::Failed);
    let error = report.finished.error.unwrap();
    assert!(
        error.contains("chmod 600") && !error.contains("from-file"),
        "{error}"
    );
}

#[tokio::test]
async fn a_youtube_job_measures_its_videos_through_the_real_fetcher_and_the_stand_in() {
    use mpis_dash::ingest::standin::{self, Platform, YOUTUBE_KEY};
    use std::os::unix::fs::PermissionsExt;
    let db = common::db().await;
    let pool = &db.pool;
    // Video ids as YouTube has them (11 URL-safe characters).
    let (persona, ids) = items(pool, &[("dQw4w9WgXcQ", 1), ("9bZkp7q19f0", 2)]).await;
    let api = standin::start(Platform::Youtube).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.toml");
    std::fs::write(&secrets, format!("youtube = \"{YOUTUBE_KEY}\"\n")).unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config_json = json!({
        "credential": {"file": secrets.to_str().unwrap(), "key": "youtube"},
        "base_url": api.base_url,
    });
    due_job(
        pool,
        "yt-real",
        Some(persona),
        "0 * * * *",
        config_json,
        minutes(1),
    )
    .await;
    // What `serve` and the dashboard run with.
    let scheduler = Scheduler::new(
        pool.clone(),
        &config(),
        mpis_dash::ingest::channel_fetchers(),
    );
    let report = scheduler.pass().await.unwrap().remove(0);
    assert_eq!(report.finished.outcome, Outcome::Success, "{report:?}");
    assert_eq!(
        (report.finished.items_asked, report.finished.rows_written),
        (2, 2)
    );
    let stored: Vec<(Uuid, Option<i32>, Value)> = sqlx::query_as(
        "SELECT published_item_id, views, raw_metrics FROM normalized_metrics
         WHERE source = 'ingest:yt-real' ORDER BY published_item_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(stored.iter().map(|r| r.0).collect::<Vec<_>>(), expected);
    for (_, views, raw) in &stored {
        // The stand-in sends the counts as strings, as YouTube does; stored as numbers.
        assert!(views.is_some_and(|v| v > 0), "{raw}");
        assert!(raw["youtube"]["viewCount"].is_string(), "{raw}");
    }
}
