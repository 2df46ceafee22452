//! The background worker: runs every database query and write for the UI on tokio tasks and
//! sends the results back as events. The UI loop never awaits I/O, so a key is handled within
//! a frame however slow PostgreSQL is (or while it is down).

use crate::store::outbox::OutboxState;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::AbortHandle;
use uuid::Uuid;

use super::data::{
    OutboxData, PersonasData, Recommendation, RedFlagsData, RunsData, WidgetData, WidgetFilter,
    WidgetKind,
};
use crate::domain::genesis::ValidGenesis;
use crate::domain::publish::ValidPublish;
use crate::domain::red_flags::Thresholds;
use crate::domain::run_status::RunStatus;
use crate::jobs::outbox::Forwarder;
use crate::mpis::MpisClient;
use crate::mpis::types::{
    GenesisApproveRequest, GenesisApproveResponse, GenesisStartRequest, GenesisStartResponse,
    GenesisStatus, SourceInput,
};
use crate::retry::Backoff;
use crate::store::audit;
use crate::store::drafts::{self, DraftChoice};
use crate::store::genesis::{GenesisDraft, PendingGenesisJob};
use crate::store::layouts::{self, Layout, LayoutChanges, NewLayout};
use crate::store::metrics::ItemPerformance;
use crate::store::outbox::{NewPublishRecord, PublishRecord};
use crate::store::projects::{self, Project};
use crate::store::red_flags::{self, RedFlag};
use crate::store::runs::{self, Run, RunCursor, RunFilter, RunItem, RunListRow};
use crate::store::{StoreError, genesis, jobs, metrics, outbox, personas, recommendations as recs};
use crate::tui::forms::genesis_job::{ApproveFailure, CallKind};

/// The channel our tables' triggers notify on (migration 0005).
pub const CHANGES_CHANNEL: &str = "mpis_dash_changes";

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

