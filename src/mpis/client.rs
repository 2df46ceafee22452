//! The MPIS HTTP client: typed calls, timeouts, and retries only where they are safe.
//!
//! - Every call has a deadline: `request_timeout`, or `genesis_timeout` for genesis start and
//!   approve, which run the whole pipeline inside the request (MPIS_REFERENCE.md Appendix C).
//!   The deadline covers connecting, sending and reading the whole body.
//! - Retries (exponential backoff with jitter) happen only for GETs; never for genesis start or
//!   approve, metrics ingest or `publish_record`. Only retryable failures are retried
//!   ([`MpisError::is_retryable`]); a 4xx never is.
//! - Every method is cancel-safe: dropping the future (the UI's Esc) abandons the request and
//!   leaves the client usable. The request may still complete on MPIS; [`cancellable`] turns a
//!   cancel signal into [`MpisError::Cancelled`].
//!
//! Note: real MPIS ignores `Idempotency-Key` (a publish recorded twice makes two published
//! items), so a `publish_record` whose answer was lost must not simply be sent again. The
//! outbox forwarder (`jobs::outbox`) retries across passes and first checks whether the earlier
//! attempt reached MPIS; the key still lets an MPIS (or the sandbox) that honours it dedupe.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::error::{MpisError, detail_from_body, excerpt, format_duration};
use super::types::{
    GenesisApproveRequest, GenesisApproveResponse, GenesisExport, GenesisStartRequest,
    GenesisStartResponse, GenesisStatus, Health, MetricsIngestRequest, MetricsIngestResponse,
    PersonaSummary, PublishRecordRequest, PublishRecordResponse, Recommendations, SummaryRange,
};
use crate::retry::Backoff;
use crate::state_log::{Change, StateLog, format_outage};
use backon::Retryable;

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The header that carries the dashboard's idempotency key on publish records.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// Bodies larger than this are not read (MPIS answers are a few KiB).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// No single backoff pause is longer than this.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Where MPIS is and how patient to be with it.
#[derive(Clone)]
pub struct MpisConfig {
    /// e.g. `http://127.0.0.1:8080` (a path prefix is kept: `https://host/mpis`).
    pub base_url: String,
    /// Sent as `X-API-Key` when set.
    pub api_key: Option<String>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// For `POST /genesis/start` and `/genesis/approve`.
    pub genesis_timeout: Duration,
    /// Extra attempts after the first, for calls that may be retried.
    pub max_retries: u32,
    /// First backoff pause; doubled each retry, with jitter (`crate::retry`).
    pub backoff_base: Duration,
}

impl MpisConfig {
    /// A configuration with the defaults: connect 3 s, request 30 s, genesis 10 min, 3 retries
    /// from 200 ms.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: None,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(30),
            genesis_timeout: Duration::from_secs(600),
            max_retries: 3,
            backoff_base: Duration::from_millis(200),
        }
    }

    /// From `MPIS_API_URL` and `MPIS_API_KEY`; `None` when `MPIS_API_URL` is unset or empty
    /// (MPIS not configured).
    pub fn from_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`MpisConfig::from_env`], reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let url = var("MPIS_API_URL")?.trim().to_owned();
        if url.is_empty() {
            return None;
        }
        let mut config = Self::new(url);
        config.api_key = var("MPIS_API_KEY")
            .map(|key| key.trim().to_owned())
            .filter(|key| !key.is_empty());
        Some(config)
    }
}

impl fmt::Debug for MpisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MpisConfig")
            .field("base_url", &redact_url(&self.base_url))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("genesis_timeout", &self.genesis_timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff_base", &self.backoff_base)
            .finish()
    }
}

/// Whether a call may be sent again after a retryable failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    Never,
    Safe,
}

/// The MPIS client. Cheap to clone (one connection pool shared by the clones).
#[derive(Clone, Debug)]
pub struct MpisClient {
    http: reqwest::Client,
    base: String,
    config: MpisConfig,
    /// Whether MPIS answers, shared by the clones: outages are logged once per change.
    availability: Arc<StateLog>,
}

