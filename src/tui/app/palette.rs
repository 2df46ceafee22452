//! The `:` command palette's side of `App`: running a command and what it completes.

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::store::id_prefix::{COUNT_UP_TO, PrefixMatch};
use crate::tui::worker::IdKind;

impl App {
    /// What the palette completes: layout names and the awaiting jobs' persona names (with
    /// start time and short id where two jobs share a name).
    pub fn palette_names(&self) -> PaletteNames {
        PaletteNames {
            layouts: self.layout_names(),
            genesis_jobs: crate::tui::genesis_jobs::completions(
                &self.awaiting_jobs(),
                self.times(),
            ),
            ingestion_jobs: self.job_names.clone().unwrap_or_default(),
        }
    }

    pub fn layout_names(&self) -> Vec<String> {
        self.layouts
            .value
            .as_ref()
            .map(|l| l.iter().map(|l| l.name.clone()).collect())
            .unwrap_or_default()
    }

    pub(super) fn run_palette(&mut self, input: &str) -> Vec<Command> {
        let input = input.trim();
        let (command, argument) = input
            .split_once(' ')
            .map_or((input, ""), |(c, a)| (c, a.trim()));
        match command {
            "" => Vec::new(),
            "q" | "quit" => self.quit_or_ask(),
            "runs" => self.focus_widget(&WidgetKind::Runs),
            "flags" | "red-flags" => {
                self.screen = Screen::Dashboard;
                self.back_stack.clear();
                self.open_flags()
            }
            "dashboard" | "home" => {
                self.screen = Screen::Dashboard;
                self.back_stack.clear();
                Vec::new()
            }
            "help" => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            "refresh" => self.refresh_all(),
            "dump" => self.request_dump(argument),
            "messages" => {
                self.overlay = Some(Overlay::Messages);
                Vec::new()
            }
            "pause" => self.action(Action::TogglePause),
            "edit" => self.dashboard_action(Action::EditLayout),
            "publish" => self.open_publish_form(),
            "genesis" => self.palette_genesis(input, argument),
            "job" => match Uuid::parse_str(argument) {
                Ok(job_id) => self.open_genesis_job(job_id),
                Err(_) => self.find_by_prefix(input, IdKind::GenesisJob, argument),
            },
            "project" => self.open_project_form(),
            "jobs" => self.open_jobs((!argument.is_empty()).then_some(argument)),
            "ask" => self.open_ask(argument),
            "run" if argument.is_empty() => self.open_run_form(),
            "run" => match Uuid::parse_str(argument) {
                Ok(run_id) => self.open_run(run_id),
                Err(_) => self.find_by_prefix(input, IdKind::Run, argument),
            },
            "layout" if argument.is_empty() => self.next_layout(),
            "layout" => {
                let index = self
                    .layouts
                    .value
                    .as_ref()
                    .and_then(|l| l.iter().position(|l| l.name.eq_ignore_ascii_case(argument)));
                match index {
                    Some(i) => {
                        self.screen = Screen::Dashboard;
                        self.back_stack.clear();
                        self.show_layout(Some(i))
                    }
                    None => {
                        let known = self.layout_names().join(", ");
                        self.palette_error(
                            input,
                            &format!("no layout named {argument:?} (have: {known})"),
                        )
                    }
                }
            }
            other => {
                let known = PALETTE_COMMANDS
                    .iter()
                    .map(|(c, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", ");
                self.palette_error(input, &format!("unknown command {other:?}; try {known}"))
            }
        }
    }

    /// A rejected command: the palette stays open with the error, the input selected so that
    /// typing replaces it (arrows keep editing it).
    pub(super) fn palette_error(&mut self, input: &str, error: &str) -> Vec<Command> {
        self.overlay = Some(Overlay::Palette(PaletteState {
            input: input.to_string(),
            cursor: Cursor::END,
            error: Some(error.to_string()),
            selected: true,
            completing: None,
        }));
        Vec::new()
    }

    /// `:run 3f2a` / `:job 9c`: the run or job whose id starts so, looked up by the worker.
    fn find_by_prefix(&mut self, input: &str, kind: IdKind, argument: &str) -> Vec<Command> {
        let what = id_kind_name(kind);
        if argument.is_empty() {
            return self.palette_error(input, &format!("usage: {input} <{what} id or its start>"));
        }
        match crate::store::id_prefix::normalize(argument) {
            Ok(prefix) => {
                self.say(format!("looking up the {what} {prefix}…"), false);
                self.prefix_lookup = Some((kind, prefix.clone()));
                vec![Command::FindByPrefix { kind, prefix }]
            }
            Err(_) => self.palette_error(
                input,
                &format!(
                    "usage: {} <{what} id or its start: 0-9, a-f>",
                    input.split(' ').next().unwrap_or("")
                ),
            ),
        }
    }

    /// The worker's answer to a `:run`/`:job` prefix: one opens, none or several are said (the
    /// palette opens again with the prefix to type more of), unless the operator moved on.
    pub(super) fn prefix_found(
        &mut self,
        kind: IdKind,
        prefix: String,
        result: Result<PrefixMatch, String>,
    ) -> Vec<Command> {
        if self.prefix_lookup.as_ref() != Some(&(kind, prefix.clone())) {
            return Vec::new();
        }
        self.prefix_lookup = None;
        let what = id_kind_name(kind);
        let command = match kind {
            IdKind::Run => "run",
            IdKind::GenesisJob => "job",
        };
        let problem = match result {
            Ok(PrefixMatch::One(id)) => {
                self.message = None;
                return match kind {
                    IdKind::Run => self.open_run(id),
                    IdKind::GenesisJob => self.open_genesis_job(id),
                };
            }
            Ok(PrefixMatch::None) => format!("no {what} id starts with {prefix}"),
            Ok(PrefixMatch::Many(n)) if n > COUNT_UP_TO => format!(
                "more than {COUNT_UP_TO} {what}s have an id starting with {prefix}: type more of it"
            ),
            Ok(PrefixMatch::Many(n)) => {
                format!("{n} {what}s have an id starting with {prefix}: type more of it")
            }
            Err(error) => format!("{what} not looked up: {error}"),
        };
        self.say(problem.clone(), true);
        if self.overlay.is_none() {
            let input = format!("{command} {prefix}");
            self.overlay = Some(Overlay::Palette(PaletteState {
                cursor: Cursor::END,
                error: Some(problem),
                input,
                selected: false,
                completing: None,
            }));
        }
        Vec::new()
    }

    /// A key in the palette: Enter runs, Esc closes, Tab / Down and Shift-Tab / Up go through
    /// the completions, other keys edit (replacing a rejected command's selected input).
    pub(super) fn palette_key(&mut self, mut palette: PaletteState, key: KeyEvent) -> Vec<Command> {
        let step = match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Enter => return self.run_palette(&palette.input.clone()),
            KeyCode::Tab | KeyCode::Down => Some(1),
            KeyCode::BackTab | KeyCode::Up => Some(-1),
            _ => None,
        };
        if let Some(step) = step {
            let typed = palette
                .completing
                .as_ref()
                .map_or_else(|| palette.input.clone(), |(typed, _)| typed.clone());
            let matches = palette_completions(&typed, &self.palette_names());
            if !matches.is_empty() {
                let count = matches.len() as i64;
                let next = match &palette.completing {
                    Some((_, at)) => (*at as i64 + step).rem_euclid(count),
                    None if step > 0 => 0,
                    None => count - 1,
                } as usize;
                text_field::set(&mut palette.input, &mut palette.cursor, &matches[next]);
                palette.completing = Some((typed, next));
                palette.selected = false;
            }
            self.overlay = Some(Overlay::Palette(palette));
            return Vec::new();
        }
        if palette.selected {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match key.code {
                KeyCode::Char(_) if plain => palette.input.clear(),
                KeyCode::Backspace | KeyCode::Delete => {
                    palette.input.clear();
                    palette.selected = false;
                    palette.cursor = Cursor::END;
                    return self.palette_edited(palette, true);
                }
                _ => {}
            }
            palette.selected = false;
        }
        let edit = text_field::edit(&mut palette.input, &mut palette.cursor, &key);
        if edit.changed() {
            palette.completing = None;
        }
        self.palette_edited(palette, edit.changed())
    }
}

