//! The publish record form: what the operator types, what is kept locally, and what is
//! forwarded to MPIS.
//!
//! MPIS's `POST /publisher/publish/record` takes `{draft_id, channel, channel_item_id?,
//! channel_url?, ...}` (MPIS_REFERENCE.md §1.4); the dashboard's proxy (§1.6.8) requires
//! `channel_item_id` and documents that `run_id`, `project_id` and `published_at` are stored
//! locally and stripped before forwarding. [`ValidPublish::forwarded_json`] is the only body
//! ever sent, and [`ValidPublish::idempotency_key`] makes a resubmitted form map to the outbox
//! record already written (MPIS itself is not idempotent: Appendix C).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::channel::Channel;
pub use super::form::FieldError;
use super::form::{check_http_url, check_max_chars, non_empty, optional_uuid};

/// `channel_item_id` limit.
pub const MAX_CHANNEL_ITEM_ID_CHARS: usize = 200;
/// How far ahead of the clock `published_at` may be (clock skew, not scheduling).
pub const MAX_FUTURE_SKEW: Duration = Duration::minutes(5);

/// The publish record form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishForm {
    pub draft_id_text: String,
    pub channel_text: String,
    pub channel_item_id: String,
    pub channel_url: String,
    pub run_id_text: String,
    pub project_id_text: String,
    /// Empty means now.
    pub published_at_text: String,
}

/// A checked publish record. Built only by [`PublishForm::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPublish {
    draft_id: Uuid,
    channel: Channel,
    channel_item_id: String,
    channel_url: Option<String>,
    run_id: Option<Uuid>,
    project_id: Option<Uuid>,
    published_at: DateTime<Utc>,
}

/// The names of [`Channel::KNOWN`], in the same order.
pub const KNOWN_CHANNEL_NAMES: [&str; 4] = ["telegram", "instagram", "tiktok", "youtube"];

/// The known channels whose names start with what was typed (all of them for nothing typed),
/// for suggesting completions in the channel field. Other names are accepted only when the
/// config lists them (`channels = [...]`, see [`check_channel`]).
pub fn suggest_channels(typed: &str) -> Vec<&'static str> {
    let typed = typed.trim().to_lowercase();
    KNOWN_CHANNEL_NAMES
        .into_iter()
        .filter(|name| name.starts_with(&typed))
        .collect()
}

/// Reads the channel field: a known channel ([`Channel::KNOWN`]) or one of the `configured`
/// extra names (config `channels`), trimmed and case-insensitive. Anything else is refused with
/// the names that are accepted, and the nearest one when it looks like a typo.
pub fn check_channel(typed: &str, configured: &[String]) -> Result<Channel, String> {
    let channel = Channel::parse(typed);
    let extra = || {
        configured
            .iter()
            .map(|c| c.trim().to_lowercase())
            .filter(|c| !c.is_empty())
    };
    if channel.is_known() || extra().any(|c| c == channel.as_str()) {
        return Ok(channel);
    }
    let mut allowed: Vec<String> = KNOWN_CHANNEL_NAMES.iter().map(|c| c.to_string()).collect();
    for name in extra() {
        if !allowed.contains(&name) {
            allowed.push(name);
        }
    }
    let guess = super::nearest::nearest(channel.as_str(), allowed.iter().map(String::as_str))
        .map(|n| format!("did you mean {n}? "))
        .unwrap_or_default();
    Err(format!(
        "{:?} is not a known channel: {guess}use {} (more names: `channels` in the config)",
        channel.as_str(),
        allowed.join(", ")
    ))
}

/// The warning when the channel differs from the draft's plan channel (`content_plans.channel`,
/// the channel the draft was written for): publishing elsewhere is allowed, but worth a look.
pub fn plan_channel_warning(channel: &Channel, plan_channel: &str) -> Option<String> {
    let plan = Channel::parse(plan_channel);
    (plan.as_str() != channel.as_str() && !plan.as_str().is_empty()).then(|| {
        format!(
            "the draft was planned for {}, not {}",
            plan.as_str(),
            channel.as_str()
        )
    })
}

