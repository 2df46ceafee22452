//! An ingestion job's fields as both `POST/PATCH /api/metrics/jobs` and the terminal's `:jobs`
//! form check them: a one-line name and channel, a 5-field cron (`domain::schedule`), and a
//! config that names where its secret lives but never holds it (`domain::credential_ref`), with
//! a valid `lookback_hours` and an http(s) `base_url`. The form adds what only a person typing
//! needs: a known (or configured) channel, the credential reference typed as one line
//! (`YOUTUBE_API_KEY` or `/etc/mpis-dash/secrets.toml#youtube`), and the next run times.
//! Every problem names its field.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::credential_ref::{self, CREDENTIAL_KEY, ConfigProblem};
use super::form::{self, FieldError};
use super::schedule::Schedule;

/// Longest job name and channel name (as the API's other names).
pub const NAME_MAX: usize = 200;
pub const CHANNEL_MAX: usize = 64;
/// The config key of a job's own API base URL (tests, proxies, the stand-ins).
pub const BASE_URL_KEY: &str = "base_url";
/// The config key of a job's own look-back.
pub const LOOKBACK_KEY: &str = "lookback_hours";

/// A job's name: one line, 1..=[`NAME_MAX`] characters.
pub fn check_name(text: &str) -> Result<(), String> {
    form::check_one_line(text, NAME_MAX)
}

/// A job's channel as the API takes it: one line, 1..=[`CHANNEL_MAX`] characters.
pub fn check_channel(text: &str) -> Result<(), String> {
    form::check_one_line(text, CHANNEL_MAX)
}

/// A job's cron (its error says why and shows an example).
pub fn check_cron(text: &str) -> Result<Schedule, String> {
    Schedule::parse(text).map_err(|e| e.to_string())
}

/// What is wrong with a job's config: a secret value anywhere (with how to reference it
/// instead), a `lookback_hours` out of range, a `base_url` that is not an http(s) URL.
pub fn config_problems(config: &Value) -> Vec<ConfigProblem> {
    let mut problems = credential_ref::secret_values(config);
    problems.extend(credential_ref::lookback_hours(config).err());
    match config.get(BASE_URL_KEY) {
        None | Some(Value::Null) => {}
        Some(Value::String(url)) => {
            if let Err(why) = form::check_http_url(url) {
                problems.push(ConfigProblem {
                    path: vec![BASE_URL_KEY.into()],
                    message: why,
                });
            }
        }
        Some(_) => problems.push(ConfigProblem {
            path: vec![BASE_URL_KEY.into()],
            message: "must be an http(s) URL as text".into(),
        }),
    }
    problems
}

/// The next `count` run times of `schedule` after `after`.
pub fn next_runs(schedule: &Schedule, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
    let mut times = Vec::with_capacity(count);
    let mut at = after;
    while times.len() < count {
        match schedule.next_after(at) {
            Some(next) => {
                times.push(next);
                at = next;
            }
            None => break,
        }
    }
    times
}

/// How the form's credential field is typed, for its hint and its refusals.
pub const CREDENTIAL_HINT: &str = "an environment variable name (YOUTUBE_API_KEY) or /path/secrets.toml#key; never the secret itself";

/// The form's credential line as a reference: blank is none; `/path#key` a key of a secrets
/// file; else an environment variable's name (`env:` allowed before it). Anything else is
/// refused without repeating what was typed (it may be the secret).
pub fn parse_credential(text: &str) -> Result<Option<Value>, String> {
    let Some(text) = form::non_empty(text) else {
        return Ok(None);
    };
    let reference = if text.starts_with('/') {
        match text.rsplit_once('#') {
            Some((path, key)) => json!({"file": path.trim(), "key": key.trim()}),
            None => {
                return Err(format!(
                    "a secrets file needs its key after #: /path/secrets.toml#key ({CREDENTIAL_HINT})"
                ));
            }
        }
    } else {
        let name = text.strip_prefix("env:").unwrap_or(text).trim();
        let is_name = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name {
            return Err(format!(
                "is not an environment variable name (letters, digits, _) nor /path#key: {CREDENTIAL_HINT}"
            ));
        }
        json!({ "env": name })
    };
    let config = json!({ CREDENTIAL_KEY: reference });
    credential_ref::reference(&config).map_err(|p| p.message)?;
    Ok(Some(reference))
}

