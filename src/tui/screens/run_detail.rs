//! Run detail: every field of a run with its correlation ids (focus one with j/k, copy with y),
//! the per-item results with their metrics, and the error text. PageUp/PageDown scroll when it
//! is taller than the screen.

use crate::time_display::{self, TimeDisplay};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::tui::app::{App, RunDetailState};
use crate::tui::theme::Theme;
use crate::tui::widgets::{clean, overflow_rows, short_duration};

fn block(theme: &Theme, state: &RunDetailState, more_below: bool) -> Block<'static> {
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(
            format!(" Run {} ", state.run_id),
            theme.header(),
        ))
        .title_bottom(Line::styled(
            " j/k select id · y copy · PgUp/PgDn scroll · Esc back ",
            theme.muted(),
        ));
    if more_below {
        block = block.title_bottom(
            Line::styled(
                format!(" more {} ", theme.glyphs.arrow_down),
                theme.accent(),
            )
            .alignment(Alignment::Right),
        );
    }
    block
}

/// How far the detail can scroll in `area` (the screen's body): its wrapped height minus what
/// fits. 0 while loading or when everything fits.
pub fn max_scroll(theme: &Theme, times: TimeDisplay, state: &RunDetailState, area: Rect) -> u16 {
    let inner = block(theme, state, false).inner(area);
    overflow_rows(&lines(theme, times, state), inner)
}

pub fn render(app: &App, state: &RunDetailState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let max = max_scroll(theme, app.times(), state, area);
    let scroll = state.scroll.min(max);
    let block = block(theme, state, scroll < max);
    let inner = block.inner(area);
    block.render(area, buf);
    if state.detail.value.is_none() {
        let text = match &state.detail.error {
            Some(error) => Line::styled(format!("error: {}", clean(error)), theme.critical()),
            None => Line::styled("loading…", theme.muted()),
        };
        Paragraph::new(text).render(inner, buf);
        return;
    }
    Paragraph::new(lines(theme, app.times(), state))
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(inner, buf);
}

/// The detail's lines (empty while loading).
fn lines(theme: &Theme, times: TimeDisplay, state: &RunDetailState) -> Vec<Line<'static>> {
    let Some(detail) = &state.detail.value else {
        return Vec::new();
    };
    let run = &detail.run;
    let mut lines = Vec::new();
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<18}"), theme.header()),
            Span::raw(value),
        ])
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{:<18}", "status"), theme.header()),
        Span::styled(run.status.to_uppercase(), theme.status(&run.status)),
    ]));
    lines.push(field("project", clean(&detail.project_name)));
    lines.push(field("persona", clean(&detail.persona_name)));
    lines.push(field(
        "started",
        times.format(run.started_at, time_display::SECOND),
    ));
    let completed = match run.completed_at {
        Some(done) => format!(
            "{} (took {})",
            times.format(done, time_display::SECOND),
            short_duration((done - run.started_at).num_seconds().max(0) as u64)
        ),
        None => "not yet".to_string(),
    };
    lines.push(field("completed", completed));
    if let Some(error) = &run.error_message {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<18}", "error"), theme.header()),
            Span::styled(clean(error), theme.critical()),
        ]));
    }
    if let Some(meta) = run.meta.0.as_object() {
        let channels = meta
            .get("channels")
            .map(|c| c.to_string())
            .unwrap_or_default();
        let range = format!(
            "{} .. {}",
            meta.get("date_from")
                .and_then(|v| v.as_str())
                .unwrap_or("?"),
            meta.get("date_to").and_then(|v| v.as_str()).unwrap_or("?")
        );
        lines.push(field("channels", clean(&channels)));
        lines.push(field("dates", clean(&range)));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("correlation ids", theme.header()));
    for (index, (label, id)) in App::run_detail_ids(state).iter().enumerate() {
        let focused = index == state.focused_id;
        let marker = if focused {
            format!("{} ", theme.glyphs.pointer)
        } else {
            "  ".to_string()
        };
        let style = if focused {
            theme.selected()
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(format!("{label:<28}"), theme.muted()),
            Span::styled(clean(id), style),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("published items ({})", detail.items.len()),
        theme.header(),
    ));
    if detail.items.is_empty() {
        lines.push(Line::styled("  none reported", theme.muted()));
    }
    for item in &detail.items {
        let status = item.status.clone().unwrap_or_else(|| "success".to_string());
        let marker = if item.succeeded { "[ OK ]" } else { "[FAIL]" };
        let linked = match item.published_item_id {
            Some(_) => "recorded in MPIS",
            None if item.succeeded => "NOT in published_items",
            None => "",
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {marker} "),
                theme.status(if item.succeeded { "success" } else { "failed" }),
            ),
            Span::raw(format!(
                "#{} {:<10} {:<14} {} ",
                item.item_no + 1,
                clean(&item.channel),
                clean(item.channel_item_id.as_deref().unwrap_or("-")),
                clean(&status)
            )),
            Span::styled(
                linked.to_string(),
                if item.succeeded && item.published_item_id.is_none() {
                    theme.critical()
                } else {
                    theme.muted()
                },
            ),
        ]));
        if let Some(url) = &item.channel_url {
            lines.push(Line::styled(
                format!("         {}", clean(url)),
                theme.muted(),
            ));
        }
        if let Some(metrics) = item.metrics.0.as_object().filter(|m| !m.is_empty()) {
            let text: Vec<String> = metrics.iter().map(|(k, v)| format!("{k} {v}")).collect();
            lines.push(Line::raw(format!(
                "         reported metrics: {}",
                clean(&text.join(", "))
            )));
        }
        let measured = item.published_item_id.and_then(|id| {
            detail
                .latest_metrics
                .iter()
                .find(|m| m.published_item_id == id)
        });
        if let Some(m) = measured {
            let number = |v: Option<i32>| v.map_or("-".to_string(), |v| v.to_string());
            let rate = m
                .engagement_rate
                .map_or("-".to_string(), |r| format!("{:.2}%", r * 100.0));
            let at = m
                .measured_at
                .map(|t| format!(" ({})", times.format(t, time_display::MINUTE)))
                .unwrap_or_default();
            lines.push(Line::raw(format!(
                "         latest metrics: views {} · reactions {} · comments {} · shares {} · engagement {rate}{at}",
                number(m.views),
                number(m.reactions),
                number(m.comments),
                number(m.shares),
            )));
        }
        if let Some(error) = &item.error {
            lines.push(Line::styled(
                format!("         error: {}", clean(error)),
                theme.critical(),
            ));
        }
    }
    lines
}
