//! The dashboard's lists as lists: a screenful at a time (PageDown/PageUp), the ends
//! (Home/End, g/G), runs fetched a page further as the selection reaches what is loaded
//! (keyset cursors), the `/` filter of the focused widget only, and the selection kept by
//! identity (the same run) across refreshes, filtering and paging.

// A split `impl App`: the parent module's types and imports.
use super::*;

/// Runs End (or a filter) fetches on its own, page after page, before it stops and says so.
const AUTO_LOAD_ROWS: usize = 500;

impl App {
    /// The `/` filter of widget `index`: only the widget it was typed in is filtered.
    pub fn filter_for(&self, index: usize) -> Option<&str> {
        (self.filter_slot == Some(index) && !self.filter.trim().is_empty())
            .then_some(self.filter.as_str())
    }

    /// The identity of row `row` (after the filter) of widget `index`: a run's id, a post's id…
    pub fn row_key(&self, index: usize, row: usize) -> Option<String> {
        use crate::tui::widgets::{ingestion_jobs, outbox, persona_overview, recent_posts, runs};
        let filter = self.filter_for(index);
        let key = |id: &Uuid| Some(id.to_string());
        match self.slots.get(index)?.data.value.as_ref()? {
            WidgetData::Runs(d) => key(&runs::filtered(d, filter).get(row)?.run_id),
            WidgetData::RecentPosts(d) => key(&recent_posts::filtered(d, filter)
                .get(row)?
                .published_item_id),
            WidgetData::Jobs(d) => key(&ingestion_jobs::filtered(d, filter).get(row)?.id),
            WidgetData::Outbox(d) => key(&outbox::filtered(d, filter).get(row)?.id),
            WidgetData::Personas(d) => {
                let (personas, jobs) = persona_overview::filtered(d, filter);
                match row.checked_sub(personas.len()) {
                    None => Some(format!("persona {}", personas[row].id)),
                    Some(job) => Some(format!("job {}", jobs.get(job)?.id)),
                }
            }
            WidgetData::RedFlags(d) => key(&d.open_flags.get(row)?.id),
            _ => None,
        }
    }

    /// The operator moved the selection of widget `index`: that row is the one to keep.
    pub(super) fn remember_selection(&mut self, index: usize) {
        let key = self
            .slots
            .get(index)
            .and_then(|slot| self.row_key(index, slot.selected));
        if let Some(slot) = self.slots.get_mut(index) {
            slot.selected_key = key;
        }
    }

    /// The rows of widget `index` changed (new data, the filter): the selection follows the
    /// row it was on; a row gone (or filtered out) leaves the selection in range, and the
    /// remembered row is selected again when it comes back (the filter cleared).
    pub(super) fn restore_selection(&mut self, index: usize) {
        let rows = self.row_count(index);
        let Some(wanted) = self.slots.get(index).and_then(|s| s.selected_key.clone()) else {
            self.clamp_selection(index);
            return;
        };
        match (0..rows).find(|&row| self.row_key(index, row).as_deref() == Some(&wanted)) {
            Some(row) => self.slots[index].selected = row,
            None => self.clamp_selection(index),
        }
    }

    /// Rows of widget `index` in sight at once (its rectangle, less borders, header, footer).
    pub fn visible_rows(&self, index: usize) -> usize {
        let Some(rect) = self.slot_rects().get(index).copied() else {
            return 1;
        };
        let inner = rect.height.saturating_sub(2);
        // A footer when filtered (the count); the persona list has a heading too.
        let footer = self.filter_for(index).is_some();
        crate::tui::widgets::list_rows_shown(inner, footer).max(1)
    }

    /// PageDown/PageUp: a screenful further. The selection goes to the same place of the next
    /// screen (the list keeps its selected row at the bottom when scrolled); at the end of the
    /// loaded runs the next page is fetched and the list goes on into it.
    pub(super) fn page(&mut self, forward: bool) -> Vec<Command> {
        let focus = self.focus;
        let rows = self.row_count(focus);
        let visible = self.visible_rows(focus);
        let Some(slot) = self.slots.get_mut(focus) else {
            return Vec::new();
        };
        let bottom = slot.selected.max(visible - 1);
        let target = if forward {
            bottom + visible
        } else {
            // The row at the bottom of the screen above.
            let top = crate::tui::widgets::list_offset(slot.selected, visible);
            if top == 0 {
                0
            } else {
                (top - 1).max(visible - 1)
            }
        };
        slot.selected = target.min(rows.saturating_sub(1));
        self.remember_selection(focus);
        if forward && target >= rows {
            return self.load_more_for(focus, target);
        }
        Vec::new()
    }

