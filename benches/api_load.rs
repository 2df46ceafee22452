//! The load generator for `mpis-dash serve` (issue 11, "Performance"): no external tool.
//!
//! Seeds a throwaway database with `demo-data --scale` (1,000,000 published items;
//! `MPIS_BENCH_ITEMS` changes it), creates an admin token, starts the real `mpis-dash` binary
//! (`serve`) as a child process on loopback, and drives it with many keep-alive connections
//! (`MPIS_LOAD_CONNECTIONS`, default 64) for `MPIS_LOAD_SECS` seconds a scenario (default 10):
//! - `GET /api/red-flags`
//! - `GET /api/publisher/runs/{run_id}`
//! - `POST /api/publisher/runs` (the runs the callbacks then complete), and completion
//!   callbacks of 10 items each (`POST /api/publisher/runs/{run_id}/complete`), every item a real
//!   published item's draft and channel item id: an answer counts only when all 10 came back
//!   linked, and the runs completed and items linked are counted in the database after
//! - metrics ingest batches (`POST /api/publisher/metrics/ingest/batch`, `MPIS_LOAD_BATCH` rows,
//!   default 500, each item's own channel and counters); the rows stored are counted after
//!
//! and reports requests (or rows) per second, p50 and p99 per scenario, failures (any non-2xx
//! or a wrong answer: never counted as throughput), then serve's peak RSS (`VmHWM`) and its log
//! line count. A route answering the router's 404/405 is reported as "route missing".
//!
//! serve runs with the defaults (its log at its default level, one access line per request,
//! to a file) except `rate_limit_per_sec = 0`: the load comes with one token, and the default
//! limit is 50 requests a second per caller. `MPIS_LOAD_ONLY=run,complete` (of red-flags, run,
//! complete, ingest) picks scenarios; `MPIS_LOAD_HOLD=FILE` keeps the database and serve up
//! after the load while FILE exists (the database URL is written to it) for EXPLAIN ANALYZE;
//! `MPIS_LOAD_BIN=PATH` drives another build of `mpis-dash` (the code before a change).
//!
//! Each scenario also reports the CPU time its units cost the load generator, serve and
//! PostgreSQL (from `/proc`), and the rate serve and PostgreSQL could reach with the machine's
//! cores to themselves: the generator shares the cores here.
//!
//! `cargo bench --bench api_load` (release build of the binary and the benchmark).

use std::future::Future;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use mpis_dash::demo_data;
use mpis_dash::domain::auth::Role;
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::tokens;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// What one operation did: how many units (requests or rows) it counts for, or why it failed.
enum Done {
    Units(u64),
    /// Nothing left to do (the runs made for the completion scenario are used up): this
    /// connection stops.
    Exhausted,
    /// The route answered 404 / 405: not on this branch yet.
    Missing(StatusCode),
    Failed(String),
}

struct Outcome {
    name: &'static str,
    unit: &'static str,
    target: Option<f64>,
    missing: Option<StatusCode>,
    units: u64,
    failures: u64,
    first_failure: Option<String>,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// CPU seconds used during the scenario by the load generator, serve and PostgreSQL.
    cpu: Cpu,
}

/// CPU time (user + system) in seconds, per party.
#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    client: f64,
    serve: f64,
    postgres: f64,
}

/// serve's pid, for [`cpu_now`].
static SERVE_PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// utime + stime of one process, in seconds (`/proc/PID/stat`, clock ticks).
fn cpu_seconds(stat: &str) -> Option<f64> {
    // The command name may hold spaces: fields count from after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Some(ticks as f64 / hz)
}

