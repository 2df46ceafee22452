//! The genesis start form (MPIS `GenesisStartRequest`, MPIS_REFERENCE.md §1.2): the fields as
//! typed, the languages offered, validation naming the field, and the request body it sends.

use serde_json::{Value, json};

use super::slug::slugify;
use super::sources::{SourceKind, detect_sources, validate_source};
use crate::domain::form::{FieldError, check_max_chars, check_single_line, non_empty};

/// `persona_name` and `public_name`: 1..=100 characters (MPIS `min_length 1, max_length 100`).
pub const MAX_NAME_CHARS: usize = 100;
/// Our limit for `inspiration_source` (MPIS sets none).
pub const MAX_INSPIRATION_CHARS: usize = 500;
/// Our limit for `notes` (MPIS sets none).
pub const MAX_NOTES_CHARS: usize = 10_000;
/// Minimum length of a Google Drive folder id (`[A-Za-z0-9_-]{10,}`).
pub const MIN_GDRIVE_ID_CHARS: usize = 10;

/// A choice of the `language` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanguageChoice {
    /// The value sent to MPIS (`language`).
    pub code: &'static str,
    /// The name shown in the form.
    pub name: &'static str,
}

/// The languages the start form offers, the default (`en`, as in MPIS) first.
pub const LANGUAGES: [LanguageChoice; 9] = [
    LanguageChoice {
        code: "en",
        name: "English",
    },
    LanguageChoice {
        code: "ru",
        name: "Russian",
    },
    LanguageChoice {
        code: "uk",
        name: "Ukrainian",
    },
    LanguageChoice {
        code: "de",
        name: "German",
    },
    LanguageChoice {
        code: "fr",
        name: "French",
    },
    LanguageChoice {
        code: "es",
        name: "Spanish",
    },
    LanguageChoice {
        code: "it",
        name: "Italian",
    },
    LanguageChoice {
        code: "pt",
        name: "Portuguese",
    },
    LanguageChoice {
        code: "pl",
        name: "Polish",
    },
];

/// The display name of a language code (`"uk"` -> `"Ukrainian"`), if it is one of [`LANGUAGES`].
pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|l| l.code == code).map(|l| l.name)
}

/// The genesis start form as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenesisForm {
    pub persona_name: String,
    /// A code of [`LANGUAGES`].
    pub language: String,
    pub inspiration_source: String,
    pub public_persona: bool,
    pub public_name: String,
    /// A Drive folder id, or a `drive.google.com/.../folders/<id>` link (the id is taken from it).
    pub gdrive_folder_id: String,
    /// One source per line; see [`detect_source`].
    pub sources_text: String,
    pub notes: String,
}

impl Default for GenesisForm {
    fn default() -> Self {
        GenesisForm {
            persona_name: String::new(),
            language: "en".to_string(),
            inspiration_source: String::new(),
            public_persona: false,
            public_name: String::new(),
            gdrive_folder_id: String::new(),
            sources_text: String::new(),
            notes: String::new(),
        }
    }
}

/// A checked start form, with trimmed values (`None` where nothing was typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidGenesis {
    pub persona_name: String,
    pub language: String,
    pub inspiration_source: Option<String>,
    pub public_persona: bool,
    pub public_name: Option<String>,
    pub gdrive_folder_id: Option<String>,
    pub notes: Option<String>,
    pub sources: Vec<(SourceKind, String)>,
}

