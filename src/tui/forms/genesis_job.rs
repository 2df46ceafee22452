//! The genesis job view: MPIS's status of one job (polled while not final), its draft preview,
//! the edit line (`e`) and the approval (`A`). State and key handling only (pure); the screen
//! that draws it is `screens/genesis_job.rs`.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use strum::VariantArray;
use uuid::Uuid;

use crate::domain::form::FieldError;
use crate::domain::genesis::{
    EditDraft, EditOp, PathInDraft, complete_path, path_in_draft, validate_edit,
};
use crate::mpis::types::{
    EditOperation, ExportPaths, GenesisApproveResponse, GenesisStatus, JobStatus,
};
use crate::store::genesis::GenesisDraft;
use crate::tui::text_field::{self, Cursor};

/// How often the status is asked for while the job is not final.
pub const POLL_EVERY: Duration = Duration::from_secs(2);

/// Asks the database for a job's newest stored draft, whatever its number.
pub const LATEST_DRAFT: i32 = i32::MAX;

/// The edit line's fields in Tab order.
pub const EDIT_FIELDS: [&str; 3] = ["path", "op", "value"];

/// Why an edit or the approval failed: which call it was, MPIS's message, and
/// `(expected, got)` for a stale draft number.
#[derive(Debug, Clone, PartialEq)]
pub struct ApproveFailure {
    pub call: CallKind,
    pub message: String,
    pub stale_draft: Option<(i32, i32)>,
}

impl ApproveFailure {
    /// The status line's words for it: an edit is refused, an approval is not approved.
    pub fn summary(&self) -> String {
        match self.call {
            CallKind::Edit => format!("edit refused: {}", self.message),
            CallKind::Approve => format!("not approved: {}", self.message),
        }
    }
}

/// The edit line as typed (`e`).
#[derive(Debug, Clone, PartialEq)]
pub struct EditLine {
    pub draft: EditDraft,
    /// 0 path, 1 op, 2 value.
    pub focus: usize,
    /// The path's and the value's cursors (the op is a choice).
    pub cursors: [Cursor; EDIT_FIELDS.len()],
    pub error: Option<FieldError>,
    /// Tab on the path cycles through the draft's paths that start with what was typed.
    pub completion: Option<Completion>,
    /// A valid edit whose path is not in the draft, waiting for the approver's answer.
    pub question: Option<PathQuestion>,
}

/// The paths Tab cycles through, and which one the path field holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub matches: Vec<String>,
    pub index: usize,
}

/// "credo.sumary is not in the draft: add it?" with the nearest existing path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathQuestion {
    pub edit: EditOperation,
    pub nearest: Option<String>,
}

impl PathQuestion {
    /// The question as the edit panel shows it.
    pub fn text(&self, draft_no: Option<i32>) -> String {
        let draft = draft_no
            .map(|n| format!("draft {n}"))
            .unwrap_or("the draft".into());
        let nearest = match &self.nearest {
            Some(path) => format!(" (nearest existing path: {path})"),
            None => String::new(),
        };
        format!(
            "{} is not in {draft}{nearest}. {} it as a new path? y/Enter {} · n/Esc change it{}",
            self.edit.path,
            if self.edit.op == EditOp::Add {
                "Add"
            } else {
                "Set"
            },
            self.edit.op,
            if self.nearest.is_some() {
                " · Tab use the nearest"
            } else {
                ""
            }
        )
    }
}

impl EditLine {
    /// The focused field's value and cursor; `None` on the op.
    fn text_mut(&mut self) -> Option<(&mut String, &mut Cursor)> {
        let value = match self.focus {
            0 => &mut self.draft.path,
            2 => &mut self.draft.value_text,
            _ => return None,
        };
        Some((value, &mut self.cursors[self.focus]))
    }

    /// Whether the focused field takes typed text (the path, the value).
    pub fn editing_text(&self) -> bool {
        self.focus != 1
    }

    /// The cursor of `field` when it is the focused text field (for drawing it).
    pub fn cursor(&self, field: usize) -> Option<Cursor> {
        (field == self.focus && self.editing_text()).then_some(self.cursors[field])
    }

    /// Pasted text goes into the focused path or value, its lines joined by spaces; returns
    /// whether a field took it.
    pub fn paste(&mut self, text: &str) -> bool {
        match self.text_mut() {
            Some((value, cursor)) => {
                text_field::insert(value, cursor, &text_field::one_line(text));
                true
            }
            None => false,
        }
    }
}

