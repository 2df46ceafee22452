//! The genesis screens' side of `App`: the start form's answer, the job view's keys, polls,
//! edits and approval, and opening jobs awaiting approval (persona-overview, `:genesis NAME`).

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// The genesis jobs awaiting approval that a persona-overview widget has loaded.
    pub fn awaiting_jobs(&self) -> Vec<&PendingGenesisJob> {
        let mut jobs: Vec<&PendingGenesisJob> = Vec::new();
        for slot in &self.slots {
            if let Some(WidgetData::Personas(data)) = slot.data.value.as_ref() {
                for job in &data.awaiting_approval {
                    if jobs.iter().all(|j| j.id != job.id) {
                        jobs.push(job);
                    }
                }
            }
        }
        jobs
    }

    /// `:genesis` (or `:genesis new`) starts one; `:genesis NAME|JOB_ID` opens a job awaiting
    /// approval by its persona's name or slug (exact, else the only one starting so).
    pub(super) fn palette_genesis(&mut self, input: &str, argument: &str) -> Vec<Command> {
        if argument.is_empty() || argument.eq_ignore_ascii_case("new") {
            return self.open_genesis_form();
        }
        if let Ok(job_id) = Uuid::parse_str(argument) {
            return self.open_genesis_job(job_id);
        }
        let wanted = argument.to_lowercase();
        let jobs = self.awaiting_jobs();
        let exact = jobs
            .iter()
            .find(|j| j.persona_name.to_lowercase() == wanted || j.slug.to_lowercase() == wanted);
        let starting: Vec<_> = jobs
            .iter()
            .filter(|j| {
                j.persona_name.to_lowercase().starts_with(&wanted)
                    || j.slug.to_lowercase().starts_with(&wanted)
            })
            .collect();
        let found = exact.or(match starting.as_slice() {
            [only] => Some(*only),
            _ => None,
        });
        if let Some(job) = found {
            let job_id = job.id;
            return self.open_genesis_job(job_id);
        }
        let names: Vec<String> = jobs
            .iter()
            .map(|j| crate::tui::widgets::clean(&j.persona_name))
            .collect();
        let error = if jobs.is_empty() {
            "no genesis job awaiting approval is shown (a persona-overview widget lists them); \
             :job JOB_ID opens any job"
                .to_string()
        } else if starting.len() > 1 {
            format!("{argument:?} matches several jobs: {}", names.join(", "))
        } else {
            format!(
                "no job awaiting approval for {argument:?}; awaiting: {}",
                names.join(", ")
            )
        };
        self.palette_error(input, &error)
    }

    /// The genesis start form (not in read-only mode).
    pub(super) fn open_genesis_form(&mut self) -> Vec<Command> {
        if self.options.read_only {
            self.say("read-only: starting a genesis job is off", true);
            return Vec::new();
        }
        self.open(Screen::GenesisForm(GenesisFormState::default()))
    }

    /// MPIS answered the genesis start (or the worker gave up on it). A started job opens its
    /// job view, the form staying on the back stack.
    pub(super) fn genesis_started(
        &mut self,
        result: Result<GenesisStartResponse, String>,
    ) -> Vec<Command> {
        let waiting = matches!(&self.screen, Screen::GenesisForm(form) if form.submitting());
        let started = result.as_ref().ok().map(|r| r.job_id);
        match &result {
            // A late "cancelled" after Esc: already said.
            Err(_) if !waiting => return Vec::new(),
            Ok(response) => self.say(
                format!(
                    "genesis job {} started: {}, draft {}",
                    response.job_id, response.status, response.draft_no
                ),
                false,
            ),
            Err(error) => self.say(format!("genesis not started: {error}"), true),
        }
        let on_form = if let Screen::GenesisForm(state) = &mut self.screen {
            state.finished(result);
            true
        } else {
            false
        };
        match started {
            Some(job_id) if on_form => self.open_genesis_job(job_id),
            _ => Vec::new(),
        }
    }

    /// The job view of a genesis job (read-only mode too: it only refuses `e` and `A`).
    /// The mouse wheel over the job view: three rows a notch.
    pub(super) fn wheel_genesis_job(&mut self, down: bool) {
        let body = self.grid_area();
        let theme = &self.options.theme;
        if let Screen::GenesisJob(state) = &mut self.screen {
            let scroll = if down { Scroll::Down } else { Scroll::Up };
            for _ in 0..3 {
                scroll_job_view(theme, state, body, scroll);
            }
        }
    }

    pub(super) fn open_genesis_job(&mut self, job_id: Uuid) -> Vec<Command> {
        let mut state = GenesisJobState::new(job_id, self.now);
        // The stored draft is read at once, so it shows even while MPIS is slow or down.
        let draft_no = state.request_latest_draft();
        let mut commands = self.open(Screen::GenesisJob(state));
        commands.push(Command::LoadGenesisDraft { job_id, draft_no });
        commands
    }

    pub(super) fn genesis_status_loaded(
        &mut self,
        job_id: Uuid,
        result: Result<GenesisStatus, String>,
        now: Instant,
    ) -> Vec<Command> {
        let Screen::GenesisJob(state) = &mut self.screen else {
            return Vec::new();
        };
        if state.job_id != job_id {
            return Vec::new();
        }
        if let Err(error) = &result {
            self.message = Some(StatusMessage {
                text: format!("genesis status not loaded: {error}"),
                error: true,
            });
        }
        state.status_loaded(result, now);
        genesis_draft_command(state).into_iter().collect()
    }

    /// MPIS answered an edit or the approval: the view is updated and the status reloaded.
    pub(super) fn genesis_approved(
        &mut self,
        job_id: Uuid,
        result: Result<GenesisApproveResponse, ApproveFailure>,
    ) -> Vec<Command> {
        let text = match &result {
            Ok(response) => match (&response.persona_id, &response.version) {
                (Some(persona), version) => (
                    format!(
                        "approved: persona {persona} version {}",
                        version.as_deref().unwrap_or("?")
                    ),
                    false,
                ),
                (None, _) => (format!("draft {} saved in MPIS", response.draft_no), false),
            },
            Err(failure) => match failure.stale_draft {
                Some((expected, got)) => (
                    crate::tui::forms::genesis_job::stale_message(expected, got),
                    true,
                ),
                None => (format!("not approved: {}", failure.message), true),
            },
        };
        self.say(text.0, text.1);
        let Screen::GenesisJob(state) = &mut self.screen else {
            return Vec::new();
        };
        if state.job_id != job_id {
            return Vec::new();
        }
        let reload = match &result {
            Ok(_) => true,
            Err(failure) => failure.stale_draft.is_some(),
        };
        state.approved(result);
        let mut commands: Vec<Command> = genesis_draft_command(state).into_iter().collect();
        if reload {
            state.loading = true;
            commands.push(Command::GenesisStatus(job_id));
        }
        commands
    }

    /// Keys of the job view (before the keymap); `None` lets the keymap have it.
    pub(super) fn genesis_job_key(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.should_quit = true;
            return Some(Vec::new());
        }
        let read_only = self.options.read_only;
        let operator = self.options.operator.clone();
        let body = self.grid_area();
        let now = self.now;
        let theme = &self.options.theme;
        let Screen::GenesisJob(state) = &mut self.screen else {
            return None;
        };
        let editing = state.edit.is_some();
        let action = state.key(key, read_only);
        let commands = match action {
            JobAction::None if editing || state.edit.is_some() => Vec::new(),
            JobAction::None => return None,
            JobAction::Close => self.back(),
            JobAction::Reload => {
                // Both sources again: MPIS's status and the stored draft.
                state.loading = true;
                let draft_no = state.request_latest_draft();
                vec![
                    Command::GenesisStatus(state.job_id),
                    Command::LoadGenesisDraft {
                        job_id: state.job_id,
                        draft_no,
                    },
                ]
            }
            JobAction::Refused(message) => {
                self.say(message, true);
                Vec::new()
            }
            JobAction::Scroll(scroll) => {
                scroll_job_view(theme, state, body, scroll);
                Vec::new()
            }
            JobAction::StopWaiting(what) => {
                // The request may already be with MPIS: its answer is still applied when it
                // comes; the status is reloaded now so the view shows what MPIS has.
                state.loading = true;
                let job_id = state.job_id;
                self.say(
                    format!(
                        "stopped waiting for {}; MPIS may still apply it (the view updates when it answers)",
                        what.as_str()
                    ),
                    false,
                );
                vec![Command::GenesisStatus(job_id)]
            }
            JobAction::Edit(edit) => {
                let request = GenesisApproveRequest {
                    job_id: state.job_id,
                    draft_no: state.draft_no,
                    confirm: false,
                    edits: vec![edit],
                };
                state.pending = Some(PendingCall {
                    what: CallKind::Edit,
                    since: now,
                });
                self.say("sending the edit to MPIS… (Esc stops waiting)", false);
                vec![Command::GenesisApprove(request)]
            }
            JobAction::Approve => {
                let request = GenesisApproveRequest {
                    job_id: state.job_id,
                    draft_no: state.draft_no,
                    confirm: true,
                    edits: Vec::new(),
                };
                let question = format!(
                    "Approve persona {} draft {} as {operator}?",
                    state.persona_name(),
                    state.draft_no
                );
                self.overlay = Some(Overlay::Confirm(ConfirmState {
                    question,
                    on_yes: Command::GenesisApprove(request),
                }));
                Vec::new()
            }
        };
        Some(commands)
    }
}

/// The read of the job's current draft from the database, when the view does not have it yet.
fn genesis_draft_command(state: &mut GenesisJobState) -> Option<Command> {
    state
        .take_draft_request()
        .map(|draft_no| Command::LoadGenesisDraft {
            job_id: state.job_id,
            draft_no,
        })
}

/// Moves the job view by `scroll`, kept between the top and the last screenful of `body`.
fn scroll_job_view(theme: &Theme, state: &mut GenesisJobState, body: Rect, scroll: Scroll) {
    let max = crate::tui::screens::genesis_job::max_scroll(theme, state, body);
    let page = body.height.saturating_sub(4).max(1);
    state.scroll = match scroll {
        Scroll::Up => state.scroll.saturating_sub(1),
        Scroll::Down => state.scroll.saturating_add(1),
        Scroll::PageUp => state.scroll.saturating_sub(page),
        Scroll::PageDown => state.scroll.saturating_add(page),
        Scroll::Top => 0,
        Scroll::Bottom => max,
    }
    .min(max);
}
