//! Dashboard layouts: the `layout_config` model (a 12-column grid), its validation, and the
//! mapping of grid cells onto terminal cells.
//!
//! The format is the web dashboard's (`{widgets: [{widget_id, position: {x,y,w,h}, config}]}`,
//! MPIS_REFERENCE.md §3.8), so layouts stored by either UI keep working. MPIS stored any object,
//! so everything read back is checked here and every problem names its place in the JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;
use uuid::Uuid;

mod arrange;

pub use super::widget_catalog::default_layouts;
pub use arrange::{PushAside, widget_name};

/// Width of the grid in columns, as in the web dashboard (React Grid Layout).
pub const GRID_COLUMNS: u16 = 12;
/// A layout taller than this is a mistake, not a dashboard.
pub const MAX_GRID_ROWS: u16 = 64;
/// Allowed values of a widget's `config.time_range`.
pub const TIME_RANGES: [&str; 3] = ["7d", "30d", "90d"];

/// A widget's place on the grid, in grid units (columns, rows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

/// One widget in a layout, with its per-widget settings (`persona_id`, `time_range`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetPlacement {
    pub widget_id: String,
    pub position: Position,
    #[serde(default)]
    pub config: Map<String, Value>,
}

/// The content of `dashboard_layouts.layout_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayoutConfig {
    pub widgets: Vec<WidgetPlacement>,
}

/// A terminal area or a widget's share of it, in character cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CellRect {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

/// What is wrong with a layout; each message names the place (`widgets[2].position.w`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LayoutError {
    /// The JSON does not have the layout shape.
    #[error("{path}: {message}")]
    Malformed { path: String, message: String },
    #[error("widgets[{index}].widget_id: unknown widget {widget_id:?}; known widgets: {known}")]
    UnknownWidget {
        index: usize,
        widget_id: String,
        known: String,
    },
    #[error("widgets[{index}].position.{field} ({widget_id}): must be at least 1, got 0")]
    ZeroSize {
        index: usize,
        widget_id: String,
        field: &'static str,
    },
    #[error(
        "widgets[{index}].position ({widget_id}): x {x} + w {w} = {end} goes past the {GRID_COLUMNS}-column grid; x + w must be at most {GRID_COLUMNS}"
    )]
    OutsideColumns {
        index: usize,
        widget_id: String,
        x: u16,
        w: u16,
        end: u32,
    },
    #[error(
        "widgets[{index}].position ({widget_id}): y {y} + h {h} = {end} goes past the {MAX_GRID_ROWS}-row limit; y + h must be at most {MAX_GRID_ROWS}"
    )]
    OutsideRows {
        index: usize,
        widget_id: String,
        y: u16,
        h: u16,
        end: u32,
    },
    #[error(
        "widgets[{first}] ({first_id}) and widgets[{second}] ({second_id}) overlap on columns {col_from}-{col_to}, rows {row_from}-{row_to}; move or shrink one of them"
    )]
    Overlap {
        first: usize,
        first_id: String,
        second: usize,
        second_id: String,
        col_from: u32,
        col_to: u32,
        row_from: u32,
        row_to: u32,
    },
    #[error("widgets[{index}].config.time_range ({widget_id}): {value} is not one of 7d, 30d, 90d")]
    InvalidTimeRange {
        index: usize,
        widget_id: String,
        value: String,
    },
    #[error("widgets[{index}].config.persona_id ({widget_id}): {value} is not a UUID")]
    InvalidPersonaId {
        index: usize,
        widget_id: String,
        value: String,
    },
    /// `config.sort` / `config.sort_desc` (`key`) that the widget cannot take.
    #[error("widgets[{index}].config.{key} ({widget_id}): {message}")]
    InvalidSort {
        index: usize,
        widget_id: String,
        key: &'static str,
        message: String,
    },
}

fn malformed(path: impl Into<String>, message: impl Into<String>) -> LayoutError {
    LayoutError::Malformed {
        path: path.into(),
        message: message.into(),
    }
}

