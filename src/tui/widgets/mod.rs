//! Dashboard widgets: a bordered frame that shows the loading / error / empty / stale states the
//! same way for every widget, and one body renderer per widget kind (one file each).
//!
//! Rendering is a pure function of [`WidgetView`]; every string from the database passes
//! through [`crate::sanitize::sanitize`] (use [`clean`]) before it reaches a cell.

pub mod channel_performance;
pub mod engagement_chart;
pub mod ingestion_jobs;
pub mod outbox;
pub mod persona_overview;
pub mod recent_posts;
pub mod recommendations;
pub mod red_flags;
pub mod runs;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::data::{LoadState, WidgetData, WidgetKind};
use super::theme::Theme;

/// Everything a widget needs to draw itself.
pub struct WidgetView<'a> {
    pub kind: &'a WidgetKind,
    /// Extra title text, e.g. the filter in effect ("30d · telegram").
    pub subtitle: String,
    pub state: LoadState,
    pub data: Option<&'a WidgetData>,
    pub error: Option<&'a str>,
    /// Seconds since the data arrived (for the stale marker).
    pub age_secs: Option<u64>,
    /// When the data arrived: relative times inside the widget ("5m ago") are measured from
    /// here, so an unchanged widget draws the same cells on every frame.
    pub loaded_at: Option<DateTime<Utc>>,
    pub focused: bool,
    /// Index of the selected row in list widgets.
    pub selected: usize,
    /// The `/` filter text, applied to list rows (case-insensitive).
    pub filter: Option<&'a str>,
    /// The rows' order (`s` / `S`, a layout's `config.sort`): its column's header is marked.
    pub sort: Option<crate::domain::sort::SortOrder>,
    pub theme: &'a Theme,
    /// Red flags that turned critical while the dashboard was open and are not seen yet:
    /// drawn bold with a `NEW` marker.
    pub new_flags: &'a [uuid::Uuid],
}

/// Draws the frame, then the state or the body.
pub fn render(view: &WidgetView, area: Rect, buf: &mut Buffer) {
    let theme = view.theme;
    let focus_marker = if view.focused {
        theme.glyphs.pointer
    } else {
        ""
    };
    let focus_space = if view.focused { " " } else { "" };
    let mut title = vec![Span::styled(
        format!(" {focus_marker}{focus_space}{} ", view.kind.title()),
        theme.header(),
    )];
    if !view.subtitle.is_empty() {
        title.push(Span::styled(
            format!("{} ", clean(&view.subtitle)),
            theme.muted(),
        ));
    }
    let glyphs = &theme.glyphs;
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_set(if view.focused {
            glyphs.border_focused
        } else {
            glyphs.border
        })
        .border_style(if view.focused {
            theme.focused_border()
        } else {
            theme.border()
        })
        .title(Line::from(title));
    // On the bottom border: a narrow widget cuts its title from the right, never this.
    if view.state == LoadState::Stale {
        let age = view.age_secs.map(short_duration).unwrap_or_default();
        block = block.title_bottom(Line::styled(format!(" [stale {age}] "), theme.warning()));
    }
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    match (view.state, view.data) {
        (LoadState::Loading, _) | (_, None) if view.error.is_none() => {
            message(
                inner,
                buf,
                &format!("loading{}", theme.glyphs.ellipsis),
                theme.muted(),
            );
        }
        (LoadState::Error, _) | (_, None) => {
            let text = format!("error: {}", clean(view.error.unwrap_or("unknown")));
            message(inner, buf, &text, theme.critical());
        }
        (LoadState::Empty, Some(data)) => empty(view.kind, data, inner, buf, view),
        (_, Some(data)) => body(data, inner, buf, view),
    }
}

/// The empty state: most widgets say so; some still draw (the red flags always have numbers).
fn empty(kind: &WidgetKind, data: &WidgetData, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    let text = match kind {
        WidgetKind::Runs => "no runs yet",
        WidgetKind::RecentPosts => "nothing published yet",
        WidgetKind::EngagementChart => "no metrics in this period",
        WidgetKind::ChannelPerformance => "no metrics in this period",
        WidgetKind::PersonaOverview => "no personas yet: start one with :genesis",
        WidgetKind::EidosRecommendations => match data {
            WidgetData::AnalystSuggestions(_) => {
                "no recommendations computed yet, and too little data for the analyst to suggest any"
            }
            _ => "no recommendations computed yet",
        },
        WidgetKind::IngestionJobs => "no ingestion jobs",
        WidgetKind::Outbox => "every publish record was forwarded",
        _ => return body(data, area, buf, view),
    };
    message(area, buf, text, view.theme.muted());
}

