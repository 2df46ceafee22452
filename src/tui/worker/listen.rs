//! The LISTEN task: our tables' NOTIFYs (migration 0005) -> `DataEvent::Changed(tables)`, and
//! `ChangesMissed` after a reconnect.

use std::ops::ControlFlow;

use sqlx::PgPool;
use tokio::sync::mpsc::UnboundedSender;

use super::DataEvent;
use crate::store::listen::{Heard, follow};

/// The channel our tables' triggers notify on (migration 0005).
pub const CHANGES_CHANNEL: &str = "mpis_dash_changes";

/// Forwards which tables changed; the UI keeps polling while the database is away. What
/// changed while it was away was never notified, so after a reconnect the UI reloads
/// everything.
pub(super) async fn listen_for_changes(pool: PgPool, events: UnboundedSender<DataEvent>) {
    let mut listened_before = false;
    follow(pool, CHANGES_CHANNEL, |heard| {
        let event = match heard {
            Heard::Listening if listened_before => DataEvent::ChangesMissed,
            Heard::Listening => {
                listened_before = true;
                return ControlFlow::Continue(());
            }
            Heard::Notified(payload) => {
                DataEvent::Changed(payload.split(',').map(str::to_string).collect())
            }
            Heard::Lost if events.is_closed() => return ControlFlow::Break(()),
            Heard::Lost => return ControlFlow::Continue(()),
        };
        match events.send(event) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
    })
    .await;
}
