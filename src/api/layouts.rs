//! `GET/POST /api/dashboards/layouts`, `PUT/DELETE /api/dashboards/layouts/{layout_id}`
//! (§1.6.9-10's `DashboardLayoutResponse` `{id, user_id, name, is_default, layout_config,
//! created_at}` plus `updated_at`). A layout is checked by `domain::layout` against the
//! registered widgets and every problem is one entry of the 422, in plain words, at its place
//! (`["body", "layout_config", "widgets", 2, "position"]`); a second layout of one name for
//! the same owner is a 409 naming the first.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::body::{Fields, Given, JsonBody, Style};
use super::error::{FieldProblem, uuid_param};
use super::{ApiError, ApiState};
use crate::domain::form;
use crate::domain::layout::{LayoutConfig, LayoutError, widget_name};
use crate::store::{layouts, widgets};
use utoipa::ToSchema;

/// Longest layout name (MPIS's `1..200`).
pub const NAME_MAX: usize = 200;

/// §1.6.9-10's `DashboardLayoutResponse` plus `updated_at`.
#[derive(ToSchema)]
pub struct LayoutResponse {
    pub id: Uuid,
    /// `null`: a global layout.
    pub user_id: Option<Uuid>,
    pub name: String,
    pub is_default: bool,
    /// `{widgets: [{widget_id, position: {x, y, w, h}, config}]}`.
    #[schema(value_type = Object)]
    pub layout_config: Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The body of `POST /api/dashboards/layouts`.
#[derive(ToSchema)]
pub struct NewLayoutRequest {
    /// 1 to 200 characters, one line; unique per owner (case-insensitive).
    pub name: String,
    /// The owner; absent or `null`: a global layout.
    pub user_id: Option<Uuid>,
    /// Default `false`.
    pub is_default: Option<bool>,
    /// Checked against the registered widgets, every problem at its place.
    #[schema(value_type = Object)]
    pub layout_config: Value,
}

/// The body of `PUT /api/dashboards/layouts/{layout_id}`: any of the fields (not `null`).
#[derive(ToSchema)]
pub struct LayoutChanges {
    pub name: Option<String>,
    pub is_default: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub layout_config: Option<Value>,
}

fn shape(l: layouts::Layout) -> Value {
    json!({
        "id": l.id,
        "user_id": l.user_id,
        "name": l.name,
        "is_default": l.is_default,
        "layout_config": l.layout_config.0,
        "created_at": l.created_at,
        "updated_at": l.updated_at,
    })
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    user_id: Option<String>,
}

/// With `?user_id=`: that user's layouts and the global ones (the user's first); without:
/// the global ones only (as MPIS).
#[utoipa::path(get, path = "/api/dashboards/layouts", tag = "layouts",
    description = "With `user_id`: that user's layouts and the global ones (the user's first); without: the global ones.",
    params(("user_id" = Option<Uuid>, Query, description = "The owner")),
    responses((status = 200, description = "The layouts", body = Vec<LayoutResponse>)))]
pub async fn list(
    State(state): State<ApiState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query?;
    let user_id = match query.user_id.as_deref() {
        None => None,
        Some(raw) => Some(Uuid::parse_str(raw.trim()).map_err(|_| {
            ApiError::field(FieldProblem::new(
                vec![json!("query"), json!("user_id")],
                format!("Input should be a valid UUID, got {raw:?}"),
                "uuid_parsing",
            ))
        })?),
    };
    let rows = layouts::list_for_user(&state.pool, user_id).await?;
    let rows = rows
        .into_iter()
        .filter(|l| user_id.is_some() || l.user_id.is_none());
    Ok(Json(Value::Array(rows.map(shape).collect())))
}

#[utoipa::path(post, path = "/api/dashboards/layouts", tag = "layouts",
    request_body = NewLayoutRequest,
    responses(
        (status = 200, description = "The new layout", body = LayoutResponse),
        (status = 409, description = "The owner already has a layout of this name", body = super::openapi::ErrorDetail),
    ))]
