//! All open red flags with why (the numbers behind them), age, who acknowledged; `a`
//! acknowledges and `x` resolves (each after a confirm), `t` shows resolved ones too.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget};

use crate::tui::app::{App, FlagsState};
use crate::tui::widgets::{age, clean};

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
        " a acknowledge · x resolve · t resolved · Esc back "
    };
    let block = Block::default()
        .borders(Borders::ALL)
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
    let rows = flags.iter().enumerate().map(|(index, flag)| {
        let marker = match (flag.resolved_at.is_some(), flag.severity.as_str()) {
            (true, _) => "[DONE]",
            (false, "critical") => "[CRIT]",
            _ => "[WARN]",
        };
        let why = why(&flag.metadata.0);
        let who = match (&flag.resolved_by, &flag.acknowledged_by) {
            (Some(by), _) => format!("resolved by {}", clean(by)),
            (None, Some(by)) => format!("ack by {}", clean(by)),
            _ => String::new(),
        };
        let style = if index == state.selected {
            theme.selected()
        } else {
            ratatui::style::Style::default()
        };
        Row::new(vec![
            Cell::from(Span::styled(marker, theme.status(&flag.severity))),
            Cell::from(clean(
                flag.description.as_deref().unwrap_or(&flag.flag_type),
            )),
            Cell::from(why),
            Cell::from(age(flag.created_at, loaded_at)),
            Cell::from(who),
        ])
        .style(style)
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(9),
            Constraint::Length(22),
        ],
    )
    .header(Row::new(vec!["", "flag", "why", "opened", "who"]).style(theme.header()));
    Widget::render(table, inner, buf);
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
