//! `:jobs`: the ingestion jobs, k9s-like: on/off, name, channel, persona (or all), the cron
//! with its plain-words description, the next run, the last run (outcome symbol and age, or
//! "running…" for a run started here), the last outcome; the `/` filter in the table's last
//! line; below, the selected job in full (its schedule, last error, where its credential lives).

use crate::time_display;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::domain::job_form::{self, BASE_URL_KEY};
use crate::domain::schedule::Schedule;
use crate::store::jobs::IngestionJob;
use crate::tui::app::{App, JobsState};
use crate::tui::data::{LoadState, WidgetKind};
use crate::tui::text_field;
use crate::tui::theme::Theme;
use crate::tui::widgets::{
    CellText, Column, FILL, WidgetView, age, clean, list_table, matches_filter, status_symbol,
    until,
};
use crate::tui::worker::JobsList;

// At 80 columns the cron shows whole and the persona is left to the details below; wider,
// the persona and the cron's words too.
const COLUMNS: [Column; 8] = [
    Column::left("on", 3, 3, 0),
    Column::left("job", 10, 22, 1),
    Column::left("channel", 9, 9, 3),
    Column::left("persona", 10, 18, 6),
    Column::left("schedule", 16, FILL, 2),
    Column::right("next", 6, 8, 4),
    Column::right("last run", 10, 12, 2),
    Column::left("outcome", 7, 9, 5),
];

/// Rows kept for the selected job's details.
const DETAIL_ROWS: u16 = 5;

/// The jobs the filter lets through (name, channel, persona, cron, last outcome), in order.
pub fn filtered_jobs<'a>(list: &'a JobsList, filter: &str) -> Vec<&'a IngestionJob> {
    let filter = Some(filter);
    list.jobs
        .iter()
        .filter(|j| {
            let persona = persona_label(list, j);
            let status = j.last_status.as_deref().unwrap_or("never");
            matches_filter(
                filter,
                &[&j.job_name, &j.channel, &persona, &j.schedule_cron, status],
            )
        })
        .collect()
}

/// A job's persona as listed: its name, "all", or its short id when not known.
pub fn persona_label(list: &JobsList, job: &IngestionJob) -> String {
    match job.persona_id {
        None => "all".to_string(),
        Some(id) => list
            .persona_name(id)
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", &id.simple().to_string()[..8])),
    }
}

/// The cron and its description: "0 * * * * · At minute 0".
pub fn schedule_text(cron: &str) -> (String, bool) {
    match Schedule::parse(cron) {
        Ok(s) => (
            format!(
                "{} · {}",
                clean(s.as_str()),
                clean(s.describe().trim_end_matches('.'))
            ),
            true,
        ),
        Err(_) => (format!("{} (invalid)", clean(cron.trim())), false),
    }
}

pub fn render(app: &App, state: &JobsState, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &app.options.theme;
    let keys = if app.options.read_only {
        " Enter history · / filter · ? help · Esc back · read-only "
    } else {
        " Enter history · n new · e edit · x on/off · r run now · d delete · / filter · Esc "
    };
    let total = state.list.value.as_ref().map_or(0, |l| l.jobs.len());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(
            format!(" Ingestion jobs ({total}) "),
            theme.header(),
        ))
        .title_bottom(Line::styled(keys, theme.muted()));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(list) = &state.list.value else {
        let text = match &state.list.error {
            Some(error) => Line::styled(
                format!("cannot load the jobs: {}", clean(error)),
                theme.critical(),
            ),
            None => Line::styled("loading…", theme.muted()),
        };
        Paragraph::new(text).render(inner, buf);
        return None;
    };
    let rows = state.rows();
    let loaded_at = state.list.loaded_at.map(|(wall, _)| wall);
    let table_height = if inner.height > DETAIL_ROWS + 4 {
        inner.height - DETAIL_ROWS - 1
    } else {
        inner.height
    };
    let table_area = Rect {
        height: table_height,
        ..inner
    };
    let kind = WidgetKind::IngestionJobs;
    let view = WidgetView {
        kind: &kind,
        subtitle: String::new(),
        state: LoadState::Ready,
        data: None,
        error: None,
        age_secs: None,
        loaded_at,
        focused: true,
        selected: state.selected,
        filter: Some(state.filter.as_str()),
        sort: None,
        theme,
        new_flags: &[],
    };
    let cells = |index: usize| -> Vec<CellText> {
        let Some(j) = rows.get(index) else {
            return Vec::new();
        };
        row_cells(app, list, j, loaded_at, theme)
    };
    let filtering = state.filter_editing || !state.filter.is_empty();
    let footer = filtering.then(|| {
        let shown = text_field::shown(&state.filter, Some(state.filter_cursor), 40);
        Line::from(vec![
            Span::styled("/", theme.accent()),
            Span::raw(shown.text),
            Span::styled(
                format!("  {} of {} jobs", rows.len(), list.jobs.len()),
                theme.muted(),
            ),
        ])
    });
    list_table(table_area, buf, &view, &COLUMNS, rows.len(), cells, footer);
    if table_height < inner.height
        && let Some(job) = rows.get(state.selected)
    {
        let detail_area = Rect {
            y: inner.y + table_height + 1,
            height: inner.height - table_height - 1,
            ..inner
        };
        details(app, list, job, loaded_at, detail_area, buf);
    }
    let cursor = text_field::shown(&state.filter, Some(state.filter_cursor), 40).cursor;
    match cursor {
        Some(column) if state.filter_editing && table_area.height >= 3 => Some(Position {
            x: table_area.x + 1 + column,
            y: table_area.bottom() - 1,
        }),
        _ => None,
    }
}

