//! The genesis proxy over real HTTP: start, status, edits, confirm and export through the MPIS
//! sandbox; every start field reaching MPIS; MPIS's refusals kept; MPIS unreachable or failing
//! (502), too slow (504), not configured (503); the audit entries with the caller's name; bad
//! inputs; who may call what.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::routing::post;
use mpis_dash::api::ApiLimits;
use mpis_dash::domain::auth::Role;
use mpis_dash::mpis::sandbox::{self, SandboxFaults, SandboxHandle};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::api_common::{self, Running, assert_detail, call, http, locs, start};
use crate::common;

fn client(url: &str) -> MpisClient {
    let mut config = MpisConfig::new(url);
    config.request_timeout = Duration::from_millis(400);
    config.genesis_timeout = Duration::from_millis(400);
    config.connect_timeout = Duration::from_millis(400);
    config.max_retries = 0;
    MpisClient::new(config).unwrap()
}

async fn sandbox_api(pool: &PgPool) -> (SandboxHandle, Running) {
    let sandbox = sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxFaults::none())
        .await
        .unwrap();
    let api = start(
        pool.clone(),
        Some(client(&sandbox.url())),
        ApiLimits::default(),
    )
    .await;
    (sandbox, api)
}

/// Another API on the same database, with an admin token of its own (`start` names its token
/// `tests-admin`, which can exist once).
async fn another(
    pool: &PgPool,
    mpis: Option<MpisClient>,
    limits: ApiLimits,
    name: &str,
) -> Running {
    let mut api =
        api_common::start_with_config(pool.clone(), mpis, limits, true, api_common::config()).await;
    api.token = Some(api_common::token(pool, name, Role::Admin).await);
    api
}

