//! The runs routes over real HTTP on a real PostgreSQL: `POST /api/publisher/runs` (contract
//! v1, a client's `run_id` replayed or in conflict), `GET /api/publisher/runs` (keyset pages,
//! filters), `GET /api/publisher/runs/{run_id}`, and n8n's completion callback (stored with its
//! items, idempotent, conflicts naming what differs); who may call them; bad input.

use chrono::{Duration as Days, Utc};
use mpis_dash::api::ApiLimits;
use mpis_dash::api::runs::NOT_CONFIGURED;
use mpis_dash::domain::auth::Role;
use mpis_dash::store::projects::Project;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::api_common::{self, Running, assert_detail, call, http, locs, start, start_with};
use crate::common;

const NEWS: &str = "bb0e8400-e29b-41d4-a716-446655440006";
const FORMAT_TG: &str = "cc0e8400-e29b-41d4-a716-446655440007";
const FORMAT_IG: &str = "dd0e8400-e29b-41d4-a716-446655440008";

/// The documented run request (MPIS_REFERENCE §4.1) for this project.
fn run_body(project: &Project) -> Value {
    json!({
        "project_id": project.id,
        "persona_id": project.persona_id,
        "channels": ["telegram", "instagram"],
        "date_from": "2025-12-15",
        "date_to": "2025-12-15",
        "templates": {"news_prompt_id": NEWS, "format_telegram_id": FORMAT_TG,
                      "format_instagram_id": FORMAT_IG},
        "options": {"lookback_days": 1, "max_items": 10}
    })
}

async fn create(api: &Running, body: &Value) -> (StatusCode, Value) {
    call(api.http().post(api.url("/api/publisher/runs")).json(body)).await
}

