//! `POST /api/ai-analyst/query` (reference §3.6): `{persona_id, time_range, question}` ->
//! `{answer, citations, suggested_actions, confidence}`, computed only from the dashboard's
//! data by the deterministic engine (`domain::analyst`) over what `store::analyst` fetches for
//! the recognized question (the composition is `crate::analyst::ask`, which the dashboard's
//! `:ask` calls too). Also `understood_as` (the recognized question, `null` when none),
//! `time_range` (the bounds used) and `phrased_by`: `engine` (the engine's own text) or `llm`
//! (the text phrased by the configured language model, `analyst_llm`; numbers, citations,
//! actions and confidence are the engine's either way).
//!
//! A viewer may ask (the question is a body, so the route is a POST, but it writes nothing).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::{Fields, JsonBody};
use super::{ApiError, ApiState};
use crate::domain::analyst::{TimeRange, range::PRESETS};

/// The longest question read.
pub const QUESTION_MAX: usize = 1_000;
/// Without a `time_range`.
pub const DEFAULT_RANGE: &str = "7d";

/// The request (§3.6).
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only: the body is read by `Fields`
pub struct AnalystQuery {
    /// The persona asked about; absent or `null`: every persona.
    persona_id: Option<Uuid>,
    /// `24h`, `7d` (the default), `30d`, `90d`, or `{"from": datetime, "to": datetime}`.
    #[schema(value_type = Object)]
    time_range: Option<Value>,
    /// In plain English: "which channel works best", "best time to post", "why did runs fail", ...
    question: String,
}

/// One item that supports the answer, with its latest metrics exactly as stored.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CitationSchema {
    published_item_id: Uuid,
    channel: String,
    published_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    metrics: Value,
}

/// The answer (§3.6, plus `understood_as`, `time_range`, `phrased_by`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AnalystAnswer {
    answer: String,
    citations: Vec<CitationSchema>,
    suggested_actions: Vec<String>,
    /// 0.0..1.0: sample size times effect size (see the engine's documentation); 0 for a
    /// question it cannot answer.
    confidence: f64,
    /// `best_channel`, `worst_channel`, `best_hour`, `best_weekday`, `top_posts`,
    /// `underperforming_posts`, `trend`, `failed_runs`, `missing_metrics`, or `null`.
    understood_as: Option<String>,
    /// The persona asked about (`null`: all).
    persona_id: Option<Uuid>,
    /// The bounds used: `{from, to}`.
    #[schema(value_type = Object)]
    time_range: Value,
    /// `engine` or `llm`.
    phrased_by: String,
}

/// The body's fields, each bad one named.
struct Query {
    persona_id: Option<Uuid>,
    range: TimeRange,
    question: String,
}

fn read(body: &Value, now: DateTime<Utc>) -> Result<Query, ApiError> {
    let mut fields = Fields::of(body);
    let persona_id = fields.uuid("persona_id").value();
    let question = fields.required_str("question");
    if let Some(question) = question {
        let rule = if question.trim().is_empty() {
            Err("must not be empty: ask e.g. \"which channel works best\"".to_string())
        } else if question.chars().count() > QUESTION_MAX {
            Err(format!("at most {QUESTION_MAX} characters"))
        } else {
            Ok(())
        };
        fields.check("question", rule);
    }
    let range = match fields.value("time_range").value() {
        None => TimeRange::preset(DEFAULT_RANGE, now),
        Some(Value::String(text)) => {
            let range = TimeRange::preset(text, now);
            if range.is_none() {
                fields.problem(
                    "time_range",
                    format!(
                        "unknown range {text:?}: use one of {} or {{\"from\": ..., \"to\": ...}}",
                        PRESETS.join(", ")
                    ),
                );
            }
            range
        }
        Some(value @ Value::Object(_)) => {
            let mut bounds = Fields::at(value, fields.loc("time_range"));
            let at = |bounds: &mut Fields, name: &str| -> Option<DateTime<Utc>> {
                let text = bounds.required_str(name)?;
                match DateTime::parse_from_rfc3339(text.trim()) {
                    Ok(at) => Some(at.with_timezone(&Utc)),
                    Err(_) => {
                        bounds
                            .problem(name, "must be an RFC 3339 date-time (2026-12-01T00:00:00Z)");
                        None
                    }
                }
            };
            let from = at(&mut bounds, "from");
            let to = at(&mut bounds, "to");
            let range = match (from, to) {
                (Some(from), Some(to)) => match TimeRange::between(from, to) {
                    Ok(range) => Some(range),
                    Err(msg) => {
                        bounds.problem("to", msg);
                        None
                    }
                },
                _ => None,
            };
            fields.absorb(bounds);
            range
        }
        Some(_) => {
            fields.problem(
                "time_range",
                format!(
                    "must be one of {} or {{\"from\": ..., \"to\": ...}}",
                    PRESETS.join(", ")
                ),
            );
            None
        }
    };
    fields.finish()?;
    match (question, range) {
        (Some(question), Some(range)) => Ok(Query {
            persona_id,
            range,
            question: question.trim().to_string(),
        }),
        // `finish` answered for every missing or bad field above.
        _ => Err(ApiError::status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid query",
        )),
    }
}