/// CPU used so far by this process, serve, and every `postgres` process on the machine (the
/// benchmark's throwaway cluster; nothing else runs PostgreSQL during a benchmark).
fn cpu_now() -> Cpu {
    let of = |pid: &str| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
    let mut cpu = Cpu {
        client: of("self").as_deref().and_then(cpu_seconds).unwrap_or(0.0),
        serve: SERVE_PID
            .get()
            .and_then(|pid| of(&pid.to_string()))
            .as_deref()
            .and_then(cpu_seconds)
            .unwrap_or(0.0),
        postgres: 0.0,
    };
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if let Some(stat) = of(pid).filter(|s| s.contains("(postgres)")) {
            cpu.postgres += cpu_seconds(&stat).unwrap_or(0.0);
        }
    }
    cpu
}

impl Outcome {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() - 1) as f64 * p).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    fn rate(&self) -> f64 {
        self.units as f64 / self.elapsed.as_secs_f64()
    }

    fn report_at(&self, connections: u64) {
        let name = format!("{} [{connections}]", self.name);
        if let Some(status) = self.missing {
            println!("{name:<48} route missing ({status})");
            return;
        }
        let target = match self.target {
            Some(t) if self.rate() >= t => format!(">= {t:.0} ok"),
            Some(t) => format!(">= {t:.0} MISSED"),
            None => String::new(),
        };
        println!(
            "{:<48} {:>10.0} {:<7} {:>8.2} {:>8.2} {:>8} {}",
            name,
            self.rate(),
            format!("{}/s", self.unit),
            self.percentile(0.5),
            self.percentile(0.99),
            self.failures,
            target
        );
        if let Some(first) = &self.first_failure {
            println!("    first failure: {first}");
        }
        if self.units > 0 {
            let per = |seconds: f64| seconds * 1e6 / self.units as f64;
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
            let server = self.cpu.serve + self.cpu.postgres;
            println!(
                "    CPU per {}: load generator {:.0} us, serve {:.0} us, PostgreSQL {:.0} us; \
                 with the {cores:.0} cores to serve and PostgreSQL alone: <= {:.0} {}/s",
                self.unit,
                per(self.cpu.client),
                per(self.cpu.serve),
                per(self.cpu.postgres),
                if server > 0.0 {
                    self.units as f64 * cores / server
                } else {
                    f64::NAN
                },
                self.unit
            );
        }
    }
}

/// Runs `op` from `connections` concurrent tasks for `duration` (after a probe: a route that
/// is missing is not driven).
async fn drive<F, Fut>(
    name: &'static str,
    unit: &'static str,
    target: Option<f64>,
    connections: u64,
    duration: Duration,
    op: F,
) -> Outcome
where
    F: Fn(u64, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Done> + Send,
{
    let mut outcome = Outcome {
        name,
        unit,
        target,
        missing: None,
        units: 0,
        failures: 0,
        first_failure: None,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        cpu: Cpu::default(),
    };
    if let Done::Missing(status) = op(u64::MAX, 0).await {
        outcome.missing = Some(status);
        return outcome;
    }
    let cpu_before = cpu_now();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut units, mut failures, mut first) = (0u64, 0u64, None);
            let mut seq = 0u64;
            while Instant::now() < deadline {
                seq += 1;
                let began = Instant::now();
                match op(worker, seq).await {
                    Done::Units(n) => {
                        latencies.push(began.elapsed());
                        units += n;
                    }
                    Done::Missing(status) => {
                        failures += 1;
                        first.get_or_insert(format!("{status}"));
                    }
                    Done::Failed(why) => {
                        failures += 1;
                        first.get_or_insert(why);
                    }
                    Done::Exhausted => break,
                }
            }
            (latencies, units, failures, first)
        }));
    }
    for task in tasks {
        let (latencies, units, failures, first) = task.await.expect("a load task");
        outcome.latencies.extend(latencies);
        outcome.units += units;
        outcome.failures += failures;
        if outcome.first_failure.is_none() {
            outcome.first_failure = first;
        }
    }
    outcome.elapsed = started.elapsed();
    let cpu_after = cpu_now();
    outcome.cpu = Cpu {
        client: cpu_after.client - cpu_before.client,
        serve: cpu_after.serve - cpu_before.serve,
        postgres: cpu_after.postgres - cpu_before.postgres,
    };
    outcome.latencies.sort();
    outcome
}

