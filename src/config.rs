//! Configuration: flags > environment > `config.toml` in the OS config dir > defaults.

use std::path::{Path, PathBuf};

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::red_flags::Thresholds;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("no home directory: set --data-dir or MPIS_DASH_DATA_DIR")]
    NoHome,
}

/// The theme from the config file: `theme = "light"` (a built-in name or a path to a theme
/// file), or a `[theme]` table with `name` and color overrides by name: "red", "lightblue",
/// "#ff8800". Plain data here, below the TUI that turns it into a `Theme`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeConfig {
    /// A built-in theme (dark, light, high-contrast, colorblind) or a theme file's path.
    pub name: Option<String>,
    pub monochrome: bool,
    pub accent: Option<String>,
    pub critical: Option<String>,
    pub warning: Option<String>,
    pub ok: Option<String>,
    pub muted: Option<String>,
}

/// The values `color_depth` takes (`tui::color_depth` reads them).
const COLOR_DEPTHS: [&str; 5] = ["auto", "truecolor", "24bit", "256", "16"];

/// `theme = "light"` or a `[theme]` table, as the file may write it: only its schema is used
/// (`theme_name_or_table` reads the value), so the schema says both.
#[allow(dead_code)]
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
enum ThemeSetting {
    /// A built-in theme's name or a theme file's path.
    Name(String),
    Table(ThemeConfig),
}

/// `theme = "light"` or a `[theme]` table: both into a `ThemeConfig` (a name alone keeps the
/// table's defaults); a table's error (an unknown key) stays serde's.
fn theme_name_or_table<'de, D>(deserializer: D) -> Result<ThemeConfig, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NameOrTable {
        Name(String),
        Table(toml::Table),
    }
    match NameOrTable::deserialize(deserializer)? {
        NameOrTable::Name(name) => Ok(ThemeConfig {
            name: Some(name),
            ..ThemeConfig::default()
        }),
        NameOrTable::Table(table) => ThemeConfig::deserialize(table)
            .map_err(|e| serde::de::Error::custom(format!("theme: {}", e.message()))),
    }
}

/// What `config.toml` may hold; every key optional.
///
/// `mpis-dash config --schema` is derived from this type and the types of its tables (each
/// derives `schemars::JsonSchema`): doc comments become descriptions and
/// `deny_unknown_fields` becomes `additionalProperties: false`. A new key's type needs that
/// derive too.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub operator: Option<String>,
    pub refresh_interval_secs: Option<u64>,
    #[serde(default)]
    pub red_flags: Option<Thresholds>,
    /// The layout the dashboard opens with (by name).
    pub default_layout: Option<String>,
    /// MPIS API base URL (e.g. http://127.0.0.1:8080) and optional API key.
    pub mpis_api_url: Option<String>,
    pub mpis_api_key: Option<String>,
    /// Key overrides: action name -> key ("refresh" = "f5").
    #[serde(default)]
    pub keys: HashMap<String, String>,
    #[serde(default, deserialize_with = "theme_name_or_table")]
    #[schemars(with = "ThemeSetting")]
    pub theme: ThemeConfig,
    /// "auto" (from COLORTERM / TERM), "truecolor", "256" or "16": the colors a theme's
    /// `#rrggbb` are mapped to.
    pub color_depth: Option<String>,
    /// Draw with ASCII only (no box drawing, braille or arrows); default: ASCII when the
    /// locale is not UTF-8.
    pub ascii: Option<bool>,
    /// The environment this dashboard looks at ("production", "staging", any name): a badge
    /// in the status line; production/prod/live is read-only by default.
    pub environment: Option<String>,
    /// Per-environment settings, `[environments.NAME]`: theme, read_only, color.
    #[serde(default)]
    pub environments: HashMap<String, crate::domain::environment::EnvironmentSettings>,
    /// Channel names accepted by the publish form besides MPIS's four known ones.
    #[serde(default)]
    pub channels: Vec<String>,
    /// `serve`'s address (MPIS_DASH_LISTEN, `--listen`).
    pub listen: Option<std::net::SocketAddr>,
    /// `serve`: a request running longer is answered 503.
    pub request_timeout_secs: Option<u64>,
    /// `serve`: a larger request body is answered 413.
    pub body_limit_bytes: Option<usize>,
    /// `serve`: requests a second per caller (token, or client IP without one); 0 = no limit.
    pub rate_limit_per_sec: Option<u32>,
    /// `serve`: requests a caller may send at once above the rate.
    pub rate_limit_burst: Option<u32>,
    /// `serve`: the web origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Option<Vec<String>>,
    /// n8n's webhook base (runs are POSTed to `{n8n_webhook_url}/publisher/run`); none: runs
    /// stay `pending`.
    pub n8n_webhook_url: Option<String>,
    /// Sent as `X-N8N-API-KEY` with each run (env MPIS_DASH_N8N_API_KEY wins).
    pub n8n_api_key: Option<String>,
    /// Tries per run before it is `failed` (5xx, timeout, refused connection).
    pub n8n_dispatch_attempts: Option<u32>,
    /// How long one POST to n8n may take.
    pub n8n_timeout_secs: Option<u64>,
    /// `serve`: how long `POST /api/publisher/publish/record` waits for MPIS before it answers
    /// 202 queued (the forwarder keeps the record), in milliseconds.
    pub publish_forward_budget_ms: Option<u64>,
    /// `serve`: seconds between red flag evaluator passes (the counts' greatest age).
    pub evaluator_interval_secs: Option<u64>,
    /// `serve`: how old `GET /api/red-flags`'s in-process snapshot may be (0: every request).
    pub red_flags_max_age_secs: Option<u64>,
    /// Ingestion: items published within this many hours are measured (a job's config
    /// `lookback_hours` overrides it).
    pub ingest_lookback_hours: Option<u32>,
    /// `[analyst]`: optional phrasing of the AI analyst's answers by a language model.
    #[serde(default)]
    pub analyst: AnalystConfig,
    /// The zone the dashboard and `status` show times in: "UTC" (default), "local" or an IANA
    /// name ("Europe/Berlin"); env MPIS_DASH_TIMEZONE wins.
    pub timezone: Option<String>,
    /// `[alerts]`: the bell and a desktop notification when a critical red flag opens.
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// Whether the dashboard captures the mouse at start (default true); `false` leaves the
    /// terminal's own text selection working (`M` toggles it at runtime).
    pub mouse: Option<bool>,
}

