//! The background worker: runs every database query and write for the UI on tokio tasks and
//! sends the results back as events. The UI loop never awaits I/O, so a key is handled within
//! a frame however slow PostgreSQL is (or while it is down). This file holds what the UI and
//! the worker say to each other (`Command`, `DataEvent`), `spawn`, and the dispatch of each
//! command: the loads are in loads.rs, the writes in writes.rs, the MPIS calls in
//! mpis_calls.rs, the LISTEN task in listen.rs.

use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::AbortHandle;
use uuid::Uuid;

use super::data::{WidgetData, WidgetFilter, WidgetKind};
use crate::domain::genesis::ValidGenesis;
use crate::domain::publish::ValidPublish;
use crate::domain::red_flags::FlagKind;
use crate::domain::red_flags::Thresholds;
use crate::jobs::ingest::Scheduler;
use crate::mpis::MpisClient;
use crate::mpis::types::{
    GenesisApproveRequest, GenesisApproveResponse, GenesisStartResponse, GenesisStatus,
};
use crate::store::StoreError;
use crate::store::drafts::{self, DraftChoice};
use crate::store::flag_drill::{DrillCursor, DrillPage, MetricPoint, PublishedItem};
use crate::store::genesis::{self, GenesisDraft, PendingGenesisJob};
use crate::store::layouts::{self, Layout};
use crate::store::metrics::ItemPerformance;
use crate::store::outbox::{self, PublishRecord};
use crate::store::projects::Project;
use crate::store::red_flags::OpenFlagCounts;
use crate::store::red_flags::{self, RedFlag};
use crate::store::runs::{Run, RunCursor, RunItem, RunListRow};
use crate::tui::forms::genesis_job::ApproveFailure;
use chrono::{DateTime, Utc};

mod ask;
mod jobs;
mod listen;
mod loads;
mod mpis_calls;
mod oncall;
mod project_run;
mod suggestions;
mod writes;

pub use listen::CHANGES_CHANNEL;
// Shared with the API (`api::genesis`, `api::publish`); re-exported where the worker's
// callers have always found them.
pub use crate::jobs::outbox::publish_note;
pub use crate::mpis::types::genesis_request;
pub use jobs::JobsList;
pub use oncall::DRILL_PAGE;
pub use project_run::{RunChoices, WriteRefused};

use listen::listen_for_changes;
use loads::{GENESIS_JOBS, load_publish_targets, load_run_detail, load_widget};