/// A stored config's credential reference as the form shows it (the inverse of
/// [`parse_credential`]); empty when it names none or is not a reference.
pub fn credential_text(config: &Value) -> String {
    match credential_ref::reference(config) {
        Ok(Some(credential_ref::CredentialRef::Env(name))) => name,
        Ok(Some(credential_ref::CredentialRef::File { path, key })) => format!("{path}#{key}"),
        _ => String::new(),
    }
}

/// What the form holds, as typed.
#[derive(Debug, Clone, Copy)]
pub struct JobInput<'a> {
    pub name: &'a str,
    pub channel: &'a str,
    /// The picked persona, `Ok(None)` for all, or why the typed one is none.
    pub persona: Result<Option<Uuid>, &'a str>,
    pub cron: &'a str,
    pub lookback_hours: &'a str,
    pub base_url: &'a str,
    pub credential: &'a str,
    pub enabled: bool,
    /// Channel names accepted besides the known four (config `channels`).
    pub configured: &'a [String],
    /// The config the job has (editing; `{}` for a new job): other keys are kept as they are.
    pub config: &'a Value,
}

/// A job ready to be written (`store::jobs::NewJob` / `JobChanges`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidJob {
    pub job_name: String,
    /// Lowercase.
    pub channel: String,
    pub persona_id: Option<Uuid>,
    pub schedule_cron: String,
    pub config: Value,
    pub enabled: bool,
}

