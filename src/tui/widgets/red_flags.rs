//! `red-flags`: failed-run percentages (24 h / 7 d), missing metrics, missing publish records,
//! stuck runs and failing ingestion jobs (each only while there are some) and the open flags by severity. Every check has a
//! text marker (`[CRIT]`, `[WARN]`, `[ OK ]`) besides its color. Compact in a narrow cell; labels get longer and the open flags are
//! listed as space allows.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use serde_json::Value;

use super::{WidgetView, age, clean, fit};
use crate::text::fit_words;
use crate::tui::data::RedFlagsData;
use crate::tui::theme::Theme;

/// Before a flag that turned critical while the dashboard was open, until it is seen.
pub const NEW_MARK: &str = "NEW ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Ok,
    Warning,
    Critical,
}

impl Level {
    fn from_severity(severity: Option<&str>) -> Level {
        match severity.map(str::to_ascii_lowercase).as_deref() {
            Some("critical") => Level::Critical,
            Some("warning") => Level::Warning,
            _ => Level::Ok,
        }
    }

    fn marker(self) -> &'static str {
        match self {
            Level::Ok => "[ OK ]",
            Level::Warning => "[WARN]",
            Level::Critical => "[CRIT]",
        }
    }

    fn style(self, theme: &Theme) -> Style {
        match self {
            Level::Ok => theme.ok(),
            Level::Warning => theme.warning(),
            Level::Critical => theme.critical(),
        }
    }
}

/// How much room there is for words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Short,
    Medium,
    Long,
}