/// What the UI asks the worker to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadLayouts,
    /// Load one widget; `generation` lets the UI drop answers that arrive out of date.
    LoadWidget {
        slot: usize,
        generation: u64,
        kind: WidgetKind,
        filter: WidgetFilter,
        /// For `runs`: where the page starts (None = newest) and how many pages come before it.
        cursor: Option<RunCursor>,
        page: usize,
    },
    LoadRunDetail {
        run_id: Uuid,
    },
    LoadFlags {
        include_resolved: bool,
    },
    AcknowledgeFlag {
        id: Uuid,
    },
    ResolveFlag {
        id: Uuid,
    },
    /// Save as the user's layout: update their own, or create it from a global one.
    SaveLayout {
        own_id: Option<Uuid>,
        name: String,
        config: Value,
    },
    DeleteLayout {
        id: Uuid,
    },
    /// One pass of the red flag evaluator (keeps flag rows and the missing-metrics snapshot fresh).
    Evaluate,
    /// Approved drafts for the publish form's picker.
    LoadDrafts,
    /// One draft by id, whatever its status (a typed draft id); answered by `DraftLookedUp`.
    LookupDraft(Uuid),
    /// A publish record's current state (the form follows it after submitting); answered by
    /// `PublishRecordLoaded`.
    LoadPublishRecord(Uuid),
    /// Recent runs and the projects for the publish form's run and project pickers.
    LoadPublishTargets,
    /// Write the publish record to the outbox (with its audit entry), then try to forward it.
    Publish(ValidPublish),
    /// `POST /genesis/start` in MPIS; answered by `GenesisStarted`.
    GenesisStart(ValidGenesis),
    /// Stop waiting for the genesis start in flight (its task is aborted).
    CancelGenesis,
    /// `GET /genesis/status/{job_id}`; answered by `GenesisStatusLoaded`.
    GenesisStatus(Uuid),
    /// `POST /genesis/approve` (edits or the confirm); answered by `GenesisApproved`, with an
    /// audit entry written on success.
    GenesisApprove(GenesisApproveRequest),
    /// The job's draft as MPIS stored it in `genesis_drafts`; answered by `GenesisDraft`.
    LoadGenesisDraft {
        job_id: Uuid,
        draft_no: i32,
    },
    /// The genesis jobs awaiting approval (for `:genesis NAME` and the start form's check of
    /// earlier jobs, whatever the layout shows); answered by `GenesisJobs`.
    LoadGenesisJobs,
    /// One page of what a red flag counts (its failed runs, items without metrics, runs
    /// missing publish records), its window as at `at`; answered by `FlagDrill`.
    LoadFlagDrill {
        kind: FlagKind,
        at: DateTime<Utc>,
        after: Option<DrillCursor>,
    },
    /// A published item and its metric history; answered by `Item`.
    LoadItem {
        id: Uuid,
    },
    /// Whether the flag's condition still holds (before resolving); answered by
    /// `FlagCondition`.
    CheckFlagCondition {
        id: Uuid,
    },
    /// Silence an open flag for `hours` (it stays open, not an alert meanwhile).
    SilenceFlag {
        id: Uuid,
        hours: i64,
        /// The zone the answer names the silence's end in.
        times: crate::time_display::TimeDisplay,
    },
    /// The open flags that are alerts now, by severity (the status line's hint); answered by
    /// `OpenFlagCounts`.
    LoadOpenFlagCounts,
    /// Rename the user's own layout; answered by `LayoutRenamed`.
    RenameLayout {
        id: Uuid,
        name: String,
    },
    /// Queue a failed publish record again (audited), then try to forward it; answered by
    /// `ActionDone`.
    RetryPublishRecord(Uuid),
    /// A job MPIS already committed: its persona and version from the database, the export
    /// paths from MPIS (`persona_id` from MPIS's preview, if it named one); answered by
    /// `GenesisCommitted`.
    LoadGenesisCommitted {
        job_id: Uuid,
        persona_id: Option<Uuid>,
    },
    /// The run or genesis job an id prefix names (`:run 3f2a`); answered by `PrefixFound`.
    FindByPrefix {
        kind: IdKind,
        prefix: String,
    },
    /// The personas for the `:project` form's picker; answered by `PersonaChoices`.
    LoadPersonaChoices,
    /// The projects (their personas, last templates) for the `:run` form; answered by
    /// `RunChoices`.
    LoadRunChoices,
    /// Write a new project; answered by `ProjectCreated`.
    CreateProject(crate::domain::project_form::ValidProject),
    /// Write a new run and its n8n dispatch row; answered by `RunStarted`.
    StartRun(crate::domain::publisher_contract::ValidRun),
    /// The ingestion jobs and the personas (`:jobs`); answered by `Jobs`.
    LoadJobs,
    /// A job's runs, newest first; answered by `JobRuns`.
    LoadJobRuns(Uuid),
    /// Write a new job (`None`) or every field of one; answered by `JobSaved`.
    SaveJob(Option<Uuid>, crate::domain::job_form::ValidJob),
    /// Turn a job on or off; answered by `JobToggled`.
    SetJobEnabled {
        id: Uuid,
        enabled: bool,
    },
    /// Run a job now (the API's path); answered by `JobRunStarted`, then `JobRunFinished`.
    RunJobNow(Uuid),
    /// Delete a job (its runs go with it); answered by `JobDeleted`.
    DeleteJob {
        id: Uuid,
        name: String,
    },
    /// A question to the analyst (`crate::analyst::ask`, as the API answers it); answered by
    /// `Asked` with the same `seq`.
    Ask {
        seq: u64,
        persona_id: Option<Uuid>,
        range: crate::domain::analyst::TimeRange,
        question: String,
    },
    /// Stop the question in flight (its task is aborted; no answer comes).
    CancelAsk,
    /// Add a question to the history file (`tui::ask_history`); answered by `AskHistorySaved`.
    RecordAskQuestion {
        path: std::path::PathBuf,
        question: String,
    },
}

/// What kind of id a prefix is looked up as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Run,
    GenesisJob,
}

