//! The dashboard's state and its `update`: every input (key, mouse, resize, tick, data from the
//! worker) changes plain state and may ask the worker for I/O. Nothing here blocks or draws.

use crate::store::outbox::OutboxState;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;
use uuid::Uuid;

use super::data::{LoadState, Loadable, WidgetData, WidgetFilter, WidgetKind};
use super::forms::FormAction;
use super::forms::genesis::GenesisFormState;
use super::forms::genesis_job::{
    ApproveFailure, CallKind, GenesisJobState, JobAction, PendingCall, Scroll,
};
use super::forms::publish::PublishFormState;
use super::keymap::{Action, Keymap};
use super::text_field::{self, Cursor};
use super::theme::Theme;
use super::worker::{Command, DataEvent, RunDetail};
use crate::domain::layout::{
    CellRect, GRID_COLUMNS, LayoutConfig, MAX_GRID_ROWS, Position, WidgetPlacement,
};
use crate::domain::widget_catalog::{BUILTIN_WIDGETS, builtin_widget_ids, default_layouts};
use crate::mpis::types::{
    GenesisApproveRequest, GenesisApproveResponse, GenesisStartResponse, GenesisStatus,
};
use crate::store::genesis::PendingGenesisJob;
use crate::store::layouts::Layout;
use crate::store::red_flags::RedFlag;
use crate::store::runs::{RunCursor, RunListRow};

mod genesis;
mod layout_editor;
mod palette;
mod publish;
mod red_flags;
mod run_detail;
mod text_input;

pub use palette::{PALETTE_COMMANDS, PaletteNames, palette_completions};

/// The smallest terminal the dashboard lays out; smaller gets a clear message.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// How often the red flag evaluator runs while the dashboard is open (not read-only).
const EVALUATE_EVERY: Duration = Duration::from_secs(30);

/// Inputs to `update`.
// One event at a time, moved once: boxing the data would only add an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Key(KeyEvent),
    /// Text pasted in the terminal (bracketed paste): text for the focused field, never keys.
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick,
    Data(DataEvent),
}

/// Settings the app starts with.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub operator: String,
    pub refresh_interval: Duration,
    pub read_only: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    /// Layout to open by name (config `default_layout`), else the user's/global default.
    pub preferred_layout: Option<String>,
    /// Shown in the status line ("embedded cluster in ...", "MPIS sandbox").
    pub source: String,
    /// What the operator must keep in mind about the database (a time zone that shifts
    /// MPIS's times, why the dashboard is read-only): short, always in the status line.
    pub notices: Vec<String>,
}

