//! Contract v1 between the dashboard and n8n (MPIS_REFERENCE.md §4.1, §1.6.5, §1.6.7, §8 #14):
//! the run request (`POST /api/publisher/runs`, the body sent on to n8n) and the completion
//! callback (`POST /api/publisher/runs/{run_id}/complete`), validated as the documents intend
//! where the old code was a mock or a bug.
//!
//! Every problem is reported at once, as [`FieldError`]s naming the field path
//! (`templates.format_telegram_id`, `published_items[].channel` with the item's number in the
//! message). Idempotency is decided on canonical forms: defaults filled in, channels sorted,
//! so two bodies meaning the same run compare equal; [`differences`] names the fields that do not.
//!
//! Pure: the routes (next session) deserialize into the `*Request` types, call `validate`, and
//! hand the result to `store::runs`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::channel::Channel;
use super::form::FieldError;
use super::publish::check_channel;
use super::run_status::{self, RunStatus};

/// `options.lookback_days` when absent (contract v1).
pub const DEFAULT_LOOKBACK_DAYS: u32 = 1;
/// `options.max_items` when absent.
pub const DEFAULT_MAX_ITEMS: u32 = 10;
/// `options.include_image` when absent.
pub const DEFAULT_INCLUDE_IMAGE: bool = true;
/// `options.include_products_weekly` when absent.
pub const DEFAULT_INCLUDE_PRODUCTS_WEEKLY: bool = false;
/// Upper bounds of our own (the contract gives none): a year of news, a hundred posts a run.
/// A larger value is almost certainly a typo and would make n8n run for hours.
pub const MAX_LOOKBACK_DAYS: u32 = 365;
pub const MAX_MAX_ITEMS: u32 = 100;

/// The run request as a client sends it. Ids of templates and dates are kept as text so a bad
/// one is reported with its field path instead of failing the whole body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    /// The client's own correlation id (optional; generated when absent). Re-sending the same
    /// id with the same body returns the same run.
    #[serde(default)]
    pub run_id: Option<Uuid>,
    pub project_id: Uuid,
    pub persona_id: Uuid,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub date_from: String,
    #[serde(default)]
    pub date_to: String,
    #[serde(default)]
    pub templates: Option<TemplatesRequest>,
    #[serde(default)]
    pub options: Option<OptionsRequest>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplatesRequest {
    #[serde(default)]
    pub news_prompt_id: Option<String>,
    #[serde(default)]
    pub format_telegram_id: Option<String>,
    #[serde(default)]
    pub format_instagram_id: Option<String>,
    #[serde(default)]
    pub image_prompt_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OptionsRequest {
    #[serde(default)]
    pub lookback_days: Option<i64>,
    #[serde(default)]
    pub max_items: Option<i64>,
    #[serde(default)]
    pub include_image: Option<bool>,
    #[serde(default)]
    pub include_products_weekly: Option<bool>,
}

/// Templates after validation: `news_prompt_id` always, the format ids when their channel is
/// in the run (others are kept when given, they do no harm).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Templates {
    pub news_prompt_id: Uuid,
    pub format_telegram_id: Option<Uuid>,
    pub format_instagram_id: Option<Uuid>,
    pub image_prompt_id: Option<Uuid>,
}

/// Options with their defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunOptions {
    pub lookback_days: u32,
    pub max_items: u32,
    pub include_image: bool,
    pub include_products_weekly: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            lookback_days: DEFAULT_LOOKBACK_DAYS,
            max_items: DEFAULT_MAX_ITEMS,
            include_image: DEFAULT_INCLUDE_IMAGE,
            include_products_weekly: DEFAULT_INCLUDE_PRODUCTS_WEEKLY,
        }
    }
}

/// A run request that satisfies contract v1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRun {
    pub run_id: Option<Uuid>,
    pub project_id: Uuid,
    pub persona_id: Uuid,
    /// Normalised (trimmed, lowercase), in the order given, no duplicates.
    pub channels: Vec<Channel>,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub templates: Templates,
    pub options: RunOptions,
}

fn parse_date(field: &'static str, text: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        errors.push(FieldError::new(field, "is required (YYYY-MM-DD)"));
        return None;
    }
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) if t.len() == 10 => Some(d),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{t:?} is not a date in the form YYYY-MM-DD (e.g. 2025-12-15)"),
            ));
            None
        }
    }
}

fn template_id(
    field: &'static str,
    value: Option<&str>,
    required: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<Uuid> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => {
            if let Some(why) = required {
                errors.push(FieldError::new(field, format!("is required {why}")));
            }
            None
        }
        Some(v) => {
            match Uuid::parse_str(v) {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError::new(
                    field,
                    format!("{v:?} is not a UUID (expected e.g. 550e8400-e29b-41d4-a716-446655440000)"),
                ));
                    None
                }
            }
        }
    }
}

fn bounded(
    field: &'static str,
    value: Option<i64>,
    default: u32,
    max: u32,
    errors: &mut Vec<FieldError>,
) -> u32 {
    match value {
        None => default,
        Some(v) if (1..=i64::from(max)).contains(&v) => v as u32,
        Some(v) => {
            errors.push(FieldError::new(
                field,
                format!("must be between 1 and {max} (got {v})"),
            ));
            default
        }
    }
}

