//! Writes only a seed makes: MPIS's own rows as MPIS would have written them (personas, plans
//! and approved drafts, published items), run times set in the past, and the set-based bulk
//! load behind `demo-data --scale`. `demo_data` decides what to seed; the SQL lives here.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::{StoreResult, red_flags};
use crate::domain::red_flags::Thresholds;

/// Whether a persona with this slug exists (the demo's "already seeded" marker).
pub async fn persona_exists(pool: &PgPool, slug: &str) -> StoreResult<bool> {
    let exists = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM personas WHERE slug = $1)")
        .bind(slug)
        .fetch_one(pool)
        .await?;
    Ok(exists)
}

/// A persona as MPIS commits one: the persona and its version `v1`.
pub struct SeedPersona<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub language: &'a str,
    pub summary: &'a str,
}

pub async fn insert_persona(pool: &PgPool, persona: &SeedPersona<'_>) -> StoreResult<Uuid> {
    let mut tx = pool.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO personas (name, slug, description, language, active_version)
         VALUES ($1, $2, $3, $4, 'v1') RETURNING id",
    )
    .bind(persona.name)
    .bind(persona.slug)
    .bind(persona.summary)
    .bind(persona.language)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO persona_versions (persona_id, version, core_json, reason)
         VALUES ($1, 'v1', $2, 'genesis')",
    )
    .bind(id)
    .bind(json!({"name": persona.name, "summary": persona.summary, "is_demo": true}))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A published content plan with its approved draft 1; returns the draft's id.
pub async fn insert_approved_draft(
    pool: &PgPool,
    persona_id: Uuid,
    title: &str,
    topic: &str,
    channel: &str,
    content: &Value,
) -> StoreResult<Uuid> {
    let mut tx = pool.begin().await?;
    let plan_id: Uuid = sqlx::query_scalar(
        "INSERT INTO content_plans (persona_id, title, topic, channel, status)
         VALUES ($1, $2, $3, $4, 'published') RETURNING id",
    )
    .bind(persona_id)
    .bind(title)
    .bind(topic)
    .bind(channel)
    .fetch_one(&mut *tx)
    .await?;
    let draft_id: Uuid = sqlx::query_scalar(
        "INSERT INTO content_drafts (plan_id, draft_no, content_json, status)
         VALUES ($1, 1, $2, 'approved') RETURNING id",
    )
    .bind(plan_id)
    .bind(content)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(draft_id)
}

