//! A run's metric rows, written in large statements while the run goes on fetching.
//!
//! A platform answers at most a few dozen items a call (YouTube: 50); one insert per call paid
//! each statement's fixed costs (a round trip, planning, the statement triggers that keep the
//! rollups and the items awaiting metrics) for every few dozen rows. The writer gathers rows
//! up to [`STORE_CHUNK`] and writes them on a task of their own, one statement at a time,
//! while the next calls are made: the run waits for the database only at its end (the last
//! chunk) or when a chunk is ready before the previous one is stored.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::task::JoinHandle;

use crate::store::metrics::{self, MetricRow};

/// Rows written per statement (one `store::metrics` statement, atomic by itself).
pub const STORE_CHUNK: usize = 2_000;

type Written = (Result<u64, String>, Duration);

/// Rows waiting to be written, and the write in flight.
pub struct MetricWriter {
    pool: PgPool,
    chunk: usize,
    buffer: Vec<MetricRow>,
    in_flight: Option<JoinHandle<Written>>,
    /// Rows stored so far.
    pub written: usize,
    /// Time spent inside the inserts (the writes themselves, overlapped or not).
    pub storing: Duration,
}

impl MetricWriter {
    pub fn new(pool: PgPool) -> MetricWriter {
        MetricWriter::with_chunk(pool, STORE_CHUNK)
    }

    /// A writer of `chunk` rows a statement (tests use small ones).
    pub fn with_chunk(pool: PgPool, chunk: usize) -> MetricWriter {
        MetricWriter {
            pool,
            chunk: chunk.max(1),
            buffer: Vec::new(),
            in_flight: None,
            written: 0,
            storing: Duration::ZERO,
        }
    }

    /// Adds rows; a full chunk starts being written (after the previous one is stored). An
    /// `Err` is an earlier write that failed (the run stops; rows not yet written are dropped,
    /// so a later `finish` writes nothing).
    pub async fn push(&mut self, rows: Vec<MetricRow>) -> Result<(), String> {
        self.buffer.extend(rows);
        if self.buffer.len() >= self.chunk {
            self.settle().await?;
            let rows = std::mem::take(&mut self.buffer);
            let pool = self.pool.clone();
            self.in_flight = Some(tokio::spawn(async move {
                let started = Instant::now();
                let result = metrics::insert_batch(&pool, &rows)
                    .await
                    .map_err(|e| e.cause());
                (result, started.elapsed())
            }));
        }
        Ok(())
    }

    /// Writes what is left and waits for every write; `Err` says why a write failed.
    pub async fn finish(&mut self) -> Result<(), String> {
        self.settle().await?;
        let rows = std::mem::take(&mut self.buffer);
        if rows.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let result = metrics::insert_batch(&self.pool, &rows).await;
        self.storing += started.elapsed();
        self.written += result.map_err(|e| e.cause())? as usize;
        Ok(())
    }

    /// Waits for the write in flight, if any. After a failed write the rows not yet written
    /// are dropped: the run stops there.
    async fn settle(&mut self) -> Result<(), String> {
        let Some(task) = self.in_flight.take() else {
            return Ok(());
        };
        let outcome = match task.await {
            Ok((result, took)) => {
                self.storing += took;
                result
            }
            Err(e) => Err(format!("the metrics writer stopped: {e}")),
        };
        match outcome {
            Ok(written) => {
                self.written += written as usize;
                Ok(())
            }
            Err(error) => {
                self.buffer.clear();
                Err(error)
            }
        }
    }
}