pub fn render(data: &RedFlagsData, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    if area.is_empty() {
        return;
    }
    let theme = view.theme;
    let tier = match area.width {
        0..34 => Tier::Short,
        34..64 => Tier::Medium,
        _ => Tier::Long,
    };
    let summary = &data.summary;
    let height = usize::from(area.height);
    let mut checks = Vec::new();
    if summary.get("failed_runs").is_some() {
        checks.push(window_line(summary, "last_24h", tier, theme));
        checks.push(window_line(summary, "last_7d", tier, theme));
        checks.push(missing_metrics_line(summary, tier, view));
        checks.push(missing_records_line(summary, tier, theme));
        // Only while some run is stuck: a rare condition, not worth a row when all is well.
        if int(summary.get("stuck_runs"), "count") > 0 {
            checks.push(stuck_runs_line(summary, tier, theme));
        }
        // Likewise failing ingestion jobs: metrics stop arriving, a row while it lasts.
        if int(summary.get("ingestion_failing"), "count") > 0 {
            checks.push(ingestion_failing_line(summary, tier, theme));
        }
    }
    let flags = &data.open_flags;
    // The header first, always; when the checks do not fit, the OK ones go first (the worst
    // then lead); rows that still do not fit go from the bottom; a last line says how many are
    // hidden.
    let mut hidden = 0;
    if 2 + checks.len() > height {
        let before = checks.len();
        checks.retain(|(level, _)| *level != Level::Ok);
        hidden += before - checks.len();
        // The worst first, so the header's word is never above only milder rows.
        checks.sort_by_key(|(level, _)| std::cmp::Reverse(*level));
    }
    let mut lines = vec![overall_line(data, tier, view, area.width)];
    lines.extend(checks.into_iter().map(|(_, line)| line));
    lines.push(open_line(data, tier, theme));
    let mut highlight = None;
    let room = height.saturating_sub(lines.len());
    let capacity = if flags.len() > room || (hidden > 0 && flags.len() == room) {
        room.saturating_sub(1)
    } else {
        flags.len()
    };
    if capacity > 0 {
        // While focused, the selected flag is marked (and scrolled to); Enter (or F) opens
        // the flags list on it.
        let selected = view.focused.then(|| view.selected.min(flags.len() - 1));
        let offset = selected.map_or(0, |s| (s + 1).saturating_sub(capacity));
        for (index, flag) in flags.iter().enumerate().skip(offset).take(capacity) {
            let level = Level::from_severity(Some(&flag.severity));
            let mut since = format!(" · {}", age(flag.created_at, view.loaded_at));
            if let Some(by) = &flag.acknowledged_by {
                since.push_str(&format!(" · ack {}", clean(by)));
            }
            if view.loaded_at.is_some_and(|now| flag.is_silenced(now)) {
                since.push_str(" · silenced");
            }
            let what = flag.description.as_deref().unwrap_or(&flag.flag_type);
            // Turned critical while the dashboard was open and not seen yet: bold, `NEW`.
            let new = view.new_flags.contains(&flag.id);
            let new_mark = if new { NEW_MARK } else { "" };
            let room =
                usize::from(area.width).saturating_sub(9 + since.chars().count() + new_mark.len());
            let mark = if selected == Some(index) {
                highlight = Some(lines.len());
                format!("{} ", view.theme.glyphs.selected)
            } else {
                "  ".to_string()
            };
            let text_style = if new {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            lines.push(Line::from(vec![
                Span::raw(mark),
                Span::styled(level.marker(), level.style(theme)),
                Span::raw(" "),
                Span::styled(new_mark, theme.critical()),
                Span::styled(fit_words(&clean(what), room), text_style),
                Span::styled(since, theme.muted()),
            ]));
        }
        hidden += flags.len() - capacity.min(flags.len() - offset);
    } else {
        hidden += flags.len();
    }
    if hidden > 0 || lines.len() > height {
        let keep = height.saturating_sub(1).min(lines.len());
        hidden += lines.len() - keep;
        lines.truncate(keep);
        if highlight.is_some_and(|h| h >= keep) {
            highlight = None;
        }
        let text = if tier == Tier::Short {
            format!("{hidden} more {}", view.theme.glyphs.arrow_down)
        } else {
            format!(
                "{hidden} more {} (Enter: flags)",
                view.theme.glyphs.arrow_down
            )
        };
        lines.push(Line::styled(
            fit(&text, usize::from(area.width)),
            theme.muted(),
        ));
    }
    for (i, line) in lines.into_iter().take(height).enumerate() {
        let row = Rect {
            y: area.y + i as u16,
            height: 1,
            ..area
        };
        line.render(row, buf);
        if highlight == Some(i) {
            buf.set_style(row, theme.selected());
        }
    }
}

fn int(value: Option<&Value>, key: &str) -> i64 {
    value
        .and_then(|v| v.get(key))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn level_of(value: Option<&Value>) -> Level {
    Level::from_severity(
        value
            .and_then(|v| v.get("severity"))
            .and_then(Value::as_str),
    )
}

/// `[CRIT] 24h 30.0% 6/20`, longer with more room.
fn window_line(summary: &Value, key: &str, tier: Tier, theme: &Theme) -> (Level, Line<'static>) {
    let window = summary.get("failed_runs").and_then(|f| f.get(key));
    let level = level_of(window);
    let total = int(window, "total_runs");
    let failed = int(window, "failed_runs");
    let pct = window
        .and_then(|w| w.get("percentage"))
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let day = key == "last_24h";
    let (label, value) = match tier {
        Tier::Short => (
            if day { "24h" } else { "7d " },
            format!("{pct:>5.1}% {failed}/{total}"),
        ),
        Tier::Medium => (
            if day { "failed 24h" } else { "failed 7d" },
            format!("{pct:>5.1}%  {failed}/{total}"),
        ),
        Tier::Long => (
            if day {
                "failed runs, last 24 h"
            } else {
                "failed runs, last 7 days"
            },
            format!("{pct:>5.1}%  {failed} of {total} runs"),
        ),
    };
    (level, check_line(level, label, value, tier, theme))
}

fn missing_metrics_line(summary: &Value, tier: Tier, view: &WidgetView) -> (Level, Line<'static>) {
    let entry = summary.get("missing_metrics");
    let level = level_of(entry);
    let n = int(entry, "count");
    let (label, value) = match tier {
        Tier::Short => ("no metrics", n.to_string()),
        Tier::Medium => ("missing metrics", format!("{n:>5}")),
        Tier::Long => {
            let as_of = entry
                .and_then(|e| e.get("as_of"))
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<DateTime<Utc>>().ok())
                .map(|t| format!(" (counted {})", age(t, view.loaded_at)))
                .unwrap_or_default();
            let items = if n == 1 { "item" } else { "items" };
            (
                "missing metrics",
                format!("{n:>5}  published {items}{as_of}"),
            )
        }
    };
    (level, check_line(level, label, value, tier, view.theme))
}

fn missing_records_line(summary: &Value, tier: Tier, theme: &Theme) -> (Level, Line<'static>) {
    let entry = summary.get("missing_publish_records");
    let level = level_of(entry);
    let n = int(entry, "count");
    let (label, value) = match tier {
        Tier::Short => ("no records", n.to_string()),
        Tier::Medium => ("missing records", format!("{n:>5}")),
        Tier::Long => {
            let runs = if n == 1 { "run" } else { "runs" };
            ("missing publish records", format!("{n:>5}  {runs}"))
        }
    };
    (level, check_line(level, label, value, tier, theme))
}

/// `[WARN] stuck runs      1`; long: `... 1  run running > 6h`.
fn stuck_runs_line(summary: &Value, tier: Tier, theme: &Theme) -> (Level, Line<'static>) {
    let entry = summary.get("stuck_runs");
    let level = level_of(entry);
    let n = int(entry, "count");
    let (label, value) = match tier {
        Tier::Short => ("stuck", n.to_string()),
        Tier::Medium => ("stuck runs", format!("{n:>5}")),
        Tier::Long => {
            let timeout = entry
                .and_then(|e| e.get("run_timeout"))
                .and_then(Value::as_str)
                .map(|t| format!(" > {}", clean(t)))
                .unwrap_or_default();
            let runs = if n == 1 { "run" } else { "runs" };
            ("stuck runs", format!("{n:>5}  {runs} running{timeout}"))
        }
    };
    (level, check_line(level, label, value, tier, theme))
}

/// `[WARN] ingestion      1`; long: `... 1 of 4 jobs failing`.
fn ingestion_failing_line(summary: &Value, tier: Tier, theme: &Theme) -> (Level, Line<'static>) {
    let entry = summary.get("ingestion_failing");
    let level = level_of(entry);
    let n = int(entry, "count");
    let (label, value) = match tier {
        Tier::Short => ("ingest", n.to_string()),
        Tier::Medium => ("ingestion", format!("{n:>5}")),
        Tier::Long => {
            let enabled = int(entry, "enabled_jobs");
            let jobs = if enabled == 1 { "job" } else { "jobs" };
            ("ingestion", format!("{n:>5}  of {enabled} {jobs} failing"))
        }
    };
    (level, check_line(level, label, value, tier, theme))
}

fn check_line(
    level: Level,
    label: &str,
    value: String,
    tier: Tier,
    theme: &Theme,
) -> Line<'static> {
    let label = match tier {
        Tier::Short => format!("{label} "),
        Tier::Medium => format!("{label:<16}"),
        Tier::Long => format!("{label:<25}"),
    };
    let value_style = if level == Level::Ok {
        Style::default()
    } else {
        level.style(theme)
    };
    Line::from(vec![
        Span::styled(level.marker(), level.style(theme)),
        Span::raw(" "),
        Span::raw(label),
        Span::styled(value, value_style),
    ])
}

