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

/// A stand-in of an OpenAI-compatible chat endpoint on 127.0.0.1:0: `/ok` echoes the figures
/// it was sent, `/drops` leaves them out, `/slow` answers after 3 s, `/fail` is a 500 and
/// `/garbage` is not JSON. Its base URL.
async fn chat_stand_in() -> String {
    use axum::Json;
    use axum::http::StatusCode as Status;
    use axum::routing::post;
    async fn ok(Json(body): Json<Value>) -> Json<Value> {
        let facts: Value =
            serde_json::from_str(body["messages"][1]["content"].as_str().unwrap()).unwrap();
        let text = format!("In short (LLM): {}", facts["answer"].as_str().unwrap());
        Json(json!({"choices": [{"message": {"role": "assistant", "content": text}}]}))
    }
    async fn drops() -> Json<Value> {
        Json(json!({"choices": [{"message": {"content": "Telegram is great."}}]}))
    }
    async fn slow() -> Json<Value> {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        drops().await
    }
    async fn fail() -> (Status, &'static str) {
        (Status::INTERNAL_SERVER_ERROR, "{\"error\": \"boom\"}")
    }
    async fn garbage() -> &'static str {
        "<html>not json</html>"
    }
    let app = axum::Router::new()
        .route("/ok", post(ok))
        .route("/drops", post(drops))
        .route("/slow", post(slow))
        .route("/fail", post(fail))
        .route("/garbage", post(garbage));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn the_phrasing_keeps_the_figures_and_falls_back_on_any_failure() {
    use mpis_dash::analyst_llm::{PhraseError, Phraser};
    use mpis_dash::domain::analyst::{self, Aggregates, ChannelTotals, Intent};
    let base = chat_stand_in().await;
    let totals = |channel: &str, avg: f64| ChannelTotals {
        channel: channel.into(),
        rated: 40,
        avg_engagement: Some(avg),
        views: 0,
    };
    let data = Aggregates {
        channels: vec![totals("telegram", 0.1), totals("instagram", 0.05)],
        ..Aggregates::default()
    };
    let answer = analyst::answer(Some(Intent::BestChannel), &data);
    let phraser = |path: &str| {
        Phraser::new(
            &format!("{base}{path}"),
            "test-model",
            None,
            std::time::Duration::from_secs(1),
        )
    };
    let text = phraser("/ok")
        .phrase("best channel", &answer)
        .await
        .unwrap();
    assert!(
        text.starts_with("In short (LLM): telegram works best"),
        "{text}"
    );
    let outcomes = [
        ("/drops", "dropped"),
        ("/slow", "within"),
        ("/fail", "HTTP 500"),
        ("/garbage", "no reply"),
    ];
    for (path, words) in outcomes {
        let error: PhraseError = phraser(path)
            .phrase("best channel", &answer)
            .await
            .unwrap_err();
        assert!(error.to_string().contains(words), "{path}: {error}");
    }
}

#[tokio::test]
async fn the_route_says_who_phrased_the_answer() {
    let db = common::db().await;
    let seeded = seed(&db.pool).await;
    let base = chat_stand_in().await;
    let viewer = api_common::token(&db.pool, "analyst-viewer", Role::Viewer).await;
    for (path, phrased_by) in [("/ok", "llm"), ("/fail", "engine")] {
        let mut config = api_common::config();
        config.analyst.llm_url = Some(format!("{base}{path}"));
        let api =
            api_common::start_configured(db.pool.clone(), None, ApiLimits::default(), config).await;
        let body = json!({"persona_id": seeded.alex, "question": "best channel"});
        let request = http()
            .post(api.url("/api/ai-analyst/query"))
            .bearer_auth(&viewer);
        let (status, answer) = call(request.json(&body)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["phrased_by"], phrased_by, "{path}");
        let text = answer["answer"].as_str().unwrap();
        assert_eq!(
            text.starts_with("In short (LLM)"),
            phrased_by == "llm",
            "{text}"
        );
        assert!(text.contains("telegram works best"), "{text}");
        assert_eq!(answer["citations"].as_array().unwrap().len(), 2);
    }
}
