//! The command line: what each command takes, and how it runs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::{Config, Overrides};
use crate::database::{Database, OpenError, SchemaPolicy};
use crate::domain::red_flags::{self, Overall};
use crate::store::database_info::WriteAccess;
use crate::store::red_flags as flag_store;
use std::io::IsTerminal;

use crate::mpis::{MpisClient, MpisConfig, SandboxFaults, SandboxHandle};
use crate::tui::app::{App, AppOptions};
use crate::tui::keymap::Keymap;
use crate::{demo_data, status, tui};

#[derive(Debug, Parser)]
#[command(name = "mpis-dash", version, about = "Operations console for MPIS")]
pub struct Cli {
    /// PostgreSQL URL of the MPIS database; without one, a private embedded cluster is used.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Config file (default: config.toml in the OS config dir, e.g. ~/.config/mpis-dash/).
    #[arg(long, env = "MPIS_DASH_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Where the embedded cluster and logs live.
    #[arg(long, env = "MPIS_DASH_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Name recorded in the audit log for actions (default: the OS user).
    #[arg(long, env = "MPIS_DASH_OPERATOR", global = true)]
    pub operator: Option<String>,
    /// Use the embedded cluster seeded once with demo data (ignores any database URL).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Hide every action that writes (acknowledge, resolve, layout editing, the evaluator).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Write to an environment that is read-only by default (production) for this session.
    #[arg(long, global = true, conflicts_with = "read_only")]
    pub read_write: bool,
    /// The environment looked at ("production", "staging", any name): a badge in the status
    /// line; production/prod/live start read-only (config `[environments.NAME]`).
    #[arg(long, env = "MPIS_DASH_ENVIRONMENT", global = true)]
    pub environment: Option<String>,
    /// The dashboard's theme: dark, light, high-contrast, colorblind, or a theme file's path.
    #[arg(long, env = "MPIS_DASH_THEME", global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Draw with ASCII only: no box drawing, braille or arrows (default: when the locale is
    /// not UTF-8).
    #[arg(long, global = true)]
    pub ascii: bool,
    /// MPIS API base URL; without one, `--demo` answers MPIS calls with the built-in sandbox.
    #[arg(long, env = "MPIS_API_URL", global = true)]
    pub mpis_api_url: Option<String>,
    /// Sent as `X-API-Key` to MPIS.
    #[arg(long, env = "MPIS_API_KEY", global = true, hide_env_values = true)]
    pub mpis_api_key: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A plain-text overview: red flags, recent runs, channels, approvals, outbox, jobs
    /// (what `mpis-dash` prints when its output is not a terminal).
    Status,
    /// Apply the embedded migrations and exit.
    Migrate,
    /// Evaluate red flags once; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    Check {
        /// Print the summary JSON (the shape of GET /api/red-flags) instead of one line.
        #[arg(long)]
        json: bool,
        /// Give up (UNKNOWN) after this many seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Seed realistic demo data (once), or large synthetic data with --scale.
    DemoData {
        /// Generate N published items (with runs and metrics in proportion) for benchmarks.
        #[arg(long)]
        scale: Option<u64>,
    },
    /// A local stand-in for the MPIS API (in memory, MPIS's shapes and errors), with faults.
    MpisSandbox {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8081")]
        listen: std::net::SocketAddr,
        /// Added to every request, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// Share of requests (0..1) answered with a random 500.
        #[arg(long, default_value_t = 0.0)]
        error_rate: f64,
        /// Answer every request with 503.
        #[arg(long)]
        force_5xx: bool,
        /// Send malformed (truncated) bodies.
        #[arg(long)]
        malformed: bool,
        /// Drop connections instead of answering.
        #[arg(long)]
        drop_connections: bool,
        /// Handle each request, then drop the connection instead of answering (a lost response).
        #[arg(long)]
        drop_responses: bool,
        /// Ignore Idempotency-Key on publish records, as the real MPIS does.
        #[arg(long)]
        ignore_idempotency_keys: bool,
    },
    /// API tokens for `serve`: create (prints the secret only), list, revoke.
    Token {
        #[command(subcommand)]
        action: crate::token_cli::TokenCommand,
    },
    /// The HTTP API for n8n, scripts and web clients (the old Dashboard API's paths and JSON).
    Serve {
        /// Address to listen on (default: config `listen`, else 127.0.0.1:8080).
        #[arg(long, env = "MPIS_DASH_LISTEN")]
        listen: Option<std::net::SocketAddr>,
        /// Let reads (GET) through without a token (e.g. behind a VPN, for the old web page).
        #[arg(long)]
        allow_anonymous_read: bool,
        /// Log lines on stderr as text, or as one JSON object a line (MPIS_DASH_LOG sets the
        /// level, default `warn,mpis_dash=info`: one access line per request).
        #[arg(long, env = "MPIS_DASH_LOG_FORMAT", value_enum, default_value_t)]
        log_format: crate::logging::LogFormat,
    },
    /// Where the config file, data, logs and embedded cluster live, and the effective
    /// configuration (secrets redacted); `--schema` prints the config file's JSON Schema;
    /// `init` writes the commented example.
    Config {
        /// Print the config file's JSON Schema (draft 2020-12) instead.
        #[arg(long)]
        schema: bool,
        #[command(subcommand)]
        action: Option<crate::config_cli::ConfigCommand>,
    },
    /// Print a shell completion script, e.g.
    /// `mpis-dash completions bash > ~/.local/share/bash-completion/completions/mpis-dash`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `mpis-dash man | man -l -`.
    Man,
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config_path: self.config.clone(),
            database_url: if self.demo {
                None
            } else {
                self.database_url.clone()
            },
            data_dir: self.data_dir.clone(),
            operator: self.operator.clone(),
            mpis_api_url: self.mpis_api_url.clone(),
            mpis_api_key: self.mpis_api_key.clone(),
        }
    }
}

