//! The key hints line: the bottom row, always visible, with the most useful keys of what has
//! the keys now (an overlay, a text field, the open screen, the focused widget), in priority
//! order. Keys the keymap binds are described from it, so a `[keys]` override shows; a
//! screen's own keys (a form's Ctrl-S, the jobs list's `n`) are written as they are.
//! Hints that do not fit are dropped from the end, whole; the way to the help never is.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::app::{App, AskFocus, Overlay, Screen};
use super::data::WidgetKind;
use super::keymap::Action;
use super::theme::Theme;

/// One key and what it does ("s" "sort").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub key: String,
    pub label: &'static str,
    /// The way to the help: kept whatever the width.
    pub keep: bool,
}

/// Between two hints.
const GAP: &str = "  ";

fn literal(key: &str, label: &'static str) -> Hint {
    Hint {
        key: key.to_string(),
        label,
        keep: false,
    }
}

/// The hints of what has the keys now, most useful first (before fitting).
pub fn hints(app: &App) -> Vec<Hint> {
    let keys = &app.keymap;
    let bound = |action, label| Hint {
        key: keys.short(action),
        label,
        keep: false,
    };
    let help = Hint {
        keep: true,
        ..bound(Action::Help, "help")
    };
    // F1 opens the help wherever `?` is typed into a text field.
    let text_help = Hint {
        keep: true,
        ..literal("F1", "help")
    };
    let writes = !app.options.read_only;
    if let Some(overlay) = &app.overlay {
        return match overlay {
            Overlay::Help { .. } => vec![
                bound(Action::Down, "scroll"),
                bound(Action::Bottom, "end"),
                literal("any key", "close"),
            ],
            Overlay::Palette(_) => vec![
                literal("Enter", "run"),
                literal("Tab", "complete"),
                literal("Esc", "close"),
            ],
            Overlay::Confirm(_) => vec![literal("y/Enter", "yes"), literal("n/Esc", "no")],
            Overlay::PickJob(_) => vec![
                literal("Up/Down", "choose"),
                literal("Enter", "open"),
                literal("Esc", "cancel"),
            ],
            Overlay::Silence(_) => vec![
                literal("1", "1 h"),
                literal("4", "4 h"),
                literal("d", "24 h"),
                literal("Esc", "cancel"),
            ],
            Overlay::OutboxRecord(record) => {
                let mut hints = Vec::new();
                // Only a failed record is retried by hand (a queued one is on its way).
                if writes && record.state == crate::store::outbox::OutboxState::Failed {
                    hints.push(literal("R", "retry"));
                }
                hints.push(literal("any key", "close"));
                hints
            }
            Overlay::Messages | Overlay::Copied { .. } => vec![literal("any key", "close")],
        };
    }
    if app.filter_editing {
        return vec![
            literal("Enter", "keep filter"),
            literal("Esc", "clear"),
            text_help,
        ];
    }
    let form = || {
        vec![
            literal("Tab", "next field"),
            literal("Ctrl-S", "submit"),
            literal("Esc", "leave"),
            text_help.clone(),
        ]
    };
    // Esc walks the breadcrumb back: never dropped on a screen opened from another.
    let back = Hint {
        keep: true,
        ..bound(Action::Back, "back")
    };
    let mut hints = match &app.screen {
        Screen::Dashboard => dashboard(app),
        Screen::RunDetail(_) => vec![
            bound(Action::Down, "next id"),
            bound(Action::Copy, "copy id"),
            bound(Action::HalfPageDown, "scroll"),
            back,
        ],
        Screen::RedFlags(_) => {
            let mut hints = vec![bound(Action::Enter, "what it counts")];
            if writes {
                hints.push(bound(Action::Acknowledge, "ack"));
                hints.push(bound(Action::Resolve, "resolve"));
            }
            hints.extend([
                bound(Action::Sort, "sort"),
                bound(Action::ToggleResolved, "resolved"),
                back,
            ]);
            hints
        }
        Screen::FlagDrill(_) => {
            let mut hints = vec![
                bound(Action::Enter, "open"),
                bound(Action::PageDown, "older"),
            ];
            if writes {
                hints.push(bound(Action::Acknowledge, "ack"));
                hints.push(bound(Action::Resolve, "resolve"));
            }
            hints.push(back);
            hints
        }
        Screen::Item(_) => vec![bound(Action::HalfPageDown, "scroll"), back],
        Screen::Jobs(state) if state.filter_editing => {
            return vec![
                literal("Enter", "keep filter"),
                literal("Esc", "clear"),
                text_help,
            ];
        }
        Screen::Jobs(_) => {
            let mut hints = vec![bound(Action::Enter, "history"), literal("/", "filter")];
            if writes {
                hints.extend([
                    literal("r", "run now"),
                    literal("n", "new"),
                    literal("e", "edit"),
                ]);
            }
            hints.push(back);
            if writes {
                hints.extend([literal("x", "enable"), literal("d", "delete")]);
            }
            hints
        }
        Screen::JobHistory(state) => {
            let mut hints = if state.errors_focused {
                vec![bound(Action::Down, "scroll errors")]
            } else {
                vec![bound(Action::Enter, "errors")]
            };
            if writes {
                hints.push(literal("r", "run now"));
            }
            hints.push(back);
            hints
        }
        Screen::LayoutEditor(state) if state.prompt.is_some() => {
            return vec![
                literal("Enter", "save"),
                literal("Esc", "cancel"),
                text_help,
            ];
        }
        Screen::LayoutEditor(state) if state.picker.is_some() => {
            return vec![
                literal("Up/Down", "choose"),
                literal("Enter", "add"),
                literal("Esc", "cancel"),
            ];
        }
        Screen::LayoutEditor(state) if state.leaving => {
            return vec![
                literal("s", "save"),
                literal("d", "discard"),
                literal("Esc", "stay"),
            ];
        }
        Screen::LayoutEditor(_) => vec![
            literal("arrows", "move"),
            literal("HJKL", "resize"),
            literal("s", "save"),
            literal("+", "add"),
            literal("d", "remove"),
            literal("Tab", "next"),
            literal("Esc", "back"),
        ],
        Screen::GenesisJob(state) if state.edit.is_some() => {
            return vec![
                literal("Tab", "next field"),
                literal("Enter", "send"),
                literal("Esc", "close"),
                text_help,
            ];
        }
        Screen::GenesisJob(state) => {
            let mut hints = Vec::new();
            if writes && state.can_edit() {
                hints.extend([literal("A", "approve"), literal("e", "edit")]);
            }
            hints.extend([literal("r", "reload"), literal("j/k", "scroll"), back]);
            hints
        }
        Screen::PublishForm(_)
        | Screen::GenesisForm(_)
        | Screen::ProjectForm(_)
        | Screen::RunForm(_)
        | Screen::JobForm(_) => return form(),
        Screen::Ask(state) if state.focus == AskFocus::Question => {
            return vec![
                literal("Enter", "ask"),
                literal("Tab", "next"),
                literal("Up", "earlier"),
                literal("Ctrl-T", "range"),
                literal("Esc", "back"),
                text_help,
            ];
        }
        Screen::Ask(_) => vec![
            literal("Tab", "next"),
            literal("Enter", "open"),
            bound(Action::Copy, "copy"),
            literal("PgDn", "scroll"),
            back,
        ],
    };
    // Help and quit stay whatever the width: the screen's own hints give way first.
    let quit = Hint {
        keep: true,
        ..bound(Action::Quit, "quit")
    };
    hints.extend([help, quit]);
    hints
}

