//! A new project as the terminal's `:project` form checks it: the same rules as
//! `POST /api/projects` (`domain::form`: a one-line name of 1..=200 characters, one-line channel
//! names of at most 64), plus what a run of the project will need: a picked persona, and
//! channels that are known (or configured), so the project's channels are valid defaults for
//! `:run`. Every problem names its field.

use uuid::Uuid;

use super::form::{self, FieldError};
use super::publish::check_channel;

/// Longest project name (MPIS's `max_length=200`, as the API's).
pub const NAME_MAX: usize = 200;
/// Longest channel name (as the API's).
pub const CHANNEL_MAX: usize = 64;

/// A project ready to be written (`store::projects::NewProject`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProject {
    pub name: String,
    pub persona_id: Uuid,
    /// Lowercase, in the order given, no duplicates.
    pub channels: Vec<String>,
}

/// The channel names of a typed list: split at commas and spaces, trimmed, empty ones dropped.
pub fn channel_names(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Checks the typed channels: each one line, at most [`CHANNEL_MAX`] characters, known or
/// configured; duplicates are dropped. Problems are reported at `field`.
pub fn check_channels(
    field: &'static str,
    names: &[String],
    configured: &[String],
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let mut channels: Vec<String> = Vec::new();
    for name in names {
        let problem = form::check_single_line(name)
            .and_then(|()| form::check_max_chars(name, CHANNEL_MAX))
            .and_then(|()| check_channel(name, configured).map(|_| ()));
        match problem {
            Err(message) => errors.push(FieldError::new(field, message)),
            Ok(()) => {
                let lower = name.trim().to_lowercase();
                if !channels.contains(&lower) {
                    channels.push(lower);
                }
            }
        }
    }
    channels
}

/// Checks the form: `persona` is the picked persona (or `Err` with why none is).
pub fn validate(
    name: &str,
    persona: Result<Uuid, String>,
    channels_text: &str,
    configured: &[String],
) -> Result<ValidProject, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name_problem = match form::non_empty(name) {
        None => Some("is required".to_string()),
        Some(trimmed) => form::check_single_line(trimmed)
            .and_then(|()| form::check_max_chars(trimmed, NAME_MAX))
            .err(),
    };
    if let Some(problem) = name_problem {
        errors.push(FieldError::new("name", problem));
    }
    let persona_id = persona
        .map_err(|why| errors.push(FieldError::new("persona_id", why)))
        .ok();
    let channels = check_channels(
        "channels",
        &channel_names(channels_text),
        configured,
        &mut errors,
    );
    match persona_id {
        Some(persona_id) if errors.is_empty() => Ok(ValidProject {
            name: name.trim().to_string(),
            persona_id,
            channels,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_valid_form_is_trimmed_and_its_channels_deduplicated() {
        let id = Uuid::from_u128(7);
        let valid = validate("  Spring  ", Ok(id), "Telegram, instagram telegram", &[]).unwrap();
        assert_eq!(valid.name, "Spring");
        assert_eq!(valid.persona_id, id);
        assert_eq!(valid.channels, vec!["telegram", "instagram"]);
    }

    #[test]
    fn no_channels_is_accepted_as_by_the_api() {
        assert!(validate("x", Ok(Uuid::nil()), " , ", &[]).is_ok());
    }

    #[test]
    fn every_problem_is_named_at_its_field() {
        let errors = validate("", Err("pick a persona".into()), "telegramm", &[]).unwrap_err();
        assert_eq!(fields(&errors), vec!["name", "persona_id", "channels"]);
        assert!(
            errors[2].message.contains("did you mean telegram"),
            "{errors:?}"
        );
        let long = "n".repeat(NAME_MAX + 1);
        let errors = validate(&long, Ok(Uuid::nil()), "", &[]).unwrap_err();
        assert_eq!(
            errors[0].message,
            "must be at most 200 characters (got 201)"
        );
        let errors = validate("a\u{1b}b", Ok(Uuid::nil()), "", &[]).unwrap_err();
        assert!(errors[0].message.starts_with("must be a single line"));
    }

    #[test]
    fn configured_channels_are_accepted() {
        let valid = validate(
            "x",
            Ok(Uuid::nil()),
            "telegram_demo",
            &["telegram_demo".into()],
        )
        .unwrap();
        assert_eq!(valid.channels, vec!["telegram_demo"]);
    }
}
