//! The publish record form: the draft (picked from approved drafts, or typed), channel (typed or
//! cycled), channel item id and url, the optional run and project (picked from recent runs and
//! the projects, or typed), and when it was published. Validation by `domain::publish` names
//! each field; Ctrl-S submits. A typed draft id is looked up: one that is not approved (or not
//! in this database) is warned about beside the field and asked about before it is sent. After
//! a submission the form follows the record's forwarding state.

use crate::store::outbox::OutboxState;
use crate::time_display::TimeDisplay;
use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use crate::domain::channel::Channel;
use crate::domain::form::FieldError;
use crate::domain::publish::{PublishForm, ValidPublish, check_channel, plan_channel_warning};
use crate::store::drafts::{DraftChoice, EarlierPublish};
use crate::store::outbox::PublishRecord;
use crate::tui::clock::Now;
use crate::tui::data::Loadable;
use crate::tui::text_field::{self, Cursor};
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
    /// Each field's cursor (the values live in `form`).
    pub cursors: [Cursor; FIELDS.len()],
    pub errors: Vec<FieldError>,
    pub drafts: Loadable<Vec<DraftChoice>>,
    /// The draft picked with Up/Down on the draft field (an index into `drafts`).
    pub picked: Option<usize>,
    /// What was last typed into the draft field (not a pick): the picker shows the drafts
    /// whose title, persona, channel or id contain it.
    pub draft_filter: String,
    /// Channel names accepted besides the known four (config `channels`).
    pub channels: Vec<String>,
    /// Recent runs and projects for the run and project fields.
    pub targets: Loadable<PublishTargets>,
    /// The run picked with Up/Down on the run field (an index into `targets.runs`).
    pub picked_run: Option<usize>,
    /// The project picked with Up/Down on the project field (an index into `targets.projects`).
    pub picked_project: Option<usize>,
    /// When the submission was sent (a spinner and the elapsed time show meanwhile).
    pub submitted_at: Option<Instant>,
    pub outcome: Option<Result<PublishOutcome, String>>,
    /// The typed draft id that is not among the approved drafts, and what the database says
    /// of it.
    pub checked: Option<(Uuid, DraftCheck)>,
}

/// What the database said of a typed draft id.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftCheck {
    Checking,
    Found(DraftChoice),
    Missing,
    Failed(String),
}

