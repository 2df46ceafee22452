//! `:`: the command palette, with completions as you type (Tab takes the first).

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::tui::app::{App, PALETTE_COMMANDS, PaletteState, palette_completions};
use crate::tui::text_field;
use crate::tui::widgets::{clean, wrapped_height};

/// Draws the palette; returns where the terminal's cursor goes (in its input line).
pub fn render(app: &App, state: &PaletteState, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &app.options.theme;
    let completions = palette_completions(&state.input, &app.palette_names());
    let width = area.width.saturating_sub(4).min(80);
    // The input after the ":" inside the borders, scrolled sideways to the cursor.
    let shown = text_field::shown(&state.input, Some(state.cursor), width.saturating_sub(3));
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.accent()),
        Span::raw(shown.text),
    ])];
    if let Some(error) = &state.error {
        lines.push(Line::styled(clean(error), theme.critical()));
    }
    for completion in completions.iter().take(8) {
        let about = PALETTE_COMMANDS
            .iter()
            .find(|(c, _)| *c == completion.as_str())
            .map(|(_, about)| *about)
            .unwrap_or("");
        lines.push(Line::from(vec![
            Span::raw(format!("  {:<28}", clean(completion))),
            Span::styled(about, theme.muted()),
        ]));
    }
    // Long errors wrap; the box grows to show them whole.
    let rows: usize = lines
        .iter()
        .map(|l| wrapped_height(l, width.saturating_sub(2)))
        .sum();
    let height = rows as u16 + 2;
    let popup = Rect::new(
        area.x + 2,
        area.y + 1,
        width,
        height.min(area.height.saturating_sub(1)),
    );
    Clear.render(popup, buf);
    let cursor = shown
        .cursor
        .map(|column| Position {
            x: popup.x + 2 + column,
            y: popup.y + 1,
        })
        .filter(|_| popup.height > 2);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" command (Tab completes, Enter runs, Esc closes) "),
        )
        .render(popup, buf);
    cursor
}
