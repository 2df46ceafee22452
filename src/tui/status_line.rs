//! The status line's message and place: a message shortened at a word boundary (never cut
//! mid-word) with the whole text kept in the session's message log (the `m` popup,
//! `:messages`), messages expiring when stale, and where the operator is (the breadcrumb).
//!
//! How long a message stays: information (a saved layout, "time range 30 days") is read at a
//! glance, so it goes after [`INFO_FOR`]; an error stays until the operator has had time to
//! read it and acts again (a key [`ERROR_READ`] after it appeared) or [`ERROR_FOR`] passes,
//! so a failure is not missed by someone looking away, nor left on screen as if it were
//! still true. Every message stays readable in the log.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::text::Span;

use super::app::App;
use super::widgets::clean;

/// Information leaves the status line after this.
pub const INFO_FOR: Duration = Duration::from_secs(10);
/// An error leaves the status line after this at the latest.
pub const ERROR_FOR: Duration = Duration::from_secs(60);
/// An error shown this long goes at the next key.
pub const ERROR_READ: Duration = Duration::from_secs(5);
/// Messages kept for the log (the oldest go first).
pub const LOG_LENGTH: usize = 200;

/// One message of the session, as said.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedMessage {
    pub text: String,
    pub error: bool,
    /// When it was said (wall clock, shown in the log).
    pub at: DateTime<Utc>,
}

/// Whether a message shown since `since` is stale at `now` (`key`: a key was pressed now).
pub fn expired(error: bool, since: Instant, now: Instant, key: bool) -> bool {
    let shown = now.saturating_duration_since(since);
    if error {
        shown >= ERROR_FOR || (key && shown >= ERROR_READ)
    } else {
        shown >= INFO_FOR
    }
}

/// `text` in at most `width` columns: whole, or cut at the last word boundary that fits and
/// ended with "…"; just "…" when not even the first word fits (never half a word).
pub fn shorten(text: &str, width: usize) -> String {
    let text = text.trim();
    if crate::text::columns(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let room = width - 1; // for "…"
    let mut kept = String::new();
    for (i, word) in text.split(' ').enumerate() {
        let candidate = if i == 0 {
            word.to_string()
        } else {
            format!("{kept} {word}")
        };
        if crate::text::columns(&candidate) > room {
            break;
        }
        kept = candidate;
    }
    let kept = kept.trim_end_matches([' ', ',', ';', ':', '.', '-', '(']);
    format!("{kept}…")
}

/// Where the operator is, as a breadcrumb (`breadcrumbs`): " │ Overview › Run 3f2a1b2c".
pub fn place(app: &App) -> Option<String> {
    let places = super::breadcrumbs::places(app);
    let glyphs = &app.options.theme.glyphs;
    let whole = super::breadcrumbs::fit(&places, glyphs.breadcrumb, glyphs.ellipsis, usize::MAX);
    Some(format!(" {} {whole}", glyphs.separator))
}

/// The place in its long form (the whole breadcrumb) and the short one used when the status
/// line is crowded (" │ … › Run 3f2a1b2c": the places before the current one collapsed).
pub fn places(app: &App) -> (Option<String>, Option<String>) {
    let places = super::breadcrumbs::places(app);
    let glyphs = &app.options.theme.glyphs;
    let current = places.last().cloned().unwrap_or_default();
    let short = if places.len() > 1 {
        format!(
            " {} {} {} {current}",
            glyphs.separator, glyphs.ellipsis, glyphs.breadcrumb
        )
    } else {
        format!(" {} {current}", glyphs.separator)
    };
    (place(app), Some(short))
}

/// The message as it fits the `room` columns left on the status line (with its " │ "), or
/// `None` when there is none or no room for a word. Shortened messages say how to read them.
pub fn message_text(text: &str, room: usize, separator: &str) -> Option<String> {
    const MORE: &str = " (m)";
    let lead = format!(" {separator} ");
    let text = clean(text);
    let room = room.checked_sub(lead.chars().count())?;
    if crate::text::columns(&text) <= room {
        return Some(format!("{lead}{text}"));
    }
    let room = room.checked_sub(MORE.len()).filter(|r| *r > 0)?;
    let short = shorten(&text, room);
    Some(format!("{lead}{short}{MORE}"))
}

/// The message span, in its style.
pub fn message_span(app: &App, room: usize) -> Option<Span<'static>> {
    let message = app.message.as_ref()?;
    let theme = &app.options.theme;
    let style = if message.error {
        theme.critical()
    } else {
        theme.accent()
    };
    message_text(&message.text, room, theme.glyphs.separator).map(|text| Span::styled(text, style))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_at_a_word_with_an_ellipsis() {
        let text = "Recent Runs: error returned from database: connection refused";
        assert_eq!(shorten(text, 80), text);
        assert_eq!(shorten(text, 30), "Recent Runs: error returned…");
        assert!(crate::text::columns(&shorten(text, 30)) <= 30);
        // A word boundary is never a cut word: every word shown is whole.
        for width in 5..text.len() {
            let short = shorten(text, width);
            assert!(crate::text::columns(&short) <= width, "{short:?} > {width}");
            let words: Vec<&str> = text.split(' ').collect();
            for word in short
                .trim_end_matches('…')
                .split(' ')
                .filter(|w| !w.is_empty())
            {
                assert!(
                    words
                        .iter()
                        .any(|w| w.trim_end_matches([',', ':', '.']) == word || *w == word),
                    "{word:?} cut in {short:?}"
                );
            }
        }
    }

    #[test]
    fn a_first_word_longer_than_the_room_is_not_cut_but_left_out() {
        assert_eq!(shorten("supercalifragilistic expialidocious", 8), "…");
        assert_eq!(shorten("auto-refresh paused (p to resume)", 10), "…");
        assert_eq!(shorten("anything", 0), "");
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let short = shorten("名前 名前 名前 名前", 10);
        assert!(crate::text::columns(&short) <= 10, "{short}");
        assert_eq!(short, "名前 名前…");
    }

    #[test]
    fn the_status_line_text_says_a_shortened_message_can_be_read_whole() {
        let text = "layout not saved: Runs overlaps Channel Performance at row 3";
        assert_eq!(message_text(text, 100, "│").unwrap(), format!(" │ {text}"));
        assert_eq!(message_text(text, 100, "|").unwrap(), format!(" | {text}"));
        let short = message_text(text, 40, "│").unwrap();
        assert!(short.ends_with("… (m)"), "{short}");
        assert!(crate::text::columns(&short) <= 40);
        assert_eq!(message_text(text, 10, "│").unwrap(), " │ … (m)");
        assert_eq!(message_text(text, 5, "│"), None);
    }

    #[test]
    fn information_goes_after_ten_seconds_errors_after_a_key_or_a_minute() {
        let t0 = Instant::now();
        let at = |secs| t0 + Duration::from_secs(secs);
        assert!(!expired(false, t0, at(9), false));
        assert!(expired(false, t0, at(10), false));
        assert!(!expired(true, t0, at(30), false));
        assert!(
            !expired(true, t0, at(2), true),
            "a key right after: still read"
        );
        assert!(expired(true, t0, at(6), true));
        assert!(expired(true, t0, at(60), false));
    }
}