/// `[alerts]`: what the dashboard does when a new critical red flag opens (or a warning
/// escalates) while it is open.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Ring the terminal's bell (BEL).
    pub bell: bool,
    /// A desktop notification through the terminal: "osc9" (iTerm2, Windows Terminal, kitty,
    /// WezTerm, Ghostty), "osc777" (urxvt, foot, VTE terminals) or "off".
    pub desktop: DesktopNotification,
    /// At most one alert per this many seconds; flags arriving meanwhile are summed up in the
    /// next one ("3 new critical flags").
    pub min_interval_secs: u64,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            bell: true,
            desktop: DesktopNotification::Osc9,
            min_interval_secs: DEFAULT_ALERT_INTERVAL_SECS,
        }
    }
}

/// One alert a minute at most, by default.
pub const DEFAULT_ALERT_INTERVAL_SECS: u64 = 60;

/// Which escape sequence carries a desktop notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DesktopNotification {
    /// `ESC ] 9 ; text BEL`: the most widely understood; terminals that do not know it ignore
    /// it (an OSC sequence is skipped whole).
    Osc9,
    /// `ESC ] 777 ; notify ; title ; body BEL`.
    Osc777,
    Off,
}

/// `[analyst]`: an OpenAI-compatible chat endpoint that rephrases the engine's answers (the
/// numbers and citations stay the engine's). The key is never in the file: `llm_key_env`
/// names the environment variable holding it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AnalystConfig {
    /// `https://host/v1/chat/completions`; none: the engine's own text.
    pub llm_url: Option<String>,
    /// The environment variable holding the endpoint's API key (sent as a Bearer token).
    pub llm_key_env: Option<String>,
    pub llm_model: Option<String>,
    /// How long the phrasing may take before the engine's text is answered (default 5).
    pub llm_timeout_secs: Option<u64>,
}

/// `serve`'s defaults: the old service's port, 30 s per request, 1 MiB bodies.
pub const DEFAULT_LISTEN: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
pub const DEFAULT_BODY_LIMIT_BYTES: usize = 1024 * 1024;
/// `serve`'s rate limit per caller: generous enough for any script, a stop for a runaway loop.
pub const DEFAULT_RATE_LIMIT_PER_SEC: u32 = 50;
pub const DEFAULT_RATE_LIMIT_BURST: u32 = 100;

