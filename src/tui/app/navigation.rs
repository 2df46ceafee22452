//! Half a page at a time (Ctrl-D / Ctrl-U, `half_page_down` / `half_page_up`) on every list
//! and scrolled screen: half of what PageDown moves there, so the two keys agree on what a
//! page is (the dashboard's lists: their visible rows; a scrolled screen: its body's height).

// A split `impl App`: the parent module's types and imports.
use super::*;

/// Half of `page` rows, at least one.
pub fn half(page: usize) -> usize {
    (page / 2).max(1)
}

/// Rows a full-screen list shows at 80x24 and about what its PageDown moves (the lists' own
/// PageDown moves this many).
const SCREEN_PAGE: usize = 10;

impl App {
    /// Ctrl-D / Ctrl-U on the open screen (overlays and text fields take their keys first).
    pub(super) fn half_page(&mut self, down: bool) -> Vec<Command> {
        let step = |at: usize, page: usize, last: usize| {
            if down {
                (at + half(page)).min(last)
            } else {
                at.saturating_sub(half(page))
            }
        };
        let scroll_step = |at: u16, page: u16| {
            let by = u16::try_from(half(usize::from(page))).unwrap_or(u16::MAX);
            if down {
                at.saturating_add(by)
            } else {
                at.saturating_sub(by)
            }
        };
        let body = self.grid_area();
        let screen_rows = self.screen_page();
        let times = self.times();
        match &mut self.screen {
            Screen::Dashboard => return self.half_page_list(down),
            Screen::RunDetail(state) => {
                let page = body.height.saturating_sub(4).max(1);
                let max = crate::tui::screens::run_detail::max_scroll(
                    &self.options.theme,
                    times,
                    state,
                    body,
                );
                state.scroll = scroll_step(state.scroll, page).min(max);
            }
            Screen::RedFlags(state) => {
                let last = state.flags.value.as_ref().map_or(0, Vec::len);
                state.selected = step(state.selected, screen_rows, last.saturating_sub(1));
            }
            Screen::FlagDrill(state) => {
                let last = state.page.value.as_ref().map_or(0, |p| p.rows.len());
                state.selected = step(state.selected, screen_rows, last.saturating_sub(1));
            }
            Screen::Item(state) => {
                let max =
                    crate::tui::screens::item::max_scroll(&self.options.theme, times, state, body);
                state.scroll = scroll_step(state.scroll, body.height.saturating_sub(4)).min(max);
            }
            Screen::Jobs(state) => {
                let last = state.rows().len().saturating_sub(1);
                let to = step(state.selected, screen_rows, last);
                state.select(to);
            }
            Screen::JobHistory(state) if state.errors_focused => {
                state.scroll = scroll_step(state.scroll, body.height.saturating_sub(4) / 2);
            }
            Screen::JobHistory(state) => {
                let last = state.runs.value.as_ref().map_or(0, Vec::len);
                let to = step(state.selected, screen_rows, last.saturating_sub(1));
                if to != state.selected {
                    state.scroll = 0;
                }
                state.selected = to;
                state.selected_id = state.selected_run().map(|r| r.id);
            }
            Screen::Ask(state) => {
                state.scroll = scroll_step(state.scroll, body.height.saturating_sub(8));
            }
            _ => {}
        }
        Vec::new()
    }

    /// The rows a full-screen list shows: the body less its borders, header and details,
    /// at least [`SCREEN_PAGE`]'s worth of movement at 80x24.
    fn screen_page(&self) -> usize {
        let rows = usize::from(self.grid_area().height.saturating_sub(12));
        rows.max(SCREEN_PAGE)
    }

    /// The dashboard's focused list: half its visible rows; runs load further as PageDown
    /// does when the move goes past what is loaded.
    fn half_page_list(&mut self, down: bool) -> Vec<Command> {
        let focus = self.focus;
        let rows = self.row_count(focus);
        let by = half(self.visible_rows(focus));
        let Some(slot) = self.slots.get_mut(focus) else {
            return Vec::new();
        };
        let target = if down {
            slot.selected + by
        } else {
            slot.selected.saturating_sub(by)
        };
        slot.selected = target.min(rows.saturating_sub(1));
        self.remember_selection(focus);
        if down && target >= rows {
            return self.load_more_for(focus, target);
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::half;

    #[test]
    fn half_a_page_is_at_least_one_row() {
        assert_eq!(half(20), 10);
        assert_eq!(half(7), 3);
        assert_eq!(half(1), 1);
        assert_eq!(half(0), 1);
    }
}
