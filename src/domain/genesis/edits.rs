//! Draft edits of the approval step: the edit dialog (`EditOperation` paths such as
//! `credo.statements[1]`, dot/`[n]` grammar, a JSON value or a bare word, add / replace / remove)
//! checked into what MPIS is sent, and a draft read as the paths an edit takes.
//!
//! How MPIS then applies an edit to a draft (its patch code, quirks and error texts) is
//! emulated by the sandbox only: `crate::mpis::sandbox`'s `patch` module.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use crate::domain::form::FieldError;

/// The `op` of an MPIS `EditOperation`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum EditOp {
    Add,
    Replace,
    Remove,
}

impl EditOp {
    /// MPIS's `op` value: `add`, `replace` or `remove`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Reads `add`, `replace` or `remove` (trimmed, case-insensitive).
    pub fn parse(value: &str) -> Option<EditOp> {
        value.trim().parse().ok()
    }
}

/// The edit dialog as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditDraft {
    pub path: String,
    pub op: EditOp,
    /// JSON text for `add`/`replace` (see [`validate_edit`]); empty for `remove`.
    pub value_text: String,
}

/// One MPIS `EditOperation`, `{path, op, value}`; `value` is `null` for `remove`.
///
/// Built by [`validate_edit`] (whose `path` is already in the spelling MPIS parses), or read
/// from a request body by the sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditOperationJson {
    pub path: String,
    pub op: EditOp,
    #[serde(default)]
    pub value: Value,
}

impl EditOperationJson {
    /// The JSON object MPIS expects in `edits[]`.
    pub fn to_json(&self) -> Value {
        json!({"path": self.path, "op": self.op.as_str(), "value": self.value})
    }
}

/// One step of an edit path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// A path that does not follow the grammar; `position` is the 1-based character position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for PathError {}

/// Parses an edit path: `segment(.segment)*`, a segment being an identifier
/// `[A-Za-z_][A-Za-z0-9_]*` followed by zero or more `[n]` indices (`n` a non-negative
/// integer): `credo.statements[1]`, `ethos.virtues`, `matrix[0][2]`.
///
/// After a dot a segment may also be indices alone (`matrix[0].[2]`), which is how MPIS itself
/// spells a nested index. Errors give the 1-based character position of the problem.
pub fn parse_path(path: &str) -> Result<Vec<PathStep>, PathError> {
    let chars: Vec<char> = path.chars().collect();
    let err = |i: usize, message: String| PathError {
        position: i + 1,
        message,
    };
    let found = |c: Option<&char>| match c {
        Some(c) => format!("found {c:?}"),
        None => "found the end of the path".to_string(),
    };
    let mut steps = Vec::new();
    let mut i = 0;
    loop {
        // A segment: an identifier, or (after a dot) indices alone.
        match chars.get(i) {
            Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                steps.push(PathStep::Key(chars[start..i].iter().collect()));
            }
            Some('[') if !steps.is_empty() => {}
            other => {
                let hint = match other {
                    Some(c) if c.is_ascii_digit() => " (a field name cannot start with a digit)",
                    Some('.') => " (empty segment)",
                    _ => "",
                };
                return Err(err(
                    i,
                    format!("expected a field name, {}{hint}", found(other)),
                ));
            }
        }
        // Indices.
        while chars.get(i) == Some(&'[') {
            let open = i;
            i += 1;
            let start = i;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                let message = match chars.get(i) {
                    Some(']') => "empty index [], expected a number".to_string(),
                    Some('-') => "index must be a non-negative integer, found '-'".to_string(),
                    None => return Err(err(open, "unclosed '['".to_string())),
                    other => format!("expected an index number, {}", found(other)),
                };
                return Err(err(i, message));
            }
            let digits: String = chars[start..i].iter().collect();
            let index = digits
                .parse::<usize>()
                .map_err(|_| err(start, format!("index {digits} is too large")))?;
            match chars.get(i) {
                Some(']') => i += 1,
                None => return Err(err(open, "unclosed '['".to_string())),
                other => return Err(err(i, format!("expected ']', {}", found(other)))),
            }
            steps.push(PathStep::Index(index));
        }
        match chars.get(i) {
            None => return Ok(steps),
            Some('.') => i += 1,
            other => {
                return Err(err(
                    i,
                    format!("expected '.', '[' or the end of the path, {}", found(other)),
                ));
            }
        }
    }
}

