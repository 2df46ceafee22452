//! Local stand-ins for the channels' APIs (axum on 127.0.0.1, a free port), answering in each
//! platform's shapes, for the tests over real HTTP and for `--demo`.
//!
//! They accept one credential: [`YOUTUBE_KEY`] (`"standin-key"`) and [`INSTAGRAM_TOKEN`]
//! (`"standin-token"`). Counters are deterministic: derived from a hash of the id and the
//! metric, growing by a per-id amount each minute since the stand-in started ([`counter`]),
//! or fixed at minute 0 with [`Knobs::frozen_clock`]. [`Knobs`] make them answer errors.
//! Dropping a [`StandIn`] stops it.

pub mod instagram;
pub mod telegram;
pub mod tiktok;
pub mod youtube;

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::Router;
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

/// The API key the YouTube stand-in accepts.
pub const YOUTUBE_KEY: &str = "standin-key";
/// The access token the Instagram stand-in accepts.
pub const INSTAGRAM_TOKEN: &str = "standin-token";

/// Which platform a stand-in plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Youtube,
    Instagram,
}

/// How a stand-in misbehaves; the default answers every known id correctly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Knobs {
    /// Ids answered as unknown (YouTube leaves them out of `items`, Instagram answers the
    /// media's request with error 100).
    pub unknown_ids: BTreeSet<String>,
    /// Every credential is refused as expired/invalid (YouTube 400 `keyInvalid`, Instagram
    /// error 190).
    pub credential_expired: bool,
    /// The next this-many calls answer 429.
    pub rate_limited_calls: u32,
    /// `Retry-After` seconds sent with those 429s (none when `None`).
    pub retry_after_secs: Option<u64>,
    /// The platform's own quota answer, without a 429 (YouTube 403 `quotaExceeded`, Instagram
    /// HTTP 400 with error code 4), until turned off.
    pub quota_exhausted: bool,
    /// Every answer is 200 with a body not in the documented shape.
    pub malformed: bool,
    /// Instagram: metrics refused with error 100 as no longer supported (e.g. `impressions`
    /// after v22.0).
    pub deprecated_metrics: BTreeSet<String>,
    /// YouTube: videos whose owner hides likes (no `likeCount`).
    pub hidden_likes: BTreeSet<String>,
    /// Counters stay at their minute-0 values (exact numbers for tests).
    pub frozen_clock: bool,
}

/// One request a stand-in received.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The path, e.g. `/youtube/v3/videos` or `/v21.0/17890/insights`.
    pub path: String,
    pub query: HashMap<String, String>,
}

struct Shared {
    knobs: Mutex<Knobs>,
    calls: Mutex<Vec<Call>>,
    started: Instant,
}

impl Shared {
    fn knobs(&self) -> Knobs {
        lock(&self.knobs).clone()
    }

    fn record(&self, path: &str, query: &HashMap<String, String>) {
        lock(&self.calls).push(Call {
            path: path.to_owned(),
            query: query.clone(),
        });
    }

    /// True if this call is one of the knob's 429s (and counts it down).
    fn take_rate_limit(&self) -> Option<Option<u64>> {
        let mut knobs = lock(&self.knobs);
        (knobs.rate_limited_calls > 0).then(|| {
            knobs.rate_limited_calls -= 1;
            knobs.retry_after_secs
        })
    }

    fn minutes(&self, knobs: &Knobs) -> u64 {
        if knobs.frozen_clock {
            0
        } else {
            self.started.elapsed().as_secs() / 60
        }
    }
}

/// A running stand-in; dropping it stops the server.
pub struct StandIn {
    /// `http://127.0.0.1:PORT`, the fetcher's `base_url`.
    pub base_url: String,
    pub platform: Platform,
    shared: Arc<Shared>,
    _server: Server,
}

/// A router served on 127.0.0.1 (a free port) until dropped: what every stand-in runs on.
pub(crate) struct Server {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    pub(crate) async fn start(app: Router) -> io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "a stand-in stopped");
            }
        });
        Ok(Server { addr, task })
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Aborted, not shut down gracefully: a keep-alive client's open connections would
        // hold a graceful shutdown.
        self.task.abort();
    }
}

/// Starts a stand-in for `platform` with default knobs.
pub async fn start(platform: Platform) -> io::Result<StandIn> {
    start_with(platform, Knobs::default()).await
}

/// Starts a stand-in for `platform` misbehaving as `knobs` say.
pub async fn start_with(platform: Platform, knobs: Knobs) -> io::Result<StandIn> {
    let shared = Arc::new(Shared {
        knobs: Mutex::new(knobs),
        calls: Mutex::new(Vec::new()),
        started: Instant::now(),
    });
    let app: Router = match platform {
        Platform::Youtube => youtube::router(Arc::clone(&shared)),
        Platform::Instagram => instagram::router(Arc::clone(&shared)),
    };
    let server = Server::start(app).await?;
    Ok(StandIn {
        base_url: server.base_url(),
        platform,
        shared,
        _server: server,
    })
}

impl StandIn {
    pub fn knobs(&self) -> Knobs {
        self.shared.knobs()
    }

    /// Changes the knobs for the requests that arrive from now on.
    pub fn set_knobs(&self, knobs: Knobs) {
        *lock(&self.shared.knobs) = knobs;
    }

    /// Every request received so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.calls).clone()
    }

    pub fn call_count(&self) -> usize {
        lock(&self.shared.calls).len()
    }

    /// The credential this stand-in accepts.
    pub fn credential(&self) -> &'static str {
        match self.platform {
            Platform::Youtube => YOUTUBE_KEY,
            Platform::Instagram => INSTAGRAM_TOKEN,
        }
    }
}

/// The stand-ins' counter for `metric` of `id` after `minutes`: a base from the hash of both,
/// growing by a per-id step each minute. Views-like metrics are larger than interactions.
pub fn counter(id: &str, metric: &str, minutes: u64) -> u64 {
    let digest = Sha256::digest(format!("{id}/{metric}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    let hash = u64::from_be_bytes(bytes);
    let scale = match metric {
        "views" | "viewCount" | "reach" | "impressions" => 20,
        _ => 1,
    };
    let base = (hash % 500 + 10) * scale;
    let step = (hash >> 32) % 5 + 1;
    base + step * scale * minutes
}

/// A poisoned lock only means a handler panicked mid-update of plain data: keep serving.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_deterministic_and_grow_with_time() {
        assert_eq!(counter("abc", "views", 0), counter("abc", "views", 0));
        assert_ne!(counter("abc", "views", 0), counter("abd", "views", 0));
        assert!(counter("abc", "views", 3) > counter("abc", "views", 2));
        assert!(counter("abc", "likes", 0) < 520);
        assert!(counter("abc", "views", 0) >= 200);
    }
}
