//! Forms: their state and key handling (pure), kept out of `app.rs`. The screens that draw them
//! live in `screens/`.

use crossterm::event::{KeyCode, KeyEvent};

use crate::domain::form::FieldError;

pub mod genesis;
pub mod genesis_job;
pub mod publish;

/// What a key did to a form; `T` is the checked value the form submits.
#[derive(Debug, Clone, PartialEq)]
pub enum FormAction<T> {
    None,
    /// Valid: send this to the worker.
    Submit(T),
    /// Stop waiting for the call in flight (the form stays open).
    Cancel,
    /// Leave the form.
    Close,
}
pub mod choice;
pub mod job;
pub mod project;
pub mod run;

/// The keys a form asking "Discard what you typed?" takes: `y` leaves, `n` or Esc keeps
/// editing (clears `leaving`), anything else waits for an answer. `None` when not asking.
pub fn discard_question<T>(leaving: &mut bool, key: &KeyEvent) -> Option<FormAction<T>> {
    if !*leaving {
        return None;
    }
    Some(match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => FormAction::Close,
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
            *leaving = false;
            FormAction::None
        }
        _ => FormAction::None,
    })
}

/// The keys a form waiting for its write takes: only leaving (Esc) is possible, the status
/// line says how the write ended either way. `None` when not waiting.
pub fn while_writing<T>(submitting: bool, key: &KeyEvent) -> Option<FormAction<T>> {
    submitting.then(|| {
        if key.code == KeyCode::Esc {
            FormAction::Close
        } else {
            FormAction::None
        }
    })
}

/// The first of a form's `fields` (name, label) that one of `errors` names: where a refused
/// submission puts the focus.
pub fn first_with_error(fields: &[(&str, &str)], errors: &[FieldError]) -> Option<usize> {
    fields
        .iter()
        .position(|(name, _)| errors.iter().any(|e| e.field == *name))
}

/// Where the store's refusal of a submission goes: the field it names (its index and the
/// error to show there), else `Err` with the message (a failure naming no field).
pub fn refusal_at(
    fields: &[(&'static str, &str)],
    field: Option<&str>,
    message: String,
) -> Result<(usize, FieldError), String> {
    match field.and_then(|f| fields.iter().position(|(name, _)| *name == f)) {
        Some(index) => Ok((index, FieldError::new(fields[index].0, message))),
        None => Err(message),
    }
}
