//! `POST /api/publisher/metrics/ingest` and its batch form over real HTTP against a real
//! PostgreSQL: normalized as `domain::metrics` does with the raw payload kept, the unknown item
//! (404, or named by index in a batch), bad channels and numbers named where they are, a batch
//! all-or-nothing, and who may call them.

use std::time::Instant;

use chrono::Utc;
use mpis_dash::api::ApiLimits;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::api_common::{self, assert_detail, call, http, locs, start};
use crate::common;

const ROUTE: &str = "/api/publisher/metrics/ingest";
const BATCH: &str = "/api/publisher/metrics/ingest/batch";

async fn item(pool: &PgPool, channel: &str) -> Uuid {
    let persona = common::persona(pool, "Metrics").await;
    let draft = common::draft(pool, persona, channel).await;
    common::published_item(
        pool,
        draft,
        channel,
        &Uuid::new_v4().to_string(),
        Utc::now(),
    )
    .await
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Stored {
    published_item_id: Uuid,
    channel: String,
    views: Option<i32>,
    reactions: Option<i32>,
    shares: Option<i32>,
    comments: Option<i32>,
    engagement_rate: Option<f64>,
    raw_metrics: sqlx::types::Json<Value>,
    source: String,
}

async fn stored(pool: &PgPool, id: &Value) -> Stored {
    sqlx::query_as(
        "SELECT published_item_id, channel, views, reactions, shares, comments,
                engagement_rate::float8 AS engagement_rate, raw_metrics, source
         FROM normalized_metrics WHERE id = $1",
    )
    .bind(Uuid::parse_str(id.as_str().expect("an id")).unwrap())
    .fetch_one(pool)
    .await
    .expect("the stored row")
}

#[tokio::test]
async fn one_measurement_is_normalized_and_kept_with_its_raw_payload() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let item = item(pool, "telegram").await;
    let raw = json!({"views": 1000, "reactions": {"👍": 30, "🔥": 12}, "forwards": 8,
                     "comments": 5, "bot_extra": "kept"});
    let (status, answer) = call(api.http().post(api.url(ROUTE)).json(&json!({
        "published_item_id": item, "channel": "Telegram", "metrics": raw,
        "measured_at": "2026-01-05T08:00:00Z"
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "ingested");
    assert_eq!(answer["normalized"]["reactions"], 42);
    let row = stored(pool, &answer["metric_id"]).await;
    assert_eq!(
        row,
        Stored {
            published_item_id: item,
            channel: "telegram".into(),
            views: Some(1000),
            reactions: Some(42),
            shares: Some(8),
            comments: Some(5),
            engagement_rate: Some(0.055),
            raw_metrics: sqlx::types::Json(raw),
            source: "api".into(),
        }
    );
    let measured: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT measured_at FROM normalized_metrics")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(measured.to_rfc3339(), "2026-01-05T08:00:00+00:00");
}

#[tokio::test]
async fn unknown_items_bad_channels_and_bad_numbers_are_named_and_nothing_is_written() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let item = item(pool, "youtube").await;

    let unknown = Uuid::new_v4();
    let (status, answer) = call(api.http().post(api.url(ROUTE)).json(&json!({
        "published_item_id": unknown, "channel": "youtube", "metrics": {"views": 1}
    })))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(
        answer["detail"],
        format!("Published item {unknown} not found")
    );

    let ok = json!({"published_item_id": item, "channel": "youtube", "metrics": {"views": 10}});
    let with = |field: &str, value: Value| {
        let mut b = ok.clone();
        b[field] = value;
        b
    };
    let cases: Vec<(&str, Value, Vec<Value>)> = vec![
        ("not an object", json!("x"), vec![json!(["body"])]),
        (
            "unknown channel",
            with("channel", json!("myspace")),
            vec![json!(["body", "channel"])],
        ),
        (
            "another channel than the item's",
            with("channel", json!("tiktok")),
            vec![json!(["body", "channel"])],
        ),
        (
            "channel a number",
            with("channel", json!(3)),
            vec![json!(["body", "channel"])],
        ),
        (
            "negative views",
            with("metrics", json!({"views": -5})),
            vec![json!(["body", "metrics", "views"])],
        ),
        (
            "text and fractions",
            with("metrics", json!({"views": "many", "likes": 1.5})),
            vec![
                json!(["body", "metrics", "views"]),
                json!(["body", "metrics", "likes"]),
            ],
        ),
        (
            "too large for the column",
            with("metrics", json!({"views": 3_000_000_000i64})),
            vec![json!(["body", "metrics", "views"])],
        ),
        (
            "a rate the column cannot hold",
            with("metrics", json!({"views": 1, "likes": 500})),
            vec![json!(["body", "metrics"])],
        ),
        (
            "metrics not an object",
            with("metrics", json!([1, 2])),
            vec![json!(["body", "metrics"])],
        ),
        (
            "bad item id",
            with("published_item_id", json!("item-1")),
            vec![json!(["body", "published_item_id"])],
        ),
        (
            "bad time",
            with("measured_at", json!("yesterday")),
            vec![json!(["body", "measured_at"])],
        ),
        (
            "missing everything",
            json!({}),
            vec![
                json!(["body", "published_item_id"]),
                json!(["body", "channel"]),
                json!(["body", "metrics"]),
            ],
        ),
    ];
    for (case, sent, expected) in cases {
        let (status, answer) = call(api.http().post(api.url(ROUTE)).json(&sent)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {answer}");
        assert_eq!(locs(&answer), expected, "{case}");
    }
    let (status, answer) = call(
        api.http()
            .post(api.url(ROUTE))
            .header("content-type", "application/json")
            .body("{\"metrics\": {"),
    )
    .await;
    assert_detail(status, &answer, "malformed JSON");
    let (status, answer) = call(api.http().post(api.url(ROUTE)).body("{}")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    assert_eq!(common::count(pool, "normalized_metrics").await, 0);
}

#[tokio::test]
async fn a_batch_is_stored_whole_or_not_at_all_with_every_bad_entry_named_by_index() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let telegram = item(pool, "telegram").await;
    let instagram = item(pool, "instagram").await;
    let entry = |item: Uuid, channel: &str, metrics: Value| {
        json!({"published_item_id": item, "channel": channel, "metrics": metrics,
               "source": "bulk"})
    };
    let unknown = Uuid::new_v4();
    let bad = json!({"items": [
        entry(telegram, "telegram", json!({"views": 10})),
        entry(unknown, "telegram", json!({"views": 10})),
        entry(instagram, "instagrm", json!({"reach": 10})),
        entry(instagram, "instagram", json!({"reach": -1})),
        "not an entry",
    ]});
    let (status, answer) = call(api.http().post(api.url(BATCH)).json(&bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(
        locs(&answer),
        vec![
            json!(["body", "items", 2, "channel"]),
            json!(["body", "items", 3, "metrics", "reach"]),
            json!(["body", "items", 4]),
        ]
    );
    // Then the unknown item and a channel other than the item's: named by index too.
    let unknown_only = json!({"items": [
        entry(telegram, "telegram", json!({"views": 10})),
        entry(unknown, "telegram", json!({"views": 10})),
        entry(instagram, "telegram", json!({"views": 10})),
    ]});
    let (status, answer) = call(api.http().post(api.url(BATCH)).json(&unknown_only)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(
        locs(&answer),
        vec![
            json!(["body", "items", 1, "published_item_id"]),
            json!(["body", "items", 2, "channel"]),
        ]
    );
    assert_eq!(
        answer["detail"][1]["msg"],
        format!("published item {instagram} is on instagram, not telegram")
    );
    assert!(
        answer["detail"][0]["msg"]
            .as_str()
            .unwrap()
            .contains(&unknown.to_string())
    );
    for (case, sent) in [
        ("empty", json!({"items": []})),
        ("not a list", json!({"items": {}})),
        ("missing", json!({})),
    ] {
        let (status, answer) = call(api.http().post(api.url(BATCH)).json(&sent)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {answer}");
        assert_eq!(locs(&answer), vec![json!(["body", "items"])], "{case}");
    }
    assert_eq!(common::count(pool, "normalized_metrics").await, 0);

    let good = json!({"items": [
        entry(telegram, "telegram", json!({"views": 100, "reactions": 3})),
        entry(instagram, "instagram", json!({"reach": 50, "likes": 5})),
        entry(telegram, "telegram", json!({"views": 200})),
    ]});
    let (status, answer) = call(api.http().post(api.url(BATCH)).json(&good)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "ingested");
    assert_eq!(answer["count"], 3);
    assert_eq!(answer["items"], 2);
    let ids = answer["metric_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 3);
    // The ids are in the order of the entries.
    let first = stored(pool, &ids[0]).await;
    assert_eq!((first.views, first.reactions), (Some(100), Some(3)));
    let second = stored(pool, &ids[1]).await;
    assert_eq!(
        (second.channel.as_str(), second.reactions),
        ("instagram", Some(5))
    );
    assert_eq!(second.engagement_rate, Some(0.1));
    assert_eq!(second.source, "bulk");
    assert_eq!(stored(pool, &ids[2]).await.views, Some(200));
    assert_eq!(common::count(pool, "normalized_metrics").await, 3);
}

/// A bulk load of 20,000 rows in one request (the benchmark's shape): all stored, quickly.
#[tokio::test]
async fn a_large_batch_is_one_transaction() {
    let db = common::db().await;
    let pool = &db.pool;
    let limits = ApiLimits {
        body_limit: 16 * 1024 * 1024,
        ..ApiLimits::default()
    };
    let api = start(pool.clone(), None, limits).await;
    let items: Vec<Uuid> = {
        let mut ids = Vec::new();
        for _ in 0..20 {
            ids.push(item(pool, "tiktok").await);
        }
        ids
    };
    let entries: Vec<Value> = (0..20_000)
        .map(|i| {
            json!({"published_item_id": items[i % items.len()], "channel": "tiktok",
                   "metrics": {"views": 1000 + i, "likes": i % 50, "shares": 1}})
        })
        .collect();
    let started = Instant::now();
    let (status, answer) = call(
        api.http()
            .post(api.url(BATCH))
            .json(&json!({"items": entries})),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["count"], 20_000);
    assert_eq!(common::count(pool, "normalized_metrics").await, 20_000);
    eprintln!("20,000 metric rows over HTTP in {took:?}");
}

#[tokio::test]
async fn who_may_ingest_metrics() {
    let db = common::db().await;
    let pool = &db.pool;
    let item = item(pool, "youtube").await;
    let secrets = api_common::role_tokens(pool).await;
    let api = api_common::start_with(pool.clone(), None, ApiLimits::default(), true).await;
    let single = json!({"published_item_id": item, "channel": "youtube", "metrics": {"views": 5}});
    let batch = json!({"items": [single.clone()]});
    for (case, token, expected) in [
        ("no token", None, 401),
        ("viewer", Some("viewer"), 403),
        ("expired", Some("expired"), 401),
        ("revoked", Some("revoked"), 401),
        ("editor", Some("editor"), 200),
        ("admin", Some("admin"), 200),
    ] {
        for (route, sent) in [(ROUTE, &single), (BATCH, &batch)] {
            let mut request = http().post(api.url(route)).json(sent);
            if let Some(name) = token {
                request = request.bearer_auth(&secrets[name]);
            }
            let (status, answer) = call(request).await;
            assert_eq!(status.as_u16(), expected, "{case} {route}: {answer}");
            if expected != 200 {
                assert!(answer["detail"].is_string(), "{case}: {answer}");
            }
        }
    }
    assert_eq!(common::count(pool, "normalized_metrics").await, 4);
}

#[tokio::test]
async fn each_measurement_is_stored_under_its_items_persona() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = start(pool.clone(), None, ApiLimits::default()).await;
    let mut items = Vec::new();
    let mut personas = Vec::new();
    for name in ["Ada", "Bo"] {
        let persona = common::persona(pool, name).await;
        let draft = common::draft(pool, persona, "telegram").await;
        let id = Uuid::new_v4().to_string();
        items.push(common::published_item(pool, draft, "telegram", &id, Utc::now()).await);
        personas.push(persona);
    }
    let entry = |item: &Uuid| {
        json!({"published_item_id": item, "channel": "telegram",
                                     "metrics": {"views": 10, "reactions": 1}})
    };
    let (status, one) = call(api.http().post(api.url(ROUTE)).json(&entry(&items[0]))).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    let (status, batch) = call(
        api.http()
            .post(api.url(BATCH))
            .json(&json!({"items": [entry(&items[1]), entry(&items[0])]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    let ids = [
        &one["metric_id"],
        &batch["metric_ids"][0],
        &batch["metric_ids"][1],
    ];
    let mut stored_personas = Vec::new();
    for id in ids {
        let persona: Option<Uuid> =
            sqlx::query_scalar("SELECT persona_id FROM normalized_metrics WHERE id = $1")
                .bind(Uuid::parse_str(id.as_str().unwrap()).unwrap())
                .fetch_one(pool)
                .await
                .unwrap();
        stored_personas.push(persona);
    }
    assert_eq!(
        stored_personas,
        [Some(personas[0]), Some(personas[1]), Some(personas[0])]
    );
    // The charts' rollups count them under the same personas.
    for (persona, rows) in [(personas[0], 2), (personas[1], 1)] {
        let counted: Option<i64> = sqlx::query_scalar(
            "SELECT sum(metric_rows)::bigint FROM metric_daily_rollups WHERE persona_id = $1",
        )
        .bind(persona)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(counted, Some(rows));
    }
}