/// How many audit entries are about genesis jobs (token creation is audited too).
async fn genesis_audits(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE entity_type = 'genesis_job'")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// `(event_type, operator)` of the audit entries about a job, oldest first.
async fn audit(pool: &PgPool, job: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT event_type, details->>'operator' FROM audit_log WHERE entity_id = $1
         ORDER BY created_at, id",
    )
    .bind(Uuid::parse_str(job).unwrap())
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn start_status_edit_confirm_and_export_through_mpis_with_audit_entries() {
    let db = common::db().await;
    let pool = &db.pool;
    let (_sandbox, api) = sandbox_api(pool).await;
    let editor = api_common::token(pool, "n8n-genesis", Role::Editor).await;
    let post_as =
        |path: &str, body: Value| call(http().post(api.url(path)).bearer_auth(&editor).json(&body));

    let (status, started) = post_as(
        "/api/genesis/start",
        json!({"persona_name": "Tim Keller", "sources": ["https://example.com/talk"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["status"], "awaiting_approval");
    assert_eq!(started["draft_no"], 1);
    assert_eq!(started["preview"]["slug"], "tim-keller");
    let job = started["job_id"].as_str().unwrap().to_string();

    let (status, state) = call(
        api.http()
            .get(api.url(&format!("/api/genesis/status/{job}"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["progress"]["percent"], 80);
    assert_eq!(state["progress"]["stage"], "awaiting_approval");

    let (status, edited) = post_as(
        "/api/genesis/approve",
        json!({"job_id": job, "draft_no": 1, "edits": [
            {"path": "credo.summary", "op": "replace", "value": "Faith at work"}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["draft_no"], 2);

    // A stale draft number: MPIS's 400 and its detail, as MPIS said it.
    let (status, stale) = post_as(
        "/api/genesis/approve",
        json!({"job_id": job, "draft_no": 1, "confirm": true}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{stale}");
    assert_eq!(stale["detail"], "Draft number mismatch: expected 2, got 1");

    let (status, committed) = post_as(
        "/api/genesis/approve",
        json!({"job_id": job, "draft_no": 2, "confirm": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{committed}");
    assert_eq!(committed["status"], "committed");
    assert_eq!(committed["version"], "1.0");
    let persona = committed["persona_id"].as_str().unwrap();

    let (status, export) = call(
        api.http()
            .get(api.url(&format!("/api/genesis/export/{persona}"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["slug"], "tim-keller");
    assert!(export["files"]["core"].as_str().unwrap().ends_with("/core"));

    assert_eq!(
        audit(pool, &job).await,
        vec![
            ("genesis_started".into(), "n8n-genesis".into()),
            ("genesis_draft_edited".into(), "n8n-genesis".into()),
            ("genesis_approved".into(), "n8n-genesis".into()),
        ]
    );

    // MPIS's 404s pass through.
    let unknown = Uuid::new_v4();
    let (status, answer) = call(
        api.http()
            .get(api.url(&format!("/api/genesis/status/{unknown}"))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(answer["detail"], format!("Job not found: {unknown}"));
    let (status, answer) = call(
        api.http()
            .get(api.url(&format!("/api/genesis/export/{unknown}"))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(answer["detail"], "Persona not found");
}

/// Every one of the eight start fields reaches MPIS (the old proxy dropped four), as MPIS's
/// `GenesisStartRequest`: sources as `{type, ref, metadata}`.
#[tokio::test]
async fn all_eight_start_fields_reach_mpis() {
    let db = common::db().await;
    let pool = &db.pool;
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let capture = {
        let seen = Arc::clone(&seen);
        axum::Router::new().route(
            "/genesis/start",
            post(move |Json(body): Json<Value>| {
                let seen = Arc::clone(&seen);
                async move {
                    seen.lock().unwrap().push(body);
                    Json(
                        json!({"job_id": Uuid::new_v4(), "status": "awaiting_approval",
                                "draft_no": 1, "human_prompt": null, "preview": null}),
                    )
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, capture).await });
    let api = start(pool.clone(), Some(client(&url)), ApiLimits::default()).await;
    let (status, answer) = call(api.http().post(api.url("/api/genesis/start")).json(&json!({
        "persona_name": "Ada", "language": "de", "inspiration_source": "Lovelace",
        "public_persona": true, "public_name": "Ada Lovelace",
        "gdrive_folder_id": "https://drive.google.com/drive/folders/abcdefghijk123?usp=x",
        "notes": "first try",
        "sources": ["https://youtu.be/dQw4w9WgXcQ", {"type": "text", "ref": "Hello"}]
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let sent = seen.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0],
        json!({
            "persona_name": "Ada", "language": "de", "inspiration_source": "Lovelace",
            "public_persona": true, "public_name": "Ada Lovelace",
            "gdrive_folder_id": "abcdefghijk123", "notes": "first try",
            "sources": [
                {"type": "youtube", "ref": "https://youtu.be/dQw4w9WgXcQ", "metadata": {}},
                {"type": "text", "ref": "Hello", "metadata": {}}
            ]
        })
    );
}

/// MPIS unreachable or failing: 502; no answer in time: 504; each names MPIS's URL. No MPIS
/// configured: 503 saying so. Nothing is audited for a call MPIS did not accept.
#[tokio::test]
async fn mpis_down_failing_slow_or_missing() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxFaults::none())
        .await
        .unwrap();
    let closed = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", probe.local_addr().unwrap())
    };
    let job = Uuid::new_v4();
    let calls = |api: &Running| {
        vec![
            (
                "start",
                api.http()
                    .post(api.url("/api/genesis/start"))
                    .json(&json!({"persona_name": "Ada"})),
            ),
            (
                "status",
                api.http()
                    .get(api.url(&format!("/api/genesis/status/{job}"))),
            ),
            (
                "approve",
                api.http()
                    .post(api.url("/api/genesis/approve"))
                    .json(&json!({"job_id": job, "draft_no": 1, "confirm": true})),
            ),
            (
                "export",
                api.http()
                    .get(api.url(&format!("/api/genesis/export/{job}"))),
            ),
        ]
    };
    let down = another(pool, Some(client(&closed)), ApiLimits::default(), "down").await;
    for (route, request) in calls(&down) {
        let (status, answer) = call(request).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "down {route}: {answer}");
        let detail = answer["detail"].as_str().unwrap();
        assert!(
            detail.contains(&closed) && detail.contains("unreachable"),
            "{detail}"
        );
    }
    let api = start(
        pool.clone(),
        Some(client(&sandbox.url())),
        ApiLimits::default(),
    )
    .await;
    sandbox.set_faults(SandboxFaults {
        force_5xx: true,
        ..SandboxFaults::none()
    });
    for (route, request) in calls(&api) {
        let (status, answer) = call(request).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "5xx {route}: {answer}");
        let detail = answer["detail"].as_str().unwrap();
        assert!(
            detail.contains(&sandbox.url()) && detail.contains("503"),
            "{detail}"
        );
    }
    sandbox.set_faults(SandboxFaults {
        latency: Duration::from_millis(1500),
        ..SandboxFaults::none()
    });
    for (route, request) in calls(&api) {
        let (status, answer) = call(request).await;
        assert_eq!(
            status,
            StatusCode::GATEWAY_TIMEOUT,
            "slow {route}: {answer}"
        );
        let detail = answer["detail"].as_str().unwrap();
        assert!(
            detail.contains(&sandbox.url()) && detail.contains("no answer"),
            "{detail}"
        );
    }
    // Slower than the API's own limit (the client is patient): still this route's 504.
    let patient = {
        let mut config = MpisConfig::new(sandbox.url());
        config.max_retries = 0;
        MpisClient::new(config).unwrap()
    };
    let limits = ApiLimits {
        request_timeout: Duration::from_millis(1000),
        ..ApiLimits::default()
    };
    let bounded = another(pool, Some(patient), limits, "bounded").await;
    let (status, answer) = call(
        bounded
            .http()
            .get(bounded.url(&format!("/api/genesis/status/{job}"))),
    )
    .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{answer}");

    let missing = another(pool, None, ApiLimits::default(), "missing").await;
    for (route, request) in calls(&missing) {
        let (status, answer) = call(request).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{route}: {answer}");
        assert!(
            answer["detail"]
                .as_str()
                .unwrap()
                .contains("MPIS is not configured"),
            "{answer}"
        );
    }
    assert_eq!(genesis_audits(pool).await, 0);
}

#[tokio::test]
async fn bad_inputs_are_named_before_mpis_is_called() {
    let db = common::db().await;
    let pool = &db.pool;
    let (sandbox, api) = sandbox_api(pool).await;
    let job = Uuid::new_v4();
    let cases: Vec<(&str, &str, Value, Vec<Value>)> = vec![
        (
            "start: not an object",
            "/api/genesis/start",
            json!([]),
            vec![json!(["body"])],
        ),
        (
            "start: no name",
            "/api/genesis/start",
            json!({"language": "en"}),
            vec![json!(["body", "persona_name"])],
        ),
        (
            "start: wrong types",
            "/api/genesis/start",
            json!({"persona_name": 5, "public_persona": "yes", "sources": "a"}),
            vec![
                json!(["body", "persona_name"]),
                json!(["body", "public_persona"]),
                json!(["body", "sources"]),
            ],
        ),
        (
            "start: unknown language, public without a name, bad source",
            "/api/genesis/start",
            json!({"persona_name": "Ada", "language": "xx", "public_persona": true,
                   "sources": [{"type": "fax", "ref": "1"}]}),
            vec![
                json!(["body", "sources", 0]),
                json!(["body", "language"]),
                json!(["body", "public_name"]),
            ],
        ),
        (
            "approve: bad ids and no action",
            "/api/genesis/approve",
            json!({"job_id": "job-1", "draft_no": "1"}),
            vec![json!(["body", "job_id"]), json!(["body", "draft_no"])],
        ),
        (
            "approve: neither edits nor confirm",
            "/api/genesis/approve",
            json!({"job_id": job, "draft_no": 1}),
            vec![json!(["body", "confirm"])],
        ),
        (
            "approve: bad edits",
            "/api/genesis/approve",
            json!({"job_id": job, "draft_no": 1, "edits": [
                {"path": "credo..x", "op": "add", "value": 1},
                {"path": "a", "op": "merge", "value": 1},
                {"path": "a", "op": "replace", "value": null}
            ]}),
            vec![
                json!(["body", "edits", 0, "path"]),
                json!(["body", "edits", 1, "op"]),
                json!(["body", "edits", 2, "value"]),
            ],
        ),
    ];
    for (case, path, sent, expected) in cases {
        let (status, answer) = call(api.http().post(api.url(path)).json(&sent)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {answer}");
        assert_eq!(locs(&answer), expected, "{case}");
    }
    for path in ["/api/genesis/status/nope", "/api/genesis/export/12"] {
        let (status, answer) = call(api.http().get(api.url(path))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {answer}");
        assert_eq!(locs(&answer)[0][0], "path", "{path}");
    }
    let (status, answer) = call(
        api.http()
            .post(api.url("/api/genesis/start"))
            .header("content-type", "application/json")
            .body("{\"persona_name\": "),
    )
    .await;
    assert_detail(status, &answer, "malformed JSON");
    let (status, answer) = call(api.http().post(api.url("/api/genesis/approve")).body("{}")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    assert_eq!(sandbox.requests(), vec![], "MPIS was never called");
    assert_eq!(genesis_audits(pool).await, 0);
}

/// Reads need a viewer, start and approve an editor.
#[tokio::test]
async fn who_may_use_the_genesis_routes() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxFaults::none())
        .await
        .unwrap();
    let secrets = api_common::role_tokens(pool).await;
    let api = api_common::start_with(
        pool.clone(),
        Some(client(&sandbox.url())),
        ApiLimits::default(),
        false,
    )
    .await;
    // (caller, read status, write status)
    for (case, token, read, write) in [
        ("no token", None, 401, 401),
        ("viewer", Some("viewer"), 200, 403),
        ("expired", Some("expired"), 401, 401),
        ("revoked", Some("revoked"), 401, 401),
        ("editor", Some("editor"), 200, 200),
        ("admin", Some("admin"), 200, 200),
    ] {
        let authed = |request: reqwest::RequestBuilder| match token {
            Some(name) => request.bearer_auth(&secrets[name]),
            None => request,
        };
        // A job to read and approve, started as the admin.
        let (_, started) = call(
            http()
                .post(api.url("/api/genesis/start"))
                .bearer_auth(&secrets["admin"])
                .json(&json!({"persona_name": format!("Matrix {case}")})),
        )
        .await;
        let job = started["job_id"].as_str().unwrap().to_string();
        let (status, answer) = call(authed(
            http().get(api.url(&format!("/api/genesis/status/{job}"))),
        ))
        .await;
        assert_eq!(status.as_u16(), read, "{case} status: {answer}");
        let (status, answer) = call(authed(
            http()
                .post(api.url("/api/genesis/start"))
                .json(&json!({"persona_name": format!("By {case}")})),
        ))
        .await;
        assert_eq!(status.as_u16(), write, "{case} start: {answer}");
        let (status, answer) =
            call(authed(http().post(api.url("/api/genesis/approve")).json(
                &json!({"job_id": job, "draft_no": 1, "confirm": true}),
            )))
            .await;
        assert_eq!(status.as_u16(), write, "{case} approve: {answer}");
        if write == 200 {
            assert_eq!(
                audit(pool, &job).await,
                vec![
                    ("genesis_started".into(), "admin".into()),
                    ("genesis_approved".into(), case.into()),
                ],
                "{case}"
            );
        } else {
            assert!(answer["detail"].is_string(), "{case}: {answer}");
            assert_eq!(audit(pool, &job).await.len(), 1, "{case}");
        }
    }
}
