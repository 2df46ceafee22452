//! Pure domain rules of mpis-dash: synchronous, no I/O, nothing about SQL, HTTP or terminals.
//!
//! Everything here is a function of its inputs so it can be unit-tested with the worked examples
//! of `MPIS_REFERENCE.md` and reused unchanged by the TUI, the HTTP API and the scheduler.

pub mod alerts;
pub mod analyst;
pub mod auth;
pub mod channel;
pub mod credential_ref;
pub mod environment;
pub mod folder_access;
pub mod form;
pub mod genesis;
pub mod job_form;
pub mod layout;
pub mod metrics;
pub mod nearest;
pub mod project_form;
pub mod publish;
pub mod publisher_contract;
pub mod pyround;
pub mod red_flags;
pub mod redact;
pub mod run_status;
pub mod schedule;
pub mod sort;
pub mod time_zone;
pub mod widget_catalog;