impl GenesisForm {
    /// Checks every field; all problems are reported, in the form's field order.
    ///
    /// - `persona_name`: required, trimmed, 1..=100 characters, one line.
    /// - `language`: one of [`LANGUAGES`] (trimmed, case-insensitive).
    /// - `inspiration_source`: at most 500 characters.
    /// - `public_name`: required (1..=100) when `public_persona` is on; at most 100 otherwise.
    /// - `gdrive_folder_id`: empty, or `[A-Za-z0-9_-]{10,}` (a Drive folder link is accepted
    ///   and its id taken).
    /// - `sources`: every non-blank line must be a valid source ([`validate_source`]); one error
    ///   per bad line, naming its 1-based line number.
    /// - `notes`: at most 10,000 characters.
    pub fn validate(&self) -> Result<ValidGenesis, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut push = |field: &'static str, message: String| {
            errors.push(FieldError::new(field, message));
        };

        let persona_name = self.persona_name.trim();
        if persona_name.is_empty() {
            push("persona_name", "required".into());
        } else if let Err(m) = check_max_chars(persona_name, MAX_NAME_CHARS)
            .and_then(|()| check_single_line(persona_name))
        {
            push("persona_name", m);
        }

        let language = self.language.trim().to_lowercase();
        if language_name(&language).is_none() {
            let choices = LANGUAGES
                .iter()
                .map(|l| format!("{} ({})", l.code, l.name))
                .collect::<Vec<_>>()
                .join(", ");
            let what = if language.is_empty() {
                "required".to_string()
            } else {
                format!("{:?} is not offered", self.language.trim())
            };
            push("language", format!("{what}; choose one of {choices}"));
        }

        let inspiration_source = non_empty(&self.inspiration_source);
        if let Some(Err(m)) = inspiration_source.map(|s| check_max_chars(s, MAX_INSPIRATION_CHARS))
        {
            push("inspiration_source", m);
        }

        let public_name = non_empty(&self.public_name);
        match public_name {
            None if self.public_persona => push(
                "public_name",
                "required when public persona is on (the name MPIS searches the web for)".into(),
            ),
            None => {}
            Some(name) => {
                if let Err(m) =
                    check_max_chars(name, MAX_NAME_CHARS).and_then(|()| check_single_line(name))
                {
                    push("public_name", m);
                }
            }
        }

        let gdrive_folder_id = match non_empty(&self.gdrive_folder_id) {
            None => None,
            Some(raw) => match parse_gdrive_folder_id(raw) {
                Ok(id) => Some(id),
                Err(m) => {
                    push("gdrive_folder_id", m);
                    None
                }
            },
        };

        let mut sources = Vec::new();
        for (line_no, source) in detect_sources(&self.sources_text) {
            match validate_source(&source) {
                Ok(()) => sources.push((source.kind, source.reference)),
                Err(m) => push("sources", format!("line {line_no}: {m}")),
            }
        }

        let notes = non_empty(&self.notes);
        if let Some(Err(m)) = notes.map(|n| check_max_chars(n, MAX_NOTES_CHARS)) {
            push("notes", m);
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidGenesis {
            persona_name: persona_name.to_string(),
            language,
            inspiration_source: inspiration_source.map(str::to_string),
            public_persona: self.public_persona,
            public_name: public_name.map(str::to_string),
            gdrive_folder_id,
            notes: notes.map(str::to_string),
            sources,
        })
    }

    /// The slug MPIS will derive from the name as typed (before its uniqueness suffix).
    pub fn slug_preview(&self) -> String {
        slugify(self.persona_name.trim())
    }
}

/// A Drive folder id, or the id inside a `.../folders/<id>` link.
fn parse_gdrive_folder_id(raw: &str) -> Result<String, String> {
    let id = match raw.find("/folders/") {
        Some(i) if raw.contains("drive.google.com") => {
            let after = &raw[i + "/folders/".len()..];
            after
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default()
                .to_string()
        }
        _ => raw.to_string(),
    };
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "{raw:?} is not a Drive folder id: {bad:?} is not allowed (letters, digits, '_' and '-' only)"
        ));
    }
    let n = id.chars().count();
    if n < MIN_GDRIVE_ID_CHARS {
        return Err(format!(
            "{raw:?} is not a Drive folder id: at least {MIN_GDRIVE_ID_CHARS} characters expected, got {n}"
        ));
    }
    Ok(id)
}

