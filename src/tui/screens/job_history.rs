//! A job's run history (Enter on a job): its runs newest first (started, duration, trigger,
//! items asked, rows written, outcome), and below, the selected run's error and per-item
//! errors (item id, message), sanitized; Enter focuses them to scroll, Esc gives the keys back.

use crate::time_display::{self, TimeDisplay};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::store::ingestion_runs::IngestionRun;
use crate::tui::app::{App, JobHistoryState};
use crate::tui::data::{LoadState, WidgetKind};
use crate::tui::screens::jobs::schedule_text;
use crate::tui::widgets::{
    CellText, Column, FILL, WidgetView, clean, count, list_table, short_duration, status_symbol,
};

const COLUMNS: [Column; 7] = [
    Column::left("started", 16, 20, 0),
    Column::right("took", 6, 7, 2),
    Column::left("trigger", 8, 8, 3),
    Column::right("asked", 5, 6, 4),
    Column::right("rows", 5, 6, 1),
    Column::left("outcome", 9, 9, 0),
    Column::left("errors", 6, FILL, 5),
];

pub fn render(app: &App, state: &JobHistoryState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let keys = if state.errors_focused {
        " ↑/↓ PgUp/PgDn scroll the errors · Esc back to the runs "
    } else if app.options.read_only {
        " ↑/↓ run · Enter its errors · Esc back · read-only "
    } else {
        " ↑/↓ run · Enter its errors · r run now · Esc back "
    };
    let job = &state.job;
    let persona = state.persona.as_deref().map_or_else(
        || match job.persona_id {
            None => "all".to_string(),
            Some(id) => format!("#{}", &id.simple().to_string()[..8]),
        },
        clean,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(
            format!(
                " Runs of {} · {} · persona {} ",
                clean(&job.job_name),
                clean(&job.channel),
                persona
            ),
            theme.header(),
        ))
        .title_bottom(Line::styled(keys, theme.muted()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 4 {
        return;
    }
    let (schedule, _) = schedule_text(&job.schedule_cron);
    let state_word = if job.enabled { "on" } else { "off" };
    let running = app.jobs_running.contains(&job.id);
    let mut header = vec![
        Span::styled(format!("{state_word} · "), theme.muted()),
        Span::raw(schedule),
    ];
    if running {
        header.push(Span::styled(
            format!(
                " · {} running{}",
                theme.glyphs.run_running, theme.glyphs.ellipsis
            ),
            theme.accent(),
        ));
    }
    Line::from(header).render(Rect { height: 1, ..inner }, buf);
    let body = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    let Some(runs) = &state.runs.value else {
        let text = match &state.runs.error {
            Some(error) => Line::styled(
                format!("cannot load the runs: {}", clean(error)),
                theme.critical(),
            ),
            None => Line::styled("loading…", theme.muted()),
        };
        Paragraph::new(text).render(body, buf);
        return;
    };
    if runs.is_empty() {
        Paragraph::new(Line::styled(
            "no runs yet: the scheduler runs it when due (r runs it now)",
            theme.muted(),
        ))
        .render(body, buf);
        return;
    }
    // The runs take up to half the room; the selected run's errors the rest.
    let wanted = u16::try_from(runs.len() + 1).unwrap_or(u16::MAX);
    let table_height = wanted.min(body.height / 2).max(3.min(body.height));
    let table_area = Rect {
        height: table_height,
        ..body
    };
    let kind = WidgetKind::IngestionJobs;
    let view = WidgetView {
        kind: &kind,
        subtitle: String::new(),
        state: LoadState::Ready,
        data: None,
        error: None,
        age_secs: None,
        loaded_at: state.runs.loaded_at.map(|(wall, _)| wall),
        focused: !state.errors_focused,
        selected: state.selected,
        filter: None,
        sort: None,
        theme,
        new_flags: &[],
    };
    let cells = |index: usize| -> Vec<CellText> {
        runs.get(index)
            .map(|run| run_cells(run, theme, app.times()))
            .unwrap_or_default()
    };
    list_table(table_area, buf, &view, &COLUMNS, runs.len(), cells, None);
    if let Some(run) = runs.get(state.selected)
        && body.height > table_height + 1
    {
        let errors_area = Rect {
            y: body.y + table_height,
            height: body.height - table_height,
            ..body
        };
        errors(app, state, run, errors_area, buf);
    }
}

fn run_cells(
    run: &IngestionRun,
    theme: &crate::tui::theme::Theme,
    times: TimeDisplay,
) -> Vec<CellText> {
    let took = match run.finished_at {
        Some(done) => {
            let ms = (done - run.started_at).num_milliseconds().max(0);
            if ms < 1000 {
                format!("{ms}ms")
            } else {
                short_duration((ms / 1000) as u64)
            }
        }
        None => "…".to_string(),
    };
    let trigger = match run.triggered_by.as_str() {
        "manual" => "run now".to_string(),
        other => clean(other),
    };
    let errors = run.item_errors.0.len();
    let errors_text = match (errors, run.error.as_deref()) {
        (0, None) => String::new(),
        (0, Some(error)) => clean(error),
        (n, _) => format!("{n} items"),
    };
    vec![
        (
            times.format(run.started_at, "%m-%d %H:%M:%S"),
            Default::default(),
        ),
        (took, theme.muted()),
        (trigger, Default::default()),
        (count(i64::from(run.items_asked)), Default::default()),
        (count(i64::from(run.rows_written)), Default::default()),
        (
            format!(
                "{} {}",
                status_symbol(theme, &run.outcome),
                clean(&run.outcome)
            ),
            theme.status(&run.outcome),
        ),
        (errors_text, theme.critical()),
    ]
}

/// The selected run's error and per-item errors, scrolled by `state.scroll`.
fn errors(app: &App, state: &JobHistoryState, run: &IngestionRun, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let border = if state.errors_focused {
        theme.accent()
    } else {
        theme.muted()
    };
    let item_errors = &run.item_errors.0;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_set(theme.glyphs.border)
        .border_style(border)
        .title(Line::styled(
            format!(
                " run of {} · {} item errors ",
                app.times().format(run.started_at, time_display::SECOND),
                item_errors.len()
            ),
            theme.header(),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let mut lines = Vec::new();
    if let Some(error) = run.error.as_deref() {
        lines.push(Line::from(vec![
            Span::styled("run: ", theme.header()),
            Span::styled(clean(error), theme.critical()),
        ]));
    }
    for item in item_errors {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", item.published_item_id), theme.muted()),
            Span::raw(clean(&item.error)),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::styled("no errors", theme.ok()));
    }
    let max = u16::try_from(lines.len().saturating_sub(1)).unwrap_or(u16::MAX);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((state.scroll.min(max), 0))
        .render(inner, buf);
}
