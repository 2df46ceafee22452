//! Demo data: a small realistic data set for trying mpis-dash, and large synthetic data for
//! benchmarks (`--scale`), generated set-based inside PostgreSQL.
//!
//! Demo data goes through the same store functions the product uses (runs are completed with
//! per-item results, metrics are normalized from raw channel payloads), so what the demo shows
//! is what real data would look like.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::red_flags::Thresholds;
use crate::domain::run_status::RunStatus;
use crate::mpis::sandbox::genesis;
use crate::mpis::types::{GenesisStartRequest, SourceInput, SourceType};
use crate::store::metrics::{self, MetricRow};
use crate::store::outbox::{self, NewPublishRecord};
use crate::store::runs::{self, Completion, ItemReport, NewRun};
use crate::store::{StoreResult, jobs, projects, red_flags};

const DEMO_MARKER_SLUG: &str = "alex-tech-philosopher-demo";
const RUNS: usize = 120;

/// A persona of the demo: name, slug, language, summary, project name and channels.
struct DemoPersona {
    name: &'static str,
    slug: &'static str,
    language: &'static str,
    summary: &'static str,
    project: &'static str,
    channels: &'static [&'static str],
}

const PERSONAS: &[DemoPersona] = &[
    DemoPersona {
        name: "Alex - The Tech Philosopher",
        slug: DEMO_MARKER_SLUG,
        language: "en",
        summary: "Technology should serve humanity; ethics must guide innovation.",
        project: "Tech Blog Project",
        channels: &["telegram", "instagram"],
    },
    DemoPersona {
        name: "Maria - Mindful Mornings",
        slug: "maria-mindful-mornings-demo",
        language: "en",
        summary: "Short, calm routines for busy people.",
        project: "Mindful Mornings",
        channels: &["instagram", "tiktok", "youtube"],
    },
    DemoPersona {
        name: "Ivan - Startup Chronicles",
        slug: "ivan-startup-chronicles-demo",
        language: "ru",
        summary: "Honest notes from building a company.",
        project: "Startup Chronicles",
        channels: &["telegram", "youtube"],
    },
];

/// A small deterministic generator, so every demo database looks the same.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// Seeds the demo data set once; a second call reports that it is already there.
pub async fn seed_demo(pool: &PgPool) -> StoreResult<String> {
    let present: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM personas WHERE slug = $1)")
            .bind(DEMO_MARKER_SLUG)
            .fetch_one(pool)
            .await?;
    if present {
        return Ok("demo data already present; nothing changed".to_string());
    }
    let now = Utc::now();
    let mut rng = Prng(0x5eed_cafe_f00d_d00d);
    let mut project_ids = Vec::new();
    for persona in PERSONAS {
        let persona_id = insert_persona(pool, persona).await?;
        let drafts = insert_drafts(pool, persona_id, persona).await?;
        let project = projects::create(
            pool,
            &projects::NewProject {
                name: persona.project.to_string(),
                persona_id,
                channels: persona.channels.iter().map(|c| c.to_string()).collect(),
            },
        )
        .await?;
        project_ids.push((project, drafts));
    }
    insert_genesis_jobs(pool, now).await?;

    let mut published = 0;
    for i in 0..RUNS {
        let (project, drafts) = &project_ids[i % project_ids.len()];
        let started_at = run_start(now, i, &mut rng);
        published += seed_run(pool, project, drafts, i, started_at, &mut rng).await?;
    }
    seed_jobs(pool, now).await?;
    seed_outbox(pool, &project_ids[0].1).await?;
    let evaluation =
        red_flags::evaluate_and_record(pool, &Thresholds::default(), Utc::now()).await?;
    Ok(format!(
        "demo data seeded: {} personas, {} projects, {RUNS} runs, {published} published items; red flags: {}",
        PERSONAS.len(),
        project_ids.len(),
        evaluation.overall.as_str()
    ))
}

/// Twelve runs in the last 24 h (two hours apart), the rest every six hours before that.
fn run_start(now: DateTime<Utc>, i: usize, rng: &mut Prng) -> DateTime<Utc> {
    let jitter = Duration::minutes(rng.range(0, 50) as i64);
    if i < 12 {
        now - Duration::hours(2 * i as i64) - Duration::minutes(5) - jitter
    } else {
        now - Duration::hours(24 + 6 * (i as i64 - 12)) - jitter
    }
}

