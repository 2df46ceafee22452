//! The `:jobs` create / edit form: each field on its line with its error; under the cron, as
//! typed, its description and the next three runs (UTC, as every screen shows times) or why
//! it is not a cron; under the fields, what the focused one takes (the persona picker, the
//! channels Tab completes, how a credential is referenced); the discard question at the end.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;

use super::form_parts::{
    FieldRow, field_lines, form_block, persona_picker_lines, picker_room, tail_lines,
};
use crate::domain::job_form::{self, CREDENTIAL_HINT};
use crate::tui::app::App;
use crate::tui::forms::job::{
    BASE_URL, CHANNEL, CREDENTIAL, CRON, ENABLED, FIELDS, JobFormState, LOOKBACK, PERSONA,
};
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, render_form};

const LABEL_WIDTH: usize = 12;

pub fn render(app: &App, state: &JobFormState, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &app.options.theme;
    let title = match state.editing {
        Some(_) => " Edit ingestion job ",
        None => " New ingestion job ",
    };
    let block = form_block(
        theme,
        title,
        " Tab next field · Up/Down pick · Space on/off · Ctrl-S save · Esc back ",
    );
    let inner = block.inner(area);
    let rows: Vec<FieldRow> = (0..FIELDS.len())
        .map(|index| FieldRow {
            label: FIELDS[index].1,
            value: state.value(index).to_string(),
            cursor: state.cursor(index),
            error: state.error(index),
            note: note(state, index),
        })
        .collect();
    let mut lines = Vec::new();
    // The cron's own lines go right under it: the fields are laid out in two runs.
    let split = CRON + 1;
    let first = field_lines(
        theme,
        &rows[..split],
        if state.focus < split {
            state.focus
        } else {
            usize::MAX
        },
        LABEL_WIDTH,
        inner.width,
        &mut lines,
    );
    cron_lines(app, state, theme, &mut lines);
    let second = field_lines(
        theme,
        &rows[split..],
        state.focus.checked_sub(split).unwrap_or(usize::MAX),
        LABEL_WIDTH,
        inner.width,
        &mut lines,
    );
    let mut focus = if state.focus < split { first } else { second };
    for problem in state.config_errors() {
        lines.push(Line::styled(
            format!("  {} {}", theme.glyphs.failed, clean(problem)),
            theme.critical(),
        ));
    }
    lines.push(Line::raw(""));
    let tail = tail_lines(
        theme,
        state.leaving,
        state.submitted_at,
        app.now.instant,
        state.failure.as_deref(),
    );
    let room = picker_room(inner, &lines, &tail);
    let picked_line = match state.focus {
        PERSONA => Some(persona_lines(state, room, &mut lines, theme)),
        CHANNEL => {
            let options = state.options().join(" · ");
            lines.push(Line::styled(
                format!("channels: {options} (Tab completes)"),
                theme.muted(),
            ));
            None
        }
        CREDENTIAL => {
            lines.push(Line::styled(
                format!("credential: {CREDENTIAL_HINT}"),
                theme.muted(),
            ));
            None
        }
        _ => None,
    };
    lines.push(Line::raw(""));
    let tail_start = lines.len();
    let has_tail = !tail.is_empty();
    lines.extend(tail);
    focus.also = if has_tail {
        Some(tail_start)
    } else {
        picked_line
    };
    render_form(block, lines, &focus, theme, area, buf)
}

/// What is said after a field's value when it has no error.
fn note(state: &JobFormState, index: usize) -> Option<(String, bool)> {
    match index {
        CHANNEL => {
            let completions = state.channel_completions();
            (!completions.is_empty()).then(|| (format!("Tab: {}", completions.join(" · ")), false))
        }
        PERSONA => Some(match state.picked_persona() {
            Some(p) => (
                format!(
                    "· {} · #{}",
                    p.language.as_deref().unwrap_or("?"),
                    &p.id.simple().to_string()[..8]
                ),
                false,
            ),
            None if state.persona.text.trim().is_empty() => ("all personas".to_string(), false),
            None => ("Enter takes the highlighted one".to_string(), true),
        }),
        LOOKBACK if state.lookback.value.trim().is_empty() => {
            Some(("the configured default (24 h)".to_string(), false))
        }
        BASE_URL if state.base_url.value.trim().is_empty() => {
            Some(("the platform's own API".to_string(), false))
        }
        CREDENTIAL if state.credential.value.trim().is_empty() => {
            Some(("none (env var name or /path#key)".to_string(), false))
        }
        ENABLED => Some(("Space toggles".to_string(), false)),
        _ => None,
    }
}

/// Under the cron: its description and the next three runs, or why it is not one (as typed).
fn cron_lines(app: &App, state: &JobFormState, theme: &Theme, lines: &mut Vec<Line<'static>>) {
    let indent = " ".repeat(2 + LABEL_WIDTH);
    if state.error(CRON).is_some() {
        return;
    }
    match job_form::check_cron(&state.cron.value) {
        Ok(schedule) => {
            lines.push(Line::styled(
                format!(
                    "{indent}{}",
                    clean(schedule.describe().trim_end_matches('.'))
                ),
                theme.ok(),
            ));
            // The cron runs in UTC; its times are shown in the zone chosen, named once.
            let runs = job_form::next_runs(&schedule, app.now.wall, 3);
            let next: Vec<String> = runs
                .iter()
                .map(|t| app.times().bare(*t, "%a %m-%d %H:%M"))
                .collect();
            let text = match runs.last() {
                None => "never fires".to_string(),
                Some(last) => format!(
                    "next: {} {}",
                    next.join(" · "),
                    app.times().abbreviation(*last)
                ),
            };
            lines.push(Line::styled(format!("{indent}{text}"), theme.muted()));
        }
        Err(why) => lines.push(Line::styled(
            format!("{indent}{} {}", theme.glyphs.failed, clean(&why)),
            theme.critical(),
        )),
    }
}

fn persona_lines(
    state: &JobFormState,
    room: usize,
    lines: &mut Vec<Line<'static>>,
    theme: &Theme,
) -> usize {
    if state.personas.is_empty() {
        lines.push(Line::styled(
            "no personas listed: leave it blank for all, or type a persona id",
            theme.muted(),
        ));
        return lines.len() - 1;
    }
    persona_picker_lines(theme, &state.persona, &state.personas, room, lines)
}
