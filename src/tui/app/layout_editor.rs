//! The layout editor's side of `App`: moving and resizing widgets (neighbours pushed aside),
//! validation in plain words, save under a name, rename, delete, and Esc asking before unsaved
//! changes are lost.

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::domain::layout::widget_name;
use crate::tui::widgets::clean;

impl EditorState {
    /// The editor on `config`, the layout `name` (`own_id` when it is the user's own).
    pub fn new(config: LayoutConfig, focus: usize, own_id: Option<Uuid>, name: String) -> Self {
        EditorState {
            saved: config.clone(),
            config,
            focus,
            picker: None,
            problems: Vec::new(),
            own_id,
            name,
            prompt: None,
            leaving: false,
            quitting: false,
        }
    }

    /// Whether the layout differs from what was last saved.
    pub fn unsaved(&self) -> bool {
        self.config != self.saved
    }
}

impl App {
    /// The editor for the layout shown.
    pub(super) fn open_editor(&mut self) {
        let config = LayoutConfig {
            widgets: self.slots.iter().map(|s| s.placement.clone()).collect(),
        };
        let current = self.current_layout();
        let own_id = current.filter(|l| l.user_id.is_some()).map(|l| l.id);
        let name = current.map_or_else(|| "Overview".to_string(), |l| l.name.clone());
        self.back_stack.push(Screen::Dashboard);
        self.screen = Screen::LayoutEditor(EditorState::new(config, self.focus, own_id, name));
        self.validate_editor();
    }

