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
