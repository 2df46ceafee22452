//! `engagement-chart`: average engagement rate per day and channel. A braille line chart with
//! a text legend when there is room; one sparkline per channel (or just the figures) when not.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
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
        other => theme.chart(other - 3),
    }
}

/// Without color, each series' points get their own glyph (plain ASCII, drawn over the braille
/// line), shown in the legend: NO_COLOR still tells the series apart.
const POINT_GLYPHS: [&str; 6] = ["o", "+", "x", "*", "#", "%"];

/// The legend's sample of series `index`: a colored line, or its point glyph without color.
fn legend_sample(theme: &Theme, index: usize) -> String {
    let glyphs = &theme.glyphs;
    if theme.monochrome {
        let rule = glyphs.rule;
        format!("{rule}{}{rule}", POINT_GLYPHS[index % POINT_GLYPHS.len()])
    } else {
        glyphs.rule_thick.repeat(2)
    }
}

/// The y axis for rates (in percent) from `low` to `high`: bounds a little outside the data,
/// rounded to a step of 1, 2, 2.5 or 5 times a power of ten, never below 0; no data or all
/// zeros gives 0–1%. Returns the bounds and the three labels (bottom, middle, top).
pub fn y_axis(low: f64, high: f64) -> ([f64; 2], [String; 3]) {
    let (low, high) = if low.is_finite() && high.is_finite() && high >= low {
        (low.max(0.0), high.max(0.0))
    } else {
        (0.0, 0.0)
    };
    let (bottom, top) = if high <= 0.0 {
        (0.0, 1.0)
    } else {
        // Headroom: a tenth of the range (of the value itself when it is flat).
        let range = high - low;
        let pad = if range > 0.0 { range * 0.1 } else { high * 0.1 };
        let (from, to) = ((low - pad).max(0.0), high + pad);
        let unit = nice_step((to - from) / 4.0);
        let bottom = ((from / unit).floor() * unit).max(0.0);
        let mut top = (to / unit).ceil() * unit;
        if top <= bottom {
            top = bottom + unit;
        }
        (bottom, top)
    };
    let values = [bottom, (bottom + top) / 2.0, top];
    // As few decimals as show all three exactly (at most 2).
    let decimals = (0..=2)
        .find(|&d| {
            let scale = 10f64.powi(d);
            values
                .iter()
                .all(|v| ((v * scale).round() - v * scale).abs() < 1e-6)
        })
        .unwrap_or(2) as usize;
    let labels = values.map(|v| format!("{v:.decimals$}%"));
    ([bottom, top], labels)
}

