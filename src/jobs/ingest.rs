//! The ingestion scheduler: every few seconds it claims the due jobs (a lease, so with several
//! processes on one database each due run happens once) and runs each: a run recorded in
//! `metrics_ingestion_runs`, the job's items asked for (`store::ingestion_runs`), fetched in
//! batches of the fetcher's `max_batch`, stored as new time-series rows (`measured_at` = now,
//! source `ingest:<job_name>`, normalized by `domain::metrics`, raw kept), per-item errors
//! collected, the outcome recorded and the next run computed from the cron after now (a job due
//! many times while nothing ran runs once). A rate limit with a short `Retry-After` is waited
//! out; a long one stops the run and pushes the next run past it. A run-now claims the same
//! lease, so it never overlaps a scheduled run.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::Config;
use crate::domain::channel::Channel;
use crate::domain::credential_ref;
use crate::ingest::{FetchError, Fetcher, FetcherFactory, FetcherSettings, ItemToMeasure};
use crate::jobs::metric_writer::MetricWriter;
use crate::jobs::runner::Stop;
use crate::state_log::StateLog;
use crate::store::ingestion_runs::{self, Finished, ItemError, Outcome, Trigger};
use crate::store::jobs::{self, IngestionJob, RunResult};
use crate::store::metrics::MetricRow;
use crate::store::{StoreError, StoreResult};

/// How often the scheduler looks for due jobs.
pub const INGEST_EVERY: Duration = Duration::from_secs(5);
/// How long a claimed job is ours: longer than any run should take (a stopped process's claim
/// runs out after it).
pub const LEASE: Duration = Duration::from_secs(15 * 60);
/// A `Retry-After` up to this long is waited out within the run; a longer one ends the run.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);
/// Waits for one batch before the run gives up on the rest.
pub const MAX_RATE_LIMIT_WAITS: u32 = 3;
/// With no `Retry-After`, the next run waits at least this long after a rate limit.
pub const RATE_LIMIT_DEFAULT_PAUSE: Duration = Duration::from_secs(60);
/// Jobs claimed per pass (run at once).
const CLAIM_LIMIT: i64 = 16;
/// Per-call budget of the shared HTTP client.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The scheduler's settings and what it runs with.
#[derive(Clone)]
pub struct Scheduler {
    pool: PgPool,
    fetchers: FetcherFactory,
    http: reqwest::Client,
    lookback_hours: u32,
    max_wait: Duration,
}

/// A run that was refused before it started.
#[derive(Debug, thiserror::Error)]
pub enum RunNowError {
    #[error("a run of this job is in progress; try again when it has finished")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one run did (the row recorded, for the caller's logs and tests).
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub run_id: Uuid,
    pub job_id: Uuid,
    pub finished: Finished,
    pub timings: RunTimings,
}

/// Where a run's time went (for the logs and `benches/ingest_job.rs`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunTimings {
    /// Waiting on the platform: the fetch calls, rate-limit waits included.
    pub fetching: Duration,
    /// Inside `store::metrics` writing the rows (on the writer's task, overlapping the
    /// fetching but for the last chunk).
    pub storing: Duration,
}

impl Scheduler {
    pub fn new(pool: PgPool, config: &Config, fetchers: FetcherFactory) -> Scheduler {
        Scheduler {
            pool,
            fetchers,
            // Building a client only fails when TLS cannot be set up at all; the default
            // client is then the best there is.
            http: crate::tls::http_client_builder()
                .timeout(HTTP_TIMEOUT)
                .build()
                .unwrap_or_default(),
            lookback_hours: config.ingest_lookback_hours,
            max_wait: MAX_RATE_LIMIT_WAIT,
        }
    }

    /// The longest `Retry-After` waited out within a run (tests shorten it).
    pub fn with_max_wait(mut self, max_wait: Duration) -> Scheduler {
        self.max_wait = max_wait;
        self
    }

    /// One pass: closes the runs a stopped process left `running` (their lease ran out; the
    /// first pass is at the scheduler's start), claims the due jobs and runs them (at once);
    /// returns what each did.
    pub async fn pass(&self) -> StoreResult<Vec<RunReport>> {
        let closed = ingestion_runs::close_abandoned(&self.pool).await?;
        if closed > 0 {
            tracing::warn!(
                runs = closed,
                "closed ingestion runs left running by a process that stopped"
            );
        }
        let due = jobs::claim_due(&self.pool, LEASE, CLAIM_LIMIT).await?;
        let runs = due.into_iter().map(|job| async move {
            let run_id = ingestion_runs::start(&self.pool, job.id, Trigger::Schedule).await?;
            self.run(job, run_id).await
        });
        join_all(runs).await.into_iter().collect()
    }

    /// Passes every `interval` until the stop.
    pub async fn run_until(self, interval: Duration, stop: Stop) {
        let database = StateLog::new();
        crate::jobs::every::every(
            "ingestion scheduler",
            interval,
            stop.wait(),
            &database,
            || self.pass(),
        )
        .await;
    }