/// Writes steps in the spelling MPIS parses: `a.b[0]`, and `.[n]` for a second index in a row
/// (`a[0].[1]`), because MPIS reads `a[0][1]` as one key named `a[0][1]`.
pub fn format_path(steps: &[PathStep]) -> String {
    let mut out = String::new();
    let mut previous_was_index = false;
    for (n, step) in steps.iter().enumerate() {
        match step {
            PathStep::Key(k) => {
                if n > 0 {
                    out.push('.');
                }
                out.push_str(k);
                previous_was_index = false;
            }
            PathStep::Index(i) => {
                if previous_was_index {
                    out.push('.');
                }
                out.push_str(&format!("[{i}]"));
                previous_was_index = true;
            }
        }
    }
    out
}

/// Checks the edit dialog and builds the `EditOperation` to send.
///
/// - `path` (field `path`): see [`parse_path`]; surrounding spaces are ignored (positions still
///   count from the start of what was typed). The returned path is rewritten by
///   [`format_path`] into MPIS's spelling.
/// - `value` (field `value`), for `add` and `replace`: required, and must be JSON (`"warm"`,
///   `3`, `true`, `["a", "b"]`, `{"k": 1}`). For convenience, text that is not JSON but starts
///   with a letter and has none of `{ } [ ] "` is taken as a JSON string: `warm` becomes
///   `"warm"` and `warm and steady` becomes `"warm and steady"`; broken JSON such as `[1, 2` or
///   `{"a": 1` is still an error. `null` is refused: MPIS rejects add/replace without a value
///   (use `remove`).
/// - For `remove` the value must be empty; the operation carries `value: null`.
pub fn validate_edit(draft: &EditDraft) -> Result<EditOperationJson, FieldError> {
    let leading = draft.path.chars().take_while(|c| c.is_whitespace()).count();
    let trimmed = draft.path.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(
            "path",
            "required, e.g. credo.statements[1] or ethos.virtues",
        ));
    }
    let steps = parse_path(trimmed).map_err(|e| {
        FieldError::new(
            "path",
            PathError {
                position: e.position + leading,
                message: e.message,
            }
            .to_string(),
        )
    })?;
    let path = format_path(&steps);
    let text = draft.value_text.trim();
    let value = match draft.op {
        EditOp::Remove => {
            if !text.is_empty() {
                return Err(FieldError::new(
                    "value",
                    "must be empty for remove (remove deletes what is at the path)",
                ));
            }
            Value::Null
        }
        EditOp::Add | EditOp::Replace => parse_edit_value(text, draft.op)?,
    };
    Ok(EditOperationJson {
        path,
        op: draft.op,
        value,
    })
}

fn parse_edit_value(text: &str, op: EditOp) -> Result<Value, FieldError> {
    if text.is_empty() {
        return Err(FieldError::new(
            "value",
            format!("required for {op}: a JSON value such as \"warm\", 3, true or [\"a\", \"b\"]"),
        ));
    }
    let value = match serde_json::from_str::<Value>(text) {
        Ok(v) => v,
        Err(e) => {
            let bare_text = text.chars().next().is_some_and(char::is_alphabetic)
                && !text.contains(['{', '}', '[', ']', '"']);
            if !bare_text {
                return Err(FieldError::new(
                    "value",
                    format!("not valid JSON ({e}); put text in double quotes, e.g. \"warm\""),
                ));
            }
            Value::String(text.to_string())
        }
    };
    if value.is_null() {
        return Err(FieldError::new(
            "value",
            format!("null is not accepted for {op} (MPIS requires a value); use remove to delete"),
        ));
    }
    Ok(value)
}

