//! `:ask`: the question box, the persona and time range asked about, then the answer: what the
//! question was understood as, who worded it, the confidence (number, bar, word), the text
//! (wrapped), the suggested actions and the citations (channel, published at, the metrics as
//! stored). A question the engine cannot answer shows what it can answer as a list. Every
//! text from the answer is network or database text: sanitized before it reaches a cell.

use crate::time_display::{self, TimeDisplay};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use serde_json::Value;

use crate::analyst::PhrasedBy;
use crate::domain::analyst::CitedItem;
use crate::domain::analyst::question::CAN_ANSWER;
use crate::text::{fit, wrap};
use crate::tui::app::{App, AskAnswer, AskFocus, AskState};
use crate::tui::text_field;
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, short_duration};

const LABEL: usize = 10;

pub fn render(app: &App, state: &AskState, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &app.options.theme;
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(" Ask the analyst ", theme.header()))
        .title_bottom(Line::styled(
            " Enter ask · ↑↓ history · Tab focus · ? help · Esc back ",
            theme.muted(),
        ));
    let inner = block.inner(area);
    if inner.height < 4 || inner.width < 20 {
        block.render(area, buf);
        return None;
    }
    let width = usize::from(inner.width);

    // The question box.
    let focused = state.focus == AskFocus::Question;
    let label_style = |on: bool| if on { theme.accent() } else { theme.muted() };
    let room = inner.width.saturating_sub(LABEL as u16);
    let shown = text_field::shown(&state.question, focused.then_some(state.cursor), room);
    let placeholder = state.question.is_empty() && !focused;
    let question = if placeholder {
        Span::styled("which channel works best?", theme.muted())
    } else {
        Span::raw(shown.text.clone())
    };
    Line::from(vec![
        Span::styled(format!("{:<LABEL$}", "Question"), label_style(focused)),
        question,
    ])
    .render(row(inner, 0), buf);
    let cursor = shown.cursor.filter(|_| focused).map(|column| Position {
        x: inner.x + LABEL as u16 + column,
        y: inner.y,
    });

    // Persona and range.
    let on_persona = state.focus == AskFocus::Persona;
    let persona = if on_persona {
        format!("◀ {} ▶", state.persona_label())
    } else {
        state.persona_label()
    };
    Line::from(vec![
        Span::styled(format!("{:<LABEL$}", "Persona"), label_style(on_persona)),
        Span::styled(
            fit(&persona, width.saturating_sub(LABEL + 31)),
            if on_persona {
                theme.selected()
            } else {
                Style::default()
            },
        ),
        Span::styled(" (Ctrl-P)   Range ", theme.muted()),
        Span::raw(state.range_text()),
        Span::styled(" (Ctrl-T)", theme.muted()),
    ])
    .render(row(inner, 1), buf);
    Line::styled(theme.glyphs.rule.repeat(width), theme.border()).render(row(inner, 2), buf);

    // The answer, scrolled.
    let body = Rect {
        y: inner.y + 3,
        height: inner.height - 3,
        ..inner
    };
    let (lines, selected) = body_lines(app, state, width);
    let height = usize::from(body.height);
    let max = lines.len().saturating_sub(height);
    let mut scroll = usize::from(state.scroll).min(max);
    // The selected action or citation stays in sight.
    if let Some((first, last)) = selected {
        if first < scroll {
            scroll = first;
        } else if last >= scroll + height {
            scroll = (last + 1).saturating_sub(height).min(first);
        }
    }
    if scroll < max {
        block = block
            .title_bottom(Line::styled(" more ↓ ", theme.accent()).alignment(Alignment::Right));
    }
    block.render(area, buf);
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    Paragraph::new(lines).scroll((scroll, 0)).render(body, buf);
    cursor
}

fn row(inner: Rect, n: u16) -> Rect {
    Rect {
        y: inner.y + n,
        height: 1,
        ..inner
    }
}