/// The n8n dispatcher's defaults: 5 tries per run, 10 s per try.
pub const DEFAULT_N8N_DISPATCH_ATTEMPTS: u32 = 5;
pub const DEFAULT_N8N_TIMEOUT_SECS: u64 = 10;
/// The environment variable holding n8n's API key (kept out of config files and process lists).
pub const N8N_API_KEY_ENV: &str = "MPIS_DASH_N8N_API_KEY";

/// A secret from the configuration or the environment (`ADMIN_PASSWORD`, n8n's API key): its
/// `Debug` never shows it, so a logged `Config` does not leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// `None` for an empty or all-blank value (no password is no login).
    pub fn non_blank(text: String) -> Option<Secret> {
        (!text.trim().is_empty()).then_some(Secret(text))
    }

    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A secret serializes as `[redacted]`, never as itself (`mpis-dash config`'s TOML).
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(crate::domain::redact::REDACTED)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}
/// `serve`: how long a publish record waits for MPIS's answer before it is answered queued.
pub const DEFAULT_PUBLISH_FORWARD_BUDGET_MS: u64 = 2000;
/// `serve`'s red flag evaluator runs every 5 s, so the counts are at most 5 s old.
pub const DEFAULT_EVALUATOR_INTERVAL_SECS: u64 = 5;
pub const DEFAULT_RED_FLAGS_MAX_AGE_SECS: u64 = 2;
/// Ingestion measures what was published within the last day unless told otherwise.
pub const DEFAULT_INGEST_LOOKBACK_HOURS: u32 = 24;

/// Values given on the command line or in the environment (clap reads both).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_path: Option<PathBuf>,
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub operator: Option<String>,
    pub mpis_api_url: Option<String>,
    pub mpis_api_key: Option<String>,
}

/// The resolved configuration every command runs with. It serializes (`mpis-dash config`) as
/// the config file's keys, with every secret as `[redacted]`.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// `None`: use the embedded cluster in `data_dir`.
    #[serde(serialize_with = "serialize_database_url")]
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub operator: String,
    pub refresh_interval_secs: u64,
    #[serde(rename = "red_flags")]
    pub thresholds: Thresholds,
    pub default_layout: Option<String>,
    pub keys: HashMap<String, String>,
    pub theme: ThemeConfig,
    /// `color_depth` as written ("auto" when absent; checked by the TUI's theme).
    pub color_depth: String,
    /// `ascii` as written; `None`: decided from the locale.
    pub ascii: Option<bool>,
    /// `environment` (empty: none).
    pub environment: Option<String>,
    pub environments: HashMap<String, crate::domain::environment::EnvironmentSettings>,
    /// `None`: no MPIS configured (the demo then starts the built-in sandbox).
    pub mpis_api_url: Option<String>,
    /// Sent to MPIS as `X-API-Key`; its `Debug` never shows it.
    pub mpis_api_key: Option<Secret>,
    /// The file that was read, if any.
    #[serde(skip)]
    pub config_file: Option<PathBuf>,
    /// Extra channel names the publish form accepts (trimmed, lowercased, no empty ones).
    pub channels: Vec<String>,
    /// `serve`'s address when `--listen` / MPIS_DASH_LISTEN give none.
    pub listen: std::net::SocketAddr,
    pub request_timeout_secs: u64,
    pub body_limit_bytes: usize,
    /// Requests a second per caller (0 = off) and the burst above it.
    pub rate_limit_per_sec: u32,
    pub rate_limit_burst: u32,
    /// Origins (`https://host[:port]`, or `*`) given CORS headers; empty = no CORS headers.
    pub cors_origins: Vec<String>,
    /// `ADMIN_PASSWORD` from the environment: `POST /api/auth/login` works only with it. Not a
    /// file key (`mpis-dash config` says whether it is set).
    #[serde(skip)]
    pub admin_password: Option<Secret>,
    /// n8n's webhook base URL (checked: http or https); `None`: runs are not dispatched.
    pub n8n_webhook_url: Option<String>,
    /// n8n's API key (`MPIS_DASH_N8N_API_KEY` > file); never logged, never echoed.
    pub n8n_api_key: Option<Secret>,
    /// Tries per run before the dispatcher gives up (at least 1).
    pub n8n_dispatch_attempts: u32,
    /// One POST to n8n's budget, in seconds (at least 1).
    pub n8n_timeout_secs: u64,
    /// `serve`: MPIS's answer to a publish record is awaited this long (then 202 queued).
    pub publish_forward_budget_ms: u64,
    /// `serve`'s red flag evaluator interval (at least 1 s).
    pub evaluator_interval_secs: u64,
    /// `serve`: `GET /api/red-flags` answers from a snapshot at most this old (0: computed on
    /// every request).
    pub red_flags_max_age_secs: u64,
    /// Ingestion: items published within this many hours are measured (at least 1).
    pub ingest_lookback_hours: u32,
    /// `[analyst]` as written (the phrasing is off without `llm_url`).
    pub analyst: AnalystConfig,
    /// The zone times are shown in (`timezone`, MPIS_DASH_TIMEZONE; default UTC).
    pub timezone: crate::domain::time_zone::DisplayZone,
    /// `[alerts]` as written.
    pub alerts: AlertsConfig,
    /// Mouse capture at start (`mouse`, default true).
    pub mouse: bool,
}

