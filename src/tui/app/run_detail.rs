//! The run detail screen's side of `App`: opening it, its ids to copy and its scrolling.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// Opens a run's detail screen (loads through `reload_screen`).
    pub(super) fn open_run(&mut self, run_id: Uuid) -> Vec<Command> {
        self.open(Screen::RunDetail(RunDetailState {
            run_id,
            detail: Loadable::default(),
            focused_id: 0,
            scroll: 0,
        }))
    }

    /// The ids on the run detail screen, in display order, with their labels.
    pub fn run_detail_ids(state: &RunDetailState) -> Vec<(String, String)> {
        let Some(detail) = &state.detail.value else {
            return Vec::new();
        };
        let run = &detail.run;
        let mut ids = vec![
            ("run_id".to_string(), run.run_id.to_string()),
            ("project_id".to_string(), run.project_id.to_string()),
            ("persona_id".to_string(), run.persona_id.to_string()),
        ];
        // Our callback keeps n8n's id as text; MPIS's own endpoint stored it in the UUID
        // column only: whichever is there.
        let execution = run
            .n8n_execution_ref
            .clone()
            .or_else(|| run.n8n_execution_id.map(|id| id.to_string()));
        if let Some(execution) = execution {
            ids.push(("n8n_execution_id".to_string(), execution));
        }
        for item in &detail.items {
            if let Some(draft) = item.draft_id {
                ids.push((
                    format!("item {} draft_id", item.item_no + 1),
                    draft.to_string(),
                ));
            }
            if let Some(published) = item.published_item_id {
                ids.push((
                    format!("item {} published_item_id", item.item_no + 1),
                    published.to_string(),
                ));
            }
        }
        ids
    }

    pub(super) fn run_detail_action(&mut self, action: Action) -> Vec<Command> {
        let body = self.grid_area();
        let theme = &self.options.theme;
        let times = self.times();
        let Screen::RunDetail(state) = &mut self.screen else {
            return Vec::new();
        };
        let count = App::run_detail_ids(state).len();
        let page = body.height.saturating_sub(4).max(1);
        match action {
            Action::PageDown => {
                let max = crate::tui::screens::run_detail::max_scroll(theme, times, state, body);
                state.scroll = state.scroll.saturating_add(page).min(max);
            }
            Action::PageUp => state.scroll = state.scroll.saturating_sub(page),
            Action::Top => state.scroll = 0,
            Action::Bottom => {
                state.scroll =
                    crate::tui::screens::run_detail::max_scroll(theme, times, state, body)
            }
            Action::Down | Action::FocusNext if count > 0 => {
                state.focused_id = (state.focused_id + 1).min(count - 1)
            }
            Action::Up | Action::FocusPrev => state.focused_id = state.focused_id.saturating_sub(1),
            Action::Copy => {
                if let Some((label, id)) =
                    App::run_detail_ids(state).into_iter().nth(state.focused_id)
                {
                    self.copy_text(&label, id.clone());
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Sends `text` to the terminal's clipboard (OSC 52) and shows it whole, to copy by hand
    /// where the terminal ignores OSC 52.
    pub(super) fn copy_text(&mut self, label: &str, text: String) {
        self.clipboard = Some(text.clone());
        self.say(format!("{label} sent via OSC 52"), false);
        self.overlay = Some(Overlay::Copied {
            label: label.to_string(),
            text,
        });
    }
}
