//! Layout editor: the layout's boxes on the grid (display names), the focused one highlighted;
//! arrows/hjkl move it, Shift+arrows or HJKL resize it (neighbours are pushed aside), + adds a
//! widget, d removes, s saves under a name, n renames, D deletes, R resets; the name line and
//! the question before unsaved changes are lost are drawn over it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, Paragraph, Widget, Wrap};

use crate::domain::layout::{CellRect, widget_name};
use crate::domain::widget_catalog::BUILTIN_WIDGETS;
use crate::tui::app::{App, EditorState, NamePrompt, NamePurpose};
use crate::tui::popups::centered;
use crate::tui::text_field;
use crate::tui::widgets::{clean, wrapped_height};

/// The keys at the bottom: all of them when there is room, else the common ones and `?` for
/// the rest (help lists every editor key).
const LONG_HINT: &str = " Tab widget · arrows/hjkl move · Shift+arrows/HJKL resize · + add · d remove · s save as · n rename · D delete · R reset · ? help · Esc back ";
const SHORT_HINT: &str =
    " Tab next · hjkl move · HJKL size · + add · d del · s save · ? more · Esc ";

/// The footer for an editor `width` columns wide.
pub fn hint(width: u16) -> &'static str {
    if LONG_HINT.chars().count() + 2 <= usize::from(width) {
        LONG_HINT
    } else {
        SHORT_HINT
    }
}

pub fn render(app: &App, state: &EditorState, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &app.options.theme;
    let unsaved = if state.unsaved() { " (unsaved)" } else { "" };
    let title = format!(" Layout editor: {}{unsaved} ", clean(&state.name));
    let title = crate::text::fit(&title, usize::from(area.width.saturating_sub(4)));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(title, theme.header()))
        .title_bottom(Line::styled(hint(area.width), theme.muted()));
    let inner = block.inner(area);
    block.render(area, buf);
    // Each problem gets the rows it wraps to (up to 4 in all), so none is cut off.
    let width = inner.width.max(1);
    let problems = state
        .problems
        .iter()
        .map(|p| {
            wrapped_height(
                &Line::raw(format!("{} {}", theme.glyphs.failed, clean(p))),
                width,
            )
        })
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
            Line::styled(widget_name(&clean(&placement.widget_id)), theme.header()),
            Line::styled(
                format!("{}{}{}", p.w, theme.glyphs.times, p.h),
                theme.muted(),
            ),
        ];
        let style = if focused {
            theme.focused_border()
        } else {
            theme.border()
        };
        let widget_block = Block::default()
            .borders(Borders::ALL)
            .border_set(if focused {
                theme.glyphs.border_focused
            } else {
                theme.glyphs.border
            })
            .border_style(style)
            .title(if focused {
                format!(" {} ", theme.glyphs.pointer)
            } else {
                String::new()
            });
        Paragraph::new(text).block(widget_block).render(rect, buf);
    }
    if problems > 0 {
        let area = Rect::new(inner.x, inner.y + grid.height, inner.width, problems);
        let lines: Vec<Line> = state
            .problems
            .iter()
            .map(|p| {
                Line::styled(
                    format!("{} {}", theme.glyphs.failed, clean(p)),
                    theme.critical(),
                )
            })
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
                let marker = if i == choice {
                    format!("{} ", theme.glyphs.pointer)
                } else {
                    "  ".to_string()
                };
                let style = if i == choice {
                    theme.selected()
                } else {
                    ratatui::style::Style::default()
                };
                ListItem::new(Line::from(vec![
                    Span::raw(marker),
                    Span::styled(format!("{:<22} {}", w.name, w.id), style),
                ]))
            })
            .collect();
        List::new(items)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_set(theme.glyphs.border)
                    .title(" add widget (Enter, Esc) "),
            )
            .render(popup, buf);
    }
    if state.leaving {
        leaving(app, state, area, buf);
    }
    state
        .prompt
        .as_ref()
        .and_then(|prompt| name_prompt(app, prompt, area, buf))
}

/// Esc with unsaved changes: save, discard or stay.
fn leaving(app: &App, state: &EditorState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let lines = vec![
        Line::raw(format!(
            "The layout {:?} has unsaved changes.",
            clean(&state.name)
        )),
        Line::raw(""),
        Line::styled(
            if state.quitting {
                "s save · d discard and quit · Esc stay"
            } else {
                "s save · d discard · Esc stay"
            },
            theme.accent(),
        ),
    ];
    crate::tui::popups::wrapped(
        lines,
        56,
        0,
        Block::default()
            .borders(Borders::ALL)
            .border_set(theme.glyphs.border)
            .border_style(theme.warning())
            .title(" Leave the editor? "),
        area,
        buf,
    );
}

/// The name line (save as, rename); returns where the cursor goes.
fn name_prompt(app: &App, prompt: &NamePrompt, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &app.options.theme;
    let (title, action) = match prompt.purpose {
        NamePurpose::SaveAs => (" Save layout as ", "Enter save"),
        NamePurpose::Rename => (" Rename layout ", "Enter rename"),
    };
    let width = 60.min(area.width);
    let popup = centered(area, width, 6);
    Clear.render(popup, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .border_style(theme.focused_border())
        .title(title);
    let inner = block.inner(popup);
    block.render(popup, buf);
    let label = "name: ";
    let field = inner.width.saturating_sub(label.len() as u16);
    let shown = text_field::shown(&prompt.input, Some(prompt.cursor), field);
    let mut lines = vec![
        Line::from(vec![
            Span::raw(label),
            Span::styled(shown.text, theme.selected()),
        ]),
        Line::raw(""),
        Line::styled(format!("{action} · Esc cancel"), theme.accent()),
    ];
    if let Some(error) = &prompt.error {
        lines.insert(1, Line::styled(clean(error), theme.critical()));
        lines.remove(2);
    }
    Paragraph::new(lines).render(inner, buf);
    shown.cursor.map(|column| Position {
        x: inner.x + label.len() as u16 + column,
        y: inner.y,
    })
}