/// What the worker reports back.
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
    let (command_tx, mut command_rx) = unbounded_channel::<Command>();
    let (event_tx, event_rx) = unbounded_channel::<DataEvent>();
    tokio::spawn(listen_for_changes(pool.clone(), event_tx.clone()));
    tokio::spawn(async move {
        // The genesis start in flight, so that `CancelGenesis` can abort it.
        let mut genesis: Option<AbortHandle> = None;
        while let Some(command) = command_rx.recv().await {
            if command == Command::CancelGenesis {
                if let Some(handle) = genesis.take().filter(|h| !h.is_finished()) {
                    handle.abort();
                    let _ = event_tx.send(DataEvent::GenesisStarted(Err(CANCELLED.to_string())));
                }
                continue;
            }
            let is_genesis = matches!(command, Command::GenesisStart(_));
            // One task per command: a slow query never holds up the others.
            let context = Context {
                pool: pool.clone(),
                mpis: mpis.clone(),
                operator: operator.clone(),
                user_id,
                thresholds: thresholds.clone(),
                events: event_tx.clone(),
            };
            let task = tokio::spawn(async move { context.handle(command).await });
            if is_genesis && let Some(previous) = genesis.replace(task.abort_handle()) {
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
                let result =
                    load_widget(&self.pool, &self.thresholds, &kind, &filter, cursor, page).await;
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
            Command::AcknowledgeFlag { id } => {
                let result = red_flags::acknowledge(&self.pool, id, &self.operator).await;
                self.report(result.map(|f| format!("acknowledged: {}", flag_name(&f))));
            }
            Command::ResolveFlag { id } => {
                let result = red_flags::resolve(&self.pool, id, &self.operator).await;
                self.report(result.map(|f| format!("resolved: {}", flag_name(&f))));
            }
            Command::SaveLayout {
                own_id,
                name,
                config,
            } => {
                let result = match own_id {
                    Some(id) => {
                        let changes = LayoutChanges {
                            config: Some(config),
                            ..LayoutChanges::default()
                        };
                        layouts::update(&self.pool, id, &changes).await
                    }
                    None => {
                        let new = NewLayout {
                            user_id: Some(self.user_id),
                            name,
                            is_default: true,
                            config,
                        };
                        layouts::create(&self.pool, &new).await
                    }
                };
                let event = DataEvent::LayoutSaved(self.observe(result));
                self.send(event);
            }
            Command::DeleteLayout { id } => {
                let result = layouts::delete(&self.pool, id).await;
                self.report(
                    result.map(|()| "your layout was removed; the default is back".to_string()),
                );
            }
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
            Command::GenesisStatus(job_id) => {
                let result = match &self.mpis {
                    None => Err(NO_MPIS.to_string()),
                    Some(client) => client
                        .genesis_status(job_id)
                        .await
                        .map_err(|e| e.user_message()),
                };
                self.send(DataEvent::GenesisStatusLoaded(job_id, result));
            }
            Command::GenesisApprove(request) => {
                let result = self.genesis_approve(&request).await;
                self.send(DataEvent::GenesisApproved(request.job_id, result));
            }
            Command::GenesisStart(valid) => {
                let result = match &self.mpis {
                    None => Err(NO_MPIS.to_string()),
                    Some(client) => client
                        .genesis_start(&genesis_request(&valid))
                        .await
                        .map_err(|e| e.user_message()),
                };
                if let Ok(started) = &result {
                    let details = serde_json::json!({
                        "persona_name": valid.persona_name,
                        "draft_no": started.draft_no,
                    });
                    if let Err(error) = self.audit("genesis_started", started.job_id, details).await
                    {
                        self.send(DataEvent::ActionDone {
                            message: format!(
                                "MPIS started the job, but the audit entry failed: {error}"
                            ),
                            ok: false,
                        });
                    }
                }
                self.send(DataEvent::GenesisStarted(result));
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
            Command::Evaluate => {
                // Shares the missing-metrics recount with other open dashboards (25 s).
                let result = red_flags::evaluate_and_record_within(
                    &self.pool,
                    &self.thresholds,
                    Utc::now(),
                    chrono::Duration::seconds(25),
                )
                .await;
                // Quiet on success: the widgets reload through the change notifications.
                if let Err(message) = self.observe(result) {
                    self.send(DataEvent::ActionDone {
                        message: format!("red flag evaluation failed: {message}"),
                        ok: false,
                    });
                }
            }
        }
    }

    /// The outbox write first (one transaction with its audit entry): from then on nothing is
    /// lost. Then that record is forwarded (not the whole queue), so the operator usually sees
    /// MPIS's id at once.
    async fn publish(&self, valid: &ValidPublish) -> Result<PublishOutcome, StoreError> {
        let new = NewPublishRecord {
            idempotency_key: valid.idempotency_key(),
            run_id: valid.run_id(),
            project_id: valid.project_id(),
            persona_id: None,
            published_at: Some(valid.published_at()),
            draft_id: valid.draft_id(),
            channel: valid.channel().as_str().to_string(),
            channel_item_id: Some(valid.channel_item_id().to_string()),
            channel_url: valid.channel_url().map(str::to_string),
            created_by: self.operator.clone(),
        };
        let enqueued = outbox::enqueue(&self.pool, &new).await?;
        let id = enqueued.record.id;
        if let Some(client) = &self.mpis
            && enqueued.record.state == OutboxState::Queued
        {
            Forwarder::new(self.pool.clone(), client.clone())
                .forward_one(id)
                .await?;
        }
        let record = outbox::get(&self.pool, id)
            .await?
            .ok_or_else(|| StoreError::not_found("publish record", id))?;
        let note = publish_note(&record, self.mpis.is_some());
        Ok(PublishOutcome {
            record,
            created: enqueued.created,
            note,
        })
    }

    /// An edit or the confirm in MPIS; on success the audit entry with the operator.
    async fn genesis_approve(
        &self,
        request: &GenesisApproveRequest,
    ) -> Result<GenesisApproveResponse, ApproveFailure> {
        let call = if request.confirm {
            CallKind::Approve
        } else {
            CallKind::Edit
        };
        let Some(client) = &self.mpis else {
            return Err(ApproveFailure {
                call,
                message: NO_MPIS.to_string(),
                stale_draft: None,
            });
        };
        let response = client
            .genesis_approve(request)
            .await
            .map_err(|e| ApproveFailure {
                call,
                message: e.user_message(),
                stale_draft: e.stale_draft(),
            })?;
        let (event_type, details) = if request.confirm {
            (
                "genesis_approved",
                serde_json::json!({
                    "persona_id": response.persona_id,
                    "version": response.version,
                    "draft_no": request.draft_no,
                }),
            )
        } else {
            (
                "genesis_draft_edited",
                serde_json::json!({
                    "draft_no": response.draft_no,
                    "edits": request.edits,
                }),
            )
        };
        if let Err(error) = self.audit(event_type, request.job_id, details).await {
            self.send(DataEvent::ActionDone {
                message: format!("MPIS accepted it, but the audit entry failed: {error}"),
                ok: false,
            });
        }
        Ok(response)
    }

    async fn audit(&self, event_type: &str, job_id: Uuid, details: Value) -> Result<(), String> {
        let mut conn = self.pool.acquire().await.map_err(|e| e.to_string())?;
        audit::record(
            &mut conn,
            event_type,
            "genesis_job",
            job_id,
            &self.operator,
            details,
        )
        .await
        .map_err(|e| e.to_string())
    }

    fn report(&self, result: Result<String, StoreError>) {
        let event = match self.observe(result) {
            Ok(message) => DataEvent::ActionDone { message, ok: true },
            Err(message) => DataEvent::ActionDone { message, ok: false },
        };
        self.send(event);
    }
}

/// What the operator should know about a publish record as it is now: forwarded with MPIS's
/// id, refused with MPIS's reason, or queued with when it is tried next and why.
pub fn publish_note(record: &PublishRecord, mpis_configured: bool) -> String {
    match record.state {
        OutboxState::Forwarded => format!(
            "forwarded to MPIS: published item {}",
            record
                .mpis_published_item_id
                .map(|i| i.to_string())
                .unwrap_or_default()
        ),
        OutboxState::Failed => format!(
            "MPIS refused it: {}",
            record.last_error.clone().unwrap_or_default()
        ),
        OutboxState::Queued if !mpis_configured => {
            "queued: no MPIS configured; it is forwarded once one is".to_string()
        }
        OutboxState::Queued => format!(
            "queued, will retry at {}: {}",
            record.next_attempt_at.format("%H:%M:%S UTC"),
            record
                .last_error
                .clone()
                .unwrap_or_else(|| "waiting for its turn".to_string())
        ),
    }
}

async fn load_publish_targets(pool: &PgPool) -> Result<PublishTargets, StoreError> {
    let runs = runs::list(pool, &RunFilter::default(), None, 50)
        .await?
        .rows;
    let projects = projects::list(pool, 200, 0).await?;
    Ok(PublishTargets { runs, projects })
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

fn flag_name(flag: &RedFlag) -> String {
    flag.description
        .clone()
        .unwrap_or_else(|| flag.flag_type.clone())
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

const LIST_ROWS: i64 = 50;
/// Genesis jobs awaiting approval looked up by name: more than the widget shows.
const GENESIS_JOBS: i64 = 200;

async fn load_widget(
    pool: &PgPool,
    thresholds: &Thresholds,
    kind: &WidgetKind,
    filter: &WidgetFilter,
    cursor: Option<RunCursor>,
    page: usize,
) -> Result<WidgetData, StoreError> {
    let channel = filter.channel.as_deref();
    Ok(match kind {
        WidgetKind::RedFlags => {
            let evaluation = red_flags::summary(pool, thresholds, Utc::now()).await?;
            WidgetData::RedFlags(RedFlagsData {
                overall: evaluation.overall.as_str().to_string(),
                summary: evaluation.summary,
                open_flags: red_flags::list(pool, false, 20).await?,
            })
        }
        WidgetKind::Runs => {
            let run_filter = RunFilter {
                status: filter
                    .status
                    .as_deref()
                    .and_then(|s| RunStatus::parse(s).ok()),
                persona_id: filter.persona_id,
                ..RunFilter::default()
            };
            let page_rows = runs::list(pool, &run_filter, cursor, LIST_ROWS).await?;
            WidgetData::Runs(RunsData {
                rows: page_rows.rows,
                next: page_rows.next,
                page,
            })
        }
        WidgetKind::RecentPosts => {
            WidgetData::RecentPosts(metrics::recent_posts(pool, LIST_ROWS, channel).await?)
        }
        WidgetKind::EngagementChart => WidgetData::Engagement(
            metrics::engagement_per_day(pool, filter.days, channel, filter.persona_id).await?,
        ),
        WidgetKind::ChannelPerformance => {
            WidgetData::Channels(metrics::per_channel(pool, filter.days, filter.persona_id).await?)
        }
        WidgetKind::PersonaOverview => WidgetData::Personas(PersonasData {
            personas: personas::list(pool, LIST_ROWS, 0).await?,
            awaiting_approval: genesis::awaiting_approval(pool, 20).await?,
        }),
        WidgetKind::EidosRecommendations => WidgetData::Recommendations(
            recs::latest(pool, filter.persona_id, 10)
                .await?
                .into_iter()
                .map(|r| Recommendation {
                    persona_id: r.persona_id,
                    computed_at: r.computed_at,
                    status: format!("{} · {}", r.persona_name, r.status),
                    items: recs::texts(&r.recommendations.0)
                        .into_iter()
                        .take(3)
                        .collect(),
                })
                .collect(),
        ),
        WidgetKind::IngestionJobs => {
            let mut all = jobs::list(pool, 200).await?;
            if let Some(channel) = channel {
                all.retain(|j| j.channel.eq_ignore_ascii_case(channel));
            }
            WidgetData::Jobs(all)
        }
        WidgetKind::Outbox => WidgetData::Outbox(OutboxData {
            counts: outbox::counts(pool).await?,
            unforwarded: outbox::list_unforwarded(pool, LIST_ROWS).await?,
        }),
        WidgetKind::Unsupported(id) => {
            return Err(StoreError::invalid(
                "widget_id",
                format!("{id} is a custom widget this terminal cannot draw"),
            ));
        }
    })
}

async fn load_run_detail(pool: &PgPool, run_id: Uuid) -> Result<RunDetail, StoreError> {
    let run = runs::get(pool, run_id)
        .await?
        .ok_or_else(|| StoreError::not_found("run", run_id))?;
    let project_name = projects::get(pool, run.project_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let persona_name = personas::get(pool, run.persona_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let items = runs::items(pool, run_id).await?;
    let published: Vec<Uuid> = items.iter().filter_map(|i| i.published_item_id).collect();
    let latest_metrics = metrics::latest_for_items(pool, &published).await?;
    Ok(RunDetail {
        latest_metrics,
        run,
        project_name,
        persona_name,
        items,
    })
}

/// LISTENs on a dedicated connection and forwards which tables changed; reconnects with the
/// one backoff policy when the database goes away (the UI keeps polling meanwhile). What changed
/// while it was away was never notified, so after a reconnect the UI reloads everything.
async fn listen_for_changes(pool: PgPool, events: UnboundedSender<DataEvent>) {
    let policy = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
    let mut pauses = policy.pauses();
    let mut listened_before = false;
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if listener.listen(CHANGES_CHANNEL).await.is_ok() {
                    pauses = policy.pauses();
                    if listened_before && events.send(DataEvent::ChangesMissed).is_err() {
                        return;
                    }
                    listened_before = true;
                    // An error means the connection is gone: reconnect below.
                    while let Ok(notification) = listener.recv().await {
                        let tables = notification
                            .payload()
                            .split(',')
                            .map(str::to_string)
                            .collect();
                        if events.send(DataEvent::Changed(tables)).is_err() {
                            return;
                        }
                    }
                }
            }
            Err(_) if events.is_closed() => return,
            Err(_) => {}
        }
        if events.is_closed() {
            return;
        }
        tokio::time::sleep(pauses.next().unwrap_or(policy.max)).await;
    }
}