/// The smallest of 1, 2, 2.5, 5 (times a power of ten) at least `value`.
fn nice_step(value: f64) -> f64 {
    if !value.is_finite() || value <= 0.0 {
        return 0.01;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|step| step * magnitude)
        .find(|&bound| bound >= value * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
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
            Span::styled(legend_sample(theme, i), series_style(theme, i)),
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
    let low = points
        .iter()
        .flatten()
        .map(|&(_, y)| y)
        .fold(f64::INFINITY, f64::min);
    let high = points
        .iter()
        .flatten()
        .map(|&(_, y)| y)
        .fold(f64::NEG_INFINITY, f64::max);
    let (y_bounds, y_labels) = y_axis(low, high);
    let datasets = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Dataset::default()
                .data(p)
                // A lone point is a dot: one braille dot is hard to see.
                .marker(if p.len() == 1 && !theme.monochrome {
                    theme.glyphs.chart_point
                } else {
                    theme.glyphs.chart_line
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
                .bounds(y_bounds)
                .style(theme.muted())
                .labels(y_labels),
        )
        .render(plot, buf);
    if theme.monochrome {
        draw_point_glyphs(&points, x_bounds, y_bounds, plot, buf);
    }
    // The axes are ratatui's own box drawing (it takes no symbols for them): ASCII here.
    if theme.glyphs.ascii {
        crate::tui::ascii_fold::fold_area(buf, plot);
    }
}

/// Without color: each series' points as its own glyph over the lines, placed in the chart's
/// plotting area (right of the y axis, above the x axis: found by the axes' corner).
fn draw_point_glyphs(
    points: &[Vec<(f64, f64)>],
    x_bounds: [f64; 2],
    y_bounds: [f64; 2],
    plot: Rect,
    buf: &mut Buffer,
) {
    let corner = (plot.top()..plot.bottom()).rev().find_map(|y| {
        (plot.left()..plot.right())
            .find(|&x| buf[(x, y)].symbol() == "└")
            .map(|x| (x, y))
    });
    let Some((cx, cy)) = corner else {
        return;
    };
    let graph = Rect::new(
        cx + 1,
        plot.y,
        plot.right().saturating_sub(cx + 1),
        cy - plot.y,
    );
    if graph.width == 0 || graph.height == 0 {
        return;
    }
    // As the braille canvas places a point (2 x 4 dots a cell), so the glyph sits on its line.
    // (ratatui's `Painter::get_point`: rounded, y counted from the top).
    let dot = |share: f64, dots: u16| -> Option<u16> {
        (0.0..=1.0)
            .contains(&share)
            .then(|| (share * f64::from(dots - 1)).round() as u16)
    };
    for (i, series) in points.iter().enumerate() {
        let glyph = POINT_GLYPHS[i % POINT_GLYPHS.len()];
        for &(x, y) in series {
            let (columns, rows) = (graph.width * 2, graph.height * 4);
            let across = (x - x_bounds[0]) / (x_bounds[1] - x_bounds[0]);
            let down = (y_bounds[1] - y) / (y_bounds[1] - y_bounds[0]);
            if let (Some(column), Some(row)) = (dot(across, columns), dot(down, rows)) {
                buf[(graph.x + column / 2, graph.y + row / 4)].set_symbol(glyph);
            }
        }
    }
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
                "avg engagement, {} {} {}",
                first.format("%b %d"),
                theme.glyphs.range,
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
                .absent_value_symbol(theme.glyphs.dot)
                .bar_set(theme.glyphs.sparkline.clone())
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

#[cfg(test)]
mod tests {
    use super::y_axis;

    fn labels(low: f64, high: f64) -> ([f64; 2], Vec<String>) {
        let (bounds, labels) = y_axis(low, high);
        // Compared to a millionth of a percent (steps like 0.2 are not exact in binary).
        (bounds.map(|b| (b * 1e6).round() / 1e6), labels.to_vec())
    }

    #[test]
    fn the_y_axis_fits_the_data_with_a_little_headroom() {
        // 3.1 %..3.6 %: no 0-5 % axis with the data squeezed at the top.
        assert_eq!(
            labels(3.1, 3.6),
            (
                [3.0, 3.8],
                vec!["3.0%".into(), "3.4%".into(), "3.8%".into()]
            )
        );
        // 0..12 %: from zero, a round top just above the data.
        assert_eq!(
            labels(0.0, 12.0),
            (
                [0.0, 15.0],
                vec!["0.0%".into(), "7.5%".into(), "15.0%".into()]
            )
        );
        assert_eq!(
            labels(40.0, 80.0),
            (
                [20.0, 100.0],
                vec!["20%".into(), "60%".into(), "100%".into()]
            )
        );
        // Small rates keep their decimals.
        let ([bottom, top], [first, _, last]) = y_axis(0.02, 0.05);
        assert!(
            (bottom - 0.01).abs() < 1e-9 && (top - 0.06).abs() < 1e-9,
            "{bottom}..{top}"
        );
        assert_eq!((first.as_str(), last.as_str()), ("0.01%", "0.06%"));
    }

    #[test]
    fn flat_zero_and_missing_data_get_a_sensible_axis() {
        // A flat line sits inside the axis, not on its edge.
        let ([bottom, top], _) = y_axis(4.0, 4.0);
        assert!(bottom < 4.0 && 4.0 < top, "{bottom}..{top}");
        assert!(top - bottom <= 2.0, "{bottom}..{top}");
        // All zeros or no data: 0 to 1 %.
        for (low, high) in [
            (0.0, 0.0),
            (f64::INFINITY, f64::NEG_INFINITY),
            (f64::NAN, 1.0),
        ] {
            assert_eq!(
                labels(low, high),
                (
                    [0.0, 1.0],
                    vec!["0.0%".into(), "0.5%".into(), "1.0%".into()]
                )
            );
        }
        // Never below zero.
        assert_eq!(y_axis(0.1, 9.0).0[0], 0.0);
    }
}
