//! Forms: their state and key handling (pure), kept out of `app.rs`. The screens that draw them
//! live in `screens/`.

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
pub mod project;
pub mod run;
