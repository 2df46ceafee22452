//! The Telegram fetcher against its stand-in (the public channel preview) over real HTTP on
//! 127.0.0.1.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::Utc;
use mpis_dash::domain::channel::Channel;
use mpis_dash::domain::metrics::check_raw;
use mpis_dash::ingest::standin::telegram::{
    self as standin_telegram, PageRequest, StandInChannel, TelegramKnobs, TelegramStandIn,
};
use mpis_dash::ingest::telegram::TelegramFetcher;
use mpis_dash::ingest::telegram_preview::parse_count;
use mpis_dash::ingest::{FetchError, Fetcher, FetcherSettings, ItemToMeasure};
use serde_json::{Value, json};
use uuid::Uuid;

fn fetcher(standin: &TelegramStandIn, config: Value) -> TelegramFetcher {
    TelegramFetcher::new(FetcherSettings {
        http: mpis_dash::tls::http_client_builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
        base_url: Some(standin.base_url()),
        credential: None,
        config,
    })
    .unwrap()
}

fn post(id: u64) -> ItemToMeasure {
    ItemToMeasure {
        published_item_id: Uuid::new_v4(),
        channel_item_id: Some(id.to_string()),
        channel_url: None,
        published_at: Utc::now(),
    }
}

fn linked(url: &str) -> ItemToMeasure {
    ItemToMeasure {
        channel_item_id: None,
        channel_url: Some(url.to_owned()),
        ..post(0)
    }
}

async fn news(last_post: u64) -> TelegramStandIn {
    standin_telegram::start(TelegramKnobs {
        channels: vec![StandInChannel::new("standin_news", last_post)],
        ..TelegramKnobs::default()
    })
    .await
    .unwrap()
}

fn views(outcome: &mpis_dash::ingest::FetchOutcome) -> HashMap<Uuid, u64> {
    outcome
        .measured
        .iter()
        .map(|m| (m.published_item_id, m.raw["views"].as_u64().unwrap()))
        .collect()
}

#[tokio::test]
async fn posts_are_measured_from_one_page() {
    let standin = news(100).await;
    let fetcher = fetcher(&standin, json!({"channel_username": "standin_news"}));
    let items = vec![post(99), post(90), post(85)];
    let outcome = fetcher.fetch(&items).await.unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let views = views(&outcome);
    let elapsed = standin.elapsed();
    for (item, id) in items.iter().zip([99, 90, 85]) {
        let low = standin_telegram::post_views("standin_news", id, Duration::ZERO);
        let high = standin_telegram::post_views("standin_news", id, elapsed);
        // What the page shows is rounded down to two figures at most.
        let shown = views[&item.published_item_id];
        assert!(
            shown <= high && shown >= low - low / 10,
            "{id}: {shown} not in {low}..{high}"
        );
    }
    let measured = &outcome.measured[0].raw;
    assert!(measured["reactions"]["👍"].as_u64().is_some(), "{measured}");
    assert_eq!(measured["source"], "t.me public preview");
    for measured in &outcome.measured {
        let row = check_raw(&Channel::Telegram, &measured.raw).unwrap();
        assert_eq!(row.views, measured.raw["views"].as_i64());
    }
    assert_eq!(
        standin.pages(),
        vec![PageRequest {
            channel: "standin_news".into(),
            before: Some(100)
        }],
        "posts 80..99 are on the first page"
    );
}

#[tokio::test]
async fn distant_posts_are_paged_by_before() {
    let standin = news(200).await;
    let fetcher = fetcher(&standin, json!({"channel_username": "@standin_news"}));
    let items: Vec<ItemToMeasure> = [200, 181, 150, 3].into_iter().map(post).collect();
    let outcome = fetcher.fetch(&items).await.unwrap();
    assert_eq!(outcome.measured.len(), 4, "{:?}", outcome.failures);
    let befores: Vec<Option<u64>> = standin.pages().into_iter().map(|p| p.before).collect();
    assert_eq!(befores, vec![Some(201), Some(151), Some(4)]);
}

#[tokio::test]
async fn k_and_m_counts_are_read_as_numbers() {
    let mut channel = StandInChannel::new("standin_news", 10);
    channel.views_shown = HashMap::from([
        (8, "987".to_owned()),
        (9, "1.2K".to_owned()),
        (10, "3.4M".to_owned()),
        (7, "lots".to_owned()),
    ]);
    let standin = standin_telegram::start(TelegramKnobs {
        channels: vec![channel],
        ..TelegramKnobs::default()
    })
    .await
    .unwrap();
    let fetcher = fetcher(&standin, json!({"channel_username": "standin_news"}));
    let items: Vec<ItemToMeasure> = [8, 9, 10, 7].into_iter().map(post).collect();
    let outcome = fetcher.fetch(&items).await.unwrap();
    let views = views(&outcome);
    assert_eq!(views[&items[0].published_item_id], 987);
    assert_eq!(views[&items[1].published_item_id], 1_200);
    assert_eq!(views[&items[2].published_item_id], 3_400_000);
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(
        outcome.failures[0].published_item_id,
        items[3].published_item_id
    );
    assert!(
        outcome.failures[0].error.contains("\"lots\""),
        "{}",
        outcome.failures[0].error
    );
    assert_eq!(parse_count("3.4M"), Some(3_400_000));
}

