//! `persona-overview`: the personas with their active version and language, then the genesis
//! jobs awaiting approval (draft number, how long they have waited). One selection runs over
//! both: personas first, then the jobs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{
    Column, WidgetView, clean, column_widths, filter_note, matches_filter, pad, short_duration,
};
use crate::store::genesis::PendingGenesisJob;
use crate::store::personas::PersonaSummary;
use crate::tui::data::PersonasData;

const COLUMNS: [Column; 3] = [
    Column::left("persona", 8, 28, 0),
    Column::left("version", 8, 8, 1),
    // Also the waiting time of a genesis job ("waiting 45m").
    Column::left("lang", 11, 12, 2),
];

/// Waiting longer than this is shown as a warning.
const LONG_WAIT_SECS: u64 = 24 * 3600;

/// What the `/` filter lets through: personas, then jobs (`view.selected` runs over both).
pub fn filtered<'a>(
    data: &'a PersonasData,
    filter: Option<&str>,
) -> (Vec<&'a PersonaSummary>, Vec<&'a PendingGenesisJob>) {
    let personas = data
        .personas
        .iter()
        .filter(|p| {
            let language = p.language.as_deref().unwrap_or("");
            let version = p.active_version.as_deref().unwrap_or("");
            matches_filter(filter, &[&p.name, &p.slug, language, version])
        })
        .collect();
    let jobs = data
        .awaiting_approval
        .iter()
        .filter(|j| matches_filter(filter, &[&j.persona_name, &j.slug, "awaiting approval"]))
        .collect();
    (personas, jobs)
}

enum Item {
    /// A section or column header: not selectable.
    Heading(Line<'static>),
    /// A selectable row: its cells (text, style).
    Row([(String, Style); 3]),
}

pub fn render(data: &PersonasData, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    if area.is_empty() {
        return;
    }
    let theme = view.theme;
    let (personas, jobs) = filtered(data, view.filter);
    let widths = column_widths(&COLUMNS, area.width.saturating_sub(2));
    let dash = || ("-".to_string(), theme.muted());

    let mut items = Vec::new();
    for p in &personas {
        items.push(Item::Row([
            (clean(&p.name), Style::default()),
            p.active_version
                .as_deref()
                .map_or_else(dash, |v| (clean(v), theme.accent())),
            p.language
                .as_deref()
                .map_or_else(dash, |l| (clean(l), Style::default())),
        ]));
    }
    let mut awaiting_at = None;
    if !jobs.is_empty() {
        awaiting_at = Some(items.len());
        items.push(Item::Heading(Line::styled(
            format!("awaiting approval ({})", jobs.len()),
            theme.warning(),
        )));
    }
    for j in &jobs {
        let reference = view.loaded_at.unwrap_or(j.updated_at);
        let waited = (reference - j.updated_at).num_seconds().max(0) as u64;
        let wait = if widths[2] >= 11 {
            format!("waiting {}", short_duration(waited))
        } else {
            short_duration(waited)
        };
        let wait_style = if waited > LONG_WAIT_SECS {
            theme.warning()
        } else {
            theme.muted()
        };
        items.push(Item::Row([
            (clean(&j.persona_name), Style::default()),
            (format!("draft {}", j.draft_no), Style::default()),
            (wait, wait_style),
        ]));
    }
    if items.is_empty() {
        let text = format!(
            "nothing matches /{}",
            clean(view.filter.unwrap_or_default().trim())
        );
        Line::styled(text, theme.muted()).render(area, buf);
        return;
    }

    let mut rows = area;
    let note = filter_note(
        view,
        personas.len() + jobs.len(),
        data.personas.len() + data.awaiting_approval.len(),
    );
    if let Some(note) = note
        && rows.height >= 3
    {
        rows.height -= 1;
        Line::from(note).render(
            Rect {
                y: rows.bottom(),
                height: 1,
                ..rows
            },
            buf,
        );
    }
    if rows.height >= 4 && !personas.is_empty() {
        let header = COLUMNS.map(|c| (c.title.to_string(), theme.header()));
        draw_row(&header, &widths, Rect { height: 1, ..rows }, buf, "");
        rows.y += 1;
        rows.height -= 1;
    }

    // The line of each selectable row, so the selected one can be scrolled into view.
    let row_lines: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| matches!(item, Item::Row(_)))
        .map(|(line, _)| line)
        .collect();
    let selected_line = row_lines
        .get(view.selected.min(row_lines.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0);
    let visible = usize::from(rows.height);
    let offset = (selected_line + 1).saturating_sub(visible);
    // Hidden lines are named on the border, like every list's.
    let note = match (offset > 0, offset + visible < items.len()) {
        (true, true) => Some(" more ↑ more ↓ "),
        (true, false) => Some(" more ↑ "),
        (false, true) => Some(" more ↓ "),
        (false, false) => None,
    };
    if let Some(note) = note {
        super::border_note(area, buf, note, theme.accent());
    }
    for (i, item) in items.iter().enumerate().skip(offset).take(visible) {
        let row = Rect {
            y: rows.y + (i - offset) as u16,
            height: 1,
            ..rows
        };
        let last_visible = i + 1 == offset + visible;
        // Keep the jobs waiting for a decision in sight when the list is scrolled above them.
        if last_visible
            && i != selected_line
            && let Some(at) = awaiting_at
            && at > i
        {
            let hint = format!(" ↓ {} awaiting approval", jobs.len());
            Line::styled(hint, theme.warning()).render(row, buf);
            break;
        }
        match item {
            Item::Heading(line) => line.clone().render(row, buf),
            Item::Row(cells) => {
                let selected = view.focused && i == selected_line;
                let mark = if selected {
                    super::selection_symbol(theme)
                } else {
                    String::new()
                };
                draw_row(cells, &widths, row, buf, &mark);
                if selected {
                    buf.set_style(row, theme.selected());
                }
            }
        }
    }
}

/// A one-line row: the selection mark, then each shown column (one space apart).
fn draw_row(cells: &[(String, Style); 3], widths: &[u16], row: Rect, buf: &mut Buffer, mark: &str) {
    let mut spans = vec![Span::raw(format!("{mark:<2}"))];
    let mut first = true;
    for ((text, style), &width) in cells.iter().zip(widths) {
        if width == 0 {
            continue;
        }
        if !first {
            spans.push(Span::raw(" "));
        }
        first = false;
        let width = usize::from(width);
        spans.push(Span::styled(pad(text, width), *style));
    }
    Line::from(spans).render(row, buf);
}
