//! Starts the background jobs and stops them together: `serve` starts them after its ready
//! line and stops them once the HTTP server has drained; the dashboard stops them when it
//! quits. A stop lets each job finish what it is doing (the evaluator's pass, the forwarder's
//! record in flight) and release what it holds (the advisory lock, the leases of the records
//! it claimed but did not try), within a grace period; a job still running after that is
//! aborted, and what it held is released by the database (its connection closes, its leases
//! run out).

use std::future::Future;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::ingest::FetcherFactory;
use crate::jobs::dispatch::{DispatchSetupError, Dispatcher};
use crate::jobs::evaluator::Evaluator;
use crate::jobs::ingest::{INGEST_EVERY, Scheduler};
use crate::jobs::outbox::Forwarder;
use crate::mpis::MpisClient;

/// A job's view of the stop: asked yet, or wait for it.
#[derive(Debug, Clone)]
pub struct Stop(Option<watch::Receiver<bool>>);

impl Stop {
    /// A stop that never comes (one-off passes, tests).
    pub fn never() -> Stop {
        Stop(None)
    }

    /// A stop already asked for: a pass given it starts no new work and gives back what it
    /// claimed (tests of that path).
    pub fn already() -> Stop {
        Stop(Some(watch::channel(true).1))
    }

    pub fn requested(&self) -> bool {
        self.0.as_ref().is_some_and(|stop| *stop.borrow())
    }

    /// Resolves once the stop is asked for (or the runner is gone).
    pub async fn wait(mut self) {
        match &mut self.0 {
            Some(stop) => {
                let _ = stop.wait_for(|stop| *stop).await;
            }
            None => std::future::pending().await,
        }
    }
}

/// The jobs started, and the way to stop them.
pub struct Runner {
    stop: watch::Sender<bool>,
    jobs: Vec<(&'static str, JoinHandle<()>)>,
}

impl Default for Runner {
    fn default() -> Runner {
        Runner::new()
    }
}

/// How long `stop` waits for the jobs to finish what they are doing.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

impl Runner {
    pub fn new() -> Runner {
        Runner {
            stop: watch::channel(false).0,
            jobs: Vec::new(),
        }
    }

    /// Starts `job` on its own task; it returns once its [`Stop`] is requested.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, job: F)
    where
        F: FnOnce(Stop) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let stop = Stop(Some(self.stop.subscribe()));
        self.jobs.push((name, tokio::spawn(job(stop))));
    }

    /// The names of the jobs running, in the order they were started.
    pub fn names(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|(name, _)| *name).collect()
    }

    /// Asks every job to stop and waits for them (each within what is left of `grace`);
    /// returns the names of those that had to be aborted.
    pub async fn stop(self, grace: Duration) -> Vec<&'static str> {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        let mut aborted = Vec::new();
        for (name, mut job) in self.jobs {
            if tokio::time::timeout_at(deadline, &mut job).await.is_err() {
                job.abort();
                tracing::warn!(
                    "background job {name} still busy {grace:?} after the stop; aborted"
                );
                aborted.push(name);
            }
        }
        aborted
    }
}

/// `serve`'s jobs on `pool`: the red flag evaluator every `evaluator_interval_secs`, the
/// publish outbox forwarder when an MPIS is configured, and the n8n dispatcher when
/// `n8n_webhook_url` is (an unusable n8n setting is an error: better than runs left pending).
pub fn start_serve_jobs(
    config: &Config,
    pool: &PgPool,
    mpis: Option<MpisClient>,
    fetchers: FetcherFactory,
) -> Result<Runner, DispatchSetupError> {
    let mut runner = Runner::new();
    let interval = Duration::from_secs(config.evaluator_interval_secs);
    let evaluator = Evaluator::new(pool.clone(), config.thresholds.clone(), interval);
    runner.spawn("red flag evaluator", move |stop| async move {
        evaluator.run_until(interval, stop.wait()).await;
    });
    start_writer_jobs(&mut runner, config, pool, mpis, fetchers)?;
    Ok(runner)
}

/// The jobs every writer runs, `serve` and the dashboard when not read-only: the publish
/// outbox forwarder (with an MPIS), the n8n dispatcher (with `n8n_webhook_url`), so a run
/// started from the terminal reaches n8n without a `serve` running, and the metrics ingestion
/// scheduler with `fetchers` for the channels.
pub fn start_writer_jobs(
    runner: &mut Runner,
    config: &Config,
    pool: &PgPool,
    mpis: Option<MpisClient>,
    fetchers: FetcherFactory,
) -> Result<(), DispatchSetupError> {
    if let Some(client) = mpis {
        let forwarder = Forwarder::new(pool.clone(), client);
        runner.spawn("publish outbox forwarder", move |stop| async move {
            forwarder.run(FORWARD_EVERY, stop).await;
        });
    }
    if let Some(dispatcher) = Dispatcher::from_config(pool.clone(), config)? {
        tracing::info!("n8n dispatch: runs go to {}", dispatcher.endpoint());
        runner.spawn("n8n dispatcher", move |stop| async move {
            dispatcher.run(DISPATCH_EVERY, stop).await;
        });
    }
    let scheduler = Scheduler::new(pool.clone(), config, fetchers);
    runner.spawn("ingestion scheduler", move |stop| async move {
        scheduler.run_until(INGEST_EVERY, stop).await;
    });
    Ok(())
}

/// How often the n8n dispatcher looks for runs to send.
pub const DISPATCH_EVERY: Duration = Duration::from_secs(2);

/// How often the forwarder looks for due publish records.
pub const FORWARD_EVERY: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn a_stop_lets_jobs_finish_and_aborts_those_that_do_not() {
        let mut runner = Runner::new();
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        runner.spawn("polite", move |stop| async move {
            stop.wait().await;
            // The work in flight when the stop came.
            tokio::time::sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::SeqCst);
        });
        runner.spawn("stubborn", |_stop| std::future::pending::<()>());
        assert_eq!(runner.names(), ["polite", "stubborn"]);
        let aborted = runner.stop(Duration::from_millis(300)).await;
        assert_eq!(aborted, ["stubborn"]);
        assert!(
            finished.load(Ordering::SeqCst),
            "the polite job finished its work"
        );
    }

    #[tokio::test]
    async fn a_never_stop_is_never_requested() {
        let stop = Stop::never();
        assert!(!stop.requested());
        let waited = tokio::time::timeout(Duration::from_millis(50), stop.wait()).await;
        assert!(waited.is_err());
    }
}