async fn updated_at(pool: &PgPool, run_id: &Value) -> chrono::DateTime<Utc> {
    sqlx::query_scalar("SELECT updated_at FROM dashboard_runs WHERE run_id = $1::uuid")
        .bind(run_id.as_str().unwrap())
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn run_count(pool: &PgPool) -> i64 {
    common::count(pool, "dashboard_runs").await
}

async fn dispatch_state(pool: &PgPool, run_id: &str) -> Option<String> {
    sqlx::query_scalar("SELECT state FROM run_dispatches WHERE run_id = $1::uuid")
        .bind(run_id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_run_is_created_with_its_dispatch_and_read_back() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;

    let (status, body) = create(&api, &run_body(&project)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    for field in [
        "id",
        "run_id",
        "project_id",
        "persona_id",
        "status",
        "started_at",
        "completed_at",
        "n8n_execution_id",
        "error_message",
    ] {
        assert!(body.get(field).is_some(), "the old shape's {field}: {body}");
    }
    assert_eq!(body["status"], "pending");
    assert_eq!(body["project_id"], json!(project.id));
    assert!(body["completed_at"].is_null() && body["n8n_execution_id"].is_null());
    assert_eq!(body["dispatch"]["configured"], false);
    assert_eq!(body["dispatch"]["state"], "queued");
    let detail = body["dispatch"]["detail"].as_str().unwrap();
    assert!(detail.contains(NOT_CONFIGURED), "{detail}");
    let run_id = body["run_id"].as_str().unwrap().to_string();
    assert_ne!(
        run_id,
        body["id"].as_str().unwrap(),
        "correlation id, not the row id"
    );
    // The dispatch row was written with the run; the stored request is the contract's.
    assert_eq!(
        dispatch_state(pool, &run_id).await.as_deref(),
        Some("queued")
    );
    let meta: Value = sqlx::query_scalar("SELECT meta FROM dashboard_runs WHERE run_id = $1::uuid")
        .bind(&run_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(meta["options"]["include_image"], true, "defaults filled in");
    assert_eq!(meta["templates"]["image_prompt_id"], Value::Null);

    let (status, read) = call(
        api.http()
            .get(api.url(&format!("/api/publisher/runs/{run_id}"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["run_id"], json!(run_id));
    assert_eq!(read["status"], "pending");
    assert_eq!(read["published_items"], json!([]));
    assert_eq!(read["dispatch"]["state"], "queued");

    let (status, missing) = call(
        api.http()
            .get(api.url(&format!("/api/publisher/runs/{}", Uuid::new_v4()))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing, json!({"detail": "Run not found"}));

    // With n8n configured, the answer says the run is queued for it.
    let mut config = api_common::config();
    config.n8n_webhook_url = Some("http://127.0.0.1:9/webhook".into());
    let configured =
        api_common::start_with_config(pool.clone(), None, ApiLimits::default(), false, config)
            .await;
    let editor = api_common::token(pool, "editor", Role::Editor).await;
    let (status, body) = call(
        http()
            .post(configured.url("/api/publisher/runs"))
            .bearer_auth(editor)
            .json(&run_body(&project)),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["dispatch"]["configured"], true);
    assert_eq!(body["dispatch"]["detail"], "queued for n8n");
}

#[tokio::test]
async fn a_client_run_id_is_replayed_and_a_different_body_is_a_conflict_naming_the_fields() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let run_id = Uuid::new_v4();
    let mut body = run_body(&project);
    body["run_id"] = json!(run_id);

    let (status, first) = create(&api, &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["run_id"], json!(run_id), "the client's id is kept");

    // The same run spelled differently (channel order and case, defaults given): the same run.
    let mut same = body.clone();
    same["channels"] = json!(["Instagram", "telegram"]);
    same["options"] = json!({"lookback_days": 1, "max_items": 10, "include_image": true,
                             "include_products_weekly": false});
    let (status, again) = create(&api, &same).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["started_at"], first["started_at"]);
    assert_eq!(run_count(pool).await, 1);
    assert_eq!(common::count(pool, "run_dispatches").await, 1);

    let mut different = body.clone();
    different["options"]["max_items"] = json!(20);
    different["date_to"] = json!("2025-12-16");
    let (status, conflict) = create(&api, &different).await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    let detail = conflict["detail"].as_str().unwrap();
    assert!(
        detail.contains("date_to") && detail.contains("options.max_items"),
        "{detail}"
    );
    assert!(!detail.contains("channels"), "only what differs: {detail}");
    assert_eq!(run_count(pool).await, 1, "nothing written by a conflict");

    // The same new run_id sent by several clients at once: one run, the others replayed.
    let racing = Uuid::new_v4();
    let mut body = run_body(&project);
    body["run_id"] = json!(racing);
    let answers = futures_util::future::join_all((0..6).map(|_| create(&api, &body))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| s.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 202], "{answers:?}");
    assert!(answers.iter().all(|(_, b)| b["run_id"] == json!(racing)));
    assert_eq!(run_count(pool).await, 2);
    assert_eq!(common::count(pool, "run_dispatches").await, 2);
}

#[tokio::test]
async fn the_contracts_rules_and_the_projects_persona_are_checked_field_by_field() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let other_persona = common::persona(pool, "Bob").await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let base = run_body(&project);
    let with = |changes: Value| {
        let mut body = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = vec![
        (
            "no channels, dates reversed",
            with(json!({"channels": [], "date_from": "2025-12-16", "date_to": "2025-12-15"})),
            vec![json!(["body", "channels"]), json!(["body", "date_to"])],
        ),
        (
            "an unknown channel, a date that is not one",
            with(json!({"channels": ["telegram", "myspace"], "date_from": "15.12.2025"})),
            vec![json!(["body", "channels"]), json!(["body", "date_from"])],
        ),
        (
            "templates missing for the channels",
            with(json!({"templates": {"news_prompt_id": NEWS}})),
            vec![
                json!(["body", "templates", "format_telegram_id"]),
                json!(["body", "templates", "format_instagram_id"]),
            ],
        ),
        (
            "options out of range",
            with(json!({"options": {"max_items": 0, "lookback_days": 1000}})),
            vec![
                json!(["body", "options", "lookback_days"]),
                json!(["body", "options", "max_items"]),
            ],
        ),
        (
            "an unknown project",
            with(json!({"project_id": Uuid::new_v4()})),
            vec![json!(["body", "project_id"])],
        ),
        (
            "another persona's project",
            with(json!({"persona_id": other_persona})),
            vec![json!(["body", "persona_id"])],
        ),
    ];
    for (case, body, expected) in cases {
        let (status, answer) = create(&api, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {answer}");
        assert_eq!(locs(&answer), expected, "{case}: {answer}");
    }
    assert_eq!(run_count(pool).await, 0);
    assert_eq!(common::count(pool, "run_dispatches").await, 0);
}

#[tokio::test]
async fn runs_are_listed_in_keyset_pages_with_filters() {
    let db = common::db().await;
    let pool = &db.pool;
    let ada = common::persona_with_project(pool, "Ada").await;
    let bob = common::persona_with_project(pool, "Bob").await;
    let now = Utc::now();
    let mut expected = Vec::new();
    for (i, (project, status)) in [
        (&ada, "success"),
        (&ada, "failed"),
        (&bob, "running"),
        (&ada, "pending"),
        (&bob, "failed"),
        (&ada, "partial"),
        (&bob, "success"),
    ]
    .into_iter()
    .enumerate()
    {
        let run = common::run_at(pool, project, now - Days::hours(i as i64 + 1), status).await;
        expected.push(run.run_id);
    }
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let list = |query: String| {
        let request = api
            .http()
            .get(api.url(&format!("/api/publisher/runs{query}")));
        call(request)
    };

    // Every run once, newest first, three a page.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let query = match &cursor {
            Some(c) => format!("?limit=3&cursor={c}"),
            None => "?limit=3".to_string(),
        };
        let (status, page) = list(query).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let rows = page["runs"].as_array().unwrap();
        assert!(rows.len() <= 3);
        seen.extend(
            rows.iter()
                .map(|r| Uuid::parse_str(r["run_id"].as_str().unwrap()).unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    let ids = |page: &Value| -> Vec<Uuid> {
        page["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| Uuid::parse_str(r["run_id"].as_str().unwrap()).unwrap())
            .collect()
    };
    let (_, failed) = list("?status=FAILED".into()).await;
    assert_eq!(ids(&failed), [expected[1], expected[4]]);
    assert_eq!(failed["runs"][0]["project_name"], "Ada project");
    let (_, bobs) = list(format!("?project_id={}", bob.id)).await;
    assert_eq!(ids(&bobs), [expected[2], expected[4], expected[6]]);
    let (_, by_persona) = list(format!("?persona_id={}&status=success", ada.persona_id)).await;
    assert_eq!(ids(&by_persona), [expected[0]]);
    let since = (now - Days::minutes(150)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, recent) = list(format!("?since={since}")).await;
    assert_eq!(status, StatusCode::OK, "{recent}");
    assert_eq!(ids(&recent), [expected[0], expected[1]]);
    let (_, none) = list(format!("?project_id={}", Uuid::new_v4())).await;
    assert_eq!(none, json!({"runs": [], "next_cursor": null}));

    // Bad filter values: 422 naming each query field.
    let (status, bad) =
        list("?status=done&project_id=x&since=yesterday&limit=9999&cursor=%21%21".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let mut named = locs(&bad);
    named.sort_by_key(|l| l.to_string());
    assert_eq!(
        named,
        vec![
            json!(["query", "cursor"]),
            json!(["query", "limit"]),
            json!(["query", "project_id"]),
            json!(["query", "since"]),
            json!(["query", "status"]),
        ]
    );
}

/// The documented completion body for this run.
fn completion(run_id: &Value, project: &Project, draft: Uuid) -> Value {
    json!({
        "run_id": run_id,
        "status": "success",
        "persona_id": project.persona_id,
        "project_id": project.id,
        "n8n_execution_id": "12345",
        "error": null,
        "published_items": [
            {"draft_id": draft, "channel": "telegram", "channel_item_id": 777,
             "channel_url": "https://t.me/c/1/777", "status": "success",
             "metrics": {"views": 10, "reactions": 2, "shares": 1}},
            {"draft_id": draft, "channel": "instagram", "status": "failed",
             "error": "token expired"}
        ]
    })
}

#[tokio::test]
async fn a_completion_is_stored_with_its_items_replayed_as_is_and_a_different_one_conflicts() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let item = common::published_item(pool, draft, "telegram", "777", Utc::now()).await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let (_, run) = create(&api, &run_body(&project)).await;
    let run_id = run["run_id"].clone();
    let url = api.url(&format!(
        "/api/publisher/runs/{}/complete",
        run_id.as_str().unwrap()
    ));
    let body = completion(&run_id, &project, draft);

    let (status, done) = call(api.http().post(&url).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        done["status"], "partial",
        "a failed item makes the run partial"
    );
    assert_eq!(
        done["n8n_execution_id"], "12345",
        "n8n's numeric id as sent"
    );
    assert_eq!(done["replayed"], false);
    assert_eq!(
        done["dispatch"]["state"], "cancelled",
        "a completed run is not sent"
    );
    assert_eq!(
        done["dispatch"]["detail"],
        "run completed before it was sent"
    );
    assert!(done["completed_at"].is_string());
    let items = done["published_items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["channel_item_id"], "777",
        "a number kept as its text"
    );
    assert_eq!(
        items[0]["published_item_id"],
        json!(item),
        "linked to MPIS's item"
    );
    assert_eq!(items[1]["succeeded"], false);
    assert_eq!(items[1]["error"], "token expired");
    let before = updated_at(pool, &run_id).await;

    // n8n retries: the same answer, nothing changed.
    let (status, again) = call(api.http().post(&url).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["replayed"], true);
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("replayed");
        v
    };
    assert_eq!(strip(again), strip(done.clone()));
    assert_eq!(updated_at(pool, &run_id).await, before);
    assert_eq!(common::count(pool, "dashboard_run_items").await, 2);

    // Another callback for the completed run: 409 naming what differs, nothing changed.
    let mut other = body.clone();
    other["n8n_execution_id"] = json!("12346");
    other["published_items"][0]["channel_item_id"] = json!("778");
    let (status, conflict) = call(api.http().post(&url).json(&other)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    let detail = conflict["detail"].as_str().unwrap();
    assert!(
        detail.contains("n8n_execution_id")
            && detail.contains("published_items[1].channel_item_id"),
        "{detail}"
    );
    let (_, read) = call(
        api.http()
            .get(api.url(&format!("/api/publisher/runs/{}", run_id.as_str().unwrap()))),
    )
    .await;
    assert_eq!(read["n8n_execution_id"], "12345");
    assert_eq!(read["published_items"][0]["channel_item_id"], "777");
    assert_eq!(updated_at(pool, &run_id).await, before);

    // An unknown run: 404 (the old service said 400).
    let unknown = Uuid::new_v4();
    let mut body_unknown = body.clone();
    body_unknown["run_id"] = json!(unknown);
    let (status, answer) = call(
        api.http()
            .post(api.url(&format!("/api/publisher/runs/{unknown}/complete")))
            .json(&body_unknown),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(answer, json!({"detail": "Run not found"}));
}

#[tokio::test]
async fn a_completion_must_name_its_run_and_match_its_project_and_persona() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let other = common::persona_with_project(pool, "Bob").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let (_, run) = create(&api, &run_body(&project)).await;
    let run_id = run["run_id"].clone();
    let url = api.url(&format!(
        "/api/publisher/runs/{}/complete",
        run_id.as_str().unwrap()
    ));
    let good = completion(&run_id, &project, draft);
    let with = |changes: Value| {
        let mut body = good.clone();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = vec![
        (
            "another run in the body",
            with(json!({"run_id": Uuid::new_v4()})),
            vec![json!(["body", "run_id"])],
        ),
        (
            "another project and persona",
            with(json!({"project_id": other.id, "persona_id": other.persona_id})),
            vec![json!(["body", "project_id"]), json!(["body", "persona_id"])],
        ),
        (
            "failed without an error",
            with(json!({"status": "failed", "published_items": []})),
            vec![json!(["body", "error"])],
        ),
        (
            "an execution id that is neither digits nor a UUID",
            with(json!({"n8n_execution_id": "exec-7"})),
            vec![json!(["body", "n8n_execution_id"])],
        ),
        (
            "an unknown status",
            with(json!({"status": "done"})),
            vec![json!(["body", "status"])],
        ),
        (
            "an item without its channel",
            with(json!({"published_items": [{"draft_id": draft, "channel_item_id": "1"}]})),
            vec![json!(["body", "published_items", 0, "channel"])],
        ),
    ];
    for (case, body, expected) in cases {
        let (status, answer) = call(api.http().post(&url).json(&body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {answer}");
        assert_eq!(locs(&answer), expected, "{case}: {answer}");
    }
    assert_eq!(common::count(pool, "dashboard_run_items").await, 0);

    // `partial` and a UUID execution id (the old contract) are accepted.
    let exec = Uuid::new_v4();
    let (status, done) = call(api.http().post(&url).json(&with(
        json!({"status": "partial", "n8n_execution_id": exec, "error": "1 of 2"}),
    )))
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "partial");
    assert_eq!(done["n8n_execution_id"], json!(exec));
    assert_eq!(done["error_message"], "1 of 2");
}

/// Each runs route x no token / expired / revoked / viewer / editor / admin: reads need a
/// viewer, create and complete an editor.
#[tokio::test]
async fn the_auth_matrix_of_the_runs_routes() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let secrets = api_common::role_tokens(pool).await;
    let api = start_with(pool.clone(), None, ApiLimits::default(), false).await;
    let client = http();
    let bearer = |name: &str| Some(format!("Bearer {}", secrets[name]));
    let callers: Vec<(&str, Option<String>, u16, u16)> = vec![
        ("no token", None, 401, 401),
        ("expired", bearer("expired"), 401, 401),
        ("revoked", bearer("revoked"), 401, 401),
        ("viewer", bearer("viewer"), 200, 403),
        ("editor", bearer("editor"), 200, 200),
        ("admin", bearer("admin"), 200, 200),
    ];
    for (caller, header, read, write) in callers {
        // A fresh run per caller, so each completion is a first one.
        let run = common::run_at(pool, &project, Utc::now(), "running").await;
        let mut body = completion(&json!(run.run_id), &project, draft);
        body["published_items"] = json!([]);
        let requests = [
            (
                "POST /api/publisher/runs",
                client
                    .post(api.url("/api/publisher/runs"))
                    .json(&run_body(&project)),
                if write == 200 { 202 } else { write },
            ),
            (
                "GET /api/publisher/runs",
                client.get(api.url("/api/publisher/runs")),
                read,
            ),
            (
                "GET /api/publisher/runs/{run_id}",
                client.get(api.url(&format!("/api/publisher/runs/{}", run.run_id))),
                read,
            ),
            (
                "POST /api/publisher/runs/{run_id}/complete",
                client
                    .post(api.url(&format!("/api/publisher/runs/{}/complete", run.run_id)))
                    .json(&body),
                write,
            ),
        ];
        for (route, request, expected) in requests {
            let request = api_common::authorized(request, header.as_deref());
            let (status, answer) = call(request).await;
            assert_eq!(status.as_u16(), expected, "{caller} {route}: {answer}");
            if expected >= 400 {
                assert!(answer["detail"].is_string(), "{caller} {route}: {answer}");
            }
            if expected == 403 {
                let detail = answer["detail"].as_str().unwrap();
                assert!(detail.contains("editor"), "{caller} {route}: {detail}");
            }
        }
        let status: String =
            sqlx::query_scalar("SELECT status FROM dashboard_runs WHERE run_id = $1")
                .bind(run.run_id)
                .fetch_one(pool)
                .await
                .unwrap();
        let completed = if write == 200 { "success" } else { "running" };
        assert_eq!(
            status, completed,
            "{caller}: the completion took effect or not"
        );
    }
    // 3 refused + viewer refused: only editor and admin created runs (6 fixtures + 2).
    assert_eq!(run_count(pool).await, 8);
}

/// Malformed JSON, wrong types, missing fields, unknown enum values, bad UUIDs in paths, a
/// missing content type: always a 4xx with a `detail`, nothing written.
#[tokio::test]
async fn bad_input_to_the_runs_routes_is_a_4xx_with_a_detail_and_writes_nothing() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let run = common::run_at(pool, &project, Utc::now(), "running").await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let runs = api.url("/api/publisher/runs");
    let complete = api.url(&format!("/api/publisher/runs/{}/complete", run.run_id));
    let raw = |url: &str, body: &str| {
        api.http()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, Option<Vec<Value>>)> =
        vec![
        ("create: malformed JSON", raw(&runs, "{\"channels\": "), 422, Some(vec![json!(["body"])])),
        ("create: not an object", raw(&runs, "[1]"), 422, Some(vec![json!(["body"])])),
        (
            "create: missing fields",
            raw(&runs, "{}"),
            422,
            Some(vec![
                json!(["body", "project_id"]),
                json!(["body", "persona_id"]),
                json!(["body", "channels"]),
                json!(["body", "date_from"]),
                json!(["body", "date_to"]),
            ]),
        ),
        (
            "create: wrong types",
            raw(
                &runs,
                &json!({"project_id": 1, "persona_id": "nope", "channels": "telegram",
                        "date_from": 20251215, "date_to": null, "templates": [],
                        "options": "fast"})
                .to_string(),
            ),
            422,
            Some(vec![
                json!(["body", "project_id"]),
                json!(["body", "persona_id"]),
                json!(["body", "channels"]),
                json!(["body", "date_from"]),
                json!(["body", "date_to"]),
                json!(["body", "templates"]),
                json!(["body", "options"]),
            ]),
        ),
        (
            "create: no content type",
            api.http().post(&runs).body(run_body(&project).to_string()),
            415,
            None,
        ),
        (
            "complete: unknown status and a non-list of items",
            raw(
                &complete,
                &json!({"run_id": run.run_id, "status": "done", "persona_id": project.persona_id,
                        "project_id": project.id, "n8n_execution_id": "1",
                        "published_items": {"a": 1}})
                .to_string(),
            ),
            422,
            Some(vec![json!(["body", "published_items"])]),
        ),
        (
            "complete: wrong types",
            raw(
                &complete,
                &json!({"run_id": 5, "status": 1, "persona_id": null, "project_id": "x",
                        "n8n_execution_id": true, "error": 3, "published_items": [7]})
                .to_string(),
            ),
            422,
            Some(vec![
                json!(["body", "run_id"]),
                json!(["body", "status"]),
                json!(["body", "persona_id"]),
                json!(["body", "project_id"]),
                json!(["body", "n8n_execution_id"]),
                json!(["body", "error"]),
                json!(["body", "published_items", 0]),
            ]),
        ),
        ("complete: malformed JSON", raw(&complete, "{"), 422, Some(vec![json!(["body"])])),
        (
            "complete: a bad UUID in the path",
            raw(&api.url("/api/publisher/runs/not-a-uuid/complete"), "{}"),
            422,
            Some(vec![json!(["path", "run_id"])]),
        ),
        (
            "get: a bad UUID in the path",
            api.http().get(api.url("/api/publisher/runs/12345")),
            422,
            Some(vec![json!(["path", "run_id"])]),
        ),
        (
            "list: an unknown status",
            api.http().get(api.url("/api/publisher/runs?status=archived")),
            422,
            Some(vec![json!(["query", "status"])]),
        ),
        (
            "complete: wrong method",
            api.http().get(&complete),
            405,
            None,
        ),
    ];
    for (case, request, expected, expected_locs) in cases {
        let (status, body) = call(request).await;
        assert_detail(status, &body, case);
        assert_eq!(status.as_u16(), expected, "{case}: {body}");
        if let Some(expected_locs) = expected_locs {
            assert_eq!(locs(&body), expected_locs, "{case}: {body}");
        }
    }
    // The unknown status case named only the items above because the list was checked first;
    // sent alone, the status is named too.
    let (status, body) = call(raw(
        &complete,
        &json!({"run_id": run.run_id, "status": "done", "persona_id": project.persona_id,
                "project_id": project.id, "n8n_execution_id": "1"})
        .to_string(),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), vec![json!(["body", "status"])]);

    assert_eq!(run_count(pool).await, 1, "no run written");
    assert_eq!(common::count(pool, "dashboard_run_items").await, 0);
    let status: String = sqlx::query_scalar("SELECT status FROM dashboard_runs WHERE run_id = $1")
        .bind(run.run_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(status, "running", "the run is untouched");
}

/// GETs the run until `done` holds for its answer (the cache hears of a change within
/// milliseconds; two seconds is the bound asserted).
async fn read_until(api: &Running, run_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let (status, body) = call(
            api.http()
                .get(api.url(&format!("/api/publisher/runs/{run_id}"))),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if done(&body) || std::time::Instant::now() > deadline {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_read_run_shows_changes_made_by_any_process() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let (status, created) = create(&api, &run_body(&project)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    let run_id = created["run_id"].as_str().unwrap().to_string();
    // Read twice: the second answer may come from the cache.
    let path = format!("/api/publisher/runs/{run_id}");
    let (first, _) = call(api.http().get(api.url(&path))).await;
    let (_, again) = call(api.http().get(api.url(&path))).await;
    assert_eq!(first, StatusCode::OK);
    assert_eq!(again["status"], "pending");

    // Another process (a plain connection here) changes the run, then its dispatch, then
    // adds an item: each shows in the next reads.
    sqlx::query("UPDATE dashboard_runs SET status = 'running' WHERE run_id = $1::uuid")
        .bind(&run_id)
        .execute(pool)
        .await
        .unwrap();
    let body = read_until(&api, &run_id, |b| b["status"] == "running").await;
    assert_eq!(body["status"], "running", "the run's change was seen");
    sqlx::query("UPDATE run_dispatches SET attempts = 7 WHERE run_id = $1::uuid")
        .bind(&run_id)
        .execute(pool)
        .await
        .unwrap();
    let body = read_until(&api, &run_id, |b| b["dispatch"]["attempts"] == 7).await;
    assert_eq!(
        body["dispatch"]["attempts"], 7,
        "the dispatch's change was seen: {body}"
    );
    sqlx::query(
        "INSERT INTO dashboard_run_items (run_id, item_no, channel, succeeded)
         VALUES ($1::uuid, 0, 'telegram', true)",
    )
    .bind(&run_id)
    .execute(pool)
    .await
    .unwrap();
    let body = read_until(&api, &run_id, |b| {
        b["published_items"].as_array().map(Vec::len) == Some(1)
    })
    .await;
    assert_eq!(
        body["published_items"][0]["channel"], "telegram",
        "the item was seen: {body}"
    );
    // A deleted run is gone at once.
    sqlx::query("DELETE FROM dashboard_runs WHERE run_id = $1::uuid")
        .bind(&run_id)
        .execute(pool)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let mut last = StatusCode::OK;
    while std::time::Instant::now() < deadline {
        (last, _) = call(api.http().get(api.url(&path))).await;
        if last == StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(last, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_run_cache_follows_the_database_and_drops_only_what_changed() {
    use mpis_dash::api::run_cache::RunCache;
    use mpis_dash::store::runs;
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let a = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap()
        .run_id;
    let b = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap()
        .run_id;
    let cache = RunCache::following(pool);
    let answer = axum::body::Bytes::from_static(b"{}");
    // On once its LISTEN is up.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while cache.get(a).is_none() && std::time::Instant::now() < deadline {
        cache.store(cache.read_start(), a, answer.clone());
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(cache.get(a).is_some(), "the cache serves once listening");
    cache.store(cache.read_start(), b, answer.clone());

    // A change to a's dispatch (another process): a is dropped, b kept.
    sqlx::query("UPDATE run_dispatches SET attempts = attempts + 1 WHERE run_id = $1")
        .bind(a)
        .execute(pool)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while cache.get(a).is_some() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(cache.get(a).is_none(), "a's answer dropped");
    assert!(cache.get(b).is_some(), "b's answer kept");

    // A statement over more than 100 runs drops everything.
    for _ in 0..101 {
        sqlx::query(
            "INSERT INTO dashboard_runs (run_id, project_id, persona_id, meta)
             VALUES (gen_random_uuid(), $1, $2, '{}')",
        )
        .bind(project.id)
        .bind(project.persona_id)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE dashboard_runs SET updated_at = NOW() WHERE run_id <> $1")
        .bind(b)
        .execute(pool)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while cache.get(b).is_some() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(cache.get(b).is_none(), "'*' drops every answer");
}

#[tokio::test]
async fn repeated_reads_of_an_unchanged_run_are_answered_from_the_cache() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let (_, created) = create(&api, &run_body(&project)).await;
    let path = format!(
        "/api/publisher/runs/{}",
        created["run_id"].as_str().unwrap()
    );
    let hits = |text: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with("mpis_dash_run_cache_reads_total{result=\"hit\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    // Once the cache listens (a moment after start), the second read of a run is a hit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut metrics = String::new();
    while hits(&metrics) == 0 && std::time::Instant::now() < deadline {
        let (first, a) = call(api.http().get(api.url(&path))).await;
        let (second, b) = call(api.http().get(api.url(&path))).await;
        assert_eq!((first, second), (StatusCode::OK, StatusCode::OK));
        assert_eq!(a, b, "a cached answer is the answer");
        metrics = api
            .http()
            .get(api.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    }
    assert!(hits(&metrics) >= 1, "{metrics}");
    assert!(metrics.contains("mpis_dash_run_cache_reads_total{result=\"miss\"}"));
    let bytes_line = metrics
        .lines()
        .find(|l| l.starts_with("mpis_dash_run_cache_bytes "))
        .expect("the cache's size");
    let bytes: f64 = bytes_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(bytes > 100.0, "{bytes_line}");
}
