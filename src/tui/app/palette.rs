//! The `:` command palette's side of `App`: running a command and what it completes.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// What the palette completes: layout names and the awaiting jobs' persona names (with
    /// start time and short id where two jobs share a name).
    pub fn palette_names(&self) -> PaletteNames {
        PaletteNames {
            layouts: self.layout_names(),
            genesis_jobs: crate::tui::genesis_jobs::completions(&self.awaiting_jobs()),
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
            "q" | "quit" => {
                self.should_quit = true;
                Vec::new()
            }
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
                self.overlay = Some(Overlay::Help);
                Vec::new()
            }
            "refresh" => self.refresh_all(),
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
                Err(_) => self.palette_error(input, "usage: job <job_id>"),
            },
            "run" => match Uuid::parse_str(argument) {
                Ok(run_id) => self.open_run(run_id),
                Err(_) => self.palette_error(input, "usage: run <run_id>"),
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

    pub(super) fn palette_error(&mut self, input: &str, error: &str) -> Vec<Command> {
        self.overlay = Some(Overlay::Palette(PaletteState {
            input: input.to_string(),
            cursor: Cursor::END,
            error: Some(error.to_string()),
        }));
        Vec::new()
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
    ("job", "open a genesis job: job JOB_ID"),
    ("run", "open a run: run RUN_ID"),
    ("dashboard", "back to the dashboard"),
    ("refresh", "refresh now"),
    ("pause", "pause/resume auto-refresh"),
    ("help", "keys of this screen"),
    ("quit", "leave"),
    ("messages", "the session's messages, whole, newest first"),
];

/// The names the palette completes after `layout ` and `genesis `.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaletteNames {
    pub layouts: Vec<String>,
    /// Persona names of the genesis jobs awaiting approval (labels for a shared name).
    pub genesis_jobs: Vec<String>,
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
    PALETTE_COMMANDS
        .iter()
        .filter(|(c, _)| c.starts_with(&lower))
        .map(|(c, _)| c.to_string())
        .collect()
}
