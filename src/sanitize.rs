//! Makes text from the database or the network safe to print on an operator's terminal.
//!
//! A persona name, an error message or a URL may contain control characters or escape
//! sequences (by accident or on purpose). Printed raw, they can move the cursor, change colors,
//! retitle the window or set the clipboard. Every such character is shown as a visible escape
//! (`\x1b`, `\u{202e}`) instead, so the operator sees what is there and the terminal is untouched.

use std::borrow::Cow;
use std::fmt::Write;

/// Replaces C0/C1 control characters, DEL, bidirectional overrides and invisible characters
/// (zero-width spaces, word joiners, byte-order marks, line/paragraph separators) with visible
/// escapes; a tab becomes a space. Returns the input unchanged (borrowed) when nothing needs
/// escaping.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    // The common case (plain text, every cell of every frame) allocates nothing.
    if !text.chars().any(|c| needs_escape(c) || is_joiner(c)) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let escaped = |i: usize| needs_escape_at(&chars, i);
    if !(0..chars.len()).any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if c == '\t' {
            out.push(' ');
        } else if escaped(i) {
            let code = c as u32;
            if code <= 0xff {
                let _ = write!(out, "\\x{code:02x}");
            } else {
                let _ = write!(out, "\\u{{{code:04x}}}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// As [`sanitize`], for text shown over several lines (MPIS's Markdown prompts, previews,
/// error details): a line break (`\n`, `\r\n`) stays a `\n` for the caller to split on, and a
/// tab becomes four spaces (Markdown's indent); every other control character, a lone `\r`
/// included, is still a visible escape.
pub fn sanitize_multiline(text: &str) -> Cow<'_, str> {
    if !text.contains(['\r', '\t']) {
        // Each line alone: a line break never needs escaping here.
        if text
            .split('\n')
            .all(|line| matches!(sanitize(line), Cow::Borrowed(_)))
        {
            return Cow::Borrowed(text);
        }
    }
    let normalized = text.replace("\r\n", "\n").replace('\t', "    ");
    let lines: Vec<Cow<'_, str>> = normalized.split('\n').map(sanitize).collect();
    Cow::Owned(lines.join("\n"))
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible(c)
}

/// Whether the character at `i` is shown escaped. Zero-width (non-)joiners are kept between
/// two non-ASCII characters, where they join emoji (👨‍👩‍👧) or shape Persian and Indic
/// script; anywhere else they only hide something.
fn needs_escape_at(chars: &[char], i: usize) -> bool {
    let c = chars[i];
    if is_joiner(c) {
        let joins = |n: Option<&char>| n.is_some_and(|n| !n.is_ascii() && !n.is_whitespace());
        return !(i > 0 && joins(chars.get(i - 1)) && joins(chars.get(i + 1)));
    }
    needs_escape(c)
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200c}' | '\u{200d}')
}

/// Characters that take no room or break lines where the terminal does not expect it.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{180e}' | '\u{2028}' | '\u{2029}'
    )
}

/// Characters that reorder how text is displayed (the "Trojan Source" family).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            sanitize("Alex – Tech 👍"),
            Cow::Borrowed("Alex – Tech 👍")
        ));
    }

    #[test]
    fn escape_sequences_become_visible_and_no_escape_byte_remains() {
        let hostile = "Evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";
        let shown = sanitize(hostile);
        assert_eq!(shown, "Evil\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m");
        assert!(!shown.chars().any(|c| c.is_control()));
    }

    #[test]
    fn multiline_keeps_line_breaks_and_escapes_the_rest() {
        assert!(matches!(
            sanitize_multiline("# Review\n- one"),
            Cow::Borrowed("# Review\n- one")
        ));
        assert_eq!(
            sanitize_multiline("a\r\nb\rc\td\u{1b}[2J\u{7f}\u{202e}"),
            "a\nb\\x0dc    d\\x1b[2J\\x7f\\u{202e}"
        );
        let shown = sanitize_multiline("x\n\u{9b}31m\u{1b}]52;c;AAAA\u{7}");
        assert!(!shown.chars().any(|c| c != '\n' && c.is_control()));
    }

    #[test]
    fn invisible_characters_are_shown_and_joiners_kept_only_where_they_join() {
        assert_eq!(
            sanitize("pay\u{200b}pal\u{feff}\u{2060}x\u{2028}y\u{2029}"),
            "pay\\u{200b}pal\\u{feff}\\u{2060}x\\u{2028}y\\u{2029}"
        );
        // A family emoji and Persian keep their joiners; between ASCII letters one is hiding.
        let family = "👨\u{200d}👩\u{200d}👧";
        assert!(matches!(sanitize(family), Cow::Borrowed(_)));
        assert!(matches!(sanitize("می\u{200c}خواهم"), Cow::Borrowed(_)));
        assert_eq!(sanitize("ad\u{200d}min"), "ad\\u{200d}min");
        assert_eq!(sanitize("\u{200c}👍"), "\\u{200c}👍");
        assert_eq!(sanitize_multiline("a\u{200b}\nb"), "a\\u{200b}\nb");
    }

    #[test]
    fn newlines_del_tabs_and_bidi_overrides() {
        assert_eq!(sanitize("a\nb\rc\u{7f}"), "a\\x0ab\\x0dc\\x7f");
        assert_eq!(sanitize("a\tb"), "a b");
        assert_eq!(sanitize("abc\u{202e}fed"), "abc\\u{202e}fed");
    }
}