/// The environment variable that overrides `timezone`.
pub const TIMEZONE_ENV: &str = "MPIS_DASH_TIMEZONE";

impl Config {
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        let explicit = overrides.config_path.clone();
        let path = explicit.clone().or_else(default_config_path);
        let file = match &path {
            Some(p) if p.exists() => Some(read_file(p)?),
            Some(p) if explicit.is_some() => {
                return Err(ConfigError::Read {
                    path: p.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "file not found"),
                });
            }
            _ => None,
        };
        let config_file = file.as_ref().and(path);
        let file = file.unwrap_or_default();
        let thresholds = file.red_flags.clone().unwrap_or_default();
        thresholds.validate().map_err(|e| ConfigError::Parse {
            path: config_file.clone().unwrap_or_default(),
            message: format!("red_flags: {e}"),
        })?;
        let cors_origins =
            cors_origins(file.cors_origins.clone().unwrap_or_default()).map_err(|message| {
                ConfigError::Parse {
                    path: config_file.clone().unwrap_or_default(),
                    message,
                }
            })?;
        let color_depth = file
            .color_depth
            .clone()
            .unwrap_or_else(|| "auto".to_string());
        if !COLOR_DEPTHS.contains(&color_depth.trim().to_ascii_lowercase().as_str()) {
            return Err(ConfigError::Parse {
                path: config_file.clone().unwrap_or_default(),
                message: format!(
                    "color_depth: {color_depth:?} is none of \"auto\", \"truecolor\", \"256\", \"16\""
                ),
            });
        }
        let data_dir = match overrides.data_dir.clone().or(file.data_dir) {
            Some(dir) => dir,
            None => default_data_dir()?,
        };
        let n8n_webhook_url =
            check_webhook_url(non_empty(file.n8n_webhook_url.clone())).map_err(|message| {
                ConfigError::Parse {
                    path: config_file.clone().unwrap_or_default(),
                    message: format!("n8n_webhook_url: {message}"),
                }
            })?;
        let timezone = non_empty(std::env::var(TIMEZONE_ENV).ok())
            .or(file.timezone.clone())
            .map(|name| crate::domain::time_zone::DisplayZone::parse(&name))
            .transpose()
            .map_err(|message| ConfigError::Parse {
                path: config_file.clone().unwrap_or_default(),
                message,
            })?
            .unwrap_or_default();
        Ok(Config {
            database_url: overrides
                .database_url
                .clone()
                .filter(|u| !u.trim().is_empty())
                .or(file.database_url),
            data_dir,
            operator: overrides
                .operator
                .clone()
                .or(file.operator)
                .unwrap_or_else(os_user),
            refresh_interval_secs: file.refresh_interval_secs.unwrap_or(5).max(1),
            thresholds,
            default_layout: file.default_layout,
            mpis_api_url: non_empty(overrides.mpis_api_url.clone())
                .or(non_empty(file.mpis_api_url)),
            mpis_api_key: non_empty(overrides.mpis_api_key.clone())
                .or(non_empty(file.mpis_api_key))
                .map(Secret::new),
            keys: file.keys,
            theme: file.theme,
            color_depth,
            ascii: file.ascii,
            environment: non_empty(file.environment),
            environments: file.environments,
            config_file,
            channels: file
                .channels
                .iter()
                .map(|c| c.trim().to_lowercase())
                .filter(|c| !c.is_empty())
                .collect(),
            listen: file.listen.unwrap_or(DEFAULT_LISTEN),
            request_timeout_secs: file
                .request_timeout_secs
                .unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECS)
                .max(1),
            body_limit_bytes: file.body_limit_bytes.unwrap_or(DEFAULT_BODY_LIMIT_BYTES),
            rate_limit_per_sec: file
                .rate_limit_per_sec
                .unwrap_or(DEFAULT_RATE_LIMIT_PER_SEC),
            rate_limit_burst: file.rate_limit_burst.unwrap_or(DEFAULT_RATE_LIMIT_BURST),
            cors_origins,
            admin_password: std::env::var("ADMIN_PASSWORD")
                .ok()
                .and_then(Secret::non_blank),
            n8n_webhook_url,
            n8n_api_key: non_empty(std::env::var(N8N_API_KEY_ENV).ok())
                .or(non_empty(file.n8n_api_key))
                .map(|key| Secret::new(key.trim())),
            n8n_dispatch_attempts: file
                .n8n_dispatch_attempts
                .unwrap_or(DEFAULT_N8N_DISPATCH_ATTEMPTS)
                .max(1),
            n8n_timeout_secs: file
                .n8n_timeout_secs
                .unwrap_or(DEFAULT_N8N_TIMEOUT_SECS)
                .max(1),
            publish_forward_budget_ms: file
                .publish_forward_budget_ms
                .unwrap_or(DEFAULT_PUBLISH_FORWARD_BUDGET_MS),
            evaluator_interval_secs: file
                .evaluator_interval_secs
                .unwrap_or(DEFAULT_EVALUATOR_INTERVAL_SECS)
                .max(1),
            red_flags_max_age_secs: file
                .red_flags_max_age_secs
                .unwrap_or(DEFAULT_RED_FLAGS_MAX_AGE_SECS),
            ingest_lookback_hours: file
                .ingest_lookback_hours
                .unwrap_or(DEFAULT_INGEST_LOOKBACK_HOURS)
                .clamp(1, crate::domain::credential_ref::MAX_LOOKBACK_HOURS),
            analyst: file.analyst,
            timezone,
            alerts: file.alerts,
            mouse: file.mouse.unwrap_or(true),
        })
    }
}

