//! The genesis parts of the sandbox: numbered slugs on collision and the export paths of a
//! commit. The generated first draft and the approver's prompt are in
//! [`crate::mpis::persona_draft`] (the demo seed makes its job with them too).
//!
//! The slug rule and the draft edits (paths, add / replace / remove, MPIS's error texts) are
//! MPIS's and live in [`crate::domain::genesis`] (`slugify`, `apply_edits`), shared with the
//! forms' previews.

use serde_json::{Map, Value, json};

/// Where MPIS writes personas (`PERSONAS_BASE_DIR`'s default).
pub const PERSONAS_BASE_DIR: &str = "/opt/mpis/personas";

/// The 13 files of an export, with the folder each lives in.
pub const EXPORT_FILES: [(&str, &str); 13] = [
    ("persona_core.json", "core"),
    ("credo.json", "core"),
    ("ethos.json", "core"),
    ("theologic.txt", "core"),
    ("tone_profile.json", "core"),
    ("style.json", "core"),
    ("language_profile.json", "core"),
    ("concepts.json", "memory"),
    ("sources_index.json", "memory"),
    ("readme.md", "docs"),
    ("usage_prompt.txt", "docs"),
    ("changelog.json", "docs"),
    ("technical_spec.json", "docs"),
];

/// The first free slug: `slug`, then `slug-2`, `slug-3`, ...
pub fn unique_slug(slug: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(slug) {
        return slug.to_owned();
    }
    (2u64..)
        .map(|n| format!("{slug}-{n}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| slug.to_owned())
}

/// `export_paths` of a commit: `{base_path, files: {name: path}}`.
pub fn export_paths(slug: &str) -> Value {
    let base = format!("{PERSONAS_BASE_DIR}/{slug}");
    let files: Map<String, Value> = EXPORT_FILES
        .iter()
        .map(|(name, folder)| ((*name).to_owned(), json!(format!("{base}/{folder}/{name}"))))
        .collect();
    json!({"base_path": base, "files": files})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::genesis::{apply_edits, slugify};
    use crate::mpis::types::{EditOp, EditOperation};

    fn edit(path: &str, op: EditOp, value: Value) -> EditOperation {
        EditOperation {
            path: path.to_owned(),
            op,
            value,
        }
    }

    #[test]
    fn slugs_follow_the_mpis_rule() {
        assert_eq!(slugify("Tim Keller"), "tim-keller");
        assert_eq!(slugify("Тим Келлер"), "tim-keller");
        assert_eq!(slugify("Алексей 123"), "aleksei-123");
        assert_eq!(slugify("  __Ünïcode_ Name!! "), "unicode-name");
        assert_eq!(slugify("a - - b"), "a-b");
        assert_eq!(slugify("!!!"), "persona");
        assert_eq!(slugify("漢字"), "han-zi"); // unidecode: "Han Zi "
        assert_eq!(slugify(""), "");
        let long = format!("{}-{}", "a".repeat(49), "b".repeat(10));
        assert_eq!(slugify(&long), "a".repeat(49));
        assert_eq!(slugify(&"x".repeat(80)).len(), 50);
    }

    #[test]
    fn slug_collisions_get_numbered_from_two() {
        let taken = ["alex", "alex-2"];
        assert_eq!(unique_slug("alex", |s| taken.contains(&s)), "alex-3");
        assert_eq!(unique_slug("sam", |s| taken.contains(&s)), "sam");
    }

    #[test]
    fn paths_read_like_mpis() {
        let core = json!({"a": [1, 2], "credo": {}});
        // `a.[0]` is the key `a` then index 0.
        assert_eq!(
            apply_edits(&core, &[edit("a.[0]", EditOp::Replace, json!(9))]),
            Ok(json!({"a": [9, 2], "credo": {}}))
        );
        // `a[x]` is not an index: the whole part is a key.
        assert_eq!(
            apply_edits(&core, &[edit("credo.a[x]", EditOp::Replace, json!(1))]),
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
                edit("credo.statements[1]", EditOp::Replace, json!("c")),
                edit(
                    "lexicon.signature_phrases",
                    EditOp::Add,
                    json!("Consider this"),
                ),
                edit("credo.statements[0]", EditOp::Add, json!("first")),
                edit("credo.summary", EditOp::Add, json!("S")),
                edit("credo.statements[2]", EditOp::Remove, Value::Null),
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
            fails(edit("nope.deeper.x", EditOp::Replace, json!(1))),
            "Parent path not found"
        );
        assert_eq!(
            fails(edit("credo.statements[5]", EditOp::Replace, json!(1))),
            "Index 5 out of range"
        );
        assert_eq!(
            fails(edit("credo.statements", EditOp::Replace, Value::Null)),
            "Replace operation requires a value"
        );
        assert_eq!(
            fails(edit("credo", EditOp::Add, Value::Null)),
            "Add operation requires a value"
        );
        assert_eq!(fails(edit("", EditOp::Remove, Value::Null)), "Empty path");
        assert_eq!(
            fails(edit("credo.missing", EditOp::Remove, Value::Null)),
            "Path not found for removal"
        );
        assert_eq!(
            fails(edit("credo.statements.x", EditOp::Replace, json!(1))),
            "Cannot set 'x' on list"
        );
        assert_eq!(
            fails(edit("credo[0]", EditOp::Remove, Value::Null)),
            "Expected list for index 0"
        );
        assert_eq!(
            fails(edit("credo.statements[0].x", EditOp::Remove, Value::Null)),
            "Cannot remove 'x'"
        );
    }

    #[test]
    fn export_lists_thirteen_files() {
        let paths = export_paths("alex");
        assert_eq!(paths["base_path"], "/opt/mpis/personas/alex");
        assert_eq!(paths["files"].as_object().map(Map::len), Some(13));
        assert_eq!(
            paths["files"]["usage_prompt.txt"],
            "/opt/mpis/personas/alex/docs/usage_prompt.txt"
        );
    }
}
