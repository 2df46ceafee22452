//! After `y`: what was sent to the terminal's clipboard, honestly. OSC 52 arrives only when the
//! terminal allows it (many ask or refuse; tmux needs `set-clipboard on`), and nothing tells
//! the dashboard whether it did, so the id is shown whole to select by hand.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, wrapped_height};

const WIDTH: u16 = 64;

pub fn render(theme: &Theme, label: &str, text: &str, area: Rect, buf: &mut Buffer) {
    let lines = vec![
        Line::raw(format!(
            "The {} was sent to the terminal's clipboard with OSC 52. It arrives only if your terminal allows OSC 52 (tmux: set -g set-clipboard on).",
            clean(label)
        )),
        Line::raw(""),
        Line::raw("To copy it by hand, select it here:"),
        Line::styled(clean(text), theme.header()),
        Line::raw(""),
        Line::styled("any key closes", theme.accent()),
    ];
    let width = WIDTH.min(area.width);
    let rows: usize = lines
        .iter()
        .map(|line| wrapped_height(line, width.saturating_sub(2)))
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, width, height);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::default().borders(Borders::ALL).title(" Copied "))
        .render(popup, buf);
}