/// Runs the parsed command; errors are printed by `main`.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let overrides = cli.overrides();
    if let Some(command) = &cli.command
        && let Some(outcome) = about_itself(command, &overrides)
    {
        return outcome;
    }
    let mut config = Config::load(&overrides)?;
    if cli.demo {
        config.database_url = None;
    }
    let interactive = cli.command.is_none() && std::io::stdout().is_terminal();
    match &cli.command {
        Some(Command::Serve { log_format, .. }) => {
            let filter = crate::logging::filter(crate::logging::SERVE_DEFAULT_FILTER);
            let subscriber = crate::logging::subscriber(
                *log_format,
                filter,
                crate::logging::Stderr,
                crate::logging::stderr_colour(),
            );
            let _ = tracing::subscriber::set_global_default(subscriber);
        }
        _ => init_logging(&config, interactive),
    }
    // Only writers migrate; `--demo` seeds, so it writes.
    let policy = |writes: bool| {
        if writes || cli.demo {
            SchemaPolicy::Migrate
        } else {
            SchemaPolicy::RequireCurrent
        }
    };
    match cli.command {
        None if interactive => {
            let environment = cli
                .environment
                .clone()
                .filter(|e| !e.trim().is_empty())
                .or(config.environment.clone())
                .map(|name| crate::domain::environment::resolve(&name, &config.environments));
            let access = crate::domain::environment::session_access(
                cli.read_only,
                cli.read_write,
                environment.as_ref(),
            );
            let look = tui::appearance::LookFlags {
                theme: cli.theme.clone(),
                ascii: cli.ascii,
            };
            // The look is checked before the database opens: a bad theme is a quick error.
            let appearance = tui::appearance::resolve(&config, &look, environment.as_ref(), |v| {
                std::env::var(v).ok()
            })
            .map_err(anyhow::Error::msg)?;
            let read_only = access.read_only;
            let db = Database::open(&config, 8, policy(!read_only)).await?;
            if cli.demo {
                demo_data::seed_demo(&db.pool).await?;
            }
            let outcome = dashboard(
                &config,
                &db,
                Session {
                    read_only,
                    demo: cli.demo,
                    appearance,
                    start_message: access.message,
                },
            )
            .await;
            db.close().await;
            outcome?;
            Ok(ExitCode::SUCCESS)
        }
        None | Some(Command::Status) => {
            let db = Database::open(&config, 4, policy(false)).await?;
            if cli.demo {
                demo_data::seed_demo(&db.pool).await?;
            }
            let now = chrono::Utc::now();
            let data = status::load(&db.pool, &config.thresholds, now).await;
            let notices: Vec<String> = db.time_zone_warning().into_iter().collect();
            let target = db.target.clone();
            db.close().await;
            print!(
                "{}",
                status::render(
                    &data?,
                    &target,
                    &notices,
                    now,
                    crate::time_display::TimeDisplay::new(config.timezone),
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Migrate) => migrate(&config).await,
        Some(Command::Check { json, timeout }) => {
            Ok(check(&config, policy(false), json, timeout).await)
        }
        Some(Command::DemoData { scale }) => {
            let db = Database::open(&config, 4, SchemaPolicy::Migrate).await?;
            let outcome = match scale {
                Some(items) => demo_data::seed_scale(&db.pool, items).await,
                None => demo_data::seed_demo(&db.pool).await,
            };
            db.close().await;
            println!("{}", outcome?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::MpisSandbox {
            listen,
            latency_ms,
            error_rate,
            force_5xx,
            malformed,
            drop_connections,
            drop_responses,
            ignore_idempotency_keys,
        }) => {
            let faults = crate::mpis::SandboxFaults {
                latency: Duration::from_millis(latency_ms),
                error_rate,
                force_5xx,
                malformed_bodies: malformed,
                drop_connections,
                drop_responses,
                ignore_idempotency_keys,
            };
            mpis_sandbox(listen, faults).await
        }
        Some(Command::Token { action }) => {
            let writes = action.writes();
            crate::token_cli::run(&config, policy(writes), action).await
        }
        Some(Command::Serve {
            listen,
            allow_anonymous_read,
            log_format: _,
        }) => {
            let listen = listen.unwrap_or(config.listen);
            serve(&config, listen, cli.demo, allow_anonymous_read).await
        }
        Some(command @ (Command::Config { .. } | Command::Completions { .. } | Command::Man)) => {
            about_itself(&command, &overrides).unwrap_or(Ok(ExitCode::FAILURE))
        }
    }
}

/// Commands about mpis-dash itself (`completions`, `man`, `config`): no database, no logging,
/// and no config file read but by `config`'s own view, so a broken config never stops them.
/// `None` for every other command.
fn about_itself(command: &Command, overrides: &Overrides) -> Option<anyhow::Result<ExitCode>> {
    use crate::cli_docs::{completions, man_page, print};
    match command {
        Command::Completions { shell } => Some(
            print(&completions(*shell))
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::from),
        ),
        Command::Man => Some(
            man_page()
                .and_then(|page| print(&page))
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::from),
        ),
        Command::Config { schema, action } => {
            Some(crate::config_cli::run(overrides, *schema, action.as_ref()))
        }
        _ => None,
    }
}

