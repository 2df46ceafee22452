//! After `y`: what was sent to the terminal's clipboard, honestly. OSC 52 arrives only when the
//! terminal allows it (many ask or refuse; tmux needs `set-clipboard on`), and nothing tells
//! the dashboard whether it did, so the id is shown whole to select by hand.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders};

use crate::tui::theme::Theme;
use crate::tui::widgets::clean;

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
    super::wrapped(
        lines,
        WIDTH,
        0,
        Block::default()
            .borders(Borders::ALL)
            .border_set(theme.glyphs.border)
            .title(" Copied "),
        area,
        buf,
    );
}