/// A short description of a JSON value for error messages (never a whole object).
fn describe(value: &Value) -> String {
    match value {
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        Value::String(s) if s.chars().count() > 40 => {
            let head: String = s.chars().take(40).collect();
            format!("{:?}", format!("{head}..."))
        }
        other => other.to_string(),
    }
}

impl Position {
    /// Exclusive right edge, in columns (u32: cannot overflow).
    fn right(&self) -> u32 {
        u32::from(self.x) + u32::from(self.w)
    }

    /// Exclusive bottom edge, in rows.
    fn bottom(&self) -> u32 {
        u32::from(self.y) + u32::from(self.h)
    }

    /// Columns and rows shared with `other` (inclusive ends); touching edges share nothing.
    fn intersection(&self, other: &Position) -> Option<(u32, u32, u32, u32)> {
        let col_from = u32::from(self.x.max(other.x));
        let col_end = self.right().min(other.right());
        let row_from = u32::from(self.y.max(other.y));
        let row_end = self.bottom().min(other.bottom());
        (col_from < col_end && row_from < row_end)
            .then(|| (col_from, col_end - 1, row_from, row_end - 1))
    }
}

impl LayoutConfig {
    /// Reads a stored `layout_config`, naming the JSON path of the first problem.
    ///
    /// Unknown extra keys (e.g. React Grid Layout's `i`, `minW`) are ignored; a missing or null
    /// `config` is empty.
    pub fn from_json(value: &Value) -> Result<LayoutConfig, LayoutError> {
        let root = value.as_object().ok_or_else(|| {
            malformed(
                "layout_config",
                format!(
                    "expected an object with a \"widgets\" array, got {}",
                    describe(value)
                ),
            )
        })?;
        let widgets = root
            .get("widgets")
            .ok_or_else(|| malformed("widgets", "missing; expected an array of widgets"))?;
        let items = widgets.as_array().ok_or_else(|| {
            malformed(
                "widgets",
                format!("expected an array, got {}", describe(widgets)),
            )
        })?;
        let widgets = items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_placement(i, item))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LayoutConfig { widgets })
    }

    /// The JSON to store in `dashboard_layouts.layout_config`.
    pub fn to_json(&self) -> Value {
        let widgets = self
            .widgets
            .iter()
            .map(|w| {
                let p = w.position;
                let mut position = Map::new();
                position.insert("x".into(), p.x.into());
                position.insert("y".into(), p.y.into());
                position.insert("w".into(), p.w.into());
                position.insert("h".into(), p.h.into());
                let mut out = Map::new();
                out.insert("widget_id".into(), w.widget_id.clone().into());
                out.insert("position".into(), Value::Object(position));
                out.insert("config".into(), Value::Object(w.config.clone()));
                Value::Object(out)
            })
            .collect();
        let mut root = Map::new();
        root.insert("widgets".into(), Value::Array(widgets));
        Value::Object(root)
    }

    /// Checks the layout against the grid and the registered widgets; reports every problem.
    pub fn validate(&self, known_widget_ids: &[&str]) -> Result<(), Vec<LayoutError>> {
        let mut errors = Vec::new();
        for (index, placement) in self.widgets.iter().enumerate() {
            let id = &placement.widget_id;
            let p = placement.position;
            if !known_widget_ids.contains(&id.as_str()) {
                errors.push(LayoutError::UnknownWidget {
                    index,
                    widget_id: id.clone(),
                    known: if known_widget_ids.is_empty() {
                        "none registered".to_string()
                    } else {
                        known_widget_ids.join(", ")
                    },
                });
            }
            for (field, size) in [("w", p.w), ("h", p.h)] {
                if size == 0 {
                    errors.push(LayoutError::ZeroSize {
                        index,
                        widget_id: id.clone(),
                        field,
                    });
                }
            }
            if p.right() > u32::from(GRID_COLUMNS) {
                errors.push(LayoutError::OutsideColumns {
                    index,
                    widget_id: id.clone(),
                    x: p.x,
                    w: p.w,
                    end: p.right(),
                });
            }
            if p.bottom() > u32::from(MAX_GRID_ROWS) {
                errors.push(LayoutError::OutsideRows {
                    index,
                    widget_id: id.clone(),
                    y: p.y,
                    h: p.h,
                    end: p.bottom(),
                });
            }
            if let Some(value) = placement.config.get("time_range")
                && !value.is_null()
                && value.as_str().is_none_or(|s| !TIME_RANGES.contains(&s))
            {
                errors.push(LayoutError::InvalidTimeRange {
                    index,
                    widget_id: id.clone(),
                    value: describe(value),
                });
            }
            if let Some(value) = placement.config.get("persona_id")
                && !value.is_null()
                && value.as_str().is_none_or(|s| Uuid::parse_str(s).is_err())
            {
                errors.push(LayoutError::InvalidPersonaId {
                    index,
                    widget_id: id.clone(),
                    value: describe(value),
                });
            }
            if let Err((key, message)) = super::sort::from_config(
                id,
                placement.config.get("sort"),
                placement.config.get("sort_desc"),
            ) {
                errors.push(LayoutError::InvalidSort {
                    index,
                    widget_id: id.clone(),
                    key,
                    message,
                });
            }
        }
        for (i, a) in self.widgets.iter().enumerate() {
            for (j, b) in self.widgets.iter().enumerate().skip(i + 1) {
                if let Some((col_from, col_to, row_from, row_to)) =
                    a.position.intersection(&b.position)
                {
                    errors.push(LayoutError::Overlap {
                        first: i,
                        first_id: a.widget_id.clone(),
                        second: j,
                        second_id: b.widget_id.clone(),
                        col_from,
                        col_to,
                        row_from,
                        row_to,
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Height of the layout in grid rows (the lowest bottom edge); 0 for an empty layout.
    pub fn rows(&self) -> u16 {
        let max = self
            .widgets
            .iter()
            .map(|w| w.position.bottom())
            .max()
            .unwrap_or(0);
        u16::try_from(max).unwrap_or(u16::MAX)
    }

    /// Terminal cells of each placement (same order), stretching the grid over `area`.
    ///
    /// Boundaries are computed once per grid line (column `c` at `area.x + c*width/12`, row `r`
    /// at `area.y + r*height/rows`), so neighbours share an edge exactly: no gaps, no overlap,
    /// and the right- and bottom-most widgets end at the area's edge. Parts outside the
    /// 12-column grid are clipped.
    pub fn cell_rects(&self, area: CellRect) -> Vec<CellRect> {
        let rows = u32::from(self.rows());
        let columns = u32::from(GRID_COLUMNS);
        let col = |c: u32| -> u16 {
            let c = c.min(columns);
            let offset = c * u32::from(area.width) / columns;
            area.x
                .saturating_add(u16::try_from(offset).unwrap_or(u16::MAX))
        };
        let row = |r: u32| -> u16 {
            if rows == 0 {
                return area.y;
            }
            let r = r.min(rows);
            let offset = u64::from(r) * u64::from(area.height) / u64::from(rows);
            area.y
                .saturating_add(u16::try_from(offset).unwrap_or(u16::MAX))
        };
        self.widgets
            .iter()
            .map(|w| {
                let p = w.position;
                let (x0, x1) = (col(u32::from(p.x)), col(p.right()));
                let (y0, y1) = (row(u32::from(p.y)), row(p.bottom()));
                CellRect {
                    x: x0,
                    y: y0,
                    width: x1.saturating_sub(x0),
                    height: y1.saturating_sub(y0),
                }
            })
            .collect()
    }
}

fn parse_placement(index: usize, item: &Value) -> Result<WidgetPlacement, LayoutError> {
    let base = format!("widgets[{index}]");
    let obj = item.as_object().ok_or_else(|| {
        malformed(
            base.clone(),
            format!("expected an object, got {}", describe(item)),
        )
    })?;
    let widget_id = match obj.get("widget_id") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(malformed(
                format!("{base}.widget_id"),
                format!("expected a string, got {}", describe(other)),
            ));
        }
        None => {
            return Err(malformed(
                format!("{base}.widget_id"),
                "missing; expected a widget id such as \"red-flags\"",
            ));
        }
    };
    let position_path = format!("{base}.position");
    let position = match obj.get("position") {
        Some(Value::Object(p)) => {
            let field = |name: &str| -> Result<u16, LayoutError> {
                let path = format!("{position_path}.{name}");
                let value = p.get(name).ok_or_else(|| {
                    malformed(path.clone(), "missing; expected a non-negative integer")
                })?;
                match value.as_u64() {
                    Some(n) => u16::try_from(n).map_err(|_| {
                        malformed(
                            path,
                            format!("expected an integer at most {}, got {n}", u16::MAX),
                        )
                    }),
                    None => Err(malformed(
                        path,
                        format!("expected a non-negative integer, got {}", describe(value)),
                    )),
                }
            };
            Position {
                x: field("x")?,
                y: field("y")?,
                w: field("w")?,
                h: field("h")?,
            }
        }
        Some(other) => {
            return Err(malformed(
                position_path,
                format!("expected an object {{x, y, w, h}}, got {}", describe(other)),
            ));
        }
        None => {
            return Err(malformed(
                position_path,
                "missing; expected an object {x, y, w, h}",
            ));
        }
    };
    let config = match obj.get("config") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(c)) => c.clone(),
        Some(other) => {
            return Err(malformed(
                format!("{base}.config"),
                format!("expected an object, got {}", describe(other)),
            ));
        }
    };
    Ok(WidgetPlacement {
        widget_id,
        position,
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::widget_catalog::{BUILTIN_WIDGETS, builtin_widget_ids};
    use serde_json::json;

    fn place(id: &str, x: u16, y: u16, w: u16, h: u16) -> WidgetPlacement {
        WidgetPlacement {
            widget_id: id.to_string(),
            position: Position { x, y, w, h },
            config: Map::new(),
        }
    }

    fn layout(widgets: Vec<WidgetPlacement>) -> LayoutConfig {
        LayoutConfig { widgets }
    }

    const KNOWN: &[&str] = &["red-flags", "runs", "engagement-chart", "persona-overview"];

    fn overview() -> LayoutConfig {
        default_layouts()
            .into_iter()
            .find(|(name, _, _)| *name == "Overview")
            .map(|(_, _, l)| l)
            .unwrap()
    }

    #[test]
    fn from_json_reads_the_documented_format() {
        let raw = json!({"widgets": [
            {"widget_id": "persona-overview", "position": {"x": 0, "y": 0, "w": 4, "h": 2},
             "config": {"persona_id": "aa0e8400-e29b-41d4-a716-446655440005"}},
            {"widget_id": "engagement-chart", "position": {"x": 4, "y": 0, "w": 8, "h": 3},
             "config": {"time_range": "30d"}, "i": "ignored-extra-key"},
            {"widget_id": "runs", "position": {"x": 0, "y": 3, "w": 12, "h": 1}}
        ]});
        let l = LayoutConfig::from_json(&raw).unwrap();
        assert_eq!(l.widgets.len(), 3);
        assert_eq!(l.widgets[1].widget_id, "engagement-chart");
        assert_eq!(
            l.widgets[1].position,
            Position {
                x: 4,
                y: 0,
                w: 8,
                h: 3
            }
        );
        assert_eq!(l.widgets[1].config["time_range"], "30d");
        assert!(l.widgets[2].config.is_empty());
        assert_eq!(l.validate(KNOWN), Ok(()));
        // Round trip through the stored form.
        assert_eq!(LayoutConfig::from_json(&l.to_json()), Ok(l.clone()));
        // serde agrees with the hand-written reader.
        assert_eq!(serde_json::from_value::<LayoutConfig>(raw).unwrap(), l);
    }

    #[test]
    fn from_json_errors_name_the_field_path() {
        let cases = [
            (json!([]), "layout_config: expected an object"),
            (json!({}), "widgets: missing"),
            (
                json!({"widgets": {}}),
                "widgets: expected an array, got an object",
            ),
            (
                json!({"widgets": [1]}),
                "widgets[0]: expected an object, got 1",
            ),
            (
                json!({"widgets": [{"position": {"x":0,"y":0,"w":1,"h":1}}]}),
                "widgets[0].widget_id: missing",
            ),
            (
                json!({"widgets": [{"widget_id": 7, "position": {"x":0,"y":0,"w":1,"h":1}}]}),
                "widgets[0].widget_id: expected a string, got 7",
            ),
            (
                json!({"widgets": [{"widget_id": "runs"}]}),
                "widgets[0].position: missing",
            ),
            (
                json!({"widgets": [{"widget_id": "runs", "position": [0, 0, 1, 1]}]}),
                "widgets[0].position: expected an object {x, y, w, h}, got an array",
            ),
            (
                json!({"widgets": [
                    {"widget_id": "runs", "position": {"x":0,"y":0,"w":1,"h":1}},
                    {"widget_id": "runs", "position": {"x":1,"y":0,"w":1,"h":1}},
                    {"widget_id": "runs", "position": {"x":2,"y":0,"w":-1,"h":1}}
                ]}),
                "widgets[2].position.w: expected a non-negative integer, got -1",
            ),
            (
                json!({"widgets": [{"widget_id": "runs", "position": {"x":0,"y":0,"w":1.5,"h":1}}]}),
                "widgets[0].position.w: expected a non-negative integer, got 1.5",
            ),
            (
                json!({"widgets": [{"widget_id": "runs", "position": {"x":"0","y":0,"w":1,"h":1}}]}),
                "widgets[0].position.x: expected a non-negative integer, got \"0\"",
            ),
            (
                json!({"widgets": [{"widget_id": "runs", "position": {"x":0,"y":0,"w":1}}]}),
                "widgets[0].position.h: missing; expected a non-negative integer",
            ),
            (
                json!({"widgets": [{"widget_id": "runs", "position": {"x":0,"y":70000,"w":1,"h":1}}]}),
                "widgets[0].position.y: expected an integer at most 65535, got 70000",
            ),
            (
                json!({"widgets": [{"widget_id": "runs", "position": {"x":0,"y":0,"w":1,"h":1}, "config": "30d"}]}),
                "widgets[0].config: expected an object, got \"30d\"",
            ),
        ];
        for (raw, expected) in cases {
            let err = LayoutConfig::from_json(&raw).unwrap_err();
            assert!(err.to_string().starts_with(expected), "{err} / {expected}");
        }
    }

    #[test]
    fn null_config_is_empty_and_empty_layout_is_valid() {
        let raw = json!({"widgets": [{"widget_id": "runs", "position": {"x":0,"y":0,"w":1,"h":1}, "config": null}]});
        assert!(
            LayoutConfig::from_json(&raw).unwrap().widgets[0]
                .config
                .is_empty()
        );
        let empty = LayoutConfig::from_json(&json!({"widgets": []})).unwrap();
        assert_eq!(empty, LayoutConfig::default());
        assert_eq!(empty.validate(&[]), Ok(()));
        assert_eq!(empty.rows(), 0);
        assert!(
            empty
                .cell_rects(CellRect {
                    x: 0,
                    y: 0,
                    width: 80,
                    height: 24
                })
                .is_empty()
        );
    }

    #[test]
    fn unknown_widget_is_named() {
        let l = layout(vec![
            place("runs", 0, 0, 6, 2),
            place("weather", 6, 0, 6, 2),
        ]);
        let errors = l.validate(KNOWN).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            matches!(&errors[0], LayoutError::UnknownWidget { index: 1, widget_id, .. } if widget_id == "weather")
        );
        let text = errors[0].to_string();
        assert!(
            text.starts_with("widgets[1].widget_id: unknown widget \"weather\""),
            "{text}"
        );
        assert!(text.contains("red-flags, runs"), "{text}");
    }

    #[test]
    fn zero_sizes_are_reported_per_field() {
        let l = layout(vec![place("runs", 0, 0, 0, 0)]);
        let errors = l.validate(KNOWN).unwrap_err();
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "widgets[0].position.w (runs): must be at least 1, got 0",
                "widgets[0].position.h (runs): must be at least 1, got 0",
            ]
        );
    }

    #[test]
    fn out_of_grid_in_both_directions() {
        let wide = layout(vec![place("runs", 8, 0, 5, 1)]);
        let errors = wide.validate(KNOWN).unwrap_err();
        assert_eq!(
            errors,
            vec![LayoutError::OutsideColumns {
                index: 0,
                widget_id: "runs".into(),
                x: 8,
                w: 5,
                end: 13
            }]
        );
        assert!(
            errors[0]
                .to_string()
                .contains("x 8 + w 5 = 13 goes past the 12-column grid")
        );
        let tall = layout(vec![place("runs", 0, 60, 12, 5)]);
        let errors = tall.validate(KNOWN).unwrap_err();
        assert!(matches!(
            errors[0],
            LayoutError::OutsideRows { end: 65, .. }
        ));
        // Exactly filling the grid is fine; huge values do not overflow.
        assert_eq!(
            layout(vec![place("runs", 0, 63, 12, 1)]).validate(KNOWN),
            Ok(())
        );
        let huge = layout(vec![place("runs", u16::MAX, u16::MAX, u16::MAX, u16::MAX)]);
        assert_eq!(huge.validate(KNOWN).unwrap_err().len(), 2);
    }

    #[test]
    fn overlap_names_both_placements() {
        let l = layout(vec![
            place("red-flags", 0, 0, 4, 2),
            place("runs", 3, 1, 6, 2),
            place("persona-overview", 9, 0, 3, 3),
        ]);
        let errors = l.validate(KNOWN).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "widgets[0] (red-flags) and widgets[1] (runs) overlap on columns 3-3, rows 1-1; move or shrink one of them"
        );
        // Full containment is an overlap too.
        let inside = layout(vec![
            place("runs", 0, 0, 12, 4),
            place("red-flags", 2, 1, 2, 1),
        ]);
        assert!(matches!(
            inside.validate(KNOWN).unwrap_err()[0],
            LayoutError::Overlap {
                first: 0,
                second: 1,
                ..
            }
        ));
    }

    #[test]
    fn touching_edges_are_not_overlap() {
        let l = layout(vec![
            place("red-flags", 0, 0, 4, 2),
            place("runs", 4, 0, 8, 2),              // touches on the right
            place("engagement-chart", 0, 2, 12, 1), // touches below
            place("persona-overview", 4, 3, 1, 1),  // touches a corner of nothing
        ]);
        assert_eq!(l.validate(KNOWN), Ok(()));
    }

    #[test]
    fn config_time_range_and_persona_id() {
        let mut good = place("engagement-chart", 0, 0, 6, 2);
        good.config.insert("time_range".into(), json!("90d"));
        good.config.insert(
            "persona_id".into(),
            json!("aa0e8400-e29b-41d4-a716-446655440005"),
        );
        good.config
            .insert("anything_else".into(), json!({"kept": true}));
        let mut nulls = place("runs", 6, 0, 6, 2);
        nulls.config.insert("time_range".into(), Value::Null);
        nulls.config.insert("persona_id".into(), Value::Null);
        assert_eq!(layout(vec![good, nulls]).validate(KNOWN), Ok(()));

        let mut bad = place("engagement-chart", 0, 0, 6, 2);
        bad.config.insert("time_range".into(), json!("14d"));
        bad.config.insert("persona_id".into(), json!("not-a-uuid"));
        let mut bad_types = place("persona-overview", 6, 0, 6, 2);
        bad_types.config.insert("time_range".into(), json!(30));
        bad_types.config.insert("persona_id".into(), json!(42));
        let errors = layout(vec![bad, bad_types]).validate(KNOWN).unwrap_err();
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "widgets[0].config.time_range (engagement-chart): \"14d\" is not one of 7d, 30d, 90d",
                "widgets[0].config.persona_id (engagement-chart): \"not-a-uuid\" is not a UUID",
                "widgets[1].config.time_range (persona-overview): 30 is not one of 7d, 30d, 90d",
                "widgets[1].config.persona_id (persona-overview): 42 is not a UUID",
            ]
        );
    }

    #[test]
    fn validate_collects_every_problem() {
        let l = layout(vec![
            place("nope", 0, 0, 0, 1),
            place("runs", 10, 0, 4, 1),
            place("red-flags", 10, 0, 2, 1),
        ]);
        let errors = l.validate(KNOWN).unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(matches!(errors[0], LayoutError::UnknownWidget { .. }));
        assert!(matches!(
            errors[1],
            LayoutError::ZeroSize { field: "w", .. }
        ));
        assert!(matches!(
            errors[2],
            LayoutError::OutsideColumns { index: 1, .. }
        ));
        assert!(matches!(
            errors[3],
            LayoutError::Overlap {
                first: 1,
                second: 2,
                ..
            }
        ));
    }

    #[test]
    fn rows_is_the_lowest_bottom_edge() {
        assert_eq!(overview().rows(), 6);
        assert_eq!(
            layout(vec![place("runs", 0, 3, 1, 4), place("runs", 1, 0, 1, 1)]).rows(),
            7
        );
    }

    /// Every grid row's widgets together span the area's full width, and every grid column's
    /// widgets its full height: nothing is lost or drawn twice.
    fn assert_tiles_exactly(l: &LayoutConfig, area: CellRect) {
        let rects = l.cell_rects(area);
        assert_eq!(rects.len(), l.widgets.len());
        for r in 0..l.rows() {
            let width: u32 = l
                .widgets
                .iter()
                .zip(&rects)
                .filter(|(w, _)| w.position.y <= r && r < w.position.y + w.position.h)
                .map(|(_, c)| u32::from(c.width))
                .sum();
            assert_eq!(width, u32::from(area.width), "grid row {r} at {area:?}");
        }
        for c in 0..GRID_COLUMNS {
            let height: u32 = l
                .widgets
                .iter()
                .zip(&rects)
                .filter(|(w, _)| w.position.x <= c && c < w.position.x + w.position.w)
                .map(|(_, c)| u32::from(c.height))
                .sum();
            assert_eq!(
                height,
                u32::from(area.height),
                "grid column {c} at {area:?}"
            );
        }
        for (i, a) in rects.iter().enumerate() {
            assert!(a.x + a.width <= area.x + area.width);
            assert!(a.y + a.height <= area.y + area.height);
            for b in &rects[i + 1..] {
                let overlap = a.x < b.x + b.width
                    && b.x < a.x + a.width
                    && a.y < b.y + b.height
                    && b.y < a.y + a.height;
                assert!(!overlap, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn maps_overview_onto_80x24_exactly() {
        let area = CellRect {
            x: 0,
            y: 0,
            width: 80,
            height: 24,
        };
        let rects = overview().cell_rects(area);
        let r = |x, y, width, height| CellRect {
            x,
            y,
            width,
            height,
        };
        assert_eq!(
            rects,
            vec![
                r(0, 0, 26, 8),   // red-flags: columns 0..4
                r(26, 0, 54, 8),  // runs: columns 4..12
                r(0, 8, 53, 8),   // engagement-chart: columns 0..8
                r(53, 8, 27, 8),  // channel-performance: columns 8..12
                r(0, 16, 40, 8),  // recent-posts
                r(40, 16, 40, 8), // persona-overview
            ]
        );
        assert_tiles_exactly(&overview(), area);
    }

    #[test]
    fn maps_overview_onto_200x50_exactly() {
        let area = CellRect {
            x: 0,
            y: 0,
            width: 200,
            height: 50,
        };
        let rects = overview().cell_rects(area);
        let r = |x, y, width, height| CellRect {
            x,
            y,
            width,
            height,
        };
        assert_eq!(
            rects,
            vec![
                r(0, 0, 66, 16),
                r(66, 0, 134, 16),
                r(0, 16, 133, 17),
                r(133, 16, 67, 17),
                r(0, 33, 100, 17),
                r(100, 33, 100, 17),
            ]
        );
        assert_tiles_exactly(&overview(), area);
    }

    #[test]
    fn every_default_layout_tiles_every_common_size() {
        for (_, _, l) in default_layouts() {
            for (width, height) in [(80, 24), (200, 50), (250, 70), (81, 25), (13, 7), (12, 6)] {
                assert_tiles_exactly(
                    &l,
                    CellRect {
                        x: 0,
                        y: 0,
                        width,
                        height,
                    },
                );
                assert_tiles_exactly(
                    &l,
                    CellRect {
                        x: 5,
                        y: 3,
                        width,
                        height,
                    },
                );
            }
        }
    }

    #[test]
    fn offset_area_is_respected() {
        let l = layout(vec![place("runs", 0, 0, 12, 1)]);
        assert_eq!(
            l.cell_rects(CellRect {
                x: 10,
                y: 4,
                width: 60,
                height: 20
            }),
            vec![CellRect {
                x: 10,
                y: 4,
                width: 60,
                height: 20
            }]
        );
    }

    #[test]
    fn tiny_or_invalid_geometry_never_panics() {
        let l = layout(vec![
            place("runs", 0, 0, 12, 1),
            place("runs", 10, 1, 6, 1), // out of grid: clipped at column 12
            place("runs", 0, 2, 0, 0),  // zero size
        ]);
        assert_eq!(l.rows(), 2);
        let rects = l.cell_rects(CellRect {
            x: 0,
            y: 0,
            width: 24,
            height: 3,
        });
        // Grid rows 0..2 over 3 cells: boundaries at 0, 1, 3.
        assert_eq!(
            rects[0],
            CellRect {
                x: 0,
                y: 0,
                width: 24,
                height: 1
            }
        );
        assert_eq!(
            rects[1],
            CellRect {
                x: 20,
                y: 1,
                width: 4,
                height: 2
            }
        );
        assert_eq!(rects[2].width, 0);
        assert_eq!(rects[2].height, 0);
        let zero_area = l.cell_rects(CellRect::default());
        assert!(zero_area.iter().all(|r| r.width == 0 && r.height == 0));
        let zero_rows = layout(vec![place("runs", 0, 0, 4, 0)]);
        assert_eq!(zero_rows.rows(), 0);
        assert_eq!(
            zero_rows.cell_rects(CellRect {
                x: 1,
                y: 2,
                width: 80,
                height: 24
            }),
            vec![CellRect {
                x: 1,
                y: 2,
                width: 26,
                height: 0
            }]
        );
        let edge = layout(vec![place("runs", 0, 0, 12, 1)]);
        let r = edge.cell_rects(CellRect {
            x: u16::MAX - 10,
            y: u16::MAX - 5,
            width: 10,
            height: 5,
        });
        assert_eq!(
            r[0],
            CellRect {
                x: u16::MAX - 10,
                y: u16::MAX - 5,
                width: 10,
                height: 5
            }
        );
    }

    #[test]
    fn default_layouts_validate_against_the_catalog() {
        let known = builtin_widget_ids();
        assert_eq!(known.len(), BUILTIN_WIDGETS.len());
        for (name, _, l) in default_layouts() {
            assert_eq!(l.validate(&known), Ok(()), "{name}");
        }
    }
}
