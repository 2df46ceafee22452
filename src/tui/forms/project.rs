//! The `:project` form: a new project's name, its persona (picked from the personas, filtered
//! as typed) and its channels (typed with Tab completion, or toggled). Checked by
//! `domain::project_form` (the API's rules) before anything is sent; Ctrl-S submits; Esc asks
//! before what was typed is lost.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use super::FormAction;
use super::choice::{ChannelField, ChannelKey, Picker, channel_options};
use crate::domain::form::FieldError;
use crate::domain::project_form::{self, ValidProject};
use crate::store::personas::PersonaSummary;
use crate::tui::data::Loadable;
use crate::tui::text_field::{self, Cursor};

/// The fields in display (and Tab) order: (field name as validation names it, label).
pub const FIELDS: [(&str, &str); 3] = [
    ("name", "name"),
    ("persona_id", "persona"),
    ("channels", "channels"),
];
pub const NAME: usize = 0;
pub const PERSONA: usize = 1;
pub const CHANNELS: usize = 2;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectFormState {
    pub name: String,
    pub name_cursor: Cursor,
    pub persona: Picker,
    pub channels: ChannelField,
    pub personas: Loadable<Vec<PersonaSummary>>,
    /// Channel names accepted besides the known four (config `channels`).
    pub configured: Vec<String>,
    pub focus: usize,
    pub errors: Vec<FieldError>,
    /// A failure that names no field (the database unreachable).
    pub failure: Option<String>,
    pub submitted_at: Option<Instant>,
    /// Esc with typed input: asking whether to discard it.
    pub leaving: bool,
}

impl ProjectFormState {
    pub fn new(configured: Vec<String>) -> ProjectFormState {
        ProjectFormState {
            configured,
            ..ProjectFormState::default()
        }
    }

    pub fn submitting(&self) -> bool {
        self.submitted_at.is_some()
    }

    /// Keys go into a text field (the event loop keeps the Alt+keys fields use).
    pub fn editing_text(&self) -> bool {
        !self.submitting() && !self.leaving
    }

    /// Something was typed (Esc asks before it is lost).
    pub fn has_input(&self) -> bool {
        !self.name.trim().is_empty()
            || !self.persona.text.trim().is_empty()
            || !self.channels.text.trim().is_empty()
    }

    /// What the persona picker filters on: name, slug, language and id.
    pub fn haystacks(&self) -> Vec<String> {
        self.personas
            .value
            .as_ref()
            .map(|list| super::choice::persona_haystacks(list))
            .unwrap_or_default()
    }

