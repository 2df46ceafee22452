//! Keys while an overlay is open: help, the confirm question (and what the asking screen
//! waits for after yes), the job picker, the `:` palette's editing and completion.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// A key while `overlay` is open (taken out of the state: put back to stay open).
    pub(super) fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Vec<Command> {
        match overlay {
            Overlay::Help { scroll } => {
                let action = self.keymap.action(&key);
                // Taller than the terminal: the moving keys scroll it; any other key closes it.
                let max = crate::tui::popups::help::max_scroll(self, self.size);
                let page = self.size.1.saturating_sub(4).max(1);
                let scrolled = match action {
                    Some(Action::Down) => Some(scroll.saturating_add(1)),
                    Some(Action::Up) => Some(scroll.saturating_sub(1)),
                    Some(Action::PageDown) => Some(scroll.saturating_add(page)),
                    Some(Action::PageUp) => Some(scroll.saturating_sub(page)),
                    Some(Action::HalfPageDown) => Some(scroll.saturating_add(page / 2)),
                    Some(Action::HalfPageUp) => Some(scroll.saturating_sub(page / 2)),
                    Some(Action::Top) => Some(0),
                    Some(Action::Bottom) => Some(max),
                    _ => None,
                };
                match scrolled {
                    Some(scroll) if max > 0 => {
                        self.overlay = Some(Overlay::Help {
                            scroll: scroll.min(max),
                        });
                    }
                    _ if action == Some(Action::Quit) && key.code != KeyCode::Char('q') => {
                        self.should_quit = true;
                    }
                    _ => {}
                }
                Vec::new()
            }
            Overlay::Confirm(confirm) => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    self.say("working…", false);
                    // The screen that asked waits for the answer as if sent directly.
                    match (&confirm.on_yes, &mut self.screen) {
                        (Command::GenesisApprove(request), Screen::GenesisJob(state))
                            if state.job_id == request.job_id =>
                        {
                            state.pending = Some(PendingCall {
                                what: CallKind::Approve,
                                since: self.now.instant,
                            });
                            self.say("approving in MPIS… (Esc stops waiting)", false);
                        }
                        (Command::GenesisStart(valid), Screen::GenesisForm(_)) => {
                            let valid = valid.clone();
                            self.genesis_start_confirmed(&valid);
                        }
                        (Command::Publish(_), Screen::PublishForm(_)) => self.publish_confirmed(),
                        _ => {}
                    }
                    vec![confirm.on_yes]
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.say("cancelled", false);
                    Vec::new()
                }
                _ => {
                    self.overlay = Some(Overlay::Confirm(confirm));
                    Vec::new()
                }
            },
            Overlay::PickJob(pick) => self.pick_job_key(pick, key),
            Overlay::OutboxRecord(record) => self.outbox_record_key(record, key),
            Overlay::Copied { .. } => Vec::new(), // any key closes it
            Overlay::Silence(state) => self.silence_key(state, key),
            // Any key closes the messages (Ctrl-C still quits).
            Overlay::Messages => {
                if self.keymap.action(&key) == Some(Action::Quit) && key.code != KeyCode::Char('q')
                {
                    self.should_quit = true;
                }
                Vec::new()
            }
            Overlay::Palette(palette) => self.palette_key(palette, key),
        }
    }
}
