//! The loop every background pass runs in: a pass every `interval` (a late tick waits, it
//! does not burst), until the stop resolves (the pass in flight is finished first); a
//! failing pass (database down) is logged once when it starts failing and once when it
//! works again ("<job> paused, tried again every ..." / "<job> resumed after ..."), never
//! once per tick. The dispatcher, the outbox forwarder and the red flag evaluator share it.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::state_log::{Change, StateLog, format_outage};
use crate::store::StoreResult;

/// Runs `pass` every `interval` until `stop` resolves; `job` names it in the log lines
/// ("n8n dispatch", "publish outbox", "red flag evaluator"); `database` remembers whether the
/// last pass failed, so each change is logged once.
pub async fn every<T, Pass, Fut>(
    job: &str,
    interval: Duration,
    stop: impl Future<Output = ()>,
    database: &StateLog,
    mut pass: Pass,
) where
    Pass: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    tokio::pin!(stop);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = &mut stop => return,
            _ = ticks.tick() => {
                let now = Instant::now();
                let change = match pass().await {
                    Ok(_) => database.succeeded(now),
                    Err(error) => database.failed("database", &error.cause(), now),
                };
                match change {
                    Some(Change::Down { reason }) => tracing::warn!(
                        "{job} paused, tried again every {}: {reason}",
                        format_outage(interval)
                    ),
                    Some(Change::Up { after, .. }) => tracing::warn!(
                        "{job} resumed after {}",
                        format_outage(after)
                    ),
                    None => {}
                }
            }
        }
    }
}
