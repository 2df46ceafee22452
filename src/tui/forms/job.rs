//! The `:jobs` create / edit form: name, channel (Tab completes a known or configured one),
//! persona (optional, picked from the personas, filtered as typed), cron (checked as typed;
//! the screen shows it in words and the next three runs), look-back hours, base URL,
//! credential reference (never a secret), enabled (Space). Checked by `domain::job_form` (the
//! API's rules) before anything is sent; Ctrl-S saves; Esc asks before typed input is lost.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use uuid::Uuid;

use super::FormAction;
use super::choice::{Picker, channel_options};
use crate::domain::form::FieldError;
use crate::domain::job_form::{self, BASE_URL_KEY, JobInput, LOOKBACK_KEY, ValidJob};
use crate::store::jobs::IngestionJob;
use crate::store::personas::PersonaSummary;
use crate::tui::text_field::{self, Cursor};

/// The fields in display (and Tab) order: (field name as validation names it, label).
pub const FIELDS: [(&str, &str); 8] = [
    ("job_name", "name"),
    ("channel", "channel"),
    ("persona_id", "persona"),
    ("schedule_cron", "cron"),
    ("lookback_hours", "lookback h"),
    ("base_url", "base URL"),
    ("credential", "credential"),
    ("enabled", "enabled"),
];
pub const NAME: usize = 0;
pub const CHANNEL: usize = 1;
pub const PERSONA: usize = 2;
pub const CRON: usize = 3;
pub const LOOKBACK: usize = 4;
pub const BASE_URL: usize = 5;
pub const CREDENTIAL: usize = 6;
pub const ENABLED: usize = 7;

/// One single-line text and its cursor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Text {
    pub value: String,
    pub cursor: Cursor,
}

