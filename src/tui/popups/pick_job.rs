//! The choice between genesis jobs that one `:genesis` argument matched (the same persona name
//! twice): each with its start time, short job id, draft and status. Up/Down, Enter opens.

use crate::time_display::TimeDisplay;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::app::JobPickState;
use crate::tui::genesis_jobs::short_id;
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, fit};

pub fn render(
    theme: &Theme,
    times: TimeDisplay,
    state: &JobPickState,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = area.width.saturating_sub(4).min(96);
    let inner_width = usize::from(width.saturating_sub(2));
    let mut lines = vec![
        Line::styled(
            fit(
                &format!(
                    "{} jobs match {}:",
                    state.jobs.len(),
                    clean(&format!("{:?}", state.argument))
                ),
                inner_width,
            ),
            theme.header(),
        ),
        Line::raw(""),
    ];
    for (index, job) in state.jobs.iter().enumerate() {
        let chosen = index == state.selected;
        let row = format!(
            "{} {} · started {} · job {} · draft {} · {}",
            if chosen { theme.glyphs.selected } else { " " },
            clean(&job.persona_name),
            times.format(job.created_at, crate::time_display::MINUTE),
            short_id(job.id),
            job.draft_no,
            clean(&job.status)
        );
        lines.push(Line::styled(
            fit(&row, inner_width),
            if chosen {
                theme.selected()
            } else {
                Style::default()
            },
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Up/Down choose · Enter open · Esc close",
        theme.muted(),
    ));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, width, height);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(theme.glyphs.border)
                .border_style(theme.warning())
                .title(" Which genesis job? "),
        )
        .render(popup, buf);
}
