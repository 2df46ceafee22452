//! Raw channel metrics -> `NormalizedMetrics`, and the engagement rate.
//!
//! Each channel's API reports different counters under different names; the dashboard compares
//! channels, so they are mapped onto one wide shape exactly as MPIS's `MetricNormalizer` does
//! (MPIS_REFERENCE.md §3.2-3.3), including its quirks, so numbers match what MPIS stored.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::channel::Channel;
pub use super::pyround::python_round;

/// One item's metrics in the channel-independent shape of `normalized_metrics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NormalizedMetrics {
    pub views: Option<i64>,
    pub impressions: Option<i64>,
    pub reach: Option<i64>,
    pub reactions: Option<i64>,
    pub comments: Option<i64>,
    pub shares: Option<i64>,
    pub saves: Option<i64>,
    /// Never produced by any mapping; kept because the table has the column.
    pub clicks: Option<i64>,
    /// Ratio (0.0787 means 7.87 %), rounded to 4 decimals like Python's `round`.
    pub engagement_rate: Option<f64>,
}

/// The keys `normalize` produces for a channel, in the reference's order.
///
/// Lets callers (and `to_json`) tell "not reported by this channel" (absent) from "reported but
/// missing" (null).
pub fn output_keys(channel: &Channel) -> &'static [&'static str] {
    match channel {
        Channel::Telegram => &["views", "reactions", "shares", "comments"],
        Channel::Instagram => &[
            "impressions",
            "reach",
            "reactions",
            "comments",
            "shares",
            "saves",
        ],
        Channel::Tiktok | Channel::Youtube | Channel::Other(_) => {
            &["views", "reactions", "comments", "shares"]
        }
    }
}

/// Maps a channel's raw metrics object onto `NormalizedMetrics` (MPIS_REFERENCE.md §3.2).
///
/// A raw value that is not a whole number (or a string holding one) becomes `None` rather than
/// an error: one bad counter must not hide the others. A `raw` that is not an object is treated
/// as an empty one.
pub fn normalize(channel: &Channel, raw: &Value) -> NormalizedMetrics {
    let empty = Map::new();
    let raw = raw.as_object().unwrap_or(&empty);
    let get = |key: &str| count(raw.get(key));
    let mut m = match channel {
        Channel::Telegram => NormalizedMetrics {
            views: get("views"),
            reactions: Some(telegram_reactions(raw.get("reactions"))),
            shares: get("forwards"),
            comments: get("comments"),
            ..NormalizedMetrics::default()
        },
        Channel::Instagram => NormalizedMetrics {
            impressions: get("impressions"),
            reach: get("reach"),
            reactions: get("likes"),
            comments: get("comments"),
            shares: get("shares"),
            saves: get("saves"),
            ..NormalizedMetrics::default()
        },
        Channel::Tiktok | Channel::Youtube => NormalizedMetrics {
            views: get("views"),
            reactions: get("likes"),
            comments: get("comments"),
            shares: get("shares"),
            ..NormalizedMetrics::default()
        },
        Channel::Other(_) => {
            // Python: `raw.get("reactions") or raw.get("likes")`.
            let reactions = match raw.get("reactions") {
                Some(v) if is_truthy(v) => count(Some(v)),
                _ => get("likes"),
            };
            NormalizedMetrics {
                views: get("views"),
                reactions,
                comments: get("comments"),
                shares: get("shares"),
                ..NormalizedMetrics::default()
            }
        }
    };
    if channel.is_known() {
        m.engagement_rate = engagement_rate(&m);
    }
    m
}

/// Engagement rate per MPIS's normalizer (MPIS_REFERENCE.md §3.3).
///
/// `(reactions + comments + shares) / reach`, falling back to views when reach is null or zero
/// (reach wins even when smaller than views); `None` when neither gives a positive denominator.
pub fn engagement_rate(m: &NormalizedMetrics) -> Option<f64> {
    let numerator = i128::from(m.reactions.unwrap_or(0))
        + i128::from(m.comments.unwrap_or(0))
        + i128::from(m.shares.unwrap_or(0));
    let denominator = match (m.reach, m.views) {
        (Some(reach), _) if reach != 0 => reach,
        (_, Some(views)) if views != 0 => views,
        _ => 0,
    };
    if denominator <= 0 {
        return None;
    }
    Some(python_round(numerator as f64 / denominator as f64, 4))
}