/// A draft as the lines an approver reads and edits: each leaf with the path `e` takes
/// (`credo.summary = "..."`). Arrays of plain values stay on one line, since `add` on such a path
/// appends to them; arrays holding objects or arrays are opened with `[n]`. Keys sorted (as
/// `serde_json` keeps them); values as compact JSON.
pub fn draft_paths(core: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, steps: &mut Vec<PathStep>, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, child) in map {
                    steps.push(PathStep::Key(key.clone()));
                    walk(child, steps, out);
                    steps.pop();
                }
            }
            Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
                for (index, child) in items.iter().enumerate() {
                    steps.push(PathStep::Index(index));
                    walk(child, steps, out);
                    steps.pop();
                }
            }
            leaf => out.push((format_path(steps), leaf.to_string())),
        }
    }
    let mut out = Vec::new();
    walk(core, &mut Vec::new(), &mut out);
    out
}

/// Every path that exists in a draft, parents before children, in the draft's (sorted key)
/// order: objects' keys, and every element of every array (`credo.statements[0]`). What the
/// edit dialog's path completes from.
pub fn existing_paths(core: &Value) -> Vec<String> {
    fn walk(value: &Value, steps: &mut Vec<PathStep>, out: &mut Vec<String>) {
        if !steps.is_empty() {
            out.push(format_path(steps));
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    steps.push(PathStep::Key(key.clone()));
                    walk(child, steps, out);
                    steps.pop();
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    steps.push(PathStep::Index(index));
                    walk(child, steps, out);
                    steps.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(core, &mut Vec::new(), &mut out);
    out
}

/// The existing paths that complete what was typed: those starting with it (ignoring case and
/// surrounding spaces), in the draft's order. Nothing typed: every path.
pub fn complete_path(core: &Value, typed: &str) -> Vec<String> {
    let typed = typed.trim().to_lowercase();
    existing_paths(core)
        .into_iter()
        .filter(|p| p.to_lowercase().starts_with(&typed))
        .collect()
}

/// Whether an edit's path is one the draft has (an `add` into an existing array counts: it
/// inserts or appends there). `New` paths would be created by `add`/`replace` (MPIS sets a
/// missing key silently) or refused by MPIS (a missing parent, `remove` of nothing): the
/// approver is asked first, told the nearest existing path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathInDraft {
    Exists,
    New { nearest: Option<String> },
}

/// Checks an edit (as [`validate_edit`] built it) against the draft it is sent for.
pub fn path_in_draft(core: &Value, edit: &EditOperationJson) -> PathInDraft {
    let Ok(steps) = parse_path(&edit.path) else {
        return PathInDraft::New { nearest: None };
    };
    let mut node = Some(core);
    for (n, step) in steps.iter().enumerate() {
        let last = n + 1 == steps.len();
        node = match (node, step) {
            (Some(Value::Object(map)), PathStep::Key(key)) => map.get(key),
            (Some(Value::Array(items)), PathStep::Index(i)) => {
                // `add` at an index of an existing array inserts (or appends past its end).
                if last && edit.op == EditOp::Add {
                    return PathInDraft::Exists;
                }
                items.get(*i)
            }
            _ => None,
        };
    }
    if node.is_some() {
        return PathInDraft::Exists;
    }
    let paths = existing_paths(core);
    let nearest = crate::domain::nearest::nearest(&edit.path, paths.iter().map(String::as_str))
        .map(str::to_string)
        .or_else(|| {
            // Not a likely typo: the closest by distance anyway, so the question names one.
            paths
                .iter()
                .min_by_key(|p| crate::domain::nearest::edit_distance(&edit.path, p))
                .cloned()
        });
    PathInDraft::New { nearest }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> PathStep {
        PathStep::Key(k.to_string())
    }

    #[test]
    fn edit_op_names() {
        assert_eq!(
            EditOp::VARIANTS
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>(),
            ["add", "replace", "remove"]
        );
        assert_eq!(EditOp::parse(" Replace "), Some(EditOp::Replace));
        assert_eq!(EditOp::parse("move"), None);
        assert_eq!(EditOp::Remove.to_string(), "remove");
        assert_eq!(serde_json::to_value(EditOp::Add).unwrap(), json!("add"));
    }

    #[test]
    fn paths_that_parse() {
        assert_eq!(
            parse_path("credo.statements[1]").unwrap(),
            vec![key("credo"), key("statements"), PathStep::Index(1)]
        );
        assert_eq!(
            parse_path("ethos.virtues").unwrap(),
            vec![key("ethos"), key("virtues")]
        );
        assert_eq!(
            parse_path("topics.primary[0]").unwrap(),
            vec![key("topics"), key("primary"), PathStep::Index(0)]
        );
        let nested = vec![key("matrix"), PathStep::Index(0), PathStep::Index(2)];
        assert_eq!(parse_path("matrix[0][2]").unwrap(), nested);
        assert_eq!(parse_path("matrix[0].[2]").unwrap(), nested);
        assert_eq!(parse_path("language").unwrap(), vec![key("language")]);
        assert_eq!(
            parse_path("_x1.B_2[007]").unwrap(),
            vec![key("_x1"), key("B_2"), PathStep::Index(7)]
        );
    }

    #[test]
    fn path_grammar_errors_name_the_position() {
        let cases = [
            (
                "",
                "expected a field name, found the end of the path at position 1",
            ),
            (
                ".a",
                "expected a field name, found '.' (empty segment) at position 1",
            ),
            (
                "a..b",
                "expected a field name, found '.' (empty segment) at position 3",
            ),
            (
                "a.",
                "expected a field name, found the end of the path at position 3",
            ),
            (
                "1abc",
                "expected a field name, found '1' (a field name cannot start with a digit) at position 1",
            ),
            (
                "credo.2x",
                "expected a field name, found '2' (a field name cannot start with a digit) at position 7",
            ),
            ("[0]", "expected a field name, found '[' at position 1"),
            ("a[", "unclosed '[' at position 2"),
            ("credo.statements[12", "unclosed '[' at position 17"),
            ("a[]", "empty index [], expected a number at position 3"),
            (
                "a[-1]",
                "index must be a non-negative integer, found '-' at position 3",
            ),
            ("a[x]", "expected an index number, found 'x' at position 3"),
            ("a[1x]", "expected ']', found 'x' at position 4"),
            (
                "a[0]b",
                "expected '.', '[' or the end of the path, found 'b' at position 5",
            ),
            (
                "a b",
                "expected '.', '[' or the end of the path, found ' ' at position 2",
            ),
            (
                "a-b",
                "expected '.', '[' or the end of the path, found '-' at position 2",
            ),
            (
                "a/b",
                "expected '.', '[' or the end of the path, found '/' at position 2",
            ),
            ("ключ", "expected a field name, found 'к' at position 1"),
            (
                "a[99999999999999999999999]",
                "index 99999999999999999999999 is too large at position 3",
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(
                parse_path(path).map_err(|e| e.to_string()),
                Err(expected.to_string()),
                "{path}"
            );
        }
    }

    #[test]
    fn format_path_uses_mpis_spelling() {
        for path in ["credo.statements[1]", "ethos.virtues", "a", "a[0].b[1].c"] {
            assert_eq!(format_path(&parse_path(path).unwrap()), path);
        }
        assert_eq!(format_path(&parse_path("m[0][2]").unwrap()), "m[0].[2]");
        assert_eq!(
            format_path(&parse_path("m[1].[2][3]").unwrap()),
            "m[1].[2].[3]"
        );
        assert_eq!(format_path(&[]), "");
    }

    // --- validate_edit --------------------------------------------------------------------

    fn edit(path: &str, op: EditOp, value: &str) -> Result<EditOperationJson, FieldError> {
        validate_edit(&EditDraft {
            path: path.to_string(),
            op,
            value_text: value.to_string(),
        })
    }

    #[test]
    fn edit_values_are_json_or_a_bare_word() {
        let value = |text: &str| edit("style.voice", EditOp::Replace, text).map(|o| o.value);
        assert_eq!(value("\"warm\""), Ok(json!("warm")));
        assert_eq!(value("warm"), Ok(json!("warm")));
        assert_eq!(value("  warm and steady "), Ok(json!("warm and steady")));
        assert_eq!(value("тёплый"), Ok(json!("тёплый")));
        assert_eq!(value("Tru"), Ok(json!("Tru")));
        assert_eq!(value("true"), Ok(json!(true)));
        assert_eq!(value("3"), Ok(json!(3)));
        assert_eq!(value("-0.5"), Ok(json!(-0.5)));
        assert_eq!(value("[\"a\", \"b\"]"), Ok(json!(["a", "b"])));
        assert_eq!(value("{\"k\": 1}"), Ok(json!({"k": 1})));
        assert_eq!(value("\"\""), Ok(json!("")));
        for broken in [
            "[1, 2",
            "{\"a\": 1",
            "\"unterminated",
            "1.2.3",
            "{a: 1}",
            "it's \"x\"",
        ] {
            let err = value(broken).unwrap_err();
            assert_eq!(err.field, "value", "{broken}");
            assert!(
                err.message.starts_with("not valid JSON ("),
                "{broken}: {}",
                err.message
            );
            assert!(
                err.message
                    .ends_with("put text in double quotes, e.g. \"warm\"")
            );
        }
    }

    #[test]
    fn edit_value_required_for_add_and_replace_and_never_null() {
        for op in [EditOp::Add, EditOp::Replace] {
            let err = edit("a", op, "  ").unwrap_err();
            assert_eq!(err.field, "value");
            assert!(
                err.message.starts_with(&format!("required for {op}")),
                "{}",
                err.message
            );
            let err = edit("a", op, "null").unwrap_err();
            assert_eq!(
                err.message,
                format!(
                    "null is not accepted for {op} (MPIS requires a value); use remove to delete"
                )
            );
        }
    }

    #[test]
    fn remove_takes_no_value() {
        let op = edit("credo.statements[0]", EditOp::Remove, " ").unwrap();
        assert_eq!(op.value, Value::Null);
        assert_eq!(
            op.to_json(),
            json!({"path": "credo.statements[0]", "op": "remove", "value": null})
        );
        assert_eq!(
            edit("a", EditOp::Remove, "x"),
            Err(FieldError::new(
                "value",
                "must be empty for remove (remove deletes what is at the path)"
            ))
        );
    }

    #[test]
    fn edit_path_errors_come_first_and_count_typed_spaces() {
        assert_eq!(
            edit("  ", EditOp::Replace, "x"),
            Err(FieldError::new(
                "path",
                "required, e.g. credo.statements[1] or ethos.virtues"
            ))
        );
        assert_eq!(
            edit("  a..b ", EditOp::Replace, "[broken"),
            Err(FieldError::new(
                "path",
                "expected a field name, found '.' (empty segment) at position 5"
            ))
        );
    }

    #[test]
    fn validated_edit_json_is_what_mpis_expects() {
        let op = edit(" credo.statements[1] ", EditOp::Replace, "Grace is free").unwrap();
        assert_eq!(
            op.to_json(),
            json!({"path": "credo.statements[1]", "op": "replace", "value": "Grace is free"})
        );
        assert_eq!(serde_json::to_value(&op).unwrap(), op.to_json());
        // Nested indices are rewritten so MPIS parses them.
        assert_eq!(edit("m[1][0]", EditOp::Add, "1").unwrap().path, "m[1].[0]");
        // Read back from a request body (value may be missing for remove).
        let parsed: EditOperationJson =
            serde_json::from_value(json!({"path": "ethos.virtues", "op": "remove"})).unwrap();
        assert_eq!(
            parsed,
            EditOperationJson {
                path: "ethos.virtues".into(),
                op: EditOp::Remove,
                value: Value::Null
            }
        );
        assert!(
            serde_json::from_value::<EditOperationJson>(json!({"path": "a", "op": "move"}))
                .is_err()
        );
    }

    #[test]
    fn a_draft_reads_as_the_paths_an_edit_takes() {
        let core = json!({
            "credo": {"summary": "Calm", "statements": ["a", "b"]},
            "alignment": {"vector": []},
            "topics": [{"name": "faith", "weight": 2}, ["x"]],
            "empty": {},
            "count": 3
        });
        let lines: Vec<(String, String)> = draft_paths(&core);
        let expected: Vec<(String, String)> = [
            ("credo.summary", "\"Calm\""),
            ("credo.statements", "[\"a\",\"b\"]"),
            ("alignment.vector", "[]"),
            ("topics[0].name", "\"faith\""),
            ("topics[0].weight", "2"),
            ("topics[1]", "[\"x\"]"),
            ("empty", "{}"),
            ("count", "3"),
        ]
        .iter()
        .map(|(p, v)| (p.to_string(), v.to_string()))
        .collect();
        let mut sorted_lines = lines.clone();
        let mut sorted_expected = expected.clone();
        sorted_lines.sort();
        sorted_expected.sort();
        assert_eq!(sorted_lines, sorted_expected);
        // Every path printed is one the edit line accepts and resolves to that value.
        for (path, value) in &lines {
            let steps = parse_path(path).expect(path);
            let mut at = &core;
            for step in &steps {
                at = match step {
                    PathStep::Key(k) => &at[k.as_str()],
                    PathStep::Index(i) => &at[*i],
                };
            }
            assert_eq!(&at.to_string(), value, "{path}");
        }
        assert_eq!(
            draft_paths(&json!("plain")),
            vec![(String::new(), "\"plain\"".to_string())]
        );
    }

    fn op_at(path: &str, op: EditOp) -> EditOperationJson {
        EditOperationJson {
            path: path.to_string(),
            op,
            value: json!("x"),
        }
    }

    fn sample_core() -> Value {
        json!({
            "credo": {"summary": "Grows food", "statements": ["a", "b"]},
            "ethos": {"virtues": ["patience"]},
            "matrix": [[1, 2], [3]]
        })
    }

    #[test]
    fn existing_paths_list_every_node() {
        assert_eq!(
            existing_paths(&sample_core()),
            [
                "credo",
                "credo.statements",
                "credo.statements[0]",
                "credo.statements[1]",
                "credo.summary",
                "ethos",
                "ethos.virtues",
                "ethos.virtues[0]",
                "matrix",
                "matrix[0]",
                "matrix[0].[0]",
                "matrix[0].[1]",
                "matrix[1]",
                "matrix[1].[0]",
            ]
        );
        assert!(existing_paths(&json!({})).is_empty());
    }

    #[test]
    fn completion_by_prefix_ignoring_case() {
        let core = sample_core();
        assert_eq!(
            complete_path(&core, "credo.s"),
            [
                "credo.statements",
                "credo.statements[0]",
                "credo.statements[1]",
                "credo.summary"
            ]
        );
        assert_eq!(
            complete_path(&core, " ETHOS.V"),
            ["ethos.virtues", "ethos.virtues[0]"]
        );
        assert!(complete_path(&core, "style").is_empty());
        assert_eq!(complete_path(&core, "").len(), 14);
    }

    #[test]
    fn a_path_not_in_the_draft_names_the_nearest() {
        let core = sample_core();
        for (path, op) in [
            ("credo.summary", EditOp::Replace),
            ("credo.statements[1]", EditOp::Remove),
            ("ethos.virtues", EditOp::Add),
            // add at an index of an existing array inserts or appends
            ("credo.statements[7]", EditOp::Add),
            ("matrix[0].[1]", EditOp::Replace),
        ] {
            assert_eq!(
                path_in_draft(&core, &op_at(path, op)),
                PathInDraft::Exists,
                "{path}"
            );
        }
        assert_eq!(
            path_in_draft(&core, &op_at("credo.sumary", EditOp::Replace)),
            PathInDraft::New {
                nearest: Some("credo.summary".into())
            }
        );
        assert_eq!(
            path_in_draft(&core, &op_at("credo.statements[5]", EditOp::Replace)),
            PathInDraft::New {
                // equally close: the first in the draft's order
                nearest: Some("credo.statements[0]".into())
            }
        );
        // Far from everything: still the closest one.
        assert!(matches!(
            path_in_draft(&core, &op_at("lexicon.signature_phrases", EditOp::Add)),
            PathInDraft::New { nearest: Some(_) }
        ));
        assert_eq!(
            path_in_draft(&json!({}), &op_at("a", EditOp::Add)),
            PathInDraft::New { nearest: None }
        );
    }
}
