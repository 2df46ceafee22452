//! Genesis (§1.2): start, status, approve (edits and confirm), export, and the persona core.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::domain::genesis::ValidGenesis;

// ------------------------------------------------------------------------------------------------
// Genesis (§1.2)

/// `SourceInput.type`: the domain's source kinds, serialized as MPIS spells them.
pub use crate::domain::genesis::SourceKind as SourceType;

/// One source of a genesis job: JSON `{type, ref, metadata}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInput {
    #[serde(rename = "type")]
    pub kind: SourceType,
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

/// `POST /genesis/start` body. `persona_name` is 1..=100 characters (MPIS answers 422 otherwise);
/// `public_name` is meant to be set when `public_persona` is on (MPIS does not enforce it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisStartRequest {
    pub persona_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspiration_source: Option<String>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub public_persona: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gdrive_folder_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default)]
    pub sources: Vec<SourceInput>,
}

/// The body of `POST /genesis/start` for a checked form.
pub fn genesis_request(valid: &ValidGenesis) -> GenesisStartRequest {
    GenesisStartRequest {
        persona_name: valid.persona_name.clone(),
        inspiration_source: valid.inspiration_source.clone(),
        language: valid.language.clone(),
        public_persona: valid.public_persona,
        public_name: valid.public_name.clone(),
        gdrive_folder_id: valid.gdrive_folder_id.clone(),
        notes: valid.notes.clone(),
        sources: valid
            .sources
            .iter()
            .map(|(kind, reference)| SourceInput {
                kind: *kind,
                reference: reference.clone(),
                metadata: Default::default(),
            })
            .collect(),
    }
}

fn default_language() -> String {
    "en".to_owned()
}

impl GenesisStartRequest {
    /// A request with MPIS's defaults (language `en`, private, no sources).
    pub fn new(persona_name: impl Into<String>) -> Self {
        Self {
            persona_name: persona_name.into(),
            inspiration_source: None,
            language: default_language(),
            public_persona: false,
            public_name: None,
            gdrive_folder_id: None,
            notes: None,
            sources: Vec::new(),
        }
    }
}

/// A genesis job's status. Unknown values are kept as `Other` (MPIS's progress table maps them to
/// "Unknown").
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(from = "String", into = "String")]
#[strum(serialize_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Collecting,
    Processing,
    AwaitingApproval,
    Committed,
    CommittedWithMemoryPending,
    Failed,
    /// A status this version does not know, kept as MPIS sent it.
    #[strum(default)]
    Other(String),
}

impl JobStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(other) => other,
            known => known.into(),
        }
    }

    /// Nothing more will happen to the job by itself: committed (either form) or failed. A job
    /// awaiting approval waits for a human, so it is not final but need not be polled fast.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Committed | Self::CommittedWithMemoryPending | Self::Failed
        )
    }

    /// MPIS's progress table: `(percent, message)` for this status.
    pub fn progress(&self) -> (i64, &'static str) {
        match self {
            Self::Queued => (0, "Queued"),
            Self::Collecting => (20, "Collecting sources"),
            Self::Processing => (50, "Processing corpus"),
            Self::AwaitingApproval => (80, "Awaiting human approval"),
            Self::Committed => (100, "Completed"),
            Self::CommittedWithMemoryPending => (100, "Completed (memory sync pending)"),
            Self::Failed => (0, "Failed"),
            Self::Other(_) => (0, "Unknown"),
        }
    }
}

impl From<String> for JobStatus {
    fn from(value: String) -> Self {
        // Never fails: an unknown status is `Other`.
        value.parse().unwrap_or(Self::Other(value))
    }
}

impl From<JobStatus> for String {
    fn from(value: JobStatus) -> Self {
        match value {
            JobStatus::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}

/// The persona preview MPIS returns with genesis answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaCard {
    #[serde(default)]
    pub persona_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
    #[serde(default = "default_active_version")]
    pub active_version: String,
    #[serde(default)]
    pub summary: String,
    /// First 5 of `topics.primary`.
    #[serde(default)]
    pub top_topics: Vec<String>,
    /// First 3 of `ethos.emotional_tone`.
    #[serde(default)]
    pub dominant_tones: Vec<String>,
    /// At most 3.
    #[serde(default)]
    pub next_actions: Vec<String>,
}

fn default_active_version() -> String {
    "draft".to_owned()
}

/// `POST /genesis/start` answer: `{job_id, status, draft_no, human_prompt, preview}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisStartResponse {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub draft_no: i32,
    #[serde(default)]
    pub human_prompt: Option<String>,
    #[serde(default)]
    pub preview: Option<PersonaCard>,
}