/// A request's outcome as a [`Done`] worth `units` when it succeeded.
async fn send(request: reqwest::RequestBuilder, units: u64) -> (Done, Option<Value>) {
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let body = response.bytes().await;
            if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
                // A JSON 404 naming a missing row is the route answering; the router's
                // fallback says "Not Found" / "Method Not Allowed".
                let text = body
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                if text.contains("\"Not Found\"") || text.contains("\"Method Not Allowed\"") {
                    return (Done::Missing(status), None);
                }
            }
            match body {
                Ok(bytes) if status.is_success() => {
                    (Done::Units(units), serde_json::from_slice(&bytes).ok())
                }
                Ok(bytes) => (
                    Done::Failed(format!(
                        "{status}: {}",
                        String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
                    )),
                    None,
                ),
                Err(err) => (Done::Failed(format!("{status}: body: {err}")), None),
            }
        }
        Err(err) => (Done::Failed(format!("request: {err}")), None),
    }
}

/// What the scenarios pick from: real rows of the seeded database.
struct Fixture {
    base: String,
    client: reqwest::Client,
    run_ids: Vec<Uuid>,
    /// (project, persona) pairs.
    projects: Vec<(Uuid, Uuid)>,
    /// Telegram items as (draft_id, channel_item_id): completions report these, so every
    /// reported item links to its published item.
    published: Vec<(Uuid, String)>,
    /// (published item, its channel) for ingest.
    items: Vec<(Uuid, String)>,
    /// Runs created by the run-creation scenario, completed by the callback scenario.
    created: std::sync::Mutex<Vec<(Uuid, Uuid, Uuid)>>,
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let items = env_number("MPIS_BENCH_ITEMS", 1_000_000);
    let seconds = env_number("MPIS_LOAD_SECS", 10);
    // Each scenario at each of these concurrencies (comma-separated).
    let levels: Vec<u64> = std::env::var("MPIS_LOAD_CONNECTIONS")
        .unwrap_or_else(|_| "16,64".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .filter(|&n| n > 0)
        .collect();
    let connections = levels.iter().copied().max().unwrap_or(64);
    let batch = env_number("MPIS_LOAD_BATCH", 500).max(1);
    // Only these scenarios (comma-separated: red-flags, run, complete, ingest); all by default.
    let only = std::env::var("MPIS_LOAD_ONLY").unwrap_or_default();
    let wanted = move |name: &str| only.is_empty() || only.split(',').any(|o| o.trim() == name);
    let duration = Duration::from_secs(seconds);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        let started = Instant::now();
        let db = ScratchDb::new().await.expect("throwaway database");
        let message = demo_data::seed_scale(&db.pool, items).await.expect("seed scale");
        println!("{message}");
        // The load's pages written out now (the throwaway cluster checkpoints hourly), so the
        // scenarios do not pay for writing the seed's dirty buffers as they evict them.
        sqlx::query("CHECKPOINT").execute(&db.pool).await.expect("checkpoint");
        println!("database ready in {:.1} s", started.elapsed().as_secs_f64());
        let pool = &db.pool;
        let token = tokens::create(pool, "load-generator", Role::Admin, None, "bench", Utc::now())
            .await
            .expect("an admin token")
            .secret;

        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            probe.local_addr().expect("addr").port()
        };
        // serve's configuration: the defaults, but no per-caller rate limit (every request of
        // the load comes with the one admin token; 50/s per caller is the default).
        let work = std::env::temp_dir().join(format!("mpis-api-load-{}", std::process::id()));
        std::fs::create_dir_all(&work).expect("a work directory");
        let config = work.join("config.toml");
        std::fs::write(&config, "rate_limit_per_sec = 0\n").expect("config");
        // serve's log at its default level (one access line per request), to a file as a
        // service manager would take it.
        let log_path = work.join("serve.log");
        let log = std::fs::File::create(&log_path).expect("log file");
        // MPIS_LOAD_BIN: another build of serve (e.g. the code before a change), same load.
        let binary = std::env::var("MPIS_LOAD_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_mpis-dash").to_string());
        let mut child = tokio::process::Command::new(&binary)
            .args(["--config", config.to_str().expect("utf-8 path"), "serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", db.url())
            .env_remove("MPIS_DASH_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("start mpis-dash serve");
        let pid = child.id().expect("a pid");
        let _ = SERVE_PID.set(pid);
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("serve's ready line within 60 s")
            .expect("stdout")
            .expect("a ready line");
        println!("{binary}: {ready} (pid {pid}, RSS after start {} KiB)", peak_rss_kib(pid).unwrap_or(0));
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("a header"),
        );
        let client = mpis_dash::tls::http_client_builder()
            .default_headers(headers)
            .http1_only()
            .pool_max_idle_per_host(connections as usize)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let fixture = Arc::new(Fixture {
            base: format!("http://127.0.0.1:{port}"),
            client,
            run_ids: sqlx::query_scalar("SELECT run_id FROM dashboard_runs ORDER BY random() LIMIT 10000")
                .fetch_all(pool)
                .await
                .expect("runs"),
            projects: sqlx::query_as("SELECT id, persona_id FROM dashboard_projects")
                .fetch_all(pool)
                .await
                .expect("projects"),
            published: sqlx::query_as(
                "SELECT draft_id, channel_item_id FROM published_items
                 WHERE channel = 'telegram' AND draft_id IS NOT NULL AND channel_item_id IS NOT NULL
                 ORDER BY random() LIMIT 20000",
            )
            .fetch_all(pool)
            .await
            .expect("published items"),
            items: sqlx::query_as("SELECT id, channel FROM published_items ORDER BY random() LIMIT 20000")
                .fetch_all(pool)
                .await
                .expect("items"),
            created: std::sync::Mutex::new(Vec::new()),
        });
        println!(
            "keep-alive connections: {levels:?}, {seconds} s a scenario and level; ingest batches of {batch} rows"
        );
        println!();
        println!(
            "{:<48} {:>10} {:<7} {:>8} {:>8} {:>8}",
            "scenario [connections]", "rate", "", "p50 ms", "p99 ms", "failed"
        );

        for &connections in levels.iter().filter(|_| wanted("red-flags")) {
        let f = fixture.clone();
        drive("GET /api/red-flags", "req", Some(5_000.0), connections, duration, move |_, _| {
            let f = f.clone();
            async move { send(f.client.get(format!("{}/api/red-flags", f.base)), 1).await.0 }
        })
        .await
        .report_at(connections);
        }

        for &connections in levels.iter().filter(|_| wanted("run")) {
        let f = fixture.clone();
        drive("GET /api/publisher/runs/{run_id}", "req", Some(15_000.0), connections, duration, move |w, n| {
            let f = f.clone();
            async move {
                let run = f.run_ids[((w.wrapping_mul(7919) + n) as usize) % f.run_ids.len()];
                send(f.client.get(format!("{}/api/publisher/runs/{run}", f.base)), 1).await.0
            }
        })
        .await
        .report_at(connections);
        }

        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.expect(sql)
        };
        for &connections in levels.iter().filter(|_| wanted("complete")) {
        // The runs the callbacks complete, created over the API first (timed on their own).
        let f = fixture.clone();
        drive("POST /api/publisher/runs (the runs to complete)", "run", None, connections, duration, move |w, n| {
            let f = f.clone();
            async move {
                if w == u64::MAX {
                    // The probe: the route's 404/405 or any answer (an empty body: 422).
                    return send(f.client.post(format!("{}/api/publisher/runs", f.base)).json(&json!({})), 0).await.0;
                }
                let (project, persona) = f.projects[((w + n) as usize) % f.projects.len()];
                let run_id = Uuid::new_v4();
                let created = f.client.post(format!("{}/api/publisher/runs", f.base)).json(&json!({
                    "run_id": run_id, "project_id": project, "persona_id": persona,
                    "channels": ["telegram"], "date_from": "2026-01-10", "date_to": "2026-01-10",
                    "templates": {"news_prompt_id": Uuid::new_v4(), "format_telegram_id": Uuid::new_v4()},
                    "options": {"lookback_days": 1, "max_items": 10}
                }));
                let done = send(created, 1).await.0;
                if let Done::Units(_) = done {
                    f.created.lock().expect("runs").push((run_id, project, persona));
                }
                done
            }
        })
        .await
        .report_at(connections);

        let runs_before = count("SELECT count(*) FROM dashboard_runs WHERE status = 'success'").await;
        let linked_before = count("SELECT count(*) FROM dashboard_run_items WHERE published_item_id IS NOT NULL").await;
        let f = fixture.clone();
        let outcome = drive("completion callbacks (10 items, linked)", "run", Some(2_000.0), connections, duration, move |w, n| {
            let f = f.clone();
            async move {
                if w == u64::MAX {
                    let probe = f.client.post(format!("{}/api/publisher/runs/{}/complete", f.base, Uuid::nil())).json(&json!({}));
                    return send(probe, 0).await.0;
                }
                let Some((run_id, project, persona)) = f.created.lock().expect("runs").pop() else {
                    return Done::Exhausted;
                };
                let at = (run_id.as_u128() as usize) % f.published.len();
                let items: Vec<Value> = (0..10)
                    .map(|i| {
                        let (draft, channel_item) = &f.published[(at + i * 997) % f.published.len()];
                        json!({"draft_id": draft, "channel": "telegram",
                               "channel_item_id": channel_item,
                               "channel_url": format!("https://t.me/load/{channel_item}"), "status": "success",
                               "metrics": {"views": 0}})
                    })
                    .collect();
                let complete = f.client.post(format!("{}/api/publisher/runs/{run_id}/complete", f.base)).json(&json!({
                    "run_id": run_id, "status": "success", "persona_id": persona, "project_id": project,
                    "n8n_execution_id": format!("{n}"), "published_items": items
                }));
                match send(complete, 1).await {
                    (Done::Units(n), Some(answer)) => {
                        let items = answer["published_items"].as_array().map(Vec::as_slice).unwrap_or(&[]);
                        let linked = items.iter().filter(|i| i["published_item_id"].is_string()).count();
                        if items.len() == 10 && linked == 10 && answer["status"] == "success" {
                            Done::Units(n)
                        } else {
                            Done::Failed(format!("{} items, {linked} linked, status {}", items.len(), answer["status"]))
                        }
                    }
                    (Done::Units(_), None) => Done::Failed("an answer that is not JSON".into()),
                    (other, _) => other,
                }
            }
        })
        .await;
        outcome.report_at(connections);
        if outcome.missing.is_none() {
            let runs = count("SELECT count(*) FROM dashboard_runs WHERE status = 'success'").await - runs_before;
            let linked = count("SELECT count(*) FROM dashboard_run_items WHERE published_item_id IS NOT NULL").await - linked_before;
            println!(
                "    stored: {runs} runs completed, {linked} items linked to published items (answered: {} runs) {}",
                outcome.units,
                if runs as u64 == outcome.units && linked as u64 == 10 * outcome.units { "ok" } else { "MISMATCH" }
            );
        }
        fixture.created.lock().expect("runs").clear();
        }

        for &connections in levels.iter().filter(|_| wanted("ingest")) {
        let rows_before = count("SELECT count(*) FROM normalized_metrics").await;
        let f = fixture.clone();
        let outcome = drive("metrics ingest batches", "row", Some(100_000.0), connections, duration, move |w, n| {
            let f = f.clone();
            async move {
                if w == u64::MAX {
                    // The probe stores nothing (an empty batch: 422).
                    let probe = f.client
                        .post(format!("{}/api/publisher/metrics/ingest/batch", f.base))
                        .json(&json!({"items": []}));
                    return send(probe, 0).await.0;
                }
                let now = Utc::now();
                let start = ((w.wrapping_mul(104_729) + n.wrapping_mul(batch)) as usize) % f.items.len();
                let items: Vec<Value> = (0..batch as usize)
                    .map(|i| {
                        let (item, channel) = &f.items[(start + i) % f.items.len()];
                        // Each channel's own counters (domain::metrics::input_keys).
                        let metrics = match channel.as_str() {
                            "telegram" => json!({"views": 100 + i, "reactions": 3, "forwards": 1}),
                            "instagram" => json!({"impressions": 100 + i, "reach": 90, "likes": 3, "shares": 1}),
                            _ => json!({"views": 100 + i, "likes": 3, "shares": 1}),
                        };
                        json!({"published_item_id": item, "channel": channel,
                               "metrics": metrics, "measured_at": now})
                    })
                    .collect();
                let request = f.client
                    .post(format!("{}/api/publisher/metrics/ingest/batch", f.base))
                    .json(&json!({"items": items}));
                match send(request, batch).await {
                    (Done::Units(n), Some(answer)) if answer["count"] == json!(batch) => Done::Units(n),
                    (Done::Units(_), answer) => Done::Failed(format!("answered {answer:?}, not {batch} rows")),
                    (other, _) => other,
                }
            }
        })
        .await;
        outcome.report_at(connections);
        if outcome.missing.is_none() {
            let rows = count("SELECT count(*) FROM normalized_metrics").await - rows_before;
            println!(
                "    stored: {rows} rows (answered: {}) {}",
                outcome.units,
                if rows as u64 == outcome.units { "ok" } else { "MISMATCH" }
            );
        }
        }

        println!();
        let rss = peak_rss_kib(pid).unwrap_or(0);
        println!(
            "serve's peak RSS (VmHWM): {:.1} MiB ({})",
            rss as f64 / 1024.0,
            if rss as f64 / 1024.0 <= 60.0 * 1_000_000.0 / 1_048_576.0 { "<= 60 MB ok" } else { "> 60 MB MISSED" }
        );
        // MPIS_LOAD_HOLD=FILE: keep the database and serve up while FILE exists (at most 30
        // minutes), to look at them (EXPLAIN ANALYZE, pg_stat_statements) after the load.
        if let Ok(hold) = std::env::var("MPIS_LOAD_HOLD") {
            std::fs::write(&hold, format!("{}\n", db.url())).expect("hold file");
            println!("holding: DATABASE_URL in {hold}, serve on {}; remove the file to end", fixture.base);
            let until = Instant::now() + Duration::from_secs(1800);
            while std::path::Path::new(&hold).exists() && Instant::now() < until {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        // SIGTERM: serve stops gracefully (kill_on_drop would SIGKILL).
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(pid as i32, libc::SIGTERM);
        }
        let _ = tokio::time::timeout(Duration::from_secs(15), child.wait()).await;
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        println!(
            "serve's log: {} lines, {} of them access lines ({}, removed now)",
            log.lines().count(),
            log.lines().filter(|l| l.contains("answered")).count(),
            log_path.display()
        );
        let failed: Vec<&str> = log.lines().filter(|l| l.contains(" ERROR ") || l.contains(" WARN ")).take(5).collect();
        for line in failed {
            println!("    {line}");
        }
        // A million access lines take ~200 MB: the log goes with the run.
        let _ = std::fs::remove_dir_all(&work);
    });
}
