//! The publish outbox forwarder: sends queued publish records to MPIS until MPIS accepts them,
//! and never sends one twice.
//!
//! A record is claimed with a lease (`store::outbox::claim_due`, `FOR UPDATE SKIP LOCKED`), so
//! several forwarders never hold the same one. Before sending, the forwarder looks for the
//! published item in MPIS's own table (the dashboard shares MPIS's database): if an earlier
//! attempt reached MPIS but its answer was lost (or the process died before marking the
//! record), the item is already there and the record is marked forwarded without a second
//! send. That match is by identity (draft, channel, channel item id), never by time: MPIS's
//! timestamps are shifted when the database's time zone is not UTC. Each send also carries the
//! record's idempotency key. Retryable failures (unreachable, timeout, 5xx) are retried with
//! exponential backoff and jitter; MPIS refusing the record (4xx) fails it for good.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::jobs::every::every;
use crate::jobs::runner::Stop;
use crate::retry::Backoff;
use crate::state_log::{Change, StateLog, format_outage};
use crate::store::StoreResult;
use crate::store::outbox::{self, OutboxState, PublishRecord};

/// Why a send did not succeed, as the forwarder needs to know it.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardError {
    pub message: String,
    /// True when trying again later can succeed (MPIS down, timeout, 5xx).
    pub retryable: bool,
    /// A stable key of the kind of failure (`unreachable`, `HTTP 503`), so the log says when
    /// forwarding starts failing, not on every attempt.
    pub kind: String,
}

/// Something that delivers a publish record to MPIS and returns MPIS's published item id.
pub trait Forward: Send + Sync {
    fn forward(
        &self,
        record: &PublishRecord,
    ) -> impl Future<Output = Result<Uuid, ForwardError>> + Send;
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub forwarded: usize,
    /// Found already recorded in MPIS (an earlier attempt got through): marked, not re-sent.
    pub already_recorded: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Claimed, then given back untried because a stop was asked for.
    pub released: usize,
}

pub struct Forwarder<F> {
    pool: PgPool,
    forward: F,
    /// How long a claimed record is ours; longer than any send can take.
    pub lease: Duration,
    pub batch: i64,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Whether records are getting through, and whether passes can reach the database: each
    /// logged once per change.
    forwarding: StateLog,
    database: StateLog,
}

impl<F: Forward> Forwarder<F> {
    pub fn new(pool: PgPool, forward: F) -> Forwarder<F> {
        Forwarder {
            pool,
            forward,
            lease: Duration::from_secs(120),
            batch: 20,
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(600),
            forwarding: StateLog::new(),
            database: StateLog::new(),
        }
    }

    /// Claims the due records and tries each once.
    pub async fn run_once(&self) -> StoreResult<PassReport> {
        self.pass(&Stop::never()).await
    }

    /// Claims the due records and tries each once, until `stop` is requested: the record in
    /// flight is finished, the claimed ones not tried yet are released (claimable again at
    /// once, by another instance too).
    pub async fn pass(&self, stop: &Stop) -> StoreResult<PassReport> {
        let mut report = PassReport::default();
        let mut claimed = outbox::claim_due(&self.pool, self.lease, self.batch)
            .await?
            .into_iter();
        while let Some(record) = claimed.next() {
            if stop.requested() {
                let rest: Vec<Uuid> = std::iter::once(record.id)
                    .chain(claimed.map(|record| record.id))
                    .collect();
                report.released = outbox::release(&self.pool, &rest).await? as usize;
                break;
            }
            if let Err(error) = self.try_claimed(record, &mut report).await {
                // The database failed mid-pass: give the untried ones back if it still can
                // (their leases run out otherwise; the one that failed keeps its lease).
                let rest: Vec<Uuid> = claimed.map(|record| record.id).collect();
                let _ = outbox::release(&self.pool, &rest).await;
                return Err(error);
            }
        }
        Ok(report)
    }

    /// Tries one record now (a publish just submitted from the form), if it is queued and no
    /// other forwarder holds it; other queued records wait for their own turn.
    pub async fn forward_one(&self, id: Uuid) -> StoreResult<PassReport> {
        let mut report = PassReport::default();
        if let Some(record) = outbox::claim(&self.pool, id, self.lease).await? {
            self.try_claimed(record, &mut report).await?;
        }
        Ok(report)
    }

