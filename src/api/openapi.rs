//! `GET /openapi.json`: the API's OpenAPI 3.1 document, generated from the code (utoipa): each
//! handler's `#[utoipa::path]` (method, path, parameters, body, its own answers) plus, added
//! here from the same rules the router applies ([`role_of`], [`auth`](super::auth)), the
//! answers every route shares: 401/403 by the role it needs, 413/415/422 for a JSON body, 422
//! for a bad path or query parameter, 429 and 503. `GET /docs` renders it as a page with no
//! external asset. Both are public like `/health` (the contract holds no data).

use std::sync::OnceLock;

use axum::Json;
use axum::http::{Method, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};
use utoipa::{OpenApi, ToSchema};

use super::{
    analyst, genesis, health, jobs, layouts, login, metrics, metrics_ingest, personas, projects,
    publish, red_flags, runs, widgets,
};
use crate::domain::auth::Role;

/// `{"detail": "..."}`: every error answer but a 422.
#[derive(ToSchema)]
pub struct ErrorDetail {
    /// What went wrong, in words (and what to do about it).
    pub detail: String,
}

/// FastAPI's 422: `{"detail": [{"loc", "msg", "type"}]}`, one entry per bad field.
#[derive(ToSchema)]
pub struct ValidationError {
    pub detail: Vec<FieldProblemSchema>,
}

/// One bad field: where (`["body", "name"]`, `["query", "limit"]`,
/// `["body", "items", 3, "channel"]`), what is wrong, and pydantic's error type.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = FieldProblem)]
pub struct FieldProblemSchema {
    pub loc: Vec<LocPart>,
    pub msg: String,
    /// `missing`, `string_type`, `uuid_parsing`, `value_error`, `json_invalid`, ...
    #[serde(rename = "type")]
    pub kind: String,
}

/// A step of a location: a field name or a list index.
#[derive(ToSchema, serde::Serialize)]
#[serde(untagged)]
pub enum LocPart {
    Name(String),
    Index(i64),
}

/// A `{"id", "status": "deleted"}` answer.
#[derive(ToSchema)]
pub struct Deleted {
    pub id: uuid::Uuid,
    /// Always `deleted`.
    pub status: String,
}

/// The routes that need no token.
pub const PUBLIC_PATHS: &[&str] = &[
    "/health",
    "/health/db",
    "/health/mpis",
    "/openapi.json",
    "/docs",
    "/api/auth/login",
];

/// The routes that need an admin token whatever the method (the router's `admin` group).
pub const ADMIN_PATHS: &[&str] = &[
    "/api/widgets/register",
    "/api/metrics/jobs",
    "/api/metrics/jobs/{job_id}",
    "/api/metrics/jobs/{job_id}/run",
    "/api/metrics/jobs/{job_id}/runs",
];

/// The routes a viewer may POST to (queries that write nothing: the router's `queries`).
pub const VIEWER_PATHS: &[&str] = &["/api/ai-analyst/query"];

/// The role a route needs: `None` for the public ones.
pub fn role_of(path: &str, method: &Method) -> Option<Role> {
    if PUBLIC_PATHS.contains(&path) {
        None
    } else if ADMIN_PATHS.contains(&path) {
        Some(Role::Admin)
    } else if VIEWER_PATHS.contains(&path) {
        Some(Role::Viewer)
    } else {
        Some(super::auth::needed_role(method))
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mpis-dash API",
        description = "The dashboard's HTTP API (`mpis-dash serve`). Send `Authorization: Bearer <token>` \
            (`mpis-dash token create --role viewer|editor|admin`, or `POST /api/auth/login`). Reading \
            (GET) needs a viewer, writing an editor, the widget registry and the ingestion jobs an \
            admin whatever the method; with `--allow-anonymous-read` reads need no token. Errors are \
            `{\"detail\": \"...\"}`, bad input FastAPI's 422 list."
    ),
    paths(
        health::service,
        health::database,
        health::mpis,
        document,
        docs_page,
        metrics::scrape,
        personas::list,
        projects::list,
        projects::create,
        projects::get,
        red_flags::summary,
        red_flags::flags,
        red_flags::acknowledge,
        red_flags::resolve,
        layouts::list,
        layouts::create,
        layouts::update,
        layouts::delete,
        widgets::list,
        widgets::register,
        runs::list,
        runs::create,
        runs::get,
        runs::complete,
        publish::record,
        metrics_ingest::ingest,
        metrics_ingest::ingest_batch,
        genesis::start,
        genesis::status,
        genesis::approve,
        genesis::export,
        jobs::list,
        jobs::create,
        jobs::get,
        jobs::update,
        jobs::delete,
        jobs::run_now,
        jobs::runs,
        login::login,
        analyst::query,
    ),
    components(schemas(ErrorDetail, ValidationError, FieldProblemSchema, LocPart))
)]
pub struct ApiDoc;

