//! The `:run` form: start a publishing run. The project (picked, filtered as typed; its persona
//! shown), channels (the project's by default; toggled or typed with completion), the dates
//! (today by default), the templates each chosen channel needs (prefilled from the project's
//! last run), and the options with their defaults. Checked by `domain::publisher_contract`
//! (contract v1, every problem at its field) before anything is sent; Ctrl-S submits; Esc asks
//! before what was changed is lost.

use std::time::Instant;

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;

use super::FormAction;
use super::choice::{ChannelField, ChannelKey, Picker, channel_options};
use crate::domain::form::FieldError;
use crate::domain::project_form::channel_names;
use crate::domain::publisher_contract::{
    DEFAULT_INCLUDE_IMAGE, DEFAULT_INCLUDE_PRODUCTS_WEEKLY, DEFAULT_LOOKBACK_DAYS,
    DEFAULT_MAX_ITEMS, OptionsRequest, RunRequest, TemplatesRequest, ValidRun,
};
use crate::tui::data::Loadable;
use crate::tui::text_field::{self, Cursor};
use crate::tui::worker::RunChoices;

/// The fields in display (and Tab) order: (field name as contract v1 names it, label).
pub const FIELDS: [(&str, &str); 12] = [
    ("project_id", "project"),
    ("channels", "channels"),
    ("date_from", "date from"),
    ("date_to", "date to"),
    ("templates.news_prompt_id", "news prompt id"),
    ("templates.format_telegram_id", "telegram format id"),
    ("templates.format_instagram_id", "instagram format id"),
    ("templates.image_prompt_id", "image prompt id"),
    ("options.lookback_days", "lookback days"),
    ("options.max_items", "max items"),
    ("options.include_image", "include image"),
    ("options.include_products_weekly", "products weekly"),
];
pub const PROJECT: usize = 0;
pub const CHANNELS: usize = 1;
/// The text fields: dates, templates, the two numbers (`texts[i - FIRST_TEXT]`).
pub const FIRST_TEXT: usize = 2;
pub const TEXTS: usize = 8;
pub const NEWS: usize = 4;
pub const TELEGRAM: usize = 5;
pub const INSTAGRAM: usize = 6;
pub const IMAGE: usize = 7;
pub const LOOKBACK: usize = 8;
pub const MAX_ITEMS: usize = 9;
pub const INCLUDE_IMAGE: usize = 10;
pub const PRODUCTS_WEEKLY: usize = 11;
/// The template keys of a run's `meta.templates`, in field order.
const TEMPLATE_KEYS: [&str; 4] = [
    "news_prompt_id",
    "format_telegram_id",
    "format_instagram_id",
    "image_prompt_id",
];

#[derive(Debug, Clone, PartialEq)]
pub struct RunFormState {
    pub project: Picker,
    pub channels: ChannelField,
    pub texts: [String; TEXTS],
    pub cursors: [Cursor; TEXTS],
    pub include_image: bool,
    pub include_products_weekly: bool,
    pub choices: Loadable<RunChoices>,
    pub configured: Vec<String>,
    pub focus: usize,
    pub errors: Vec<FieldError>,
    pub failure: Option<String>,
    pub submitted_at: Option<Instant>,
    pub leaving: bool,
    /// The templates the last project pick filled in (from its last run), to replace on the
    /// next pick when left as they were.
    pub prefilled: [String; 4],
    /// The values as opened: Esc asks when they differ.
    initial: Option<Box<RunFormState>>,
}

impl RunFormState {
    /// A form opened on `today`: both dates today, the options at their defaults.
    pub fn new(configured: Vec<String>, today: NaiveDate) -> RunFormState {
        let mut texts: [String; TEXTS] = Default::default();
        texts[0] = today.to_string();
        texts[1] = today.to_string();
        texts[LOOKBACK - FIRST_TEXT] = DEFAULT_LOOKBACK_DAYS.to_string();
        texts[MAX_ITEMS - FIRST_TEXT] = DEFAULT_MAX_ITEMS.to_string();
        let mut state = RunFormState {
            project: Picker::default(),
            channels: ChannelField::default(),
            texts,
            cursors: [Cursor::END; TEXTS],
            include_image: DEFAULT_INCLUDE_IMAGE,
            include_products_weekly: DEFAULT_INCLUDE_PRODUCTS_WEEKLY,
            choices: Loadable::default(),
            configured,
            focus: 0,
            errors: Vec::new(),
            failure: None,
            submitted_at: None,
            leaving: false,
            prefilled: Default::default(),
            initial: None,
        };
        state.initial = Some(Box::new(state.clone()));
        state
    }

