//! The rest of the store against a real PostgreSQL: widgets, layouts, projects, personas,
//! genesis jobs, ingestion jobs, the publish outbox and normalized metrics.

use crate::common;

use mpis_dash::store::outbox::OutboxState;
use std::collections::HashSet;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use mpis_dash::domain::channel::Channel;
use mpis_dash::domain::layout::LayoutConfig;
use mpis_dash::domain::metrics::NormalizedMetrics;
use mpis_dash::domain::run_status::RunStatus;
use mpis_dash::domain::schedule::Schedule;
use mpis_dash::domain::widget_catalog::{builtin_widget_ids, default_layouts};
use mpis_dash::store::jobs::{self, NewJob};
use mpis_dash::store::layouts::{self, LayoutChanges, NewLayout};
use mpis_dash::store::metrics::{self, MetricRow};
use mpis_dash::store::outbox::{self, NewPublishRecord, OutboxCounts};
use mpis_dash::store::projects::{self, NewProject};
use mpis_dash::store::runs::{self, Completion, ItemReport};
use mpis_dash::store::widgets::{self, NewWidget};
use mpis_dash::store::{StoreError, audit, genesis, personas};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

const BUILTIN_IDS: [&str; 9] = [
    "channel-performance",
    "eidos-recommendations",
    "engagement-chart",
    "ingestion-jobs",
    "outbox",
    "persona-overview",
    "recent-posts",
    "red-flags",
    "runs",
];