/// `serve`: opens the database (migrating, as a writer), binds, prints the ready line, starts
/// the background jobs (`jobs::runner`), serves until SIGTERM / Ctrl-C / SIGHUP, drains
/// in-flight requests (bounded), stops the jobs (their work in flight finished, leases and
/// the evaluator's lock released), then closes the database and stops the embedded cluster
/// if it started it. `main` leaves the signals to it.
async fn serve(
    config: &Config,
    listen: std::net::SocketAddr,
    demo: bool,
    anonymous_read: bool,
) -> anyhow::Result<ExitCode> {
    let stop = crate::api::server::shutdown_signal();
    let db = Database::open(config, 16, SchemaPolicy::Migrate).await?;
    let outcome = async {
        if demo {
            demo_data::seed_demo(&db.pool).await?;
        }
        let (mpis, _sandbox, mpis_label) = mpis_for_dashboard(config, demo, &db.pool).await?;
        let _stand_ins = demo_ingestion(config, demo, &db.pool).await;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|err| anyhow::anyhow!("cannot listen on {listen}: {err}"))?;
        let limits = crate::api::ApiLimits {
            request_timeout: Duration::from_secs(config.request_timeout_secs),
            body_limit: config.body_limit_bytes,
            ..crate::api::ApiLimits::default()
        };
        // The four channels' fetchers, shared by the scheduler and the API's run-now.
        let fetchers = crate::ingest::channel_fetchers();
        let state = crate::api::ApiState::new(
            db.pool.clone(),
            std::sync::Arc::new(config.clone()),
            mpis.clone(),
            limits,
            anonymous_read,
        )
        .with_fetchers(fetchers.clone());
        tracing::info!("serving {} · {mpis_label}", db.target);
        println!("{}", crate::api::server::ready_line(&listener)?);
        let jobs = crate::jobs::runner::start_serve_jobs(config, &db.pool, mpis, fetchers)?;
        tracing::info!("background jobs: {}", jobs.names().join(", "));
        let served = crate::api::server::serve(
            listener,
            crate::api::router(state),
            async move {
                let signal = stop.await;
                tracing::info!("{signal}: stopping");
            },
            crate::api::server::SHUTDOWN_GRACE,
        )
        .await;
        jobs.stop(crate::jobs::runner::STOP_GRACE).await;
        tracing::info!("stopped: requests drained, background jobs done");
        served?;
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    outcome?;
    Ok(ExitCode::SUCCESS)
}

