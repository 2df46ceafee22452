//! The analytics routes: `GET /analytics/persona/{id}/summary` and
//! `GET /analytics/recommendations/{id}`, with plausible numbers generated from the persona id
//! (stable per persona) and MPIS's query checks.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::fastapi::{detail, naive, unprocessable, uuid_param};
use super::{AppState, lock};

const TOPICS: [&str; 6] = [
    "faith and work",
    "leadership",
    "habits",
    "community",
    "parenting",
    "rest",
];

pub(super) async fn persona_summary(
    State(shared): AppState,
    Path(raw): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let persona_id = match uuid_param("persona_id", &raw) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let range = query.get("range").map_or("30d", String::as_str);
    if !matches!(range, "7d" | "30d" | "90d" | "all") {
        let pattern = "^(7d|30d|90d|all)$";
        return unprocessable(vec![json!({
            "type": "string_pattern_mismatch", "loc": ["query", "range"],
            "msg": format!("String should match pattern '{pattern}'"),
            "input": range, "ctx": {"pattern": pattern}
        })]);
    }
    let include_insights = match query.get("include_insights").map(|v| v.to_lowercase()) {
        None => true,
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes" | "on" | "t" | "y") => true,
        Some(v) if matches!(v.as_str(), "false" | "0" | "no" | "off" | "f" | "n") => false,
        Some(v) => {
            return unprocessable(vec![json!({
                "type": "bool_parsing", "loc": ["query", "include_insights"],
                "msg": "Input should be a valid boolean, unable to interpret input", "input": v
            })]);
        }
    };
    if persona_id.is_nil() || lock(&shared.state).unknown.contains(&persona_id) {
        return detail(
            StatusCode::NOT_FOUND,
            format!("Persona {persona_id} not found"),
        );
    }
    let now = Utc::now();
    let (summary, period_start) = generated_summary(persona_id, range, now);
    let published = summary["total_published"].as_i64().unwrap_or(0);
    let (insights, trends) = if include_insights && published > 0 {
        (mock_insights(&summary), json!({"trend": "stable"}))
    } else {
        (Vec::new(), json!({}))
    };
    axum::Json(json!({
        "persona_id": persona_id, "range_type": range,
        "period_start": naive(period_start), "period_end": naive(now),
        "metrics": summary, "insights": insights, "trends": trends
    }))
    .into_response()
}

/// Plausible, stable numbers for a persona and range.
fn generated_summary(persona_id: Uuid, range: &str, now: DateTime<Utc>) -> (Value, DateTime<Utc>) {
    let (days, period_start) = match range {
        "7d" => (7, now - chrono::Duration::days(7)),
        "90d" => (90, now - chrono::Duration::days(90)),
        "all" => {
            let start = Utc
                .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or(now);
            ((now - start).num_days().max(1), start)
        }
        _ => (30, now - chrono::Duration::days(30)),
    };
    let mut rng = fastrand::Rng::with_seed(seed(persona_id));
    let per_day = rng.f64() * 1.5 + 0.3;
    let total_published = ((days as f64) * per_day).round().max(1.0);
    let views = (total_published * (rng.f64() * 2500.0 + 400.0)).round();
    let reactions = (views * (rng.f64() * 0.06 + 0.01)).round();
    let shares = (views * (rng.f64() * 0.01 + 0.001)).round();
    let rate = if views > 0.0 {
        ((reactions + shares) / views * 100.0 * 100.0).round() / 100.0
    } else {
        0.0
    };
    let first = rng.usize(0..TOPICS.len());
    let topics: Vec<&str> = (0..3).map(|i| TOPICS[(first + i) % TOPICS.len()]).collect();
    let summary = json!({
        "total_published": total_published as i64,
        "total_views": views, "total_reactions": reactions, "total_shares": shares,
        "engagement_rate": rate,
        "best_performing_topics": topics, "best_performing_times": []
    });
    (summary, period_start)
}

