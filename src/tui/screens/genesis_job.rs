//! The genesis job view: status and progress (a gauge line), the call waiting for MPIS (spinner
//! and elapsed time), what to explain, the edit line while open, after the confirm the persona
//! id, version and export paths, then the draft's preview, MPIS's prompt and the draft itself as
//! stored in `genesis_drafts`. Taller than the screen: j/k and PgUp/PgDn scroll. Everything from
//! MPIS or the database goes through `clean()`, or `labelled_lines()` where it may have lines.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::domain::genesis::draft_paths;
use crate::tui::app::App;
use crate::tui::forms::genesis_job::{EDIT_FIELDS, GenesisJobState};
use crate::tui::screens::persona_card::card_lines;
use crate::tui::text_field;
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, labelled_lines, overflow_rows, short_duration, wrapped_height};

const GAUGE_WIDTH: usize = 30;
/// Columns before an edit field's value: the focus marker and the label.
const EDIT_VALUE_COLUMN: u16 = 10;

/// The view's lines, and where the edit line's cursor is: (line, column).
struct View {
    lines: Vec<Line<'static>>,
    cursor: Option<(usize, u16)>,
}

fn block(theme: &Theme, state: &GenesisJobState, more_below: bool) -> Block<'static> {
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(
            format!(" Genesis job {} ", state.job_id),
            theme.header(),
        ))
        .title_bottom(Line::styled(
            " e edit draft · A approve · r reload · j/k PgUp/PgDn scroll · Esc back ",
            theme.muted(),
        ));
    if more_below {
        block = block
            .title_bottom(Line::styled(" more ↓ ", theme.accent()).alignment(Alignment::Right));
    }
    block
}

/// How far the view can scroll in `area` (the screen's body), drawn at `now`: its wrapped
/// height minus what fits; 0 when everything fits.
pub fn max_scroll(theme: &Theme, state: &GenesisJobState, area: Rect, now: Instant) -> u16 {
    let inner = block(theme, state, false).inner(area);
    overflow_rows(&lines(theme, state, now, inner.width).lines, inner)
}

/// Draws the view; returns where the terminal's cursor goes (the edit line's focused field,
/// when it is in sight).
pub fn render(
    app: &App,
    state: &GenesisJobState,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let theme = &app.options.theme;
    let now = app.now.instant;
    let max = max_scroll(theme, state, area, now);
    let scroll = state.scroll.min(max);
    let block = block(theme, state, scroll < max);
    let inner = block.inner(area);
    block.render(area, buf);
    let view = lines(theme, state, now, inner.width);
    let cursor = view.cursor.and_then(|(line, column)| {
        let row: usize = view.lines[..line]
            .iter()
            .map(|l| wrapped_height(l, inner.width))
            .sum();
        let row = u16::try_from(row).ok()?.checked_sub(scroll)?;
        (row < inner.height && column < inner.width).then(|| Position {
            x: inner.x + column,
            y: inner.y + row,
        })
    });
    Paragraph::new(view.lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(inner, buf);
    cursor
}

/// The view's lines, top to bottom (`width`: the inner width); what needs the operator's
/// attention comes first so that a long draft never pushes it off the screen.
fn lines(theme: &Theme, state: &GenesisJobState, now: Instant, width: u16) -> View {
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
    let cursor = edit_lines(theme, state, width, &mut lines);
    approved_lines(theme, state, &mut lines);
    preview_lines(theme, state, &mut lines);
    draft_lines(theme, state, &mut lines);
    View { lines, cursor }
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
        "█".repeat(filled),
        "░".repeat(GAUGE_WIDTH - filled)
    )));
    if !status.progress.message.is_empty() {
        lines.extend(labelled_lines("", &status.progress.message, theme.muted()));
    }
    for error in &status.errors {
        lines.extend(labelled_lines("✖ ", error, theme.critical()));
    }
}

/// The edit line's fields; returns the focused text field's (line, column) for the cursor.
fn edit_lines(
    theme: &Theme,
    state: &GenesisJobState,
    width: u16,
    lines: &mut Vec<Line<'static>>,
) -> Option<(usize, u16)> {
    let edit = state.edit.as_ref()?;
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "── edit the draft (Tab next · ←/→ op · Enter send · Esc cancel) ──",
        theme.header(),
    ));
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
    }
    if let Some(error) = &edit.error {
        lines.push(Line::styled(
            format!("✖ {}: {}", error.field, clean(&error.message)),
            theme.critical(),
        ));
    }
    lines.push(Line::styled(
        "paths as in the draft below (credo.summary, ethos.virtues); values are JSON: \"text\", 3, [..]",
        theme.muted(),
    ));
    cursor
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
    lines.extend(card_lines(
        theme,
        status.preview.as_ref(),
        status.human_prompt.as_deref(),
        "name",
    ));
}

/// The draft as MPIS stored it, one `path = value` line per leaf: the paths `e` edits.
fn draft_lines(theme: &Theme, state: &GenesisJobState, lines: &mut Vec<Line<'static>>) {
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
                    draft.created_at.format("%Y-%m-%d %H:%M UTC")
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
