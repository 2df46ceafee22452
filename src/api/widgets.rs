//! `GET /api/widgets` (every registered widget, §1.6.11's `WidgetResponse` plus `created_at`)
//! and `POST /api/widgets/register` (admin; §1.6.12's body, `widget_schema` accepted for
//! `schema` as MPIS did). A duplicate `widget_id` is a 409 naming it (MPIS answered 500).

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::body::{Fields, JsonBody, Style};
use super::{ApiError, ApiState};
use crate::domain::form;
use crate::store::tokens::Authenticated;
use crate::store::widgets::{self, NewWidget, Widget};
use utoipa::ToSchema;

/// Longest widget id and name.
pub const ID_MAX: usize = 100;
pub const NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 2000;
/// `widget_type`'s values.
pub const TYPES: [&str; 2] = ["builtin", "custom"];

/// §1.6.11's `WidgetResponse` plus `created_at`.
#[derive(ToSchema)]
pub struct WidgetResponse {
    pub id: uuid::Uuid,
    pub widget_id: String,
    pub name: String,
    pub description: Option<String>,
    /// `builtin` or `custom`.
    pub widget_type: String,
    #[schema(value_type = Object)]
    pub schema: Value,
    pub renderer_url: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The body of `POST /api/widgets/register` (§1.6.12; `widget_schema` is accepted for `schema`).
#[derive(ToSchema)]
pub struct NewWidgetRequest {
    /// One line, unique.
    pub widget_id: String,
    pub name: String,
    pub description: Option<String>,
    /// `builtin` or `custom`.
    pub widget_type: String,
    #[schema(value_type = Object)]
    pub schema: Value,
    /// An http(s) URL.
    pub renderer_url: Option<String>,
}

fn shape(w: Widget) -> Value {
    json!({
        "id": w.id,
        "widget_id": w.widget_id,
        "name": w.name,
        "description": w.description,
        "widget_type": w.widget_type,
        "schema": w.schema.0,
        "renderer_url": w.renderer_url,
        "created_at": w.created_at,
    })
}

#[utoipa::path(get, path = "/api/widgets", tag = "widgets",
    responses((status = 200, description = "Every registered widget", body = Vec<WidgetResponse>)))]
pub async fn list(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let rows = widgets::list(&state.pool).await?;
    Ok(Json(Value::Array(rows.into_iter().map(shape).collect())))
}

#[utoipa::path(post, path = "/api/widgets/register", tag = "widgets",
    request_body = NewWidgetRequest,
    responses(
        (status = 200, description = "The registered widget", body = WidgetResponse),
        (status = 409, description = "A widget of this widget_id exists", body = super::openapi::ErrorDetail),
    ))]
pub async fn register(
    State(state): State<ApiState>,
    Extension(caller): Extension<Authenticated>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let new = read_new_widget(&body)?;
    let widget = widgets::register(&state.pool, &new).await?;
    tracing::info!(
        widget_id = %widget.widget_id,
        by = %caller.name,
        "widget registered"
    );
    Ok(Json(shape(widget)))
}

/// The body checked field by field (every problem named).
pub fn read_new_widget(body: &Value) -> Result<NewWidget, ApiError> {
    let mut fields = Fields::of(body).style(Style::Explicit);
    let widget_id = fields.required_str("widget_id");
    let name = fields.required_str("name");
    let description = fields.str("description").value();
    let widget_type = fields.required_str("widget_type");
    let schema_key = if fields.has("schema") || !fields.has("widget_schema") {
        "schema"
    } else {
        "widget_schema"
    };
    let schema = fields.required_dict(schema_key);
    let renderer_url = fields.str("renderer_url").value();
    if let Some(id) = widget_id {
        fields.check("widget_id", form::check_one_line(id, ID_MAX));
    }
    if let Some(name) = name {
        fields.check("name", form::check_one_line(name, NAME_MAX));
    }
    if let Some(description) = description
        && let Err(problem) = form::check_max_chars(description, DESCRIPTION_MAX)
    {
        fields.problem("description", problem);
    }
    if let Some(kind) = widget_type
        && !TYPES.contains(&kind)
    {
        fields.problem(
            "widget_type",
            format!("Input should be 'builtin' or 'custom', got {kind:?}"),
        );
    }
    if let Some(url) = renderer_url
        && let Err(problem) = form::check_http_url(url.trim())
    {
        fields.problem("renderer_url", problem);
    }
    fields.finish()?;
    match (widget_id, name, widget_type, schema) {
        (Some(widget_id), Some(name), Some(widget_type), Some(schema)) => Ok(NewWidget {
            widget_id: widget_id.trim().to_string(),
            name: name.trim().to_string(),
            description: description.map(|d| d.trim().to_string()),
            widget_type: widget_type.to_string(),
            schema: schema.clone(),
            renderer_url: renderer_url.map(|u| u.trim().to_string()),
        }),
        _ => Err(ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid widget",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_alias_and_every_bad_field() {
        let new = read_new_widget(&json!({
            "widget_id": "custom-sentiment", "name": "Sentiment Analysis",
            "widget_type": "custom", "widget_schema": {"a": 1},
        }))
        .unwrap();
        assert_eq!(new.schema, json!({"a": 1}));
        let err = read_new_widget(&json!({
            "widget_id": " ", "name": "x", "widget_type": "fancy", "schema": [],
            "renderer_url": "ftp://x",
        }))
        .unwrap_err();
        let ApiError::Invalid(problems) = err else {
            panic!("not a 422")
        };
        let fields: Vec<_> = problems.iter().map(|p| p.loc[1].clone()).collect();
        assert_eq!(
            fields,
            vec![
                json!("schema"),
                json!("widget_id"),
                json!("widget_type"),
                json!("renderer_url")
            ]
        );
    }
}
