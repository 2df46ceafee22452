//! Requests and responses of the MPIS API, shaped exactly as MPIS_REFERENCE.md §1.1, §1.2, §1.4 and
//! §1.5 describe them (field names, defaults, optional parts).
//!
//! Unknown fields in answers are ignored (MPIS may grow), and timestamps are read in both forms
//! MPIS produces: naive ISO-8601 (`2026-11-24T20:17:07.951099`, which MPIS means as UTC) and with
//! an offset or `Z`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

// ------------------------------------------------------------------------------------------------
// Timestamps

/// Reads an MPIS timestamp as UTC: RFC 3339 with `Z` or an offset (converted to UTC), or a naive
/// ISO-8601 date-time (`T` or space separated, optional fraction) taken as UTC. `None` otherwise.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.with_timezone(&Utc));
    }
    // Offsets without a colon (`+0000`), which Python's strftime("%z") produces.
    if let Ok(with_offset) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(with_offset.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|naive| naive.and_utc())
}

/// Serde adapter for `DateTime<Utc>` fields: reads both MPIS forms (see [`parse_timestamp`]),
/// writes RFC 3339 with `Z`.
pub mod timestamp {
    use super::*;

    pub fn serialize<S: serde::Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_timestamp(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid timestamp {:?} (expected ISO-8601, naive or with an offset)",
                crate::sanitize::sanitize(&text.chars().take(40).collect::<String>())
            ))
        })
    }
}

// ------------------------------------------------------------------------------------------------
// Health (§1.1)

/// `GET /health`: `{status: "healthy", service, version}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub version: String,
}

// ------------------------------------------------------------------------------------------------
// Genesis (§1.2)

/// `SourceInput.type`: the domain's source kinds, serialized as MPIS spells them.
pub use crate::domain::genesis::SourceKind as SourceType;

/// One source of a genesis job: JSON `{type, ref, metadata}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInput {
    #[serde(rename = "type")]
    pub kind: SourceType,
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

/// `POST /genesis/start` body. `persona_name` is 1..=100 characters (MPIS answers 422 otherwise);
/// `public_name` is meant to be set when `public_persona` is on (MPIS does not enforce it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisStartRequest {
    pub persona_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspiration_source: Option<String>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub public_persona: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gdrive_folder_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default)]
    pub sources: Vec<SourceInput>,
}

fn default_language() -> String {
    "en".to_owned()
}

impl GenesisStartRequest {
    /// A request with MPIS's defaults (language `en`, private, no sources).
    pub fn new(persona_name: impl Into<String>) -> Self {
        Self {
            persona_name: persona_name.into(),
            inspiration_source: None,
            language: default_language(),
            public_persona: false,
            public_name: None,
            gdrive_folder_id: None,
            notes: None,
            sources: Vec::new(),
        }
    }
}

/// A genesis job's status. Unknown values are kept as `Other` (MPIS's progress table maps them to
/// "Unknown").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum JobStatus {
    Queued,
    Collecting,
    Processing,
    AwaitingApproval,
    Committed,
    CommittedWithMemoryPending,
    Failed,
    Other(String),
}

impl JobStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Queued => "queued",
            Self::Collecting => "collecting",
            Self::Processing => "processing",
            Self::AwaitingApproval => "awaiting_approval",
            Self::Committed => "committed",
            Self::CommittedWithMemoryPending => "committed_with_memory_pending",
            Self::Failed => "failed",
            Self::Other(other) => other,
        }
    }

    /// Nothing more will happen to the job by itself: committed (either form) or failed. A job
    /// awaiting approval waits for a human, so it is not final but need not be polled fast.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Committed | Self::CommittedWithMemoryPending | Self::Failed
        )
    }

    /// MPIS's progress table: `(percent, message)` for this status.
    pub fn progress(&self) -> (i64, &'static str) {
        match self {
            Self::Queued => (0, "Queued"),
            Self::Collecting => (20, "Collecting sources"),
            Self::Processing => (50, "Processing corpus"),
            Self::AwaitingApproval => (80, "Awaiting human approval"),
            Self::Committed => (100, "Completed"),
            Self::CommittedWithMemoryPending => (100, "Completed (memory sync pending)"),
            Self::Failed => (0, "Failed"),
            Self::Other(_) => (0, "Unknown"),
        }
    }
}

impl From<String> for JobStatus {
    fn from(value: String) -> Self {
        match value.as_str() {
            "queued" => Self::Queued,
            "collecting" => Self::Collecting,
            "processing" => Self::Processing,
            "awaiting_approval" => Self::AwaitingApproval,
            "committed" => Self::Committed,
            "committed_with_memory_pending" => Self::CommittedWithMemoryPending,
            "failed" => Self::Failed,
            _ => Self::Other(value),
        }
    }
}

