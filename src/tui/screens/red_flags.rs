//! All open red flags with why (the numbers behind them), age, who acknowledged or silenced;
//! Enter lists what a flag counts, `a` acknowledges and `x` resolves (each after a confirm;
//! a flag whose condition holds is offered a silence instead), `t` shows resolved ones too. Below the
//! table, the selected flag in full (the table cuts long text on narrow terminals).

use crate::time_display::{self, TimeDisplay};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell, HighlightSpacing, Paragraph, Row, StatefulWidget, Table, TableState,
    Widget, Wrap,
};

use crate::store::red_flags::RedFlag;
use crate::text::{columns, fit_words};
use crate::tui::app::{App, FlagsState};
use crate::tui::theme::Theme;
use crate::tui::widgets::{age, clean};

/// Rows kept for the selected flag's details (a separator line and up to five of text).
const DETAIL_ROWS: u16 = 6;

pub fn render(app: &App, state: &FlagsState, area: Rect, buf: &mut Buffer) {
    let theme = &app.options.theme;
    let shown = if state.include_resolved {
        "open and resolved"
    } else {
        "open"
    };
    let keys = if app.options.read_only {
        " t resolved · Esc back "
    } else {
        " Enter what it counts · a ack · x resolve · t resolved · Esc back "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .title(Line::styled(
            format!(" Red flags ({shown}) "),
            theme.header(),
        ))
        .title_bottom(Line::styled(keys, theme.muted()));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(flags) = &state.flags.value else {
        let text = match &state.flags.error {
            Some(error) => Line::styled(format!("error: {}", clean(error)), theme.critical()),
            None => Line::styled("loading…", theme.muted()),
        };
        Paragraph::new(text).render(inner, buf);
        return;
    };
    if flags.is_empty() {
        Paragraph::new(Line::styled("no open red flags: all clear", theme.ok())).render(inner, buf);
        return;
    }
    let loaded_at = state.flags.loaded_at.map(|(wall, _)| wall);
    // The table takes what its rows need; the selected flag's details go below it.
    let wanted = u16::try_from(flags.len() + 1).unwrap_or(u16::MAX);
    let table_height = if inner.height > DETAIL_ROWS + 2 {
        wanted.min(inner.height - DETAIL_ROWS)
    } else {
        inner.height
    };
    let table_area = Rect {
        height: table_height,
        ..inner
    };
    if let Some(flag) = flags.get(state.selected)
        && table_height < inner.height
    {
        let detail_area = Rect {
            y: inner.y + table_height,
            height: (inner.height - table_height).min(DETAIL_ROWS),
            ..inner
        };
        details(theme, app.times(), flag, loaded_at, detail_area, buf);
    }
    // Each column as wide as its content when there is room; else whole columns are dropped
    // (why first, then who; the details below show both), and the flag's text is shortened at
    // a word: a number is never cut into another number.
    let texts: Vec<[String; 4]> = flags
        .iter()
        .map(|flag| {
            [
                // Turned critical while the dashboard was open and not seen yet.
                format!(
                    "{}{}",
                    if app.new_flags.contains(&flag.id) {
                        crate::tui::widgets::red_flags::NEW_MARK
                    } else {
                        ""
                    },
                    clean(flag.description.as_deref().unwrap_or(&flag.flag_type))
                ),
                why(&flag.metadata.0),
                age(flag.created_at, loaded_at),
                who(flag, loaded_at, app.times()),
            ]
        })
        .collect();
    // The sorted column's header is marked (severity's on the marker column).
    let mark = |title: &str| {
        crate::tui::sorting::marked_header(title, state.sort, "red-flags", &theme.glyphs)
    };
    // The who column's times ("silenced by bob until 16:00") are in the zone its title names.
    let who_title = app.times().header("who", loaded_at.unwrap_or(app.now.wall));
    let titles = ["flag", "why", "opened", who_title.as_str()];
    let need: Vec<usize> = (0..4)
        .map(|i| {
            texts
                .iter()
                .map(|t| columns(&t[i]))
                .chain([columns(&mark(titles[i]))])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // The marker column (6), the selection symbol (2) and a space between columns.
    let room = usize::from(table_area.width).saturating_sub(2 + 6 + 1);
    let mut shown = [true, false, true, false];
    let mut fixed = need[2];
    // Who acknowledged / silenced, while the flag's text keeps a readable width.
    if need[3] > columns(titles[3]) && fixed + 1 + need[3] + 1 + need[0].min(FLAG_MIN) <= room {
        shown[3] = true;
        fixed += 1 + need[3];
    }
    let flag_width = need[0].min(room.saturating_sub(fixed + 1));
    // The numbers take what is left, shortened between two numbers, never inside one.
    let left = room.saturating_sub(fixed + 1 + flag_width + 1);
    let why_width = need[1].min(left);
    if why_width >= WHY_MIN.min(need[1]) && why_width > 0 {
        shown[1] = true;
    }
    let widths: Vec<usize> = vec![flag_width, why_width, need[2], need[3]];
    let visible: Vec<usize> = (0..4).filter(|&i| shown[i]).collect();
    let rows = flags.iter().zip(&texts).map(|(flag, text)| {
        let mut cells = vec![Cell::from(Span::styled(
            marker(flag),
            theme.status(&flag.severity),
        ))];
        cells.extend(
            visible
                .iter()
                .map(|&i| Cell::from(fit_words(&text[i], widths[i]))),
        );
        if app.new_flags.contains(&flag.id) {
            Row::new(cells).style(Style::default().add_modifier(Modifier::BOLD))
        } else {
            Row::new(cells)
        }
    });
    let mut constraints = vec![Constraint::Length(6)];
    constraints.extend(
        visible
            .iter()
            .map(|&i| Constraint::Length(u16::try_from(widths[i]).unwrap_or(u16::MAX))),
    );
    let mut header = vec![mark("")];
    header.extend(visible.iter().map(|&i| mark(titles[i])));
    let table = Table::new(rows, constraints)
        .header(Row::new(header).style(theme.header()))
        .row_highlight_style(theme.selected())
        .highlight_symbol(format!("{} ", theme.glyphs.selected))
        .highlight_spacing(HighlightSpacing::Always);
    // Stateful, so the selected flag is scrolled into view when the list is long.
    let mut table_state = TableState::default().with_selected(Some(state.selected));
    StatefulWidget::render(table, table_area, buf, &mut table_state);
}

/// The narrowest the flag's text gets before the who column is dropped.
const FLAG_MIN: usize = 16;
/// The narrowest the why column is shown at.
const WHY_MIN: usize = 16;

/// Who acknowledged and who silenced it (until when), or who resolved it.
fn who(flag: &RedFlag, now: Option<chrono::DateTime<chrono::Utc>>, times: TimeDisplay) -> String {
    if let Some(by) = &flag.resolved_by {
        return format!("resolved by {}", clean(by));
    }
    let mut parts = Vec::new();
    if let Some(by) = &flag.acknowledged_by {
        parts.push(format!("ack by {}", clean(by)));
    }
    if let (Some(until), Some(by)) = (flag.silenced_until, &flag.silenced_by)
        && now.is_none_or(|now| until > now)
    {
        parts.push(format!(
            "silenced by {} until {}",
            clean(by),
            times.bare(until, time_display::HOUR_MINUTE)
        ));
    }
    parts.join(" · ")
}

fn marker(flag: &RedFlag) -> &'static str {
    match (flag.resolved_at.is_some(), flag.severity.as_str()) {
        (true, _) => "[DONE]",
        (false, "critical") => "[CRIT]",
        _ => "[WARN]",
    }
}

/// The selected flag in full: description, the numbers, and who did what when.
fn details(
    theme: &Theme,
    times: TimeDisplay,
    flag: &RedFlag,
    loaded_at: Option<chrono::DateTime<chrono::Utc>>,
    area: Rect,
    buf: &mut Buffer,
) {
    let when = |at: chrono::DateTime<chrono::Utc>| times.format(at, time_display::MINUTE);
    let mut history = vec![format!(
        "opened {} ({})",
        when(flag.created_at),
        age(flag.created_at, loaded_at)
    )];
    if let (Some(at), Some(by)) = (flag.acknowledged_at, &flag.acknowledged_by) {
        history.push(format!("acknowledged by {} {}", clean(by), when(at)));
    }
    if let (Some(until), Some(by)) = (flag.silenced_until, &flag.silenced_by)
        && flag.resolved_at.is_none()
        && loaded_at.is_none_or(|now| until > now)
    {
        history.push(format!("silenced by {} until {}", clean(by), when(until)));
    }
    if let (Some(at), Some(by)) = (flag.resolved_at, &flag.resolved_by) {
        history.push(format!("resolved by {} {}", clean(by), when(at)));
    }
    let lines = vec![
        Line::from(vec![
            Span::styled(marker(flag), theme.status(&flag.severity)),
            Span::styled(
                format!(
                    " {} ",
                    clean(flag.description.as_deref().unwrap_or(&flag.flag_type))
                ),
                theme.header(),
            ),
            Span::styled(
                format!("({}, {})", clean(&flag.flag_type), clean(&flag.severity)),
                theme.muted(),
            ),
        ]),
        Line::from(vec![
            Span::styled("why: ", theme.muted()),
            Span::raw(why(&flag.metadata.0)),
        ]),
        Line::raw(history.join(" · ")),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(
            Block::default()
                .borders(Borders::TOP)
                .border_set(theme.glyphs.border)
                .border_style(theme.muted())
                .title(Line::styled(" selected ", theme.muted())),
        )
        .render(area, buf);
}

/// The numbers behind a flag, from its metadata ("3/20 = 15.0% > 10.0%").
fn why(metadata: &serde_json::Value) -> String {
    let Some(map) = metadata.as_object() else {
        return String::new();
    };
    let parts: Vec<String> = map
        .iter()
        .filter(|(_, v)| v.is_number() || v.is_string() || v.is_boolean())
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            )
        })
        .collect();
    clean(&parts.join(" "))
}