/// Exit code of a command that may not migrate and found the schema missing or behind.
pub const EXIT_SCHEMA_NOT_READY: u8 = 4;

/// The exit code for an error that ended a command: [`EXIT_SCHEMA_NOT_READY`] for a schema
/// that must be migrated first, 1 for everything else.
pub fn exit_code_for(err: &anyhow::Error) -> ExitCode {
    match err.downcast_ref::<OpenError>() {
        Some(OpenError::SchemaNotReady(_)) => ExitCode::from(EXIT_SCHEMA_NOT_READY),
        _ => ExitCode::FAILURE,
    }
}

/// Applies what is missing and says from which version to which.
async fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    let db = Database::open(config, 2, SchemaPolicy::Migrate).await?;
    let needed = crate::store::database_info::needed_version();
    match db.migrated_from {
        Some(from) => println!("migrated {} from version {from} to {needed}", db.target),
        None => println!(
            "{} is already at version {needed}: nothing to do",
            db.target
        ),
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Serves the MPIS sandbox until the process is interrupted (Ctrl-C ends `main`'s wait).
async fn mpis_sandbox(
    listen: std::net::SocketAddr,
    faults: crate::mpis::SandboxFaults,
) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&faults.error_rate) {
        anyhow::bail!("--error-rate must be between 0 and 1");
    }
    let described = faults.describe();
    let sandbox = crate::mpis::sandbox::start(listen, faults)
        .await
        .map_err(|err| anyhow::anyhow!("MPIS sandbox cannot listen on {listen}: {err}"))?;
    println!(
        "MPIS sandbox listening on {} (faults: {described})",
        sandbox.url()
    );
    println!(
        "Point mpis-dash at it with MPIS_API_URL={}; Ctrl-C stops it.",
        sandbox.url()
    );
    std::future::pending::<()>().await;
    drop(sandbox);
    Ok(ExitCode::SUCCESS)
}

/// The MPIS the dashboard talks to: the configured one; with `--demo` and none configured, the
/// built-in sandbox on a free loopback port (said so in the status line), keeping its genesis
/// jobs in the dashboard's database as MPIS does; else none.
async fn mpis_for_dashboard(
    config: &Config,
    demo: bool,
    pool: &sqlx::PgPool,
) -> anyhow::Result<(Option<MpisClient>, Option<SandboxHandle>, String)> {
    if let Some(url) = &config.mpis_api_url {
        let mut mpis = MpisConfig::new(url.clone());
        mpis.api_key = config
            .mpis_api_key
            .as_ref()
            .map(|key| key.expose().to_string());
        return Ok((Some(MpisClient::new(mpis)?), None, format!("MPIS {url}")));
    }
    if demo {
        let sandbox = crate::mpis::sandbox::start_with_database(
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            SandboxFaults::none(),
            pool.clone(),
        )
        .await?;
        let client = MpisClient::new(MpisConfig::new(sandbox.url()))?;
        let label = format!("MPIS sandbox {}", sandbox.url());
        return Ok((Some(client), Some(sandbox), label));
    }
    Ok((None, None, "MPIS not configured".to_string()))
}

/// With `--demo`: the channels' stand-ins, running while the returned value lives, with the
/// demo jobs pointed at them (`ingest::demo`). A stand-in that cannot start is a warning, not
/// the end of the demo: the jobs then fail and the "ingestion failing" flag says so.
async fn demo_ingestion(
    config: &Config,
    demo: bool,
    pool: &sqlx::PgPool,
) -> Option<crate::ingest::demo::DemoIngestion> {
    if !demo {
        return None;
    }
    match crate::ingest::demo::start(pool, &config.data_dir).await {
        Ok(stand_ins) => Some(stand_ins),
        Err(err) => {
            tracing::warn!("the demo's channel stand-ins did not start: {err:#}");
            None
        }
    }
}

/// What the dashboard session starts with besides the config.
struct Session {
    read_only: bool,
    demo: bool,
    appearance: tui::appearance::Appearance,
    /// Said in the status line at start (why read-only, or read-write on production).
    start_message: Option<String>,
}