impl MpisClient {
    /// Checks the configuration (URL, API key) and builds the client; no request is made.
    pub fn new(config: MpisConfig) -> Result<Self, MpisError> {
        let base = validate_base_url(&config.base_url)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("mpis-dash/", env!("CARGO_PKG_VERSION"))),
        );
        if let Some(key) = &config.api_key {
            let mut value = HeaderValue::from_str(key).map_err(|_| {
                MpisError::Config(
                    "MPIS_API_KEY contains characters not allowed in an HTTP header".to_owned(),
                )
            })?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static(API_KEY_HEADER), value);
        }
        let http = crate::tls::http_client_builder()
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| MpisError::Config(format!("cannot build the HTTP client: {err}")))?;
        Ok(Self {
            http,
            base,
            config,
            availability: Arc::new(StateLog::new()),
        })
    }

    pub fn config(&self) -> &MpisConfig {
        &self.config
    }

    /// The base URL requests go to (without credentials, if the URL had any).
    pub fn base_url(&self) -> String {
        redact_url(&self.base)
    }

    /// `GET /health`.
    pub async fn health(&self) -> Result<Health, MpisError> {
        self.get("/health", &[]).await
    }

    /// `POST /genesis/start`: runs MPIS's whole pipeline; the job is usually
    /// `awaiting_approval` with draft 1 on return. Never retried.
    pub async fn genesis_start(
        &self,
        request: &GenesisStartRequest,
    ) -> Result<GenesisStartResponse, MpisError> {
        let body = encode(request)?;
        self.call(Call {
            method: Method::POST,
            path: "/genesis/start",
            query: &[],
            body: Some(body),
            idempotency_key: None,
            timeout: self.config.genesis_timeout,
            retry: Retry::Never,
        })
        .await
    }

    /// `GET /genesis/status/{job_id}`.
    pub async fn genesis_status(&self, job_id: Uuid) -> Result<GenesisStatus, MpisError> {
        self.get(&format!("/genesis/status/{job_id}"), &[]).await
    }

    /// `POST /genesis/approve`: edits make a new draft (`draft_no + 1`); confirm commits.
    /// A stale `draft_no` is a 400 ([`MpisError::stale_draft`]). Never retried.
    pub async fn genesis_approve(
        &self,
        request: &GenesisApproveRequest,
    ) -> Result<GenesisApproveResponse, MpisError> {
        let body = encode(request)?;
        self.call(Call {
            method: Method::POST,
            path: "/genesis/approve",
            query: &[],
            body: Some(body),
            idempotency_key: None,
            timeout: self.config.genesis_timeout,
            retry: Retry::Never,
        })
        .await
    }

    /// `GET /genesis/export/{persona_id}`.
    pub async fn genesis_export(&self, persona_id: Uuid) -> Result<GenesisExport, MpisError> {
        self.get(&format!("/genesis/export/{persona_id}"), &[])
            .await
    }

    /// `POST /publisher/publish/record` with exactly the four fields of `request`, and
    /// `Idempotency-Key: idempotency_key`. Never retried here: real MPIS ignores the key, so a
    /// retry after a lost answer could record the publish twice. The outbox forwarder retries
    /// across passes instead, after checking whether an earlier attempt got through.
    pub async fn publish_record(
        &self,
        request: &PublishRecordRequest,
        idempotency_key: &str,
    ) -> Result<PublishRecordResponse, MpisError> {
        let key = idempotency_key.trim();
        if key.is_empty() {
            return Err(MpisError::Config(
                "the idempotency key of a publish record is empty".to_owned(),
            ));
        }
        let key = HeaderValue::from_str(key).map_err(|_| {
            MpisError::Config(
                "the idempotency key contains characters not allowed in an HTTP header".to_owned(),
            )
        })?;
        let body = encode(request)?;
        self.call(Call {
            method: Method::POST,
            path: "/publisher/publish/record",
            query: &[],
            body: Some(body),
            idempotency_key: Some(key),
            timeout: self.config.request_timeout,
            retry: Retry::Never,
        })
        .await
    }

    /// `POST /publisher/metrics/ingest`. Never retried (MPIS would store the metrics twice).
    pub async fn metrics_ingest(
        &self,
        request: &MetricsIngestRequest,
    ) -> Result<MetricsIngestResponse, MpisError> {
        let body = encode(request)?;
        self.call(Call {
            method: Method::POST,
            path: "/publisher/metrics/ingest",
            query: &[],
            body: Some(body),
            idempotency_key: None,
            timeout: self.config.request_timeout,
            retry: Retry::Never,
        })
        .await
    }

    /// `GET /analytics/persona/{persona_id}/summary?range=...`.
    pub async fn persona_summary(
        &self,
        persona_id: Uuid,
        range: SummaryRange,
    ) -> Result<PersonaSummary, MpisError> {
        self.get(
            &format!("/analytics/persona/{persona_id}/summary"),
            &[("range", range.as_str())],
        )
        .await
    }

    /// `GET /analytics/recommendations/{persona_id}`.
    pub async fn recommendations(&self, persona_id: Uuid) -> Result<Recommendations, MpisError> {
        self.get(&format!("/analytics/recommendations/{persona_id}"), &[])
            .await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, MpisError> {
        self.call(Call {
            method: Method::GET,
            path,
            query,
            body: None,
            idempotency_key: None,
            timeout: self.config.request_timeout,
            retry: Retry::Safe,
        })
        .await
    }

    /// One logical call: attempts, each under the deadline, with backoff between retryable
    /// failures when the call allows retries.
    async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, MpisError> {
        let url = self.url(call.path, call.query)?;
        let shown_url = redact_url(url.as_str());
        let retries = match call.retry {
            Retry::Never => 0,
            Retry::Safe => self.config.max_retries as usize,
        };
        let policy = Backoff::new(self.config.backoff_base, MAX_BACKOFF)
            .builder()
            .with_max_times(retries);
        let outcome = (|| self.attempt::<T>(&call, &url, &shown_url))
            .retry(policy)
            .when(MpisError::is_retryable)
            .notify(|err, pause| {
                tracing::debug!(
                    "MPIS {} {} failed ({err}); retrying in {pause:?} (at most {retries} retries)",
                    call.method,
                    call.path,
                )
            })
            .await;
        self.note_availability(&outcome);
        outcome
    }

    /// Logs (at warn, the default level) when MPIS stops answering and when it answers again;
    /// a refusal (4xx) is an answer.
    fn note_availability<T>(&self, outcome: &Result<T, MpisError>) {
        let now = Instant::now();
        let change = match outcome {
            Ok(_) | Err(MpisError::Rejected { .. }) => self.availability.succeeded(now),
            Err(err) => err
                .outage_kind()
                .and_then(|kind| self.availability.failed(&kind, &err.to_string(), now)),
        };
        match change {
            Some(Change::Down { reason }) => tracing::warn!(
                "MPIS unavailable: {reason} (its calls fail until it answers; safe ones are \
                 retried, publish records stay queued)"
            ),
            Some(Change::Up { reason, after }) => tracing::warn!(
                "MPIS answers again after {} (last failure: {reason})",
                format_outage(after)
            ),
            None => {}
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        url: &Url,
        shown_url: &str,
    ) -> Result<T, MpisError> {
        let exchange = async {
            let mut request = self.http.request(call.method.clone(), url.clone());
            if let Some(body) = &call.body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            if let Some(key) = &call.idempotency_key {
                request = request.header(IDEMPOTENCY_KEY_HEADER, key.clone());
            }
            let mut response = request
                .send()
                .await
                .map_err(|err| self.transport_error(&err, shown_url, call.timeout))?;
            let status = response.status();
            let mut body = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        if body.len() + chunk.len() > MAX_BODY_BYTES {
                            return Err(MpisError::BadBody {
                                status: status.as_u16(),
                                excerpt: excerpt(&body),
                                reason: format!("answer larger than {} MiB", MAX_BODY_BYTES >> 20),
                            });
                        }
                        body.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(err) => return Err(self.transport_error(&err, shown_url, call.timeout)),
                }
            }
            Ok((status, body))
        };
        let (status, body) = tokio::time::timeout(call.timeout, exchange)
            .await
            .map_err(|_| MpisError::Timeout {
                after: call.timeout,
            })??;
        interpret(status, &body)
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, MpisError> {
        let mut url = Url::parse(&format!("{}{path}", self.base)).map_err(|err| {
            MpisError::Config(format!(
                "cannot make a URL from {} and {path}: {err}",
                redact_url(&self.base)
            ))
        })?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// A failure below HTTP: no connection, a dropped connection, or reqwest's own connect
    /// timeout.
    fn transport_error(&self, err: &reqwest::Error, url: &str, timeout: Duration) -> MpisError {
        if err.is_builder() {
            return MpisError::Config(format!("cannot build the request: {}", root_cause(err)));
        }
        if err.is_connect() {
            let reason = if err.is_timeout() {
                format!(
                    "no connection within {}",
                    format_duration(self.config.connect_timeout)
                )
            } else {
                connect_reason(err)
            };
            return MpisError::Unreachable {
                url: url.to_owned(),
                reason,
            };
        }
        if err.is_timeout() {
            return MpisError::Timeout { after: timeout };
        }
        MpisError::Unreachable {
            url: url.to_owned(),
            reason: format!(
                "connection dropped before a complete answer ({})",
                root_cause(err)
            ),
        }
    }
}

struct Call<'a> {
    method: Method,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    body: Option<Vec<u8>>,
    idempotency_key: Option<HeaderValue>,
    timeout: Duration,
    retry: Retry,
}