impl From<JobStatus> for String {
    fn from(value: JobStatus) -> Self {
        match value {
            JobStatus::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The persona preview MPIS returns with genesis answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaCard {
    #[serde(default)]
    pub persona_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
    #[serde(default = "default_active_version")]
    pub active_version: String,
    #[serde(default)]
    pub summary: String,
    /// First 5 of `topics.primary`.
    #[serde(default)]
    pub top_topics: Vec<String>,
    /// First 3 of `ethos.emotional_tone`.
    #[serde(default)]
    pub dominant_tones: Vec<String>,
    /// At most 3.
    #[serde(default)]
    pub next_actions: Vec<String>,
}

fn default_active_version() -> String {
    "draft".to_owned()
}

/// `POST /genesis/start` answer: `{job_id, status, draft_no, human_prompt, preview}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisStartResponse {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub draft_no: i32,
    #[serde(default)]
    pub human_prompt: Option<String>,
    #[serde(default)]
    pub preview: Option<PersonaCard>,
}

/// `progress` of a genesis status: `stage` is the job status, see [`JobStatus::progress`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub stage: String,
    /// 0..=100.
    pub percent: i64,
    pub message: String,
}

/// `GET /genesis/status/{job_id}` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisStatus {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub progress: Progress,
    pub draft_no: i32,
    #[serde(default)]
    pub human_prompt: Option<String>,
    #[serde(default)]
    pub preview: Option<PersonaCard>,
    /// `[job.error]` when the job failed, else empty.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// `EditOperation.op`: the domain's edit operations, serialized as MPIS spells them.
pub use crate::domain::genesis::EditOp;

/// One edit of a draft's persona core (`{path, op, value}`): the domain's edit, which the
/// domain's `validate_edit` builds (and the sandbox applies with MPIS's patch rules).
pub use crate::domain::genesis::EditOperationJson as EditOperation;

/// `POST /genesis/approve` body. With `edits`, a new draft is made (edits win over `confirm`);
/// with only `confirm`, the persona is committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisApproveRequest {
    pub job_id: Uuid,
    pub draft_no: i32,
    #[serde(default)]
    pub confirm: bool,
    #[serde(default)]
    pub edits: Vec<EditOperation>,
}

/// `export_paths` of a commit: the persona's folder and the path of each exported file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportPaths {
    pub base_path: String,
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

/// `POST /genesis/approve` answer. After edits: the new `draft_no`, no persona. After confirm:
/// `persona_id`, `version` ("1.0") and `export_paths`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisApproveResponse {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub draft_no: i32,
    #[serde(default)]
    pub human_prompt: Option<String>,
    #[serde(default)]
    pub preview: Option<PersonaCard>,
    #[serde(default)]
    pub persona_id: Option<Uuid>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub export_paths: Option<ExportPaths>,
}

/// The three folders of an exported persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportDirs {
    pub core: String,
    pub memory: String,
    pub docs: String,
}

/// `GET /genesis/export/{persona_id}` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisExport {
    pub persona_id: Uuid,
    pub slug: String,
    pub base_path: String,
    pub files: ExportDirs,
}

