//! Editing a layout: a moved or resized widget pushes the widgets it now covers down (and
//! those push theirs), and what is wrong with a layout in an operator's words (the widgets'
//! display names, never ids, indexes or grid coordinates).

use super::{GRID_COLUMNS, LayoutConfig, LayoutError, MAX_GRID_ROWS};
use crate::domain::widget_catalog::builtin_widget;

/// What `push_aside` did: the widgets it moved down, and any still overlapping because the
/// grid's last row stopped them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushAside {
    /// Indexes of the widgets moved, in the order they were first moved.
    pub moved: Vec<usize>,
    /// Pairs still overlapping (no room below).
    pub stuck: Vec<(usize, usize)>,
}

/// A widget's display name ("Recent Runs"), or its id in quotes when it is not a built-in one.
pub fn widget_name(widget_id: &str) -> String {
    builtin_widget(widget_id).map_or_else(|| format!("{widget_id:?}"), |w| w.name.to_string())
}

impl LayoutConfig {
    /// After widget `anchor` was moved or resized: every widget it overlaps moves down to just
    /// below it, then every widget those overlap below them, and so on. The anchor never
    /// moves; a widget only ever moves down, so this ends. One stopped by the grid's last row
    /// stays overlapping and is reported in `stuck`.
    pub fn push_aside(&mut self, anchor: usize) -> PushAside {
        let mut result = PushAside::default();
        if anchor >= self.widgets.len() {
            return result;
        }
        let mut queue = vec![anchor];
        // Each round moves a widget strictly down; the bound only guards against a bug.
        let mut budget = self.widgets.len() * usize::from(MAX_GRID_ROWS) + 1;
        while let Some(pusher) = queue.pop() {
            let above = self.widgets[pusher].position;
            for other in 0..self.widgets.len() {
                if other == pusher || other == anchor {
                    continue;
                }
                let p = self.widgets[other].position;
                if above.intersection(&p).is_none() {
                    continue;
                }
                let target = u16::try_from(above.bottom()).unwrap_or(u16::MAX);
                if u32::from(target) + u32::from(p.h) > u32::from(MAX_GRID_ROWS) || budget == 0 {
                    result.stuck.push((pusher.min(other), pusher.max(other)));
                    continue;
                }
                budget -= 1;
                self.widgets[other].position.y = target;
                if !result.moved.contains(&other) {
                    result.moved.push(other);
                }
                queue.push(other);
            }
        }
        result.stuck.sort_unstable();
        result.stuck.dedup();
        result
    }
}