impl RunRequest {
    /// Checks the request against contract v1; every problem at once. `configured` are the
    /// extra channel names the config accepts (`channels = [...]`), as for the publish form.
    pub fn validate(&self, configured: &[String]) -> Result<ValidRun, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut channels: Vec<Channel> = Vec::new();
        if self.channels.is_empty() {
            errors.push(FieldError::new(
                "channels",
                "must list at least one channel",
            ));
        }
        for (i, name) in self.channels.iter().enumerate() {
            match check_channel(name, configured) {
                Ok(c) if channels.contains(&c) => errors.push(FieldError::new(
                    "channels",
                    format!("channel {} (item {}) is listed twice", c, i + 1),
                )),
                Ok(c) => channels.push(c),
                Err(message) => errors.push(FieldError::new(
                    "channels",
                    format!("item {}: {message}", i + 1),
                )),
            }
        }
        let date_from = parse_date("date_from", &self.date_from, &mut errors);
        let date_to = parse_date("date_to", &self.date_to, &mut errors);
        if let (Some(from), Some(to)) = (date_from, date_to)
            && to < from
        {
            errors.push(FieldError::new(
                "date_to",
                format!("{to} is before date_from {from}"),
            ));
        }

        let t = self.templates.clone().unwrap_or_default();
        if self.templates.is_none() {
            errors.push(FieldError::new(
                "templates",
                "is required (at least templates.news_prompt_id)",
            ));
        }
        let news = template_id(
            "templates.news_prompt_id",
            t.news_prompt_id.as_deref(),
            (self.templates.is_some()).then_some("(the news prompt every run uses)"),
            &mut errors,
        );
        let format_telegram_id = template_id(
            "templates.format_telegram_id",
            t.format_telegram_id.as_deref(),
            channels
                .contains(&Channel::Telegram)
                .then_some("when telegram is in channels"),
            &mut errors,
        );
        let format_instagram_id = template_id(
            "templates.format_instagram_id",
            t.format_instagram_id.as_deref(),
            channels
                .contains(&Channel::Instagram)
                .then_some("when instagram is in channels"),
            &mut errors,
        );
        let image_prompt_id = template_id(
            "templates.image_prompt_id",
            t.image_prompt_id.as_deref(),
            None,
            &mut errors,
        );

        let o = self.options.clone().unwrap_or_default();
        let options = RunOptions {
            lookback_days: bounded(
                "options.lookback_days",
                o.lookback_days,
                DEFAULT_LOOKBACK_DAYS,
                MAX_LOOKBACK_DAYS,
                &mut errors,
            ),
            max_items: bounded(
                "options.max_items",
                o.max_items,
                DEFAULT_MAX_ITEMS,
                MAX_MAX_ITEMS,
                &mut errors,
            ),
            include_image: o.include_image.unwrap_or(DEFAULT_INCLUDE_IMAGE),
            include_products_weekly: o
                .include_products_weekly
                .unwrap_or(DEFAULT_INCLUDE_PRODUCTS_WEEKLY),
        };

        match (errors.is_empty(), date_from, date_to, news) {
            (true, Some(date_from), Some(date_to), Some(news_prompt_id)) => Ok(ValidRun {
                run_id: self.run_id,
                project_id: self.project_id,
                persona_id: self.persona_id,
                channels,
                date_from,
                date_to,
                templates: Templates {
                    news_prompt_id,
                    format_telegram_id,
                    format_instagram_id,
                    image_prompt_id,
                },
                options,
            }),
            _ => Err(errors),
        }
    }
}

impl ValidRun {
    /// The run's content without its `run_id`: what decides "the same body" for a re-submission.
    /// Channels sorted, defaults filled in, every field present (absent templates are `null`).
    pub fn canonical(&self) -> Value {
        let channels: BTreeSet<&str> = self.channels.iter().map(Channel::as_str).collect();
        json!({
            "project_id": self.project_id,
            "persona_id": self.persona_id,
            "channels": channels,
            "date_from": self.date_from.to_string(),
            "date_to": self.date_to.to_string(),
            "templates": self.templates,
            "options": self.options,
        })
    }

    /// The contract v1 input body sent to n8n (`run_id` is the run's, generated or the client's).
    pub fn n8n_body(&self, run_id: Uuid) -> Value {
        json!({
            "run_id": run_id,
            "project_id": self.project_id,
            "persona_id": self.persona_id,
            "channels": self.channels.iter().map(Channel::as_str).collect::<Vec<_>>(),
            "date_from": self.date_from.to_string(),
            "date_to": self.date_to.to_string(),
            "templates": self.templates,
            "options": self.options,
        })
    }
}

/// The canonical form of a stored run, from its ids and `meta` (`{channels, date_from, date_to,
/// templates, options}`, as `store::runs` writes it), to compare a re-submission with.
/// `None` when the stored run does not satisfy contract v1 (e.g. created by the old API
/// without templates): a re-submission then differs from it.
pub fn stored_canonical(project_id: Uuid, persona_id: Uuid, meta: &Value) -> Option<Value> {
    stored_run(project_id, persona_id, meta)
        .ok()
        .map(|v| v.canonical())
}

