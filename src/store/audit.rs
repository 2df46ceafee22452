//! Audit entries in MPIS's `audit_log`: approvals, publishes, flag acknowledgements and
//! resolutions, each with the operator who did it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub event_type: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub details: Json<Value>,
    pub created_at: DateTime<Utc>,
}

/// Writes one entry inside the caller's transaction, so the action and its audit land together.
/// `details.operator` names who did it.
pub async fn record(
    conn: &mut PgConnection,
    event_type: &str,
    entity_type: &str,
    entity_id: Uuid,
    operator: &str,
    details: Value,
) -> StoreResult<()> {
    let mut details = match details {
        Value::Object(map) => map,
        other => {
            let mut map = serde_json::Map::new();
            map.insert("value".into(), other);
            map
        }
    };
    details.insert("operator".into(), Value::String(operator.to_string()));
    details.insert("source".into(), Value::String("mpis-dash".into()));
    sqlx::query(
        "INSERT INTO audit_log (event_type, entity_type, entity_id, details) VALUES ($1, $2, $3, $4)",
    )
    .bind(event_type)
    .bind(entity_type)
    .bind(entity_id)
    .bind(Json(Value::Object(details)))
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest entries about one entity.
pub async fn for_entity(
    pool: &PgPool,
    entity_id: Uuid,
    limit: i64,
) -> StoreResult<Vec<AuditEntry>> {
    let rows = sqlx::query_as::<_, AuditEntry>(
        "SELECT id, event_type, entity_type, entity_id, details, created_at FROM audit_log
         WHERE entity_id = $1 ORDER BY created_at DESC LIMIT $2",
    )
    .bind(entity_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
