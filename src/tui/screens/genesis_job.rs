//! The genesis job view: status and progress (a gauge line), the call waiting for MPIS (spinner
//! and elapsed time), what to explain, once approved (or opened committed) the persona id,
//! version and export paths, then the draft's preview, MPIS's prompt and the draft itself as
//! stored in `genesis_drafts`. Taller than the screen: j/k and PgUp/PgDn scroll. While editing,
//! the edit panel is docked at the bottom (always in sight; the view scrolls above it) with the
//! draft's paths that complete the typed one and the question about a path not in the draft.
//! Everything from MPIS or the database goes through `clean()`, or `labelled_lines()`.

use crate::time_display::{self, TimeDisplay};
use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::domain::genesis::complete_path;
use crate::domain::genesis::draft_paths;
use crate::tui::app::App;
use crate::tui::forms::genesis_job::{EDIT_FIELDS, EditLine, GenesisJobState};
use crate::tui::screens::persona_card::card_lines;
use crate::tui::text_field;
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, labelled_lines, overflow_rows, short_duration, wrapped_height};

const GAUGE_WIDTH: usize = 30;
/// Columns before an edit field's value: the focus marker and the label.
const EDIT_VALUE_COLUMN: u16 = 10;

/// The fewest rows the view keeps above the edit panel.
const MIN_VIEW_ROWS: u16 = 6;

fn block(theme: &Theme, state: &GenesisJobState, more_below: bool) -> Block<'static> {
    let keys = if state.edit.is_some() {
        " PgUp/PgDn scroll the draft "
    } else if state.can_edit() {
        " e edit draft · A approve · r reload · j/k PgUp/PgDn scroll · Esc back "
    } else {
        " r reload · j/k PgUp/PgDn scroll · Esc back "
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(
            format!(" Genesis job {} ", state.job_id),
            theme.header(),
        ))
        .title_bottom(Line::styled(keys, theme.muted()));
    if more_below {
        block = block.title_bottom(
            Line::styled(
                format!(" more {} ", theme.glyphs.arrow_down),
                theme.accent(),
            )
            .alignment(Alignment::Right),
        );
    }
    block
}

/// How far the view can scroll in `area` (the screen's body), drawn at `now`: its wrapped
/// height minus what fits; 0 when everything fits.
pub fn max_scroll(
    theme: &Theme,
    times: TimeDisplay,
    state: &GenesisJobState,
    area: Rect,
    now: Instant,
) -> u16 {
    let (area, _) = split(theme, state, area);
    let inner = block(theme, state, false).inner(area);
    overflow_rows(&lines(theme, times, state, now), inner)
}

/// Draws the view; returns where the terminal's cursor goes (the edit panel's focused field).
pub fn render(
    app: &App,
    state: &GenesisJobState,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let theme = &app.options.theme;
    let now = app.now.instant;
    let max = max_scroll(theme, app.times(), state, area, now);
    let (area, panel) = split(theme, state, area);
    let panel_cursor = panel.and_then(|panel| render_edit_panel(theme, state, panel, buf));
    let scroll = state.scroll.min(max);
    let block = block(theme, state, scroll < max);
    let inner = block.inner(area);
    block.render(area, buf);
    Paragraph::new(lines(theme, app.times(), state, now))
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(inner, buf);
    panel_cursor
}

/// The view's area and, while editing, the edit panel's below it (as tall as its lines, the
/// view keeping at least a few rows).
fn split(theme: &Theme, state: &GenesisJobState, area: Rect) -> (Rect, Option<Rect>) {
    let Some(edit) = &state.edit else {
        return (area, None);
    };
    let width = area.width.saturating_sub(2);
    let rows: usize = panel_lines(theme, state, edit, width)
        .0
        .iter()
        .map(|l| wrapped_height(l, width))
        .sum();
    let wanted = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
    let height = wanted
        .min(area.height.saturating_sub(MIN_VIEW_ROWS))
        .max(3.min(area.height));
    let view = Rect {
        height: area.height - height,
        ..area
    };
    let panel = Rect {
        y: area.y + view.height,
        height,
        ..area
    };
    (view, Some(panel))
}

