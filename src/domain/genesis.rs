//! The genesis forms: the start form (MPIS `GenesisStartRequest`, MPIS_REFERENCE.md §1.2), the
//! detection of each sources line's type, the persona slug preview, and the draft edits of the
//! approval step (`EditOperation` paths such as `credo.statements[1]`) with the patch MPIS applies.
//!
//! [`apply_edit`] follows MPIS's own patch code (`app/utils/json_patch.py`), including its
//! quirks and its exact error messages, so the MPIS sandbox and the UI preview of an edit behave
//! like a real MPIS. The quirks are listed on [`apply_edit`].

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use super::form::FieldError;
use super::form::{check_http_url, check_max_chars, check_single_line, non_empty};

/// `persona_name` and `public_name`: 1..=100 characters (MPIS `min_length 1, max_length 100`).
pub const MAX_NAME_CHARS: usize = 100;
/// Our limit for `inspiration_source` (MPIS sets none).
pub const MAX_INSPIRATION_CHARS: usize = 500;
/// Our limit for `notes` (MPIS sets none).
pub const MAX_NOTES_CHARS: usize = 10_000;
/// Minimum length of a Google Drive folder id (`[A-Za-z0-9_-]{10,}`).
pub const MIN_GDRIVE_ID_CHARS: usize = 10;
/// MPIS's slug length limit.
pub const MAX_SLUG_CHARS: usize = 50;
/// File name endings that make a sources line a `file` source.
pub const FILE_EXTENSIONS: [&str; 5] = [".pdf", ".txt", ".docx", ".md", ".epub"];

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

// ---------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------

/// The `type` of an MPIS `SourceInput`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Url,
    Youtube,
    Text,
    File,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Url,
        SourceKind::Youtube,
        SourceKind::Text,
        SourceKind::File,
    ];

    /// MPIS's `type` value: `url`, `youtube`, `text` or `file`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Url => "url",
            SourceKind::Youtube => "youtube",
            SourceKind::Text => "text",
            SourceKind::File => "file",
        }
    }

    /// Reads an MPIS `type` value (case-insensitive).
    pub fn parse(value: &str) -> Option<SourceKind> {
        let lowered = value.trim().to_ascii_lowercase();
        SourceKind::ALL.into_iter().find(|k| k.as_str() == lowered)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the sources editor, read as an MPIS source: `{type: kind, ref: reference}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInputDraft {
    pub kind: SourceKind,
    pub reference: String,
}

impl SourceInputDraft {
    fn new(kind: SourceKind, reference: impl Into<String>) -> SourceInputDraft {
        SourceInputDraft {
            kind,
            reference: reference.into(),
        }
    }
}

/// Reads one line of the sources editor; `None` for a blank line.
///
/// Rules, in order (the line is trimmed first):
/// 1. `file://...` -> `File`, as typed.
/// 2. An explicit prefix forces the type: `text:`, `url:`, `youtube:` or `file:` (any case),
///    the rest of the line being the reference (nothing after the prefix -> `None`). This is
///    the way out when the detection below guesses wrong (`text: see notes.md`).
/// 3. YouTube links, with or without scheme and `www.`: `youtube.com/watch?...v=...`,
///    `youtu.be/...`, `youtube.com/shorts/...`, `youtube.com/live/...`, `youtube.com/embed/...`
///    and anything on `m.youtube.com` -> `Youtube`.
/// 4. Anything with a scheme (`https://...`, also `ftp://...`, refused later by validation) ->
///    `Url`, as typed.
/// 5. A path: `/...`, `./...`, `../...`, `~/...`, `C:\...` -> `File`.
/// 6. A bare domain with a path (`example.org/x`, `www.example.org`) -> `Url`.
/// 7. A name ending in `.pdf`, `.txt`, `.docx`, `.md` or `.epub` (any case) -> `File`.
/// 8. Anything else -> `Text` (MPIS reads the reference itself as the text).
///
/// A YouTube link or bare domain without a scheme gets `https://` in front, so the reference
/// MPIS receives is a fetchable URL. A line containing spaces is never a bare domain or a
/// scheme-less YouTube link.
pub fn detect_source(line: &str) -> Option<SourceInputDraft> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let lower = line.to_lowercase();
    if lower.starts_with("file://") {
        return Some(SourceInputDraft::new(SourceKind::File, line));
    }
    for kind in SourceKind::ALL {
        let prefix_len = kind.as_str().len() + 1;
        let has_prefix = line.get(..prefix_len).is_some_and(|p| {
            p.ends_with(':') && p[..prefix_len - 1].eq_ignore_ascii_case(kind.as_str())
        });
        if has_prefix && !line[prefix_len..].starts_with("//") {
            let rest = line[prefix_len..].trim();
            if rest.is_empty() {
                return None;
            }
            let reference = match kind {
                SourceKind::Url | SourceKind::Youtube if !has_scheme(rest) => {
                    format!("https://{rest}")
                }
                _ => rest.to_string(),
            };
            return Some(SourceInputDraft::new(kind, reference));
        }
    }
    let has_space = line.chars().any(char::is_whitespace);
    if !has_space && is_youtube_link(&lower) {
        return Some(SourceInputDraft::new(SourceKind::Youtube, with_https(line)));
    }
    if has_scheme(line) {
        return Some(SourceInputDraft::new(SourceKind::Url, line));
    }
    if looks_like_path(line) {
        return Some(SourceInputDraft::new(SourceKind::File, line));
    }
    if !has_space && is_bare_domain(line) {
        return Some(SourceInputDraft::new(SourceKind::Url, with_https(line)));
    }
    if FILE_EXTENSIONS
        .iter()
        .any(|ext| lower.len() > ext.len() && lower.ends_with(ext))
    {
        return Some(SourceInputDraft::new(SourceKind::File, line));
    }
    Some(SourceInputDraft::new(SourceKind::Text, line))
}

