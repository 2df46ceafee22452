//! The publish record form: each field with its value (cursor on the focused one) and its
//! validation message beside it, the approved drafts to pick from, and what happened to the
//! last submission. Taller than the screen, it scrolls to keep the focused field (and on the
//! draft field the picked draft) in sight.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::tui::app::App;
use crate::tui::forms::publish::{FIELDS, PublishFormState};
use crate::tui::widgets::{FormFocus, clean, fit, render_form, short_duration};

pub fn render(app: &App, state: &PublishFormState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Record a publish ", theme.header()))
        .title_bottom(Line::styled(
            " Tab next field · Up/Down pick a draft · Ctrl-S submit · Esc back ",
            theme.muted(),
        ));
    let mut lines = vec![
        Line::styled(
            "Written to the local outbox first (nothing is lost if MPIS is down), then forwarded to MPIS with draft, channel, item id and url only.",
            theme.muted(),
        ),
        Line::raw(""),
    ];
    let mut focus = FormFocus {
        field: 0..0,
        cursor: 0,
        also: None,
    };
    for (index, (_, label)) in FIELDS.iter().enumerate() {
        let focused = index == state.focus;
        if focused {
            focus.field = lines.len()..lines.len() + 1;
            focus.cursor = lines.len();
        }
        let marker = if focused { "▶ " } else { "  " };
        let cursor = if focused && !state.submitting() {
            "▏"
        } else {
            ""
        };
        let value_style = if focused {
            theme.accent()
        } else {
            Style::default()
        };
        let mut spans = vec![
            Span::raw(marker),
            Span::styled(format!("{label:<28}"), theme.header()),
            Span::styled(
                format!("{}{cursor}", clean(state.value(index))),
                value_style,
            ),
        ];
        if let Some(error) = state.error(index) {
            spans.push(Span::styled(
                format!("  ✖ {}", clean(error)),
                theme.critical(),
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    // On the draft field the picked draft (or the list's heading) stays in sight when there is
    // room; elsewhere the outcome does.
    let mut picked_line = lines.len();
    match (&state.drafts.value, &state.drafts.error) {
        (Some(drafts), _) if drafts.is_empty() => lines.push(Line::styled(
            "no approved drafts in this database: type a draft id",
            theme.muted(),
        )),
        (Some(drafts), _) => {
            lines.push(Line::styled(
                format!(
                    "approved drafts ({}), Up/Down on the draft field:",
                    drafts.len()
                ),
                theme.header(),
            ));
            let picked = state.picked.unwrap_or(0);
            let start = picked.saturating_sub(2);
            for (index, draft) in drafts.iter().enumerate().skip(start).take(5) {
                let chosen = state.picked == Some(index);
                if chosen {
                    picked_line = lines.len();
                }
                let style = if chosen {
                    theme.selected()
                } else {
                    Style::default()
                };
                lines.push(Line::styled(
                    format!(
                        "  {} {:<10} {} · {} (draft {})",
                        if chosen { "▸" } else { " " },
                        fit(&clean(&draft.channel), 10),
                        fit(&clean(&draft.plan_title), 40),
                        fit(&clean(&draft.persona_name), 30),
                        draft.draft_no
                    ),
                    style,
                ));
            }
        }
        (None, Some(error)) => lines.push(Line::styled(
            format!("cannot load drafts: {}", clean(error)),
            theme.critical(),
        )),
        (None, None) => lines.push(Line::styled("loading approved drafts…", theme.muted())),
    }
    lines.push(Line::raw(""));
    let status = lines.len();
    if let Some(started) = state.submitted_at {
        let elapsed = app.now.saturating_duration_since(started).as_secs();
        lines.push(Line::styled(
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
            lines.push(Line::styled(
                format!(
                    "[{}] {}",
                    outcome.record.state.to_uppercase(),
                    clean(&outcome.note)
                ),
                style,
            ));
            lines.push(Line::styled(
                format!("outbox record {}", outcome.record.id),
                theme.muted(),
            ));
        }
        Some(Err(error)) => lines.push(Line::styled(
            format!("not written: {}", clean(error)),
            theme.critical(),
        )),
        None => {}
    }
    if state.submitting() {
        // Keys wait meanwhile: the spinner is what to look at.
        focus = FormFocus {
            field: status..status + 1,
            cursor: status,
            also: None,
        };
    } else if state.focus == 0 {
        focus.also = Some(picked_line);
    } else if lines.len() > status {
        focus.also = Some(status);
    }
    render_form(block, lines, &focus, theme, area, buf);
}
