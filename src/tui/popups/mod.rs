//! Overlays drawn above any screen: help, the command palette, confirmations.

pub mod confirm;
pub mod help;
pub mod palette;

use ratatui::layout::Rect;

/// A rectangle of `width` x `height` centered in `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// Rows `text` takes when word-wrapped to `width` cells (greedy, as `Paragraph` wraps; a word
/// longer than the width is broken). Used to size boxes so wrapped text is never cut off.
pub fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let mut rows = 1;
    let mut used = 0;
    for word in text.split_inclusive(' ') {
        let len = word.chars().count();
        let visible = word.trim_end().chars().count();
        if used > 0 && used + visible > width {
            rows += 1;
            used = 0;
        }
        if len > width {
            rows += (used + len - 1) / width;
            used = (used + len) % width;
        } else {
            used += len;
        }
    }
    rows
}
