//! MPIS's patch code (`app/utils/json_patch.py`) as the sandbox applies an approval's edits:
//! MPIS's reading of a path, its quirks and its exact error texts. Only the sandbox applies
//! edits; the dashboard's forms only check what the approver types
//! ([`crate::domain::genesis::validate_edit`]).

use serde_json::Value;

use crate::domain::genesis::{EditOp, EditOperationJson, PathStep};

/// MPIS's reading of a path (`parse_path` in its `json_patch.py`): split on every `.`; a part
/// `name[n]` is a key then an index, a part `[n]` an index, anything else a key as written
/// (so `a[0][1]` is the single key `a[0][1]`, and `a..b` has an empty key).
fn mpis_path_steps(path: &str) -> Vec<PathStep> {
    if path.is_empty() {
        return Vec::new();
    }
    let mut steps = Vec::new();
    for part in path.split('.') {
        let indexed = part
            .strip_suffix(']')
            .and_then(|p| p.split_once('['))
            .filter(|(_, digits)| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
            .filter(|(name, _)| name.chars().all(|c| c.is_alphanumeric() || c == '_'));
        match indexed {
            Some((name, digits)) => {
                // Too many digits for usize is out of range of any array anyway.
                let index = digits.parse().unwrap_or(usize::MAX);
                if !name.is_empty() {
                    steps.push(PathStep::Key(name.to_string()));
                }
                steps.push(PathStep::Index(index));
            }
            None => steps.push(PathStep::Key(part.to_string())),
        }
    }
    steps
}

/// Python's name for the type of a JSON value, as MPIS's messages show it.
fn py_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Applies one edit to a JSON document the way MPIS does (`apply_json_patch`), with MPIS's
/// messages (the API answers 400 `Edit error: <message>`). On error the document is unchanged.
///
/// The path is read as MPIS reads it (paths from the domain's
/// [`validate_edit`](crate::domain::genesis::validate_edit) are already in that spelling). Every
/// step but the last must exist (`Parent path not found`), then:
/// - `replace`: an array index must exist (`Index 5 out of range`); an object key is set
///   whether or not it existed (MPIS does not require it).
/// - `add`: on an array index, inserts there, or appends when the index is past the end; on an
///   object key holding an array, appends the value to that array (`add ethos.virtues
///   "patience"`); on any other object key, sets it.
/// - `remove`: deletes the key or element (`Path not found for removal` if missing).
/// - `add`/`replace` with a `null` value: `Add operation requires a value` /
///   `Replace operation requires a value`; an empty path: `Empty path`.
/// - Type mismatches: `Cannot navigate to 'k'`, `Expected list for index n`,
///   `Cannot set 'k' on list`, `Cannot add at path`, `Cannot remove 'k'`.
fn apply_edit(core: &mut Value, op: &EditOperationJson) -> Result<(), String> {
    let steps = mpis_path_steps(&op.path);
    match op.op {
        EditOp::Replace if op.value.is_null() => {
            return Err("Replace operation requires a value".into());
        }
        EditOp::Add if op.value.is_null() => return Err("Add operation requires a value".into()),
        _ => {}
    }
    let Some((last, parents)) = steps.split_last() else {
        return Err("Empty path".into());
    };
    let mut parent = core;
    for step in parents {
        parent = match (step, parent) {
            (PathStep::Index(i), Value::Array(items)) => {
                items.get_mut(*i).ok_or("Parent path not found")?
            }
            (PathStep::Key(k), Value::Object(map)) => {
                map.get_mut(k).ok_or("Parent path not found")?
            }
            (PathStep::Key(k), _) => return Err(format!("Cannot navigate to '{k}'")),
            (PathStep::Index(_), _) => return Err("Parent path not found".into()),
        };
    }
    let value = op.value.clone();
    match op.op {
        EditOp::Replace => match (last, parent) {
            (PathStep::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(slot) => *slot = value,
                None => return Err(format!("Index {i} out of range")),
            },
            (PathStep::Index(i), _) => return Err(format!("Expected list for index {i}")),
            (PathStep::Key(k), Value::Object(map)) => {
                map.insert(k.clone(), value);
            }
            (PathStep::Key(k), other) => {
                return Err(format!("Cannot set '{k}' on {}", py_type(other)));
            }
        },
        EditOp::Add => match (last, parent) {
            (PathStep::Key(k), Value::Object(map)) => match map.get_mut(k) {
                Some(Value::Array(items)) => items.push(value),
                _ => {
                    map.insert(k.clone(), value);
                }
            },
            // MPIS sets `dict[n]`, which JSON stores as the key "n".
            (PathStep::Index(i), Value::Object(map)) => {
                map.insert(i.to_string(), value);
            }
            (PathStep::Index(i), Value::Array(items)) => {
                if *i >= items.len() {
                    items.push(value);
                } else {
                    items.insert(*i, value);
                }
            }
            _ => return Err("Cannot add at path".into()),
        },
        EditOp::Remove => match (last, parent) {
            (PathStep::Index(i), Value::Array(items)) => {
                if *i < items.len() {
                    items.remove(*i);
                } else {
                    return Err("Path not found for removal".into());
                }
            }
            (PathStep::Index(i), _) => return Err(format!("Expected list for index {i}")),
            (PathStep::Key(k), Value::Object(map)) => {
                if map.remove(k).is_none() {
                    return Err("Path not found for removal".into());
                }
            }
            (PathStep::Key(k), _) => return Err(format!("Cannot remove '{k}'")),
        },
    }
    Ok(())
}

/// Applies edits in order to a copy of `core`, all or nothing, as MPIS does for one approval.
pub(super) fn apply_edits(core: &Value, ops: &[EditOperationJson]) -> Result<Value, String> {
    let mut copy = core.clone();
    for op in ops {
        apply_edit(&mut copy, op)?;
    }
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::genesis::{EditDraft, FieldError, validate_edit};
    use crate::mpis::types::EditOperation;

    fn edit(path: &str, op: EditOp, value: &str) -> Result<EditOperationJson, FieldError> {
        validate_edit(&EditDraft {
            path: path.to_string(),
            op,
            value_text: value.to_string(),
        })
    }

    fn core() -> Value {
        json!({
            "credo": {"summary": "Grace.", "statements": ["a", "b"]},
            "ethos": {"virtues": ["humility"], "emotional_tone": []},
            "topics": {"primary": ["faith", "doubt", "city"]},
            "language": "en"
        })
    }

    fn op(path: &str, op: EditOp, value: Value) -> EditOperationJson {
        EditOperationJson {
            path: path.to_string(),
            op,
            value,
        }
    }

    fn apply(doc: &mut Value, path: &str, o: EditOp, value: Value) -> Result<(), String> {
        apply_edit(doc, &op(path, o, value))
    }

    #[test]
    fn replace_an_array_element_mpis_docstring_example() {
        let mut doc = json!({"credo": {"statements": ["a", "b"]}});
        apply(&mut doc, "credo.statements[1]", EditOp::Replace, json!("c")).unwrap();
        assert_eq!(doc, json!({"credo": {"statements": ["a", "c"]}}));
    }

    #[test]
    fn replace_missing_targets() {
        let mut doc = core();
        assert_eq!(
            apply(&mut doc, "credo.statements[2]", EditOp::Replace, json!("x")),
            Err("Index 2 out of range".into())
        );
        assert_eq!(
            apply(&mut doc, "nothing.here", EditOp::Replace, json!("x")),
            Err("Parent path not found".into())
        );
        assert_eq!(
            apply(&mut doc, "topics.primary[9].x", EditOp::Replace, json!("x")),
            Err("Parent path not found".into())
        );
        assert_eq!(doc, core(), "a failed edit changes nothing");
        // MPIS sets a missing object key on replace (it does not check that it existed).
        apply(&mut doc, "credo.tagline", EditOp::Replace, json!("New")).unwrap();
        assert_eq!(doc["credo"]["tagline"], json!("New"));
        // ... and replaces whole values of any type.
        apply(
            &mut doc,
            "ethos.virtues",
            EditOp::Replace,
            json!(["a", "b"]),
        )
        .unwrap();
        assert_eq!(doc["ethos"]["virtues"], json!(["a", "b"]));
    }

    #[test]
    fn add_inserts_appends_or_sets() {
        let mut doc = core();
        // An array index inserts before the element there.
        apply(&mut doc, "topics.primary[0]", EditOp::Add, json!("hope")).unwrap();
        assert_eq!(
            doc["topics"]["primary"],
            json!(["hope", "faith", "doubt", "city"])
        );
        // At or past the end it appends.
        apply(&mut doc, "topics.primary[4]", EditOp::Add, json!("end")).unwrap();
        apply(&mut doc, "topics.primary[99]", EditOp::Add, json!("later")).unwrap();
        assert_eq!(
            doc["topics"]["primary"],
            json!(["hope", "faith", "doubt", "city", "end", "later"])
        );
        // An object key holding an array: the value is appended to it.
        apply(&mut doc, "ethos.virtues", EditOp::Add, json!("patience")).unwrap();
        assert_eq!(doc["ethos"]["virtues"], json!(["humility", "patience"]));
        // A missing key is set; an existing non-array key is overwritten.
        apply(
            &mut doc,
            "ethos.anti_patterns",
            EditOp::Add,
            json!(["cynicism"]),
        )
        .unwrap();
        assert_eq!(doc["ethos"]["anti_patterns"], json!(["cynicism"]));
        apply(&mut doc, "language", EditOp::Add, json!("ru")).unwrap();
        assert_eq!(doc["language"], json!("ru"));
        // An index on an object sets the key "n", as Python's dict[n] = v ends up in JSON.
        apply(&mut doc, "credo[0]", EditOp::Add, json!(1)).unwrap();
        assert_eq!(doc["credo"]["0"], json!(1));
        assert_eq!(
            apply(&mut doc, "missing.key", EditOp::Add, json!(1)),
            Err("Parent path not found".into())
        );
    }

    #[test]
    fn remove_keys_and_elements() {
        let mut doc = core();
        apply(&mut doc, "credo.summary", EditOp::Remove, Value::Null).unwrap();
        assert_eq!(doc["credo"], json!({"statements": ["a", "b"]}));
        apply(&mut doc, "topics.primary[1]", EditOp::Remove, Value::Null).unwrap();
        assert_eq!(doc["topics"]["primary"], json!(["faith", "city"]));
        // Removing the last elements leaves an empty array.
        apply(&mut doc, "ethos.virtues[0]", EditOp::Remove, Value::Null).unwrap();
        assert_eq!(doc["ethos"]["virtues"], json!([]));
        for path in ["ethos.virtues[0]", "credo.summary", "topics.primary[2]"] {
            assert_eq!(
                apply(&mut doc, path, EditOp::Remove, Value::Null),
                Err("Path not found for removal".into()),
                "{path}"
            );
        }
        assert_eq!(
            apply(&mut doc, "gone.x", EditOp::Remove, Value::Null),
            Err("Parent path not found".into())
        );
    }

    #[test]
    fn nested_arrays_through_validated_paths() {
        let mut doc = json!({"m": [[1, 2], [3, 4]]});
        let replace = edit("m[1][0]", EditOp::Replace, "30").unwrap();
        apply_edit(&mut doc, &replace).unwrap();
        assert_eq!(doc, json!({"m": [[1, 2], [30, 4]]}));
        let add = edit("m[0][1]", EditOp::Add, "9").unwrap();
        apply_edit(&mut doc, &add).unwrap();
        assert_eq!(doc, json!({"m": [[1, 9, 2], [30, 4]]}));
        let remove = edit("m[1][1]", EditOp::Remove, "").unwrap();
        apply_edit(&mut doc, &remove).unwrap();
        assert_eq!(doc, json!({"m": [[1, 9, 2], [30]]}));
        let remove_last = edit("m[1][0]", EditOp::Remove, "").unwrap();
        apply_edit(&mut doc, &remove_last).unwrap();
        assert_eq!(doc, json!({"m": [[1, 9, 2], []]}));
        let too_far = edit("m[5][0]", EditOp::Replace, "1").unwrap();
        assert_eq!(
            apply_edit(&mut doc, &too_far),
            Err("Parent path not found".into())
        );
        // Sent raw, `m[1][0]` is one key to MPIS: replace sets that literal key.
        apply(&mut doc, "m[1][0]", EditOp::Replace, json!(5)).unwrap();
        assert_eq!(doc["m[1][0]"], json!(5));
    }

    #[test]
    fn type_mismatches_use_mpis_messages() {
        let mut doc = core();
        let cases = [
            ("credo.summary.x", EditOp::Replace, "Cannot set 'x' on str"),
            (
                "topics.primary.x",
                EditOp::Replace,
                "Cannot set 'x' on list",
            ),
            (
                "credo.summary.x.y",
                EditOp::Replace,
                "Cannot navigate to 'x'",
            ),
            ("credo[0]", EditOp::Replace, "Expected list for index 0"),
            (
                "credo.summary[0]",
                EditOp::Remove,
                "Expected list for index 0",
            ),
            ("topics.primary.x", EditOp::Add, "Cannot add at path"),
            ("credo.summary[0]", EditOp::Add, "Cannot add at path"),
            ("topics.primary.x", EditOp::Remove, "Cannot remove 'x'"),
            ("topics[0].x", EditOp::Replace, "Parent path not found"),
        ];
        for (path, o, expected) in cases {
            assert_eq!(
                apply(&mut doc, path, o, json!(1)),
                Err(expected.to_string()),
                "{o} {path}"
            );
        }
        assert_eq!(doc, core());
    }

    #[test]
    fn missing_values_and_empty_paths() {
        let mut doc = core();
        assert_eq!(
            apply(&mut doc, "language", EditOp::Add, Value::Null),
            Err("Add operation requires a value".into())
        );
        assert_eq!(
            apply(&mut doc, "", EditOp::Replace, Value::Null),
            Err("Replace operation requires a value".into())
        );
        assert_eq!(
            apply(&mut doc, "", EditOp::Replace, json!(1)),
            Err("Empty path".into())
        );
        assert_eq!(
            apply(&mut doc, "", EditOp::Remove, Value::Null),
            Err("Empty path".into())
        );
        assert_eq!(doc, core());
    }

    #[test]
    fn apply_edits_is_all_or_nothing() {
        let doc = core();
        let ops = [
            op("credo.summary", EditOp::Replace, json!("Love.")),
            op("topics.primary[0]", EditOp::Remove, Value::Null),
        ];
        let patched = apply_edits(&doc, &ops).unwrap();
        assert_eq!(patched["credo"]["summary"], json!("Love."));
        assert_eq!(patched["topics"]["primary"], json!(["doubt", "city"]));
        let failing = [
            op("credo.summary", EditOp::Replace, json!("Love.")),
            op("nope.x", EditOp::Replace, json!(1)),
        ];
        assert_eq!(
            apply_edits(&doc, &failing),
            Err("Parent path not found".into())
        );
        assert_eq!(doc, core());
        assert_eq!(apply_edits(&doc, &[]), Ok(core()));
    }

    #[test]
    fn paths_read_like_mpis() {
        let core = json!({"a": [1, 2], "credo": {}});
        // `a.[0]` is the key `a` then index 0.
        assert_eq!(
            apply_edits(&core, &[op("a.[0]", EditOp::Replace, json!(9))]),
            Ok(json!({"a": [9, 2], "credo": {}}))
        );
        // `a[x]` is not an index: the whole part is a key.
        assert_eq!(
            apply_edits(&core, &[op("credo.a[x]", EditOp::Replace, json!(1))]),
            Ok(json!({"a": [1, 2], "credo": {"a[x]": 1}}))
        );
    }

    #[test]
    fn edits_apply_and_fail_with_mpis_texts() {
        let core =
            json!({"credo": {"statements": ["a", "b"]}, "lexicon": {"signature_phrases": []}});
        let changed = apply_edits(
            &core,
            &[
                op("credo.statements[1]", EditOp::Replace, json!("c")),
                op(
                    "lexicon.signature_phrases",
                    EditOp::Add,
                    json!("Consider this"),
                ),
                op("credo.statements[0]", EditOp::Add, json!("first")),
                op("credo.summary", EditOp::Add, json!("S")),
                op("credo.statements[2]", EditOp::Remove, Value::Null),
            ],
        );
        assert_eq!(
            changed,
            Ok(json!({
                "credo": {"statements": ["first", "a"], "summary": "S"},
                "lexicon": {"signature_phrases": ["Consider this"]}
            }))
        );
        let fails = |e: EditOperation| apply_edits(&core, &[e]).err().unwrap_or_default();
        assert_eq!(
            fails(op("nope.deeper.x", EditOp::Replace, json!(1))),
            "Parent path not found"
        );
        assert_eq!(
            fails(op("credo.statements[5]", EditOp::Replace, json!(1))),
            "Index 5 out of range"
        );
        assert_eq!(
            fails(op("credo.statements", EditOp::Replace, Value::Null)),
            "Replace operation requires a value"
        );
        assert_eq!(
            fails(op("credo", EditOp::Add, Value::Null)),
            "Add operation requires a value"
        );
        assert_eq!(fails(op("", EditOp::Remove, Value::Null)), "Empty path");
        assert_eq!(
            fails(op("credo.missing", EditOp::Remove, Value::Null)),
            "Path not found for removal"
        );
        assert_eq!(
            fails(op("credo.statements.x", EditOp::Replace, json!(1))),
            "Cannot set 'x' on list"
        );
        assert_eq!(
            fails(op("credo[0]", EditOp::Remove, Value::Null)),
            "Expected list for index 0"
        );
        assert_eq!(
            fails(op("credo.statements[0].x", EditOp::Remove, Value::Null)),
            "Cannot remove 'x'"
        );
    }
}
