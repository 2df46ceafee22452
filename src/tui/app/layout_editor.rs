//! The layout editor's side of `App`: moving and resizing widgets, validation, save and reset.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// Editor keys first (move with arrows/hjkl, resize with Shift, + add, d remove, s save,
    /// R reset); `None` passes the key on to the global actions.
    pub(super) fn editor_key(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        let Screen::LayoutEditor(state) = &mut self.screen else {
            return None;
        };
        if let Some(choice) = state.picker {
            match key.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    state.picker = Some((choice + 1) % BUILTIN_WIDGETS.len())
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    state.picker =
                        Some((choice + BUILTIN_WIDGETS.len() - 1) % BUILTIN_WIDGETS.len())
                }
                KeyCode::Enter => {
                    state.picker = None;
                    let id = BUILTIN_WIDGETS[choice].id.to_string();
                    let y = state.config.rows();
                    state.config.widgets.push(WidgetPlacement {
                        widget_id: id,
                        position: Position {
                            x: 0,
                            y,
                            w: GRID_COLUMNS / 2,
                            h: 2,
                        },
                        config: Default::default(),
                    });
                    state.focus = state.config.widgets.len() - 1;
                }
                KeyCode::Esc => state.picker = None,
                _ => {}
            }
            self.validate_editor();
            return Some(Vec::new());
        }
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let count = state.config.widgets.len();
        let focus = state.focus.min(count.saturating_sub(1));
        let position = state.config.widgets.get_mut(focus).map(|w| &mut w.position);
        match (key.code, position) {
            (KeyCode::Tab, _) if count > 0 => state.focus = (focus + 1) % count,
            (KeyCode::BackTab, _) if count > 0 => state.focus = (focus + count - 1) % count,
            (KeyCode::Char('H'), Some(p)) => p.w = p.w.saturating_sub(1).max(1),
            (KeyCode::Char('L'), Some(p)) => p.w = (p.w + 1).min(GRID_COLUMNS - p.x),
            (KeyCode::Char('K'), Some(p)) => p.h = p.h.saturating_sub(1).max(1),
            (KeyCode::Char('J'), Some(p)) => p.h = (p.h + 1).min(MAX_GRID_ROWS - p.y),
            (KeyCode::Left, Some(p)) if shift => p.w = p.w.saturating_sub(1).max(1),
            (KeyCode::Right, Some(p)) if shift => p.w = (p.w + 1).min(GRID_COLUMNS - p.x),
            (KeyCode::Up, Some(p)) if shift => p.h = p.h.saturating_sub(1).max(1),
            (KeyCode::Down, Some(p)) if shift => p.h = (p.h + 1).min(MAX_GRID_ROWS - p.y),
            (KeyCode::Left | KeyCode::Char('h'), Some(p)) => p.x = p.x.saturating_sub(1),
            (KeyCode::Right | KeyCode::Char('l'), Some(p)) => {
                p.x = (p.x + 1).min(GRID_COLUMNS - p.w)
            }
            (KeyCode::Up | KeyCode::Char('k'), Some(p)) => p.y = p.y.saturating_sub(1),
            (KeyCode::Down | KeyCode::Char('j'), Some(p)) => {
                p.y = (p.y + 1).min(MAX_GRID_ROWS - p.h)
            }
            (KeyCode::Char('+') | KeyCode::Char('a'), _) => state.picker = Some(0),
            (KeyCode::Char('d') | KeyCode::Delete, _) if count > 0 => {
                state.config.widgets.remove(focus);
                state.focus = focus.min(state.config.widgets.len().saturating_sub(1));
            }
            (KeyCode::Char('s'), _) => return Some(self.save_layout()),
            (KeyCode::Char('R'), _) => return Some(self.reset_layout()),
            _ => return None,
        }
        self.validate_editor();
        Some(Vec::new())
    }

    pub(super) fn validate_editor(&mut self) {
        if let Screen::LayoutEditor(state) = &mut self.screen {
            let known = builtin_widget_ids();
            state.problems = match state.config.validate(&known) {
                Ok(()) => Vec::new(),
                Err(errors) => errors.iter().map(ToString::to_string).collect(),
            };
        }
    }

    pub(super) fn save_layout(&mut self) -> Vec<Command> {
        self.validate_editor();
        let Screen::LayoutEditor(state) = &self.screen else {
            return Vec::new();
        };
        if let Some(problem) = state.problems.first() {
            self.say(format!("cannot save: {problem}"), true);
            return Vec::new();
        }
        let config = state.config.to_json();
        let current = self.current_layout();
        let own_id = current.filter(|l| l.user_id.is_some()).map(|l| l.id);
        let name = current.map_or_else(
            || "My Dashboard".to_string(),
            |l| format!("{} ({})", l.name, self.options.operator),
        );
        let name = if own_id.is_some() {
            current.map(|l| l.name.clone()).unwrap_or(name)
        } else {
            name
        };
        self.say("saving layout…", false);
        vec![Command::SaveLayout {
            own_id,
            name,
            config,
        }]
    }

    pub(super) fn reset_layout(&mut self) -> Vec<Command> {
        match self.current_layout() {
            Some(layout) if layout.user_id.is_some() => {
                let id = layout.id;
                self.overlay = Some(Overlay::Confirm(ConfirmState {
                    question: "Remove your layout and go back to the default?".to_string(),
                    on_yes: Command::DeleteLayout { id },
                }));
                Vec::new()
            }
            _ => {
                if let Screen::LayoutEditor(state) = &mut self.screen {
                    state.config = default_layouts().remove(0).2;
                    state.focus = 0;
                }
                self.validate_editor();
                self.say("editor reset to the built-in default (s to save)", false);
                Vec::new()
            }
        }
    }
}
