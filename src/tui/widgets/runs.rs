//! `runs`: one page of recent runs, newest first, with status, names, timing and error.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{
    CellText, Column, FILL, WidgetView, age, clean, filter_note, list_table_beyond, matches_filter,
    status_marker,
};
use crate::store::runs::RunListRow;
use crate::tui::data::RunsData;

const COLUMNS: [Column; 6] = [
    Column::left("status", 9, 9, 0),
    Column::left("project", 10, 20, 1),
    Column::left("persona", 10, 16, 3),
    Column::right("started", 8, 8, 2),
    Column::right("took", 7, 7, 4),
    Column::left("error", 10, FILL, 5),
];

/// The fields the `/` filter searches in a run row (the dashboard's selection follows the same).
pub fn run_fields(row: &RunListRow) -> [&str; 4] {
    [
        &row.status,
        &row.project_name,
        &row.persona_name,
        row.error_message.as_deref().unwrap_or(""),
    ]
}

/// The rows the `/` filter lets through, in display order (what `view.selected` indexes).
pub fn filtered<'a>(data: &'a RunsData, filter: Option<&str>) -> Vec<&'a RunListRow> {
    data.rows
        .iter()
        .filter(|r| matches_filter(filter, &run_fields(r)))
        .collect()
}

pub fn render(data: &RunsData, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    let theme = view.theme;
    let rows = filtered(data, view.filter);
    let cells = |index: usize| -> Vec<CellText> {
        let Some(r) = rows.get(index) else {
            return Vec::new();
        };
        let took = match r.completed_at {
            Some(done) => duration((done - r.started_at).num_seconds().max(0) as u64),
            None if r.status == "running" => "running".to_string(),
            None => "-".to_string(),
        };
        // A list cell shows the first line; the run detail screen has the rest.
        let error = r
            .error_message
            .as_deref()
            .and_then(|e| e.lines().find(|l| !l.trim().is_empty()));
        vec![
            (status_marker(theme, &r.status), theme.status(&r.status)),
            (clean(&r.project_name), Default::default()),
            (clean(&r.persona_name), Default::default()),
            (age(r.started_at, view.loaded_at), theme.muted()),
            (took, Default::default()),
            (
                error.map(|e| clean(e.trim())).unwrap_or_default(),
                theme.critical(),
            ),
        ]
    };
    // Where the list is ("12–19 of 50+") goes on the border; "+": older runs not loaded yet.
    let footer = filter_note(view, rows.len(), data.rows.len()).map(Line::from);
    list_table_beyond(
        area,
        buf,
        view,
        &COLUMNS,
        rows.len(),
        cells,
        footer,
        data.next.is_some(),
    );
}

/// "42s", "4m05s", "3h12m", "2d04h": finer than the list ages, a run's length matters.
fn duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        3600..86400 => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d{:02}h", secs / 86400, secs % 86400 / 3600),
    }
}
