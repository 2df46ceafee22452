//! The analyst's figures (`store::analyst`) and answers on seeded data whose right answers
//! are known: channel averages from the rollups, the latest measurement of each item cited
//! exactly as stored, hours from publication times, the trend against the period before,
//! failures grouped by error, items without metrics, and the persona filter.

use chrono::{DateTime, Duration, DurationRound, Utc};
use mpis_dash::domain::analyst::{self, Intent, Needs, TimeRange};
use mpis_dash::store::analyst as store;
use mpis_dash::store::metrics_awaiting;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::common;

/// What [`seed`] made.
pub struct Seeded {
    pub alex: Uuid,
    pub other: Uuid,
    pub now: DateTime<Utc>,
    /// Alex's telegram items, best first (0.2000, 0.1800 at 09:00 UTC).
    pub telegram: Vec<Uuid>,
    /// Alex's instagram items (0.0500, 0.0300 at 18:00 UTC).
    pub instagram: Vec<Uuid>,
    /// The other persona's tiktok item (0.9000).
    pub tiktok: Uuid,
    /// Alex's item without metrics.
    pub unmeasured: Uuid,
}

async fn measure(
    pool: &PgPool,
    item: Uuid,
    channel: &str,
    rate: f64,
    views: i32,
    at: DateTime<Utc>,
) {
    sqlx::query(
        "INSERT INTO normalized_metrics (published_item_id, channel, views, reactions,
             engagement_rate, measured_at, source)
         VALUES ($1, $2, $3, $4, $5::numeric(5,4), $6, 'test')",
    )
    .bind(item)
    .bind(channel)
    .bind(views)
    .bind(views / 10)
    .bind(rate)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}

async fn item(pool: &PgPool, persona: Uuid, channel: &str, at: DateTime<Utc>) -> Uuid {
    let draft = common::draft(pool, persona, channel).await;
    common::published_item(pool, draft, channel, &Uuid::new_v4().to_string(), at).await
}

/// Two personas' items, measurements, runs and an unmeasured item (see [`Seeded`]).
pub async fn seed(pool: &PgPool) -> Seeded {
    let now = Utc::now();
    let project = common::persona_with_project(pool, "Alex").await;
    let alex = project.persona_id;
    let other = common::persona(pool, "Other").await;
    // Two days ago, at whole hours (UTC).
    let day = (now - Duration::days(2))
        .duration_trunc(Duration::days(1))
        .unwrap();
    let measured = now - Duration::hours(1);
    let mut telegram = Vec::new();
    for (rate, minute) in [(0.2, 5), (0.18, 30)] {
        let id = item(
            pool,
            alex,
            "telegram",
            day + Duration::hours(9) + Duration::minutes(minute),
        )
        .await;
        measure(pool, id, "telegram", rate, 1000, measured).await;
        telegram.push(id);
    }
    // An older, worse measurement of the best item: the latest one is cited.
    measure(
        pool,
        telegram[0],
        "telegram",
        0.01,
        10,
        now - Duration::hours(3),
    )
    .await;
    let mut instagram = Vec::new();
    for rate in [0.05, 0.03] {
        let id = item(pool, alex, "instagram", day + Duration::hours(18)).await;
        measure(pool, id, "instagram", rate, 500, measured).await;
        instagram.push(id);
    }
    let tiktok = item(pool, other, "tiktok", day + Duration::hours(3)).await;
    measure(pool, tiktok, "tiktok", 0.9, 50, measured).await;
    // The previous period: an older item of Alex's measured 9 days ago.
    let old = item(pool, alex, "telegram", now - Duration::days(10)).await;
    measure(pool, old, "telegram", 0.05, 100, now - Duration::days(9)).await;
    let unmeasured = item(pool, alex, "youtube", now - Duration::days(1)).await;
    let mut tx = pool.begin().await.unwrap();
    metrics_awaiting::sync(&mut tx, now).await.unwrap();
    tx.commit().await.unwrap();
    // Runs: one failed with a message, one partial with item errors, one success.
    let failed = common::run_at(pool, &project, now - Duration::hours(2), "failed").await;
    sqlx::query("UPDATE dashboard_runs SET error_message = 'n8n: 500 Internal Server Error' WHERE run_id = $1")
        .bind(failed.run_id)
        .execute(pool)
        .await
        .unwrap();
    let partial = common::run_at(pool, &project, now - Duration::hours(3), "partial").await;
    for (no, error) in [
        (0, Some("instagram: token expired")),
        (1, Some("instagram: token expired")),
        (2, None),
    ] {
        sqlx::query(
            "INSERT INTO dashboard_run_items (run_id, item_no, channel, succeeded, error)
             VALUES ($1, $2, 'instagram', $3, $4)",
        )
        .bind(partial.run_id)
        .bind(no)
        .bind(error.is_none())
        .bind(error)
        .execute(pool)
        .await
        .unwrap();
    }
    common::run_at(pool, &project, now - Duration::hours(4), "success").await;
    common::run_at(pool, &project, now - Duration::days(20), "failed").await; // out of range
    Seeded {
        alex,
        other,
        now,
        telegram,
        instagram,
        tiktok,
        unmeasured,
    }
}

