//! The publish record form: each field with its value (the terminal's cursor in the focused one,
//! a long value scrolled sideways to it) and its validation message beside it (and beside the draft a warning when it is not approved), the
//! approved drafts to pick from (marked when already published; as many rows as the screen
//! has room for), and the current state of the last submission's record. Taller than the
//! screen, it scrolls to keep the focused field (and on the draft field the picked draft) in
//! sight.

use crate::time_display::{self, TimeDisplay};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::form_parts::{ListSays, form_block, loaded_list, matching};
use crate::tui::app::App;
use crate::tui::forms::publish::{CHANNEL, FIELDS, PROJECT, PublishFormState, RUN};
use crate::tui::text_field;
use crate::tui::theme::Theme;
use crate::tui::widgets::{
    FormFocus, clean, fit, labelled_lines, pad, render_form, short_duration, status_symbol,
    wrapped_height,
};

/// The fewest picker rows shown, however small the screen (the form scrolls).
const MIN_PICKER_ROWS: usize = 5;
const LABEL_WIDTH: usize = 28;
/// Columns before a field's value: the focus marker and the label.
const VALUE_COLUMN: u16 = 2 + LABEL_WIDTH as u16;

/// Draws the form; returns where the terminal's cursor goes (in the focused field).
/// The form's inner height from which the intro is shown.
const INTRO_FROM_HEIGHT: u16 = 30;

