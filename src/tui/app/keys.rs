//! Keys and mouse: where an input goes (an overlay, the `/` filter, the open screen's own keys,
//! else the keymap's actions), the global actions, and moving between screens (open, back).

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// A key press (or repeat): to the open overlay, the `/` filter, the open screen's own
    /// keys, else the keymap's action.
    pub(super) fn key(&mut self, key: KeyEvent) -> Vec<Command> {
        if let Some(overlay) = self.overlay.take() {
            return self.overlay_key(overlay, key);
        }
        if self.filter_editing {
            return self.filter_key(key);
        }
        // F1 opens the help everywhere, also where `?` is typed into a text field (forms).
        if key.code == KeyCode::F(1) {
            return self.action(Action::Help);
        }
        if let Screen::PublishForm(_) = self.screen {
            return self.publish_form_key(key);
        }
        if let Screen::GenesisForm(state) = &mut self.screen {
            if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                self.should_quit = true;
                return Vec::new();
            }
            return match state.key(key, self.now) {
                FormAction::None => Vec::new(),
                FormAction::Submit(valid) => self.start_genesis(valid),
                FormAction::Cancel => {
                    self.genesis_not_waited_for();
                    self.say("cancelled waiting", false);
                    vec![Command::CancelGenesis]
                }
                FormAction::Close => self.back(),
            };
        }
        if let Screen::Ask(_) = self.screen {
            return self.ask_key(key);
        }
        if let Some(commands) = self.project_run_key(key) {
            return commands;
        }
        if let Some(commands) = self.jobs_key(key) {
            return commands;
        }
        if let Screen::GenesisJob(_) = self.screen
            && let Some(commands) = self.genesis_job_key(key)
        {
            return commands;
        }
        if let Screen::LayoutEditor(_) = self.screen
            && let Some(commands) = self.editor_key(key)
        {
            return commands;
        }
        let Some(action) = self.keymap.action(&key) else {
            return Vec::new();
        };
        self.action(action)
    }

    pub(super) fn action(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => {
                self.should_quit = true;
                Vec::new()
            }
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            Action::Palette => {
                self.overlay = Some(Overlay::Palette(PaletteState::default()));
                Vec::new()
            }
            Action::Filter => {
                // The filter belongs to the focused widget: typed in another, it starts anew.
                if self.filter_slot != Some(self.focus) {
                    self.filter.clear();
                    self.filter_cursor = Cursor::END;
                    self.filter_changed();
                    self.filter_slot = Some(self.focus);
                }
                self.filter_editing = true;
                Vec::new()
            }
            Action::Refresh => self.refresh_all(),
            Action::TogglePause => {
                self.paused = !self.paused;
                if self.paused {
                    self.say("auto-refresh paused (p to resume, r to refresh now)", false);
                    Vec::new()
                } else {
                    self.say("auto-refresh resumed", false);
                    self.refresh_all()
                }
            }
            Action::Back => self.back(),
            Action::Messages => {
                self.overlay = Some(Overlay::Messages);
                Vec::new()
            }
            Action::NextLayout => self.next_layout(),
            Action::Flags => self.flags_key(),
            Action::Sort => self.sort_key(false),
            Action::SortReverse => self.sort_key(true),
            Action::HalfPageDown => self.half_page(true),
            Action::HalfPageUp => self.half_page(false),
            Action::TimeZone => self.toggle_time_zone(),
            Action::Mouse => self.toggle_mouse(),
            _ => match &self.screen {
                Screen::Dashboard => self.dashboard_action(action),
                Screen::RunDetail(_) => self.run_detail_action(action),
                Screen::RedFlags(_) => self.flags_action(action),
                Screen::FlagDrill(_) => self.flag_drill_action(action),
                Screen::Item(_) => self.item_action(action),
                Screen::Jobs(_) => self.jobs_action(action),
                Screen::JobHistory(_) => self.job_history_action(action),
                Screen::LayoutEditor(_)
                | Screen::JobForm(_)
                | Screen::PublishForm(_)
                | Screen::GenesisForm(_)
                | Screen::GenesisJob(_)
                | Screen::ProjectForm(_)
                | Screen::RunForm(_) => Vec::new(),
                // Only the mouse wheel arrives here (keys go to `ask_key`): it scrolls.
                Screen::Ask(_) => self.ask_wheel(action),
            },
        }
    }

    pub(super) fn back(&mut self) -> Vec<Command> {
        // On the dashboard Esc clears the `/` filter first; a screen opened from a filtered
        // list goes back to the list as it was.
        if !self.filter.is_empty() && self.screen == Screen::Dashboard {
            self.filter.clear();
            self.filter_slot = None;
            self.filter_changed();
            return Vec::new();
        }
        match self.back_stack.pop() {
            Some(screen) => {
                self.screen = screen;
                self.reload_screen()
            }
            None => {
                self.screen = Screen::Dashboard;
                Vec::new()
            }
        }
    }

    pub(super) fn open(&mut self, screen: Screen) -> Vec<Command> {
        let previous = std::mem::replace(&mut self.screen, screen);
        self.back_stack.push(previous);
        self.reload_screen()
    }

    /// Mouse: the wheel scrolls the open screen; on the dashboard a click focuses a widget
    /// and the wheel moves its selection.
    pub(super) fn mouse(&mut self, mouse: MouseEvent) -> Vec<Command> {
        if self.overlay.is_none() && matches!(self.screen, Screen::GenesisJob(_)) {
            match mouse.kind {
                MouseEventKind::ScrollDown => self.wheel_genesis_job(true),
                MouseEventKind::ScrollUp => self.wheel_genesis_job(false),
                _ => {}
            }
            return Vec::new();
        }
        if self.overlay.is_some() || !matches!(self.screen, Screen::Dashboard) {
            return match mouse.kind {
                MouseEventKind::ScrollDown => self.action(Action::Down),
                MouseEventKind::ScrollUp => self.action(Action::Up),
                _ => Vec::new(),
            };
        }
        let hit = self.slot_rects().iter().position(|r| {
            r.contains(ratatui::layout::Position {
                x: mouse.column,
                y: mouse.row,
            })
        });
        match (mouse.kind, hit) {
            (MouseEventKind::Down(MouseButton::Left), Some(i)) => self.focus = i,
            (MouseEventKind::ScrollDown, Some(i)) => {
                self.focus = i;
                self.move_selection(1);
            }
            (MouseEventKind::ScrollUp, Some(i)) => {
                self.focus = i;
                self.move_selection(-1);
            }
            _ => {}
        }
        Vec::new()
    }
}