fn body(data: &WidgetData, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    match data {
        WidgetData::RedFlags(d) => red_flags::render(d, area, buf, view),
        WidgetData::Runs(d) => runs::render(d, area, buf, view),
        WidgetData::RecentPosts(d) => recent_posts::render(d, area, buf, view),
        WidgetData::Engagement(d) => engagement_chart::render(d, area, buf, view),
        WidgetData::Channels(d) => channel_performance::render(d, area, buf, view),
        WidgetData::Personas(d) => persona_overview::render(d, area, buf, view),
        WidgetData::Recommendations(d) => recommendations::render(d, area, buf, view),
        WidgetData::AnalystSuggestions(d) => recommendations::render_analyst(d, area, buf, view),
        WidgetData::Jobs(d) => ingestion_jobs::render(d, area, buf, view),
        WidgetData::Outbox(d) => outbox::render(d, area, buf, view),
    }
}

fn message(area: Rect, buf: &mut Buffer, text: &str, style: Style) {
    Paragraph::new(Line::styled(text.to_string(), style))
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// Database / network text made safe for a cell (control characters shown, never emitted).
pub fn clean(text: &str) -> String {
    crate::sanitize::sanitize(text).into_owned()
}

/// Multi-line text from MPIS or the database (a Markdown prompt, an error detail) as its lines,
/// each made safe like [`clean`]; trailing blank lines are dropped.
pub fn clean_lines(text: &str) -> Vec<String> {
    let safe = crate::sanitize::sanitize_multiline(text);
    let mut lines: Vec<String> = safe.split('\n').map(str::to_string).collect();
    while lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

/// `label` followed by multi-line `text`: its first line after the label, the others below,
/// indented two columns, all in `style`.
pub fn labelled_lines(label: &str, text: &str, style: Style) -> Vec<Line<'static>> {
    clean_lines(text)
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let lead = if index == 0 { label } else { "  " };
            Line::styled(format!("{lead}{line}"), style)
        })
        .collect()
}

/// Whether a list row matches the `/` filter (case-insensitive substring of any field).
pub fn matches_filter(filter: Option<&str>, fields: &[&str]) -> bool {
    match filter.map(str::trim).filter(|f| !f.is_empty()) {
        None => true,
        Some(f) => {
            let needle = f.to_lowercase();
            fields
                .iter()
                .any(|field| field.to_lowercase().contains(&needle))
        }
    }
}

/// "45s", "12m", "3h", "2d" (coarse, so an age rarely changes between frames).
pub use crate::text::short_duration;

/// Age of `at` as seen when the data was loaded ("5m ago").
pub fn age(at: DateTime<Utc>, loaded_at: Option<DateTime<Utc>>) -> String {
    let reference = loaded_at.unwrap_or(at);
    let secs = (reference - at).num_seconds().max(0) as u64;
    format!("{} ago", short_duration(secs))
}

/// Cuts `text` to `width` terminal columns with an ellipsis / pads a cell to exactly `width`.
pub use crate::text::{fit, pad};

/// Time from `loaded_at` until `at`: "in 3h", or "due" once it has passed.
pub fn until(at: DateTime<Utc>, loaded_at: Option<DateTime<Utc>>) -> String {
    let reference = loaded_at.unwrap_or(at);
    let secs = (at - reference).num_seconds();
    if secs <= 0 {
        "due".to_string()
    } else {
        format!("in {}", short_duration(secs as u64))
    }
}

/// The symbol of a status word in the theme's glyphs (`Glyphs::status`): ✓ ✗ ◐ ▶ ○.
pub fn status_symbol(theme: &Theme, status: &str) -> &'static str {
    theme.glyphs.status(status)
}

/// A status word with its symbol in front: "✗ failed".
pub fn status_marker(theme: &Theme, status: &str) -> String {
    format!("{} {}", status_symbol(theme, status), clean(status))
}

/// A bordered block in the theme's border glyphs (ASCII mode: `+ - |`).
pub fn bordered<'a>(theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
}

/// A ratio (0.0421) as a percentage with two decimals ("4.21%"), or "-".
pub fn percent(ratio: Option<f64>) -> String {
    match ratio {
        Some(r) if r.is_finite() => format!("{:.2}%", r * 100.0),
        _ => "-".to_string(),
    }
}

/// A count that fits a narrow column: 950, 9950, 12.3k, 4.5M.
pub fn count(n: i64) -> String {
    let abs = n.unsigned_abs();
    if abs < 10_000 {
        n.to_string()
    } else if abs < 1_000_000 {
        format!("{:.1}k", n as f64 / 1_000.0)
    } else {
        format!("{:.1}M", n as f64 / 1_000_000.0)
    }
}

