//! The Instagram fetcher against the Instagram stand-in over real HTTP on 127.0.0.1.

use std::collections::BTreeSet;
use std::time::Duration;

use mpis_dash::config::Secret;
use mpis_dash::ingest::instagram::InstagramFetcher;
use mpis_dash::ingest::standin::{self, Knobs, Platform, StandIn, counter};
use mpis_dash::ingest::{FetchError, Fetcher, FetcherSettings, ItemToMeasure};
use serde_json::{Value, json};
use uuid::Uuid;

fn frozen() -> Knobs {
    Knobs {
        frozen_clock: true,
        ..Knobs::default()
    }
}

async fn stand_in(knobs: Knobs) -> StandIn {
    standin::start_with(Platform::Instagram, knobs)
        .await
        .expect("the stand-in binds 127.0.0.1:0")
}

fn fetcher_with(stand_in: &StandIn, token: &str, config: Value) -> InstagramFetcher {
    InstagramFetcher::new(FetcherSettings {
        http: mpis_dash::tls::http_client_builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
        base_url: Some(stand_in.base_url.clone()),
        credential: Some(Secret::new(token)),
        config,
    })
    .unwrap()
}

fn fetcher(stand_in: &StandIn) -> InstagramFetcher {
    fetcher_with(stand_in, standin::INSTAGRAM_TOKEN, Value::Null)
}

fn media(n: usize) -> String {
    format!("1789{n:011}")
}

fn items(count: usize) -> Vec<ItemToMeasure> {
    (0..count)
        .map(|n| ItemToMeasure {
            published_item_id: Uuid::new_v4(),
            channel_item_id: Some(media(n)),
            channel_url: None,
            published_at: chrono::Utc::now(),
        })
        .collect()
}

#[tokio::test]
async fn insights_map_to_the_instagram_raw_keys() {
    let stand_in = stand_in(frozen()).await;
    let asked = items(1);
    let outcome = fetcher(&stand_in).fetch(&asked).await.unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let raw = &outcome.measured[0].raw;
    let id = media(0);
    for (key, metric) in [
        ("reach", "reach"),
        ("likes", "likes"),
        ("comments", "comments"),
        ("shares", "shares"),
        ("saves", "saved"),
        ("impressions", "views"),
    ] {
        assert_eq!(raw[key], json!(counter(&id, metric, 0)), "{key}");
    }
    assert_eq!(raw["instagram"]["api_version"], "v21.0");
    assert!(raw["instagram"].get("dropped_metrics").is_none());
    let calls = stand_in.calls();
    assert_eq!(calls[0].path, format!("/v21.0/{id}/insights"));
    assert_eq!(
        calls[0].query["metric"],
        "reach,likes,comments,shares,saved,views"
    );
}

#[tokio::test]
async fn one_request_per_media_and_the_api_version_from_config() {
    let stand_in = stand_in(frozen()).await;
    let fetcher = fetcher_with(
        &stand_in,
        standin::INSTAGRAM_TOKEN,
        json!({"api_version": "v22.0"}),
    );
    let asked = items(120);
    let mut measured = Vec::new();
    for batch in asked.chunks(fetcher.max_batch()) {
        measured.extend(fetcher.fetch(batch).await.unwrap().measured);
    }
    assert_eq!(measured.len(), 120);
    // Bounded concurrency answers in the order asked.
    let order: Vec<Uuid> = measured.iter().map(|m| m.published_item_id).collect();
    let expected: Vec<Uuid> = asked.iter().map(|i| i.published_item_id).collect();
    assert_eq!(order, expected);
    let calls = stand_in.calls();
    assert_eq!(calls.len(), 120);
    assert!(calls.iter().all(|c| c.path.starts_with("/v22.0/")));
}

