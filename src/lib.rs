//! mpis-dash: the operations console of MPIS (Multi-Persona Intelligence System).
//!
//! Layers, bottom up: `domain` (pure rules), `store` (PostgreSQL), `pg_local` (the embedded
//! default database), `demo_data` (seeding), and the command-line glue in `cli`/`config`.

pub mod cli;
pub mod config;
pub mod database;
pub mod demo_data;
pub mod domain;
pub mod pg_local;
pub mod scratch_db;
pub mod store;
