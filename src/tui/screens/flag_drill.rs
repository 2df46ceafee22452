//! What a red flag counts: the flag (who acknowledged or silenced it), what the list is, and
//! its rows, a page at a time: failed runs of the window, published items without metrics, or
//! runs missing publish records (with how many items each), or failing ingestion jobs (their
//! failures in a row, last success and last error). Enter opens a run or an item; hidden rows
//! are announced (`more ↓`).

use crate::time_display::{self, TimeDisplay};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell, HighlightSpacing, Paragraph, Row, StatefulWidget, Table, TableState,
    Widget,
};

use crate::domain::red_flags::FlagKind;
use crate::domain::red_flags::ingestion::{Failing, MISSED_INTERVALS};
use crate::store::flag_drill::{DrillRow, window_start};
use crate::store::red_flags::RedFlag;
use crate::text::{columns, fit_words};
use crate::tui::app::{App, FlagDrillState};
use crate::tui::keymap::Action;
use crate::tui::widgets::{age, clean, status_marker};

pub fn render(app: &App, state: &FlagDrillState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let k = |a| app.keymap.describe(a);
    let keys = if app.options.read_only {
        format!(
            " Enter open · PgDn/PgUp pages · {} flags · Esc back ",
            k(Action::Flags)
        )
    } else {
        format!(
            " Enter open · {} ack · {} resolve · {} flags · Esc back ",
            k(Action::Acknowledge),
            k(Action::Resolve),
            k(Action::Flags)
        )
    };
    let flag = &state.flag;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::from(vec![
            Span::raw(" "),
            Span::styled(marker(flag), theme.status(&flag.severity)),
            Span::styled(
                format!(
                    " {} ",
                    fit_words(&label(flag), usize::from(area.width).saturating_sub(12))
                ),
                theme.header(),
            ),
        ]))
        .title_bottom(Line::styled(keys, theme.muted()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 3 {
        return;
    }
    let loaded_at = state
        .page
        .loaded_at
        .map(|(wall, _)| wall)
        .or(Some(state.at));
    let mut head = vec![Line::styled(
        history(flag, loaded_at, app.times()),
        theme.muted(),
    )];
    let Some(kind) = state.kind else {
        head.push(Line::raw(
            "this flag is not one mpis-dash evaluates: there is no list behind it",
        ));
        Paragraph::new(head).render(inner, buf);
        return;
    };
    let Some(page) = &state.page.value else {
        head.push(match &state.page.error {
            Some(error) => Line::styled(format!("error: {}", clean(error)), theme.critical()),
            None => Line::styled("loading…", theme.muted()),
        });
        Paragraph::new(head).render(inner, buf);
        return;
    };
    let first = state.offset() + 1;
    let last = state.offset() + page.rows.len();
    let mut what = vec![Span::raw(what_is_listed(kind, state, app.times()))];
    if page.rows.is_empty() {
        what.push(Span::styled(
            ": none now (the condition may have cleared)",
            theme.ok(),
        ));
    } else {
        what.push(Span::raw(format!(": {first}-{last}")));
        if page.next.is_some() {
            what.push(Span::styled(" · more ↓ (PgDn)", theme.accent()));
        }
        if !state.history.is_empty() {
            what.push(Span::styled(" · PgUp newer", theme.muted()));
        }
    }
    head.push(Line::from(what));
    let head_height = 2u16;
    Paragraph::new(head).render(
        Rect {
            height: head_height,
            ..inner
        },
        buf,
    );
    let table_area = Rect {
        y: inner.y + head_height,
        height: inner.height - head_height,
        ..inner
    };
    if page.rows.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> = page
        .rows
        .iter()
        .map(|row| cells(theme, row, loaded_at, app.times()))
        .collect();
    let titles: Vec<&str> = match page.rows.first() {
        Some(DrillRow::Item(_)) => vec!["published", "channel", "channel item id", "draft"],
        // The channel last before the reason: the first to go in a narrow terminal.
        Some(DrillRow::Job(_)) => vec!["job", "in a row", "last success", "channel", "why"],
        _ => vec!["status", "started", "project", "persona", "why"],
    };
    let widths = fit_columns(&titles, &rows, table_area.width.saturating_sub(2));
    let shown: Vec<usize> = (0..titles.len()).filter(|&i| widths[i] > 0).collect();
    let table_rows = rows.iter().map(|row| {
        Row::new(
            shown
                .iter()
                .map(|&i| Cell::from(fit_words(&row[i], usize::from(widths[i])))),
        )
    });
    // More rows than fit: the last line says so (the selection scrolls the table).
    let visible = usize::from(table_area.height.saturating_sub(1));
    let (table_area, hidden_note) = if rows.len() > visible && table_area.height > 2 {
        let note = Rect {
            y: table_area.bottom() - 1,
            height: 1,
            ..table_area
        };
        (
            Rect {
                height: table_area.height - 1,
                ..table_area
            },
            Some(note),
        )
    } else {
        (table_area, None)
    };
    let table = Table::new(
        table_rows,
        shown.iter().map(|&i| Constraint::Length(widths[i])),
    )
    .header(Row::new(shown.iter().map(|&i| titles[i])).style(theme.header()))
    .row_highlight_style(theme.selected())
    .highlight_symbol(format!("{} ", theme.glyphs.selected))
    .highlight_spacing(HighlightSpacing::Always);
    let mut table_state = TableState::default().with_selected(Some(state.selected));
    StatefulWidget::render(table, table_area, buf, &mut table_state);
    if let Some(note) = hidden_note {
        let shown_rows = usize::from(table_area.height.saturating_sub(1));
        let below = rows.len().saturating_sub(table_state.offset() + shown_rows);
        let above = table_state.offset();
        let mut text = Vec::new();
        if above > 0 {
            text.push(format!("{above} more ↑"));
        }
        if below > 0 {
            text.push(format!("{below} more ↓"));
        }
        Line::styled(format!("  {}", text.join(" · ")), theme.muted()).render(note, buf);
    }
}

fn marker(flag: &RedFlag) -> &'static str {
    match (flag.resolved_at.is_some(), flag.severity.as_str()) {
        (true, _) => "[DONE]",
        (false, "critical") => "[CRIT]",
        _ => "[WARN]",
    }
}

