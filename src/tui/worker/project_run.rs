//! The `:project` and `:run` forms' I/O: the personas and projects to pick from (with each
//! project's last templates), a new project (`store::projects::create`, the persona checked
//! first as `POST /api/projects` does) and a new run (`store::runs::create`: the run and its
//! n8n dispatch row in one transaction).

use serde_json::Value;
use uuid::Uuid;

use super::{Context, DataEvent};
use crate::domain::project_form::ValidProject;
use crate::domain::publisher_contract::ValidRun;
use crate::store::StoreError;
use crate::store::personas::{self, PersonaSummary};
use crate::store::projects::{self, NewProject, Project};
use crate::store::runs::{self, NewRun, Run};

/// The most personas / projects a picker lists.
pub const CHOICES: i64 = 1000;

/// What the `:run` form picks from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunChoices {
    /// Newest first.
    pub projects: Vec<Project>,
    pub personas: Vec<PersonaSummary>,
    /// Each project's last run's templates.
    pub templates: Vec<(Uuid, Value)>,
}

impl RunChoices {
    pub fn persona_name(&self, id: Uuid) -> Option<&str> {
        self.personas
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.as_str())
    }

    pub fn last_templates(&self, project_id: Uuid) -> Option<&Value> {
        self.templates
            .iter()
            .find(|(id, _)| *id == project_id)
            .map(|(_, t)| t)
    }
}

/// Why a form's write was refused: the field it names (as the store or the API names it),
/// and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRefused {
    pub field: Option<String>,
    pub message: String,
}

impl WriteRefused {
    pub(super) fn from_store(error: StoreError) -> WriteRefused {
        match error {
            StoreError::Invalid { field, message } => WriteRefused {
                field: Some(field),
                message,
            },
            StoreError::NotFound { entity, id } => WriteRefused {
                field: Some(format!("{entity}_id")),
                message: format!("{entity} {id} does not exist (any more?)"),
            },
            other => WriteRefused {
                field: None,
                message: other.cause(),
            },
        }
    }
}

impl Context {
    pub(super) async fn load_persona_choices(&self) {
        let result = personas::list(&self.pool, CHOICES, 0).await;
        let event = DataEvent::PersonaChoices(self.observe(result));
        self.send(event);
    }

    pub(super) async fn load_run_choices(&self) {
        let result = async {
            Ok::<_, StoreError>(RunChoices {
                projects: projects::list(&self.pool, CHOICES, 0).await?,
                personas: personas::list(&self.pool, CHOICES, 0).await?,
                templates: projects::last_templates(&self.pool).await?,
            })
        }
        .await;
        let event = DataEvent::RunChoices(self.observe(result));
        self.send(event);
    }

    pub(super) async fn create_project(&self, valid: ValidProject) {
        let result = async {
            if !personas::exists(&self.pool, valid.persona_id).await? {
                return Err(StoreError::invalid(
                    "persona_id",
                    format!("persona {} does not exist", valid.persona_id),
                ));
            }
            let new = NewProject {
                name: valid.name.clone(),
                persona_id: valid.persona_id,
                channels: valid.channels.clone(),
            };
            projects::create(&self.pool, &new).await
        }
        .await;
        self.observe_connection(&result);
        let event = DataEvent::ProjectCreated(result.map_err(WriteRefused::from_store));
        self.send(event);
    }

    pub(super) async fn start_run(&self, valid: ValidRun) {
        let result: Result<Run, StoreError> = runs::create(&self.pool, &NewRun::from(&valid)).await;
        self.observe_connection(&result);
        let event = DataEvent::RunStarted(result.map_err(WriteRefused::from_store));
        self.send(event);
    }

    /// Reports the connection state a write's result implies (the error itself goes to the
    /// form).
    pub(super) fn observe_connection<T>(&self, result: &Result<T, StoreError>) {
        match result {
            Ok(_) => self.send(DataEvent::Connection(Ok(()))),
            Err(StoreError::Database(err)) if super::is_connection_error(err) => {
                self.send(DataEvent::Connection(Err(err.to_string())))
            }
            Err(_) => {}
        }
    }
}
