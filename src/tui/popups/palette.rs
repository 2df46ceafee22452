//! `:`: the command palette, with completions as you type (Tab / Up / Down go through them).

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
    // While cycling (Tab, Up/Down) the list stays that of what was typed, the shown one marked.
    let (typed, chosen) = match &state.completing {
        Some((typed, at)) => (typed.as_str(), Some(*at)),
        None => (state.input.as_str(), None),
    };
    let completions = palette_completions(typed, &app.palette_names());
    let width = area.width.saturating_sub(4).min(80);
    // The input after the ":" inside the borders, scrolled sideways to the cursor.
    let shown = text_field::shown(&state.input, Some(state.cursor), width.saturating_sub(3));
    // A rejected command's input is selected: typing replaces it.
    let input_style = if state.selected {
        theme.selected()
    } else {
        Default::default()
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.accent()),
        Span::styled(shown.text, input_style),
    ])];
    if let Some(error) = &state.error {
        lines.push(Line::styled(clean(error), theme.critical()));
    }
    const SHOWN: usize = 8;
    let first = chosen.map_or(0, |at| (at + 1).saturating_sub(SHOWN));
    for (index, completion) in completions.iter().enumerate().skip(first).take(SHOWN) {
        let mark = if chosen == Some(index) {
            format!("{} ", theme.glyphs.selected)
        } else {
            "  ".to_string()
        };
        let about = PALETTE_COMMANDS
            .iter()
            .find(|(c, _)| *c == completion.as_str())
            .map(|(_, about)| *about)
            .unwrap_or("");
        let style = if chosen == Some(index) {
            theme.selected()
        } else {
            Default::default()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark}{:<28}", clean(completion)), style),
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
        height.min(area.height.saturating_sub(1 + crate::tui::app::FOOTER_ROWS)),
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
                .border_set(theme.glyphs.border)
                .title(format!(
                    " command (Tab/{}{} complete, Enter runs, Esc closes) ",
                    theme.glyphs.arrow_up, theme.glyphs.arrow_down
                )),
        )
        .render(popup, buf);
    cursor
}
