//! The dashboard's state and its `update`: every input (key, mouse, resize, tick, data from the
//! worker) changes plain state and may ask the worker for I/O. Nothing here blocks or draws.
//! This file holds the state types and `update`'s top-level dispatch; the rest of `impl App` is
//! in app/, one file per job.

use crate::store::outbox::OutboxState;
use crate::store::outbox::PublishRecord;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;
use uuid::Uuid;

use super::clock::Now;
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

mod ask;
mod dashboard;
mod data_events;
mod dump;
mod genesis;
mod jobs;
mod keys;
mod layout_editor;
mod layouts;
mod lists;
mod navigation;
mod oncall;
mod outbox;
mod overlays;
mod palette;
mod project_run;
mod publish;
mod red_flags;
mod refresh;
mod run_detail;
mod sorting;
mod text_input;
mod toggles;
mod watch;

pub use crate::tui::widgets::runs::run_fields;
pub use ask::{AskAnswer, AskFocus, AskState, PendingAsk};
pub use jobs::{JobHistoryState, JobsState};
pub use oncall::{FlagDrillState, ItemState, SILENCE_CHOICES, SilenceState, row_id};
pub use palette::{PALETTE_COMMANDS, PaletteNames, palette_completions};

/// The smallest terminal the dashboard lays out; smaller gets a clear message.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Rows below the screens: the status line, then the key hints line at the very bottom.
pub const FOOTER_ROWS: u16 = 2;
/// How often the red flag evaluator runs while the dashboard is open (not read-only).
const EVALUATE_EVERY: Duration = Duration::from_secs(30);

/// Inputs to `update`, each with the moment it happened (`update`'s `now`, stamped by the
/// event loop).
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
    /// Channel names the publish form accepts besides the known four (config `channels`).
    pub channels: Vec<String>,
    /// The environment's badge (config `environment`), first in the status line.
    pub environment: Option<super::environment_badge::Badge>,
    /// The zone times are shown in (config `timezone`); `z` toggles it with UTC.
    pub time_zone: crate::domain::time_zone::DisplayZone,
    /// Bell, desktop notification and rate limit of alerts (config `[alerts]`).
    pub alerts: crate::config::AlertsConfig,
    /// Mouse capture at start (config `mouse`); `M` toggles it.
    pub mouse: bool,
    /// Where `:dump` writes without a file name (`<data dir>/dumps`); `None`: the cwd.
    pub dump_dir: Option<std::path::PathBuf>,
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
    /// What a red flag counts (its runs or items), paged.
    FlagDrill(FlagDrillState),
    /// A published item and its metric history.
    Item(ItemState),
    /// `:project`: a new project.
    ProjectForm(super::forms::project::ProjectFormState),
    /// `:run` without an id: start a run.
    RunForm(super::forms::run::RunFormState),
    /// `:jobs`: the ingestion jobs.
    Jobs(JobsState),
    /// A job's run history with each run's per-item errors.
    JobHistory(JobHistoryState),
    /// `:jobs` n / e: a new job, or one edited.
    JobForm(super::forms::job::JobFormState),
    /// `:ask`: a question to the analyst and its answer.
    Ask(AskState),
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
    /// The flag to select when the list arrives (opened from the widget or a drill-in).
    pub open_on: Option<Uuid>,
    /// `s` / `S`: the list's order (from the red flags widget's when opened; `None`: as
    /// the store lists them).
    pub sort: Option<crate::domain::sort::SortOrder>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EditorState {
    pub config: LayoutConfig,
    pub focus: usize,
    /// Widget picker for `+`: index into the built-in catalog.
    pub picker: Option<usize>,
    /// The validation problems of the current config (shown; saving is refused while any).
    pub problems: Vec<String>,
    /// The layout as last saved (or opened): unsaved changes differ from it.
    pub saved: LayoutConfig,
    /// The layout edited: its id when it is the user's own (renamable, deletable), and name.
    pub own_id: Option<Uuid>,
    pub name: String,
    /// The name asked for (save as, rename), when asking.
    pub prompt: Option<NamePrompt>,
    /// Esc with unsaved changes: asking save / discard / stay.
    pub leaving: bool,
    /// The question was asked by `q` / `:quit`: discarding quits the dashboard.
    pub quitting: bool,
}

