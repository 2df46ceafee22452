//! The genesis start form: each field with its value (the terminal's cursor in the focused one,
//! a long value scrolled sideways to it) and its validation messages beside it, the slug
//! preview, each sources line with its detected type, a spinner while MPIS works, and MPIS's
//! answer below the fields. Taller than the screen, it scrolls to keep the focused field (the
//! cursor's line, its errors) in sight.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::form_parts::form_block;
use crate::domain::genesis::{detect_source, language_name};
use crate::mpis::types::GenesisStartResponse;
use crate::tui::app::App;
use crate::tui::forms::genesis::{
    FIELDS, GenesisFormState, LANGUAGE, NOTES, PUBLIC_PERSONA, SOURCES,
};
use crate::tui::screens::persona_card::card_lines;
use crate::tui::text_field::{self, Shown};
use crate::tui::text_lines;
use crate::tui::theme::Theme;
use crate::tui::widgets::{FormFocus, clean, labelled_lines, render_form, short_duration};

const LABEL_WIDTH: usize = 24;
/// Columns before a single-line field's value: the focus marker and the label.
const VALUE_COLUMN: u16 = 2 + LABEL_WIDTH as u16;
/// Columns before a line of a multi-line field (the sources' lines also show their type).
const LINE_INDENT: u16 = 4;
const SOURCE_TAG_WIDTH: u16 = 10;

/// Draws the form; returns where the terminal's cursor goes (in the focused text field).
pub fn render(
    app: &App,
    state: &GenesisFormState,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let theme = &app.options.theme;
    let block = form_block(
        theme,
        " Start a persona genesis ",
        " Tab next · ←/→ language · Space toggle · Ctrl-S submit · Esc back ",
    );
    let width = block.inner(area).width;
    let mut lines = Vec::new();
    let mut focus = FormFocus {
        field: 0..0,
        cursor: 0,
        column: None,
        also: None,
    };
    for (index, (_, label)) in FIELDS.iter().enumerate() {
        let start = lines.len();
        let (cursor, column) = field_lines(state, index, label, theme, width, &mut lines);
        if index == 0 {
            let slug = state.form.slug_preview();
            if !slug.is_empty() {
                lines.push(Line::styled(
                    format!("  {:<LABEL_WIDTH$}{}", "slug preview", clean(&slug)),
                    theme.muted(),
                ));
            }
        }
        if index == state.focus {
            focus.field = start..lines.len();
            focus.cursor = cursor;
            focus.column = column;
        }
    }
    lines.push(Line::raw(""));
    // Kept in sight: the spinner while submitting, then (room permitting) the answer's first line.
    let status = lines.len();
    if let Some(started) = state.submitted_at {
        let elapsed = app.now.instant.saturating_duration_since(started).as_secs();
        lines.push(Line::styled(
            format!(
                "⠿ starting the genesis job in MPIS… {} (Esc cancels waiting)",
                short_duration(elapsed)
            ),
            theme.accent(),
        ));
    }
    match &state.outcome {
        Some(Ok(response)) => result_lines(response, theme, &mut lines),
        Some(Err(error)) => lines.extend(labelled_lines(
            "genesis not started: ",
            error,
            theme.critical(),
        )),
        None => {}
    }
    if state.submitting() {
        // Keys wait meanwhile: the spinner is what to look at.
        focus = FormFocus {
            field: status..status + 1,
            cursor: status,
            column: None,
            also: None,
        };
    } else if lines.len() > status {
        focus.also = Some(status);
    }
    render_form(block, lines, &focus, theme, area, buf)
}

/// Adds the lines of field `index` (`width`: the form's inner width); returns the index of the
/// line with its cursor (the label line, or a multi-line field's cursor line) and, when the
/// field is focused and takes text, the cursor's column on it.
fn field_lines<'a>(
    state: &GenesisFormState,
    index: usize,
    label: &str,
    theme: &Theme,
    width: u16,
    lines: &mut Vec<Line<'a>>,
) -> (usize, Option<u16>) {
    let focused = index == state.focus;
    let marker = if focused {
        format!("{} ", theme.glyphs.pointer)
    } else {
        "  ".to_string()
    };
    let cursor = state.cursor(index);
    let value_style = if focused {
        theme.accent()
    } else {
        Style::default()
    };
    let errors = state.errors_of(index);
    let multi_line = matches!(index, SOURCES | NOTES);
    let mut column = None;
    let value = match index {
        LANGUAGE => {
            let code = state.value(index);
            let name = language_name(code).unwrap_or("?");
            format!("◀ {name} ({}) ▶", clean(code))
        }
        PUBLIC_PERSONA => {
            let on = state.form.public_persona;
            format!("[{}] {}", if on { "x" } else { " " }, state.value(index))
        }
        SOURCES | NOTES => String::new(),
        _ => {
            let shown = text_field::shown(
                state.value(index),
                cursor,
                width.saturating_sub(VALUE_COLUMN),
            );
            column = shown.cursor.map(|c| VALUE_COLUMN + c);
            shown.text
        }
    };
    let mut spans = vec![
        Span::raw(marker),
        Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.header()),
        Span::styled(value, value_style),
    ];
    if !multi_line && let Some(error) = errors.first() {
        spans.push(Span::styled(
            format!("  {} {}", theme.glyphs.failed, clean(error)),
            theme.critical(),
        ));
    }
    let label_line = lines.len();
    lines.push(Line::from(spans));
    if !multi_line {
        return (label_line, column);
    }
    let text = state.value(index);
    let mut text_lines = text_lines::lines(text);
    if text.is_empty() && !focused {
        text_lines.clear();
    }
    // The cursor's line and where on it (drawn on the focused field only).
    let (cursor_line, line_cursor) = text_lines::line_cursor(text, cursor.unwrap_or_default());
    let indent = if index == SOURCES {
        LINE_INDENT + SOURCE_TAG_WIDTH
    } else {
        LINE_INDENT
    };
    let mut cursor_at = label_line;
    for (n, line) in text_lines.into_iter().enumerate() {
        let on_cursor = n == cursor_line && focused;
        let shown: Shown = text_field::shown(
            line,
            (on_cursor && cursor.is_some()).then_some(line_cursor),
            width.saturating_sub(indent),
        );
        let mut spans = vec![Span::raw("    ")];
        if index == SOURCES {
            let tag = detect_source(line)
                .map(|s| format!("[{}]", s.kind))
                .unwrap_or_default();
            spans.push(Span::styled(format!("{tag:<10}"), theme.muted()));
        }
        spans.push(Span::styled(shown.text, value_style));
        if on_cursor {
            cursor_at = lines.len();
            column = shown.cursor.map(|c| indent + c);
        }
        lines.push(Line::from(spans));
    }
    for error in errors {
        lines.push(Line::styled(
            format!("    {} {}", theme.glyphs.failed, clean(error)),
            theme.critical(),
        ));
    }
    (cursor_at, column)
}

/// MPIS's answer: the job, its draft and the persona preview, read-only.
fn result_lines(response: &GenesisStartResponse, theme: &Theme, lines: &mut Vec<Line<'_>>) {
    lines.push(Line::styled("── MPIS answered ──", theme.header()));
    lines.push(Line::styled(
        format!(
            "job {} · status {} · draft {}",
            response.job_id,
            clean(response.status.as_str()),
            response.draft_no
        ),
        theme.ok(),
    ));
    lines.extend(card_lines(
        theme,
        response.preview.as_ref(),
        response.human_prompt.as_deref(),
        "preview",
    ));
}