/// `database_url` with its password (if any) as `[redacted]`.
fn serialize_database_url<S: serde::Serializer>(
    url: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => serializer.serialize_some(&crate::domain::redact::url_password(url)),
        None => serializer.serialize_none(),
    }
}

/// `cors_origins` as written: each `http(s)://host[:port]` (a trailing `/` dropped) or `*`.
fn cors_origins(raw: Vec<String>) -> Result<Vec<String>, String> {
    raw.into_iter()
        .map(|origin| {
            let origin = origin.trim().trim_end_matches('/').to_string();
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let valid = origin == "*"
                || rest.is_some_and(|host| {
                    !host.is_empty()
                        && host
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
                });
            if valid {
                Ok(origin)
            } else {
                Err(format!(
                    "cors_origins: {origin:?} is not an origin (expected e.g. \"https://dash.example.com\" or \"http://localhost:3000\", no path; or \"*\")"
                ))
            }
        })
        .collect()
}

/// n8n's webhook base: an http(s) URL, kept without a trailing slash.
fn check_webhook_url(url: Option<String>) -> Result<Option<String>, String> {
    let Some(url) = url else { return Ok(None) };
    let trimmed = url.trim().trim_end_matches('/');
    match reqwest::Url::parse(trimmed) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
            Ok(Some(trimmed.to_string()))
        }
        Ok(_) => Err(format!(
            "{trimmed:?} is not an http(s) URL (e.g. http://127.0.0.1:5678/webhook)"
        )),
        Err(e) => Err(format!(
            "{trimmed:?} is not a URL ({e}; e.g. http://127.0.0.1:5678/webhook)"
        )),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "mpis-dash")
}

/// `$XDG_CONFIG_HOME/mpis-dash/config.toml` (an absolute XDG_CONFIG_HOME, as root too),
/// else the OS config dir's (`~/.config/mpis-dash/config.toml`).
pub fn default_config_path() -> Option<PathBuf> {
    xdg_dir(std::env::var_os("XDG_CONFIG_HOME"))
        .or_else(|| project_dirs().map(|d| d.config_dir().to_path_buf()))
        .map(|dir| dir.join("config.toml"))
}

