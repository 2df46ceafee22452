//! The dashboard's keys: focus between widgets, selection and paging in the focused one,
//! drilling in, the time range, and the `/` filter over what the widgets show.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    pub(super) fn dashboard_action(&mut self, action: Action) -> Vec<Command> {
        let count = self.slots.len();
        match action {
            Action::FocusNext if count > 0 => self.focus = (self.focus + 1) % count,
            Action::FocusPrev if count > 0 => self.focus = (self.focus + count - 1) % count,
            Action::Left | Action::Right if count > 0 => self.focus = self.neighbour(action),
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => return self.page(true),
            Action::PageUp => return self.page(false),
            Action::Enter => return self.drill_in(),
            Action::EditLayout => {
                if self.options.read_only {
                    self.say("read-only: the layout editor is off", true);
                } else {
                    self.open_editor();
                }
            }
            Action::CycleTimeRange => return self.cycle_time_range(),
            Action::Top => return self.go_to_end(false),
            Action::Bottom => return self.go_to_end(true),
            _ => {}
        }
        Vec::new()
    }

    /// The widget to the left/right of the focused one: one sharing rows with it first, then
    /// the nearest by grid position.
    pub(super) fn neighbour(&self, action: Action) -> usize {
        let current = &self.slots[self.focus].placement.position;
        let center = |p: &Position| (p.x as i32 * 2 + p.w as i32, p.y as i32 * 2 + p.h as i32);
        let shares_rows = |p: &Position| p.y < current.y + current.h && current.y < p.y + p.h;
        let (cx, cy) = center(current);
        self.slots
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.focus)
            .filter(|(_, s)| {
                let (x, _) = center(&s.placement.position);
                if action == Action::Left {
                    x < cx
                } else {
                    x > cx
                }
            })
            .min_by_key(|(_, s)| {
                let (x, y) = center(&s.placement.position);
                (
                    !shares_rows(&s.placement.position),
                    (x - cx).abs() + 2 * (y - cy).abs(),
                )
            })
            .map_or(self.focus, |(i, _)| i)
    }

    pub(super) fn move_selection(&mut self, delta: i64) {
        let rows = self.row_count(self.focus);
        if let Some(slot) = self.slots.get_mut(self.focus) {
            let next = (slot.selected as i64 + delta).clamp(0, rows.saturating_sub(1) as i64);
            slot.selected = next as usize;
        }
        self.remember_selection(self.focus);
    }

    pub(super) fn drill_in(&mut self) -> Vec<Command> {
        let Some(slot) = self.slots.get(self.focus) else {
            return Vec::new();
        };
        match slot.kind {
            // The flags list on the selected flag (a short widget shows no flag rows, so the
            // list shows which flag it is, in full, with its history); Enter there lists
            // what it counts.
            WidgetKind::RedFlags => self.open_flags_on(self.widget_flag().map(|f| f.id)),
            WidgetKind::Runs => match self.selected_run() {
                Some(run) => {
                    let run_id = run.run_id;
                    self.open_run(run_id)
                }
                None => Vec::new(),
            },
            WidgetKind::PersonaOverview => {
                let Some(WidgetData::Personas(data)) = slot.data.value.as_ref() else {
                    return Vec::new();
                };
                let (personas, jobs) =
                    crate::tui::widgets::persona_overview::filtered(data, self.active_filter());
                match slot.selected.checked_sub(personas.len()) {
                    Some(index) => match jobs.get(index) {
                        Some(job) => {
                            let job_id = job.id;
                            self.open_genesis_job(job_id)
                        }
                        None => Vec::new(),
                    },
                    None => {
                        self.say(
                            "Enter opens the genesis jobs awaiting approval (below the personas)",
                            false,
                        );
                        Vec::new()
                    }
                }
            }
            WidgetKind::Outbox => self.open_outbox_record(),
            // `:jobs` on the selected job (its history, writes and form are there).
            WidgetKind::IngestionJobs => {
                let Some(WidgetData::Jobs(jobs)) = slot.data.value.as_ref() else {
                    return Vec::new();
                };
                let rows =
                    crate::tui::widgets::ingestion_jobs::filtered(jobs, self.active_filter());
                let selected = rows.get(slot.selected).map(|j| j.id);
                self.open_jobs_on(selected)
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn cycle_time_range(&mut self) -> Vec<Command> {
        let focus = self.focus;
        let Some(slot) = self.slots.get_mut(focus) else {
            return Vec::new();
        };
        if !matches!(
            slot.kind,
            WidgetKind::EngagementChart | WidgetKind::ChannelPerformance
        ) {
            let title = slot.kind.title().to_string();
            self.say(crate::tui::widgets::no_time_range(&title), false);
            return Vec::new();
        }
        slot.filter.days = match slot.filter.days {
            7 => 30,
            30 => 90,
            _ => 7,
        };
        let days = slot.filter.days;
        self.say(format!("time range {days} days"), false);
        vec![self.load_slot(focus)]
    }

    pub(super) fn focus_widget(&mut self, kind: &WidgetKind) -> Vec<Command> {
        self.screen = Screen::Dashboard;
        self.back_stack.clear();
        match self.slots.iter().position(|s| &s.kind == kind) {
            Some(i) => self.focus = i,
            None => self.say(format!("this layout has no {} widget", kind.title()), true),
        }
        Vec::new()
    }

    pub(super) fn clamp_selection(&mut self, index: usize) {
        let rows = self.row_count(index);
        let slot = &mut self.slots[index];
        slot.selected = slot.selected.min(rows.saturating_sub(1));
    }

    /// How many selectable rows a widget shows (after the `/` filter): the same rows the
    /// widget draws, so the selection indexes what is on screen.
    pub fn row_count(&self, index: usize) -> usize {
        use crate::tui::widgets::{ingestion_jobs, outbox, persona_overview, recent_posts, runs};
        let filter = self.filter_for(index);
        match self.slots.get(index).and_then(|s| s.data.value.as_ref()) {
            Some(WidgetData::Runs(d)) => runs::filtered(d, filter).len(),
            Some(WidgetData::RecentPosts(d)) => recent_posts::filtered(d, filter).len(),
            Some(WidgetData::Personas(d)) => {
                let (personas, jobs) = persona_overview::filtered(d, filter);
                personas.len() + jobs.len()
            }
            Some(WidgetData::Jobs(d)) => ingestion_jobs::filtered(d, filter).len(),
            Some(WidgetData::Outbox(d)) => outbox::filtered(d, filter).len(),
            Some(WidgetData::RedFlags(d)) => d.open_flags.len(),
            _ => 0,
        }
    }

    /// The `/` filter of the focused widget.
    pub fn active_filter(&self) -> Option<&str> {
        self.filter_for(self.focus)
    }

    /// The run selected in the focused `runs` widget, if any.
    pub fn selected_run(&self) -> Option<&RunListRow> {
        let slot = self.slots.get(self.focus)?;
        let Some(WidgetData::Runs(d)) = slot.data.value.as_ref() else {
            return None;
        };
        crate::tui::widgets::runs::filtered(d, self.active_filter())
            .into_iter()
            .nth(slot.selected)
    }

    pub(super) fn filter_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Enter => self.filter_editing = false,
            KeyCode::Esc => {
                self.filter_editing = false;
                self.filter.clear();
                self.filter_slot = None;
            }
            _ => {
                text_field::edit(&mut self.filter, &mut self.filter_cursor, &key);
            }
        }
        self.filter_changed();
        Vec::new()
    }

    /// The `/` filter's text changed: the filtered widget keeps its selected row when it is
    /// still shown (and finds it again when the filter is cleared).
    pub(super) fn filter_changed(&mut self) {
        for i in 0..self.slots.len() {
            self.restore_selection(i);
        }
    }
}
