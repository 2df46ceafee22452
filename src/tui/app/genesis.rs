//! The genesis screens' side of `App`: the start form's answer, the job view's keys, polls,
//! edits and approval, and opening jobs awaiting approval (persona-overview, `:genesis NAME`).

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::domain::genesis::{ValidGenesis, same_persona_name};
use crate::tui::genesis_jobs;

impl App {
    /// The genesis jobs awaiting approval that are known: a persona-overview widget's and those
    /// read for `:genesis` or the start form.
    pub fn awaiting_jobs(&self) -> Vec<&PendingGenesisJob> {
        let mut jobs: Vec<&PendingGenesisJob> = Vec::new();
        let widgets = self.slots.iter().filter_map(|slot| match &slot.data.value {
            Some(WidgetData::Personas(data)) => Some(data.awaiting_approval.as_slice()),
            _ => None,
        });
        let read = self.genesis_jobs.value.as_deref().into_iter();
        for job in widgets.chain(read).flatten() {
            if jobs.iter().all(|j| j.id != job.id) {
                jobs.push(job);
            }
        }
        jobs
    }

    /// Whether a persona-overview widget has its list of awaiting jobs.
    fn persona_overview_loaded(&self) -> bool {
        self.slots
            .iter()
            .any(|slot| matches!(slot.data.value, Some(WidgetData::Personas(_))))
    }

    /// Reads the awaiting jobs once when no widget lists them (for completing `:genesis `).
    pub(super) fn load_genesis_jobs_once(&mut self) -> Vec<Command> {
        if self.persona_overview_loaded()
            || self.genesis_jobs.loading
            || self.genesis_jobs.value.is_some()
        {
            return Vec::new();
        }
        self.genesis_jobs.start();
        vec![Command::LoadGenesisJobs]
    }

    /// `:genesis` (or `:genesis new`) starts one; `:genesis NAME|JOB_ID` opens a job awaiting
    /// approval by its persona's name or slug (exact, else starting so), a completion's label or
    /// the start of its id. Without a persona-overview widget the jobs are read first.
    pub(super) fn palette_genesis(&mut self, input: &str, argument: &str) -> Vec<Command> {
        if argument.is_empty() || argument.eq_ignore_ascii_case("new") {
            return self.open_genesis_form();
        }
        if let Ok(job_id) = Uuid::parse_str(argument) {
            return self.open_genesis_job(job_id);
        }
        if !self.persona_overview_loaded() {
            self.genesis_lookup = Some(argument.to_string());
            self.genesis_jobs.start();
            self.say(
                format!("looking up genesis jobs awaiting approval for {argument:?}…"),
                false,
            );
            return vec![Command::LoadGenesisJobs];
        }
        self.resolve_genesis(input, argument)
    }

    /// Opens the one job `argument` names, offers a choice when it names several, or says
    /// which jobs there are.
    fn resolve_genesis(&mut self, input: &str, argument: &str) -> Vec<Command> {
        let jobs = self.awaiting_jobs();
        let found = genesis_jobs::find(&jobs, argument);
        match found.as_slice() {
            [one] => {
                let job_id = one.id;
                return self.open_genesis_job(job_id);
            }
            [] => {}
            several => {
                let jobs = several.iter().map(|j| (*j).clone()).collect();
                self.overlay = Some(Overlay::PickJob(JobPickState {
                    argument: argument.to_string(),
                    jobs,
                    selected: 0,
                }));
                return Vec::new();
            }
        }
        let error = if jobs.is_empty() {
            "no genesis job is awaiting approval; :job JOB_ID opens any job".to_string()
        } else {
            let names: Vec<String> = genesis_jobs::completions(&jobs, self.times())
                .iter()
                .map(|n| crate::tui::widgets::clean(n))
                .collect();
            format!(
                "no job awaiting approval for {argument:?}; awaiting: {}",
                names.join(", ")
            )
        };
        self.palette_error(input, &error)
    }

    /// The awaiting jobs arrived; a `:genesis NAME` waiting for them is resolved now.
    pub(super) fn genesis_jobs_loaded(
        &mut self,
        result: Result<Vec<PendingGenesisJob>, String>,
        wall: DateTime<Utc>,
        now: Instant,
    ) -> Vec<Command> {
        let failed = result.as_ref().err().cloned();
        match result {
            Ok(jobs) => self.genesis_jobs.succeed(jobs, wall, now),
            Err(error) => self.genesis_jobs.fail(error),
        }
        let Some(argument) = self.genesis_lookup.take() else {
            return Vec::new();
        };
        if let Some(error) = failed {
            self.say(format!("genesis jobs not read: {error}"), true);
            return Vec::new();
        }
        if self.overlay.is_some() {
            // The operator moved on to another popup meanwhile: leave it.
            return Vec::new();
        }
        self.message = None; // "looking up…" is answered
        self.resolve_genesis(&format!("genesis {argument}"), &argument)
    }