    /// Editor keys first (move with arrows/hjkl, resize with Shift, + add, d remove, s save,
    /// n rename, D delete, R reset, Esc leave); `None` passes the key on to the global actions.
    pub(super) fn editor_key(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        let Screen::LayoutEditor(state) = &mut self.screen else {
            return None;
        };
        if state.prompt.is_some() {
            return Some(self.editor_prompt_key(key));
        }
        if state.leaving {
            state.leaving = false;
            let quitting = std::mem::take(&mut state.quitting);
            return Some(match key.code {
                KeyCode::Char('s') | KeyCode::Char('y') | KeyCode::Enter => {
                    self.ask_name(NamePurpose::SaveAs)
                }
                KeyCode::Char('d') | KeyCode::Char('n') if quitting => {
                    self.should_quit = true;
                    Vec::new()
                }
                KeyCode::Char('d') | KeyCode::Char('n') => {
                    self.say("changes discarded", false);
                    self.back()
                }
                _ => Vec::new(), // stay
            });
        }
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
                    let y = state.config.rows().min(MAX_GRID_ROWS - 2);
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
                    let name = BUILTIN_WIDGETS[choice].name;
                    self.editor_moved(format!("{name} added at the bottom"));
                    return Some(Vec::new());
                }
                KeyCode::Esc => state.picker = None,
                _ => {}
            }
            self.validate_editor();
            return Some(Vec::new());
        }
        // q with unsaved changes asks as Esc does (Ctrl-C still quits at once).
        if key.code == KeyCode::Char('q') && key.modifiers == KeyModifiers::NONE {
            return Some(self.quit_or_ask());
        }
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let count = state.config.widgets.len();
        let focus = state.focus.min(count.saturating_sub(1));
        let position = state.config.widgets.get_mut(focus).map(|w| &mut w.position);
        let before = position.as_deref().copied();
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
            // Not Ctrl-D (half a page elsewhere): a slip must not remove a widget.
            (KeyCode::Char('d') | KeyCode::Delete, _)
                if count > 0 && !key.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                let removed = state.config.widgets.remove(focus);
                state.focus = focus.min(state.config.widgets.len().saturating_sub(1));
                let name = widget_name(&removed.widget_id);
                self.validate_editor();
                self.say(format!("{name} removed (s saves, Esc asks)"), false);
                return Some(Vec::new());
            }
            (KeyCode::Char('s'), _) => return Some(self.ask_name(NamePurpose::SaveAs)),
            (KeyCode::Char('n'), _) => return Some(self.ask_name(NamePurpose::Rename)),
            (KeyCode::Char('D'), _) => return Some(self.ask_delete_layout()),
            (KeyCode::Char('R'), _) => return Some(self.reset_layout()),
            (KeyCode::Esc, _) => return Some(self.leave_editor()),
            _ => return None,
        }
        let after = state.config.widgets.get(focus).map(|w| w.position);
        if before.is_some() && after != before {
            let name = widget_name(&state.config.widgets[focus].widget_id);
            let pushed = state.config.push_aside(focus);
            let names: Vec<String> = pushed
                .moved
                .iter()
                .map(|&i| widget_name(&state.config.widgets[i].widget_id))
                .collect();
            // The gist first: the status line may be narrow.
            let said = match names.as_slice() {
                [] => None,
                [one] => Some(format!("{one} pushed down below {name}")),
                many => Some(format!(
                    "{} widgets pushed down: {}",
                    many.len(),
                    many.join(", ")
                )),
            };
            if let Some(said) = said {
                self.editor_moved(said);
                return Some(Vec::new());
            }
        }
        self.validate_editor();
        Some(Vec::new())
    }

    /// After an edit that deserves a word: validate, then say it (a problem wins).
    fn editor_moved(&mut self, message: String) {
        self.validate_editor();
        if let Screen::LayoutEditor(state) = &self.screen
            && state.problems.is_empty()
        {
            self.say(message, false);
        }
    }

    pub(super) fn validate_editor(&mut self) {
        if let Screen::LayoutEditor(state) = &mut self.screen {
            let known = builtin_widget_ids();
            state.problems = match state.config.validate(&known) {
                Ok(()) => Vec::new(),
                Err(errors) => errors.iter().map(|e| e.plain()).collect(),
            };
        }
    }

    /// `q` / `:quit`: quits, unless the layout editor (open, or under the screen shown) has
    /// unsaved changes: then it shows the editor and asks save / discard (and quit) / stay.
    pub(super) fn quit_or_ask(&mut self) -> Vec<Command> {
        let editor_below = self
            .back_stack
            .iter()
            .position(|screen| matches!(screen, Screen::LayoutEditor(state) if state.unsaved()));
        if let Some(index) = editor_below {
            // Back to the editor (the screens opened from it are left).
            self.back_stack.truncate(index + 1);
            if let Some(editor) = self.back_stack.pop() {
                self.screen = editor;
            }
        }
        match &mut self.screen {
            Screen::LayoutEditor(state) if state.unsaved() => {
                state.leaving = true;
                state.quitting = true;
                Vec::new()
            }
            _ => {
                self.should_quit = true;
                Vec::new()
            }
        }
    }

    /// Esc: straight back without changes; with unsaved ones, ask save / discard / stay.
    fn leave_editor(&mut self) -> Vec<Command> {
        match &mut self.screen {
            Screen::LayoutEditor(state) if state.unsaved() => {
                state.leaving = true;
                Vec::new()
            }
            _ => self.back(),
        }
    }

    /// The name line for save-as (prefilled with the layout's name; a built-in one gets the
    /// operator's name added, so saving makes the user's own copy) or rename.
    fn ask_name(&mut self, purpose: NamePurpose) -> Vec<Command> {
        let operator = self.options.operator.clone();
        self.validate_editor();
        let Screen::LayoutEditor(state) = &mut self.screen else {
            return Vec::new();
        };
        if purpose == NamePurpose::SaveAs
            && let Some(problem) = state.problems.first()
        {
            let problem = format!("cannot save: {problem}");
            self.say(problem, true);
            return Vec::new();
        }
        let name = match purpose {
            NamePurpose::Rename if state.own_id.is_none() => {
                let name = clean(&state.name);
                self.say(
                    format!("built-in layouts cannot be renamed: {name:?} is shared (s saves your own copy)"),
                    true,
                );
                return Vec::new();
            }
            NamePurpose::SaveAs if state.own_id.is_none() => {
                format!("{} ({operator})", state.name)
            }
            _ => state.name.clone(),
        };
        let mut prompt = NamePrompt {
            purpose,
            input: String::new(),
            cursor: Cursor::END,
            error: None,
        };
        text_field::set(&mut prompt.input, &mut prompt.cursor, &name);
        state.prompt = Some(prompt);
        Vec::new()
    }

    fn editor_prompt_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Screen::LayoutEditor(state) = &mut self.screen else {
            return Vec::new();
        };
        let Some(prompt) = state.prompt.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                state.prompt = None;
                Vec::new()
            }
            KeyCode::Enter => {
                let name = prompt.input.trim().to_string();
                let length = name.chars().count();
                if !(1..=200).contains(&length) {
                    prompt.error = Some(format!("a name has 1 to 200 characters, got {length}"));
                    return Vec::new();
                }
                let purpose = prompt.purpose;
                state.prompt = None;
                match purpose {
                    NamePurpose::SaveAs => self.save_layout(name),
                    NamePurpose::Rename => self.rename_layout(name),
                }
            }
            _ => {
                if text_field::edit(&mut prompt.input, &mut prompt.cursor, &key).changed() {
                    prompt.error = None;
                }
                Vec::new()
            }
        }
    }

    /// Pasted text for the name line; false when it is not open.
    pub(super) fn editor_paste(&mut self, text: &str) -> bool {
        let Screen::LayoutEditor(state) = &mut self.screen else {
            return false;
        };
        let Some(prompt) = state.prompt.as_mut() else {
            return false;
        };
        let line = text_field::one_line(text);
        text_field::insert(&mut prompt.input, &mut prompt.cursor, &line);
        prompt.error = None;
        true
    }

    /// Saves under `name`: the user's own layout of that name is updated, any other name is
    /// a new layout of the user's (becoming their default).
    pub(super) fn save_layout(&mut self, name: String) -> Vec<Command> {
        self.validate_editor();
        let Screen::LayoutEditor(state) = &self.screen else {
            return Vec::new();
        };
        if let Some(problem) = state.problems.first() {
            self.say(format!("cannot save: {problem}"), true);
            return Vec::new();
        }
        let config = state.config.to_json();
        let own_id = state.own_id.filter(|_| name == state.name);
        self.say(format!("saving layout {name:?}…"), false);
        vec![Command::SaveLayout {
            own_id,
            name,
            config,
        }]
    }

    fn rename_layout(&mut self, name: String) -> Vec<Command> {
        let Screen::LayoutEditor(state) = &self.screen else {
            return Vec::new();
        };
        let Some(id) = state.own_id else {
            return Vec::new();
        };
        self.say(format!("renaming to {name:?}…"), false);
        vec![Command::RenameLayout { id, name }]
    }

    fn ask_delete_layout(&mut self) -> Vec<Command> {
        let Screen::LayoutEditor(state) = &self.screen else {
            return Vec::new();
        };
        let name = clean(&state.name);
        match state.own_id {
            Some(id) => {
                self.overlay = Some(Overlay::Confirm(ConfirmState {
                    question: format!("Delete your layout {name:?}? This cannot be undone."),
                    on_yes: Command::DeleteLayout { id },
                }));
            }
            None => self.say(
                format!(
                    "built-in layouts cannot be deleted: {name:?} is shared (only your own can be)"
                ),
                true,
            ),
        }
        Vec::new()
    }

    pub(super) fn reset_layout(&mut self) -> Vec<Command> {
        if let Screen::LayoutEditor(state) = &mut self.screen {
            state.config = default_layouts().remove(0).2;
            state.focus = 0;
        }
        self.validate_editor();
        self.say(
            "editor reset to the built-in default (s saves, Esc asks)",
            false,
        );
        Vec::new()
    }

    /// The worker renamed the layout: the editor and the status line take the new name.
    pub(super) fn layout_renamed(&mut self, result: Result<Layout, String>) -> Vec<Command> {
        match result {
            Ok(layout) => {
                if let Screen::LayoutEditor(state) = &mut self.screen
                    && state.own_id == Some(layout.id)
                {
                    state.name = layout.name.clone();
                }
                self.say(
                    format!("layout renamed to {:?}", clean(&layout.name)),
                    false,
                );
                self.layouts.start();
                vec![Command::LoadLayouts]
            }
            Err(error) => {
                self.say(format!("layout not renamed: {error}"), true);
                Vec::new()
            }
        }
    }

    /// The worker deleted a layout: leave the editor for the dashboard, which opens the
    /// default again.
    pub(super) fn layout_deleted(&mut self, result: Result<String, String>) -> Vec<Command> {
        match result {
            Ok(name) => {
                if let Screen::LayoutEditor(_) = self.screen {
                    self.screen = Screen::Dashboard;
                    self.back_stack.clear();
                }
                self.say(format!("layout {:?} deleted", clean(&name)), false);
                self.layout_index = None;
                self.layouts.start();
                vec![Command::LoadLayouts]
            }
            Err(error) => {
                self.say(format!("layout not deleted: {error}"), true);
                Vec::new()
            }
        }
    }
}

impl App {
    /// The worker saved the layout: the dashboard shows it (a new one too).
    pub(super) fn layout_saved(&mut self, result: Result<Layout, String>) -> Vec<Command> {
        match result {
            Ok(layout) => {
                self.say(format!("layout {:?} saved", clean(&layout.name)), false);
                if let Screen::LayoutEditor(_) = self.screen {
                    self.screen = Screen::Dashboard;
                    self.back_stack.clear();
                }
                // Shown at once and kept when the reloaded list arrives.
                let layouts = self.layouts.value.get_or_insert_with(Vec::new);
                let index = match layouts.iter().position(|l| l.id == layout.id) {
                    Some(i) => {
                        layouts[i] = layout;
                        i
                    }
                    None => {
                        layouts.push(layout);
                        layouts.len() - 1
                    }
                };
                let mut commands = self.show_layout(Some(index));
                self.layouts.start();
                commands.push(Command::LoadLayouts);
                commands
            }
            Err(error) => {
                self.say(format!("layout not saved: {error}"), true);
                Vec::new()
            }
        }
    }
}
