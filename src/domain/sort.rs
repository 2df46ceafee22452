//! Sorting the dashboard's sortable lists: which columns each widget offers (the names a
//! layout's `config.sort` takes), the order `s` cycles through them, each column's first
//! direction, and how two values compare (a missing value last in either direction).

use std::cmp::Ordering;

/// A column a widget can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortColumn {
    /// The name in a layout's `config.sort` (and in messages).
    pub name: &'static str,
    /// The list's column header it marks (`▲`/`▼`).
    pub header: &'static str,
    /// The direction `s` starts it in: newest, largest and worst first; names A to Z.
    pub descending: bool,
}

const fn column(name: &'static str, header: &'static str, descending: bool) -> SortColumn {
    SortColumn {
        name,
        header,
        descending,
    }
}

const RUNS: &[SortColumn] = &[
    column("started", "started", true),
    column("status", "status", false),
    column("project", "project", false),
    column("persona", "persona", false),
    column("took", "took", true),
];

const RECENT_POSTS: &[SortColumn] = &[
    column("published", "published", true),
    column("engagement", "engage", true),
    column("views", "views", true),
    column("reactions", "react", true),
    column("channel", "channel", false),
];

const CHANNEL_PERFORMANCE: &[SortColumn] = &[
    column("engagement", "rate", true),
    column("channel", "channel", false),
    column("posts", "posts", true),
    column("views", "views", true),
    column("reactions", "reacts", true),
];

const RED_FLAGS: &[SortColumn] = &[
    // The screen's marker column has no title: the mark alone shows there.
    column("severity", "", true),
    column("opened", "opened", true),
    column("type", "flag", false),
];

/// The columns widget `widget_id` can be sorted by, in the order `s` cycles; `None`: the
/// widget is not sortable. The red flags screen sorts as the widget does.
pub fn columns(widget_id: &str) -> Option<&'static [SortColumn]> {
    Some(match widget_id {
        "runs" => RUNS,
        "recent-posts" => RECENT_POSTS,
        "channel-performance" => CHANNEL_PERFORMANCE,
        "red-flags" => RED_FLAGS,
        _ => return None,
    })
}

/// A list's sort: a column of its widget and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortOrder {
    pub column: &'static str,
    pub descending: bool,
}

/// The column of `widget_id` named `name`.
pub fn find(widget_id: &str, name: &str) -> Option<SortColumn> {
    columns(widget_id)?.iter().copied().find(|c| c.name == name)
}

/// `s`: the column after the current one (the first when unsorted), in its own direction.
pub fn cycle(widget_id: &str, current: Option<SortOrder>) -> Option<SortOrder> {
    let columns = columns(widget_id)?;
    let next = match current.and_then(|c| columns.iter().position(|k| k.name == c.column)) {
        Some(i) => columns[(i + 1) % columns.len()],
        None => columns[0],
    };
    Some(SortOrder {
        column: next.name,
        descending: next.descending,
    })
}

/// `S`: the same column the other way (the first column reversed when unsorted).
pub fn reverse(widget_id: &str, current: Option<SortOrder>) -> Option<SortOrder> {
    let order = match current {
        Some(order) => order,
        None => cycle(widget_id, None)?,
    };
    Some(SortOrder {
        descending: !order.descending,
        ..order
    })
}

/// A layout's `config.sort` / `config.sort_desc` read for `widget_id`: `Ok(None)` when
/// absent (or null); `Err`: the key at fault and what is wrong with it.
pub fn from_config(
    widget_id: &str,
    sort: Option<&serde_json::Value>,
    sort_desc: Option<&serde_json::Value>,
) -> Result<Option<SortOrder>, (&'static str, String)> {
    let descending = match sort_desc {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Bool(b)) => Some(*b),
        Some(other) => return Err(("sort_desc", format!("{other} is not true or false"))),
    };
    let name = match sort {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::String(name)) => name.as_str(),
        Some(other) => return Err(("sort", format!("{other} is not a column name"))),
    };
    let Some(columns) = columns(widget_id) else {
        return Err(("sort", format!("{widget_id} cannot be sorted")));
    };
    let Some(column) = columns.iter().find(|c| c.name == name) else {
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        return Err((
            "sort",
            format!("{name:?} is not one of {}", names.join(", ")),
        ));
    };
    Ok(Some(SortOrder {
        column: column.name,
        descending: descending.unwrap_or(column.descending),
    }))
}

/// A row's value in the sorted column.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Text(String),
    Number(f64),
    /// No value (a post not measured yet): always after the rows that have one.
    Missing,
}

