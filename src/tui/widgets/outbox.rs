//! `outbox`: how many publish records are queued, failed and forwarded, then each record not yet
//! forwarded to MPIS with its attempts, next attempt and last error.

use crate::store::outbox::OutboxState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{
    CellText, Column, FILL, WidgetView, clean, filter_note, list_table, matches_filter,
    status_marker, until,
};
use crate::store::outbox::PublishRecord;
use crate::tui::data::OutboxData;

const COLUMNS: [Column; 6] = [
    Column::left("state", 8, 8, 0),
    Column::left("channel", 9, 10, 1),
    Column::left("item", 8, 18, 4),
    Column::right("tries", 5, 5, 3),
    Column::right("next", 8, 8, 2),
    Column::left("last error", 10, FILL, 5),
];

/// The records the `/` filter lets through, in display order (what `view.selected` indexes).
pub fn filtered<'a>(data: &'a OutboxData, filter: Option<&str>) -> Vec<&'a PublishRecord> {
    data.unforwarded
        .iter()
        .filter(|r| {
            let item = r.channel_item_id.as_deref().unwrap_or("");
            let error = r.last_error.as_deref().unwrap_or("");
            matches_filter(filter, &[r.state.as_str(), &r.channel, item, error])
        })
        .collect()
}

pub fn render(data: &OutboxData, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    if area.is_empty() {
        return;
    }
    let theme = view.theme;
    let c = &data.counts;
    let muted_unless = |n: i64, style| if n > 0 { style } else { theme.muted() };
    let mut header = vec![
        Span::styled(
            format!("{} queued", c.queued),
            muted_unless(c.queued, theme.warning()),
        ),
        Span::raw(" · "),
        Span::styled(
            format!("{} failed", c.failed),
            muted_unless(c.failed, theme.critical()),
        ),
    ];
    // The forwarded count matters least here (the widget is about what has not gone out): it
    // is left off when the cell is too narrow for all three, as in the On-call layout at 80x24.
    let forwarded = format!("{} forwarded", c.forwarded);
    let used: usize = header.iter().map(|s| s.content.chars().count()).sum();
    if used + 3 + forwarded.len() <= area.width as usize {
        header.push(Span::raw(" · "));
        header.push(Span::styled(forwarded, theme.ok()));
    }
    let rows = filtered(data, view.filter);
    if let Some(note) = filter_note(view, rows.len(), data.unforwarded.len()) {
        header.push(Span::raw("  "));
        header.push(note);
    }
    Line::from(header).render(Rect { height: 1, ..area }, buf);
    if area.height < 2 {
        return;
    }
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let cells = |index: usize| -> Vec<CellText> {
        let Some(r) = rows.get(index) else {
            return Vec::new();
        };
        // A failed record is not retried on its own: refused by MPIS after its tries, or
        // (no try counted) failed before it was ever sent.
        let next = if r.state == OutboxState::Failed {
            let text = if r.attempts == 0 {
                "not sent"
            } else {
                "refused"
            };
            (text.to_string(), theme.critical())
        } else {
            (until(r.next_attempt_at, view.loaded_at), Default::default())
        };
        let error = r
            .last_error
            .as_deref()
            .and_then(|e| e.lines().find(|l| !l.trim().is_empty()));
        vec![
            (
                status_marker(theme, r.state.as_str()),
                theme.status(r.state.as_str()),
            ),
            (clean(&r.channel), Default::default()),
            (
                r.channel_item_id
                    .as_deref()
                    .map(clean)
                    .unwrap_or_else(|| "-".into()),
                theme.muted(),
            ),
            (r.attempts.to_string(), Default::default()),
            next,
            (
                error.map(|e| clean(e.trim())).unwrap_or_default(),
                theme.critical(),
            ),
        ]
    };
    list_table(body, buf, view, &COLUMNS, rows.len(), cells, None);
}
