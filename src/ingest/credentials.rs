//! Reads a job's secret from where its config says it lives (`domain::credential_ref`): an
//! environment variable, or a key of a TOML file readable only by its owner. The secret is read
//! for the run that needs it and never stored; errors name the reference, never the value.

use std::path::Path;

use serde_json::Value;

use crate::config::Secret;
use crate::domain::credential_ref::{self, CredentialRef};

/// The job's secret: `Ok(None)` when its config names none (a platform that needs none).
pub fn for_config(config: &Value) -> Result<Option<Secret>, String> {
    for_config_with(config, |name| std::env::var(name).ok())
}

/// [`for_config`] with the environment given (tests).
pub fn for_config_with(
    config: &Value,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, String> {
    let reference = credential_ref::reference(config)
        .map_err(|problem| format!("config.{}: {}", problem.path.join("."), problem.message))?;
    reference.map(|r| resolve_with(&r, env)).transpose()
}

/// The secret a reference names.
pub fn resolve_with(
    reference: &CredentialRef,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Secret, String> {
    match reference {
        CredentialRef::Env(name) => env(name)
            .and_then(|value| Secret::non_blank(value.trim().to_string()))
            .ok_or_else(|| format!("the environment variable {name} is not set or empty")),
        CredentialRef::File { path, key } => from_file(Path::new(path), key),
    }
}

fn from_file(path: &Path, key: &str) -> Result<Secret, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("secrets file {shown}: {e}"))?;
    refuse_shared(path, &meta)?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("secrets file {shown}: {e}"))?;
    // The parse error is not shown: it may quote the file's text.
    let table: toml::Table =
        toml::from_str(&text).map_err(|_| format!("secrets file {shown} is not valid TOML"))?;
    match table.get(key) {
        Some(toml::Value::String(value)) => Secret::non_blank(value.trim().to_string())
            .ok_or_else(|| format!("key {key:?} of secrets file {shown} is empty")),
        Some(_) => Err(format!(
            "key {key:?} of secrets file {shown} is not a text (write key = \"...\")"
        )),
        None => Err(format!("secrets file {shown} has no key {key:?}")),
    }
}

/// A secrets file others may read is refused: the secret is no longer the owner's alone.
#[cfg(unix)]
fn refuse_shared(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o044 != 0 {
        return Err(format!(
            "secrets file {} is readable by group or others (mode {mode:03o}): run chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), String> {
    Ok(())
}
