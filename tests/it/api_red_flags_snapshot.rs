//! `GET /api/red-flags` from the in-process snapshot (config `red_flags_max_age_secs`): at most
//! that old (`as_of` says when it was computed), computed once for concurrent requests, and a
//! database that is down is still a 503 with a detail within the request timeout.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mpis_dash::api::ApiLimits;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::store::red_flags;
use reqwest::StatusCode;
use serde_json::Value;

use crate::api_common::{self, call, start_configured};
use crate::common;

fn as_of(body: &Value) -> DateTime<Utc> {
    body["as_of"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("as_of in {body}"))
}

#[tokio::test]
async fn the_answer_is_at_most_max_age_old_and_says_when_it_was_computed() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let now = Utc::now();
    for n in 0..6 {
        common::published_item(pool, draft, "telegram", &format!("s{n}"), now).await;
    }
    red_flags::evaluate_and_record(pool, &Thresholds::default(), now)
        .await
        .unwrap();
    let mut config = api_common::config();
    assert_eq!(config.red_flags_max_age_secs, 2, "the default");
    config.red_flags_max_age_secs = 1;
    let api = start_configured(pool.clone(), None, ApiLimits::default(), config).await;
    let http = api.http();

    let before = Utc::now();
    let (status, first) = call(http.get(api.url("/api/red-flags"))).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["missing_metrics"]["count"], 6);
    let computed = as_of(&first);
    assert!(
        computed >= before - chrono::Duration::milliseconds(5),
        "{first}"
    );
    assert!(first["evaluated_at"].is_string());

    // The evaluator counts a seventh item; within the max age the snapshot answers as before.
    common::published_item(pool, draft, "telegram", "s6", now).await;
    red_flags::evaluate_and_record(pool, &Thresholds::default(), Utc::now())
        .await
        .unwrap();
    let (_, cached) = call(http.get(api.url("/api/red-flags"))).await;
    assert_eq!(as_of(&cached), computed, "the same snapshot");
    assert_eq!(cached["missing_metrics"]["count"], 6);

    // Past the max age: computed again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, fresh) = call(http.get(api.url("/api/red-flags"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(as_of(&fresh) > computed, "{fresh}");
    assert!(Utc::now() - as_of(&fresh) < chrono::Duration::seconds(1));
    assert_eq!(fresh["missing_metrics"]["count"], 7);

    // Many requests at once after it aged: all get one computation.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut requests = Vec::new();
    for _ in 0..40 {
        let (http, url) = (http.clone(), api.url("/api/red-flags"));
        requests.push(tokio::spawn(async move { call(http.get(url)).await }));
    }
    let mut times = std::collections::HashSet::new();
    for request in requests {
        let (status, body) = request.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        times.insert(as_of(&body));
    }
    assert_eq!(times.len(), 1, "one flight: {times:?}");
    assert!(times.iter().all(|t| *t > as_of(&fresh)));
}

#[tokio::test]
async fn a_database_that_is_down_is_a_503_within_the_request_timeout() {
    let pool = api_common::pool_to_closed_port(Duration::from_secs(2));
    let limits = ApiLimits {
        request_timeout: Duration::from_secs(5),
        ..ApiLimits::default()
    };
    let api = start_configured(pool, None, limits, api_common::config()).await;
    let began = Instant::now();
    let mut requests = Vec::new();
    for _ in 0..10 {
        let (http, url) = (api.http(), api.url("/api/red-flags"));
        requests.push(tokio::spawn(async move { call(http.get(url)).await }));
    }
    for request in requests {
        let (status, body) = request.await.unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("database unreachable")),
            "{body}"
        );
    }
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
}

/// Successful token checks are reused for `AUTH_CACHE_TTL` (so a busy client costs one
/// look-up a second); a token revoked (by `token revoke`, another process) or expired after
/// it was used is refused once that passed.
#[tokio::test]
async fn a_token_revoked_or_expired_after_use_is_refused_within_the_cache_ttl() {
    use mpis_dash::api::auth_cache::AUTH_CACHE_TTL;
    use mpis_dash::domain::auth::Role;
    use mpis_dash::store::tokens;
    let db = common::db().await;
    let pool = &db.pool;
    let api = api_common::start_with(pool.clone(), None, ApiLimits::default(), false).await;
    let viewer = api_common::token(pool, "grafana", Role::Viewer).await;
    let editor = api_common::token(pool, "n8n", Role::Editor).await;
    let get = |secret: &str| {
        api_common::http()
            .get(api.url("/api/red-flags"))
            .bearer_auth(secret)
    };
    for secret in [&viewer, &editor] {
        let (status, body) = call(get(secret)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    tokens::revoke(pool, "grafana", "tests", Utc::now())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE api_tokens SET expires_at = now() - INTERVAL '1 second' WHERE name = 'n8n'",
    )
    .execute(pool)
    .await
    .unwrap();
    tokio::time::sleep(AUTH_CACHE_TTL + Duration::from_millis(100)).await;
    for (secret, why) in [(&viewer, "revoked"), (&editor, "expired")] {
        let (status, body) = call(get(secret)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| d.contains(why)),
            "{body}"
        );
    }
    // An unknown secret of the right shape is looked up (and refused) every time.
    let (status, _) = call(get(&api_common::unknown_secret())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
