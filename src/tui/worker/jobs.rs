//! The `:jobs` screens' I/O: the ingestion jobs (with the personas their names and the form's
//! picker need), a job's run history, the writes (create / edit through `store::jobs`, as the
//! API writes them; enable / disable; delete) and run now through the same
//! `jobs::ingest::Scheduler::run_now` as `POST /api/metrics/jobs/{id}/run`, followed until the
//! run has landed so the status line can say how it went.

use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;

use super::project_run::CHOICES;
use super::{Context, DataEvent, WriteRefused};
use crate::domain::job_form::ValidJob;
use crate::jobs::ingest::{LEASE, RunNowError};
use crate::store::StoreError;
use crate::store::ingestion_runs::{self, IngestionRun};
use crate::store::jobs::{self, IngestionJob, JobChanges, NewJob};
use crate::store::personas::{self, PersonaSummary};

/// The most jobs the screen lists, and runs the history shows.
pub const JOBS_LISTED: i64 = 500;
pub const RUNS_LISTED: i64 = 200;
/// How often a run started here is looked at until it has finished.
pub const RUN_POLL: Duration = Duration::from_millis(250);

/// What the `:jobs` list shows: the jobs by name, and the personas (names, the form's picker).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobsList {
    pub jobs: Vec<IngestionJob>,
    pub personas: Vec<PersonaSummary>,
}

impl JobsList {
    pub fn persona_name(&self, id: Uuid) -> Option<&str> {
        self.personas
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.as_str())
    }
}

impl Context {
    pub(super) async fn load_jobs(&self) {
        let result = async {
            Ok::<_, StoreError>(JobsList {
                jobs: jobs::list(&self.pool, JOBS_LISTED).await?,
                personas: personas::list(&self.pool, CHOICES, 0).await?,
            })
        }
        .await;
        let event = DataEvent::Jobs(self.observe(result));
        self.send(event);
    }

    pub(super) async fn load_job_runs(&self, job_id: Uuid) {
        let result = ingestion_runs::list(&self.pool, job_id, None, RUNS_LISTED).await;
        let event = DataEvent::JobRuns(job_id, self.observe(result));
        self.send(event);
    }

    /// A new job (`id: None`) or every field of one (`store::jobs::update`: the next run is
    /// computed again when the schedule changed or it was enabled).
    pub(super) async fn save_job(&self, id: Option<Uuid>, valid: ValidJob) {
        let now = Utc::now();
        let result = match id {
            None => {
                let new = NewJob {
                    job_name: valid.job_name,
                    channel: valid.channel,
                    persona_id: valid.persona_id,
                    schedule_cron: valid.schedule_cron,
                    config: valid.config,
                    enabled: valid.enabled,
                };
                jobs::create(&self.pool, &new, now).await
            }
            Some(id) => {
                let changes = JobChanges {
                    job_name: Some(valid.job_name),
                    channel: Some(valid.channel),
                    persona_id: Some(valid.persona_id),
                    schedule_cron: Some(valid.schedule_cron),
                    config: Some(valid.config),
                    enabled: Some(valid.enabled),
                };
                jobs::update(&self.pool, id, &changes, now).await
            }
        };
        self.observe_connection(&result);
        let result = result.map_err(|error| match error {
            // A taken name is the name's problem.
            StoreError::Conflict(message) => WriteRefused {
                field: Some("job_name".into()),
                message,
            },
            other => WriteRefused::from_store(other),
        });
        self.send(DataEvent::JobSaved(id.is_none(), result));
    }

    pub(super) async fn set_job_enabled(&self, id: Uuid, enabled: bool) {
        let result = jobs::set_enabled(&self.pool, id, enabled, Utc::now()).await;
        let event = DataEvent::JobToggled(self.observe(result));
        self.send(event);
    }

    pub(super) async fn delete_job(&self, id: Uuid, name: String) {
        let result = jobs::delete(&self.pool, id).await;
        let event = DataEvent::JobDeleted(name, self.observe(result));
        self.send(event);
    }

    /// Run now as the API does it (refused while a run holds the job's lease), then the run
    /// followed until it has finished (at most a lease long).
    pub(super) async fn run_job_now(&self, job_id: Uuid) {
        let Some(scheduler) = &self.scheduler else {
            let error = "run now is off: no ingestion scheduler in this process".to_string();
            self.send(DataEvent::JobRunStarted(job_id, Err(error)));
            return;
        };
        let run_id = match scheduler.run_now(job_id).await {
            Ok(run_id) => run_id,
            Err(RunNowError::Busy) => {
                let error = RunNowError::Busy.to_string();
                self.send(DataEvent::JobRunStarted(job_id, Err(error)));
                return;
            }
            Err(RunNowError::Store(error)) => {
                let failed: Result<(), StoreError> = Err(error);
                self.observe_connection(&failed);
                let message = failed.err().map(|e| e.cause()).unwrap_or_default();
                self.send(DataEvent::JobRunStarted(job_id, Err(message)));
                return;
            }
        };
        self.send(DataEvent::JobRunStarted(job_id, Ok(run_id)));
        let result = self.follow_run(run_id).await;
        self.send(DataEvent::JobRunFinished(job_id, result));
    }

    async fn follow_run(&self, run_id: Uuid) -> Result<IngestionRun, String> {
        let deadline = tokio::time::Instant::now() + LEASE;
        loop {
            tokio::time::sleep(RUN_POLL).await;
            match ingestion_runs::get(&self.pool, run_id).await {
                Ok(Some(run)) if run.finished_at.is_some() => return Ok(run),
                Ok(Some(_)) => {}
                Ok(None) => return Err("the run is gone (its job was deleted?)".into()),
                // A blip: look again until the deadline.
                Err(error) if tokio::time::Instant::now() < deadline => {
                    tracing::debug!("run {run_id} not read: {}", error.cause());
                }
                Err(error) => return Err(error.cause()),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err("still running after the lease ran out".into());
            }
        }
    }
}
