//! Requests and responses of the MPIS API, shaped exactly as MPIS_REFERENCE.md §1.1, §1.2, §1.4 and
//! §1.5 describe them (field names, defaults, optional parts).
//!
//! Unknown fields in answers are ignored (MPIS may grow), and timestamps are read in both forms
//! MPIS produces: naive ISO-8601 (`2026-11-24T20:17:07.951099`, which MPIS means as UTC) and with
//! an offset or `Z`.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

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

mod analytics;
mod genesis;
mod publisher;

pub use analytics::*;
pub use genesis::*;
pub use publisher::*;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::{Map, Value};
    use uuid::Uuid;

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
