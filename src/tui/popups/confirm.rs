//! A yes/no question before anything that writes (acknowledge, resolve, reset layout).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::tui::app::ConfirmState;
use crate::tui::theme::Theme;

pub fn render(theme: &Theme, state: &ConfirmState, area: Rect, buf: &mut Buffer) {
    let popup = super::centered(area, 64, 6);
    Clear.render(popup, buf);
    let lines = vec![
        Line::raw(state.question.clone()),
        Line::raw(""),
        Line::styled("y / Enter: yes    n / Esc: no", theme.accent()),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.warning())
                .title(" Confirm "),
        )
        .render(popup, buf);
}