/// Where the embedded cluster lives: `$XDG_DATA_HOME/mpis-dash` when XDG_DATA_HOME is set
/// (as root too: an explicit choice wins), else the OS data dir, or /var/lib/mpis-dash as root
/// (the server then runs as `postgres`, which cannot enter root's home; `pg_local` says so
/// when an explicit dir sits in a private folder).
pub fn default_data_dir() -> Result<PathBuf, ConfigError> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    data_dir_for(
        root,
        std::env::var_os("XDG_DATA_HOME"),
        project_dirs().map(|d| d.data_dir().to_path_buf()),
    )
}

/// [`default_data_dir`]'s rule on given values.
fn data_dir_for(
    root: bool,
    xdg_data_home: Option<std::ffi::OsString>,
    os_default: Option<PathBuf>,
) -> Result<PathBuf, ConfigError> {
    match xdg_dir(xdg_data_home) {
        Some(dir) => Ok(dir),
        None if root => Ok(PathBuf::from("/var/lib/mpis-dash")),
        None => os_default.ok_or(ConfigError::NoHome),
    }
}

/// `$XDG_…_HOME/mpis-dash` for a set, absolute value (the XDG spec ignores relative ones).
fn xdg_dir(value: Option<std::ffi::OsString>) -> Option<PathBuf> {
    value
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join("mpis-dash"))
}