impl Default for EditLine {
    fn default() -> Self {
        EditLine {
            draft: EditDraft {
                path: String::new(),
                op: EditOp::Replace,
                value_text: String::new(),
            },
            focus: 0,
            cursors: Default::default(),
            error: None,
            completion: None,
            question: None,
        }
    }
}

/// An edit or the approval sent to MPIS and not answered yet (a spinner and the elapsed time
/// show; Esc stops waiting).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PendingCall {
    pub what: CallKind,
    pub since: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
pub enum CallKind {
    #[strum(serialize = "the edit")]
    Edit,
    #[strum(serialize = "the approval")]
    Approve,
}

impl CallKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A scroll key of the job view (the app clamps it to the content's height).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    Up,
    Down,
    PageUp,
    PageDown,
    /// Ctrl-U / Ctrl-D: half a page.
    HalfPageUp,
    HalfPageDown,
    Top,
    Bottom,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenesisJobState {
    pub job_id: Uuid,
    /// MPIS's last status answer.
    pub status: Option<GenesisStatus>,
    /// Why the last status request failed.
    pub load_error: Option<String>,
    /// A status request is in flight (one at a time).
    pub loading: bool,
    /// When the next poll is due (while the job is not final).
    pub next_poll: Instant,
    /// The draft number edits and approvals are sent with.
    pub draft_no: i32,
    /// The answer to the confirm: persona id, version, export paths.
    pub approved: Option<GenesisApproveResponse>,
    pub edit: Option<EditLine>,
    /// The last thing to explain in the view (a stale draft, an approval error).
    pub notice: Option<String>,
    /// The draft as MPIS stored it in `genesis_drafts` (when MPIS shares this database).
    pub draft: Option<GenesisDraft>,
    /// Why the draft could not be read.
    pub draft_error: Option<String>,
    /// The database answered that it holds no draft of this job (MPIS keeps its own database).
    pub draft_missing: bool,
    /// The draft number last asked of the database (each new number is read once).
    pub draft_requested: Option<i32>,
    /// The edit or approval waiting for MPIS's answer.
    pub pending: Option<PendingCall>,
    /// Rows scrolled down (the draft makes the view taller than most screens).
    pub scroll: u16,
    /// The committed job's persona, version and export paths were asked for (once).
    pub committed_requested: bool,
}

/// What the dashboard finds out about a job MPIS already committed (its status answer does not
/// say): the persona and its version from the database, the export paths from MPIS.
#[derive(Debug, Clone, PartialEq)]
pub struct CommittedJob {
    pub persona_id: Option<Uuid>,
    pub version: Option<String>,
    pub export_paths: Option<ExportPaths>,
    /// Why the export paths are missing (MPIS unreachable, not exported).
    pub export_error: Option<String>,
}

/// What a key did in the job view.
#[derive(Debug, Clone, PartialEq)]
pub enum JobAction {
    None,
    Close,
    Reload,
    /// `e` or `A` in read-only mode.
    Refused(&'static str),
    /// A valid edit: send it as a new draft.
    Edit(EditOperation),
    /// `A`: ask to approve the current draft.
    Approve,
    /// Esc while an edit or approval waits: stop waiting (MPIS may still apply it).
    StopWaiting(CallKind),
    Scroll(Scroll),
}

impl GenesisJobState {
    pub fn new(job_id: Uuid, now: Instant) -> GenesisJobState {
        GenesisJobState {
            job_id,
            status: None,
            load_error: None,
            loading: false,
            next_poll: now,
            draft_no: 0,
            approved: None,
            edit: None,
            notice: None,
            draft: None,
            draft_error: None,
            draft_missing: false,
            draft_requested: None,
            pending: None,
            scroll: 0,
            committed_requested: false,
        }
    }

    /// A job MPIS committed before the view opened (or meanwhile, by someone else): the
    /// persona to ask the database and MPIS about, once; `Some(None)` when the preview does not
    /// name it (the database may).
    pub fn take_committed_request(&mut self) -> Option<Option<Uuid>> {
        let status = self.status.as_ref()?;
        let committed = matches!(
            status.status,
            JobStatus::Committed | JobStatus::CommittedWithMemoryPending
        );
        if !committed || self.committed_requested {
            return None;
        }
        self.committed_requested = true;
        // Approved here: the answer already said everything.
        if self
            .approved
            .as_ref()
            .is_some_and(|a| a.version.is_some() && a.export_paths.is_some())
        {
            return None;
        }
        if self.approved.is_none() {
            // Shown as approved at once; persona, version and paths fill in when they arrive.
            self.approved = Some(GenesisApproveResponse {
                job_id: self.job_id,
                status: status.status.clone(),
                draft_no: status.draft_no,
                human_prompt: None,
                preview: status.preview.clone(),
                persona_id: status.preview.as_ref().and_then(|p| p.persona_id),
                version: None,
                export_paths: None,
            });
        }
        let persona = self.approved.as_ref().and_then(|a| a.persona_id);
        Some(persona)
    }

    /// The database and MPIS answered about the committed job.
    pub fn committed_loaded(&mut self, result: Result<CommittedJob, String>) {
        let Some(approved) = self.approved.as_mut() else {
            return;
        };
        match result {
            Ok(job) => {
                approved.persona_id = approved.persona_id.or(job.persona_id);
                approved.version = approved.version.take().or(job.version);
                approved.export_paths = approved.export_paths.take().or(job.export_paths);
                self.notice = job
                    .export_error
                    .map(|e| format!("export paths not read: {e}"));
            }
            Err(error) => self.notice = Some(format!("persona not read: {error}")),
        }
    }

    /// Whether `e` and `A` mean anything now (the job awaits approval and nothing is pending).
    pub fn can_edit(&self) -> bool {
        self.approved.is_none() && !self.is_final()
    }

    /// Marks the job's latest stored draft as asked for (on opening, before MPIS has said which
    /// draft is current); returns the draft number to ask with.
    pub fn request_latest_draft(&mut self) -> i32 {
        self.draft_requested = Some(LATEST_DRAFT);
        LATEST_DRAFT
    }

    /// The draft number to read from the database now, if the view does not have it yet
    /// (once per draft number; marked as asked).
    pub fn take_draft_request(&mut self) -> Option<i32> {
        let wanted = self.status.as_ref().map(|_| self.draft_no)?;
        if wanted < 1 || self.draft_requested == Some(wanted) {
            return None;
        }
        self.draft_requested = Some(wanted);
        let have = self.draft.as_ref().is_some_and(|d| d.draft_no == wanted);
        (!have).then_some(wanted)
    }

    /// The database answered the draft request for `draft_no`.
    pub fn draft_loaded(&mut self, draft_no: i32, result: Result<Option<GenesisDraft>, String>) {
        if self.draft_requested != Some(draft_no) {
            return; // an answer for an older draft number
        }
        match result {
            Ok(draft) => {
                // An older stored draft stands in until MPIS's row for this number arrives;
                // ask again on the next status poll.
                if draft.as_ref().is_none_or(|d| d.draft_no != draft_no) {
                    self.draft_requested = None;
                }
                self.draft_missing = draft.is_none() && self.draft.is_none();
                self.draft = draft.or(self.draft.take());
                self.draft_error = None;
            }
            Err(error) => {
                self.draft_requested = None;
                self.draft_error = Some(error);
            }
        }
    }

    /// Whether the job reached a final status (no more polling).
    pub fn is_final(&self) -> bool {
        self.status.as_ref().is_some_and(|s| s.status.is_final())
    }

    /// Whether a poll should be sent now.
    pub fn poll_due(&self, now: Instant) -> bool {
        !self.loading && !self.is_final() && now >= self.next_poll
    }

    /// The persona's name as the preview gives it (for the confirm question).
    pub fn persona_name(&self) -> String {
        self.status
            .as_ref()
            .and_then(|s| s.preview.as_ref())
            .map(|p| p.name.clone())
            .unwrap_or_else(|| self.job_id.to_string())
    }

    /// A status answer arrived.
    pub fn status_loaded(&mut self, result: Result<GenesisStatus, String>, now: Instant) {
        self.loading = false;
        self.next_poll = now + POLL_EVERY;
        match result {
            Ok(status) => {
                self.draft_no = status.draft_no;
                self.status = Some(status);
                self.load_error = None;
            }
            Err(error) => self.load_error = Some(error),
        }
    }

    pub fn key(&mut self, key: KeyEvent, read_only: bool) -> JobAction {
        if self.edit.is_some() {
            return self.edit_key(key);
        }
        let waiting = self.pending.map(|p| p.what);
        match key.code {
            KeyCode::Esc => match waiting {
                Some(what) => {
                    self.pending = None;
                    JobAction::StopWaiting(what)
                }
                None => JobAction::Close,
            },
            KeyCode::Char('r') => JobAction::Reload,
            KeyCode::Up | KeyCode::Char('k') => JobAction::Scroll(Scroll::Up),
            KeyCode::Down | KeyCode::Char('j') => JobAction::Scroll(Scroll::Down),
            KeyCode::PageUp => JobAction::Scroll(Scroll::PageUp),
            KeyCode::PageDown | KeyCode::Char(' ') => JobAction::Scroll(Scroll::PageDown),
            KeyCode::Char('d') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                JobAction::Scroll(Scroll::HalfPageDown)
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                JobAction::Scroll(Scroll::HalfPageUp)
            }
            KeyCode::Home | KeyCode::Char('g') => JobAction::Scroll(Scroll::Top),
            KeyCode::End | KeyCode::Char('G') => JobAction::Scroll(Scroll::Bottom),
            KeyCode::Char('e') if read_only => {
                JobAction::Refused("read-only: editing drafts is off")
            }
            KeyCode::Char('A') if read_only => {
                JobAction::Refused("read-only: approving personas is off")
            }
            KeyCode::Char('e') | KeyCode::Char('A') if self.status.is_none() => JobAction::Refused(
                "MPIS has not answered the job status yet, so the current draft is not known",
            ),
            KeyCode::Char('e') | KeyCode::Char('A') if waiting.is_some() => {
                JobAction::Refused("waiting for MPIS to answer (Esc stops waiting)")
            }
            KeyCode::Char('e') | KeyCode::Char('A')
                if self.approved.is_some() || self.is_final() =>
            {
                JobAction::Refused("the job is finished: nothing left to edit or approve")
            }
            KeyCode::Char('e') => {
                // The edit panel is docked below the view: the approver keeps their place.
                self.edit = Some(EditLine::default());
                JobAction::None
            }
            KeyCode::Char('A') => JobAction::Approve,
            _ => JobAction::None,
        }
    }

    fn edit_key(&mut self, key: KeyEvent) -> JobAction {
        let core = self.draft.as_ref().map(|d| &d.core);
        let Some(edit) = self.edit.as_mut() else {
            return JobAction::None;
        };
        // The question about a path not in the draft takes its answer first.
        if let Some(question) = edit.question.take() {
            match key.code {
                KeyCode::Char('y') | KeyCode::Enter => {
                    self.edit = None;
                    return JobAction::Edit(question.edit);
                }
                KeyCode::Char('n') | KeyCode::Esc => {
                    edit.focus = 0;
                    return JobAction::None;
                }
                KeyCode::Tab if question.nearest.is_some() => {
                    let nearest = question.nearest.unwrap_or_default();
                    text_field::set(&mut edit.draft.path, &mut edit.cursors[0], &nearest);
                    edit.focus = 0;
                    return JobAction::None;
                }
                // Anything else: the question goes, the key does what it does.
                _ => {}
            }
        }
        match key.code {
            KeyCode::Esc => self.edit = None,
            KeyCode::PageUp => return JobAction::Scroll(Scroll::PageUp),
            KeyCode::PageDown => return JobAction::Scroll(Scroll::PageDown),
            KeyCode::Tab if edit.focus == 0 => {
                if !complete(edit, core, 1) {
                    edit.completion = None;
                    edit.focus = 1;
                }
            }
            KeyCode::BackTab if edit.focus == 0 && edit.completion.is_some() => {
                complete(edit, core, -1);
            }
            KeyCode::Tab | KeyCode::Down => {
                edit.completion = None;
                edit.focus = (edit.focus + 1) % EDIT_FIELDS.len();
            }
            KeyCode::BackTab | KeyCode::Up => {
                edit.completion = None;
                edit.focus = (edit.focus + EDIT_FIELDS.len() - 1) % EDIT_FIELDS.len();
            }
            KeyCode::Left if edit.focus == 1 => edit.draft.op = cycle(edit.draft.op, -1),
            KeyCode::Right if edit.focus == 1 => edit.draft.op = cycle(edit.draft.op, 1),
            KeyCode::Enter => match validate_edit(&edit.draft) {
                Ok(valid) => {
                    edit.completion = None;
                    let check = core.map(|core| path_in_draft(core, &valid));
                    match check {
                        Some(PathInDraft::New { nearest }) if valid.op == EditOp::Remove => {
                            let nearest = nearest
                                .map(|n| format!(" (nearest existing path: {n})"))
                                .unwrap_or_default();
                            edit.focus = 0;
                            edit.error = Some(FieldError::new(
                                "path",
                                format!(
                                    "{} is not in the draft{nearest}: nothing to remove",
                                    valid.path
                                ),
                            ));
                        }
                        Some(PathInDraft::New { nearest }) => {
                            edit.error = None;
                            edit.question = Some(PathQuestion {
                                edit: valid,
                                nearest,
                            });
                        }
                        // In the draft, or no stored draft to check against: sent as typed.
                        _ => {
                            self.edit = None;
                            return JobAction::Edit(EditOperation {
                                path: valid.path,
                                op: valid.op,
                                value: valid.value,
                            });
                        }
                    }
                }
                Err(error) => {
                    edit.focus = if error.field == "value" { 2 } else { 0 };
                    edit.error = Some(error);
                }
            },
            _ => {
                let focus = edit.focus;
                if let Some((value, cursor)) = edit.text_mut()
                    && text_field::edit(value, cursor, &key).changed()
                {
                    edit.completion = None;
                    if edit
                        .error
                        .as_ref()
                        .is_some_and(|e| e.field == EDIT_FIELDS[focus])
                    {
                        edit.error = None;
                    }
                }
            }
        }
        JobAction::None
    }

    /// MPIS answered an edit or the approval.
    pub fn approved(&mut self, result: Result<GenesisApproveResponse, ApproveFailure>) {
        self.pending = None;
        match result {
            Ok(response) => {
                self.draft_no = response.draft_no;
                self.notice = None;
                if let Some(status) = &mut self.status {
                    status.draft_no = response.draft_no;
                    status.status = response.status.clone();
                    if response.preview.is_some() {
                        status.preview = response.preview.clone();
                    }
                    status.human_prompt = response.human_prompt.clone();
                }
                if response.persona_id.is_some() {
                    self.approved = Some(response);
                    // The result (persona, version, export paths) is at the top: in sight.
                    self.scroll = 0;
                }
            }
            Err(failure) => {
                self.notice = Some(match failure.stale_draft {
                    Some((expected, got)) => stale_message(expected, got),
                    None => failure.summary(),
                });
            }
        }
    }
}

/// What a stale draft number is explained with.
pub fn stale_message(expected: i32, got: i32) -> String {
    format!("draft {got} is out of date: MPIS is at draft {expected}; the view was refreshed")
}

fn cycle(op: EditOp, delta: isize) -> EditOp {
    let count = EditOp::VARIANTS.len() as isize;
    let current = EditOp::VARIANTS.iter().position(|o| *o == op).unwrap_or(0) as isize;
    EditOp::VARIANTS[(current + delta).rem_euclid(count) as usize]
}

/// Tab (`delta` 1) or Shift-Tab (-1) on the path: starts cycling through the draft's paths that
/// complete what was typed, or moves on in the cycle. Returns false when there is nothing to
/// complete (no draft, no match, or the one match is already typed): Tab then moves on.
fn complete(edit: &mut EditLine, core: Option<&serde_json::Value>, delta: isize) -> bool {
    let next = match &mut edit.completion {
        Some(completion) if completion.matches.len() > 1 => {
            let count = completion.matches.len() as isize;
            completion.index = (completion.index as isize + delta).rem_euclid(count) as usize;
            completion.matches[completion.index].clone()
        }
        Some(_) => return false,
        None => {
            let Some(core) = core else {
                return false;
            };
            let typed = edit.draft.path.trim().to_string();
            let matches = complete_path(core, &typed);
            // The first match that changes something (what is typed may be a match itself).
            let Some(index) = matches.iter().position(|m| *m != typed) else {
                return false;
            };
            let path = matches[index].clone();
            edit.completion = Some(Completion { matches, index });
            path
        }
    };
    text_field::set(&mut edit.draft.path, &mut edit.cursors[0], &next);
    edit.error = None;
    true
}