/// The interactive dashboard on an open database.
async fn dashboard(config: &Config, db: &Database, session: Session) -> anyhow::Result<()> {
    let Session {
        read_only,
        demo,
        appearance,
        start_message,
    } = session;
    let mut notices = Vec::new();
    if let Some(tz) = &db.time_zone
        && let Some(notice) = crate::domain::time_zone::shifted_timestamps_notice(&tz.zone)
    {
        notices.push(notice);
    }
    // A role that may not write gets the read-only dashboard instead of errors every 30 s.
    let read_only = match &db.access {
        WriteAccess::Denied(why) if !read_only => {
            tracing::warn!("dashboard starts read-only: {why}");
            notices.push(why.clone());
            true
        }
        _ => read_only,
    };
    let (mpis, _sandbox, mpis_label) = mpis_for_dashboard(config, demo, &db.pool).await?;
    let _stand_ins = demo_ingestion(config, demo, &db.pool).await;
    // Publish records queued by anyone are forwarded, and runs sent to n8n, while the
    // dashboard runs (not read-only). Its evaluator runs on the app's tick through the worker
    // (`jobs::evaluator` too).
    let mut jobs = crate::jobs::runner::Runner::new();
    if !read_only {
        crate::jobs::runner::start_writer_jobs(
            &mut jobs,
            config,
            &db.pool,
            mpis.clone(),
            crate::ingest::channel_fetchers(),
        )?;
    }
    let keymap = Keymap::with_overrides(&config.keys).map_err(anyhow::Error::msg)?;
    let options = AppOptions {
        operator: config.operator.clone(),
        refresh_interval: Duration::from_secs(config.refresh_interval_secs),
        read_only,
        theme: appearance.theme,
        keymap,
        preferred_layout: config.default_layout.clone(),
        source: format!("{} · {mpis_label}", db.target),
        notices,
        channels: config.channels.clone(),
        environment: appearance.badge,
        time_zone: config.timezone,
        alerts: config.alerts.clone(),
        mouse: config.mouse,
        dump_dir: Some(config.data_dir.join("dumps")),
    };
    // `:jobs`' run now goes through the same scheduler path as the API's (not read-only).
    let scheduler = (!read_only).then(|| {
        crate::jobs::ingest::Scheduler::new(
            db.pool.clone(),
            config,
            crate::ingest::channel_fetchers(),
        )
    });
    let (commands, events) = tui::worker::spawn_with(
        db.pool.clone(),
        config.operator.clone(),
        tui::user_id(&config.operator),
        config.thresholds.clone(),
        tui::worker::Services {
            mpis,
            scheduler,
            phraser: crate::analyst_llm::Phraser::from_config(&config.analyst),
        },
    );
    let mut app = App::new(options, (80, 24), crate::tui::clock::Now::read());
    app.n8n_configured = config.n8n_webhook_url.is_some();
    if let Some(message) = start_message {
        app.announce(message);
    }
    // `:ask`'s earlier questions (a small read; an unreadable file is no history).
    let history_path = tui::ask_history::path_in(&config.data_dir);
    app.ask_history = tui::ask_history::load(&history_path);
    app.ask_history_path = Some(history_path);
    let outcome = tui::terminal::run(app, commands, events).await;
    // A send in flight may finish (briefly: quitting stays quick); an aborted one's lease runs out.
    jobs.stop(Duration::from_secs(2)).await;
    outcome?;
    Ok(())
}

/// Logs go to stderr for one-shot commands, and to a file while the dashboard owns the terminal.
fn init_logging(config: &Config, to_file: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MPIS_DASH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let file = to_file
        .then(|| {
            std::fs::create_dir_all(&config.data_dir).ok()?;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(config.data_dir.join("mpis-dash.log"))
                .ok()
        })
        .flatten();
    let _ = match file {
        Some(file) => builder
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init(),
        None if to_file => builder.with_writer(std::io::sink).try_init(),
        None => builder
            .with_ansi(crate::logging::stderr_colour())
            .with_writer(std::io::stderr)
            .try_init(),
    };
}

