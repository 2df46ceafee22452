//! The n8n dispatcher: sends each new run to n8n (contract v1 input, MPIS_REFERENCE §4.1) and
//! moves it on: n8n's 2xx -> `running`; a 5xx, a timeout or a refused connection -> tried again
//! with backoff and jitter (`crate::retry`) up to the configured number of tries, then
//! `failed` with the reason; a 4xx -> `failed` at once with n8n's answer (trimmed).
//!
//! The dispatch rows are written with the runs (`store::runs::create`) and claimed with a lease
//! (`store::dispatch::claim_due`, `FOR UPDATE SKIP LOCKED`), so two processes on one database
//! never send the same run twice. The body is the stored run read back as contract v1
//! (`publisher_contract::stored_run` -> `ValidRun::n8n_body`), POSTed to
//! `{n8n_webhook_url}/publisher/run` with `X-Run-ID`, `X-Project-ID` and, when configured,
//! `X-N8N-API-KEY` (never logged). `jobs::runner` starts it in `serve` and in the dashboard
//! (not read-only); a stop finishes the send in flight and releases the rest of the batch.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::{Config, Secret};
use crate::domain::publisher_contract;
use crate::jobs::every::every;
use crate::jobs::outbox::retry_time;
use crate::jobs::runner::Stop;
use crate::state_log::{Change, StateLog, format_outage};
use crate::store::dispatch::{self, DueDispatch};
use crate::store::{StoreError, StoreResult};

