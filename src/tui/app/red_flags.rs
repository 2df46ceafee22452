//! The red flags screen's side of `App`: opening it, selection, acknowledge and resolve (asked
//! first).

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// Opens the red flags list (open flags; loads through `reload_screen`).
    pub(super) fn open_flags(&mut self) -> Vec<Command> {
        self.open(Screen::RedFlags(FlagsState {
            flags: Loadable::default(),
            include_resolved: false,
            selected: 0,
        }))
    }

    pub(super) fn flags_action(&mut self, action: Action) -> Vec<Command> {
        let read_only = self.options.read_only;
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
                if read_only {
                    self.say("read-only: acknowledging and resolving are off", true);
                    return Vec::new();
                }
                let Some(flag) = flags.get(state.selected) else {
                    return Vec::new();
                };
                if flag.resolved_at.is_some() {
                    self.say("that flag is already resolved", true);
                    return Vec::new();
                }
                let what = crate::tui::widgets::clean(
                    flag.description.as_deref().unwrap_or(&flag.flag_type),
                );
                let (verb, on_yes) = if action == Action::Acknowledge {
                    ("Acknowledge", Command::AcknowledgeFlag { id: flag.id })
                } else {
                    ("Resolve", Command::ResolveFlag { id: flag.id })
                };
                self.overlay = Some(Overlay::Confirm(ConfirmState {
                    question: format!("{verb} \"{what}\" as {}?", self.options.operator),
                    on_yes,
                }));
            }
            _ => {}
        }
        Vec::new()
    }
}