/// Checks the form (the API's rules, plus a known channel and the typed reference); every
/// problem at its field: `job_name`, `channel`, `persona_id`, `schedule_cron`,
/// `lookback_hours`, `base_url`, `credential`, or `config` for a stored key the form does
/// not show.
pub fn validate(input: &JobInput<'_>) -> Result<ValidJob, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut problem = |field: &'static str, result: Result<(), String>| {
        if let Err(message) = result {
            errors.push(FieldError::new(field, message));
        }
    };
    problem("job_name", check_name(input.name));
    let channel = check_channel(input.channel)
        .and_then(|()| super::publish::check_channel(input.channel, input.configured));
    problem(
        "channel",
        channel.as_ref().map(|_| ()).map_err(String::clone),
    );
    problem(
        "persona_id",
        input.persona.map(|_| ()).map_err(str::to_string),
    );
    let schedule = check_cron(input.cron);
    problem(
        "schedule_cron",
        schedule.as_ref().map(|_| ()).map_err(String::clone),
    );

    let mut config: Map<String, Value> = input.config.as_object().cloned().unwrap_or_default();
    match form::non_empty(input.lookback_hours) {
        None => {
            config.remove(LOOKBACK_KEY);
        }
        Some(text) => match text.parse::<u64>() {
            Ok(hours) => {
                config.insert(LOOKBACK_KEY.into(), json!(hours));
            }
            Err(_) => problem(
                "lookback_hours",
                Err(format!(
                    "must be a whole number of hours from 1 to {} (blank: the configured default)",
                    credential_ref::MAX_LOOKBACK_HOURS
                )),
            ),
        },
    }
    match form::non_empty(input.base_url) {
        None => {
            config.remove(BASE_URL_KEY);
        }
        Some(url) => {
            config.insert(BASE_URL_KEY.into(), json!(url));
        }
    }
    match parse_credential(input.credential) {
        Ok(None) => {
            config.remove(CREDENTIAL_KEY);
        }
        Ok(Some(reference)) => {
            config.insert(CREDENTIAL_KEY.into(), reference);
        }
        Err(message) => problem("credential", Err(message)),
    }
    let config = Value::Object(config);
    for found in config_problems(&config) {
        let field = match found.path.first().map(String::as_str) {
            Some(LOOKBACK_KEY) => "lookback_hours",
            Some(BASE_URL_KEY) => "base_url",
            Some(CREDENTIAL_KEY) => "credential",
            _ => "config",
        };
        // The typed line's own refusal already says it better.
        if errors.iter().any(|e| e.field == field) {
            continue;
        }
        let message = if field == "config" {
            format!("config.{} {}", found.path.join("."), found.message)
        } else {
            found.message
        };
        errors.push(FieldError::new(field, message));
    }
    match (channel, schedule, input.persona) {
        (Ok(channel), Ok(schedule), Ok(persona_id)) if errors.is_empty() => Ok(ValidJob {
            job_name: input.name.trim().to_string(),
            channel: channel.as_str().to_string(),
            persona_id,
            schedule_cron: schedule.as_str().to_string(),
            config,
            enabled: input.enabled,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(config: &'a Value) -> JobInput<'a> {
        JobInput {
            name: " YouTube hourly ",
            channel: "YouTube",
            persona: Ok(None),
            cron: "0 * * * *",
            lookback_hours: "48",
            base_url: "http://127.0.0.1:9000",
            credential: "YOUTUBE_API_KEY",
            enabled: true,
            configured: &[],
            config,
        }
    }

    #[test]
    fn a_valid_job_keeps_the_configs_other_keys() {
        let stored = json!({"channel_id": "UC1", "lookback_hours": 12});
        let valid = validate(&input(&stored)).expect("valid");
        assert_eq!(valid.job_name, "YouTube hourly");
        assert_eq!(valid.channel, "youtube");
        assert_eq!(valid.schedule_cron, "0 * * * *");
        assert_eq!(
            valid.config,
            json!({"channel_id": "UC1", "lookback_hours": 48,
                   "base_url": "http://127.0.0.1:9000",
                   "credential": {"env": "YOUTUBE_API_KEY"}})
        );
        let mut blank = input(&stored);
        blank.lookback_hours = " ";
        blank.base_url = "";
        blank.credential = "";
        let valid = validate(&blank).expect("valid");
        assert_eq!(valid.config, json!({"channel_id": "UC1"}));
    }

    #[test]
    fn every_problem_names_its_field() {
        let stored = json!({"api_key": "AIza-old"});
        let bad = JobInput {
            name: "",
            channel: "youtub",
            persona: Err("no persona matches \"zz\""),
            cron: "0 * * *",
            lookback_hours: "0",
            base_url: "ftp://x",
            credential: "AIza-SyD-secret",
            enabled: true,
            configured: &[],
            config: &stored,
        };
        let errors = validate(&bad).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "job_name",
                "channel",
                "persona_id",
                "schedule_cron",
                "credential",
                "config",
                "lookback_hours",
                "base_url"
            ]
        );
        let credential = &errors[4].message;
        assert!(!credential.contains("AIza"), "{credential}");
        assert!(
            errors[1].message.contains("youtube"),
            "{}",
            errors[1].message
        );
        assert!(errors[5].message.starts_with("config.api_key"));
    }

    #[test]
    fn credentials_are_references_never_values() {
        assert_eq!(parse_credential(" "), Ok(None));
        assert_eq!(
            parse_credential("env:IG_TOKEN"),
            Ok(Some(json!({"env": "IG_TOKEN"})))
        );
        assert_eq!(
            parse_credential("/etc/mpis/s.toml#youtube"),
            Ok(Some(json!({"file": "/etc/mpis/s.toml", "key": "youtube"})))
        );
        for bad in ["/etc/mpis/s.toml", "1ABC", "ya29.a0Af-secret", "a b", "/x#"] {
            assert!(parse_credential(bad).is_err(), "{bad}");
        }
        for text in ["IG_TOKEN", "/etc/mpis/s.toml#youtube"] {
            let reference = parse_credential(text).unwrap().unwrap();
            assert_eq!(credential_text(&json!({ "credential": reference })), text);
        }
    }

    #[test]
    fn the_next_runs_follow_the_cron() {
        let schedule = Schedule::parse("*/15 * * * *").unwrap();
        let now: DateTime<Utc> = "2025-05-20T12:07:00Z".parse().unwrap();
        let times: Vec<String> = next_runs(&schedule, now, 3)
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        assert_eq!(times, ["12:15", "12:30", "12:45"]);
    }

    #[test]
    fn the_api_config_rule_checks_the_base_url() {
        assert!(config_problems(&json!({"base_url": "https://x.example"})).is_empty());
        let problems = config_problems(&json!({"base_url": "nope", "lookback_hours": 0}));
        let paths: Vec<String> = problems.iter().map(|p| p.path.join(".")).collect();
        assert_eq!(paths, ["lookback_hours", "base_url"]);
    }
}
