//! The genesis start form: every field of MPIS's `GenesisStartRequest`, checked by
//! `domain::genesis` before anything is sent; Ctrl-S submits, Esc while the call is in flight
//! stops waiting for it.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::FormAction;
use crate::domain::form::FieldError;
use crate::domain::genesis::{GenesisForm, LANGUAGES, ValidGenesis};
use crate::mpis::types::GenesisStartResponse;

/// The form's fields in display (and Tab) order: (field name as validation names it, label).
pub const FIELDS: [(&str, &str); 8] = [
    ("persona_name", "persona name"),
    ("language", "language"),
    ("inspiration_source", "inspiration source"),
    ("public_persona", "public persona"),
    ("public_name", "public name"),
    ("gdrive_folder_id", "Drive folder id"),
    ("sources", "sources (one a line)"),
    ("notes", "notes"),
];

pub const LANGUAGE: usize = 1;
pub const PUBLIC_PERSONA: usize = 3;
pub const SOURCES: usize = 6;
pub const NOTES: usize = 7;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GenesisFormState {
    pub form: GenesisForm,
    pub focus: usize,
    pub errors: Vec<FieldError>,
    /// When the start call was sent (a spinner and the elapsed time show meanwhile).
    pub submitted_at: Option<Instant>,
    /// MPIS's answer to the last start call, or why there is none.
    pub outcome: Option<Result<GenesisStartResponse, String>>,
}

impl GenesisFormState {
    /// The text of a field (the language code, `on`/`off` for the toggle).
    pub fn value(&self, field: usize) -> &str {
        let f = &self.form;
        match field {
            0 => &f.persona_name,
            LANGUAGE => &f.language,
            2 => &f.inspiration_source,
            PUBLIC_PERSONA if f.public_persona => "on",
            PUBLIC_PERSONA => "off",
            4 => &f.public_name,
            5 => &f.gdrive_folder_id,
            SOURCES => &f.sources_text,
            _ => &f.notes,
        }
    }

    /// The typed text of a text field; `None` for the choice and the toggle.
    fn text_mut(&mut self, field: usize) -> Option<&mut String> {
        let f = &mut self.form;
        match field {
            0 => Some(&mut f.persona_name),
            2 => Some(&mut f.inspiration_source),
            4 => Some(&mut f.public_name),
            5 => Some(&mut f.gdrive_folder_id),
            SOURCES => Some(&mut f.sources_text),
            NOTES => Some(&mut f.notes),
            _ => None,
        }
    }

    /// The validation messages of a field (sources can have one per bad line).
    pub fn errors_of(&self, field: usize) -> Vec<&str> {
        let name = FIELDS[field].0;
        self.errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| e.message.as_str())
            .collect()
    }

    pub fn submitting(&self) -> bool {
        self.submitted_at.is_some()
    }

    /// Handles a key; typed text goes into the focused field.
    pub fn key(&mut self, key: KeyEvent) -> FormAction<ValidGenesis> {
        if self.submitting() {
            // Waiting for MPIS: Esc stops waiting, everything else waits too.
            if key.code == KeyCode::Esc {
                self.submitted_at = None;
                self.outcome = Some(Err("cancelled waiting".to_string()));
                return FormAction::Cancel;
            }
            return FormAction::None;
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let multi_line = matches!(self.focus, SOURCES | NOTES);
        match key.code {
            KeyCode::Esc => return FormAction::Close,
            KeyCode::Char('s') if control => return self.submit(),
            KeyCode::Enter if multi_line => self.type_char('\n'),
            KeyCode::Tab | KeyCode::Enter => self.move_focus(1),
            KeyCode::BackTab => self.move_focus(-1),
            KeyCode::Left | KeyCode::Up if self.focus == LANGUAGE => self.cycle_language(-1),
            KeyCode::Right | KeyCode::Down if self.focus == LANGUAGE => self.cycle_language(1),
            KeyCode::Down => self.move_focus(1),
            KeyCode::Up => self.move_focus(-1),
            KeyCode::Char(' ') if self.focus == PUBLIC_PERSONA => {
                self.form.public_persona = !self.form.public_persona;
            }
            KeyCode::Backspace => {
                if let Some(text) = self.text_mut(self.focus) {
                    text.pop();
                }
            }
            KeyCode::Char(c) if !control => self.type_char(c),
            _ => {}
        }
        FormAction::None
    }

    fn type_char(&mut self, c: char) {
        if let Some(text) = self.text_mut(self.focus) {
            text.push(c);
        }
    }

    fn move_focus(&mut self, delta: isize) {
        let count = FIELDS.len() as isize;
        self.focus = (self.focus as isize + delta).rem_euclid(count) as usize;
    }

    fn cycle_language(&mut self, delta: isize) {
        let count = LANGUAGES.len() as isize;
        let current = LANGUAGES
            .iter()
            .position(|l| l.code == self.form.language)
            .unwrap_or(0) as isize;
        let next = (current + delta).rem_euclid(count) as usize;
        self.form.language = LANGUAGES[next].code.to_string();
    }

    fn submit(&mut self) -> FormAction<ValidGenesis> {
        match self.form.validate() {
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

    /// The start waits for the operator's answer to a question (nothing sent yet).
    pub fn hold(&mut self) {
        self.submitted_at = None;
    }

    /// The start goes to MPIS now (after the question).
    pub fn sending(&mut self) {
        self.outcome = None;
        self.submitted_at = Some(Instant::now());
    }

    /// The worker's answer arrived. A late "cancelled" after Esc changes nothing.
    pub fn finished(&mut self, outcome: Result<GenesisStartResponse, String>) {
        if !self.submitting() && outcome.is_err() {
            return;
        }
        self.submitted_at = None;
        self.outcome = Some(outcome);
    }
}