/// The persona core of a genesis draft (`genesis_drafts.draft_core_json`), every part defaulted
/// as MPIS's `PersonaCore` model has it. Extra keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonaCore {
    pub credo: Credo,
    pub ethos: Ethos,
    pub theo_logic: TheoLogic,
    pub style: Style,
    pub lexicon: Lexicon,
    pub topics: Topics,
    pub alignment: Alignment,
    pub origin: Origin,
    #[serde(default = "default_language")]
    pub language: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Credo {
    pub summary: String,
    pub statements: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ethos {
    pub virtues: Vec<String>,
    pub anti_patterns: Vec<String>,
    pub emotional_tone: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TheoLogic {
    pub principles: Vec<String>,
    pub reasoning_style: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Style {
    pub voice: String,
    pub cadence: String,
    pub dos: Vec<String>,
    pub donts: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lexicon {
    pub signature_phrases: Vec<String>,
    pub keywords: Vec<String>,
    pub taboo_words: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Topics {
    pub primary: Vec<String>,
    pub secondary: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Alignment {
    pub faith_alignment_vector: Vec<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Origin {
    pub inspiration_source: String,
    pub sources: Vec<String>,
    pub created_at: String,
}

impl PersonaCore {
    /// MPIS's next-actions rule for the preview card.
    pub fn next_actions(&self) -> Vec<String> {
        let mut actions = Vec::new();
        if self.credo.statements.is_empty() {
            actions.push("Add core belief statements".to_owned());
        }
        if self.lexicon.signature_phrases.is_empty() {
            actions.push("Add signature phrases".to_owned());
        }
        if self.topics.primary.len() < 3 {
            actions.push("Expand primary topics".to_owned());
        }
        if actions.is_empty() {
            actions = vec![
                "Review and confirm persona".to_owned(),
                "Test with sample prompts".to_owned(),
            ];
        }
        actions.truncate(3);
        actions
    }

    /// The preview card MPIS builds from a core.
    pub fn card(
        &self,
        persona_id: Option<Uuid>,
        name: &str,
        slug: &str,
        version: &str,
    ) -> PersonaCard {
        PersonaCard {
            persona_id,
            name: name.to_owned(),
            slug: slug.to_owned(),
            active_version: version.to_owned(),
            summary: self.credo.summary.clone(),
            top_topics: self.topics.primary.iter().take(5).cloned().collect(),
            dominant_tones: self.ethos.emotional_tone.iter().take(3).cloned().collect(),
            next_actions: self.next_actions(),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Publisher (§1.4)

/// `POST /publisher/publish/record` body as the dashboard sends it: exactly these four fields.
/// The dashboard's own fields (run, project, published_at, idempotency key) stay local; the key
/// travels as the `Idempotency-Key` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRecordRequest {
    pub draft_id: Uuid,
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_url: Option<String>,
}

/// `POST /publisher/publish/record` answer; `id` is the MPIS published item id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRecordResponse {
    pub id: Uuid,
    pub draft_id: Uuid,
    pub channel: String,
    #[serde(with = "timestamp")]
    pub published_at: DateTime<Utc>,
}

/// One metric of an ingest: JSON `{type, value, meta?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricInput {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

/// `POST /publisher/metrics/ingest` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsIngestRequest {
    pub published_item_id: Uuid,
    pub metrics: Vec<MetricInput>,
    #[serde(default = "default_metrics_source")]
    pub source: String,
}

fn default_metrics_source() -> String {
    "manual".to_owned()
}

/// `POST /publisher/metrics/ingest` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsIngestResponse {
    pub published_item_id: Uuid,
    pub metrics_ingested: i64,
    #[serde(with = "timestamp")]
    pub recorded_at: DateTime<Utc>,
}

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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Priority {
    High,
    Medium,
    Low,
    Other(String),
}

impl Priority {
    pub fn as_str(&self) -> &str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::Other(other) => other,
        }
    }
}

impl From<String> for Priority {
    fn from(value: String) -> Self {
        match value.as_str() {
            "high" => Self::High,
            "medium" => Self::Medium,
            "low" => Self::Low,
            _ => Self::Other(value),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micros: u32) -> DateTime<Utc> {
        let base = Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single();
        base.map(|t| t + chrono::Duration::microseconds(i64::from(micros)))
            .unwrap_or_default()
    }

    #[test]
    fn naive_and_zulu_timestamps_are_the_same_instant() {
        let expected = utc(2026, 11, 24, 20, 17, 7, 951_099);
        assert_eq!(
            parse_timestamp("2026-11-24T20:17:07.951099"),
            Some(expected)
        );
        assert_eq!(
            parse_timestamp("2026-11-24T20:17:07.951099Z"),
            Some(expected)
        );
        assert_eq!(
            parse_timestamp("2026-11-24T20:17:07.951099+00:00"),
            Some(expected)
        );
        assert_eq!(
            parse_timestamp("2026-11-24 20:17:07.951099"),
            Some(expected)
        );
    }

    #[test]
    fn offsets_are_converted_to_utc_and_fractions_are_optional() {
        assert_eq!(
            parse_timestamp("2026-11-24T22:17:07+02:00"),
            Some(utc(2026, 11, 24, 20, 17, 7, 0))
        );
        assert_eq!(
            parse_timestamp("2026-11-24T22:17:07+0200"),
            Some(utc(2026, 11, 24, 20, 17, 7, 0))
        );
        assert_eq!(
            parse_timestamp("2026-11-24T20:17:07"),
            Some(utc(2026, 11, 24, 20, 17, 7, 0))
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2026-13-01T00:00:00"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    #[test]
    fn responses_accept_both_timestamp_forms_and_ignore_unknown_fields() {
        let id = Uuid::nil();
        for published_at in ["2026-11-24T20:17:07.951099", "2026-11-24T20:17:07.951099Z"] {
            let body = serde_json::json!({
                "id": id, "draft_id": id, "channel": "telegram",
                "published_at": published_at, "something_new": [1, 2]
            });
            let parsed: PublishRecordResponse = serde_json::from_value(body).unwrap_or_else(|e| {
                panic!("{published_at}: {e}");
            });
            assert_eq!(parsed.published_at, utc(2026, 11, 24, 20, 17, 7, 951_099));
        }
        let bad = serde_json::json!({
            "id": id, "draft_id": id, "channel": "telegram", "published_at": "\u{1b}[2Jnope"
        });
        let err = serde_json::from_value::<PublishRecordResponse>(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("invalid timestamp"), "{err}");
        assert!(!err.contains('\u{1b}'), "{err}");
    }

    #[test]
    fn timestamps_are_written_with_z() {
        let response = MetricsIngestResponse {
            published_item_id: Uuid::nil(),
            metrics_ingested: 2,
            recorded_at: utc(2026, 1, 2, 3, 4, 5, 0),
        };
        let json = serde_json::to_value(&response).unwrap_or_default();
        assert_eq!(json["recorded_at"], "2026-01-02T03:04:05Z");
    }

    #[test]
    fn job_status_round_trips_and_keeps_unknown_values() {
        for text in [
            "queued",
            "collecting",
            "processing",
            "awaiting_approval",
            "committed",
            "committed_with_memory_pending",
            "failed",
            "paused",
        ] {
            let status: JobStatus =
                serde_json::from_value(Value::String(text.to_owned())).unwrap_or(JobStatus::Queued);
            assert_eq!(status.as_str(), text);
            assert_eq!(serde_json::to_value(&status).ok(), Some(Value::from(text)));
        }
        assert_eq!(
            JobStatus::from("paused".to_owned()).progress(),
            (0, "Unknown")
        );
        assert_eq!(
            JobStatus::AwaitingApproval.progress(),
            (80, "Awaiting human approval")
        );
        assert!(JobStatus::CommittedWithMemoryPending.is_final());
        assert!(!JobStatus::AwaitingApproval.is_final());
    }

    #[test]
    fn start_request_uses_mpis_names_and_defaults() {
        let mut request = GenesisStartRequest::new("Alex");
        request.sources.push(SourceInput {
            kind: SourceType::Youtube,
            reference: "https://youtu.be/x".to_owned(),
            metadata: Map::new(),
        });
        let json = serde_json::to_value(&request).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "persona_name": "Alex", "language": "en", "public_persona": false,
                "sources": [{"type": "youtube", "ref": "https://youtu.be/x", "metadata": {}}]
            })
        );
        let parsed: GenesisStartRequest =
            serde_json::from_value(serde_json::json!({"persona_name": "Alex"}))
                .unwrap_or_else(|_| GenesisStartRequest::new("wrong"));
        assert_eq!(parsed, GenesisStartRequest::new("Alex"));
    }

    #[test]
    fn publish_record_request_has_only_the_four_fields() {
        let request = PublishRecordRequest {
            draft_id: Uuid::nil(),
            channel: "telegram".to_owned(),
            channel_item_id: Some("42".to_owned()),
            channel_url: Some("https://t.me/c/42".to_owned()),
        };
        let json = serde_json::to_value(&request).unwrap_or_default();
        let keys: Vec<&str> = json
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            ["channel", "channel_item_id", "channel_url", "draft_id"]
        );
    }

    #[test]
    fn next_actions_follow_the_mpis_rule() {
        let mut core = PersonaCore::default();
        assert_eq!(
            core.next_actions(),
            [
                "Add core belief statements",
                "Add signature phrases",
                "Expand primary topics"
            ]
        );
        core.credo.statements.push("a".into());
        core.lexicon.signature_phrases.push("b".into());
        core.topics.primary = vec!["x".into(), "y".into(), "z".into()];
        assert_eq!(
            core.next_actions(),
            ["Review and confirm persona", "Test with sample prompts"]
        );
        let card = core.card(None, "N", "n", "draft");
        assert_eq!(card.top_topics.len(), 3);
    }

    #[test]
    fn recommendations_parse_with_typed_parts() {
        let body = serde_json::json!({
            "persona_id": Uuid::nil(), "run_id": Uuid::nil(),
            "computed_at": "2026-11-24T20:17:07",
            "recommendations": [{"id": 1, "title": "t", "description": "d", "priority": "high",
                                 "category": "content", "evidence": ["e"]}],
            "content_briefs": [{"topic": "t", "hook": "h", "key_points": [], "target_channel": "telegram",
                                "suggested_length": 500, "rationale": "r"}],
            "experiments": [{"name": "n", "hypothesis": "h", "variants": ["a", "b"],
                             "success_metric": "m", "duration_days": 14}],
            "status": "pending"
        });
        let parsed: Result<Recommendations, _> = serde_json::from_value(body);
        let parsed = parsed.map_err(|e| e.to_string());
        assert!(parsed.is_ok(), "{parsed:?}");
        if let Ok(parsed) = parsed {
            assert_eq!(parsed.recommendations[0].priority, Priority::High);
            assert_eq!(parsed.recommendations[0].measurable_outcome, None);
        }
    }
}