impl Text {
    fn of(value: impl Into<String>) -> Text {
        Text {
            value: value.into(),
            cursor: Cursor::END,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobFormState {
    /// The job edited; `None` for a new one.
    pub editing: Option<Uuid>,
    pub name: Text,
    pub channel: Text,
    pub persona: Picker,
    pub cron: Text,
    pub lookback: Text,
    pub base_url: Text,
    pub credential: Text,
    pub enabled: bool,
    /// The personas to pick from (the jobs list's).
    pub personas: Vec<PersonaSummary>,
    /// Channel names accepted besides the known four (config `channels`).
    pub configured: Vec<String>,
    /// The job's config as stored (its other keys are kept).
    pub config: Value,
    /// The values the form opened with: Esc asks only when they changed.
    pub opened_with: Vec<String>,
    pub focus: usize,
    pub errors: Vec<FieldError>,
    /// A failure that names no field (the database unreachable).
    pub failure: Option<String>,
    pub submitted_at: Option<Instant>,
    /// Esc with changed input: asking whether to discard it.
    pub leaving: bool,
}

impl JobFormState {
    /// A new job: enabled, hourly.
    pub fn new(personas: Vec<PersonaSummary>, configured: Vec<String>) -> JobFormState {
        let mut state = JobFormState {
            cron: Text::of("0 * * * *"),
            enabled: true,
            personas,
            configured,
            config: json!({}),
            ..JobFormState::default()
        };
        state.opened_with = state.values();
        state
    }

    /// A stored job to edit: its fields as the form shows them.
    pub fn edit(
        job: &IngestionJob,
        personas: Vec<PersonaSummary>,
        configured: Vec<String>,
    ) -> JobFormState {
        let config = &job.config.0;
        let text = |key: &str| match config.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let mut persona = Picker::default();
        let names: Vec<String> = personas.iter().map(|p| p.name.clone()).collect();
        match job
            .persona_id
            .map(|id| personas.iter().position(|p| p.id == id).ok_or(id))
        {
            Some(Ok(index)) => persona.take(index, &names),
            // A persona not listed: its id, which the form takes as typed.
            Some(Err(id)) => {
                text_field::set(&mut persona.text, &mut persona.cursor, &id.to_string())
            }
            None => {}
        }
        let mut state = JobFormState {
            editing: Some(job.id),
            name: Text::of(job.job_name.clone()),
            channel: Text::of(job.channel.clone()),
            persona,
            cron: Text::of(job.schedule_cron.clone()),
            lookback: Text::of(text(LOOKBACK_KEY)),
            base_url: Text::of(text(BASE_URL_KEY)),
            credential: Text::of(job_form::credential_text(config)),
            enabled: job.enabled,
            personas,
            configured,
            config: config.clone(),
            ..JobFormState::default()
        };
        state.opened_with = state.values();
        state
    }

    fn values(&self) -> Vec<String> {
        (0..FIELDS.len())
            .map(|i| self.value(i).to_string())
            .collect()
    }

    pub fn submitting(&self) -> bool {
        self.submitted_at.is_some()
    }

    /// Keys go into a text field (the event loop keeps the Alt+keys fields use).
    pub fn editing_text(&self) -> bool {
        !self.submitting() && !self.leaving && self.focus != ENABLED
    }

    /// Something was changed (Esc asks before it is lost).
    pub fn has_input(&self) -> bool {
        self.values() != self.opened_with
    }

    /// What the persona picker filters on: name, slug, language and id.
    pub fn haystacks(&self) -> Vec<String> {
        super::choice::persona_haystacks(&self.personas)
    }

    pub fn persona_names(&self) -> Vec<String> {
        self.personas.iter().map(|p| p.name.clone()).collect()
    }

    pub fn picked_persona(&self) -> Option<&PersonaSummary> {
        self.personas.get(self.persona.picked?)
    }

    pub fn options(&self) -> Vec<String> {
        channel_options(&self.configured)
    }

    /// The offered channels the typed one could become.
    pub fn channel_completions(&self) -> Vec<String> {
        let typed = self.channel.value.trim().to_lowercase();
        if typed.is_empty() {
            return Vec::new();
        }
        self.options()
            .into_iter()
            .filter(|o| o.starts_with(&typed) && *o != typed)
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

    /// Problems with stored keys the form does not show (`config.api_key ...`).
    pub fn config_errors(&self) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.field == "config")
            .map(|e| e.message.as_str())
            .collect()
    }

    fn text(&self, field: usize) -> Option<&Text> {
        Some(match field {
            NAME => &self.name,
            CHANNEL => &self.channel,
            CRON => &self.cron,
            LOOKBACK => &self.lookback,
            BASE_URL => &self.base_url,
            CREDENTIAL => &self.credential,
            _ => return None,
        })
    }

    fn text_mut(&mut self, field: usize) -> Option<&mut Text> {
        Some(match field {
            NAME => &mut self.name,
            CHANNEL => &mut self.channel,
            CRON => &mut self.cron,
            LOOKBACK => &mut self.lookback,
            BASE_URL => &mut self.base_url,
            CREDENTIAL => &mut self.credential,
            _ => return None,
        })
    }

    /// The cursor of `field` when it has focus.
    pub fn cursor(&self, field: usize) -> Option<Cursor> {
        if field != self.focus || !self.editing_text() {
            return None;
        }
        match field {
            PERSONA => Some(self.persona.cursor),
            _ => self.text(field).map(|t| t.cursor),
        }
    }

    pub fn value(&self, field: usize) -> &str {
        match field {
            PERSONA => &self.persona.text,
            ENABLED if self.enabled => "yes",
            ENABLED => "no",
            _ => self.text(field).map_or("", |t| t.value.as_str()),
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
        let focus = self.focus;
        if focus == PERSONA {
            let haystacks = self.haystacks();
            self.persona.paste(text, &haystacks);
        } else if let Some(field) = self.text_mut(focus) {
            text_field::insert(
                &mut field.value,
                &mut field.cursor,
                &text_field::one_line(text),
            );
        }
        self.changed(focus);
        true
    }

    pub fn key(&mut self, key: KeyEvent) -> FormAction<ValidJob> {
        if let Some(action) = super::discard_question(&mut self.leaving, &key)
            .or_else(|| super::while_writing(self.submitting(), &key))
        {
            return action;
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let count = FIELDS.len();
        let next = (self.focus + 1) % count;
        match key.code {
            KeyCode::Esc if self.has_input() => self.leaving = true,
            KeyCode::Esc => return FormAction::Close,
            KeyCode::Char('s') if control => return self.submit(),
            KeyCode::BackTab => self.focus = (self.focus + count - 1) % count,
            KeyCode::Tab if self.focus == CHANNEL => match self.channel_completions().first() {
                Some(first) => {
                    let first = first.clone();
                    text_field::set(&mut self.channel.value, &mut self.channel.cursor, &first);
                    self.changed(CHANNEL);
                }
                None => self.focus = next,
            },
            KeyCode::Enter if self.focus == PERSONA => {
                let (haystacks, names) = (self.haystacks(), self.persona_names());
                if self.persona.take_shown(&haystacks, &names).is_some() {
                    self.changed(PERSONA);
                }
                self.focus = next;
            }
            KeyCode::Up | KeyCode::Down if self.focus == PERSONA => {
                let (haystacks, names) = (self.haystacks(), self.persona_names());
                let delta = if key.code == KeyCode::Down { 1 } else { -1 };
                self.persona.step(delta, &haystacks, &names);
                self.changed(PERSONA);
            }
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right if self.focus == ENABLED => {
                self.enabled = !self.enabled;
                self.changed(ENABLED);
            }
            KeyCode::Tab | KeyCode::Enter | KeyCode::Down => self.focus = next,
            KeyCode::Up => self.focus = (self.focus + count - 1) % count,
            _ => {
                let focus = self.focus;
                let changed = if focus == PERSONA {
                    let haystacks = self.haystacks();
                    self.persona.edit(&key, &haystacks)
                } else {
                    self.text_mut(focus).is_some_and(|field| {
                        text_field::edit(&mut field.value, &mut field.cursor, &key).changed()
                    })
                };
                if changed {
                    self.changed(focus);
                }
            }
        }
        FormAction::None
    }

    /// The picked persona, one whose id was typed, none for a blank field (all personas),
    /// else why there is none.
    fn persona_choice(&self) -> Result<Option<Uuid>, String> {
        if let Some(persona) = self.picked_persona() {
            return Ok(Some(persona.id));
        }
        let typed = self.persona.text.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        if let Ok(id) = Uuid::parse_str(typed) {
            return Ok(Some(id));
        }
        Err(format!(
            "no persona matches {typed:?}: type less, Up/Down to pick, or clear it for all"
        ))
    }

    fn submit(&mut self) -> FormAction<ValidJob> {
        self.failure = None;
        let persona = self.persona_choice();
        let input = JobInput {
            name: &self.name.value,
            channel: &self.channel.value,
            persona: persona.as_ref().map(|p| *p).map_err(String::as_str),
            cron: &self.cron.value,
            lookback_hours: &self.lookback.value,
            base_url: &self.base_url.value,
            credential: &self.credential.value,
            enabled: self.enabled,
            configured: &self.configured,
            config: &self.config,
        };
        super::settle(
            job_form::validate(&input),
            &FIELDS,
            &mut self.focus,
            &mut self.errors,
        )
        .map_or(FormAction::None, FormAction::Submit)
    }

    /// The store refused the job: at its field when it names one.
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