/// The dashboard's hints follow the focused widget: what Enter opens, sorting, the range.
fn dashboard(app: &App) -> Vec<Hint> {
    let keys = &app.keymap;
    let bound = |action, label| Hint {
        key: keys.short(action),
        label,
        keep: false,
    };
    let kind = app.slots.get(app.focus).map(|slot| &slot.kind);
    let mut hints = Vec::new();
    let opens = matches!(
        kind,
        Some(
            WidgetKind::Runs
                | WidgetKind::RedFlags
                | WidgetKind::Outbox
                | WidgetKind::IngestionJobs
                | WidgetKind::PersonaOverview
        )
    );
    if opens {
        hints.push(bound(Action::Enter, "open"));
    }
    if kind.is_some_and(WidgetKind::is_list) {
        hints.push(bound(Action::Filter, "filter"));
    }
    if kind.is_some_and(|k| crate::domain::sort::columns(k.id()).is_some()) {
        hints.push(bound(Action::Sort, "sort"));
    }
    if matches!(
        kind,
        Some(WidgetKind::EngagementChart | WidgetKind::ChannelPerformance)
    ) {
        hints.push(bound(Action::CycleTimeRange, "range"));
    }
    hints.push(bound(Action::FocusNext, "next widget"));
    hints.push(bound(Action::Palette, "commands"));
    hints.push(bound(Action::Flags, "flags"));
    hints.push(bound(Action::Refresh, "refresh"));
    if !app.options.read_only {
        hints.push(bound(Action::EditLayout, "edit layout"));
    }
    hints.push(bound(Action::TimeZone, "time zone"));
    hints.push(bound(
        Action::Mouse,
        if app.mouse_captured {
            "mouse off"
        } else {
            "mouse on"
        },
    ));
    hints
}

