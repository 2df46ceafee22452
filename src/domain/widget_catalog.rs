//! Built-in widgets and the layouts shipped with the dashboard.
//!
//! MPIS seeded no widgets (MPIS_REFERENCE.md §3.7); the dashboard needs a fixed catalogue to
//! validate layouts and to offer in the layout editor, and default layouts so a fresh install
//! shows something useful ("Reset to Default").

use serde_json::{Map, Value};

use super::layout::{LayoutConfig, Position, WidgetPlacement};

/// A built-in widget as offered to users; `id` is what layouts store in `widget_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WidgetInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

/// Every built-in widget, in the order the layout editor lists them.
pub const BUILTIN_WIDGETS: &[WidgetInfo] = &[
    WidgetInfo {
        id: "red-flags",
        name: "Red Flags",
        description: "Current red flags (failed runs, missing metrics, missing publish records) with their severity and numbers.",
    },
    WidgetInfo {
        id: "runs",
        name: "Recent Runs",
        description: "The latest publisher runs with their status, channels and timing.",
    },
    WidgetInfo {
        id: "recent-posts",
        name: "Recent Posts",
        description: "The last published posts with their views, reactions and engagement rate.",
    },
    WidgetInfo {
        id: "engagement-chart",
        name: "Engagement Chart",
        description: "Engagement rate over time for a 7d, 30d or 90d range.",
    },
    WidgetInfo {
        id: "channel-performance",
        name: "Channel Performance",
        description: "Average engagement compared across channels.",
    },
    WidgetInfo {
        id: "persona-overview",
        name: "Persona Overview",
        description: "A persona's health score and its Empathy, Clarity and Faith Integrity metrics, with genesis jobs awaiting approval.",
    },
    WidgetInfo {
        id: "eidos-recommendations",
        name: "EIDOS Recommendations",
        description: "The top three EIDOS recommendations to act on.",
    },
    WidgetInfo {
        id: "ingestion-jobs",
        name: "Ingestion Jobs",
        description: "Scheduled metrics ingestion jobs with their last and next run.",
    },
    WidgetInfo {
        id: "outbox",
        name: "Publish Outbox",
        description: "Publish records waiting to be forwarded to MPIS, with their retry state.",
    },
];

/// The built-in widget with this id.
pub fn builtin_widget(id: &str) -> Option<&'static WidgetInfo> {
    BUILTIN_WIDGETS.iter().find(|w| w.id == id)
}

/// The ids of every built-in widget, ready for `LayoutConfig::validate`.
pub fn builtin_widget_ids() -> Vec<&'static str> {
    BUILTIN_WIDGETS.iter().map(|w| w.id).collect()
}

fn placement(id: &str, x: u16, y: u16, w: u16, h: u16) -> WidgetPlacement {
    WidgetPlacement {
        widget_id: id.to_string(),
        position: Position { x, y, w, h },
        config: Map::new(),
    }
}

/// The layouts shipped with the dashboard: `(name, is_default, layout)`.
///
/// "Overview" is the everyday home screen; "On-call" puts red flags and the delivery pipeline
/// first for someone paged at night.
pub fn default_layouts() -> Vec<(&'static str, bool, LayoutConfig)> {
    let mut chart = placement("engagement-chart", 0, 2, 8, 2);
    chart
        .config
        .insert("time_range".to_string(), Value::from("30d"));
    let overview = LayoutConfig {
        widgets: vec![
            placement("red-flags", 0, 0, 4, 2),
            placement("runs", 4, 0, 8, 2),
            chart,
            placement("channel-performance", 8, 2, 4, 2),
            placement("recent-posts", 0, 4, 6, 2),
            placement("persona-overview", 6, 4, 6, 2),
        ],
    };
    let on_call = LayoutConfig {
        widgets: vec![
            placement("red-flags", 0, 0, 12, 2),
            placement("runs", 0, 2, 8, 3),
            placement("outbox", 8, 2, 4, 3),
            placement("ingestion-jobs", 0, 5, 12, 1),
        ],
    };
    vec![("Overview", true, overview), ("On-call", false, on_call)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_has_exactly_the_builtin_ids_and_names() {
        let pairs: Vec<(&str, &str)> = BUILTIN_WIDGETS.iter().map(|w| (w.id, w.name)).collect();
        assert_eq!(
            pairs,
            [
                ("red-flags", "Red Flags"),
                ("runs", "Recent Runs"),
                ("recent-posts", "Recent Posts"),
                ("engagement-chart", "Engagement Chart"),
                ("channel-performance", "Channel Performance"),
                ("persona-overview", "Persona Overview"),
                ("eidos-recommendations", "EIDOS Recommendations"),
                ("ingestion-jobs", "Ingestion Jobs"),
                ("outbox", "Publish Outbox"),
            ]
        );
        let unique: HashSet<_> = BUILTIN_WIDGETS.iter().map(|w| w.id).collect();
        assert_eq!(unique.len(), BUILTIN_WIDGETS.len());
    }

    #[test]
    fn descriptions_are_single_sentences() {
        for w in BUILTIN_WIDGETS {
            assert!(w.description.ends_with('.'), "{}", w.id);
            assert_eq!(w.description.matches(". ").count(), 0, "{}", w.id);
            assert!(w.description.len() < 140, "{}", w.id);
        }
    }

    #[test]
    fn lookup_by_id() {
        assert_eq!(
            builtin_widget("outbox").map(|w| w.name),
            Some("Publish Outbox")
        );
        assert_eq!(builtin_widget("Outbox"), None);
        assert_eq!(builtin_widget_ids().len(), 9);
    }

    #[test]
    fn default_layouts_are_as_specified_and_valid() {
        let layouts = default_layouts();
        let summary: Vec<(&str, bool)> = layouts.iter().map(|(n, d, _)| (*n, *d)).collect();
        assert_eq!(summary, [("Overview", true), ("On-call", false)]);
        assert_eq!(layouts.iter().filter(|(_, d, _)| *d).count(), 1);

        let placements = |l: &LayoutConfig| -> Vec<(String, u16, u16, u16, u16)> {
            l.widgets
                .iter()
                .map(|w| {
                    let p = w.position;
                    (w.widget_id.clone(), p.x, p.y, p.w, p.h)
                })
                .collect()
        };
        let s = |id: &str, x, y, w, h| (id.to_string(), x, y, w, h);
        assert_eq!(
            placements(&layouts[0].2),
            [
                s("red-flags", 0, 0, 4, 2),
                s("runs", 4, 0, 8, 2),
                s("engagement-chart", 0, 2, 8, 2),
                s("channel-performance", 8, 2, 4, 2),
                s("recent-posts", 0, 4, 6, 2),
                s("persona-overview", 6, 4, 6, 2),
            ]
        );
        assert_eq!(layouts[0].2.widgets[2].config["time_range"], "30d");
        assert_eq!(
            placements(&layouts[1].2),
            [
                s("red-flags", 0, 0, 12, 2),
                s("runs", 0, 2, 8, 3),
                s("outbox", 8, 2, 4, 3),
                s("ingestion-jobs", 0, 5, 12, 1),
            ]
        );
        let known = builtin_widget_ids();
        for (name, _, layout) in &layouts {
            assert_eq!(layout.validate(&known), Ok(()), "{name}");
            assert_eq!(layout.rows(), 6, "{name}");
        }
    }
}