fn week(seeded: &Seeded) -> TimeRange {
    TimeRange::preset("7d", seeded.now + Duration::seconds(1)).unwrap()
}

async fn ask(
    pool: &PgPool,
    persona: Option<Uuid>,
    range: TimeRange,
    question: &str,
) -> analyst::Answer {
    let intent = analyst::recognize(question);
    let needs = intent.map(Intent::needs).unwrap_or_default();
    let data = store::fetch(pool, persona, range, needs).await.unwrap();
    analyst::answer(intent, &data)
}

/// The latest measurement of an item, read directly.
async fn latest(pool: &PgPool, id: Uuid) -> (Option<i32>, f64) {
    sqlx::query_as(
        "SELECT views, engagement_rate::float8 FROM normalized_metrics
         WHERE published_item_id = $1 ORDER BY measured_at DESC LIMIT 1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn only_what_the_question_needs_is_fetched() {
    let db = common::db().await;
    let seeded = seed(&db.pool).await;
    let data = store::fetch(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        Intent::Trend.needs(),
    )
    .await
    .unwrap();
    assert!(data.channels.is_empty() && data.top_items.is_empty() && data.failures.is_empty());
    assert!(data.current.rated > 0);
    let nothing = store::fetch(&db.pool, None, week(&seeded), Needs::default())
        .await
        .unwrap();
    assert_eq!(nothing, analyst::Aggregates::default());
}

#[tokio::test]
async fn the_best_channel_cites_its_items_with_their_stored_metrics() {
    let db = common::db().await;
    let seeded = seed(&db.pool).await;
    let data = store::fetch(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        Intent::BestChannel.needs(),
    )
    .await
    .unwrap();
    let channels: Vec<(&str, u64)> = data
        .channels
        .iter()
        .map(|c| (c.channel.as_str(), c.rated))
        .collect();
    assert_eq!(channels, vec![("instagram", 2), ("telegram", 3)]);
    let telegram = &data.channels[1];
    // (0.2 + 0.18 + 0.01) / 3, from the rollups.
    assert!((telegram.avg_engagement.unwrap() - 0.13).abs() < 1e-9);

    let answer = ask(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        "Which channel works best?",
    )
    .await;
    assert_eq!(answer.understood_as, Some(Intent::BestChannel));
    assert!(
        answer.answer.starts_with("telegram works best"),
        "{}",
        answer.answer
    );
    let cited: Vec<Uuid> = answer
        .citations
        .iter()
        .map(|c| c.published_item_id)
        .collect();
    assert_eq!(cited, seeded.telegram);
    for citation in &answer.citations {
        let (views, rate) = latest(&db.pool, citation.published_item_id).await;
        assert_eq!(citation.metrics["views"], json!(views), "{citation:?}");
        assert_eq!(citation.metrics["engagement_rate"].as_f64(), Some(rate));
        assert_eq!(citation.channel, "telegram");
    }
    assert_eq!(
        answer.citations[0].metrics["engagement_rate"].as_f64(),
        Some(0.2)
    );
    assert!(answer.citations[0].metrics.contains_key("measured_at"));
    assert!(
        !answer.citations[0].metrics.contains_key("shares"),
        "unset columns left out"
    );

    let worst = ask(&db.pool, Some(seeded.alex), week(&seeded), "worst channel").await;
    assert!(
        worst.answer.starts_with("instagram performs worst"),
        "{}",
        worst.answer
    );
    assert_eq!(worst.citations[0].published_item_id, seeded.instagram[1]);
}

#[tokio::test]
async fn top_posts_and_hours_follow_the_persona_filter() {
    let db = common::db().await;
    let seeded = seed(&db.pool).await;
    let everyone = ask(&db.pool, None, week(&seeded), "top posts").await;
    assert_eq!(everyone.citations[0].published_item_id, seeded.tiktok);
    let alex = ask(&db.pool, Some(seeded.alex), week(&seeded), "top posts").await;
    let cited: Vec<Uuid> = alex.citations.iter().map(|c| c.published_item_id).collect();
    assert_eq!(
        cited,
        vec![
            seeded.telegram[0],
            seeded.telegram[1],
            seeded.instagram[0],
            seeded.instagram[1]
        ]
    );
    assert!(
        alex.answer.contains("among 4 measured posts"),
        "{}",
        alex.answer
    );
    let other = ask(&db.pool, Some(seeded.other), week(&seeded), "top posts").await;
    assert_eq!(other.citations.len(), 1);

    let bottom = ask(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        "underperforming posts",
    )
    .await;
    assert_eq!(bottom.citations[0].published_item_id, seeded.instagram[1]);

    let hour = ask(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        "best time to post",
    )
    .await;
    assert!(
        hour.answer.contains("is 09:00-09:59 UTC"),
        "{}",
        hour.answer
    );
    assert!(
        hour.answer.contains("weakest is 18:00-18:59 UTC"),
        "{}",
        hour.answer
    );
    assert_eq!(hour.citations.len(), 2);
}

#[tokio::test]
async fn the_trend_compares_with_the_period_before() {
    let db = common::db().await;
    let seeded = seed(&db.pool).await;
    let data = store::fetch(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        Intent::Trend.needs(),
    )
    .await
    .unwrap();
    assert_eq!(data.current.rated, 5);
    assert_eq!(data.previous.rated, 1);
    assert!((data.previous.avg_engagement.unwrap() - 0.05).abs() < 1e-9);
    let answer = ask(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        "trend compared to last week",
    )
    .await;
    assert!(
        answer.answer.starts_with("Engagement is up"),
        "{}",
        answer.answer
    );
    assert!(
        answer.confidence > 0.0 && answer.confidence < 0.1,
        "one measurement before"
    );
}

#[tokio::test]
async fn failures_are_grouped_by_error_and_unmeasured_items_listed() {
    let db = common::db().await;
    let seeded = seed(&db.pool).await;
    let answer = ask(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        "why did runs fail?",
    )
    .await;
    assert!(
        answer.answer.starts_with("2 of 3 runs"),
        "{}",
        answer.answer
    );
    assert!(
        answer
            .answer
            .contains("\"instagram: token expired\" (1 runs, 2 failed items)"),
        "{}",
        answer.answer
    );
    assert!(
        answer
            .answer
            .contains("\"n8n: 500 Internal Server Error\" (1 runs, 0 failed items)")
    );
    let none = ask(
        &db.pool,
        Some(seeded.other),
        week(&seeded),
        "why did runs fail?",
    )
    .await;
    assert!(none.answer.starts_with("No run failed"), "{}", none.answer);

    let missing = ask(
        &db.pool,
        Some(seeded.alex),
        week(&seeded),
        "what lacks metrics",
    )
    .await;
    assert!(missing.answer.starts_with("1 items"), "{}", missing.answer);
    assert_eq!(missing.citations[0].published_item_id, seeded.unmeasured);
    assert_eq!(missing.citations[0].channel, "youtube");
    let other = ask(
        &db.pool,
        Some(seeded.other),
        week(&seeded),
        "what lacks metrics",
    )
    .await;
    assert!(other.answer.starts_with("Every item"), "{}", other.answer);
}

#[tokio::test]
async fn the_failed_count_is_exact_when_there_are_more_errors_than_groups_shown() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Many Errors").await;
    let now = Utc::now();
    // 12 failed runs, each with its own error: more than the 10 groups an answer lists.
    for n in 0..12 {
        let run = common::run_at(pool, &project, now - Duration::hours(n + 1), "failed").await;
        sqlx::query("UPDATE dashboard_runs SET error_message = $2 WHERE run_id = $1")
            .bind(run.run_id)
            .bind(format!("error number {n}"))
            .execute(pool)
            .await
            .unwrap();
    }
    common::run_at(pool, &project, now - Duration::hours(1), "success").await;
    let range = TimeRange::preset("7d", now + Duration::seconds(1)).unwrap();
    let answer = ask(pool, Some(project.persona_id), range, "why did runs fail?").await;
    assert!(
        answer.answer.starts_with(
            "12 of 13 runs in this range failed or partly failed. By error, most frequent first: "
        ),
        "{}",
        answer.answer
    );
    assert_eq!(
        answer.answer.matches("(1 runs, 0 failed items)").count(),
        store::MAX_ERROR_GROUPS as usize
    );
}