/// What happened to run `i`: the newest two are still going; three of the last twelve failed
/// (a red flag), older ones fail or half-fail now and then.
fn run_outcome(i: usize) -> Option<RunStatus> {
    match i {
        0 => None,
        1 => Some(RunStatus::Running),
        3 | 6 | 9 => Some(RunStatus::Failed),
        _ if i.is_multiple_of(13) => Some(RunStatus::Failed),
        _ if i.is_multiple_of(9) => Some(RunStatus::Partial),
        _ => Some(RunStatus::Success),
    }
}

async fn insert_persona(pool: &PgPool, persona: &DemoPersona) -> StoreResult<Uuid> {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO personas (name, slug, description, language, active_version)
         VALUES ($1, $2, $3, $4, 'v1') RETURNING id",
    )
    .bind(persona.name)
    .bind(persona.slug)
    .bind(persona.summary)
    .bind(persona.language)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "INSERT INTO persona_versions (persona_id, version, core_json, reason) VALUES ($1, 'v1', $2, 'genesis')",
    )
    .bind(id)
    .bind(json!({"name": persona.name, "summary": persona.summary, "is_demo": true}))
    .execute(pool)
    .await?;
    Ok(id)
}

/// One approved draft per channel and topic for the persona's content.
async fn insert_drafts(
    pool: &PgPool,
    persona_id: Uuid,
    persona: &DemoPersona,
) -> StoreResult<Vec<Uuid>> {
    let mut drafts = Vec::new();
    for channel in persona.channels {
        for topic in ["ethics", "habits", "stories"] {
            let plan_id: Uuid = sqlx::query_scalar(
                "INSERT INTO content_plans (persona_id, title, topic, channel, status)
                 VALUES ($1, $2, $3, $4, 'published') RETURNING id",
            )
            .bind(persona_id)
            .bind(format!("{} on {channel}: {topic}", persona.name))
            .bind(topic)
            .bind(*channel)
            .fetch_one(pool)
            .await?;
            let draft_id: Uuid = sqlx::query_scalar(
                "INSERT INTO content_drafts (plan_id, draft_no, content_json, status)
                 VALUES ($1, 1, $2, 'approved') RETURNING id",
            )
            .bind(plan_id)
            .bind(json!({"variants": [{"text": format!("A post about {topic}."), "channel": channel}]}))
            .fetch_one(pool)
            .await?;
            drafts.push(draft_id);
        }
    }
    Ok(drafts)
}

/// One persona genesis awaiting approval (draft 1), as MPIS leaves it after `/genesis/start`:
/// the draft is in MPIS's PersonaCore shape, so the `--demo` sandbox can edit and commit it.
async fn insert_genesis_jobs(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<()> {
    let name = "Sofia - Urban Gardener";
    let mut request = GenesisStartRequest::new(name);
    request.sources = vec![SourceInput {
        kind: SourceType::Url,
        reference: "https://example.org/balcony-gardens".to_string(),
        metadata: Default::default(),
    }];
    let mut core = genesis::first_draft(&request, now);
    core["credo"]["summary"] = json!("Grows food on a city balcony and teaches others to.");
    core["topics"]["primary"] = json!(["balcony gardening", "composting", "seasonal food"]);
    core["ethos"]["emotional_tone"] = json!(["warm", "practical"]);
    let input = serde_json::to_value(&request).unwrap_or_else(|_| json!({}));
    let job_id: Uuid = sqlx::query_scalar(
        "INSERT INTO genesis_jobs (persona_name, slug, input_json, status, draft_no)
         VALUES ($1, 'sofia-urban-gardener', $2, 'awaiting_approval', 1)
         RETURNING id",
    )
    .bind(name)
    .bind(input)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "INSERT INTO genesis_drafts (job_id, draft_no, draft_core_json, human_prompt) VALUES ($1, 1, $2, $3)",
    )
    .bind(job_id)
    .bind(core)
    .bind(genesis::human_prompt(name, 1))
    .execute(pool)
    .await?;
    Ok(())
}

