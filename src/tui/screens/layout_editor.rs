//! Layout editor: the layout's boxes on the grid, the focused one highlighted; arrows/hjkl move
//! it, Shift+arrows or HJKL resize it, + adds a widget from the registry, d removes, s saves as
//! your layout (validated), R resets to the default.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Borders, Clear, List, ListItem, Paragraph, Widget, Wrap,
};

use crate::domain::layout::CellRect;
use crate::domain::widget_catalog::BUILTIN_WIDGETS;
use crate::tui::app::{App, EditorState};
use crate::tui::popups::centered;
use crate::tui::widgets::{clean, wrapped_height};

pub fn render(app: &App, state: &EditorState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    // Every key must stay readable at 80 columns: the short hint when the long one is cut.
    let long = " Tab widget · arrows/hjkl move · Shift+arrows/HJKL resize · + add · d remove · s save · R reset · Esc cancel ";
    let short = " Tab next · hjkl move · HJKL size · + add · d remove · s save · R reset · Esc ";
    let hint = if long.chars().count() + 2 <= usize::from(area.width) {
        long
    } else {
        short
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Layout editor ", theme.header()))
        .title_bottom(Line::styled(hint, theme.muted()));
    let inner = block.inner(area);
    block.render(area, buf);
    // Each problem gets the rows it wraps to (up to 4 in all), so none is cut off.
    let width = inner.width.max(1);
    let problems = state
        .problems
        .iter()
        .map(|p| wrapped_height(&Line::raw(format!("✖ {}", clean(p))), width))
        .sum::<usize>()
        .min(4) as u16;
    let grid = Rect::new(
        inner.x,
        inner.y,
        inner.width,
        inner.height.saturating_sub(problems),
    );
    let rects = state.config.cell_rects(CellRect {
        x: grid.x,
        y: grid.y,
        width: grid.width,
        height: grid.height,
    });
    for (index, (placement, rect)) in state.config.widgets.iter().zip(rects).enumerate() {
        let rect = Rect::new(rect.x, rect.y, rect.width, rect.height).intersection(grid);
        if rect.width == 0 || rect.height == 0 {
            continue;
        }
        let focused = index == state.focus;
        let p = &placement.position;
        let text = vec![
            Line::styled(clean(&placement.widget_id), theme.header()),
            Line::raw(format!("x{} y{} w{} h{}", p.x, p.y, p.w, p.h)),
        ];
        let style = if focused {
            theme.focused_border()
        } else {
            theme.border()
        };
        let widget_block = Block::default()
            .borders(Borders::ALL)
            .border_type(if focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(style)
            .title(if focused { " ▶ " } else { "" });
        Paragraph::new(text).block(widget_block).render(rect, buf);
    }
    if problems > 0 {
        let area = Rect::new(inner.x, inner.y + grid.height, inner.width, problems);
        let lines: Vec<Line> = state
            .problems
            .iter()
            .map(|p| Line::styled(format!("✖ {}", clean(p)), theme.critical()))
            .collect();
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(area, buf);
    }
    if let Some(choice) = state.picker {
        let popup = centered(area, 56, BUILTIN_WIDGETS.len() as u16 + 2);
        Clear.render(popup, buf);
        let items: Vec<ListItem> = BUILTIN_WIDGETS
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let marker = if i == choice { "▶ " } else { "  " };
                let style = if i == choice {
                    theme.selected()
                } else {
                    ratatui::style::Style::default()
                };
                ListItem::new(Line::from(vec![
                    Span::raw(marker),
                    Span::styled(format!("{:<22} {}", w.id, w.name), style),
                ]))
            })
            .collect();
        List::new(items)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" add widget (Enter, Esc) "),
            )
            .render(popup, buf);
    }
}
