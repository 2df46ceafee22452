//! FastAPI/pydantic-v2 style answers: `{"detail": "..."}` errors and the 422 list form
//! `{"detail": [{"type", "loc", "msg", "input", "ctx"?}, ...]}` for request validation,
//! checked against a small description of each MPIS request model; naive timestamps as MPIS's
//! `utcnow().isoformat()` writes them.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// An error answer with MPIS's `{"detail": "..."}` body.
pub fn detail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "detail": message.into() }))).into_response()
}

/// A 422 with FastAPI's list of validation errors.
pub fn unprocessable(errors: Vec<Value>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "detail": errors })),
    )
        .into_response()
}

/// The type of a field, as pydantic checks it (strict about str, like MPIS's models).
#[derive(Debug)]
pub enum Ty {
    Str,
    StrLen { min: usize, max: usize },
    Bool,
    Int,
    Uuid,
    Dict,
    Any,
    Literal(&'static [&'static str]),
    List(&'static Ty),
    Model(&'static str, &'static [Field]),
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// `Optional[...] = None`: null is accepted.
    pub nullable: bool,
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
        nullable: false,
    }
}

const fn opt(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
        nullable: true,
    }
}

const fn defaulted(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
        nullable: false,
    }
}

const SOURCE_INPUT: &[Field] = &[
    req("type", Ty::Literal(&["text", "url", "file", "youtube"])),
    req("ref", Ty::Str),
    defaulted("metadata", Ty::Dict),
];

pub const GENESIS_START: &[Field] = &[
    req("persona_name", Ty::StrLen { min: 1, max: 100 }),
    opt("inspiration_source", Ty::Str),
    defaulted("language", Ty::Str),
    defaulted("public_persona", Ty::Bool),
    opt("public_name", Ty::Str),
    opt("gdrive_folder_id", Ty::Str),
    opt("notes", Ty::Str),
    defaulted("sources", Ty::List(&Ty::Model("SourceInput", SOURCE_INPUT))),
];

const EDIT_OPERATION: &[Field] = &[
    req("path", Ty::Str),
    req("op", Ty::Literal(&["add", "replace", "remove"])),
    opt("value", Ty::Any),
];

pub const GENESIS_APPROVE: &[Field] = &[
    req("job_id", Ty::Uuid),
    req("draft_no", Ty::Int),
    defaulted("confirm", Ty::Bool),
    defaulted(
        "edits",
        Ty::List(&Ty::Model("EditOperation", EDIT_OPERATION)),
    ),
];

pub const PUBLISH_RECORD: &[Field] = &[
    req("draft_id", Ty::Uuid),
    req("channel", Ty::Str),
    opt("channel_item_id", Ty::Str),
    opt("channel_url", Ty::Str),
    defaulted("published_payload", Ty::Dict),
    opt("persona_version_used", Ty::Str),
];

pub const METRICS_INGEST: &[Field] = &[
    req("published_item_id", Ty::Uuid),
    req("metrics", Ty::List(&Ty::Dict)),
    defaulted("source", Ty::Str),
];

/// Parses and validates a JSON request body against a model; the 422 answer otherwise.
pub fn json_body(body: &[u8], fields: &[Field]) -> Result<Value, Box<Response>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Box::new(unprocessable(vec![json!({
            "type": "missing", "loc": ["body"], "msg": "Field required", "input": null
        })])));
    }
    let value: Value = serde_json::from_slice(body).map_err(|err| {
        Box::new(unprocessable(vec![json!({
            "type": "json_invalid",
            "loc": ["body", byte_offset(body, err.line(), err.column())],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": err.to_string()}
        })]))
    })?;
    let mut errors = Vec::new();
    if value.is_object() {
        check_fields(&value, fields, &mut vec![json!("body")], &mut errors);
    } else {
        errors.push(json!({
            "type": "model_attributes_type", "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": value
        }));
    }
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(Box::new(unprocessable(errors)))
    }
}