impl NormalizedMetrics {
    /// The JSON MPIS's normalizer would return for `channel`: only that channel's keys (missing
    /// values as null), plus `engagement_rate` only when there is one.
    pub fn to_json(&self, channel: &Channel) -> Value {
        let mut out = Map::new();
        for &key in output_keys(channel) {
            out.insert(
                key.to_string(),
                self.field(key).map_or(Value::Null, Value::from),
            );
        }
        if let Some(rate) = self.engagement_rate
            && let Some(number) = serde_json::Number::from_f64(rate)
        {
            out.insert("engagement_rate".to_string(), Value::Number(number));
        }
        Value::Object(out)
    }

    /// A counter by its column name; `None` for unknown names.
    pub fn field(&self, key: &str) -> Option<i64> {
        match key {
            "views" => self.views,
            "impressions" => self.impressions,
            "reach" => self.reach,
            "reactions" => self.reactions,
            "comments" => self.comments,
            "shares" => self.shares,
            "saves" => self.saves,
            "clicks" => self.clicks,
            _ => None,
        }
    }
}

/// A raw counter as an integer: integers as they are, whole floats and numeric strings
/// converted, anything else (fractions, booleans, objects, out-of-range numbers) `None`.
fn count(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(whole_f64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(whole_f64))
        }
        _ => None,
    }
}

/// `f` as an i64 when it is a whole number inside i64's range.
fn whole_f64(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; every whole f64 below it fits in i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.is_finite() && f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

/// Telegram reports reactions per emoji; MPIS sums them. An integer is taken as is; anything
/// else, including a missing key or a string, counts as 0 (never null), as in MPIS.
fn telegram_reactions(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::Object(per_emoji)) => per_emoji
            .values()
            .filter_map(|v| count(Some(v)).filter(|_| v.is_number()))
            .fold(0i64, i64::saturating_add),
        Some(v @ Value::Number(_)) => count(Some(v)).unwrap_or(0),
        _ => 0,
    }
}

/// Python truthiness of a JSON value, for MPIS's `a or b` fallbacks.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Largest engagement rate `normalized_metrics` holds (`NUMERIC(5,4)`).
pub const MAX_STORED_ENGAGEMENT_RATE: f64 = 9.9999;
/// Largest counter a column holds (`INTEGER`).
pub const MAX_COUNTER: i64 = i32::MAX as i64;

/// One bad raw metric: its key in the raw object (`views`, `reactions.👍`; empty for the
/// object as a whole) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricProblem {
    pub key: String,
    pub message: String,
}