    pub fn persona_names(&self) -> Vec<String> {
        self.personas
            .value
            .as_ref()
            .map(|list| list.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The persona taken, if any.
    pub fn picked_persona(&self) -> Option<&PersonaSummary> {
        self.personas.value.as_ref()?.get(self.persona.picked?)
    }

    pub fn options(&self) -> Vec<String> {
        channel_options(&self.configured)
    }

    /// The validation message of a field, if any.
    pub fn error(&self, field: usize) -> Option<&str> {
        let name = FIELDS[field].0;
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.as_str())
    }

    /// The cursor of `field` when it has focus.
    pub fn cursor(&self, field: usize) -> Option<Cursor> {
        if field != self.focus || !self.editing_text() {
            return None;
        }
        Some(match field {
            NAME => self.name_cursor,
            PERSONA => self.persona.cursor,
            _ => self.channels.cursor,
        })
    }

    pub fn value(&self, field: usize) -> &str {
        match field {
            NAME => &self.name,
            PERSONA => &self.persona.text,
            _ => &self.channels.text,
        }
    }

    fn changed(&mut self, field: usize) {
        self.failure = None;
        self.errors.retain(|e| e.field != FIELDS[field].0);
    }

    pub fn paste(&mut self, text: &str) -> bool {
        if !self.editing_text() {
            return false;
        }
        match self.focus {
            NAME => {
                text_field::insert(
                    &mut self.name,
                    &mut self.name_cursor,
                    &text_field::one_line(text),
                );
            }
            PERSONA => {
                let haystacks = self.haystacks();
                self.persona.paste(text, &haystacks);
            }
            _ => self.channels.paste(text),
        }
        self.changed(self.focus);
        true
    }

    pub fn key(&mut self, key: KeyEvent) -> FormAction<ValidProject> {
        if let Some(action) = super::discard_question(&mut self.leaving, &key)
            .or_else(|| super::while_writing(self.submitting(), &key))
        {
            return action;
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let count = FIELDS.len();
        match key.code {
            KeyCode::Esc if self.has_input() => self.leaving = true,
            KeyCode::Esc => return FormAction::Close,
            KeyCode::Char('s') if control => return self.submit(),
            KeyCode::BackTab => self.focus = (self.focus + count - 1) % count,
            KeyCode::Enter if self.focus == PERSONA => {
                let (haystacks, names) = (self.haystacks(), self.persona_names());
                if self.persona.take_shown(&haystacks, &names).is_some() {
                    self.changed(PERSONA);
                }
                self.focus = CHANNELS;
            }
            KeyCode::Up | KeyCode::Down if self.focus == PERSONA => {
                let (haystacks, names) = (self.haystacks(), self.persona_names());
                let delta = if key.code == KeyCode::Down { 1 } else { -1 };
                self.persona.step(delta, &haystacks, &names);
                self.changed(PERSONA);
            }
            _ if self.focus == CHANNELS && key.code != KeyCode::Enter => {
                let options = self.options();
                match self.channels.key(&key, &options) {
                    ChannelKey::Taken(changed) => {
                        if changed {
                            self.changed(CHANNELS);
                        }
                    }
                    ChannelKey::NotMine if key.code == KeyCode::Tab => self.focus = 0,
                    ChannelKey::NotMine => {}
                }
            }
            KeyCode::Tab | KeyCode::Enter | KeyCode::Down => self.focus = (self.focus + 1) % count,
            KeyCode::Up => self.focus = (self.focus + count - 1) % count,
            _ => {
                let changed = match self.focus {
                    NAME => text_field::edit(&mut self.name, &mut self.name_cursor, &key).changed(),
                    _ => {
                        let haystacks = self.haystacks();
                        self.persona.edit(&key, &haystacks)
                    }
                };
                if changed {
                    self.changed(self.focus);
                }
            }
        }
        FormAction::None
    }

    /// The picked persona, else one whose id was typed, else why there is none.
    fn persona_choice(&self) -> Result<Uuid, String> {
        if let Some(persona) = self.picked_persona() {
            return Ok(persona.id);
        }
        if let Ok(id) = Uuid::parse_str(self.persona.text.trim()) {
            return Ok(id);
        }
        match (&self.personas.value, &self.personas.error) {
            (Some(list), _) if list.is_empty() => {
                Err("no personas in this database: create one with :genesis first".into())
            }
            (None, Some(error)) => Err(format!("personas not loaded ({error}): type its id")),
            _ if self.persona.text.trim().is_empty() => {
                Err("is required: type to filter, Up/Down, Enter takes".into())
            }
            _ => Err(format!(
                "no persona matches {:?}: type less, Up/Down to pick",
                self.persona.text.trim()
            )),
        }
    }

    fn submit(&mut self) -> FormAction<ValidProject> {
        self.failure = None;
        super::settle(
            project_form::validate(
                &self.name,
                self.persona_choice(),
                &self.channels.text,
                &self.configured,
            ),
            &FIELDS,
            &mut self.focus,
            &mut self.errors,
        )
        .map_or(FormAction::None, FormAction::Submit)
    }

    /// The store refused the project: at its field when it names one.
    pub fn refused(&mut self, field: Option<String>, message: String) {
        self.submitted_at = None;
        super::place_refusal(
            &FIELDS,
            field.as_deref(),
            message,
            &mut self.focus,
            &mut self.errors,
            &mut self.failure,
        );
    }
}
