//! Reading a JSON request body field by field, FastAPI-style: every bad field is collected
//! (missing, wrong type, not a UUID, a rule of the value) with its location, so one 422 names
//! all of them. The API's one body reader: every route reads its body through [`Fields`].
//!
//! - Locations: [`Fields::of`] reads a body (`["body", name]`), [`Fields::at`] any object at
//!   any place (a batch entry: `["body", "items", 3, "channel"]`); [`Fields::model`] and
//!   [`Fields::entry`] give the reader of a nested object, [`Fields::absorb`] takes its
//!   problems back in order.
//! - Optional reads (`str`, `uuid`, `bool`, `int`, `dict`, `list`, `str_list`, `model`,
//!   `value`) answer [`Given`]: absent, an explicit `null` (a PATCH clears with it) or the
//!   value; a value of the wrong type is a problem and reads as absent.
//! - Required reads (`required_*`) answer `Option`: absent is `Field required`; what `null`
//!   is told depends on the reader's [`Style`].

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::error::{ApiError, FieldProblem};
use crate::domain::form::FieldError;

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

/// How a reader treats `null` for a required field, and UUID texts: the routes' answers (kept
/// as their clients know them) differ only here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// pydantic's: `null` is a value of the wrong type (`Input should be a valid string`);
    /// UUIDs exactly as given. The routes that copy MPIS's models (projects; the run
    /// contract's required fields).
    Strict,
    /// `null` is named: `Field required (null is not a value here)`; UUIDs exactly as given.
    /// The configuration routes (layouts, widgets, jobs, login), whose PATCH tells `null`
    /// (clear) from absent (keep).
    Explicit,
    /// `null` is the same as absent (`Field required`), what n8n sends for an empty value;
    /// UUIDs trimmed. The publisher routes (publish, metrics ingest, genesis, the run
    /// contract's optional fields).
    Lenient,
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

    pub fn is_null(&self) -> bool {
        matches!(self, Given::Null)
    }
}

/// `null`, for a required read of a [`Style::Strict`] reader (judged as a value).
static NULL: Value = Value::Null;

/// The fields of one JSON object at a location, with the problems found so far.
pub struct Fields<'a> {
    object: Option<&'a Map<String, Value>>,
    at: Vec<Value>,
    style: Style,
    problems: Vec<FieldProblem>,
}

