//! The genesis start form: every field of MPIS's `GenesisStartRequest`, checked by
//! `domain::genesis` before anything is sent; Ctrl-S submits, Esc while the call is in flight
//! stops waiting for it.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::FormAction;
use crate::domain::form::FieldError;
use crate::domain::genesis::{GenesisForm, LANGUAGES, ValidGenesis};
use crate::mpis::types::GenesisStartResponse;
use crate::tui::clock::Now;
use crate::tui::text_field::{self, Cursor, Edit};
use crate::tui::text_lines;

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
    /// Each text field's cursor (the values live in `form`).
    pub cursors: [Cursor; FIELDS.len()],
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

    /// The typed text of a text field and its cursor; `None` for the choice and the toggle.
    fn text_mut(&mut self, field: usize) -> Option<(&mut String, &mut Cursor)> {
        let f = &mut self.form;
        let text = match field {
            0 => &mut f.persona_name,
            2 => &mut f.inspiration_source,
            4 => &mut f.public_name,
            5 => &mut f.gdrive_folder_id,
            SOURCES => &mut f.sources_text,
            NOTES => &mut f.notes,
            _ => return None,
        };
        Some((text, &mut self.cursors[field]))
    }

    /// Whether the focused field takes typed text (not the language, not the toggle).
    pub fn editing_text(&self) -> bool {
        !self.submitting() && !matches!(self.focus, LANGUAGE | PUBLIC_PERSONA)
    }

    /// The cursor of the focused field when it takes text (for drawing it).
    pub fn cursor(&self, field: usize) -> Option<Cursor> {
        (field == self.focus && self.editing_text()).then_some(self.cursors[field])
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

    /// Handles a key pressed at `now`; typed text goes into the focused field.
    pub fn key(&mut self, key: KeyEvent, now: Now) -> FormAction<ValidGenesis> {
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
            KeyCode::Char('s') if control => return self.submit(now.instant),
            KeyCode::Tab => self.move_focus(1),
            KeyCode::BackTab => self.move_focus(-1),
            KeyCode::Left | KeyCode::Up if self.focus == LANGUAGE => self.cycle_language(-1),
            KeyCode::Right | KeyCode::Down if self.focus == LANGUAGE => self.cycle_language(1),
            KeyCode::Char(' ') if self.focus == PUBLIC_PERSONA => {
                self.form.public_persona = !self.form.public_persona;
            }
            _ => {
                let focus = self.focus;
                let edit = match self.text_mut(focus) {
                    Some((text, cursor)) if multi_line => text_lines::edit(text, cursor, &key),
                    Some((text, cursor)) => text_field::edit(text, cursor, &key),
                    None => Edit::NotMine,
                };
                // Keys a field leaves alone: Enter and Down go to the next field, Up back (a
                // multi-line field keeps them until its last / first line).
                if !edit.is_mine() {
                    match key.code {
                        KeyCode::Enter | KeyCode::Down => self.move_focus(1),
                        KeyCode::Up => self.move_focus(-1),
                        _ => {}
                    }
                }
            }
        }
        FormAction::None
    }

    /// Pasted text goes into the focused field (a multi-line one keeps its lines, a single-line
    /// one gets them as spaces); returns whether a text field took it.
    pub fn paste(&mut self, text: &str) -> bool {
        if !self.editing_text() {
            return false;
        }
        let multi_line = matches!(self.focus, SOURCES | NOTES);
        let Some((value, cursor)) = self.text_mut(self.focus) else {
            return false;
        };
        if multi_line {
            text_lines::paste(value, cursor, text);
        } else {
            text_field::insert(value, cursor, &text_field::one_line(text));
        }
        true
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

    fn submit(&mut self, now: Instant) -> FormAction<ValidGenesis> {
        let Some(valid) = super::settle(
            self.form.validate(),
            &FIELDS,
            &mut self.focus,
            &mut self.errors,
        ) else {
            return FormAction::None;
        };
        self.outcome = None;
        self.submitted_at = Some(now);
        FormAction::Submit(valid)
    }

    /// The start waits for the operator's answer to a question (nothing sent yet).
    pub fn hold(&mut self) {
        self.submitted_at = None;
    }

    /// The start goes to MPIS at `now` (after the question).
    pub fn sending(&mut self, now: Instant) {
        self.outcome = None;
        self.submitted_at = Some(now);
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
