//! The genesis parts of the sandbox: slugs, a generated first draft, and MPIS's edit
//! operations (add / replace / remove at dot paths with `[n]` indices) with its error texts.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::mpis::types::{EditOp, EditOperation, GenesisStartRequest};

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

/// MPIS's slug rule: transliterate to ASCII, lowercase, whitespace/underscores to `-`, drop
/// everything outside `[a-z0-9-]`, collapse and trim `-`, at most 50 characters (then trailing `-`
/// stripped); `persona` when nothing is left; `""` for `""`.
///
/// MPIS uses `unidecode`; the sandbox transliterates Latin letters with diacritics and Cyrillic
/// (as unidecode does) and drops other scripts.
pub fn slugify(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut ascii = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else if c.is_whitespace() {
            ascii.push(' ');
        } else {
            ascii.push_str(transliterate(c));
        }
    }
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.to_lowercase().chars() {
        let c = if c.is_ascii_whitespace() || c == '_' {
            '-'
        } else {
            c
        };
        if c == '-' {
            pending_dash = true;
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c);
        }
    }
    if slug.len() > 50 {
        slug.truncate(50);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if slug.is_empty() {
        "persona".to_owned()
    } else {
        slug
    }
}

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

fn transliterate(c: char) -> &'static str {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'č' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ğ' => "g",
        'Ğ' => "G",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'Į' | 'İ' => "I",
        'ł' | 'ľ' | 'ĺ' => "l",
        'Ł' | 'Ľ' | 'Ĺ' => "L",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ř' | 'ŕ' => "r",
        'Ř' | 'Ŕ' => "R",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'þ' => "th",
        'Þ' => "Th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'а' | 'А' => "a",
        'б' | 'Б' => "b",
        'в' | 'В' => "v",
        'г' | 'Г' | 'ґ' | 'Ґ' => "g",
        'д' | 'Д' => "d",
        'е' | 'Е' | 'э' | 'Э' => "e",
        'ё' | 'Ё' => "io",
        'є' | 'Є' => "ie",
        'ж' | 'Ж' => "zh",
        'з' | 'З' => "z",
        'и' | 'И' | 'й' | 'Й' | 'і' | 'І' | 'ї' | 'Ї' => "i",
        'к' | 'К' => "k",
        'л' | 'Л' => "l",
        'м' | 'М' => "m",
        'н' | 'Н' => "n",
        'о' | 'О' => "o",
        'п' | 'П' => "p",
        'р' | 'Р' => "r",
        'с' | 'С' => "s",
        'т' | 'Т' => "t",
        'у' | 'У' => "u",
        'ф' | 'Ф' => "f",
        'х' | 'Х' => "kh",
        'ц' | 'Ц' => "ts",
        'ч' | 'Ч' => "ch",
        'ш' | 'Ш' => "sh",
        'щ' | 'Щ' => "shch",
        'ы' | 'Ы' => "y",
        'ю' | 'Ю' => "iu",
        'я' | 'Я' => "ia",
        _ => "",
    }
}

/// A plausible first draft for a start request (what MPIS's DRY_RUN pipeline would make): a
/// credo, ethos, style and two primary topics, but no signature phrases yet, so the preview asks
/// for them.
pub fn first_draft(request: &GenesisStartRequest, now: DateTime<Utc>) -> Value {
    let name = request.persona_name.trim();
    let inspiration = request.inspiration_source.clone().unwrap_or_default();
    let about = if inspiration.is_empty() {
        String::new()
    } else {
        format!(", inspired by {inspiration}")
    };
    let sources: Vec<String> = request
        .sources
        .iter()
        .map(|source| format!("{}:{}", source.kind, source.reference))
        .collect();
    json!({
        "credo": {
            "summary": format!("{name} helps people turn hard questions into practical next steps{about}."),
            "statements": [
                "Clarity is a form of kindness",
                "Small faithful steps beat grand plans"
            ]
        },
        "ethos": {
            "virtues": ["honesty", "patience", "curiosity"],
            "anti_patterns": ["cynicism", "jargon"],
            "emotional_tone": ["warm", "direct", "hopeful", "calm"]
        },
        "theo_logic": {
            "principles": ["Start from what people already know", "Test ideas against lived experience"],
            "reasoning_style": "Socratic questions followed by a concrete suggestion"
        },
        "style": {
            "voice": "A mentor who speaks plainly",
            "cadence": "Short paragraphs, one idea each",
            "dos": ["Use concrete examples", "End with a question"],
            "donts": ["Lecture", "Overpromise"]
        },
        "lexicon": {
            "signature_phrases": [],
            "keywords": ["clarity", "practice", "courage"],
            "taboo_words": []
        },
        "topics": {"primary": ["leadership", "everyday practice"], "secondary": ["culture", "work"]},
        "alignment": {"faith_alignment_vector": []},
        "origin": {
            "inspiration_source": inspiration,
            "sources": sources,
            "created_at": now.to_rfc3339_opts(SecondsFormat::Secs, true)
        },
        "language": request.language
    })
}

/// The text MPIS shows the approver with each draft.
pub fn human_prompt(name: &str, draft_no: i32) -> String {
    format!(
        "Draft {draft_no} of the persona \"{name}\" is ready for review. Read the credo, tone, \
         style and topics. To change something, send edits (add, replace or remove at a path such \
         as credo.statements[0] or lexicon.signature_phrases); to accept the draft as it is, \
         approve it with confirm=true."
    )
}

