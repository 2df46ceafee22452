//! Following a NOTIFY channel on a dedicated connection, through database outages: what the
//! dashboard's live updates (`tui::worker::listen`) and `serve`'s run cache
//! (`api::run_cache`) are built on.

use std::ops::ControlFlow;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use crate::retry::Backoff;

/// What a follower hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// Listening (again): anything notified before this may have been missed.
    Listening,
    /// A notification's payload.
    Notified(String),
    /// Not listening now (the connection failed or was lost): notifications are being missed
    /// until the next `Listening`.
    Lost,
}

/// LISTENs on `channel` and hands `on` what it hears until `on` breaks. Reconnects with the one
/// backoff policy; a lost connection is always reported (`Lost`, then `Listening` once back),
/// never papered over, since the notifications sent meanwhile are gone.
pub async fn follow(pool: PgPool, channel: &str, mut on: impl FnMut(Heard) -> ControlFlow<()>) {
    let policy = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
    let mut pauses = policy.pauses();
    loop {
        if let Ok(mut listener) = PgListener::connect_with(&pool).await
            && listener.listen(channel).await.is_ok()
        {
            pauses = policy.pauses();
            if on(Heard::Listening).is_break() {
                return;
            }
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => {
                        if on(Heard::Notified(notification.payload().to_string())).is_break() {
                            return;
                        }
                    }
                    // Lost, and already reconnected and listening again (sqlx's eager
                    // reconnect): whatever was sent in between is gone.
                    Ok(None) => {
                        if on(Heard::Lost).is_break() || on(Heard::Listening).is_break() {
                            return;
                        }
                    }
                    // Lost and not back: reconnect below, after a pause.
                    Err(_) => break,
                }
            }
        }
        if on(Heard::Lost).is_break() {
            return;
        }
        tokio::time::sleep(pauses.next().unwrap_or(policy.max)).await;
    }
}
