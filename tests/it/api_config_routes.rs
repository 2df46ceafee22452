//! The configuration routes of `serve` over real HTTP against a real PostgreSQL: layouts
//! (`/api/dashboards/layouts`), the widget registry (`/api/widgets`), metrics ingestion jobs
//! (`/api/metrics/jobs`, admin): happy paths, every 4xx with its detail, nothing half-written,
//! credentials never answered, and who may call each route.

use std::time::Duration;

use mpis_dash::api::ApiLimits;
use mpis_dash::domain::auth::Role;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api_common::{self, assert_detail, call, http, locs, start, start_with};
use crate::common;

fn layout(widgets: Value) -> Value {
    json!({ "widgets": widgets })
}

fn two_widgets() -> Value {
    layout(json!([
        {"widget_id": "red-flags", "position": {"x": 0, "y": 0, "w": 6, "h": 4}, "config": {}},
        {"widget_id": "runs", "position": {"x": 6, "y": 0, "w": 6, "h": 4},
         "config": {"time_range": "30d"}},
    ]))
}

#[tokio::test]
async fn layouts_are_listed_created_changed_and_deleted() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let client = api.http();
    let user = Uuid::new_v4();

    let (status, global) = call(client.get(api.url("/api/dashboards/layouts"))).await;
    assert_eq!(status, StatusCode::OK, "{global}");
    let global = global.as_array().expect("a list").clone();
    assert!(!global.is_empty(), "the migrations' global layouts");
    assert!(global.iter().all(|l| l["user_id"].is_null()));

    let (status, created) = call(client.post(api.url("/api/dashboards/layouts")).json(&json!({
        "name": " Mine ", "user_id": user, "is_default": true, "layout_config": two_widgets(),
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["name"], "Mine");
    assert_eq!(created["user_id"], json!(user));
    assert_eq!(created["is_default"], true);
    assert_eq!(created["layout_config"]["widgets"][1]["widget_id"], "runs");
    assert!(created["created_at"].is_string());
    let id = created["id"].as_str().unwrap().to_string();

    // Listed for that user (first), not among the global ones.
    let (_, mine) =
        call(client.get(api.url(&format!("/api/dashboards/layouts?user_id={user}")))).await;
    assert_eq!(mine[0]["id"], json!(id), "{mine}");
    assert_eq!(mine.as_array().unwrap().len(), global.len() + 1);
    let (_, again) = call(client.get(api.url("/api/dashboards/layouts"))).await;
    assert_eq!(again.as_array().unwrap().len(), global.len());

    // A second layout of the same name for the same user: 409 naming the first.
    let (status, body) = call(
        client
            .post(api.url("/api/dashboards/layouts"))
            .json(&json!({
                "name": "MINE", "user_id": user, "layout_config": two_widgets(),
            })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains(&id), "{body}");
    // The same name for another owner is fine.
    let (status, other) = call(
        client
            .post(api.url("/api/dashboards/layouts"))
            .json(&json!({
                "name": "Mine", "layout_config": two_widgets(),
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{other}");
    assert!(other["user_id"].is_null());

    // PUT: rename and change the grid; the owner stays.
    let moved = layout(json!([
        {"widget_id": "red-flags", "position": {"x": 0, "y": 0, "w": 12, "h": 3}},
    ]));
    let (status, changed) = call(
        client
            .put(api.url(&format!("/api/dashboards/layouts/{id}")))
            .json(&json!({"name": "Renamed", "layout_config": moved})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["name"], "Renamed");
    assert_eq!(changed["user_id"], json!(user));
    assert_eq!(changed["layout_config"]["widgets"][0]["position"]["w"], 12);
    assert_eq!(changed["is_default"], true);

    // Renaming onto another of the owner's layouts is a 409; an unknown id a 404.
    let (_, second) = call(
        client
            .post(api.url("/api/dashboards/layouts"))
            .json(&json!({
                "name": "Second", "user_id": user, "layout_config": two_widgets(),
            })),
    )
    .await;
    let second_id = second["id"].as_str().unwrap();
    let (status, body) = call(
        client
            .put(api.url(&format!("/api/dashboards/layouts/{second_id}")))
            .json(&json!({"name": "renamed"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("Renamed")
            || body["detail"].as_str().unwrap().contains("renamed")
    );
    let missing = Uuid::new_v4();
    let (status, body) = call(
        client
            .put(api.url(&format!("/api/dashboards/layouts/{missing}")))
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains(&missing.to_string())
    );

    // DELETE, then it is gone (404 the second time).
    let (status, body) =
        call(client.delete(api.url(&format!("/api/dashboards/layouts/{id}")))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"id": id, "status": "deleted"}));
    let (status, body) =
        call(client.delete(api.url(&format!("/api/dashboards/layouts/{id}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_detail(status, &body, "deleted twice");
}

#[tokio::test]
async fn a_bad_layout_names_every_problem_in_plain_words_and_writes_nothing() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let client = api.http();
    let before = common::count(&db.pool, "dashboard_layouts").await;
    let bad = layout(json!([
        {"widget_id": "runs", "position": {"x": 0, "y": 0, "w": 6, "h": 4}},
        {"widget_id": "red-flags", "position": {"x": 3, "y": 2, "w": 6, "h": 4}},
        {"widget_id": "no-such-widget", "position": {"x": 0, "y": 10, "w": 2, "h": 2}},
        {"widget_id": "recent-posts", "position": {"x": 10, "y": 20, "w": 4, "h": 0}},
        {"widget_id": "engagement-chart", "position": {"x": 0, "y": 30, "w": 4, "h": 2},
         "config": {"time_range": "1y"}},
    ]));
    let (status, body) = call(
        client
            .post(api.url("/api/dashboards/layouts"))
            .json(&json!({
                "name": "Broken", "layout_config": bad,
            })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let places = locs(&body);
    let at = |rest: Value| {
        let mut loc = vec![json!("body"), json!("layout_config")];
        loc.extend(rest.as_array().unwrap().iter().cloned());
        Value::Array(loc)
    };
    for expected in [
        at(json!(["widgets", 2, "widget_id"])),
        at(json!(["widgets", 3, "position", "h"])),
        at(json!(["widgets", 3, "position"])),
        at(json!(["widgets", 4, "config", "time_range"])),
        at(json!(["widgets", 1, "position"])),
    ] {
        assert!(places.contains(&expected), "{expected} not in {body}");
    }
    let messages: Vec<&str> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["msg"].as_str().unwrap())
        .collect();
    let all = messages.join(" | ");
    assert!(all.contains("Recent Runs overlaps Red Flags"), "{all}");
    assert!(
        all.contains("\"no-such-widget\" is not a registered widget"),
        "{all}"
    );
    assert!(all.contains("Recent Posts has no height"), "{all}");
    assert!(all.contains("goes past the right edge"), "{all}");
    assert!(all.contains("\"1y\" is not 7d, 30d or 90d"), "{all}");
    assert!(
        !all.contains("widgets["),
        "plain words, not JSON paths: {all}"
    );

    // A malformed shape names its place; the name's problem is listed beside it.
    let (status, body) = call(client.post(api.url("/api/dashboards/layouts")).json(&json!({
        "name": "", "layout_config": {"widgets": [{"widget_id": "runs", "position": {"x": -1}}]},
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let places = locs(&body);
    assert!(places.contains(&json!(["body", "name"])), "{body}");
    assert!(
        places.iter().any(|l| l.as_array().unwrap().starts_with(&[
            json!("body"),
            json!("layout_config"),
            json!("widgets"),
            json!(0),
            json!("position")
        ])),
        "{body}"
    );
    assert_eq!(common::count(&db.pool, "dashboard_layouts").await, before);
}

#[tokio::test]
async fn widgets_are_listed_and_registered_and_a_duplicate_is_a_conflict() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let client = api.http();
    let (status, builtin) = call(client.get(api.url("/api/widgets"))).await;
    assert_eq!(status, StatusCode::OK, "{builtin}");
    let builtin = builtin.as_array().unwrap().clone();
    assert!(builtin.iter().any(|w| w["widget_id"] == "red-flags"));
    assert!(builtin[0]["schema"].is_object());

    let widget = json!({
        "widget_id": "custom-sentiment", "name": "Sentiment Analysis",
        "description": "How people feel", "widget_type": "custom",
        "schema": {"data_source": {"type": "api", "endpoint": "/api/analytics/sentiment"}},
        "renderer_url": "https://cdn.example.com/widgets/sentiment-v1.js",
    });
    let (status, created) = call(client.post(api.url("/api/widgets/register")).json(&widget)).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["widget_id"], "custom-sentiment");
    assert_eq!(created["schema"]["data_source"]["type"], "api");
    assert_eq!(created["renderer_url"], widget["renderer_url"]);
    let (_, all) = call(client.get(api.url("/api/widgets"))).await;
    assert_eq!(all.as_array().unwrap().len(), builtin.len() + 1);

    // A registered widget may be placed in a layout at once.
    let (status, body) = call(
        client
            .post(api.url("/api/dashboards/layouts"))
            .json(&json!({
                "name": "With custom",
                "layout_config": layout(json!([{"widget_id": "custom-sentiment",
                    "position": {"x": 0, "y": 0, "w": 4, "h": 2}}])),
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The same widget_id again: 409 naming it (MPIS: 500); nothing written.
    let (status, body) = call(client.post(api.url("/api/widgets/register")).json(&widget)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("\"custom-sentiment\" is already registered"),
        "{body}"
    );
    let (_, after) = call(client.get(api.url("/api/widgets"))).await;
    assert_eq!(after.as_array().unwrap().len(), builtin.len() + 1);
}

#[tokio::test]
async fn ingestion_jobs_are_created_listed_changed_and_deleted_without_echoing_credentials() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Ada").await;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let client = api.http();
    // A secret value in the config: 422 naming each field and saying how to reference it;
    // nothing stored.
    let secrets = json!({
        "job_name": "telegram_metrics_hourly", "channel": "telegram", "persona_id": persona,
        "schedule_cron": "0 * * * *",
        "config": {"lookback_hours": 24, "bot_token": "123456:SECRET-bot-token",
                   "accounts": [{"name": "main", "api_key": "k-SECRET"}]},
    });
    let (status, refused) = call(client.post(api.url("/api/metrics/jobs")).json(&secrets)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        locs(&refused),
        vec![
            json!(["body", "config", "accounts", "0", "api_key"]),
            json!(["body", "config", "bot_token"]),
        ]
    );
    assert!(!refused.to_string().contains("SECRET"), "{refused}");
    assert!(
        refused["detail"][1]["msg"]
            .as_str()
            .unwrap()
            .contains("\"credential\": {\"env\""),
        "{refused}"
    );
    assert_eq!(common::count(pool, "metrics_ingestion_jobs").await, 0);
    // A base URL that is not http(s): 422 at it (domain::job_form, as the :jobs form).
    let (status, refused) = call(client.post(api.url("/api/metrics/jobs")).json(&json!({
        "job_name": "x", "channel": "telegram", "schedule_cron": "0 * * * *",
        "config": {"base_url": "ftp://example.org"},
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(locs(&refused), vec![json!(["body", "config", "base_url"])]);
    assert_eq!(common::count(pool, "metrics_ingestion_jobs").await, 0);

    let reference = json!({"file": "/etc/mpis-dash/secrets.toml", "key": "telegram"});
    let body = json!({
        "job_name": "telegram_metrics_hourly", "channel": "telegram", "persona_id": persona,
        "schedule_cron": "0 * * * *",
        "config": {"lookback_hours": 24, "credential": reference, "accounts": [{"name": "main"}]},
    });
    let started = chrono::Utc::now();
    let (status, job) = call(client.post(api.url("/api/metrics/jobs")).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    // The reference is shown as it is: it names where the secret lives, not the secret.
    assert_eq!(job["config"]["credential"], reference);
    assert_eq!(job["config"]["lookback_hours"], 24);
    assert_eq!(job["enabled"], true);
    assert!(job["last_run_at"].is_null());
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(job["next_run_at"].clone()).expect("next_run_at");
    assert!(
        next > started && next <= started + chrono::Duration::hours(1),
        "{next}"
    );
    assert_eq!(chrono::Timelike::minute(&next), 0);
    let id = job["id"].as_str().unwrap().to_string();
    let stored: Value =
        sqlx::query_scalar("SELECT config FROM metrics_ingestion_jobs WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(stored["credential"], reference);
    for url in [
        "/api/metrics/jobs".to_string(),
        format!("/api/metrics/jobs/{id}"),
    ] {
        let (status, answer) = call(client.get(api.url(&url))).await;
        assert_eq!(status, StatusCode::OK, "{url}: {answer}");
        assert!(
            answer.to_string().contains(r#""key":"telegram""#),
            "{url}: {answer}"
        );
    }

    // Disable, then enable again: next_run_at is computed again from now.
    let patch = |b: Value| {
        client
            .patch(api.url(&format!("/api/metrics/jobs/{id}")))
            .json(&b)
    };
    let (status, off) = call(patch(json!({"enabled": false}))).await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["enabled"], false);
    let (_, on) = call(patch(json!({"enabled": true}))).await;
    assert_eq!(on["enabled"], true);
    assert!(on["next_run_at"].is_string());

    // A secret value by PATCH is refused too (a credential given as a text); nothing changed.
    let (status, bad) = call(patch(json!({"config": {"credential": "123456:SECRET"}}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(locs(&bad), vec![json!(["body", "config", "credential"])]);
    assert!(!bad.to_string().contains("SECRET"), "{bad}");

    // Other fields; the config read back and sent again keeps its reference.
    let mut config = on["config"].clone();
    config["lookback_hours"] = json!(48);
    let (status, changed) = call(patch(json!({
        "job_name": "telegram_daily", "schedule_cron": "30 6 * * *", "config": config,
        "persona_id": null,
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["job_name"], "telegram_daily");
    assert_eq!(changed["schedule_cron"], "30 6 * * *");
    assert!(changed["persona_id"].is_null());
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(changed["next_run_at"].clone()).unwrap();
    assert_eq!(next.format("%H:%M").to_string(), "06:30");
    let stored: Value =
        sqlx::query_scalar("SELECT config FROM metrics_ingestion_jobs WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(stored["credential"], reference);
    assert_eq!(stored["lookback_hours"], 48);

    // A bad cron: 422 naming schedule_cron and why; nothing changed.
    let (status, bad) = call(patch(json!({"schedule_cron": "every hour"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(locs(&bad), vec![json!(["body", "schedule_cron"])]);
    assert!(
        bad["detail"][0]["msg"]
            .as_str()
            .unwrap()
            .contains("expected 5"),
        "{bad}"
    );
    let (status, bad) = call(client.post(api.url("/api/metrics/jobs")).json(&json!({
        "job_name": "x", "channel": "telegram", "schedule_cron": "61 * * * *",
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(locs(&bad), vec![json!(["body", "schedule_cron"])]);

    // A taken name: 409; an unknown persona: 422 on persona_id.
    let (_, second) = call(client.post(api.url("/api/metrics/jobs")).json(&json!({
        "job_name": "second", "channel": "instagram", "schedule_cron": "@daily", "enabled": false,
    })))
    .await;
    assert_eq!(second["enabled"], false, "{second}");
    let (status, body) = call(
        client
            .patch(api.url(&format!(
                "/api/metrics/jobs/{}",
                second["id"].as_str().unwrap()
            )))
            .json(&json!({"job_name": "telegram_daily"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("telegram_daily"),
        "{body}"
    );
    let (status, body) = call(client.post(api.url("/api/metrics/jobs")).json(&json!({
        "job_name": "second", "channel": "x", "schedule_cron": "@daily",
    })))
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = call(client.post(api.url("/api/metrics/jobs")).json(&json!({
        "job_name": "third", "channel": "x", "schedule_cron": "@daily", "persona_id": Uuid::new_v4(),
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(locs(&body), vec![json!(["body", "persona_id"])]);

    // Delete; then 404 for every route on that id.
    let (status, body) = call(client.delete(api.url(&format!("/api/metrics/jobs/{id}")))).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"id": id, "status": "deleted"}))
    );
    for request in [
        client.get(api.url(&format!("/api/metrics/jobs/{id}"))),
        client
            .patch(api.url(&format!("/api/metrics/jobs/{id}")))
            .json(&json!({"enabled": true})),
        client.delete(api.url(&format!("/api/metrics/jobs/{id}"))),
    ] {
        let (status, body) = call(request).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(body["detail"].as_str().unwrap().contains(&id), "{body}");
    }
}

/// Bad input to every configuration route: always a 4xx with a `detail`, nothing written.
#[tokio::test]
async fn bad_inputs_to_the_configuration_routes_are_4xx_with_a_detail_and_write_nothing() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let client = api.http();
    let (_, job) = call(client.post(api.url("/api/metrics/jobs")).json(&json!({
        "job_name": "kept", "channel": "telegram", "schedule_cron": "0 * * * *",
    })))
    .await;
    let job_id = job["id"].as_str().unwrap().to_string();
    let (_, kept) = call(
        client
            .post(api.url("/api/dashboards/layouts"))
            .json(&json!({
                "name": "Kept", "layout_config": two_widgets(),
            })),
    )
    .await;
    let layout_id = kept["id"].as_str().unwrap().to_string();
    let tables = [
        "dashboard_layouts",
        "widget_registry",
        "metrics_ingestion_jobs",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(common::count(pool, table).await);
    }
    let raw = |method: reqwest::Method, path: &str, text: &'static str| {
        client
            .request(method, api.url(path))
            .header("content-type", "application/json")
            .body(text)
    };
    use reqwest::Method as M;
    let layouts_one = format!("/api/dashboards/layouts/{layout_id}");
    let jobs_one = format!("/api/metrics/jobs/{job_id}");
    // (case, request, expected status, a location the 422 must name, if any)
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, Option<Value>)> = vec![
        ("layout: malformed JSON", raw(M::POST, "/api/dashboards/layouts", "{\"name\": "), 422, Some(json!(["body"]))),
        ("layout: not an object", raw(M::POST, "/api/dashboards/layouts", "[1]"), 422, Some(json!(["body"]))),
        ("layout: no content type", client.post(api.url("/api/dashboards/layouts")).body("{}"), 415, None),
        ("layout: missing fields", client.post(api.url("/api/dashboards/layouts")).json(&json!({})), 422, Some(json!(["body", "layout_config"]))),
        ("layout: wrong types", client.post(api.url("/api/dashboards/layouts")).json(&json!({"name": 5, "user_id": "me", "is_default": "yes", "layout_config": []})), 422, Some(json!(["body", "is_default"]))),
        ("layout: long name", client.post(api.url("/api/dashboards/layouts")).json(&json!({"name": "x".repeat(201), "layout_config": two_widgets()})), 422, Some(json!(["body", "name"]))),
        ("layout: bad user_id query", client.get(api.url("/api/dashboards/layouts?user_id=nope")), 422, Some(json!(["query", "user_id"]))),
        ("layout: bad path uuid", client.put(api.url("/api/dashboards/layouts/nope")).json(&json!({"name": "x"})), 422, Some(json!(["path", "layout_id"]))),
        ("layout: delete bad uuid", client.delete(api.url("/api/dashboards/layouts/12")), 422, Some(json!(["path", "layout_id"]))),
        ("layout: nothing to change", client.put(api.url(&layouts_one)).json(&json!({})), 422, Some(json!(["body"]))),
        ("layout: null name", client.put(api.url(&layouts_one)).json(&json!({"name": null})), 422, Some(json!(["body", "name"]))),
        ("layout: owner change", client.put(api.url(&layouts_one)).json(&json!({"user_id": Uuid::new_v4()})), 422, Some(json!(["body", "user_id"]))),
        ("layout: bad grid on put", client.put(api.url(&layouts_one)).json(&json!({"layout_config": {"widgets": {}}})), 422, Some(json!(["body", "layout_config", "widgets"]))),
        ("widget: malformed JSON", raw(M::POST, "/api/widgets/register", "{nope"), 422, Some(json!(["body"]))),
        ("widget: no content type", client.post(api.url("/api/widgets/register")).body("{}"), 415, None),
        ("widget: missing fields", client.post(api.url("/api/widgets/register")).json(&json!({})), 422, Some(json!(["body", "widget_id"]))),
        ("widget: unknown enum value", client.post(api.url("/api/widgets/register")).json(&json!({"widget_id": "w", "name": "W", "widget_type": "plugin", "schema": {}})), 422, Some(json!(["body", "widget_type"]))),
        ("widget: wrong types", client.post(api.url("/api/widgets/register")).json(&json!({"widget_id": 1, "name": [], "widget_type": "custom", "schema": "{}"})), 422, Some(json!(["body", "schema"]))),
        ("widget: bad renderer_url", client.post(api.url("/api/widgets/register")).json(&json!({"widget_id": "w", "name": "W", "widget_type": "custom", "schema": {}, "renderer_url": "javascript:alert(1)"})), 422, Some(json!(["body", "renderer_url"]))),
        ("job: malformed JSON", raw(M::POST, "/api/metrics/jobs", "{\"job_name\": }"), 422, Some(json!(["body"]))),
        ("job: no content type", client.post(api.url("/api/metrics/jobs")).body("{}"), 415, None),
        ("job: missing fields", client.post(api.url("/api/metrics/jobs")).json(&json!({})), 422, Some(json!(["body", "schedule_cron"]))),
        ("job: wrong types", client.post(api.url("/api/metrics/jobs")).json(&json!({"job_name": "j", "channel": "c", "schedule_cron": "@daily", "config": [1], "enabled": "yes", "persona_id": 7})), 422, Some(json!(["body", "config"]))),
        ("job: empty cron", client.post(api.url("/api/metrics/jobs")).json(&json!({"job_name": "j", "channel": "c", "schedule_cron": " "})), 422, Some(json!(["body", "schedule_cron"]))),
        ("job: bad limit", client.get(api.url("/api/metrics/jobs?limit=0")), 422, Some(json!(["query", "limit"]))),
        ("job: limit not a number", client.get(api.url("/api/metrics/jobs?limit=many")), 422, Some(json!(["query"]))),
        ("job: bad path uuid", client.get(api.url("/api/metrics/jobs/nope")), 422, Some(json!(["path", "job_id"]))),
        ("job: patch bad uuid", client.patch(api.url("/api/metrics/jobs/nope")).json(&json!({"enabled": true})), 422, Some(json!(["path", "job_id"]))),
        ("job: patch nothing", client.patch(api.url(&jobs_one)).json(&json!({})), 422, Some(json!(["body"]))),
        ("job: patch null enabled", client.patch(api.url(&jobs_one)).json(&json!({"enabled": null})), 422, Some(json!(["body", "enabled"]))),
        ("job: patch wrong type", client.patch(api.url(&jobs_one)).json(&json!({"enabled": 1, "job_name": ""})), 422, Some(json!(["body", "job_name"]))),
        ("job: patch malformed", raw(M::PATCH, &jobs_one, "{"), 422, Some(json!(["body"]))),
    ];
    for (case, request, expected, loc) in cases {
        let (status, body) = call(request).await;
        assert_eq!(status.as_u16(), expected, "{case}: {body}");
        assert_detail(status, &body, case);
        if let Some(loc) = loc {
            assert!(locs(&body).contains(&loc), "{case}: {loc} not in {body}");
        }
    }
    for (table, count) in tables.iter().zip(before) {
        assert_eq!(common::count(pool, table).await, count, "{table} changed");
    }
    let (_, job) = call(client.get(api.url(&jobs_one))).await;
    assert_eq!(
        (job["job_name"].as_str(), job["enabled"].as_bool()),
        (Some("kept"), Some(true))
    );
}

/// A route of the matrix: its name, method and path, and the least role it needs.
type Route = (&'static str, Method, String, Role);

fn route(name: &'static str, method: Method, path: impl Into<String>, role: Role) -> Route {
    (name, method, path.into(), role)
}

/// Who may call what: layouts read by a viewer and written by an editor, the widget list read
/// by a viewer, registering widgets and every ingestion-job route (reads too) only by an admin,
/// even with `--allow-anonymous-read`.
#[tokio::test]
async fn the_auth_matrix_of_the_configuration_routes() {
    let db = common::db().await;
    let pool = &db.pool;
    let secrets = api_common::role_tokens(pool).await;
    let job_id: Uuid = sqlx::query_scalar(
        "INSERT INTO metrics_ingestion_jobs (job_name, channel, schedule_cron) VALUES ('m', 'telegram', '@daily') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let missing = Uuid::new_v4();
    let bearer = |name: &str| format!("Bearer {}", secrets[name]);

    for anonymous_read in [false, true] {
        let api = start_with(pool.clone(), None, ApiLimits::default(), anonymous_read).await;
        let client = http();
        // What each route needs (the write bodies are bad on purpose: a caller who passes
        // the check gets the 422, so nothing is written and the matrix stays independent).
        let routes: Vec<Route> = vec![
            route(
                "GET layouts",
                Method::GET,
                "/api/dashboards/layouts",
                Role::Viewer,
            ),
            route(
                "POST layouts",
                Method::POST,
                "/api/dashboards/layouts",
                Role::Editor,
            ),
            route(
                "PUT layout",
                Method::PUT,
                format!("/api/dashboards/layouts/{missing}"),
                Role::Editor,
            ),
            route(
                "DELETE layout",
                Method::DELETE,
                format!("/api/dashboards/layouts/{missing}"),
                Role::Editor,
            ),
            route("GET widgets", Method::GET, "/api/widgets", Role::Viewer),
            route(
                "POST widgets/register",
                Method::POST,
                "/api/widgets/register",
                Role::Admin,
            ),
            route("GET jobs", Method::GET, "/api/metrics/jobs", Role::Admin),
            route(
                "GET job",
                Method::GET,
                format!("/api/metrics/jobs/{job_id}"),
                Role::Admin,
            ),
            route("POST jobs", Method::POST, "/api/metrics/jobs", Role::Admin),
            route(
                "PATCH job",
                Method::PATCH,
                format!("/api/metrics/jobs/{job_id}"),
                Role::Admin,
            ),
            route(
                "DELETE job",
                Method::DELETE,
                format!("/api/metrics/jobs/{missing}"),
                Role::Admin,
            ),
        ];
        let callers: Vec<(&str, Option<String>, Option<Role>)> = vec![
            ("no token", None, None),
            ("expired", Some(bearer("expired")), None),
            ("revoked", Some(bearer("revoked")), None),
            ("viewer", Some(bearer("viewer")), Some(Role::Viewer)),
            ("editor", Some(bearer("editor")), Some(Role::Editor)),
            ("admin", Some(bearer("admin")), Some(Role::Admin)),
        ];
        for (route, method, path, needed) in &routes {
            for (caller, header, role) in &callers {
                let mut request = client.request(method.clone(), api.url(path));
                if *method != reqwest::Method::GET && *method != reqwest::Method::DELETE {
                    request = request.json(&json!({"name": 1}));
                }
                if let Some(header) = header {
                    request = request.header("authorization", header);
                }
                let (status, body) = call(request).await;
                let anonymous_ok = anonymous_read && header.is_none() && *needed == Role::Viewer;
                let case = format!("{route} as {caller} (anonymous reads {anonymous_read})");
                match role {
                    _ if anonymous_ok => assert!(
                        status.is_success() || status == StatusCode::NOT_FOUND,
                        "{case}: {status} {body}"
                    ),
                    None => {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
                        if header.is_none() && *needed == Role::Admin {
                            assert!(
                                body["detail"].as_str().unwrap().contains("admin"),
                                "{case}: {body}"
                            );
                        }
                    }
                    Some(role) if !role.allows(*needed) => {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{case}: {body}");
                        let detail = body["detail"].as_str().unwrap();
                        assert!(
                            detail.contains(&format!("this needs the {needed} role")),
                            "{case}: {body}"
                        );
                    }
                    Some(_) => assert!(
                        [200, 404, 422].contains(&status.as_u16()),
                        "{case}: {status} {body}"
                    ),
                }
            }
        }
    }
    let jobs: i64 = common::count(pool, "metrics_ingestion_jobs").await;
    assert_eq!(jobs, 1, "the matrix wrote nothing");
}

#[tokio::test]
async fn a_database_that_is_down_is_a_503_with_a_detail_on_every_configuration_route() {
    let mut config = api_common::config();
    config.admin_password = mpis_dash::config::Secret::non_blank("pw".into());
    let api = api_common::start_configured(
        api_common::pool_to_closed_port(Duration::from_millis(500)),
        None,
        ApiLimits::default(),
        config,
    )
    .await;
    let client = api.http();
    let id = Uuid::new_v4();
    let requests = [
        (
            "GET layouts",
            client.get(api.url("/api/dashboards/layouts")),
        ),
        (
            "POST layouts",
            client
                .post(api.url("/api/dashboards/layouts"))
                .json(&json!({"name": "x", "layout_config": two_widgets()})),
        ),
        (
            "PUT layout",
            client
                .put(api.url(&format!("/api/dashboards/layouts/{id}")))
                .json(&json!({"name": "x"})),
        ),
        (
            "DELETE layout",
            client.delete(api.url(&format!("/api/dashboards/layouts/{id}"))),
        ),
        ("GET widgets", client.get(api.url("/api/widgets"))),
        (
            "POST widget",
            client.post(api.url("/api/widgets/register")).json(
                &json!({"widget_id": "w", "name": "W", "widget_type": "custom", "schema": {}}),
            ),
        ),
        ("GET jobs", client.get(api.url("/api/metrics/jobs"))),
        (
            "POST jobs",
            client
                .post(api.url("/api/metrics/jobs"))
                .json(&json!({"job_name": "j", "channel": "c", "schedule_cron": "@daily"})),
        ),
        (
            "PATCH job",
            client
                .patch(api.url(&format!("/api/metrics/jobs/{id}")))
                .json(&json!({"enabled": false})),
        ),
        (
            "login",
            http()
                .post(api.url("/api/auth/login"))
                .json(&json!({"password": "pw"})),
        ),
    ];
    for (case, request) in requests {
        let (status, body) = call(request).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{case}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("database unreachable")),
            "{case}: {body}"
        );
    }
}