/// The lines below the question, and the rows of the selected action or citation (first,
/// last) when the focus is on one.
fn body_lines(
    app: &App,
    state: &AskState,
    width: usize,
) -> (Vec<Line<'static>>, Option<(usize, usize)>) {
    let theme = &app.options.theme;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(pending) = &state.pending {
        let secs = app
            .now
            .instant
            .saturating_duration_since(pending.since)
            .as_secs();
        lines.push(Line::styled(
            format!("asking… {} (Esc stops waiting)", short_duration(secs)),
            theme.accent(),
        ));
        lines.push(Line::raw(""));
    }
    if let Some(error) = &state.error {
        for part in wrap(&format!("No answer: {}", clean(error)), width) {
            lines.push(Line::styled(part, theme.critical()));
        }
        lines.push(Line::raw(""));
    }
    let Some(answer) = &state.answer else {
        if state.pending.is_none() && state.error.is_none() {
            lines.push(Line::styled(
                "Ask about the dashboard's own data, for example:",
                theme.muted(),
            ));
            lines.extend(can_answer(theme));
            if !app.ask_history.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled(
                    "↑ recalls your earlier questions.",
                    theme.muted(),
                ));
            }
        }
        return (lines, None);
    };
    let mut selected = None;
    let engine = &answer.asked.answer;
    let understood = engine.understood_as.map(|i| i.describe());
    let phrased = match answer.asked.phrased_by {
        PhrasedBy::Engine => "the engine",
        PhrasedBy::Llm => "a language model (figures checked)",
    };
    lines.push(Line::from(vec![
        Span::styled("asked      ", theme.muted()),
        Span::raw(fit(
            &format!(
                "{} · {} · {}",
                clean(&answer.question),
                answer.persona,
                answer.range
            ),
            width.saturating_sub(11),
        )),
    ]));
    lines.push(Line::from(vec![
        Span::styled("understood ", theme.muted()),
        Span::raw(fit(
            &format!(
                "{} · worded by {phrased}",
                understood.unwrap_or("not a question it can answer")
            ),
            width.saturating_sub(11),
        )),
    ]));
    lines.push(confidence_line(theme, engine.confidence));
    lines.push(Line::raw(""));
    if understood.is_none() {
        cannot_answer(theme, answer, width, &mut lines);
    } else {
        lines.extend(
            wrap(&clean(&engine.answer), width)
                .into_iter()
                .map(Line::raw),
        );
    }
    if !engine.suggested_actions.is_empty() {
        lines.push(Line::raw(""));
        lines.push(heading(
            theme,
            "Suggested actions",
            state.focus == AskFocus::Actions,
        ));
        for (n, action) in engine.suggested_actions.iter().enumerate() {
            let number = format!("{:>3}. ", n + 1);
            let is_selected = state.focus == AskFocus::Actions && n == state.selected_action;
            let style = if is_selected {
                theme.selected()
            } else {
                Style::default()
            };
            let first = lines.len();
            for (i, part) in wrap(&clean(action), width.saturating_sub(5))
                .into_iter()
                .enumerate()
            {
                let lead = if i == 0 {
                    Span::styled(number.clone(), theme.accent())
                } else {
                    Span::raw("     ")
                };
                lines.push(Line::from(vec![lead, Span::styled(part, style)]));
            }
            if is_selected {
                selected = Some((first, lines.len().saturating_sub(1)));
            }
        }
    }
    if !engine.citations.is_empty() {
        lines.push(Line::raw(""));
        lines.push(heading(
            theme,
            "Citations (Enter opens the item and its metric history)",
            state.focus == AskFocus::Citations,
        ));
        for (n, citation) in engine.citations.iter().enumerate() {
            let is_selected = state.focus == AskFocus::Citations && n == state.selected_citation;
            let marker = if is_selected { " ▶ " } else { "   " };
            let style = if is_selected {
                theme.selected()
            } else {
                Style::default()
            };
            // Wrapped, not cut: every stored metric stays in sight.
            let first = lines.len();
            for (i, part) in wrap(
                &citation_text(citation, app.times()),
                width.saturating_sub(5),
            )
            .into_iter()
            .enumerate()
            {
                let lead = if i == 0 { marker } else { "     " };
                lines.push(Line::from(vec![Span::raw(lead), Span::styled(part, style)]));
            }
            if is_selected {
                selected = Some((first, lines.len().saturating_sub(1)));
            }
        }
    }
    (lines, selected)
}