    /// One claimed record: already in MPIS, forwarded, kept for a retry, or failed for good.
    async fn try_claimed(&self, record: PublishRecord, report: &mut PassReport) -> StoreResult<()> {
        if let Some(existing) = outbox::find_in_mpis(&self.pool, &record).await? {
            outbox::mark_forwarded(&self.pool, record.id, existing).await?;
            report.already_recorded += 1;
            return Ok(());
        }
        match self.forward.forward(&record).await {
            Ok(mpis_id) => {
                outbox::mark_forwarded(&self.pool, record.id, mpis_id).await?;
                report.forwarded += 1;
                if let Some(Change::Up { reason, after }) =
                    self.forwarding.succeeded(Instant::now())
                {
                    tracing::warn!(
                        "publish outbox forwards again after {} (last failure: {reason})",
                        format_outage(after)
                    );
                }
            }
            Err(error) if error.retryable => {
                let retry_at = retry_time(
                    Utc::now(),
                    record.attempts,
                    self.backoff_base,
                    self.backoff_max,
                );
                outbox::record_failure(&self.pool, record.id, &error.message, retry_at).await?;
                report.retrying += 1;
                if self
                    .forwarding
                    .failed(&error.kind, &error.message, Instant::now())
                    .is_some()
                {
                    tracing::warn!(
                        "publish outbox: record {} (draft {}, {}) kept queued, retried with \
                         backoff (attempt {}, next at {}): {}",
                        record.id,
                        record.draft_id,
                        record.channel,
                        record.attempts,
                        retry_at.format("%H:%M:%S UTC"),
                        error.message
                    );
                } else {
                    tracing::debug!(
                        "publish record {} retry {} failed: {}",
                        record.id,
                        record.attempts,
                        error.message
                    );
                }
            }
            Err(error) => {
                outbox::mark_failed(&self.pool, record.id, &error.message).await?;
                report.failed += 1;
                // A record's own final state: one line per record, never repeated.
                tracing::warn!(
                    "publish record {} (draft {}, {}) refused by MPIS, not retried: {}",
                    record.id,
                    record.draft_id,
                    record.channel,
                    error.message
                );
            }
        }
        Ok(())
    }

    /// Runs passes every `interval` until `stop` is requested: the pass in flight finishes
    /// its record in flight and releases the rest. A failing pass (database down) is logged
    /// and retried at the next interval.
    pub async fn run(&self, interval: Duration, stop: Stop) {
        let stopped = stop.clone().wait();
        every("publish outbox", interval, stopped, &self.database, || {
            self.pass(&stop)
        })
        .await;
    }
}

/// When to try a record again after `attempts` failed tries: the one backoff policy
/// (`crate::retry`), so many records failing together do not retry together.
pub fn retry_time(
    now: DateTime<Utc>,
    attempts: i32,
    base: Duration,
    max: Duration,
) -> DateTime<Utc> {
    let pause = Backoff::new(base, max).pause_after(attempts.max(1) as u32);
    now + chrono::Duration::from_std(pause).unwrap_or(chrono::Duration::seconds(600))
}

/// The real forwarder: MPIS's `POST /publisher/publish/record` with the four fields MPIS takes
/// (the dashboard's local fields never leave) and the record's idempotency key.
impl Forward for crate::mpis::MpisClient {
    async fn forward(&self, record: &PublishRecord) -> Result<Uuid, ForwardError> {
        let request = crate::mpis::types::PublishRecordRequest {
            draft_id: record.draft_id,
            channel: record.channel.clone(),
            channel_item_id: record.channel_item_id.clone(),
            channel_url: record.channel_url.clone(),
        };
        self.publish_record(&request, &record.idempotency_key)
            .await
            .map(|response| response.id)
            .map_err(|error| ForwardError {
                message: error.user_message(),
                retryable: error.is_retryable(),
                kind: error.outage_kind().unwrap_or_else(|| "refused".to_owned()),
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_attempt_follows_the_backoff_policy() {
        let now = Utc::now();
        let base = Duration::from_secs(5);
        let max = Duration::from_secs(600);
        for (attempts, low) in [(1, 5), (2, 10), (3, 20), (4, 40)] {
            let wait = (retry_time(now, attempts, base, max) - now).num_milliseconds();
            assert!(
                wait >= low * 1000 && wait < low * 2000,
                "attempt {attempts}: {wait} ms"
            );
        }
        let capped = (retry_time(now, 30, base, max) - now).num_seconds();
        assert!((600..1200).contains(&capped), "{capped}");
    }
}
