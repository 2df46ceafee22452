//! Full-screen views reached from the dashboard (Enter) and left with Esc.

pub mod ask;
pub mod flag_drill;
pub mod form_parts;
pub mod genesis_form;
pub mod genesis_job;
pub mod item;
pub mod job_form;
pub mod job_history;
pub mod jobs;
pub mod layout_editor;
pub mod persona_card;
pub mod project_form;
pub mod publish_form;
pub mod red_flags;
pub mod run_detail;
pub mod run_form;
