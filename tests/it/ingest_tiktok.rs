//! The TikTok fetcher against its stand-in over real HTTP on 127.0.0.1.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use mpis_dash::config::Secret;
use mpis_dash::domain::channel::Channel;
use mpis_dash::domain::metrics::check_raw;
use mpis_dash::ingest::standin::tiktok::{
    self as standin_tiktok, TOKEN, TiktokKnobs, TiktokStandIn, video_counters,
};
use mpis_dash::ingest::tiktok::{MAX_IDS_PER_CALL, TiktokFetcher};
use mpis_dash::ingest::{FetchError, Fetcher, FetcherSettings, ItemToMeasure};
use serde_json::Value;
use uuid::Uuid;

fn fetcher(standin: &TiktokStandIn, token: &str) -> TiktokFetcher {
    TiktokFetcher::new(FetcherSettings {
        http: mpis_dash::tls::http_client_builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
        base_url: Some(standin.base_url()),
        credential: Some(Secret::new(token)),
        config: Value::Null,
    })
    .unwrap()
}

fn item(id: &str) -> ItemToMeasure {
    ItemToMeasure {
        published_item_id: Uuid::new_v4(),
        channel_item_id: Some(id.to_owned()),
        channel_url: None,
        published_at: Utc::now(),
    }
}

fn ids(first: u64, count: u64) -> Vec<ItemToMeasure> {
    (first..first + count)
        .map(|n| item(&n.to_string()))
        .collect()
}

#[tokio::test]
async fn videos_are_measured_with_their_counters() {
    let standin = standin_tiktok::start(TiktokKnobs::default()).await.unwrap();
    let fetcher = fetcher(&standin, TOKEN);
    let items = ids(7_400_000_000, 3);
    let outcome = fetcher.fetch(&items).await.unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert_eq!(outcome.measured.len(), 3);
    let elapsed = standin.elapsed();
    for (item, measured) in items.iter().zip(&outcome.measured) {
        assert_eq!(measured.published_item_id, item.published_item_id);
        let id = item.channel_item_id.as_deref().unwrap();
        let low = video_counters(id, Duration::ZERO);
        let high = video_counters(id, elapsed);
        for (n, key) in ["views", "likes", "comments", "shares"]
            .into_iter()
            .enumerate()
        {
            let value = measured.raw[key].as_u64().unwrap();
            assert!((low[n]..=high[n]).contains(&value), "{key} {value}");
        }
        assert_eq!(measured.raw["tiktok"]["id"], id);
        let row = check_raw(&Channel::Tiktok, &measured.raw).unwrap();
        assert_eq!(row.views, measured.raw["views"].as_i64());
    }
    assert_eq!(standin.calls().len(), 1);
}

#[tokio::test]
async fn forty_five_ids_take_three_queries_of_at_most_twenty() {
    let standin = standin_tiktok::start(TiktokKnobs::default()).await.unwrap();
    let fetcher = fetcher(&standin, TOKEN);
    assert_eq!(fetcher.max_batch(), MAX_IDS_PER_CALL);
    let items = ids(1_000, 45);
    let outcome = fetcher.fetch(&items).await.unwrap();
    assert_eq!(outcome.measured.len(), 45);
    let calls = standin.calls();
    let sizes: Vec<usize> = calls.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![20, 20, 5]);
    let asked: HashSet<&String> = calls.iter().flatten().collect();
    assert_eq!(asked.len(), 45, "each id asked once");
}

#[tokio::test]
async fn unknown_ids_fail_alone() {
    let knobs = TiktokKnobs {
        unknown_ids: HashSet::from(["502".to_owned()]),
        ..TiktokKnobs::default()
    };
    let standin = standin_tiktok::start(knobs).await.unwrap();
    let fetcher = fetcher(&standin, TOKEN);
    let mut items = vec![item("501"), item("502"), item("not-a-video")];
    items.push(ItemToMeasure {
        channel_item_id: None,
        channel_url: Some("https://www.tiktok.com/@someone/video/503".into()),
        ..item("")
    });
    items.push(ItemToMeasure {
        channel_item_id: None,
        ..item("")
    });
    let outcome = fetcher.fetch(&items).await.unwrap();
    let measured: Vec<Uuid> = outcome
        .measured
        .iter()
        .map(|m| m.published_item_id)
        .collect();
    assert_eq!(
        measured,
        vec![items[0].published_item_id, items[3].published_item_id]
    );
    assert_eq!(
        outcome.measured[1].raw["tiktok"]["id"], "503",
        "id from the URL"
    );
    let failed: Vec<(Uuid, &str)> = outcome
        .failures
        .iter()
        .map(|f| (f.published_item_id, f.error.as_str()))
        .collect();
    assert_eq!(failed.len(), 3);
    assert_eq!(failed[0].0, items[4].published_item_id);
    assert!(
        failed[0].1.contains("no TikTok video id"),
        "{}",
        failed[0].1
    );
    assert_eq!(failed[1].0, items[1].published_item_id);
    assert!(
        failed[1].1.contains("did not return video 502"),
        "{}",
        failed[1].1
    );
    assert_eq!(failed[2].0, items[2].published_item_id);
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    let knobs = TiktokKnobs {
        rate_limited: 2,
        retry_after_secs: Some(17),
        ..TiktokKnobs::default()
    };
    let standin = standin_tiktok::start(knobs).await.unwrap();
    let fetcher = fetcher(&standin, TOKEN);
    let items = ids(10, 2);
    for _ in 0..2 {
        match fetcher.fetch(&items).await {
            Err(FetchError::RateLimited {
                retry_after,
                detail,
            }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(17)));
                assert!(detail.contains("rate_limit_exceeded"), "{detail}");
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
    }
    assert_eq!(
        fetcher.fetch(&items).await.unwrap().measured.len(),
        2,
        "the third passes"
    );
}

#[tokio::test]
async fn a_refused_token_is_unauthorized() {
    let standin = standin_tiktok::start(TiktokKnobs::default()).await.unwrap();
    let wrong = fetcher(&standin, "some-other-token")
        .fetch(&ids(1, 1))
        .await;
    assert!(
        matches!(&wrong, Err(FetchError::Unauthorized(detail)) if detail.contains("access_token_invalid")),
        "{wrong:?}"
    );
    standin.set_knobs(TiktokKnobs {
        bad_token: true,
        ..TiktokKnobs::default()
    });
    let expired = fetcher(&standin, TOKEN).fetch(&ids(1, 1)).await;
    assert!(
        matches!(expired, Err(FetchError::Unauthorized(_))),
        "{expired:?}"
    );
}

#[tokio::test]
async fn a_malformed_body_is_an_unexpected_answer() {
    let knobs = TiktokKnobs {
        malformed: true,
        ..TiktokKnobs::default()
    };
    let standin = standin_tiktok::start(knobs).await.unwrap();
    let answer = fetcher(&standin, TOKEN).fetch(&ids(1, 1)).await;
    assert!(
        matches!(&answer, Err(FetchError::Malformed(detail)) if detail.contains("data.videos")),
        "{answer:?}"
    );
}

#[tokio::test]
async fn an_unreachable_api_is_unavailable() {
    let standin = standin_tiktok::start(TiktokKnobs::default()).await.unwrap();
    let fetcher = fetcher(&standin, TOKEN);
    drop(standin);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let answer = fetcher.fetch(&ids(1, 1)).await;
    assert!(
        matches!(answer, Err(FetchError::Unavailable(_))),
        "{answer:?}"
    );
}
