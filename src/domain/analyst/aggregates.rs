//! What the engine answers from: the figures the store fetches for one persona (or all) and
//! one time range. Each part is filled only when the question needs it ([`super::Needs`]);
//! an unfilled part is empty.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Everything the engine may use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregates {
    /// Per channel over the range (from the daily rollups).
    pub channels: Vec<ChannelTotals>,
    /// Engagement by hour of day of publication (0..=23, UTC).
    pub by_hour: Vec<Bucket>,
    /// Engagement by weekday of publication (0 = Monday .. 6 = Sunday, UTC).
    pub by_weekday: Vec<Bucket>,
    /// The best items of each channel, best first (latest measurement of each).
    pub top_items: Vec<CitedItem>,
    /// The worst items of each channel, worst first (latest measurement of each).
    pub bottom_items: Vec<CitedItem>,
    /// How many measured items the timing and item figures were computed over.
    pub items_sampled: u64,
    pub current: PeriodTotals,
    /// The period of the same length just before the range.
    pub previous: PeriodTotals,
    /// Failed and partial runs in the range, grouped by error, most runs first.
    pub failures: Vec<FailureGroup>,
    /// Runs started in the range, whatever their status.
    pub runs_total: u64,
    /// Of those, the failed and partly failed ones (exact, whatever `failures` groups).
    pub runs_failed: u64,
    /// How many of the newest failed runs `failures` was grouped over (all of them up to the
    /// store's bound).
    pub failed_runs_grouped: u64,
    /// Published items in the range without any measurement (newest first, a few).
    pub missing: Vec<MissingItem>,
    pub missing_total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelTotals {
    pub channel: String,
    /// Measurements with an engagement rate.
    pub rated: u64,
    /// Average engagement rate over those; `None` when none is rated.
    pub avg_engagement: Option<f64>,
    pub views: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub key: u32,
    pub items: u64,
    pub avg_engagement: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PeriodTotals {
    pub rated: u64,
    pub avg_engagement: Option<f64>,
    pub views: i64,
}

/// A published item and its metrics exactly as stored (the latest measurement's columns that
/// are set: `views`, `reactions`, ..., `engagement_rate`, `measured_at`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CitedItem {
    pub published_item_id: Uuid,
    pub channel: String,
    pub published_at: DateTime<Utc>,
    pub metrics: Map<String, Value>,
}

impl CitedItem {
    /// The stored engagement rate, when there is one.
    pub fn engagement(&self) -> Option<f64> {
        self.metrics.get("engagement_rate").and_then(Value::as_f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureGroup {
    /// The error as stored (a run's `error_message` or an item's `error`); `None`: none given.
    pub error: Option<String>,
    /// Runs with this error (failed or partial).
    pub runs: u64,
    /// Failed items with this error.
    pub items: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingItem {
    pub published_item_id: Uuid,
    pub channel: Option<String>,
    pub published_at: DateTime<Utc>,
}
