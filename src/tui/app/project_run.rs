//! The `:project` and `:run` forms' side of `App`: opening them (refused read-only), their
//! keys (Esc asks before typed input is lost, inside the form), the choices arriving, and
//! what a created project / started run does: the status line says so, a run is selected in
//! the runs widget, and whether n8n will get it.

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::domain::project_form::ValidProject;
use crate::domain::publisher_contract::ValidRun;
use crate::store::personas::PersonaSummary;
use crate::store::projects::Project;
use crate::store::runs::Run;
use crate::tui::forms::project::ProjectFormState;
use crate::tui::forms::run::RunFormState;
use crate::tui::worker::{RunChoices, WriteRefused};

impl App {
    /// `:project`: the new-project form; loads the personas to pick from.
    pub(super) fn open_project_form(&mut self) -> Vec<Command> {
        if self.options.read_only {
            self.say("read-only: creating projects is off", true);
            return Vec::new();
        }
        let mut state = ProjectFormState::new(self.options.channels.clone());
        state.personas.start();
        self.open(Screen::ProjectForm(state));
        vec![Command::LoadPersonaChoices]
    }

    /// `:run` without an id: the start-a-run form (dates today); loads the projects.
    pub(super) fn open_run_form(&mut self) -> Vec<Command> {
        if self.options.read_only {
            self.say("read-only: starting runs is off", true);
            return Vec::new();
        }
        let today = self.now.wall.date_naive();
        let mut state = RunFormState::new(self.options.channels.clone(), today);
        state.choices.start();
        self.open(Screen::RunForm(state));
        vec![Command::LoadRunChoices]
    }

    /// Keys of the two forms (they take every key); `None` on other screens.
    pub(super) fn project_run_key(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        if !matches!(self.screen, Screen::ProjectForm(_) | Screen::RunForm(_)) {
            return None;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.should_quit = true;
            return Some(Vec::new());
        }
        let commands = match &mut self.screen {
            Screen::ProjectForm(state) => match state.key(key) {
                FormAction::Submit(valid) => {
                    state.submitted_at = Some(self.now.instant);
                    self.submit_project(valid)
                }
                FormAction::Close | FormAction::Cancel => self.back(),
                FormAction::None => Vec::new(),
            },
            Screen::RunForm(state) => match state.key(key) {
                FormAction::Submit(valid) => {
                    state.submitted_at = Some(self.now.instant);
                    self.submit_run(valid)
                }
                FormAction::Close | FormAction::Cancel => self.back(),
                FormAction::None => Vec::new(),
            },
            _ => Vec::new(),
        };
        Some(commands)
    }

    fn submit_project(&mut self, valid: ValidProject) -> Vec<Command> {
        self.say(format!("creating project {:?}…", valid.name), false);
        vec![Command::CreateProject(valid)]
    }

    fn submit_run(&mut self, valid: ValidRun) -> Vec<Command> {
        self.say("starting the run…", false);
        vec![Command::StartRun(valid)]
    }

    pub(super) fn persona_choices_loaded(&mut self, result: Result<Vec<PersonaSummary>, String>) {
        let Now { instant, wall } = self.now;
        if let Screen::ProjectForm(state) = &mut self.screen {
            match result {
                Ok(personas) => state.personas.succeed(personas, wall, instant),
                Err(error) => state.personas.fail(error),
            }
        }
    }

    pub(super) fn run_choices_loaded(&mut self, result: Result<RunChoices, String>) {
        let Now { instant, wall } = self.now;
        if let Screen::RunForm(state) = &mut self.screen {
            state.choices_loaded(result, wall, instant);
        }
    }

    /// The project was written (the form closes; `:run` lists it at once), or refused (the
    /// form shows why at the field).
    pub(super) fn project_created(
        &mut self,
        result: Result<Project, WriteRefused>,
    ) -> Vec<Command> {
        match result {
            Ok(project) => {
                let channels = if project.channels.is_empty() {
                    "no channels".to_string()
                } else {
                    project.channels.join(", ")
                };
                self.say(
                    format!(
                        "project {:?} created ({channels}): :run starts a run for it",
                        project.name
                    ),
                    false,
                );
                if matches!(self.screen, Screen::ProjectForm(_)) {
                    return self.back();
                }
            }
            Err(refused) => {
                self.say(format!("project not created: {}", refused.message), true);
                if let Screen::ProjectForm(state) = &mut self.screen {
                    state.refused(refused.field, refused.message);
                }
            }
        }
        Vec::new()
    }

    /// The run was written with its dispatch row: back to the dashboard with the run selected
    /// in the runs widget; the status line says whether n8n will get it.
    pub(super) fn run_started(&mut self, result: Result<Run, WriteRefused>) -> Vec<Command> {
        let run = match result {
            Ok(run) => run,
            Err(refused) => {
                self.say(format!("run not started: {}", refused.message), true);
                if let Screen::RunForm(state) = &mut self.screen {
                    state.refused(refused.field, refused.message);
                }
                return Vec::new();
            }
        };
        let short = &run.run_id.simple().to_string()[..8];
        // What matters first (the status line cuts at a word when short of room).
        let dispatch = if self.n8n_configured {
            "queued for n8n"
        } else {
            "stays pending: n8n not configured"
        };
        let mut commands = Vec::new();
        if matches!(self.screen, Screen::RunForm(_)) {
            self.screen = Screen::Dashboard;
            self.back_stack.clear();
        }
        let slot = self.slots.iter().position(|s| s.kind == WidgetKind::Runs);
        let where_ = match slot {
            Some(index) => {
                if self.screen == Screen::Dashboard {
                    self.focus = index;
                }
                // Selected when the reloaded list arrives (kept by identity).
                self.slots[index].selected_key = Some(run.run_id.to_string());
                self.slots[index].selected = 0;
                commands.push(self.load_slot(index));
                String::new()
            }
            None => format!(" (:run {short} opens it)"),
        };
        self.say(format!("run {short} {dispatch}{where_}"), false);
        commands
    }
}
