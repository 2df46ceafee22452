//! Times the AI analyst's answers at scale (issue 12: p50 <= 50 ms on `demo-data --scale
//! 1000000`).
//!
//! `cargo bench --bench analyst` starts a throwaway PostgreSQL cluster, loads
//! `demo_data::seed_scale` (default 1,000,000 published items; `MPIS_BENCH_ITEMS` changes it),
//! then asks each question the engine recognizes, and one it does not, for one seeded persona
//! and for every persona, over 7d, 30d and 90d, `MPIS_BENCH_ROUNDS` times each (default 20,
//! after 2 warm-ups). Each answer is computed as `POST /api/ai-analyst/query` computes it
//! without HTTP: the question recognized (`domain::analyst::recognize`), the aggregates it needs
//! read (`store::analyst::fetch`), the engine's answer (`domain::analyst::answer`). Prints p50
//! and p95 per intent and overall, against the target.

use std::time::{Duration, Instant};

use chrono::Utc;
use mpis_dash::demo_data;
use mpis_dash::domain::analyst::{self, Aggregates, TimeRange, question::CAN_ANSWER};
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store;
use sqlx::PgPool;
use uuid::Uuid;

const TARGET_P50_MS: f64 = 50.0;
const RANGES: [&str; 3] = ["7d", "30d", "90d"];
const UNKNOWN: &str = "what is the weather like on mars";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}

/// One answer, as the API route computes it (without the optional phrasing by a model).
async fn ask(
    pool: &PgPool,
    persona: Option<Uuid>,
    range: TimeRange,
    question: &str,
) -> analyst::Answer {
    let intent = analyst::recognize(question);
    let data = match intent {
        Some(intent) => store::analyst::fetch(pool, persona, range, intent.needs())
            .await
            .expect("aggregates"),
        None => Aggregates::default(),
    };
    analyst::answer(intent, &data)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn main() {
    let items = env_number("MPIS_BENCH_ITEMS", 1_000_000);
    let rounds = env_number("MPIS_BENCH_ROUNDS", 20).max(1);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        let db = ScratchDb::new().await.expect("throwaway database");
        let pool = &db.pool;
        let started = Instant::now();
        let message = demo_data::seed_scale(pool, items)
            .await
            .expect("seed scale");
        println!("{message}");
        println!("load: {:.1} s", started.elapsed().as_secs_f64());
        // The persona with the most published items: the largest samples.
        let persona: Uuid = sqlx::query_scalar(
            "SELECT cp.persona_id FROM content_plans cp
             JOIN content_drafts cd ON cd.plan_id = cp.id
             JOIN published_items p ON p.draft_id = cd.id
             GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .expect("a seeded persona");
        let mut questions: Vec<(String, &str)> = CAN_ANSWER
            .iter()
            .map(|(intent, q)| (format!("{intent:?}"), *q))
            .collect();
        questions.push(("unknown".into(), UNKNOWN));
        for (name, question) in &questions {
            let expected = if *name == "unknown" {
                None
            } else {
                Some(name.as_str())
            };
            let got = analyst::recognize(question).map(|i| format!("{i:?}"));
            assert_eq!(got.as_deref(), expected, "{question:?} is recognized");
        }

        println!(
            "persona {persona} (and every persona), {rounds} rounds per question and range, \
             load average before: {}",
            load()
        );
        println!();
        println!(
            "{:<22} {:<8} {:>9} {:>9} {:>9}",
            "intent", "persona", "p50 ms", "p95 ms", "max ms"
        );
        let mut all = Vec::new();
        for (name, question) in &questions {
            for (label, who) in [("one", Some(persona)), ("all", None)] {
                let mut samples = Vec::new();
                for range in RANGES {
                    for round in 0..rounds + 2 {
                        let range = TimeRange::preset(range, Utc::now()).expect("a preset");
                        let started = Instant::now();
                        let answer = ask(pool, who, range, question).await;
                        let took = started.elapsed();
                        std::hint::black_box(&answer);
                        if *name != "unknown" && *name != "MissingMetrics" && *name != "FailedRuns"
                        {
                            assert!(!answer.answer.is_empty());
                        }
                        if round >= 2 {
                            samples.push(took);
                        }
                    }
                }
                samples.sort();
                println!(
                    "{:<22} {:<8} {:>9.2} {:>9.2} {:>9.2}",
                    name,
                    label,
                    percentile(&samples, 0.5),
                    percentile(&samples, 0.95),
                    percentile(&samples, 1.0)
                );
                all.extend(samples);
            }
        }
        all.sort();
        let p50 = percentile(&all, 0.5);
        println!(
            "{:<22} {:<8} {:>9.2} {:>9.2} {:>9.2}",
            "ALL",
            "",
            p50,
            percentile(&all, 0.95),
            percentile(&all, 1.0)
        );
        println!();
        println!(
            "{} answers; p50 {p50:.2} ms, target <= {TARGET_P50_MS} ms: {}; load average after: {}",
            all.len(),
            if p50 <= TARGET_P50_MS {
                "met"
            } else {
                "MISSED"
            },
            load()
        );
    });
}