#[tokio::test]
async fn unknown_media_fail_alone() {
    let stand_in = stand_in(Knobs {
        unknown_ids: BTreeSet::from([media(1)]),
        ..frozen()
    })
    .await;
    let mut asked = items(3);
    asked[2].channel_item_id = Some("CxYzShortcode".into());
    let outcome = fetcher(&stand_in).fetch(&asked).await.unwrap();
    assert_eq!(outcome.measured.len(), 1);
    assert_eq!(
        outcome.measured[0].published_item_id,
        asked[0].published_item_id
    );
    let failed: Vec<(Uuid, &str)> = outcome
        .failures
        .iter()
        .map(|f| (f.published_item_id, f.error.as_str()))
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(
        failed
            .iter()
            .any(|(id, error)| *id == asked[1].published_item_id
                && error.contains("code 100")
                && error.contains("does not exist"))
    );
    assert!(
        failed
            .iter()
            .any(|(id, error)| *id == asked[2].published_item_id
                && error.contains("not an Instagram media id"))
    );
    assert_eq!(stand_in.call_count(), 2, "a shortcode is never requested");
}

#[tokio::test]
async fn a_429_with_retry_after_is_rate_limited_for_that_long() {
    let stand_in = stand_in(Knobs {
        rate_limited_calls: 1,
        retry_after_secs: Some(42),
        ..frozen()
    })
    .await;
    let fetcher = fetcher(&stand_in);
    let error = fetcher.fetch(&items(1)).await.unwrap_err();
    assert!(
        matches!(&error, FetchError::RateLimited { retry_after, .. }
            if *retry_after == Some(Duration::from_secs(42))),
        "{error:?}"
    );
    assert_eq!(fetcher.fetch(&items(1)).await.unwrap().measured.len(), 1);
}

#[tokio::test]
async fn an_expired_token_is_unauthorized() {
    let stand_in = stand_in(Knobs {
        credential_expired: true,
        ..frozen()
    })
    .await;
    let error = fetcher(&stand_in).fetch(&items(3)).await.unwrap_err();
    assert!(
        matches!(&error, FetchError::Unauthorized(m) if m.contains("code 190")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_body_not_in_the_documented_shape_is_malformed() {
    let stand_in = stand_in(Knobs {
        malformed: true,
        ..frozen()
    })
    .await;
    let error = fetcher(&stand_in).fetch(&items(2)).await.unwrap_err();
    assert!(matches!(error, FetchError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn a_deprecated_metric_is_retried_without_and_then_left_out() {
    let stand_in = stand_in(Knobs {
        deprecated_metrics: BTreeSet::from(["impressions".to_owned()]),
        ..frozen()
    })
    .await;
    let fetcher = fetcher_with(
        &stand_in,
        standin::INSTAGRAM_TOKEN,
        json!({"metrics": ["reach", "likes", "impressions"]}),
    );
    let outcome = fetcher.fetch(&items(1)).await.unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let raw = &outcome.measured[0].raw;
    assert_eq!(raw["reach"], json!(counter(&media(0), "reach", 0)));
    assert!(raw.get("impressions").is_none());
    assert_eq!(raw["instagram"]["dropped_metrics"], json!(["impressions"]));
    let metrics: Vec<String> = stand_in
        .calls()
        .iter()
        .map(|c| c.query["metric"].clone())
        .collect();
    assert_eq!(metrics, ["reach,likes,impressions", "reach,likes"]);

    // The fetcher remembers: the next media is asked without it at once, and still says so.
    let later = fetcher.fetch(&items(2)[1..]).await.unwrap();
    assert_eq!(
        later.measured[0].raw["instagram"]["dropped_metrics"],
        json!(["impressions"])
    );
    assert_eq!(stand_in.call_count(), 3);
}

#[tokio::test]
async fn a_stopped_api_is_unavailable_without_the_token_in_the_error() {
    let stand_in = stand_in(frozen()).await;
    let fetcher = fetcher(&stand_in);
    drop(stand_in);
    let error = fetcher.fetch(&items(2)).await.unwrap_err();
    assert!(matches!(error, FetchError::Unavailable(_)), "{error:?}");
    assert!(
        !error.to_string().contains(standin::INSTAGRAM_TOKEN),
        "{error}"
    );
}

#[tokio::test]
async fn error_code_4_without_a_429_is_rate_limited() {
    let stand_in = stand_in(Knobs {
        quota_exhausted: true,
        ..frozen()
    })
    .await;
    let error = fetcher(&stand_in).fetch(&items(3)).await.unwrap_err();
    assert!(
        matches!(&error, FetchError::RateLimited { retry_after: None, detail }
            if detail.contains("code 4")),
        "{error:?}"
    );
}