/// A published item as MPIS records it for n8n, a few minutes after the run started.
pub async fn insert_published_item(
    pool: &PgPool,
    draft_id: Uuid,
    channel: &str,
    channel_item_id: &str,
    channel_url: &str,
    run_started_at: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = sqlx::query_scalar(
        "INSERT INTO published_items (draft_id, channel, channel_item_id, channel_url, published_at,
             persona_version_used, meta)
         VALUES ($1, $2, $3, $4, $5, 'v1', '{\"demo\": true}') RETURNING id",
    )
    .bind(draft_id)
    .bind(channel)
    .bind(channel_item_id)
    .bind(channel_url)
    .bind(run_started_at + Duration::minutes(3))
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Moves a run's start into the past (a seed's runs happened over days).
pub async fn backdate_run(
    pool: &PgPool,
    run_id: Uuid,
    started_at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE dashboard_runs SET started_at = $2 WHERE run_id = $1")
        .bind(run_id)
        .bind(started_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// Sets how long a completed run took.
pub async fn set_run_duration(pool: &PgPool, run_id: Uuid, seconds: f64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE dashboard_runs SET completed_at = started_at + $2 * INTERVAL '1 second'
         WHERE run_id = $1",
    )
    .bind(run_id)
    .bind(seconds)
    .execute(pool)
    .await?;
    Ok(())
}

/// Generates `items` synthetic published items with 0.9 metrics rows and 0.4 runs each over
/// the last 30 days, set-based (one INSERT ... SELECT per table). Runs once per database.
pub async fn bulk_load(pool: &PgPool, items: u64) -> StoreResult<String> {
    let present: i64 =
        sqlx::query_scalar("SELECT count(*) FROM personas WHERE slug LIKE 'scale-persona-%'")
            .fetch_one(pool)
            .await?;
    if present > 0 {
        return Ok("synthetic data already present; nothing changed".to_string());
    }
    let started = std::time::Instant::now();
    let items = items.max(1) as i64;
    let metrics_rows = items - items / 10; // every tenth item stays unmeasured
    let run_rows = items * 4 / 10;
    let mut tx = pool.begin().await?;
    // As a superuser (the embedded and throwaway clusters), skip per-row foreign-key checks and
    // triggers for the bulk load (the generated references are consistent by construction), then
    // rebuild the pre-aggregates the triggers would have kept. Otherwise load the normal way.
    let superuser: bool =
        sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut *tx)
            .await?;
    if superuser {
        sqlx::query("SET LOCAL session_replication_role = replica")
            .execute(&mut *tx)
            .await?;
    }
    let mut steps = Vec::new();
    for (table, statement) in scale_statements(items, run_rows) {
        let step = std::time::Instant::now();
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await?;
        steps.push(format!("{table} {:.1} s", step.elapsed().as_secs_f64()));
    }
    if superuser {
        let step = std::time::Instant::now();
        sqlx::raw_sql(
            "SET LOCAL session_replication_role = origin;
             SELECT mpis_dash_rebuild_run_hourly_stats();
             SELECT mpis_dash_rebuild_metric_daily_rollups();",
        )
        .execute(&mut *tx)
        .await?;
        steps.push(format!(
            "pre-aggregates {:.1} s",
            step.elapsed().as_secs_f64()
        ));
    }
    // Items dated over 30 days are older than the awaiting-metrics watermark's window (and
    // with triggers off nothing was tracked): the next evaluation recounts every item.
    super::metrics_awaiting::reset(&mut tx).await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    // What autovacuum would do next, done now so that whatever runs on this database meets it
    // settled, as a deployment of this size is: hint bits set and the visibility map built
    // (the stuck-runs count reads its partial index only: 0.03 s -> 1 ms at 400,000 runs).
    // Left to autovacuum, the first minutes of use would pay for rewriting every page just
    // loaded (and a load benchmark would measure that).
    sqlx::query("VACUUM published_items, normalized_metrics, dashboard_runs")
        .execute(pool)
        .await?;
    let evaluation =
        red_flags::evaluate_and_record(pool, &Thresholds::default(), Utc::now()).await?;
    Ok(format!(
        "synthetic data: {items} published items, {metrics_rows} metrics rows, {run_rows} runs in {:.1} s ({}); red flags: {}",
        started.elapsed().as_secs_f64(),
        steps.join(", "),
        evaluation.overall.as_str()
    ))
}

/// A UUID made from a running number: synthetic rows get ids in insertion order, so every
/// B-tree they touch grows at its edge instead of at random pages (the load's main cost).
fn sequential_uuid(prefix: &str, number: &str) -> String {
    format!("('{prefix}-0000-4000-8000-' || lpad(to_hex({number}), 12, '0'))::uuid")
}