impl ValidGenesis {
    /// The body of `POST /genesis/start` (MPIS `GenesisStartRequest`): every field present,
    /// `null` where nothing was given, sources as `{type, ref, metadata: {}}`.
    pub fn to_request_json(&self) -> Value {
        let sources: Vec<Value> = self
            .sources
            .iter()
            .map(|(kind, reference)| json!({"type": kind.as_str(), "ref": reference, "metadata": {}}))
            .collect();
        json!({
            "persona_name": self.persona_name,
            "inspiration_source": self.inspiration_source,
            "language": self.language,
            "public_persona": self.public_persona,
            "public_name": self.public_name,
            "gdrive_folder_id": self.gdrive_folder_id,
            "notes": self.notes,
            "sources": sources,
        })
    }

    /// The slug MPIS will derive from the name (before its uniqueness suffix `-2`, `-3`, ...).
    pub fn slug_preview(&self) -> String {
        slugify(&self.persona_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.field).collect()
    }

    fn named(name: &str) -> GenesisForm {
        GenesisForm {
            persona_name: name.to_string(),
            ..GenesisForm::default()
        }
    }

    #[test]
    fn default_form_is_english_and_needs_only_a_name() {
        let form = GenesisForm::default();
        assert_eq!(form.language, "en");
        assert!(!form.public_persona);
        assert_eq!(
            form.validate().unwrap_err(),
            vec![FieldError::new("persona_name", "required")]
        );
        let valid = named("Tim Keller").validate().unwrap();
        assert_eq!(valid.persona_name, "Tim Keller");
        assert_eq!(valid.language, "en");
        assert!(valid.sources.is_empty());
    }

    #[test]
    fn persona_name_limits() {
        assert_eq!(named("  Tim  ").validate().unwrap().persona_name, "Tim");
        assert_eq!(named("x").validate().unwrap().persona_name, "x");
        assert_eq!(
            named(" \t ").validate().unwrap_err(),
            vec![FieldError::new("persona_name", "required")]
        );
        let at_limit = "a".repeat(100);
        assert_eq!(named(&at_limit).validate().unwrap().persona_name, at_limit);
        // Spaces around do not count.
        assert!(named(&format!("  {at_limit}  ")).validate().is_ok());
        assert_eq!(
            named(&"a".repeat(101)).validate().unwrap_err(),
            vec![FieldError::new(
                "persona_name",
                "must be at most 100 characters (got 101)"
            )]
        );
        // Characters, not bytes: 100 Cyrillic letters are 200 bytes.
        assert!(named(&"ж".repeat(100)).validate().is_ok());
        assert!(named(&"ж".repeat(101)).validate().is_err());
        let err = named("Tim\nKeller").validate().unwrap_err();
        assert_eq!(fields(&err), ["persona_name"]);
        assert!(err[0].message.contains("single line"), "{}", err[0].message);
    }

    #[test]
    fn language_choices() {
        assert_eq!(LANGUAGES.len(), 9);
        assert_eq!(
            LANGUAGES[0],
            LanguageChoice {
                code: "en",
                name: "English"
            }
        );
        assert_eq!(
            LANGUAGES.map(|l| l.code),
            ["en", "ru", "uk", "de", "fr", "es", "it", "pt", "pl"]
        );
        assert_eq!(language_name("uk"), Some("Ukrainian"));
        assert_eq!(language_name("UK"), None);
        for choice in LANGUAGES {
            let form = GenesisForm {
                language: choice.code.to_string(),
                ..named("X")
            };
            assert_eq!(form.validate().unwrap().language, choice.code);
        }
        let form = GenesisForm {
            language: " RU ".into(),
            ..named("X")
        };
        assert_eq!(form.validate().unwrap().language, "ru");
        let form = GenesisForm {
            language: "xx".into(),
            ..named("X")
        };
        let err = form.validate().unwrap_err();
        assert_eq!(fields(&err), ["language"]);
        assert!(
            err[0]
                .message
                .starts_with("\"xx\" is not offered; choose one of en (English), ru (Russian)"),
            "{}",
            err[0].message
        );
        let form = GenesisForm {
            language: "".into(),
            ..named("X")
        };
        assert!(
            form.validate().unwrap_err()[0]
                .message
                .starts_with("required; choose one of")
        );
    }

