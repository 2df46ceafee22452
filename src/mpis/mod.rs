//! MPIS over HTTP: the typed client the dashboard uses, and a local sandbox that stands in for
//! MPIS (see MPIS_REFERENCE.md §1 and Appendix C for the API it follows).
//!
//! - [`types`]: requests and responses in MPIS's shapes (timestamps read naive or with offset).
//! - [`error`]: [`MpisError`], what went wrong in terms a UI can show.
//! - [`client`]: [`MpisClient`] with timeouts and safe retries; [`MpisConfig`] from the environment.
//! - [`persona_draft`]: what a genesis draft and its prompt look like (sandbox and demo seed).
//! - [`sandbox`]: a stand-in MPIS with fault injection (`mpis-dash mpis-sandbox`, tests; in memory,
//!   or on the dashboard's database for `--demo`).

pub mod client;
pub mod error;
pub mod persona_draft;
pub mod sandbox;
pub mod types;

pub use client::{MpisClient, MpisConfig, cancellable};
pub use error::MpisError;
pub use sandbox::{PublishedRecord, SandboxFaults, SandboxHandle, SeenRequest};
pub use types::*;
