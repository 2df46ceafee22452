//! The terminal dashboard: an Elm-style loop (event -> `App::update` -> `view`), with every
//! database query on a background worker that talks to the loop through channels.

pub mod alert_sequence;
pub mod app;
pub mod appearance;
pub mod ascii_fold;
pub mod ask_history;
pub mod breadcrumbs;
pub mod clock;
pub mod color_depth;
pub mod data;
pub mod environment_badge;
pub mod flag_hint;
pub mod genesis_jobs;
pub mod glyphs;
pub mod key_hints;
pub mod keymap;
pub mod popups;
pub mod screen_dump;
pub mod screens;
pub mod sorting;
pub mod status_line;
pub mod terminal;
pub mod text_field;
pub mod text_lines;
pub mod theme;
pub mod theme_file;
pub mod view;
pub mod widgets;
pub mod worker;

/// The `user_id` of an operator's own layouts: a stable UUID from the operator name (there is no
/// users table; the same name gets the same layouts on every machine).
pub fn user_id(operator: &str) -> uuid::Uuid {
    const OPERATORS: uuid::Uuid = uuid::Uuid::from_u128(0x6d70_6973_2d64_6173_682d_6f70_6572_6174);
    uuid::Uuid::new_v5(&OPERATORS, operator.trim().as_bytes())
}
pub mod forms;
