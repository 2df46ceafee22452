//! A single-line text field: the keys that edit it (through `tui_input::Input`), pasted text,
//! and what it shows in a given width (scrolled sideways to keep the cursor in sight).
//!
//! The value stays a plain `String` where its form keeps it (the domain's form, which validation
//! reads); a [`Cursor`] lives beside it. Each edit builds an `Input` from the two, applies one
//! request and writes both back, so nothing can fall out of step with the value, even a value
//! the form sets itself (a picked draft). Multi-line fields are lines of these: `text_lines`.

use std::borrow::Cow;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::{Input, InputRequest};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Where a field's cursor is, in codepoints from the start of the value (tui-input's unit).
/// `END` (the default) is after the last character, and stays there while the operator types
/// at the end or the form replaces the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor(Option<usize>);

impl Cursor {
    pub const END: Cursor = Cursor(None);

    /// The cursor after `codepoints` characters.
    pub fn at(codepoints: usize) -> Cursor {
        Cursor(Some(codepoints))
    }

    /// Codepoints before the cursor in `value` (clamped to it).
    pub fn position(self, value: &str) -> usize {
        let count = value.chars().count();
        self.0.map_or(count, |at| at.min(count))
    }

    fn after_edit(input: &Input) -> Cursor {
        if input.cursor() >= input.value().chars().count() {
            Cursor::END
        } else {
            Cursor::at(input.cursor())
        }
    }
}

/// What a key did to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The value changed (the cursor too, maybe).
    Changed,
    /// Only the cursor moved.
    Moved,
    /// An editing key with nothing to do (Backspace at the start).
    Nothing,
    /// Not an editing key: the form's (Tab, Enter, Esc, Up/Down, Ctrl-S, ...).
    NotMine,
}

impl Edit {
    pub fn changed(self) -> bool {
        self == Edit::Changed
    }

    pub fn is_mine(self) -> bool {
        self != Edit::NotMine
    }
}

/// The editing request a key stands for (readline's keys); `None` for the keys a form keeps.
pub fn request(key: &KeyEvent) -> Option<InputRequest> {
    use InputRequest::*;
    use KeyCode::{Backspace, Char, Delete, End, Home, Left, Right};
    if key.kind == KeyEventKind::Release {
        return None;
    }
    const NONE: KeyModifiers = KeyModifiers::NONE;
    const CTRL: KeyModifiers = KeyModifiers::CONTROL;
    const ALT: KeyModifiers = KeyModifiers::ALT;
    const CTRL_ALT: KeyModifiers = CTRL.union(ALT);
    // Shift only makes capitals (and selects nothing here).
    let modifiers = key.modifiers & (CTRL | ALT);
    Some(match (key.code, modifiers) {
        // Ctrl+Alt+key is AltGr on some keyboards: a character.
        (Char(c), NONE) | (Char(c), CTRL_ALT) => {
            return holds(c).then_some(InsertChar(c));
        }
        (Backspace, NONE) | (Char('h'), CTRL) => DeletePrevChar,
        (Delete, NONE) | (Char('d'), CTRL) => DeleteNextChar,
        (Left, NONE) | (Char('b'), CTRL) => GoToPrevChar,
        (Right, NONE) | (Char('f'), CTRL) => GoToNextChar,
        (Left, CTRL) | (Left, ALT) | (Char('b'), ALT) => GoToPrevWord,
        (Right, CTRL) | (Right, ALT) | (Char('f'), ALT) => GoToNextWord,
        (Home, NONE) | (Char('a'), CTRL) => GoToStart,
        (End, NONE) | (Char('e'), CTRL) => GoToEnd,
        (Char('w'), CTRL) | (Backspace, ALT) | (Backspace, CTRL) => DeletePrevWord,
        (Char('d'), ALT) | (Delete, CTRL) => DeleteNextWord,
        // As in a shell: Ctrl-U deletes to the start, Ctrl-K to the end.
        (Char('u'), CTRL) => DeleteFromStart,
        (Char('k'), CTRL) => DeleteTillEnd,
        _ => return None,
    })
}

/// Whether `key` is an Alt+key a text field uses (word motions and deletes): the event loop
/// keeps it one key while a field has focus instead of reading it as Esc then the key.
pub fn is_alt_edit(key: &KeyEvent) -> bool {
    key.modifiers == KeyModifiers::ALT && request(key).is_some()
}

/// Applies `key` to the field (`value`, `cursor`).
pub fn edit(value: &mut String, cursor: &mut Cursor, key: &KeyEvent) -> Edit {
    match request(key) {
        Some(request) => apply(value, cursor, request),
        None => Edit::NotMine,
    }
}

