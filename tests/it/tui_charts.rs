//! The engagement chart under NO_COLOR: each channel keeps its own point glyph, named in the
//! legend; the y axis fits the data (no 0–10 % axis for rates between 3 and 4 %), and a
//! period of zeros still gets a sensible axis.

use chrono::NaiveDate;
use mpis_dash::store::metrics::DailyEngagement;
use mpis_dash::tui::data::{LoadState, WidgetData, WidgetKind};
use mpis_dash::tui::theme::Theme;
use mpis_dash::tui::widgets::{WidgetView, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::tui_common::loaded_at;

/// Two weeks of four channels, each rate from `base` rising slowly.
fn four_channels(bases: [f64; 4]) -> WidgetData {
    let start = NaiveDate::from_ymd_opt(2025, 5, 7).expect("date");
    let mut rows = Vec::new();
    for day in 0..14u32 {
        for (channel, base) in ["instagram", "telegram", "tiktok", "youtube"]
            .into_iter()
            .zip(bases)
        {
            rows.push(DailyEngagement {
                day: start + chrono::Days::new(u64::from(day)),
                channel: channel.to_string(),
                measurements: 3,
                avg_engagement: Some(base + f64::from(day) * 0.0002),
                views: 1_000,
            });
        }
    }
    WidgetData::Engagement(rows)
}

fn draw(data: &WidgetData, theme: &Theme, (width, height): (u16, u16)) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let view = WidgetView {
        kind: &WidgetKind::EngagementChart,
        subtitle: String::new(),
        state: LoadState::Ready,
        data: Some(data),
        error: None,
        age_secs: Some(3),
        loaded_at: Some(loaded_at()),
        focused: false,
        selected: 0,
        filter: None,
        sort: None,
        theme,
        new_flags: &[],
    };
    terminal
        .draw(|f| render(&view, f.area(), f.buffer_mut()))
        .expect("draw");
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn without_color_each_series_has_its_own_glyph_in_the_plot_and_the_legend() {
    let data = four_channels([0.031, 0.034, 0.036, 0.033]);
    let terminal = draw(&data, &Theme::monochrome(), (80, 16));
    insta::assert_snapshot!(
        "engagement_chart_no_color_four_channels",
        terminal.backend()
    );
    let shown = text(&terminal);
    let lines: Vec<&str> = shown.lines().collect();
    for (glyph, channel) in [
        ("o", "instagram"),
        ("+", "telegram"),
        ("x", "tiktok"),
        ("*", "youtube"),
    ] {
        let legend = format!("─{glyph}─ {channel}");
        assert!(
            lines[1..3].iter().any(|l| l.contains(&legend)),
            "legend shows {legend:?}:\n{shown}"
        );
        let plotted = lines[3..lines.len() - 3]
            .iter()
            .map(|l| l.chars().skip(7).filter(|c| c.to_string() == glyph).count())
            .sum::<usize>();
        assert!(
            plotted >= 10,
            "{channel}'s points drawn as {glyph:?} ({plotted}):\n{shown}"
        );
    }
    // Rates of 3.1–3.9 %: the axis starts near them, not at 0.
    assert!(
        !shown.contains("│0%") && !shown.contains(" 0.0%"),
        "{shown}"
    );
    assert!(shown.contains("3.0%"), "{shown}");
    assert!(shown.contains("4.0%"), "{shown}");
    // No color anywhere.
    let buffer = terminal.backend().buffer();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "color at {x},{y}"
            );
        }
    }
}

#[test]
fn in_color_the_lines_stay_braille_without_glyphs() {
    let data = four_channels([0.031, 0.034, 0.036, 0.033]);
    let shown = text(&draw(&data, &Theme::default(), (80, 16)));
    assert!(shown.contains("━━ instagram"), "{shown}");
    assert!(!shown.contains("─o─"), "{shown}");
}

#[test]
fn a_period_of_zeros_gets_a_zero_to_one_percent_axis() {
    let data = four_channels([0.0; 4]);
    let data = match data {
        WidgetData::Engagement(mut rows) => {
            for row in &mut rows {
                row.avg_engagement = Some(0.0);
            }
            WidgetData::Engagement(rows)
        }
        other => other,
    };
    let shown = text(&draw(&data, &Theme::monochrome(), (80, 16)));
    for label in ["1.0%", "0.5%", "0.0%"] {
        assert!(shown.contains(label), "{label}:\n{shown}");
    }
    // The zero line is drawn on the axis' bottom row, with glyphs (the four coincide: the
    // last drawn shows).
    let bottom_row = shown
        .lines()
        .rev()
        .find(|l| l.contains("0.0%"))
        .expect("the 0.0% row");
    assert!(bottom_row.matches('*').count() >= 10, "{shown}");
}