// One screen at a time (plus a short back stack): the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Dashboard,
    RunDetail(RunDetailState),
    RedFlags(FlagsState),
    LayoutEditor(EditorState),
    PublishForm(PublishFormState),
    GenesisForm(GenesisFormState),
    GenesisJob(GenesisJobState),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunDetailState {
    pub run_id: Uuid,
    pub detail: Loadable<RunDetail>,
    /// Which copyable id is focused (`y` copies it).
    pub focused_id: usize,
    /// Rows scrolled down (PageDown/PageUp), for a detail taller than the screen.
    pub scroll: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlagsState {
    pub flags: Loadable<Vec<RedFlag>>,
    pub include_resolved: bool,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EditorState {
    pub config: LayoutConfig,
    pub focus: usize,
    /// Widget picker for `+`: index into the built-in catalog.
    pub picker: Option<usize>,
    /// The validation problems of the current config (shown; saving is refused while any).
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Palette(PaletteState),
    Confirm(ConfirmState),
    /// `:genesis NAME` named several jobs: pick one.
    PickJob(JobPickState),
}

/// The genesis jobs a `:genesis` argument matched, to choose from (Up/Down, Enter).
#[derive(Debug, Clone, PartialEq)]
pub struct JobPickState {
    pub argument: String,
    pub jobs: Vec<PendingGenesisJob>,
    pub selected: usize,
}

/// A genesis start sent in this session: a second start of the same name asks first.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionStart {
    pub persona_name: String,
    pub at: DateTime<Utc>,
    /// MPIS's job id once it answered.
    pub job_id: Option<Uuid>,
    /// Still waiting for MPIS; `false` with no job id: the operator stopped waiting, so MPIS
    /// may have started it all the same.
    pub waiting: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PaletteState {
    pub input: String,
    pub cursor: Cursor,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmState {
    pub question: String,
    pub on_yes: Command,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Ok,
    Unreachable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusMessage {
    pub text: String,
    pub error: bool,
}

/// One placed widget and its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub placement: WidgetPlacement,
    pub kind: WidgetKind,
    pub filter: WidgetFilter,
    pub data: Loadable<WidgetData>,
    pub generation: u64,
    pub selected: usize,
    /// For `runs`: the cursors of the pages before the current one.
    pub page_history: Vec<Option<RunCursor>>,
    pub cursor: Option<RunCursor>,
}

impl Slot {
    fn new(placement: WidgetPlacement) -> Slot {
        let kind = WidgetKind::from_id(&placement.widget_id);
        let filter = WidgetFilter::from_config(&placement.config);
        Slot {
            placement,
            kind,
            filter,
            data: Loadable::default(),
            generation: 0,
            selected: 0,
            page_history: Vec::new(),
            cursor: None,
        }
    }

    /// Tables whose change means this widget should reload.
    fn shows_table(&self, table: &str) -> bool {
        let tables: &[&str] = match self.kind {
            WidgetKind::RedFlags => &[
                "red_flags",
                "dashboard_runs",
                "dashboard_run_items",
                "red_flag_snapshots",
            ],
            WidgetKind::Runs => &["dashboard_runs"],
            WidgetKind::RecentPosts
            | WidgetKind::EngagementChart
            | WidgetKind::ChannelPerformance => &["normalized_metrics"],
            WidgetKind::Outbox => &["publish_records"],
            WidgetKind::IngestionJobs => &["metrics_ingestion_jobs"],
            _ => &[],
        };
        tables.contains(&table)
    }
}

pub struct App {
    pub options: AppOptions,
    pub keymap: Keymap,
    pub screen: Screen,
    /// Screens to return to with Esc.
    pub back_stack: Vec<Screen>,
    pub overlay: Option<Overlay>,
    pub layouts: Loadable<Vec<Layout>>,
    /// The layout shown (index into `layouts`), and its slots.
    pub layout_index: Option<usize>,
    pub slots: Vec<Slot>,
    pub focus: usize,
    /// The `/` filter: the text, its cursor, and whether keys are going into it.
    pub filter: String,
    pub filter_cursor: Cursor,
    pub filter_editing: bool,
    pub paused: bool,
    pub last_refresh: Option<DateTime<Utc>>,
    next_refresh: Instant,
    next_evaluation: Instant,
    pub connection: Connection,
    pub message: Option<StatusMessage>,
    /// Terminal size, for layout and mouse hit-testing.
    pub size: (u16, u16),
    pub now: Instant,
    pub should_quit: bool,
    /// Text the event loop should put on the clipboard (OSC 52), then clear.
    pub clipboard: Option<String>,
    /// Set by `update` when the screen must be redrawn.
    pub dirty: bool,
    /// Genesis jobs awaiting approval read for `:genesis NAME` and the start form, whatever the
    /// layout shows (the persona-overview widget's are used too).
    pub genesis_jobs: Loadable<Vec<PendingGenesisJob>>,
    /// A `:genesis NAME` argument waiting for `genesis_jobs` to arrive.
    genesis_lookup: Option<String>,
    /// The genesis starts sent in this session, oldest first.
    pub genesis_starts: Vec<SessionStart>,
}

impl App {
    pub fn new(options: AppOptions, size: (u16, u16), now: Instant) -> App {
        App {
            keymap: options.keymap.clone(),
            options,
            screen: Screen::Dashboard,
            back_stack: Vec::new(),
            overlay: None,
            layouts: Loadable::default(),
            layout_index: None,
            slots: Vec::new(),
            focus: 0,
            filter: String::new(),
            filter_cursor: Cursor::END,
            filter_editing: false,
            paused: false,
            last_refresh: None,
            next_refresh: now,
            next_evaluation: now,
            connection: Connection::Connecting,
            message: None,
            size,
            now,
            should_quit: false,
            clipboard: None,
            dirty: true,
            genesis_jobs: Loadable::default(),
            genesis_lookup: None,
            genesis_starts: Vec::new(),
        }
    }

    /// What to ask the worker for at start.
    pub fn init(&mut self) -> Vec<Command> {
        self.layouts.start();
        vec![Command::LoadLayouts]
    }

    /// The data is older than this many seconds: shown as stale.
    pub fn stale_after_secs(&self) -> u64 {
        self.options.refresh_interval.as_secs().max(1) * 2
    }

    pub fn current_layout(&self) -> Option<&Layout> {
        self.layout_index
            .and_then(|i| self.layouts.value.as_ref().and_then(|l| l.get(i)))
    }

    /// The screen area the dashboard grid fills (all but the status line).
    pub fn grid_area(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1.saturating_sub(1))
    }

    pub fn slot_rects(&self) -> Vec<Rect> {
        self.slot_rects_in(self.grid_area())
    }

    /// The widgets' rectangles inside `area` (the view passes the frame's own area, so a
    /// resize that has not reached `update` yet can never draw outside the buffer).
    pub fn slot_rects_in(&self, area: Rect) -> Vec<Rect> {
        let config = LayoutConfig {
            widgets: self.slots.iter().map(|s| s.placement.clone()).collect(),
        };
        config
            .cell_rects(CellRect {
                x: area.x,
                y: area.y,
                width: area.width,
                height: area.height,
            })
            .into_iter()
            .map(|r| Rect::new(r.x, r.y, r.width, r.height))
            .collect()
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    pub fn update(&mut self, event: Event) -> Vec<Command> {
        let commands = match event {
            Event::Tick => return self.tick(),
            Event::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            Event::Key(key) if key.kind != KeyEventKind::Release => self.key(key),
            Event::Key(_) => return Vec::new(),
            Event::Paste(text) => self.paste(&text),
            Event::Mouse(mouse) => self.mouse(mouse),
            Event::Data(data) => self.data(data),
        };
        self.dirty = true;
        commands
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(StatusMessage {
            text: text.into(),
            error,
        });
    }

    // ---- time -------------------------------------------------------------------------------

    fn tick(&mut self) -> Vec<Command> {
        let before = self.visible_ages();
        self.now = Instant::now();
        let mut commands = Vec::new();
        if !self.paused && self.now >= self.next_refresh && self.current_layout().is_some() {
            commands.extend(self.refresh_all());
        }
        if let Screen::GenesisJob(job) = &mut self.screen
            && job.poll_due(self.now)
        {
            job.loading = true;
            commands.push(Command::GenesisStatus(job.job_id));
        }
        if !self.options.read_only && self.now >= self.next_evaluation {
            self.next_evaluation = self.now + EVALUATE_EVERY;
            commands.push(Command::Evaluate);
        }
        // Redraw only when something visible changed (a stale marker appeared or aged a unit),
        // so an idle dashboard writes nothing to the terminal.
        // The elapsed time of an MPIS call in flight counts up.
        let waiting = match &self.screen {
            Screen::PublishForm(form) => form.submitting(),
            Screen::GenesisForm(form) => form.submitting(),
            Screen::GenesisJob(job) => job.pending.is_some(),
            _ => false,
        };
        if !commands.is_empty() || waiting || before != self.visible_ages() {
            self.dirty = true;
        }
        commands
    }

    /// What of the time is visible: each slot's state and its coarse age.
    fn visible_ages(&self) -> Vec<(LoadState, Option<String>)> {
        let stale = self.stale_after_secs();
        self.slots
            .iter()
            .map(|s| {
                let state = s.data.state(self.now, stale, WidgetData::is_empty);
                let age = (state == LoadState::Stale)
                    .then(|| {
                        s.data
                            .age_secs(self.now)
                            .map(super::widgets::short_duration)
                    })
                    .flatten();
                (state, age)
            })
            .collect()
    }

    /// Reloads every widget (and the open screen's data).
    pub fn refresh_all(&mut self) -> Vec<Command> {
        self.next_refresh = self.now + self.options.refresh_interval;
        let mut commands: Vec<Command> = (0..self.slots.len()).map(|i| self.load_slot(i)).collect();
        commands.extend(self.reload_screen());
        commands
    }

    fn load_slot(&mut self, index: usize) -> Command {
        let slot = &mut self.slots[index];
        slot.generation += 1;
        slot.data.start();
        Command::LoadWidget {
            slot: index,
            generation: slot.generation,
            kind: slot.kind.clone(),
            filter: slot.filter.clone(),
            cursor: slot.cursor,
            page: slot.page_history.len(),
        }
    }

    fn reload_screen(&mut self) -> Vec<Command> {
        match &mut self.screen {
            Screen::RunDetail(state) => {
                state.detail.start();
                vec![Command::LoadRunDetail {
                    run_id: state.run_id,
                }]
            }
            Screen::RedFlags(state) => {
                state.flags.start();
                vec![Command::LoadFlags {
                    include_resolved: state.include_resolved,
                }]
            }
            Screen::GenesisJob(state) => {
                state.loading = true;
                vec![Command::GenesisStatus(state.job_id)]
            }
            // The submitted record, until forwarded or failed (the poll behind NOTIFY).
            Screen::PublishForm(state) => state
                .followed_record()
                .map(Command::LoadPublishRecord)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    // ---- data from the worker -----------------------------------------------------------------

    fn data(&mut self, event: DataEvent) -> Vec<Command> {
        let wall = Utc::now();
        let now = Instant::now();
        self.now = now;
        match event {
            DataEvent::Connection(Ok(())) => {
                if self.connection != Connection::Ok
                    && matches!(self.connection, Connection::Unreachable(_))
                {
                    self.say("database reachable again", false);
                }
                self.connection = Connection::Ok;
            }
            DataEvent::Connection(Err(reason)) => {
                self.connection = Connection::Unreachable(reason);
            }
            DataEvent::Layouts(Ok(layouts)) => {
                self.layouts.succeed(layouts, wall, now);
                let keep = self.current_layout().map(|l| l.id);
                let index = self.pick_layout(keep);
                return self.show_layout(index);
            }
            DataEvent::Layouts(Err(error)) => {
                self.layouts.fail(error.clone());
                self.say(format!("cannot load layouts: {error}"), true);
                if self.slots.is_empty() {
                    // Still show something useful: the built-in default layout.
                    return self.show_config(default_layouts().remove(0).2);
                }
            }
            DataEvent::Widget {
                slot,
                generation,
                result,
            } => {
                if let Some(s) = self.slots.get_mut(slot)
                    && s.generation == generation
                {
                    match result {
                        Ok(data) => {
                            s.data.succeed(data, wall, now);
                            self.last_refresh = Some(wall);
                        }
                        Err(error) => {
                            // The status line carries the last error, naming the widget.
                            self.message = Some(StatusMessage {
                                text: format!("{}: {error}", s.kind.title()),
                                error: true,
                            });
                            s.data.fail(error);
                        }
                    }
                    self.clamp_selection(slot);
                }
            }
            DataEvent::RunDetail(result) => {
                if let Screen::RunDetail(state) = &mut self.screen {
                    match result {
                        Ok(detail) if detail.run.run_id == state.run_id => {
                            state.detail.succeed(detail, wall, now)
                        }
                        Ok(_) => {}
                        Err(error) => state.detail.fail(error),
                    }
                }
            }
            DataEvent::Flags(result) => {
                if let Screen::RedFlags(state) = &mut self.screen {
                    match result {
                        Ok(flags) => {
                            state.selected = state.selected.min(flags.len().saturating_sub(1));
                            state.flags.succeed(flags, wall, now);
                        }
                        Err(error) => state.flags.fail(error),
                    }
                }
            }
            DataEvent::ActionDone { message, ok } => {
                self.say(message, !ok);
                let mut commands = self.reload_screen();
                commands.extend(self.reload_tables(&["red_flags".to_string()]));
                return commands;
            }
            DataEvent::LayoutSaved(Ok(layout)) => {
                self.say(format!("layout {:?} saved", layout.name), false);
                self.screen = Screen::Dashboard;
                self.layouts.start();
                return vec![Command::LoadLayouts];
            }
            DataEvent::LayoutSaved(Err(error)) => {
                self.say(format!("layout not saved: {error}"), true)
            }
            DataEvent::Changed(tables) => return self.reload_tables(&tables),
            DataEvent::ChangesMissed => return self.refresh_all(),
            DataEvent::Drafts(result) => {
                if let Screen::PublishForm(state) = &mut self.screen {
                    match result {
                        Ok(drafts) => state.drafts.succeed(drafts, wall, now),
                        Err(error) => state.drafts.fail(error),
                    }
                }
                // A draft id typed before the list came may not be in it.
                return self.check_typed_draft();
            }
            DataEvent::DraftLookedUp(id, result) => {
                if let Screen::PublishForm(state) = &mut self.screen {
                    state.draft_checked(id, result);
                }
            }
            DataEvent::PublishRecordLoaded(id, result) => self.publish_record_loaded(id, result),
            DataEvent::GenesisJobs(result) => return self.genesis_jobs_loaded(result, wall, now),
            DataEvent::PublishTargets(result) => {
                if let Screen::PublishForm(state) = &mut self.screen {
                    match result {
                        Ok(targets) => state.targets.succeed(targets, wall, now),
                        Err(error) => state.targets.fail(error),
                    }
                }
            }
            DataEvent::Published(result) => {
                let text = match &result {
                    Ok(outcome) if !outcome.created => {
                        format!("already submitted earlier; {}", outcome.note)
                    }
                    Ok(outcome) => outcome.note.clone(),
                    Err(error) => format!("publish record not written: {error}"),
                };
                let failed = match &result {
                    Ok(outcome) => outcome.record.state == OutboxState::Failed,
                    Err(_) => true,
                };
                self.say(text, failed);
                if let Screen::PublishForm(state) = &mut self.screen {
                    state.finished(result);
                }
            }
            DataEvent::GenesisStarted(result) => return self.genesis_started(result),
            DataEvent::GenesisStatusLoaded(job_id, result) => {
                return self.genesis_status_loaded(job_id, result, now);
            }
            DataEvent::GenesisDraft {
                job_id,
                draft_no,
                result,
            } => {
                if let Screen::GenesisJob(state) = &mut self.screen
                    && state.job_id == job_id
                {
                    state.draft_loaded(draft_no, result);
                }
            }
            DataEvent::GenesisApproved(job_id, result) => {
                return self.genesis_approved(job_id, result);
            }
        }
        Vec::new()
    }

    /// Live updates: reload just the widgets (and screen) that show a changed table.
    fn reload_tables(&mut self, tables: &[String]) -> Vec<Command> {
        let affected: Vec<usize> = (0..self.slots.len())
            .filter(|&i| tables.iter().any(|t| self.slots[i].shows_table(t)))
            .collect();
        let mut commands: Vec<Command> = affected.into_iter().map(|i| self.load_slot(i)).collect();
        let screen_shows = match &self.screen {
            Screen::RunDetail(_) => tables.iter().any(|t| t.starts_with("dashboard_run")),
            Screen::RedFlags(_) => tables.iter().any(|t| t == "red_flags"),
            Screen::PublishForm(_) => tables.iter().any(|t| t == "publish_records"),
            _ => false,
        };
        if screen_shows {
            commands.extend(self.reload_screen());
        }
        commands
    }

    fn pick_layout(&self, keep: Option<Uuid>) -> Option<usize> {
        let layouts = self.layouts.value.as_ref()?;
        if let Some(id) = keep
            && let Some(i) = layouts.iter().position(|l| l.id == id)
        {
            return Some(i);
        }
        if let Some(name) = &self.options.preferred_layout
            && let Some(i) = layouts
                .iter()
                .position(|l| l.name.eq_ignore_ascii_case(name))
        {
            return Some(i);
        }
        // list_for_user orders the user's own first, defaults first.
        (!layouts.is_empty()).then_some(0)
    }

    fn show_layout(&mut self, index: Option<usize>) -> Vec<Command> {
        self.layout_index = index;
        let Some(layout) = self.current_layout() else {
            return self.show_config(default_layouts().remove(0).2);
        };
        match LayoutConfig::from_json(&layout.layout_config.0) {
            Ok(config) => self.show_config(config),
            Err(error) => {
                let name = layout.name.clone();
                self.say(
                    format!("layout {name:?} is invalid ({error}); showing the built-in default"),
                    true,
                );
                self.show_config(default_layouts().remove(0).2)
            }
        }
    }

    fn show_config(&mut self, config: LayoutConfig) -> Vec<Command> {
        let same = self.slots.len() == config.widgets.len()
            && self
                .slots
                .iter()
                .zip(&config.widgets)
                .all(|(s, p)| s.placement == *p);
        if !same {
            self.slots = config.widgets.into_iter().map(Slot::new).collect();
            self.focus = 0;
        }
        self.refresh_all()
    }

    fn clamp_selection(&mut self, index: usize) {
        let rows = self.row_count(index);
        let slot = &mut self.slots[index];
        slot.selected = slot.selected.min(rows.saturating_sub(1));
    }

    /// How many selectable rows a widget shows (after the `/` filter): the same rows the
    /// widget draws, so the selection indexes what is on screen.
    pub fn row_count(&self, index: usize) -> usize {
        use super::widgets::{ingestion_jobs, outbox, persona_overview, recent_posts, runs};
        let filter = self.active_filter();
        match self.slots.get(index).and_then(|s| s.data.value.as_ref()) {
            Some(WidgetData::Runs(d)) => runs::filtered(d, filter).len(),
            Some(WidgetData::RecentPosts(d)) => recent_posts::filtered(d, filter).len(),
            Some(WidgetData::Personas(d)) => {
                let (personas, jobs) = persona_overview::filtered(d, filter);
                personas.len() + jobs.len()
            }
            Some(WidgetData::Jobs(d)) => ingestion_jobs::filtered(d, filter).len(),
            Some(WidgetData::Outbox(d)) => outbox::filtered(d, filter).len(),
            Some(WidgetData::RedFlags(d)) => d.open_flags.len(),
            _ => 0,
        }
    }

    pub fn active_filter(&self) -> Option<&str> {
        (!self.filter.trim().is_empty()).then_some(self.filter.as_str())
    }

    /// The run selected in the focused `runs` widget, if any.
    pub fn selected_run(&self) -> Option<&RunListRow> {
        let slot = self.slots.get(self.focus)?;
        let Some(WidgetData::Runs(d)) = slot.data.value.as_ref() else {
            return None;
        };
        super::widgets::runs::filtered(d, self.active_filter())
            .into_iter()
            .nth(slot.selected)
    }

    // ---- keys ---------------------------------------------------------------------------------

    fn key(&mut self, key: KeyEvent) -> Vec<Command> {
        if let Some(overlay) = self.overlay.take() {
            return self.overlay_key(overlay, key);
        }
        if self.filter_editing {
            return self.filter_key(key);
        }
        if let Screen::PublishForm(_) = self.screen {
            return self.publish_form_key(key);
        }
        if let Screen::GenesisForm(state) = &mut self.screen {
            if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                self.should_quit = true;
                return Vec::new();
            }
            return match state.key(key) {
                FormAction::None => Vec::new(),
                FormAction::Submit(valid) => self.start_genesis(valid),
                FormAction::Cancel => {
                    self.genesis_not_waited_for();
                    self.say("cancelled waiting", false);
                    vec![Command::CancelGenesis]
                }
                FormAction::Close => self.back(),
            };
        }
        if let Screen::GenesisJob(_) = self.screen
            && let Some(commands) = self.genesis_job_key(key)
        {
            return commands;
        }
        if let Screen::LayoutEditor(_) = self.screen
            && let Some(commands) = self.editor_key(key)
        {
            return commands;
        }
        let Some(action) = self.keymap.action(&key) else {
            return Vec::new();
        };
        self.action(action)
    }

    fn action(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => {
                self.should_quit = true;
                Vec::new()
            }
            Action::Help => {
                self.overlay = Some(Overlay::Help);
                Vec::new()
            }
            Action::Palette => {
                self.overlay = Some(Overlay::Palette(PaletteState::default()));
                Vec::new()
            }
            Action::Filter => {
                self.filter_editing = true;
                Vec::new()
            }
            Action::Refresh => self.refresh_all(),
            Action::TogglePause => {
                self.paused = !self.paused;
                if self.paused {
                    self.say("auto-refresh paused (p to resume, r to refresh now)", false);
                    Vec::new()
                } else {
                    self.say("auto-refresh resumed", false);
                    self.refresh_all()
                }
            }
            Action::Back => self.back(),
            Action::NextLayout => self.next_layout(),
            _ => match &self.screen {
                Screen::Dashboard => self.dashboard_action(action),
                Screen::RunDetail(_) => self.run_detail_action(action),
                Screen::RedFlags(_) => self.flags_action(action),
                Screen::LayoutEditor(_)
                | Screen::PublishForm(_)
                | Screen::GenesisForm(_)
                | Screen::GenesisJob(_) => Vec::new(),
            },
        }
    }

    fn back(&mut self) -> Vec<Command> {
        if !self.filter.is_empty() {
            self.filter.clear();
            return Vec::new();
        }
        match self.back_stack.pop() {
            Some(screen) => {
                self.screen = screen;
                self.reload_screen()
            }
            None => {
                self.screen = Screen::Dashboard;
                Vec::new()
            }
        }
    }

    fn open(&mut self, screen: Screen) -> Vec<Command> {
        let previous = std::mem::replace(&mut self.screen, screen);
        self.back_stack.push(previous);
        self.filter.clear();
        self.reload_screen()
    }

    fn next_layout(&mut self) -> Vec<Command> {
        let count = self.layouts.value.as_ref().map_or(0, Vec::len);
        if count == 0 {
            self.say("no layouts loaded yet", true);
            return Vec::new();
        }
        let next = self.layout_index.map_or(0, |i| (i + 1) % count);
        self.screen = Screen::Dashboard;
        // The status line names the layout shown.
        self.show_layout(Some(next))
    }

    fn dashboard_action(&mut self, action: Action) -> Vec<Command> {
        let count = self.slots.len();
        match action {
            Action::FocusNext if count > 0 => self.focus = (self.focus + 1) % count,
            Action::FocusPrev if count > 0 => self.focus = (self.focus + count - 1) % count,
            Action::Left | Action::Right if count > 0 => self.focus = self.neighbour(action),
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => return self.page(true),
            Action::PageUp => return self.page(false),
            Action::Enter => return self.drill_in(),
            Action::EditLayout => {
                if self.options.read_only {
                    self.say("read-only: the layout editor is off", true);
                } else {
                    let config = LayoutConfig {
                        widgets: self.slots.iter().map(|s| s.placement.clone()).collect(),
                    };
                    self.back_stack.push(Screen::Dashboard);
                    self.screen = Screen::LayoutEditor(EditorState {
                        config,
                        focus: self.focus,
                        picker: None,
                        problems: vec![],
                    });
                }
            }
            Action::CycleTimeRange => return self.cycle_time_range(),
            _ => {}
        }
        Vec::new()
    }

    /// The widget to the left/right of the focused one: one sharing rows with it first, then
    /// the nearest by grid position.
    fn neighbour(&self, action: Action) -> usize {
        let current = &self.slots[self.focus].placement.position;
        let center = |p: &Position| (p.x as i32 * 2 + p.w as i32, p.y as i32 * 2 + p.h as i32);
        let shares_rows = |p: &Position| p.y < current.y + current.h && current.y < p.y + p.h;
        let (cx, cy) = center(current);
        self.slots
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.focus)
            .filter(|(_, s)| {
                let (x, _) = center(&s.placement.position);
                if action == Action::Left {
                    x < cx
                } else {
                    x > cx
                }
            })
            .min_by_key(|(_, s)| {
                let (x, y) = center(&s.placement.position);
                (
                    !shares_rows(&s.placement.position),
                    (x - cx).abs() + 2 * (y - cy).abs(),
                )
            })
            .map_or(self.focus, |(i, _)| i)
    }

    fn move_selection(&mut self, delta: i64) {
        let rows = self.row_count(self.focus);
        if let Some(slot) = self.slots.get_mut(self.focus) {
            let next = (slot.selected as i64 + delta).clamp(0, rows.saturating_sub(1) as i64);
            slot.selected = next as usize;
        }
    }

    /// PageDown/PageUp: next/previous page of runs from the database; elsewhere, 10 rows.
    fn page(&mut self, forward: bool) -> Vec<Command> {
        let focus = self.focus;
        let Some(slot) = self.slots.get_mut(focus) else {
            return Vec::new();
        };
        if let Some(WidgetData::Runs(d)) = &slot.data.value {
            if forward {
                match d.next {
                    Some(next) => {
                        slot.page_history.push(slot.cursor);
                        slot.cursor = Some(next);
                    }
                    None => {
                        self.say("this is the oldest page", false);
                        return Vec::new();
                    }
                }
            } else {
                match slot.page_history.pop() {
                    Some(previous) => slot.cursor = previous,
                    None => return Vec::new(),
                }
            }
            slot.selected = 0;
            return vec![self.load_slot(focus)];
        }
        self.move_selection(if forward { 10 } else { -10 });
        Vec::new()
    }

    fn drill_in(&mut self) -> Vec<Command> {
        let Some(slot) = self.slots.get(self.focus) else {
            return Vec::new();
        };
        match slot.kind {
            WidgetKind::RedFlags => self.open_flags(),
            WidgetKind::Runs => match self.selected_run() {
                Some(run) => {
                    let run_id = run.run_id;
                    self.open_run(run_id)
                }
                None => Vec::new(),
            },
            WidgetKind::PersonaOverview => {
                let Some(WidgetData::Personas(data)) = slot.data.value.as_ref() else {
                    return Vec::new();
                };
                let (personas, jobs) =
                    super::widgets::persona_overview::filtered(data, self.active_filter());
                match slot.selected.checked_sub(personas.len()) {
                    Some(index) => match jobs.get(index) {
                        Some(job) => {
                            let job_id = job.id;
                            self.open_genesis_job(job_id)
                        }
                        None => Vec::new(),
                    },
                    None => {
                        self.say(
                            "Enter opens the genesis jobs awaiting approval (below the personas)",
                            false,
                        );
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    /// The publish record form (not in read-only mode); loads the approved drafts, recent runs
    /// and projects to pick from.
    fn open_publish_form(&mut self) -> Vec<Command> {
        if self.options.read_only {
            self.say("read-only: publishing is off", true);
            return Vec::new();
        }
        let mut state = PublishFormState::default();
        state.drafts.start();
        state.targets.start();
        self.open(Screen::PublishForm(state));
        vec![Command::LoadDrafts, Command::LoadPublishTargets]
    }

    fn open_flags(&mut self) -> Vec<Command> {
        self.open(Screen::RedFlags(FlagsState {
            flags: Loadable::default(),
            include_resolved: false,
            selected: 0,
        }))
    }

    fn open_run(&mut self, run_id: Uuid) -> Vec<Command> {
        self.open(Screen::RunDetail(RunDetailState {
            run_id,
            detail: Loadable::default(),
            focused_id: 0,
            scroll: 0,
        }))
    }

    fn cycle_time_range(&mut self) -> Vec<Command> {
        let focus = self.focus;
        let Some(slot) = self.slots.get_mut(focus) else {
            return Vec::new();
        };
        if !matches!(
            slot.kind,
            WidgetKind::EngagementChart | WidgetKind::ChannelPerformance
        ) {
            return Vec::new();
        }
        slot.filter.days = match slot.filter.days {
            7 => 30,
            30 => 90,
            _ => 7,
        };
        let days = slot.filter.days;
        self.say(format!("time range {days} days"), false);
        vec![self.load_slot(focus)]
    }

    // ---- overlays -----------------------------------------------------------------------------

    fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Vec<Command> {
        match overlay {
            Overlay::Help => {
                if self.keymap.action(&key) == Some(Action::Quit) && key.code != KeyCode::Char('q')
                {
                    self.should_quit = true;
                }
                Vec::new() // any other key closes help
            }
            Overlay::Confirm(confirm) => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    self.say("working…", false);
                    // The screen that asked waits for the answer as if sent directly.
                    match (&confirm.on_yes, &mut self.screen) {
                        (Command::GenesisApprove(request), Screen::GenesisJob(state))
                            if state.job_id == request.job_id =>
                        {
                            state.pending = Some(PendingCall {
                                what: CallKind::Approve,
                                since: self.now,
                            });
                            self.say("approving in MPIS… (Esc stops waiting)", false);
                        }
                        (Command::GenesisStart(valid), Screen::GenesisForm(_)) => {
                            let valid = valid.clone();
                            self.genesis_start_confirmed(&valid);
                        }
                        (Command::Publish(_), Screen::PublishForm(_)) => self.publish_confirmed(),
                        _ => {}
                    }
                    vec![confirm.on_yes]
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.say("cancelled", false);
                    Vec::new()
                }
                _ => {
                    self.overlay = Some(Overlay::Confirm(confirm));
                    Vec::new()
                }
            },
            Overlay::PickJob(pick) => self.pick_job_key(pick, key),
            Overlay::Palette(mut palette) => match key.code {
                KeyCode::Esc => Vec::new(),
                KeyCode::Enter => self.run_palette(&palette.input.clone()),
                KeyCode::Tab => {
                    let matches = palette_completions(&palette.input, &self.palette_names());
                    if let Some(first) = matches.first() {
                        text_field::set(&mut palette.input, &mut palette.cursor, first);
                    }
                    self.overlay = Some(Overlay::Palette(palette));
                    Vec::new()
                }
                _ => {
                    let edit = text_field::edit(&mut palette.input, &mut palette.cursor, &key);
                    self.palette_edited(palette, edit.changed())
                }
            },
        }
    }

    fn filter_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Enter => self.filter_editing = false,
            KeyCode::Esc => {
                self.filter_editing = false;
                self.filter.clear();
            }
            _ => {
                text_field::edit(&mut self.filter, &mut self.filter_cursor, &key);
            }
        }
        self.filter_changed();
        Vec::new()
    }

    /// The `/` filter's text changed: selections start again at the top of what it shows.
    fn filter_changed(&mut self) {
        for i in 0..self.slots.len() {
            self.slots[i].selected = 0;
            self.clamp_selection(i);
        }
    }

    fn focus_widget(&mut self, kind: &WidgetKind) -> Vec<Command> {
        self.screen = Screen::Dashboard;
        self.back_stack.clear();
        match self.slots.iter().position(|s| &s.kind == kind) {
            Some(i) => self.focus = i,
            None => self.say(format!("this layout has no {} widget", kind.title()), true),
        }
        Vec::new()
    }

    // ---- mouse --------------------------------------------------------------------------------

    fn mouse(&mut self, mouse: MouseEvent) -> Vec<Command> {
        if self.overlay.is_none() && matches!(self.screen, Screen::GenesisJob(_)) {
            match mouse.kind {
                MouseEventKind::ScrollDown => self.wheel_genesis_job(true),
                MouseEventKind::ScrollUp => self.wheel_genesis_job(false),
                _ => {}
            }
            return Vec::new();
        }
        if self.overlay.is_some() || !matches!(self.screen, Screen::Dashboard) {
            return match mouse.kind {
                MouseEventKind::ScrollDown => self.action(Action::Down),
                MouseEventKind::ScrollUp => self.action(Action::Up),
                _ => Vec::new(),
            };
        }
        let hit = self.slot_rects().iter().position(|r| {
            r.contains(ratatui::layout::Position {
                x: mouse.column,
                y: mouse.row,
            })
        });
        match (mouse.kind, hit) {
            (MouseEventKind::Down(MouseButton::Left), Some(i)) => self.focus = i,
            (MouseEventKind::ScrollDown, Some(i)) => {
                self.focus = i;
                self.move_selection(1);
            }
            (MouseEventKind::ScrollUp, Some(i)) => {
                self.focus = i;
                self.move_selection(-1);
            }
            _ => {}
        }
        Vec::new()
    }
}

/// The fields the `/` filter searches in a run row (the runs widget uses the same).
pub fn run_fields(row: &RunListRow) -> [&str; 4] {
    [
        &row.status,
        &row.project_name,
        &row.persona_name,
        row.error_message.as_deref().unwrap_or(""),
    ]
}