impl SortKey {
    pub fn text(text: &str) -> SortKey {
        SortKey::Text(text.to_lowercase())
    }

    pub fn number(n: Option<f64>) -> SortKey {
        match n {
            Some(n) if n.is_finite() => SortKey::Number(n),
            _ => SortKey::Missing,
        }
    }
}

/// How `a` and `b` compare in a list sorted `descending` or not; missing values go last
/// either way (an unmeasured post is never "the best").
pub fn compare(a: &SortKey, b: &SortKey, descending: bool) -> Ordering {
    let ordered = |o: Ordering| if descending { o.reverse() } else { o };
    match (a, b) {
        (SortKey::Missing, SortKey::Missing) => Ordering::Equal,
        (SortKey::Missing, _) => Ordering::Greater,
        (_, SortKey::Missing) => Ordering::Less,
        (SortKey::Number(x), SortKey::Number(y)) => ordered(x.total_cmp(y)),
        (SortKey::Text(x), SortKey::Text(y)) => ordered(x.cmp(y)),
        // One column holds one kind; numbers first should it ever mix.
        (SortKey::Number(_), SortKey::Text(_)) => Ordering::Less,
        (SortKey::Text(_), SortKey::Number(_)) => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn s_cycles_the_columns_each_in_its_own_direction_and_wraps() {
        let first = cycle("runs", None).unwrap();
        assert_eq!(
            first,
            SortOrder {
                column: "started",
                descending: true
            }
        );
        let second = cycle("runs", Some(first)).unwrap();
        assert_eq!(
            second,
            SortOrder {
                column: "status",
                descending: false
            }
        );
        let mut order = second;
        for _ in 0..RUNS.len() - 1 {
            order = cycle("runs", Some(order)).unwrap();
        }
        assert_eq!(order.column, "started", "wraps to the first column");
        assert_eq!(cycle("outbox", None), None);
    }

    #[test]
    fn capital_s_reverses_the_same_column() {
        let order = cycle("recent-posts", None).unwrap();
        let reversed = reverse("recent-posts", Some(order)).unwrap();
        assert_eq!(reversed.column, order.column);
        assert_eq!(reversed.descending, !order.descending);
        assert_eq!(
            reverse("red-flags", None),
            Some(SortOrder {
                column: "severity",
                descending: false
            })
        );
    }

    #[test]
    fn missing_values_go_last_in_both_directions() {
        let mut keys = vec![
            SortKey::number(Some(0.2)),
            SortKey::number(None),
            SortKey::number(Some(0.5)),
            SortKey::number(Some(f64::NAN)),
        ];
        keys.sort_by(|a, b| compare(a, b, true));
        assert_eq!(
            keys,
            [
                SortKey::Number(0.5),
                SortKey::Number(0.2),
                SortKey::Missing,
                SortKey::Missing
            ]
        );
        keys.sort_by(|a, b| compare(a, b, false));
        assert_eq!(keys[0], SortKey::Number(0.2));
        assert_eq!(keys[3], SortKey::Missing);
        // Text ignores case.
        assert_eq!(
            compare(&SortKey::text("beta"), &SortKey::text("Alpha"), false),
            Ordering::Greater
        );
    }

    #[test]
    fn config_values_are_read_and_bad_ones_named() {
        assert_eq!(from_config("runs", None, None), Ok(None));
        assert_eq!(
            from_config("recent-posts", Some(&json!("views")), Some(&json!(false))),
            Ok(Some(SortOrder {
                column: "views",
                descending: false
            }))
        );
        // Without sort_desc: the column's own direction.
        assert!(
            from_config("recent-posts", Some(&json!("engagement")), None)
                .unwrap()
                .unwrap()
                .descending
        );
        let (key, unknown) = from_config("runs", Some(&json!("views")), None).unwrap_err();
        assert_eq!(key, "sort");
        assert!(
            unknown.starts_with("\"views\" is not one of started"),
            "{unknown}"
        );
        let bad_desc = from_config("runs", Some(&json!("status")), Some(&json!("yes")));
        assert_eq!(
            bad_desc.unwrap_err(),
            ("sort_desc", "\"yes\" is not true or false".to_string())
        );
        let unsortable = from_config("outbox", Some(&json!("age")), None).unwrap_err();
        assert_eq!(unsortable, ("sort", "outbox cannot be sorted".to_string()));
        assert!(from_config("runs", Some(&json!(3)), None).is_err());
    }
}