pub fn render(
    app: &App,
    state: &PublishFormState,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let theme = &app.options.theme;
    let block = form_block(
        theme,
        " Record a publish ",
        " Tab next field · Up/Down pick · Ctrl-S submit · Esc back ",
    );
    // The intro only where there is room for it besides the picker's drafts: at 80x24 its
    // three rows are one more draft to choose from.
    let mut lines = Vec::new();
    if block.inner(area).height >= INTRO_FROM_HEIGHT {
        lines.push(Line::styled(
            "Written to the local outbox first (nothing is lost if MPIS is down), then forwarded to MPIS with draft, channel, item id and url only.",
            theme.muted(),
        ));
        lines.push(Line::raw(""));
    }
    let width = block.inner(area).width;
    let mut focus = FormFocus {
        field: 0..0,
        cursor: 0,
        column: None,
        also: None,
    };
    for (index, (_, label)) in FIELDS.iter().enumerate() {
        let focused = index == state.focus;
        let shown = text_field::shown(
            state.value(index),
            state.cursor(index),
            width.saturating_sub(VALUE_COLUMN),
        );
        if focused {
            focus.field = lines.len()..lines.len() + 1;
            focus.cursor = lines.len();
            focus.column = shown.cursor.map(|c| VALUE_COLUMN + c);
        }
        let marker = if focused {
            format!("{} ", theme.glyphs.pointer)
        } else {
            "  ".to_string()
        };
        let value_style = if focused {
            theme.accent()
        } else {
            Style::default()
        };
        let mut spans = vec![
            Span::raw(marker),
            Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.header()),
            Span::styled(shown.text, value_style),
        ];
        if let Some(error) = state.error(index) {
            spans.push(Span::styled(
                format!("  {} {}", theme.glyphs.failed, clean(error)),
                theme.critical(),
            ));
        }
        let remark = match index {
            0 => state.draft_remark(),
            CHANNEL => state.channel_remark(app.times()),
            _ => None,
        };
        if let Some(remark) = remark {
            let (symbol, style) = if remark.warning {
                ("⚠", theme.warning())
            } else {
                ("·", theme.muted())
            };
            spans.push(Span::styled(
                format!("  {symbol} {}", clean(&remark.text)),
                style,
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    // Below the picker: the spinner and the record's state.
    let mut tail = vec![Line::raw("")];
    if let Some(started) = state.submitted_at {
        let elapsed = app.now.instant.saturating_duration_since(started).as_secs();
        tail.push(Line::styled(
            format!("⠿ submitting… {}", short_duration(elapsed)),
            theme.accent(),
        ));
    }
    match &state.outcome {
        Some(Ok(outcome)) => {
            let style = match outcome.record.state.as_str() {
                "forwarded" => theme.ok(),
                "failed" => theme.critical(),
                _ => theme.warning(),
            };
            let label = format!("[{}] ", outcome.record.state.as_str().to_uppercase());
            tail.extend(labelled_lines(&label, &outcome.note, style));
            tail.push(Line::styled(
                format!("outbox record {}", outcome.record.id),
                theme.muted(),
            ));
        }
        Some(Err(error)) => tail.extend(labelled_lines("not written: ", error, theme.critical())),
        None => {}
    }
    // The picker takes the rows left over (its heading aside), at least a few.
    let inner = block.inner(area);
    let height = |lines: &[Line]| -> usize {
        lines
            .iter()
            .map(|line| wrapped_height(line, inner.width))
            .sum()
    };
    let room = usize::from(inner.height)
        .saturating_sub(height(&lines) + height(&tail) + 1)
        .max(MIN_PICKER_ROWS);
    // The focused field's picker (the drafts elsewhere); its picked row stays in sight when
    // there is room, or else the outcome does.
    let picked_line = match state.focus {
        CHANNEL => {
            lines.push(Line::styled(
                "Up/Down: telegram · instagram · tiktok · youtube",
                theme.muted(),
            ));
            lines.len() - 1
        }
        RUN | PROJECT => target_lines(theme, app.times(), state, room, &mut lines),
        _ => draft_lines(theme, app.times(), state, room, inner.width, &mut lines),
    };
    let status = lines.len() + 1;
    lines.extend(tail);
    if state.submitting() {
        // Keys wait meanwhile: the spinner is what to look at.
        focus = FormFocus {
            field: status..status + 1,
            cursor: status,
            column: None,
            also: None,
        };
    } else if [0, CHANNEL, RUN, PROJECT].contains(&state.focus) {
        focus.also = Some(picked_line);
    } else if lines.len() > status {
        focus.also = Some(status);
    }
    render_form(block, lines, &focus, theme, area, buf)
}

/// Up to `room` rows around the picked one, under a heading; returns the picked row's line (the
/// heading's when nothing is picked).
fn picker_lines(
    theme: &Theme,
    heading: String,
    rows: Vec<String>,
    picked: Option<usize>,
    room: usize,
    lines: &mut Vec<Line<'static>>,
) -> usize {
    let mut picked_line = lines.len();
    lines.push(Line::styled(heading, theme.header()));
    // The picked row with rows on both sides; the window slides to the list's end.
    let start = picked
        .unwrap_or(0)
        .saturating_sub(room / 2)
        .min(rows.len().saturating_sub(room));
    for (index, row) in rows.into_iter().enumerate().skip(start).take(room) {
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
    picked_line
}

/// The approved drafts to pick from (or why there are none): the ones matching what was typed,
/// each with its full title (wrapped), and below it persona, date, short id and draft number;
/// marked when already published on the typed channel (✓) or on another one (○). As many as
/// fit in `room` rows around the picked one, saying how many more there are.
fn draft_lines(
    theme: &Theme,
    times: TimeDisplay,
    state: &PublishFormState,
    room: usize,
    width: u16,
    lines: &mut Vec<Line<'static>>,
) -> usize {
    let says = ListSays {
        loading: "loading approved drafts…",
        failed: "cannot load drafts",
        empty: "no approved drafts in this database: type a draft id",
    };
    let drafts = match loaded_list(theme, &state.drafts, |d| d.is_empty(), says, lines) {
        Ok(drafts) => drafts,
        Err(line) => return line,
    };
    let typed_channel = state.form.channel_text.trim().to_lowercase();
    let visible = state.visible_drafts();
    let filter = matching(&state.draft_filter);
    let on = if typed_channel.is_empty() {
        "its channel".to_string()
    } else {
        clean(&typed_channel)
    };
    let heading_line = lines.len();
    lines.push(Line::styled(
        format!(
            "approved drafts ({} of {}{filter}; ✓ published on {on}, ○ elsewhere): type to filter, Up/Down pick, Enter take",
            visible.len(),
            drafts.len()
        ),
        theme.header(),
    ));
    if visible.is_empty() {
        lines.push(Line::styled(
            "  none matches: type less, or a draft id",
            theme.muted(),
        ));
        return lines.len() - 1;
    }
    // Short ids: 8 hex digits, more when two listed drafts share them.
    let ids: Vec<String> = visible
        .iter()
        .map(|&i| drafts[i].id.simple().to_string())
        .collect();
    let short = (8..32)
        .find(|&n| {
            let mut prefixes: Vec<&str> = ids.iter().map(|id| &id[..n]).collect();
            prefixes.sort_unstable();
            prefixes.windows(2).all(|w| w[0] != w[1])
        })
        .unwrap_or(32);
    // Each draft as two lines (its title wraps); the heights decide how many fit.
    let items: Vec<[Line<'static>; 2]> = visible
        .iter()
        .map(|&index| {
            let draft = &drafts[index];
            let chosen = state.picked == Some(index);
            let channel = if typed_channel.is_empty() {
                draft.channel.to_lowercase()
            } else {
                typed_channel.clone()
            };
            let mark = if draft.published_on.contains(&channel) {
                "✓"
            } else if !draft.published_on.is_empty() {
                "○"
            } else {
                " "
            };
            let style = if chosen {
                theme.selected()
            } else {
                Style::default()
            };
            [
                Line::styled(
                    format!(
                        "  {} {mark} {} {}",
                        if chosen { theme.glyphs.selected } else { " " },
                        pad(&clean(&draft.channel), 10),
                        clean(&draft.plan_title)
                    ),
                    style,
                ),
                Line::styled(
                    format!(
                        "      {} · {} · #{} · draft {}",
                        clean(&draft.persona_name),
                        times.format(draft.created_at, time_display::MINUTE),
                        &draft.id.simple().to_string()[..short],
                        draft.draft_no
                    ),
                    theme.muted(),
                ),
            ]
        })
        .collect();
    let heights: Vec<usize> = items
        .iter()
        .map(|item| item.iter().map(|l| wrapped_height(l, width)).sum())
        .collect();
    let picked = state
        .picked
        .and_then(|p| visible.iter().position(|v| *v == p))
        .unwrap_or(0);
    let (start, end) = window(&heights, picked, room.saturating_sub(1).max(2));
    let mut picked_line = heading_line;
    if start > 0 {
        lines.push(Line::styled(
            format!("  {} {start} more", theme.glyphs.arrow_up),
            theme.accent(),
        ));
    }
    for (position, item) in items.into_iter().enumerate().take(end).skip(start) {
        lines.extend(item);
        if position == picked && state.picked.is_some() {
            picked_line = lines.len() - 1;
        }
    }
    if end < visible.len() {
        lines.push(Line::styled(
            format!("  {} {} more", theme.glyphs.arrow_down, visible.len() - end),
            theme.accent(),
        ));
    }
    picked_line
}

/// The items `start..end` to show within `room` rows (`heights` in rows) with `picked` among
/// them: about half the room before it, the rest after (more before at the list's end).
fn window(heights: &[usize], picked: usize, room: usize) -> (usize, usize) {
    if heights.is_empty() {
        return (0, 0);
    }
    let picked = picked.min(heights.len() - 1);
    let (mut start, mut end) = (picked, picked + 1);
    let mut used = heights[picked];
    while start > 0 && used + heights[start - 1] <= room / 2 {
        start -= 1;
        used += heights[start];
    }
    while end < heights.len() && used + heights[end] <= room {
        used += heights[end];
        end += 1;
    }
    while start > 0 && used + heights[start - 1] <= room {
        start -= 1;
        used += heights[start];
    }
    (start, end)
}

/// The recent runs (run field) or the projects (project field) to pick from.
fn target_lines(
    theme: &Theme,
    times: TimeDisplay,
    state: &PublishFormState,
    room: usize,
    lines: &mut Vec<Line<'static>>,
) -> usize {
    let targets = match (&state.targets.value, &state.targets.error) {
        (Some(targets), _) => targets,
        (None, Some(error)) => {
            lines.push(Line::styled(
                format!("cannot load runs and projects: {}", clean(error)),
                theme.critical(),
            ));
            return lines.len() - 1;
        }
        (None, None) => {
            lines.push(Line::styled(
                "loading recent runs and projects…",
                theme.muted(),
            ));
            return lines.len() - 1;
        }
    };
    if state.focus == RUN {
        if targets.runs.is_empty() {
            lines.push(Line::styled(
                "no runs in this database: type a run id, or leave it empty",
                theme.muted(),
            ));
            return lines.len() - 1;
        }
        let rows = targets
            .runs
            .iter()
            .map(|run| {
                format!(
                    "{} {} {} · {} · {}",
                    status_symbol(theme, &run.status),
                    pad(&clean(&run.status), 8),
                    times.format(run.started_at, time_display::SHORT),
                    fit(&clean(&run.project_name), 28),
                    fit(&clean(&run.persona_name), 24)
                )
            })
            .collect();
        let heading = format!(
            "recent runs ({}), Up/Down on the run field (fills the project too):",
            targets.runs.len()
        );
        return picker_lines(theme, heading, rows, state.picked_run, room, lines);
    }
    if targets.projects.is_empty() {
        lines.push(Line::styled(
            "no projects in this database: type a project id, or leave it empty",
            theme.muted(),
        ));
        return lines.len() - 1;
    }
    let rows = targets
        .projects
        .iter()
        .map(|project| {
            format!(
                "{} · {}",
                fit(&clean(&project.name), 40),
                fit(&clean(&project.channels.join(", ")), 40)
            )
        })
        .collect();
    let heading = format!(
        "projects ({}), Up/Down on the project field:",
        targets.projects.len()
    );
    picker_lines(theme, heading, rows, state.picked_project, room, lines)
}