/// What the editor's name prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamePurpose {
    SaveAs,
    Rename,
}

/// The editor's name line (save as, rename), prefilled with the current name.
#[derive(Debug, Clone, PartialEq)]
pub struct NamePrompt {
    pub purpose: NamePurpose,
    pub input: String,
    pub cursor: Cursor,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The keys of the screen, scrolled this many lines (when taller than the terminal).
    Help {
        scroll: u16,
    },
    Palette(PaletteState),
    Confirm(ConfirmState),
    /// `:genesis NAME` named several jobs: pick one.
    PickJob(JobPickState),
    /// The session's messages, newest first (`m`, `:messages`).
    Messages,
    /// Enter on an outbox record: its detail, and a retry of a failed one.
    OutboxRecord(Box<PublishRecord>),
    /// `y` sent an id to the terminal's clipboard: what was sent, shown whole to copy by hand.
    Copied {
        label: String,
        text: String,
    },
    /// Resolve asked of a flag whose condition still holds: silence it for how long.
    Silence(SilenceState),
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
    /// The input of a rejected command, selected: typing replaces it, arrows edit it.
    pub selected: bool,
    /// Cycling through completions (Tab, Up/Down): what was typed and the one shown.
    pub completing: Option<(String, usize)>,
}

/// `:dump`'s file, and whether its folder is ours to create (the default dumps folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpRequest {
    pub path: std::path::PathBuf,
    pub create_folder: bool,
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
    /// For `runs`: where the further page on its way starts (added to the rows loaded).
    pub cursor: Option<RunCursor>,
    /// The selected row's identity (a run id…), kept across refreshes, filtering and paging.
    pub selected_key: Option<String>,
    /// The row PageDown/End asked for beyond what was loaded: selected when the page arrives.
    pub pending_target: Option<usize>,
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
    /// The widget the `/` filter applies to (the one focused when it was typed).
    pub filter_slot: Option<usize>,
    pub paused: bool,
    pub last_refresh: Option<DateTime<Utc>>,
    next_refresh: Instant,
    next_evaluation: Instant,
    pub connection: Connection,
    pub message: Option<StatusMessage>,
    /// When the status line's message appeared (it expires: `status_line::expired`).
    pub message_since: Option<Instant>,
    /// Every message of the session, oldest first (the last `status_line::LOG_LENGTH`).
    pub messages: Vec<crate::tui::status_line::LoggedMessage>,
    /// Terminal size, for layout and mouse hit-testing.
    pub size: (u16, u16),
    /// When the event being handled (or the last one) happened: the event loop stamps each
    /// event; ages, spinners and schedules are measured from it, never from a clock.
    pub now: Now,
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
    /// A `:run`/`:job` id prefix being looked up.
    pub prefix_lookup: Option<(crate::tui::worker::IdKind, String)>,
    /// Open red flags that are alerts now (the status line's hint), read on every refresh.
    pub open_flag_counts: Option<crate::store::red_flags::OpenFlagCounts>,
    /// Whether runs are dispatched to n8n (config `n8n_webhook_url`): what `:run` says after
    /// starting one.
    pub n8n_configured: bool,
    /// The ingestion jobs' names `:jobs NAME` completes (`None`: not asked for yet).
    pub job_names: Option<Vec<String>>,
    /// Jobs run now from this dashboard whose run has not landed yet ("running…").
    pub jobs_running: Vec<Uuid>,
    /// The `:ask` questions, oldest first: the history file's (read at start) and this
    /// session's (`ask_history`).
    pub ask_history: Vec<String>,
    /// Where the history is kept across sessions; `None`: this session only.
    pub ask_history_path: Option<std::path::PathBuf>,
    /// The last question's number (an answer to an older one is dropped).
    ask_seq: u64,
    /// The zone times are shown in now (`z` switches it).
    pub time_zone: crate::domain::time_zone::DisplayZone,
    /// The open flags of the last load, compared with the next (alerts).
    pub alert_watch: crate::domain::alerts::AlertWatch,
    /// Flags that turned critical while the dashboard was open and nobody has seen yet: drawn
    /// bold with a `NEW` marker until selected, opened or acknowledged.
    pub new_flags: Vec<Uuid>,
    /// An alert the event loop should give (bell, notification), then clear.
    pub alert: Option<crate::domain::alerts::Alert>,
    /// Whether the mouse is captured now.
    pub mouse_captured: bool,
    /// Mouse capture to switch on (`true`) or off: the event loop does, then clears it.
    pub mouse_change: Option<bool>,
    /// `:dump`: where to write the next drawn frame (the event loop does, after drawing).
    pub pending_dump: Option<DumpRequest>,
}

