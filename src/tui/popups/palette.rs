//! `:`: the command palette, with completions as you type (Tab takes the first).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::tui::app::{App, PALETTE_COMMANDS, PaletteState, palette_completions};
use crate::tui::widgets::{clean, wrapped_height};

pub fn render(app: &App, state: &PaletteState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let completions = palette_completions(&state.input, &app.palette_names());
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.accent()),
        Span::raw(clean(&state.input)),
        Span::styled("▏", theme.accent()),
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
    let width = area.width.saturating_sub(4).min(80);
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
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" command (Tab completes, Enter runs, Esc closes) "),
        )
        .render(popup, buf);
}