/// Applies one tui-input request to the field.
pub fn apply(value: &mut String, cursor: &mut Cursor, request: InputRequest) -> Edit {
    let at = cursor.position(value);
    let mut input = Input::new(std::mem::take(value)).with_cursor(at);
    let response = input.handle(request);
    *cursor = Cursor::after_edit(&input);
    *value = input.into();
    match response {
        Some(changed) if changed.value => Edit::Changed,
        Some(_) => Edit::Moved,
        None => Edit::Nothing,
    }
}

/// Inserts `text` (already one line, see [`one_line`]) at the cursor; the cursor goes after it.
pub fn insert(value: &mut String, cursor: &mut Cursor, text: &str) -> Edit {
    if text.is_empty() {
        return Edit::Nothing;
    }
    let at = cursor.position(value);
    let byte = value.char_indices().nth(at).map_or(value.len(), |(i, _)| i);
    value.insert_str(byte, text);
    let after = at + text.chars().count();
    *cursor = if after >= value.chars().count() {
        Cursor::END
    } else {
        Cursor::at(after)
    };
    Edit::Changed
}

/// Replaces the value (a picked draft, a completion); the cursor goes to its end.
pub fn set(value: &mut String, cursor: &mut Cursor, text: &str) {
    *value = clean(text).into_owned();
    *cursor = Cursor::END;
}

/// Whether a field holds `c`. Control characters never (written to the terminal they would
/// move its cursor or worse), nor bidirectional overrides (they reorder what is drawn, so the
/// cursor would not be where it is shown).
pub fn holds(c: char) -> bool {
    !c.is_control()
        && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `text` with tabs as spaces and without the characters a field never holds.
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().all(holds) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\t' => Some(' '),
                c if holds(c) => Some(c),
                _ => None,
            })
            .collect(),
    )
}

/// Pasted text for a single-line field: a trailing line break dropped (a copied URL often has
/// one), the other line breaks as spaces, so nothing pasted is lost from sight; tabs as spaces,
/// other control characters dropped.
pub fn one_line(text: &str) -> String {
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .or_else(|| text.strip_suffix('\r'))
        .unwrap_or(text);
    let lines: Vec<String> = split_lines(text)
        .into_iter()
        .map(|line| clean(line).into_owned())
        .collect();
    lines.join(" ")
}

/// The lines of pasted text, with `\r\n`, `\n` or `\r` between them (a break at the end makes
/// an empty last line).
pub fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['\r', '\n']) {
        lines.push(&rest[..at]);
        let skip = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + skip..];
    }
    lines.push(rest);
    lines
}

/// What a field shows in its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub text: String,
    /// The cursor's column from the start of `text` (for a focused field).
    pub cursor: Option<u16>,
}