impl App {
    pub fn new(options: AppOptions, size: (u16, u16), now: Now) -> App {
        App {
            keymap: options.keymap.clone(),
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
            filter_slot: None,
            paused: false,
            last_refresh: None,
            next_refresh: now.instant,
            next_evaluation: now.instant,
            connection: Connection::Connecting,
            message: None,
            message_since: None,
            messages: Vec::new(),
            size,
            now,
            should_quit: false,
            clipboard: None,
            dirty: true,
            genesis_jobs: Loadable::default(),
            genesis_lookup: None,
            genesis_starts: Vec::new(),
            prefix_lookup: None,
            open_flag_counts: None,
            n8n_configured: false,
            job_names: None,
            jobs_running: Vec::new(),
            ask_history: Vec::new(),
            ask_history_path: None,
            ask_seq: 0,
            time_zone: options.time_zone,
            alert_watch: Default::default(),
            new_flags: Vec::new(),
            alert: None,
            mouse_captured: options.mouse,
            mouse_change: None,
            pending_dump: None,
            options,
        }
    }

    /// The formatter of absolute times in the zone shown now.
    pub fn times(&self) -> crate::time_display::TimeDisplay {
        crate::time_display::TimeDisplay::new(self.time_zone)
    }

    /// What to ask the worker for at start.
    pub fn init(&mut self) -> Vec<Command> {
        self.layouts.start();
        vec![Command::LoadLayouts]
    }

    /// Handles one event that happened at `now` (the event loop reads the clocks; tests pass
    /// the time they choose); returns what to ask the worker for.
    pub fn update(&mut self, event: Event, now: Now) -> Vec<Command> {
        if let Event::Key(key) = &event
            && key.kind == KeyEventKind::Release
        {
            // Changes nothing, not even the time: what aged meanwhile the next tick draws.
            return Vec::new();
        }
        let previous = std::mem::replace(&mut self.now, now);
        let operator = matches!(event, Event::Key(_) | Event::Mouse(_));
        let selected_flag = self.selected_widget_flag();
        let commands = match event {
            Event::Tick => return self.tick(previous.instant),
            Event::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            Event::Key(key) => {
                self.expire_message(true);
                self.key(key)
            }
            Event::Paste(text) => self.paste(&text),
            Event::Mouse(mouse) => self.mouse(mouse),
            Event::Data(data) => self.data(data),
        };
        self.mark_flags_seen(operator && self.selected_widget_flag() != selected_flag);
        self.dirty = true;
        commands
    }

    /// A message for the status line from outside the loop (what the session started with).
    pub fn announce(&mut self, text: impl Into<String>) {
        self.say(text, false);
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        let text = text.into();
        use crate::tui::status_line::{LOG_LENGTH, LoggedMessage};
        if self.messages.len() >= LOG_LENGTH {
            self.messages.remove(0);
        }
        self.messages.push(LoggedMessage {
            text: text.clone(),
            error,
            at: self.now.wall,
        });
        self.message = Some(StatusMessage { text, error });
        self.message_since = Some(self.now.instant);
    }

    /// Clears the status line's message when it is stale (`key`: on a key press).
    fn expire_message(&mut self, key: bool) -> bool {
        let stale = match (&self.message, self.message_since) {
            (Some(message), Some(since)) => {
                crate::tui::status_line::expired(message.error, since, self.now.instant, key)
            }
            _ => false,
        };
        if stale {
            self.message = None;
            self.message_since = None;
        }
        stale
    }
}
