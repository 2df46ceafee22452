//! Dashboard layouts: a user's own and the global ones (`user_id IS NULL`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{StoreError, StoreResult, widgets};
use crate::domain::layout::LayoutConfig;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Layout {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub name: String,
    pub is_default: bool,
    pub layout_config: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewLayout {
    pub user_id: Option<Uuid>,
    pub name: String,
    pub is_default: bool,
    pub config: Value,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct LayoutChanges {
    pub name: Option<String>,
    pub is_default: Option<bool>,
    pub config: Option<Value>,
}

const COLUMNS: &str = "id, user_id, name, is_default, layout_config, created_at, updated_at";

/// The user's layouts and the global ones: the user's first, defaults first, then by name.
/// Without a user, only the global ones.
pub async fn list_for_user(pool: &PgPool, user_id: Option<Uuid>) -> StoreResult<Vec<Layout>> {
    let rows = sqlx::query_as::<_, Layout>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM dashboard_layouts
         WHERE user_id IS NULL OR user_id = $1
         ORDER BY (user_id IS NULL), is_default DESC, name, created_at"
    )))
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub async fn get(pool: &PgPool, id: Uuid) -> StoreResult<Option<Layout>> {
    let row = sqlx::query_as::<_, Layout>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM dashboard_layouts WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// The layout to open: the user's default, else the global default, else the oldest global
/// (else, with no global layout at all, the user's oldest).
pub async fn get_default(pool: &PgPool, user_id: Option<Uuid>) -> StoreResult<Option<Layout>> {
    let row = sqlx::query_as::<_, Layout>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM dashboard_layouts
         WHERE user_id = $1 OR user_id IS NULL
         ORDER BY (user_id IS NOT NULL AND is_default) DESC, (user_id IS NULL AND is_default) DESC,
                  (user_id IS NULL) DESC, created_at, id
         LIMIT 1"
    )))
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Finds a layout by name (case-insensitive) among the user's and the global ones.
pub async fn find_by_name(
    pool: &PgPool,
    user_id: Option<Uuid>,
    name: &str,
) -> StoreResult<Option<Layout>> {
    let row = sqlx::query_as::<_, Layout>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM dashboard_layouts
         WHERE (user_id = $1 OR user_id IS NULL) AND lower(name) = lower($2)
         ORDER BY (user_id IS NULL), created_at LIMIT 1"
    )))
    .bind(user_id)
    .bind(name.trim())
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

pub async fn create(pool: &PgPool, new: &NewLayout) -> StoreResult<Layout> {
    let name = validate_name(&new.name)?;
    let config = validate_config(pool, &new.config).await?;
    let mut tx = pool.begin().await?;
    if new.is_default {
        clear_default(&mut tx, new.user_id, None).await?;
    }
    let layout = sqlx::query_as::<_, Layout>(sqlx::AssertSqlSafe(format!(
        "INSERT INTO dashboard_layouts (user_id, name, is_default, layout_config)
         VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    )))
    .bind(new.user_id)
    .bind(name)
    .bind(new.is_default)
    .bind(Json(config))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(layout)
}

pub async fn update(pool: &PgPool, id: Uuid, changes: &LayoutChanges) -> StoreResult<Layout> {
    let name = changes.name.as_deref().map(validate_name).transpose()?;
    let config = match &changes.config {
        Some(c) => Some(validate_config(pool, c).await?),
        None => None,
    };
    let mut tx = pool.begin().await?;
    let owner: Option<Option<Uuid>> =
        sqlx::query_scalar("SELECT user_id FROM dashboard_layouts WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let owner = owner.ok_or_else(|| StoreError::not_found("layout", id))?;
    if changes.is_default == Some(true) {
        clear_default(&mut tx, owner, Some(id)).await?;
    }
    let layout = sqlx::query_as::<_, Layout>(sqlx::AssertSqlSafe(format!(
        "UPDATE dashboard_layouts SET name = COALESCE($2, name),
             is_default = COALESCE($3, is_default),
             layout_config = COALESCE($4, layout_config)
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(name)
    .bind(changes.is_default)
    .bind(config.map(Json))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(layout)
}

pub async fn delete(pool: &PgPool, id: Uuid) -> StoreResult<()> {
    let done = sqlx::query("DELETE FROM dashboard_layouts WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::not_found("layout", id));
    }
    Ok(())
}

/// One default per owner: setting a default clears the others of the same owner.
async fn clear_default(
    conn: &mut PgConnection,
    owner: Option<Uuid>,
    except: Option<Uuid>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE dashboard_layouts SET is_default = FALSE
         WHERE user_id IS NOT DISTINCT FROM $1 AND is_default AND id IS DISTINCT FROM $2",
    )
    .bind(owner)
    .bind(except)
    .execute(conn)
    .await?;
    Ok(())
}

fn validate_name(name: &str) -> StoreResult<&str> {
    let name = name.trim();
    let length = name.chars().count();
    if !(1..=200).contains(&length) {
        return Err(StoreError::invalid(
            "name",
            format!("must be 1 to 200 characters, got {length}"),
        ));
    }
    Ok(name)
}

/// Parses and validates a layout against the registry; every problem is reported at once.
async fn validate_config(pool: &PgPool, config: &Value) -> StoreResult<Value> {
    let layout = LayoutConfig::from_json(config)
        .map_err(|e| StoreError::invalid("layout_config", e.to_string()))?;
    let known = widgets::known_ids(pool).await?;
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    layout.validate(&known).map_err(|errors| {
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        StoreError::invalid("layout_config", text.join("; "))
    })?;
    serde_json::to_value(&layout).map_err(|e| StoreError::invalid("layout_config", e.to_string()))
}

/// The id of another layout of the same owner (`None`: the global ones) with this name,
/// case-insensitive, if there is one (the API refuses a second layout of one name: 409).
pub async fn same_name(
    pool: &PgPool,
    owner: Option<Uuid>,
    name: &str,
    except: Option<Uuid>,
) -> StoreResult<Option<Uuid>> {
    let id = sqlx::query_scalar(
        "SELECT id FROM dashboard_layouts
         WHERE user_id IS NOT DISTINCT FROM $1 AND lower(name) = lower($2)
           AND id IS DISTINCT FROM $3
         ORDER BY created_at LIMIT 1",
    )
    .bind(owner)
    .bind(name.trim())
    .bind(except)
    .fetch_optional(pool)
    .await?;
    Ok(id)
}