    #[test]
    fn public_name_required_only_when_public() {
        let public = |name: &str| GenesisForm {
            public_persona: true,
            public_name: name.to_string(),
            ..named("X")
        };
        let err = public("  ").validate().unwrap_err();
        assert_eq!(fields(&err), ["public_name"]);
        assert!(
            err[0]
                .message
                .starts_with("required when public persona is on")
        );
        assert_eq!(
            public(" Tim Keller ")
                .validate()
                .unwrap()
                .public_name
                .as_deref(),
            Some("Tim Keller")
        );
        assert!(public(&"p".repeat(100)).validate().is_ok());
        assert_eq!(
            public(&"p".repeat(101)).validate().unwrap_err(),
            vec![FieldError::new(
                "public_name",
                "must be at most 100 characters (got 101)"
            )]
        );
        // Off: optional, still limited, and kept when given.
        let private = |name: &str| GenesisForm {
            public_name: name.to_string(),
            ..named("X")
        };
        assert_eq!(private("").validate().unwrap().public_name, None);
        assert_eq!(
            private("Alias").validate().unwrap().public_name.as_deref(),
            Some("Alias")
        );
        assert!(private(&"p".repeat(101)).validate().is_err());
    }

    #[test]
    fn gdrive_folder_ids_and_links() {
        let with = |id: &str| GenesisForm {
            gdrive_folder_id: id.to_string(),
            ..named("X")
        };
        assert_eq!(with("  ").validate().unwrap().gdrive_folder_id, None);
        assert_eq!(
            with("1AbC-_xyz9")
                .validate()
                .unwrap()
                .gdrive_folder_id
                .as_deref(),
            Some("1AbC-_xyz9")
        );
        let err = with("1AbC-_xyz").validate().unwrap_err();
        assert_eq!(
            err,
            vec![FieldError::new(
                "gdrive_folder_id",
                "\"1AbC-_xyz\" is not a Drive folder id: at least 10 characters expected, got 9"
            )]
        );
        let err = with("abc def ghi jkl").validate().unwrap_err();
        assert!(
            err[0].message.contains("' ' is not allowed"),
            "{}",
            err[0].message
        );
        assert_eq!(
            with("https://drive.google.com/drive/folders/1a2B3c4D5e6F?usp=sharing")
                .validate()
                .unwrap()
                .gdrive_folder_id
                .as_deref(),
            Some("1a2B3c4D5e6F")
        );
        assert_eq!(
            with("https://drive.google.com/drive/u/0/folders/ABCDEFGHIJK/")
                .validate()
                .unwrap()
                .gdrive_folder_id
                .as_deref(),
            Some("ABCDEFGHIJK")
        );
        // Another site's URL is not a folder id.
        assert!(
            with("https://example.org/folders/ABCDEFGHIJK")
                .validate()
                .is_err()
        );
    }

    #[test]
    fn every_bad_source_line_is_reported_with_its_number() {
        let form = GenesisForm {
            sources_text:
                "https://example.org/ok\nhttps://\nftp://example.org/x\n\nyoutu.be/\nplain text"
                    .into(),
            ..named("X")
        };
        let err = form.validate().unwrap_err();
        assert_eq!(fields(&err), ["sources", "sources", "sources"]);
        assert_eq!(
            err[0].message,
            "line 2: \"https://\" is not a valid URL: has no host (expected e.g. https://example.org/page)"
        );
        assert_eq!(
            err[1].message,
            "line 3: \"ftp://example.org/x\" is not a valid URL: scheme must be http or https, not \"ftp\""
        );
        assert!(
            err[2]
                .message
                .starts_with("line 5: \"https://youtu.be/\" is not a YouTube video link"),
            "{}",
            err[2].message
        );
    }

    #[test]
    fn sources_keep_their_order_and_types() {
        let form = GenesisForm {
            sources_text:
                "Sermons on grace\nyoutu.be/dQw4w9WgXcQ\n\nexample.org/essay\n~/books/reason.epub\n"
                    .into(),
            ..named("X")
        };
        assert_eq!(
            form.validate().unwrap().sources,
            vec![
                (SourceKind::Text, "Sermons on grace".to_string()),
                (
                    SourceKind::Youtube,
                    "https://youtu.be/dQw4w9WgXcQ".to_string()
                ),
                (SourceKind::Url, "https://example.org/essay".to_string()),
                (SourceKind::File, "~/books/reason.epub".to_string()),
            ]
        );
    }