/// Creates run `i`, completes it as n8n would, records the published items in MPIS's table
/// (as MPIS does when n8n calls it) and their metrics. Returns the number of published items.
async fn seed_run(
    pool: &PgPool,
    project: &projects::Project,
    drafts: &[Uuid],
    i: usize,
    started_at: DateTime<Utc>,
    rng: &mut Prng,
) -> StoreResult<usize> {
    let run = runs::create(
        pool,
        &NewRun {
            project_id: project.id,
            persona_id: project.persona_id,
            channels: project.channels.clone(),
            date_from: started_at.date_naive(),
            date_to: started_at.date_naive(),
            templates: json!({"news_prompt_id": Uuid::new_v4()}),
            options: json!({"lookback_days": 1, "max_items": 10}),
        },
    )
    .await?;
    sqlx::query("UPDATE dashboard_runs SET started_at = $2 WHERE run_id = $1")
        .bind(run.run_id)
        .bind(started_at)
        .execute(pool)
        .await?;
    let Some(outcome) = run_outcome(i) else {
        return Ok(0);
    };
    if outcome == RunStatus::Running {
        runs::mark_running(pool, run.run_id).await?;
        return Ok(0);
    }
    // Two completed runs whose publishes never reached MPIS: the "missing publish records" flag.
    let record_in_mpis = !matches!(i, 20 | 33);
    let mut items = Vec::new();
    let mut published = 0;
    for (n, channel) in project.channels.iter().enumerate() {
        let draft_id = drafts[(i + n) % drafts.len()];
        let succeeded = match outcome {
            RunStatus::Failed => false,
            RunStatus::Partial => n == 0,
            _ => true,
        };
        let channel_item_id = format!("{}", 10_000 + i * 10 + n);
        let channel_url = channel_url(channel, &channel_item_id);
        if succeeded && record_in_mpis {
            let item_id = insert_published_item(
                pool,
                draft_id,
                channel,
                &channel_item_id,
                &channel_url,
                started_at,
            )
            .await?;
            // Most items have metrics; the few newest do not yet (the "missing metrics" flag).
            if i >= 8 {
                insert_metric_series(pool, item_id, channel, started_at, rng).await?;
            }
            published += 1;
        }
        items.push(ItemReport {
            draft_id: Some(draft_id),
            channel: channel.clone(),
            channel_item_id: succeeded.then(|| channel_item_id.clone()),
            channel_url: succeeded.then_some(channel_url),
            status: Some(if succeeded { "success" } else { "failed" }.to_string()),
            error: (!succeeded).then(|| failure_text(channel)),
            metrics: json!({}),
        });
    }
    let error = match outcome {
        RunStatus::Failed => Some(failure_text(&project.channels[0])),
        RunStatus::Partial => Some("some channels failed; see the items".to_string()),
        _ => None,
    };
    runs::complete(
        pool,
        run.run_id,
        &Completion {
            status: if outcome == RunStatus::Failed {
                RunStatus::Failed
            } else {
                RunStatus::Success
            },
            persona_id: Some(project.persona_id),
            project_id: Some(project.id),
            n8n_execution_id: format!("{}", 4_000 + i),
            error,
            items,
        },
    )
    .await?;
    sqlx::query("UPDATE dashboard_runs SET completed_at = started_at + $2 * INTERVAL '1 second' WHERE run_id = $1")
        .bind(run.run_id)
        .bind(rng.range(40, 900) as f64)
        .execute(pool)
        .await?;
    Ok(published)
}

fn failure_text(channel: &str) -> String {
    match channel {
        "telegram" => "Failed to authenticate with Telegram API: Invalid bot token".to_string(),
        "instagram" => "Instagram Graph API: (#4) Application request limit reached".to_string(),
        other => format!("{other} upload timed out after 120 s"),
    }
}

fn channel_url(channel: &str, id: &str) -> String {
    match channel {
        "telegram" => format!("https://t.me/mpis_demo/{id}"),
        "instagram" => format!("https://www.instagram.com/p/demo{id}/"),
        "tiktok" => format!("https://www.tiktok.com/@mpis_demo/video/{id}"),
        _ => format!("https://www.youtube.com/watch?v=demo{id}"),
    }
}

