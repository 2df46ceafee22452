//! Makes text from the database or the network safe to print on an operator's terminal.
//!
//! A persona name, an error message or a URL may contain control characters or escape
//! sequences (by accident or on purpose). Printed raw, they can move the cursor, change colors,
//! retitle the window or set the clipboard. Every such character is shown as a visible escape
//! (`\x1b`, `\u{202e}`) instead, so the operator sees what is there and the terminal is untouched.

use std::borrow::Cow;
use std::fmt::Write;

/// Replaces C0/C1 control characters, DEL and bidirectional overrides with visible escapes;
/// a tab becomes a space. Returns the input unchanged (borrowed) when nothing needs escaping.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\t' {
            out.push(' ');
        } else if needs_escape(c) {
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
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\t' => out.push_str("    "),
            c => out.push_str(&sanitize(c.encode_utf8(&mut [0; 4]))),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
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
    fn newlines_del_tabs_and_bidi_overrides() {
        assert_eq!(sanitize("a\nb\rc\u{7f}"), "a\\x0ab\\x0dc\\x7f");
        assert_eq!(sanitize("a\tb"), "a b");
        assert_eq!(sanitize("abc\u{202e}fed"), "abc\\u{202e}fed");
    }
}
