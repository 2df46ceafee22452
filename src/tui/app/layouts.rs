//! The layout shown: which layout opens, switching layouts, its widgets as slots, and the
//! grid's rectangles on the screen (for drawing and mouse hits).

// A split `impl App`: the parent module's types and imports.
use super::*;

impl Slot {
    pub(super) fn new(placement: WidgetPlacement) -> Slot {
        let kind = WidgetKind::from_id(&placement.widget_id);
        let filter = WidgetFilter::from_config(&placement.widget_id, &placement.config);
        Slot {
            placement,
            kind,
            filter,
            data: Loadable::default(),
            generation: 0,
            selected: 0,
            cursor: None,
            selected_key: None,
            pending_target: None,
        }
    }

    /// Tables whose change means this widget should reload.
    pub(super) fn shows_table(&self, table: &str) -> bool {
        let tables: &[&str] = match self.kind {
            WidgetKind::RedFlags => &[
                "red_flags",
                "dashboard_runs",
                "dashboard_run_items",
                "red_flag_snapshots",
            ],
            WidgetKind::Runs => &["dashboard_runs"],
            WidgetKind::RecentPosts
            | WidgetKind::EngagementChart
            | WidgetKind::ChannelPerformance => &["normalized_metrics"],
            WidgetKind::Outbox => &["publish_records"],
            WidgetKind::IngestionJobs => &["metrics_ingestion_jobs"],
            _ => &[],
        };
        tables.contains(&table)
    }
}

impl App {
    pub fn current_layout(&self) -> Option<&Layout> {
        self.layout_index
            .and_then(|i| self.layouts.value.as_ref().and_then(|l| l.get(i)))
    }

    /// The screen area the dashboard grid fills (all but the status line).
    pub fn grid_area(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1.saturating_sub(FOOTER_ROWS))
    }

    pub fn slot_rects(&self) -> Vec<Rect> {
        self.slot_rects_in(self.grid_area())
    }

    /// The widgets' rectangles inside `area` (the view passes the frame's own area, so a
    /// resize that has not reached `update` yet can never draw outside the buffer).
    pub fn slot_rects_in(&self, area: Rect) -> Vec<Rect> {
        let config = LayoutConfig {
            widgets: self.slots.iter().map(|s| s.placement.clone()).collect(),
        };
        config
            .cell_rects(CellRect {
                x: area.x,
                y: area.y,
                width: area.width,
                height: area.height,
            })
            .into_iter()
            .map(|r| Rect::new(r.x, r.y, r.width, r.height))
            .collect()
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    pub(super) fn pick_layout(&self, keep: Option<Uuid>) -> Option<usize> {
        let layouts = self.layouts.value.as_ref()?;
        if let Some(id) = keep
            && let Some(i) = layouts.iter().position(|l| l.id == id)
        {
            return Some(i);
        }
        if let Some(name) = &self.options.preferred_layout
            && let Some(i) = layouts
                .iter()
                .position(|l| l.name.eq_ignore_ascii_case(name))
        {
            return Some(i);
        }
        // list_for_user orders the user's own first, defaults first.
        (!layouts.is_empty()).then_some(0)
    }

    pub(super) fn show_layout(&mut self, index: Option<usize>) -> Vec<Command> {
        self.layout_index = index;
        let Some(layout) = self.current_layout() else {
            return self.show_config(default_layouts().remove(0).2);
        };
        match LayoutConfig::from_json(&layout.layout_config.0) {
            Ok(config) => self.show_config(config),
            Err(error) => {
                let name = layout.name.clone();
                self.say(
                    format!("layout {name:?} is invalid ({error}); showing the built-in default"),
                    true,
                );
                self.show_config(default_layouts().remove(0).2)
            }
        }
    }

    pub(super) fn show_config(&mut self, config: LayoutConfig) -> Vec<Command> {
        let same = self.slots.len() == config.widgets.len()
            && self
                .slots
                .iter()
                .zip(&config.widgets)
                .all(|(s, p)| s.placement == *p);
        if !same {
            self.slots = config.widgets.into_iter().map(Slot::new).collect();
            self.focus = 0;
            // The `/` filter belonged to a widget of the layout left.
            self.filter.clear();
            self.filter_slot = None;
            self.filter_editing = false;
        }
        self.refresh_all()
    }

    pub(super) fn next_layout(&mut self) -> Vec<Command> {
        let count = self.layouts.value.as_ref().map_or(0, Vec::len);
        if count == 0 {
            self.say("no layouts loaded yet", true);
            return Vec::new();
        }
        let next = self.layout_index.map_or(0, |i| (i + 1) % count);
        // Another dashboard: the screens opened from the last one are not the way back.
        self.screen = Screen::Dashboard;
        self.back_stack.clear();
        // The status line names the layout shown.
        self.show_layout(Some(next))
    }
}