/// Waits for `work`, or gives up with [`MpisError::Cancelled`] as soon as `cancel` completes
/// (e.g. a `oneshot` receiver the UI fires on Esc). Dropping `work` abandons the request.
pub async fn cancellable<T>(
    work: impl Future<Output = Result<T, MpisError>>,
    cancel: impl Future<Output = ()>,
) -> Result<T, MpisError> {
    tokio::select! {
        biased;
        () = cancel => Err(MpisError::Cancelled),
        outcome = work => outcome,
    }
}

/// A successful answer parsed as `T`; a 4xx as MPIS's `detail`; a 5xx as an opaque excerpt.
fn interpret<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, MpisError> {
    let code = status.as_u16();
    if status.is_success() {
        return serde_json::from_slice(body).map_err(|err| MpisError::BadBody {
            status: code,
            excerpt: excerpt(body),
            reason: if body.is_empty() {
                "empty body".to_owned()
            } else {
                format!("not the expected JSON: {err}")
            },
        });
    }
    if status.is_server_error() {
        return Err(MpisError::ServerError {
            status: code,
            excerpt: excerpt(body),
        });
    }
    if status.is_client_error() {
        return Err(match detail_from_body(body) {
            Some(detail) => MpisError::Rejected {
                status: code,
                detail,
            },
            None => MpisError::BadBody {
                status: code,
                excerpt: excerpt(body),
                reason: "a refusal without MPIS's JSON detail (a proxy, or not MPIS?)".to_owned(),
            },
        });
    }
    Err(MpisError::BadBody {
        status: code,
        excerpt: excerpt(body),
        reason: if status.is_redirection() {
            "an unexpected redirect (is MPIS_API_URL right?)".to_owned()
        } else {
            "an unexpected status".to_owned()
        },
    })
}

