//! The symbols the dashboard draws with, in one place: Unicode (box drawing, arrows, bullets)
//! or plain ASCII for terminals and locales that cannot show them (`--ascii`, or a locale that
//! is not UTF-8). Every marker a screen draws comes from here, so ASCII mode misses none.

use ratatui::symbols::{bar, border, marker::Marker};

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
    /// A run's (or record's) status told without color: success, failed, partial, running,
    /// pending, anything else.
    pub run_success: &'static str,
    pub run_failed: &'static str,
    pub run_partial: &'static str,
    pub run_running: &'static str,
    pub run_pending: &'static str,
    pub run_other: &'static str,
    /// The selected row of a list.
    pub selected: &'static str,
    /// A small dot (a sparkline's day without data).
    pub dot: &'static str,
    /// "more above / below" in list borders.
    pub arrow_up: &'static str,
    pub arrow_down: &'static str,
    /// Width by height ("6×2").
    pub times: &'static str,
    /// Between the ends of a range ("1–4 of 8", "May 07 – May 20").
    pub range: &'static str,
    /// A horizontal rule, and the thick one of chart legends.
    pub rule: &'static str,
    pub rule_thick: &'static str,
    /// Horizontal bars: a full cell and the partial last cell in eighths (index 0..8).
    pub bar_full: &'static str,
    /// A gauge's empty part.
    pub bar_empty: &'static str,
    pub bar_eighths: [&'static str; 8],
    /// The sparkline's levels.
    pub sparkline: &'static bar::Set<'static>,
    /// Chart lines, and a lone point.
    pub chart_line: Marker,
    pub chart_point: Marker,
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
    run_success: "✓",
    run_failed: "✗",
    run_partial: "◐",
    run_running: "▶",
    run_pending: "○",
    run_other: "·",
    selected: "▸",
    dot: "·",
    arrow_up: "↑",
    arrow_down: "↓",
    range: "–",
    times: "×",
    rule: "─",
    rule_thick: "━",
    bar_full: "█",
    bar_empty: "░",
    bar_eighths: ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"],
    sparkline: &bar::NINE_LEVELS,
    chart_line: Marker::Braille,
    chart_point: Marker::Dot,
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
    run_success: "+",
    run_failed: "x",
    run_partial: "/",
    run_running: ">",
    run_pending: "o",
    run_other: "-",
    selected: ">",
    dot: ".",
    arrow_up: "^",
    arrow_down: "v",
    range: "-",
    times: "x",
    rule: "-",
    rule_thick: "=",
    bar_full: "#",
    bar_empty: ".",
    // A partial last cell: nothing below an eighth... "." up to three, "+" from half on.
    bar_eighths: ["", ".", ".", ".", "+", "+", "+", "+"],
    sparkline: &ASCII_SPARKLINE,
    chart_line: Marker::Custom('*'),
    chart_point: Marker::Custom('o'),
};

/// Sparkline levels in ASCII: low to high `_ . - = #`.
const ASCII_SPARKLINE: bar::Set<'static> = bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: ".",
    one_eighth: "_",
    empty: " ",
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

    /// The symbol of a status word, so it reads without color: ✓ ✗ ◐ ▶ ○ (· for others).
    pub fn status(&self, status: &str) -> &'static str {
        match status {
            "success" | "forwarded" | "ok" => self.run_success,
            "failed" | "critical" => self.run_failed,
            "partial" | "warning" => self.run_partial,
            "running" => self.run_running,
            "pending" | "queued" => self.run_pending,
            _ => self.run_other,
        }
    }
}

/// Whether the locale's character set is UTF-8, from `LC_ALL`, `LC_CTYPE` and `LANG` as the C
/// library reads them: the first one set (and not empty) decides. "C" and "POSIX" (and any
/// codeset but UTF-8, e.g. `en_US.ISO-8859-1`) are not UTF-8: box drawing would print as
/// garbage there. Nothing set at all is taken as UTF-8 instead of POSIX's "C": that is a
/// container or a bare `ssh host cmd` without locale forwarding, whose terminal is almost
/// always UTF-8, and `--ascii` / `ascii = true` is there when it is not.
pub fn locale_is_utf8(lc_all: Option<&str>, lc_ctype: Option<&str>, lang: Option<&str>) -> bool {
    let Some(locale) = [lc_all, lc_ctype, lang]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|value| !value.is_empty())
    else {
        return true;
    };
    let codeset = locale
        .split_once('.')
        .map_or("", |(_, rest)| rest.split('@').next().unwrap_or(""));
    let codeset = codeset.to_ascii_lowercase().replace('-', "");
    codeset == "utf8"
}

/// ASCII mode: `--ascii` or `ascii = true` (either wins), `ascii = false` forces Unicode,
/// otherwise the locale decides.
pub fn ascii_mode(flag: bool, config: Option<bool>, locale_utf8: bool) -> bool {
    flag || config.unwrap_or(!locale_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_locale_variable_set_decides() {
        assert!(locale_is_utf8(None, None, Some("en_US.UTF-8")));
        assert!(locale_is_utf8(None, None, Some("C.utf8")));
        assert!(locale_is_utf8(Some("de_DE.UTF-8@euro"), None, Some("C")));
        assert!(!locale_is_utf8(Some("C"), None, Some("en_US.UTF-8")));
        assert!(!locale_is_utf8(None, Some("POSIX"), Some("en_US.UTF-8")));
        assert!(!locale_is_utf8(None, None, Some("en_US.ISO-8859-1")));
        assert!(!locale_is_utf8(Some(""), None, Some("C")), "empty is unset");
        assert!(locale_is_utf8(None, None, None), "nothing set: UTF-8");
    }

    #[test]
    fn the_flag_and_config_win_over_the_locale() {
        assert!(ascii_mode(true, Some(false), true));
        assert!(ascii_mode(false, Some(true), true));
        assert!(!ascii_mode(false, Some(false), false));
        assert!(ascii_mode(false, None, false));
        assert!(!ascii_mode(false, None, true));
    }

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
        let levels = [
            g.sparkline.full,
            g.sparkline.three_quarters,
            g.sparkline.half,
            g.sparkline.one_eighth,
        ];
        for text in [
            g.run_success,
            g.run_failed,
            g.run_partial,
            g.run_running,
            g.run_pending,
            g.run_other,
            g.selected,
            g.dot,
            g.arrow_up,
            g.arrow_down,
            g.range,
            g.times,
            g.rule,
            g.rule_thick,
            g.bar_full,
            g.bar_empty,
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
        .chain(levels.iter())
        .chain(g.bar_eighths.iter())
        {
            assert!(text.is_ascii(), "{text:?} is not ASCII");
        }
        assert!(!UNICODE.separator.is_ascii());
        for marker in [g.chart_line, g.chart_point] {
            assert!(
                matches!(marker, Marker::Custom(c) if c.is_ascii()),
                "{marker:?}"
            );
        }
    }
}
