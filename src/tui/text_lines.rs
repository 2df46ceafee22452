//! A multi-line text field (genesis sources, notes), edited as lines of single-line fields
//! (`text_field`): the value is its lines joined by `\n`, the [`Cursor`] one position in it.
//! Enter splits the line at the cursor, Backspace at a line's start and Delete at its end join
//! lines, Up/Down move between lines (past the first or the last line they are the form's, which
//! moves the focus); every other key edits the cursor's line exactly as in a single-line field.
//!
//! Not ratatui-textarea: it resolves with our ratatui, but its Backspace removes one codepoint
//! (a ZWJ emoji would take several), and it draws itself, where the sources field shows each
//! line's detected type and the form scrolls as a whole.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use tui_input::InputRequest;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use super::text_field::{self, Cursor, Edit};

/// The line holding a cursor: its index, where it starts (codepoints into the value), its
/// length and the cursor's column (codepoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    line: usize,
    start: usize,
    len: usize,
    column: usize,
}

/// Each line with the codepoint it starts at.
fn lines_from(value: &str) -> Vec<(usize, &str)> {
    let mut start = 0;
    value
        .split('\n')
        .map(|line| {
            let at = start;
            start += line.chars().count() + 1;
            (at, line)
        })
        .collect()
}

fn place(value: &str, cursor: Cursor) -> Place {
    let position = cursor.position(value);
    let lines = lines_from(value);
    let last = lines.len() - 1; // `split` yields at least one line
    for (index, (start, line)) in lines.iter().enumerate() {
        let len = line.chars().count();
        if position <= start + len || index == last {
            return Place {
                line: index,
                start: *start,
                len,
                column: position.saturating_sub(*start).min(len),
            };
        }
    }
    Place {
        line: 0,
        start: 0,
        len: 0,
        column: 0,
    }
}

/// The cursor at `position` codepoints (the end is `END`, where typing keeps it).
fn cursor_at(value: &str, position: usize) -> Cursor {
    if position >= value.chars().count() {
        Cursor::END
    } else {
        Cursor::at(position)
    }
}

fn byte_of(text: &str, codepoint: usize) -> usize {
    text.char_indices()
        .nth(codepoint)
        .map_or(text.len(), |(byte, _)| byte)
}

/// The line the cursor is on and the cursor within that line (for drawing).
pub fn line_cursor(value: &str, cursor: Cursor) -> (usize, Cursor) {
    let at = place(value, cursor);
    (at.line, Cursor::at(at.column))
}

/// The field's lines (an empty value is one empty line).
pub fn lines(value: &str) -> Vec<&str> {
    value.split('\n').collect()
}

/// Applies `key` to the field (`value`, `cursor`).
pub fn edit(value: &mut String, cursor: &mut Cursor, key: &KeyEvent) -> Edit {
    if key.kind == KeyEventKind::Release {
        return Edit::NotMine;
    }
    let at = place(value, *cursor);
    let count = value.split('\n').count();
    match key.code {
        KeyCode::Enter => return text_field::insert(value, cursor, "\n"),
        KeyCode::Up if at.line > 0 => return move_to_line(value, cursor, at, at.line - 1),
        KeyCode::Down if at.line + 1 < count => {
            return move_to_line(value, cursor, at, at.line + 1);
        }
        KeyCode::Up | KeyCode::Down => return Edit::NotMine,
        _ => {}
    }
    let Some(request) = text_field::request(key) else {
        return Edit::NotMine;
    };
    match request {
        // Joining with the line above / below: the line break goes.
        InputRequest::DeletePrevChar if at.column == 0 && at.line > 0 => {
            let byte = byte_of(value, at.start - 1);
            value.remove(byte);
            *cursor = cursor_at(value, at.start - 1);
            Edit::Changed
        }
        InputRequest::DeleteNextChar if at.column == at.len && at.line + 1 < count => {
            let byte = byte_of(value, at.start + at.len);
            value.remove(byte);
            *cursor = cursor_at(value, at.start + at.len);
            Edit::Changed
        }
        request => {
            let from = byte_of(value, at.start);
            let to = byte_of(value, at.start + at.len);
            let mut line = value[from..to].to_string();
            let mut line_cursor = Cursor::at(at.column);
            let edit = text_field::apply(&mut line, &mut line_cursor, request);
            let position = at.start + line_cursor.position(&line);
            value.replace_range(from..to, &line);
            *cursor = cursor_at(value, position);
            edit
        }
    }
}