/// Open flags by severity: `open: 1 crit · 2 warn`.
fn open_line(data: &RedFlagsData, tier: Tier, theme: &Theme) -> Line<'static> {
    let count = |level: Level| {
        data.open_flags
            .iter()
            .filter(|f| Level::from_severity(Some(&f.severity)) == level)
            .count()
    };
    let (critical, warning) = (count(Level::Critical), count(Level::Warning));
    let (label, crit, warn) = match tier {
        Tier::Short => ("open: ", "crit", "warn"),
        _ => ("open flags: ", "critical", "warning"),
    };
    if data.open_flags.is_empty() {
        return Line::from(vec![Span::raw(label), Span::styled("none", theme.ok())]);
    }
    let style = |n: usize, level: Level| {
        if n > 0 {
            level.style(theme)
        } else {
            theme.muted()
        }
    };
    let mut spans = vec![
        Span::raw(label),
        Span::styled(
            format!("{critical} {crit}"),
            style(critical, Level::Critical),
        ),
        Span::raw(" · "),
        Span::styled(format!("{warning} {warn}"), style(warning, Level::Warning)),
    ];
    let other = data.open_flags.len() - critical - warning;
    if other > 0 {
        spans.push(Span::raw(format!(" · {other} other")));
    }
    Line::from(spans)
}

/// The overall status word, with when it was evaluated (or why it could not be).
fn overall_line(
    data: &RedFlagsData,
    tier: Tier,
    view: &WidgetView,
    view_width: u16,
) -> Line<'static> {
    let theme = view.theme;
    let overall = clean(&data.overall);
    let style = match overall.to_ascii_uppercase().as_str() {
        "CRITICAL" => theme.critical(),
        "WARNING" => theme.warning(),
        "OK" => theme.ok(),
        _ => Style::default(),
    };
    let mut spans = Vec::new();
    if tier > Tier::Short {
        spans.push(Span::raw("status: "));
    }
    spans.push(Span::styled(overall, style));
    let silenced = data
        .open_flags
        .iter()
        .filter(|f| view.loaded_at.is_some_and(|now| f.is_silenced(now)))
        .count();
    // The open flags' count, so it is read even when their rows are hidden.
    let open = data.open_flags.len();
    if open > 0 {
        spans.push(Span::raw(format!(" · {open} open")));
    }
    let note = format!(" ({silenced} silenced)");
    let used: usize = spans.iter().map(|s| s.width()).sum();
    // Only whole: a narrow cell leaves it out (the flag's row says "silenced").
    if silenced > 0 && used + note.len() <= usize::from(view_width) {
        spans.push(Span::styled(note, theme.muted()));
    }
    if let Some(error) = data.summary.get("error").and_then(Value::as_str) {
        spans.push(Span::styled(format!(" - {}", clean(error)), theme.muted()));
    } else if tier > Tier::Short
        && let Some(evaluated) = data
            .summary
            .get("evaluated_at")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<DateTime<Utc>>().ok())
    {
        spans.push(Span::styled(
            format!(" · evaluated {}", age(evaluated, view.loaded_at)),
            theme.muted(),
        ));
    }
    Line::from(spans)
}
