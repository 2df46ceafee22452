//! An outbox record's detail (Enter on the outbox widget): draft, channel, state, attempts,
//! last error (whole, sanitized), next attempt, created/forwarded times, MPIS's published item
//! id. The schema keeps no history of each attempt, so the popup says what it does keep.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::store::outbox::{OutboxState, PublishRecord};
use crate::tui::app::App;
use crate::tui::widgets::{clean, clean_lines, status_marker};

const WIDTH: u16 = 76;
const LABEL: usize = 13;

fn time(app: &App, at: DateTime<Utc>) -> String {
    app.times().format(at, crate::time_display::SECOND)
}

/// What the state means for this record, in words (never "gave up" after no try).
pub fn state_text(record: &PublishRecord) -> String {
    match (record.state, record.attempts) {
        (OutboxState::Forwarded, _) => "forwarded: MPIS has it".to_string(),
        (OutboxState::Queued, 0) => "queued: not sent yet".to_string(),
        (OutboxState::Queued, _) => "queued: MPIS was not reached; tried again".to_string(),
        (OutboxState::Failed, 0) => "failed before it was sent; not retried".to_string(),
        (OutboxState::Failed, _) => "refused by MPIS; not retried on its own".to_string(),
    }
}

pub fn render(app: &App, record: &PublishRecord, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<LABEL$}"), theme.muted()),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<LABEL$}", "state"), theme.muted()),
            Span::styled(
                status_marker(theme, record.state.as_str()),
                theme.status(record.state.as_str()),
            ),
            Span::raw(format!(" · {}", state_text(record))),
        ]),
        field("draft", record.draft_id.to_string()),
        field(
            "channel",
            match record.channel_item_id.as_deref() {
                Some(item) => format!("{} · item {}", clean(&record.channel), clean(item)),
                None => clean(&record.channel),
            },
        ),
    ];
    if let Some(url) = &record.channel_url {
        lines.push(field("url", clean(url)));
    }
    if let Some(run) = record.run_id {
        lines.push(field("run", run.to_string()));
    }
    lines.push(field(
        "attempts",
        match record.attempts {
            0 => "none yet".to_string(),
            n => n.to_string(),
        },
    ));
    lines.push(field(
        "next attempt",
        match record.state {
            OutboxState::Queued => time(app, record.next_attempt_at),
            _ => "none".to_string(),
        },
    ));
    let error = record.last_error.as_deref().map(clean_lines);
    match error {
        Some(error_lines) => {
            let mut first = true;
            for line in error_lines {
                let label = if first { "last error" } else { "" };
                first = false;
                lines.push(Line::from(vec![
                    Span::styled(format!("{label:<LABEL$}"), theme.muted()),
                    Span::styled(line, theme.critical()),
                ]));
            }
        }
        None => lines.push(field("last error", "none".to_string())),
    }
    lines.push(field(
        "created",
        format!(
            "{}{}",
            time(app, record.created_at),
            record
                .created_by
                .as_deref()
                .map(|by| format!(" by {}", clean(by)))
                .unwrap_or_default()
        ),
    ));
    lines.push(field(
        "forwarded",
        record
            .forwarded_at
            .map_or_else(|| "not yet".to_string(), |at| time(app, at)),
    ));
    lines.push(field(
        "MPIS item",
        record
            .mpis_published_item_id
            .map_or_else(|| "none yet".to_string(), |id| id.to_string()),
    ));
    lines.push(Line::styled(
        "(each attempt is not kept: the count, last error and next attempt are)",
        theme.muted(),
    ));
    lines.push(Line::raw(""));
    let keys = if record.state == OutboxState::Failed && !app.options.read_only {
        "R retry (asks first) · any other key closes"
    } else {
        "any key closes"
    };
    lines.push(Line::styled(keys, theme.accent()));
    let room = Rect {
        height: area.height.saturating_sub(crate::tui::app::FOOTER_ROWS),
        ..area
    };
    super::wrapped(
        lines,
        WIDTH,
        0,
        Block::default()
            .borders(Borders::ALL)
            .border_set(theme.glyphs.border)
            .border_style(theme.focused_border())
            .title(format!(" Publish record {} ", record.id)),
        room,
        buf,
    );
}