/// What happened to a submitted publish record.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishOutcome {
    pub record: PublishRecord,
    /// False when the same record (idempotency key) had been submitted before.
    pub created: bool,
    /// What the operator should know: forwarded with MPIS's id, or queued and why.
    pub note: String,
}

/// What the publish form's run and project fields pick from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PublishTargets {
    /// The most recent runs, newest first.
    pub runs: Vec<RunListRow>,
    /// Projects, newest first.
    pub projects: Vec<Project>,
}

/// A run with everything the detail screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDetail {
    pub run: Run,
    pub project_name: String,
    pub persona_name: String,
    pub items: Vec<RunItem>,
    /// The latest measurement of each item that reached `published_items`.
    pub latest_metrics: Vec<ItemPerformance>,
}

/// What the worker reports back (the event loop stamps each with the time it arrives).
#[derive(Debug, Clone, PartialEq)]
pub enum DataEvent {
    Layouts(Result<Vec<Layout>, String>),
    Widget {
        slot: usize,
        generation: u64,
        result: Result<WidgetData, String>,
    },
    RunDetail(Result<RunDetail, String>),
    Flags(Result<Vec<RedFlag>, String>),
    /// A write finished: the message for the status line, and whether it succeeded.
    ActionDone {
        message: String,
        ok: bool,
    },
    LayoutSaved(Result<Layout, String>),
    /// Whether the database answered the last query (and why not).
    Connection(Result<(), String>),
    /// Tables that changed (LISTEN/NOTIFY), so the UI reloads just the widgets that show them.
    Changed(Vec<String>),
    /// The LISTEN connection came back after a gap: changes in between were not notified.
    ChangesMissed,
    Drafts(Result<Vec<DraftChoice>, String>),
    /// The draft a typed id names (`None`: not in this database).
    DraftLookedUp(Uuid, Result<Option<DraftChoice>, String>),
    /// A publish record as it is now, with what to tell the operator about it.
    PublishRecordLoaded(Uuid, Result<(PublishRecord, String), String>),
    GenesisJobs(Result<Vec<PendingGenesisJob>, String>),
    PublishTargets(Result<PublishTargets, String>),
    Published(Result<PublishOutcome, String>),
    /// MPIS's answer to `GenesisStart`, or why there is none (`cancelled` after `CancelGenesis`).
    GenesisStarted(Result<GenesisStartResponse, String>),
    GenesisStatusLoaded(Uuid, Result<GenesisStatus, String>),
    GenesisApproved(Uuid, Result<GenesisApproveResponse, ApproveFailure>),
    GenesisDraft {
        job_id: Uuid,
        draft_no: i32,
        result: Result<Option<GenesisDraft>, String>,
    },
    LayoutRenamed(Result<Layout, String>),
    /// A layout was deleted (its name), or why not.
    LayoutDeleted(Result<String, String>),
    GenesisCommitted(
        Uuid,
        Result<crate::tui::forms::genesis_job::CommittedJob, String>,
    ),
    /// What an id prefix names (the answer to `FindByPrefix`).
    PrefixFound {
        kind: IdKind,
        prefix: String,
        result: Result<crate::store::id_prefix::PrefixMatch, String>,
    },
    FlagDrill(Result<DrillPage, String>),
    Item(Uuid, Result<ItemDetail, String>),
    /// The flag as it is now and whether its condition still holds.
    FlagCondition(Result<(RedFlag, bool), String>),
    OpenFlagCounts(Result<OpenFlagCounts, String>),
    /// The open flags (with `LoadOpenFlagCounts`): compared load by load for alerts.
    OpenFlags(Result<Vec<RedFlag>, String>),
    PersonaChoices(Result<Vec<crate::store::personas::PersonaSummary>, String>),
    RunChoices(Result<RunChoices, String>),
    ProjectCreated(Result<Project, WriteRefused>),
    RunStarted(Result<Run, WriteRefused>),
    Jobs(Result<JobsList, String>),
    JobRuns(
        Uuid,
        Result<Vec<crate::store::ingestion_runs::IngestionRun>, String>,
    ),
    /// A job written (`true`: created), or why not.
    JobSaved(bool, Result<crate::store::jobs::IngestionJob, WriteRefused>),
    JobToggled(Result<crate::store::jobs::IngestionJob, String>),
    /// A job deleted (its name), or why not.
    JobDeleted(String, Result<(), String>),
    /// A run now started (its id), or why not (busy, no scheduler, the database).
    JobRunStarted(Uuid, Result<Uuid, String>),
    /// A run started here has finished: the run as recorded.
    JobRunFinished(
        Uuid,
        Result<crate::store::ingestion_runs::IngestionRun, String>,
    ),
    /// The analyst's answer to `Ask { seq, .. }`, or why there is none in plain words.
    Asked {
        seq: u64,
        result: Result<crate::analyst::Asked, String>,
    },
    AskHistorySaved(Result<(), String>),
}