/// One step of an edit path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// MPIS's path grammar: dot-separated parts; a part `name[n]` is a key then an index, a part
/// `[n]` is an index, anything else a key.
fn parse_path(path: &str) -> Vec<Step> {
    if path.is_empty() {
        return Vec::new();
    }
    let mut steps = Vec::new();
    for part in path.split('.') {
        if let Some((key, index)) = split_indexed(part) {
            if !key.is_empty() {
                steps.push(Step::Key(key.to_owned()));
            }
            steps.push(Step::Index(index));
        } else {
            steps.push(Step::Key(part.to_owned()));
        }
    }
    steps
}

/// `name[3]` -> `("name", 3)` (name of word characters), `[3]` -> `("", 3)`.
fn split_indexed(part: &str) -> Option<(&str, usize)> {
    let inner = part.strip_suffix(']')?;
    let (key, digits) = inner.split_once('[')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !key.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    Some((key, digits.parse().ok()?))
}

/// Python's name for a JSON value's type, as MPIS's messages use it.
fn type_name(value: &Value) -> &'static str {
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

fn navigate<'a>(root: &'a mut Value, steps: &[Step]) -> Result<&'a mut Value, String> {
    let mut current = root;
    for step in steps {
        current = match (step, current) {
            (Step::Index(i), Value::Array(items)) => {
                items.get_mut(*i).ok_or("Parent path not found")?
            }
            (Step::Key(key), Value::Object(map)) => {
                map.get_mut(key).ok_or("Parent path not found")?
            }
            (Step::Key(key), _) => return Err(format!("Cannot navigate to '{key}'")),
            (Step::Index(_), _) => return Err("Parent path not found".to_owned()),
        };
    }
    Ok(current)
}

/// Applies the edits to a copy of `core`, in order; MPIS's error text (without the
/// `Edit error: ` prefix) on the first that fails.
pub fn apply_edits(core: &Value, edits: &[EditOperation]) -> Result<Value, String> {
    let mut result = core.clone();
    for edit in edits {
        let steps = parse_path(&edit.path);
        match edit.op {
            EditOp::Replace => {
                if edit.value.is_null() {
                    return Err("Replace operation requires a value".to_owned());
                }
                replace(&mut result, &steps, edit.value.clone())?;
            }
            EditOp::Add => {
                if edit.value.is_null() {
                    return Err("Add operation requires a value".to_owned());
                }
                add(&mut result, &steps, edit.value.clone())?;
            }
            EditOp::Remove => remove(&mut result, &steps)?,
        }
    }
    Ok(result)
}

fn replace(root: &mut Value, steps: &[Step], value: Value) -> Result<(), String> {
    let Some((last, parents)) = steps.split_last() else {
        return Err("Empty path".to_owned());
    };
    let parent = navigate(root, parents)?;
    match (last, parent) {
        (Step::Index(i), Value::Array(items)) => match items.get_mut(*i) {
            Some(slot) => {
                *slot = value;
                Ok(())
            }
            None => Err(format!("Index {i} out of range")),
        },
        (Step::Index(i), _) => Err(format!("Expected list for index {i}")),
        (Step::Key(key), Value::Object(map)) => {
            map.insert(key.clone(), value);
            Ok(())
        }
        (Step::Key(key), other) => Err(format!("Cannot set '{key}' on {}", type_name(other))),
    }
}

fn add(root: &mut Value, steps: &[Step], value: Value) -> Result<(), String> {
    let Some((last, parents)) = steps.split_last() else {
        return Err("Empty path".to_owned());
    };
    let parent = navigate(root, parents)?;
    match (last, parent) {
        (Step::Key(key), Value::Object(map)) => {
            match map.get_mut(key) {
                Some(Value::Array(items)) => items.push(value),
                _ => {
                    map.insert(key.clone(), value);
                }
            }
            Ok(())
        }
        (Step::Index(i), Value::Object(map)) => {
            map.insert(i.to_string(), value);
            Ok(())
        }
        (Step::Index(i), Value::Array(items)) => {
            if *i >= items.len() {
                items.push(value);
            } else {
                items.insert(*i, value);
            }
            Ok(())
        }
        _ => Err("Cannot add at path".to_owned()),
    }
}

fn remove(root: &mut Value, steps: &[Step]) -> Result<(), String> {
    let Some((last, parents)) = steps.split_last() else {
        return Err("Empty path".to_owned());
    };
    let parent = navigate(root, parents)?;
    match (last, parent) {
        (Step::Index(i), Value::Array(items)) => {
            if *i < items.len() {
                items.remove(*i);
                Ok(())
            } else {
                Err("Path not found for removal".to_owned())
            }
        }
        (Step::Index(i), _) => Err(format!("Expected list for index {i}")),
        (Step::Key(key), Value::Object(map)) => map
            .remove(key)
            .map(|_| ())
            .ok_or_else(|| "Path not found for removal".to_owned()),
        (Step::Key(key), _) => Err(format!("Cannot remove '{key}'")),
    }
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
        assert_eq!(slugify("漢字"), "persona");
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
    fn paths_parse_like_mpis() {
        assert_eq!(
            parse_path("credo.statements[1]"),
            [
                Step::Key("credo".into()),
                Step::Key("statements".into()),
                Step::Index(1)
            ]
        );
        assert_eq!(parse_path("a.[0]"), [Step::Key("a".into()), Step::Index(0)]);
        assert_eq!(parse_path("a[x]"), [Step::Key("a[x]".into())]);
        assert_eq!(parse_path(""), []);
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
