//! The engine over hand-made aggregates whose right answers are known.

use chrono::{TimeZone, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::*;
use crate::domain::analyst::aggregates::{ChannelTotals, FailureGroup, MissingItem, PeriodTotals};

fn item(channel: &str, hour: u32, engagement: f64) -> CitedItem {
    let metrics: Map<String, Value> = json!({"views": 1000, "engagement_rate": engagement})
        .as_object()
        .cloned()
        .unwrap();
    CitedItem {
        published_item_id: Uuid::new_v4(),
        channel: channel.to_string(),
        // 2026-11-30 is a Monday.
        published_at: Utc.with_ymd_and_hms(2026, 11, 30, hour, 0, 0).unwrap(),
        metrics,
    }
}

fn totals(channel: &str, rated: u64, avg: f64) -> ChannelTotals {
    ChannelTotals {
        channel: channel.to_string(),
        rated,
        avg_engagement: Some(avg),
        views: 0,
    }
}

fn channels_data() -> Aggregates {
    Aggregates {
        channels: vec![
            totals("instagram", 40, 0.05),
            totals("telegram", 100, 0.10),
            totals("tiktok", 60, 0.02),
        ],
        top_items: vec![
            item("telegram", 9, 0.2),
            item("instagram", 9, 0.09),
            item("telegram", 10, 0.15),
        ],
        bottom_items: vec![item("tiktok", 3, 0.001), item("telegram", 3, 0.05)],
        items_sampled: 200,
        ..Aggregates::default()
    }
}

#[test]
fn best_channel_is_the_highest_average_and_cites_its_top_posts() {
    let data = channels_data();
    let a = answer(Some(Intent::BestChannel), &data);
    assert_eq!(a.understood_as, Some(Intent::BestChannel));
    assert!(a.answer.starts_with("telegram works best"), "{}", a.answer);
    assert!(a.answer.contains("0.1000") && a.answer.contains("+100%"));
    assert!(a.answer.contains("instagram"), "{}", a.answer);
    assert_eq!(a.citations.len(), 2);
    assert!(a.citations.iter().all(|c| c.channel == "telegram"));
    assert_eq!(a.citations[0], data.top_items[0], "cited as given");
    // n = min(100, 40) = 40 -> 40/60; gap 50 % -> effect 1.
    assert_eq!(a.confidence, 0.67);
    assert!(a.suggested_actions[0].contains("telegram"));
}

#[test]
fn worst_channel_is_the_lowest_average() {
    let a = answer(Some(Intent::WorstChannel), &channels_data());
    assert!(
        a.answer.starts_with("tiktok performs worst"),
        "{}",
        a.answer
    );
    assert!(a.answer.contains("-60%"), "{}", a.answer);
    assert_eq!(a.citations.len(), 1);
    assert_eq!(a.citations[0].channel, "tiktok");
    // n = min(60, 40) = 40; gap (0.05-0.02)/0.05 = 60 % -> 1.
    assert_eq!(a.confidence, 0.67);
    assert!(a.suggested_actions.iter().any(|s| s.contains("telegram")));
}

#[test]
fn a_close_race_on_a_small_sample_has_low_confidence() {
    let data = Aggregates {
        channels: vec![totals("telegram", 5, 0.101), totals("instagram", 5, 0.100)],
        ..Aggregates::default()
    };
    let a = answer(Some(Intent::BestChannel), &data);
    assert!(a.confidence < 0.05, "{}", a.confidence);
    assert!(a.suggested_actions[0].starts_with("Collect more"));
}

#[test]
fn one_channel_or_none_cannot_be_compared() {
    let one = Aggregates {
        channels: vec![totals("telegram", 50, 0.1)],
        ..Aggregates::default()
    };
    let a = answer(Some(Intent::BestChannel), &one);
    assert_eq!(a.confidence, 0.0);
    assert!(a.answer.contains("Only telegram"));
    let none = answer(Some(Intent::BestChannel), &Aggregates::default());
    assert_eq!(none.confidence, 0.0);
    assert!(none.citations.is_empty());
}

fn bucket(key: u32, items: u64, avg: f64) -> Bucket {
    Bucket {
        key,
        items,
        avg_engagement: avg,
    }
}

#[test]
fn best_hour_compares_against_the_other_hours() {
    let data = Aggregates {
        by_hour: vec![
            bucket(9, 30, 0.12),
            bucket(18, 60, 0.06),
            bucket(3, 10, 0.03),
        ],
        top_items: vec![item("telegram", 9, 0.2), item("telegram", 18, 0.3)],
        items_sampled: 100,
        ..Aggregates::default()
    };
    let a = answer(Some(Intent::BestHour), &data);
    assert!(a.answer.contains("09:00-09:59 UTC"), "{}", a.answer);
    // others: (60*0.06 + 10*0.03) / 70 = 0.0557
    assert!(a.answer.contains("0.0557 over 70 posts"), "{}", a.answer);
    assert!(a.answer.contains("weakest is 03:00-03:59"), "{}", a.answer);
    assert_eq!(a.citations.len(), 1, "only the 9 o'clock post");
    // n = min(30, 70) = 30 -> 0.6; effect 1.
    assert_eq!(a.confidence, 0.6);
}

#[test]
fn best_weekday_names_the_day() {
    let data = Aggregates {
        by_weekday: vec![bucket(0, 20, 0.08), bucket(5, 20, 0.04)],
        top_items: vec![item("telegram", 9, 0.2)],
        items_sampled: 40,
        ..Aggregates::default()
    };
    let a = answer(Some(Intent::BestWeekday), &data);
    assert!(a.answer.contains("is Monday"), "{}", a.answer);
    assert!(a.suggested_actions[0].contains("rather than Saturday"));
    assert_eq!(a.citations.len(), 1, "the Monday post");
    assert_eq!(a.confidence, 0.5);
}

#[test]
fn one_slot_only_is_not_compared() {
    let data = Aggregates {
        by_hour: vec![bucket(9, 30, 0.12)],
        ..Aggregates::default()
    };
    assert_eq!(answer(Some(Intent::BestHour), &data).confidence, 0.0);
}

#[test]
fn top_and_underperforming_posts_are_ranked_and_cited_as_stored() {
    let data = channels_data();
    let top = answer(Some(Intent::TopPosts), &data);
    let rates: Vec<f64> = top
        .citations
        .iter()
        .map(|c| c.engagement().unwrap())
        .collect();
    assert_eq!(rates, vec![0.2, 0.15, 0.09]);
    assert!(top.answer.contains("among 200 measured posts"));
    assert_eq!(top.confidence, 0.91); // 200 / 220
    let bottom = answer(Some(Intent::UnderperformingPosts), &data);
    let rates: Vec<f64> = bottom
        .citations
        .iter()
        .map(|c| c.engagement().unwrap())
        .collect();
    assert_eq!(rates, vec![0.001, 0.05]);
    assert_eq!(bottom.citations[0], data.bottom_items[0]);
}

#[test]
fn trend_reports_the_change_and_its_direction() {
    let data = Aggregates {
        current: PeriodTotals {
            rated: 80,
            avg_engagement: Some(0.06),
            views: 1000,
        },
        previous: PeriodTotals {
            rated: 20,
            avg_engagement: Some(0.08),
            views: 3000,
        },
        ..Aggregates::default()
    };
    let a = answer(Some(Intent::Trend), &data);
    assert!(a.answer.starts_with("Engagement is down"), "{}", a.answer);
    assert!(a.answer.contains("-25%"), "{}", a.answer);
    assert!(a.answer.contains("Views: 1000 against 3000"));
    // n = 20 -> 0.5; gap 25 % -> effect 1.
    assert_eq!(a.confidence, 0.5);
    assert!(a.suggested_actions[0].contains("underperforming"));

    let steady = Aggregates {
        previous: PeriodTotals {
            rated: 80,
            avg_engagement: Some(0.062),
            views: 0,
        },
        ..data.clone()
    };
    assert!(
        answer(Some(Intent::Trend), &steady)
            .answer
            .starts_with("Engagement is steady")
    );
    let empty_previous = Aggregates {
        previous: PeriodTotals::default(),
        ..data
    };
    assert_eq!(answer(Some(Intent::Trend), &empty_previous).confidence, 0.0);
}

#[test]
fn failed_runs_are_grouped_by_error_with_actions() {
    let data = Aggregates {
        failures: vec![
            FailureGroup {
                error: Some("telegram: 429 Too Many Requests".into()),
                runs: 3,
                items: 7,
            },
            FailureGroup {
                error: None,
                runs: 1,
                items: 0,
            },
        ],
        runs_total: 10,
        runs_failed: 4,
        failed_runs_grouped: 4,
        ..Aggregates::default()
    };
    let a = answer(Some(Intent::FailedRuns), &data);
    assert!(a.answer.starts_with("4 of 10 runs"), "{}", a.answer);
    assert!(a.answer.contains("most frequent first: "), "{}", a.answer);
    assert!(
        a.answer
            .contains("\"telegram: 429 Too Many Requests\" (3 runs, 7 failed items)")
    );
    assert_eq!(a.suggested_actions.len(), 2);
    assert!(a.suggested_actions[0].contains("429"));
    assert!(a.suggested_actions[1].contains("n8n"));
    assert_eq!(a.confidence, 1.0);
    assert!(a.citations.is_empty());

    // The count is exact even when the groups were read from the newest failed runs only.
    let bounded = answer(
        Some(Intent::FailedRuns),
        &Aggregates {
            runs_total: 90_000,
            runs_failed: 12_000,
            failed_runs_grouped: 5_000,
            ..data.clone()
        },
    );
    assert!(
        bounded
            .answer
            .starts_with("12000 of 90000 runs in this range failed or partly failed. By error, most frequent first among the newest 5000: "),
        "{}",
        bounded.answer
    );

    let none = answer(
        Some(Intent::FailedRuns),
        &Aggregates {
            runs_total: 4,
            ..Aggregates::default()
        },
    );
    assert!(none.answer.contains("No run failed"));
}

#[test]
fn missing_metrics_cites_the_items_with_empty_metrics() {
    let id = Uuid::new_v4();
    let data = Aggregates {
        missing: vec![MissingItem {
            published_item_id: id,
            channel: Some("youtube".into()),
            published_at: Utc::now(),
        }],
        missing_total: 12,
        ..Aggregates::default()
    };
    let a = answer(Some(Intent::MissingMetrics), &data);
    assert!(a.answer.starts_with("12 items"), "{}", a.answer);
    assert_eq!(a.citations[0].published_item_id, id);
    assert!(a.citations[0].metrics.is_empty());
    assert!(a.suggested_actions[0].contains("youtube"));
    let none = answer(Some(Intent::MissingMetrics), &Aggregates::default());
    assert!(none.answer.starts_with("Every item"));
}

#[test]
fn an_unknown_question_lists_what_can_be_answered_with_zero_confidence() {
    let a = answer(None, &channels_data());
    assert_eq!(a.understood_as, None);
    assert_eq!(a.confidence, 0.0);
    assert!(a.citations.is_empty());
    for (_, example) in CAN_ANSWER {
        assert!(a.answer.contains(example), "{example}");
    }
}
