//! Sources of the genesis start form: what type (`url`, `youtube`, `file`, `text`) each line of
//! the sources editor is, and whether it is a source MPIS can use.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use crate::domain::form::check_http_url;

/// File name endings that make a sources line a `file` source.
pub const FILE_EXTENSIONS: [&str; 5] = [".pdf", ".txt", ".docx", ".md", ".epub"];

/// The `type` of an MPIS `SourceInput`.
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
pub enum SourceKind {
    Url,
    Youtube,
    Text,
    File,
}

impl SourceKind {
    /// MPIS's `type` value: `url`, `youtube`, `text` or `file`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Reads an MPIS `type` value (trimmed, case-insensitive).
    pub fn parse(value: &str) -> Option<SourceKind> {
        value.trim().parse().ok()
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
    for &kind in SourceKind::VARIANTS {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn src(kind: SourceKind, reference: &str) -> Option<SourceInputDraft> {
        Some(SourceInputDraft::new(kind, reference))
    }

    #[test]
    fn source_kind_names_are_mpis_types() {
        assert_eq!(
            SourceKind::VARIANTS
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
            ["url", "youtube", "text", "file"]
        );
        for &kind in SourceKind::VARIANTS {
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
}
