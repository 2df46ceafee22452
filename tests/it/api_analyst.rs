//! `POST /api/ai-analyst/query` over real HTTP on seeded data: the §3.6 answer with citations
//! that exist and carry their stored metrics, a viewer may ask, every bad field named (422),
//! and a question it cannot answer gets confidence 0.

use mpis_dash::api::ApiLimits;
use mpis_dash::domain::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::analyst::seed;
use crate::api_common::{self, call, http, locs, start_with};
use crate::common;

#[tokio::test]
async fn a_viewer_asks_and_gets_the_answer_with_its_citations() {
    let db = common::db().await;
    let seeded = seed(&db.pool).await;
    let api = start_with(db.pool.clone(), None, ApiLimits::default(), false).await;
    let viewer = api_common::token(&db.pool, "analyst-viewer", Role::Viewer).await;
    let url = api.url("/api/ai-analyst/query");
    let body = json!({"persona_id": seeded.alex, "time_range": "7d",
        "question": "Which channel works best?"});

    let (status, answer) = call(http().post(&url).json(&body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");

    let (status, answer) = call(http().post(&url).bearer_auth(&viewer).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["understood_as"], "best_channel");
    assert_eq!(answer["phrased_by"], "engine");
    assert!(
        answer["answer"]
            .as_str()
            .unwrap()
            .starts_with("telegram works best")
    );
    assert!(answer["confidence"].as_f64().unwrap() > 0.0);
    assert!(!answer["suggested_actions"].as_array().unwrap().is_empty());
    let citations = answer["citations"].as_array().unwrap();
    assert_eq!(citations.len(), 2);
    for citation in citations {
        let id: Uuid = citation["published_item_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let (channel, views, rate): (String, Option<i32>, f64) = sqlx::query_as(
            "SELECT p.channel, m.views, m.engagement_rate::float8
             FROM published_items p JOIN normalized_metrics m ON m.published_item_id = p.id
             WHERE p.id = $1 ORDER BY m.measured_at DESC LIMIT 1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(citation["channel"], json!(channel));
        assert_eq!(citation["metrics"]["views"], json!(views));
        assert_eq!(citation["metrics"]["engagement_rate"].as_f64(), Some(rate));
        assert!(citation["published_at"].is_string());
    }

    // Explicit bounds that leave everything out: nothing to compare, said so.
    let (status, empty) = call(http().post(&url).bearer_auth(&viewer).json(&json!({
        "question": "best channel",
        "time_range": {"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}})))
    .await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(empty["confidence"], 0.0);
    assert_eq!(empty["time_range"]["from"], "2020-01-01T00:00:00Z");
}

#[tokio::test]
async fn a_question_it_cannot_answer_lists_what_it_can() {
    let db = common::db().await;
    let api = start_with(db.pool.clone(), None, ApiLimits::default(), false).await;
    let viewer = api_common::token(&db.pool, "analyst-viewer", Role::Viewer).await;
    let request = http()
        .post(api.url("/api/ai-analyst/query"))
        .bearer_auth(&viewer);
    let question = json!({"question": "what is the meaning of life?"});
    let (status, answer) = call(request.json(&question)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["understood_as"], Value::Null);
    assert_eq!(answer["confidence"], 0.0);
    assert_eq!(answer["citations"], json!([]));
    assert!(
        answer["answer"]
            .as_str()
            .unwrap()
            .contains("which channel works best")
    );
}

#[tokio::test]
async fn bad_fields_are_named_with_a_422() {
    let db = common::db().await;
    let api = start_with(db.pool.clone(), None, ApiLimits::default(), false).await;
    let url = api.url("/api/ai-analyst/query");
    let viewer = api_common::token(&db.pool, "analyst-viewer", Role::Viewer).await;
    let cases = [
        (
            json!({"persona_id": Uuid::new_v4(), "question": "trend"}),
            vec![json!(["body", "persona_id"])],
        ),
        (
            json!({"question": "", "time_range": "1y"}),
            vec![json!(["body", "question"]), json!(["body", "time_range"])],
        ),
        (
            json!({"question": "trend", "time_range": {"from": "2026-01-01T00:00:00Z"}}),
            vec![json!(["body", "time_range", "to"])],
        ),
        (json!(["not", "an", "object"]), vec![json!(["body"])]),
    ];
    for (body, expected) in cases {
        let (status, answer) = call(http().post(&url).bearer_auth(&viewer).json(&body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(locs(&answer), expected, "{body}");
    }
}
