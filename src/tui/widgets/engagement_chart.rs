//! `engagement-chart`: average engagement rate per day and channel. A braille line chart with
//! a text legend when there is room; one sparkline per channel (or just the figures) when not.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Sparkline, Widget};

use super::{WidgetView, clean, fit, pad, percent};
use crate::store::metrics::DailyEngagement;
use crate::tui::theme::Theme;

/// One channel's daily rates (index = days since the first day) and its period average.
struct Series {
    name: String,
    daily: Vec<Option<f64>>,
    average: Option<f64>,
}

#[allow(clippy::ptr_arg)] // the signature every widget body shares
pub fn render(data: &Vec<DailyEngagement>, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    if area.is_empty() {
        return;
    }
    let Some((first, last)) = data
        .iter()
        .map(|d| d.day)
        .min()
        .zip(data.iter().map(|d| d.day).max())
    else {
        return;
    };
    let series = series(data, first, last);
    if area.height >= 8 && area.width >= 30 {
        chart(&series, first, last, area, buf, view.theme);
    } else {
        sparklines(&series, first, last, area, buf, view.theme);
    }
}

fn series(data: &[DailyEngagement], first: NaiveDate, last: NaiveDate) -> Vec<Series> {
    let days = (last - first).num_days().max(0) as usize + 1;
    let mut by_channel: BTreeMap<&str, (Vec<Option<f64>>, f64, i64)> = BTreeMap::new();
    for row in data {
        let entry = by_channel
            .entry(row.channel.as_str())
            .or_insert_with(|| (vec![None; days], 0.0, 0));
        let index = (row.day - first).num_days().max(0) as usize;
        if let (Some(rate), Some(slot)) = (row.avg_engagement, entry.0.get_mut(index))
            && rate.is_finite()
        {
            *slot = Some(rate);
            entry.1 += rate * row.measurements.max(1) as f64;
            entry.2 += row.measurements.max(1);
        }
    }
    by_channel
        .into_iter()
        .map(|(name, (daily, sum, weight))| Series {
            name: clean(name),
            daily,
            average: (weight > 0).then(|| sum / weight as f64),
        })
        .collect()
}

/// Color per channel from the theme; without color, a different marker tells lines apart.
fn series_style(theme: &Theme, index: usize) -> Style {
    match index % 6 {
        0 => theme.accent(),
        1 => theme.ok(),
        2 => theme.warning(),
        _ if theme.monochrome => Style::default(),
        3 => Style::default().fg(Color::Magenta),
        4 => Style::default().fg(Color::Blue),
        _ => Style::default().fg(Color::LightRed),
    }
}

fn series_marker(theme: &Theme, index: usize) -> (Marker, &'static str) {
    if !theme.monochrome {
        return (Marker::Braille, "━━");
    }
    match index % 3 {
        0 => (Marker::Braille, "⣿⣿"),
        1 => (Marker::Dot, "••"),
        _ => (Marker::Bar, "▄▄"),
    }
}

