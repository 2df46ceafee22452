//! Answers of `GET /api/publisher/runs/{run_id}`, kept while their run is unchanged: the
//! route n8n and scripts poll. A run's answer is dropped when the database says the run, its
//! items or its dispatch changed (`mpis_dash_run_changes`, migration 0013), from this process
//! or any other on the same database.
//!
//! Never stale by more than the notification's trip:
//! - the cache is used only while its LISTEN connection is up; it is emptied and bypassed
//!   when the connection is lost (notifications are missed meanwhile) and emptied again when
//!   listening resumes;
//! - an answer read before a change but stored after its notification was handled would
//!   outlive it: every drop bumps a generation, and an answer is stored only if no drop
//!   happened since its read began.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, Weak};

use axum::body::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sqlx::PgPool;
use uuid::Uuid;

use crate::store::listen::{Heard, follow};

/// The channel migration 0013's triggers name changed runs on.
pub const RUN_CHANGES_CHANNEL: &str = "mpis_dash_run_changes";

/// Bytes of answers kept at most (a run with ten items answers ~4 KB): bounded so that `serve`
/// stays small however many runs are read.
const CAPACITY_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Clone)]
struct BodySize;

impl Weighter<Uuid, Bytes> for BodySize {
    fn weight(&self, _run: &Uuid, body: &Bytes) -> u64 {
        // The key and the entry's own bookkeeping count too.
        body.len() as u64 + 64
    }
}

/// Counts drops; its lock orders stores against drops.
#[derive(Debug, Default)]
struct Generation {
    drops: u64,
    /// Not listening: nothing is served or stored.
    listening: bool,
}

impl Generation {
    fn read_start(&self) -> ReadStart {
        ReadStart(self.listening.then_some(self.drops))
    }
}

struct Shared {
    answers: Cache<Uuid, Bytes, BodySize>,
    generation: Mutex<Generation>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Generation> {
        // A panic while holding it cannot leave the counter half-updated.
        self.generation.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn drop_one(&self, run_id: Uuid) {
        let mut generation = self.lock();
        generation.drops += 1;
        self.answers.remove(&run_id);
    }

    /// Empties the cache; `listening` says whether it may fill again.
    fn reset(&self, listening: bool) {
        let mut generation = self.lock();
        generation.drops += 1;
        generation.listening = listening;
        self.answers.clear();
    }

    fn hear(&self, heard: Heard) {
        match heard {
            Heard::Listening => self.reset(true),
            Heard::Lost => self.reset(false),
            Heard::Notified(payload) => match Uuid::parse_str(&payload) {
                Ok(run_id) => self.drop_one(run_id),
                // '*' (many runs, TRUNCATE) or anything unexpected: drop everything.
                Err(_) => self.reset(true),
            },
        }
    }
}

/// The cache; dropping the last handle stops its listener.
pub struct RunCache {
    shared: Arc<Shared>,
    listener: Option<tokio::task::JoinHandle<()>>,
}

/// Where a read of the database began, for [`RunCache::store`].
#[derive(Debug, Clone, Copy)]
pub struct ReadStart(Option<u64>);

impl RunCache {
    /// A cache that follows `pool`'s run changes (on the current tokio runtime; with none it
    /// stays off and every read goes to the database).
    pub fn following(pool: &PgPool) -> RunCache {
        let shared = Arc::new(Shared {
            answers: Cache::with_weighter(4096, CAPACITY_BYTES, BodySize),
            generation: Mutex::default(),
        });
        let listener = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let weak = Arc::downgrade(&shared);
            runtime.spawn(follow_changes(pool.clone(), weak))
        });
        RunCache { shared, listener }
    }

    /// The stored answer for `run_id`, if the cache is on and has one.
    pub fn get(&self, run_id: Uuid) -> Option<Bytes> {
        if !self.shared.lock().listening {
            return None;
        }
        self.shared.answers.get(&run_id)
    }

    /// Call before reading the answer from the database.
    pub fn read_start(&self) -> ReadStart {
        self.shared.lock().read_start()
    }

    /// Keeps `answer` unless a change was heard since `start` (or the cache is off).
    pub fn store(&self, start: ReadStart, run_id: Uuid, answer: Bytes) {
        let generation = self.shared.lock();
        if start.0.is_some() && generation.read_start().0 == start.0 {
            self.shared.answers.insert(run_id, answer);
        }
    }

    /// Drops `run_id`'s answer now: this process changed the run, and its own next read
    /// must not wait for the notification.
    pub fn forget(&self, run_id: Uuid) {
        self.shared.drop_one(run_id);
    }

    /// Bytes of answers held (for tests and `/metrics`).
    pub fn held_bytes(&self) -> u64 {
        self.shared.answers.weight()
    }
}