/// A column of a list widget. Columns are shown by `priority` (lower first) as long as their
/// `min` width fits, then widened up to `max` in the same order; `max: FILL` takes what is left.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub min: u16,
    pub max: u16,
    pub priority: u8,
    /// Right-aligned (numbers).
    pub right: bool,
}

impl Column {
    /// A left-aligned column.
    pub const fn left(title: &'static str, min: u16, max: u16, priority: u8) -> Column {
        Column {
            title,
            min,
            max,
            priority,
            right: false,
        }
    }

    /// A right-aligned column (numbers, ages).
    pub const fn right(title: &'static str, min: u16, max: u16, priority: u8) -> Column {
        Column {
            title,
            min,
            max,
            priority,
            right: true,
        }
    }
}

/// `Column::max` of a column that takes the remaining width.
pub const FILL: u16 = u16::MAX;

const COLUMN_SPACING: u16 = 1;
/// Marks the selected row (besides its reversed colors), so it also shows in plain text.
pub const SELECTION_SYMBOL_WIDTH: u16 = 2;

/// The selected row's marker and its space ("▸ ", ASCII "> "): `SELECTION_SYMBOL_WIDTH` wide.
pub fn selection_symbol(theme: &Theme) -> String {
    format!("{} ", theme.glyphs.selected)
}

/// The width of each column in `width` cells (0: hidden), one space between columns.
pub fn column_widths(columns: &[Column], width: u16) -> Vec<u16> {
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| columns[i].priority);
    let mut widths = vec![0u16; columns.len()];
    let mut used: u16 = 0;
    for &i in &order {
        let gap = if used == 0 { 0 } else { COLUMN_SPACING };
        let need = columns[i].min.max(1).saturating_add(gap);
        if used.saturating_add(need) > width {
            break;
        }
        widths[i] = columns[i].min.max(1);
        used += need;
    }
    let mut extra = width.saturating_sub(used);
    for &i in &order {
        if widths[i] == 0 || columns[i].max == FILL {
            continue;
        }
        let grow = columns[i].max.saturating_sub(widths[i]).min(extra);
        widths[i] += grow;
        extra -= grow;
    }
    if let Some(&i) = order
        .iter()
        .find(|&&i| widths[i] > 0 && columns[i].max == FILL)
    {
        widths[i] = widths[i].saturating_add(extra);
    }
    widths
}

/// One cell of a list row: sanitized text and its style.
pub type CellText = (String, Style);

/// How many rows a list table of `height` (the widget's inner height) shows: the header
/// always stays (a short widget drops rows first), the footer only with room for a row too.
pub fn list_rows_shown(height: u16, footer: bool) -> usize {
    let footer = u16::from(footer && height >= 3);
    usize::from(height.saturating_sub(1 + footer))
}

/// The first row a list shows: the selected row is kept in sight at the bottom when scrolled.
pub fn list_offset(selected: usize, visible: usize) -> usize {
    (selected + 1).saturating_sub(visible.max(1))
}

/// Where a list is, for its border: "more ↑ 12–19 of 50+ more ↓" (`+`: more exist beyond what
/// is loaded), shortened to what fits `width`; `None` when every row is in sight.
pub fn position_note(
    offset: usize,
    visible: usize,
    count: usize,
    beyond: bool,
    width: usize,
    glyphs: &crate::tui::glyphs::Glyphs,
) -> Option<String> {
    let last = (offset + visible).min(count);
    let above = offset > 0;
    let below = last < count || beyond;
    if !above && !below {
        return None;
    }
    let plus = if beyond { "+" } else { "" };
    let range = if last > offset {
        format!("{}{}{last} of {count}{plus}", offset + 1, glyphs.range)
    } else {
        format!("{count}{plus} rows")
    };
    let (arrow_up, arrow_down) = (glyphs.arrow_up, glyphs.arrow_down);
    let up = if above {
        format!("more {arrow_up} ")
    } else {
        String::new()
    };
    let down = if below {
        format!(" more {arrow_down}")
    } else {
        String::new()
    };
    let short_up = if above {
        format!("{arrow_up} ")
    } else {
        String::new()
    };
    let short_down = if below {
        format!(" {arrow_down}")
    } else {
        String::new()
    };
    [
        format!(" {up}{range}{down} "),
        format!(" {short_up}{range}{short_down} "),
        format!(" {}{} ", short_up.trim_end(), short_down.trim_start()),
    ]
    .into_iter()
    .find(|text| Line::raw(text.as_str()).width() <= width)
}

