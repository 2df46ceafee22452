//! Overlays drawn above any screen: help, the command palette, confirmations, the choice
//! between genesis jobs of one name.

pub mod confirm;
pub mod copied;
pub mod help;
pub mod messages;
pub mod outbox_record;
pub mod palette;
pub mod pick_job;
pub mod silence;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use crate::tui::widgets::wrapped_height;

/// A popup of `lines` wrapped in `width` columns (the terminal's at most) inside `block`,
/// as tall as the wrapped text (at least `min_height`), centered in `area` over what is
/// below it.
pub fn wrapped(
    lines: Vec<Line<'_>>,
    width: u16,
    min_height: u16,
    block: Block<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = width.min(area.width);
    let rows: usize = lines
        .iter()
        .map(|line| wrapped_height(line, width.saturating_sub(2)))
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX).max(min_height);
    let popup = centered(area, width, height);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(popup, buf);
}

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