#[utoipa::path(post, path = "/api/ai-analyst/query", tag = "ai-analyst",
    description = "Answers a question about the dashboard's data (best/worst channel, best hour \
        and weekday, top and underperforming posts, trend, failed runs, items without metrics) \
        with the numbers, the items that support it, suggested actions and a confidence. A \
        question it cannot answer gets the list of those it can, with confidence 0.",
    request_body = AnalystQuery,
    responses((status = 200, description = "The answer", body = AnalystAnswer)))]
pub async fn query(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let query = read(&body, Utc::now())?;
    if let Some(persona) = query.persona_id {
        super::personas::must_exist(&state, persona).await?;
    }
    let asked = crate::analyst::ask(
        &state.pool,
        state.phraser.as_deref(),
        query.persona_id,
        query.range,
        &query.question,
    )
    .await?;
    let answer = asked.answer;
    Ok(Json(json!({
        "answer": answer.answer,
        "citations": answer.citations,
        "suggested_actions": answer.suggested_actions,
        "confidence": answer.confidence,
        "understood_as": answer.understood_as,
        "persona_id": query.persona_id,
        "time_range": {"from": query.range.from, "to": query.range.to},
        "phrased_by": asked.phrased_by.as_str(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn locs(error: ApiError) -> Vec<Value> {
        match error {
            ApiError::Invalid(problems) => problems.into_iter().map(|p| json!(p.loc)).collect(),
            other => panic!("not a 422 list: {other:?}"),
        }
    }

    #[test]
    fn bad_fields_are_each_named() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
        let cases = [
            (json!({"question": "  "}), vec![json!(["body", "question"])]),
            (json!({}), vec![json!(["body", "question"])]),
            (
                json!({"question": "trend", "time_range": "week"}),
                vec![json!(["body", "time_range"])],
            ),
            (
                json!({"question": "trend", "time_range": 7}),
                vec![json!(["body", "time_range"])],
            ),
            (
                json!({"question": "trend", "time_range": {"from": "yesterday"}}),
                vec![
                    json!(["body", "time_range", "from"]),
                    json!(["body", "time_range", "to"]),
                ],
            ),
            (
                json!({"question": "trend", "time_range":
                    {"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}}),
                vec![json!(["body", "time_range", "to"])],
            ),
            (
                json!({"question": "trend", "persona_id": "nope"}),
                vec![json!(["body", "persona_id"])],
            ),
        ];
        for (body, expected) in cases {
            let error = read(&body, now).err().unwrap_or_else(|| panic!("{body}"));
            assert_eq!(locs(error), expected, "{body}");
        }
    }

    #[test]
    fn a_range_defaults_to_seven_days_and_takes_explicit_bounds() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
        let q = read(&json!({"question": " top posts "}), now).unwrap();
        assert_eq!(q.range, TimeRange::preset("7d", now).unwrap());
        assert_eq!(q.question, "top posts");
        assert_eq!(q.persona_id, None);
        let q = read(
            &json!({"question": "x", "persona_id": null, "time_range":
                {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00+01:00"}}),
            now,
        )
        .unwrap();
        assert_eq!(
            q.range.to,
            Utc.with_ymd_and_hms(2026, 11, 1, 23, 0, 0).unwrap()
        );
    }
}
