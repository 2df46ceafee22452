//! `POST /api/publisher/publish/record` over real HTTP, against a real PostgreSQL and the MPIS
//! sandbox (sharing the database and ignoring idempotency keys, as the real MPIS does): recorded
//! (200), queued (202) while MPIS is down, failing, slow or losing connections and answers,
//! then delivered by the forwarder exactly once; the Idempotency-Key; MPIS's 4xx passed on;
//! bad inputs (nothing written); who may call it.

use std::time::{Duration, Instant};

use mpis_dash::api::ApiLimits;
use mpis_dash::domain::auth::Role;
use mpis_dash::jobs::outbox::Forwarder;
use mpis_dash::mpis::sandbox::{self, SandboxFaults, SandboxHandle};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::store::outbox::{self, OutboxState, PublishRecord};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::api_common::{self, Running, assert_detail, call, http, locs, start_configured};
use crate::common;

const ROUTE: &str = "/api/publisher/publish/record";

/// The sandbox on the test's database, as the real MPIS behaves (no idempotency keys).
async fn mpis(pool: &PgPool) -> SandboxHandle {
    sandbox::start_with_database(
        "127.0.0.1:0".parse().unwrap(),
        SandboxFaults {
            ignore_idempotency_keys: true,
            ..SandboxFaults::none()
        },
        pool.clone(),
    )
    .await
    .unwrap()
}

fn client(url: &str, timeout: Duration) -> MpisClient {
    let mut config = MpisConfig::new(url);
    config.request_timeout = timeout;
    config.connect_timeout = Duration::from_millis(500);
    MpisClient::new(config).unwrap()
}

/// The API with MPIS at `url` and a forwarding budget of `budget_ms`.
async fn api(pool: &PgPool, mpis: Option<MpisClient>, budget_ms: u64) -> Running {
    let mut config = api_common::config();
    config.publish_forward_budget_ms = budget_ms;
    start_configured(pool.clone(), mpis, ApiLimits::default(), config).await
}

/// Another API on the same database, with an admin token named `name` (`api` names its token
/// `tests-admin`, which can exist once).
async fn another(pool: &PgPool, mpis: Option<MpisClient>, name: &str) -> Running {
    let mut api = api_common::start_with_config(
        pool.clone(),
        mpis,
        ApiLimits::default(),
        true,
        api_common::config(),
    )
    .await;
    api.token = Some(api_common::token(pool, name, Role::Admin).await);
    api
}

async fn draft(pool: &PgPool) -> Uuid {
    let persona = common::persona(pool, "Publisher").await;
    common::draft(pool, persona, "telegram").await
}

fn body(draft: Uuid, item: &str) -> Value {
    json!({"draft_id": draft, "channel": "telegram", "channel_item_id": item,
           "channel_url": format!("https://t.me/demo/{item}")})
}

/// How many publish records MPIS was sent (retries and replays count).
fn records_sent(sandbox: &SandboxHandle) -> usize {
    sandbox.request_count("POST", "/publisher/publish/record")
}

/// MPIS was sent the record once and holds one item for the draft.
async fn delivered_once(sandbox: &SandboxHandle, pool: &PgPool, draft: Uuid) {
    assert_eq!(records_sent(sandbox), 1, "sent once");
    assert_eq!(items_in_mpis(pool, draft).await, 1, "one item in MPIS");
}

