//! The symbols the dashboard draws with, in one place: Unicode (box drawing, arrows, bullets)
//! or plain ASCII for terminals and locales that cannot show them (`--ascii`, or a locale that
//! is not UTF-8). Every marker a screen draws comes from here, so ASCII mode misses none.

use ratatui::symbols::border;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyphs {
    pub ascii: bool,
    /// Between parts of the status line and of titles.
    pub separator: &'static str,
    /// Between the places of the breadcrumb title ("Dashboard › Run 3f2a…").
    pub breadcrumb: &'static str,
    /// The sorted column's header mark.
    pub sort_ascending: &'static str,
    pub sort_descending: &'static str,
    /// Good / connected.
    pub ok: &'static str,
    /// Waiting / connecting.
    pub pending: &'static str,
    /// Failed / unreachable.
    pub failed: &'static str,
    pub warning: &'static str,
    /// Text cut short.
    pub ellipsis: &'static str,
    /// The selected row's marker.
    pub pointer: &'static str,
    /// Widget and popup borders (plain and, for the focused widget, thick).
    pub border: border::Set<'static>,
    pub border_focused: border::Set<'static>,
}

pub const UNICODE: Glyphs = Glyphs {
    ascii: false,
    separator: "│",
    breadcrumb: "›",
    sort_ascending: "▲",
    sort_descending: "▼",
    ok: "●",
    pending: "○",
    failed: "✖",
    warning: "⚠",
    ellipsis: "…",
    pointer: "▶",
    border: border::PLAIN,
    border_focused: border::THICK,
};

/// Borders drawn with `+`, `-` and `|` (the focused one with `#` and `=`), readable anywhere.
const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

const ASCII_BORDER_FOCUSED: border::Set<'static> = border::Set {
    top_left: "#",
    top_right: "#",
    bottom_left: "#",
    bottom_right: "#",
    vertical_left: "#",
    vertical_right: "#",
    horizontal_top: "=",
    horizontal_bottom: "=",
};

pub const ASCII: Glyphs = Glyphs {
    ascii: true,
    separator: "|",
    breadcrumb: ">",
    sort_ascending: "^",
    sort_descending: "v",
    ok: "*",
    pending: "o",
    failed: "x",
    warning: "!",
    ellipsis: "...",
    pointer: ">",
    border: ASCII_BORDER,
    border_focused: ASCII_BORDER_FOCUSED,
};

impl Default for Glyphs {
    fn default() -> Self {
        UNICODE
    }
}

impl Glyphs {
    pub fn for_mode(ascii: bool) -> Glyphs {
        if ascii { ASCII } else { UNICODE }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_glyphs_are_all_ascii() {
        let g = ASCII;
        let border = [
            g.border.top_left,
            g.border.horizontal_top,
            g.border.vertical_left,
            g.border_focused.top_left,
            g.border_focused.horizontal_bottom,
        ];
        for text in [
            g.separator,
            g.breadcrumb,
            g.sort_ascending,
            g.sort_descending,
            g.ok,
            g.pending,
            g.failed,
            g.warning,
            g.ellipsis,
            g.pointer,
        ]
        .iter()
        .chain(border.iter())
        {
            assert!(text.is_ascii(), "{text:?} is not ASCII");
        }
        assert!(!UNICODE.separator.is_ascii());
    }
}