pub async fn create(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let mut fields = Fields::of(&body).style(Style::Explicit);
    let name = fields.required_str("name");
    let user_id = fields.uuid("user_id").value();
    let is_default = fields.bool("is_default").value().unwrap_or(false);
    let config = fields.required_dict("layout_config");
    if let Some(name) = name {
        fields.check("name", form::check_one_line(name, NAME_MAX));
    }
    if let Some(config) = config {
        check_layout(&state, &mut fields, config).await?;
    }
    fields.finish()?;
    let (Some(name), Some(config)) = (name, config) else {
        return Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid layout",
        ));
    };
    refuse_taken_name(&state, user_id, name, None).await?;
    let layout = layouts::create(
        &state.pool,
        &layouts::NewLayout {
            user_id,
            name: name.trim().to_string(),
            is_default,
            config: config.clone(),
        },
    )
    .await?;
    Ok(Json(shape(layout)))
}

/// Changes any of `name`, `is_default`, `layout_config` (the owner, `user_id`, stays).
#[utoipa::path(put, path = "/api/dashboards/layouts/{layout_id}", tag = "layouts",
    params(("layout_id" = Uuid, Path, description = "The layout's id")),
    request_body = LayoutChanges,
    responses(
        (status = 200, description = "The layout, changed", body = LayoutResponse),
        (status = 404, description = "No such layout", body = super::openapi::ErrorDetail),
        (status = 409, description = "The owner already has a layout of this name", body = super::openapi::ErrorDetail),
    ))]
pub async fn update(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let id = uuid_param("layout_id", &raw)?;
    let mut fields = Fields::of(&body).style(Style::Explicit);
    let name = fields.str("name");
    let is_default = fields.bool("is_default");
    let config = fields.dict("layout_config");
    if fields.has("user_id") {
        fields.problem(
            "user_id",
            "a layout's owner cannot be changed; create a layout for the other user instead",
        );
    }
    fields.refuse_nulls(&["name", "is_default", "layout_config"]);
    if fields.is_object() && !fields.has_any(&["name", "is_default", "layout_config", "user_id"]) {
        fields.problem_at(
            vec![json!("body")],
            "nothing to change: give name, is_default or layout_config",
        );
    }
    if let Given::Value(name) = name {
        fields.check("name", form::check_one_line(name, NAME_MAX));
    }
    if let Given::Value(config) = config {
        check_layout(&state, &mut fields, config).await?;
    }
    fields.finish()?;
    let existing = layouts::get(&state.pool, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if let Given::Value(name) = name {
        refuse_taken_name(&state, existing.user_id, name, Some(id)).await?;
    }
    let changes = layouts::LayoutChanges {
        name: name.value().map(|n| n.trim().to_string()),
        is_default: is_default.value(),
        config: config.value().cloned(),
    };
    Ok(Json(shape(
        layouts::update(&state.pool, id, &changes).await?,
    )))
}

#[utoipa::path(delete, path = "/api/dashboards/layouts/{layout_id}", tag = "layouts",
    params(("layout_id" = Uuid, Path, description = "The layout's id")),
    responses(
        (status = 200, description = "Deleted", body = super::openapi::Deleted),
        (status = 404, description = "No such layout", body = super::openapi::ErrorDetail),
    ))]
pub async fn delete(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = uuid_param("layout_id", &raw)?;
    match layouts::delete(&state.pool, id).await {
        Ok(()) => Ok(Json(json!({ "id": id, "status": "deleted" }))),
        Err(crate::store::StoreError::NotFound { .. }) => Err(not_found(id)),
        Err(err) => Err(err.into()),
    }
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("Layout not found: {id}"))
}

/// 409 when the owner already has a layout of this name (case-insensitive).
async fn refuse_taken_name(
    state: &ApiState,
    owner: Option<Uuid>,
    name: &str,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    match layouts::same_name(&state.pool, owner, name, except).await? {
        None => Ok(()),
        Some(other) => Err(ApiError::status(
            StatusCode::CONFLICT,
            format!(
                "a layout named {:?} already exists {} (id {other}); choose another name or change that one (PUT /api/dashboards/layouts/{other})",
                name.trim(),
                match owner {
                    Some(user) => format!("for user {user}"),
                    None => "among the global layouts".to_string(),
                },
            ),
        )),
    }
}

