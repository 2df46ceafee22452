//! `recent-posts`: the last published items with their latest views, reactions and engagement.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{
    CellText, Column, FILL, WidgetView, age, clean, count, filter_note, list_table, matches_filter,
    percent,
};
use crate::store::metrics::ItemPerformance;

const COLUMNS: [Column; 6] = [
    Column::left("channel", 9, 10, 0),
    Column::right("published", 9, 9, 1),
    Column::right("views", 6, 7, 3),
    Column::right("react", 6, 6, 4),
    Column::right("engage", 6, 7, 2),
    Column::left("url", 12, FILL, 5),
];

/// The posts the `/` filter lets through, in display order (what `view.selected` indexes).
pub fn filtered<'a>(data: &'a [ItemPerformance], filter: Option<&str>) -> Vec<&'a ItemPerformance> {
    data.iter()
        .filter(|p| {
            matches_filter(
                filter,
                &[&p.channel, p.channel_url.as_deref().unwrap_or("")],
            )
        })
        .collect()
}

#[allow(clippy::ptr_arg)] // the signature every widget body shares
pub fn render(data: &Vec<ItemPerformance>, area: Rect, buf: &mut Buffer, view: &WidgetView) {
    let theme = view.theme;
    let rows = filtered(data, view.filter);
    let number = |n: Option<i32>| {
        n.map(|n| count(i64::from(n)))
            .unwrap_or_else(|| "-".to_string())
    };
    let cells = |index: usize| -> Vec<CellText> {
        let Some(p) = rows.get(index) else {
            return Vec::new();
        };
        let url = p.channel_url.as_deref().map(short_url).unwrap_or_default();
        let rate_style = if p.engagement_rate.is_some() {
            theme.accent()
        } else {
            theme.muted()
        };
        vec![
            (clean(&p.channel), Default::default()),
            (age(p.published_at, view.loaded_at), theme.muted()),
            (number(p.views), Default::default()),
            (number(p.reactions), Default::default()),
            (percent(p.engagement_rate), rate_style),
            (clean(url), theme.muted()),
        ]
    };
    let footer = filter_note(view, rows.len(), data.len()).map(Line::from);
    list_table(area, buf, view, &COLUMNS, rows.len(), cells, footer);
}

/// The URL without its scheme and `www.`: the part that tells posts apart.
fn short_url(url: &str) -> &str {
    let url = url.trim();
    let url = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    url.strip_prefix("www.").unwrap_or(url)
}
