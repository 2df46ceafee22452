//! Display-width text helpers shared by `status` and the TUI: terminal columns, not characters
//! (a CJK character or an emoji takes two columns, a combining mark none).

use unicode_truncate::UnicodeTruncateStr;
use unicode_width::UnicodeWidthStr;

/// Columns `text` takes in a terminal.
pub fn columns(text: &str) -> usize {
    text.width()
}

/// Cuts `text` to at most `width` columns, ending with an ellipsis when something was cut.
/// Whole graphemes only: an emoji sequence or a letter with its accents is never cut in half.
pub fn fit(text: &str, width: usize) -> String {
    if columns(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    // The ellipsis takes one column.
    let (cut, _) = text.unicode_truncate(width - 1);
    format!("{cut}…")
}

/// Cuts `text` to at most `width` columns at a word boundary, ending with an ellipsis when
/// something was cut: a number is never cut into another number (`25.0` into `2`). A first
/// word wider than `width` is cut as [`fit`] does.
pub fn fit_words(text: &str, width: usize) -> String {
    if columns(text) <= width {
        return text.to_string();
    }
    let (cut, _) = text.unicode_truncate(width.saturating_sub(1));
    // The cut ends inside a word unless the next character is a space.
    let whole = text[cut.len()..].starts_with(char::is_whitespace);
    let kept = if whole {
        cut.trim_end()
    } else {
        match cut.rfind(char::is_whitespace) {
            Some(space) => cut[..space].trim_end(),
            None => return fit(text, width),
        }
    };
    format!("{kept}…")
}

/// `text` in lines of at most `width` columns, broken at spaces (a word wider than `width`
/// is cut into pieces, whole graphemes only). Runs of spaces between words become one; an
/// empty text is no line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word;
        // A word too wide for any line: its pieces each fill one.
        while columns(word) > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let (piece, _) = word.unicode_truncate(width);
            if piece.is_empty() {
                break; // a grapheme wider than the width: kept whole below
            }
            lines.push(piece.to_string());
            word = &word[piece.len()..];
        }
        if word.is_empty() {
            continue;
        }
        let needed = if line.is_empty() {
            columns(word)
        } else {
            columns(&line) + 1 + columns(word)
        };
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` fitted to `width` columns and padded with spaces to exactly `width` (a table cell;
/// `format!("{:<w$}")` pads by characters, which misaligns wide ones).
pub fn pad(text: &str, width: usize) -> String {
    let mut cell = fit(text, width);
    let used = columns(&cell);
    cell.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    cell
}

/// "45s", "12m", "3h", "2d": coarse on purpose, so an age on screen rarely changes between
/// frames and fits a narrow column (the dashboard's ages, `token list`).
pub fn short_duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::{columns, fit, fit_words, pad, wrap};

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_only_words_wider_than_a_line() {
        assert_eq!(
            wrap("telegram works  best: 0.2000 over 20", 14),
            ["telegram works", "best: 0.2000", "over 20"]
        );
        assert_eq!(wrap("abcdefghij xy", 4), ["abcd", "efgh", "ij", "xy"]);
        assert_eq!(wrap("名前名前 a", 4), ["名前", "名前", "a"]);
        assert!(wrap("   ", 10).is_empty());
        for line in wrap("one two three four five six seven", 9) {
            assert!(columns(&line) <= 9, "{line}");
        }
    }

    #[test]
    fn fit_words_never_cuts_a_number() {
        assert_eq!(
            fit_words("critical_pct=25.0 warning_pct=10.0", 20),
            "critical_pct=25.0…"
        );
        assert_eq!(fit_words("3 of 20 runs failed", 8), "3 of 20…");
        assert_eq!(fit_words("short", 8), "short");
        assert_eq!(fit_words("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn fits_by_columns_not_characters() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("exactly10!", 10), "exactly10!");
        assert_eq!(fit("eleven chars", 10), "eleven ch…");
        // Wide characters take two columns each: 4 of them are 8 columns.
        assert_eq!(fit("東京大阪名古屋", 9), "東京大阪…");
        assert_eq!(columns(&fit("東京大阪名古屋", 8)), 7);
        assert_eq!(fit("🌱🌱🌱", 5), "🌱🌱…");
        assert_eq!(fit("anything", 1), "…");
        // A ZWJ family is one grapheme of two columns: kept whole or dropped whole, never
        // cut after its first person with a dangling joiner.
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(fit(&format!("{family}xy"), 3), format!("{family}…"));
        assert_eq!(fit(&format!("a{family}xy"), 3), "a…");
        // A letter and its combining accent stay together.
        assert_eq!(fit("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
        assert_eq!(fit("anything", 0), "");
    }

    #[test]
    fn pads_to_exact_columns() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("東京", 6), "東京  ");
        assert_eq!(columns(&pad("東京大阪名古屋", 9)), 9);
        assert_eq!(pad("too long here", 5), "too …");
    }
}
