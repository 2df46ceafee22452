//! `s` / `S` on the sortable lists (runs, recent posts, channel performance, red flags: the
//! widgets and the red flags screen): the next column or the other direction, the rows
//! re-sorted with the same row (by id) still selected, and the widget's order written into
//! its placement's config, which the layout editor saves (`config.sort`, `config.sort_desc`).

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::domain::sort::{self, SortOrder};

impl App {
    /// `s` (`reverse`: `S`) on the open screen.
    pub(super) fn sort_key(&mut self, reverse: bool) -> Vec<Command> {
        match &self.screen {
            Screen::Dashboard => self.sort_widget(reverse),
            Screen::RedFlags(_) => self.sort_flags_screen(reverse),
            _ => Vec::new(),
        }
    }

    /// The order of the first widget of `kind` in the layout, if it is sorted.
    pub(super) fn widget_sort(&self, kind: &WidgetKind) -> Option<SortOrder> {
        self.slots
            .iter()
            .find(|s| &s.kind == kind)
            .and_then(|s| s.filter.sort)
    }

    fn sort_widget(&mut self, reverse: bool) -> Vec<Command> {
        let focus = self.focus;
        let Some(slot) = self.slots.get(focus) else {
            return Vec::new();
        };
        let id = slot.kind.id().to_string();
        let current = slot.filter.sort;
        let next = if reverse {
            sort::reverse(&id, current)
        } else {
            sort::cycle(&id, current)
        };
        let Some(order) = next else {
            let title = slot.kind.title().to_string();
            self.say(format!("{title} cannot be sorted"), false);
            return Vec::new();
        };
        // The selected row by identity, before the rows move.
        self.remember_selection(focus);
        let slot = &mut self.slots[focus];
        slot.filter.sort = Some(order);
        slot.placement
            .config
            .insert("sort".into(), serde_json::Value::from(order.column));
        slot.placement.config.insert(
            "sort_desc".into(),
            serde_json::Value::from(order.descending),
        );
        if let Some(data) = slot.data.value.as_mut() {
            crate::tui::sorting::sort_data(data, order);
        }
        self.restore_selection(focus);
        let direction = if order.descending {
            "descending"
        } else {
            "ascending"
        };
        // The runs widget's pages come newest first from the database: the sort orders the
        // rows loaded (its title says so), not every run.
        let scope = if self.slots[focus].kind == WidgetKind::Runs {
            " (the rows loaded)"
        } else {
            ""
        };
        self.say(
            format!("sorted by {} {direction}{scope}", order.column),
            false,
        );
        Vec::new()
    }

    fn sort_flags_screen(&mut self, reverse: bool) -> Vec<Command> {
        let Screen::RedFlags(state) = &mut self.screen else {
            return Vec::new();
        };
        let next = if reverse {
            sort::reverse("red-flags", state.sort)
        } else {
            sort::cycle("red-flags", state.sort)
        };
        let Some(order) = next else {
            return Vec::new();
        };
        state.sort = Some(order);
        if let Some(flags) = state.flags.value.as_mut() {
            let keep = flags.get(state.selected).map(|f| f.id);
            crate::tui::sorting::sort_flags(flags, order);
            if let Some(index) = keep.and_then(|id| flags.iter().position(|f| f.id == id)) {
                state.selected = index;
            }
        }
        Vec::new()
    }
}
