//! ASCII mode's last pass over the frame: every cell whose symbol is not ASCII gets the
//! nearest ASCII (box drawing -> `+ - |`, braille and blocks -> `*`/`#`, arrows, dashes,
//! quotes; letters transliterated: "é" -> "e"; anything else "?"). The screens draw their own
//! symbols from `theme.glyphs`; this catches what comes from data (names, error texts in other
//! scripts) so a terminal that cannot show UTF-8 is never sent any.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The ASCII for one non-ASCII symbol, one column wide.
pub fn fold_symbol(symbol: &str) -> String {
    if symbol.is_ascii() {
        return symbol.to_string();
    }
    let Some(first) = symbol.chars().next() else {
        return String::new();
    };
    if let Some(ascii) = fold_char(first) {
        return ascii.to_string();
    }
    // Letters: the transliteration's first character ("ß" -> "s", "名" -> "M").
    deunicode::deunicode_char(first)
        .and_then(|t| t.chars().find(|c| c.is_ascii_graphic()))
        .map_or_else(|| "?".to_string(), |c| c.to_string())
}

fn fold_char(c: char) -> Option<char> {
    Some(match c {
        // Box drawing: horizontal, vertical, heavy and double lines, then any corner or joint.
        '─' | '╌' | '┄' | '┈' | '╴' | '╶' => '-',
        '━' | '═' | '╍' | '┅' => '=',
        '│' | '╎' | '┆' | '┊' | '╵' | '╷' => '|',
        '┃' | '║' | '╏' | '┇' => '#',
        '\u{2500}'..='\u{257F}' => '+',
        // Braille: the blank pattern is a space, any dot a point of a line.
        '\u{2800}' => ' ',
        '\u{2801}'..='\u{28FF}' => '*',
        // Blocks and shades (bars, sparklines): a filled cell; the lower eighths read as `_`.
        '▁' => '_',
        '\u{2580}'..='\u{259F}' => '#',
        '•' | '●' | '◆' | '■' => '*',
        '○' | '◯' | '◇' | '□' => 'o',
        '✓' | '✔' => '+',
        '✖' | '✗' | '✘' | '×' => 'x',
        '⚠' | '‼' => '!',
        // A cut text's one-column ellipsis (`text::fit`): "~" keeps the width and reads as cut.
        '…' => '~',
        // The middle dot between words ("CRITICAL · 3 open"): a dash reads better than a dot.
        '·' | '∙' => '-',
        '—' | '–' | '‐' | '−' => '-',
        '‘' | '’' | '′' => '\'',
        '“' | '”' | '″' | '«' | '»' => '"',
        '↑' | '▲' | '△' | '▴' => '^',
        '↓' | '▼' | '▽' | '▾' => 'v',
        '→' | '▶' | '►' | '›' | '⟶' | '▸' => '>',
        '←' | '◀' | '◄' | '‹' | '◂' => '<',
        '↵' | '⏎' => '/',
        '≥' => '>',
        '≤' => '<',
        '≈' | '~' => '~',
        '\u{00A0}' | '\u{2000}'..='\u{200B}' => ' ',
        _ => return None,
    })
}

/// Folds every cell of `buf` to ASCII; returns how many cells it changed.
pub fn fold_buffer(buf: &mut Buffer) -> usize {
    let area = buf.area;
    fold_area(buf, area)
}

/// Folds the cells of `area` (within `buf`) to ASCII; returns how many it changed.
pub fn fold_area(buf: &mut Buffer, area: Rect) -> usize {
    let area = area.intersection(buf.area);
    let mut changed = 0;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buf[(x, y)];
            if !cell.symbol().is_ascii() {
                let ascii = fold_symbol(cell.symbol());
                cell.set_symbol(&ascii);
                changed += 1;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_fold_to_their_nearest_ascii() {
        for (from, to) in [
            ("─", "-"),
            ("│", "|"),
            ("┌", "+"),
            ("┏", "+"),
            ("━", "="),
            ("⣿", "*"),
            ("\u{2800}", " "),
            ("█", "#"),
            ("…", "~"),
            ("·", "-"),
            ("—", "-"),
            ("↑", "^"),
            ("▼", "v"),
            ("›", ">"),
            ("é", "e"),
            ("ß", "s"),
            ("x", "x"),
        ] {
            assert_eq!(fold_symbol(from), to, "{from:?}");
        }
        assert!(fold_symbol("名").is_ascii());
        assert!(fold_symbol("🬌").is_ascii());
    }

    #[test]
    fn a_buffer_is_ascii_after_the_fold() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 1));
        buf.set_string(0, 0, "Café │ 名前…", ratatui::style::Style::default());
        let changed = fold_buffer(&mut buf);
        assert!(changed >= 5, "{changed}");
        let text: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert!(text.is_ascii(), "{text}");
        assert!(text.starts_with("Cafe | "), "{text}");
        assert_eq!(fold_buffer(&mut buf), 0, "nothing left to fold");
    }
}