/// A published item with its measurements, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemDetail {
    pub item: PublishedItem,
    pub metrics: Vec<MetricPoint>,
}

/// Why a genesis call was not made.
pub const NO_MPIS: &str =
    "no MPIS configured: set MPIS_API_URL (or run with --demo for the sandbox)";

/// The answer sent when a genesis start is cancelled.
pub const CANCELLED: &str = "cancelled";

/// Starts the worker and the change listener; returns the command sender and event receiver.
pub fn spawn(
    pool: PgPool,
    operator: String,
    user_id: Uuid,
    thresholds: Thresholds,
) -> (UnboundedSender<Command>, UnboundedReceiver<DataEvent>) {
    spawn_with_mpis(pool, operator, user_id, thresholds, None)
}

/// As [`spawn`], with the MPIS client that publish records are forwarded through.
pub fn spawn_with_mpis(
    pool: PgPool,
    operator: String,
    user_id: Uuid,
    thresholds: Thresholds,
    mpis: Option<MpisClient>,
) -> (UnboundedSender<Command>, UnboundedReceiver<DataEvent>) {
    spawn_with(
        pool,
        operator,
        user_id,
        thresholds,
        Services {
            mpis,
            ..Services::default()
        },
    )
}

/// What the worker calls besides the database; each is optional (without it, what needs it
/// says it is off).
#[derive(Default)]
pub struct Services {
    /// MPIS, that publish records are forwarded through and genesis jobs run on.
    pub mpis: Option<MpisClient>,
    /// The ingestion scheduler `:jobs` runs a job now through (the dashboard's when not
    /// read-only).
    pub scheduler: Option<Scheduler>,
    /// The language model that phrases `:ask`'s answers (config `[analyst]`, as `serve`).
    pub phraser: Option<crate::analyst_llm::Phraser>,
}

/// As [`spawn`], with the services in `services`.
pub fn spawn_with(
    pool: PgPool,
    operator: String,
    user_id: Uuid,
    thresholds: Thresholds,
    services: Services,
) -> (UnboundedSender<Command>, UnboundedReceiver<DataEvent>) {
    let Services {
        mpis,
        scheduler,
        phraser,
    } = services;
    let phraser = phraser.map(std::sync::Arc::new);
    let suggestions = std::sync::Arc::new(suggestions::SuggestionCache::default());
    let (command_tx, mut command_rx) = unbounded_channel::<Command>();
    let (event_tx, event_rx) = unbounded_channel::<DataEvent>();
    tokio::spawn(listen_for_changes(pool.clone(), event_tx.clone()));
    // Shares the missing-metrics recount with other open dashboards (25 s).
    let evaluator = std::sync::Arc::new(crate::jobs::evaluator::Evaluator::new(
        pool.clone(),
        thresholds.clone(),
        std::time::Duration::from_secs(25),
    ));
    tokio::spawn(async move {
        // The genesis start in flight, so that `CancelGenesis` can abort it.
        let mut genesis: Option<AbortHandle> = None;
        // The question in flight (`CancelAsk`, or a newer question, aborts it).
        let mut asking: Option<AbortHandle> = None;
        while let Some(command) = command_rx.recv().await {
            if command == Command::CancelGenesis {
                if let Some(handle) = genesis.take().filter(|h| !h.is_finished()) {
                    handle.abort();
                    let _ = event_tx.send(DataEvent::GenesisStarted(Err(CANCELLED.to_string())));
                }
                continue;
            }
            if command == Command::CancelAsk {
                if let Some(handle) = asking.take() {
                    handle.abort();
                }
                continue;
            }
            let is_genesis = matches!(command, Command::GenesisStart(_));
            let is_ask = matches!(command, Command::Ask { .. });
            // One task per command: a slow query never holds up the others.
            let context = Context {
                pool: pool.clone(),
                mpis: mpis.clone(),
                operator: operator.clone(),
                user_id,
                thresholds: thresholds.clone(),
                events: event_tx.clone(),
                evaluator: evaluator.clone(),
                scheduler: scheduler.clone(),
                phraser: phraser.clone(),
                suggestions: suggestions.clone(),
            };
            let task = tokio::spawn(async move { context.handle(command).await });
            if is_genesis && let Some(previous) = genesis.replace(task.abort_handle()) {
                previous.abort();
            }
            if is_ask && let Some(previous) = asking.replace(task.abort_handle()) {
                previous.abort();
            }
        }
    });
    (command_tx, event_rx)
}

