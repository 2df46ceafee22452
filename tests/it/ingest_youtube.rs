//! The YouTube fetcher against the YouTube stand-in over real HTTP on 127.0.0.1.

use std::collections::BTreeSet;
use std::time::Duration;

use mpis_dash::config::Secret;
use mpis_dash::ingest::standin::{self, Knobs, Platform, StandIn, counter};
use mpis_dash::ingest::youtube::YoutubeFetcher;
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
    standin::start_with(Platform::Youtube, knobs)
        .await
        .expect("the stand-in binds 127.0.0.1:0")
}

fn fetcher(stand_in: &StandIn, key: &str) -> YoutubeFetcher {
    YoutubeFetcher::new(FetcherSettings {
        http: mpis_dash::tls::http_client_builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
        base_url: Some(stand_in.base_url.clone()),
        credential: Some(Secret::new(key)),
        config: Value::Null,
    })
    .unwrap()
}

/// An 11-character video id, `vid` plus the number.
fn video(n: usize) -> String {
    format!("vid{n:08}")
}

fn item(id: Option<&str>, url: Option<&str>) -> ItemToMeasure {
    ItemToMeasure {
        published_item_id: Uuid::new_v4(),
        channel_item_id: id.map(str::to_owned),
        channel_url: url.map(str::to_owned),
        published_at: chrono::Utc::now(),
    }
}

fn items(count: usize) -> Vec<ItemToMeasure> {
    (0..count).map(|n| item(Some(&video(n)), None)).collect()
}

#[tokio::test]
async fn statistics_strings_arrive_as_numbers_and_hidden_likes_are_no_error() {
    let hidden = video(1);
    let stand_in = stand_in(Knobs {
        hidden_likes: BTreeSet::from([hidden.clone()]),
        ..frozen()
    })
    .await;
    let asked = items(2);
    let outcome = fetcher(&stand_in, standin::YOUTUBE_KEY)
        .fetch(&asked)
        .await
        .unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert_eq!(outcome.measured.len(), 2);
    let first = &outcome.measured[0];
    assert_eq!(first.published_item_id, asked[0].published_item_id);
    let id = video(0);
    assert_eq!(first.raw["views"], json!(counter(&id, "views", 0)));
    assert_eq!(first.raw["likes"], json!(counter(&id, "likes", 0)));
    assert_eq!(first.raw["comments"], json!(counter(&id, "comments", 0)));
    assert_eq!(
        first.raw["youtube"]["viewCount"],
        json!(counter(&id, "views", 0).to_string()),
        "the statistics object is kept as sent"
    );
    let second = &outcome.measured[1].raw;
    assert!(second.get("likes").is_none(), "{second}");
    assert_eq!(second["views"], json!(counter(&hidden, "views", 0)));
    let calls = stand_in.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].query["part"], "statistics");
    assert_eq!(calls[0].query["id"], format!("{},{}", video(0), video(1)));
}

#[tokio::test]
async fn the_caller_batches_120_ids_into_three_calls_of_at_most_50() {
    let stand_in = stand_in(frozen()).await;
    let fetcher = fetcher(&stand_in, standin::YOUTUBE_KEY);
    assert_eq!(fetcher.max_batch(), 50);
    let asked = items(120);
    let mut measured = 0;
    for batch in asked.chunks(fetcher.max_batch()) {
        let outcome = fetcher.fetch(batch).await.unwrap();
        assert!(outcome.failures.is_empty());
        measured += outcome.measured.len();
    }
    assert_eq!(measured, 120);
    let sizes: Vec<usize> = stand_in
        .calls()
        .iter()
        .map(|call| call.query["id"].split(',').count())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
}

#[tokio::test]
async fn more_than_50_ids_in_one_call_is_refused_by_the_api() {
    let stand_in = stand_in(frozen()).await;
    let error = fetcher(&stand_in, standin::YOUTUBE_KEY)
        .fetch(&items(51))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, FetchError::Malformed(m) if m.contains("badRequest")),
        "{error:?}"
    );
}

#[tokio::test]
async fn unknown_ids_fail_alone_and_name_the_video() {
    let gone = video(1);
    let stand_in = stand_in(Knobs {
        unknown_ids: BTreeSet::from([gone.clone()]),
        ..frozen()
    })
    .await;
    let asked = items(3);
    let outcome = fetcher(&stand_in, standin::YOUTUBE_KEY)
        .fetch(&asked)
        .await
        .unwrap();
    let measured: Vec<Uuid> = outcome
        .measured
        .iter()
        .map(|m| m.published_item_id)
        .collect();
    assert_eq!(
        measured,
        [asked[0].published_item_id, asked[2].published_item_id]
    );
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(
        outcome.failures[0].published_item_id,
        asked[1].published_item_id
    );
    assert!(outcome.failures[0].error.contains(&gone));
}

