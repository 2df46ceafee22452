//! `GET /api/projects`, `POST /api/projects`, `GET /api/projects/{project_id}` with
//! §1.6.2-4's `DashboardProjectResponse` `{id, name, persona_id, channels, created_at}`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::body::{Fields, JsonBody};
use super::error::{FieldProblem, uuid_param};
use super::{ApiError, ApiState};
use crate::domain::form;
use crate::store::projects;
use utoipa::ToSchema;

/// Longest project name (MPIS's `max_length=200`).
pub const NAME_MAX: usize = 200;
/// Longest channel name.
pub const CHANNEL_MAX: usize = 64;
/// Rows per page when `limit` is not given, and the most one page may hold.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// `?limit=&offset=` of the list routes (MPIS returns everything; we page, with a default
/// large enough for the old clients).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Rows per page, 1 to 1000 (default 100).
    pub limit: Option<i64>,
    /// Rows to skip (default 0).
    pub offset: Option<i64>,
}

impl Page {
    pub fn bounds(&self) -> Result<(i64, i64), ApiError> {
        let mut problems = Vec::new();
        let limit = query_limit(self.limit, DEFAULT_LIMIT, MAX_LIMIT).unwrap_or_else(|problem| {
            problems.push(problem);
            0
        });
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            problems.push(FieldProblem::new(
                vec![json!("query"), json!("offset")],
                format!("must be 0 or more, got {offset}"),
                "value_error",
            ));
        }
        if problems.is_empty() {
            Ok((limit, offset))
        } else {
            Err(ApiError::Invalid(problems))
        }
    }
}

/// `?limit=` of a list route: `default` when not given, else 1 to `max` (a problem of
/// `["query", "limit"]`).
pub fn query_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, FieldProblem> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(FieldProblem::new(
            vec![json!("query"), json!("limit")],
            format!("must be 1 to {max}, got {limit}"),
            "value_error",
        ))
    }
}

/// §1.6.2-4's `DashboardProjectResponse`.
#[derive(ToSchema)]
pub struct ProjectResponse {
    pub id: uuid::Uuid,
    pub name: String,
    pub persona_id: uuid::Uuid,
    pub channels: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The body of `POST /api/projects`.
#[derive(ToSchema)]
pub struct NewProjectRequest {
    /// One line, 1 to 200 characters.
    pub name: String,
    /// An existing persona.
    pub persona_id: uuid::Uuid,
    /// One-line channel names (may be empty).
    pub channels: Vec<String>,
}

fn shape(p: projects::Project) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "persona_id": p.persona_id,
        "channels": p.channels,
        "created_at": p.created_at,
    })
}

#[utoipa::path(get, path = "/api/projects", tag = "projects",
    params(Page),
    responses((status = 200, description = "The projects", body = Vec<ProjectResponse>)))]
pub async fn list(
    State(state): State<ApiState>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(page) = page?;
    let (limit, offset) = page.bounds()?;
    let rows = projects::list(&state.pool, limit, offset).await?;
    Ok(Json(Value::Array(rows.into_iter().map(shape).collect())))
}

#[utoipa::path(get, path = "/api/projects/{project_id}", tag = "projects",
    params(("project_id" = uuid::Uuid, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project", body = ProjectResponse),
        (status = 404, description = "No such project", body = super::openapi::ErrorDetail),
    ))]
pub async fn get(
    State(state): State<ApiState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = uuid_param("project_id", &raw)?;
    match projects::get(&state.pool, id).await? {
        Some(project) => Ok(Json(shape(project))),
        None => Err(ApiError::not_found("Project not found")),
    }
}

/// A new project's fields, each problem named (422); an unknown persona is a problem of
/// `persona_id`, not the old 500 on the foreign key.
#[utoipa::path(post, path = "/api/projects", tag = "projects",
    request_body = NewProjectRequest,
    responses((status = 200, description = "The new project", body = ProjectResponse)))]
pub async fn create(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let new = read_new_project(&body)?;
    super::personas::must_exist(&state, new.persona_id).await?;
    let project = projects::create(&state.pool, &new).await?;
    Ok(Json(shape(project)))
}

/// The body of `POST /api/projects` checked by the forms' rules: a one-line name of 1..=200
/// characters, a persona UUID, channels as one-line names (an empty list is accepted, as MPIS
/// does).
pub fn read_new_project(body: &Value) -> Result<projects::NewProject, ApiError> {
    let mut fields = Fields::of(body);
    let name = fields.required_str("name");
    let persona_id = fields.required_uuid("persona_id");
    let channels = fields.required_str_list("channels");
    if let Some(name) = name {
        fields.check("name", form::check_one_line(name, NAME_MAX));
    }
    if let Some(channels) = &channels {
        for (i, channel) in channels.iter().enumerate() {
            fields.check(
                &format!("channels[{i}]"),
                form::check_one_line(channel, CHANNEL_MAX),
            );
        }
    }
    fields.finish()?;
    match (name, persona_id, channels) {
        (Some(name), Some(persona_id), Some(channels)) => Ok(projects::NewProject {
            name: name.trim().to_string(),
            persona_id,
            channels: channels.iter().map(|c| c.to_string()).collect(),
        }),
        _ => Err(ApiError::status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid project",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_body_reads_as_a_new_project() {
        let id = uuid::Uuid::new_v4();
        let new = read_new_project(&json!({"name": " Spring ", "persona_id": id, "channels": []}))
            .unwrap();
        assert_eq!(new.name, "Spring");
        assert_eq!(new.persona_id, id);
        assert!(new.channels.is_empty());
    }

    #[test]
    fn a_long_or_multi_line_name_and_an_empty_channel_are_named() {
        let long = "x".repeat(NAME_MAX + 1);
        let id = uuid::Uuid::new_v4();
        for (name, channels, field) in [
            (long.as_str(), json!([]), "name"),
            ("a\nb", json!([]), "name"),
            ("  ", json!([]), "name"),
            ("ok", json!(["telegram", " "]), "channels[1]"),
        ] {
            let err =
                read_new_project(&json!({"name": name, "persona_id": id, "channels": channels}))
                    .unwrap_err();
            let ApiError::Invalid(problems) = err else {
                panic!("not a 422")
            };
            assert_eq!(
                problems[0].loc,
                vec![json!("body"), json!(field)],
                "{name:?}"
            );
        }
    }
}
