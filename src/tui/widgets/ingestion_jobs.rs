//! `ingestion-jobs`: the metrics ingestion jobs with their channel, schedule in words, last and
//! next run, whether they are enabled, and the last error.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{
    CellText, Column, FILL, WidgetView, age, clean, filter_note, list_table, matches_filter,
    status_symbol, until,
};
use crate::domain::schedule::Schedule;
use crate::store::jobs::IngestionJob;

const COLUMNS: [Column; 7] = [
    Column::left("on", 3, 3, 0),
    Column::left("job", 10, 18, 1),
    Column::left("channel", 9, 9, 4),
    Column::left("schedule", 14, 26, 5),
    Column::right("last run", 10, 10, 2),
    Column::right("next", 8, 8, 3),
    Column::left("last error", 10, FILL, 6),
];

/// The jobs the `/` filter lets through, in display order (what `view.selected` indexes).
pub fn filtered<'a>(data: &'a [IngestionJob], filter: Option<&str>) -> Vec<&'a IngestionJob> {
    data.iter()
        .filter(|j| {
            let error = j.last_error.as_deref().unwrap_or("");
            matches_filter(filter, &[&j.job_name, &j.channel, &j.schedule_cron, error])
        })
        .collect()
}

#[allow(clippy::ptr_arg)] // the signature every widget body shares
pub fn render(data: &Vec<IngestionJob>, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    let theme = view.theme;
    let rows = filtered(data, view.filter);
    let cells = |index: usize| -> Vec<CellText> {
        let Some(j) = rows.get(index) else {
            return Vec::new();
        };
        let (on, on_style) = if j.enabled {
            ("on", theme.ok())
        } else {
            ("off", theme.muted())
        };
        let last = match (j.last_run_at, j.last_status.as_deref()) {
            (Some(t), Some(status)) => {
                format!(
                    "{} {}",
                    status_symbol(theme, status),
                    age(t, view.loaded_at)
                )
            }
            (Some(t), None) => age(t, view.loaded_at),
            (None, _) => "never".to_string(),
        };
        let last_style = match j.last_status.as_deref() {
            Some(status) if j.last_run_at.is_some() => theme.status(status),
            _ => theme.muted(),
        };
        let next = match (j.enabled, j.next_run_at) {
            (false, _) => ("disabled".to_string(), theme.muted()),
            (true, Some(t)) => (until(t, view.loaded_at), Default::default()),
            (true, None) => ("-".to_string(), theme.muted()),
        };
        let schedule = match Schedule::parse(&j.schedule_cron) {
            Ok(s) => (
                clean(s.describe().trim_end_matches('.')),
                Default::default(),
            ),
            Err(_) => (
                format!("{} (invalid)", clean(j.schedule_cron.trim())),
                theme.warning(),
            ),
        };
        let error = j
            .last_error
            .as_deref()
            .and_then(|e| e.lines().find(|l| !l.trim().is_empty()));
        vec![
            (on.to_string(), on_style),
            (clean(&j.job_name), Default::default()),
            (clean(&j.channel), Default::default()),
            schedule,
            (last, last_style),
            next,
            (
                error.map(|e| clean(e.trim())).unwrap_or_default(),
                theme.critical(),
            ),
        ]
    };
    let footer = filter_note(view, rows.len(), data.len()).map(Line::from);
    list_table(area, buf, view, &COLUMNS, rows.len(), cells, footer);
}
