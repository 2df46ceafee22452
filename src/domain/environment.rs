//! Environments (`environment = "production"`): which one the dashboard looks at, and what
//! follows from it. Production-like names are read-only by default and badged red, so nobody
//! acts on production thinking it is staging; `[environments.NAME]` changes either.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// `[environments.NAME]` in the config file; every key optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EnvironmentSettings {
    /// The theme this environment is shown in (a built-in name or a path), over `theme`.
    pub theme: Option<String>,
    /// Start read-only (`--read-write` overrides it for one session).
    pub read_only: Option<bool>,
    /// The badge's color ("red", "#d55e00"); default red for production, else the accent.
    pub color: Option<String>,
}

/// The environment as resolved from its name and settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub read_only: bool,
    /// `None`: the theme's accent.
    pub color: Option<String>,
    pub theme: Option<String>,
}

/// Names that mean production: acting there by mistake is what the defaults guard against.
const PRODUCTION_NAMES: [&str; 3] = ["production", "prod", "live"];

pub fn is_production(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    PRODUCTION_NAMES.contains(&name.as_str())
}

/// The environment `name` with its `[environments.NAME]` (matched exactly, else ignoring
/// case) over the defaults.
pub fn resolve(name: &str, settings: &HashMap<String, EnvironmentSettings>) -> Environment {
    let name = name.trim();
    let own = settings.get(name).or_else(|| {
        settings
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, s)| s)
    });
    let own = own.cloned().unwrap_or_default();
    let production = is_production(name);
    Environment {
        name: name.to_string(),
        read_only: own.read_only.unwrap_or(production),
        color: own.color.or_else(|| production.then(|| "red".to_string())),
        theme: own.theme,
    }
}

/// The badge's text: the name in capitals between spaces (" PRODUCTION ").
pub fn badge_text(name: &str) -> String {
    format!(" {} ", name.trim().to_uppercase())
}

/// Whether this session writes, and what the operator is told at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAccess {
    pub read_only: bool,
    /// Said in the status line when the dashboard opens (why read-only, or that a read-only
    /// environment was opened read-write).
    pub message: Option<String>,
}

/// `--read-only` always wins; an environment read-only by default is read-only unless
/// `--read-write` was given for this session.
pub fn session_access(
    read_only_flag: bool,
    read_write_flag: bool,
    environment: Option<&Environment>,
) -> SessionAccess {
    match environment {
        _ if read_only_flag => SessionAccess {
            read_only: true,
            message: None,
        },
        Some(env) if env.read_only && read_write_flag => SessionAccess {
            read_only: false,
            message: Some(format!(
                "{}: read-write for this session (--read-write): actions change it",
                env.name
            )),
        },
        Some(env) if env.read_only => SessionAccess {
            read_only: true,
            message: Some(format!(
                "{}: read-only by default (--read-write to act)",
                env.name
            )),
        },
        _ => SessionAccess {
            read_only: false,
            message: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(name: &str, s: EnvironmentSettings) -> HashMap<String, EnvironmentSettings> {
        HashMap::from([(name.to_string(), s)])
    }

    #[test]
    fn production_names_are_read_only_and_red_by_default() {
        for name in ["production", "prod", "LIVE", " Production "] {
            let env = resolve(name, &HashMap::new());
            assert!(env.read_only, "{name}");
            assert_eq!(env.color.as_deref(), Some("red"), "{name}");
        }
        let staging = resolve("staging", &HashMap::new());
        assert!(!staging.read_only);
        assert_eq!(staging.color, None, "the theme's accent");
        assert!(!is_production("preprod"));
    }

    #[test]
    fn settings_override_the_defaults_by_exact_or_caseless_name() {
        let own = EnvironmentSettings {
            theme: Some("light".into()),
            read_only: Some(false),
            color: Some("magenta".into()),
        };
        let env = resolve("production", &settings("Production", own.clone()));
        assert!(!env.read_only);
        assert_eq!(env.color.as_deref(), Some("magenta"));
        assert_eq!(env.theme.as_deref(), Some("light"));
        let staging = resolve(
            "staging",
            &settings(
                "staging",
                EnvironmentSettings {
                    read_only: Some(true),
                    ..EnvironmentSettings::default()
                },
            ),
        );
        assert!(staging.read_only);
        assert_eq!(staging.color, None);
    }

    #[test]
    fn read_write_overrides_the_environment_but_never_read_only() {
        let prod = resolve("production", &HashMap::new());
        let by_default = session_access(false, false, Some(&prod));
        assert!(by_default.read_only);
        assert!(by_default.message.unwrap().contains("--read-write"));
        let opened = session_access(false, true, Some(&prod));
        assert!(!opened.read_only);
        assert!(opened.message.unwrap().contains("read-write"));
        assert!(session_access(true, false, Some(&prod)).read_only);
        assert!(session_access(true, false, None).read_only);
        let staging = resolve("staging", &HashMap::new());
        assert_eq!(
            session_access(false, false, Some(&staging)),
            SessionAccess {
                read_only: false,
                message: None
            }
        );
        assert!(!session_access(false, false, None).read_only);
    }

    #[test]
    fn the_badge_is_the_name_in_capitals() {
        assert_eq!(badge_text("production"), " PRODUCTION ");
        assert_eq!(badge_text(" staging"), " STAGING ");
    }
}
