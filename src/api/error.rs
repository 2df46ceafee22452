//! Every error answer of the API: `{"detail": "..."}`, or for bad input FastAPI's 422 list
//! `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}` naming each bad field. Bad input is
//! a 4xx, a database that cannot answer a 503, never a 500 with a raw error.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::store::StoreError;

/// One bad field: where (`["body", "name"]`, `["path", "project_id"]`), what is wrong, and
/// pydantic's error type (`missing`, `string_type`, `uuid_parsing`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub loc: Vec<Value>,
    pub msg: String,
    pub kind: &'static str,
}

impl FieldProblem {
    pub fn new(loc: Vec<Value>, msg: impl Into<String>, kind: &'static str) -> FieldProblem {
        FieldProblem {
            loc,
            msg: msg.into(),
            kind,
        }
    }

    /// A problem with a field of the JSON body.
    pub fn body(field: &str, msg: impl Into<String>, kind: &'static str) -> FieldProblem {
        FieldProblem::new(vec![json!("body"), json!(field)], msg, kind)
    }

    fn to_json(&self) -> Value {
        json!({ "loc": self.loc, "msg": self.msg, "type": self.kind })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 422 with the list of bad fields.
    Invalid(Vec<FieldProblem>),
    /// Any other status with a plain `detail`.
    Status(StatusCode, String),
}

impl ApiError {
    pub fn status(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError::Status(status, detail.into())
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::status(StatusCode::NOT_FOUND, detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        ApiError::status(StatusCode::SERVICE_UNAVAILABLE, detail)
    }

    /// One bad field.
    pub fn field(problem: FieldProblem) -> ApiError {
        ApiError::Invalid(vec![problem])
    }

    /// A path parameter that must be a UUID.
    pub fn bad_uuid_param(name: &str, raw: &str) -> ApiError {
        ApiError::field(FieldProblem::new(
            vec![json!("path"), json!(name)],
            format!("Input should be a valid UUID, got {raw:?}"),
            "uuid_parsing",
        ))
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Status(status, _) => *status,
        }
    }
}

/// Parses a path parameter as a UUID, or a 422 naming it.
pub fn uuid_param(name: &str, raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::bad_uuid_param(name, raw))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = match self {
            ApiError::Invalid(problems) => {
                json!({ "detail": problems.iter().map(FieldProblem::to_json).collect::<Vec<_>>() })
            }
            ApiError::Status(_, detail) => json!({ "detail": detail }),
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match &err {
            StoreError::NotFound { .. } => ApiError::not_found(err.to_string()),
            StoreError::Invalid { field, message } => {
                ApiError::field(FieldProblem::body(field, message.clone(), "value_error"))
            }
            StoreError::Conflict(what) => {
                ApiError::status(StatusCode::CONFLICT, format!("conflict: {what}"))
            }
            StoreError::Database(_) | StoreError::Migrate(_) => {
                let cause = err.cause();
                tracing::warn!("database error answering a request: {cause}");
                if cause.starts_with("database ") {
                    ApiError::unavailable(cause)
                } else {
                    ApiError::unavailable(format!("database error: {cause}"))
                }
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let status = rejection.status();
        match rejection {
            JsonRejection::JsonSyntaxError(err) => ApiError::field(FieldProblem::new(
                vec![json!("body")],
                format!("JSON decode error: {}", source_text(&err)),
                "json_invalid",
            )),
            JsonRejection::JsonDataError(err) => ApiError::field(FieldProblem::new(
                vec![json!("body")],
                source_text(&err),
                "model_attributes_type",
            )),
            JsonRejection::MissingJsonContentType(_) => ApiError::status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected a JSON body with Content-Type: application/json",
            ),
            other if status == StatusCode::PAYLOAD_TOO_LARGE => ApiError::status(
                status,
                format!("request body too large: {}", other.body_text()),
            ),
            other => ApiError::status(status, other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::field(FieldProblem::new(
            vec![json!("query")],
            rejection.body_text(),
            "query_invalid",
        ))
    }
}

/// The innermost cause's text (serde_json's message with its line and column).
fn source_text(err: &dyn std::error::Error) -> String {
    let mut current: &dyn std::error::Error = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_their_statuses() {
        let cases = [
            (StoreError::not_found("project", "x"), 404),
            (StoreError::invalid("name", "too long"), 422),
            (StoreError::Conflict("widget_id".into()), 409),
            (StoreError::Database(sqlx::Error::PoolTimedOut), 503),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(err).status_code().as_u16(), status);
        }
    }

    #[test]
    fn an_invalid_store_field_is_named_in_the_body_location() {
        let err = ApiError::from(StoreError::invalid("name", "too long"));
        assert_eq!(
            err,
            ApiError::field(FieldProblem::body("name", "too long", "value_error"))
        );
    }

    #[test]
    fn a_bad_path_uuid_names_the_parameter() {
        let err = uuid_param("project_id", "nope").unwrap_err();
        let ApiError::Invalid(problems) = err else {
            panic!("not a 422")
        };
        assert_eq!(problems[0].loc, vec![json!("path"), json!("project_id")]);
        assert_eq!(problems[0].kind, "uuid_parsing");
    }
}