fn id_kind_name(kind: IdKind) -> &'static str {
    match kind {
        IdKind::Run => "run",
        IdKind::GenesisJob => "genesis job",
    }
}

/// The palette's commands with a short description (shown as completions and in help).
pub const PALETTE_COMMANDS: &[(&str, &str)] = &[
    ("runs", "focus the runs widget"),
    ("flags", "open the red flags screen"),
    ("layout", "switch layout: layout NAME (Tab completes)"),
    ("edit", "edit the layout"),
    (
        "publish",
        "record a publish (written locally, forwarded to MPIS)",
    ),
    ("genesis", "new genesis job; genesis NAME opens one"),
    ("job", "open a genesis job: job JOB_ID (or its start)"),
    ("run", "start a run; run ID (or its start) opens it"),
    ("dashboard", "back to the dashboard"),
    ("refresh", "refresh now"),
    ("pause", "pause/resume auto-refresh"),
    ("help", "keys of this screen"),
    ("quit", "leave"),
    ("messages", "the session's messages, whole, newest first"),
    ("dump", "the screen as text: dump [FILE]"),
    ("project", "new project (name, persona, channels)"),
    ("jobs", "ingestion jobs; jobs NAME opens its runs"),
    ("ask", "AI analyst: ask QUESTION asks at once"),
];

/// The names the palette completes after `layout ` and `genesis `.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaletteNames {
    pub layouts: Vec<String>,
    /// Persona names of the genesis jobs awaiting approval (labels for a shared name).
    pub genesis_jobs: Vec<String>,
    /// The ingestion jobs' names (`jobs NAME`).
    pub ingestion_jobs: Vec<String>,
}

/// Completions of what was typed: commands, layout names after `layout `, and `new` or the
/// awaiting jobs' persona names after `genesis `.
pub fn palette_completions(input: &str, names: &PaletteNames) -> Vec<String> {
    let lower = input.to_lowercase();
    let complete = |command: &str, rest: &str, options: &[String]| -> Vec<String> {
        options
            .iter()
            .filter(|n| n.to_lowercase().starts_with(rest.trim_start()))
            .map(|n| format!("{command} {n}"))
            .collect()
    };
    if let Some(rest) = lower.strip_prefix("layout ") {
        return complete("layout", rest, &names.layouts);
    }
    if let Some(rest) = lower.strip_prefix("genesis ") {
        let mut options = vec!["new".to_string()];
        options.extend(names.genesis_jobs.iter().cloned());
        return complete("genesis", rest, &options);
    }
    if let Some(rest) = lower.strip_prefix("jobs ") {
        return complete("jobs", rest, &names.ingestion_jobs);
    }
    PALETTE_COMMANDS
        .iter()
        .filter(|(c, _)| c.starts_with(&lower))
        .map(|(c, _)| c.to_string())
        .collect()
}
