//! The `:run` form: project (its persona beside it, the projects under the fields, filtered as
//! typed), channels, dates, the templates (marked required for the chosen channels), and the
//! options with "(default)" beside a default; every contract v1 problem beside its field; the
//! question before discarding changes, and whether n8n will get the run, at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;

use super::form_parts::{
    FieldRow, ListSays, channel_lines, field_lines, filtered_picker_lines, form_block, loaded_list,
    picker_room, tail_lines,
};
use crate::tui::app::App;
use crate::tui::forms::run::{
    CHANNELS, FIELDS, IMAGE, INCLUDE_IMAGE, INSTAGRAM, LOOKBACK, MAX_ITEMS, NEWS, PRODUCTS_WEEKLY,
    PROJECT, RunFormState, TELEGRAM,
};
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, fit, pad, render_form};

const LABEL_WIDTH: usize = 21;

pub fn render(app: &App, state: &RunFormState, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &app.options.theme;
    let block = form_block(
        theme,
        " Start a run ",
        " Tab next field · Up/Down pick · Space toggle · Ctrl-S start · Esc back ",
    );
    let inner = block.inner(area);
    let rows: Vec<FieldRow> = (0..FIELDS.len())
        .map(|index| FieldRow {
            label: FIELDS[index].1,
            value: state.value(index),
            cursor: state.cursor(index),
            error: state.error(index),
            note: note(state, index),
        })
        .collect();
    let mut lines = Vec::new();
    let mut focus = field_lines(
        theme,
        &rows,
        state.focus,
        LABEL_WIDTH,
        inner.width,
        &mut lines,
    );
    lines.push(Line::raw(""));
    let mut tail = tail_lines(
        theme,
        state.leaving,
        state.submitted_at,
        app.now.instant,
        state.failure.as_deref(),
    );
    let room = picker_room(inner, &lines, &tail);
    let picked_line = match state.focus {
        CHANNELS => Some(channel_lines(
            theme,
            &state.channels,
            &state.options(),
            &mut lines,
        )),
        PROJECT => Some(project_lines(state, room, &mut lines, theme)),
        _ => None,
    };
    lines.push(Line::raw(""));
    let has_tail = !tail.is_empty();
    let tail_start = lines.len();
    if !has_tail {
        tail.push(Line::styled(
            if app.n8n_configured {
                "Ctrl-S writes the run and its dispatch: n8n gets it within seconds."
            } else {
                "n8n is not configured (n8n_webhook_url): a started run stays pending."
            },
            theme.muted(),
        ));
    }
    lines.extend(tail);
    focus.also = if has_tail {
        Some(tail_start)
    } else {
        picked_line
    };
    render_form(block, lines, &focus, theme, area, buf)
}

/// What is said beside a field: the project's persona, what a template is needed for, a
/// default.
fn note(state: &RunFormState, index: usize) -> Option<(String, bool)> {
    match index {
        PROJECT => state
            .persona_name()
            .map(|name| (format!("persona {name}"), false)),
        NEWS | TELEGRAM | INSTAGRAM => match state.required(index) {
            Some(why) if state.value(index).trim().is_empty() => Some((why.to_string(), true)),
            Some(_) => None,
            None => Some(("not needed by these channels".to_string(), false)),
        },
        IMAGE => Some(("optional".to_string(), false)),
        LOOKBACK | MAX_ITEMS | INCLUDE_IMAGE | PRODUCTS_WEEKLY if state.is_default(index) => {
            Some(("(default)".to_string(), false))
        }
        _ => None,
    }
}

fn project_lines(
    state: &RunFormState,
    room: usize,
    lines: &mut Vec<Line<'static>>,
    theme: &Theme,
) -> usize {
    let says = ListSays {
        loading: "loading projects…",
        failed: "cannot load projects",
        empty: "no projects in this database: create one with :project",
    };
    let choices = match loaded_list(
        theme,
        &state.choices,
        |c| c.projects.is_empty(),
        says,
        lines,
    ) {
        Ok(choices) => choices,
        Err(line) => return line,
    };
    let visible = state.project.visible(&state.haystacks());
    let rows = visible
        .iter()
        .map(|&i| {
            let p = &choices.projects[i];
            (
                i,
                format!(
                    "{} · {} · {}",
                    pad(&clean(&p.name), 24),
                    pad(
                        &clean(choices.persona_name(p.persona_id).unwrap_or("?")),
                        20
                    ),
                    fit(&clean(&p.channels.join(", ")), 24)
                ),
            )
        })
        .collect();
    filtered_picker_lines(
        theme,
        "project",
        &state.project.filter,
        choices.projects.len(),
        rows,
        state.project.picked,
        room,
        lines,
    )
}
