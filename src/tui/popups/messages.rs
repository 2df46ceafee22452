//! `m` / `:messages`: the session's status messages whole, newest first, with their times
//! (the status line shortens long ones and lets them expire).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::tui::app::App;
use crate::tui::widgets::{clean, wrapped_height};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    // Above the status line, which stays visible.
    let room = Rect {
        height: area.height.saturating_sub(crate::tui::app::FOOTER_ROWS),
        ..area
    };
    let width = 100u16.min(room.width);
    let inner_width = width.saturating_sub(2);
    let mut lines: Vec<Line> = Vec::new();
    let mut rows = 0;
    let mut hidden = 0;
    let max_rows = usize::from(room.height.saturating_sub(3));
    for (index, message) in app.messages.iter().rev().enumerate() {
        let style = if message.error {
            theme.critical()
        } else {
            Default::default()
        };
        let line = Line::from(vec![
            Span::styled(
                format!(
                    "{} ",
                    app.times().format(message.at, crate::time_display::CLOCK)
                ),
                theme.muted(),
            ),
            Span::styled(
                if message.error {
                    format!("{} ", theme.glyphs.run_failed)
                } else {
                    "  ".to_string()
                },
                style,
            ),
            Span::styled(clean(&message.text), style),
        ]);
        let height = wrapped_height(&line, inner_width);
        if rows + height > max_rows {
            hidden = app.messages.len() - index;
            break;
        }
        rows += height;
        lines.push(line);
    }
    if lines.is_empty() && hidden == 0 {
        lines.push(Line::styled(
            "no messages in this session yet",
            theme.muted(),
        ));
    }
    if hidden > 0 {
        lines.push(Line::styled(
            format!("… {hidden} older not shown"),
            theme.muted(),
        ));
    }
    let height: usize = lines.iter().map(|l| wrapped_height(l, inner_width)).sum();
    let popup = crate::tui::popups::centered(room, width, height as u16 + 2);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(theme.glyphs.border)
                .title(" Messages, newest first (any key closes) "),
        )
        .render(popup, buf);
}