/// A stored run read back as the contract v1 request it was created from (what the n8n
/// dispatcher sends, `ValidRun::n8n_body`), or the problems that keep it from being one (a
/// run written by the old API without templates, a `meta` edited by hand).
pub fn stored_run(
    project_id: Uuid,
    persona_id: Uuid,
    meta: &Value,
) -> Result<ValidRun, Vec<FieldError>> {
    let text = |key: &str| {
        meta.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let channels: Vec<String> = meta
        .get("channels")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .map(|c| c.as_str().map(str::to_string))
                .collect::<Option<_>>()
        })
        .ok_or_else(|| vec![FieldError::new("channels", "is not a list of names")])?;
    let templates = match meta.get("templates") {
        None | Some(Value::Null) => None,
        Some(t) => Some(
            serde_json::from_value(t.clone())
                .map_err(|e| vec![FieldError::new("templates", e.to_string())])?,
        ),
    };
    let options = serde_json::from_value(meta.get("options").cloned().unwrap_or(Value::Null))
        .map_err(|e| vec![FieldError::new("options", e.to_string())])?;
    let request = RunRequest {
        run_id: None,
        project_id,
        persona_id,
        date_from: text("date_from"),
        date_to: text("date_to"),
        templates,
        options,
        // Whatever channel names it was accepted with are accepted again.
        channels: channels.clone(),
    };
    request.validate(&channels)
}

/// What a re-submission with an existing `run_id` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resubmission {
    /// The same body: answer with the existing run, change nothing.
    Same,
    /// A different body under the same id: a conflict naming the fields that differ.
    Conflict(Vec<String>),
}

/// Compares a re-submitted run with the stored run's canonical form.
pub fn resubmission(new: &ValidRun, stored_canonical: &Value) -> Resubmission {
    let diff = differences(&new.canonical(), stored_canonical);
    if diff.is_empty() {
        Resubmission::Same
    } else {
        Resubmission::Conflict(diff)
    }
}

/// The field paths where two canonical forms differ (`options.max_items`, `channels`,
/// `published_items[2].status`, `published_items` when the counts differ), sorted.
pub fn differences(a: &Value, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into("", a, b, &mut out);
    out
}

fn diff_into(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                diff_into(
                    &join(k),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.len() == y.len() && x.iter().chain(y).any(Value::is_object) =>
        {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff_into(&format!("{path}[{}]", i + 1), p, q, out);
            }
        }
        _ if a != b => out.push(if path.is_empty() {
            "body".into()
        } else {
            path.into()
        }),
        _ => {}
    }
}

/// A short sentence for a 409: "differs in channels, options.max_items" (at most 8 named).
pub fn describe_differences(what: &str, fields: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut text = format!(
        "{what} differs in {}",
        fields[..fields.len().min(SHOWN)].join(", ")
    );
    if fields.len() > SHOWN {
        text.push_str(&format!(" and {} more", fields.len() - SHOWN));
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Contract v1 output: the completion callback.

/// n8n's execution id in either form it comes in: the numeric string `$execution.id` gives
/// (real n8n), or a UUID (the old contract). A JSON number is read as the numeric form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExecutionId {
    Numeric(String),
    Uuid(Uuid),
}

impl ExecutionId {
    /// Reads an execution id; `None` when it is neither all digits nor a UUID.
    pub fn parse(text: &str) -> Option<ExecutionId> {
        let t = text.trim();
        if !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()) {
            return Some(ExecutionId::Numeric(t.to_string()));
        }
        Uuid::parse_str(t).ok().map(ExecutionId::Uuid)
    }

    /// As stored in `n8n_execution_ref` (UUIDs hyphenated lowercase).
    pub fn as_text(&self) -> String {
        match self {
            ExecutionId::Numeric(n) => n.clone(),
            ExecutionId::Uuid(u) => u.to_string(),
        }
    }

    /// The UUID form, for the old `n8n_execution_id` column.
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            ExecutionId::Uuid(u) => Some(*u),
            ExecutionId::Numeric(_) => None,
        }
    }
}

/// The completion body as n8n sends it. Text and numbers where n8n is loose (ids, statuses), so
/// each bad field is named instead of refusing the body as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompletionRequest {
    pub run_id: Uuid,
    #[serde(default)]
    pub status: String,
    pub persona_id: Uuid,
    pub project_id: Uuid,
    /// A string (numeric or UUID) or a JSON number.
    #[serde(default)]
    pub n8n_execution_id: Value,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub published_items: Vec<ItemRequest>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemRequest {
    #[serde(default)]
    pub draft_id: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    /// Telegram's message ids arrive as numbers (§8 #18): a number is kept as its text.
    #[serde(default)]
    pub channel_item_id: Option<Value>,
    #[serde(default)]
    pub channel_url: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub metrics: Option<Value>,
}