fn encode(value: &impl Serialize) -> Result<Vec<u8>, MpisError> {
    serde_json::to_vec(value)
        .map_err(|err| MpisError::Config(format!("cannot encode the request as JSON: {err}")))
}

fn validate_base_url(raw: &str) -> Result<String, MpisError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(MpisError::Config(
            "no MPIS URL (set MPIS_API_URL, e.g. http://127.0.0.1:8080)".to_owned(),
        ));
    }
    let url = Url::parse(trimmed).map_err(|err| {
        MpisError::Config(format!(
            "MPIS URL {:?} is not a URL ({err}); expected e.g. http://127.0.0.1:8080",
            crate::sanitize::sanitize(trimmed)
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(MpisError::Config(format!(
            "MPIS URL {} must start with http:// or https://",
            redact_url(trimmed)
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(MpisError::Config(format!(
            "MPIS URL {} has no host",
            redact_url(trimmed)
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(MpisError::Config(format!(
            "MPIS URL {} must not have a query or fragment",
            redact_url(trimmed)
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A URL for messages: any password replaced, control characters escaped.
fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("redacted"));
            }
            crate::sanitize::sanitize(url.as_str().trim_end_matches('/')).into_owned()
        }
        Err(_) => crate::sanitize::sanitize(raw).into_owned(),
    }
}

/// Why a connection could not be made, in a few words.
fn connect_reason(err: &reqwest::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind;
            return match io.kind() {
                ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                ErrorKind::ConnectionReset => "connection reset".to_owned(),
                ErrorKind::TimedOut => "connection timed out".to_owned(),
                ErrorKind::AddrNotAvailable => "address not available".to_owned(),
                _ => crate::sanitize::sanitize(&io.to_string()).into_owned(),
            };
        }
        source = current.source();
    }
    root_cause(err)
}

/// The innermost error's message, printable.
fn root_cause(err: &reqwest::Error) -> String {
    let mut current: &(dyn std::error::Error + 'static) = err;
    while let Some(next) = current.source() {
        current = next;
    }
    crate::sanitize::sanitize(&current.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_from_vars() {
        let vars = |url: Option<&str>, key: Option<&str>| {
            let url = url.map(str::to_owned);
            let key = key.map(str::to_owned);
            MpisConfig::from_vars(move |name| match name {
                "MPIS_API_URL" => url.clone(),
                "MPIS_API_KEY" => key.clone(),
                _ => None,
            })
        };
        assert!(vars(None, Some("k")).is_none());
        assert!(vars(Some("  "), None).is_none());
        let config = vars(Some(" http://mpis:8080/ "), Some(" secret "));
        let config = config.unwrap_or_else(|| MpisConfig::new("wrong"));
        assert_eq!(config.base_url, "http://mpis:8080/");
        assert_eq!(config.api_key.as_deref(), Some("secret"));
        assert_eq!(config.genesis_timeout, Duration::from_secs(600));
        assert_eq!(config.max_retries, 3);
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(
            vars(Some("http://x"), Some(""))
                .and_then(|c| c.api_key)
                .is_none()
        );
    }

    #[test]
    fn base_urls_are_checked_and_normalized() {
        assert_eq!(
            validate_base_url("http://127.0.0.1:8080/").ok().as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            validate_base_url("https://host/mpis/").ok().as_deref(),
            Some("https://host/mpis")
        );
        for bad in [
            "",
            "127.0.0.1:8080",
            "ftp://host",
            "http://host/?a=1",
            "nonsense",
        ] {
            assert!(
                matches!(validate_base_url(bad), Err(MpisError::Config(_))),
                "{bad}"
            );
        }
        let client = MpisClient::new(MpisConfig::new("http://user:pw@host:1/api"));
        let shown = client.map(|c| c.base_url()).unwrap_or_default();
        assert_eq!(shown, "http://user:redacted@host:1/api");
        let mut config = MpisConfig::new("http://host");
        config.api_key = Some("bad\nkey".to_owned());
        assert!(matches!(MpisClient::new(config), Err(MpisError::Config(_))));
    }

    #[test]
    fn urls_keep_the_prefix_and_encode_the_query() {
        let client = MpisClient::new(MpisConfig::new("http://host:1/mpis/"));
        let url = client
            .and_then(|c| c.url("/analytics/persona/x/summary", &[("range", "7d")]))
            .map(|u| u.to_string())
            .unwrap_or_default();
        assert_eq!(
            url,
            "http://host:1/mpis/analytics/persona/x/summary?range=7d"
        );
    }

    #[test]
    fn answers_are_interpreted_by_status() {
        let ok: Result<serde_json::Value, _> = interpret(StatusCode::OK, br#"{"a": 1}"#);
        assert!(ok.is_ok());
        let bad: Result<crate::mpis::Health, _> = interpret(StatusCode::OK, b"{\"status\": ");
        assert!(matches!(bad, Err(MpisError::BadBody { status: 200, .. })));
        let rejected: Result<serde_json::Value, _> =
            interpret(StatusCode::NOT_FOUND, br#"{"detail": "Job not found: x"}"#);
        assert_eq!(
            rejected.err(),
            Some(MpisError::Rejected {
                status: 404,
                detail: "Job not found: x".into()
            })
        );
        let proxy: Result<serde_json::Value, _> = interpret(StatusCode::NOT_FOUND, b"<html>");
        assert!(matches!(proxy, Err(MpisError::BadBody { status: 404, .. })));
        let failed: Result<serde_json::Value, _> =
            interpret(StatusCode::BAD_GATEWAY, b"Bad Gateway\n");
        assert_eq!(
            failed.err(),
            Some(MpisError::ServerError {
                status: 502,
                excerpt: "Bad Gateway".into()
            })
        );
        let moved: Result<serde_json::Value, _> = interpret(StatusCode::TEMPORARY_REDIRECT, b"");
        assert!(matches!(moved, Err(MpisError::BadBody { status: 307, .. })));
    }
}
