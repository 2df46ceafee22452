//! Times one ingestion job over many items, through the real scheduler, against the YouTube
//! stand-in (issue 12: the run's own overhead <= 1 s for 10,000 items; metric rows written at
//! >= 100,000 rows/s).
//!
//! `cargo bench --bench ingest_job` starts a throwaway PostgreSQL cluster, seeds one persona
//! with `MPIS_BENCH_INGEST_ITEMS` (default 10,000) YouTube items published in the last hours,
//! starts the YouTube stand-in on loopback, creates a job pointing at it (the key by reference,
//! from the environment) and runs it `MPIS_BENCH_RUNS` times (default 5) with
//! `Scheduler::run`, what `serve`'s scheduler and run-now call. Each run writes one new row per
//! item. `MPIS_BENCH_SCALE=1000000` first loads `demo-data --scale` (a big database around
//! the job's items).
//!
//! Per run: the wall time (claim, run recorded, items read, fetched, stored, outcome recorded),
//! the time waiting on the API (the fetch calls, summed by a wrapper around the real fetcher),
//! the overhead (wall - waiting), the rows and the rows/s of the store writes (rows / time
//! inside `store::metrics`, as the scheduler reports it). Medians are compared with the
//! targets; every run must be recorded `success` with one new row per item.
//! `MPIS_BENCH_HOLD=FILE` keeps the database up afterwards (its URL in FILE) until FILE is
//! removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use mpis_dash::config::{Config, Overrides};
use mpis_dash::demo_data;
use mpis_dash::domain::channel::Channel;
use mpis_dash::ingest::standin::{self, Platform};
use mpis_dash::ingest::{
    FetchError, FetchOutcome, Fetcher, FetcherFactory, FetcherSettings, ItemToMeasure,
};
use mpis_dash::jobs::ingest::{LEASE, Scheduler};
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::ingestion_runs::{self, Outcome, Trigger};
use mpis_dash::store::jobs::{self, NewJob};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

const TARGET_OVERHEAD_S: f64 = 1.0;
const TARGET_ROWS_PER_S: f64 = 100_000.0;
const KEY_VARIABLE: &str = "MPIS_BENCH_YOUTUBE_KEY";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The real fetcher, its calls' durations summed.
struct TimedFetcher {
    inner: Box<dyn Fetcher>,
    waited_ns: Arc<AtomicU64>,
}

impl Fetcher for TimedFetcher {
    fn channel(&self) -> Channel {
        self.inner.channel()
    }

    fn max_batch(&self) -> usize {
        self.inner.max_batch()
    }

    fn fetch<'a>(
        &'a self,
        items: &'a [ItemToMeasure],
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
        Box::pin(async move {
            let started = Instant::now();
            let outcome = self.inner.fetch(items).await;
            self.waited_ns
                .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
            outcome
        })
    }
}

fn timed_fetchers(waited_ns: Arc<AtomicU64>) -> FetcherFactory {
    let real = mpis_dash::ingest::channel_fetchers();
    Arc::new(move |channel: &Channel, settings: FetcherSettings| {
        let inner = real(channel, settings)?;
        Ok(Box::new(TimedFetcher {
            inner,
            waited_ns: waited_ns.clone(),
        }) as Box<dyn Fetcher>)
    })
}

/// One persona with `n` YouTube items published over the last `n` seconds (set-based, as
/// MPIS would have recorded them one by one; video ids of YouTube's 11 characters); returns
/// the persona.
async fn seed_items(pool: &PgPool, n: u64) -> Uuid {
    let persona: Uuid = sqlx::query_scalar(
        "INSERT INTO personas (name, slug, language, active_version)
         VALUES ('Bench', 'bench-ingest', 'en', 'v1') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .expect("persona");
    let plan: Uuid = sqlx::query_scalar(
        "INSERT INTO content_plans (persona_id, title, topic, channel)
         VALUES ($1, 'bench', 'bench', 'youtube') RETURNING id",
    )
    .bind(persona)
    .fetch_one(pool)
    .await
    .expect("plan");
    let draft: Uuid =
        sqlx::query_scalar("INSERT INTO content_drafts (plan_id) VALUES ($1) RETURNING id")
            .bind(plan)
            .fetch_one(pool)
            .await
            .expect("draft");
    sqlx::query(
        "INSERT INTO published_items (draft_id, channel, channel_item_id, channel_url, published_at)
         SELECT $1, 'youtube', v, 'https://youtu.be/' || v,
                NOW() - make_interval(secs => i)
         FROM generate_series(1, $2::int) AS i,
              LATERAL (SELECT 'bn' || lpad(i::text, 9, '0') AS v) AS video",
    )
    .bind(draft)
    .bind(n as i32)
    .execute(pool)
    .await
    .expect("published items");
    sqlx::query("ANALYZE published_items")
        .execute(pool)
        .await
        .expect("analyze");
    persona
}

async fn metric_rows(pool: &PgPool, persona: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM normalized_metrics WHERE persona_id = $1")
        .bind(persona)
        .fetch_one(pool)
        .await
        .expect("count")
}

fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().take(3).collect();
            format!("load average {}", fields.join(", "))
        })
        .unwrap_or_else(|_| "load average unknown".into())
}