/// One validated item, the shape `store::runs::ItemReport` takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidItem {
    pub draft_id: Uuid,
    pub channel: Channel,
    pub channel_item_id: Option<String>,
    pub channel_url: Option<String>,
    /// `success` or `failed` (lowercase), or absent (counts as success, as the aggregator does).
    pub status: Option<String>,
    pub error: Option<String>,
    /// `{}` when absent; otherwise the object as sent (its numbers checked).
    pub metrics: Value,
}

/// A completion that satisfies contract v1 (not yet checked against the run: [`check_run`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCompletion {
    pub run_id: Uuid,
    pub status: RunStatus,
    pub persona_id: Uuid,
    pub project_id: Uuid,
    pub n8n_execution_id: ExecutionId,
    pub error: Option<String>,
    pub items: Vec<ValidItem>,
}

const ITEM_METRICS: [&str; 3] = ["views", "reactions", "shares"];

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

fn validate_item(n: usize, item: &ItemRequest, errors: &mut Vec<FieldError>) -> Option<ValidItem> {
    let before = errors.len();
    let mut err = |field: &'static str, message: String| {
        errors.push(FieldError::new(field, format!("item {n}: {message}")));
    };
    let draft_id = match item.draft_id.as_deref().map(str::trim) {
        None | Some("") => {
            err("published_items[].draft_id", "is required".into());
            None
        }
        Some(t) => Uuid::parse_str(t)
            .map_err(|_| err("published_items[].draft_id", format!("{t:?} is not a UUID")))
            .ok(),
    };
    let channel = match item.channel.as_deref().map(str::trim) {
        None | Some("") => {
            err("published_items[].channel", "is required".into());
            None
        }
        Some(c) => Some(Channel::parse(c)),
    };
    let status = match item.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) if s.eq_ignore_ascii_case("success") || s.eq_ignore_ascii_case("failed") => {
            Some(s.to_lowercase())
        }
        Some(s) => {
            err(
                "published_items[].status",
                format!("{s:?} is not an item status: use success or failed"),
            );
            None
        }
    };
    let failed = run_status::item_failed(status.as_deref());
    let blank = |v: &Value| v.is_null() || v.as_str().is_some_and(|t| t.trim().is_empty());
    let channel_item_id = match &item.channel_item_id {
        None => None,
        Some(v) if blank(v) => None,
        Some(v) => match text_of(v) {
            Some(t) => Some(t),
            None => {
                err(
                    "published_items[].channel_item_id",
                    "must be a string or an integer".into(),
                );
                None
            }
        },
    };
    if !failed && item.channel_item_id.as_ref().is_none_or(blank) {
        err(
            "published_items[].channel_item_id",
            "is required for a published item (only a failed item may omit it)".into(),
        );
    }
    let channel_url = item
        .channel_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    if let Some(url) = channel_url
        && let Err(m) = super::form::check_http_url(url)
    {
        err("published_items[].channel_url", m);
    }
    let metrics = match &item.metrics {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::Object(m)) => {
            for key in ITEM_METRICS {
                if let Some(v) = m.get(key)
                    && !(v.is_null() || v.as_u64().is_some())
                {
                    err(
                        "published_items[].metrics",
                        format!("{key} must be a whole number >= 0 (got {v})"),
                    );
                }
            }
            Value::Object(m.clone())
        }
        Some(_) => {
            err(
                "published_items[].metrics",
                "must be an object such as {\"views\": 10}".into(),
            );
            Value::Null
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(ValidItem {
        draft_id: draft_id?,
        channel: channel?,
        channel_item_id,
        channel_url: channel_url.map(str::to_string),
        status,
        error: item
            .error
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string),
        metrics,
    })
}

impl CompletionRequest {
    /// Checks the callback for the run named in the path; every problem at once.
    pub fn validate(&self, path_run_id: Uuid) -> Result<ValidCompletion, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.run_id != path_run_id {
            errors.push(FieldError::new(
                "run_id",
                format!(
                    "{} differs from the run in the path {path_run_id}",
                    self.run_id
                ),
            ));
        }
        let status = match run_status::parse_reported(&self.status) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.push(FieldError::new("status", e.to_string()));
                None
            }
        };
        let execution = match text_of(&self.n8n_execution_id) {
            None => {
                errors.push(FieldError::new(
                    "n8n_execution_id",
                    "is required (n8n's execution id: digits or a UUID)",
                ));
                None
            }
            Some(t) => {
                let parsed = ExecutionId::parse(&t);
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        "n8n_execution_id",
                        format!("{t:?} is neither a numeric execution id nor a UUID"),
                    ));
                }
                parsed
            }
        };
        let error = self
            .error
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string);
        if status == Some(RunStatus::Failed) && error.is_none() {
            errors.push(FieldError::new(
                "error",
                "is required when status is failed (what went wrong)",
            ));
        }
        let items: Vec<Option<ValidItem>> = self
            .published_items
            .iter()
            .enumerate()
            .map(|(i, item)| validate_item(i + 1, item, &mut errors))
            .collect();
        match (errors.is_empty(), status, execution) {
            (true, Some(status), Some(n8n_execution_id)) => Ok(ValidCompletion {
                run_id: self.run_id,
                status,
                persona_id: self.persona_id,
                project_id: self.project_id,
                n8n_execution_id,
                error,
                items: items.into_iter().flatten().collect(),
            }),
            _ => Err(errors),
        }
    }
}