    #[test]
    fn notes_and_inspiration_limits() {
        let with = |inspiration: &str, notes: &str| GenesisForm {
            inspiration_source: inspiration.to_string(),
            notes: notes.to_string(),
            ..named("X")
        };
        let valid = with(&"i".repeat(500), &"n".repeat(10_000))
            .validate()
            .unwrap();
        assert_eq!(valid.inspiration_source.map(|s| s.len()), Some(500));
        assert_eq!(valid.notes.map(|s| s.len()), Some(10_000));
        assert_eq!(
            with(&"i".repeat(501), &"n".repeat(10_001))
                .validate()
                .unwrap_err(),
            vec![
                FieldError::new(
                    "inspiration_source",
                    "must be at most 500 characters (got 501)"
                ),
                FieldError::new("notes", "must be at most 10000 characters (got 10001)"),
            ]
        );
        // Multi-line notes are fine; outer whitespace is dropped, empty is None.
        let valid = with("", "  line 1\nline 2\n\n").validate().unwrap();
        assert_eq!(valid.notes.as_deref(), Some("line 1\nline 2"));
        assert_eq!(valid.inspiration_source, None);
    }

    #[test]
    fn all_problems_are_reported_in_field_order() {
        let form = GenesisForm {
            persona_name: String::new(),
            language: "klingon".into(),
            inspiration_source: "i".repeat(501),
            public_persona: true,
            public_name: String::new(),
            gdrive_folder_id: "short".into(),
            sources_text: "ftp://x.org/a\nhttps://".into(),
            notes: "n".repeat(10_001),
        };
        assert_eq!(
            fields(&form.validate().unwrap_err()),
            [
                "persona_name",
                "language",
                "inspiration_source",
                "public_name",
                "gdrive_folder_id",
                "sources",
                "sources",
                "notes"
            ]
        );
    }

    #[test]
    fn request_json_has_every_field_with_nulls_where_empty() {
        let body = named("Tim Keller").validate().unwrap().to_request_json();
        assert_eq!(
            body,
            json!({
                "persona_name": "Tim Keller",
                "inspiration_source": null,
                "language": "en",
                "public_persona": false,
                "public_name": null,
                "gdrive_folder_id": null,
                "notes": null,
                "sources": []
            })
        );
        assert_eq!(body.as_object().map(|o| o.len()), Some(8));
    }

    #[test]
    fn request_json_with_everything_filled() {
        let form = GenesisForm {
            persona_name: " Тим Келлер ".into(),
            language: "ru".into(),
            inspiration_source: "Redeemer Presbyterian".into(),
            public_persona: true,
            public_name: "Tim Keller".into(),
            gdrive_folder_id: "1a2B3c4D5e6F".into(),
            sources_text: "youtu.be/dQw4w9WgXcQ\nOn grace\nexample.org/x".into(),
            notes: "Warm, pastoral.".into(),
        };
        let valid = form.validate().unwrap();
        assert_eq!(valid.slug_preview(), "tim-keller");
        assert_eq!(form.slug_preview(), "tim-keller");
        assert_eq!(
            valid.to_request_json(),
            json!({
                "persona_name": "Тим Келлер",
                "inspiration_source": "Redeemer Presbyterian",
                "language": "ru",
                "public_persona": true,
                "public_name": "Tim Keller",
                "gdrive_folder_id": "1a2B3c4D5e6F",
                "notes": "Warm, pastoral.",
                "sources": [
                    {"type": "youtube", "ref": "https://youtu.be/dQw4w9WgXcQ", "metadata": {}},
                    {"type": "text", "ref": "On grace", "metadata": {}},
                    {"type": "url", "ref": "https://example.org/x", "metadata": {}}
                ]
            })
        );
    }
}
