//! Fixtures shared by the storage integration tests: a fresh database per test, and the few
//! MPIS rows (persona, project, plan + draft, published item, run) that the store reads.
//!
//! Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::projects::{self, NewProject, Project};
use mpis_dash::store::runs::{self, NewRun, Run};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// A freshly migrated database of the test's own.
pub async fn db() -> ScratchDb {
    ScratchDb::new().await.expect("scratch database")
}

/// Inserts a persona (MPIS's table) with a unique slug.
pub async fn persona(pool: &PgPool, name: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO personas (name, slug, language, active_version) VALUES ($1, $2, 'en', 'v1')
         RETURNING id",
    )
    .bind(name)
    .bind(format!(
        "{}-{}",
        name.to_lowercase().replace(' ', "-"),
        Uuid::new_v4().simple()
    ))
    .fetch_one(pool)
    .await
    .expect("insert persona")
}

/// Creates a project through the store.
pub async fn project(pool: &PgPool, persona_id: Uuid, name: &str) -> Project {
    projects::create(
        pool,
        &NewProject {
            name: name.to_string(),
            persona_id,
            channels: vec!["telegram".into(), "instagram".into()],
        },
    )
    .await
    .expect("create project")
}

/// A persona with one project: the usual starting point of a run test.
pub async fn persona_with_project(pool: &PgPool, name: &str) -> Project {
    let persona_id = persona(pool, name).await;
    project(pool, persona_id, &format!("{name} project")).await
}

/// Inserts a content plan and one draft for the persona (MPIS's tables); returns the draft id.
pub async fn draft(pool: &PgPool, persona_id: Uuid, channel: &str) -> Uuid {
    let plan_id: Uuid = sqlx::query_scalar(
        "INSERT INTO content_plans (persona_id, title, topic, channel) VALUES ($1, 'plan', 'topic', $2)
         RETURNING id",
    )
    .bind(persona_id)
    .bind(channel)
    .fetch_one(pool)
    .await
    .expect("insert plan");
    sqlx::query_scalar("INSERT INTO content_drafts (plan_id) VALUES ($1) RETURNING id")
        .bind(plan_id)
        .fetch_one(pool)
        .await
        .expect("insert draft")
}

/// Inserts a published item (MPIS's table, as MPIS records a publish).
pub async fn published_item(
    pool: &PgPool,
    draft_id: Uuid,
    channel: &str,
    channel_item_id: &str,
    published_at: DateTime<Utc>,
) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO published_items (draft_id, channel, channel_item_id, channel_url, published_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(draft_id)
    .bind(channel)
    .bind(channel_item_id)
    .bind(format!("https://example.org/{channel}/{channel_item_id}"))
    .bind(published_at)
    .fetch_one(pool)
    .await
    .expect("insert published item")
}

/// What `runs::create` needs for this project.
pub fn new_run(project: &Project) -> NewRun {
    let day = NaiveDate::from_ymd_opt(2026, 1, 10).expect("date");
    NewRun {
        project_id: project.id,
        persona_id: project.persona_id,
        channels: project.channels.clone(),
        date_from: day,
        date_to: day,
        templates: json!({}),
        options: json!({}),
    }
}

/// Creates a run through the store, then sets when it started and its status directly (as
/// time passing and n8n would), so windows and orderings can be arranged.
pub async fn run_at(
    pool: &PgPool,
    project: &Project,
    started_at: DateTime<Utc>,
    status: &str,
) -> Run {
    let run = runs::create(pool, &new_run(project))
        .await
        .expect("create run");
    sqlx::query("UPDATE dashboard_runs SET started_at = $2, status = $3 WHERE run_id = $1")
        .bind(run.run_id)
        .bind(started_at)
        .bind(status)
        .execute(pool)
        .await
        .expect("set run start and status");
    runs::get(pool, run.run_id)
        .await
        .expect("read run")
        .expect("run exists")
}

/// `count(*)` of a table (our own table names only).
pub async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(pool)
        .await
        .expect("count rows")
}
