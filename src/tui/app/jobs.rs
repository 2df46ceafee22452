//! `:jobs`' side of `App`: the ingestion jobs list (its own `/` filter, the selection kept by
//! id across reloads), a job's run history (Enter; the selected run's per-item errors in a
//! pane below, Enter focuses it to scroll), the create / edit form, and the writes: Space / x
//! enable or disable, r run now (the API's path: "running…", then the outcome when the run has
//! landed), d delete after a confirm. Read-only: the list and history work, writes are refused
//! in the status line.

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::domain::job_form::ValidJob;
use crate::store::ingestion_runs::IngestionRun;
use crate::store::jobs::IngestionJob;
use crate::tui::forms::job::JobFormState;
use crate::tui::screens::jobs::filtered_jobs;
use crate::tui::widgets::clean;
use crate::tui::worker::{JobsList, WriteRefused};

/// The `:jobs` list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobsState {
    pub list: Loadable<JobsList>,
    /// Index into the filtered rows.
    pub selected: usize,
    /// The selected job's id: selected again when the list reloads or the filter changes.
    pub selected_id: Option<Uuid>,
    pub filter: String,
    pub filter_cursor: Cursor,
    /// Keys go into the filter (`/` until Enter or Esc).
    pub filter_editing: bool,
    /// `:jobs NAME`: the job whose history opens once the list is there.
    pub open_name: Option<String>,
}

impl JobsState {
    /// The jobs shown (the filter applied), in order.
    pub fn rows(&self) -> Vec<&IngestionJob> {
        match &self.list.value {
            Some(list) => filtered_jobs(list, &self.filter),
            None => Vec::new(),
        }
    }

    pub fn selected_job(&self) -> Option<&IngestionJob> {
        self.rows().get(self.selected).copied()
    }

    /// Selects the job `selected_id` names when it is shown, else keeps the position.
    fn reselect(&mut self) {
        let rows = self.rows();
        let found = self
            .selected_id
            .and_then(|id| rows.iter().position(|j| j.id == id));
        let selected = found.unwrap_or(self.selected.min(rows.len().saturating_sub(1)));
        let id = rows.get(selected).map(|j| j.id);
        self.selected = selected;
        if found.is_some() || self.selected_id.is_none() {
            self.selected_id = id;
        }
    }

    pub(super) fn select(&mut self, index: usize) {
        let rows = self.rows();
        let index = index.min(rows.len().saturating_sub(1));
        let id = rows.get(index).map(|j| j.id);
        self.selected = index;
        self.selected_id = id;
    }
}

/// A job's run history.
#[derive(Debug, Clone, PartialEq)]
pub struct JobHistoryState {
    pub job: IngestionJob,
    /// The job's persona's name (`None`: all personas, or not known).
    pub persona: Option<String>,
    pub runs: Loadable<Vec<IngestionRun>>,
    pub selected: usize,
    pub selected_id: Option<Uuid>,
    /// Keys scroll the selected run's errors (Enter; Esc gives them back to the list).
    pub errors_focused: bool,
    pub scroll: u16,
}

impl JobHistoryState {
    pub fn selected_run(&self) -> Option<&IngestionRun> {
        self.runs.value.as_ref()?.get(self.selected)
    }
}

impl App {
    /// `:jobs` (`NAME`: that job's history once the list is there).
    pub(super) fn open_jobs(&mut self, name: Option<&str>) -> Vec<Command> {
        self.screen = Screen::Dashboard;
        self.back_stack.clear();
        let state = JobsState {
            open_name: name.map(str::to_string),
            ..JobsState::default()
        };
        self.open(Screen::Jobs(state))
    }

    /// Enter on the dashboard's ingestion-jobs widget: `:jobs` with its selected job selected.
    pub(super) fn open_jobs_on(&mut self, job_id: Option<Uuid>) -> Vec<Command> {
        self.open(Screen::Jobs(JobsState {
            selected_id: job_id,
            ..JobsState::default()
        }))
    }

    /// The job names `:jobs NAME` completes (loaded once the palette asks for them).
    pub(super) fn load_job_names_once(&mut self) -> Vec<Command> {
        if self.job_names.is_some() {
            return Vec::new();
        }
        self.job_names = Some(Vec::new());
        vec![Command::LoadJobs]
    }

