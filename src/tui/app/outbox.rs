//! The outbox widget's records: Enter opens one (its detail), `R` retries a failed one after a
//! confirm (the worker queues it again through the store, audited); read-only refuses.

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::tui::widgets::clean;

impl App {
    /// The record selected in the focused outbox widget, as a detail overlay.
    pub(super) fn open_outbox_record(&mut self) -> Vec<Command> {
        let Some(slot) = self.slots.get(self.focus) else {
            return Vec::new();
        };
        let Some(WidgetData::Outbox(data)) = slot.data.value.as_ref() else {
            return Vec::new();
        };
        let rows = crate::tui::widgets::outbox::filtered(data, self.active_filter());
        match rows.get(slot.selected) {
            Some(record) => self.overlay = Some(Overlay::OutboxRecord(Box::new((*record).clone()))),
            None => self.say("no record waiting in the outbox", false),
        }
        Vec::new()
    }

    /// Keys on an open record: `R` retries a failed one (asks first); Up/Down keep it open;
    /// anything else closes it.
    pub(super) fn outbox_record_key(
        &mut self,
        record: Box<PublishRecord>,
        key: KeyEvent,
    ) -> Vec<Command> {
        if key.code != KeyCode::Char('R') {
            if self.keymap.action(&key) == Some(Action::Quit) && key.code != KeyCode::Char('q') {
                self.should_quit = true;
            }
            return Vec::new(); // any other key closes it
        }
        if self.options.read_only {
            self.say("read-only: retrying a publish record is off", true);
            self.overlay = Some(Overlay::OutboxRecord(record));
            return Vec::new();
        }
        if record.state != OutboxState::Failed {
            self.say(
                format!(
                    "only a failed record is retried; this one is {} (the forwarder tries it again on its own)",
                    record.state
                ),
                true,
            );
            self.overlay = Some(Overlay::OutboxRecord(record));
            return Vec::new();
        }
        let channel = clean(&record.channel);
        self.overlay = Some(Overlay::Confirm(ConfirmState {
            question: format!(
                "Retry the publish of draft {} on {channel}? It is queued again and sent to MPIS now.",
                record.draft_id
            ),
            on_yes: Command::RetryPublishRecord(record.id),
        }));
        Vec::new()
    }
}