struct Context {
    pool: PgPool,
    mpis: Option<MpisClient>,
    operator: String,
    user_id: Uuid,
    thresholds: Thresholds,
    events: UnboundedSender<DataEvent>,
    /// The red flag evaluator's pass (`jobs::evaluator`, one at a time across processes).
    evaluator: std::sync::Arc<crate::jobs::evaluator::Evaluator>,
    /// Run now for `:jobs` (the API's `Scheduler::run_now`).
    scheduler: Option<Scheduler>,
    /// Phrases `:ask`'s answers when configured.
    phraser: Option<std::sync::Arc<crate::analyst_llm::Phraser>>,
    /// The recommendations widget's fallback, reused for a while (`suggestions::KEEP_FOR`).
    suggestions: std::sync::Arc<suggestions::SuggestionCache>,
}

impl Context {
    fn send(&self, event: DataEvent) {
        // The UI has quit when the receiver is gone; nothing left to tell.
        let _ = self.events.send(event);
    }

    /// Reports the connection state that a result implies, then passes the result on.
    fn observe<T>(&self, result: Result<T, StoreError>) -> Result<T, String> {
        match &result {
            Ok(_) => self.send(DataEvent::Connection(Ok(()))),
            Err(StoreError::Database(err)) if is_connection_error(err) => {
                self.send(DataEvent::Connection(Err(err.to_string())))
            }
            Err(_) => {}
        }
        result.map_err(|e| e.to_string())
    }