impl<'a> Fields<'a> {
    /// A body (`loc` `["body", ...]`), [`Style::Strict`]; anything but an object is one
    /// problem at `["body"]`.
    pub fn of(body: &'a Value) -> Fields<'a> {
        Fields::at(body, vec![Value::from("body")])
    }

    /// The object at `at` (`["body", "items", 3]`), [`Style::Strict`]; anything else is one
    /// problem there.
    pub fn at(value: &'a Value, at: Vec<Value>) -> Fields<'a> {
        let object = value.as_object();
        let problems = match object {
            Some(_) => Vec::new(),
            None => vec![FieldProblem::new(
                at.clone(),
                "Input should be a valid dictionary or object",
                "model_attributes_type",
            )],
        };
        Fields {
            object,
            at,
            style: Style::Strict,
            problems,
        }
    }

    /// The same reader with another [`Style`].
    pub fn style(mut self, style: Style) -> Fields<'a> {
        self.style = style;
        self
    }

    /// Reads the fields after this one in another [`Style`] (the run contract: required
    /// fields strict, optional ones lenient).
    pub fn set_style(&mut self, style: Style) {
        self.style = style;
    }

    pub fn is_object(&self) -> bool {
        self.object.is_some()
    }

    /// Whether the object has this key at all (`null` included).
    pub fn has(&self, name: &str) -> bool {
        self.object.is_some_and(|o| o.contains_key(name))
    }

    /// Where `name` is: this reader's location and the name.
    pub fn loc(&self, name: &str) -> Vec<Value> {
        let mut loc = self.at.clone();
        loc.push(Value::from(name));
        loc
    }

    /// Where entry `index` of list `name` is.
    pub fn loc_of(&self, name: &str, index: usize) -> Vec<Value> {
        let mut loc = self.loc(name);
        loc.push(Value::from(index));
        loc
    }

    /// A problem of a field's value found after reading it (a rule, not a type).
    pub fn problem(&mut self, name: &str, msg: impl Into<String>) {
        self.problem_kind(name, msg, "value_error");
    }

    /// Records a rule's verdict on a field's value (`form::check_one_line(name, 200)`).
    pub fn check(&mut self, name: &str, rule: Result<(), String>) {
        if let Err(msg) = rule {
            self.problem(name, msg);
        }
    }

    /// A `domain` form's problems after the typed reading, each at its field; a field
    /// already named (for its type) is not named again (for being empty). Nothing when the
    /// value was no object (that one problem says it all).
    pub fn form_problems(&mut self, errors: &[FieldError]) {
        if self.object.is_none() {
            return;
        }
        let depth = self.at.len();
        let named: Vec<String> = self
            .problems
            .iter()
            .filter_map(|p| p.loc.get(depth).and_then(Value::as_str).map(str::to_string))
            .collect();
        for error in errors {
            if !named.iter().any(|n| n == error.field) {
                self.problem(error.field, error.message.clone());
            }
        }
    }

    /// A PATCH's fields that may not be `null` (leaving one out keeps it): each `null` one
    /// is a problem.
    pub fn refuse_nulls(&mut self, names: &[&str]) {
        for name in names {
            if matches!(self.get(name), Some(Value::Null)) {
                self.problem(name, "must not be null (leave it out to keep it as it is)");
            }
        }
    }

    /// Whether the object has any of these keys (a PATCH must change something).
    pub fn has_any(&self, names: &[&str]) -> bool {
        names.iter().any(|name| self.has(name))
    }

    /// A problem of a field with pydantic's error type (`enum`, `missing`, ...).
    pub fn problem_kind(&mut self, name: &str, msg: impl Into<String>, kind: &'static str) {
        let loc = self.loc(name);
        self.problems.push(FieldProblem::new(loc, msg, kind));
    }

    /// A problem of a value at a deeper place (`["body", "layout_config", "widgets", 2]`).
    pub fn problem_at(&mut self, loc: Vec<Value>, msg: impl Into<String>) {
        self.problems
            .push(FieldProblem::new(loc, msg, "value_error"));
    }

    /// A problem made elsewhere (its own location and type).
    pub fn push(&mut self, problem: FieldProblem) {
        self.problems.push(problem);
    }

    /// The problems found so far, in order.
    pub fn problems(&self) -> &[FieldProblem] {
        &self.problems
    }

    /// Takes a nested reader's problems (after this reader's own).
    pub fn absorb(&mut self, nested: Fields<'_>) {
        self.problems.extend(nested.problems);
    }

    pub fn into_problems(self) -> Vec<FieldProblem> {
        self.problems
    }

    /// `Ok` when no field had a problem, else the 422 naming all of them.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.problems))
        }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.object.and_then(|o| o.get(name))
    }

    /// An optional field judged by `convert` (which records its own problems).
    fn optional<T>(
        &mut self,
        name: &str,
        convert: impl FnOnce(&mut Self, &str, &'a Value) -> Option<T>,
    ) -> Given<T> {
        match self.get(name) {
            None => Given::Absent,
            Some(Value::Null) => Given::Null,
            Some(value) => match convert(self, name, value) {
                Some(v) => Given::Value(v),
                None => Given::Absent,
            },
        }
    }

    /// A required field judged by `convert`; absent or `null` as the [`Style`] says.
    fn required<T>(
        &mut self,
        name: &str,
        convert: impl FnOnce(&mut Self, &str, &'a Value) -> Option<T>,
    ) -> Option<T> {
        match self.get(name) {
            None => {
                if self.object.is_some() {
                    self.problem_kind(name, "Field required", "missing");
                }
                None
            }
            Some(Value::Null) => match self.style {
                Style::Strict => convert(self, name, &NULL),
                Style::Explicit => {
                    self.problem_kind(name, "Field required (null is not a value here)", "missing");
                    None
                }
                Style::Lenient => {
                    self.problem_kind(name, "Field required", "missing");
                    None
                }
            },
            Some(value) => convert(self, name, value),
        }
    }

    fn judge_str(&mut self, name: &str, value: &'a Value) -> Option<&'a str> {
        match value {
            Value::String(s) => Some(s),
            _ => {
                self.problem_kind(name, "Input should be a valid string", "string_type");
                None
            }
        }
    }

    fn judge_uuid(&mut self, name: &str, value: &'a Value) -> Option<Uuid> {
        match value {
            Value::String(s) => {
                let text = match self.style {
                    Style::Lenient => s.trim(),
                    Style::Strict | Style::Explicit => s.as_str(),
                };
                match Uuid::parse_str(text) {
                    Ok(id) => Some(id),
                    Err(_) => {
                        self.problem_kind(
                            name,
                            format!("Input should be a valid UUID, got {s:?}"),
                            "uuid_parsing",
                        );
                        None
                    }
                }
            }
            _ => {
                self.problem_kind(name, "UUID input should be a string", "uuid_type");
                None
            }
        }
    }

    fn judge_bool(&mut self, name: &str, value: &'a Value) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.problem_kind(name, "Input should be a valid boolean", "bool_type");
                None
            }
        }
    }

    /// A whole number (`3`, not `3.5` or `"3"`).
    fn judge_int(&mut self, name: &str, value: &'a Value) -> Option<i64> {
        match value.as_i64() {
            Some(n) => Some(n),
            None => {
                self.problem_kind(name, "Input should be a valid integer", "int_type");
                None
            }
        }
    }

    /// A free JSON object (a config, a schema).
    fn judge_dict(&mut self, name: &str, value: &'a Value) -> Option<&'a Value> {
        match value {
            Value::Object(_) => Some(value),
            _ => {
                self.problem_kind(name, "Input should be a valid dictionary", "dict_type");
                None
            }
        }
    }

    fn judge_list(&mut self, name: &str, value: &'a Value) -> Option<&'a [Value]> {
        match value {
            Value::Array(items) => Some(items),
            _ => {
                self.problem_kind(name, "Input should be a valid list", "list_type");
                None
            }
        }
    }

    /// A list of strings; each bad element is named by its index.
    fn judge_str_list(&mut self, name: &str, value: &'a Value) -> Option<Vec<&'a str>> {
        let items = self.judge_list(name, value)?;
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.as_str()),
                _ => {
                    ok = false;
                    let loc = self.loc_of(name, i);
                    self.problems.push(FieldProblem::new(
                        loc,
                        "Input should be a valid string",
                        "string_type",
                    ));
                }
            }
        }
        ok.then_some(out)
    }

    /// A nested model: its own reader at `loc(name)`, in this reader's style.
    fn judge_model(&mut self, name: &str, value: &'a Value) -> Option<Fields<'a>> {
        match value {
            Value::Object(_) => Some(Fields::at(value, self.loc(name)).style(self.style)),
            _ => {
                self.problem_kind(
                    name,
                    "Input should be a valid dictionary or object",
                    "dict_type",
                );
                None
            }
        }
    }

    /// Any JSON value (no type judged).
    pub fn value(&mut self, name: &str) -> Given<&'a Value> {
        self.optional(name, |_, _, v| Some(v))
    }

    pub fn str(&mut self, name: &str) -> Given<&'a str> {
        self.optional(name, Self::judge_str)
    }

    pub fn uuid(&mut self, name: &str) -> Given<Uuid> {
        self.optional(name, Self::judge_uuid)
    }

    pub fn bool(&mut self, name: &str) -> Given<bool> {
        self.optional(name, Self::judge_bool)
    }

    pub fn int(&mut self, name: &str) -> Given<i64> {
        self.optional(name, Self::judge_int)
    }

    pub fn dict(&mut self, name: &str) -> Given<&'a Value> {
        self.optional(name, Self::judge_dict)
    }

    pub fn list(&mut self, name: &str) -> Given<&'a [Value]> {
        self.optional(name, Self::judge_list)
    }

    pub fn str_list(&mut self, name: &str) -> Given<Vec<&'a str>> {
        self.optional(name, Self::judge_str_list)
    }

    /// A nested object read field by field (`["body", "options", "max_items"]`); give its
    /// reader back with [`Fields::absorb`].
    pub fn model(&mut self, name: &str) -> Given<Fields<'a>> {
        self.optional(name, Self::judge_model)
    }

    /// The reader of entry `index` of list `name` (`["body", "items", 3]`), in this style.
    pub fn entry(&self, name: &str, index: usize, item: &'a Value) -> Fields<'a> {
        Fields::at(item, self.loc_of(name, index)).style(self.style)
    }

    /// A text field of a `domain` form (typed as in the dashboard's form): the string, or
    /// empty when absent, `null` or of the wrong type (a problem then; the form's own rules
    /// come after).
    pub fn form_text(&mut self, name: &str, required: bool) -> String {
        let text = if required {
            self.required_str(name)
        } else {
            self.str(name).value()
        };
        text.unwrap_or_default().to_string()
    }

    /// Any JSON value; `null` as the style says (a strict reader takes it as a value).
    pub fn required_value(&mut self, name: &str) -> Option<&'a Value> {
        self.required(name, |_, _, v| Some(v))
    }

    pub fn required_str(&mut self, name: &str) -> Option<&'a str> {
        self.required(name, Self::judge_str)
    }

    pub fn required_uuid(&mut self, name: &str) -> Option<Uuid> {
        self.required(name, Self::judge_uuid)
    }

    pub fn required_bool(&mut self, name: &str) -> Option<bool> {
        self.required(name, Self::judge_bool)
    }

    pub fn required_int(&mut self, name: &str) -> Option<i64> {
        self.required(name, Self::judge_int)
    }

    pub fn required_dict(&mut self, name: &str) -> Option<&'a Value> {
        self.required(name, Self::judge_dict)
    }

    pub fn required_list(&mut self, name: &str) -> Option<&'a [Value]> {
        self.required(name, Self::judge_list)
    }

    /// A required list of strings; each bad element is named by its index.
    pub fn required_str_list(&mut self, name: &str) -> Option<Vec<&'a str>> {
        self.required(name, Self::judge_str_list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// (loc, msg, type) of every problem, in order.
    fn seen(fields: Fields<'_>) -> Vec<(Vec<Value>, String, &'static str)> {
        fields
            .into_problems()
            .into_iter()
            .map(|p| (p.loc, p.msg, p.kind))
            .collect()
    }

    fn at(name: &str) -> Vec<Value> {
        vec![json!("body"), json!(name)]
    }

    #[test]
    fn every_type_reads_its_value() {
        let id = Uuid::new_v4();
        let body = json!({
            "s": "text", "u": id.to_string(), "b": true, "i": -3, "d": {"k": 1},
            "l": [1, "x"], "sl": ["a", "b"], "m": {"n": "inner"}, "v": [null],
        });
        let mut fields = Fields::of(&body);
        assert_eq!(fields.str("s"), Given::Value("text"));
        assert_eq!(fields.required_str("s"), Some("text"));
        assert_eq!(fields.uuid("u"), Given::Value(id));
        assert_eq!(fields.required_uuid("u"), Some(id));
        assert_eq!(fields.bool("b"), Given::Value(true));
        assert_eq!(fields.required_bool("b"), Some(true));
        assert_eq!(fields.int("i"), Given::Value(-3));
        assert_eq!(fields.required_int("i"), Some(-3));
        assert_eq!(fields.dict("d"), Given::Value(&json!({"k": 1})));
        assert_eq!(fields.required_dict("d"), Some(&json!({"k": 1})));
        assert_eq!(fields.list("l").value().map(<[Value]>::len), Some(2));
        assert_eq!(fields.required_list("l").map(<[Value]>::len), Some(2));
        assert_eq!(fields.str_list("sl"), Given::Value(vec!["a", "b"]));
        assert_eq!(fields.required_str_list("sl"), Some(vec!["a", "b"]));
        assert_eq!(fields.value("v"), Given::Value(&json!([null])));
        assert_eq!(fields.required_value("v"), Some(&json!([null])));
        let Given::Value(mut inner) = fields.model("m") else {
            panic!("a nested reader")
        };
        assert_eq!(inner.required_str("n"), Some("inner"));
        fields.absorb(inner);
        assert!(fields.has("s") && !fields.has("zz"));
        assert!(fields.finish().is_ok());
    }

    #[test]
    fn wrong_types_are_named_with_pydantics_words() {
        let body = json!({
            "s": 5, "u1": 7, "u2": "not-a-uuid", "b": "yes", "i": 1.5, "i2": "3",
            "d": [], "l": {}, "sl": ["a", 1, "c", false], "m": "x",
        });
        let mut fields = Fields::of(&body);
        assert_eq!(fields.str("s"), Given::Absent);
        assert_eq!(fields.uuid("u1"), Given::Absent);
        assert_eq!(fields.required_uuid("u2"), None);
        assert_eq!(fields.bool("b"), Given::Absent);
        assert_eq!(fields.int("i"), Given::Absent);
        assert_eq!(fields.required_int("i2"), None);
        assert_eq!(fields.dict("d"), Given::Absent);
        assert_eq!(fields.list("l"), Given::Absent);
        assert_eq!(fields.required_str_list("sl"), None);
        assert!(fields.model("m").is_absent());
        let sl = |i: usize| vec![json!("body"), json!("sl"), json!(i)];
        assert_eq!(
            seen(fields),
            vec![
                (
                    at("s"),
                    "Input should be a valid string".into(),
                    "string_type"
                ),
                (
                    at("u1"),
                    "UUID input should be a string".into(),
                    "uuid_type"
                ),
                (
                    at("u2"),
                    "Input should be a valid UUID, got \"not-a-uuid\"".into(),
                    "uuid_parsing"
                ),
                (
                    at("b"),
                    "Input should be a valid boolean".into(),
                    "bool_type"
                ),
                (
                    at("i"),
                    "Input should be a valid integer".into(),
                    "int_type"
                ),
                (
                    at("i2"),
                    "Input should be a valid integer".into(),
                    "int_type"
                ),
                (
                    at("d"),
                    "Input should be a valid dictionary".into(),
                    "dict_type"
                ),
                (at("l"), "Input should be a valid list".into(), "list_type"),
                (
                    sl(1),
                    "Input should be a valid string".into(),
                    "string_type"
                ),
                (
                    sl(3),
                    "Input should be a valid string".into(),
                    "string_type"
                ),
                (
                    at("m"),
                    "Input should be a valid dictionary or object".into(),
                    "dict_type"
                ),
            ]
        );
    }

    #[test]
    fn a_missing_required_field_is_named_and_an_optional_one_is_absent() {
        let body = json!({});
        let mut fields = Fields::of(&body);
        assert_eq!(fields.str("a"), Given::Absent);
        assert!(fields.model("m").is_absent());
        assert_eq!(fields.required_str("b"), None);
        assert_eq!(fields.required_uuid("c"), None);
        assert_eq!(fields.required_value("d"), None);
        let missing = |name| (at(name), "Field required".to_string(), "missing");
        assert_eq!(seen(fields), vec![missing("b"), missing("c"), missing("d")]);
    }

    #[test]
    fn null_is_told_apart_from_absent_in_every_style() {
        let body = json!({"n": null});
        for style in [Style::Strict, Style::Explicit, Style::Lenient] {
            let mut fields = Fields::of(&body).style(style);
            assert_eq!(fields.str("n"), Given::Null, "{style:?}");
            assert!(fields.uuid("n").is_null());
            assert!(fields.model("n").is_null());
            assert!(fields.str("other").is_absent());
            assert!(fields.finish().is_ok(), "{style:?}");
        }
    }

    #[test]
    fn a_required_null_is_told_as_the_style_says() {
        let body = json!({"n": null});
        let read = |style| {
            let mut fields = Fields::of(&body).style(style);
            assert_eq!(fields.required_str("n"), None);
            assert_eq!(fields.required_uuid("n"), None);
            assert_eq!(fields.required_str_list("n"), None);
            seen(fields)
                .into_iter()
                .map(|(_, msg, kind)| (msg, kind))
                .collect::<Vec<_>>()
        };
        let s = |msg: &str, kind| (msg.to_string(), kind);
        assert_eq!(
            read(Style::Strict),
            vec![
                s("Input should be a valid string", "string_type"),
                s("UUID input should be a string", "uuid_type"),
                s("Input should be a valid list", "list_type"),
            ]
        );
        let named = s("Field required (null is not a value here)", "missing");
        assert_eq!(
            read(Style::Explicit),
            vec![named.clone(), named.clone(), named]
        );
        let missing = s("Field required", "missing");
        assert_eq!(
            read(Style::Lenient),
            vec![missing.clone(), missing.clone(), missing]
        );
        // A strict reader takes `null` as a value where any value will do.
        let mut fields = Fields::of(&body);
        assert_eq!(fields.required_value("n"), Some(&Value::Null));
    }

    #[test]
    fn only_a_lenient_reader_trims_a_uuid() {
        let id = Uuid::new_v4();
        let body = json!({"id": format!(" {id}\n")});
        let mut lenient = Fields::of(&body).style(Style::Lenient);
        assert_eq!(lenient.required_uuid("id"), Some(id));
        for style in [Style::Strict, Style::Explicit] {
            let mut fields = Fields::of(&body).style(style);
            assert_eq!(fields.uuid("id"), Given::Absent);
            assert_eq!(seen(fields)[0].2, "uuid_parsing");
        }
        let mut switched = Fields::of(&body);
        switched.set_style(Style::Lenient);
        assert_eq!(switched.uuid("id"), Given::Value(id));
    }

    #[test]
    fn nested_readers_carry_their_whole_location() {
        let body = json!({
            "items": [{"channel": 5}, "x"],
            "options": {"max_items": "ten", "include_image": true},
        });
        let mut fields = Fields::of(&body).style(Style::Lenient);
        let items = fields.required_list("items").unwrap();
        let mut first = fields.entry("items", 0, &items[0]);
        assert_eq!(first.required_str("channel"), None);
        assert_eq!(first.required_uuid("published_item_id"), None);
        let mut second = fields.entry("items", 1, &items[1]);
        assert_eq!(second.required_str("channel"), None);
        fields.absorb(first);
        fields.absorb(second);
        let Given::Value(mut options) = fields.model("options") else {
            panic!("a nested reader")
        };
        assert_eq!(options.int("max_items"), Given::Absent);
        assert_eq!(options.bool("include_image"), Given::Value(true));
        fields.absorb(options);
        fields.problem_at(
            vec![
                json!("body"),
                json!("items"),
                json!(0),
                json!("metrics"),
                json!("views"),
            ],
            "must be 0 or more",
        );
        let locs: Vec<_> = seen(fields).into_iter().map(|(l, _, k)| (l, k)).collect();
        assert_eq!(
            locs,
            vec![
                (
                    vec![json!("body"), json!("items"), json!(0), json!("channel")],
                    "string_type"
                ),
                (
                    vec![
                        json!("body"),
                        json!("items"),
                        json!(0),
                        json!("published_item_id")
                    ],
                    "missing"
                ),
                (
                    vec![json!("body"), json!("items"), json!(1)],
                    "model_attributes_type"
                ),
                (
                    vec![json!("body"), json!("options"), json!("max_items")],
                    "int_type"
                ),
                (
                    vec![
                        json!("body"),
                        json!("items"),
                        json!(0),
                        json!("metrics"),
                        json!("views")
                    ],
                    "value_error"
                ),
            ]
        );
    }

    #[test]
    fn a_value_that_is_not_an_object_is_one_problem_at_its_place() {
        let body = json!([1, 2]);
        let mut fields = Fields::of(&body);
        assert!(!fields.is_object());
        assert_eq!(fields.required_str("name"), None);
        assert_eq!(fields.str("other"), Given::Absent);
        let ApiError::Invalid(problems) = fields.finish().unwrap_err() else {
            panic!("not a 422")
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].loc, vec![json!("body")]);
        assert_eq!(problems[0].kind, "model_attributes_type");
    }

    #[test]
    fn rule_problems_are_value_errors_at_the_field_or_deeper() {
        let body = json!({"name": "x"});
        let mut fields = Fields::at(&body, vec![json!("body"), json!("edits"), json!(2)]);
        fields.problem("name", "too short");
        fields.problem_kind("op", "must be add, replace or remove", "enum");
        fields.problem_at(vec![json!("body")], "nothing to change");
        let edit = |name: &str| vec![json!("body"), json!("edits"), json!(2), json!(name)];
        assert_eq!(
            seen(fields),
            vec![
                (edit("name"), "too short".into(), "value_error"),
                (edit("op"), "must be add, replace or remove".into(), "enum"),
                (
                    vec![json!("body")],
                    "nothing to change".into(),
                    "value_error"
                ),
            ]
        );
    }

    #[test]
    fn a_forms_problem_is_not_told_again_for_a_field_named_for_its_type() {
        let body = json!({"channel": 5, "channel_item_id": ""});
        let mut fields = Fields::of(&body).style(Style::Lenient);
        assert_eq!(fields.form_text("channel", true), "");
        assert_eq!(fields.form_text("channel_item_id", true), "");
        assert_eq!(fields.form_text("notes", false), "");
        fields.form_problems(&[
            FieldError::new("channel", "must not be empty"),
            FieldError::new("channel_item_id", "must not be empty"),
            FieldError::new("channel_item_id", "must be digits"),
        ]);
        assert_eq!(
            seen(fields),
            vec![
                (
                    at("channel"),
                    "Input should be a valid string".into(),
                    "string_type"
                ),
                (
                    at("channel_item_id"),
                    "must not be empty".into(),
                    "value_error"
                ),
                (
                    at("channel_item_id"),
                    "must be digits".into(),
                    "value_error"
                ),
            ]
        );
        let list = json!([]);
        let mut fields = Fields::of(&list);
        fields.form_problems(&[FieldError::new("channel", "must not be empty")]);
        assert_eq!(seen(fields).len(), 1);
    }

    #[test]
    fn a_patch_refuses_nulls_and_must_change_something() {
        let body = json!({"name": null, "persona_id": null, "enabled": true});
        let mut fields = Fields::of(&body).style(Style::Explicit);
        assert!(fields.has_any(&["other", "enabled"]));
        assert!(!fields.has_any(&["other", "more"]));
        fields.refuse_nulls(&["name", "enabled", "absent"]);
        fields.check("enabled", Ok(()));
        fields.check("persona_id", Err("no such persona".to_string()));
        assert_eq!(
            seen(fields),
            vec![
                (
                    at("name"),
                    "must not be null (leave it out to keep it as it is)".into(),
                    "value_error"
                ),
                (at("persona_id"), "no such persona".into(), "value_error"),
            ]
        );
    }
}