/// A remark beside the draft field: a warning (not approved, unknown) or a note.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftRemark {
    pub text: String,
    pub warning: bool,
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

    /// A field's value and cursor.
    fn field_mut(&mut self, field: usize) -> (&mut String, &mut Cursor) {
        let f = &mut self.form;
        let value = match field {
            0 => &mut f.draft_id_text,
            1 => &mut f.channel_text,
            2 => &mut f.channel_item_id,
            3 => &mut f.channel_url,
            4 => &mut f.run_id_text,
            5 => &mut f.project_id_text,
            _ => &mut f.published_at_text,
        };
        (value, &mut self.cursors[field.min(FIELDS.len() - 1)])
    }

    /// Replaces a field's value (a pick); its cursor goes to the end.
    fn set(&mut self, field: usize, text: &str) {
        let (value, cursor) = self.field_mut(field);
        text_field::set(value, cursor, text);
    }

    /// Every field takes text, except while the submission is in flight.
    pub fn editing_text(&self) -> bool {
        !self.submitting()
    }

    /// The cursor of `field` when it is the focused one (for drawing it).
    pub fn cursor(&self, field: usize) -> Option<Cursor> {
        (field == self.focus && self.editing_text()).then_some(self.cursors[field])
    }

    /// Pasted text goes into the focused field, its lines joined by spaces; returns whether a
    /// field took it.
    pub fn paste(&mut self, text: &str) -> bool {
        if !self.editing_text() {
            return false;
        }
        let (value, cursor) = self.field_mut(self.focus);
        if text_field::insert(value, cursor, &text_field::one_line(text)).changed() {
            self.changed(self.focus);
        }
        true
    }

    /// The operator changed a field: its error goes (it may be fixed now), the last outcome
    /// too; typing into the draft field filters the picker.
    fn changed(&mut self, field: usize) {
        self.outcome = None;
        self.errors.retain(|e| e.field != FIELDS[field].0);
        if field == 0 {
            self.draft_filter = self.form.draft_id_text.trim().to_string();
            let visible = self.visible_drafts();
            if self.picked.is_some_and(|p| !visible.contains(&p)) {
                self.picked = None;
            }
        }
    }

    /// The drafts the picker shows (indices into `drafts`): those whose title, persona,
    /// channel or id contain the draft field's typed text (any case); all for nothing typed.
    pub fn visible_drafts(&self) -> Vec<usize> {
        let Some(drafts) = self.drafts.value.as_ref() else {
            return Vec::new();
        };
        let filter = self.draft_filter.to_lowercase();
        drafts
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                filter.is_empty()
                    || [&d.plan_title, &d.persona_name, &d.channel]
                        .iter()
                        .any(|t| t.to_lowercase().contains(&filter))
                    || d.id.to_string().contains(&filter)
                    || d.id.simple().to_string().contains(&filter)
            })
            .map(|(i, _)| i)
            .collect()
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

    /// Handles a key pressed at `now` (a submission's default "published at" is its wall
    /// time); typed text goes into the focused field.
    pub fn key(&mut self, key: KeyEvent, now: Now) -> FormAction<ValidPublish> {
        // Waiting for the worker: only leaving is possible (the record is safe in the outbox
        // either way once written).
        if let Some(action) = super::while_writing(self.submitting(), &key) {
            return action;
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return FormAction::Close,
            KeyCode::Char('s') if control => return self.submit(now),
            // Enter on a filtered draft field takes the highlighted (else first) match.
            KeyCode::Enter if self.focus == 0 && self.typed_draft_id().is_none() => {
                let visible = self.visible_drafts();
                let take = self
                    .picked
                    .filter(|p| visible.contains(p))
                    .or(visible.first().copied());
                if let Some(index) = take {
                    self.pick_index(index);
                }
                self.focus = 1;
            }
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
            _ => {
                let (value, cursor) = self.field_mut(self.focus);
                if text_field::edit(value, cursor, &key).changed() {
                    self.changed(self.focus);
                }
            }
        }
        FormAction::None
    }

    /// The draft id typed in the draft field, if it is one.
    fn typed_draft_id(&self) -> Option<Uuid> {
        Uuid::parse_str(self.form.draft_id_text.trim()).ok()
    }

    /// The approved draft (from the picker's list) or the looked-up draft the field names.
    fn typed_draft(&self) -> Option<&DraftChoice> {
        let id = self.typed_draft_id()?;
        let listed = self
            .drafts
            .value
            .as_ref()
            .and_then(|drafts| drafts.iter().find(|d| d.id == id));
        listed.or(match &self.checked {
            Some((checked, DraftCheck::Found(draft))) if *checked == id => Some(draft),
            _ => None,
        })
    }

    /// The typed draft id to look up now: one not among the approved drafts and not asked
    /// about yet (marked as asked).
    pub fn draft_to_check(&mut self) -> Option<Uuid> {
        let id = self.typed_draft_id()?;
        // Still loading the approved drafts: it may be among them.
        if self.drafts.value.is_none() && self.drafts.error.is_none() {
            return None;
        }
        let listed = self
            .drafts
            .value
            .as_ref()
            .is_some_and(|drafts| drafts.iter().any(|d| d.id == id));
        if listed || self.checked.as_ref().is_some_and(|c| c.0 == id) {
            return None;
        }
        self.checked = Some((id, DraftCheck::Checking));
        Some(id)
    }

    /// The database answered the lookup of `id`.
    pub fn draft_checked(&mut self, id: Uuid, result: Result<Option<DraftChoice>, String>) {
        if let Some((checked, check)) = &mut self.checked
            && *checked == id
        {
            *check = match result {
                Ok(Some(draft)) => DraftCheck::Found(draft),
                Ok(None) => DraftCheck::Missing,
                Err(error) => DraftCheck::Failed(error),
            };
        }
    }

    /// What to say beside the draft field about the typed draft: not approved, not in this
    /// database, or not known yet.
    pub fn draft_remark(&self) -> Option<DraftRemark> {
        let id = self.typed_draft_id()?;
        let warning = |text: String| {
            Some(DraftRemark {
                text,
                warning: true,
            })
        };
        if let Some(draft) = self.typed_draft() {
            if draft.status != "approved" {
                return warning(format!("not approved (status {})", draft.status));
            }
            // An earlier publish on the channel is said beside the channel.
            return None;
        }
        match &self.checked {
            Some((checked, check)) if *checked == id => match check {
                DraftCheck::Checking => Some(DraftRemark {
                    text: "checking its status…".to_string(),
                    warning: false,
                }),
                DraftCheck::Missing => warning("no such draft in this database".to_string()),
                DraftCheck::Failed(error) => warning(format!("status unknown: {error}")),
                DraftCheck::Found(_) => None,
            },
            _ => None,
        }
    }

    /// The question to ask before sending a record of a draft that is not known to be approved
    /// (MPIS records it anyway); `None` for an approved one.
    pub fn unapproved_question(&self) -> Option<String> {
        let id = self.typed_draft_id()?;
        let why = match self.typed_draft() {
            Some(draft) if draft.status == "approved" => return None,
            Some(draft) => format!("is not approved (status {})", draft.status),
            None => match &self.checked {
                Some((checked, DraftCheck::Missing)) if *checked == id => {
                    "is not in this database".to_string()
                }
                Some((checked, DraftCheck::Failed(error))) if *checked == id => {
                    format!("has an unknown status ({error})")
                }
                _ => "has a status not known yet".to_string(),
            },
        };
        Some(format!("Draft {id} {why}: publish anyway?"))
    }

    /// The submission waits for the operator's answer to a question (nothing sent yet).
    pub fn hold(&mut self) {
        self.submitted_at = None;
    }

    /// The submission goes to the worker at `now` (after the question).
    pub fn sending(&mut self, now: Instant) {
        self.submitted_at = Some(now);
    }

    /// The publish record the form shows while it is still queued (followed until forwarded
    /// or failed).
    pub fn followed_record(&self) -> Option<Uuid> {
        match &self.outcome {
            Some(Ok(outcome)) if outcome.record.state == OutboxState::Queued => {
                Some(outcome.record.id)
            }
            _ => None,
        }
    }

    /// The record as it is now: returns whether its state changed (the form shows it).
    pub fn record_loaded(&mut self, record: PublishRecord, note: String) -> bool {
        let Some(Ok(outcome)) = &mut self.outcome else {
            return false;
        };
        if outcome.record.id != record.id || outcome.record == record {
            return false;
        }
        let changed = outcome.record.state != record.state
            || outcome.record.attempts != record.attempts
            || outcome.record.last_error != record.last_error;
        outcome.record = record;
        outcome.note = note;
        changed
    }

    /// Picks the next/previous approved draft: fills the draft id and its channel.
    fn pick(&mut self, delta: i64) {
        let visible = self.visible_drafts();
        let position = self
            .picked
            .and_then(|p| visible.iter().position(|v| *v == p));
        if let Some(next) = step(position, delta, visible.len()) {
            self.pick_index(visible[next]);
        }
    }

    /// Takes draft `index`: fills its id and its plan's channel (their errors go).
    fn pick_index(&mut self, index: usize) {
        let Some(draft) = self.drafts.value.as_ref().and_then(|d| d.get(index)) else {
            return;
        };
        let (id, channel) = (draft.id.to_string(), draft.channel.clone());
        self.picked = Some(index);
        self.set(0, &id);
        self.set(CHANNEL, &channel);
        self.errors
            .retain(|e| e.field != FIELDS[0].0 && e.field != FIELDS[CHANNEL].0);
    }

    /// The earlier publish of the typed draft on the typed channel, if any.
    pub fn earlier_publish(&self) -> Option<&EarlierPublish> {
        let channel = self.form.channel_text.trim();
        if channel.is_empty() {
            return None;
        }
        self.typed_draft()?.published_on_channel(channel)
    }

    /// What to say beside the channel field: a channel other than the draft's plan's (a
    /// warning), or the draft's earlier publish there.
    pub fn channel_remark(&self, times: TimeDisplay) -> Option<DraftRemark> {
        let draft = self.typed_draft()?;
        let typed = self.form.channel_text.trim();
        if typed.is_empty() {
            return None;
        }
        // An unknown channel gets its error on submit; no warning about it meanwhile.
        let channel = check_channel(typed, &self.channels).ok()?;
        if let Some(warning) = plan_channel_warning(&channel, &draft.channel) {
            return Some(DraftRemark {
                text: warning,
                warning: true,
            });
        }
        self.earlier_publish().map(|earlier| DraftRemark {
            text: format!(
                "already {} here {}{}",
                if earlier.queued {
                    "queued"
                } else {
                    "published"
                },
                times.format(earlier.published_at, crate::time_display::SHORT),
                earlier
                    .channel_item_id
                    .as_deref()
                    .map(|i| format!(" (item {i})"))
                    .unwrap_or_default()
            ),
            warning: true,
        })
    }

    /// The question before recording another publish of a draft already published on that
    /// channel: it names the earlier one.
    pub fn republish_question(&self, times: TimeDisplay) -> Option<String> {
        let earlier = self.earlier_publish()?;
        let title = self
            .typed_draft()
            .map(|d| format!("{:?}", d.plan_title))
            .unwrap_or_default();
        Some(format!(
            "Draft {title} was already {}. Record another publish?",
            describe_publish(earlier, times)
        ))
    }

    /// Steps the channel through MPIS's four (from what is typed, if it is one of them).
    fn cycle_channel(&mut self, delta: i64) {
        let known = Channel::KNOWN;
        let current = Channel::parse(&self.form.channel_text);
        let position = known.iter().position(|c| *c == current);
        if let Some(next) = step(position, delta, known.len()) {
            self.set(CHANNEL, known[next].as_str());
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
        let (run_id, project_id) = (run.run_id, run.project_id);
        self.picked_run = Some(next);
        self.picked_project = targets.projects.iter().position(|p| p.id == project_id);
        self.set(RUN, &run_id.to_string());
        self.set(PROJECT, &project_id.to_string());
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
        let project_id = targets.projects[next].id.to_string();
        self.set(PROJECT, &project_id);
    }

    fn submit(&mut self, now: Now) -> FormAction<ValidPublish> {
        let Some(valid) = super::settle(
            self.form.validate_with(now.wall, &self.channels),
            &FIELDS,
            &mut self.focus,
            &mut self.errors,
        ) else {
            return FormAction::None;
        };
        self.outcome = None;
        self.submitted_at = Some(now.instant);
        FormAction::Submit(valid)
    }

    /// The approved drafts arrived (again): the picked draft stays picked by its id.
    pub fn drafts_loaded(
        &mut self,
        result: Result<Vec<DraftChoice>, String>,
        wall: chrono::DateTime<chrono::Utc>,
        now: Instant,
    ) {
        let picked_id = self
            .picked
            .and_then(|p| self.drafts.value.as_ref()?.get(p).map(|d| d.id));
        match result {
            Ok(drafts) => {
                self.picked = picked_id.and_then(|id| drafts.iter().position(|d| d.id == id));
                self.drafts.succeed(drafts, wall, now);
            }
            Err(error) => self.drafts.fail(error),
        }
    }

    /// The worker's answer arrived.
    pub fn finished(&mut self, outcome: Result<PublishOutcome, String>) {
        self.submitted_at = None;
        if outcome.is_ok() {
            // Ready for the next record of the same draft: keep draft and channel.
            self.set(2, "");
            self.set(3, "");
        }
        self.outcome = Some(outcome);
    }
}

/// "published on telegram 2026-12-01 14:02 UTC (item msg-42)", or "queued for …" while the
/// outbox still holds it.
pub fn describe_publish(earlier: &EarlierPublish, times: TimeDisplay) -> String {
    let item = earlier
        .channel_item_id
        .as_deref()
        .map(|i| format!(" (item {i})"))
        .unwrap_or_default();
    format!(
        "{} {} {}{item}",
        if earlier.queued {
            "queued for"
        } else {
            "published on"
        },
        earlier.channel,
        times.format(earlier.published_at, crate::time_display::MINUTE)
    )
}
