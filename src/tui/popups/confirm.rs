//! A yes/no question before anything that writes (acknowledge, resolve, reset layout, approve,
//! a second genesis start, a publish of a draft that is not approved). The box grows to show a
//! long question whole; names in it come from the database, so it is sanitized.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::tui::app::ConfirmState;
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, wrapped_height};

const WIDTH: u16 = 64;

pub fn render(theme: &Theme, state: &ConfirmState, area: Rect, buf: &mut Buffer) {
    let lines = vec![
        Line::raw(clean(&state.question)),
        Line::raw(""),
        Line::styled("y / Enter: yes    n / Esc: no", theme.accent()),
    ];
    let width = WIDTH.min(area.width);
    let rows: usize = lines
        .iter()
        .map(|line| wrapped_height(line, width.saturating_sub(2)))
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX).max(6);
    let popup = super::centered(area, width, height);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.warning())
                .title(" Confirm "),
        )
        .render(popup, buf);
}
