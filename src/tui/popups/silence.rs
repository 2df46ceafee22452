//! Resolve asked of a flag whose condition still holds: resolving would only bring it back as
//! a new flag at the next evaluation, so this offers to silence it for a chosen time instead
//! (it stays open with its acknowledgement; not an alert meanwhile).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders};

use crate::tui::app::{SILENCE_CHOICES, SilenceState};
use crate::tui::theme::Theme;
use crate::tui::widgets::clean;

const WIDTH: u16 = 64;

pub fn render(theme: &Theme, state: &SilenceState, area: Rect, buf: &mut Buffer) {
    let choices: Vec<String> = SILENCE_CHOICES
        .iter()
        .map(|(key, _, label)| format!("{key}: {label}"))
        .collect();
    let lines = vec![
        Line::raw(format!(
            "\"{}\": its condition still holds, so resolving it would open it again at the next evaluation.",
            clean(&state.what)
        )),
        Line::raw(""),
        Line::raw(
            "Silence it instead? It stays open (an acknowledgement is kept) but is no alert until then.",
        ),
        Line::raw(""),
        Line::styled(
            format!("{}    Esc: cancel", choices.join("  ")),
            theme.accent(),
        ),
    ];
    super::wrapped(
        lines,
        WIDTH,
        0,
        Block::default()
            .borders(Borders::ALL)
            .border_set(theme.glyphs.border)
            .border_style(theme.warning())
            .title(" Condition still holds: silence? "),
        area,
        buf,
    );
}