    /// Keys of the choice between jobs of one name.
    pub(super) fn pick_job_key(&mut self, mut pick: JobPickState, key: KeyEvent) -> Vec<Command> {
        let last = pick.jobs.len().saturating_sub(1);
        match key.code {
            KeyCode::Enter => {
                return match pick.jobs.get(pick.selected) {
                    Some(job) => {
                        let job_id = job.id;
                        self.open_genesis_job(job_id)
                    }
                    None => Vec::new(),
                };
            }
            KeyCode::Esc => return Vec::new(),
            KeyCode::Up | KeyCode::Char('k') => pick.selected = pick.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => pick.selected = (pick.selected + 1).min(last),
            _ => {}
        }
        self.overlay = Some(Overlay::PickJob(pick));
        Vec::new()
    }

    /// The genesis start form (not in read-only mode); the jobs awaiting approval are read so
    /// that starting a name again asks first.
    pub(super) fn open_genesis_form(&mut self) -> Vec<Command> {
        if self.options.read_only {
            self.say("read-only: starting a genesis job is off", true);
            return Vec::new();
        }
        let mut commands = self.open(Screen::GenesisForm(GenesisFormState::default()));
        self.genesis_jobs.start();
        commands.push(Command::LoadGenesisJobs);
        commands
    }

    /// A valid start form: sent at once, or after a confirm when the name was started before.
    pub(super) fn start_genesis(&mut self, valid: ValidGenesis) -> Vec<Command> {
        let earlier = self.earlier_genesis(&valid.persona_name);
        if earlier.is_empty() {
            self.genesis_sending(&valid);
            return vec![Command::GenesisStart(valid)];
        }
        if let Screen::GenesisForm(state) = &mut self.screen {
            state.hold();
        }
        let question = format!(
            "\"{}\" was started before: {}. Start another genesis job for it (MPIS gives it a new slug)?",
            valid.persona_name,
            earlier.join("; ")
        );
        self.overlay = Some(Overlay::Confirm(ConfirmState {
            question,
            on_yes: Command::GenesisStart(valid),
        }));
        Vec::new()
    }

    /// The confirm said yes to a second start: the form waits for MPIS.
    pub(super) fn genesis_start_confirmed(&mut self, valid: &ValidGenesis) {
        if let Screen::GenesisForm(state) = &mut self.screen {
            state.sending(self.now.instant);
        }
        self.genesis_sending(valid);
    }

    fn genesis_sending(&mut self, valid: &ValidGenesis) {
        self.genesis_starts.push(SessionStart {
            persona_name: valid.persona_name.clone(),
            at: self.now.wall,
            job_id: None,
            waiting: true,
        });
        self.say(
            "starting the genesis job in MPIS… (Esc cancels waiting)",
            false,
        );
    }

    /// Esc while the start waits: MPIS may still start the job, so the name stays known.
    pub(super) fn genesis_not_waited_for(&mut self) {
        for start in self.genesis_starts.iter_mut().filter(|s| s.waiting) {
            start.waiting = false;
        }
    }

    /// The earlier jobs of a persona name, described for the confirm: started in this session,
    /// or awaiting approval.
    fn earlier_genesis(&self, name: &str) -> Vec<String> {
        let mut earlier = Vec::new();
        let mut seen = Vec::new();
        for start in &self.genesis_starts {
            if !same_persona_name(&start.persona_name, name) {
                continue;
            }
            let at = self
                .times()
                .format(start.at, crate::time_display::HOUR_MINUTE);
            earlier.push(match start.job_id {
                Some(id) => {
                    seen.push(id);
                    format!("job {} started here at {at}", genesis_jobs::short_id(id))
                }
                None if start.waiting => format!("a start sent at {at} is still waiting"),
                None => format!("a start at {at} was not waited for (MPIS may have made it)"),
            });
        }
        for job in self.awaiting_jobs() {
            if same_persona_name(&job.persona_name, name) && !seen.contains(&job.id) {
                earlier.push(format!(
                    "job {} ({}) started {} is awaiting approval",
                    genesis_jobs::short_id(job.id),
                    job.slug,
                    self.times()
                        .format(job.created_at, crate::time_display::MINUTE)
                ));
            }
        }
        earlier
    }