    /// Run now: claims the job's lease (refused while a run holds it), records the run and
    /// runs it on a task of its own; returns the run's id at once.
    pub async fn run_now(&self, job_id: Uuid) -> Result<Uuid, RunNowError> {
        let job = jobs::claim_one(&self.pool, job_id, LEASE)
            .await?
            .ok_or(RunNowError::Busy)?;
        let run_id = match ingestion_runs::start(&self.pool, job.id, Trigger::Manual).await {
            Ok(id) => id,
            Err(err) => {
                // Give the lease back: nothing runs.
                let _ = jobs::release(&self.pool, job.id).await;
                return Err(err.into());
            }
        };
        let scheduler = self.clone();
        tokio::spawn(async move {
            if let Err(err) = scheduler.run(job, run_id).await {
                tracing::warn!(
                    "ingestion run {run_id} could not be recorded: {}",
                    err.cause()
                );
            }
        });
        Ok(run_id)
    }

    /// Runs a claimed job as the recorded run `run_id`, records the outcome on the run and the
    /// job (giving the lease back).
    pub async fn run(&self, job: IngestionJob, run_id: Uuid) -> StoreResult<RunReport> {
        let mut timings = RunTimings::default();
        let (finished, not_before) = match self.measure(&job, &mut timings).await {
            Ok(done) => done,
            Err(error) => (
                Finished {
                    items_asked: 0,
                    rows_written: 0,
                    outcome: Outcome::Failed,
                    error: Some(error),
                    item_errors: Vec::new(),
                },
                None,
            ),
        };
        let result = RunResult {
            status: finished.outcome.as_str(),
            error: finished.error.as_deref(),
            succeeded: finished.outcome != Outcome::Failed,
            not_before,
        };
        // The run's end and the lease given back in one transaction: whoever sees the run
        // ended (the history, `:jobs`) may run the job now.
        let mut tx = self.pool.begin().await?;
        ingestion_runs::finish(&mut tx, run_id, &finished).await?;
        jobs::record_run(&mut tx, job.id, Utc::now(), &result).await?;
        tx.commit().await?;
        match finished.outcome {
            Outcome::Success => tracing::info!(
                job = %job.job_name, rows = finished.rows_written, "ingestion run succeeded"
            ),
            _ => tracing::warn!(
                job = %job.job_name,
                outcome = finished.outcome.as_str(),
                rows = finished.rows_written,
                error = finished.error.as_deref().unwrap_or_default(),
                "ingestion run did not measure every item"
            ),
        }
        Ok(RunReport {
            run_id,
            job_id: job.id,
            finished,
            timings,
        })
    }

    /// The run itself; an `Err` is a failure before any item was asked for (no fetcher, no
    /// credential, the database).
    async fn measure(
        &self,
        job: &IngestionJob,
        timings: &mut RunTimings,
    ) -> Result<(Finished, Option<DateTime<Utc>>), String> {
        let channel = Channel::parse(&job.channel);
        let config = &job.config.0;
        let settings = FetcherSettings {
            http: self.http.clone(),
            base_url: config
                .get("base_url")
                .and_then(Value::as_str)
                .map(str::to_string),
            credential: crate::ingest::credentials::for_config(config)?,
            config: config.clone(),
        };
        let fetcher = (self.fetchers)(&channel, settings)?;
        let lookback = credential_ref::lookback_hours(config)
            .map_err(|p| format!("config.lookback_hours: {}", p.message))?
            .unwrap_or(self.lookback_hours);
        let now = Utc::now();
        let items = ingestion_runs::items_to_measure(
            &self.pool,
            channel.as_str(),
            job.persona_id,
            now - chrono::Duration::hours(i64::from(lookback)),
            now,
        )
        .await
        .map_err(|e| e.cause())?;
        let source = format!("ingest:{}", job.job_name);
        let mut tally = Tally::default();
        let mut stopped: Option<String> = None;
        let mut not_before = None;
        let batch = fetcher.max_batch().max(1);
        let mut batches = items.chunks(batch);
        // Rows are written in large statements while the next calls are made.
        let mut writer = MetricWriter::new(self.pool.clone());
        for chunk in batches.by_ref() {
            let fetching = Instant::now();
            let fetched = self.fetch_batch(fetcher.as_ref(), chunk).await;
            timings.fetching += fetching.elapsed();
            match fetched {
                Ok(outcome) => {
                    let asked: HashSet<Uuid> = chunk.iter().map(|i| i.published_item_id).collect();
                    let mut answered = HashSet::new();
                    let rows: Vec<MetricRow> = outcome
                        .measured
                        .into_iter()
                        .filter(|m| asked.contains(&m.published_item_id))
                        .filter(|m| answered.insert(m.published_item_id))
                        .map(|m| {
                            let mut row = MetricRow::from_raw(
                                m.published_item_id,
                                channel.as_str(),
                                m.raw,
                                Utc::now(),
                                &source,
                            );
                            // A persona's job asked for that persona's items only: no
                            // look-up per row on insert.
                            row.persona_id = job.persona_id;
                            row
                        })
                        .collect();
                    for failure in outcome.failures {
                        if asked.contains(&failure.published_item_id)
                            && answered.insert(failure.published_item_id)
                        {
                            tally.fail(failure.published_item_id, failure.error);
                        }
                    }
                    for item in chunk {
                        if !answered.contains(&item.published_item_id) {
                            tally.fail(item.published_item_id, "not in the platform's answer");
                        }
                    }
                    if let Err(error) = writer.push(rows).await {
                        stopped = Some(format!("storing the metrics failed: {error}"));
                        break;
                    }
                }
                Err(Stopping::RateLimited { until, detail }) => {
                    not_before = Some(until);
                    stopped = Some(format!(
                        "{detail}; next run not before {}",
                        until.format("%Y-%m-%d %H:%M:%S UTC")
                    ));
                    tally.unasked += chunk.len();
                    break;
                }
                Err(Stopping::Call(FetchError::Unauthorized(detail))) => {
                    stopped = Some(format!("credentials refused: {detail}"));
                    tally.unasked += chunk.len();
                    break;
                }
                // The call failed (unreachable, malformed): this batch's items fail, the
                // next batches are still tried.
                Err(Stopping::Call(error)) => {
                    let error = error.to_string();
                    for item in chunk {
                        tally.fail(item.published_item_id, error.clone());
                    }
                }
            }
        }
        tally.unasked += batches.map(<[ItemToMeasure]>::len).sum::<usize>();
        // Rows already measured are stored even when the run stopped early.
        let flushed = writer.finish().await;
        tally.rows = writer.written;
        timings.storing = writer.storing;
        if let Err(error) = flushed {
            let failed = format!("storing the metrics failed: {error}");
            stopped = Some(match stopped {
                Some(reason) => format!("{reason}; {failed}"),
                None => failed,
            });
        }
        Ok((tally.finish(items.len(), stopped), not_before))
    }

