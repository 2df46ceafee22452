//! `POST /api/auth/login` (ADMIN_PASSWORD -> a 24 h admin token that `token list` shows and
//! `token revoke` ends), rate limits (429 with `Retry-After`, per token and per address) and
//! CORS from `cors_origins`, over real HTTP against a real PostgreSQL.

use mpis_dash::api::ApiLimits;
use mpis_dash::config::{Config, Secret};
use mpis_dash::store::tokens;
use reqwest::StatusCode;
use serde_json::json;

use crate::api_common::{self, assert_detail, call, http, start_configured};
use crate::common;

const PASSWORD: &str = "correct horse battery staple";

fn with_password() -> Config {
    let mut config = api_common::config();
    config.admin_password = Secret::non_blank(PASSWORD.to_string());
    config
}

#[tokio::test]
async fn login_gives_a_24_hour_admin_token_that_token_list_shows_and_revoke_ends() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = start_configured(pool.clone(), None, ApiLimits::default(), with_password()).await;
    let before = chrono::Utc::now();
    let (status, body) = call(
        http()
            .post(api.url("/api/auth/login"))
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().expect("a token").to_string();
    assert!(token.starts_with("mpd_"), "{body}");
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["expires_at"].clone()).expect("expires_at");
    let day = chrono::Duration::hours(24);
    assert!(
        expires >= before + day && expires <= chrono::Utc::now() + day,
        "{expires}"
    );
    assert_eq!(body["role"], "admin");

    // An admin route answers to it.
    let bearer = format!("Bearer {token}");
    let (status, jobs) = call(
        http()
            .get(api.url("/api/metrics/jobs"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{jobs}");

    // An ordinary api_tokens row: listed (never the secret), revocable by name.
    let name = body["name"].as_str().unwrap().to_string();
    let listed = tokens::list(pool).await.unwrap();
    let row = listed.iter().find(|t| t.name == name).expect("listed");
    assert_eq!(row.role, "admin");
    assert_eq!(row.expires_at, Some(expires));
    assert!(
        row.created_by.starts_with("login from 127.0.0.1"),
        "{}",
        row.created_by
    );
    tokens::revoke(pool, &name, "tests", chrono::Utc::now())
        .await
        .unwrap();
    // A revocation from another process is seen once the token's cached check runs out.
    tokio::time::sleep(
        mpis_dash::api::auth_cache::AUTH_CACHE_TTL + std::time::Duration::from_millis(100),
    )
    .await;
    let (status, body) = call(
        http()
            .get(api.url("/api/metrics/jobs"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
}

#[tokio::test]
async fn a_login_token_stops_working_when_it_expires() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = start_configured(pool.clone(), None, ApiLimits::default(), with_password()).await;
    let (_, body) = call(
        http()
            .post(api.url("/api/auth/login"))
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    let bearer = format!("Bearer {}", body["token"].as_str().unwrap());
    // A day later, as far as the token knows.
    sqlx::query("UPDATE api_tokens SET expires_at = now() - INTERVAL '1 second' WHERE name = $1")
        .bind(body["name"].as_str().unwrap())
        .execute(pool)
        .await
        .unwrap();
    let (status, body) = call(
        http()
            .get(api.url("/api/widgets"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_401_bad_bodies_422_and_no_password_set_404() {
    let db = common::db().await;
    let pool = &db.pool;
    let api = start_configured(pool.clone(), None, ApiLimits::default(), with_password()).await;
    let tokens_before = common::count(pool, "api_tokens").await;
    let response = http()
        .post(api.url("/api/auth/login"))
        .json(&json!({ "password": "wrong" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "wrong password");
    let (status, body) = call(http().post(api.url("/api/auth/login")).json(&json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(api_common::locs(&body), vec![json!(["body", "password"])]);
    let (status, body) = call(
        http()
            .post(api.url("/api/auth/login"))
            .json(&json!({"password": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = call(http().post(api.url("/api/auth/login")).body("{}")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(common::count(pool, "api_tokens").await, tokens_before);

    let unset = start_configured(
        pool.clone(),
        None,
        ApiLimits::default(),
        api_common::config(),
    )
    .await;
    let (status, body) = call(
        http()
            .post(unset.url("/api/auth/login"))
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("ADMIN_PASSWORD is not set"),
        "{body}"
    );
    assert_eq!(common::count(pool, "api_tokens").await, tokens_before);
}

#[tokio::test]
async fn repeated_login_attempts_are_answered_429_with_retry_after() {
    let db = common::db().await;
    let api = start_configured(db.pool.clone(), None, ApiLimits::default(), with_password()).await;
    let attempt = || {
        http()
            .post(api.url("/api/auth/login"))
            .json(&json!({ "password": "guess" }))
            .send()
    };
    for i in 0..mpis_dash::api::rate_limit::LOGIN_BURST {
        assert_eq!(
            attempt().await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "attempt {i}"
        );
    }
    let response = attempt().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&retry), "{retry}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("login attempts"),
        "{body}"
    );
    // Even the right password waits now (no guessing past the limit).
    let (status, _) = call(
        http()
            .post(api.url("/api/auth/login"))
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_caller_over_its_rate_gets_429_with_retry_after_and_others_do_not() {
    let db = common::db().await;
    let pool = &db.pool;
    let mut config = api_common::config();
    config.rate_limit_per_sec = 1;
    config.rate_limit_burst = 3;
    let api = start_configured(pool.clone(), None, ApiLimits::default(), config).await;
    let other = api_common::token(pool, "other", mpis_dash::domain::auth::Role::Viewer).await;
    let client = api.http();
    for i in 0..3 {
        let (status, body) = call(client.get(api.url("/api/widgets"))).await;
        assert_eq!(status, StatusCode::OK, "request {i}: {body}");
    }
    let response = client.get(api.url("/api/widgets")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_detail(StatusCode::TOO_MANY_REQUESTS, &body, "over the rate");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("try again in 1 s"),
        "{body}"
    );

    // Another token has its own allowance; so has an anonymous client (by address).
    let (status, _) = call(
        http()
            .get(api.url("/api/widgets"))
            .header("authorization", format!("Bearer {other}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..3 {
        assert_eq!(
            http()
                .get(api.url("/health"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
    let response = http().get(api.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));

    // After the wait, the first caller is served again.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _) = call(client.get(api.url("/api/widgets"))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn cors_headers_only_for_listed_origins_and_preflights_work() {
    let db = common::db().await;
    let pool = &db.pool;
    let allowed = "http://localhost:3000";
    let refused = "https://evil.example";

    // Default: no origins, no CORS header at all.
    let plain = start_configured(
        pool.clone(),
        None,
        ApiLimits::default(),
        api_common::config(),
    )
    .await;
    // (Reads are open to anyone in these servers: no token needed.)
    let response = http()
        .get(plain.url("/api/widgets"))
        .header("origin", allowed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );

    let mut config = api_common::config();
    config.cors_origins = vec![allowed.to_string()];
    let api = start_configured(pool.clone(), None, ApiLimits::default(), config).await;
    let preflight = |origin: &str| {
        http()
            .request(reqwest::Method::OPTIONS, api.url("/api/dashboards/layouts"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let response = preflight(allowed).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], allowed);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let allowed_headers = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"));

    let response = preflight(refused).await.unwrap();
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin"),
        "a refused origin gets no CORS header: {:?}",
        response.headers()
    );

    // The real request: the allowed origin gets the header (and Retry-After is exposed).
    let response = http()
        .get(api.url("/api/widgets"))
        .header("origin", allowed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], allowed);
    let response = http()
        .get(api.url("/api/widgets"))
        .header("origin", refused)
        .send()
        .await
        .unwrap();
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}