/// Every non-blank line of the sources editor with its 1-based line number, for showing the
/// detected type next to each line.
pub fn detect_sources(text: &str) -> Vec<(usize, SourceInputDraft)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| detect_source(line).map(|d| (i + 1, d)))
        .collect()
}

/// Checks one detected source; the message says what is wrong with it.
///
/// `Url` must be an http(s) URL with a host; `Youtube` must also carry a video id; `Text` and
/// `File` only need to be non-empty (a file path is read by MPIS, not here).
pub fn validate_source(source: &SourceInputDraft) -> Result<(), String> {
    let reference = source.reference.as_str();
    if reference.trim().is_empty() {
        return Err(format!("{} source is empty", source.kind));
    }
    match source.kind {
        SourceKind::Url => {
            check_http_url(reference).map_err(|m| format!("{reference:?} is not a valid URL: {m}"))
        }
        SourceKind::Youtube => {
            check_http_url(reference)
                .map_err(|m| format!("{reference:?} is not a valid URL: {m}"))?;
            youtube_video_id(reference).map(|_| ()).ok_or_else(|| {
                format!(
                    "{reference:?} is not a YouTube video link (expected youtube.com/watch?v=ID, youtu.be/ID or youtube.com/shorts/ID)"
                )
            })
        }
        SourceKind::Text | SourceKind::File => Ok(()),
    }
}

/// The video id of a YouTube link (`watch?v=ID`, `youtu.be/ID`, `/shorts/ID`, `/live/ID`,
/// `/embed/ID`), if it has one made of `[A-Za-z0-9_-]`.
pub fn youtube_video_id(url: &str) -> Option<String> {
    let rest = strip_scheme(url.trim());
    let (host, path_query) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let path_query = path_query.split('#').next().unwrap_or_default();
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let candidate = match host {
        "youtu.be" => path.trim_start_matches('/').split('/').next(),
        "youtube.com" | "m.youtube.com" => {
            if path.trim_end_matches('/') == "/watch" {
                query.split('&').find_map(|pair| pair.strip_prefix("v="))
            } else {
                ["/shorts/", "/live/", "/embed/"]
                    .iter()
                    .find_map(|p| path.strip_prefix(p))
                    .and_then(|id| id.split('/').next())
            }
        }
        _ => None,
    }?;
    let valid = !candidate.is_empty()
        && candidate
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then(|| candidate.to_string())
}

