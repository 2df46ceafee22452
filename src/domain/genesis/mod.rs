//! The genesis forms, one job per file:
//!
//! - [`sources`]: the type of each line of the sources editor (url / youtube / file / text).
//! - [`start_form`]: the start form (MPIS `GenesisStartRequest`, MPIS_REFERENCE.md §1.2), its
//!   languages, validation and request body.
//! - [`slug`]: the persona slug MPIS derives from a name, and same-persona names.
//! - [`edits`]: the draft edits of the approval step (`EditOperation` paths such as
//!   `credo.statements[1]`), as the approver types them.
//!
//! Everything is re-exported here, so `crate::domain::genesis::X` names any of it. How MPIS
//! applies an edit (its patch quirks and error texts) is not a form rule: the sandbox, its only
//! user, emulates it.

pub mod edits;
pub mod slug;
pub mod sources;
pub mod start_form;

pub use self::edits::{
    EditDraft, EditOp, EditOperationJson, PathError, PathInDraft, PathStep, complete_path,
    draft_paths, existing_paths, format_path, parse_path, path_in_draft, validate_edit,
};
pub use self::slug::{MAX_SLUG_CHARS, same_persona_name, slugify};
pub use self::sources::{
    FILE_EXTENSIONS, SourceInputDraft, SourceKind, detect_source, detect_sources, validate_source,
    youtube_video_id,
};
pub use self::start_form::{
    GenesisForm, LANGUAGES, LanguageChoice, MAX_INSPIRATION_CHARS, MAX_NAME_CHARS, MAX_NOTES_CHARS,
    MIN_GDRIVE_ID_CHARS, ValidGenesis, language_name,
};
pub use crate::domain::form::FieldError;
