//! What the `:project` and `:run` forms draw alike: one line per field (focus marker, label,
//! value scrolled to the cursor, then its error or a note), a picker's list (filtered as
//! typed, the room it gets), the channel choices, and the form's last line (the question
//! before discarding, the write in flight, a failure naming no field). The `:publish` form
//! shares the loading / failed / empty line of its draft list.

use std::time::Instant;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::store::personas::PersonaSummary;
use crate::tui::data::Loadable;
use crate::tui::forms::choice::{ChannelField, Picker, persona_haystacks};
use crate::tui::text_field::{self, Cursor};
use crate::tui::theme::Theme;
use crate::tui::widgets::{
    FormFocus, clean, fit, labelled_lines, pad, short_duration, wrapped_height,
};

/// One field as drawn.
pub struct FieldRow<'a> {
    pub label: &'a str,
    pub value: String,
    pub cursor: Option<Cursor>,
    pub error: Option<&'a str>,
    /// Said after the value: (text, a warning rather than a note).
    pub note: Option<(String, bool)>,
}

/// The fields' lines; returns the focus (the focused field's line and the cursor's column).
pub fn field_lines(
    theme: &Theme,
    rows: &[FieldRow],
    focus: usize,
    label_width: usize,
    width: u16,
    lines: &mut Vec<Line<'static>>,
) -> FormFocus {
    let value_column = 2 + label_width as u16;
    let mut form_focus = FormFocus {
        field: 0..0,
        cursor: 0,
        column: None,
        also: None,
    };
    for (index, row) in rows.iter().enumerate() {
        let focused = index == focus;
        let room = width.saturating_sub(value_column);
        let shown = text_field::shown(&row.value, row.cursor, room);
        if focused {
            form_focus.field = lines.len()..lines.len() + 1;
            form_focus.cursor = lines.len();
            form_focus.column = shown.cursor.map(|c| value_column + c);
        }
        let mut spans = vec![
            Span::raw(if focused { "▶ " } else { "  " }),
            Span::styled(format!("{:<label_width$}", row.label), theme.header()),
            Span::styled(
                shown.text,
                if focused {
                    theme.accent()
                } else {
                    Style::default()
                },
            ),
        ];
        if let Some(error) = row.error {
            spans.push(Span::styled(
                format!("  {} {}", theme.glyphs.failed, clean(error)),
                theme.critical(),
            ));
        } else if let Some((note, warning)) = &row.note {
            let style = if *warning {
                theme.warning()
            } else {
                theme.muted()
            };
            spans.push(Span::styled(format!("  {}", clean(note)), style));
        }
        lines.push(Line::from(spans));
    }
    form_focus
}

/// Up to `room` rows of a list around the picked one, under a heading; returns the picked
/// row's line (the heading's when nothing is picked).
pub fn picker_lines(
    theme: &Theme,
    heading: String,
    rows: Vec<(usize, String)>,
    picked: Option<usize>,
    room: usize,
    lines: &mut Vec<Line<'static>>,
) -> usize {
    let mut picked_line = lines.len();
    lines.push(Line::styled(heading, theme.header()));
    let position = picked.and_then(|p| rows.iter().position(|(i, _)| *i == p));
    let room = room.max(1);
    let start = position
        .unwrap_or(0)
        .saturating_sub(room / 2)
        .min(rows.len().saturating_sub(room));
    if start > 0 {
        lines.push(Line::styled(format!("  ↑ {start} more"), theme.accent()));
    }
    let total = rows.len();
    for (index, row) in rows.into_iter().skip(start).take(room) {
        let chosen = picked == Some(index);
        if chosen {
            picked_line = lines.len();
        }
        lines.push(Line::styled(
            format!(
                "  {} {row}",
                if chosen { theme.glyphs.selected } else { " " }
            ),
            if chosen {
                theme.selected()
            } else {
                Style::default()
            },
        ));
    }
    let end = (start + room).min(total);
    if end < total {
        lines.push(Line::styled(
            format!("  ↓ {} more", total - end),
            theme.accent(),
        ));
    }
    picked_line
}

/// The channels offered, each marked when listed, the highlighted one shown; and what the
/// channel being typed completes to.
pub fn channel_lines(
    theme: &Theme,
    field: &ChannelField,
    options: &[String],
    lines: &mut Vec<Line<'static>>,
) -> usize {
    lines.push(Line::styled(
        "channels: type (Tab completes), or Up/Down and Space toggle:",
        theme.header(),
    ));
    let listed = field.listed();
    let mut spans = vec![Span::raw("  ")];
    for (index, option) in options.iter().enumerate() {
        let mark = if listed.contains(option) {
            "[x]"
        } else {
            "[ ]"
        };
        let style = if field.highlight == Some(index) {
            theme.selected()
        } else {
            Style::default()
        };
        spans.push(Span::styled(format!("{mark} {}", clean(option)), style));
        spans.push(Span::raw("  "));
    }
    lines.push(Line::from(spans));
    let completions = field.completions(options);
    if !completions.is_empty() {
        lines.push(Line::styled(
            format!("  Tab: {}", clean(&completions.join(" · "))),
            theme.muted(),
        ));
    }
    lines.len() - 1
}