/// `progress` of a genesis status: `stage` is the job status, see [`JobStatus::progress`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub stage: String,
    /// 0..=100.
    pub percent: i64,
    pub message: String,
}

/// `GET /genesis/status/{job_id}` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisStatus {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub progress: Progress,
    pub draft_no: i32,
    #[serde(default)]
    pub human_prompt: Option<String>,
    #[serde(default)]
    pub preview: Option<PersonaCard>,
    /// `[job.error]` when the job failed, else empty.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// `EditOperation.op`: the domain's edit operations, serialized as MPIS spells them.
pub use crate::domain::genesis::EditOp;

/// One edit of a draft's persona core (`{path, op, value}`): the domain's edit, which the
/// domain's `validate_edit` builds (and the sandbox applies with MPIS's patch rules).
pub use crate::domain::genesis::EditOperationJson as EditOperation;

/// `POST /genesis/approve` body. With `edits`, a new draft is made (edits win over `confirm`);
/// with only `confirm`, the persona is committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisApproveRequest {
    pub job_id: Uuid,
    pub draft_no: i32,
    #[serde(default)]
    pub confirm: bool,
    #[serde(default)]
    pub edits: Vec<EditOperation>,
}

/// `export_paths` of a commit: the persona's folder and the path of each exported file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportPaths {
    pub base_path: String,
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

/// `POST /genesis/approve` answer. After edits: the new `draft_no`, no persona. After confirm:
/// `persona_id`, `version` ("1.0") and `export_paths`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisApproveResponse {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub draft_no: i32,
    #[serde(default)]
    pub human_prompt: Option<String>,
    #[serde(default)]
    pub preview: Option<PersonaCard>,
    #[serde(default)]
    pub persona_id: Option<Uuid>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub export_paths: Option<ExportPaths>,
}

/// The three folders of an exported persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportDirs {
    pub core: String,
    pub memory: String,
    pub docs: String,
}

/// `GET /genesis/export/{persona_id}` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenesisExport {
    pub persona_id: Uuid,
    pub slug: String,
    pub base_path: String,
    pub files: ExportDirs,
}

/// The persona core of a genesis draft (`genesis_drafts.draft_core_json`), every part defaulted
/// as MPIS's `PersonaCore` model has it. Extra keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonaCore {
    pub credo: Credo,
    pub ethos: Ethos,
    pub theo_logic: TheoLogic,
    pub style: Style,
    pub lexicon: Lexicon,
    pub topics: Topics,
    pub alignment: Alignment,
    pub origin: Origin,
    #[serde(default = "default_language")]
    pub language: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Credo {
    pub summary: String,
    pub statements: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ethos {
    pub virtues: Vec<String>,
    pub anti_patterns: Vec<String>,
    pub emotional_tone: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TheoLogic {
    pub principles: Vec<String>,
    pub reasoning_style: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Style {
    pub voice: String,
    pub cadence: String,
    pub dos: Vec<String>,
    pub donts: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lexicon {
    pub signature_phrases: Vec<String>,
    pub keywords: Vec<String>,
    pub taboo_words: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Topics {
    pub primary: Vec<String>,
    pub secondary: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Alignment {
    pub faith_alignment_vector: Vec<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Origin {
    pub inspiration_source: String,
    pub sources: Vec<String>,
    pub created_at: String,
}

impl PersonaCore {
    /// MPIS's next-actions rule for the preview card.
    pub fn next_actions(&self) -> Vec<String> {
        let mut actions = Vec::new();
        if self.credo.statements.is_empty() {
            actions.push("Add core belief statements".to_owned());
        }
        if self.lexicon.signature_phrases.is_empty() {
            actions.push("Add signature phrases".to_owned());
        }
        if self.topics.primary.len() < 3 {
            actions.push("Expand primary topics".to_owned());
        }
        if actions.is_empty() {
            actions = vec![
                "Review and confirm persona".to_owned(),
                "Test with sample prompts".to_owned(),
            ];
        }
        actions.truncate(3);
        actions
    }

    /// The preview card MPIS builds from a core.
    pub fn card(
        &self,
        persona_id: Option<Uuid>,
        name: &str,
        slug: &str,
        version: &str,
    ) -> PersonaCard {
        PersonaCard {
            persona_id,
            name: name.to_owned(),
            slug: slug.to_owned(),
            active_version: version.to_owned(),
            summary: self.credo.summary.clone(),
            top_topics: self.topics.primary.iter().take(5).cloned().collect(),
            dominant_tones: self.ethos.emotional_tone.iter().take(3).cloned().collect(),
            next_actions: self.next_actions(),
        }
    }
}
