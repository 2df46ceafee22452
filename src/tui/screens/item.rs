//! A published item (channel, draft, when, the channel's item id and URL) and its metric
//! history, newest first: why it counts (or not) as missing metrics. Up/Down and
//! PageUp/PageDown scroll; hidden lines are announced (`more ↓`).

use crate::time_display::{self, TimeDisplay};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::store::flag_drill::MetricPoint;
use crate::tui::app::{App, ItemState};
use crate::tui::theme::Theme;
use crate::tui::widgets::{age, clean};
use crate::tui::worker::ItemDetail;

pub fn render(app: &App, state: &ItemState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(
            format!(" Published item {} ", state.id),
            theme.header(),
        ))
        .title_bottom(Line::styled(
            " j/k PgUp/PgDn scroll · Esc back ",
            theme.muted(),
        ));
    let inner = block.inner(area);
    let Some(detail) = &state.detail.value else {
        block.render(area, buf);
        let text = match &state.detail.error {
            Some(error) => Line::styled(format!("error: {}", clean(error)), theme.critical()),
            None => Line::styled("loading…", theme.muted()),
        };
        Paragraph::new(text).render(inner, buf);
        return;
    };
    let lines = lines(theme, app.times(), state, detail);
    let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max = rows.saturating_sub(inner.height);
    let scroll = state.scroll.min(max);
    if scroll < max {
        block = block
            .title_bottom(Line::styled(" more ↓ ", theme.accent()).alignment(Alignment::Right));
    }
    block.render(area, buf);
    Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
}

/// The item's lines: its fields, then its metrics (one line each).
fn lines(
    theme: &Theme,
    times: TimeDisplay,
    state: &ItemState,
    detail: &ItemDetail,
) -> Vec<Line<'static>> {
    let now = state.detail.loaded_at.map(|(wall, _)| wall);
    let item = &detail.item;
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<16}"), theme.muted()),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        field("channel", clean(&item.channel)),
        field("draft_id", item.draft_id.to_string()),
        field(
            "published_at",
            format!(
                "{} ({})",
                times.format(item.published_at, time_display::SECOND),
                age(item.published_at, now)
            ),
        ),
        field(
            "channel item id",
            clean(item.channel_item_id.as_deref().unwrap_or("-")),
        ),
        field(
            "channel url",
            clean(item.channel_url.as_deref().unwrap_or("-")),
        ),
        Line::raw(""),
    ];
    if detail.metrics.is_empty() {
        lines.push(Line::styled(
            "no metrics recorded for this item (it counts as missing metrics)",
            theme.warning(),
        ));
    } else {
        lines.push(Line::styled(
            format!("metrics, newest first ({})", detail.metrics.len()),
            theme.header(),
        ));
        lines.push(Line::styled(
            format!(
                "{:<17} {:>9} {:>9} {:>8} {:>7} {:>8}  {}",
                "measured", "views", "reactions", "comments", "shares", "eng.", "source"
            ),
            theme.muted(),
        ));
        lines.extend(detail.metrics.iter().map(|m| metric_line(m, times)));
    }
    lines
}

/// How far the screen scrolls in `area` (0 when it fits): `G` goes there.
pub fn max_scroll(theme: &Theme, times: TimeDisplay, state: &ItemState, area: Rect) -> u16 {
    let Some(detail) = &state.detail.value else {
        return 0;
    };
    let rows = u16::try_from(lines(theme, times, state, detail).len()).unwrap_or(u16::MAX);
    rows.saturating_sub(area.height.saturating_sub(2))
}

fn metric_line(m: &MetricPoint, times: TimeDisplay) -> Line<'static> {
    let n = |v: Option<i32>| v.map_or("-".to_string(), |v| v.to_string());
    let rate = m
        .engagement_rate
        .map_or("-".to_string(), |r| format!("{:.2}%", r * 100.0));
    Line::raw(format!(
        "{:<17} {:>9} {:>9} {:>8} {:>7} {:>8}  {}",
        times.format(m.measured_at, time_display::MINUTE),
        n(m.views),
        n(m.reactions),
        n(m.comments),
        n(m.shares),
        rate,
        clean(&m.source)
    ))
}