/// The edit panel's lines; returns them with the focused text field's (line, column).
fn panel_lines(
    theme: &Theme,
    state: &GenesisJobState,
    edit: &EditLine,
    width: u16,
) -> (Vec<Line<'static>>, Option<(usize, u16)>) {
    let mut lines = Vec::new();
    let room = width.saturating_sub(EDIT_VALUE_COLUMN);
    let mut cursor = None;
    for (index, label) in EDIT_FIELDS.iter().enumerate() {
        let focused = index == edit.focus;
        let value = match index {
            0 | 2 => {
                let text = if index == 0 {
                    &edit.draft.path
                } else {
                    &edit.draft.value_text
                };
                let shown = text_field::shown(text, edit.cursor(index), room);
                if let Some(column) = shown.cursor {
                    cursor = Some((lines.len(), EDIT_VALUE_COLUMN + column));
                }
                shown.text
            }
            _ => format!("◀ {} ▶", edit.draft.op),
        };
        lines.push(Line::styled(
            format!("{}{label:<8}{value}", if focused { "▶ " } else { "  " }),
            if focused {
                theme.accent()
            } else {
                Style::default()
            },
        ));
        if index == 0 && focused {
            lines.push(completion_line(theme, state, edit, width));
        }
    }
    if let Some(error) = &edit.error {
        lines.push(Line::styled(
            format!(
                "{} {}: {}",
                theme.glyphs.failed,
                error.field,
                clean(&error.message)
            ),
            theme.critical(),
        ));
    }
    if let Some(question) = &edit.question {
        let draft_no = state.draft.as_ref().map(|d| d.draft_no);
        lines.push(Line::styled(
            format!("? {}", clean(&question.text(draft_no))),
            theme.warning(),
        ));
    }
    (lines, cursor)
}

/// Under the focused path: the draft's paths that complete it (Tab cycles; the current one
/// marked), as many as fit, then how many more.
fn completion_line(
    theme: &Theme,
    state: &GenesisJobState,
    edit: &EditLine,
    width: u16,
) -> Line<'static> {
    let Some(draft) = &state.draft else {
        return Line::styled(
            "          no stored draft to complete paths from",
            theme.muted(),
        );
    };
    let (matches, current) = match &edit.completion {
        Some(c) => (c.matches.clone(), Some(c.index)),
        None => (complete_path(&draft.core, &edit.draft.path), None),
    };
    if matches.is_empty() {
        return Line::styled(
            "          no path of the draft starts so (Enter asks before adding one)",
            theme.muted(),
        );
    }
    let mut spans = vec![Span::styled("  Tab:    ", theme.muted())];
    let mut used = 10;
    // The current match and those after it first, so the one Tab gives next is in sight.
    let start = current.unwrap_or(0);
    let mut shown = 0;
    for (index, path) in matches.iter().enumerate().skip(start) {
        let text = clean(path);
        let cost = text.chars().count() + 3;
        if used + cost + 8 > usize::from(width) && shown > 0 {
            break;
        }
        if shown > 0 {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        let style = if current == Some(index) {
            theme.selected()
        } else {
            theme.accent()
        };
        spans.push(Span::styled(text, style));
        used += cost;
        shown += 1;
    }
    let hidden = matches.len() - shown;
    if hidden > 0 {
        spans.push(Span::styled(format!(" +{hidden} more"), theme.muted()));
    }
    Line::from(spans)
}