fn strip_scheme(text: &str) -> &str {
    match text.split_once("://") {
        Some((scheme, rest)) if is_scheme(scheme) => rest,
        _ => text,
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn has_scheme(text: &str) -> bool {
    text.split_once("://").is_some_and(|(s, _)| is_scheme(s))
}

fn with_https(text: &str) -> String {
    if has_scheme(text) {
        text.to_string()
    } else {
        format!("https://{text}")
    }
}

/// `lower` is the lowercased trimmed line.
fn is_youtube_link(lower: &str) -> bool {
    let rest = match lower.split_once("://") {
        Some(("http" | "https", rest)) => rest,
        Some(_) => return false,
        None => lower,
    };
    if rest == "m.youtube.com"
        || rest.starts_with("m.youtube.com/")
        || rest.starts_with("m.youtube.com?")
    {
        return true;
    }
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    if rest.starts_with("youtu.be/") {
        return true;
    }
    if let Some(path) = rest.strip_prefix("youtube.com/") {
        if let Some(query) = path.strip_prefix("watch?") {
            return query.split('&').any(|p| p.starts_with("v="));
        }
        return ["shorts/", "live/", "embed/"]
            .iter()
            .any(|p| path.starts_with(p));
    }
    false
}

fn looks_like_path(line: &str) -> bool {
    let mut chars = line.chars();
    let drive = matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(d), Some(':'), Some('\\' | '/')) if d.is_ascii_alphabetic()
    );
    drive
        || ["/", "./", "../", "~/", ".\\", "..\\", "~\\"]
            .iter()
            .any(|p| line.starts_with(p))
}

/// `example.org/x`, `example.org:8080/x`, `www.example.org`: labels of letters, digits and
/// `-`, at least two, the last alphabetic and 2+ long; a path is required unless `www.`.
fn is_bare_domain(line: &str) -> bool {
    let (host_port, has_path) = match line.find(['/', '?', '#']) {
        Some(i) => (&line[..i], true),
        None => (line, false),
    };
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => h,
        Some(_) => return false,
        None => host_port,
    };
    let labels: Vec<&str> = host.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
    labels_ok && tld_ok && (has_path || host.to_lowercase().starts_with("www."))
}

// ---------------------------------------------------------------------------------------------
// Start form
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Slug
// ---------------------------------------------------------------------------------------------

/// Whether two persona names start the same persona: the same name (case and spacing aside),
/// or names MPIS turns into the same slug (its second job of "Alex" becomes `alex-2`). Names
/// with nothing to slug from (punctuation only gives the fallback `persona`) compare by name
/// only.
///
/// `same_persona_name("Tim Keller", "tim  keller")`, `same_persona_name("Zoë", "Zoe")`.
pub fn same_persona_name(a: &str, b: &str) -> bool {
    let normal = |name: &str| {
        name.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    if normal(a) == normal(b) {
        return !normal(a).is_empty();
    }
    let slug = slugify(a.trim());
    !slug.is_empty() && slug != "persona" && slug == slugify(b.trim())
}

/// MPIS's `slugify` (MPIS_REFERENCE.md §1.2), for previewing the slug in the form.
///
/// Transliterate, lowercase, runs of whitespace/`_` -> `-`, drop everything outside
/// `[a-z0-9-]`, collapse `-`, trim `-`, cut to 50 and strip trailing `-`; nothing left ->
/// `persona`. As in MPIS, the empty string gives the empty string.
///
/// MPIS transliterates with Python's `unidecode`; `deunicode` is a port of the same tables
/// (`й` -> `i`, `щ` -> `shch`, `ß` -> `ss`, Chinese to pinyin), so the preview matches the slug
/// MPIS returns for the names people write.
///
/// `slugify("Тим Келлер") == "tim-keller"`, `slugify("Алексей 123") == "aleksei-123"`.
pub fn slugify(name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    // Whitespace first: deunicode turns a no-break space into a space, but some separators
    // into nothing.
    let mut spaced = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            c if c.is_whitespace() => spaced.push(' '),
            // The one letter of the Cyrillic and Latin ranges where deunicode's table differs
            // from unidecode's (checked against Python's unidecode).
            'Є' => spaced.push_str("Ie"),
            c => spaced.push(c),
        }
    }
    let ascii = deunicode::deunicode(&spaced).to_lowercase();
    let mut slug = String::with_capacity(ascii.len());
    let mut in_separator = false;
    for c in ascii.chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            in_separator = true;
            continue;
        }
        if !(c.is_ascii_lowercase() || c.is_ascii_digit()) {
            // Dropped without breaking a separator run (`a - b` -> `a-b`, `a.b` -> `ab`).
            continue;
        }
        if in_separator && !slug.is_empty() {
            slug.push('-');
        }
        in_separator = false;
        slug.push(c);
    }
    if slug.len() > MAX_SLUG_CHARS {
        slug.truncate(MAX_SLUG_CHARS);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if slug.is_empty() {
        "persona".to_string()
    } else {
        slug
    }
}

