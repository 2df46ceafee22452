//! Optional and typed body fields for the configuration routes (layouts, widgets, jobs),
//! FastAPI-style like `body::Fields`: each reader records its problem (missing, wrong type,
//! not a UUID) with its location, and `finish` turns them into one 422 naming all of them.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::error::{ApiError, FieldProblem};

/// A body object's fields and the problems found so far.
pub struct Input<'a> {
    object: Option<&'a Map<String, Value>>,
    problems: Vec<FieldProblem>,
}

/// What an optional field held: absent, an explicit `null`, or a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Given<T> {
    Absent,
    Null,
    Value(T),
}

impl<T> Given<T> {
    /// The value when one was given; absent and `null` are both "none".
    pub fn value(self) -> Option<T> {
        match self {
            Given::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Given::Absent)
    }
}

impl<'a> Input<'a> {
    /// The body must be an object; anything else is one problem at `["body"]`.
    pub fn of(body: &'a Value) -> Input<'a> {
        let object = body.as_object();
        let problems = match object {
            Some(_) => Vec::new(),
            None => vec![FieldProblem::new(
                vec![Value::from("body")],
                "Input should be a valid dictionary or object",
                "model_attributes_type",
            )],
        };
        Input { object, problems }
    }

    /// Whether the body has this key at all.
    pub fn has(&self, name: &str) -> bool {
        self.object.is_some_and(|o| o.contains_key(name))
    }

    /// Records a problem of a field's value (a rule, not a type).
    pub fn problem(&mut self, name: &str, msg: impl Into<String>) {
        self.problems
            .push(FieldProblem::body(name, msg, "value_error"));
    }

    /// Records a problem at a deeper place (`["body", "layout_config", "widgets", 2]`).
    pub fn problem_at(&mut self, loc: Vec<Value>, msg: impl Into<String>) {
        self.problems
            .push(FieldProblem::new(loc, msg, "value_error"));
    }

    fn wrong_type(&mut self, name: &str, msg: &str, kind: &'static str) {
        self.problems.push(FieldProblem::body(name, msg, kind));
    }

    fn read<T>(
        &mut self,
        name: &str,
        convert: impl FnOnce(&'a Value) -> Result<T, (String, &'static str)>,
    ) -> Given<T> {
        match self.object.and_then(|o| o.get(name)) {
            None => Given::Absent,
            Some(Value::Null) => Given::Null,
            Some(value) => match convert(value) {
                Ok(v) => Given::Value(v),
                Err((msg, kind)) => {
                    self.wrong_type(name, &msg, kind);
                    Given::Absent
                }
            },
        }
    }

    fn require<T>(&mut self, name: &str, given: Given<T>, had_problem: bool) -> Option<T> {
        match given {
            Given::Value(v) => Some(v),
            Given::Absent if had_problem => None,
            _ => {
                if self.object.is_some() {
                    let msg = if self.has(name) {
                        "Field required (null is not a value here)"
                    } else {
                        "Field required"
                    };
                    self.problems.push(FieldProblem::body(name, msg, "missing"));
                }
                None
            }
        }
    }

    pub fn str(&mut self, name: &str) -> Given<&'a str> {
        self.read(name, |v| match v {
            Value::String(s) => Ok(s.as_str()),
            _ => Err(("Input should be a valid string".into(), "string_type")),
        })
    }

    pub fn bool(&mut self, name: &str) -> Given<bool> {
        self.read(name, |v| match v {
            Value::Bool(b) => Ok(*b),
            _ => Err(("Input should be a valid boolean".into(), "bool_type")),
        })
    }

    pub fn uuid(&mut self, name: &str) -> Given<Uuid> {
        self.read(name, |v| match v {
            Value::String(s) => Uuid::parse_str(s).map_err(|_| {
                (
                    format!("Input should be a valid UUID, got {s:?}"),
                    "uuid_parsing",
                )
            }),
            _ => Err(("UUID input should be a string".into(), "uuid_type")),
        })
    }

    pub fn object(&mut self, name: &str) -> Given<&'a Value> {
        self.read(name, |v| match v {
            Value::Object(_) => Ok(v),
            _ => Err(("Input should be a valid dictionary".into(), "dict_type")),
        })
    }

    pub fn required_str(&mut self, name: &str) -> Option<&'a str> {
        let before = self.problems.len();
        let given = self.str(name);
        let had = self.problems.len() > before;
        self.require(name, given, had)
    }

    pub fn required_object(&mut self, name: &str) -> Option<&'a Value> {
        let before = self.problems.len();
        let given = self.object(name);
        let had = self.problems.len() > before;
        self.require(name, given, had)
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
    fn every_bad_field_is_named_with_its_type() {
        let body = json!({"a": 1, "b": "x", "c": [], "d": null, "e": "not-a-uuid", "f": true});
        let mut input = Input::of(&body);
        assert_eq!(input.str("a"), Given::Absent);
        assert_eq!(input.bool("b"), Given::Absent);
        assert_eq!(input.object("c"), Given::Absent);
        assert_eq!(input.required_str("d"), None);
        assert_eq!(input.uuid("e"), Given::Absent);
        assert_eq!(input.bool("f"), Given::Value(true));
        assert_eq!(input.required_object("g"), None);
        assert_eq!(input.str("h"), Given::Absent);
        let ApiError::Invalid(problems) = input.finish().unwrap_err() else {
            panic!("not a 422")
        };
        let kinds: Vec<_> = problems
            .iter()
            .map(|p| (p.loc[1].clone(), p.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (json!("a"), "string_type"),
                (json!("b"), "bool_type"),
                (json!("c"), "dict_type"),
                (json!("d"), "missing"),
                (json!("e"), "uuid_parsing"),
                (json!("g"), "missing"),
            ]
        );
    }

    #[test]
    fn null_is_told_apart_from_absent() {
        let body = json!({"persona_id": null});
        let mut input = Input::of(&body);
        assert_eq!(input.uuid("persona_id"), Given::Null);
        assert!(input.uuid("other").is_absent());
        assert!(input.finish().is_ok());
    }
}