/// The set-based statements, with the row counts written in (they are our own integers).
/// Item `g` (1 = newest) is published `g / items` of 30 days ago; nine items in ten have one
/// measurement; runs are spread evenly over the same 30 days.
fn scale_statements(items: i64, run_rows: i64) -> Vec<(&'static str, String)> {
    const SCALE_PERSONAS: &str = "SELECT id FROM personas WHERE slug LIKE 'scale-persona-%'";
    const CHANNEL_OF_G: &str = "(ARRAY['telegram','instagram','tiktok','youtube'])[1 + g % 4]";
    let drafts = format!(
        "drafts AS MATERIALIZED (
             SELECT d.id, cp.persona_id, row_number() OVER (ORDER BY d.id) - 1 AS n
             FROM content_drafts d JOIN content_plans cp ON cp.id = d.plan_id
             WHERE cp.persona_id IN ({SCALE_PERSONAS})),
         item AS (
             SELECT g, drafts.id AS draft_id, drafts.persona_id,
                    NOW() - INTERVAL '30 days' * (g::float8 / {items}) AS published_at
             FROM generate_series(1, {items}) g
             CROSS JOIN (SELECT count(*) AS total FROM drafts) AS t
             JOIN drafts ON drafts.n = g % t.total)"
    );
    let item_id = sequential_uuid("00000000", "g");
    vec![
        (
            "personas",
            "INSERT INTO personas (name, slug, language, active_version)
             SELECT 'Scale Persona ' || g, 'scale-persona-' || g, 'en', 'v1'
             FROM generate_series(1, 20) g"
                .to_string(),
        ),
        (
            "content_plans",
            format!(
                "INSERT INTO content_plans (persona_id, title, topic, channel, status)
                 SELECT p.id, 'Plan ' || g, 'topic ' || (g % 7), {CHANNEL_OF_G}, 'published'
                 FROM ({SCALE_PERSONAS}) p, generate_series(1, 10) g"
            ),
        ),
        (
            "content_drafts",
            format!(
                "INSERT INTO content_drafts (plan_id, draft_no, content_json, status)
                 SELECT cp.id, d, '{{\"variants\": []}}', 'approved'
                 FROM content_plans cp, generate_series(1, 10) d
                 WHERE cp.persona_id IN ({SCALE_PERSONAS})"
            ),
        ),
        (
            "dashboard_projects",
            format!(
                "INSERT INTO dashboard_projects (name, persona_id, channels)
                 SELECT 'Scale Project ' || p.id || '-' || g, p.id,
                        ARRAY['telegram','instagram','tiktok','youtube']
                 FROM ({SCALE_PERSONAS}) p, generate_series(1, 3) g"
            ),
        ),
        (
            "published_items",
            format!(
                "WITH {drafts}
                 INSERT INTO published_items (id, draft_id, channel, channel_item_id, channel_url,
                     published_at, meta)
                 SELECT {item_id}, draft_id, {CHANNEL_OF_G}, g::text,
                        'https://example.org/scale/' || g, published_at, '{{\"synthetic\": true}}'
                 FROM item ORDER BY g"
            ),
        ),
        (
            "normalized_metrics",
            format!(
                "WITH {drafts}
                 INSERT INTO normalized_metrics (id, published_item_id, channel, views, reach,
                     reactions, comments, shares, engagement_rate, measured_at, source, persona_id)
                 SELECT {metric_id}, {item_id}, {CHANNEL_OF_G}, views, views, reactions, comments,
                        shares, round((reactions + comments + shares)::numeric / views, 4),
                        LEAST(published_at + (g % 48) * INTERVAL '1 hour', NOW()), 'synthetic',
                        persona_id
                 FROM (SELECT *, (views * (0.02 + random() * 0.08))::int AS reactions,
                              (views * random() * 0.01)::int AS comments,
                              (views * random() * 0.02)::int AS shares
                       FROM (SELECT *, (100 + random() * 10000)::int AS views FROM item
                             WHERE g % 10 <> 0) AS measured) AS m
                 ORDER BY g",
                metric_id = sequential_uuid("00000001", "g"),
            ),
        ),
        // 80 % success, 8 % failed, 7 % partial, 3 % running, 2 % pending.
        (
            "dashboard_runs",
            format!(
                "INSERT INTO dashboard_runs (id, run_id, project_id, persona_id, status, started_at,
                     completed_at, n8n_execution_ref, error_message)
                 SELECT {row_id}, {run_id}, pr.id, pr.persona_id, s.status, s.started_at,
                        CASE WHEN s.status IN ('pending', 'running') THEN NULL
                             ELSE s.started_at + (30 + random() * 900) * INTERVAL '1 second' END,
                        (100000 + g)::text,
                        CASE WHEN s.status = 'failed'
                             THEN 'Failed to authenticate with Telegram API: Invalid bot token' END
                 FROM generate_series(1, {run_rows}) g
                 CROSS JOIN (SELECT count(*) AS total FROM dashboard_projects
                             WHERE name LIKE 'Scale Project %') AS t
                 JOIN (SELECT id, persona_id, row_number() OVER (ORDER BY id) - 1 AS n
                       FROM dashboard_projects WHERE name LIKE 'Scale Project %') pr
                   ON pr.n = g % t.total
                 CROSS JOIN LATERAL (
                     SELECT NOW() - INTERVAL '30 days' * (g::float8 / {run_rows}) AS started_at,
                            CASE WHEN g % 100 < 80 THEN 'success' WHEN g % 100 < 88 THEN 'failed'
                                 WHEN g % 100 < 95 THEN 'partial' WHEN g % 100 < 98 THEN 'running'
                                 ELSE 'pending' END AS status) s
                 ORDER BY g",
                row_id = sequential_uuid("00000002", "g"),
                run_id = sequential_uuid("00000003", "g"),
            ),
        ),
    ]
}
