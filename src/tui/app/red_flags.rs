//! The red flags screen's side of `App`: opening it, selection, Enter to what a flag counts,
//! acknowledge and resolve (asked first; see oncall.rs).

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// Opens the red flags list (open flags; loads through `reload_screen`).
    pub(super) fn open_flags(&mut self) -> Vec<Command> {
        self.open(Screen::RedFlags(FlagsState {
            flags: Loadable::default(),
            include_resolved: false,
            selected: 0,
            open_on: None,
            sort: self.widget_sort(&WidgetKind::RedFlags),
        }))
    }

    pub(super) fn flags_action(&mut self, action: Action) -> Vec<Command> {
        let Screen::RedFlags(state) = &mut self.screen else {
            return Vec::new();
        };
        let flags = state.flags.value.clone().unwrap_or_default();
        match action {
            Action::Down => {
                state.selected = (state.selected + 1).min(flags.len().saturating_sub(1))
            }
            Action::Up => state.selected = state.selected.saturating_sub(1),
            // The list's ends and a screenful (the table shows about ten flags at 80x24).
            Action::Top => state.selected = 0,
            Action::Bottom => state.selected = flags.len().saturating_sub(1),
            Action::PageDown => {
                state.selected = (state.selected + 10).min(flags.len().saturating_sub(1))
            }
            Action::PageUp => state.selected = state.selected.saturating_sub(10),
            Action::ToggleResolved => {
                state.include_resolved = !state.include_resolved;
                let shown = if state.include_resolved {
                    "shown"
                } else {
                    "hidden"
                };
                self.say(format!("resolved flags {shown}"), false);
                return self.reload_screen();
            }
            Action::Acknowledge | Action::Resolve => {
                return match flags.get(state.selected) {
                    Some(flag) => self.ask_about_flag(flag.clone(), action),
                    None => Vec::new(),
                };
            }
            Action::Enter => {
                return match flags.get(state.selected) {
                    Some(flag) => self.open_flag_drill(flag.clone()),
                    None => Vec::new(),
                };
            }
            _ => {}
        }
        Vec::new()
    }
}