/// Draws the docked edit panel; returns the cursor's position in its focused text field.
fn render_edit_panel(
    theme: &Theme,
    state: &GenesisJobState,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let edit = state.edit.as_ref()?;
    let title = match &state.draft {
        Some(draft) => format!(" Edit draft {} ", draft.draft_no.max(state.draft_no)),
        None => " Edit the draft ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .border_style(theme.accent())
        .title(Line::styled(title, theme.header()))
        .title_bottom(Line::styled(
            " Tab complete/next · ←/→ op · Enter send · Esc cancel ",
            theme.muted(),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let (lines, cursor) = panel_lines(theme, state, edit, inner.width);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
    let (line, column) = cursor?;
    let row = u16::try_from(line).ok()?;
    (row < inner.height && column < inner.width).then(|| Position {
        x: inner.x + column,
        y: inner.y + row,
    })
}

/// The view's lines, top to bottom; what needs the operator's attention comes first so that a
/// long draft never pushes it off the screen.
fn lines(
    theme: &Theme,
    times: TimeDisplay,
    state: &GenesisJobState,
    now: Instant,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    status_lines(theme, state, &mut lines);
    if let Some(pending) = &state.pending {
        let elapsed = now.saturating_duration_since(pending.since).as_secs();
        lines.push(Line::styled(
            format!(
                "⠿ waiting for MPIS to answer {}… {} (Esc stops waiting)",
                pending.what.as_str(),
                short_duration(elapsed)
            ),
            theme.accent(),
        ));
    }
    if let Some(error) = &state.load_error {
        lines.extend(labelled_lines(
            "status not loaded: ",
            error,
            theme.critical(),
        ));
    }
    if let Some(notice) = &state.notice {
        lines.extend(labelled_lines("", notice, theme.critical()));
    }
    approved_lines(theme, state, &mut lines);
    preview_lines(theme, state, &mut lines);
    draft_lines(theme, times, state, &mut lines);
    lines
}

fn status_lines(theme: &Theme, state: &GenesisJobState, lines: &mut Vec<Line<'static>>) {
    let Some(status) = &state.status else {
        if state.load_error.is_none() {
            lines.push(Line::styled(
                "loading the job status from MPIS…",
                theme.muted(),
            ));
        }
        return;
    };
    lines.push(Line::styled(
        format!(
            "status {} · draft {}{}",
            clean(status.status.as_str()),
            state.draft_no,
            if state.loading {
                " · ⠿ refreshing"
            } else {
                ""
            }
        ),
        if status.status.is_final() {
            theme.ok()
        } else {
            theme.accent()
        },
    ));
    let percent = status.progress.percent.clamp(0, 100) as usize;
    let filled = percent * GAUGE_WIDTH / 100;
    lines.push(Line::from(format!(
        "{} [{}{}] {percent}%",
        clean(&status.progress.stage),
        theme.glyphs.bar_full.repeat(filled),
        theme.glyphs.bar_empty.repeat(GAUGE_WIDTH - filled)
    )));
    if !status.progress.message.is_empty() {
        lines.extend(labelled_lines("", &status.progress.message, theme.muted()));
    }
    for error in &status.errors {
        lines.extend(labelled_lines(
            &format!("{} ", theme.glyphs.failed),
            error,
            theme.critical(),
        ));
    }
}

fn approved_lines(theme: &Theme, state: &GenesisJobState, lines: &mut Vec<Line<'static>>) {
    let Some(approved) = &state.approved else {
        return;
    };
    lines.push(Line::raw(""));
    lines.push(Line::styled("── approved ──", theme.header()));
    lines.push(Line::styled(
        format!(
            "persona {} · version {}",
            approved
                .persona_id
                .map(|p| p.to_string())
                .unwrap_or_default(),
            clean(approved.version.as_deref().unwrap_or("?"))
        ),
        theme.ok(),
    ));
    if let Some(paths) = &approved.export_paths {
        lines.push(Line::from(format!(
            "exported to {}",
            clean(&paths.base_path)
        )));
        for (name, path) in &paths.files {
            lines.push(Line::from(format!("  {}: {}", clean(name), clean(path))));
        }
    }
}

fn preview_lines(theme: &Theme, state: &GenesisJobState, lines: &mut Vec<Line<'static>>) {
    let Some(status) = &state.status else {
        return;
    };
    if status.preview.is_some() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("── preview ──", theme.header()));
    }
    // Once approved, MPIS's "review and approve" prompt no longer applies.
    let prompt = status
        .human_prompt
        .as_deref()
        .filter(|_| state.approved.is_none());
    lines.extend(card_lines(theme, status.preview.as_ref(), prompt, "name"));
}

/// The draft as MPIS stored it, one `path = value` line per leaf: the paths `e` edits.
fn draft_lines(
    theme: &Theme,
    times: TimeDisplay,
    state: &GenesisJobState,
    lines: &mut Vec<Line<'static>>,
) {
    if state.status.is_none()
        && state.draft.is_none()
        && state.draft_error.is_none()
        && !state.draft_missing
    {
        return;
    }
    lines.push(Line::raw(""));
    match (&state.draft, &state.draft_error) {
        (_, Some(error)) => lines.extend(labelled_lines(
            "draft not read from the database: ",
            error,
            theme.critical(),
        )),
        (None, None) if state.draft_missing => {
            lines.push(Line::styled(
                "── draft ── not in this database (MPIS keeps its own); the preview above is MPIS's summary",
                theme.muted(),
            ))
        }
        (None, None) => {}
        (Some(draft), None) => {
            let older = if state.status.is_some() && draft.draft_no < state.draft_no {
                format!(" (draft {} not stored yet)", state.draft_no)
            } else {
                String::new()
            };
            lines.push(Line::styled(
                format!(
                    "── draft {} as stored {}{older} ──",
                    draft.draft_no,
                    times.format(draft.created_at, time_display::MINUTE)
                ),
                theme.header(),
            ));
            lines.extend(draft_paths(&draft.core).into_iter().map(|(path, value)| {
                Line::from(vec![
                    Span::styled(clean(&path), theme.accent()),
                    Span::raw(" = "),
                    Span::raw(clean(&value)),
                ])
            }));
        }
    }
}
