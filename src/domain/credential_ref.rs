//! Where an ingestion job's secret lives, never the secret: a job's config says
//! `{"credential": {"env": "YOUTUBE_API_KEY"}}` or
//! `{"credential": {"file": "/etc/mpis-dash/secrets.toml", "key": "youtube"}}`. This module
//! reads that reference and finds secret VALUES a config must not hold (so the database, the
//! API, the TUI, the logs and the audit only ever see the reference). Reading the secret itself
//! is `ingest::credentials`.

use serde_json::{Map, Value};

use super::redact::is_secret_key;

/// The config key naming where the job's secret lives.
pub const CREDENTIAL_KEY: &str = "credential";

/// How to reference a secret instead of writing it, for the refusals.
pub const HOW_TO_REFERENCE: &str = "name where it lives instead: \"credential\": {\"env\": \"VARIABLE\"} or \"credential\": {\"file\": \"/path/secrets.toml\", \"key\": \"name\"} (the file readable only by its owner)";

/// A job's credential reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialRef {
    /// An environment variable of the process that runs the job.
    Env(String),
    /// A top-level string key of a TOML file readable only by its owner.
    File { path: String, key: String },
}

impl CredentialRef {
    /// The reference in words (what logs and errors show).
    pub fn describe(&self) -> String {
        match self {
            CredentialRef::Env(name) => format!("environment variable {name}"),
            CredentialRef::File { path, key } => format!("key {key:?} of {path}"),
        }
    }
}

/// A problem with a config: where (the path of keys under `config`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub path: Vec<String>,
    pub message: String,
}

/// The job's credential reference: `Ok(None)` when the config names none.
pub fn reference(config: &Value) -> Result<Option<CredentialRef>, ConfigProblem> {
    match config.get(CREDENTIAL_KEY) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            parse_reference(map)
                .map(Some)
                .map_err(|message| ConfigProblem {
                    path: vec![CREDENTIAL_KEY.into()],
                    message,
                })
        }
        Some(_) => Err(ConfigProblem {
            path: vec![CREDENTIAL_KEY.into()],
            message: format!("must not hold the secret itself: {HOW_TO_REFERENCE}"),
        }),
    }
}

/// Whether `value` is a well-formed reference (shown as it is: it holds no secret).
pub fn is_reference(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| parse_reference(map).is_ok())
}

fn parse_reference(map: &Map<String, Value>) -> Result<CredentialRef, String> {
    let text = |name: &str| -> Result<Option<String>, String> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(_) => Err(format!("{name:?} must be a non-empty text")),
        }
    };
    if let Some(unknown) = map
        .keys()
        .find(|k| !["env", "file", "key"].contains(&k.as_str()))
    {
        return Err(format!(
            "unknown key {unknown:?}: a reference has \"env\", or \"file\" and \"key\"; {HOW_TO_REFERENCE}"
        ));
    }
    match (text("env")?, text("file")?, text("key")?) {
        (Some(env), None, None) => {
            if env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                Ok(CredentialRef::Env(env))
            } else {
                Err(format!(
                    "\"env\": {env:?} is not an environment variable name (letters, digits, _)"
                ))
            }
        }
        (None, Some(path), Some(key)) => {
            if path.starts_with('/') {
                Ok(CredentialRef::File { path, key })
            } else {
                Err(format!("\"file\": {path:?} must be an absolute path"))
            }
        }
        _ => Err(format!(
            "give either \"env\", or both \"file\" and \"key\": {HOW_TO_REFERENCE}"
        )),
    }
}

/// Every secret value `config` holds (a secret-looking key, as `redact` finds them, holding a
/// text or a number at any depth; a `credential` that is not a valid reference), each with
/// where it is and how to reference it instead. Empty for a clean config.
pub fn secret_values(config: &Value) -> Vec<ConfigProblem> {
    let mut found = Vec::new();
    if let Err(problem) = reference(config) {
        found.push(problem);
    }
    walk(config, &mut Vec::new(), &mut found);
    found
}

fn walk(value: &Value, path: &mut Vec<String>, found: &mut Vec<ConfigProblem>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                // The top-level reference is checked by `reference`: its "key" names a key.
                if path.is_empty() && key == CREDENTIAL_KEY {
                    continue;
                }
                path.push(key.clone());
                if is_secret_key(key) && matches!(inner, Value::String(_) | Value::Number(_)) {
                    found.push(ConfigProblem {
                        path: path.clone(),
                        message: format!(
                            "holds a secret value; secrets are never stored: {HOW_TO_REFERENCE}"
                        ),
                    });
                } else {
                    walk(inner, path, found);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                walk(item, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Longest look-back a job may ask for (a year).
pub const MAX_LOOKBACK_HOURS: u32 = 24 * 366;

/// The job's own `lookback_hours` (a whole number of hours, 1..=a year), `Ok(None)` if unset.
pub fn lookback_hours(config: &Value) -> Result<Option<u32>, ConfigProblem> {
    match config.get("lookback_hours") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .filter(|h| (1..=u64::from(MAX_LOOKBACK_HOURS)).contains(h))
            .map(|h| Some(h as u32))
            .ok_or_else(|| ConfigProblem {
                path: vec!["lookback_hours".into()],
                message: format!("must be a whole number of hours from 1 to {MAX_LOOKBACK_HOURS}"),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_read() {
        assert_eq!(reference(&json!({})), Ok(None));
        assert_eq!(
            reference(&json!({"credential": {"env": "YOUTUBE_API_KEY"}})),
            Ok(Some(CredentialRef::Env("YOUTUBE_API_KEY".into())))
        );
        assert_eq!(
            reference(&json!({"credential": {"file": "/etc/s.toml", "key": "youtube"}})),
            Ok(Some(CredentialRef::File {
                path: "/etc/s.toml".into(),
                key: "youtube".into()
            }))
        );
        for bad in [
            json!({"credential": {"env": "A B"}}),
            json!({"credential": {"file": "relative.toml", "key": "k"}}),
            json!({"credential": {"file": "/etc/s.toml"}}),
            json!({"credential": {"env": "A", "file": "/x", "key": "k"}}),
            json!({"credential": {"value": "abc"}}),
            json!({"credential": "abc"}),
        ] {
            assert!(reference(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secret_values_are_found_with_where_they_are() {
        let clean = json!({"credential": {"file": "/etc/s.toml", "key": "youtube"},
                           "channel_id": "UC1", "lookback_hours": 12, "auth": {"user": "x"}});
        assert_eq!(secret_values(&clean), vec![]);
        let dirty = json!({"api_key": "AIza", "nested": [{"bot_token": 123}],
                           "credential": "raw-secret"});
        let paths: Vec<Vec<String>> = secret_values(&dirty).into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            vec![
                vec!["credential".to_string()],
                vec!["api_key".to_string()],
                vec!["nested".into(), "0".into(), "bot_token".into()],
            ]
        );
        assert!(secret_values(&dirty)[1].message.contains("\"env\""));
    }

    #[test]
    fn lookback_hours_are_checked() {
        assert_eq!(lookback_hours(&json!({})), Ok(None));
        assert_eq!(lookback_hours(&json!({"lookback_hours": 48})), Ok(Some(48)));
        for bad in [json!(0), json!(-1), json!(1.5), json!("24"), json!(100_000)] {
            assert!(lookback_hours(&json!({"lookback_hours": bad})).is_err());
        }
    }
}