/// Nagios-style check: never hangs, never changes the schema, and a database it cannot use is
/// UNKNOWN (3) with the real cause (unreachable, permission denied, schema behind). With a
/// role that may not write it evaluates without recording flag rows, and says so in `--json`.
async fn check(config: &Config, policy: SchemaPolicy, json: bool, timeout_secs: u64) -> ExitCode {
    let work = async {
        let db = Database::open(config, 2, policy).await?;
        let now = chrono::Utc::now();
        let evaluation = match &db.access {
            WriteAccess::Granted => {
                flag_store::evaluate_and_record(&db.pool, &config.thresholds, now)
                    .await
                    .map(|evaluation| (evaluation, None))
            }
            WriteAccess::Denied(why) => flag_store::summary_within(
                &db.pool,
                &config.thresholds,
                now,
                Some(chrono::Duration::zero()),
            )
            .await
            .map(|evaluation| (evaluation, Some(why.clone()))),
        };
        // A silenced flag stays open but is no alert until its silence ends.
        let evaluation = match evaluation {
            Ok((evaluation, why)) => flag_store::silenced_keys(&db.pool, now)
                .await
                .map(|keys| (red_flags::with_silenced(evaluation, &keys), why)),
            Err(err) => Err(err),
        };
        let time_zone = db.time_zone.clone();
        db.close().await;
        let (evaluation, not_recorded) = evaluation.map_err(OpenError::from)?;
        Ok::<_, OpenError>((evaluation, not_recorded, time_zone))
    };
    match tokio::time::timeout(Duration::from_secs(timeout_secs), work).await {
        Ok(Ok((mut evaluation, not_recorded, time_zone))) => {
            let tz_warning = time_zone
                .as_ref()
                .and_then(|tz| crate::domain::time_zone::shifted_timestamps_warning(&tz.zone));
            if json {
                if let Some(summary) = evaluation.summary.as_object_mut() {
                    summary.insert("recorded".into(), (not_recorded.is_none()).into());
                    if let Some(why) = &not_recorded {
                        summary.insert(
                            "not_recorded_reason".into(),
                            format!("evaluated without recording flag rows: {why}").into(),
                        );
                    }
                    if let Some(tz) = &time_zone {
                        summary.insert(
                            "database_time_zone".into(),
                            serde_json::json!({
                                "zone": tz.zone, "source": tz.source,
                                "utc": tz_warning.is_none(), "warning": tz_warning,
                            }),
                        );
                    }
                }
                println!("{}", evaluation.summary);
            } else {
                let mut line = red_flags::one_line(&evaluation);
                if let Some(silenced) = evaluation
                    .summary
                    .get("silenced")
                    .and_then(|s| s.as_array())
                {
                    let keys: Vec<&str> = silenced.iter().filter_map(|k| k.as_str()).collect();
                    line.push_str(&format!("; silenced: {}", keys.join(", ")));
                }
                if let Some(tz) = &time_zone
                    && let Some(notice) =
                        crate::domain::time_zone::shifted_timestamps_notice(&tz.zone)
                {
                    line.push_str(&format!("; note: {notice}"));
                }
                println!("{line}");
            }
            // The time-zone warning already went to stderr as a log line when the database
            // was opened.
            exit_code(evaluation.overall)
        }
        Ok(Err(err)) => unknown(json, &err.cause(), &err.to_string()),
        Err(_) => {
            let reason = format!("no answer within {timeout_secs} s");
            unknown(json, &reason, &reason)
        }
    }
}

/// UNKNOWN with its cause on stdout (what the monitor shows) and the full error on stderr.
fn unknown(json: bool, cause: &str, detail: &str) -> ExitCode {
    eprintln!("mpis-dash check: {cause}");
    if detail != cause {
        eprintln!("  ({detail})");
    }
    if json {
        println!(
            "{}",
            serde_json::json!({"status": "UNKNOWN", "error": cause})
        );
    } else {
        println!("UNKNOWN - {cause}");
    }
    exit_code(Overall::Unknown)
}

fn exit_code(overall: Overall) -> ExitCode {
    ExitCode::from(u8::try_from(overall.exit_code()).unwrap_or(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_look_and_environment_flags_parse_and_read_write_excludes_read_only() {
        let cli = Cli::try_parse_from([
            "mpis-dash",
            "--theme",
            "./mine.toml",
            "--ascii",
            "--environment",
            "production",
            "--read-write",
        ])
        .expect("parses");
        assert_eq!(cli.theme.as_deref(), Some("./mine.toml"));
        assert!(cli.ascii && cli.read_write && !cli.read_only);
        assert_eq!(cli.environment.as_deref(), Some("production"));
        let both = Cli::try_parse_from(["mpis-dash", "--read-only", "--read-write"]);
        let error = both.expect_err("contradictory").to_string();
        assert!(error.contains("--read-write"), "{error}");
    }
}