fn width(hint: &Hint) -> usize {
    crate::text::columns(&hint.key) + 1 + crate::text::columns(hint.label)
}

/// The hints that fit `room` columns: dropped whole from the end, the kept ones never.
pub fn fit(hints: Vec<Hint>, room: usize) -> Vec<Hint> {
    let total = |hints: &[Hint]| {
        hints.iter().map(width).sum::<usize>() + GAP.len() * hints.len().saturating_sub(1)
    };
    let mut hints = hints;
    while total(&hints) > room {
        match hints.iter().rposition(|h| !h.keep) {
            Some(last) => {
                hints.remove(last);
            }
            None => break,
        }
    }
    hints
}

/// The line drawn: each key in the accent (bold), its label muted.
pub fn line(app: &App, room: usize) -> Line<'static> {
    styled(fit(hints(app), room), &app.options.theme)
}

fn styled(hints: Vec<Hint>, theme: &Theme) -> Line<'static> {
    let key_style: Style = theme.accent().add_modifier(Modifier::BOLD);
    let mut spans = Vec::new();
    for (i, hint) in hints.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(GAP));
        }
        spans.push(Span::styled(hint.key, key_style));
        spans.push(Span::styled(format!(" {}", hint.label), theme.muted()));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(key: &str, label: &'static str, keep: bool) -> Hint {
        Hint {
            key: key.to_string(),
            label,
            keep,
        }
    }

    #[test]
    fn hints_that_do_not_fit_go_whole_from_the_end_and_help_stays() {
        let hints = vec![
            hint("Enter", "open", false),
            hint("/", "filter", false),
            hint("s", "sort", false),
            hint("?", "help", true),
            hint("q", "quit", false),
        ];
        // "Enter open  / filter  s sort  ? help  q quit" is 44 columns.
        assert_eq!(fit(hints.clone(), 44).len(), 5);
        let fitted = fit(hints.clone(), 43);
        let keys: Vec<&str> = fitted.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["Enter", "/", "s", "?"]);
        let fitted = fit(hints.clone(), 20);
        let keys: Vec<&str> = fitted.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["Enter", "?"]);
        // Not even the help fits: it is still there (the line is cut at the edge).
        let fitted = fit(hints, 3);
        assert_eq!(fitted, vec![hint("?", "help", true)]);
    }
}