/// The project and persona of a completion must be the run's (the old code never compared).
pub fn check_run(
    completion: &ValidCompletion,
    run_project_id: Uuid,
    run_persona_id: Uuid,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if completion.project_id != run_project_id {
        errors.push(FieldError::new(
            "project_id",
            format!(
                "{} is not the run's project {run_project_id}",
                completion.project_id
            ),
        ));
    }
    if completion.persona_id != run_persona_id {
        errors.push(FieldError::new(
            "persona_id",
            format!(
                "{} is not the run's persona {run_persona_id}",
                completion.persona_id
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What a finished run recorded, read back for comparing a repeated callback.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCompletion {
    /// The final (aggregated) status.
    pub status: RunStatus,
    pub n8n_execution_ref: Option<String>,
    pub error: Option<String>,
    pub items: Vec<ValidItem>,
}

fn item_canonical(i: &ValidItem) -> Value {
    json!({
        "draft_id": i.draft_id,
        "channel": i.channel.as_str(),
        "channel_item_id": i.channel_item_id,
        "channel_url": i.channel_url,
        "status": i.status.as_deref().map(str::to_lowercase),
        "error": i.error,
        "metrics": if i.metrics.is_null() { json!({}) } else { i.metrics.clone() },
    })
}

impl ValidCompletion {
    /// The final status this callback gives the run (the items decide, `run_status::aggregate`).
    pub fn final_status(&self) -> RunStatus {
        let statuses: Vec<Option<&str>> = self.items.iter().map(|i| i.status.as_deref()).collect();
        run_status::aggregate(self.status, &statuses)
    }

    /// The callback as it would be stored: final status, execution id, error, items.
    pub fn canonical(&self) -> Value {
        json!({
            "status": self.final_status().as_str(),
            "n8n_execution_id": self.n8n_execution_id.as_text(),
            "error": self.error,
            "published_items": self.items.iter().map(item_canonical).collect::<Vec<_>>(),
        })
    }
}

impl StoredCompletion {
    pub fn canonical(&self) -> Value {
        json!({
            "status": self.status.as_str(),
            "n8n_execution_id": self.n8n_execution_ref,
            "error": self.error,
            "published_items": self.items.iter().map(item_canonical).collect::<Vec<_>>(),
        })
    }
}

/// A callback for a run that is already complete: the same content -> `Same` (a replay, answer
/// 200 with the stored run), otherwise `Conflict` with the fields that differ (409).
pub fn completion_replay(new: &ValidCompletion, stored: &StoredCompletion) -> Resubmission {
    let diff = differences(&new.canonical(), &stored.canonical());
    if diff.is_empty() {
        Resubmission::Same
    } else {
        Resubmission::Conflict(diff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The reference's example ids (MPIS_REFERENCE.md §4.1).
    const RUN: &str = "550e8400-e29b-41d4-a716-446655440000";
    const PROJECT: &str = "660e8400-e29b-41d4-a716-446655440001";
    const EXECUTION: &str = "770e8400-e29b-41d4-a716-446655440002";
    const DRAFT: &str = "880e8400-e29b-41d4-a716-446655440003";
    const PERSONA: &str = "aa0e8400-e29b-41d4-a716-446655440005";
    const NEWS: &str = "bb0e8400-e29b-41d4-a716-446655440006";
    const FORMAT_TG: &str = "cc0e8400-e29b-41d4-a716-446655440007";
    const FORMAT_IG: &str = "dd0e8400-e29b-41d4-a716-446655440008";

    fn id(s: &str) -> Uuid {
        Uuid::parse_str(s).unwrap()
    }

    fn docs_run() -> Value {
        json!({
            "run_id": RUN, "project_id": PROJECT, "persona_id": PERSONA,
            "channels": ["telegram", "instagram"],
            "date_from": "2025-12-15", "date_to": "2025-12-15",
            "templates": {"news_prompt_id": NEWS, "format_telegram_id": FORMAT_TG,
                          "format_instagram_id": FORMAT_IG},
            "options": {"lookback_days": 1, "max_items": 10}
        })
    }

    fn run(v: Value) -> RunRequest {
        serde_json::from_value(v).unwrap()
    }

    fn fields(errors: &[FieldError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn the_documented_request_is_valid_with_defaults_filled() {
        let valid = run(docs_run()).validate(&[]).unwrap();
        assert_eq!(valid.run_id, Some(id(RUN)));
        assert_eq!(valid.channels, vec![Channel::Telegram, Channel::Instagram]);
        assert_eq!(valid.templates.news_prompt_id, id(NEWS));
        assert_eq!(valid.templates.format_instagram_id, Some(id(FORMAT_IG)));
        assert_eq!(valid.templates.image_prompt_id, None);
        assert_eq!(
            valid.options,
            RunOptions {
                lookback_days: 1,
                max_items: 10,
                include_image: true,
                include_products_weekly: false
            }
        );
        let body = valid.n8n_body(id(RUN));
        assert_eq!(body["run_id"], json!(RUN));
        assert_eq!(body["channels"], json!(["telegram", "instagram"]));
        assert_eq!(body["options"]["include_image"], json!(true));
        assert_eq!(body["templates"]["image_prompt_id"], Value::Null);
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let errors = run(json!({
            "project_id": PROJECT, "persona_id": PERSONA,
            "channels": [], "date_from": "2025-12-16", "date_to": "15.12.2025",
            "templates": {"news_prompt_id": "nope", "image_prompt_id": "x"},
            "options": {"lookback_days": 0, "max_items": 1000}
        }))
        .validate(&[])
        .unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![
                "channels",
                "date_to",
                "templates.news_prompt_id",
                "templates.image_prompt_id",
                "options.lookback_days",
                "options.max_items"
            ]
        );
        assert!(errors[1].message.contains("YYYY-MM-DD"), "{errors:?}");
        assert!(errors[5].message.contains("between 1 and 100 (got 1000)"));
    }

    #[test]
    fn channels_must_be_known_or_configured_and_listed_once() {
        let mut body = docs_run();
        body["channels"] = json!(["Telegram", "telegramm", "telegram", "vk"]);
        let errors = run(body.clone()).validate(&[]).unwrap_err();
        assert_eq!(fields(&errors), vec!["channels"; 3]);
        assert!(
            errors[0].message.contains("item 2")
                && errors[0].message.contains("did you mean telegram")
        );
        assert!(errors[1].message.contains("listed twice"));
        assert!(errors[2].message.contains("\"vk\""));
        body["channels"] = json!(["vk", "telegram"]);
        let valid = run(body).validate(&["VK".into()]).unwrap();
        assert_eq!(
            valid.channels,
            vec![Channel::Other("vk".into()), Channel::Telegram]
        );
    }

    #[test]
    fn dates_must_be_ordered_and_real() {
        let mut body = docs_run();
        body["date_from"] = json!("2025-12-16");
        let errors = run(body.clone()).validate(&[]).unwrap_err();
        assert_eq!(fields(&errors), vec!["date_to"]);
        assert_eq!(
            errors[0].message,
            "2025-12-15 is before date_from 2025-12-16"
        );
        body["date_from"] = json!("2025-02-30");
        body["date_to"] = json!("");
        let errors = run(body.clone()).validate(&[]).unwrap_err();
        assert_eq!(fields(&errors), vec!["date_from", "date_to"]);
        body["date_from"] = json!("2025-12-14");
        body["date_to"] = json!("2025-12-14");
        assert!(run(body).validate(&[]).is_ok(), "one day is a valid range");
    }

    #[test]
    fn format_templates_are_required_only_for_their_channel() {
        let mut body = docs_run();
        body["templates"] = json!({"news_prompt_id": NEWS});
        let errors = run(body.clone()).validate(&[]).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![
                "templates.format_telegram_id",
                "templates.format_instagram_id"
            ]
        );
        assert!(errors[0].message.contains("when telegram is in channels"));
        body["channels"] = json!(["tiktok"]);
        let valid = run(body.clone()).validate(&[]).unwrap();
        assert_eq!(valid.templates.format_telegram_id, None);
        body["templates"] = Value::Null;
        let errors = run(body.clone()).validate(&[]).unwrap_err();
        assert_eq!(fields(&errors), vec!["templates"]);
        body["templates"] = json!({});
        let errors = run(body).validate(&[]).unwrap_err();
        assert_eq!(fields(&errors), vec!["templates.news_prompt_id"]);
    }

    #[test]
    fn same_body_is_the_same_run_whatever_the_spelling() {
        let stored = run(docs_run()).validate(&[]).unwrap().canonical();
        // Channels in another order and case, defaults spelled out, no options: the same run.
        let mut again = docs_run();
        again["channels"] = json!(["Instagram", "telegram"]);
        again["options"] = json!({"include_image": true, "include_products_weekly": false});
        let again = run(again).validate(&[]).unwrap();
        assert_eq!(resubmission(&again, &stored), Resubmission::Same);
        // Without a run id the body is the same too: the id is not part of the content.
        let mut other = docs_run();
        other["run_id"] = Value::Null;
        assert_eq!(
            resubmission(&run(other).validate(&[]).unwrap(), &stored),
            Resubmission::Same
        );
    }

    #[test]
    fn the_stored_meta_compares_with_a_resubmission() {
        let valid = run(docs_run()).validate(&[]).unwrap();
        let new_run: crate::store::runs::NewRun = (&valid).into();
        // The meta `store::runs::create` writes from it.
        let meta = json!({
            "channels": new_run.channels,
            "date_from": new_run.date_from.to_string(),
            "date_to": new_run.date_to.to_string(),
            "templates": new_run.templates,
            "options": new_run.options,
        });
        assert_eq!(
            meta["options"]["include_image"],
            json!(true),
            "defaults are stored"
        );
        let stored = stored_canonical(id(PROJECT), id(PERSONA), &meta).unwrap();
        assert_eq!(stored, valid.canonical());
        assert_eq!(resubmission(&valid, &stored), Resubmission::Same);
        // Another project under the same run id is a conflict.
        let other = stored_canonical(Uuid::nil(), id(PERSONA), &meta).unwrap();
        assert_eq!(
            resubmission(&valid, &other),
            Resubmission::Conflict(vec!["project_id".into()])
        );
        // A run of the old API (empty templates) has no contract v1 form.
        let old = json!({"channels": ["telegram"], "date_from": "2025-12-15",
                         "date_to": "2025-12-15", "templates": {}, "options": {}});
        assert_eq!(stored_canonical(id(PROJECT), id(PERSONA), &old), None);
    }

    #[test]
    fn a_stored_run_reads_back_as_the_body_n8n_gets() {
        let valid = run(docs_run()).validate(&[]).unwrap();
        let new_run: crate::store::runs::NewRun = (&valid).into();
        let meta = json!({
            "channels": new_run.channels,
            "date_from": new_run.date_from.to_string(),
            "date_to": new_run.date_to.to_string(),
            "templates": new_run.templates,
            "options": new_run.options,
        });
        let back = stored_run(valid.project_id, valid.persona_id, &meta).unwrap();
        let run_id = Uuid::new_v4();
        assert_eq!(back.n8n_body(run_id), valid.n8n_body(run_id));
        let problems = stored_run(
            valid.project_id,
            valid.persona_id,
            &json!({"channels": ["telegram"]}),
        )
        .unwrap_err();
        assert!(
            problems.iter().any(|p| p.field == "templates"),
            "{problems:?}"
        );
        assert!(stored_run(valid.project_id, valid.persona_id, &json!({})).is_err());
    }

    #[test]
    fn a_different_body_is_a_conflict_naming_the_fields() {
        let stored = run(docs_run()).validate(&[]).unwrap().canonical();
        let mut changed = docs_run();
        changed["channels"] = json!(["telegram"]);
        changed["options"]["max_items"] = json!(20);
        changed["date_to"] = json!("2025-12-16");
        let changed = run(changed).validate(&[]).unwrap();
        let Resubmission::Conflict(diff) = resubmission(&changed, &stored) else {
            panic!("expected a conflict");
        };
        assert_eq!(diff, vec!["channels", "date_to", "options.max_items"]);
        assert_eq!(
            describe_differences("the run", &diff),
            "the run differs in channels, date_to, options.max_items"
        );
        let many: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
        assert!(describe_differences("x", &many).ends_with("f7 and 2 more"));
    }

    fn docs_completion() -> Value {
        json!({
            "run_id": RUN, "status": "success", "persona_id": PERSONA, "project_id": PROJECT,
            "n8n_execution_id": EXECUTION,
            "published_items": [{
                "draft_id": DRAFT, "channel": "telegram", "channel_item_id": "12345",
                "channel_url": "https://t.me/channel/12345", "status": "success",
                "metrics": {"views": 0, "reactions": 0, "shares": 0}
            }]
        })
    }

    fn completion(v: Value) -> CompletionRequest {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_documented_completion_is_valid() {
        let c = completion(docs_completion()).validate(id(RUN)).unwrap();
        assert_eq!(c.status, RunStatus::Success);
        assert_eq!(c.n8n_execution_id, ExecutionId::Uuid(id(EXECUTION)));
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].channel, Channel::Telegram);
        assert_eq!(c.items[0].channel_item_id.as_deref(), Some("12345"));
        assert_eq!(c.final_status(), RunStatus::Success);
        assert!(check_run(&c, id(PROJECT), id(PERSONA)).is_ok());
    }

    #[test]
    fn the_documented_failure_needs_its_error() {
        let mut body = json!({
            "run_id": RUN, "status": "failed", "persona_id": PERSONA, "project_id": PROJECT,
            "n8n_execution_id": EXECUTION, "published_items": []
        });
        let errors = completion(body.clone()).validate(id(RUN)).unwrap_err();
        assert_eq!(fields(&errors), vec!["error"]);
        body["error"] = json!("Failed to authenticate with Telegram API: Invalid bot token");
        let c = completion(body).validate(id(RUN)).unwrap();
        assert_eq!(c.final_status(), RunStatus::Failed);
        assert_eq!(
            c.error.as_deref(),
            Some("Failed to authenticate with Telegram API: Invalid bot token")
        );
    }

    #[test]
    fn numeric_or_uuid_execution_ids_and_partial_are_accepted() {
        let mut body = docs_completion();
        body["status"] = json!("partial");
        body["n8n_execution_id"] = json!("4821");
        let c = completion(body.clone()).validate(id(RUN)).unwrap();
        assert_eq!(c.status, RunStatus::Partial);
        assert_eq!(c.n8n_execution_id, ExecutionId::Numeric("4821".into()));
        assert_eq!(c.n8n_execution_id.as_uuid(), None);
        body["n8n_execution_id"] = json!(4821);
        let c = completion(body.clone()).validate(id(RUN)).unwrap();
        assert_eq!(c.n8n_execution_id.as_text(), "4821");
        for bad in [
            json!("exec-1"),
            json!(""),
            Value::Null,
            json!(-3),
            json!(1.5),
        ] {
            body["n8n_execution_id"] = bad.clone();
            let errors = completion(body.clone()).validate(id(RUN)).unwrap_err();
            assert_eq!(fields(&errors), vec!["n8n_execution_id"], "{bad}");
        }
    }

    #[test]
    fn run_id_status_and_items_are_checked() {
        let mut body = docs_completion();
        body["status"] = json!("running");
        body["published_items"] = json!([
            {"channel": "telegram", "channel_item_id": 77},
            {"draft_id": "x", "channel": " ", "status": "ok", "channel_url": "ftp://a",
             "metrics": {"views": -1}},
            {"draft_id": DRAFT, "channel": "instagram", "status": "failed", "error": "quota"},
            {"draft_id": DRAFT, "channel": "tiktok", "channel_item_id": " "},
            {"draft_id": DRAFT, "channel": "tiktok", "channel_item_id": [1]}
        ]);
        let errors = completion(body).validate(Uuid::nil()).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![
                "run_id",
                "status",
                "published_items[].draft_id",
                "published_items[].draft_id",
                "published_items[].channel",
                "published_items[].status",
                "published_items[].channel_item_id",
                "published_items[].channel_url",
                "published_items[].metrics",
                "published_items[].channel_item_id",
                "published_items[].channel_item_id",
            ]
        );
        assert!(
            errors[9].message.starts_with("item 4: is required"),
            "{errors:?}"
        );
        assert!(errors[10].message.contains("string or an integer"));
        assert!(
            errors[0]
                .message
                .contains("differs from the run in the path")
        );
        assert!(errors[1].message.contains("not a completion status"));
        assert!(errors[2].message.starts_with("item 1:"));
        assert!(errors[3].message.starts_with("item 2:"));
    }

    #[test]
    fn items_become_the_stores_reports_and_decide_the_status() {
        let mut body = docs_completion();
        body["published_items"] = json!([
            {"draft_id": DRAFT, "channel": "Telegram", "channel_item_id": 12345, "status": "success"},
            {"draft_id": DRAFT, "channel": "instagram", "status": "FAILED", "error": "quota"}
        ]);
        let c = completion(body).validate(id(RUN)).unwrap();
        assert_eq!(c.final_status(), RunStatus::Partial);
        let stored: crate::store::runs::Completion = (&c).into();
        assert_eq!(stored.n8n_execution_id, EXECUTION);
        assert_eq!(stored.persona_id, Some(id(PERSONA)));
        assert_eq!(stored.items[0].channel, "telegram");
        assert_eq!(stored.items[0].channel_item_id.as_deref(), Some("12345"));
        assert_eq!(stored.items[1].status.as_deref(), Some("failed"));
        assert_eq!(stored.items[1].metrics, json!({}));
    }

    #[test]
    fn project_and_persona_must_be_the_runs() {
        let c = completion(docs_completion()).validate(id(RUN)).unwrap();
        let errors = check_run(&c, Uuid::nil(), Uuid::nil()).unwrap_err();
        assert_eq!(fields(&errors), vec!["project_id", "persona_id"]);
        let errors = check_run(&c, id(PROJECT), Uuid::nil()).unwrap_err();
        assert_eq!(fields(&errors), vec!["persona_id"]);
    }

    fn stored_of(c: &ValidCompletion) -> StoredCompletion {
        StoredCompletion {
            status: c.final_status(),
            n8n_execution_ref: Some(c.n8n_execution_id.as_text()),
            error: c.error.clone(),
            items: c.items.clone(),
        }
    }

    #[test]
    fn the_same_callback_again_is_a_replay_a_different_one_a_conflict() {
        let first = completion(docs_completion()).validate(id(RUN)).unwrap();
        let stored = stored_of(&first);
        assert_eq!(completion_replay(&first, &stored), Resubmission::Same);

        let mut body = docs_completion();
        body["n8n_execution_id"] = json!("4821");
        body["published_items"][0]["status"] = json!("failed");
        body["published_items"][0]["error"] = json!("flood wait");
        let second = completion(body).validate(id(RUN)).unwrap();
        assert_eq!(
            completion_replay(&second, &stored),
            Resubmission::Conflict(vec![
                "n8n_execution_id".into(),
                "published_items[1].error".into(),
                "published_items[1].status".into(),
                "status".into(),
            ])
        );
        let mut fewer = docs_completion();
        fewer["published_items"] = json!([]);
        let fewer = completion(fewer).validate(id(RUN)).unwrap();
        assert_eq!(
            completion_replay(&fewer, &stored),
            Resubmission::Conflict(vec!["published_items".into()])
        );
    }

    #[test]
    fn execution_id_forms() {
        assert_eq!(
            ExecutionId::parse(" 12 "),
            Some(ExecutionId::Numeric("12".into()))
        );
        assert_eq!(
            ExecutionId::parse(&EXECUTION.to_uppercase()).map(|e| e.as_text()),
            Some(EXECUTION.to_string())
        );
        assert_eq!(ExecutionId::parse("12a"), None);
        assert_eq!(ExecutionId::parse(&"9".repeat(21)), None);
    }
}