async fn items_in_mpis(pool: &PgPool, draft: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM published_items WHERE draft_id = $1")
        .bind(draft)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn record(pool: &PgPool, id: &Value) -> PublishRecord {
    let id = Uuid::parse_str(id.as_str().expect("a record id")).unwrap();
    outbox::get(pool, id).await.unwrap().expect("the record")
}

fn forwarder(pool: &PgPool, client: &MpisClient) -> Forwarder<MpisClient> {
    let mut forwarder = Forwarder::new(pool.clone(), client.clone());
    forwarder.backoff_base = Duration::ZERO;
    forwarder.backoff_max = Duration::ZERO;
    forwarder
}

#[tokio::test]
async fn an_accepted_publish_is_recorded_with_mpis_item_and_only_the_four_fields_leave() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = mpis(pool).await;
    let api = api(
        pool,
        Some(client(&sandbox.url(), Duration::from_secs(5))),
        2000,
    )
    .await;
    let draft = draft(pool).await;
    let project = common::persona_with_project(pool, "Local").await;
    let run = Uuid::new_v4();
    let mut sent = body(draft, "501");
    sent["run_id"] = json!(run);
    sent["project_id"] = json!(project.id);
    sent["persona_id"] = json!(project.persona_id);
    sent["published_at"] = json!("2026-01-02T10:00:00Z");

    let (status, answer) = call(api.http().post(api.url(ROUTE)).json(&sent)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "recorded");
    let item = answer["published_item_id"].as_str().unwrap().to_string();
    let in_mpis: Uuid = sqlx::query_scalar("SELECT id FROM published_items WHERE draft_id = $1")
        .bind(draft)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(in_mpis.to_string(), item);
    // MPIS got exactly its four fields; the local ones stayed in the record.
    let published = sandbox.published();
    assert_eq!(published.len(), 1);
    let mut keys: Vec<_> = published[0].request.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["channel", "channel_item_id", "channel_url", "draft_id"]
    );
    let stored = record(pool, &answer["record_id"]).await;
    assert_eq!(stored.state, OutboxState::Forwarded);
    assert_eq!(stored.run_id, Some(run));
    assert_eq!(stored.project_id, Some(project.id));
    assert_eq!(stored.persona_id, Some(project.persona_id));
    assert_eq!(
        stored.published_at.to_rfc3339(),
        "2026-01-02T10:00:00+00:00"
    );
    assert_eq!(stored.created_by.as_deref(), Some("tests-admin"));

    // The same publication again: the first outcome, nothing sent.
    let (status, again) = call(api.http().post(api.url(ROUTE)).json(&sent)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, answer);
    delivered_once(&sandbox, pool, draft).await;
}

/// MPIS down, failing with 5xx, dropping connections, dropping its answers (after recording
/// the item) or slower than the budget: 202 queued, the record kept; the forwarder then
/// delivers it, and MPIS holds exactly one item for it.
#[tokio::test]
async fn mpis_unavailable_queues_the_record_and_the_forwarder_delivers_it_once() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = mpis(pool).await;
    let good = client(&sandbox.url(), Duration::from_secs(5));
    let closed = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", probe.local_addr().unwrap())
    };
    let down_api = api(pool, Some(client(&closed, Duration::from_secs(1))), 2000).await;
    let fast_api = another(
        pool,
        Some(client(&sandbox.url(), Duration::from_secs(1))),
        "fast",
    )
    .await;
    let faults = |f: SandboxFaults| SandboxFaults {
        ignore_idempotency_keys: true,
        ..f
    };
    let cases: Vec<(&str, &Running, SandboxFaults)> = vec![
        ("down", &down_api, faults(SandboxFaults::none())),
        (
            "5xx",
            &fast_api,
            faults(SandboxFaults {
                force_5xx: true,
                ..SandboxFaults::none()
            }),
        ),
        (
            "dropped connections",
            &fast_api,
            faults(SandboxFaults {
                drop_connections: true,
                ..SandboxFaults::none()
            }),
        ),
        (
            "dropped responses",
            &fast_api,
            faults(SandboxFaults {
                drop_responses: true,
                ..SandboxFaults::none()
            }),
        ),
        (
            "timeout",
            &fast_api,
            faults(SandboxFaults {
                latency: Duration::from_millis(1500),
                ..SandboxFaults::none()
            }),
        ),
    ];
    for (case, api, fault) in cases {
        let draft = draft(pool).await;
        sandbox.set_faults(fault);
        let (status, answer) = call(api.http().post(api.url(ROUTE)).json(&body(draft, "7"))).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{case}: {answer}");
        assert_eq!(answer["status"], "queued", "{case}");
        assert!(
            answer["detail"].as_str().unwrap().starts_with("queued"),
            "{case}: {answer}"
        );
        let queued = record(pool, &answer["record_id"]).await;
        assert_eq!(queued.state, OutboxState::Queued, "{case}");
        assert!(queued.last_error.is_some(), "{case}: the reason is kept");

        sandbox.set_faults(faults(SandboxFaults::none()));
        // The slow send may still be arriving; the forwarder finds the item instead of
        // sending again.
        tokio::time::sleep(Duration::from_millis(if case == "timeout" {
            600
        } else {
            0
        }))
        .await;
        forwarder(pool, &good).forward_one(queued.id).await.unwrap();
        let delivered = outbox::get(pool, queued.id).await.unwrap().unwrap();
        assert_eq!(delivered.state, OutboxState::Forwarded, "{case}");
        assert_eq!(
            items_in_mpis(pool, draft).await,
            1,
            "{case}: exactly one item"
        );
        let (status, again) = call(api.http().post(api.url(ROUTE)).json(&body(draft, "7"))).await;
        // Asked again: the record as it is now (forwarded), nothing sent.
        assert_eq!(status, StatusCode::OK, "{case}: {again}");
        assert_eq!(again["status"], "recorded", "{case}: {again}");
        assert_eq!(
            again["published_item_id"],
            json!(delivered.mpis_published_item_id),
            "{case}"
        );
        assert_eq!(items_in_mpis(pool, draft).await, 1, "{case}");
    }
}

