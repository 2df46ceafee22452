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

/// A submission checked: the valid value (the form's errors cleared), or `None` with its
/// problems kept for their fields (`fields`: name, label) and the focus on the first of them.
pub fn settle<T>(
    checked: Result<T, Vec<FieldError>>,
    fields: &[(&str, &str)],
    focus: &mut usize,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match checked {
        Ok(valid) => {
            errors.clear();
            Some(valid)
        }
        Err(found) => {
            if let Some(first) = fields
                .iter()
                .position(|(name, _)| found.iter().any(|e| e.field == *name))
            {
                *focus = first;
            }
            *errors = found;
            None
        }
    }
}

/// The store's refusal of a submission shown where it belongs: at the field it names (the
/// focus moved there), else as the form's failure naming no field.
pub fn place_refusal(
    fields: &[(&'static str, &str)],
    field: Option<&str>,
    message: String,
    focus: &mut usize,
    errors: &mut Vec<FieldError>,
    failure: &mut Option<String>,
) {
    match field.and_then(|f| fields.iter().position(|(name, _)| *name == f)) {
        Some(index) => {
            *focus = index;
            *errors = vec![FieldError::new(fields[index].0, message)];
        }
        None => *failure = Some(message),
    }
}