impl MetricProblem {
    fn new(key: impl Into<String>, message: impl Into<String>) -> MetricProblem {
        MetricProblem {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// The raw keys [`normalize`] reads for a channel.
pub fn input_keys(channel: &Channel) -> &'static [&'static str] {
    match channel {
        Channel::Telegram => &["views", "reactions", "forwards", "comments"],
        Channel::Instagram => &[
            "impressions",
            "reach",
            "likes",
            "comments",
            "shares",
            "saves",
        ],
        Channel::Tiktok | Channel::Youtube => &["views", "likes", "comments", "shares"],
        Channel::Other(_) => &["views", "reactions", "likes", "comments", "shares"],
    }
}

/// Checks raw metrics before they are stored (an API ingest, where a bad number is the
/// sender's mistake to be told about, unlike [`normalize`], which tolerates it): `raw` must be
/// an object; each key the channel's mapping reads must be absent, `null`, or a whole number
/// from 0 to [`MAX_COUNTER`] (a string holding one is accepted, as `normalize` reads it);
/// Telegram's `reactions` may also be an object of such counts per emoji; and the engagement
/// rate must fit the column ([`MAX_STORED_ENGAGEMENT_RATE`]). Other keys are kept as they are
/// (the raw payload is stored whole). Every problem is returned; `Ok` is the normalized row.
pub fn check_raw(channel: &Channel, raw: &Value) -> Result<NormalizedMetrics, Vec<MetricProblem>> {
    let Some(object) = raw.as_object() else {
        return Err(vec![MetricProblem::new(
            "",
            "must be an object of the channel's counters, e.g. {\"views\": 120, \"likes\": 7}",
        )]);
    };
    let mut problems = Vec::new();
    for key in input_keys(channel) {
        match object.get(*key) {
            None | Some(Value::Null) => {}
            Some(Value::Object(per_emoji))
                if *key == "reactions" && *channel == Channel::Telegram =>
            {
                let mut total: i64 = 0;
                for (emoji, value) in per_emoji {
                    match counter(value) {
                        Ok(n) => total = total.saturating_add(n),
                        Err(m) => {
                            problems.push(MetricProblem::new(format!("reactions.{emoji}"), m))
                        }
                    }
                }
                if total > MAX_COUNTER {
                    problems.push(MetricProblem::new(
                        "reactions",
                        format!("the reactions add up to {total}, more than {MAX_COUNTER}"),
                    ));
                }
            }
            Some(value) => {
                if let Err(m) = counter(value) {
                    problems.push(MetricProblem::new(*key, m));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let normalized = normalize(channel, raw);
    if let Some(rate) = normalized.engagement_rate
        && rate > MAX_STORED_ENGAGEMENT_RATE
    {
        return Err(vec![MetricProblem::new(
            "",
            format!(
                "engagement rate {rate} (interactions per view or reach) is above \
                 {MAX_STORED_ENGAGEMENT_RATE}: are views or reach missing or too small?"
            ),
        )]);
    }
    Ok(normalized)
}

/// A whole count from 0 to [`MAX_COUNTER`].
fn counter(value: &Value) -> Result<i64, String> {
    let n = match value {
        Value::Number(_) | Value::String(_) => count(Some(value)),
        _ => None,
    };
    match n {
        None => Err(format!("must be a whole number, got {value}")),
        Some(n) if n < 0 => Err(format!("must be 0 or more, got {n}")),
        Some(n) if n > MAX_COUNTER => Err(format!("must be at most {MAX_COUNTER}, got {n}")),
        Some(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn raw_metrics_are_checked_key_by_key() {
        let telegram = Channel::Telegram;
        let ok = check_raw(
            &telegram,
            &json!({"views": 100, "reactions": {"👍": 3, "🔥": "2"},
            "forwards": 1, "comments": null, "note": "kept"}),
        )
        .unwrap();
        assert_eq!(
            ok.reactions,
            Some(3),
            "a string count in an emoji map is not summed (as MPIS)"
        );
        let keys = |raw: Value, channel: &Channel| -> Vec<String> {
            check_raw(channel, &raw)
                .unwrap_err()
                .into_iter()
                .map(|p| p.key)
                .collect()
        };
        assert_eq!(
            keys(
                json!({"views": -1, "reactions": {"👍": 1.5}, "forwards": "many"}),
                &telegram
            ),
            ["views", "reactions.👍", "forwards"]
        );
        assert_eq!(
            keys(
                json!({"likes": true, "reach": 3_000_000_000i64}),
                &Channel::Instagram
            ),
            ["reach", "likes"]
        );
        assert_eq!(keys(json!([1, 2]), &Channel::Youtube), [""]);
        // Keys the channel does not read are not checked.
        assert!(check_raw(&Channel::Youtube, &json!({"forwards": "x", "views": "12"})).is_ok());
        // A rate the column cannot hold.
        let problems = check_raw(&Channel::Tiktok, &json!({"views": 1, "likes": 50})).unwrap_err();
        assert_eq!(problems[0].key, "");
        assert!(
            problems[0].message.contains("above 9.9999"),
            "{}",
            problems[0].message
        );
    }

    use super::*;
    use serde_json::json;

    fn telegram_example() -> Value {
        json!({"views": 1500, "reactions": {"👍": 45, "❤️": 32, "🔥": 18}, "forwards": 23})
    }

    fn instagram_example() -> Value {
        json!({"impressions": 2500, "reach": 2100, "likes": 180, "comments": 24, "shares": 15, "saves": 42})
    }

    #[test]
    fn telegram_worked_example() {
        let m = normalize(&Channel::Telegram, &telegram_example());
        assert_eq!(
            m,
            NormalizedMetrics {
                views: Some(1500),
                reactions: Some(95),
                shares: Some(23),
                comments: None,
                engagement_rate: Some(0.0787),
                ..NormalizedMetrics::default()
            }
        );
        assert_eq!(
            m.to_json(&Channel::Telegram),
            json!({"views": 1500, "reactions": 95, "shares": 23, "comments": null, "engagement_rate": 0.0787})
        );
    }

    #[test]
    fn instagram_worked_example() {
        let m = normalize(&Channel::Instagram, &instagram_example());
        assert_eq!(
            m,
            NormalizedMetrics {
                impressions: Some(2500),
                reach: Some(2100),
                reactions: Some(180),
                comments: Some(24),
                shares: Some(15),
                saves: Some(42),
                engagement_rate: Some(0.1043),
                ..NormalizedMetrics::default()
            }
        );
        let out = m.to_json(&Channel::Instagram);
        assert_eq!(
            out,
            json!({"impressions": 2500, "reach": 2100, "reactions": 180, "comments": 24,
                   "shares": 15, "saves": 42, "engagement_rate": 0.1043})
        );
        assert!(out.get("views").is_none(), "instagram has no views key");
    }

    #[test]
    fn tiktok_and_youtube_map_likes_to_reactions() {
        let raw = json!({"views": 1000, "likes": 50, "comments": 5, "shares": 5});
        for channel in [Channel::Tiktok, Channel::Youtube] {
            let m = normalize(&channel, &raw);
            assert_eq!(m.views, Some(1000));
            assert_eq!(m.reactions, Some(50));
            assert_eq!(m.comments, Some(5));
            assert_eq!(m.shares, Some(5));
            assert_eq!(m.reach, None);
            assert_eq!(m.engagement_rate, Some(0.06));
            assert_eq!(
                m.to_json(&channel),
                json!({"views": 1000, "reactions": 50, "comments": 5, "shares": 5, "engagement_rate": 0.06})
            );
        }
    }

    #[test]
    fn channel_lookup_is_case_insensitive() {
        let upper = normalize(&Channel::parse("TELEGRAM"), &telegram_example());
        assert_eq!(upper, normalize(&Channel::Telegram, &telegram_example()));
        let mixed = normalize(&Channel::parse(" InstaGram "), &instagram_example());
        assert_eq!(mixed.engagement_rate, Some(0.1043));
    }

    #[test]
    fn unknown_channel_gets_no_engagement_rate() {
        let channel = Channel::parse("vk");
        let m = normalize(
            &channel,
            &json!({"views": 100, "reactions": 10, "comments": 1, "shares": 2, "reach": 50}),
        );
        assert_eq!(m.views, Some(100));
        assert_eq!(m.reactions, Some(10));
        assert_eq!(m.reach, None, "reach is not mapped for other channels");
        assert_eq!(m.engagement_rate, None);
        assert_eq!(
            m.to_json(&channel),
            json!({"views": 100, "reactions": 10, "comments": 1, "shares": 2})
        );
    }

    #[test]
    fn unknown_channel_reactions_fall_back_to_likes_on_python_falsiness() {
        let channel = Channel::Other("vk".into());
        let reactions = |raw: Value| normalize(&channel, &raw).reactions;
        assert_eq!(reactions(json!({"reactions": 7, "likes": 3})), Some(7));
        assert_eq!(reactions(json!({"reactions": 0, "likes": 3})), Some(3));
        assert_eq!(reactions(json!({"reactions": null, "likes": 3})), Some(3));
        assert_eq!(reactions(json!({"likes": 3})), Some(3));
        assert_eq!(reactions(json!({"reactions": "", "likes": 3})), Some(3));
        assert_eq!(reactions(json!({"reactions": {}, "likes": 3})), Some(3));
        assert_eq!(reactions(json!({"reactions": 0})), None);
        assert_eq!(reactions(json!({})), None);
        // Truthy but not a number: Python copies it as-is, we cannot hold it, so null.
        assert_eq!(reactions(json!({"reactions": "lots", "likes": 3})), None);
        assert_eq!(reactions(json!({"reactions": "12", "likes": 3})), Some(12));
    }

    #[test]
    fn telegram_reactions_variants() {
        let reactions = |raw: Value| normalize(&Channel::Telegram, &raw).reactions;
        assert_eq!(
            reactions(json!({"reactions": {"👍": 45, "🔥": 18}})),
            Some(63)
        );
        assert_eq!(reactions(json!({"reactions": {}})), Some(0));
        assert_eq!(reactions(json!({"reactions": 12})), Some(12));
        assert_eq!(reactions(json!({"reactions": 12.0})), Some(12));
        assert_eq!(reactions(json!({})), Some(0), "missing is 0, not null");
        assert_eq!(reactions(json!({"reactions": null})), Some(0));
        assert_eq!(
            reactions(json!({"reactions": "12"})),
            Some(0),
            "strings count as 0"
        );
        assert_eq!(reactions(json!({"reactions": [1, 2]})), Some(0));
        assert_eq!(reactions(json!({"reactions": 1.5})), Some(0));
        // Non-numeric per-emoji values are skipped; huge sums saturate instead of overflowing.
        assert_eq!(
            reactions(json!({"reactions": {"a": 2, "b": "x", "c": null}})),
            Some(2)
        );
        assert_eq!(
            reactions(json!({"reactions": {"a": i64::MAX, "b": 1}})),
            Some(i64::MAX)
        );
    }

    #[test]
    fn telegram_missing_keys_are_null_except_reactions() {
        let m = normalize(&Channel::Telegram, &json!({}));
        assert_eq!(m.views, None);
        assert_eq!(m.shares, None);
        assert_eq!(m.comments, None);
        assert_eq!(m.reactions, Some(0));
        assert_eq!(m.engagement_rate, None);
        assert_eq!(
            m.to_json(&Channel::Telegram),
            json!({"views": null, "reactions": 0, "shares": null, "comments": null})
        );
    }

    #[test]
    fn raw_value_conversion() {
        let views = |v: Value| normalize(&Channel::Tiktok, &json!({ "views": v })).views;
        assert_eq!(views(json!(1500)), Some(1500));
        assert_eq!(views(json!(-3)), Some(-3));
        assert_eq!(views(json!(1500.0)), Some(1500));
        assert_eq!(views(json!("1500")), Some(1500));
        assert_eq!(views(json!(" 1500 ")), Some(1500));
        assert_eq!(views(json!("1500.0")), Some(1500));
        assert_eq!(views(json!(1500.5)), None);
        assert_eq!(views(json!("1500.5")), None);
        assert_eq!(views(json!("many")), None);
        assert_eq!(views(json!(true)), None);
        assert_eq!(views(json!(null)), None);
        assert_eq!(views(json!([1])), None);
        assert_eq!(views(json!({"n": 1})), None);
        assert_eq!(views(json!(u64::MAX)), None);
        assert_eq!(views(json!(1e300)), None);
    }

    #[test]
    fn non_object_raw_is_treated_as_empty() {
        assert_eq!(
            normalize(&Channel::Instagram, &json!([1, 2])),
            NormalizedMetrics::default()
        );
        assert_eq!(
            normalize(&Channel::Telegram, &Value::Null).reactions,
            Some(0)
        );
    }

    #[test]
    fn rate_without_denominator_is_none() {
        let m = NormalizedMetrics {
            reactions: Some(10),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&m), None);
        let zeros = NormalizedMetrics {
            reach: Some(0),
            views: Some(0),
            reactions: Some(10),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&zeros), None);
        // The key is absent, not null, in the JSON.
        let m = normalize(&Channel::Youtube, &json!({"likes": 5}));
        assert_eq!(m.engagement_rate, None);
        assert!(
            m.to_json(&Channel::Youtube)
                .get("engagement_rate")
                .is_none()
        );
    }

    #[test]
    fn zero_reach_falls_back_to_views() {
        let m = NormalizedMetrics {
            reach: Some(0),
            views: Some(200),
            reactions: Some(10),
            comments: Some(5),
            shares: Some(5),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&m), Some(0.1));
        let null_reach = NormalizedMetrics { reach: None, ..m };
        assert_eq!(engagement_rate(&null_reach), Some(0.1));
    }

    #[test]
    fn reach_is_preferred_even_when_smaller_than_views() {
        let m = NormalizedMetrics {
            reach: Some(100),
            views: Some(1000),
            reactions: Some(20),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&m), Some(0.2));
    }

    #[test]
    fn negative_denominator_gives_none_without_falling_back() {
        let m = NormalizedMetrics {
            reach: Some(-5),
            views: Some(1000),
            reactions: Some(20),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&m), None);
    }

    #[test]
    fn rate_is_not_clamped_and_rounds_like_python() {
        let over = NormalizedMetrics {
            views: Some(10),
            reactions: Some(25),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&over), Some(2.5));
        let tie_down = NormalizedMetrics {
            views: Some(8000),
            reactions: Some(1),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&tie_down), Some(0.0001));
        let tie_up = NormalizedMetrics {
            views: Some(16000),
            reactions: Some(3),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&tie_up), Some(0.0002));
        let no_engagement = NormalizedMetrics {
            views: Some(100),
            ..NormalizedMetrics::default()
        };
        assert_eq!(engagement_rate(&no_engagement), Some(0.0));
    }

    #[test]
    fn output_keys_per_channel() {
        assert_eq!(
            output_keys(&Channel::Telegram),
            ["views", "reactions", "shares", "comments"]
        );
        assert!(!output_keys(&Channel::Instagram).contains(&"views"));
        for channel in Channel::KNOWN {
            assert!(!output_keys(&channel).contains(&"clicks"));
        }
    }

    #[test]
    fn serde_round_trip_keeps_every_column() {
        let m = normalize(&Channel::Instagram, &instagram_example());
        let text = serde_json::to_string(&m).unwrap();
        let back: NormalizedMetrics = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m);
        assert!(text.contains("\"clicks\":null"));
    }
}
