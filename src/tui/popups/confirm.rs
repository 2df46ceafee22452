//! A yes/no question before anything that writes (acknowledge, resolve, reset layout, approve,
//! a second genesis start, a publish of a draft that is not approved). The box grows to show a
//! long question whole; names in it come from the database, so it is sanitized.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders};

use crate::tui::app::ConfirmState;
use crate::tui::theme::Theme;
use crate::tui::widgets::clean;

const WIDTH: u16 = 64;

pub fn render(theme: &Theme, state: &ConfirmState, area: Rect, buf: &mut Buffer) {
    let lines = vec![
        Line::raw(clean(&state.question)),
        Line::raw(""),
        Line::styled("y / Enter: yes    n / Esc: no", theme.accent()),
    ];
    super::wrapped(
        lines,
        WIDTH,
        6,
        Block::default()
            .borders(Borders::ALL)
            .border_set(theme.glyphs.border)
            .border_style(theme.warning())
            .title(" Confirm "),
        area,
        buf,
    );
}
