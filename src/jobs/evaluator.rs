//! The red flag evaluator's pass, shared by `serve` (every `evaluator_interval_secs`) and the
//! dashboard (on its tick, when not read-only): link late publish records, recount missing
//! metrics when the snapshot is older than `recount_after`, evaluate, and write the flag rows
//! (`store::red_flags::evaluate_and_record_within`).
//!
//! One pass at a time across every process on the database: a pass first takes a session
//! advisory lock ([`EVALUATOR_LOCK_KEY`], `pg_try_advisory_lock`) on a connection of its own,
//! outside the pool; when another process holds it the pass is skipped (that one's result is
//! as fresh). The lock lives exactly as long as the pass: unlocked at its end, and a pass
//! that is dropped half-way (or a process that dies) drops the connection, which releases
//! it. A pool connection could go back to the pool still holding the lock.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::{Connection, PgConnection, PgPool};

use crate::domain::red_flags::{Evaluation, Thresholds};
use crate::jobs::every::every;
use crate::state_log::StateLog;
use crate::store::StoreResult;
use crate::store::red_flags;

/// The advisory lock's key (`pg_try_advisory_lock(bigint)`): "mpisEval" in ASCII, so no other
/// user of advisory locks on the database picks it by chance.
pub const EVALUATOR_LOCK_KEY: i64 = 0x6d70_6973_4576_616c;

/// What a pass did.
#[derive(Debug)]
pub enum PassOutcome {
    /// This process evaluated; `started`/`finished` are taken while holding the lock.
    Ran {
        evaluation: Box<Evaluation>,
        started: Instant,
        finished: Instant,
    },
    /// Another process's pass (or this process's previous one) was running.
    Skipped,
}

impl PassOutcome {
    pub fn ran(&self) -> bool {
        matches!(self, PassOutcome::Ran { .. })
    }
}

pub struct Evaluator {
    pool: PgPool,
    thresholds: Thresholds,
    /// The missing-metrics anti-join runs when its snapshot is older than this (the dashboard:
    /// 25 s, shared by several open dashboards; `serve`: its interval).
    pub recount_after: chrono::Duration,
    /// The connection holding the lock between passes (reconnected when broken); `None`
    /// while a pass runs, so a pass dropped half-way closes it.
    lock_connection: tokio::sync::Mutex<Option<PgConnection>>,
    database: StateLog,
}

/// How long opening the lock's connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

async fn try_lock(connection: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(EVALUATOR_LOCK_KEY)
        .fetch_one(connection)
        .await
}

impl Evaluator {
    pub fn new(pool: PgPool, thresholds: Thresholds, recount_after: Duration) -> Evaluator {
        Evaluator {
            pool,
            thresholds,
            recount_after: chrono::Duration::from_std(recount_after)
                .unwrap_or(chrono::Duration::seconds(25)),
            lock_connection: tokio::sync::Mutex::new(None),
            database: StateLog::new(),
        }
    }

    /// One pass, unless another one (here or in another process) is running.
    pub async fn pass(&self) -> StoreResult<PassOutcome> {
        let Ok(mut slot) = self.lock_connection.try_lock() else {
            return Ok(PassOutcome::Skipped);
        };
        // The kept connection may have been closed by the server meanwhile (idle timeouts, a
        // restart): then a new one, and only its failure counts.
        let kept = match slot.take() {
            Some(mut connection) => try_lock(&mut connection)
                .await
                .ok()
                .map(|locked| (connection, locked)),
            None => None,
        };
        let (mut connection, locked) = match kept {
            Some(kept) => kept,
            None => {
                // Bounded like the pool's own connections (a hung server is a failed pass).
                let options = self.pool.connect_options();
                let connect = PgConnection::connect_with(&options);
                let mut connection = tokio::time::timeout(CONNECT_TIMEOUT, connect)
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)??;
                let locked = try_lock(&mut connection).await?;
                (connection, locked)
            }
        };
        if !locked {
            *slot = Some(connection);
            return Ok(PassOutcome::Skipped);
        }
        let started = Instant::now();
        let result = red_flags::evaluate_and_record_within(
            &self.pool,
            &self.thresholds,
            Utc::now(),
            self.recount_after,
        )
        .await;
        let finished = Instant::now();
        let unlocked: Result<bool, _> = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
            .bind(EVALUATOR_LOCK_KEY)
            .fetch_one(&mut connection)
            .await;
        // Kept only when the lock is surely gone; else dropping it ends the session.
        if let Ok(true) = unlocked {
            *slot = Some(connection);
        }
        let evaluation = result?;
        Ok(PassOutcome::Ran {
            evaluation: Box::new(evaluation),
            started,
            finished,
        })
    }

    /// Passes every `interval` until `stop` resolves; the pass in flight when it does is
    /// finished first. A failing pass (database down) is logged once per change and tried
    /// again at the next interval.
    pub async fn run_until(&self, interval: Duration, stop: impl Future<Output = ()>) {
        every("red flag evaluator", interval, stop, &self.database, || {
            self.pass()
        })
        .await;
    }
}
