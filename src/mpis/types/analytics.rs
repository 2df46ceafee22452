//! Analytics (§1.5): persona summaries and recommendations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::timestamp;
// ------------------------------------------------------------------------------------------------
// Analytics (§1.5)

/// The `range` of an analytics summary.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, strum::Display, strum::IntoStaticStr,
)]
pub enum SummaryRange {
    #[strum(serialize = "7d")]
    Days7,
    #[default]
    #[strum(serialize = "30d")]
    Days30,
    #[strum(serialize = "90d")]
    Days90,
    #[strum(serialize = "all")]
    All,
}

impl SummaryRange {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// `metrics` of an analytics summary. `engagement_rate` is in percent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SummaryMetrics {
    pub total_published: i64,
    pub total_views: f64,
    pub total_reactions: f64,
    pub total_shares: f64,
    pub engagement_rate: f64,
    pub best_performing_topics: Vec<String>,
    pub best_performing_times: Vec<String>,
}

/// `GET /analytics/persona/{persona_id}/summary` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaSummary {
    pub persona_id: Uuid,
    pub range_type: String,
    #[serde(with = "timestamp")]
    pub period_start: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub period_end: DateTime<Utc>,
    pub metrics: SummaryMetrics,
    #[serde(default)]
    pub insights: Vec<String>,
    /// Free-form (an LLM's output, or `{"trend": ...}`).
    #[serde(default)]
    pub trends: Map<String, Value>,
}

/// `high`, `medium` or `low` (kept as text if MPIS sends something else).
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(from = "String", into = "String")]
#[strum(serialize_all = "lowercase")]
pub enum Priority {
    High,
    Medium,
    Low,
    /// A priority this version does not know, kept as MPIS sent it.
    #[strum(default)]
    Other(String),
}

impl Priority {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(other) => other,
            known => known.into(),
        }
    }
}

impl From<String> for Priority {
    fn from(value: String) -> Self {
        // Never fails: an unknown priority is `Other`.
        value.parse().unwrap_or(Self::Other(value))
    }
}

impl From<Priority> for String {
    fn from(value: Priority) -> Self {
        match value {
            Priority::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

/// One EIDOS recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub category: String,
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub measurable_outcome: Option<String>,
}

/// A ready-to-generate content brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentBrief {
    pub topic: String,
    pub hook: String,
    #[serde(default)]
    pub key_points: Vec<String>,
    pub target_channel: String,
    pub suggested_length: i64,
    pub rationale: String,
}

/// A suggested A/B experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentSuggestion {
    pub name: String,
    pub hypothesis: String,
    #[serde(default)]
    pub variants: Vec<String>,
    pub success_metric: String,
    pub duration_days: i64,
}

/// `GET /analytics/recommendations/{persona_id}` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations {
    pub persona_id: Uuid,
    pub run_id: Uuid,
    #[serde(with = "timestamp")]
    pub computed_at: DateTime<Utc>,
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
    #[serde(default)]
    pub content_briefs: Vec<ContentBrief>,
    #[serde(default)]
    pub experiments: Vec<ExperimentSuggestion>,
    pub status: String,
}