impl LayoutError {
    /// The problem in plain words for the layout editor: "Recent Runs overlaps Channel
    /// Performance". (`Display` keeps the JSON path, for layouts read from the database.)
    pub fn plain(&self) -> String {
        match self {
            LayoutError::Malformed { .. }
            | LayoutError::InvalidPersonaId { .. }
            | LayoutError::InvalidSort { .. } => self.to_string(),
            LayoutError::UnknownWidget { widget_id, .. } => {
                format!("{widget_id:?} is not a widget this dashboard has; remove it (d)")
            }
            LayoutError::ZeroSize {
                widget_id, field, ..
            } => {
                let what = if *field == "w" { "width" } else { "height" };
                format!("{} has no {what}; make it bigger", widget_name(widget_id))
            }
            LayoutError::OutsideColumns { widget_id, .. } => format!(
                "{} goes past the right edge ({GRID_COLUMNS} columns); move it left or narrow it",
                widget_name(widget_id)
            ),
            LayoutError::OutsideRows { widget_id, .. } => format!(
                "{} goes below the last row ({MAX_GRID_ROWS}); move it up or shorten it",
                widget_name(widget_id)
            ),
            LayoutError::Overlap {
                first_id,
                second_id,
                ..
            } => format!(
                "{} overlaps {}; move or shrink one of them",
                widget_name(first_id),
                widget_name(second_id)
            ),
            LayoutError::InvalidTimeRange {
                widget_id, value, ..
            } => format!(
                "{}'s time range {value} is not 7d, 30d or 90d",
                widget_name(widget_id)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::super::{Position, WidgetPlacement};
    use super::*;
    use crate::domain::widget_catalog::builtin_widget_ids;

    fn place(id: &str, x: u16, y: u16, w: u16, h: u16) -> WidgetPlacement {
        WidgetPlacement {
            widget_id: id.to_string(),
            position: Position { x, y, w, h },
            config: Map::new(),
        }
    }

    fn ys(layout: &LayoutConfig) -> Vec<u16> {
        layout.widgets.iter().map(|w| w.position.y).collect()
    }

    #[test]
    fn a_widget_moved_onto_another_pushes_it_down_below() {
        // runs | chart side by side, outbox below both; runs grows to the right over chart.
        let mut l = LayoutConfig {
            widgets: vec![
                place("runs", 0, 0, 6, 2),
                place("engagement-chart", 6, 0, 6, 2),
                place("outbox", 0, 2, 12, 2),
            ],
        };
        l.widgets[0].position.w = 8;
        let done = l.push_aside(0);
        // The chart goes below runs (row 2), so the outbox goes below the chart (row 4).
        assert_eq!(ys(&l), vec![0, 2, 4]);
        assert_eq!(done.moved, vec![1, 2]);
        assert!(done.stuck.is_empty());
        assert_eq!(l.validate(&builtin_widget_ids()), Ok(()));
        // The anchor itself never moved.
        assert_eq!(
            l.widgets[0].position,
            Position {
                x: 0,
                y: 0,
                w: 8,
                h: 2
            }
        );
    }

    #[test]
    fn moving_into_free_space_or_beside_moves_nothing() {
        let mut l = LayoutConfig {
            widgets: vec![place("runs", 0, 0, 6, 2), place("outbox", 6, 0, 6, 2)],
        };
        let before = l.clone();
        assert_eq!(l.push_aside(0), PushAside::default());
        assert_eq!(l, before);
        // Touching edges are not an overlap.
        l.widgets[0].position.y = 2;
        assert!(l.push_aside(0).moved.is_empty());
    }

    #[test]
    fn moving_up_into_a_widget_puts_that_widget_below() {
        let mut l = LayoutConfig {
            widgets: vec![place("red-flags", 0, 0, 12, 2), place("runs", 0, 2, 12, 3)],
        };
        l.widgets[1].position.y = 1;
        let done = l.push_aside(1);
        assert_eq!(ys(&l), vec![4, 1]);
        assert_eq!(done.moved, vec![0]);
    }

    #[test]
    fn the_last_row_stops_a_push_and_the_overlap_is_reported() {
        let mut l = LayoutConfig {
            widgets: vec![
                place("runs", 0, 0, 12, MAX_GRID_ROWS - 1),
                place("outbox", 0, MAX_GRID_ROWS - 2, 12, 2),
            ],
        };
        let done = l.push_aside(0);
        assert_eq!(done.moved, Vec::<usize>::new());
        assert_eq!(done.stuck, vec![(0, 1)]);
        assert_eq!(l.widgets[1].position.y, MAX_GRID_ROWS - 2);
        // An anchor past the end does nothing.
        assert_eq!(l.push_aside(9), PushAside::default());
    }

    #[test]
    fn problems_name_the_widgets_not_ids_or_coordinates() {
        let l = LayoutConfig {
            widgets: vec![
                place("runs", 0, 0, 6, 2),
                place("channel-performance", 3, 1, 6, 2),
                place("outbox", 10, 0, 4, 1),
            ],
        };
        let problems: Vec<String> = l
            .validate(&builtin_widget_ids())
            .unwrap_err()
            .iter()
            .map(LayoutError::plain)
            .collect();
        assert_eq!(
            problems,
            vec![
                "Publish Outbox goes past the right edge (12 columns); move it left or narrow it"
                    .to_string(),
                "Recent Runs overlaps Channel Performance; move or shrink one of them".to_string(),
            ]
        );
        assert_eq!(widget_name("nope"), "\"nope\"");
    }
}
