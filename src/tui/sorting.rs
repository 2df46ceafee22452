//! The sortable widgets' rows put in a `SortOrder` (`domain::sort` says which columns exist
//! and how values compare; this file reads each column's value from a row). Sorting is on
//! the rows loaded: the runs widget's pages come from the database newest first (its keyset),
//! so a sort by another column orders what is loaded and its title says so.

use crate::domain::sort::{SortKey, SortOrder, compare};
use crate::store::metrics::{ChannelAggregate, ItemPerformance};
use crate::store::red_flags::RedFlag;
use crate::store::runs::RunListRow;
use crate::tui::data::WidgetData;

/// Sorts a widget's rows in place (stable: equal rows keep their loaded order).
pub fn sort_data(data: &mut WidgetData, order: SortOrder) {
    match data {
        WidgetData::Runs(d) => sort_by(&mut d.rows, order, run_key),
        WidgetData::RecentPosts(rows) => sort_by(rows, order, post_key),
        WidgetData::Channels(rows) => sort_by(rows, order, channel_key),
        WidgetData::RedFlags(d) => sort_flags(&mut d.open_flags, order),
        _ => {}
    }
}

/// The red flags (widget and screen) in `order`.
pub fn sort_flags(flags: &mut [RedFlag], order: SortOrder) {
    sort_by(flags, order, flag_key);
}

/// Channel performance's rows in `order`.
pub fn sort_channels(rows: &mut [ChannelAggregate], order: SortOrder) {
    sort_by(rows, order, channel_key);
}

/// Channel performance's default: the best average engagement first, then by name.
pub fn channels_by_default(rows: &mut [ChannelAggregate]) {
    rows.sort_by(|a, b| {
        let rate = |c: &ChannelAggregate| c.avg_engagement.filter(|r| r.is_finite());
        compare(&SortKey::number(rate(a)), &SortKey::number(rate(b)), true)
            .then_with(|| a.channel.cmp(&b.channel))
    });
}

fn sort_by<T>(rows: &mut [T], order: SortOrder, key: fn(&T, &str) -> SortKey) {
    rows.sort_by(|a, b| {
        compare(
            &key(a, order.column),
            &key(b, order.column),
            order.descending,
        )
    });
}

fn time(at: chrono::DateTime<chrono::Utc>) -> SortKey {
    SortKey::Number(at.timestamp_millis() as f64)
}

fn run_key(row: &RunListRow, column: &str) -> SortKey {
    match column {
        "status" => SortKey::text(&row.status),
        "project" => SortKey::text(&row.project_name),
        "persona" => SortKey::text(&row.persona_name),
        "took" => SortKey::number(
            row.completed_at
                .map(|done| (done - row.started_at).num_milliseconds() as f64),
        ),
        _ => time(row.started_at),
    }
}

fn post_key(row: &ItemPerformance, column: &str) -> SortKey {
    match column {
        "engagement" => SortKey::number(row.engagement_rate),
        "views" => SortKey::number(row.views.map(f64::from)),
        "reactions" => SortKey::number(row.reactions.map(f64::from)),
        "channel" => SortKey::text(&row.channel),
        _ => time(row.published_at),
    }
}

fn channel_key(row: &ChannelAggregate, column: &str) -> SortKey {
    match column {
        "channel" => SortKey::text(&row.channel),
        "posts" => SortKey::Number(row.measurements as f64),
        "views" => SortKey::Number(row.views as f64),
        "reactions" => SortKey::Number(row.reactions as f64),
        _ => SortKey::number(row.avg_engagement),
    }
}

fn flag_key(flag: &RedFlag, column: &str) -> SortKey {
    match column {
        // When the flag opened (descending: the newest first).
        "opened" => time(flag.created_at),
        "type" => SortKey::text(flag.description.as_deref().unwrap_or(&flag.flag_type)),
        _ => SortKey::Number(match flag.severity.to_ascii_lowercase().as_str() {
            "critical" => 3.0,
            "warning" => 2.0,
            "info" => 1.0,
            _ => 0.0,
        }),
    }
}

/// The header of the sorted column with its mark ("views ▼"), for the list's header row.
pub fn marked_header(
    title: &str,
    order: Option<SortOrder>,
    widget_id: &str,
    glyphs: &crate::tui::glyphs::Glyphs,
) -> String {
    let sorted = order.filter(|o| {
        crate::domain::sort::find(widget_id, o.column).is_some_and(|c| c.header == title)
    });
    match sorted {
        Some(o) if o.descending => format!("{title}{}", glyphs.sort_descending),
        Some(_) => format!("{title}{}", glyphs.sort_ascending),
        None => title.to_string(),
    }
}