fn heading(theme: &Theme, text: &str, focused: bool) -> Line<'static> {
    let marker = if focused { "▶ " } else { "" };
    Line::styled(format!("{marker}{text}"), theme.header())
}

/// "confidence 0.42 ████░░░░░░ moderate".
fn confidence_line(theme: &Theme, confidence: f64) -> Line<'static> {
    let confidence = if confidence.is_finite() {
        confidence.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = (confidence * 10.0).round() as usize;
    let word = match confidence {
        c if c <= 0.0 => "none",
        c if c < 0.3 => "low",
        c if c < 0.7 => "moderate",
        _ => "high",
    };
    Line::from(vec![
        Span::styled("confidence ", theme.muted()),
        Span::raw(format!("{confidence:.2} ")),
        Span::styled(theme.glyphs.bar_full.repeat(filled), theme.accent()),
        Span::styled(theme.glyphs.bar_empty.repeat(10 - filled), theme.muted()),
        Span::raw(format!(" {word}")),
    ])
}

/// The engine's honest answer, its list of what it can answer one a line (the list is the
/// engine's own, `CAN_ANSWER`, so nothing is parsed out of the text but where it starts).
fn cannot_answer(theme: &Theme, answer: &AskAnswer, width: usize, lines: &mut Vec<Line<'static>>) {
    const LIST: &str = "I can answer:";
    let text = clean(&answer.asked.answer.answer);
    let intro = text
        .find(LIST)
        .map_or(text.as_str(), |at| &text[..at + LIST.len()]);
    lines.extend(wrap(intro, width).into_iter().map(Line::raw));
    lines.extend(can_answer(theme));
}

fn can_answer(theme: &Theme) -> Vec<Line<'static>> {
    CAN_ANSWER
        .iter()
        .map(|(_, example)| {
            Line::from(vec![
                Span::styled("  • ", theme.accent()),
                Span::raw(example.to_string()),
            ])
        })
        .collect()
}

/// "telegram · 2025-05-18 09:05 UTC · views 1000 · engagement_rate 0.2000 · measured …".
fn citation_text(citation: &CitedItem, times: TimeDisplay) -> String {
    let mut parts = vec![
        clean(&citation.channel),
        times.format(citation.published_at, time_display::MINUTE),
    ];
    let mut measured = None;
    for (key, value) in &citation.metrics {
        if key == "measured_at" {
            // The time as the other times on screen (the zone shown, to the minute); text
            // that is not a timestamp is shown as it came.
            measured = value.as_str().map(|text| {
                chrono::DateTime::parse_from_rfc3339(text).map_or_else(
                    |_| clean(text),
                    |t| times.format(t.with_timezone(&chrono::Utc), time_display::MINUTE),
                )
            });
            continue;
        }
        parts.push(format!("{} {}", clean(key), stored(key, value)));
    }
    if citation.metrics.is_empty() {
        parts.push("no metrics".to_string());
    }
    if let Some(measured) = measured {
        parts.push(format!("measured {measured}"));
    }
    parts.join(" · ")
}

/// A metric as the database stores it: counts whole, the engagement rate with the four
/// decimals of its `NUMERIC(5,4)` column.
fn stored(key: &str, value: &Value) -> String {
    match value {
        Value::Number(n) if key == "engagement_rate" => n
            .as_f64()
            .map_or_else(|| n.to_string(), |rate| format!("{rate:.4}")),
        Value::String(text) => clean(text),
        other => clean(&other.to_string()),
    }
}
