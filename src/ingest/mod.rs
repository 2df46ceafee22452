//! Metrics from the channels' own APIs: one fetcher per channel (YouTube Data API v3,
//! Instagram Graph API, TikTok Display API, Telegram), each with a local stand-in that answers
//! in the platform's shapes (`standin`), used by the tests over real HTTP and by `--demo`. The
//! ingestion scheduler (`jobs::ingest`) runs a job's items through its channel's fetcher and
//! stores what comes back with `store::metrics::insert_batch` (normalized by
//! `domain::metrics`, the raw payload kept).
//!
//! A fetcher only talks HTTP and maps answers: it knows nothing of the database or schedules.

pub mod credentials;
pub mod demo;
pub mod http_answer;
pub mod instagram;
pub mod standin;
pub mod telegram;
pub mod telegram_preview;
pub mod tiktok;
pub mod youtube;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use serde_json::Value;
use uuid::Uuid;

use crate::config::Secret;
use crate::domain::channel::Channel;

/// A published item to measure, as MPIS recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemToMeasure {
    pub published_item_id: Uuid,
    /// The platform's id of the post (video id, media id, message id); `None` when MPIS has
    /// none, in which case a fetcher may work from `channel_url` or report the item failed.
    pub channel_item_id: Option<String>,
    pub channel_url: Option<String>,
    pub published_at: DateTime<Utc>,
}

/// One item's counters as the platform gave them, keyed as `domain::metrics::input_keys`
/// reads them for the channel (`views`, `likes`, ...; numbers or numeric strings), plus
/// anything else the platform sent that is worth keeping (the raw payload is stored whole).
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub published_item_id: Uuid,
    pub raw: Value,
}

/// One item the platform could not measure (deleted, private, unknown id, a per-item error),
/// in words an operator can act on. Never fails the other items.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFailure {
    pub published_item_id: Uuid,
    pub error: String,
}

/// What one call for a batch of items brought back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchOutcome {
    pub measured: Vec<Measured>,
    pub failures: Vec<ItemFailure>,
}

/// A failure of the whole call (no item of the batch was measured).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    /// 429 or the platform's quota answer: try again after `retry_after` (its `Retry-After`
    /// or the platform's own hint) or a backoff of the caller's.
    #[error("rate limited{}: {detail}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        retry_after: Option<Duration>,
        detail: String,
    },
    /// Missing, expired or refused credentials: nothing will work until an operator acts.
    #[error("credentials refused: {0}")]
    Unauthorized(String),
    /// Unreachable, timed out, or a 5xx.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// An answer that is not what the platform documents.
    #[error("unexpected answer: {0}")]
    Malformed(String),
}

/// What a fetcher is built from: a job's settings.
#[derive(Debug, Clone)]
pub struct FetcherSettings {
    /// One shared client (timeouts set by the caller).
    pub http: reqwest::Client,
    /// The platform's API root; `None`: the platform's public one. Tests, `--demo` and proxies
    /// point it at a stand-in.
    pub base_url: Option<String>,
    /// The job's credential, resolved from where its config says it lives (never stored).
    pub credential: Option<Secret>,
    /// The job's `config` (channel-specific options, e.g. an API version or a channel name).
    pub config: Value,
}

/// A channel's fetcher.
pub trait Fetcher: Send + Sync {
    fn channel(&self) -> Channel;
    /// Most items one call may carry (the platform's documented limit).
    fn max_batch(&self) -> usize;
    /// Measures `items` (at most `max_batch`). Per-item problems go in the outcome's
    /// `failures`; an error is a failure of the whole call.
    fn fetch<'a>(
        &'a self,
        items: &'a [ItemToMeasure],
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>>;
}

/// Builds a job's fetcher for its channel: the real ones are wired in by `serve` and the
/// dashboard; an `Err` says why there is none (an unknown channel, a bad option), in words
/// the run history shows.
pub type FetcherFactory = std::sync::Arc<
    dyn Fn(&Channel, FetcherSettings) -> Result<Box<dyn Fetcher>, String> + Send + Sync,
>;

/// The four channels' fetchers: what `serve` and the dashboard run jobs with. Another channel
/// has none (its job's runs fail saying so; its metrics arrive by the push ingest route).
pub fn channel_fetchers() -> FetcherFactory {
    std::sync::Arc::new(|channel: &Channel, settings: FetcherSettings| {
        let fetcher: Box<dyn Fetcher> = match channel {
            Channel::Youtube => Box::new(youtube::YoutubeFetcher::new(settings)?),
            Channel::Instagram => Box::new(instagram::InstagramFetcher::new(settings)?),
            Channel::Tiktok => Box::new(tiktok::TiktokFetcher::new(settings)?),
            Channel::Telegram => Box::new(telegram::TelegramFetcher::new(settings)?),
            Channel::Other(name) => {
                return Err(format!(
                    "no fetcher for {name}: its metrics arrive by POST \
                     /api/publisher/metrics/ingest"
                ));
            }
        };
        Ok(fetcher)
    })
}

/// A factory that refuses every channel, for callers that must not reach any platform.
pub fn no_fetchers() -> FetcherFactory {
    std::sync::Arc::new(|channel: &Channel, _settings: FetcherSettings| {
        Err(format!("no fetcher for {}", channel.as_str()))
    })
}