// ---------------------------------------------------------------------------------------------
// Draft edits
// ---------------------------------------------------------------------------------------------

/// The `op` of an MPIS `EditOperation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EditOp {
    Add,
    Replace,
    Remove,
}

impl EditOp {
    pub const ALL: [EditOp; 3] = [EditOp::Add, EditOp::Replace, EditOp::Remove];

    pub fn as_str(self) -> &'static str {
        match self {
            EditOp::Add => "add",
            EditOp::Replace => "replace",
            EditOp::Remove => "remove",
        }
    }

    /// Reads `add`, `replace` or `remove` (trimmed, case-insensitive).
    pub fn parse(value: &str) -> Option<EditOp> {
        let lowered = value.trim().to_ascii_lowercase();
        EditOp::ALL.into_iter().find(|o| o.as_str() == lowered)
    }
}

impl fmt::Display for EditOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
/// The path is read as MPIS reads it (paths from [`validate_edit`] are already in that
/// spelling). Every step but the last must exist (`Parent path not found`), then:
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
pub fn apply_edit(core: &mut Value, op: &EditOperationJson) -> Result<(), String> {
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
pub fn apply_edits(core: &Value, ops: &[EditOperationJson]) -> Result<Value, String> {
    let mut copy = core.clone();
    for op in ops {
        apply_edit(&mut copy, op)?;
    }
    Ok(copy)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn src(kind: SourceKind, reference: &str) -> Option<SourceInputDraft> {
        Some(SourceInputDraft::new(kind, reference))
    }

    fn fields(errors: &[FieldError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.field).collect()
    }

    fn named(name: &str) -> GenesisForm {
        GenesisForm {
            persona_name: name.to_string(),
            ..GenesisForm::default()
        }
    }

    // --- sources --------------------------------------------------------------------------

    #[test]
    fn source_kind_names_are_mpis_types() {
        assert_eq!(
            SourceKind::ALL.map(SourceKind::as_str),
            ["url", "youtube", "text", "file"]
        );
        for kind in SourceKind::ALL {
            assert_eq!(SourceKind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        }
        assert_eq!(SourceKind::parse(" YouTube "), Some(SourceKind::Youtube));
        assert_eq!(SourceKind::parse("video"), None);
    }

    #[test]
    fn blank_lines_are_not_sources() {
        for line in ["", "   ", "\t", " \r"] {
            assert_eq!(detect_source(line), None, "{line:?}");
        }
    }

    #[test]
    fn youtube_links_in_every_form() {
        let cases = [
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            ),
            (
                "http://youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
                "http://youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
            ),
            (
                "youtube.com/watch?v=dQw4w9WgXcQ",
                "https://youtube.com/watch?v=dQw4w9WgXcQ",
            ),
            (
                "www.youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
                "https://www.youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
            ),
            ("youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ"),
            (
                "https://youtu.be/dQw4w9WgXcQ?si=abc",
                "https://youtu.be/dQw4w9WgXcQ?si=abc",
            ),
            (
                "youtube.com/shorts/abcdEFGhijk",
                "https://youtube.com/shorts/abcdEFGhijk",
            ),
            (
                "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
                "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
            ),
            (
                "m.youtube.com/watch?v=dQw4w9WgXcQ",
                "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
            ),
            (
                "HTTPS://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ",
                "HTTPS://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ",
            ),
            (
                "youtube.com/live/dQw4w9WgXcQ",
                "https://youtube.com/live/dQw4w9WgXcQ",
            ),
            ("  youtu.be/abc  ", "https://youtu.be/abc"),
        ];
        for (line, reference) in cases {
            assert_eq!(
                detect_source(line),
                src(SourceKind::Youtube, reference),
                "{line}"
            );
        }
    }

    #[test]
    fn youtube_look_alikes_are_urls() {
        let cases = [
            (
                "https://www.youtube.com/@channel",
                "https://www.youtube.com/@channel",
            ),
            ("youtube.com/watch", "https://youtube.com/watch"),
            (
                "notyoutube.com/watch?v=x",
                "https://notyoutube.com/watch?v=x",
            ),
            (
                "youtube.com.evil.org/watch?v=x",
                "https://youtube.com.evil.org/watch?v=x",
            ),
            ("ftp://youtube.com/watch?v=x", "ftp://youtube.com/watch?v=x"),
        ];
        for (line, reference) in cases {
            assert_eq!(
                detect_source(line),
                src(SourceKind::Url, reference),
                "{line}"
            );
        }
    }

    #[test]
    fn urls_with_scheme_and_bare_domains() {
        let cases = [
            ("https://example.org/a", "https://example.org/a"),
            ("http://example.org", "http://example.org"),
            ("example.org/x", "https://example.org/x"),
            ("www.example.org", "https://www.example.org"),
            (
                "sub.example.co.uk/path?q=1",
                "https://sub.example.co.uk/path?q=1",
            ),
            ("example.org:8080/x", "https://example.org:8080/x"),
            ("example.org/paper.pdf", "https://example.org/paper.pdf"),
            ("пример.рф/страница", "https://пример.рф/страница"),
            // A scheme makes a URL even when validation will refuse it.
            ("ftp://example.org/file", "ftp://example.org/file"),
            ("https://exa mple.org", "https://exa mple.org"),
        ];
        for (line, reference) in cases {
            assert_eq!(
                detect_source(line),
                src(SourceKind::Url, reference),
                "{line}"
            );
        }
    }

    #[test]
    fn not_quite_domains_are_text() {
        for line in [
            "example.org",     // no path: could be anything
            "3.14/2",          // the last label is not alphabetic
            "a.b/c d",         // contains a space
            "-bad.org/x",      // label starting with '-'
            "example..org/x",  // empty label
            "example.org:x/y", // port not numeric
        ] {
            assert_eq!(detect_source(line), src(SourceKind::Text, line), "{line}");
        }
    }

    #[test]
    fn files_by_path_or_extension() {
        for line in [
            "/home/me/book.pdf",
            "/srv/corpus",
            "./notes.txt",
            "../x",
            "~/docs/a.epub",
            "C:\\Users\\me\\a.docx",
            "d:/corpus/x",
            "file:///tmp/a.txt",
            "Chapter 1.PDF",
            "docs/notes.md",
            "notes.md",
            "sermon.TXT",
        ] {
            assert_eq!(detect_source(line), src(SourceKind::File, line), "{line}");
        }
        // The extension alone is no name.
        assert_eq!(detect_source(".pdf"), src(SourceKind::Text, ".pdf"));
    }

    #[test]
    fn anything_else_is_text_trimmed() {
        assert_eq!(
            detect_source("  Tim Keller's sermons on grace  "),
            src(SourceKind::Text, "Tim Keller's sermons on grace")
        );
        assert_eq!(
            detect_source("see youtube.com/watch?v=x for more"),
            src(SourceKind::Text, "see youtube.com/watch?v=x for more")
        );
        assert_eq!(
            detect_source("Note: be kind"),
            src(SourceKind::Text, "Note: be kind")
        );
        assert_eq!(detect_source("Любовь"), src(SourceKind::Text, "Любовь"));
    }

    #[test]
    fn explicit_prefix_forces_the_type() {
        assert_eq!(
            detect_source("text: see notes.md"),
            src(SourceKind::Text, "see notes.md")
        );
        assert_eq!(
            detect_source("URL: example.org"),
            src(SourceKind::Url, "https://example.org")
        );
        assert_eq!(
            detect_source("url:http://example.org"),
            src(SourceKind::Url, "http://example.org")
        );
        assert_eq!(
            detect_source("youtube: youtu.be/abc"),
            src(SourceKind::Youtube, "https://youtu.be/abc")
        );
        assert_eq!(
            detect_source("File: My Book"),
            src(SourceKind::File, "My Book")
        );
        assert_eq!(detect_source("text:"), None);
        assert_eq!(detect_source("text:   "), None);
        // `scheme://` is a URL, not a prefix.
        assert_eq!(detect_source("url://x"), src(SourceKind::Url, "url://x"));
        // A word merely starting like a prefix is not one.
        assert_eq!(
            detect_source("textbook chapter"),
            src(SourceKind::Text, "textbook chapter")
        );
    }

    #[test]
    fn detect_sources_numbers_lines_from_one_counting_blanks() {
        let detected = detect_sources("a\n\n  \nhttps://x.org\r\nyoutu.be/abc\n");
        assert_eq!(
            detected,
            vec![
                (1, SourceInputDraft::new(SourceKind::Text, "a")),
                (4, SourceInputDraft::new(SourceKind::Url, "https://x.org")),
                (
                    5,
                    SourceInputDraft::new(SourceKind::Youtube, "https://youtu.be/abc")
                ),
            ]
        );
        assert!(detect_sources("").is_empty());
    }

    #[test]
    fn youtube_video_ids() {
        let id = Some("dQw4w9WgXcQ".to_string());
        for url in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ#t=1",
            "https://youtu.be/dQw4w9WgXcQ?si=x",
            "https://youtube.com/shorts/dQw4w9WgXcQ/",
            "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://WWW.YOUTUBE.COM/embed/dQw4w9WgXcQ",
            "youtu.be/dQw4w9WgXcQ",
        ] {
            assert_eq!(youtube_video_id(url), id, "{url}");
        }
        for url in [
            "https://youtu.be/",
            "https://www.youtube.com/watch?v=",
            "https://www.youtube.com/watch",
            "https://m.youtube.com/",
            "https://example.org/watch?v=x",
            "https://youtube.com/watch?v=a<b",
        ] {
            assert_eq!(youtube_video_id(url), None, "{url}");
        }
    }

    #[test]
    fn validate_source_rules() {
        let ok = [
            SourceInputDraft::new(SourceKind::Url, "https://example.org/x"),
            SourceInputDraft::new(SourceKind::Youtube, "https://youtu.be/abc"),
            SourceInputDraft::new(SourceKind::Text, "anything"),
            SourceInputDraft::new(SourceKind::File, "/x"),
        ];
        for s in ok {
            assert_eq!(validate_source(&s), Ok(()), "{s:?}");
        }
        let err =
            validate_source(&SourceInputDraft::new(SourceKind::Url, "ftp://x.org")).unwrap_err();
        assert_eq!(
            err,
            "\"ftp://x.org\" is not a valid URL: scheme must be http or https, not \"ftp\""
        );
        let err = validate_source(&SourceInputDraft::new(
            SourceKind::Youtube,
            "https://example.org/v",
        ))
        .unwrap_err();
        assert!(err.contains("is not a YouTube video link"), "{err}");
        let err = validate_source(&SourceInputDraft::new(SourceKind::Text, " ")).unwrap_err();
        assert_eq!(err, "text source is empty");
    }

    // --- start form -----------------------------------------------------------------------

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

    // --- slug -----------------------------------------------------------------------------

    #[test]
    fn same_persona_name_by_name_or_slug() {
        assert!(same_persona_name("Tim Keller", "tim  keller "));
        assert!(same_persona_name("Zoë", "Zoe"));
        assert!(same_persona_name("Tim_Keller", "tim-keller"));
        assert!(!same_persona_name("Tim Keller", "Tim Kellerman"));
        assert!(!same_persona_name("", " "));
        // Nothing to slug from: the fallback slug does not make them the same.
        assert!(!same_persona_name("李明", "王芳"));
        assert!(same_persona_name("李明", "李明"));
    }

    #[test]
    fn slugify_worked_examples_from_mpis() {
        assert_eq!(slugify("Tim Keller"), "tim-keller");
        assert_eq!(slugify("Тим Келлер"), "tim-keller");
        assert_eq!(slugify("Алексей 123"), "aleksei-123");
        assert_eq!(slugify("Алексей"), "aleksei");
        assert_eq!(slugify("Hello! World?"), "hello-world");
    }

    #[test]
    fn slugify_ascii_rules() {
        assert_eq!(slugify(""), "");
        assert_eq!(slugify("   "), "persona");
        assert_eq!(slugify("!!!"), "persona");
        assert_eq!(slugify("snake_case  name"), "snake-case-name");
        assert_eq!(slugify("--Hello--World--"), "hello-world");
        assert_eq!(slugify("a - b"), "a-b");
        assert_eq!(slugify("a._b"), "a-b");
        assert_eq!(slugify("a.b"), "ab");
        assert_eq!(slugify("Rock & Roll"), "rock-roll");
        assert_eq!(slugify("C.S. Lewis"), "cs-lewis");
        assert_eq!(slugify("Tab\tand\u{a0}nbsp"), "tab-and-nbsp");
        assert_eq!(slugify("R2-D2"), "r2-d2");
    }

    #[test]
    fn slugify_length_limit() {
        assert_eq!(slugify(&"a".repeat(50)), "a".repeat(50));
        assert_eq!(slugify(&"a".repeat(60)), "a".repeat(50));
        // Cut at 50 lands right after a hyphen: the hyphen goes too.
        assert_eq!(slugify(&format!("{} bcd", "a".repeat(49))), "a".repeat(49));
        // 48 + "-b" = exactly 50.
        assert_eq!(
            slugify(&format!("{} b", "a".repeat(48))),
            format!("{}-b", "a".repeat(48))
        );
        // Cyrillic expanding past the limit is cut after transliteration.
        assert_eq!(slugify(&"щ".repeat(20)).len(), 50);
    }

    #[test]
    fn slugify_transliterates_latin_accents() {
        assert_eq!(slugify("Crème Brûlée"), "creme-brulee");
        assert_eq!(slugify("Straße"), "strasse");
        assert_eq!(slugify("Søren Åberg"), "soren-aberg");
        assert_eq!(slugify("François Núñez"), "francois-nunez");
        assert_eq!(slugify("MÜLLER"), "muller");
        assert_eq!(slugify("Łódź Żółć"), "lodz-zolc");
        assert_eq!(slugify("Æsop Œuvre"), "aesop-oeuvre");
        assert_eq!(slugify("İstanbul"), "istanbul");
    }

    #[test]
    fn slugify_transliterates_cyrillic() {
        assert_eq!(slugify("Щука Юлия Ёлкина"), "shchuka-iuliia-iolkina");
        assert_eq!(slugify("Їжак Ґанок Євген"), "yizhak-ganok-ievgen");
        assert_eq!(slugify("Подъезд Мать"), "podezd-mat");
        assert_eq!(
            slugify("Хорошая Цапля Чайка Шарф"),
            "khoroshaia-tsaplia-chaika-sharf"
        );
        assert_eq!(slugify("Ўладзімір"), "uladzimir");
        // Other scripts are spelled out as MPIS's unidecode does ("Bei Jing ").
        assert_eq!(slugify("北京"), "bei-jing");
        assert_eq!(slugify("Anna 北京"), "anna-bei-jing");
    }

    // --- edit paths -----------------------------------------------------------------------

    fn key(k: &str) -> PathStep {
        PathStep::Key(k.to_string())
    }

    #[test]
    fn edit_op_names() {
        assert_eq!(
            EditOp::ALL.map(EditOp::as_str),
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

    // --- apply_edit -----------------------------------------------------------------------

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
}