fn chart(
    series: &[Series],
    first: NaiveDate,
    last: NaiveDate,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    // Legend: as many lines as the channels need, at most two.
    let mut legend: Vec<Line> = vec![Line::styled("avg ", theme.muted())];
    for (i, s) in series.iter().enumerate() {
        let item = vec![
            Span::styled(series_marker(theme, i).1, series_style(theme, i)),
            Span::raw(format!(" {} ", s.name)),
            Span::styled(format!("{}  ", percent(s.average)), theme.muted()),
        ];
        let width: usize = item.iter().map(Span::width).sum();
        let current = legend.last().map_or(0, Line::width);
        if current + width > usize::from(area.width) && legend.len() < 2 && current > 4 {
            legend.push(Line::raw("    "));
        }
        if let Some(line) = legend.last_mut() {
            line.spans.extend(item);
        }
    }
    let legend_height = legend.len() as u16;
    for (i, line) in legend.into_iter().enumerate() {
        line.render(
            Rect {
                y: area.y + i as u16,
                height: 1,
                ..area
            },
            buf,
        );
    }
    let plot = Rect {
        y: area.y + legend_height,
        height: area.height - legend_height,
        ..area
    };

    let points: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| {
            s.daily
                .iter()
                .enumerate()
                .filter_map(|(x, rate)| rate.map(|r| (x as f64, r * 100.0)))
                .collect()
        })
        .collect();
    let peak = points
        .iter()
        .flatten()
        .map(|&(_, y)| y)
        .fold(0.0_f64, f64::max);
    let top = nice_ceiling(peak * 1.1);
    let datasets = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Dataset::default()
                .data(p)
                // A lone point is a dot: one braille dot is hard to see.
                .marker(if p.len() == 1 {
                    Marker::Dot
                } else {
                    series_marker(theme, i).0
                })
                .graph_type(if p.len() == 1 {
                    GraphType::Scatter
                } else {
                    GraphType::Line
                })
                .style(series_style(theme, i))
        })
        .collect();
    let day = |d: NaiveDate| d.format("%b %d").to_string();
    let span = (last - first).num_days() as f64;
    // A single day sits in the middle of the axis.
    let (x_bounds, x_labels) = if span < 1.0 {
        ([-1.0, 1.0], vec![String::new(), day(first), String::new()])
    } else {
        let middle = first + chrono::Days::new((span / 2.0) as u64);
        let labels = if span >= 2.0 {
            vec![day(first), day(middle), day(last)]
        } else {
            vec![day(first), day(last)]
        };
        ([0.0, span], labels)
    };
    let pct = |v: f64| {
        if top >= 5.0 {
            format!("{v:.0}%")
        } else {
            format!("{v:.1}%")
        }
    };
    Chart::new(datasets)
        .legend_position(None)
        .x_axis(
            Axis::default()
                .bounds(x_bounds)
                .style(theme.muted())
                .labels(x_labels),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .style(theme.muted())
                .labels([pct(0.0), pct(top / 2.0), pct(top)]),
        )
        .render(plot, buf);
}

/// A round upper bound for the y axis: 1, 2, 5 or 10 times a power of ten.
fn nice_ceiling(value: f64) -> f64 {
    if !value.is_finite() || value <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|step| step * magnitude)
        .find(|&bound| bound >= value)
        .unwrap_or(10.0 * magnitude)
}

/// Name, figure and the space after them in a sparkline row.
const VALUE_WIDTH: u16 = 1 + 6 + 1;

/// One row per channel: name, the period average, a sparkline of the most recent days.
fn sparklines(
    series: &[Series],
    first: NaiveDate,
    last: NaiveDate,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let mut rows = area.height as usize;
    let mut y = area.y;
    if rows > series.len() {
        let header = if first == last {
            format!("avg engagement, {}", first.format("%b %d"))
        } else {
            format!(
                "avg engagement, {} – {}",
                first.format("%b %d"),
                last.format("%b %d")
            )
        };
        Line::styled(fit(&header, usize::from(area.width)), theme.muted()).render(
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
    let shown = if series.len() > rows {
        rows.saturating_sub(1)
    } else {
        series.len()
    };
    let name_width = series
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(1, 10) as u16;
    let peak = series
        .iter()
        .flat_map(|s| s.daily.iter().flatten())
        .fold(0.0_f64, |a, &b| a.max(b));
    for (i, s) in series.iter().take(shown).enumerate() {
        let row = Rect {
            y,
            height: 1,
            ..area
        };
        y += 1;
        let name = format!("{} ", pad(&s.name, usize::from(name_width)));
        let value = format!("{:>6} ", percent(s.average));
        Line::from(vec![
            Span::styled(name, series_style(theme, i)),
            Span::raw(value),
        ])
        .render(row, buf);
        let spark = Rect {
            x: row.x.saturating_add(name_width + VALUE_WIDTH),
            width: row.width.saturating_sub(name_width + VALUE_WIDTH),
            ..row
        };
        if spark.width >= 4 {
            let days = s.daily.len().saturating_sub(usize::from(spark.width));
            let bars: Vec<Option<u64>> = s.daily[days..]
                .iter()
                .map(|r| r.map(|r| (r * 10_000.0).round() as u64))
                .collect();
            Sparkline::default()
                .data(bars)
                .max(((peak * 10_000.0).round() as u64).max(1))
                .style(series_style(theme, i))
                .absent_value_style(theme.muted())
                .absent_value_symbol("·")
                .render(spark, buf);
        }
    }
    if shown < series.len() && rows > 0 {
        let more = format!("+{} more", series.len() - shown);
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