async fn insert_published_item(
    pool: &PgPool,
    draft_id: Uuid,
    channel: &str,
    channel_item_id: &str,
    channel_url: &str,
    published_at: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = sqlx::query_scalar(
        "INSERT INTO published_items (draft_id, channel, channel_item_id, channel_url, published_at, persona_version_used, meta)
         VALUES ($1, $2, $3, $4, $5, 'v1', '{\"demo\": true}') RETURNING id",
    )
    .bind(draft_id)
    .bind(channel)
    .bind(channel_item_id)
    .bind(channel_url)
    .bind(published_at + Duration::minutes(3))
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Measurements 1 h, 24 h and 72 h after publishing (those already in the past), growing.
async fn insert_metric_series(
    pool: &PgPool,
    item_id: Uuid,
    channel: &str,
    published_at: DateTime<Utc>,
    rng: &mut Prng,
) -> StoreResult<()> {
    let now = Utc::now();
    let base = rng.range(300, 5_000);
    let mut rows = Vec::new();
    for (hours, factor) in [(1, 1), (24, 3), (72, 4)] {
        let measured_at = published_at + Duration::hours(hours);
        if measured_at > now {
            break;
        }
        let views = base * factor;
        let raw = raw_metrics(channel, views, rng);
        rows.push(MetricRow::from_raw(
            item_id,
            channel,
            raw,
            measured_at,
            "demo",
        ));
    }
    metrics::insert_batch(pool, &rows).await?;
    Ok(())
}

/// A channel's own payload, as its API reports it (the normalizer maps it).
fn raw_metrics(channel: &str, views: u64, rng: &mut Prng) -> Value {
    let likes = views * rng.range(2, 9) / 100;
    let comments = views * rng.range(0, 2) / 100;
    let shares = views * rng.range(0, 3) / 100;
    match channel {
        "telegram" => json!({"views": views, "forwards": shares, "comments": comments,
                             "reactions": {"👍": likes * 6 / 10, "❤️": likes * 3 / 10, "🔥": likes / 10}}),
        "instagram" => json!({"impressions": views * 12 / 10, "reach": views, "likes": likes,
                              "comments": comments, "shares": shares, "saves": likes / 4}),
        _ => json!({"views": views, "likes": likes, "comments": comments, "shares": shares}),
    }
}

async fn seed_jobs(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<()> {
    for (channel, cron, lookback) in [
        ("telegram", "0 * * * *", 24),
        ("instagram", "15 */6 * * *", 48),
        ("tiktok", "30 */12 * * *", 72),
        ("youtube", "0 6 * * *", 168),
    ] {
        jobs::create(
            pool,
            &jobs::NewJob {
                job_name: format!("{channel}_metrics_demo"),
                channel: channel.to_string(),
                persona_id: None,
                schedule_cron: cron.to_string(),
                config: json!({"lookback_hours": lookback}),
                enabled: channel != "tiktok",
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Two records MPIS has not taken yet: one waiting for a retry, one refused for good.
async fn seed_outbox(pool: &PgPool, drafts: &[Uuid]) -> StoreResult<()> {
    for (n, error) in [
        "MPIS unreachable: connection refused (127.0.0.1:8080)",
        "400 Draft 0d1f0000-0000-4000-8000-000000000000 not found",
    ]
    .iter()
    .enumerate()
    {
        let record = outbox::enqueue(
            pool,
            &NewPublishRecord {
                idempotency_key: format!("demo-outbox-{n}"),
                run_id: None,
                project_id: None,
                persona_id: None,
                published_at: None,
                draft_id: drafts[n],
                channel: "telegram".to_string(),
                channel_item_id: Some(format!("9990{n}")),
                channel_url: Some(channel_url("telegram", &format!("9990{n}"))),
                created_by: "demo".to_string(),
            },
        )
        .await?
        .record;
        if n == 0 {
            outbox::record_failure(pool, record.id, error, Utc::now() + Duration::minutes(5))
                .await?;
        } else {
            outbox::mark_failed(pool, record.id, error).await?;
        }
    }
    Ok(())
}

/// Generates `items` synthetic published items with 0.9 metrics rows and 0.4 runs each over
/// the last 30 days, set-based (one INSERT ... SELECT per table). Runs once per database.
pub async fn seed_scale(pool: &PgPool, items: u64) -> StoreResult<String> {
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
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(pool).await?;
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
