//! `channel-performance`: a horizontal bar of average engagement per channel (best first), with
//! the number of measured posts and the views beside it as text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{WidgetView, clean, count, pad, percent};
use crate::store::metrics::ChannelAggregate;

/// Bar lengths: below the minimum the figures go first; above the maximum the bar stops
/// growing so the figures stay next to it.
const MIN_BAR: usize = 6;
const MAX_BAR: usize = 48;

#[allow(clippy::ptr_arg)] // the signature every widget body shares
pub fn render(data: &Vec<ChannelAggregate>, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    if area.is_empty() {
        return;
    }
    let theme = view.theme;
    // Sorted (`s`) rows arrive in their order; else the best average engagement first.
    let mut channels: Vec<ChannelAggregate> = data.clone();
    match view.sort {
        Some(order) => crate::tui::sorting::sort_channels(&mut channels, order),
        None => crate::tui::sorting::channels_by_default(&mut channels),
    }
    let mark = |title: &str| {
        crate::tui::sorting::marked_header(title, view.sort, view.kind.id(), &theme.glyphs)
    };
    let peak = channels
        .iter()
        .filter_map(|c| c.avg_engagement)
        .filter(|r| r.is_finite())
        .fold(0.0_f64, f64::max);

    let width = usize::from(area.width);
    let name_width = channels
        .iter()
        .map(|c| clean(&c.channel).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, 12);
    // The header's mark needs a column more when the list is sorted by channel.
    let channel_title = mark("channel");
    let name_width = if channel_title == "channel" {
        name_width
    } else {
        name_width.max(crate::text::columns(&channel_title))
    };
    // Figures after the bar, dropped from the right when the cell is narrow.
    type Figure = (&'static str, usize, fn(&ChannelAggregate) -> String);
    const FIGURES: [Figure; 3] = [
        ("posts", 7, |c| count(c.measurements)),
        ("views", 8, |c| count(c.views)),
        ("reacts", 8, |c| count(c.reactions)),
    ];
    let rate_width = 7;
    let mut used = name_width + 1 + MIN_BAR + rate_width;
    let figures: Vec<&Figure> = FIGURES
        .iter()
        .take_while(|(_, w, _)| {
            used += w;
            used <= width
        })
        .collect();
    let figures_width: usize = figures.iter().map(|(_, w, _)| w).sum();
    let bar_width = width
        .saturating_sub(name_width + 1 + rate_width + figures_width)
        .min(MAX_BAR);

    let mut rows = usize::from(area.height);
    let mut y = area.y;
    if rows > channels.len() {
        let title = if bar_width >= 14 {
            "avg engagement"
        } else {
            ""
        };
        let mut header = format!(
            "{channel_title:<name_width$} {title:<bar_width$}{:>rate_width$}",
            mark("rate")
        );
        for (title, w, _) in &figures {
            header.push_str(&format!("{:>w$}", mark(title)));
        }
        Line::styled(header, theme.header()).render(
            Rect {
                y,
                height: 1,
                ..area
            },
            buf,
        );
        y += 1;
        rows -= 1;
    }
    let shown = if channels.len() > rows {
        rows.saturating_sub(1)
    } else {
        channels.len()
    };
    for c in channels.iter().take(shown) {
        let mut spans = vec![Span::raw(format!(
            "{} ",
            pad(&clean(&c.channel), name_width)
        ))];
        let bar = match c.avg_engagement {
            Some(rate) if rate.is_finite() && peak > 0.0 => {
                bar(rate / peak, bar_width, &theme.glyphs)
            }
            _ => String::new(),
        };
        let pad = bar_width.saturating_sub(bar.chars().count());
        spans.push(Span::styled(bar, theme.accent()));
        spans.push(Span::raw(" ".repeat(pad)));
        let rate_style = if c.avg_engagement.is_some() {
            Default::default()
        } else {
            theme.muted()
        };
        spans.push(Span::styled(
            format!("{:>rate_width$}", percent(c.avg_engagement)),
            rate_style,
        ));
        for (_, w, figure) in &figures {
            spans.push(Span::styled(format!("{:>w$}", figure(c)), theme.muted()));
        }
        Line::from(spans).render(
            Rect {
                y,
                height: 1,
                ..area
            },
            buf,
        );
        y += 1;
    }
    if shown < channels.len() && rows > 0 {
        let more = format!("+{} more", channels.len() - shown);
        Line::styled(more, theme.muted()).render(
            Rect {
                y,
                height: 1,
                ..area
            },
            buf,
        );
    }
}

/// A bar `share` (0..=1) of `width` cells long, in eighths; at least a sliver when above zero.
fn bar(share: f64, width: usize, glyphs: &crate::tui::glyphs::Glyphs) -> String {
    let eighths = (share.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let eighths = if share > 0.0 { eighths.max(1) } else { 0 };
    let mut out = glyphs.bar_full.repeat(eighths / 8);
    out.push_str(glyphs.bar_eighths[eighths % 8]);
    out
}