/// Every problem of a layout, each at its place, against the widgets registered now.
async fn check_layout(
    state: &ApiState,
    fields: &mut Fields<'_>,
    config: &Value,
) -> Result<(), ApiError> {
    let layout = match LayoutConfig::from_json(config) {
        Ok(layout) => layout,
        Err(err) => {
            fields.problem_at(location(&err), message(&err));
            return Ok(());
        }
    };
    let known = widgets::known_ids(&state.pool).await?;
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    if let Err(errors) = layout.validate(&known) {
        for err in &errors {
            fields.problem_at(location(err), message(err));
        }
    }
    Ok(())
}

/// Where a layout problem is: `["body", "layout_config", "widgets", 2, "position", "w"]`.
pub fn location(err: &LayoutError) -> Vec<Value> {
    let mut loc = vec![json!("body"), json!("layout_config")];
    let widget = |i: &usize| [json!("widgets"), json!(i)];
    match err {
        LayoutError::Malformed { path, .. } => {
            if path != "layout_config" {
                loc.extend(path_segments(path));
            }
        }
        LayoutError::UnknownWidget { index, .. } => {
            loc.extend(widget(index));
            loc.push(json!("widget_id"));
        }
        LayoutError::ZeroSize { index, field, .. } => {
            loc.extend(widget(index));
            loc.extend([json!("position"), json!(field)]);
        }
        LayoutError::OutsideColumns { index, .. } | LayoutError::OutsideRows { index, .. } => {
            loc.extend(widget(index));
            loc.push(json!("position"));
        }
        LayoutError::Overlap { second, .. } => {
            loc.extend(widget(second));
            loc.push(json!("position"));
        }
        LayoutError::InvalidTimeRange { index, .. } => {
            loc.extend(widget(index));
            loc.extend([json!("config"), json!("time_range")]);
        }
        LayoutError::InvalidPersonaId { index, .. } => {
            loc.extend(widget(index));
            loc.extend([json!("config"), json!("persona_id")]);
        }
        LayoutError::InvalidSort { index, key, .. } => {
            loc.extend(widget(index));
            loc.extend([json!("config"), json!(key)]);
        }
    }
    loc
}

/// The problem in plain words (the widget's display name, what to do about it).
pub fn message(err: &LayoutError) -> String {
    match err {
        LayoutError::Malformed { message, .. } => message.clone(),
        LayoutError::UnknownWidget {
            widget_id, known, ..
        } => format!(
            "{widget_id:?} is not a registered widget; known widgets: {known} (GET /api/widgets)"
        ),
        LayoutError::InvalidPersonaId {
            widget_id, value, ..
        } => format!(
            "{}'s persona_id {value} is not a UUID",
            widget_name(widget_id)
        ),
        other => other.plain(),
    }
}

/// `widgets[2].position.w` -> `"widgets", 2, "position", "w"`.
fn path_segments(path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(json!(&rest[..open]));
            }
            rest = &rest[open..];
            while let Some(inner) = rest.strip_prefix('[') {
                let Some(close) = inner.find(']') else { break };
                match inner[..close].parse::<u64>() {
                    Ok(n) => out.push(json!(n)),
                    Err(_) => out.push(json!(&inner[..close])),
                }
                rest = &inner[close + 1..];
            }
        } else if !rest.is_empty() {
            out.push(json!(rest));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_path_becomes_a_location() {
        assert_eq!(
            path_segments("widgets[2].position.w"),
            vec![json!("widgets"), json!(2), json!("position"), json!("w")]
        );
        assert_eq!(path_segments("widgets"), vec![json!("widgets")]);
    }

    #[test]
    fn each_problem_has_its_place_and_plain_words() {
        let err = LayoutError::Overlap {
            first: 0,
            first_id: "recent-runs".into(),
            second: 1,
            second_id: "red-flags".into(),
            col_from: 0,
            col_to: 3,
            row_from: 0,
            row_to: 1,
        };
        assert_eq!(
            location(&err),
            vec![
                json!("body"),
                json!("layout_config"),
                json!("widgets"),
                json!(1),
                json!("position")
            ]
        );
        assert!(message(&err).contains("overlaps"), "{}", message(&err));
        assert!(!message(&err).contains("widgets["), "{}", message(&err));
    }
}