/// Up/Down: the same column on line `target`, as near as its characters allow.
fn move_to_line(value: &str, cursor: &mut Cursor, at: Place, target: usize) -> Edit {
    let lines = lines_from(value);
    let Some((start, line)) = lines.get(target).copied() else {
        return Edit::Nothing;
    };
    let current = lines[at.line].1;
    let before: String = current.chars().take(at.column).collect();
    let wanted = before.width();
    let (mut used, mut column) = (0, 0);
    for grapheme in line.graphemes(true) {
        let width = grapheme.width();
        if used + width > wanted {
            break;
        }
        used += width;
        column += grapheme.chars().count();
    }
    *cursor = cursor_at(value, start + column);
    Edit::Moved
}

/// Pasted text goes in at the cursor with its line breaks (`\r\n` or `\r` as `\n`): a list of
/// source URLs becomes lines. Tabs become spaces, other control characters are dropped.
pub fn paste(value: &mut String, cursor: &mut Cursor, text: &str) -> Edit {
    let lines: Vec<String> = text_field::split_lines(text)
        .into_iter()
        .map(|line| text_field::clean(line).into_owned())
        .collect();
    text_field::insert(value, cursor, &lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyModifiers;

    use super::*;

    fn plain(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn run(value: &str, cursor: Cursor, keys: &[KeyEvent]) -> (String, usize, Vec<Edit>) {
        let mut value = value.to_string();
        let mut cursor = cursor;
        let edits = keys
            .iter()
            .map(|key| edit(&mut value, &mut cursor, key))
            .collect();
        let position = cursor.position(&value);
        (value, position, edits)
    }

    #[test]
    fn enter_splits_the_line_and_backspace_joins_it_again() {
        let (value, at, _) = run(
            "onetwo",
            Cursor::at(3),
            &[plain(KeyCode::Enter), plain(KeyCode::Char('x'))],
        );
        assert_eq!((value.as_str(), at), ("one\nxtwo", 5));
        let (value, at, _) = run("one\ntwo", Cursor::at(4), &[plain(KeyCode::Backspace)]);
        assert_eq!((value.as_str(), at), ("onetwo", 3));
        let (value, at, _) = run("one\ntwo", Cursor::at(3), &[plain(KeyCode::Delete)]);
        assert_eq!((value.as_str(), at), ("onetwo", 3));
    }

    #[test]
    fn line_keys_stay_on_their_line() {
        // Home, Ctrl-U, Ctrl-K and Ctrl-W edit the cursor's line only.
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let (value, at, _) = run("first\nsecond", Cursor::END, &[plain(KeyCode::Home)]);
        assert_eq!((value.as_str(), at), ("first\nsecond", 6));
        assert_eq!(run("first\nsecond", Cursor::END, &[ctrl('u')]).0, "first\n");
        assert_eq!(
            run("first\nsecond", Cursor::at(2), &[ctrl('k')]).0,
            "fi\nsecond"
        );
        assert_eq!(run("first\nsecond", Cursor::END, &[ctrl('w')]).0, "first\n");
        assert_eq!(
            run("a\nb 名\u{301}", Cursor::END, &[plain(KeyCode::Backspace)]).0,
            "a\nb "
        );
    }

    #[test]
    fn up_and_down_keep_the_column_and_leave_the_field_past_its_ends() {
        let value = "https://example.org/long\nab\n名前 grace";
        // From column 5 of the first line: line two has 2 characters, line three's wide
        // characters take two columns each.
        let (_, at, edits) = run(value, Cursor::at(5), &[plain(KeyCode::Down)]);
        assert_eq!((at, edits[0]), (25 + 2, Edit::Moved));
        let (_, at, _) = run(
            value,
            Cursor::at(5),
            &[
                plain(KeyCode::Down),
                plain(KeyCode::End),
                plain(KeyCode::Down),
            ],
        );
        assert_eq!(at, 28 + 1, "column 2 is after 名");
        assert_eq!(
            run(value, Cursor::at(3), &[plain(KeyCode::Up)]).2,
            [Edit::NotMine]
        );
        assert_eq!(
            run(value, Cursor::END, &[plain(KeyCode::Down)]).2,
            [Edit::NotMine]
        );
        assert_eq!(line_cursor(value, Cursor::END), (2, Cursor::at(8)));
    }

    #[test]
    fn a_pasted_list_becomes_lines() {
        let mut value = String::from("https://a.example");
        let mut cursor = Cursor::END;
        paste(
            &mut value,
            &mut cursor,
            "\r\nhttps://b.example\r\nyoutu.be/x\tnotes\u{1b}\n",
        );
        assert_eq!(
            value,
            "https://a.example\nhttps://b.example\nyoutu.be/x notes\n"
        );
        assert_eq!(cursor, Cursor::END);
        assert_eq!(lines(&value).len(), 4);
    }
}