impl Drop for RunCache {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.take() {
            listener.abort();
        }
    }
}

async fn follow_changes(pool: PgPool, shared: Weak<Shared>) {
    follow(pool, RUN_CHANGES_CHANNEL, |heard| match shared.upgrade() {
        Some(shared) => {
            shared.hear(heard);
            ControlFlow::Continue(())
        }
        None => ControlFlow::Break(()),
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared {
            answers: Cache::with_weighter(16, CAPACITY_BYTES, BodySize),
            generation: Mutex::default(),
        }
    }

    fn cache(shared: Shared) -> RunCache {
        RunCache {
            shared: Arc::new(shared),
            listener: None,
        }
    }

    #[test]
    fn nothing_is_kept_or_served_until_listening() {
        let runs = cache(shared());
        let run = Uuid::new_v4();
        runs.store(runs.read_start(), run, Bytes::from_static(b"{}"));
        assert_eq!(runs.get(run), None);
        runs.shared.hear(Heard::Listening);
        runs.store(runs.read_start(), run, Bytes::from_static(b"{}"));
        assert_eq!(runs.get(run).as_deref(), Some(&b"{}"[..]));
    }

    #[test]
    fn a_change_heard_during_a_read_keeps_that_read_out() {
        let runs = cache(shared());
        runs.shared.hear(Heard::Listening);
        let (run, other) = (Uuid::new_v4(), Uuid::new_v4());
        let start = runs.read_start();
        runs.shared.hear(Heard::Notified(run.to_string()));
        runs.store(start, run, Bytes::from_static(b"old"));
        assert_eq!(
            runs.get(run),
            None,
            "read before the change, stored after it"
        );
        // A read that began after the change is kept.
        runs.store(runs.read_start(), run, Bytes::from_static(b"new"));
        runs.store(runs.read_start(), other, Bytes::from_static(b"x"));
        assert_eq!(runs.get(run).as_deref(), Some(&b"new"[..]));
        // Its own change drops only that run.
        runs.shared.hear(Heard::Notified(run.to_string()));
        assert_eq!(runs.get(run), None);
        assert_eq!(runs.get(other).as_deref(), Some(&b"x"[..]));
        runs.forget(other);
        assert_eq!(runs.get(other), None);
    }

    #[test]
    fn a_lost_connection_empties_and_stops_the_cache_until_listening_again() {
        let runs = cache(shared());
        runs.shared.hear(Heard::Listening);
        let run = Uuid::new_v4();
        runs.store(runs.read_start(), run, Bytes::from_static(b"a"));
        let start = runs.read_start();
        runs.shared.hear(Heard::Lost);
        assert_eq!(runs.get(run), None);
        runs.store(runs.read_start(), run, Bytes::from_static(b"b"));
        assert_eq!(runs.held_bytes(), 0, "nothing kept while not listening");
        runs.shared.hear(Heard::Listening);
        runs.store(start, run, Bytes::from_static(b"c"));
        assert_eq!(
            runs.get(run),
            None,
            "a read from before the loss is not kept"
        );
        runs.store(runs.read_start(), run, Bytes::from_static(b"d"));
        assert_eq!(runs.get(run).as_deref(), Some(&b"d"[..]));
    }

    #[test]
    fn many_runs_changed_drops_everything() {
        let runs = cache(shared());
        runs.shared.hear(Heard::Listening);
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
        for id in &ids {
            runs.store(runs.read_start(), *id, Bytes::from_static(b"{}"));
        }
        runs.shared.hear(Heard::Notified("*".into()));
        assert!(ids.iter().all(|id| runs.get(*id).is_none()));
        assert_eq!(runs.held_bytes(), 0);
    }

    #[test]
    fn the_answers_kept_stay_within_the_budget() {
        let runs = cache(shared());
        runs.shared.hear(Heard::Listening);
        let answer = Bytes::from(vec![b'x'; 4096]);
        for _ in 0..5000 {
            runs.store(runs.read_start(), Uuid::new_v4(), answer.clone());
        }
        assert!(runs.held_bytes() <= CAPACITY_BYTES, "{}", runs.held_bytes());
        assert!(
            runs.held_bytes() > CAPACITY_BYTES / 2,
            "{}",
            runs.held_bytes()
        );
    }
}
