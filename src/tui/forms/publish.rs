//! The publish record form: the draft (picked from approved drafts, or typed), channel (typed or
//! cycled), channel item id and url, the optional run and project (picked from recent runs and
//! the projects, or typed), and when it was published. Validation by `domain::publish` names
//! each field; Ctrl-S submits.

use std::time::Instant;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::channel::Channel;
use crate::domain::form::FieldError;
use crate::domain::publish::{PublishForm, ValidPublish};
use crate::store::drafts::DraftChoice;
use crate::tui::data::Loadable;
use crate::tui::worker::{PublishOutcome, PublishTargets};

/// The form's fields in display (and Tab) order: (field name as validation names it, label).
pub const FIELDS: [(&str, &str); 7] = [
    ("draft_id", "draft"),
    ("channel", "channel"),
    ("channel_item_id", "channel item id"),
    ("channel_url", "channel url"),
    ("run_id", "run (optional)"),
    ("project_id", "project (optional)"),
    ("published_at", "published at (empty = now)"),
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PublishFormState {
    pub form: PublishForm,
    pub focus: usize,
    pub errors: Vec<FieldError>,
    pub drafts: Loadable<Vec<DraftChoice>>,
    /// The draft picked with Up/Down on the draft field.
    pub picked: Option<usize>,
    /// Recent runs and projects for the run and project fields.
    pub targets: Loadable<PublishTargets>,
    /// The run picked with Up/Down on the run field (an index into `targets.runs`).
    pub picked_run: Option<usize>,
    /// The project picked with Up/Down on the project field (an index into `targets.projects`).
    pub picked_project: Option<usize>,
    /// When the submission was sent (a spinner and the elapsed time show meanwhile).
    pub submitted_at: Option<Instant>,
    pub outcome: Option<Result<PublishOutcome, String>>,
}

pub use super::FormAction;

/// Fields with a picker besides the draft (indices into `FIELDS`).
pub const CHANNEL: usize = 1;
pub const RUN: usize = 4;
pub const PROJECT: usize = 5;

/// The next index of a list of `count` after `current` moved by `delta` (wrapping; the first or
/// last when nothing was picked); `None` for an empty list.
fn step(current: Option<usize>, delta: i64, count: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let count = count as i64;
    let next = match current {
        Some(i) => (i as i64 + delta).rem_euclid(count),
        None if delta > 0 => 0,
        None => count - 1,
    };
    Some(next as usize)
}

impl PublishFormState {
    pub fn value(&self, field: usize) -> &str {
        let f = &self.form;
        match field {
            0 => &f.draft_id_text,
            1 => &f.channel_text,
            2 => &f.channel_item_id,
            3 => &f.channel_url,
            4 => &f.run_id_text,
            5 => &f.project_id_text,
            _ => &f.published_at_text,
        }
    }

    fn value_mut(&mut self, field: usize) -> &mut String {
        let f = &mut self.form;
        match field {
            0 => &mut f.draft_id_text,
            1 => &mut f.channel_text,
            2 => &mut f.channel_item_id,
            3 => &mut f.channel_url,
            4 => &mut f.run_id_text,
            5 => &mut f.project_id_text,
            _ => &mut f.published_at_text,
        }
    }

    /// The validation message of a field, if any.
    pub fn error(&self, field: usize) -> Option<&str> {
        let name = FIELDS[field].0;
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.as_str())
    }

    pub fn submitting(&self) -> bool {
        self.submitted_at.is_some()
    }

    /// Handles a key; typed text goes into the focused field.
    pub fn key(&mut self, key: KeyEvent, now: DateTime<Utc>) -> FormAction<ValidPublish> {
        if self.submitting() {
            // Waiting for the worker: only leaving is possible (the record is safe in the
            // outbox either way once written).
            return if key.code == KeyCode::Esc {
                FormAction::Close
            } else {
                FormAction::None
            };
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return FormAction::Close,
            KeyCode::Char('s') if control => return self.submit(now),
            KeyCode::Tab | KeyCode::Enter => self.focus = (self.focus + 1) % FIELDS.len(),
            KeyCode::BackTab => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            KeyCode::Down if self.focus == 0 => self.pick(1),
            KeyCode::Up if self.focus == 0 => self.pick(-1),
            KeyCode::Down if self.focus == CHANNEL => self.cycle_channel(1),
            KeyCode::Up if self.focus == CHANNEL => self.cycle_channel(-1),
            KeyCode::Down if self.focus == RUN => self.pick_run(1),
            KeyCode::Up if self.focus == RUN => self.pick_run(-1),
            KeyCode::Down if self.focus == PROJECT => self.pick_project(1),
            KeyCode::Up if self.focus == PROJECT => self.pick_project(-1),
            KeyCode::Down => self.focus = (self.focus + 1) % FIELDS.len(),
            KeyCode::Up => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            KeyCode::Backspace => {
                self.value_mut(self.focus).pop();
            }
            KeyCode::Char(c) if !control => {
                self.value_mut(self.focus).push(c);
                self.outcome = None;
            }
            _ => {}
        }
        FormAction::None
    }

    /// Picks the next/previous approved draft: fills the draft id and its channel.
    fn pick(&mut self, delta: i64) {
        let Some(drafts) = self.drafts.value.as_ref() else {
            return;
        };
        let Some(next) = step(self.picked, delta, drafts.len()) else {
            return;
        };
        self.picked = Some(next);
        self.form.draft_id_text = drafts[next].id.to_string();
        self.form.channel_text = drafts[next].channel.clone();
    }

    /// Steps the channel through MPIS's four (from what is typed, if it is one of them).
    fn cycle_channel(&mut self, delta: i64) {
        let known = Channel::KNOWN;
        let current = Channel::parse(&self.form.channel_text);
        let position = known.iter().position(|c| *c == current);
        if let Some(next) = step(position, delta, known.len()) {
            self.form.channel_text = known[next].as_str().to_string();
        }
    }

    /// Picks the next/previous recent run: fills the run id and the run's project.
    fn pick_run(&mut self, delta: i64) {
        let Some(targets) = self.targets.value.as_ref() else {
            return;
        };
        let Some(next) = step(self.picked_run, delta, targets.runs.len()) else {
            return;
        };
        let run = &targets.runs[next];
        self.picked_run = Some(next);
        self.form.run_id_text = run.run_id.to_string();
        self.form.project_id_text = run.project_id.to_string();
        self.picked_project = targets.projects.iter().position(|p| p.id == run.project_id);
    }

    /// Picks the next/previous project: fills the project id.
    fn pick_project(&mut self, delta: i64) {
        let Some(targets) = self.targets.value.as_ref() else {
            return;
        };
        let Some(next) = step(self.picked_project, delta, targets.projects.len()) else {
            return;
        };
        self.picked_project = Some(next);
        self.form.project_id_text = targets.projects[next].id.to_string();
    }

    fn submit(&mut self, now: DateTime<Utc>) -> FormAction<ValidPublish> {
        match self.form.validate(now) {
            Ok(valid) => {
                self.errors.clear();
                self.outcome = None;
                self.submitted_at = Some(Instant::now());
                FormAction::Submit(valid)
            }
            Err(errors) => {
                // Focus the first field with a problem.
                if let Some(first) = FIELDS
                    .iter()
                    .position(|(name, _)| errors.iter().any(|e| e.field == *name))
                {
                    self.focus = first;
                }
                self.errors = errors;
                FormAction::None
            }
        }
    }

    /// The worker's answer arrived.
    pub fn finished(&mut self, outcome: Result<PublishOutcome, String>) {
        self.submitted_at = None;
        if outcome.is_ok() {
            // Ready for the next record of the same draft: keep draft and channel.
            self.form.channel_item_id.clear();
            self.form.channel_url.clear();
        }
        self.outcome = Some(outcome);
    }
}
