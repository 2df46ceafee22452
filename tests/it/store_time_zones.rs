//! Our own reads and writes are right whatever the database's time zone, and whatever zone the
//! session that wrote a row was in (MPIS's old service writes our run table too): red-flag
//! windows and the run list, on a database set to a zone with an odd offset.

use crate::common;

use chrono::{DateTime, Duration, DurationRound, Utc};
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::red_flags;
use mpis_dash::store::runs::{self, RunFilter};
use sqlx::PgPool;
use uuid::Uuid;

/// +13:45 in its summer, +12:45 in its winter: never a whole hour away from UTC, so an hourly
/// bucket taken in this zone would straddle two UTC hours.
const ZONE: &str = "Pacific/Chatham";

/// Runs around the 24 h and 7 d window edges and around whole hours, alternating the writer's
/// session between UTC (ours) and the database's zone (another client's).
async fn runs_around_the_edges(db: &ScratchDb, zoned: &PgPool, now: DateTime<Utc>) -> Vec<Uuid> {
    let project = common::persona_with_project(&db.pool, "Alex").await;
    let hour = now.duration_trunc(Duration::hours(1)).unwrap();
    let starts = [
        now - Duration::hours(24) + Duration::minutes(1), // in 24 h
        now - Duration::hours(24) - Duration::minutes(1), // out of 24 h, in 7 d
        hour - Duration::minutes(1),                      // either side of a UTC hour
        hour + Duration::seconds(1),
        hour - Duration::hours(5) + Duration::minutes(14), // where a +13:45 hour would start
        hour - Duration::hours(5) + Duration::minutes(16),
        now - Duration::hours(168) + Duration::minutes(1), // in 7 d
        now - Duration::hours(168) - Duration::minutes(1), // out
    ];
    let mut ids = Vec::new();
    for (n, start) in starts.into_iter().enumerate() {
        let writer = if n % 2 == 0 { zoned } else { &db.pool };
        let status = if n % 3 == 0 { "failed" } else { "success" };
        ids.push(common::run_at(writer, &project, start, status).await.run_id);
    }
    // Just after the first whole UTC hour of each window, written from the zoned session: an
    // hour taken in that zone would file them under an hour before it, outside the whole
    // hours the window sums, while their start is past the partial hour it counts.
    for hours in [24, 168] {
        let first_whole_hour = (now - Duration::hours(hours))
            .duration_trunc(Duration::hours(1))
            .unwrap()
            + Duration::hours(1);
        let start = first_whole_hour + Duration::minutes(5);
        ids.push(
            common::run_at(zoned, &project, start, "failed")
                .await
                .run_id,
        );
    }
    ids
}

/// What the windows must say, counted the plain way.
async fn direct_counts(pool: &PgPool, since: DateTime<Utc>) -> (i64, i64) {
    sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status = 'failed') FROM dashboard_runs
         WHERE started_at >= $1",
    )
    .bind(since)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn red_flag_windows_are_exact_in_any_time_zone() {
    let db = ScratchDb::with_time_zone(ZONE).await.unwrap();
    let zoned = db.pool_in_zone(ZONE).await.unwrap();
    let now = Utc::now();
    runs_around_the_edges(&db, &zoned, now).await;

    for reader in [&db.pool, &zoned] {
        for hours in [24, 168] {
            let since = now - Duration::hours(hours);
            let counts = red_flags::run_counts_since(reader, since).await.unwrap();
            assert_eq!(
                (counts.total, counts.failed),
                direct_counts(&db.pool, since).await,
                "{hours} h window"
            );
        }
        let summary = red_flags::summary(reader, &Thresholds::default(), now)
            .await
            .unwrap()
            .summary;
        assert_eq!(summary["failed_runs"]["last_24h"]["total_runs"], 6);
        assert_eq!(summary["failed_runs"]["last_7d"]["total_runs"], 9);
    }
}

#[tokio::test]
async fn the_run_list_is_newest_first_with_exact_times_in_any_time_zone() {
    let db = ScratchDb::with_time_zone(ZONE).await.unwrap();
    let zoned = db.pool_in_zone(ZONE).await.unwrap();
    let now = Utc::now();
    runs_around_the_edges(&db, &zoned, now).await;
    let written: Vec<(Uuid, DateTime<Utc>)> =
        sqlx::query_as("SELECT run_id, started_at FROM dashboard_runs ORDER BY started_at DESC")
            .fetch_all(&db.pool)
            .await
            .unwrap();

    for reader in [&db.pool, &zoned] {
        // Pages of three, following the keyset cursor, then one filtered by `since`.
        let mut listed = Vec::new();
        let mut after = None;
        loop {
            let page = runs::list(reader, &RunFilter::default(), after, 3)
                .await
                .unwrap();
            listed.extend(page.rows.iter().map(|r| (r.run_id, r.started_at)));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(listed, written);
        let since = RunFilter {
            since: Some(now - Duration::hours(24)),
            ..RunFilter::default()
        };
        let recent = runs::list(reader, &since, None, 50).await.unwrap().rows;
        assert_eq!(recent.len(), 6);
    }
}