/// The operator name recorded in audit entries when none is configured.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "operator".to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Loads `text` as the config file in `dir` (the data dir too).
    pub(crate) fn load_text(dir: &tempfile::TempDir, text: &str) -> Result<Config, ConfigError> {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&Overrides {
            config_path: Some(path),
            data_dir: Some(dir.path().into()),
            ..Overrides::default()
        })
    }

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "database_url = \"postgres://file/db\"\noperator = \"file-op\"\nrefresh_interval_secs = 9\n[red_flags]\nfailed_runs_warning_pct = 12.5\n",
        )
        .unwrap();
        let config = Config::load(&Overrides {
            config_path: Some(path.clone()),
            operator: Some("flag-op".into()),
            data_dir: Some(dir.path().into()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(config.database_url.as_deref(), Some("postgres://file/db"));
        assert_eq!(config.operator, "flag-op");
        assert_eq!(config.refresh_interval_secs, 9);
        assert_eq!(config.thresholds.failed_runs_warning_pct, 12.5);
        assert_eq!(config.thresholds.missing_metrics_warning, 5);
        assert_eq!(config.config_file, Some(path));
    }

    #[test]
    fn run_timeout_comes_from_red_flags_and_a_bad_one_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| load_text(&dir, text);
        let config = load("").unwrap();
        assert_eq!(config.thresholds.run_timeout.to_string(), "6h");
        let config = load("[red_flags]\nrun_timeout = \"45m\"\n").unwrap();
        assert_eq!(config.thresholds.run_timeout.secs(), 2_700);
        let err = load("[red_flags]\nrun_timeout = \"6 hours\"\n").unwrap_err();
        assert!(err.to_string().contains("run_timeout"), "{err}");
        let err = load("[red_flags]\nstuck_runs_critical = -1\n").unwrap_err();
        assert!(err.to_string().contains("stuck_runs_critical"), "{err}");
        assert_eq!(config.thresholds.ingestion_failures_in_a_row, 3);
        let config = load("[red_flags]\ningestion_failures_in_a_row = 5\n").unwrap();
        assert_eq!(config.thresholds.ingestion_failures_in_a_row, 5);
        let err = load("[red_flags]\ningestion_failures_in_a_row = 0\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("ingestion_failures_in_a_row = 0: must be at least 1"),
            "{err}"
        );
    }

    #[test]
    fn keys_theme_and_default_layout_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "default_layout = \"On-call\"\n[keys]\nrefresh = \"f5\"\n[theme]\naccent = \"magenta\"\nmonochrome = true\n",
        )
        .unwrap();
        let config = Config::load(&Overrides {
            config_path: Some(path),
            data_dir: Some(dir.path().into()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(config.default_layout.as_deref(), Some("On-call"));
        assert_eq!(config.keys.get("refresh").map(String::as_str), Some("f5"));
        assert_eq!(config.theme.accent.as_deref(), Some("magenta"));
        assert!(config.theme.monochrome);
    }

    fn load_toml(text: &str) -> Result<Config, ConfigError> {
        load_text(&tempfile::tempdir().unwrap(), text)
    }

    #[test]
    fn the_theme_is_a_name_or_a_table_and_the_look_keys_load() {
        let config = load_toml(
            "theme = \"light\"\ncolor_depth = \"256\"\nascii = true\nenvironment = \"prod\"\n\
             [environments.prod]\nread_only = false\ncolor = \"magenta\"\n",
        )
        .unwrap();
        assert_eq!(config.theme.name.as_deref(), Some("light"));
        assert!(!config.theme.monochrome && config.theme.accent.is_none());
        assert_eq!(config.color_depth, "256");
        assert_eq!(config.ascii, Some(true));
        assert_eq!(config.environment.as_deref(), Some("prod"));
        assert_eq!(config.environments["prod"].read_only, Some(false));
        let config = load_toml("[theme]\nname = \"./mine.toml\"\naccent = \"#112233\"\n").unwrap();
        assert_eq!(config.theme.name.as_deref(), Some("./mine.toml"));
        assert_eq!(config.theme.accent.as_deref(), Some("#112233"));
        let error = load_toml("[theme]\naccnt = \"red\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("theme") && error.contains("accnt"),
            "{error}"
        );
        let error = load_toml("color_depth = \"88\"\n").unwrap_err().to_string();
        assert!(
            error.contains("color_depth") && error.contains("88"),
            "{error}"
        );
        let error = load_toml("[environments.prod]\nreadonly = true\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("readonly"), "{error}");
    }

    #[test]
    fn an_unknown_key_is_an_error_that_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "databse_url = \"x\"\n").unwrap();
        let err = Config::load(&Overrides {
            config_path: Some(path.clone()),
            ..Overrides::default()
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("config.toml") && text.contains("databse_url"),
            "{text}"
        );
    }

    #[test]
    fn timezone_alerts_and_mouse_come_from_the_file_and_bad_values_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| load_text(&dir, text);
        let config = load("").unwrap();
        assert_eq!(config.timezone, crate::domain::time_zone::DisplayZone::Utc);
        assert_eq!(config.alerts, AlertsConfig::default());
        assert!(config.alerts.bell && config.mouse);
        assert_eq!(config.alerts.desktop, DesktopNotification::Osc9);
        let config = load(
            "timezone = \"Europe/Berlin\"\nmouse = false\n\
             [alerts]\nbell = false\ndesktop = \"osc777\"\nmin_interval_secs = 300\n",
        )
        .unwrap();
        assert_eq!(
            config.timezone,
            crate::domain::time_zone::DisplayZone::Named(chrono_tz::Europe::Berlin)
        );
        assert!(!config.mouse);
        assert_eq!(
            config.alerts,
            AlertsConfig {
                bell: false,
                desktop: DesktopNotification::Osc777,
                min_interval_secs: 300
            }
        );
        let err = load("timezone = \"Europe/Berln\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("timezone: unknown time zone"), "{err}");
        assert!(err.contains("Europe/Berlin"), "{err}");
        let err = load("[alerts]\ndesktop = \"growl\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("desktop") && err.contains("osc9"), "{err}");
    }

    #[test]
    fn serve_settings_come_from_the_file_and_a_bad_address_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nrequest_timeout_secs = 0\nbody_limit_bytes = 4096\n",
        )
        .unwrap();
        let config = Config::load(&Overrides {
            config_path: Some(path.clone()),
            data_dir: Some(dir.path().into()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.request_timeout_secs, 1, "at least one second");
        assert_eq!(config.body_limit_bytes, 4096);

        std::fs::write(&path, "listen = \"localhost\"\n").unwrap();
        let err = Config::load(&Overrides {
            config_path: Some(path),
            data_dir: Some(dir.path().into()),
            ..Overrides::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("listen"), "{err}");
    }

    #[test]
    fn n8n_settings_come_from_the_file_the_url_is_checked_and_the_key_never_shows() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| load_text(&dir, text);
        let config = load("").unwrap();
        assert_eq!(config.n8n_webhook_url, None);
        assert_eq!(config.n8n_dispatch_attempts, DEFAULT_N8N_DISPATCH_ATTEMPTS);
        assert_eq!(config.n8n_timeout_secs, DEFAULT_N8N_TIMEOUT_SECS);
        let config = load(
            "n8n_webhook_url = \"https://n8n.example.org/webhook/\"\nn8n_api_key = \"s3cret-key\"\nn8n_dispatch_attempts = 0\nn8n_timeout_secs = 3\n",
        )
        .unwrap();
        assert_eq!(
            config.n8n_webhook_url.as_deref(),
            Some("https://n8n.example.org/webhook"),
            "kept without the trailing slash"
        );
        assert_eq!(config.n8n_dispatch_attempts, 1, "at least one try");
        assert_eq!(config.n8n_timeout_secs, 3);
        if std::env::var(N8N_API_KEY_ENV).is_err() {
            assert_eq!(
                config.n8n_api_key.as_ref().map(Secret::expose),
                Some("s3cret-key")
            );
        }
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret-key"), "{shown}");
        for bad in ["ftp://n8n/webhook", "n8n:5678", "not a url"] {
            let err = load(&format!("n8n_webhook_url = \"{bad}\"\n")).unwrap_err();
            assert!(err.to_string().contains("n8n_webhook_url"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_missing_explicit_config_file_is_an_error() {
        let err = Config::load(&Overrides {
            config_path: Some("/nonexistent/mpis.toml".into()),
            ..Overrides::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/mpis.toml"));
    }

    #[test]
    fn rate_limits_and_cors_origins_come_from_the_file_and_a_bad_origin_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| load_text(&dir, text);
        let config = load("").unwrap();
        assert_eq!(
            (config.rate_limit_per_sec, config.rate_limit_burst),
            (50, 100)
        );
        assert!(config.cors_origins.is_empty());
        let config = load(
            "rate_limit_per_sec = 0\nrate_limit_burst = 7\ncors_origins = [\" https://a.example.com/ \", \"http://localhost:3000\"]\n",
        )
        .unwrap();
        assert_eq!(config.rate_limit_per_sec, 0);
        assert_eq!(config.rate_limit_burst, 7);
        assert_eq!(
            config.cors_origins,
            vec!["https://a.example.com", "http://localhost:3000"]
        );
        for bad in ["a.example.com", "https://a.example.com/path", "ftp://x"] {
            let err = load(&format!("cors_origins = [{bad:?}]\n")).unwrap_err();
            assert!(err.to_string().contains("cors_origins"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_explicit_xdg_data_home_wins_for_root_too() {
        let os = Some(PathBuf::from("/home/alice/.local/share/mpis-dash"));
        let xdg = Some(std::ffi::OsString::from("/srv/xdg"));
        assert_eq!(
            data_dir_for(true, xdg.clone(), os.clone()).unwrap(),
            PathBuf::from("/srv/xdg/mpis-dash")
        );
        assert_eq!(
            data_dir_for(false, xdg, os.clone()).unwrap(),
            PathBuf::from("/srv/xdg/mpis-dash")
        );
        assert_eq!(
            data_dir_for(true, None, os.clone()).unwrap(),
            PathBuf::from("/var/lib/mpis-dash")
        );
        // Empty or relative values are ignored, as the XDG spec says.
        for ignored in ["", "relative/dir"] {
            let value = Some(std::ffi::OsString::from(ignored));
            assert_eq!(
                data_dir_for(true, value.clone(), os.clone()).unwrap(),
                PathBuf::from("/var/lib/mpis-dash")
            );
            assert_eq!(
                data_dir_for(false, value, os.clone()).unwrap(),
                os.clone().unwrap()
            );
        }
        assert!(matches!(
            data_dir_for(false, None, None),
            Err(ConfigError::NoHome)
        ));
        assert_eq!(
            xdg_dir(Some("/etc/xdg-config".into())),
            Some(PathBuf::from("/etc/xdg-config/mpis-dash"))
        );
    }

    #[test]
    fn a_secret_never_shows_in_debug() {
        let secret = Secret::non_blank("hunter2".into()).unwrap();
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(secret.expose(), "hunter2");
        assert!(Secret::non_blank("  ".into()).is_none());
    }

    #[test]
    fn a_logged_config_shows_no_api_key() {
        let dir = tempfile::tempdir().unwrap();
        let config = load_text(
            &dir,
            "mpis_api_key = \"mpis-sekrit\"\nn8n_api_key = \"n8n-sekrit\"\n",
        )
        .unwrap();
        assert_eq!(
            config.mpis_api_key.as_ref().map(Secret::expose),
            Some("mpis-sekrit")
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("sekrit"), "{shown}");
    }
}
