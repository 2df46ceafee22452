//! The calls that reach MPIS: a publish (the outbox write first, then forwarding that record),
//! the genesis start, status and approve (with their audit entries).

use serde_json::Value;
use uuid::Uuid;

use super::{Context, DataEvent, NO_MPIS, PublishOutcome};
use crate::domain::genesis::ValidGenesis;
use crate::domain::publish::ValidPublish;
use crate::jobs::outbox::{Forwarder, publish_note};
use crate::mpis::types::{GenesisApproveRequest, GenesisApproveResponse, genesis_request};
use crate::store::outbox::{self, NewPublishRecord, OutboxState, PublishRecord};
use crate::store::{StoreError, audit};
use crate::tui::forms::genesis_job::{ApproveFailure, CallKind};

impl Context {
    /// `POST /genesis/start`; on success the audit entry. Answered by `GenesisStarted`.
    pub(super) async fn genesis_start(&self, valid: &ValidGenesis) {
        let result = match &self.mpis {
            None => Err(NO_MPIS.to_string()),
            Some(client) => client
                .genesis_start(&genesis_request(valid))
                .await
                .map_err(|e| e.user_message()),
        };
        if let Ok(started) = &result {
            let details = serde_json::json!({
                "persona_name": valid.persona_name,
                "draft_no": started.draft_no,
            });
            if let Err(error) = self.audit("genesis_started", started.job_id, details).await {
                self.send(DataEvent::ActionDone {
                    message: format!("MPIS started the job, but the audit entry failed: {error}"),
                    ok: false,
                });
            }
        }
        self.send(DataEvent::GenesisStarted(result));
    }

    /// `GET /genesis/status/{job_id}`; answered by `GenesisStatusLoaded`.
    pub(super) async fn genesis_status(&self, job_id: Uuid) {
        let result = match &self.mpis {
            None => Err(NO_MPIS.to_string()),
            Some(client) => client
                .genesis_status(job_id)
                .await
                .map_err(|e| e.user_message()),
        };
        self.send(DataEvent::GenesisStatusLoaded(job_id, result));
    }

    /// What the database and MPIS say of a committed job: persona and version, export paths.
    pub(super) async fn genesis_committed(
        &self,
        job_id: Uuid,
        persona_id: Option<Uuid>,
    ) -> Result<crate::tui::forms::genesis_job::CommittedJob, String> {
        let stored = crate::store::genesis::committed_persona(&self.pool, job_id).await;
        let stored = self.observe(stored)?;
        let persona_id = persona_id.or(stored.as_ref().map(|p| p.persona_id));
        let (export_paths, export_error) = match (&self.mpis, persona_id) {
            (None, _) => (None, Some(NO_MPIS.to_string())),
            (Some(_), None) => (None, Some("MPIS names no persona for this job".to_string())),
            (Some(client), Some(persona)) => match client.genesis_export(persona).await {
                Ok(export) => {
                    let files = [
                        ("core", export.files.core),
                        ("memory", export.files.memory),
                        ("docs", export.files.docs),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                    (
                        Some(crate::mpis::types::ExportPaths {
                            base_path: export.base_path,
                            files,
                        }),
                        None,
                    )
                }
                Err(error) => (None, Some(error.user_message())),
            },
        };
        Ok(crate::tui::forms::genesis_job::CommittedJob {
            persona_id,
            version: stored.and_then(|p| p.active_version),
            export_paths,
            export_error,
        })
    }

    /// The outbox write first (one transaction with its audit entry): from then on nothing is
    /// lost. Then that record is forwarded (not the whole queue), so the operator usually sees
    /// MPIS's id at once.
    pub(super) async fn publish(&self, valid: &ValidPublish) -> Result<PublishOutcome, StoreError> {
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
        let queued = enqueued.record.state == OutboxState::Queued;
        let record = self.forward_now(enqueued.record.id, queued).await?;
        let note = publish_note(&record, self.mpis.is_some());
        Ok(PublishOutcome {
            record,
            created: enqueued.created,
            note,
        })
    }

    /// An edit or the confirm in MPIS; on success the audit entry with the operator.
    pub(super) async fn genesis_approve(
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
}

impl Context {
    /// Forwards record `id` at once when `forward` and MPIS is configured (the background
    /// forwarder would only get to it later), then reads where the record is now.
    async fn forward_now(&self, id: Uuid, forward: bool) -> Result<PublishRecord, StoreError> {
        if let Some(client) = self.mpis.as_ref().filter(|_| forward) {
            Forwarder::new(self.pool.clone(), client.clone())
                .forward_one(id)
                .await?;
        }
        outbox::get(&self.pool, id)
            .await?
            .ok_or_else(|| StoreError::not_found("publish record", id))
    }

    /// A failed record queued again by the operator (audited), then forwarded at once when
    /// MPIS is configured; the status line gets where it is now.
    pub(super) async fn retry_publish(&self, id: Uuid) {
        let result = async {
            outbox::retry_failed(&self.pool, id, &self.operator).await?;
            let record = self.forward_now(id, true).await?;
            Ok::<_, StoreError>(format!(
                "retry: {}",
                publish_note(&record, self.mpis.is_some())
            ))
        }
        .await;
        self.report(result);
    }
}
