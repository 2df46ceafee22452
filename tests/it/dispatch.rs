//! The n8n dispatcher over real HTTP against an in-test n8n stand-in (axum on loopback) and a
//! real PostgreSQL: what n8n receives (path, headers, the contract v1 body), the run's status
//! after a 2xx, a 4xx, 5xx answers, a slow n8n (timeout) and a refused connection, the tries
//! counted, and two dispatchers on one database sending each run exactly once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use mpis_dash::config::Secret;
use mpis_dash::domain::publisher_contract::{RunRequest, ValidRun};
use mpis_dash::jobs::dispatch::{DispatchReport, Dispatcher, N8nTarget};
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::dispatch::{self, DispatchState};
use mpis_dash::store::projects::Project;
use mpis_dash::store::runs::{self, NewRun, Run};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common;

/// How the stand-in answers.
#[derive(Debug, Clone)]
enum Answer {
    Status(u16, String),
    /// Answers 200 after this long.
    Slow(Duration),
}

/// One request n8n received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Value,
}

#[derive(Clone)]
struct N8n {
    answers: Arc<Mutex<Vec<Answer>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl N8n {
    /// The next answers in order; the last one repeats.
    fn answer(&self, answers: Vec<Answer>) {
        *self.answers.lock().unwrap() = answers;
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn take(
    State(n8n): State<N8n>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    n8n.received.lock().unwrap().push(Received {
        path: uri.path().to_string(),
        headers,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    });
    let answer = {
        let mut answers = n8n.answers.lock().unwrap();
        if answers.len() > 1 {
            answers.remove(0)
        } else {
            answers[0].clone()
        }
    };
    match answer {
        Answer::Status(code, text) => (StatusCode::from_u16(code).unwrap(), text),
        Answer::Slow(pause) => {
            tokio::time::sleep(pause).await;
            (StatusCode::OK, "{\"ok\": true}".into())
        }
    }
}

/// An n8n stand-in on loopback: its webhook base URL and its recorder.
async fn n8n() -> (String, N8n) {
    let state = N8n {
        answers: Arc::new(Mutex::new(vec![Answer::Status(
            200,
            "{\"message\": \"Workflow was started\"}".into(),
        )])),
        received: Arc::new(Mutex::new(Vec::new())),
    };
    let app = Router::new()
        .route("/webhook/publisher/run", post(take))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/webhook/"), state)
}

fn target(url: &str, attempts: u32, timeout: Duration) -> N8nTarget {
    N8nTarget {
        webhook_url: url.to_string(),
        api_key: Some(Secret::new("n8n-key-123")),
        timeout,
        max_attempts: attempts,
    }
}

fn dispatcher(pool: &PgPool, target: &N8nTarget) -> Dispatcher {
    let mut dispatcher = Dispatcher::new(pool.clone(), target).unwrap();
    // Retries due at once, so a test can run the next pass straight away.
    dispatcher.backoff_base = Duration::ZERO;
    dispatcher.backoff_max = Duration::ZERO;
    dispatcher
}

/// The documented run request for this project, validated.
fn valid_run(project: &Project) -> ValidRun {
    let request: RunRequest = serde_json::from_value(json!({
        "project_id": project.id,
        "persona_id": project.persona_id,
        "channels": ["telegram", "instagram"],
        "date_from": "2025-12-15",
        "date_to": "2025-12-16",
        "templates": {"news_prompt_id": "bb0e8400-e29b-41d4-a716-446655440006",
                      "format_telegram_id": "cc0e8400-e29b-41d4-a716-446655440007",
                      "format_instagram_id": "dd0e8400-e29b-41d4-a716-446655440008"},
        "options": {"max_items": 3}
    }))
    .unwrap();
    request.validate(&[]).unwrap()
}

async fn new_run(pool: &PgPool, valid: &ValidRun) -> Run {
    runs::create(pool, &NewRun::from(valid)).await.unwrap()
}

/// A scratch database, a project of persona "Ada" in it, and a stand-in n8n (its URL).
async fn setup() -> (ScratchDb, Project, String, N8n) {
    let db = common::db().await;
    let project = common::persona_with_project(&db.pool, "Ada").await;
    let (url, n8n) = n8n().await;
    (db, project, url, n8n)
}

/// A pass's report with these counts set, the others 0.
fn counts(set: impl FnOnce(&mut DispatchReport)) -> DispatchReport {
    let mut report = DispatchReport::default();
    set(&mut report);
    report
}

async fn run(pool: &PgPool, run_id: Uuid) -> Run {
    runs::get(pool, run_id).await.unwrap().unwrap()
}

/// The run failed (and is over): its error message.
async fn failed_with(pool: &PgPool, run_id: Uuid) -> String {
    let failed = run(pool, run_id).await;
    assert_eq!(failed.status, "failed");
    assert!(failed.completed_at.is_some());
    failed.error_message.expect("the reason")
}

async fn dispatch_of(pool: &PgPool, run_id: Uuid) -> dispatch::RunDispatch {
    dispatch::get(pool, run_id).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_2xx_makes_the_run_running_and_n8n_gets_the_contract_body_and_headers() {
    let (db, project, url, n8n) = setup().await;
    let pool = &db.pool;
    let valid = valid_run(&project);
    let created = new_run(pool, &valid).await;
    let d = dispatcher(pool, &target(&url, 3, Duration::from_secs(2)));

    let report = d.run_once().await.unwrap();
    assert_eq!(report, counts(|r| r.sent = 1));
    let got = n8n.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/webhook/publisher/run");
    let header = |name: &str| {
        got[0]
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(header("x-run-id"), Some(created.run_id.to_string()));
    assert_eq!(header("x-project-id"), Some(project.id.to_string()));
    assert_eq!(header("x-n8n-api-key").as_deref(), Some("n8n-key-123"));
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(got[0].body, valid.n8n_body(created.run_id));
    assert_eq!(
        got[0].body["options"]["include_image"], true,
        "defaults sent"
    );

    assert_eq!(run(pool, created.run_id).await.status, "running");
    let sent = dispatch_of(pool, created.run_id).await;
    assert_eq!(sent.state, DispatchState::Sent);
    assert_eq!((sent.attempts, sent.last_status), (1, Some(200)));
    assert!(sent.sent_at.is_some());

    // Nothing is due any more: the next pass sends nothing.
    assert_eq!(d.run_once().await.unwrap(), DispatchReport::default());
    assert_eq!(n8n.received().len(), 1);

    // Without a key, no key header.
    let keyless = N8nTarget {
        api_key: None,
        ..target(&url, 3, Duration::from_secs(2))
    };
    let second = new_run(pool, &valid).await;
    dispatcher(pool, &keyless).run_once().await.unwrap();
    let got = n8n.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[1].headers.get("x-run-id").unwrap(),
        &second.run_id.to_string()
    );
    assert!(got[1].headers.get("x-n8n-api-key").is_none());
}

#[tokio::test]
async fn a_4xx_fails_the_run_at_once_with_n8ns_answer_trimmed() {
    let (db, project, url, n8n) = setup().await;
    let pool = &db.pool;
    n8n.answer(vec![Answer::Status(
        404,
        "{\"code\":404,\"message\":\"The requested webhook \\\"POST publisher/run\\\" is not registered.\"}"
            .into(),
    )]);
    let created = new_run(pool, &valid_run(&project)).await;
    let d = dispatcher(pool, &target(&url, 5, Duration::from_secs(2)));

    let report = d.run_once().await.unwrap();
    assert_eq!(report, counts(|r| r.failed = 1));
    let error = failed_with(pool, created.run_id).await;
    assert!(
        error.contains("HTTP 404") && error.contains("is not registered"),
        "{error}"
    );
    let row = dispatch_of(pool, created.run_id).await;
    assert_eq!(
        (row.state, row.attempts, row.last_status),
        (DispatchState::Failed, 1, Some(404))
    );
    // Not retried.
    assert_eq!(d.run_once().await.unwrap(), DispatchReport::default());
    assert_eq!(n8n.received().len(), 1);

    // A long answer over several lines is kept as one short line.
    n8n.answer(vec![Answer::Status(
        400,
        format!("bad\n{}", "x".repeat(5000)),
    )]);
    let long = new_run(pool, &valid_run(&project)).await;
    d.run_once().await.unwrap();
    let error = run(pool, long.run_id).await.error_message.unwrap();
    assert!(
        error.starts_with("n8n refused the run (HTTP 400): bad x"),
        "{error}"
    );
    assert!(
        error.chars().count() < 400 && !error.contains('\n'),
        "{error}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_up_to_the_limit_then_the_run_fails_with_the_reason() {
    let (db, project, url, n8n) = setup().await;
    let pool = &db.pool;
    n8n.answer(vec![Answer::Status(503, "maintenance".into())]);
    let created = new_run(pool, &valid_run(&project)).await;
    let d = dispatcher(pool, &target(&url, 3, Duration::from_secs(2)));

    for attempt in 1..=2 {
        let report = d.run_once().await.unwrap();
        assert_eq!(report, counts(|r| r.retrying = 1));
        assert_eq!(run(pool, created.run_id).await.status, "pending");
        let row = dispatch_of(pool, created.run_id).await;
        assert_eq!((row.state, row.attempts), (DispatchState::Queued, attempt));
        assert_eq!(row.last_status, Some(503));
        assert!(row.last_error.unwrap().contains("HTTP 503: maintenance"));
    }
    let report = d.run_once().await.unwrap();
    assert_eq!(report, counts(|r| r.failed = 1));
    let error = failed_with(pool, created.run_id).await;
    assert!(
        error.contains("after 3 tries") && error.contains("HTTP 503"),
        "{error}"
    );
    assert_eq!(n8n.received().len(), 3, "three tries, no more");
    assert_eq!(d.run_once().await.unwrap(), DispatchReport::default());

    // A passing outage: 500 once, then n8n takes it.
    n8n.answer(vec![
        Answer::Status(500, String::new()),
        Answer::Status(200, "{}".into()),
    ]);
    let recovered = new_run(pool, &valid_run(&project)).await;
    assert_eq!(d.run_once().await.unwrap().retrying, 1);
    assert_eq!(d.run_once().await.unwrap().sent, 1);
    assert_eq!(run(pool, recovered.run_id).await.status, "running");
    assert_eq!(dispatch_of(pool, recovered.run_id).await.attempts, 2);
    let bodies: Vec<Value> = n8n.received()[3..].iter().map(|r| r.body.clone()).collect();
    assert_eq!(bodies[0], bodies[1], "the same body each try");
}

#[tokio::test]
async fn a_slow_n8n_times_out_and_a_refused_connection_is_retried() {
    let (db, project, url, n8n) = setup().await;
    let pool = &db.pool;
    n8n.answer(vec![Answer::Slow(Duration::from_secs(5))]);
    let slow = new_run(pool, &valid_run(&project)).await;
    let d = dispatcher(pool, &target(&url, 2, Duration::from_secs(1)));

    let started = Instant::now();
    assert_eq!(d.run_once().await.unwrap().retrying, 1);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let row = dispatch_of(pool, slow.run_id).await;
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("no answer within 1 s"),
        "{row:?}"
    );
    assert_eq!(row.last_status, None);
    assert_eq!(run(pool, slow.run_id).await.status, "pending");
    assert_eq!(d.run_once().await.unwrap().failed, 1);
    let error = run(pool, slow.run_id).await.error_message.unwrap();
    assert!(
        error.contains("after 2 tries") && error.contains("no answer"),
        "{error}"
    );

    // Nothing listens: refused, retried, then failed.
    let closed = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let refused = new_run(pool, &valid_run(&project)).await;
    let d = dispatcher(
        pool,
        &target(
            &format!("http://127.0.0.1:{closed}/webhook"),
            2,
            Duration::from_secs(1),
        ),
    );
    assert_eq!(d.run_once().await.unwrap().retrying, 1);
    let row = dispatch_of(pool, refused.run_id).await;
    let error = row.last_error.unwrap();
    assert!(error.contains("connection failed"), "{error}");
    assert!(
        !error.contains("n8n-key-123"),
        "the key never shows: {error}"
    );
    assert_eq!(d.run_once().await.unwrap().failed, 1);
    assert_eq!(run(pool, refused.run_id).await.status, "failed");
}

#[tokio::test]
async fn a_run_no_longer_pending_or_not_a_contract_request_is_not_sent() {
    let (db, project, url, n8n) = setup().await;
    let pool = &db.pool;
    let d = dispatcher(pool, &target(&url, 3, Duration::from_secs(2)));

    // Completed (by hand, or by n8n started elsewhere) before its dispatch came up.
    let done = new_run(pool, &valid_run(&project)).await;
    sqlx::query("UPDATE dashboard_runs SET status = 'success' WHERE run_id = $1")
        .bind(done.run_id)
        .execute(pool)
        .await
        .unwrap();
    // A run written without templates (as the old API did): not a contract v1 request.
    let old = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();

    let report = d.run_once().await.unwrap();
    assert_eq!(
        report,
        counts(|r| {
            r.cancelled = 1;
            r.failed = 1
        })
    );
    assert!(n8n.received().is_empty());
    assert_eq!(
        dispatch_of(pool, done.run_id).await.state,
        DispatchState::Cancelled
    );
    assert_eq!(run(pool, done.run_id).await.status, "success");
    let error = failed_with(pool, old.run_id).await;
    assert!(
        error.contains("not a contract v1 request") && error.contains("templates"),
        "{error}"
    );
}

#[tokio::test]
async fn two_dispatchers_on_one_database_send_each_due_run_exactly_once() {
    let (db, project, url, n8n) = setup().await;
    let pool = &db.pool;
    // A little slow, so both are sending at the same time.
    n8n.answer(vec![Answer::Slow(Duration::from_millis(20))]);
    let valid = valid_run(&project);
    let mut created = Vec::new();
    for _ in 0..30 {
        created.push(new_run(pool, &valid).await.run_id);
    }
    // Two processes: two pools, two dispatchers, small batches.
    let other_pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(db.options.clone())
        .await
        .unwrap();
    let mut first = dispatcher(pool, &target(&url, 3, Duration::from_secs(5)));
    let mut second = dispatcher(&other_pool, &target(&url, 3, Duration::from_secs(5)));
    first.batch = 4;
    second.batch = 4;
    let drain = |d: Dispatcher| async move {
        let mut sent = 0;
        for _ in 0..50 {
            let report = d.run_once().await.unwrap();
            sent += report.sent;
            assert_eq!(report.retrying + report.failed + report.cancelled, 0);
            if report == DispatchReport::default() {
                break;
            }
        }
        sent
    };
    // A claimed batch stays ours while all of its sends could time out one after the other.
    assert_eq!(first.lease(), Duration::from_secs(5 * 4 + 60));
    let (a, b) = tokio::join!(drain(first), drain(second));
    assert_eq!(a + b, 30, "{a} + {b}");
    assert!(a > 0 && b > 0, "both took a share: {a} + {b}");
    let mut got: Vec<Uuid> = n8n
        .received()
        .iter()
        .map(|r| Uuid::parse_str(r.body["run_id"].as_str().unwrap()).unwrap())
        .collect();
    got.sort();
    created.sort();
    assert_eq!(got, created, "each run sent exactly once");
    let running: i64 =
        sqlx::query_scalar("SELECT count(*) FROM dashboard_runs WHERE status = 'running'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(running, 30);
}

#[tokio::test]
async fn the_runner_dispatches_until_stopped_and_not_without_a_webhook_url() {
    let (db, project, url, n8n) = setup().await;
    let pool = &db.pool;

    let config = crate::api_common::config();
    assert!(config.n8n_webhook_url.is_none());
    let jobs = mpis_dash::jobs::runner::start_serve_jobs(
        &config,
        pool,
        None,
        mpis_dash::ingest::no_fetchers(),
    )
    .unwrap();
    assert_eq!(
        jobs.names(),
        ["red flag evaluator", "ingestion scheduler"],
        "no n8n_webhook_url: no dispatcher"
    );
    assert!(jobs.stop(Duration::from_secs(5)).await.is_empty());

    let mut config = crate::api_common::config();
    config.n8n_webhook_url = Some(url.trim_end_matches('/').to_string());
    let mut jobs = mpis_dash::jobs::runner::Runner::new();
    mpis_dash::jobs::runner::start_writer_jobs(
        &mut jobs,
        &config,
        pool,
        None,
        mpis_dash::ingest::no_fetchers(),
    )
    .unwrap();
    assert_eq!(jobs.names(), ["n8n dispatcher", "ingestion scheduler"]);
    let created = new_run(pool, &valid_run(&project)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while run(pool, created.run_id).await.status != "running" {
        assert!(Instant::now() < deadline, "the run was never sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let aborted = jobs.stop(Duration::from_secs(5)).await;
    assert!(aborted.is_empty(), "stops when told: {aborted:?}");
    assert_eq!(n8n.received().len(), 1);
}

#[tokio::test]
async fn a_stop_mid_pass_finishes_the_send_in_flight_and_releases_the_rest() {
    let (db, project, url, n8n) = setup().await;
    let pool = &db.pool;
    let mut config = crate::api_common::config();
    config.n8n_webhook_url = Some(url.trim_end_matches('/').to_string());
    let mut created = Vec::new();
    for _ in 0..3 {
        created.push(new_run(pool, &valid_run(&project)).await.run_id);
    }
    let dispatcher = mpis_dash::jobs::dispatch::Dispatcher::from_config(pool.clone(), &config)
        .unwrap()
        .expect("a dispatcher");
    // A stop already asked for: the pass claims the batch, sends nothing and gives it back.
    let stop = mpis_dash::jobs::runner::Stop::already();
    assert!(stop.requested());
    let report = dispatcher.pass(&stop).await.unwrap();
    assert_eq!((report.sent, report.released), (0, 3), "{report:?}");
    assert!(n8n.received().is_empty());
    // Given back at once, without the claim counting as a try.
    let claimable: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM run_dispatches WHERE state = 'queued' AND locked_until IS NULL AND attempts = 0",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(claimable, 3);
    let report = dispatcher.run_once().await.unwrap();
    assert_eq!(report.sent, 3, "{report:?}");
    assert_eq!(n8n.received().len(), 3);
}

#[tokio::test]
async fn a_claimed_dispatch_is_held_for_its_lease_and_claimable_again_after_it() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let created = new_run(pool, &valid_run(&project)).await;
    let lease = Duration::from_millis(800);

    let claimed = dispatch::claim_due(pool, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].run_id, claimed[0].attempts),
        (created.run_id, 1)
    );
    assert_eq!(claimed[0].run_status, "pending");
    assert!(
        dispatch::claim_due(pool, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "held by its claimer"
    );
    // Its claimer died: once the lease ran out, another takes it (a second attempt).
    tokio::time::sleep(lease + Duration::from_millis(300)).await;
    let again = dispatch::claim_due(pool, lease, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    // Marked sent by the new claimer; the old one's late mark is a conflict, not a change.
    dispatch::mark_sent(pool, created.run_id, 202)
        .await
        .unwrap();
    let late = dispatch::mark_failed(pool, created.run_id, "late", None).await;
    assert!(
        matches!(late, Err(mpis_dash::store::StoreError::Conflict(_))),
        "{late:?}"
    );
    assert_eq!(run(pool, created.run_id).await.status, "running");
    assert_eq!(dispatch::queued_count(pool).await.unwrap(), 0);
}

/// n8n took a run although its answer never came (every try timed out): the dispatcher gave
/// up and failed the run, and n8n's callback still records what it published.
#[tokio::test]
async fn n8ns_callback_for_a_run_the_dispatcher_gave_up_on_is_recorded() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let (url, n8n) = n8n().await;
    n8n.answer(vec![Answer::Status(503, "busy".into())]);
    let created = new_run(pool, &valid_run(&project)).await;
    let d = dispatcher(pool, &target(&url, 1, Duration::from_secs(2)));
    d.run_once().await.unwrap();
    let given_up = run(pool, created.run_id).await;
    assert_eq!(given_up.status, "failed");
    assert!(given_up.n8n_execution_ref.is_none());

    let callback = |execution: &str| {
        let request: mpis_dash::domain::publisher_contract::CompletionRequest =
            serde_json::from_value(json!({
                "run_id": created.run_id, "status": "success",
                "project_id": project.id, "persona_id": project.persona_id,
                "n8n_execution_id": execution,
                "published_items": [{"draft_id": Uuid::new_v4(), "channel": "telegram",
                                     "channel_item_id": "42", "status": "success"}]
            }))
            .unwrap();
        runs::Completion::from(&request.validate(created.run_id).unwrap())
    };
    let outcome = runs::complete(pool, created.run_id, &callback("4711"))
        .await
        .unwrap();
    assert!(!outcome.replayed);
    assert_eq!(outcome.run.status, "success");
    assert_eq!(outcome.run.error_message, None);
    assert_eq!(runs::items(pool, created.run_id).await.unwrap().len(), 1);
    // From now on it is completed by n8n: the same execution is a replay, another a conflict.
    let again = runs::complete(pool, created.run_id, &callback("4711"))
        .await
        .unwrap();
    assert!(again.replayed);
    let other = runs::complete(pool, created.run_id, &callback("4712")).await;
    assert!(
        matches!(other, Err(mpis_dash::store::StoreError::Conflict(_))),
        "{other:?}"
    );
}