/// Draws `note` right-aligned on the widget's bottom border (the row below `inner`).
pub fn border_note(inner: Rect, buf: &mut Buffer, note: &str, style: Style) {
    let y = inner.bottom();
    if y >= buf.area.bottom() || inner.width == 0 {
        return;
    }
    Line::styled(note.to_string(), style)
        .alignment(Alignment::Right)
        .render(
            Rect {
                y,
                height: 1,
                ..inner
            },
            buf,
        );
}

/// Draws a list widget's table: a header, the rows (the selected one highlighted while the
/// widget has focus, scrolled so it stays visible) and an optional footer line. `count` rows,
/// already filtered, that `view.selected` indexes; `row(i)` makes the cells of row `i`.
/// Hidden rows are named on the bottom border ("more ↓", the position).
pub fn list_table(
    area: Rect,
    buf: &mut Buffer,
    view: &WidgetView,
    columns: &[Column],
    count: usize,
    row: impl Fn(usize) -> Vec<CellText>,
    footer: Option<Line>,
) {
    list_table_beyond(area, buf, view, columns, count, row, footer, false);
}

/// [`list_table`] for a list with more rows than are loaded (`beyond`: "50+").
#[allow(clippy::too_many_arguments)]
pub fn list_table_beyond(
    area: Rect,
    buf: &mut Buffer,
    view: &WidgetView,
    columns: &[Column],
    count: usize,
    row: impl Fn(usize) -> Vec<CellText>,
    footer: Option<Line>,
    beyond: bool,
) {
    use ratatui::layout::{Alignment, Constraint};
    use ratatui::widgets::{Cell, HighlightSpacing, Row, StatefulWidget, Table, TableState};

    if area.is_empty() {
        return;
    }
    let theme = view.theme;
    let mut table_area = area;
    let visible = list_rows_shown(area.height, footer.is_some());
    if let Some(footer) = footer
        && area.height >= 3
    {
        table_area.height -= 1;
        let footer_area = Rect {
            y: area.bottom() - 1,
            height: 1,
            ..area
        };
        footer.render(footer_area, buf);
    }
    let selection_width = SELECTION_SYMBOL_WIDTH;
    let widths = column_widths(columns, table_area.width.saturating_sub(selection_width));
    let shown: Vec<usize> = (0..columns.len()).filter(|&i| widths[i] > 0).collect();
    let cell = |text: &str, i: usize, style: Style| {
        let line = Line::styled(fit(text, usize::from(widths[i])), style);
        Cell::from(if columns[i].right {
            line.alignment(Alignment::Right)
        } else {
            line
        })
    };
    // Only the rows on screen are built: the one selected, and as many above it as fit.
    let selected = view.selected.min(count.saturating_sub(1));
    let offset = if visible == 0 {
        selected
    } else {
        list_offset(selected, visible)
    };
    let table_rows: Vec<Row> = (offset..count.min(offset + visible))
        .map(|index| {
            let row = row(index);
            Row::new(shown.iter().map(|&i| {
                let (text, style) = row
                    .get(i)
                    .map(|(t, s)| (t.as_str(), *s))
                    .unwrap_or(("", Style::default()));
                cell(text, i, style)
            }))
        })
        .collect();
    let table = Table::new(
        table_rows,
        shown.iter().map(|&i| Constraint::Length(widths[i])),
    )
    .column_spacing(COLUMN_SPACING)
    .highlight_symbol(selection_symbol(theme))
    .highlight_spacing(HighlightSpacing::Always)
    .row_highlight_style(theme.selected())
    .header(Row::new(shown.iter().map(|&i| {
        let title = crate::tui::sorting::marked_header(
            columns[i].title,
            view.sort,
            view.kind.id(),
            &theme.glyphs,
        );
        cell(&title, i, theme.header())
    })));
    let mut state = TableState::default()
        .with_selected((view.focused && count > 0 && visible > 0).then_some(selected - offset));
    StatefulWidget::render(table, table_area, buf, &mut state);
    if count == 0 && visible > 0 {
        let y = table_area.y + 1;
        let text = match view.filter.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => format!("nothing matches /{}", clean(f)),
            None => "nothing to show".to_string(),
        };
        Line::styled(text, theme.muted()).render(
            Rect {
                y,
                height: 1,
                ..table_area
            },
            buf,
        );
    }
    let note = position_note(
        if visible == 0 { 0 } else { offset },
        visible,
        count,
        beyond,
        usize::from(area.width.saturating_sub(2)),
        &theme.glyphs,
    );
    if let Some(note) = note {
        border_note(area, buf, &note, theme.accent());
    }
}

