//! `mpis-dash config`: where the config file, data, logs and embedded cluster live, then the
//! effective configuration as TOML with every secret `[redacted]`; `config --schema`: the
//! config file's JSON Schema (derived from `FileConfig`); `config init [--force]`: the
//! commented example written to the config path.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::config::{Config, FileConfig, Overrides};
use crate::sanitize::sanitize;

/// The commented example config, shipped inside the binary (`config init` writes it).
pub const EXAMPLE: &str = include_str!("../assets/config.example.toml");

/// The dashboard's log file in the data dir (one-shot commands and `serve` log to stderr).
pub const LOG_FILE: &str = "mpis-dash.log";

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ConfigCommand {
    /// Write the commented example config to the config path (or --config), mode 0600.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

/// Runs `config`, `config --schema` or `config init`.
pub fn run(
    overrides: &Overrides,
    schema: bool,
    action: Option<&ConfigCommand>,
) -> anyhow::Result<ExitCode> {
    let text = match action {
        Some(ConfigCommand::Init { force }) => {
            let path = config_path(overrides)?;
            init(&path, *force)?;
            format!("wrote {}\n", path.display())
        }
        None if schema => format!("{}\n", serde_json::to_string_pretty(&json_schema())?),
        None => {
            let config = Config::load(overrides)?;
            show(&config, config_path(overrides).ok().as_deref())?
        }
    };
    crate::cli_docs::print(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The config file's JSON Schema (draft 2020-12): every key, its type and description;
/// unknown keys are not allowed.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(FileConfig);
    schema.insert("title".into(), "mpis-dash config.toml".into());
    schema.to_value()
}

/// Where the config file is read from: `--config` / MPIS_DASH_CONFIG, else the OS config dir.
fn config_path(overrides: &Overrides) -> anyhow::Result<PathBuf> {
    overrides
        .config_path
        .clone()
        .or_else(crate::config::default_config_path)
        .context("no config directory (no home directory): pass --config FILE")
}

/// Where things live (as TOML comments), then the effective configuration as TOML. Secrets
/// serialize as `[redacted]` (`config::Secret`), a database URL's password too.
pub fn show(config: &Config, config_path: Option<&Path>) -> anyhow::Result<String> {
    let shown = |path: &Path| sanitize(&path.display().to_string()).into_owned();
    let config_line = match config_path {
        Some(path) if path.exists() => shown(path),
        Some(path) => format!(
            "{} (not found: defaults apply; `mpis-dash config init` writes one)",
            shown(path)
        ),
        None => "none (no config directory)".to_string(),
    };
    let cluster = config.data_dir.join("postgres");
    let cluster_line = match config.database_url {
        Some(_) => format!("{} (not used: database_url is set)", shown(&cluster)),
        None => shown(&cluster),
    };
    let admin = if config.admin_password.is_some() {
        crate::domain::redact::REDACTED
    } else {
        "not set"
    };
    let body = toml::to_string(config).context("the configuration as TOML")?;
    Ok(format!(
        "# config file:      {config_line}\n\
         # data dir:         {}\n\
         # log file:         {} (the dashboard's; other commands log to stderr)\n\
         # embedded cluster: {cluster_line}\n\
         # ADMIN_PASSWORD:   {admin} (environment only)\n\
         # The effective configuration (flags > environment > file > defaults):\n\n{body}",
        shown(&config.data_dir),
        shown(&config.data_dir.join(LOG_FILE)),
    ))
}

/// Writes [`EXAMPLE`] to `path` (mode 0600, parent dirs created); an existing file only with
/// `force`.
pub fn init(path: &Path, force: bool) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if path.exists() && !force {
        anyhow::bail!(
            "{} already exists; `mpis-dash config init --force` overwrites it",
            path.display()
        );
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // An overwritten file keeps its old mode otherwise.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot chmod 600 {}", path.display()))?;
    file.write_all(EXAMPLE.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
