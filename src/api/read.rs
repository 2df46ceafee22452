//! Reading one JSON object field by field at any location (`["body", "items", 3]` for a batch
//! entry, `["body"]` for a whole body), FastAPI-style: required and optional fields of each
//! type, every problem collected with its full `loc`. `null` counts as absent for optional
//! fields (what clients such as n8n send for an empty value).

use serde_json::{Map, Value};
use uuid::Uuid;

use super::error::{ApiError, FieldProblem};

pub struct Reader<'a> {
    object: Option<&'a Map<String, Value>>,
    prefix: Vec<Value>,
    pub problems: Vec<FieldProblem>,
}

impl<'a> Reader<'a> {
    /// The object at `prefix`; anything else is one problem there.
    pub fn new(value: &'a Value, prefix: Vec<Value>) -> Reader<'a> {
        let object = value.as_object();
        let problems = match object {
            Some(_) => Vec::new(),
            None => vec![FieldProblem::new(
                prefix.clone(),
                "Input should be a valid dictionary or object",
                "model_attributes_type",
            )],
        };
        Reader {
            object,
            prefix,
            problems,
        }
    }

    /// A whole body (`loc` starting with `"body"`).
    pub fn body(value: &'a Value) -> Reader<'a> {
        Reader::new(value, vec![Value::from("body")])
    }

    pub fn is_object(&self) -> bool {
        self.object.is_some()
    }

    /// Where `name` (a field, or a path such as `metrics.views`) is.
    pub fn loc(&self, name: &str) -> Vec<Value> {
        let mut loc = self.prefix.clone();
        loc.push(Value::from(name));
        loc
    }

    pub fn problem(&mut self, name: &str, msg: impl Into<String>, kind: &'static str) {
        let loc = self.loc(name);
        self.problems.push(FieldProblem::new(loc, msg, kind));
    }

    /// The field's value; `None` when absent or `null` (a problem when `required`).
    pub fn value(&mut self, name: &str, required: bool) -> Option<&'a Value> {
        let object = self.object?;
        match object.get(name) {
            None | Some(Value::Null) => {
                if required {
                    self.problem(name, "Field required", "missing");
                }
                None
            }
            Some(value) => Some(value),
        }
    }

    pub fn str(&mut self, name: &str, required: bool) -> Option<&'a str> {
        match self.value(name, required)? {
            Value::String(s) => Some(s),
            _ => {
                self.problem(name, "Input should be a valid string", "string_type");
                None
            }
        }
    }

    pub fn uuid(&mut self, name: &str, required: bool) -> Option<Uuid> {
        match self.value(name, required)? {
            Value::String(s) => match Uuid::parse_str(s.trim()) {
                Ok(id) => Some(id),
                Err(_) => {
                    self.problem(
                        name,
                        format!("Input should be a valid UUID, got {s:?}"),
                        "uuid_parsing",
                    );
                    None
                }
            },
            _ => {
                self.problem(name, "UUID input should be a string", "uuid_type");
                None
            }
        }
    }

    pub fn bool(&mut self, name: &str, required: bool) -> Option<bool> {
        match self.value(name, required)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.problem(name, "Input should be a valid boolean", "bool_type");
                None
            }
        }
    }

    /// A whole number (`3`, not `3.5` or `"3"`).
    pub fn int(&mut self, name: &str, required: bool) -> Option<i64> {
        match self.value(name, required)? {
            Value::Number(n) if n.is_i64() => n.as_i64(),
            _ => {
                self.problem(name, "Input should be a valid integer", "int_type");
                None
            }
        }
    }

    pub fn array(&mut self, name: &str, required: bool) -> Option<&'a Vec<Value>> {
        match self.value(name, required)? {
            Value::Array(items) => Some(items),
            _ => {
                self.problem(name, "Input should be a valid list", "list_type");
                None
            }
        }
    }

    /// `Ok` when nothing was wrong, else the 422 naming every problem.
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
    fn problems_carry_the_whole_location() {
        let item = json!({"a": 5, "b": "x", "c": null, "d": 1.5, "e": "yes"});
        let prefix = vec![json!("body"), json!("items"), json!(3)];
        let mut reader = Reader::new(&item, prefix);
        assert_eq!(reader.str("a", true), None);
        assert_eq!(reader.uuid("b", true), None);
        assert_eq!(reader.str("c", false), None);
        assert_eq!(reader.int("d", true), None);
        assert_eq!(reader.bool("e", false), None);
        assert_eq!(reader.str("missing", true), None);
        let kinds: Vec<_> = reader
            .problems
            .iter()
            .map(|p| (p.loc[3].clone(), p.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (json!("a"), "string_type"),
                (json!("b"), "uuid_parsing"),
                (json!("d"), "int_type"),
                (json!("e"), "bool_type"),
                (json!("missing"), "missing"),
            ]
        );
        assert_eq!(
            reader.problems[0].loc[..3],
            [json!("body"), json!("items"), json!(3)]
        );
    }

    #[test]
    fn not_an_object_is_one_problem_at_the_prefix() {
        let body = json!([1]);
        let mut reader = Reader::body(&body);
        assert_eq!(reader.str("name", true), None);
        assert_eq!(reader.problems.len(), 1);
        assert_eq!(reader.problems[0].loc, vec![json!("body")]);
    }
}