#[tokio::test]
async fn ids_come_from_urls_and_items_without_one_fail_alone() {
    let stand_in = stand_in(frozen()).await;
    let asked = [
        item(None, Some("https://youtu.be/aaaaaaaaaaa?t=3")),
        item(None, Some("https://www.youtube.com/watch?v=bbbbbbbbbbb")),
        item(None, Some("https://youtube.com/shorts/ccccccccccc")),
        item(None, Some("https://example.com/video")),
        item(None, None),
    ];
    let outcome = fetcher(&stand_in, standin::YOUTUBE_KEY)
        .fetch(&asked)
        .await
        .unwrap();
    assert_eq!(outcome.measured.len(), 3);
    assert_eq!(
        outcome.measured[2].raw["views"],
        json!(counter("ccccccccccc", "views", 0))
    );
    let failed: Vec<Uuid> = outcome
        .failures
        .iter()
        .map(|f| f.published_item_id)
        .collect();
    assert_eq!(
        failed,
        [asked[3].published_item_id, asked[4].published_item_id]
    );
    assert!(outcome.failures[0].error.contains("no YouTube video id"));
    assert_eq!(
        stand_in.calls()[0].query["id"],
        "aaaaaaaaaaa,bbbbbbbbbbb,ccccccccccc"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_rate_limited_for_that_long_then_it_works_again() {
    let stand_in = stand_in(Knobs {
        rate_limited_calls: 1,
        retry_after_secs: Some(17),
        ..frozen()
    })
    .await;
    let fetcher = fetcher(&stand_in, standin::YOUTUBE_KEY);
    let error = fetcher.fetch(&items(2)).await.unwrap_err();
    assert!(
        matches!(&error, FetchError::RateLimited { retry_after, .. }
            if *retry_after == Some(Duration::from_secs(17))),
        "{error:?}"
    );
    assert_eq!(fetcher.fetch(&items(2)).await.unwrap().measured.len(), 2);
}

#[tokio::test]
async fn expired_and_wrong_keys_are_unauthorized() {
    let stand_in = stand_in(Knobs {
        credential_expired: true,
        ..frozen()
    })
    .await;
    let error = fetcher(&stand_in, standin::YOUTUBE_KEY)
        .fetch(&items(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, FetchError::Unauthorized(m) if m.contains("keyInvalid")),
        "{error:?}"
    );
    stand_in.set_knobs(frozen());
    let error = fetcher(&stand_in, "someone-elses-key")
        .fetch(&items(1))
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::Unauthorized(_)), "{error:?}");
    assert!(
        !error.to_string().contains("someone-elses-key"),
        "the key never shows in an error"
    );
}

#[tokio::test]
async fn a_body_not_in_the_documented_shape_is_malformed() {
    let stand_in = stand_in(Knobs {
        malformed: true,
        ..frozen()
    })
    .await;
    let error = fetcher(&stand_in, standin::YOUTUBE_KEY)
        .fetch(&items(1))
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn a_stopped_api_is_unavailable_without_the_key_in_the_error() {
    let stand_in = stand_in(frozen()).await;
    let fetcher = fetcher(&stand_in, standin::YOUTUBE_KEY);
    drop(stand_in);
    let error = fetcher.fetch(&items(1)).await.unwrap_err();
    assert!(matches!(error, FetchError::Unavailable(_)), "{error:?}");
    assert!(!error.to_string().contains(standin::YOUTUBE_KEY), "{error}");
}

#[tokio::test]
async fn two_items_of_one_video_are_asked_once_and_both_measured() {
    let stand_in = stand_in(frozen()).await;
    let id = video(7);
    let asked = [
        item(Some(&id), None),
        item(None, Some(&format!("https://youtu.be/{id}"))),
    ];
    let outcome = fetcher(&stand_in, standin::YOUTUBE_KEY)
        .fetch(&asked)
        .await
        .unwrap();
    let measured: Vec<(Uuid, Value)> = outcome
        .measured
        .into_iter()
        .map(|m| (m.published_item_id, m.raw["views"].clone()))
        .collect();
    let views = json!(counter(&id, "views", 0));
    assert_eq!(
        measured,
        [
            (asked[0].published_item_id, views.clone()),
            (asked[1].published_item_id, views)
        ]
    );
    assert_eq!(stand_in.calls()[0].query["id"], id);
}

#[tokio::test]
async fn a_403_quota_exceeded_is_rate_limited() {
    let stand_in = stand_in(Knobs {
        quota_exhausted: true,
        ..frozen()
    })
    .await;
    let error = fetcher(&stand_in, standin::YOUTUBE_KEY)
        .fetch(&items(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, FetchError::RateLimited { retry_after: None, detail }
            if detail.contains("quotaExceeded")),
        "{error:?}"
    );
}
