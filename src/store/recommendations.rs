//! EIDOS recommendations (MPIS's `eidos_recommendations`, read only): the latest per persona.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LatestRecommendations {
    pub persona_id: Uuid,
    pub persona_name: String,
    pub status: String,
    pub computed_at: DateTime<Utc>,
    pub recommendations: Json<Value>,
}

/// The newest computation per persona (optionally one persona), newest first.
pub async fn latest(
    pool: &PgPool,
    persona_id: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<LatestRecommendations>> {
    let rows = sqlx::query_as::<_, LatestRecommendations>(
        "SELECT DISTINCT ON (e.persona_id) e.persona_id, p.name AS persona_name, e.status,
                e.computed_at, e.recommendations
         FROM eidos_recommendations e JOIN personas p ON p.id = e.persona_id
         WHERE $1::uuid IS NULL OR e.persona_id = $1
         ORDER BY e.persona_id, e.computed_at DESC",
    )
    .bind(persona_id)
    .fetch_all(pool)
    .await?;
    let mut rows = rows;
    rows.sort_by_key(|r| std::cmp::Reverse(r.computed_at));
    rows.truncate(limit.max(0) as usize);
    Ok(rows)
}

/// The text of each recommendation: a string, or an object's `title`/`text`/`recommendation`.
pub fn texts(recommendations: &Value) -> Vec<String> {
    let Some(items) = recommendations.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(text) => Some(text.clone()),
            Value::Object(map) => ["title", "text", "recommendation", "action"]
                .iter()
                .find_map(|key| map.get(*key).and_then(Value::as_str))
                .map(str::to_string),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_come_from_strings_or_known_object_keys() {
        let value =
            json!(["Post at 9am", {"title": "More video", "priority": "high"}, {"x": 1}, 3]);
        assert_eq!(texts(&value), ["Post at 9am", "More video"]);
        assert!(texts(&json!({"not": "a list"})).is_empty());
    }
}