fn expect_invalid<T: std::fmt::Debug>(result: Result<T, StoreError>, field: &str) -> String {
    match result {
        Err(StoreError::Invalid { field: f, message }) => {
            assert_eq!(f, field, "{message}");
            message
        }
        other => panic!("expected Invalid {field}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Widgets

fn custom_widget(id: &str, widget_type: &str) -> NewWidget {
    NewWidget {
        widget_id: id.to_string(),
        name: "Sentiment".to_string(),
        description: Some("Audience mood".to_string()),
        widget_type: widget_type.to_string(),
        schema: json!({"config": {"persona_id": {"type": "uuid"}}}),
        renderer_url: Some("https://example.org/sentiment.js".to_string()),
    }
}

#[tokio::test]
async fn the_nine_builtin_widgets_are_seeded() {
    let db = common::db().await;
    let pool = &db.pool;
    let list = widgets::list(pool).await.unwrap();
    let ids: Vec<_> = list.iter().map(|w| w.widget_id.as_str()).collect();
    assert_eq!(ids, BUILTIN_IDS);
    assert!(list.iter().all(|w| w.widget_type == "builtin"));
    assert!(
        list.iter()
            .all(|w| w.schema.0.is_object() && !w.name.is_empty())
    );
    let mut catalog = builtin_widget_ids();
    catalog.sort_unstable();
    assert_eq!(
        catalog, BUILTIN_IDS,
        "the registry matches the domain catalogue"
    );
    assert_eq!(widgets::known_ids(pool).await.unwrap(), BUILTIN_IDS);
}

#[tokio::test]
async fn custom_widgets_register_once_with_a_valid_type() {
    let db = common::db().await;
    let pool = &db.pool;
    let made = widgets::register(pool, &custom_widget(" sentiment ", "custom"))
        .await
        .unwrap();
    assert_eq!(made.widget_id, "sentiment");
    assert_eq!(made.widget_type, "custom");
    assert_eq!(
        made.renderer_url.as_deref(),
        Some("https://example.org/sentiment.js")
    );
    assert_eq!(
        made.schema.0,
        json!({"config": {"persona_id": {"type": "uuid"}}})
    );
    let list = widgets::list(pool).await.unwrap();
    assert_eq!(list.len(), 10);
    assert_eq!(
        list.last().unwrap(),
        &made,
        "custom widgets follow the built-ins"
    );

    match widgets::register(pool, &custom_widget("sentiment", "custom")).await {
        Err(StoreError::Conflict(message)) => assert!(message.contains("sentiment"), "{message}"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert!(matches!(
        widgets::register(pool, &custom_widget("runs", "builtin")).await,
        Err(StoreError::Conflict(_))
    ));
    let message = expect_invalid(
        widgets::register(pool, &custom_widget("mood", "plugin")).await,
        "widget_type",
    );
    assert!(message.contains("plugin"), "{message}");
    expect_invalid(
        widgets::register(pool, &custom_widget("  ", "custom")).await,
        "widget_id",
    );
    let mut bad_schema = custom_widget("mood", "custom");
    bad_schema.schema = json!([1, 2]);
    expect_invalid(widgets::register(pool, &bad_schema).await, "schema");
    assert_eq!(widgets::list(pool).await.unwrap().len(), 10);
}

// ---------------------------------------------------------------------------------------
// Layouts

fn widget_at(id: &str, x: u16, y: u16, w: u16, h: u16) -> Value {
    json!({"widget_id": id, "position": {"x": x, "y": y, "w": w, "h": h}})
}

fn layout(user_id: Option<Uuid>, name: &str, is_default: bool) -> NewLayout {
    NewLayout {
        user_id,
        name: name.to_string(),
        is_default,
        config: json!({"widgets": [widget_at("runs", 0, 0, 12, 2)]}),
    }
}

#[tokio::test]
async fn seeded_layouts_are_valid_and_overview_is_the_global_default() {
    let db = common::db().await;
    let pool = &db.pool;
    let global = layouts::list_for_user(pool, None).await.unwrap();
    let names: Vec<_> = global
        .iter()
        .map(|l| (l.name.as_str(), l.is_default, l.user_id))
        .collect();
    assert_eq!(names, [("Overview", true, None), ("On-call", false, None)]);
    let known = widgets::known_ids(pool).await.unwrap();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let shipped = default_layouts();
    for stored in &global {
        let config = LayoutConfig::from_json(&stored.layout_config.0).unwrap();
        assert_eq!(config.validate(&known), Ok(()), "{}", stored.name);
        let (_, is_default, expected) = shipped
            .iter()
            .find(|(name, _, _)| *name == stored.name)
            .unwrap();
        assert_eq!(
            &config, expected,
            "{} matches the shipped layout",
            stored.name
        );
        assert_eq!(stored.is_default, *is_default);
    }
    let default = layouts::get_default(pool, None).await.unwrap().unwrap();
    assert_eq!(default.name, "Overview");
}

#[tokio::test]
async fn layouts_are_listed_per_user_and_the_users_default_wins() {
    let db = common::db().await;
    let pool = &db.pool;
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let a_plain = layouts::create(pool, &layout(Some(alice), "Alpha", false))
        .await
        .unwrap();
    // A user with layouts of their own but no default still opens the global default.
    assert_eq!(
        layouts::get_default(pool, Some(alice))
            .await
            .unwrap()
            .unwrap()
            .name,
        "Overview"
    );
    let a_default = layouts::create(pool, &layout(Some(alice), "Zulu", true))
        .await
        .unwrap();
    layouts::create(pool, &layout(Some(bob), "Bob's", true))
        .await
        .unwrap();

    let listed: Vec<_> = layouts::list_for_user(pool, Some(alice))
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.name, l.user_id))
        .collect();
    assert_eq!(
        listed,
        [
            ("Zulu".to_string(), Some(alice)),
            ("Alpha".to_string(), Some(alice)),
            ("Overview".to_string(), None),
            ("On-call".to_string(), None),
        ],
        "the user's own first (default first), then the global ones"
    );
    let global: Vec<_> = layouts::list_for_user(pool, None)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(global, ["Overview", "On-call"]);

    assert_eq!(
        layouts::get_default(pool, Some(alice))
            .await
            .unwrap()
            .unwrap()
            .id,
        a_default.id
    );
    assert_eq!(
        layouts::get_default(pool, Some(Uuid::new_v4()))
            .await
            .unwrap()
            .unwrap()
            .name,
        "Overview"
    );
    assert_eq!(layouts::get(pool, a_plain.id).await.unwrap(), Some(a_plain));
    assert_eq!(layouts::get(pool, Uuid::new_v4()).await.unwrap(), None);
}

#[tokio::test]
async fn invalid_layouts_are_refused_naming_the_problem() {
    let db = common::db().await;
    let pool = &db.pool;
    let with = |widgets: Vec<Value>| NewLayout {
        config: json!({ "widgets": widgets }),
        ..layout(None, "Broken", false)
    };
    let unknown = expect_invalid(
        layouts::create(pool, &with(vec![widget_at("nope", 0, 0, 4, 2)])).await,
        "layout_config",
    );
    assert!(unknown.contains("unknown widget \"nope\""), "{unknown}");
    let overlap = expect_invalid(
        layouts::create(
            pool,
            &with(vec![
                widget_at("runs", 0, 0, 6, 2),
                widget_at("outbox", 4, 1, 4, 2),
            ]),
        )
        .await,
        "layout_config",
    );
    assert!(overlap.contains("overlap"), "{overlap}");
    let outside = expect_invalid(
        layouts::create(pool, &with(vec![widget_at("runs", 10, 0, 4, 2)])).await,
        "layout_config",
    );
    assert!(outside.contains("12-column grid"), "{outside}");
    // Every problem at once.
    let both = expect_invalid(
        layouts::create(
            pool,
            &with(vec![
                widget_at("nope", 0, 0, 4, 2),
                widget_at("runs", 9, 0, 4, 1),
            ]),
        )
        .await,
        "layout_config",
    );
    assert!(
        both.contains("nope") && both.contains("12-column grid"),
        "{both}"
    );
    let malformed = NewLayout {
        config: json!({"panels": []}),
        ..layout(None, "Broken", false)
    };
    expect_invalid(layouts::create(pool, &malformed).await, "layout_config");
    expect_invalid(
        layouts::create(pool, &layout(None, "  ", false)).await,
        "name",
    );
    assert_eq!(layouts::list_for_user(pool, None).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_default_clears_only_the_same_owners_previous_default() {
    let db = common::db().await;
    let pool = &db.pool;
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let a1 = layouts::create(pool, &layout(Some(alice), "A1", true))
        .await
        .unwrap();
    let b1 = layouts::create(pool, &layout(Some(bob), "B1", true))
        .await
        .unwrap();
    let a2 = layouts::create(pool, &layout(Some(alice), "A2", true))
        .await
        .unwrap();
    let defaults = |pool: &PgPool| {
        let pool = pool.clone();
        async move {
            let mut rows: Vec<(String, bool)> =
                sqlx::query_as("SELECT name, is_default FROM dashboard_layouts")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            rows.sort();
            rows
        }
    };
    let expected = |pairs: &[(&str, bool)]| -> Vec<(String, bool)> {
        pairs.iter().map(|(n, d)| (n.to_string(), *d)).collect()
    };
    assert_eq!(
        defaults(pool).await,
        expected(&[
            ("A1", false),
            ("A2", true),
            ("B1", true),
            ("On-call", false),
            ("Overview", true)
        ])
    );
    // Through update as well, and for the global layouts.
    layouts::update(
        pool,
        a1.id,
        &LayoutChanges {
            is_default: Some(true),
            ..LayoutChanges::default()
        },
    )
    .await
    .unwrap();
    let on_call = layouts::find_by_name(pool, None, "On-call")
        .await
        .unwrap()
        .unwrap();
    layouts::update(
        pool,
        on_call.id,
        &LayoutChanges {
            is_default: Some(true),
            ..LayoutChanges::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        defaults(pool).await,
        expected(&[
            ("A1", true),
            ("A2", false),
            ("B1", true),
            ("On-call", true),
            ("Overview", false)
        ])
    );
    assert_eq!(
        layouts::get_default(pool, None).await.unwrap().unwrap().id,
        on_call.id
    );
    assert_eq!(
        layouts::get_default(pool, Some(bob))
            .await
            .unwrap()
            .unwrap()
            .id,
        b1.id
    );
    assert_eq!(
        layouts::get_default(pool, Some(alice))
            .await
            .unwrap()
            .unwrap()
            .id,
        a1.id
    );
    assert!(!layouts::get(pool, a2.id).await.unwrap().unwrap().is_default);
}

#[tokio::test]
async fn layouts_update_delete_and_find_by_name() {
    let db = common::db().await;
    let pool = &db.pool;
    let alice = Uuid::new_v4();
    let made = layouts::create(pool, &layout(Some(alice), " Night shift ", false))
        .await
        .unwrap();
    assert_eq!(made.name, "Night shift");
    // The stored config is normalized: a missing `config` becomes `{}`.
    assert_eq!(made.layout_config.0["widgets"][0]["config"], json!({}));

    let config = json!({"widgets": [
        widget_at("red-flags", 0, 0, 6, 2),
        {"widget_id": "engagement-chart", "position": {"x": 6, "y": 0, "w": 6, "h": 2},
         "config": {"time_range": "7d"}}
    ]});
    let changed = layouts::update(
        pool,
        made.id,
        &LayoutChanges {
            name: Some("Nights".to_string()),
            is_default: None,
            config: Some(config.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(changed.name, "Nights");
    assert!(!changed.is_default);
    assert_eq!(
        changed.layout_config.0["widgets"][1]["config"]["time_range"],
        "7d"
    );
    assert_eq!(changed.created_at, made.created_at);
    // Only what is given changes.
    let renamed = layouts::update(
        pool,
        made.id,
        &LayoutChanges {
            name: Some("Nights 2".to_string()),
            ..LayoutChanges::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(renamed.layout_config, changed.layout_config);
    expect_invalid(
        layouts::update(
            pool,
            made.id,
            &LayoutChanges {
                config: Some(json!({"widgets": [widget_at("ghost", 0, 0, 1, 1)]})),
                ..LayoutChanges::default()
            },
        )
        .await,
        "layout_config",
    );
    assert!(matches!(
        layouts::update(pool, Uuid::new_v4(), &LayoutChanges::default()).await,
        Err(StoreError::NotFound {
            entity: "layout",
            ..
        })
    ));

    // Names are found case-insensitively; the user's own layout wins over a global one.
    let found = layouts::find_by_name(pool, Some(alice), "NIGHTS 2")
        .await
        .unwrap();
    assert_eq!(found.map(|l| l.id), Some(made.id));
    assert_eq!(
        layouts::find_by_name(pool, None, "overview")
            .await
            .unwrap()
            .unwrap()
            .name,
        "Overview"
    );
    assert_eq!(
        layouts::find_by_name(pool, None, "nights 2").await.unwrap(),
        None
    );
    let mine = layouts::create(pool, &layout(Some(alice), "OVERVIEW", false))
        .await
        .unwrap();
    assert_eq!(
        layouts::find_by_name(pool, Some(alice), "Overview")
            .await
            .unwrap()
            .map(|l| l.id),
        Some(mine.id)
    );

    layouts::delete(pool, made.id).await.unwrap();
    assert_eq!(layouts::get(pool, made.id).await.unwrap(), None);
    match layouts::delete(pool, made.id).await {
        Err(StoreError::NotFound { entity, id }) => {
            assert_eq!(entity, "layout");
            assert_eq!(id, made.id.to_string());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Projects, personas, genesis

#[tokio::test]
async fn projects_are_created_validated_and_listed_newest_first() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Alex").await;
    let made = projects::create(
        pool,
        &NewProject {
            name: "  Tech Blog  ".to_string(),
            persona_id: persona,
            channels: vec![" Telegram".into(), "".into(), "youtube".into()],
        },
    )
    .await
    .unwrap();
    assert_eq!(made.name, "Tech Blog");
    assert_eq!(made.channels, ["telegram", "youtube"]);
    assert_eq!(made.persona_id, persona);
    assert_eq!(
        projects::get(pool, made.id).await.unwrap(),
        Some(made.clone())
    );
    assert_eq!(projects::get(pool, Uuid::new_v4()).await.unwrap(), None);

    let new = |name: &str, persona_id: Uuid| NewProject {
        name: name.to_string(),
        persona_id,
        channels: vec![],
    };
    let message = expect_invalid(projects::create(pool, &new("   ", persona)).await, "name");
    assert!(message.contains("1 to 200"), "{message}");
    expect_invalid(
        projects::create(pool, &new(&"x".repeat(201), persona)).await,
        "name",
    );
    let stranger = Uuid::new_v4();
    match projects::create(pool, &new("Orphan", stranger)).await {
        Err(StoreError::NotFound { entity, id }) => {
            assert_eq!(entity, "persona");
            assert_eq!(id, stranger.to_string());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    let empty = projects::create(pool, &new(&"y".repeat(200), persona))
        .await
        .unwrap();
    assert!(empty.channels.is_empty());

    let third = projects::create(pool, &new("Third", persona))
        .await
        .unwrap();
    let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    for (id, days) in [(made.id, 3), (empty.id, 1), (third.id, 2)] {
        sqlx::query("UPDATE dashboard_projects SET created_at = $2 WHERE id = $1")
            .bind(id)
            .bind(base + Duration::days(days))
            .execute(pool)
            .await
            .unwrap();
    }
    let order: Vec<_> = projects::list(pool, 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(order, [made.id, third.id, empty.id]);
    let page: Vec<_> = projects::list(pool, 1, 1)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(page, [third.id]);
}

#[tokio::test]
async fn personas_are_listed_newest_first_and_read_by_id() {
    let db = common::db().await;
    let pool = &db.pool;
    let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    let mut made = Vec::new();
    for (n, name) in ["Alex", "Maria", "Ivan"].into_iter().enumerate() {
        let id = common::persona(pool, name).await;
        sqlx::query("UPDATE personas SET created_at = $2 WHERE id = $1")
            .bind(id)
            .bind(base + Duration::days(n as i64))
            .execute(pool)
            .await
            .unwrap();
        made.push(id);
    }
    let names: Vec<_> = personas::list(pool, 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Ivan", "Maria", "Alex"]);
    let page = personas::list(pool, 1, 2).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id, made[0]);

    let maria = personas::get(pool, made[1]).await.unwrap().unwrap();
    assert_eq!(maria.name, "Maria");
    assert!(maria.slug.starts_with("maria-"));
    assert_eq!(maria.language.as_deref(), Some("en"));
    assert_eq!(maria.active_version.as_deref(), Some("v1"));
    assert_eq!(maria.created_at, base + Duration::days(1));
    assert_eq!(personas::get(pool, Uuid::new_v4()).await.unwrap(), None);
    assert!(personas::exists(pool, made[2]).await.unwrap());
    assert!(!personas::exists(pool, Uuid::new_v4()).await.unwrap());
}

#[tokio::test]
async fn only_genesis_jobs_awaiting_approval_are_listed_longest_waiting_first() {
    let db = common::db().await;
    let pool = &db.pool;
    let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    for (name, status, hours) in [
        ("Queued", "queued", 0),
        ("Newer", "awaiting_approval", 5),
        ("Older", "awaiting_approval", 1),
        ("Done", "committed", 2),
        ("Broken", "failed", 3),
    ] {
        sqlx::query(
            "INSERT INTO genesis_jobs (persona_name, slug, status, draft_no, updated_at)
             VALUES ($1, lower($1), $2, 2, $3)",
        )
        .bind(name)
        .bind(status)
        .bind(base + Duration::hours(hours))
        .execute(pool)
        .await
        .unwrap();
    }
    let jobs = genesis::awaiting_approval(pool, 10).await.unwrap();
    let names: Vec<_> = jobs.iter().map(|j| j.persona_name.as_str()).collect();
    assert_eq!(names, ["Older", "Newer"]);
    assert!(
        jobs.iter()
            .all(|j| j.status == "awaiting_approval" && j.draft_no == 2)
    );
    assert_eq!(jobs[0].slug, "older");
    assert_eq!(genesis::awaiting_approval(pool, 1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_genesis_draft_is_read_by_number_or_the_latest_stored_before_it() {
    let db = common::db().await;
    let pool = &db.pool;
    let job_id: Uuid = sqlx::query_scalar(
        "INSERT INTO genesis_jobs (persona_name, slug, status, draft_no)
         VALUES ('Ana', 'ana', 'awaiting_approval', 3) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    for (draft_no, topic) in [(1, "first"), (2, "second")] {
        sqlx::query(
            "INSERT INTO genesis_drafts (job_id, draft_no, draft_core_json, human_prompt)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(job_id)
        .bind(draft_no)
        .bind(serde_json::json!({"topics": {"primary": [topic]}}))
        .bind(format!("review draft {draft_no}"))
        .execute(pool)
        .await
        .unwrap();
    }
    let first = genesis::draft(pool, job_id, 1).await.unwrap().unwrap();
    assert_eq!(first.draft_no, 1);
    assert_eq!(first.core["topics"]["primary"][0], "first");
    assert_eq!(first.human_prompt.as_deref(), Some("review draft 1"));
    // Draft 3 is not stored yet: the latest one before it stands in, with its own number.
    let latest = genesis::draft(pool, job_id, 3).await.unwrap().unwrap();
    assert_eq!(latest.draft_no, 2);
    assert_eq!(latest.core["topics"]["primary"][0], "second");
    assert_eq!(genesis::draft(pool, job_id, 0).await.unwrap(), None);
    assert_eq!(genesis::draft(pool, Uuid::new_v4(), 5).await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------
// Ingestion jobs

fn job(name: &str, cron: &str) -> NewJob {
    NewJob {
        job_name: name.to_string(),
        channel: "telegram".to_string(),
        persona_id: None,
        schedule_cron: cron.to_string(),
        config: Value::Null,
        enabled: true,
    }
}

/// A time with whole seconds, as PostgreSQL stores it (microseconds) without loss.
fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap()
}

#[tokio::test]
async fn jobs_validate_the_schedule_and_compute_the_next_run() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Alex").await;
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 10, 17, 0).unwrap();
    let mut new = job("  telegram_hourly ", " 0 * * * * ");
    new.channel = " Telegram ".to_string();
    new.persona_id = Some(persona);
    new.config = json!({"lookback_hours": 24});
    let made = jobs::create(pool, &new, now).await.unwrap();
    assert_eq!(made.job_name, "telegram_hourly");
    assert_eq!(made.channel, "telegram");
    assert_eq!(made.schedule_cron, "0 * * * *");
    assert_eq!(
        made.next_run_at,
        Some(Utc.with_ymd_and_hms(2026, 1, 1, 11, 0, 0).unwrap())
    );
    assert_eq!(made.last_run_at, None);
    assert_eq!(made.persona_id, Some(persona));
    assert_eq!(made.config.0, json!({"lookback_hours": 24}));
    assert!(made.enabled);

    let daily = jobs::create(pool, &job("daily", "@daily"), now)
        .await
        .unwrap();
    assert_eq!(
        daily.next_run_at,
        Some(Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap())
    );
    assert_eq!(daily.config.0, json!({}));

    for cron in ["61 * * * *", "* * *", "", "@fortnightly", "0 0 * * * *"] {
        let message = expect_invalid(
            jobs::create(pool, &job(&format!("bad {cron}"), cron), now).await,
            "schedule_cron",
        );
        assert!(message.contains("schedule_cron"), "{message}");
    }
    match jobs::create(pool, &job("telegram_hourly", "@hourly"), now).await {
        Err(StoreError::Conflict(message)) => assert!(message.contains("telegram_hourly")),
        other => panic!("expected Conflict, got {other:?}"),
    }
    let stranger = Uuid::new_v4();
    let mut orphan = job("orphan", "@hourly");
    orphan.persona_id = Some(stranger);
    match jobs::create(pool, &orphan, now).await {
        Err(err @ StoreError::NotFound { .. }) => {
            assert_eq!(err.to_string(), format!("persona not found: {stranger}"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    expect_invalid(
        jobs::create(pool, &job(" ", "@hourly"), now).await,
        "job_name",
    );
    let mut no_channel = job("nameless channel", "@hourly");
    no_channel.channel = "  ".to_string();
    expect_invalid(jobs::create(pool, &no_channel, now).await, "channel");
    let mut list_config = job("array config", "@hourly");
    list_config.config = json!([1]);
    expect_invalid(jobs::create(pool, &list_config, now).await, "config");

    let names: Vec<_> = jobs::list(pool, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.job_name)
        .collect();
    assert_eq!(names, ["daily", "telegram_hourly"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_job_is_claimed_by_only_one_of_two_concurrent_claimers() {
    let db = common::db().await;
    let pool = &db.pool;
    let past = Utc::now() - Duration::hours(3);
    let mut due = HashSet::new();
    for n in 0..4 {
        due.insert(
            jobs::create(pool, &job(&format!("due {n}"), "0 * * * *"), past)
                .await
                .unwrap()
                .id,
        );
    }
    let mut disabled = job("disabled", "0 * * * *");
    disabled.enabled = false;
    jobs::create(pool, &disabled, past).await.unwrap();
    jobs::create(pool, &job("later", "0 * * * *"), Utc::now())
        .await
        .unwrap();

    let lease = StdDuration::from_secs(300);
    let (a, b) = tokio::join!(
        jobs::claim_due(pool, lease, 10),
        jobs::claim_due(pool, lease, 10)
    );
    let claimed: Vec<Uuid> = a
        .unwrap()
        .into_iter()
        .chain(b.unwrap())
        .map(|j| j.id)
        .collect();
    assert_eq!(claimed.len(), 4, "each due job exactly once: {claimed:?}");
    assert_eq!(claimed.iter().copied().collect::<HashSet<_>>(), due);
    // Leased: nobody gets them again while the lease runs.
    assert!(jobs::claim_due(pool, lease, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn mark_ran_schedules_the_next_run_and_set_enabled_toggles_claiming() {
    let db = common::db().await;
    let pool = &db.pool;
    let made = jobs::create(
        pool,
        &job("hourly", "0 * * * *"),
        Utc::now() - Duration::hours(3),
    )
    .await
    .unwrap();
    let lease = StdDuration::from_secs(300);
    assert_eq!(jobs::claim_due(pool, lease, 10).await.unwrap().len(), 1);

    let finished = whole_seconds(Utc::now());
    let expected_next = Schedule::parse("0 * * * *").unwrap().next_after(finished);
    let ran = jobs::mark_ran(pool, made.id, finished, Some("telegram API: 502"))
        .await
        .unwrap();
    assert_eq!(ran.last_run_at, Some(finished));
    assert_eq!(ran.next_run_at, expected_next);
    assert!(ran.next_run_at.unwrap() > finished);
    assert_eq!(ran.last_status.as_deref(), Some("failed"));
    assert_eq!(ran.last_error.as_deref(), Some("telegram API: 502"));
    let ran = jobs::mark_ran(pool, made.id, finished, None).await.unwrap();
    assert_eq!(ran.last_status.as_deref(), Some("success"));
    assert_eq!(ran.last_error, None);
    // Next run is in the future: not due.
    assert!(jobs::claim_due(pool, lease, 10).await.unwrap().is_empty());
    assert!(matches!(
        jobs::mark_ran(pool, Uuid::new_v4(), finished, None).await,
        Err(StoreError::NotFound { .. })
    ));

    // Make it due again, then disable: not claimed; enable: next run recomputed.
    sqlx::query(
        "UPDATE metrics_ingestion_jobs SET next_run_at = NOW() - INTERVAL '1 minute' WHERE id = $1",
    )
    .bind(made.id)
    .execute(pool)
    .await
    .unwrap();
    let off = jobs::set_enabled(pool, made.id, false, Utc::now())
        .await
        .unwrap();
    assert!(!off.enabled);
    assert!(jobs::claim_due(pool, lease, 10).await.unwrap().is_empty());
    let now = whole_seconds(Utc::now());
    let on = jobs::set_enabled(pool, made.id, true, now).await.unwrap();
    assert!(on.enabled);
    assert_eq!(
        on.next_run_at,
        Schedule::parse("0 * * * *").unwrap().next_after(now)
    );
    assert!(matches!(
        jobs::set_enabled(pool, Uuid::new_v4(), true, now).await,
        Err(StoreError::NotFound { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Outbox

fn record(key: &str, draft_id: Uuid, channel_item_id: &str) -> NewPublishRecord {
    NewPublishRecord {
        idempotency_key: key.to_string(),
        run_id: None,
        project_id: None,
        persona_id: None,
        published_at: None,
        draft_id,
        channel: "Telegram".to_string(),
        channel_item_id: Some(channel_item_id.to_string()),
        channel_url: Some(format!("https://t.me/demo/{channel_item_id}")),
        created_by: "alice".to_string(),
    }
}

#[tokio::test]
async fn enqueue_is_idempotent_per_key_with_one_audit_entry() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let mut first = record("form-1", draft, "100");
    first.project_id = Some(project.id);
    let made = outbox::enqueue(pool, &first).await.unwrap();
    assert!(made.created);
    assert_eq!(made.record.state, OutboxState::Queued);
    assert_eq!(made.record.channel, "telegram");
    assert_eq!(made.record.attempts, 0);
    assert_eq!(made.record.project_id, Some(project.id));

    let again = outbox::enqueue(pool, &record(" form-1 ", draft, "999"))
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.record, made.record, "the first record, unchanged");
    assert_eq!(common::count(pool, "publish_records").await, 1);
    let entries = audit::for_entity(pool, made.record.id, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].event_type, "publish_recorded");
    assert_eq!(entries[0].details.0["operator"], "alice");
    assert_eq!(entries[0].details.0["channel_item_id"], "100");
    assert_eq!(
        outbox::get_by_key(pool, "form-1").await.unwrap(),
        Some(made.record.clone())
    );
    assert_eq!(
        outbox::get(pool, made.record.id).await.unwrap(),
        Some(made.record)
    );

    expect_invalid(
        outbox::enqueue(pool, &record("  ", draft, "1")).await,
        "idempotency_key",
    );
    let mut orphan = record("form-2", draft, "1");
    orphan.project_id = Some(Uuid::new_v4());
    expect_invalid(outbox::enqueue(pool, &orphan).await, "project_id");
    assert_eq!(common::count(pool, "publish_records").await, 1);
    assert_eq!(common::count(pool, "audit_log").await, 1);
}

#[tokio::test]
async fn a_forwarded_record_links_the_runs_matching_item() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    let other_run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    let item = |id: &str| ItemReport {
        draft_id: Some(draft),
        channel: "telegram".into(),
        channel_item_id: Some(id.to_string()),
        status: Some("success".into()),
        metrics: json!({}),
        ..ItemReport::default()
    };
    for (r, execution) in [(&run, "1"), (&other_run, "2")] {
        runs::complete(
            pool,
            r.run_id,
            &Completion {
                status: RunStatus::Success,
                persona_id: None,
                project_id: None,
                n8n_execution_id: execution.into(),
                error: None,
                items: vec![item("555"), item("556")],
            },
        )
        .await
        .unwrap();
    }
    let mut new = record("run-item-555", draft, "555");
    new.run_id = Some(run.run_id);
    let queued = outbox::enqueue(pool, &new).await.unwrap().record;

    let claimed = outbox::claim_due(pool, StdDuration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, queued.id);
    assert_eq!(claimed[0].attempts, 1);
    let mpis_item = Uuid::new_v4();
    let forwarded = outbox::mark_forwarded(pool, queued.id, mpis_item)
        .await
        .unwrap();
    assert_eq!(forwarded.state, OutboxState::Forwarded);
    assert_eq!(forwarded.mpis_published_item_id, Some(mpis_item));
    assert!(forwarded.forwarded_at.is_some());
    assert_eq!(forwarded.last_error, None);

    let links = |run_id: Uuid| async move {
        runs::items(pool, run_id)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.published_item_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(links(run.run_id).await, [Some(mpis_item), None]);
    assert_eq!(
        links(other_run.run_id).await,
        [None, None],
        "another run's item stays"
    );
    assert!(matches!(
        outbox::mark_forwarded(pool, queued.id, Uuid::new_v4()).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        outbox::claim_due(pool, StdDuration::from_secs(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        outbox::counts(pool).await.unwrap(),
        OutboxCounts {
            queued: 0,
            forwarded: 1,
            failed: 0
        }
    );
}

#[tokio::test]
async fn retries_wait_for_their_time_and_leases_block_a_second_claim() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let lease = StdDuration::from_secs(300);
    let a = outbox::enqueue(pool, &record("a", draft, "1"))
        .await
        .unwrap()
        .record;
    let b = outbox::enqueue(pool, &record("b", draft, "2"))
        .await
        .unwrap()
        .record;

    let (first, second) = tokio::join!(
        outbox::claim_due(pool, lease, 10),
        outbox::claim_due(pool, lease, 10)
    );
    let mut claimed: Vec<Uuid> = first
        .unwrap()
        .into_iter()
        .chain(second.unwrap())
        .map(|r| r.id)
        .collect();
    claimed.sort();
    let mut both = vec![a.id, b.id];
    both.sort();
    assert_eq!(claimed, both, "each record claimed once");
    assert!(
        outbox::claim_due(pool, lease, 10).await.unwrap().is_empty(),
        "leased"
    );

    // A retryable failure: still queued, released, but not due before its retry time.
    let retry_at = Utc::now() + Duration::minutes(10);
    outbox::record_failure(pool, a.id, "MPIS unreachable: connection refused", retry_at)
        .await
        .unwrap();
    let waiting = outbox::get(pool, a.id).await.unwrap().unwrap();
    assert_eq!(waiting.state, OutboxState::Queued);
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("MPIS unreachable: connection refused")
    );
    assert!(waiting.next_attempt_at > Utc::now());
    assert_eq!(waiting.attempts, 1);
    assert!(outbox::claim_due(pool, lease, 10).await.unwrap().is_empty());
    // Once the retry time has come it is claimed again, as a second attempt.
    outbox::record_failure(pool, a.id, "timeout", Utc::now() - Duration::seconds(1))
        .await
        .unwrap();
    let retried = outbox::claim_due(pool, lease, 10).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!((retried[0].id, retried[0].attempts), (a.id, 2));

    // A permanent failure stops retries for good.
    outbox::mark_failed(pool, b.id, "400 Draft not found")
        .await
        .unwrap();
    let failed = outbox::get(pool, b.id).await.unwrap().unwrap();
    assert_eq!(failed.state, OutboxState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("400 Draft not found"));
    // A final record cannot be failed or retried again; an unknown one is not found.
    assert!(matches!(
        outbox::record_failure(pool, b.id, "late", Utc::now()).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        outbox::mark_failed(pool, Uuid::new_v4(), "x").await,
        Err(StoreError::NotFound {
            entity: "publish record",
            ..
        })
    ));
    sqlx::query("UPDATE publish_records SET locked_until = NULL")
        .execute(pool)
        .await
        .unwrap();
    let due: Vec<_> = outbox::claim_due(pool, lease, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(due, [a.id], "the failed record is never claimed");
    assert!(matches!(
        outbox::mark_forwarded(pool, b.id, Uuid::new_v4()).await,
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test]
async fn outbox_counts_and_lists_unforwarded_records_newest_first() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    assert_eq!(outbox::counts(pool).await.unwrap(), OutboxCounts::default());
    let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    let mut ids = Vec::new();
    for n in 0..4 {
        let r = outbox::enqueue(pool, &record(&format!("k{n}"), draft, &n.to_string()))
            .await
            .unwrap()
            .record;
        sqlx::query("UPDATE publish_records SET created_at = $2 WHERE id = $1")
            .bind(r.id)
            .bind(base + Duration::minutes(n))
            .execute(pool)
            .await
            .unwrap();
        ids.push(r.id);
    }
    outbox::mark_forwarded(pool, ids[1], Uuid::new_v4())
        .await
        .unwrap();
    outbox::mark_failed(pool, ids[2], "400").await.unwrap();

    assert_eq!(
        outbox::counts(pool).await.unwrap(),
        OutboxCounts {
            queued: 2,
            forwarded: 1,
            failed: 1
        }
    );
    let listed: Vec<_> = outbox::list_unforwarded(pool, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.state))
        .collect();
    assert_eq!(
        listed,
        [
            (ids[3], OutboxState::Queued),
            (ids[2], OutboxState::Failed),
            (ids[0], OutboxState::Queued)
        ]
    );
    assert_eq!(outbox::list_unforwarded(pool, 1).await.unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Metrics

/// A persona's published item on `channel`, published at `at`.
async fn item_on(pool: &PgPool, persona: Uuid, channel: &str, at: DateTime<Utc>) -> Uuid {
    let draft = common::draft(pool, persona, channel).await;
    common::published_item(pool, draft, channel, &Uuid::new_v4().to_string(), at).await
}

fn measured(
    item: Uuid,
    channel: &str,
    at: DateTime<Utc>,
    views: Option<i64>,
    reactions: i64,
    rate: Option<f64>,
) -> MetricRow {
    MetricRow {
        published_item_id: item,
        channel: Channel::parse(channel),
        metrics: NormalizedMetrics {
            views,
            reactions: Some(reactions),
            comments: Some(1),
            shares: Some(2),
            engagement_rate: rate,
            ..NormalizedMetrics::default()
        },
        raw: json!({}),
        measured_at: at,
        source: "test".to_string(),
        persona_id: None,
    }
}

type StoredMetric = (
    String,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<f64>,
    Value,
    String,
);

#[tokio::test]
async fn insert_batch_stores_what_the_domain_normalizes_for_every_channel() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Alex").await;
    let at = whole_seconds(Utc::now() - Duration::hours(1));
    let cases = [
        (
            "telegram",
            json!({"views": 1000, "forwards": 5, "comments": 3, "reactions": {"👍": 10, "❤️": 2}}),
        ),
        (
            "instagram",
            json!({"impressions": 1500, "reach": 800, "likes": 40, "comments": 4, "shares": 2, "saves": 7}),
        ),
        (
            "tiktok",
            json!({"views": 3000, "likes": 150, "comments": 20, "shares": 10}),
        ),
        (
            "youtube",
            json!({"views": 8000, "likes": 1, "comments": 0, "shares": 0}),
        ),
        (
            "Mastodon",
            json!({"views": 50, "reactions": 0, "likes": 5, "comments": 1}),
        ),
    ];
    let mut rows = Vec::new();
    for (channel, raw) in cases {
        let item = item_on(pool, persona, channel, at).await;
        rows.push(MetricRow::from_raw(item, channel, raw, at, "api"));
    }
    assert_eq!(metrics::insert_batch(pool, &rows).await.unwrap(), 5);

    let expected_rates = [Some(0.02), Some(0.0575), Some(0.06), Some(0.0001), None];
    for (row, rate) in rows.iter().zip(expected_rates) {
        assert_eq!(row.metrics.engagement_rate, rate, "{}", row.channel);
        let stored: StoredMetric = sqlx::query_as(
            "SELECT channel, views, impressions, reach, reactions, comments, shares, saves,
                    engagement_rate::float8, raw_metrics, source
             FROM normalized_metrics WHERE published_item_id = $1",
        )
        .bind(row.published_item_id)
        .fetch_one(pool)
        .await
        .unwrap();
        let m = &row.metrics;
        let int = |v: Option<i64>| v.map(|v| v as i32);
        assert_eq!(
            stored,
            (
                row.channel.as_str().to_string(),
                int(m.views),
                int(m.impressions),
                int(m.reach),
                int(m.reactions),
                int(m.comments),
                int(m.shares),
                int(m.saves),
                m.engagement_rate,
                row.raw.clone(),
                "api".to_string()
            ),
            "{}",
            row.channel
        );
    }
    // Spot checks of the mapping itself (MPIS_REFERENCE.md §3.2).
    assert_eq!(rows[0].metrics.reactions, Some(12));
    assert_eq!(rows[0].metrics.shares, Some(5));
    assert_eq!(rows[1].metrics.views, None);
    assert_eq!(rows[4].channel.as_str(), "mastodon");
    assert_eq!(
        rows[4].metrics.reactions,
        Some(5),
        "0 reactions fall back to likes"
    );
    let measured_at: DateTime<Utc> = sqlx::query_scalar(
        "SELECT measured_at FROM normalized_metrics WHERE published_item_id = $1",
    )
    .bind(rows[0].published_item_id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(measured_at, at);
}

#[tokio::test]
async fn a_batch_with_one_bad_row_inserts_nothing() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Alex").await;
    let now = Utc::now();
    let item = item_on(pool, persona, "telegram", now).await;
    let good = MetricRow::from_raw(
        item,
        "telegram",
        json!({"views": 100, "forwards": 1}),
        now,
        "t",
    );
    // 20 forwards on 1 view: a rate of 20, which NUMERIC(5,4) cannot hold.
    let absurd = MetricRow::from_raw(
        item,
        "telegram",
        json!({"views": 1, "forwards": 20}),
        now,
        "t",
    );
    assert_eq!(absurd.metrics.engagement_rate, Some(20.0));
    let message = expect_invalid(
        metrics::insert_batch(pool, &[good.clone(), absurd, good.clone()]).await,
        "metrics[1].engagement_rate",
    );
    assert!(message.contains("20"), "{message}");
    assert_eq!(common::count(pool, "normalized_metrics").await, 0);

    // A row for an item that does not exist fails the whole batch too.
    let mut orphan = good.clone();
    orphan.published_item_id = Uuid::new_v4();
    expect_invalid(
        metrics::insert_batch(pool, &[good.clone(), orphan]).await,
        "published_item_id",
    );
    assert_eq!(common::count(pool, "normalized_metrics").await, 0);
    assert_eq!(common::count(pool, "metric_daily_rollups").await, 0);
    assert_eq!(metrics::insert_batch(pool, &[]).await.unwrap(), 0);
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[tokio::test]
async fn daily_and_channel_aggregates_use_utc_days_and_filters() {
    let db = common::db().await;
    let pool = &db.pool;
    let (alex, maria) = (
        common::persona(pool, "Alex").await,
        common::persona(pool, "Maria").await,
    );
    let midnight = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let second = Duration::seconds(1);
    let a_tg = item_on(pool, alex, "telegram", midnight - Duration::days(3)).await;
    let a_ig = item_on(pool, alex, "instagram", midnight - Duration::days(3)).await;
    let m_tg = item_on(pool, maria, "telegram", midnight - Duration::days(3)).await;
    let rows = vec![
        measured(
            a_tg,
            "telegram",
            midnight - second,
            Some(100),
            10,
            Some(0.1),
        ),
        measured(a_tg, "telegram", midnight, Some(200), 10, Some(0.05)),
        measured(
            a_ig,
            "instagram",
            midnight - Duration::days(1) - second,
            None,
            30,
            Some(0.03),
        ),
        measured(
            m_tg,
            "telegram",
            midnight + second,
            Some(400),
            20,
            Some(0.2),
        ),
        measured(m_tg, "telegram", midnight - second, Some(50), 0, None),
        // Outside a 7-day window.
        measured(
            m_tg,
            "telegram",
            midnight - Duration::days(8),
            Some(9999),
            9,
            Some(0.9),
        ),
    ];
    metrics::insert_batch(pool, &rows).await.unwrap();
    let today = midnight.date_naive();
    let (yesterday, two_days_ago) = (today.pred_opt().unwrap(), today - Duration::days(2));

    let days = metrics::engagement_per_day(pool, 7, None, None)
        .await
        .unwrap();
    let shape: Vec<_> = days
        .iter()
        .map(|d| (d.day, d.channel.as_str(), d.measurements, d.views))
        .collect();
    assert_eq!(
        shape,
        [
            (two_days_ago, "instagram", 1, 0),
            (yesterday, "telegram", 2, 150),
            (today, "telegram", 2, 600),
        ]
    );
    assert!(close(days[0].avg_engagement, 0.03));
    assert!(
        close(days[1].avg_engagement, 0.1),
        "unrated rows are not averaged"
    );
    assert!(close(days[2].avg_engagement, 0.125));

    let today_only = metrics::engagement_per_day(pool, 1, None, None)
        .await
        .unwrap();
    assert_eq!(today_only.len(), 1);
    assert_eq!(today_only[0].day, today);
    let telegram = metrics::engagement_per_day(pool, 7, Some("Telegram"), None)
        .await
        .unwrap();
    assert_eq!(
        telegram.iter().map(|d| d.day).collect::<Vec<_>>(),
        [yesterday, today]
    );
    let alex_days = metrics::engagement_per_day(pool, 7, None, Some(alex))
        .await
        .unwrap();
    let alex_shape: Vec<_> = alex_days
        .iter()
        .map(|d| (d.day, d.channel.as_str(), d.measurements, d.views))
        .collect();
    assert_eq!(
        alex_shape,
        [
            (two_days_ago, "instagram", 1, 0),
            (yesterday, "telegram", 1, 100),
            (today, "telegram", 1, 200),
        ]
    );
    let all_days = metrics::engagement_per_day(pool, 30, None, None)
        .await
        .unwrap();
    assert_eq!(all_days.len(), 4);

    let channels = metrics::per_channel(pool, 7, None).await.unwrap();
    let shape: Vec<_> = channels
        .iter()
        .map(|c| {
            (
                c.channel.as_str(),
                c.measurements,
                c.views,
                c.reactions,
                c.comments,
                c.shares,
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("instagram", 1, 0, 30, 1, 2),
            ("telegram", 4, 750, 40, 4, 8)
        ]
    );
    assert!(close(channels[1].avg_engagement, (0.1 + 0.05 + 0.2) / 3.0));
    let maria_channels = metrics::per_channel(pool, 7, Some(maria)).await.unwrap();
    assert_eq!(maria_channels.len(), 1);
    assert_eq!(
        (maria_channels[0].measurements, maria_channels[0].views),
        (2, 450)
    );
    assert!(close(maria_channels[0].avg_engagement, 0.2));
    let today_channels = metrics::per_channel(pool, 1, None).await.unwrap();
    assert_eq!(today_channels.len(), 1);
    assert_eq!(today_channels[0].measurements, 2);
}

#[tokio::test]
async fn top_items_gives_each_item_once_best_first() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Alex").await;
    let now = Utc::now();
    let day = Duration::days(1);
    let i1 = item_on(pool, persona, "telegram", now - day * 5).await;
    let i2 = item_on(pool, persona, "instagram", now - day * 5).await;
    let i3 = item_on(pool, persona, "telegram", now - day * 5).await;
    let unrated = item_on(pool, persona, "telegram", now - day * 5).await;
    let old = item_on(pool, persona, "telegram", now - day * 60).await;
    metrics::insert_batch(
        pool,
        &[
            measured(i1, "telegram", now - day * 4, Some(100), 1, Some(0.05)),
            measured(i1, "telegram", now - day * 2, Some(100), 1, Some(0.3)),
            measured(i2, "instagram", now - day * 2, Some(100), 1, Some(0.2)),
            measured(i3, "telegram", now - day, Some(100), 1, Some(0.1)),
            measured(unrated, "telegram", now - day, None, 1, None),
            measured(old, "telegram", now - day * 40, Some(100), 1, Some(0.9)),
        ],
    )
    .await
    .unwrap();

    let top = metrics::top_items(pool, 30, 10, None).await.unwrap();
    let order: Vec<_> = top
        .iter()
        .map(|t| (t.published_item_id, t.engagement_rate))
        .collect();
    assert_eq!(order, [(i1, Some(0.3)), (i2, Some(0.2)), (i3, Some(0.1))]);
    assert_eq!(top[0].channel, "telegram");
    assert!(top[0].channel_url.is_some());
    let two: Vec<_> = metrics::top_items(pool, 30, 2, None)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.published_item_id)
        .collect();
    assert_eq!(two, [i1, i2]);
    let instagram: Vec<_> = metrics::top_items(pool, 30, 10, Some("Instagram"))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.published_item_id)
        .collect();
    assert_eq!(instagram, [i2]);
    let wide = metrics::top_items(pool, 90, 10, None).await.unwrap();
    assert_eq!(wide[0].published_item_id, old);
}

#[tokio::test]
async fn recent_posts_show_each_items_latest_measurement_or_nothing() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Alex").await;
    let now = Utc::now();
    let hour = Duration::hours(1);
    let first = item_on(pool, persona, "telegram", now - hour * 30).await;
    let second = item_on(pool, persona, "instagram", now - hour * 20).await;
    let newest = item_on(pool, persona, "telegram", now - hour * 10).await;
    metrics::insert_batch(
        pool,
        &[
            measured(first, "telegram", now - hour * 29, Some(10), 1, Some(0.3)),
            measured(second, "instagram", now - hour * 19, Some(10), 1, Some(0.4)),
            measured(second, "instagram", now - hour * 2, Some(20), 3, Some(0.3)),
            measured(
                second,
                "instagram",
                now - hour * 5,
                Some(15),
                2,
                Some(0.3333),
            ),
        ],
    )
    .await
    .unwrap();

    let posts = metrics::recent_posts(pool, 10, None).await.unwrap();
    let shape: Vec<_> = posts
        .iter()
        .map(|p| (p.published_item_id, p.views, p.reactions, p.engagement_rate))
        .collect();
    assert_eq!(
        shape,
        [
            (newest, None, None, None),
            (second, Some(20), Some(3), Some(0.3)),
            (first, Some(10), Some(1), Some(0.3)),
        ]
    );
    assert_eq!(posts[0].measured_at, None);
    assert!(posts[1].measured_at.is_some());
    let limited: Vec<_> = metrics::recent_posts(pool, 2, None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.published_item_id)
        .collect();
    assert_eq!(limited, [newest, second]);
    let telegram: Vec<_> = metrics::recent_posts(pool, 10, Some("TELEGRAM"))
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.published_item_id)
        .collect();
    assert_eq!(telegram, [newest, first]);
    let history = metrics::for_item(pool, second, 10).await.unwrap();
    let views: Vec<_> = history.iter().map(|h| h.views).collect();
    assert_eq!(views, [Some(10), Some(15), Some(20)], "oldest first");
}

/// Rollup rows that disagree with a GROUP BY over `normalized_metrics` (zero rows ignored).
async fn rollup_drift(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "WITH direct AS (
             SELECT (m.measured_at AT TIME ZONE 'UTC')::date AS day, lower(m.channel) AS channel,
                    COALESCE(cp.persona_id, '00000000-0000-0000-0000-000000000000'::uuid) AS persona_id,
                    count(*) AS metric_rows, count(m.engagement_rate) AS rated_rows,
                    COALESCE(sum(m.engagement_rate), 0)::float8 AS engagement_sum,
                    COALESCE(sum(COALESCE(m.views, m.reach)), 0) AS views_sum,
                    COALESCE(sum(m.reactions), 0) AS reactions_sum,
                    COALESCE(sum(m.comments), 0) AS comments_sum,
                    COALESCE(sum(m.shares), 0) AS shares_sum
             FROM normalized_metrics m
             LEFT JOIN published_items p ON p.id = m.published_item_id
             LEFT JOIN content_drafts cd ON cd.id = p.draft_id
             LEFT JOIN content_plans cp ON cp.id = cd.plan_id
             GROUP BY 1, 2, 3),
         rolled AS (
             SELECT * FROM metric_daily_rollups
             WHERE metric_rows <> 0 OR rated_rows <> 0 OR abs(engagement_sum) > 1e-9
                OR views_sum <> 0 OR reactions_sum <> 0 OR comments_sum <> 0 OR shares_sum <> 0)
         SELECT count(*) FROM direct d FULL JOIN rolled r
             ON (d.day, d.channel, d.persona_id) = (r.day, r.channel, r.persona_id)
         WHERE d.day IS NULL OR r.day IS NULL
            OR d.metric_rows <> r.metric_rows OR d.rated_rows <> r.rated_rows
            OR abs(d.engagement_sum - r.engagement_sum) > 1e-9
            OR d.views_sum <> r.views_sum OR d.reactions_sum <> r.reactions_sum
            OR d.comments_sum <> r.comments_sum OR d.shares_sum <> r.shares_sum",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn daily_rollups_equal_a_direct_aggregate_after_inserts_and_deletes() {
    let db = common::db().await;
    let pool = &db.pool;
    let (alex, maria) = (
        common::persona(pool, "Alex").await,
        common::persona(pool, "Maria").await,
    );
    let now = Utc::now();
    let mut items = Vec::new();
    for (persona, channel) in [(alex, "telegram"), (alex, "youtube"), (maria, "telegram")] {
        items.push((
            item_on(pool, persona, channel, now - Duration::days(10)).await,
            channel,
        ));
    }
    // Several batches over several UTC days, some rows without a rate.
    for batch in 0..3i64 {
        let rows: Vec<_> = items
            .iter()
            .enumerate()
            .flat_map(|(n, &(item, channel))| {
                (0..4i64).map(move |k| {
                    let rate = (k != 3).then(|| 0.01 * (1 + n as i64 + k + batch) as f64);
                    measured(
                        item,
                        channel,
                        now - Duration::hours(7 * k + 31 * batch + n as i64),
                        Some(100 * (k + 1)),
                        k + batch,
                        rate,
                    )
                })
            })
            .collect();
        metrics::insert_batch(pool, &rows).await.unwrap();
    }
    // A row written by MPIS itself, with a capitalised channel name.
    sqlx::query(
        "INSERT INTO normalized_metrics (published_item_id, channel, views, reactions, engagement_rate, measured_at)
         VALUES ($1, 'Telegram', 70, 7, 0.1, NOW() - INTERVAL '2 days')",
    )
    .bind(items[0].0)
    .execute(pool)
    .await
    .unwrap();
    assert_eq!(common::count(pool, "normalized_metrics").await, 37);
    assert!(common::count(pool, "metric_daily_rollups").await > 3);
    assert_eq!(rollup_drift(pool).await, 0, "after inserts");

    // Deletes: one row, then many across days and personas.
    sqlx::query(
        "DELETE FROM normalized_metrics WHERE id = (SELECT id FROM normalized_metrics ORDER BY measured_at LIMIT 1)",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM normalized_metrics WHERE engagement_rate IS NULL OR views = 200")
        .execute(pool)
        .await
        .unwrap();
    assert!(common::count(pool, "normalized_metrics").await < 30);
    assert_eq!(rollup_drift(pool).await, 0, "after deletes");

    // A published item deleted in MPIS takes its measurements with it (ON DELETE CASCADE);
    // the persona's rollups must lose them too, though the item can no longer be looked up.
    sqlx::query("DELETE FROM published_items WHERE id = $1")
        .bind(items[2].0)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        rollup_drift(pool).await,
        0,
        "after a cascade from published_items"
    );
    let maria_rows: Option<i64> = sqlx::query_scalar(
        "SELECT sum(metric_rows)::bigint FROM metric_daily_rollups WHERE persona_id = $1",
    )
    .bind(maria)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(maria_rows.unwrap_or(0), 0, "Maria's only item is gone");

    sqlx::query("DELETE FROM normalized_metrics")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(rollup_drift(pool).await, 0, "after deleting everything");

    // TRUNCATE fires no delete triggers; the rollups are rebuilt instead.
    sqlx::query(
        "INSERT INTO normalized_metrics (published_item_id, channel, views, measured_at)
         VALUES ($1, 'telegram', 10, NOW())",
    )
    .bind(items[0].0)
    .execute(pool)
    .await
    .unwrap();
    assert_eq!(rollup_drift(pool).await, 0, "after a re-insert");
    sqlx::query("TRUNCATE normalized_metrics")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        common::count(pool, "metric_daily_rollups").await,
        0,
        "after TRUNCATE"
    );
    assert!(
        metrics::per_channel(pool, 30, None)
            .await
            .unwrap()
            .iter()
            .all(|c| c.measurements == 0)
    );
}

#[tokio::test]
async fn top_items_are_not_crowded_out_by_one_item_measured_often() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Alex").await;
    let now = Utc::now();
    let hourly = item_on(pool, persona, "telegram", now - Duration::days(3)).await;
    let others = [
        item_on(pool, persona, "telegram", now - Duration::days(3)).await,
        item_on(pool, persona, "youtube", now - Duration::days(3)).await,
    ];
    // An hourly ingestion job measured one item 48 times, all better than the other items.
    let mut rows: Vec<_> = (0..48i64)
        .map(|h| {
            let rate = 0.5 + 0.001 * h as f64;
            measured(
                hourly,
                "telegram",
                now - Duration::hours(h + 1),
                Some(100),
                1,
                Some(rate),
            )
        })
        .collect();
    rows.push(measured(
        others[0],
        "telegram",
        now - Duration::hours(2),
        Some(100),
        1,
        Some(0.2),
    ));
    rows.push(measured(
        others[1],
        "youtube",
        now - Duration::hours(2),
        Some(100),
        1,
        Some(0.1),
    ));
    metrics::insert_batch(pool, &rows).await.unwrap();

    let top: Vec<_> = metrics::top_items(pool, 30, 3, None)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.published_item_id, t.engagement_rate))
        .collect();
    assert_eq!(
        top,
        [
            (hourly, Some(0.547)),
            (others[0], Some(0.2)),
            (others[1], Some(0.1))
        ]
    );
    let one = metrics::top_items(pool, 30, 1, None).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].published_item_id, hourly);
    assert!(
        metrics::top_items(pool, 30, 0, None)
            .await
            .unwrap()
            .is_empty()
    );
    // Asking for more items than exist returns them all.
    assert_eq!(
        metrics::top_items(pool, 30, 50, None).await.unwrap().len(),
        3
    );
    // The channel filter is case-insensitive on both sides (MPIS may store `YouTube`).
    sqlx::query("UPDATE normalized_metrics SET channel = 'YouTube' WHERE published_item_id = $1")
        .bind(others[1])
        .execute(pool)
        .await
        .unwrap();
    let youtube: Vec<_> = metrics::top_items(pool, 30, 3, Some("youtube"))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.published_item_id)
        .collect();
    assert_eq!(youtube, [others[1]]);
}