fn label(flag: &RedFlag) -> String {
    clean(flag.description.as_deref().unwrap_or(&flag.flag_type))
}

/// Opened, acknowledged, silenced, resolved: who and when.
pub fn history(
    flag: &RedFlag,
    now: Option<chrono::DateTime<chrono::Utc>>,
    times: TimeDisplay,
) -> String {
    let when = |at: chrono::DateTime<chrono::Utc>| times.format(at, time_display::SHORT);
    let mut parts = vec![format!("opened {}", age(flag.created_at, now))];
    match (flag.acknowledged_at, &flag.acknowledged_by) {
        (Some(at), Some(by)) => parts.push(format!("ack by {} {}", clean(by), when(at))),
        _ if flag.resolved_at.is_none() => parts.push("not acknowledged".to_string()),
        _ => {}
    }
    if let (Some(until), Some(by)) = (flag.silenced_until, &flag.silenced_by)
        && flag.resolved_at.is_none()
        && now.is_none_or(|now| until > now)
    {
        parts.push(format!("silenced by {} until {}", clean(by), when(until)));
    }
    if let (Some(at), Some(by)) = (flag.resolved_at, &flag.resolved_by) {
        parts.push(format!("resolved by {} {}", clean(by), when(at)));
    }
    parts.join(" · ")
}

fn what_is_listed(kind: FlagKind, state: &FlagDrillState, times: TimeDisplay) -> String {
    let since = window_start(kind, state.at)
        .map(|t| format!(" since {}", times.format(t, time_display::SHORT)))
        .unwrap_or_default();
    match kind {
        FlagKind::FailedRuns24h | FlagKind::FailedRuns7d => format!("failed runs{since}"),
        FlagKind::MissingMetrics => "published items without metrics".to_string(),
        FlagKind::MissingPublishRecords => "runs missing publish records".to_string(),
        FlagKind::StuckRuns => "runs still running past the run timeout".to_string(),
        FlagKind::IngestionFailing => "failing ingestion jobs".to_string(),
    }
}

fn cells(
    theme: &crate::tui::theme::Theme,
    row: &DrillRow,
    now: Option<chrono::DateTime<chrono::Utc>>,
    times: TimeDisplay,
) -> Vec<String> {
    match row {
        DrillRow::Run { run, missing_items } => {
            let why = match missing_items {
                Some(n) => format!(
                    "{n} item{} without a record",
                    if *n == 1 { "" } else { "s" }
                ),
                None => clean(run.error_message.as_deref().unwrap_or("")),
            };
            vec![
                status_marker(theme, &run.status),
                format!(
                    "{} ({})",
                    times.format(run.started_at, time_display::SHORT),
                    age(run.started_at, now)
                ),
                clean(&run.project_name),
                clean(&run.persona_name),
                why,
            ]
        }
        DrillRow::Item(item) => vec![
            format!(
                "{} ({})",
                times.format(item.published_at, time_display::SHORT),
                age(item.published_at, now)
            ),
            clean(&item.channel),
            clean(item.channel_item_id.as_deref().unwrap_or("-")),
            item.draft_id.to_string()[..8].to_string(),
        ],
        DrillRow::Job(job) => {
            let last_success = job.last_success_at.map_or_else(
                || "never".to_string(),
                |at| {
                    format!(
                        "{} ({})",
                        times.format(at, time_display::SHORT),
                        age(at, now)
                    )
                },
            );
            // The streak has its column: a streak's row says its last error; a job late for
            // its intervals says so first.
            let error = job.last_error.as_deref().map(clean).unwrap_or_default();
            let why = match (job.why, error.is_empty()) {
                (Failing::InARow { .. }, false) => error,
                (Failing::NoSuccess { .. }, false) => format!("late {MISSED_INTERVALS}×: {error}"),
                (_, true) => job.why.describe(),
            };
            vec![
                clean(&job.job_name),
                job.consecutive_failures.to_string(),
                last_success,
                clean(&job.channel),
                why,
            ]
        }
    }
}

/// Each column as wide as its widest cell when there is room. Else the last column (free
/// text: a run's error, why it is listed) keeps a useful width, the columns before it that then
/// do not fit are dropped whole, and it is shortened at a word.
fn fit_columns(titles: &[&str], rows: &[Vec<String>], width: u16) -> Vec<u16> {
    let need: Vec<usize> = (0..titles.len())
        .map(|i| {
            rows.iter()
                .map(|r| columns(&r[i]))
                .chain([columns(titles[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut widths = vec![0u16; titles.len()];
    let room = usize::from(width);
    let last = titles.len() - 1;
    let reserve = need[last].min(FREE_TEXT_MIN);
    let mut used = 0usize;
    for i in 0..last {
        let gap = usize::from(used > 0);
        if used + gap + need[i] + 1 + reserve <= room {
            widths[i] = u16::try_from(need[i]).unwrap_or(u16::MAX);
            used += gap + need[i];
        }
    }
    let left = room.saturating_sub(used + usize::from(used > 0));
    widths[last] = u16::try_from(need[last].min(left)).unwrap_or(u16::MAX);
    widths
}

/// The width the last (free text) column keeps before other columns are dropped.
const FREE_TEXT_MIN: usize = 24;
