//! The publish form's side of `App`: opening it, its keys, the question before a record of a
//! draft that is not approved or already published on that channel, the lookup of a typed
//! draft id, and following the submitted record's state.

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::domain::publish::ValidPublish;
use crate::store::outbox::OutboxState;
use crate::store::outbox::PublishRecord;

impl App {
    /// The publish record form (not in read-only mode); loads the approved drafts, recent runs
    /// and projects to pick from.
    pub(super) fn open_publish_form(&mut self) -> Vec<Command> {
        if self.options.read_only {
            self.say("read-only: publishing is off", true);
            return Vec::new();
        }
        let mut state = PublishFormState {
            channels: self.options.channels.clone(),
            ..PublishFormState::default()
        };
        state.drafts.start();
        state.targets.start();
        self.open(Screen::PublishForm(state));
        vec![Command::LoadDrafts, Command::LoadPublishTargets]
    }

    /// Keys of the publish form (it takes every key: typed text never becomes an action).
    pub(super) fn publish_form_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Screen::PublishForm(state) = &mut self.screen else {
            return Vec::new();
        };
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.should_quit = true;
            return Vec::new();
        }
        match state.key(key, self.now) {
            FormAction::None => self.check_typed_draft(),
            FormAction::Submit(valid) => self.submit_publish(valid),
            FormAction::Cancel | FormAction::Close => self.back(),
        }
    }

    /// Looks up a typed draft id that is not among the approved drafts.
    pub(super) fn check_typed_draft(&mut self) -> Vec<Command> {
        match &mut self.screen {
            Screen::PublishForm(state) => state
                .draft_to_check()
                .map(Command::LookupDraft)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A valid form: sent at once for an approved draft, else after the operator says yes.
    fn submit_publish(&mut self, valid: ValidPublish) -> Vec<Command> {
        let times = self.times();
        let Screen::PublishForm(state) = &mut self.screen else {
            return Vec::new();
        };
        // Each reason to ask, in one question: not approved, already published there.
        let questions: Vec<String> = [state.unapproved_question(), state.republish_question(times)]
            .into_iter()
            .flatten()
            .collect();
        if !questions.is_empty() {
            let question = questions.join(" ");
            state.hold();
            self.overlay = Some(Overlay::Confirm(ConfirmState {
                question,
                on_yes: Command::Publish(valid),
            }));
            return Vec::new();
        }
        self.say("writing the publish record…", false);
        vec![Command::Publish(valid)]
    }

    /// The confirm said yes to a publish: the form waits for it like a direct submission.
    pub(super) fn publish_confirmed(&mut self) {
        if let Screen::PublishForm(state) = &mut self.screen {
            state.sending(self.now.instant);
        }
        self.say("writing the publish record…", false);
    }

    /// The submitted record as it is now: the form and the status line follow its state.
    pub(super) fn publish_record_loaded(
        &mut self,
        id: Uuid,
        result: Result<(PublishRecord, String), String>,
    ) {
        let Screen::PublishForm(state) = &mut self.screen else {
            return;
        };
        match result {
            Ok((record, note)) => {
                let failed = record.state == OutboxState::Failed;
                if state.record_loaded(record, note.clone()) {
                    self.say(format!("publish record: {note}"), failed);
                }
            }
            // Shown only while the form still follows that record; the next poll tries again.
            Err(error) if state.followed_record() == Some(id) => {
                self.say(format!("publish record not re-read: {error}"), true)
            }
            Err(_) => {}
        }
    }
}
