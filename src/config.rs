//! Configuration: flags > environment > `config.toml` in the OS config dir > defaults.

use std::path::{Path, PathBuf};

use std::collections::HashMap;

use serde::Deserialize;

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

/// Color overrides from the config file (`[theme]`), by name: "red", "lightblue", "#ff8800".
/// Plain data here, below the TUI that turns it into a `Theme`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeConfig {
    pub monochrome: bool,
    pub accent: Option<String>,
    pub critical: Option<String>,
    pub warning: Option<String>,
    pub ok: Option<String>,
    pub muted: Option<String>,
}

/// What `config.toml` may hold; every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
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
    #[serde(default)]
    pub theme: ThemeConfig,
    /// Channel names accepted by the publish form besides MPIS's four known ones.
    #[serde(default)]
    pub channels: Vec<String>,
    /// `serve`'s address (MPIS_DASH_LISTEN, `--listen`).
    pub listen: Option<std::net::SocketAddr>,
    /// `serve`: a request running longer is answered 503.
    pub request_timeout_secs: Option<u64>,
    /// `serve`: a larger request body is answered 413.
    pub body_limit_bytes: Option<usize>,
    /// `serve`: how old `GET /api/red-flags`'s in-process snapshot may be (0: every request).
    pub red_flags_max_age_secs: Option<u64>,
}

/// `serve`'s defaults: the old service's port, 30 s per request, 1 MiB bodies.
pub const DEFAULT_LISTEN: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
pub const DEFAULT_BODY_LIMIT_BYTES: usize = 1024 * 1024;
pub const DEFAULT_RED_FLAGS_MAX_AGE_SECS: u64 = 2;

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

/// The resolved configuration every command runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// `None`: use the embedded cluster in `data_dir`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub operator: String,
    pub refresh_interval_secs: u64,
    pub thresholds: Thresholds,
    pub default_layout: Option<String>,
    pub keys: HashMap<String, String>,
    pub theme: ThemeConfig,
    /// `None`: no MPIS configured (the demo then starts the built-in sandbox).
    pub mpis_api_url: Option<String>,
    pub mpis_api_key: Option<String>,
    /// The file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Extra channel names the publish form accepts (trimmed, lowercased, no empty ones).
    pub channels: Vec<String>,
    /// `serve`'s address when `--listen` / MPIS_DASH_LISTEN give none.
    pub listen: std::net::SocketAddr,
    pub request_timeout_secs: u64,
    pub body_limit_bytes: usize,
    /// `serve`: `GET /api/red-flags` answers from a snapshot at most this old (0: computed on
    /// every request).
    pub red_flags_max_age_secs: u64,
}

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
        let data_dir = match overrides.data_dir.clone().or(file.data_dir) {
            Some(dir) => dir,
            None => default_data_dir()?,
        };
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
                .or(non_empty(file.mpis_api_key)),
            keys: file.keys,
            theme: file.theme,
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
            red_flags_max_age_secs: file
                .red_flags_max_age_secs
                .unwrap_or(DEFAULT_RED_FLAGS_MAX_AGE_SECS),
        })
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

pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// Where the embedded cluster lives. As root the server runs as `postgres`, which cannot
/// enter root's home, so root's cluster lives under /var/lib instead.
pub fn default_data_dir() -> Result<PathBuf, ConfigError> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return Ok(PathBuf::from("/var/lib/mpis-dash"));
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(ConfigError::NoHome)
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
mod tests {
    use super::*;

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
        let path = dir.path().join("config.toml");
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            Config::load(&Overrides {
                config_path: Some(path.clone()),
                data_dir: Some(dir.path().into()),
                ..Overrides::default()
            })
        };
        let config = load("").unwrap();
        assert_eq!(config.thresholds.run_timeout.to_string(), "6h");
        let config = load("[red_flags]\nrun_timeout = \"45m\"\n").unwrap();
        assert_eq!(config.thresholds.run_timeout.secs(), 2_700);
        let err = load("[red_flags]\nrun_timeout = \"6 hours\"\n").unwrap_err();
        assert!(err.to_string().contains("run_timeout"), "{err}");
        let err = load("[red_flags]\nstuck_runs_critical = -1\n").unwrap_err();
        assert!(err.to_string().contains("stuck_runs_critical"), "{err}");
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
    fn a_missing_explicit_config_file_is_an_error() {
        let err = Config::load(&Overrides {
            config_path: Some("/nonexistent/mpis.toml".into()),
            ..Overrides::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/mpis.toml"));
    }
}