    /// Home/End (g/G): the first row, or the last one loaded; End on runs with older ones not
    /// loaded yet fetches the next page (the border says "of 50+" until the end is reached).
    pub(super) fn go_to_end(&mut self, last: bool) -> Vec<Command> {
        let focus = self.focus;
        let rows = self.row_count(focus);
        let Some(slot) = self.slots.get_mut(focus) else {
            return Vec::new();
        };
        slot.selected = if last { rows.saturating_sub(1) } else { 0 };
        self.remember_selection(focus);
        if last {
            self.load_more_for(focus, usize::MAX)
        } else {
            Vec::new()
        }
    }

    /// [`App::load_more`], with the row to select once the page is there.
    pub(super) fn load_more_for(&mut self, index: usize, target: usize) -> Vec<Command> {
        let commands = self.load_more(index);
        if !commands.is_empty() {
            self.slots[index].pending_target = Some(target);
        }
        commands
    }

    /// New rows in widget `index`: the selection goes back to its row, or on to the row
    /// PageDown/End asked for; when the `/` filter still leaves too few rows, one more page.
    pub(super) fn rows_arrived(&mut self, index: usize) -> Vec<Command> {
        self.restore_selection(index);
        let Some(target) = self.slots[index].pending_target.take() else {
            return Vec::new();
        };
        let rows = self.row_count(index);
        self.slots[index].selected = target.min(rows.saturating_sub(1));
        self.remember_selection(index);
        // Fetching on by itself (End, or a filter hiding the new rows) stops at
        // `AUTO_LOAD_ROWS` rows loaded: the border then says "of 500+", and End goes on.
        if target >= rows && self.loaded_rows(index) < AUTO_LOAD_ROWS {
            return self.load_more_for(index, target);
        }
        Vec::new()
    }

    /// The next (older) page of runs after what widget `index` has loaded, to be appended
    /// (nothing to do for other widgets, at the end, or while one is on its way).
    pub(super) fn load_more(&mut self, index: usize) -> Vec<Command> {
        let Some(slot) = self.slots.get_mut(index) else {
            return Vec::new();
        };
        let Some(WidgetData::Runs(d)) = &slot.data.value else {
            return Vec::new();
        };
        let Some(next) = d.next else {
            return Vec::new();
        };
        if slot.cursor == Some(next) && slot.data.loading {
            return Vec::new();
        }
        let page = d.page + 1;
        slot.cursor = Some(next);
        slot.generation += 1;
        slot.data.start();
        vec![Command::LoadWidget {
            slot: index,
            generation: slot.generation,
            kind: slot.kind.clone(),
            filter: slot.filter.clone(),
            cursor: Some(next),
            page,
        }]
    }

    /// A widget's answer: a further page of runs is added after the rows already loaded; the
    /// selection is then put back on the row it was on. Returns the next page's load when
    /// the selection asked for rows past the end (PageDown, End) that the filter still hides.
    pub(super) fn widget_loaded(&mut self, index: usize, data: WidgetData) -> WidgetData {
        let slot = &mut self.slots[index];
        let appended = slot.cursor.take();
        match (data, &slot.data.value, appended) {
            (WidgetData::Runs(page), Some(WidgetData::Runs(loaded)), Some(after))
                if loaded.next == Some(after) =>
            {
                let mut rows = loaded.rows.clone();
                rows.extend(page.rows);
                WidgetData::Runs(crate::tui::data::RunsData {
                    rows,
                    next: page.next,
                    page: page.page,
                })
            }
            (data, _, _) => data,
        }
    }

    fn loaded_rows(&self, index: usize) -> usize {
        match self.slots.get(index).and_then(|s| s.data.value.as_ref()) {
            Some(WidgetData::Runs(d)) => d.rows.len(),
            _ => 0,
        }
    }

    /// The pages of runs widget `index` has loaded before its last one (a refresh reloads
    /// them all, newest first, so the list does not shrink under the operator).
    pub(super) fn loaded_pages(&self, index: usize) -> usize {
        match self.slots.get(index).and_then(|s| s.data.value.as_ref()) {
            Some(WidgetData::Runs(d)) => d.page,
            _ => 0,
        }
    }
}