/// A send slower than the budget is answered 202 at once, and goes on: when MPIS answers, the
/// record is marked forwarded by that send, and nothing is sent twice.
#[tokio::test]
async fn a_slow_mpis_answers_queued_within_the_budget_and_the_send_completes_later() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = mpis(pool).await;
    sandbox.set_faults(SandboxFaults {
        latency: Duration::from_millis(2000),
        ignore_idempotency_keys: true,
        ..SandboxFaults::none()
    });
    let api = api(
        pool,
        Some(client(&sandbox.url(), Duration::from_secs(10))),
        300,
    )
    .await;
    let draft = draft(pool).await;
    let started = Instant::now();
    let (status, answer) = call(api.http().post(api.url(ROUTE)).json(&body(draft, "9"))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert!(
        started.elapsed() < Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    let id = Uuid::parse_str(answer["record_id"].as_str().unwrap()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = outbox::get(pool, id).await.unwrap().unwrap();
        if now.state == OutboxState::Forwarded {
            break;
        }
        assert!(Instant::now() < deadline, "never forwarded: {now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The background forwarder has nothing left to do for it.
    let good = client(&sandbox.url(), Duration::from_secs(5));
    assert_eq!(
        forwarder(pool, &good).run_once().await.unwrap(),
        Default::default()
    );
    delivered_once(&sandbox, pool, draft).await;
}

#[tokio::test]
async fn the_idempotency_key_returns_the_first_outcome_and_one_publication_is_one_record() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = mpis(pool).await;
    let api = api(
        pool,
        Some(client(&sandbox.url(), Duration::from_secs(5))),
        2000,
    )
    .await;
    let draft = draft(pool).await;
    let send = |key: &str, body: Value| {
        call(
            api.http()
                .post(api.url(ROUTE))
                .header("Idempotency-Key", key)
                .json(&body),
        )
    };
    let (status, first) = send("n8n-exec-1", body(draft, "1")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, replay) = send("n8n-exec-1", body(draft, "1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replay, first);
    // The same key for another publication: refused, naming the first.
    let (status, reused) = send("n8n-exec-1", body(draft, "2")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{reused}");
    assert!(
        reused["detail"]
            .as_str()
            .unwrap()
            .contains("was used for another publish"),
        "{reused}"
    );
    // Another key for the same publication: still the one record and item.
    let (status, other_key) = send("n8n-exec-2", body(draft, "1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(other_key, first);
    assert_eq!(items_in_mpis(pool, draft).await, 1);
    assert_eq!(common::count(pool, "publish_records").await, 1);
    assert_eq!(records_sent(&sandbox), 1);

    // Concurrent requests for one new publication under different keys: one record, one item.
    let requests: Vec<_> = (0..6)
        .map(|i| send_owned(&api, format!("race-{i}"), body(draft, "race")))
        .collect();
    let answers = futures_util::future::join_all(requests).await;
    let items: std::collections::HashSet<String> = answers
        .iter()
        .map(|(status, answer)| {
            assert!(
                *status == StatusCode::OK || *status == StatusCode::ACCEPTED,
                "{status} {answer}"
            );
            answer["record_id"].to_string()
        })
        .collect();
    assert_eq!(items.len(), 1, "one record: {answers:?}");
    assert_eq!(common::count(pool, "publish_records").await, 2);
    assert_eq!(
        items_in_mpis(pool, draft).await,
        2,
        "one item per publication"
    );

    // A bad key is named.
    for bad in ["", &"k".repeat(201)] {
        let (status, answer) = send(bad, body(draft, "3")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(locs(&answer), vec![json!(["header", "idempotency-key"])]);
    }
    assert_eq!(common::count(pool, "publish_records").await, 2);
}

async fn send_owned(api: &Running, key: String, body: Value) -> (StatusCode, Value) {
    call(
        api.http()
            .post(api.url(ROUTE))
            .header("Idempotency-Key", key)
            .json(&body),
    )
    .await
}

/// MPIS refusing the record (unknown draft: 400): the same status with MPIS's detail, the
/// record failed and not retried; asked again, the same answer without a second send.
#[tokio::test]
async fn mpis_refusal_is_passed_on_and_the_record_fails_without_retries() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = mpis(pool).await;
    let api = api(
        pool,
        Some(client(&sandbox.url(), Duration::from_secs(5))),
        2000,
    )
    .await;
    let unknown = Uuid::new_v4();
    let (status, answer) = call(api.http().post(api.url(ROUTE)).json(&body(unknown, "4"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["detail"], format!("Draft {unknown} not found"));
    assert_eq!(answer["status"], "failed");
    let failed = record(pool, &answer["record_id"]).await;
    assert_eq!(failed.state, OutboxState::Failed);
    let (status, again) = call(api.http().post(api.url(ROUTE)).json(&body(unknown, "4"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again, answer);
    let good = client(&sandbox.url(), Duration::from_secs(5));
    assert_eq!(
        forwarder(pool, &good).run_once().await.unwrap(),
        Default::default()
    );
    assert_eq!(records_sent(&sandbox), 1);
}

/// Bad input is a 4xx with a detail naming the field, and nothing is written.
#[tokio::test]
async fn bad_inputs_are_named_and_nothing_is_written() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = api(pool, None, 2000).await;
    let draft = Uuid::new_v4();
    let ok = body(draft, "1");
    let with = |field: &str, value: Value| {
        let mut b = ok.clone();
        b[field] = value;
        b
    };
    let without = |field: &str| {
        let mut b = ok.clone();
        b.as_object_mut().unwrap().remove(field);
        b
    };
    let cases: Vec<(&str, Value, Vec<Value>)> = vec![
        ("not an object", json!([1]), vec![json!(["body"])]),
        (
            "item id a number",
            with("channel_item_id", json!(42)),
            vec![json!(["body", "channel_item_id"])],
        ),
        (
            "draft missing",
            without("draft_id"),
            vec![json!(["body", "draft_id"])],
        ),
        (
            "draft not a UUID",
            with("draft_id", json!("draft-1")),
            vec![json!(["body", "draft_id"])],
        ),
        (
            "unknown channel",
            with("channel", json!("myspace")),
            vec![json!(["body", "channel"])],
        ),
        (
            "bad url",
            with("channel_url", json!("t.me/x")),
            vec![json!(["body", "channel_url"])],
        ),
        (
            "future time",
            with("published_at", json!("2999-01-01")),
            vec![json!(["body", "published_at"])],
        ),
        (
            "run id a number",
            with("run_id", json!(7)),
            vec![json!(["body", "run_id"])],
        ),
        (
            "unknown project",
            with("project_id", json!(Uuid::new_v4())),
            vec![json!(["body", "project_id"])],
        ),
        (
            "everything missing",
            json!({}),
            vec![
                json!(["body", "draft_id"]),
                json!(["body", "channel"]),
                json!(["body", "channel_item_id"]),
            ],
        ),
    ];
    for (case, sent, expected) in cases {
        let (status, answer) = call(api.http().post(api.url(ROUTE)).json(&sent)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {answer}");
        assert_eq!(locs(&answer), expected, "{case}");
    }
    let raw = |text: &'static str, content_type: Option<&str>| {
        let request = api.http().post(api.url(ROUTE)).body(text);
        match content_type {
            Some(value) => request.header("content-type", value),
            None => request,
        }
    };
    let (status, answer) = call(raw("{\"draft_id\": ", Some("application/json"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_detail(status, &answer, "malformed JSON");
    let (status, answer) = call(raw("{}", None)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    assert_detail(status, &answer, "no content type");
    assert_eq!(common::count(pool, "publish_records").await, 0);
}

/// Writing a publish record needs an editor.
#[tokio::test]
async fn who_may_record_a_publish() {
    let db = common::db().await;
    let pool = &db.pool;
    let secrets = api_common::role_tokens(pool).await;
    // No MPIS configured: an accepted record is queued (202).
    let api = api_common::start_with(pool.clone(), None, ApiLimits::default(), true).await;
    let callers = [
        ("no token", None, 401),
        ("viewer", Some("viewer"), 403),
        ("expired", Some("expired"), 401),
        ("revoked", Some("revoked"), 401),
        ("editor", Some("editor"), 202),
        ("admin", Some("admin"), 202),
    ];
    for (case, token, expected) in callers {
        let mut request = http()
            .post(api.url(ROUTE))
            .json(&body(Uuid::new_v4(), case));
        if let Some(name) = token {
            request = request.bearer_auth(&secrets[name]);
        }
        let (status, answer) = call(request).await;
        assert_eq!(status.as_u16(), expected, "{case}: {answer}");
        assert!(answer["detail"].is_string(), "{case}: {answer}");
        if expected == 202 {
            let stored = record(pool, &answer["record_id"]).await;
            assert_eq!(stored.created_by.as_deref(), Some(case), "{case}");
            assert!(
                answer["detail"]
                    .as_str()
                    .unwrap()
                    .contains("no MPIS configured"),
                "{answer}"
            );
        }
    }
    assert_eq!(common::count(pool, "publish_records").await, 2);
}
