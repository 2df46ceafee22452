//! mpis-dash: the operations console of MPIS (Multi-Persona Intelligence System).
//!
//! Layers, bottom up: `domain` (pure rules), `store` (PostgreSQL), `pg_local` (the embedded
//! default database), `demo_data` (seeding), `status` (the text overview, through `sanitize`),
//! and the command-line glue in `cli`/`config`/`database`.

pub mod analyst;
pub mod analyst_llm;
pub mod api;
pub mod cli;
pub mod cli_docs;
pub mod config;
pub mod config_cli;
pub mod database;
pub mod demo_data;
pub mod domain;
pub mod hangup;
pub mod ingest;
pub mod jobs;
pub mod logging;
pub mod mpis;
pub mod pg_local;
pub mod retry;
pub mod sanitize;
#[cfg(feature = "test-support")]
pub mod scratch_db;
pub mod state_log;
pub mod status;
pub mod store;
pub mod text;
pub mod time_display;
pub mod tls;
pub mod token_cli;
pub mod tui;