#[tokio::test]
async fn posts_named_by_link_or_channel_and_id() {
    let standin = standin_telegram::start(TelegramKnobs {
        channels: vec![
            StandInChannel::new("standin_news", 30),
            StandInChannel::new("Other_Channel", 5),
        ],
        ..TelegramKnobs::default()
    })
    .await
    .unwrap();
    let fetcher = fetcher(&standin, Value::Null);
    let items = vec![
        linked("https://t.me/standin_news/7"),
        linked("https://t.me/s/other_channel/5"),
        ItemToMeasure {
            channel_item_id: Some("standin_news/29".into()),
            ..post(0)
        },
        post(12),
    ];
    let outcome = fetcher.fetch(&items).await.unwrap();
    let measured: HashSet<Uuid> = views(&outcome).into_keys().collect();
    assert_eq!(
        measured,
        HashSet::from([
            items[0].published_item_id,
            items[1].published_item_id,
            items[2].published_item_id
        ])
    );
    assert_eq!(outcome.failures.len(), 1);
    assert!(outcome.failures[0].error.contains("channel_username"));
    let other = outcome
        .measured
        .iter()
        .find(|m| m.published_item_id == items[1].published_item_id)
        .unwrap();
    assert_eq!(other.raw["message_id"], 5);
}

#[tokio::test]
async fn deleted_posts_and_unknown_channels_fail_alone_and_point_to_the_push_route() {
    let mut channel = StandInChannel::new("standin_news", 50);
    channel.deleted = HashSet::from([48]);
    let standin = standin_telegram::start(TelegramKnobs {
        channels: vec![channel],
        ..TelegramKnobs::default()
    })
    .await
    .unwrap();
    let fetcher = fetcher(&standin, json!({"channel_username": "standin_news"}));
    let items = vec![
        post(49),
        post(48),
        post(60),
        linked("https://t.me/no_such_channel/3"),
        linked("https://t.me/c/123456/9"),
    ];
    let outcome = fetcher.fetch(&items).await.unwrap();
    let measured: Vec<Uuid> = outcome
        .measured
        .iter()
        .map(|m| m.published_item_id)
        .collect();
    assert_eq!(measured, vec![items[0].published_item_id]);
    let failures: HashMap<Uuid, &str> = outcome
        .failures
        .iter()
        .map(|f| (f.published_item_id, f.error.as_str()))
        .collect();
    assert_eq!(failures.len(), 4);
    for item in &items[1..] {
        let error = failures[&item.published_item_id];
        assert!(error.contains("/api/publisher/metrics/ingest"), "{error}");
    }
    assert!(failures[&items[3].published_item_id].contains("no public preview"));
    assert!(failures[&items[4].published_item_id].contains("private channel"));
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    let standin = standin_telegram::start(TelegramKnobs {
        channels: vec![StandInChannel::new("standin_news", 10)],
        rate_limited: 1,
        retry_after_secs: Some(9),
        ..TelegramKnobs::default()
    })
    .await
    .unwrap();
    let fetcher = fetcher(&standin, json!({"channel_username": "standin_news"}));
    let answer = fetcher.fetch(&[post(3)]).await;
    assert!(
        matches!(answer, Err(FetchError::RateLimited { retry_after: Some(wait), .. }) if wait == Duration::from_secs(9)),
        "{answer:?}"
    );
    assert_eq!(fetcher.fetch(&[post(3)]).await.unwrap().measured.len(), 1);
}

#[tokio::test]
async fn a_page_that_is_not_a_preview_is_an_unexpected_answer() {
    let standin = standin_telegram::start(TelegramKnobs {
        channels: vec![StandInChannel::new("standin_news", 10)],
        malformed: true,
        ..TelegramKnobs::default()
    })
    .await
    .unwrap();
    let fetcher = fetcher(&standin, json!({"channel_username": "standin_news"}));
    let answer = fetcher.fetch(&[post(3)]).await;
    assert!(
        matches!(answer, Err(FetchError::Malformed(_))),
        "{answer:?}"
    );
}

#[tokio::test]
async fn an_unknown_channel_fails_also_when_redirects_are_not_followed() {
    let standin = news(10).await;
    let fetcher = TelegramFetcher::new(FetcherSettings {
        http: mpis_dash::tls::http_client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
        base_url: Some(standin.base_url()),
        credential: None,
        config: json!({"channel_username": "gone_channel"}),
    })
    .unwrap();
    let items = [post(3), post(4)];
    let outcome = fetcher.fetch(&items).await.unwrap();
    assert!(outcome.measured.is_empty());
    assert_eq!(outcome.failures.len(), 2);
    assert!(
        outcome.failures[0]
            .error
            .contains("@gone_channel has no public preview")
    );
    assert_eq!(
        standin.pages().len(),
        1,
        "one page tells the channel has no preview"
    );
}