    async fn handle(self, command: Command) {
        match command {
            Command::LoadLayouts => {
                let result = layouts::list_for_user(&self.pool, Some(self.user_id)).await;
                let event = DataEvent::Layouts(self.observe(result));
                self.send(event);
            }
            Command::LoadWidget {
                slot,
                generation,
                kind,
                filter,
                cursor,
                page,
            } => {
                let result = load_widget(
                    &self.pool,
                    &self.thresholds,
                    &kind,
                    &filter,
                    cursor,
                    page,
                    &self.suggestions,
                )
                .await;
                let result = self.observe(result);
                self.send(DataEvent::Widget {
                    slot,
                    generation,
                    result,
                });
            }
            Command::LoadRunDetail { run_id } => {
                let result = load_run_detail(&self.pool, run_id).await;
                let event = DataEvent::RunDetail(self.observe(result));
                self.send(event);
            }
            Command::LoadFlags { include_resolved } => {
                let result = red_flags::list(&self.pool, include_resolved, 200).await;
                let event = DataEvent::Flags(self.observe(result));
                self.send(event);
            }
            Command::AcknowledgeFlag { id } => self.acknowledge_flag(id).await,
            Command::ResolveFlag { id } => self.resolve_flag(id).await,
            Command::SaveLayout {
                own_id,
                name,
                config,
            } => self.save_layout(own_id, name, config).await,
            Command::DeleteLayout { id } => self.delete_layout(id).await,
            Command::LoadDrafts => {
                let result = drafts::approved(&self.pool, 200).await;
                let event = DataEvent::Drafts(self.observe(result));
                self.send(event);
            }
            Command::LookupDraft(id) => {
                let result = drafts::get(&self.pool, id).await;
                let event = DataEvent::DraftLookedUp(id, self.observe(result));
                self.send(event);
            }
            Command::LoadPublishRecord(id) => {
                let result = outbox::get(&self.pool, id).await.and_then(|record| {
                    record.ok_or_else(|| StoreError::not_found("publish record", id))
                });
                let result = self.observe(result).map(|record| {
                    let note = publish_note(&record, self.mpis.is_some());
                    (record, note)
                });
                self.send(DataEvent::PublishRecordLoaded(id, result));
            }
            Command::FindByPrefix { kind, prefix } => {
                use crate::store::id_prefix;
                let result = match kind {
                    IdKind::Run => id_prefix::run(&self.pool, &prefix).await,
                    IdKind::GenesisJob => id_prefix::genesis_job(&self.pool, &prefix).await,
                };
                let result = self.observe(result);
                self.send(DataEvent::PrefixFound {
                    kind,
                    prefix,
                    result,
                });
            }
            Command::LoadGenesisJobs => {
                let result = genesis::awaiting_approval(&self.pool, GENESIS_JOBS).await;
                let event = DataEvent::GenesisJobs(self.observe(result));
                self.send(event);
            }
            Command::LoadPublishTargets => {
                let result = load_publish_targets(&self.pool).await;
                let event = DataEvent::PublishTargets(self.observe(result));
                self.send(event);
            }
            Command::Publish(valid) => {
                let result = self.publish(&valid).await;
                let event = DataEvent::Published(self.observe(result));
                self.send(event);
            }
            Command::GenesisStatus(job_id) => self.genesis_status(job_id).await,
            Command::GenesisApprove(request) => {
                let result = self.genesis_approve(&request).await;
                self.send(DataEvent::GenesisApproved(request.job_id, result));
            }
            Command::GenesisStart(valid) => self.genesis_start(&valid).await,
            Command::LoadGenesisCommitted { job_id, persona_id } => {
                let result = self.genesis_committed(job_id, persona_id).await;
                self.send(DataEvent::GenesisCommitted(job_id, result));
            }
            Command::LoadGenesisDraft { job_id, draft_no } => {
                let result = genesis::draft(&self.pool, job_id, draft_no).await;
                let result = self.observe(result);
                self.send(DataEvent::GenesisDraft {
                    job_id,
                    draft_no,
                    result,
                });
            }
            // Handled by the command loop, which holds the task to abort.
            Command::CancelGenesis => {}
            Command::Evaluate => self.evaluate().await,
            Command::RenameLayout { id, name } => self.rename_layout(id, name).await,
            Command::RetryPublishRecord(id) => self.retry_publish(id).await,
            Command::LoadFlagDrill { kind, at, after } => {
                self.load_flag_drill(kind, at, after).await
            }
            Command::LoadItem { id } => self.load_item(id).await,
            Command::CheckFlagCondition { id } => self.check_flag_condition(id).await,
            Command::SilenceFlag { id, hours, times } => self.silence_flag(id, hours, times).await,
            Command::LoadOpenFlagCounts => self.load_open_flag_counts().await,
            Command::LoadPersonaChoices => self.load_persona_choices().await,
            Command::LoadRunChoices => self.load_run_choices().await,
            Command::CreateProject(valid) => self.create_project(valid).await,
            Command::StartRun(valid) => self.start_run(valid).await,
            Command::LoadJobs => self.load_jobs().await,
            Command::LoadJobRuns(job_id) => self.load_job_runs(job_id).await,
            Command::SaveJob(id, valid) => self.save_job(id, valid).await,
            Command::SetJobEnabled { id, enabled } => self.set_job_enabled(id, enabled).await,
            Command::RunJobNow(job_id) => self.run_job_now(job_id).await,
            Command::DeleteJob { id, name } => self.delete_job(id, name).await,
            Command::Ask {
                seq,
                persona_id,
                range,
                question,
            } => self.ask(seq, persona_id, range, question).await,
            // Handled by the command loop, which holds the task to abort.
            Command::CancelAsk => {}
            Command::RecordAskQuestion { path, question } => {
                self.record_ask_question(path, question).await
            }
        }
    }

    fn report(&self, result: Result<String, StoreError>) {
        let event = match self.observe(result) {
            Ok(message) => DataEvent::ActionDone { message, ok: true },
            Err(message) => DataEvent::ActionDone { message, ok: false },
        };
        self.send(event);
    }
}

fn is_connection_error(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
    ) || matches!(err, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")))
}