/// The document as served: utoipa's, with the shared answers and the security added.
pub fn document_json() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
        complete(&mut doc);
        doc
    })
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Adds the bearer scheme, each operation's security and role, and the answers shared by
/// every route of its kind (an answer the handler documents itself is kept).
fn complete(doc: &mut Value) {
    doc["components"]["securitySchemes"]["bearer"] = json!({
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`mpis-dash token create`) or a login's token",
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for name in METHODS {
            let Some(operation) = item.get_mut(name).and_then(Value::as_object_mut) else {
                continue;
            };
            let method = Method::from_bytes(name.to_uppercase().as_bytes()).unwrap_or(Method::GET);
            complete_operation(path, &method, operation);
        }
    }
}

fn complete_operation(path: &str, method: &Method, operation: &mut Map<String, Value>) {
    let role = role_of(path, method);
    // utoipa names an operation by its handler (`list`, `delete`): prefixed by its tag, the
    // names are unique (`projects_list`, `jobs_delete`).
    let tag = operation
        .get("tags")
        .and_then(|t| t.get(0))
        .and_then(Value::as_str)
        .map(|t| t.replace('-', "_"));
    if let (Some(tag), Some(id)) = (tag, operation.get("operationId").and_then(Value::as_str)) {
        let id = format!("{tag}_{id}");
        operation.insert("operationId".into(), json!(id));
    }
    let mut shared: Vec<(u16, &str, &str)> = Vec::new();
    let who = match role {
        None => "Public: no token needed.".to_string(),
        Some(Role::Viewer) => {
            "Needs the viewer role (any token; none with --allow-anonymous-read).".to_string()
        }
        Some(role) => format!("Needs the {role} role."),
    };
    let description = match operation.get("description").and_then(Value::as_str) {
        Some(text) if !text.is_empty() => format!("{text}\n\n{who}"),
        _ => who,
    };
    operation.insert("description".into(), json!(description));
    if let Some(role) = role {
        operation.insert("security".into(), json!([{ "bearer": [] }]));
        shared.push((
            401,
            "ErrorDetail",
            "no token, or a bad, expired or revoked one (with WWW-Authenticate: Bearer)",
        ));
        if role > Role::Viewer {
            shared.push((
                403,
                "ErrorDetail",
                "the token's role is below the one this route needs",
            ));
        }
    }
    if operation.contains_key("requestBody") {
        shared.push((
            413,
            "ErrorDetail",
            "the body is larger than body_limit_bytes",
        ));
        shared.push((415, "ErrorDetail", "no Content-Type: application/json"));
        shared.push((
            422,
            "ValidationError",
            "malformed JSON or bad fields, each named",
        ));
    }
    let has_params = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    if has_params {
        shared.push((
            422,
            "ValidationError",
            "a bad path or query parameter, named",
        ));
    }
    shared.push((429, "ErrorDetail", "over the rate limit (with Retry-After)"));
    shared.push((
        503,
        "ErrorDetail",
        "the database cannot answer, or the request took longer than request_timeout_secs",
    ));
    let responses = operation.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    for (status, schema, description) in shared {
        responses.entry(status.to_string()).or_insert_with(|| {
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}},
            })
        });
    }
}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "docs",
    description = "This document (OpenAPI 3.1), generated from the code.",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub async fn document() -> Json<&'static Value> {
    Json(document_json())
}

/// The docs page: the document rendered by a small script of its own (no CDN).
const DOCS_PAGE: &str = include_str!("../../assets/api_docs.html");

/// `GET /docs`.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "docs",
    description = "A page rendering /openapi.json, self-contained (no external asset).",
    responses((status = 200, description = "The HTML page", content_type = "text/html", body = String))
)]
pub async fn docs_page() -> Response {
    ([(header::CACHE_CONTROL, "no-cache")], Html(DOCS_PAGE)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_follows_the_router_groups_and_the_method() {
        assert_eq!(role_of("/health", &Method::GET), None);
        assert_eq!(role_of("/api/auth/login", &Method::POST), None);
        assert_eq!(role_of("/api/projects", &Method::GET), Some(Role::Viewer));
        assert_eq!(role_of("/api/projects", &Method::POST), Some(Role::Editor));
        assert_eq!(role_of("/metrics", &Method::GET), Some(Role::Viewer));
        assert_eq!(
            role_of("/api/ai-analyst/query", &Method::POST),
            Some(Role::Viewer)
        );
        assert_eq!(
            role_of("/api/metrics/jobs/{job_id}", &Method::GET),
            Some(Role::Admin)
        );
    }

    #[test]
    fn every_operation_gets_its_shared_answers_and_a_unique_id() {
        let doc = document_json();
        let mut ids = std::collections::HashSet::new();
        let mut count = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for name in METHODS {
                let Some(op) = item.get(name) else { continue };
                count += 1;
                assert!(ids.insert(op["operationId"].to_string()), "{name} {path}");
                for status in ["429", "503"] {
                    assert!(
                        op["responses"][status].is_object(),
                        "{name} {path} {status}"
                    );
                }
                let public = PUBLIC_PATHS.contains(&path.as_str());
                assert_eq!(op["security"].is_null(), public, "{name} {path}");
                // (The login's own 401 is a wrong password.)
                assert!(
                    public || op["responses"]["401"].is_object(),
                    "{name} {path}"
                );
            }
        }
        assert!(count > 30, "{count} operations");
    }
}