    /// Keys of the jobs screens that are not the keymap's (the filter being typed, the letters
    /// of the writes, the form's every key); `None` to let the keymap have it.
    pub(super) fn jobs_key(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match &mut self.screen {
            Screen::JobForm(state) => {
                if key.code == KeyCode::Char('c') && control {
                    self.should_quit = true;
                    return Some(Vec::new());
                }
                let commands = match state.key(key) {
                    FormAction::Submit(valid) => {
                        state.submitted_at = Some(self.now.instant);
                        let id = state.editing;
                        self.submit_job(id, valid)
                    }
                    FormAction::Close | FormAction::Cancel => self.back(),
                    FormAction::None => Vec::new(),
                };
                Some(commands)
            }
            Screen::Jobs(state) if state.filter_editing => {
                match key.code {
                    KeyCode::Enter => state.filter_editing = false,
                    KeyCode::Esc => {
                        state.filter_editing = false;
                        state.filter.clear();
                        state.filter_cursor = Cursor::END;
                    }
                    _ if control && key.code == KeyCode::Char('c') => self.should_quit = true,
                    _ => {
                        text_field::edit(&mut state.filter, &mut state.filter_cursor, &key);
                    }
                }
                state.reselect();
                Some(Vec::new())
            }
            Screen::Jobs(state) if !control => {
                let job = state.selected_job().cloned();
                let commands = match key.code {
                    KeyCode::Char('/') => {
                        state.filter_editing = true;
                        state.filter_cursor = Cursor::END;
                        Vec::new()
                    }
                    // A filter in effect: Esc clears it before leaving.
                    KeyCode::Esc if !state.filter.is_empty() => {
                        state.filter.clear();
                        state.reselect();
                        Vec::new()
                    }
                    KeyCode::Char('n') => self.open_job_form(None),
                    KeyCode::Char('e') => match job {
                        Some(job) => self.open_job_form(Some(job)),
                        None => self.no_job(),
                    },
                    KeyCode::Char(' ') | KeyCode::Char('x') => match job {
                        Some(job) => self.toggle_job(&job),
                        None => self.no_job(),
                    },
                    KeyCode::Char('r') => match job {
                        Some(job) => self.run_job_now(&job),
                        None => self.no_job(),
                    },
                    KeyCode::Char('d') => match job {
                        Some(job) => self.ask_delete_job(&job),
                        None => self.no_job(),
                    },
                    _ => return None,
                };
                Some(commands)
            }
            Screen::JobHistory(state) if !control => {
                let job = state.job.clone();
                match key.code {
                    KeyCode::Esc if state.errors_focused => {
                        state.errors_focused = false;
                        Some(Vec::new())
                    }
                    KeyCode::Char('r') => Some(self.run_job_now(&job)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn no_job(&mut self) -> Vec<Command> {
        self.say("no job selected (n creates one)", false);
        Vec::new()
    }

    fn refuse_read_only(&mut self, what: &str) -> bool {
        if self.options.read_only {
            self.say(
                format!("read-only: {what} is off (the dashboard was started read-only)"),
                true,
            );
        }
        self.options.read_only
    }

    /// The keymap's actions on the list: moving, Enter to the history.
    pub(super) fn jobs_action(&mut self, action: Action) -> Vec<Command> {
        let Screen::Jobs(state) = &mut self.screen else {
            return Vec::new();
        };
        let count = state.rows().len();
        let last = count.saturating_sub(1);
        let to = match action {
            Action::Down => (state.selected + 1).min(last),
            Action::Up => state.selected.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageDown => (state.selected + 10).min(last),
            Action::PageUp => state.selected.saturating_sub(10),
            Action::Enter => {
                let chosen = state.selected_job().cloned();
                let persona = chosen.as_ref().and_then(|j| persona_name(&state.list, j));
                return match chosen {
                    Some(job) => self.open_job_history(job, persona),
                    None => self.no_job(),
                };
            }
            _ => return Vec::new(),
        };
        state.select(to);
        Vec::new()
    }

    /// The keymap's actions on the history: moving in the runs, or scrolling the errors.
    pub(super) fn job_history_action(&mut self, action: Action) -> Vec<Command> {
        let Screen::JobHistory(state) = &mut self.screen else {
            return Vec::new();
        };
        let count = state.runs.value.as_ref().map_or(0, Vec::len);
        let last = count.saturating_sub(1);
        if state.errors_focused {
            state.scroll = match action {
                Action::Down => state.scroll.saturating_add(1),
                Action::Up => state.scroll.saturating_sub(1),
                Action::PageDown => state.scroll.saturating_add(10),
                Action::PageUp => state.scroll.saturating_sub(10),
                Action::Top => 0,
                _ => state.scroll,
            };
            return Vec::new();
        }
        let to = match action {
            Action::Down => (state.selected + 1).min(last),
            Action::Up => state.selected.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageDown => (state.selected + 10).min(last),
            Action::PageUp => state.selected.saturating_sub(10),
            Action::Enter => {
                if state.selected_run().is_some() {
                    state.errors_focused = true;
                }
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        if to != state.selected {
            state.scroll = 0;
        }
        state.selected = to;
        state.selected_id = state.selected_run().map(|r| r.id);
        Vec::new()
    }

    fn open_job_history(&mut self, job: IngestionJob, persona: Option<String>) -> Vec<Command> {
        self.open(Screen::JobHistory(JobHistoryState {
            job,
            persona,
            runs: Loadable::default(),
            selected: 0,
            selected_id: None,
            errors_focused: false,
            scroll: 0,
        }))
    }

    /// The form, new (`None`) or for `job`; refused read-only.
    fn open_job_form(&mut self, job: Option<IngestionJob>) -> Vec<Command> {
        let what = if job.is_some() {
            "editing jobs"
        } else {
            "creating jobs"
        };
        if self.refuse_read_only(what) {
            return Vec::new();
        }
        let personas = match &self.screen {
            Screen::Jobs(state) => state
                .list
                .value
                .as_ref()
                .map(|l| l.personas.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let configured = self.options.channels.clone();
        let form = match &job {
            Some(job) => JobFormState::edit(job, personas, configured),
            None => JobFormState::new(personas, configured),
        };
        self.open(Screen::JobForm(form))
    }

    fn submit_job(&mut self, id: Option<Uuid>, valid: ValidJob) -> Vec<Command> {
        let verb = if id.is_some() { "saving" } else { "creating" };
        self.say(format!("{verb} job {:?}…", clean(&valid.job_name)), false);
        vec![Command::SaveJob(id, valid)]
    }

    fn toggle_job(&mut self, job: &IngestionJob) -> Vec<Command> {
        if self.refuse_read_only("enabling and disabling jobs") {
            return Vec::new();
        }
        vec![Command::SetJobEnabled {
            id: job.id,
            enabled: !job.enabled,
        }]
    }

    fn run_job_now(&mut self, job: &IngestionJob) -> Vec<Command> {
        if self.refuse_read_only("running a job now") {
            return Vec::new();
        }
        let name = clean(&job.job_name);
        if self.jobs_running.contains(&job.id) {
            self.say(format!("job {name:?} is running already"), false);
            return Vec::new();
        }
        self.jobs_running.push(job.id);
        self.say(format!("job {name:?}: running…"), false);
        vec![Command::RunJobNow(job.id)]
    }

    fn ask_delete_job(&mut self, job: &IngestionJob) -> Vec<Command> {
        if self.refuse_read_only("deleting jobs") {
            return Vec::new();
        }
        self.overlay = Some(Overlay::Confirm(ConfirmState {
            question: format!(
                "Delete the ingestion job {:?} ({})? Its run history goes with it; metrics already written stay.",
                clean(&job.job_name),
                clean(&job.channel)
            ),
            on_yes: Command::DeleteJob {
                id: job.id,
                name: job.job_name.clone(),
            },
        }));
        Vec::new()
    }

    /// A job's name for the status line (its short id when the list does not have it).
    fn job_label(&self, id: Uuid) -> String {
        let from = |list: &Loadable<JobsList>| {
            list.value
                .as_ref()?
                .jobs
                .iter()
                .find(|j| j.id == id)
                .map(|j| clean(&j.job_name))
        };
        let found = match &self.screen {
            Screen::Jobs(state) => from(&state.list),
            Screen::JobHistory(state) if state.job.id == id => Some(clean(&state.job.job_name)),
            _ => None,
        };
        found
            .or_else(|| {
                self.back_stack.iter().find_map(|s| match s {
                    Screen::Jobs(state) => from(&state.list),
                    _ => None,
                })
            })
            .map_or_else(
                || format!("#{}", &id.simple().to_string()[..8]),
                |name| format!("{name:?}"),
            )
    }

    // -----------------------------------------------------------------------------------------
    // The worker's answers

    pub(super) fn jobs_loaded(&mut self, result: Result<JobsList, String>) -> Vec<Command> {
        let Now { instant, wall } = self.now;
        if let Ok(list) = &result {
            self.job_names = Some(list.jobs.iter().map(|j| j.job_name.clone()).collect());
        }
        match &mut self.screen {
            Screen::Jobs(state) => {
                match result {
                    Ok(list) => state.list.succeed(list, wall, instant),
                    Err(error) => state.list.fail(error),
                }
                state.reselect();
                if let Some(name) = state.open_name.take()
                    && state.list.value.is_some()
                {
                    return self.open_named_job(&name);
                }
            }
            // The history's header (schedule, next run, enabled) follows the job.
            Screen::JobHistory(state) => {
                if let Ok(list) = result
                    && let Some(job) = list.jobs.iter().find(|j| j.id == state.job.id)
                {
                    state.persona = job
                        .persona_id
                        .and_then(|id| list.persona_name(id))
                        .map(str::to_string);
                    state.job = job.clone();
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// `:jobs NAME` with the list there: the job named so (any case), else the one whose
    /// name contains it, opens; none or several are said.
    fn open_named_job(&mut self, name: &str) -> Vec<Command> {
        let Screen::Jobs(state) = &mut self.screen else {
            return Vec::new();
        };
        let Some(list) = &state.list.value else {
            return Vec::new();
        };
        let wanted = name.trim().to_lowercase();
        let exact: Vec<&IngestionJob> = list
            .jobs
            .iter()
            .filter(|j| j.job_name.to_lowercase() == wanted)
            .collect();
        let matching: Vec<&IngestionJob> = if exact.is_empty() {
            list.jobs
                .iter()
                .filter(|j| j.job_name.to_lowercase().contains(&wanted))
                .collect()
        } else {
            exact
        };
        match matching.as_slice() {
            [job] => {
                let job = (*job).clone();
                state.selected_id = Some(job.id);
                state.reselect();
                let persona = persona_name(&state.list, &job);
                self.open_job_history(job, persona)
            }
            [] => {
                self.say(format!("no ingestion job named {:?}", clean(name)), true);
                Vec::new()
            }
            several => {
                let names: Vec<String> = several.iter().map(|j| clean(&j.job_name)).collect();
                state.filter = name.trim().to_string();
                state.reselect();
                self.say(
                    format!("{} jobs match: {}", names.len(), names.join(", ")),
                    true,
                );
                Vec::new()
            }
        }
    }

    pub(super) fn job_runs_loaded(
        &mut self,
        job_id: Uuid,
        result: Result<Vec<IngestionRun>, String>,
    ) {
        let Now { instant, wall } = self.now;
        let Screen::JobHistory(state) = &mut self.screen else {
            return;
        };
        if state.job.id != job_id {
            return;
        }
        match result {
            Ok(runs) => state.runs.succeed(runs, wall, instant),
            Err(error) => state.runs.fail(error),
        }
        let runs = state.runs.value.as_deref().unwrap_or_default();
        let found = state
            .selected_id
            .and_then(|id| runs.iter().position(|r| r.id == id));
        state.selected = found.unwrap_or(state.selected.min(runs.len().saturating_sub(1)));
        state.selected_id = runs.get(state.selected).map(|r| r.id);
    }

    pub(super) fn job_saved(
        &mut self,
        created: bool,
        result: Result<IngestionJob, WriteRefused>,
    ) -> Vec<Command> {
        match result {
            Ok(job) => {
                let verb = if created { "created" } else { "saved" };
                let next = match (job.enabled, job.next_run_at) {
                    (false, _) => "disabled".to_string(),
                    (true, Some(at)) => format!(
                        "next run {}",
                        self.times().format(at, crate::time_display::MINUTE)
                    ),
                    (true, None) => "the cron never fires again".to_string(),
                };
                self.say(
                    format!("job {:?} {verb}: {next}", clean(&job.job_name)),
                    false,
                );
                if matches!(self.screen, Screen::JobForm(_)) {
                    let commands = self.back();
                    if let Screen::Jobs(state) = &mut self.screen {
                        state.selected_id = Some(job.id);
                        state.filter.clear();
                    }
                    return commands;
                }
            }
            Err(refused) => {
                self.say(format!("job not saved: {}", refused.message), true);
                if let Screen::JobForm(state) = &mut self.screen {
                    state.refused(refused.field, refused.message);
                }
            }
        }
        Vec::new()
    }

    pub(super) fn job_toggled(&mut self, result: Result<IngestionJob, String>) -> Vec<Command> {
        match result {
            Ok(job) => {
                let name = clean(&job.job_name);
                let said = match (job.enabled, job.next_run_at) {
                    (false, _) => format!("job {name:?} disabled: it runs only when run now"),
                    (true, Some(at)) => format!(
                        "job {name:?} enabled: next run {}",
                        self.times().format(at, crate::time_display::MINUTE)
                    ),
                    (true, None) => format!("job {name:?} enabled, but its cron never fires"),
                };
                self.say(said, false);
                if let Screen::Jobs(state) = &mut self.screen
                    && let Some(list) = &mut state.list.value
                    && let Some(row) = list.jobs.iter_mut().find(|j| j.id == job.id)
                {
                    *row = job;
                }
                self.reload_screen()
            }
            Err(error) => {
                self.say(format!("job not changed: {error}"), true);
                Vec::new()
            }
        }
    }

    pub(super) fn job_deleted(&mut self, name: String, result: Result<(), String>) -> Vec<Command> {
        match result {
            Ok(()) => {
                self.say(format!("job {:?} deleted", clean(&name)), false);
                self.reload_screen()
            }
            Err(error) => {
                self.say(format!("job {:?} not deleted: {error}", clean(&name)), true);
                Vec::new()
            }
        }
    }

    pub(super) fn job_run_started(
        &mut self,
        job_id: Uuid,
        result: Result<Uuid, String>,
    ) -> Vec<Command> {
        let label = self.job_label(job_id);
        match result {
            Ok(run_id) => {
                let short = &run_id.simple().to_string()[..8];
                self.say(format!("job {label}: running… (run {short})"), false);
                self.reload_job_screens(job_id)
            }
            Err(error) => {
                self.jobs_running.retain(|id| *id != job_id);
                self.say(format!("job {label} not run: {error}"), true);
                Vec::new()
            }
        }
    }

    pub(super) fn job_run_finished(
        &mut self,
        job_id: Uuid,
        result: Result<IngestionRun, String>,
    ) -> Vec<Command> {
        self.jobs_running.retain(|id| *id != job_id);
        let label = self.job_label(job_id);
        match result {
            Ok(run) => {
                let errors = run.item_errors.0.len();
                let mut said = format!(
                    "job {label}: {} {} — {} rows from {} items",
                    self.options.theme.glyphs.status(&run.outcome),
                    run.outcome,
                    run.rows_written,
                    run.items_asked
                );
                if errors > 0 {
                    said.push_str(&format!(", {errors} item errors (Enter: history)"));
                }
                if let Some(error) = &run.error
                    && errors == 0
                {
                    said.push_str(&format!(": {}", clean(error)));
                }
                self.say(said, run.outcome == "failed");
                self.reload_job_screens(job_id)
            }
            Err(error) => {
                self.say(format!("job {label}: run not followed: {error}"), true);
                Vec::new()
            }
        }
    }

    /// The list, or this job's history, again (a run started or finished).
    fn reload_job_screens(&mut self, job_id: Uuid) -> Vec<Command> {
        match &self.screen {
            Screen::Jobs(_) => self.reload_screen(),
            Screen::JobHistory(state) if state.job.id == job_id => self.reload_screen(),
            _ => Vec::new(),
        }
    }
}

/// The persona a job measures: its name, or `None` (all, or not in the list).
fn persona_name(list: &Loadable<JobsList>, job: &IngestionJob) -> Option<String> {
    let list = list.value.as_ref()?;
    job.persona_id
        .and_then(|id| list.persona_name(id))
        .map(str::to_string)
}