impl PublishForm {
    /// [`PublishForm::validate_with`] with no configured extra channels.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<ValidPublish, Vec<FieldError>> {
        self.validate_with(now, &[])
    }

    /// Checks every field against `now`; all problems are reported, in the form's field order.
    ///
    /// - `draft_id`: required UUID (not the nil UUID).
    /// - `channel`: required; a known channel or one of `channels` (the config's extra names),
    ///   see [`check_channel`]; the known ones are suggested when it is missing.
    /// - `channel_item_id`: required (the proxy requires it), at most 200 characters.
    /// - `channel_url`: optional; an http(s) URL with a host when given.
    /// - `run_id`, `project_id`: optional UUIDs.
    /// - `published_at`: optional, empty = `now`; RFC 3339 (`2026-11-24T20:17:07Z`,
    ///   `...+02:00`), or UTC `YYYY-MM-DD HH:MM[:SS[.f]]` (also with `T`, MPIS's naive form),
    ///   or `YYYY-MM-DD` (midnight UTC); at most 5 minutes after `now`.
    pub fn validate_with(
        &self,
        now: DateTime<Utc>,
        channels: &[String],
    ) -> Result<ValidPublish, Vec<FieldError>> {
        let mut errors = Vec::new();

        let draft_id = match non_empty(&self.draft_id_text) {
            None => {
                errors.push(FieldError::new(
                    "draft_id",
                    "required: the content draft that was published",
                ));
                None
            }
            Some(_) => match optional_uuid(&self.draft_id_text) {
                Ok(Some(id)) if id.is_nil() => {
                    errors.push(FieldError::new("draft_id", "must not be the nil UUID"));
                    None
                }
                Ok(id) => id,
                Err(m) => {
                    errors.push(FieldError::new("draft_id", m));
                    None
                }
            },
        };

        let channel = match non_empty(&self.channel_text) {
            None => {
                errors.push(FieldError::new(
                    "channel",
                    format!("required, e.g. {}", suggest_channels("").join(", ")),
                ));
                None
            }
            Some(name) => match check_channel(name, channels) {
                Ok(channel) => Some(channel),
                Err(m) => {
                    errors.push(FieldError::new("channel", m));
                    None
                }
            },
        };

        let channel_item_id = match non_empty(&self.channel_item_id) {
            None => {
                errors.push(FieldError::new(
                    "channel_item_id",
                    "required: the post's id on the channel (the dashboard proxy requires it)",
                ));
                None
            }
            Some(item) => match check_max_chars(item, MAX_CHANNEL_ITEM_ID_CHARS) {
                Ok(()) => Some(item.to_string()),
                Err(m) => {
                    errors.push(FieldError::new("channel_item_id", m));
                    None
                }
            },
        };

        let channel_url = non_empty(&self.channel_url).map(str::to_string);
        if let Some(Err(m)) = channel_url.as_deref().map(check_http_url) {
            errors.push(FieldError::new(
                "channel_url",
                format!("not a valid URL: {m}"),
            ));
        }

        let run_id = optional_uuid(&self.run_id_text).unwrap_or_else(|m| {
            errors.push(FieldError::new("run_id", m));
            None
        });
        let project_id = optional_uuid(&self.project_id_text).unwrap_or_else(|m| {
            errors.push(FieldError::new("project_id", m));
            None
        });

        let published_at = match non_empty(&self.published_at_text) {
            None => Some(now),
            Some(text) => match parse_published_at(text) {
                Ok(at) if at > now + MAX_FUTURE_SKEW => {
                    errors.push(FieldError::new(
                        "published_at",
                        format!(
                            "{} is in the future (now is {}); at most {} minutes ahead is accepted",
                            at.format("%Y-%m-%d %H:%M:%S UTC"),
                            now.format("%Y-%m-%d %H:%M:%S UTC"),
                            MAX_FUTURE_SKEW.num_minutes()
                        ),
                    ));
                    None
                }
                Ok(at) => Some(at),
                Err(m) => {
                    errors.push(FieldError::new("published_at", m));
                    None
                }
            },
        };

        match (draft_id, channel, channel_item_id, published_at) {
            (Some(draft_id), Some(channel), Some(channel_item_id), Some(published_at))
                if errors.is_empty() =>
            {
                Ok(ValidPublish {
                    draft_id,
                    channel,
                    channel_item_id,
                    channel_url,
                    run_id,
                    project_id,
                    published_at,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Reads a publication time; the message lists the accepted forms.
pub fn parse_published_at(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(naive.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(format!(
        "{text:?} is not a date/time; use YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (UTC) or RFC 3339 such as 2026-11-24T20:17:07Z"
    ))
}

/// The body MPIS receives for a publish record: exactly `draft_id`, `channel`,
/// `channel_item_id` and `channel_url` (`null` when absent). Shared by the form and the outbox
/// forwarder so the two can never disagree.
pub fn forward_body(
    draft_id: Uuid,
    channel: &str,
    channel_item_id: &str,
    channel_url: Option<&str>,
) -> Value {
    json!({
        "draft_id": draft_id.to_string(),
        "channel": channel,
        "channel_item_id": channel_item_id,
        "channel_url": channel_url,
    })
}

/// `publish:<draft>:<channel>:<item>`, the outbox key of one publication.
///
/// The draft is the lowercase hyphenated UUID, the channel its canonical name; `%` and `:` in
/// the channel and item are written `%25` and `%3A`, so distinct triples never share a key.
pub fn idempotency_key(draft_id: Uuid, channel: &Channel, channel_item_id: &str) -> String {
    fn escape(part: &str) -> String {
        part.replace('%', "%25").replace(':', "%3A")
    }
    format!(
        "publish:{}:{}:{}",
        draft_id.hyphenated(),
        escape(channel.as_str()),
        escape(channel_item_id.trim())
    )
}

impl ValidPublish {
    /// The only JSON that leaves for MPIS (see [`forward_body`]); the local fields stay here.
    pub fn forwarded_json(&self) -> Value {
        forward_body(
            self.draft_id,
            self.channel.as_str(),
            &self.channel_item_id,
            self.channel_url.as_deref(),
        )
    }

    /// Same draft, channel and item -> same key, whatever the local fields say.
    pub fn idempotency_key(&self) -> String {
        idempotency_key(self.draft_id, &self.channel, &self.channel_item_id)
    }

    pub fn draft_id(&self) -> Uuid {
        self.draft_id
    }

    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    pub fn channel_item_id(&self) -> &str {
        &self.channel_item_id
    }

    pub fn channel_url(&self) -> Option<&str> {
        self.channel_url.as_deref()
    }

    /// Local only.
    pub fn run_id(&self) -> Option<Uuid> {
        self.run_id
    }

    /// Local only.
    pub fn project_id(&self) -> Option<Uuid> {
        self.project_id
    }

    /// Local only; `now` when the field was left empty.
    pub fn published_at(&self) -> DateTime<Utc> {
        self.published_at
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const DRAFT: &str = "550e8400-e29b-41d4-a716-446655440000";
    const RUN: &str = "aa0e8400-e29b-41d4-a716-446655440005";
    const PROJECT: &str = "bb0e8400-e29b-41d4-a716-446655440006";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 20, 0, 0).unwrap()
    }

    fn minimal() -> PublishForm {
        PublishForm {
            draft_id_text: DRAFT.into(),
            channel_text: "telegram".into(),
            channel_item_id: "msg-42".into(),
            ..PublishForm::default()
        }
    }

    fn full() -> PublishForm {
        PublishForm {
            draft_id_text: format!(" {} ", DRAFT.to_uppercase()),
            channel_text: " Telegram ".into(),
            channel_item_id: " 12345 ".into(),
            channel_url: " https://t.me/channel/12345 ".into(),
            run_id_text: RUN.into(),
            project_id_text: PROJECT.into(),
            published_at_text: "2026-11-24 19:30".into(),
        }
    }

    fn errors(form: &PublishForm) -> Vec<FieldError> {
        form.validate(now()).unwrap_err()
    }

    fn draft() -> Uuid {
        Uuid::parse_str(DRAFT).unwrap()
    }

    #[test]
    fn minimal_form_defaults_published_at_to_now() {
        let valid = minimal().validate(now()).unwrap();
        assert_eq!(valid.draft_id(), draft());
        assert_eq!(valid.channel(), &Channel::Telegram);
        assert_eq!(valid.channel_item_id(), "msg-42");
        assert_eq!(valid.channel_url(), None);
        assert_eq!(valid.run_id(), None);
        assert_eq!(valid.project_id(), None);
        assert_eq!(valid.published_at(), now());
    }

    #[test]
    fn full_form_is_trimmed_and_parsed() {
        let valid = full().validate(now()).unwrap();
        assert_eq!(valid.draft_id(), draft());
        assert_eq!(valid.channel(), &Channel::Telegram);
        assert_eq!(valid.channel_item_id(), "12345");
        assert_eq!(valid.channel_url(), Some("https://t.me/channel/12345"));
        assert_eq!(valid.run_id(), Some(Uuid::parse_str(RUN).unwrap()));
        assert_eq!(valid.project_id(), Some(Uuid::parse_str(PROJECT).unwrap()));
        assert_eq!(
            valid.published_at(),
            Utc.with_ymd_and_hms(2026, 11, 24, 19, 30, 0).unwrap()
        );
    }

    #[test]
    fn empty_form_reports_the_three_required_fields() {
        let err = errors(&PublishForm::default());
        assert_eq!(
            err,
            vec![
                FieldError::new("draft_id", "required: the content draft that was published"),
                FieldError::new(
                    "channel",
                    "required, e.g. telegram, instagram, tiktok, youtube"
                ),
                FieldError::new(
                    "channel_item_id",
                    "required: the post's id on the channel (the dashboard proxy requires it)"
                ),
            ]
        );
    }

    #[test]
    fn draft_id_must_be_a_real_uuid() {
        let with = |text: &str| PublishForm {
            draft_id_text: text.into(),
            ..minimal()
        };
        let err = errors(&with("draft-1"));
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].field, "draft_id");
        assert!(
            err[0].message.starts_with("\"draft-1\" is not a UUID"),
            "{}",
            err[0].message
        );
        assert_eq!(
            errors(&with("00000000-0000-0000-0000-000000000000")),
            vec![FieldError::new("draft_id", "must not be the nil UUID")]
        );
        // Simple (unhyphenated) form is a UUID too.
        assert_eq!(
            with("550e8400e29b41d4a716446655440000")
                .validate(now())
                .unwrap()
                .draft_id(),
            draft()
        );
    }

    #[test]
    fn known_or_configured_channels_only_normalised() {
        let with = |text: &str| PublishForm {
            channel_text: text.into(),
            ..minimal()
        };
        assert_eq!(
            with("YouTube").validate(now()).unwrap().channel(),
            &Channel::Youtube
        );
        // An unknown name is refused, naming the field and what is accepted.
        assert_eq!(
            errors(&with(" Mastodon ")),
            vec![FieldError::new(
                "channel",
                "\"mastodon\" is not a known channel: use telegram, instagram, tiktok, youtube (more names: `channels` in the config)"
            )]
        );
        // A typo names the nearest channel.
        let typo = errors(&with("telegarm"));
        assert_eq!(typo[0].field, "channel");
        assert!(
            typo[0].message.contains("did you mean telegram?"),
            "{}",
            typo[0].message
        );
        // Configured extra names are accepted (trimmed, any case) and listed in the message.
        let configured = vec![" Mastodon ".to_string(), "telegram_demo".to_string()];
        assert_eq!(
            with("MASTODON")
                .validate_with(now(), &configured)
                .unwrap()
                .channel(),
            &Channel::Other("mastodon".into())
        );
        let other = with("bluesky")
            .validate_with(now(), &configured)
            .unwrap_err();
        assert!(
            other[0]
                .message
                .contains("use telegram, instagram, tiktok, youtube, mastodon, telegram_demo"),
            "{}",
            other[0].message
        );
        assert_eq!(errors(&with("  "))[0].field, "channel");
    }

    #[test]
    fn a_channel_other_than_the_plans_is_a_warning() {
        assert_eq!(plan_channel_warning(&Channel::Telegram, "Telegram"), None);
        assert_eq!(
            plan_channel_warning(&Channel::Youtube, "telegram").as_deref(),
            Some("the draft was planned for telegram, not youtube")
        );
        assert_eq!(plan_channel_warning(&Channel::Youtube, " "), None);
    }

    #[test]
    fn channel_suggestions() {
        assert_eq!(
            suggest_channels(""),
            ["telegram", "instagram", "tiktok", "youtube"]
        );
        assert_eq!(suggest_channels("t"), ["telegram", "tiktok"]);
        assert_eq!(suggest_channels(" YO"), ["youtube"]);
        assert!(suggest_channels("x").is_empty());
        assert_eq!(
            KNOWN_CHANNEL_NAMES,
            Channel::KNOWN.map(|c| c.as_str().to_string())
        );
    }

    #[test]
    fn channel_item_id_limits() {
        let with = |text: &str| PublishForm {
            channel_item_id: text.into(),
            ..minimal()
        };
        let at_limit = "i".repeat(200);
        assert_eq!(
            with(&at_limit).validate(now()).unwrap().channel_item_id(),
            at_limit
        );
        assert_eq!(
            errors(&with(&"i".repeat(201))),
            vec![FieldError::new(
                "channel_item_id",
                "must be at most 200 characters (got 201)"
            )]
        );
        assert!(with(&"я".repeat(200)).validate(now()).is_ok());
        assert_eq!(errors(&with(" \t"))[0].field, "channel_item_id");
    }

    #[test]
    fn channel_url_optional_but_http() {
        let with = |text: &str| PublishForm {
            channel_url: text.into(),
            ..minimal()
        };
        assert_eq!(with("  ").validate(now()).unwrap().channel_url(), None);
        assert_eq!(
            with("http://localhost:8080/p/1")
                .validate(now())
                .unwrap()
                .channel_url(),
            Some("http://localhost:8080/p/1")
        );
        assert_eq!(
            errors(&with("t.me/channel/1")),
            vec![FieldError::new(
                "channel_url",
                "not a valid URL: must start with http:// or https://"
            )]
        );
        assert_eq!(
            errors(&with("ftp://t.me/1")),
            vec![FieldError::new(
                "channel_url",
                "not a valid URL: scheme must be http or https, not \"ftp\""
            )]
        );
    }

    #[test]
    fn run_and_project_ids_optional_uuids() {
        let form = PublishForm {
            run_id_text: "run-7".into(),
            project_id_text: "12".into(),
            ..minimal()
        };
        let err = errors(&form);
        assert_eq!(
            err.iter().map(|e| e.field).collect::<Vec<_>>(),
            ["run_id", "project_id"]
        );
        assert!(err[0].message.starts_with("\"run-7\" is not a UUID"));
    }

    #[test]
    fn published_at_formats() {
        let at = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        let cases = [
            ("2026-11-24T19:17:07Z", at(2026, 11, 24, 19, 17, 7)),
            ("2026-11-24T21:17:07+02:00", at(2026, 11, 24, 19, 17, 7)),
            ("2026-11-24 19:17:07+00:00", at(2026, 11, 24, 19, 17, 7)),
            ("2026-11-24 19:17:07", at(2026, 11, 24, 19, 17, 7)),
            ("2026-11-24 19:17", at(2026, 11, 24, 19, 17, 0)),
            ("2026-11-24T19:17", at(2026, 11, 24, 19, 17, 0)),
            ("2026-11-24", at(2026, 11, 24, 0, 0, 0)),
            ("  2025-01-31  ", at(2025, 1, 31, 0, 0, 0)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_published_at(text), Ok(expected), "{text}");
        }
        // MPIS's naive ISO form, with microseconds.
        let naive = parse_published_at("2026-11-24T19:17:07.951099").unwrap();
        assert_eq!(naive.timestamp_subsec_micros(), 951_099);
        assert_eq!(naive.timestamp(), at(2026, 11, 24, 19, 17, 7).timestamp());
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "24.11.2026",
            "2026-11-24 25:00",
        ] {
            let err = parse_published_at(bad).unwrap_err();
            assert!(
                err.starts_with(&format!("{bad:?} is not a date/time; use YYYY-MM-DD")),
                "{err}"
            );
        }
    }

    #[test]
    fn published_at_at_most_five_minutes_ahead() {
        let with = |text: &str| PublishForm {
            published_at_text: text.into(),
            ..minimal()
        };
        // now = 2026-11-24 20:00:00 UTC
        assert!(with("2026-11-24 20:05:00").validate(now()).is_ok());
        assert!(with("2026-11-24T22:05:00+02:00").validate(now()).is_ok());
        assert_eq!(
            errors(&with("2026-11-24 20:05:01")),
            vec![FieldError::new(
                "published_at",
                "2026-11-24 20:05:01 UTC is in the future (now is 2026-11-24 20:00:00 UTC); at most 5 minutes ahead is accepted"
            )]
        );
        assert_eq!(errors(&with("2026-11-25"))[0].field, "published_at");
        // The past is fine, however far.
        assert!(with("2019-01-01").validate(now()).is_ok());
        assert_eq!(errors(&with("soon"))[0].field, "published_at");
    }

    #[test]
    fn forwarded_json_has_exactly_the_four_mpis_fields() {
        let valid = full().validate(now()).unwrap();
        let body = valid.forwarded_json();
        assert_eq!(
            body,
            json!({
                "draft_id": DRAFT,
                "channel": "telegram",
                "channel_item_id": "12345",
                "channel_url": "https://t.me/channel/12345"
            })
        );
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4);
        for local in ["run_id", "project_id", "published_at", "persona_id"] {
            assert!(body.get(local).is_none(), "{local} must stay local");
        }
        // channel_item_id is always a JSON string (the proxy refuses numbers).
        assert!(body["channel_item_id"].is_string());
        // No URL: still four keys, the URL null.
        let body = minimal().validate(now()).unwrap().forwarded_json();
        assert_eq!(body.as_object().map(|o| o.len()), Some(4));
        assert_eq!(body["channel_url"], Value::Null);
        assert_eq!(
            body,
            forward_body(draft(), "telegram", "msg-42", None),
            "the outbox forwarder builds the same body"
        );
    }

    #[test]
    fn idempotency_key_is_deterministic() {
        let valid = minimal().validate(now()).unwrap();
        assert_eq!(
            valid.idempotency_key(),
            format!("publish:{DRAFT}:telegram:msg-42")
        );
        // A resubmission, with other local fields, other spelling and time, maps to the same key.
        let resubmitted = PublishForm {
            draft_id_text: DRAFT.to_uppercase(),
            channel_text: "TELEGRAM".into(),
            channel_item_id: " msg-42 ".into(),
            run_id_text: RUN.into(),
            project_id_text: PROJECT.into(),
            published_at_text: "2026-11-01".into(),
            channel_url: "https://t.me/x".into(),
        };
        assert_eq!(
            resubmitted.validate(now()).unwrap().idempotency_key(),
            valid.idempotency_key()
        );
        let later = minimal().validate(now() + Duration::hours(3)).unwrap();
        assert_eq!(later.idempotency_key(), valid.idempotency_key());
        // Another item or channel is another record.
        let other_item = PublishForm {
            channel_item_id: "msg-43".into(),
            ..minimal()
        };
        assert_ne!(
            other_item.validate(now()).unwrap().idempotency_key(),
            valid.idempotency_key()
        );
        let other_channel = PublishForm {
            channel_text: "instagram".into(),
            ..minimal()
        };
        assert_ne!(
            other_channel.validate(now()).unwrap().idempotency_key(),
            valid.idempotency_key()
        );
    }

    #[test]
    fn idempotency_key_escapes_separators() {
        let a = idempotency_key(draft(), &Channel::parse("a:b"), "c");
        let b = idempotency_key(draft(), &Channel::parse("a"), "b:c");
        assert_ne!(a, b);
        assert_eq!(a, format!("publish:{DRAFT}:a%3Ab:c"));
        assert_eq!(b, format!("publish:{DRAFT}:a:b%3Ac"));
        assert_eq!(
            idempotency_key(draft(), &Channel::Tiktok, "100%:x"),
            format!("publish:{DRAFT}:tiktok:100%25%3Ax")
        );
        // An item that already looks escaped stays distinct from the raw one.
        assert_ne!(
            idempotency_key(draft(), &Channel::Tiktok, "%3A"),
            idempotency_key(draft(), &Channel::Tiktok, ":")
        );
    }
}
