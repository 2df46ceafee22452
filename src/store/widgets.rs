//! The widget registry: built-in widgets are seeded by the migrations, custom ones registered.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::{StoreError, StoreResult, map_constraint};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Widget {
    pub id: Uuid,
    pub widget_id: String,
    pub name: String,
    pub description: Option<String>,
    pub widget_type: String,
    pub schema: Json<Value>,
    pub renderer_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewWidget {
    pub widget_id: String,
    pub name: String,
    pub description: Option<String>,
    pub widget_type: String,
    pub schema: Value,
    pub renderer_url: Option<String>,
}

const COLUMNS: &str =
    "id, widget_id, name, description, widget_type, schema, renderer_url, created_at";

pub async fn list(pool: &PgPool) -> StoreResult<Vec<Widget>> {
    let rows = sqlx::query_as::<_, Widget>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM widget_registry ORDER BY widget_type, widget_id"
    )))
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// The ids a layout may use.
pub async fn known_ids(pool: &PgPool) -> StoreResult<Vec<String>> {
    let ids = sqlx::query_scalar("SELECT widget_id FROM widget_registry ORDER BY widget_id")
        .fetch_all(pool)
        .await?;
    Ok(ids)
}

/// Registers a widget; a duplicate id is a conflict (the old service answered 500).
pub async fn register(pool: &PgPool, new: &NewWidget) -> StoreResult<Widget> {
    let widget_id = new.widget_id.trim();
    if widget_id.is_empty() {
        return Err(StoreError::invalid("widget_id", "must not be empty"));
    }
    if new.name.trim().is_empty() {
        return Err(StoreError::invalid("name", "must not be empty"));
    }
    if !matches!(new.widget_type.as_str(), "builtin" | "custom") {
        return Err(StoreError::invalid(
            "widget_type",
            format!("must be builtin or custom, got {:?}", new.widget_type),
        ));
    }
    if !new.schema.is_object() {
        return Err(StoreError::invalid("schema", "must be a JSON object"));
    }
    sqlx::query_as::<_, Widget>(sqlx::AssertSqlSafe(format!(
        "INSERT INTO widget_registry (widget_id, name, description, widget_type, schema, renderer_url)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    )))
    .bind(widget_id)
    .bind(new.name.trim())
    .bind(new.description.as_deref())
    .bind(&new.widget_type)
    .bind(Json(&new.schema))
    .bind(new.renderer_url.as_deref())
    .fetch_one(pool)
    .await
    .map_err(|e| match map_constraint(e, StoreError::invalid("widget_id", "invalid")) {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("widget_id {widget_id:?} is already registered"))
        }
        other => other,
    })
}