/// "/text: 3 of 50" while a `/` filter is in effect.
pub fn filter_note(view: &WidgetView, shown: usize, total: usize) -> Option<Span<'static>> {
    let filter = view.filter.map(str::trim).filter(|f| !f.is_empty())?;
    Some(Span::styled(
        format!("/{}: {shown} of {total}", clean(filter)),
        view.theme.accent(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Forms taller than the screen

/// What of a form must stay in sight, as indices into its lines.
pub struct FormFocus {
    /// The focused field: its label line up to its last error line.
    pub field: std::ops::Range<usize>,
    /// The line with the cursor (a multi-line editor's cursor line), kept in sight when the
    /// whole field does not fit.
    pub cursor: usize,
    /// The terminal cursor's column on that line, while a text field has focus (the line is
    /// laid out so that it is on the line's first row).
    pub column: Option<u16>,
    /// A line shown too when there is room (the picked draft, the spinner, the outcome), never
    /// at the cost of the field's first line.
    pub also: Option<usize>,
}

/// Draws a form's `lines` (wrapped) inside `block`, scrolled so that `focus` is in sight. The
/// scroll is worked out from the lines on every frame (nothing is remembered), and the border
/// says "more ↑" / "more ↓" when lines are cut off above / below. Returns where the terminal's
/// cursor goes (a focused text field's), if anywhere.
pub fn render_form(
    block: Block,
    mut lines: Vec<Line>,
    focus: &FormFocus,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) -> Option<ratatui::layout::Position> {
    let inner = block.inner(area);
    // Blank lines at the end are not "more below".
    while lines.last().is_some_and(|line| line.width() == 0) {
        lines.pop();
    }
    // The first row of each line, and the total after the last.
    let mut starts = Vec::with_capacity(lines.len() + 1);
    let mut total = 0;
    for line in &lines {
        starts.push(total);
        total += wrapped_height(line, inner.width);
    }
    starts.push(total);
    let row = |line: usize| starts[line.min(lines.len())];
    let visible = usize::from(inner.height);
    let offset = form_offset(
        visible,
        row(focus.field.start)..row(focus.field.end),
        row(focus.cursor),
        focus.also.map(|line| row(line + 1)),
    );
    let cursor_row = row(focus.cursor);
    let mut block = block;
    if offset > 0 {
        block = block.title(Line::styled(" more ↑ ", theme.accent()).alignment(Alignment::Right));
    }
    if total > offset + visible {
        block = block
            .title_bottom(Line::styled(" more ↓ ", theme.accent()).alignment(Alignment::Right));
    }
    block.render(area, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((u16::try_from(offset).unwrap_or(u16::MAX), 0))
        .render(inner, buf);
    let column = focus.column?;
    let cursor_row = cursor_row.checked_sub(offset)?;
    (cursor_row < visible && column < inner.width).then(|| ratatui::layout::Position {
        x: inner.x + column,
        y: inner.y + u16::try_from(cursor_row).unwrap_or(u16::MAX),
    })
}

/// The first row to show: the focused field's rows (`field`) end in sight, and so does `also_end`
/// (the row after a line worth showing) as far as the field's first row allows; a field taller
/// than the screen shows its end (last lines, errors) but keeps `cursor`'s row in sight.
fn form_offset(
    visible: usize,
    field: std::ops::Range<usize>,
    cursor: usize,
    also_end: Option<usize>,
) -> usize {
    let offset = field.end.saturating_sub(visible);
    if field.len() > visible {
        return offset.min(cursor);
    }
    match also_end {
        Some(end) => offset.max(end.saturating_sub(visible).min(field.start)),
        None => offset,
    }
}

/// How many rows `lines`, wrapped, overflow `inner` by: how far a view of them can scroll.
pub fn overflow_rows(lines: &[Line], inner: Rect) -> u16 {
    if inner.width == 0 {
        return 0;
    }
    let rows: usize = lines
        .iter()
        .map(|line| wrapped_height(line, inner.width))
        .sum();
    u16::try_from(rows.saturating_sub(usize::from(inner.height))).unwrap_or(u16::MAX)
}

/// Rows `line` takes in a `Paragraph` wrapped (`trim: false`) at `width`: ratatui's own count,
/// so boxes and scroll limits match what is drawn.
pub fn wrapped_height(line: &Line, width: u16) -> usize {
    Paragraph::new(line.clone())
        .wrap(Wrap { trim: false })
        .line_count(width.max(1))
        .max(1)
}

/// What `T` says on a widget without a time range: which widgets have one.
pub fn no_time_range(title: &str) -> String {
    format!(
        "{} has no time range; T cycles 7/30/90 days on Engagement Chart and Channel Performance",
        clean(title)
    )
}
