//! Successful token checks remembered for a moment ([`AUTH_CACHE_TTL`]), keyed by the
//! secret's SHA-256, so a client sending thousands of requests a second costs one database
//! look-up per token and second instead of one per request. Failures are never remembered;
//! a revoked or expired token is refused at most [`AUTH_CACHE_TTL`] later (`token revoke`
//! runs in another process, so the TTL is the only notice `serve` gets).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::auth::{self, AuthFailure};
use crate::store::StoreResult;
use crate::store::tokens::{self, Authenticated};

/// How long a successful check is reused.
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(1);
/// More distinct tokens than this in one TTL: the cache starts over (tokens are few).
const MAX_ENTRIES: usize = 1024;

#[derive(Debug, Default)]
pub struct AuthCache {
    entries: RwLock<HashMap<[u8; 32], (Authenticated, Instant)>>,
}

impl AuthCache {
    /// As [`tokens::authenticate`], answered from the cache when the same secret succeeded
    /// less than [`AUTH_CACHE_TTL`] ago.
    pub async fn authenticate(
        &self,
        pool: &PgPool,
        secret: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<Authenticated, AuthFailure>> {
        if !auth::looks_like_secret(secret) {
            return Ok(Err(AuthFailure::Unknown));
        }
        let key = auth::secret_hash(secret);
        let asked = Instant::now();
        if let Some((caller, at)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            && asked.saturating_duration_since(*at) < AUTH_CACHE_TTL
        {
            return Ok(Ok(caller.clone()));
        }
        let checked = tokens::authenticate(pool, secret, now).await?;
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        match &checked {
            Ok(caller) => {
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
                entries.insert(key, (caller.clone(), asked));
            }
            Err(_) => {
                entries.remove(&key);
            }
        }
        Ok(checked)
    }
}