struct Sample {
    wall: Duration,
    waiting: Duration,
    storing: Duration,
    rows: usize,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let items = env_number("MPIS_BENCH_INGEST_ITEMS", 10_000);
    let runs = env_number("MPIS_BENCH_RUNS", 5).max(1);
    let scale = env_number("MPIS_BENCH_SCALE", 0);
    // SAFETY: set before the runtime starts, while this is the only thread.
    unsafe { std::env::set_var(KEY_VARIABLE, standin::YOUTUBE_KEY) };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        let db = ScratchDb::new().await.expect("throwaway database");
        let pool = &db.pool;
        if scale > 0 {
            let started = Instant::now();
            let message = demo_data::seed_scale(pool, scale)
                .await
                .expect("seed scale");
            println!("{message} ({:.1} s)", started.elapsed().as_secs_f64());
        }
        let persona = seed_items(pool, items).await;
        let stand_in = standin::start(Platform::Youtube).await.expect("stand-in");
        let config = Config::load(&Overrides {
            config_path: Some("/dev/null".into()),
            data_dir: Some(std::env::temp_dir()),
            ..Overrides::default()
        })
        .expect("the default config");
        let job = jobs::create(
            pool,
            &NewJob {
                job_name: "bench-youtube".into(),
                channel: "youtube".into(),
                persona_id: Some(persona),
                schedule_cron: "0 * * * *".into(),
                config: json!({
                    "base_url": stand_in.base_url,
                    "credential": {"env": KEY_VARIABLE},
                    "lookback_hours": 24,
                }),
                enabled: true,
            },
            chrono::Utc::now(),
        )
        .await
        .expect("job");
        let waited_ns = Arc::new(AtomicU64::new(0));
        let scheduler = Scheduler::new(pool.clone(), &config, timed_fetchers(waited_ns.clone()));
        println!(
            "{items} YouTube items of one persona, {runs} runs of one job through Scheduler::run \
             against the stand-in at {}",
            stand_in.base_url
        );
        println!();
        println!(
            "{:>4} {:>9} {:>9} {:>10} {:>9} {:>7} {:>11} {:>11}  machine",
            "run", "wall s", "API s", "overhead s", "store s", "rows", "rows/s", "API calls",
        );
        let mut samples = Vec::new();
        for run in 1..=runs {
            let before_rows = metric_rows(pool, persona).await;
            let calls_before = stand_in.call_count();
            waited_ns.store(0, Ordering::Relaxed);
            let load = uptime();
            let started = Instant::now();
            // What run-now does (serve's scheduler does the same after claiming due jobs).
            let claimed = jobs::claim_one(pool, job.id, LEASE)
                .await
                .expect("claim")
                .expect("the job is free");
            let run_id = ingestion_runs::start(pool, job.id, Trigger::Manual)
                .await
                .expect("run recorded");
            let report = scheduler.run(claimed, run_id).await.expect("run");
            let wall = started.elapsed();
            let waiting = Duration::from_nanos(waited_ns.load(Ordering::Relaxed));

            let written = metric_rows(pool, persona).await - before_rows;
            let recorded = ingestion_runs::list(pool, job.id, None, 1)
                .await
                .expect("history");
            assert_eq!(
                report.finished.outcome,
                Outcome::Success,
                "{:?}",
                report.finished.error
            );
            assert_eq!(report.finished.rows_written as u64, items, "rows reported");
            assert_eq!(written as u64, items, "rows stored");
            assert_eq!(recorded[0].id, run_id);
            assert_eq!(recorded[0].outcome, "success");
            let sample = Sample {
                wall,
                waiting,
                storing: report.timings.storing,
                rows: report.finished.rows_written,
            };
            println!(
                "{:>4} {:>9.3} {:>9.3} {:>10.3} {:>9.3} {:>7} {:>11.0} {:>11}  {}",
                run,
                sample.wall.as_secs_f64(),
                sample.waiting.as_secs_f64(),
                (sample.wall.saturating_sub(sample.waiting)).as_secs_f64(),
                sample.storing.as_secs_f64(),
                sample.rows,
                sample.rows as f64 / sample.storing.as_secs_f64(),
                stand_in.call_count() - calls_before,
                load,
            );
            samples.push(sample);
        }
        let overhead = median(
            samples
                .iter()
                .map(|s| s.wall.saturating_sub(s.waiting).as_secs_f64())
                .collect(),
        );
        let rate = median(
            samples
                .iter()
                .map(|s| s.rows as f64 / s.storing.as_secs_f64())
                .collect(),
        );
        let wall = median(samples.iter().map(|s| s.wall.as_secs_f64()).collect());
        let waiting = median(samples.iter().map(|s| s.waiting.as_secs_f64()).collect());
        println!();
        println!("median of {runs} runs: wall {wall:.3} s, waiting on the API {waiting:.3} s");
        println!(
            "overhead (wall - API) {overhead:.3} s, target <= {TARGET_OVERHEAD_S} s: {}",
            if overhead <= TARGET_OVERHEAD_S {
                "met"
            } else {
                "MISSED"
            }
        );
        println!(
            "store writes {rate:.0} rows/s, target >= {TARGET_ROWS_PER_S:.0}: {}",
            if rate >= TARGET_ROWS_PER_S {
                "met"
            } else {
                "MISSED"
            }
        );
        println!(
            "every run recorded success with {items} new rows; {}",
            uptime()
        );
        if let Ok(file) = std::env::var("MPIS_BENCH_HOLD") {
            // Keeps the database up for EXPLAIN ANALYZE until the file is removed.
            std::fs::write(&file, db.url()).expect("hold file");
            println!(
                "holding the database ({}) until {file} is removed",
                db.url()
            );
            while std::path::Path::new(&file).exists() {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    });
}
