//! Demo data: a small realistic data set for trying mpis-dash, and large synthetic data for
//! benchmarks (`--scale`), generated set-based inside PostgreSQL.
//!
//! Demo data goes through the same store functions the product uses (runs are completed with
//! per-item results, metrics are normalized from raw channel payloads), so what the demo shows
//! is what real data would look like.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use crate::domain::red_flags::Thresholds;
use crate::domain::run_status::RunStatus;
use crate::mpis::persona_draft;
use crate::mpis::types::{GenesisStartRequest, SourceInput, SourceType};
use crate::store::metrics::{self, MetricRow};
use crate::store::outbox::{self, NewPublishRecord};
use crate::store::runs::{self, Completion, ItemReport, NewRun};
use crate::store::{StoreResult, genesis, jobs, projects, red_flags, seed};

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
    if seed::persona_exists(pool, DEMO_MARKER_SLUG).await? {
        return Ok("demo data already present; nothing changed".to_string());
    }
    let now = Utc::now();
    let mut rng = Prng(0x5eed_cafe_f00d_d00d);
    let mut project_ids = Vec::new();
    for persona in PERSONAS {
        let persona_id = seed::insert_persona(
            pool,
            &seed::SeedPersona {
                name: persona.name,
                slug: persona.slug,
                language: persona.language,
                summary: persona.summary,
            },
        )
        .await?;
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

/// One approved draft per channel and topic for the persona's content.
async fn insert_drafts(
    pool: &PgPool,
    persona_id: Uuid,
    persona: &DemoPersona,
) -> StoreResult<Vec<Uuid>> {
    let mut drafts = Vec::new();
    for channel in persona.channels {
        for topic in ["ethics", "habits", "stories"] {
            let draft_id = seed::insert_approved_draft(
                pool,
                persona_id,
                &format!("{} on {channel}: {topic}", persona.name),
                topic,
                channel,
                &json!({"variants": [{"text": format!("A post about {topic}."), "channel": channel}]}),
            )
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
    let mut core = persona_draft::first_draft(&request, now);
    core["credo"]["summary"] = json!("Grows food on a city balcony and teaches others to.");
    core["topics"]["primary"] = json!(["balcony gardening", "composting", "seasonal food"]);
    core["ethos"]["emotional_tone"] = json!(["warm", "practical"]);
    let input = serde_json::to_value(&request).unwrap_or_else(|_| json!({}));
    genesis::insert_started_job(
        pool,
        &genesis::StartedJob {
            id: Uuid::new_v4(),
            persona_name: name,
            slug: "sofia-urban-gardener",
            input: &input,
            core: &core,
            human_prompt: &persona_draft::human_prompt(name, 1),
        },
    )
    .await?;
    Ok(())
}

/// A project's templates as contract v1 wants them (a format id for each channel that needs
/// one), stable per project: the demo's pending runs are sendable when n8n is configured, and
/// `:run` offers them again.
fn demo_templates(project: &projects::Project) -> Value {
    let id = |what: &str| Uuid::new_v5(&project.id, what.as_bytes());
    let mut templates = json!({"news_prompt_id": id("news_prompt")});
    for channel in ["telegram", "instagram"] {
        if project.channels.iter().any(|c| c == channel) {
            templates[format!("format_{channel}_id")] = json!(id(channel));
        }
    }
    templates
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
            templates: demo_templates(project),
            options: json!({"lookback_days": 1, "max_items": 10}),
        },
    )
    .await?;
    seed::backdate_run(pool, run.run_id, started_at).await?;
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
        let channel_item_id = channel_item_id(channel, 10_000 + i * 10 + n);
        let channel_url = channel_url(channel, &channel_item_id);
        if succeeded && record_in_mpis {
            let item_id = seed::insert_published_item(
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
    seed::set_run_duration(pool, run.run_id, rng.range(40, 900) as f64).await?;
    Ok(published)
}

fn failure_text(channel: &str) -> String {
    match channel {
        "telegram" => "Failed to authenticate with Telegram API: Invalid bot token".to_string(),
        "instagram" => "Instagram Graph API: (#4) Application request limit reached".to_string(),
        other => format!("{other} upload timed out after 120 s"),
    }
}

/// An item's id as its platform writes it: YouTube's are 11 characters (its fetcher refuses
/// others), the other platforms' are numeric.
fn channel_item_id(channel: &str, n: usize) -> String {
    match channel {
        "youtube" => format!("demo{n:0>7}"),
        _ => n.to_string(),
    }
}

fn channel_url(channel: &str, id: &str) -> String {
    match channel {
        "telegram" => format!("https://t.me/mpis_demo/{id}"),
        "instagram" => format!("https://www.instagram.com/p/demo{id}/"),
        "tiktok" => format!("https://www.tiktok.com/@mpis_demo/video/{id}"),
        _ => format!("https://www.youtube.com/watch?v={id}"),
    }
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

/// The demo's ingestion jobs: channel, cron (every few minutes, so a newcomer sees rows
/// arrive), look-back in hours. The TikTok one starts disabled (the enable toggle's example).
const DEMO_JOBS: [(&str, &str, u32); 4] = [
    ("telegram", "*/2 * * * *", 24),
    ("instagram", "*/3 * * * *", 48),
    ("tiktok", "*/5 * * * *", 72),
    ("youtube", "*/4 * * * *", 168),
];

fn demo_job_name(channel: &str) -> String {
    format!("{channel}_metrics_demo")
}

async fn seed_jobs(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<()> {
    for (channel, cron, lookback) in DEMO_JOBS {
        jobs::create(
            pool,
            &jobs::NewJob {
                job_name: demo_job_name(channel),
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

/// Where a demo job is pointed: a stand-in's URL and, when the platform needs one, the
/// secrets file and key its credential is read from.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoTarget {
    pub channel: String,
    pub base_url: String,
    /// `(file, key)`.
    pub credential: Option<(String, String)>,
}

/// The highest message id of the demo's Telegram posts (what its stand-in must serve).
pub async fn last_telegram_post(pool: &PgPool) -> StoreResult<u64> {
    let highest: Option<i64> = sqlx::query_scalar(
        "SELECT max(channel_item_id::bigint) FROM published_items
         WHERE lower(channel) = 'telegram' AND channel_item_id ~ '^[0-9]{1,18}$'",
    )
    .fetch_one(pool)
    .await?;
    Ok(highest.map_or(1, |h| u64::try_from(h).unwrap_or(1).max(1)))
}

/// Points the seeded demo jobs at `targets` (run at every demo start: the stand-ins' ports
/// change). Each job's look-back is stretched by the hours since the channel's newest demo
/// item, so a demo started days after its seed still measures the seeded items. The Telegram
/// job is made due now: the first rows arrive at once.
pub async fn point_demo_jobs(
    pool: &PgPool,
    targets: &[DemoTarget],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    for target in targets {
        let Some((_, _, seeded_lookback)) = DEMO_JOBS.iter().find(|(c, _, _)| *c == target.channel)
        else {
            continue;
        };
        let newest: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT max(published_at) FROM published_items WHERE lower(channel) = $1",
        )
        .bind(&target.channel)
        .fetch_one(&mut *tx)
        .await?;
        let behind = newest.map_or(0, |at| (now - at).num_hours().max(0) + 1);
        let lookback = (i64::from(*seeded_lookback) + behind)
            .min(i64::from(crate::domain::credential_ref::MAX_LOOKBACK_HOURS));
        let mut patch = json!({"base_url": target.base_url, "lookback_hours": lookback});
        if let Some((file, key)) = &target.credential {
            patch["credential"] = json!({"file": file, "key": key});
        }
        if target.channel == "telegram" {
            patch["channel_username"] = json!(crate::ingest::demo::TELEGRAM_CHANNEL);
        }
        sqlx::query(
            "UPDATE metrics_ingestion_jobs SET config = config || $2,
                 next_run_at = CASE WHEN $3 AND enabled THEN $4 ELSE next_run_at END
             WHERE job_name = $1",
        )
        .bind(demo_job_name(&target.channel))
        .bind(Json(patch))
        .bind(target.channel == "telegram")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
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
        // Each was tried once, as the forwarder would: the lease counts the attempt.
        outbox::claim(pool, record.id, std::time::Duration::from_secs(30)).await?;
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
/// the last 30 days, set-based inside PostgreSQL ([`seed::bulk_load`]). Runs once per database.
pub async fn seed_scale(pool: &PgPool, items: u64) -> StoreResult<String> {
    seed::bulk_load(pool, items).await
}