/// A path parameter that must be a UUID.
pub fn uuid_param(name: &str, raw: &str) -> Result<uuid::Uuid, Box<Response>> {
    uuid::Uuid::parse_str(raw).map_err(|err| {
        Box::new(unprocessable(vec![json!({
            "type": "uuid_parsing", "loc": ["path", name],
            "msg": format!("Input should be a valid UUID, {err}"),
            "input": raw, "ctx": {"error": err.to_string()}
        })]))
    })
}

fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, text) in body.split(|b| *b == b'\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1);
        }
        offset += text.len() + 1;
    }
    body.len()
}

fn check_fields(object: &Value, fields: &[Field], loc: &mut Vec<Value>, errors: &mut Vec<Value>) {
    for field in fields {
        loc.push(json!(field.name));
        match object.get(field.name) {
            None if field.required => errors.push(json!({
                "type": "missing", "loc": loc.clone(), "msg": "Field required", "input": object
            })),
            None => {}
            Some(Value::Null) if field.nullable => {}
            Some(value) => check(value, &field.ty, loc, errors),
        }
        loc.pop();
    }
}

fn check(value: &Value, ty: &Ty, loc: &mut Vec<Value>, errors: &mut Vec<Value>) {
    let mut fail = |kind: &str, msg: String, ctx: Option<Value>| {
        let mut error = json!({"type": kind, "loc": loc.clone(), "msg": msg, "input": value});
        if let (Some(ctx), Some(object)) = (ctx, error.as_object_mut()) {
            object.insert("ctx".to_owned(), ctx);
        }
        errors.push(error);
    };
    match ty {
        Ty::Any => {}
        Ty::Str => {
            if !value.is_string() {
                fail("string_type", "Input should be a valid string".into(), None);
            }
        }
        Ty::StrLen { min, max } => match value.as_str() {
            None => fail("string_type", "Input should be a valid string".into(), None),
            Some(text) => {
                let count = text.chars().count();
                if count < *min {
                    fail(
                        "string_too_short",
                        format!(
                            "String should have at least {min} character{}",
                            plural(*min)
                        ),
                        Some(json!({"min_length": min})),
                    );
                } else if count > *max {
                    fail(
                        "string_too_long",
                        format!("String should have at most {max} character{}", plural(*max)),
                        Some(json!({"max_length": max})),
                    );
                }
            }
        },
        Ty::Bool => {
            if !value.is_boolean() {
                fail("bool_type", "Input should be a valid boolean".into(), None);
            }
        }
        Ty::Int => {
            if !(value.is_i64() || value.is_u64()) {
                fail("int_type", "Input should be a valid integer".into(), None);
            }
        }
        Ty::Uuid => match value.as_str() {
            None => fail(
                "uuid_type",
                "UUID input should be a string, bytes or UUID object".into(),
                None,
            ),
            Some(text) => {
                if let Err(err) = uuid::Uuid::parse_str(text) {
                    fail(
                        "uuid_parsing",
                        format!("Input should be a valid UUID, {err}"),
                        Some(json!({"error": err.to_string()})),
                    );
                }
            }
        },
        Ty::Dict => {
            if !value.is_object() {
                fail(
                    "dict_type",
                    "Input should be a valid dictionary".into(),
                    None,
                );
            }
        }
        Ty::Literal(allowed) => {
            if !value.as_str().is_some_and(|text| allowed.contains(&text)) {
                let expected = literal_list(allowed);
                fail(
                    "literal_error",
                    format!("Input should be {expected}"),
                    Some(json!({"expected": expected})),
                );
            }
        }
        Ty::List(item) => match value.as_array() {
            None => fail("list_type", "Input should be a valid list".into(), None),
            Some(items) => {
                for (index, element) in items.iter().enumerate() {
                    loc.push(json!(index));
                    check(element, item, loc, errors);
                    loc.pop();
                }
            }
        },
        Ty::Model(name, fields) => {
            if value.is_object() {
                check_fields(value, fields, loc, errors);
            } else {
                fail(
                    "model_type",
                    format!("Input should be a valid dictionary or instance of {name}"),
                    Some(json!({"class_name": name})),
                );
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `'a', 'b' or 'c'`.
fn literal_list(allowed: &[&str]) -> String {
    let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// A body that passed the model check but still does not decode (should not happen).
pub fn body_error(message: impl std::fmt::Display) -> Response {
    unprocessable(vec![json!({
        "type": "value_error", "loc": ["body"], "msg": message.to_string(), "input": null
    })])
}

/// `2026-11-24T20:17:07.951099`: naive ISO-8601 in UTC, as Python's `utcnow().isoformat()`.
pub fn naive(at: DateTime<Utc>) -> String {
    at.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(body: &str, fields: &[Field]) -> Vec<(String, String)> {
        let Err(response) = json_body(body.as_bytes(), fields) else {
            return Vec::new();
        };
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Re-run the check to read the errors without a runtime.
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            return vec![("json_invalid".into(), String::new())];
        };
        let mut errors = Vec::new();
        check_fields(&value, fields, &mut vec![json!("body")], &mut errors);
        errors
            .iter()
            .map(|e| {
                (
                    e["type"].as_str().unwrap_or("").to_owned(),
                    e["loc"].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn genesis_start_is_checked_like_pydantic() {
        assert!(json_body(br#"{"persona_name": "A"}"#, GENESIS_START).is_ok());
        assert_eq!(
            errors_of(r#"{"language": "en"}"#, GENESIS_START),
            [(
                "missing".to_owned(),
                r#"["body","persona_name"]"#.to_owned()
            )]
        );
        assert_eq!(
            errors_of(r#"{"persona_name": ""}"#, GENESIS_START)[0].0,
            "string_too_short"
        );
        let long = format!(r#"{{"persona_name": "{}"}}"#, "x".repeat(101));
        assert_eq!(errors_of(&long, GENESIS_START)[0].0, "string_too_long");
        assert_eq!(
            errors_of(
                r#"{"persona_name": 5, "sources": [{"type": "fax", "ref": "x"}], "notes": null}"#,
                GENESIS_START
            ),
            [
                (
                    "string_type".to_owned(),
                    r#"["body","persona_name"]"#.to_owned()
                ),
                (
                    "literal_error".to_owned(),
                    r#"["body","sources",0,"type"]"#.to_owned()
                )
            ]
        );
        assert_eq!(
            errors_of("{not json", GENESIS_START),
            [("json_invalid".to_owned(), String::new())]
        );
        assert!(json_body(b"  ", GENESIS_START).is_err());
        assert!(json_body(b"[1]", GENESIS_START).is_err());
    }

    #[test]
    fn approve_and_publish_models() {
        assert!(
            json_body(
                br#"{"job_id": "6f1c3c9e-8d4b-4c38-9d7e-0f6c1f3f2a10", "draft_no": 1, "edits": [{"path": "a", "op": "remove"}]}"#,
                GENESIS_APPROVE
            )
            .is_ok()
        );
        assert_eq!(
            errors_of(
                r#"{"job_id": "nope", "draft_no": "1", "edits": [{"path": "a", "op": "move"}]}"#,
                GENESIS_APPROVE
            )
            .into_iter()
            .map(|(kind, _)| kind)
            .collect::<Vec<_>>(),
            ["uuid_parsing", "int_type", "literal_error"]
        );
        assert_eq!(
            errors_of(r#"{"draft_id": null, "channel": "x"}"#, PUBLISH_RECORD)[0].0,
            "uuid_type"
        );
    }

    #[test]
    fn literal_lists_read_like_pydantic() {
        assert_eq!(
            literal_list(&["text", "url", "file", "youtube"]),
            "'text', 'url', 'file' or 'youtube'"
        );
        assert_eq!(literal_list(&["a"]), "'a'");
    }

    #[test]
    fn naive_timestamps_have_no_offset() {
        use chrono::TimeZone;

        let at = Utc.with_ymd_and_hms(2026, 11, 24, 20, 17, 7).single();
        let shown = at.map(naive).unwrap_or_default();
        assert_eq!(shown, "2026-11-24T20:17:07.000000");
    }
}