    /// MPIS answered the genesis start (or the worker gave up on it). A started job's view
    /// takes the form's place: the form is done, so Esc returns to where it was opened from.
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
        // The start waiting for this answer: now with its job id, or gone when MPIS refused.
        match started {
            Some(job_id) => {
                for start in self.genesis_starts.iter_mut().filter(|s| s.waiting) {
                    start.waiting = false;
                    start.job_id = Some(job_id);
                }
            }
            None => self.genesis_starts.retain(|s| !s.waiting),
        }
        let on_form = if let Screen::GenesisForm(state) = &mut self.screen {
            state.finished(result);
            true
        } else {
            false
        };
        match started {
            Some(job_id) if on_form => {
                self.screen = self.back_stack.pop().unwrap_or(Screen::Dashboard);
                self.open_genesis_job(job_id)
            }
            _ => Vec::new(),
        }
    }

    /// The mouse wheel over the job view: three rows a notch.
    pub(super) fn wheel_genesis_job(&mut self, down: bool) {
        let body = self.grid_area();
        let now = self.now.instant;
        let theme = &self.options.theme;
        let times = self.times();
        if let Screen::GenesisJob(state) = &mut self.screen {
            let scroll = if down { Scroll::Down } else { Scroll::Up };
            for _ in 0..3 {
                scroll_job_view(theme, times, state, body, scroll, now);
            }
        }
    }

    /// The job view of a genesis job (read-only mode too: it only refuses `e` and `A`).
    pub(super) fn open_genesis_job(&mut self, job_id: Uuid) -> Vec<Command> {
        let mut state = GenesisJobState::new(job_id, self.now.instant);
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
        if !matches!(&self.screen, Screen::GenesisJob(state) if state.job_id == job_id) {
            return Vec::new();
        }
        if let Err(error) = &result {
            let text = format!("genesis status not loaded: {error}");
            self.say(text, true);
        }
        let Screen::GenesisJob(state) = &mut self.screen else {
            return Vec::new();
        };
        state.status_loaded(result, now);
        let mut commands: Vec<Command> = genesis_draft_command(state).into_iter().collect();
        // Committed before it was opened (or by someone else meanwhile): shown as approved.
        if let Some(persona_id) = state.take_committed_request() {
            commands.push(Command::LoadGenesisCommitted {
                job_id: state.job_id,
                persona_id,
            });
        }
        self.follow_approval_confirm();
        commands
    }

    /// The approval's confirm follows the view: when MPIS moved to a newer draft while it is
    /// open, it names (and approves) that draft, saying so; once the job is finished it closes.
    fn follow_approval_confirm(&mut self) {
        let (Some(Overlay::Confirm(confirm)), Screen::GenesisJob(state)) =
            (&mut self.overlay, &self.screen)
        else {
            return;
        };
        let Command::GenesisApprove(request) = &mut confirm.on_yes else {
            return;
        };
        if !request.confirm || request.job_id != state.job_id {
            return;
        }
        if state.approved.is_some() || state.is_final() {
            self.overlay = None;
            self.say("the job finished meanwhile: nothing left to approve", true);
            return;
        }
        if request.draft_no == state.draft_no {
            return;
        }
        let asked = request.draft_no;
        request.draft_no = state.draft_no;
        confirm.question = format!(
            "MPIS moved on from draft {asked} to draft {} while you were asked. {}",
            state.draft_no,
            approval_question(state, &self.options.operator)
        );
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
                None => (failure.summary(), true),
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
        self.follow_approval_confirm();
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
        let now = self.now.instant;
        let theme = &self.options.theme;
        let times = self.times();
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
                scroll_job_view(theme, times, state, body, scroll, now);
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
                let question = approval_question(state, &operator);
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

/// The confirm's question before approving: the persona, the draft number and who approves.
fn approval_question(state: &GenesisJobState, operator: &str) -> String {
    format!(
        "Approve persona {} draft {} as {operator}?",
        state.persona_name(),
        state.draft_no
    )
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

/// Moves the job view by `scroll`, kept between the top and the last screenful of `body` (as
/// drawn at `now`).
fn scroll_job_view(
    theme: &Theme,
    times: crate::time_display::TimeDisplay,
    state: &mut GenesisJobState,
    body: Rect,
    scroll: Scroll,
    now: Instant,
) {
    let max = crate::tui::screens::genesis_job::max_scroll(theme, times, state, body, now);
    let page = body.height.saturating_sub(4).max(1);
    state.scroll = match scroll {
        Scroll::Up => state.scroll.saturating_sub(1),
        Scroll::Down => state.scroll.saturating_add(1),
        Scroll::PageUp => state.scroll.saturating_sub(page),
        Scroll::PageDown => state.scroll.saturating_add(page),
        Scroll::HalfPageUp => state.scroll.saturating_sub(page / 2),
        Scroll::HalfPageDown => state.scroll.saturating_add(page / 2),
        Scroll::Top => 0,
        Scroll::Bottom => max,
    }
    .min(max);
}