    pub fn submitting(&self) -> bool {
        self.submitted_at.is_some()
    }

    pub fn editing_text(&self) -> bool {
        !self.submitting() && !self.leaving && self.focus < INCLUDE_IMAGE
    }

    /// Something differs from the form as opened (Esc asks before it is lost).
    pub fn has_input(&self) -> bool {
        let Some(initial) = &self.initial else {
            return false;
        };
        self.project.text != initial.project.text
            || self.channels.text != initial.channels.text
            || self.texts != initial.texts
            || self.include_image != initial.include_image
            || self.include_products_weekly != initial.include_products_weekly
    }

    /// What the project picker filters on: project name, persona name, channels, id.
    pub fn haystacks(&self) -> Vec<String> {
        let Some(choices) = &self.choices.value else {
            return Vec::new();
        };
        choices
            .projects
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {}",
                    p.name,
                    choices.persona_name(p.persona_id).unwrap_or(""),
                    p.channels.join(" "),
                    p.id
                )
            })
            .collect()
    }

    pub fn project_names(&self) -> Vec<String> {
        self.choices
            .value
            .as_ref()
            .map(|c| c.projects.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }

    pub fn picked_project(&self) -> Option<&crate::store::projects::Project> {
        self.choices
            .value
            .as_ref()?
            .projects
            .get(self.project.picked?)
    }

    /// The picked project's persona name.
    pub fn persona_name(&self) -> Option<&str> {
        let project = self.picked_project()?;
        self.choices
            .value
            .as_ref()?
            .persona_name(project.persona_id)
    }

    pub fn options(&self) -> Vec<String> {
        channel_options(&self.configured)
    }

    /// Whether template field `field` is required by the channels listed, and why.
    pub fn required(&self, field: usize) -> Option<&'static str> {
        let listed = self.channels.listed();
        match field {
            NEWS => Some("required"),
            TELEGRAM if listed.iter().any(|c| c == "telegram") => Some("required for telegram"),
            INSTAGRAM if listed.iter().any(|c| c == "instagram") => Some("required for instagram"),
            _ => None,
        }
    }

    pub fn error(&self, field: usize) -> Option<&str> {
        let name = FIELDS[field].0;
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.as_str())
    }

    /// The shown value of a field.
    pub fn value(&self, field: usize) -> String {
        match field {
            PROJECT => self.project.text.clone(),
            CHANNELS => self.channels.text.clone(),
            INCLUDE_IMAGE => yes_no(self.include_image).to_string(),
            PRODUCTS_WEEKLY => yes_no(self.include_products_weekly).to_string(),
            f => self.texts[f - FIRST_TEXT].clone(),
        }
    }

    /// Whether an option field holds its default (said beside it).
    pub fn is_default(&self, field: usize) -> bool {
        match field {
            LOOKBACK => self.texts[field - FIRST_TEXT].trim() == DEFAULT_LOOKBACK_DAYS.to_string(),
            MAX_ITEMS => self.texts[field - FIRST_TEXT].trim() == DEFAULT_MAX_ITEMS.to_string(),
            INCLUDE_IMAGE => self.include_image == DEFAULT_INCLUDE_IMAGE,
            PRODUCTS_WEEKLY => self.include_products_weekly == DEFAULT_INCLUDE_PRODUCTS_WEEKLY,
            _ => false,
        }
    }

    pub fn cursor(&self, field: usize) -> Option<Cursor> {
        if field != self.focus || !self.editing_text() {
            return None;
        }
        Some(match field {
            PROJECT => self.project.cursor,
            CHANNELS => self.channels.cursor,
            f => self.cursors[f - FIRST_TEXT],
        })
    }

    fn changed(&mut self, field: usize) {
        self.failure = None;
        let name = FIELDS[field].0;
        self.errors.retain(|e| e.field != name);
    }

    pub fn paste(&mut self, text: &str) -> bool {
        if !self.editing_text() {
            return false;
        }
        match self.focus {
            PROJECT => {
                let haystacks = self.haystacks();
                self.project.paste(text, &haystacks);
                self.project_changed();
            }
            CHANNELS => self.channels.paste(text),
            f => {
                let i = f - FIRST_TEXT;
                text_field::insert(
                    &mut self.texts[i],
                    &mut self.cursors[i],
                    &text_field::one_line(text),
                );
            }
        }
        self.changed(self.focus);
        true
    }

    /// The choices arrived: the picked project stays picked by its id.
    pub fn choices_loaded(
        &mut self,
        result: Result<RunChoices, String>,
        wall: chrono::DateTime<chrono::Utc>,
        now: Instant,
    ) {
        let picked_id = self.picked_project().map(|p| p.id);
        match result {
            Ok(choices) => {
                self.project.picked =
                    picked_id.and_then(|id| choices.projects.iter().position(|p| p.id == id));
                self.choices.succeed(choices, wall, now);
            }
            Err(error) => self.choices.fail(error),
        }
    }

    /// A project was taken: its channels and its last run's templates fill the form.
    fn project_changed(&mut self) {
        let Some(project) = self.picked_project().cloned() else {
            return;
        };
        self.channels.set_list(&project.channels);
        self.changed(CHANNELS);
        let last = self
            .choices
            .value
            .as_ref()
            .and_then(|c| c.last_templates(project.id))
            .cloned()
            .unwrap_or(Value::Null);
        for (i, key) in TEMPLATE_KEYS.iter().enumerate() {
            let field = NEWS + i;
            let slot = field - FIRST_TEXT;
            // A template typed by hand stays.
            if self.texts[slot].trim().is_empty() || self.texts[slot] == self.prefilled[i] {
                let value = last.get(*key).and_then(Value::as_str).unwrap_or("");
                text_field::set(&mut self.texts[slot], &mut self.cursors[slot], value);
                self.prefilled[i] = self.texts[slot].clone();
                self.changed(field);
            }
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> FormAction<ValidRun> {
        if let Some(action) = super::discard_question(&mut self.leaving, &key)
            .or_else(|| super::while_writing(self.submitting(), &key))
        {
            return action;
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let count = FIELDS.len();
        match key.code {
            KeyCode::Esc if self.has_input() => self.leaving = true,
            KeyCode::Esc => return FormAction::Close,
            KeyCode::Char('s') if control => return self.submit(),
            KeyCode::BackTab => self.focus = (self.focus + count - 1) % count,
            KeyCode::Enter if self.focus == PROJECT => {
                let (haystacks, names) = (self.haystacks(), self.project_names());
                if self.project.take_shown(&haystacks, &names).is_some() {
                    self.changed(PROJECT);
                    self.project_changed();
                }
                self.focus = CHANNELS;
            }
            KeyCode::Up | KeyCode::Down if self.focus == PROJECT => {
                let (haystacks, names) = (self.haystacks(), self.project_names());
                let delta = if key.code == KeyCode::Down { 1 } else { -1 };
                self.project.step(delta, &haystacks, &names);
                self.changed(PROJECT);
                self.project_changed();
            }
            _ if self.focus == CHANNELS && key.code != KeyCode::Enter => {
                let options = self.options();
                match self.channels.key(&key, &options) {
                    ChannelKey::Taken(true) => self.changed(CHANNELS),
                    ChannelKey::Taken(false) => {}
                    ChannelKey::NotMine if key.code == KeyCode::Tab => self.focus += 1,
                    ChannelKey::NotMine => {}
                }
            }
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right if self.focus == INCLUDE_IMAGE => {
                self.include_image = !self.include_image;
            }
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                if self.focus == PRODUCTS_WEEKLY =>
            {
                self.include_products_weekly = !self.include_products_weekly;
            }
            KeyCode::Tab | KeyCode::Enter | KeyCode::Down => self.focus = (self.focus + 1) % count,
            KeyCode::Up => self.focus = (self.focus + count - 1) % count,
            _ if self.focus >= INCLUDE_IMAGE => {}
            _ => {
                let changed = match self.focus {
                    PROJECT => {
                        let haystacks = self.haystacks();
                        let changed = self.project.edit(&key, &haystacks);
                        if changed {
                            self.project_changed();
                        }
                        changed
                    }
                    f => {
                        let i = f - FIRST_TEXT;
                        text_field::edit(&mut self.texts[i], &mut self.cursors[i], &key).changed()
                    }
                };
                if changed {
                    self.changed(self.focus);
                }
            }
        }
        FormAction::None
    }

    /// The request the form stands for, checked by contract v1; every problem at its field.
    pub fn validate(&self) -> Result<ValidRun, Vec<FieldError>> {
        let mut errors = Vec::new();
        let project = self.picked_project().map(|p| (p.id, p.persona_id));
        if project.is_none() {
            let why = match (&self.choices.value, &self.choices.error) {
                (Some(c), _) if c.projects.is_empty() => {
                    "no projects yet: create one with :project".to_string()
                }
                (None, Some(error)) => format!("projects not loaded: {error}"),
                (None, None) => "projects still loading".to_string(),
                _ if self.project.text.trim().is_empty() => {
                    "is required: type to filter, Up/Down, Enter takes".to_string()
                }
                _ => format!(
                    "no project matches {:?}: type less, Up/Down to pick",
                    self.project.text.trim()
                ),
            };
            errors.push(FieldError::new("project_id", why));
        }
        let text = |field: usize| self.texts[field - FIRST_TEXT].trim().to_string();
        let optional = |field: usize| Some(text(field)).filter(|t| !t.is_empty());
        let mut number = |field: usize| -> Option<i64> {
            let t = text(field);
            if t.is_empty() {
                return None;
            }
            match t.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new(
                        FIELDS[field].0,
                        format!("{t:?} is not a whole number"),
                    ));
                    None
                }
            }
        };
        let lookback_days = number(LOOKBACK);
        let max_items = number(MAX_ITEMS);
        let (project_id, persona_id) = project.unwrap_or_default();
        let request = RunRequest {
            run_id: None,
            project_id,
            persona_id,
            channels: channel_names(&self.channels.text),
            date_from: text(FIRST_TEXT),
            date_to: text(FIRST_TEXT + 1),
            templates: Some(TemplatesRequest {
                news_prompt_id: optional(NEWS),
                format_telegram_id: optional(TELEGRAM),
                format_instagram_id: optional(INSTAGRAM),
                image_prompt_id: optional(IMAGE),
            }),
            options: Some(OptionsRequest {
                lookback_days,
                max_items,
                include_image: Some(self.include_image),
                include_products_weekly: Some(self.include_products_weekly),
            }),
        };
        match request.validate(&self.configured) {
            Ok(valid) if errors.is_empty() => Ok(valid),
            Ok(_) => Err(errors),
            Err(more) => {
                // A number refused here is not refused again by the contract.
                let more: Vec<FieldError> = more
                    .into_iter()
                    .filter(|e| !errors_name(&errors, e.field))
                    .collect();
                errors.extend(more);
                Err(errors)
            }
        }
    }

    fn submit(&mut self) -> FormAction<ValidRun> {
        self.failure = None;
        super::settle(self.validate(), &FIELDS, &mut self.focus, &mut self.errors)
            .map_or(FormAction::None, FormAction::Submit)
    }

    /// The store refused the run: at its field when it names one (`project` / `persona`
    /// mean the project field).
    pub fn refused(&mut self, field: Option<String>, message: String) {
        self.submitted_at = None;
        let field = field.map(|f| match f.as_str() {
            "project" | "persona" | "persona_id" => "project_id".to_string(),
            _ => f,
        });
        super::place_refusal(
            &FIELDS,
            field.as_deref(),
            message,
            &mut self.focus,
            &mut self.errors,
            &mut self.failure,
        );
    }
}

fn errors_name(errors: &[FieldError], field: &str) -> bool {
    errors.iter().any(|e| e.field == field)
}

pub fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
