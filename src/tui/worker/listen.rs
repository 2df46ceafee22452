//! The LISTEN task: our tables' NOTIFYs (migration 0005) -> `DataEvent::Changed(tables)`, and
//! `ChangesMissed` after a reconnect.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::mpsc::UnboundedSender;

use super::DataEvent;
use crate::retry::Backoff;

/// The channel our tables' triggers notify on (migration 0005).
pub const CHANGES_CHANNEL: &str = "mpis_dash_changes";

/// LISTENs on a dedicated connection and forwards which tables changed; reconnects with the
/// one backoff policy when the database goes away (the UI keeps polling meanwhile). What changed
/// while it was away was never notified, so after a reconnect the UI reloads everything.
pub(super) async fn listen_for_changes(pool: PgPool, events: UnboundedSender<DataEvent>) {
    let policy = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
    let mut pauses = policy.pauses();
    let mut listened_before = false;
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if listener.listen(CHANGES_CHANNEL).await.is_ok() {
                    pauses = policy.pauses();
                    if listened_before && events.send(DataEvent::ChangesMissed).is_err() {
                        return;
                    }
                    listened_before = true;
                    // An error means the connection is gone: reconnect below.
                    while let Ok(notification) = listener.recv().await {
                        let tables = notification
                            .payload()
                            .split(',')
                            .map(str::to_string)
                            .collect();
                        if events.send(DataEvent::Changed(tables)).is_err() {
                            return;
                        }
                    }
                }
            }
            Err(_) if events.is_closed() => return,
            Err(_) => {}
        }
        if events.is_closed() {
            return;
        }
        tokio::time::sleep(pauses.next().unwrap_or(policy.max)).await;
    }
}