/// The header carrying n8n's API key (what n8n's "Header Auth" credential is set to check).
pub const API_KEY_HEADER: &str = "X-N8N-API-KEY";
/// The path under `n8n_webhook_url` that takes a run.
pub const RUN_PATH: &str = "/publisher/run";
/// A claim's lease beyond its sends' timeouts (database writes, a busy machine).
const LEASE_MARGIN: Duration = Duration::from_secs(60);
/// The most of n8n's answer kept in a failed run's error.
pub const ANSWER_MAX_CHARS: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum DispatchSetupError {
    #[error("n8n_webhook_url: {0}")]
    Url(String),
    #[error("n8n_api_key: not usable in an HTTP header")]
    ApiKey,
    #[error("cannot build the HTTP client for n8n: {0}")]
    Client(#[from] reqwest::Error),
}

/// Where and how runs are sent.
#[derive(Debug, Clone)]
pub struct N8nTarget {
    /// `n8n_webhook_url` (the base; `/publisher/run` is added).
    pub webhook_url: String,
    pub api_key: Option<Secret>,
    /// One POST's budget.
    pub timeout: Duration,
    /// Tries per run before it is failed.
    pub max_attempts: u32,
}

impl N8nTarget {
    /// From the configuration; `None` when `n8n_webhook_url` is not set.
    pub fn from_config(config: &Config) -> Option<N8nTarget> {
        Some(N8nTarget {
            webhook_url: config.n8n_webhook_url.clone()?,
            api_key: config.n8n_api_key.clone(),
            timeout: Duration::from_secs(config.n8n_timeout_secs),
            max_attempts: config.n8n_dispatch_attempts,
        })
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// n8n took the run (2xx): now `running`.
    pub sent: usize,
    /// Failed this time, tried again later.
    pub retrying: usize,
    /// Refused, out of tries, or not sendable: the run is `failed`.
    pub failed: usize,
    /// The run was no longer pending: nothing sent.
    pub cancelled: usize,
    /// Claimed but not tried (a stop came): given back for the next pass or instance.
    pub released: usize,
}

/// Why one POST did not take.
#[derive(Debug, Clone, PartialEq)]
struct SendError {
    message: String,
    retryable: bool,
    status: Option<u16>,
    /// A stable key of the kind of failure, so an outage is logged once.
    kind: String,
}

pub struct Dispatcher {
    pool: PgPool,
    client: reqwest::Client,
    endpoint: reqwest::Url,
    /// The endpoint without credentials, for messages and logs.
    shown: String,
    timeout: Duration,
    pub max_attempts: u32,
    /// Dispatches claimed per pass (sent one after the other).
    pub batch: i64,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    sending: StateLog,
    database: StateLog,
}

impl Dispatcher {
    pub fn new(pool: PgPool, target: &N8nTarget) -> Result<Dispatcher, DispatchSetupError> {
        let base = target.webhook_url.trim().trim_end_matches('/');
        let endpoint = reqwest::Url::parse(&format!("{base}{RUN_PATH}"))
            .map_err(|e| DispatchSetupError::Url(format!("{e}")))?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = &target.api_key {
            let mut value =
                HeaderValue::from_str(key.expose()).map_err(|_| DispatchSetupError::ApiKey)?;
            value.set_sensitive(true);
            headers.insert(API_KEY_HEADER, value);
        }
        let client = crate::tls::http_client_builder()
            .timeout(target.timeout)
            .connect_timeout(target.timeout)
            // A redirect would turn the POST into a GET: report it instead of following it.
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()?;
        let shown = without_credentials(&endpoint);
        Ok(Dispatcher {
            pool,
            client,
            endpoint,
            shown,
            timeout: target.timeout,
            max_attempts: target.max_attempts.max(1),
            batch: 20,
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(300),
            sending: StateLog::new(),
            database: StateLog::new(),
        })
    }

    /// The dispatcher the configuration asks for; `None` without `n8n_webhook_url`.
    pub fn from_config(
        pool: PgPool,
        config: &Config,
    ) -> Result<Option<Dispatcher>, DispatchSetupError> {
        N8nTarget::from_config(config)
            .map(|target| Dispatcher::new(pool, &target))
            .transpose()
    }

    /// Where runs go (without credentials).
    pub fn endpoint(&self) -> &str {
        &self.shown
    }

    /// How long a claimed batch is ours: every send of it timing out one after the other, and
    /// a margin for the database. Another dispatcher may claim a dispatch only after that, so
    /// a run is never sent by two at once.
    pub fn lease(&self) -> Duration {
        let sends = u32::try_from(self.batch.max(1)).unwrap_or(u32::MAX);
        self.timeout.saturating_mul(sends) + LEASE_MARGIN
    }

    /// Claims the due dispatches and tries each once.
    pub async fn run_once(&self) -> StoreResult<DispatchReport> {
        self.pass(&Stop::never()).await
    }

    /// Claims the due dispatches and sends each once, until `stop` is requested: the send in
    /// flight is finished, the claimed ones not sent yet are released (claimable again at once,
    /// by another instance too).
    pub async fn pass(&self, stop: &Stop) -> StoreResult<DispatchReport> {
        let mut report = DispatchReport::default();
        let mut claimed = dispatch::claim_due(&self.pool, self.lease(), self.batch)
            .await?
            .into_iter();
        while let Some(due) = claimed.next() {
            if stop.requested() {
                let rest: Vec<Uuid> = std::iter::once(due.run_id)
                    .chain(claimed.map(|due| due.run_id))
                    .collect();
                report.released = dispatch::release(&self.pool, &rest).await? as usize;
                break;
            }
            match self.try_claimed(&due, &mut report).await {
                Ok(()) => {}
                // Someone else changed it meanwhile (an operator, an expired lease): theirs.
                Err(StoreError::Conflict(what)) => {
                    tracing::warn!("n8n dispatch of run {}: {what}", due.run_id)
                }
                Err(other) => {
                    // The database failed mid-pass: give the untried ones back if it still can.
                    let rest: Vec<Uuid> = claimed.map(|due| due.run_id).collect();
                    let _ = dispatch::release(&self.pool, &rest).await;
                    return Err(other);
                }
            }
        }
        Ok(report)
    }

    async fn try_claimed(&self, due: &DueDispatch, report: &mut DispatchReport) -> StoreResult<()> {
        if due.run_status != "pending" {
            let reason = format!(
                "run was already {} when its turn came; not sent",
                due.run_status
            );
            dispatch::cancel(&self.pool, due.run_id, &reason).await?;
            report.cancelled += 1;
            return Ok(());
        }
        let run = match publisher_contract::stored_run(due.project_id, due.persona_id, &due.meta.0)
        {
            Ok(run) => run,
            Err(problems) => {
                let list: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect();
                let reason = format!(
                    "not sent to n8n: the stored run is not a contract v1 request ({})",
                    list.join("; ")
                );
                dispatch::mark_failed(&self.pool, due.run_id, &reason, None).await?;
                report.failed += 1;
                tracing::warn!("run {}: {reason}", due.run_id);
                return Ok(());
            }
        };
        let body = run.n8n_body(due.run_id);
        match self.send(due, &body).await {
            Ok(status) => {
                dispatch::mark_sent(&self.pool, due.run_id, status).await?;
                report.sent += 1;
                if let Some(Change::Up { reason, after }) = self.sending.succeeded(Instant::now()) {
                    tracing::warn!(
                        "n8n takes runs again after {} (last failure: {reason})",
                        format_outage(after)
                    );
                }
            }
            Err(error) if error.retryable && (due.attempts as u32) < self.max_attempts => {
                let retry_at = retry_time(
                    Utc::now(),
                    due.attempts,
                    self.backoff_base,
                    self.backoff_max,
                );
                dispatch::record_failure(
                    &self.pool,
                    due.run_id,
                    &error.message,
                    error.status,
                    retry_at,
                )
                .await?;
                report.retrying += 1;
                if self
                    .sending
                    .failed(&error.kind, &error.message, Instant::now())
                    .is_some()
                {
                    tracing::warn!(
                        "n8n dispatch: run {} kept pending, tried again with backoff (try {} of \
                         {}, next at {}): {}",
                        due.run_id,
                        due.attempts,
                        self.max_attempts,
                        retry_at.format("%H:%M:%S UTC"),
                        error.message
                    );
                }
            }
            Err(error) => {
                let reason = if error.retryable {
                    format!(
                        "n8n did not take the run after {} tries: {}",
                        due.attempts, error.message
                    )
                } else {
                    error.message
                };
                dispatch::mark_failed(&self.pool, due.run_id, &reason, error.status).await?;
                report.failed += 1;
                tracing::warn!("run {} failed, not sent to n8n: {reason}", due.run_id);
            }
        }
        Ok(())
    }

    /// One POST of the run to n8n: its HTTP status when 2xx.
    async fn send(&self, due: &DueDispatch, body: &serde_json::Value) -> Result<u16, SendError> {
        let response = self
            .client
            .post(self.endpoint.clone())
            .header("X-Run-ID", due.run_id.to_string())
            .header("X-Project-ID", due.project_id.to_string())
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(status.as_u16());
        }
        let answer = response.text().await.unwrap_or_default();
        let answer = trim_answer(&answer);
        let said = if answer.is_empty() {
            String::new()
        } else {
            format!(": {answer}")
        };
        let code = status.as_u16();
        Err(if status.is_server_error() {
            SendError {
                message: format!("n8n at {} answered HTTP {code}{said}", self.shown),
                retryable: true,
                status: Some(code),
                kind: format!("HTTP {code}"),
            }
        } else if status.is_redirection() {
            SendError {
                message: format!(
                    "n8n at {} answered HTTP {code} (a redirect): check n8n_webhook_url",
                    self.shown
                ),
                retryable: false,
                status: Some(code),
                kind: format!("HTTP {code}"),
            }
        } else {
            SendError {
                message: format!("n8n refused the run (HTTP {code}){said}"),
                retryable: false,
                status: Some(code),
                kind: format!("HTTP {code}"),
            }
        })
    }

    fn transport_error(&self, error: &reqwest::Error) -> SendError {
        let (kind, what) = if error.is_timeout() {
            (
                "timeout",
                format!("no answer within {}", self.timeout_text()),
            )
        } else if error.is_connect() {
            (
                "unreachable",
                "connection failed (refused or unreachable)".to_string(),
            )
        } else {
            (
                "transport",
                "the request failed before an answer".to_string(),
            )
        };
        SendError {
            message: format!("n8n at {}: {what}", self.shown),
            retryable: true,
            status: None,
            kind: kind.to_string(),
        }
    }

    fn timeout_text(&self) -> String {
        format!("{} s", self.timeout.as_secs_f64())
    }

    /// Runs passes every `interval` until `stop` is requested: the pass in flight finishes its
    /// send in flight and releases the rest. A failing pass (database down) is logged once per
    /// change and tried again at the next interval.
    pub async fn run(&self, interval: Duration, stop: Stop) {
        let stopped = stop.clone().wait();
        every("n8n dispatch", interval, stopped, &self.database, || {
            self.pass(&stop)
        })
        .await;
    }
}

/// n8n's answer as one line of at most [`ANSWER_MAX_CHARS`] characters.
pub fn trim_answer(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= ANSWER_MAX_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(ANSWER_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A URL without its user name and password.
fn without_credentials(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_or_multi_line_answer_is_one_short_line() {
        assert_eq!(
            trim_answer("  not\n registered \t here "),
            "not registered here"
        );
        let long = "x".repeat(1000);
        let cut = trim_answer(&long);
        assert_eq!(cut.chars().count(), ANSWER_MAX_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_endpoint_is_shown_without_credentials() {
        let url = reqwest::Url::parse("http://user:pw@n8n:5678/webhook/publisher/run").unwrap();
        assert_eq!(
            without_credentials(&url),
            "http://n8n:5678/webhook/publisher/run"
        );
    }
}