fn row_cells(
    app: &App,
    list: &JobsList,
    j: &IngestionJob,
    loaded_at: Option<chrono::DateTime<chrono::Utc>>,
    theme: &Theme,
) -> Vec<CellText> {
    let (on, on_style) = if j.enabled {
        ("on", theme.ok())
    } else {
        ("off", theme.muted())
    };
    let next = match (j.enabled, j.next_run_at) {
        (false, _) => ("-".to_string(), theme.muted()),
        (true, Some(t)) => (until(t, loaded_at), Default::default()),
        (true, None) => ("never".to_string(), theme.warning()),
    };
    let last = if app.jobs_running.contains(&j.id) {
        (
            format!(
                "{} running{}",
                theme.glyphs.run_running, theme.glyphs.ellipsis
            ),
            theme.accent(),
        )
    } else {
        match (j.last_run_at, j.last_status.as_deref()) {
            (Some(t), Some(status)) => (
                format!("{} {}", status_symbol(theme, status), age(t, loaded_at)),
                theme.status(status),
            ),
            (Some(t), None) => (age(t, loaded_at), Default::default()),
            (None, _) => ("never".to_string(), theme.muted()),
        }
    };
    let outcome = match j.last_status.as_deref() {
        Some(status) => (clean(status), theme.status(status)),
        None => ("-".to_string(), theme.muted()),
    };
    let (schedule, valid) = schedule_text(&j.schedule_cron);
    vec![
        (on.to_string(), on_style),
        (clean(&j.job_name), Default::default()),
        (clean(&j.channel), Default::default()),
        (clean(&persona_label(list, j)), theme.muted()),
        (
            schedule,
            if valid {
                Default::default()
            } else {
                theme.warning()
            },
        ),
        next,
        last,
        outcome,
    ]
}

/// The selected job in full.
fn details(
    app: &App,
    list: &JobsList,
    job: &IngestionJob,
    loaded_at: Option<chrono::DateTime<chrono::Utc>>,
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = &app.options.theme;
    let label = |text: &str| Span::styled(format!("{text:<10}"), theme.header());
    let when = |at: chrono::DateTime<chrono::Utc>| app.times().format(at, time_display::MINUTE);
    let mut lines = Vec::new();
    let (schedule, _) = schedule_text(&job.schedule_cron);
    let next = match (job.enabled, job.next_run_at) {
        (false, _) => "disabled: runs only when run now".to_string(),
        (true, Some(at)) => format!("next {} ({})", when(at), until(at, loaded_at)),
        (true, None) => "never fires again".to_string(),
    };
    lines.push(Line::from(vec![
        label("schedule"),
        Span::raw(schedule),
        Span::styled(format!(" · {next}"), theme.muted()),
    ]));
    let last = match (job.last_run_at, job.last_status.as_deref()) {
        (Some(at), status) => format!(
            "{} ({}) {}",
            when(at),
            age(at, loaded_at),
            status
                .map(|s| format!("{} {}", status_symbol(theme, s), clean(s)))
                .unwrap_or_default()
        ),
        (None, _) => "never ran".to_string(),
    };
    lines.push(Line::from(vec![label("last run"), Span::raw(last)]));
    if let Some(error) = job.last_error.as_deref().filter(|e| !e.trim().is_empty()) {
        lines.push(Line::from(vec![
            label("last error"),
            Span::styled(clean(error.trim()), theme.critical()),
        ]));
    }
    let config = &job.config.0;
    let credential = job_form::credential_text(config);
    let mut said = vec![format!("persona {}", clean(&persona_label(list, job)))];
    said.push(if credential.is_empty() {
        "no credential".to_string()
    } else {
        format!("credential {}", clean(&credential))
    });
    if let Some(url) = config.get(BASE_URL_KEY).and_then(|v| v.as_str()) {
        said.push(format!("base URL {}", clean(url)));
    }
    if let Some(hours) = config.get("lookback_hours").and_then(|v| v.as_u64()) {
        said.push(format!("look back {hours} h"));
    }
    lines.push(Line::from(vec![
        label("config"),
        Span::styled(said.join(" · "), theme.muted()),
    ]));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