/// The form's last lines: the question before discarding, the write in flight (sent at
/// `submitted_at`, `now` being the frame's instant), a failure.
pub fn tail_lines(
    theme: &Theme,
    leaving: bool,
    submitted_at: Option<Instant>,
    now: Instant,
    failure: Option<&str>,
) -> Vec<Line<'static>> {
    let submitting = submitted_at.map(|at| now.saturating_duration_since(at).as_secs());
    let mut tail = Vec::new();
    if leaving {
        tail.push(Line::styled(
            "Discard what you typed? y: discard and leave · n / Esc: keep editing",
            theme.warning(),
        ));
    }
    if let Some(elapsed) = submitting {
        tail.push(Line::styled(
            format!("⠿ writing… {}", short_duration(elapsed)),
            theme.accent(),
        ));
    }
    if let Some(failure) = failure {
        tail.extend(labelled_lines("not written: ", failure, theme.critical()));
    }
    tail
}

/// What a picker says when its list is not there: while loading, when loading failed
/// (`{failed}: the error`), when the database has none.
pub struct ListSays<'a> {
    pub loading: &'a str,
    pub failed: &'a str,
    pub empty: &'a str,
}

/// A picker's list as loaded; else the one line saying why there is none (`Err` with that
/// line's index).
pub fn loaded_list<'a, T>(
    theme: &Theme,
    list: &'a Loadable<T>,
    is_empty: impl FnOnce(&T) -> bool,
    says: ListSays,
    lines: &mut Vec<Line<'static>>,
) -> Result<&'a T, usize> {
    match (&list.value, &list.error) {
        (Some(value), _) if is_empty(value) => {
            lines.push(Line::styled(says.empty.to_string(), theme.muted()));
        }
        (Some(value), _) => return Ok(value),
        (None, Some(error)) => {
            lines.push(Line::styled(
                format!("{}: {}", says.failed, clean(error)),
                theme.critical(),
            ));
        }
        (None, None) => lines.push(Line::styled(says.loading.to_string(), theme.muted())),
    }
    Err(lines.len() - 1)
}

/// ` matching "typed"` after a picker's heading while a filter is typed.
pub fn matching(filter: &str) -> String {
    if filter.is_empty() {
        String::new()
    } else {
        format!(" matching {:?}", clean(filter))
    }
}

/// A persona picker's lines: the personas its filter lets through (name, language, slug),
/// through [`filtered_picker_lines`].
pub fn persona_picker_lines(
    theme: &Theme,
    picker: &Picker,
    personas: &[PersonaSummary],
    room: usize,
    lines: &mut Vec<Line<'static>>,
) -> usize {
    let rows = picker
        .visible(&persona_haystacks(personas))
        .into_iter()
        .map(|i| {
            let p = &personas[i];
            (
                i,
                format!(
                    "{} · {} · {}",
                    pad(&clean(&p.name), 30),
                    pad(&clean(p.language.as_deref().unwrap_or("?")), 4),
                    fit(&clean(&p.slug), 30)
                ),
            )
        })
        .collect();
    filtered_picker_lines(
        theme,
        "persona",
        &picker.filter,
        personas.len(),
        rows,
        picker.picked,
        room,
        lines,
    )
}

/// A list of `noun`s filtered as typed: "no {noun} matching ...: type less" when none is left,
/// else [`picker_lines`] under "{noun}s (shown of total matching ...)". Returns the picked
/// row's line.
#[allow(clippy::too_many_arguments)]
pub fn filtered_picker_lines(
    theme: &Theme,
    noun: &str,
    filter: &str,
    total: usize,
    rows: Vec<(usize, String)>,
    picked: Option<usize>,
    room: usize,
    lines: &mut Vec<Line<'static>>,
) -> usize {
    let filter = matching(filter);
    if rows.is_empty() {
        lines.push(Line::styled(
            format!("no {noun}{filter}: type less"),
            theme.muted(),
        ));
        return lines.len() - 1;
    }
    let heading = format!(
        "{noun}s ({} of {total}{filter}): type to filter, Up/Down pick, Enter take",
        rows.len()
    );
    picker_lines(theme, heading, rows, picked, room, lines)
}

/// Rows left for a picker's list between the `lines` above it and the `tail` below, in a form
/// `area` wide and high (at least 3).
pub fn picker_room(area: Rect, lines: &[Line], tail: &[Line]) -> usize {
    let height = |lines: &[Line]| -> usize {
        lines
            .iter()
            .map(|line| wrapped_height(line, area.width))
            .sum()
    };
    usize::from(area.height)
        .saturating_sub(height(lines) + height(tail) + 2)
        .max(3)
}

/// A form's frame: its title at the top, its keys at the bottom.
pub fn form_block(theme: &Theme, title: &str, keys: &str) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(title.to_string(), theme.header()))
        .title_bottom(Line::styled(keys.to_string(), theme.muted()))
}
