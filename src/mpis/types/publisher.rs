//! Publisher (§1.4): publish records and metric ingestion.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::timestamp;
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