    /// One batch's call, a short rate limit waited out (a few times at most).
    async fn fetch_batch(
        &self,
        fetcher: &dyn Fetcher,
        chunk: &[ItemToMeasure],
    ) -> Result<crate::ingest::FetchOutcome, Stopping> {
        let mut waits = 0;
        loop {
            match fetcher.fetch(chunk).await {
                Ok(outcome) => return Ok(outcome),
                Err(FetchError::RateLimited {
                    retry_after,
                    detail,
                }) => {
                    let wait = retry_after.unwrap_or(RATE_LIMIT_DEFAULT_PAUSE);
                    if wait <= self.max_wait && waits < MAX_RATE_LIMIT_WAITS {
                        waits += 1;
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    let until = Utc::now()
                        + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                    return Err(Stopping::RateLimited {
                        until,
                        detail: format!(
                            "rate limited (retry after {} s): {detail}",
                            wait.as_secs()
                        ),
                    });
                }
                Err(other) => return Err(Stopping::Call(other)),
            }
        }
    }
}

/// Why a batch's call brought nothing back.
enum Stopping {
    RateLimited {
        until: DateTime<Utc>,
        detail: String,
    },
    Call(FetchError),
}

/// What a run has done so far.
#[derive(Default)]
struct Tally {
    rows: usize,
    item_errors: Vec<ItemError>,
    /// Items never asked for (the run stopped before their batch).
    unasked: usize,
}

impl Tally {
    fn fail(&mut self, published_item_id: Uuid, error: impl Into<String>) {
        self.item_errors.push(ItemError {
            published_item_id,
            error: error.into(),
        });
    }

    fn finish(self, items_asked: usize, stopped: Option<String>) -> Finished {
        let outcome = outcome(
            items_asked,
            self.rows,
            self.item_errors.len(),
            stopped.is_some(),
        );
        let mut reasons = Vec::new();
        if let Some(stopped) = stopped {
            reasons.push(stopped);
        }
        if !self.item_errors.is_empty() {
            reasons.push(format!(
                "{} of {items_asked} items failed",
                self.item_errors.len()
            ));
        }
        if self.unasked > 0 {
            reasons.push(format!("{} items not measured", self.unasked));
        }
        Finished {
            items_asked,
            rows_written: self.rows,
            outcome,
            error: (!reasons.is_empty()).then(|| reasons.join("; ")),
            item_errors: self.item_errors,
        }
    }
}

/// A run's outcome: `success` when every item was measured (or there was none), `failed` when
/// none was although there were items (or the run stopped before measuring any), `partial`
/// between.
pub fn outcome(items: usize, measured: usize, failed: usize, stopped: bool) -> Outcome {
    if measured == 0 && (items > 0 || stopped) {
        Outcome::Failed
    } else if failed > 0 || stopped || measured < items {
        Outcome::Partial
    } else {
        Outcome::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_what_was_measured() {
        assert_eq!(outcome(0, 0, 0, false), Outcome::Success);
        assert_eq!(outcome(3, 3, 0, false), Outcome::Success);
        assert_eq!(outcome(3, 2, 1, false), Outcome::Partial);
        assert_eq!(outcome(3, 2, 0, true), Outcome::Partial);
        assert_eq!(outcome(3, 0, 3, false), Outcome::Failed);
        assert_eq!(outcome(3, 0, 0, true), Outcome::Failed);
    }
}
