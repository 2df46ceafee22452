//! The `:project` form: name, persona (its picker under the fields, filtered as typed), and
//! channels (the known ones to toggle, Tab completing a typed one), each error beside its
//! field; the question before discarding typed input at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;

use super::form_parts::{
    FieldRow, ListSays, channel_lines, field_lines, form_block, loaded_list, persona_picker_lines,
    picker_room, tail_lines,
};
use crate::tui::app::App;
use crate::tui::forms::project::{CHANNELS, FIELDS, PERSONA, ProjectFormState};
use crate::tui::widgets::render_form;

const LABEL_WIDTH: usize = 12;

pub fn render(
    app: &App,
    state: &ProjectFormState,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let theme = &app.options.theme;
    let block = form_block(
        theme,
        " New project ",
        " Tab next field · Up/Down pick · Ctrl-S create · Esc back ",
    );
    let inner = block.inner(area);
    let persona_note = state.picked_persona().map(|p| {
        let language = p.language.as_deref().unwrap_or("?");
        (
            format!("· {language} · #{}", &p.id.simple().to_string()[..8]),
            false,
        )
    });
    let rows: Vec<FieldRow> = (0..FIELDS.len())
        .map(|index| FieldRow {
            label: FIELDS[index].1,
            value: state.value(index).to_string(),
            cursor: state.cursor(index),
            error: state.error(index),
            note: match index {
                PERSONA => persona_note.clone(),
                CHANNELS if state.channels.text.trim().is_empty() => {
                    Some(("none yet (a run needs at least one)".to_string(), false))
                }
                _ => None,
            },
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
    let tail = tail_lines(
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
        PERSONA => Some(persona_lines(state, room, &mut lines, theme)),
        _ => {
            lines.push(Line::styled(
                "A project is a persona and the channels its runs publish to; :run starts one.",
                theme.muted(),
            ));
            None
        }
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

fn persona_lines(
    state: &ProjectFormState,
    room: usize,
    lines: &mut Vec<Line<'static>>,
    theme: &crate::tui::theme::Theme,
) -> usize {
    let says = ListSays {
        loading: "loading personas…",
        failed: "cannot load personas",
        empty: "no personas in this database: create one with :genesis first",
    };
    let personas = match loaded_list(theme, &state.personas, |l| l.is_empty(), says, lines) {
        Ok(personas) => personas,
        Err(line) => return line,
    };
    persona_picker_lines(theme, &state.persona, personas, room, lines)
}
