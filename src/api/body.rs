//! Reading a JSON request body field by field, FastAPI-style: every bad field is collected
//! (missing, wrong type, not a UUID) with its location, so one 422 names all of them.

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::error::{ApiError, FieldProblem};

/// A JSON body (Content-Type checked, size limited by the router, syntax checked); the
/// rejections become [`ApiError`]s with a `detail`.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<Value>::from_request(req, state).await?;
        Ok(JsonBody(value))
    }
}

/// The fields of a body object, with the problems found so far.
pub struct Fields<'a> {
    object: Option<&'a Map<String, Value>>,
    problems: Vec<FieldProblem>,
}

impl<'a> Fields<'a> {
    /// The body must be an object; anything else is one problem at `["body"]`.
    pub fn of(body: &'a Value) -> Fields<'a> {
        let object = body.as_object();
        let problems = match object {
            Some(_) => Vec::new(),
            None => vec![FieldProblem::new(
                vec![Value::from("body")],
                "Input should be a valid dictionary or object",
                "model_attributes_type",
            )],
        };
        Fields { object, problems }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.object.and_then(|o| o.get(name))
    }

    fn missing(&mut self, name: &str) {
        if self.object.is_some() {
            self.problems
                .push(FieldProblem::body(name, "Field required", "missing"));
        }
    }

    /// Adds a problem with a field found after reading it (a rule of the value).
    pub fn problem(&mut self, name: &str, msg: impl Into<String>) {
        self.problems
            .push(FieldProblem::body(name, msg, "value_error"));
    }

    pub fn required_str(&mut self, name: &str) -> Option<&'a str> {
        match self.get(name) {
            None => {
                self.missing(name);
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.problems.push(FieldProblem::body(
                    name,
                    "Input should be a valid string",
                    "string_type",
                ));
                None
            }
        }
    }

    pub fn required_uuid(&mut self, name: &str) -> Option<Uuid> {
        match self.get(name) {
            None => {
                self.missing(name);
                None
            }
            Some(Value::String(s)) => match Uuid::parse_str(s) {
                Ok(id) => Some(id),
                Err(_) => {
                    self.problems.push(FieldProblem::body(
                        name,
                        format!("Input should be a valid UUID, got {s:?}"),
                        "uuid_parsing",
                    ));
                    None
                }
            },
            Some(_) => {
                self.problems.push(FieldProblem::body(
                    name,
                    "UUID input should be a string",
                    "uuid_type",
                ));
                None
            }
        }
    }

    /// A required list of strings; each bad element is named by its index.
    pub fn required_str_list(&mut self, name: &str) -> Option<Vec<&'a str>> {
        match self.get(name) {
            None => {
                self.missing(name);
                None
            }
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.as_str()),
                        _ => {
                            ok = false;
                            self.problems.push(FieldProblem::new(
                                vec![Value::from("body"), Value::from(name), Value::from(i)],
                                "Input should be a valid string",
                                "string_type",
                            ));
                        }
                    }
                }
                ok.then_some(out)
            }
            Some(_) => {
                self.problems.push(FieldProblem::body(
                    name,
                    "Input should be a valid list",
                    "list_type",
                ));
                None
            }
        }
    }

    /// `Ok` when no field had a problem, else the 422 naming all of them.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bad_field_is_named() {
        let body = json!({"name": 5, "persona_id": "x", "channels": ["a", 1]});
        let mut fields = Fields::of(&body);
        assert_eq!(fields.required_str("name"), None);
        assert_eq!(fields.required_uuid("persona_id"), None);
        assert_eq!(fields.required_str_list("channels"), None);
        assert_eq!(fields.required_str("missing_one"), None);
        let ApiError::Invalid(problems) = fields.finish().unwrap_err() else {
            panic!("not a 422")
        };
        let kinds: Vec<_> = problems.iter().map(|p| (p.loc.clone(), p.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (vec![json!("body"), json!("name")], "string_type"),
                (vec![json!("body"), json!("persona_id")], "uuid_parsing"),
                (
                    vec![json!("body"), json!("channels"), json!(1)],
                    "string_type"
                ),
                (vec![json!("body"), json!("missing_one")], "missing"),
            ]
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_one_problem() {
        let body = json!([1, 2]);
        let mut fields = Fields::of(&body);
        assert_eq!(fields.required_str("name"), None);
        let ApiError::Invalid(problems) = fields.finish().unwrap_err() else {
            panic!("not a 422")
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].loc, vec![json!("body")]);
    }
}
