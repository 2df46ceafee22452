//! An in-process answer at most `max_age` old, refreshed with a single flight: while one
//! request computes it, the others wait for that result instead of computing it again (and
//! share its error, so a database that is down costs one attempt per flight, not one per
//! request). `GET /api/red-flags` answers from one (config `red_flags_max_age_secs`).

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A value and when it was computed.
#[derive(Debug)]
pub struct Computed<T> {
    pub value: Arc<T>,
    /// Wall time of the computation (what the answer's `as_of` says).
    pub at: DateTime<Utc>,
    /// Monotonic time of the computation (what the age is measured with).
    pub instant: Instant,
}

impl<T> Clone for Computed<T> {
    fn clone(&self) -> Self {
        Computed {
            value: self.value.clone(),
            at: self.at,
            instant: self.instant,
        }
    }
}

#[derive(Debug)]
pub struct Snapshot<T, E> {
    max_age: Duration,
    latest: RwLock<Option<Computed<T>>>,
    /// The last failed flight: when it ended, and its error.
    failed: RwLock<Option<(Instant, E)>>,
    flight: tokio::sync::Mutex<()>,
}

impl<T, E: Clone> Snapshot<T, E> {
    /// `max_age` zero: every request computes (still one at a time).
    pub fn new(max_age: Duration) -> Snapshot<T, E> {
        Snapshot {
            max_age,
            latest: RwLock::new(None),
            failed: RwLock::new(None),
            flight: tokio::sync::Mutex::new(()),
        }
    }

    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    fn fresh(&self, now: Instant) -> Option<Computed<T>> {
        let latest = self.latest.read().unwrap_or_else(|e| e.into_inner());
        latest
            .as_ref()
            .filter(|c| now.saturating_duration_since(c.instant) < self.max_age)
            .cloned()
    }

    /// The value at most `max_age` old, computing it with `compute` when there is none. A
    /// request that waited for a flight gets that flight's value or error.
    pub async fn get<F, Fut>(&self, compute: F) -> Result<Computed<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let asked = Instant::now();
        if let Some(fresh) = self.fresh(asked) {
            return Ok(fresh);
        }
        let _flight = self.flight.lock().await;
        // Someone else's flight may have ended while this request waited.
        if let Some(latest) = self
            .latest
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && latest.instant >= asked
        {
            return Ok(latest.clone());
        }
        if let Some((ended, error)) = self
            .failed
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && *ended >= asked
        {
            return Err(error.clone());
        }
        if let Some(fresh) = self.fresh(Instant::now()) {
            return Ok(fresh);
        }
        let started = Instant::now();
        let at = Utc::now();
        match compute().await {
            Ok(value) => {
                let computed = Computed {
                    value: Arc::new(value),
                    at,
                    instant: started,
                };
                *self.latest.write().unwrap_or_else(|e| e.into_inner()) = Some(computed.clone());
                Ok(computed)
            }
            Err(error) => {
                *self.failed.write().unwrap_or_else(|e| e.into_inner()) =
                    Some((Instant::now(), error.clone()));
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_requests_share_one_computation_until_it_is_too_old() {
        let snapshot = Arc::new(Snapshot::<usize, String>::new(Duration::from_millis(200)));
        let computed = Arc::new(AtomicUsize::new(0));
        let mut waiting = Vec::new();
        for _ in 0..50 {
            let (snapshot, computed) = (snapshot.clone(), computed.clone());
            waiting.push(tokio::spawn(async move {
                snapshot
                    .get(|| async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(computed.fetch_add(1, Ordering::SeqCst) + 1)
                    })
                    .await
            }));
        }
        for handle in waiting {
            assert_eq!(*handle.await.unwrap().unwrap().value, 1);
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1, "one flight");
        // Fresh: no computation.
        let again = snapshot.get(|| async { Ok(99) }).await.unwrap();
        assert_eq!(*again.value, 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
        let later = snapshot.get(|| async { Ok(2) }).await.unwrap();
        assert_eq!(*later.value, 2, "recomputed once too old");
        assert!(later.at > again.at);
    }

    #[tokio::test]
    async fn waiters_share_a_failed_flight_and_the_next_request_tries_again() {
        let snapshot = Arc::new(Snapshot::<usize, String>::new(Duration::from_secs(5)));
        let attempts = Arc::new(AtomicUsize::new(0));
        let mut waiting = Vec::new();
        for _ in 0..20 {
            let (snapshot, attempts) = (snapshot.clone(), attempts.clone());
            waiting.push(tokio::spawn(async move {
                snapshot
                    .get(|| async {
                        attempts.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Err::<usize, _>("database unreachable".to_string())
                    })
                    .await
            }));
        }
        for handle in waiting {
            assert_eq!(handle.await.unwrap().unwrap_err(), "database unreachable");
        }
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "one attempt per flight");
        let next = snapshot.get(|| async { Ok(7) }).await.unwrap();
        assert_eq!(*next.value, 7, "an error is not kept");
    }

    #[tokio::test]
    async fn a_zero_max_age_computes_every_time() {
        let snapshot = Snapshot::<usize, String>::new(Duration::ZERO);
        assert_eq!(*snapshot.get(|| async { Ok(1) }).await.unwrap().value, 1);
        assert_eq!(*snapshot.get(|| async { Ok(2) }).await.unwrap().value, 2);
    }
}