fn mock_insights(summary: &Value) -> Vec<String> {
    let rate = summary["engagement_rate"].as_f64().unwrap_or(0.0);
    let mut insights = vec![format!(
        "Published {} items with {rate}% engagement rate",
        summary["total_published"]
    )];
    insights.push(if rate > 5.0 {
        "Engagement rate is above average - keep up the momentum".to_owned()
    } else {
        "Consider experimenting with different content formats to boost engagement".to_owned()
    });
    if let Some(top) = summary["best_performing_topics"][0].as_str() {
        insights.push(format!("Top performing topic: {top}"));
    }
    insights
}

pub(super) async fn recommendations(State(shared): AppState, Path(raw): Path<String>) -> Response {
    let persona_id = match uuid_param("persona_id", &raw) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let now = Utc::now();
    let (computed_at, run_id) = {
        let mut state = lock(&shared.state);
        if persona_id.is_nil() || state.unknown.contains(&persona_id) {
            return detail(
                StatusCode::NOT_FOUND,
                format!("Persona {persona_id} not found"),
            );
        }
        let run = state
            .recommendation_runs
            .entry(persona_id)
            .or_insert((now, Uuid::new_v4()));
        if (now - run.0).num_days() >= 1 {
            *run = (now, Uuid::new_v4());
        }
        *run
    };
    let (summary, _) = generated_summary(persona_id, "30d", now);
    let rate = summary["engagement_rate"].as_f64().unwrap_or(0.0);
    let top = summary["best_performing_topics"][0]
        .as_str()
        .unwrap_or("leadership");
    axum::Json(json!({
        "persona_id": persona_id,
        "run_id": run_id,
        "computed_at": computed_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "recommendations": [
            {"id": 1, "title": format!("Double down on {top}"),
             "description": format!("Posts about {top} drew the most engagement in the last 30 days; plan two more this week."),
             "priority": "high", "category": "content",
             "evidence": [format!("Engagement rate {rate}% over 30 days"), format!("{top} is the top topic")],
             "measurable_outcome": "Engagement rate up 10% in two weeks"},
            {"id": 2, "title": "Post when the audience is awake",
             "description": "Try publishing in the morning for two weeks and compare reach with evenings.",
             "priority": "medium", "category": "timing",
             "evidence": ["Posting times vary widely"], "measurable_outcome": "Views per post"},
            {"id": 3, "title": "Ask a question at the end",
             "description": "Close each post with one open question to invite replies.",
             "priority": "low", "category": "engagement", "evidence": [],
             "measurable_outcome": null}
        ],
        "content_briefs": [
            {"topic": top, "hook": format!("What nobody tells you about {top}"),
             "key_points": ["A story from this week", "One practical step", "A question to the reader"],
             "target_channel": "telegram", "suggested_length": 800,
             "rationale": "Best performing topic on the strongest channel"},
            {"topic": "rest", "hook": "Rest is not a reward",
             "key_points": ["Why rest comes first", "A 10-minute practice"],
             "target_channel": "instagram", "suggested_length": 400,
             "rationale": "Short visual posts do well on instagram"}
        ],
        "experiments": [
            {"name": "CTA style", "hypothesis": "Question-based calls to action get more replies",
             "variants": ["imperative CTA", "question CTA"], "success_metric": "comments per post",
             "duration_days": 14}
        ],
        "status": "pending"
    }))
    .into_response()
}

fn seed(id: Uuid) -> u64 {
    let (high, low) = id.as_u64_pair();
    high ^ low.rotate_left(17)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_analytics_are_stable_and_consistent() {
        let id = Uuid::from_u128(42);
        let now = Utc::now();
        let (a, _) = generated_summary(id, "30d", now);
        let (b, _) = generated_summary(id, "30d", now);
        assert_eq!(a, b);
        let views = a["total_views"].as_f64().unwrap_or(0.0);
        let engaged = a["total_reactions"].as_f64().unwrap_or(0.0)
            + a["total_shares"].as_f64().unwrap_or(0.0);
        let expected = (engaged / views * 10000.0).round() / 100.0;
        assert_eq!(a["engagement_rate"].as_f64(), Some(expected));
        assert!(a["total_published"].as_i64().unwrap_or(0) > 0);
    }
}
