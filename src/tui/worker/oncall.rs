//! The on-call path's loads and writes: what a flag counts (a page), a published item with
//! its metric history, whether a flag's condition still holds, silencing, and the open-flag
//! counts the status line reads on every refresh.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{Context, DataEvent, ItemDetail};
use crate::domain::red_flags::FlagKind;
use crate::store::StoreError;
use crate::store::flag_drill::{self, DrillCursor};
use crate::store::red_flags;

/// Rows per page of a flag's list.
pub const DRILL_PAGE: i64 = 100;
/// Measurements shown on the item screen.
const METRIC_HISTORY: i64 = 200;

impl Context {
    pub(super) async fn load_flag_drill(
        &self,
        kind: FlagKind,
        at: DateTime<Utc>,
        after: Option<DrillCursor>,
    ) {
        let result =
            flag_drill::page_with(&self.pool, kind, at, &self.thresholds, after, DRILL_PAGE).await;
        let event = DataEvent::FlagDrill(self.observe(result));
        self.send(event);
    }

    pub(super) async fn load_item(&self, id: Uuid) {
        let result = async {
            let item = flag_drill::published_item(&self.pool, id)
                .await?
                .ok_or_else(|| StoreError::not_found("published item", id))?;
            let metrics = flag_drill::metric_history(&self.pool, id, METRIC_HISTORY).await?;
            Ok(ItemDetail { item, metrics })
        }
        .await;
        let event = DataEvent::Item(id, self.observe(result));
        self.send(event);
    }

    pub(super) async fn check_flag_condition(&self, id: Uuid) {
        let result = red_flags::condition_holds(&self.pool, &self.thresholds, id, Utc::now()).await;
        let event = DataEvent::FlagCondition(self.observe(result));
        self.send(event);
    }

    pub(super) async fn silence_flag(
        &self,
        id: Uuid,
        hours: i64,
        times: crate::time_display::TimeDisplay,
    ) {
        let until = Utc::now() + Duration::hours(hours);
        let result = red_flags::silence(&self.pool, id, &self.operator, until).await;
        self.report(result.map(|f| {
            format!(
                "silenced for {hours} h (until {}): {}",
                times.format(until, crate::time_display::HOUR_MINUTE),
                f.description.unwrap_or(f.flag_type)
            )
        }));
    }

    pub(super) async fn load_open_flag_counts(&self) {
        let result = red_flags::open_counts(&self.pool, Utc::now()).await;
        let event = DataEvent::OpenFlagCounts(self.observe(result));
        self.send(event);
        // The open flags themselves, whatever the layout shows: the app compares each load
        // with the last to alert on flags that turned critical.
        let result = red_flags::list(&self.pool, false, OPEN_FLAGS_WATCHED).await;
        let event = DataEvent::OpenFlags(self.observe(result));
        self.send(event);
    }
}

/// Open flags read for alerts: far more than are ever open at once (one per condition).
const OPEN_FLAGS_WATCHED: i64 = 500;