/// What a field shows in `width` columns. Focused (`cursor` given): the part around the cursor
/// (tui-input's `visual_scroll`, one column kept for the cursor at the end). Otherwise the
/// start, cut with an ellipsis when longer.
pub fn shown(value: &str, cursor: Option<Cursor>, width: u16) -> Shown {
    let width = usize::from(width);
    // Only a value the form set past `set` could hold what a field never does; drawn without it.
    let safe = clean(value);
    let Some(cursor) = cursor else {
        return Shown {
            text: crate::text::fit(&safe, width),
            cursor: None,
        };
    };
    if width == 0 {
        return Shown {
            text: String::new(),
            cursor: None,
        };
    }
    let at = cursor.position(value);
    let at = value.chars().take(at).filter(|c| holds(*c)).count();
    let input = Input::new(safe.into_owned()).with_cursor(at);
    let scroll = input.visual_scroll(width - 1);
    let column = input.visual_cursor().saturating_sub(scroll);
    let mut start = 0;
    let mut text = String::new();
    for grapheme in input.value().graphemes(true) {
        let columns = grapheme.width();
        if start >= scroll {
            if start + columns > scroll + width {
                break;
            }
            text.push_str(grapheme);
        }
        start += columns;
    }
    Shown {
        text,
        cursor: u16::try_from(column).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn plain(code: KeyCode) -> KeyEvent {
        key(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        key(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn alt(c: char) -> KeyEvent {
        key(KeyCode::Char(c), KeyModifiers::ALT)
    }

    /// Applies `keys` to a field holding `value` (cursor at its end): the value and cursor after.
    fn after(value: &str, keys: &[KeyEvent]) -> (String, usize) {
        let mut value = value.to_string();
        let mut cursor = Cursor::END;
        for key in keys {
            edit(&mut value, &mut cursor, key);
        }
        let at = cursor.position(&value);
        (value, at)
    }

    #[test]
    fn typed_characters_go_in_at_the_cursor() {
        let keys = [
            plain(KeyCode::Home),
            plain(KeyCode::Char('>')),
            plain(KeyCode::End),
            plain(KeyCode::Left),
            key(KeyCode::Char('X'), KeyModifiers::SHIFT),
        ];
        assert_eq!(after("abc", &keys), (">abXc".to_string(), 4));
    }

    #[test]
    fn words_move_and_delete_with_ctrl_and_alt() {
        let (value, at) = after("one two three", &[alt('b'), alt('b')]);
        assert_eq!((value.as_str(), at), ("one two three", 4));
        assert_eq!(
            after("one two three", &[plain(KeyCode::Home), alt('f')]).1,
            4
        );
        assert_eq!(after("one two three", &[ctrl('w')]).0, "one two ");
        assert_eq!(
            after("one two three", &[alt('b'), ctrl('w')]),
            ("one three".to_string(), 4)
        );
        assert_eq!(
            after("one two three", &[plain(KeyCode::Home), alt('d')]).0,
            "two three"
        );
    }

    #[test]
    fn ctrl_u_and_ctrl_k_cut_to_the_start_and_to_the_end() {
        let middle = [alt('b')];
        let (value, at) = after("one two", &[middle[0], ctrl('u')]);
        assert_eq!((value.as_str(), at), ("two", 0));
        let (value, at) = after("one two", &[middle[0], ctrl('k')]);
        assert_eq!((value.as_str(), at), ("one ", 4));
    }

    #[test]
    fn backspace_and_delete_remove_what_is_seen_as_one_character() {
        let back = plain(KeyCode::Backspace);
        // Wide (CJK), a combining accent, a family joined by zero-width joiners, a flag.
        assert_eq!(after("名前", &[back]).0, "名");
        assert_eq!(after("cafe\u{301}", &[back]).0, "caf");
        assert_eq!(after("hi 👨\u{200d}👩\u{200d}👧", &[back]).0, "hi ");
        assert_eq!(after("🇺🇦", &[back]).0, "");
        let (value, at) = after("e\u{301}x", &[plain(KeyCode::Home), plain(KeyCode::Delete)]);
        assert_eq!((value.as_str(), at), ("x", 0));
        // Left steps over the whole cluster too.
        assert_eq!(after("a👍🏽", &[plain(KeyCode::Left)]).1, 1);
    }

    #[test]
    fn control_characters_are_never_typed_and_form_keys_are_not_edits() {
        let mut value = String::from("a");
        let mut cursor = Cursor::END;
        for code in [
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Up,
            KeyCode::Down,
        ] {
            assert_eq!(edit(&mut value, &mut cursor, &plain(code)), Edit::NotMine);
        }
        assert_eq!(edit(&mut value, &mut cursor, &ctrl('s')), Edit::NotMine);
        assert_eq!(
            edit(&mut value, &mut cursor, &plain(KeyCode::Char('\u{1b}'))),
            Edit::NotMine
        );
        assert_eq!(value, "a");
        assert!(is_alt_edit(&alt('b')) && is_alt_edit(&alt('f')));
        assert!(!is_alt_edit(&alt(':')) && !is_alt_edit(&ctrl('w')));
    }

    #[test]
    fn pasted_text_is_one_line_without_control_characters() {
        assert_eq!(one_line("https://example.org/a\n"), "https://example.org/a");
        assert_eq!(one_line("one\r\ntwo\rthree\nfour"), "one two three four");
        assert_eq!(one_line("a\tb\u{1b}[2Jc\u{7}"), "a b[2Jc");
        assert_eq!(split_lines("a\r\n\r\nb\rc\n"), ["a", "", "b", "c", ""]);
        let mut value = String::from("ab");
        let mut cursor = Cursor::at(1);
        insert(&mut value, &mut cursor, "XY");
        assert_eq!((value.as_str(), cursor), ("aXYb", Cursor::at(3)));
    }

    #[test]
    fn a_focused_field_scrolls_sideways_to_its_cursor() {
        let value = "abcdefghijklmnopqrstuvwxyz";
        // At the end: the last 9 characters and a column for the cursor.
        let end = shown(value, Some(Cursor::END), 10);
        assert_eq!(end.text, "rstuvwxyz");
        assert_eq!(end.cursor, Some(9));
        // At the start: the start, cut at the width.
        let start = shown(value, Some(Cursor::at(0)), 10);
        assert_eq!((start.text.as_str(), start.cursor), ("abcdefghij", Some(0)));
        // Unfocused: the start with an ellipsis.
        assert_eq!(shown(value, None, 10).text, "abcdefghi…");
        assert_eq!(shown("short", Some(Cursor::END), 10).text, "short");
    }

    #[test]
    fn wide_characters_count_two_columns_and_are_never_cut() {
        let value = "名前名前名前"; // 12 columns
        let end = shown(value, Some(Cursor::END), 6);
        assert_eq!((end.text.as_str(), end.cursor), ("名前", Some(4)));
        let middle = shown(value, Some(Cursor::at(1)), 6);
        assert_eq!((middle.text.as_str(), middle.cursor), ("名前名", Some(2)));
    }
}
