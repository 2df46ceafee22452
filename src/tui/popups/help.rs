//! `?`: the keys of the current screen (from the keymap, so overrides show).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::app::{App, PALETTE_COMMANDS, Screen};
use crate::tui::keymap::Action;

/// The editing keys every text field has (`text_field`).
const TEXT_MOVES: &str = "←/→ Home/End Alt-B/F";
const TEXT_DELETES: &str = "Ctrl-W / Ctrl-U / Ctrl-K";

/// The help's lines for a terminal area (the commands are listed one a line when there is
/// room, else their names several a line), and the popup's width.
fn lines(app: &App, area: Rect) -> (Vec<Line<'static>>, u16) {
    let keys = &app.keymap;
    let k = |action| keys.describe(action);
    let read_only = app.options.read_only;
    let mut rows: Vec<(String, &str)> = match &app.screen {
        Screen::PublishForm(_) => vec![
            (
                "Tab / Shift-Tab / Enter".to_string(),
                "next / previous field",
            ),
            (
                "Up / Down (draft field)".to_string(),
                "pick an approved draft",
            ),
            ("Up / Down (channel)".to_string(), "cycle the four channels"),
            (
                "Up / Down (run)".to_string(),
                "pick a recent run (fills its project)",
            ),
            ("Up / Down (project)".to_string(), "pick a project"),
            (TEXT_MOVES.to_string(), "move in the text"),
            (
                TEXT_DELETES.to_string(),
                "delete a word / to the start / end",
            ),
            ("Ctrl-S".to_string(), "validate and submit"),
            ("Esc".to_string(), "leave the form"),
            (
                "type (draft field)".to_string(),
                "filter the drafts; Enter takes the picked one",
            ),
        ],
        Screen::GenesisForm(_) => vec![
            ("Tab / Shift-Tab".to_string(), "next / previous field"),
            ("Left / Right (language)".to_string(), "choose the language"),
            ("Space (public persona)".to_string(), "toggle on / off"),
            (
                "Enter (sources, notes)".to_string(),
                "new line (one source a line)",
            ),
            (
                "Up / Down (sources, notes)".to_string(),
                "line above / below",
            ),
            (TEXT_MOVES.to_string(), "move in the text"),
            (
                TEXT_DELETES.to_string(),
                "delete a word / to the start / end",
            ),
            ("Ctrl-S".to_string(), "validate and start the job"),
            ("Esc".to_string(), "cancel waiting / leave the form"),
        ],
        Screen::GenesisJob(_) => vec![
            ("e".to_string(), "edit the draft (path, op, JSON value)"),
            (
                "Tab / Left / Right (edit)".to_string(),
                "next field / cycle op",
            ),
            (
                "Enter (edit)".to_string(),
                "validate and send as a new draft",
            ),
            ("A".to_string(), "approve the current draft (asks first)"),
            ("r".to_string(), "reload the status"),
            (
                "j/k PgUp/PgDn g/G wheel".to_string(),
                "scroll (the stored draft is at the end)",
            ),
            (
                "Esc".to_string(),
                "stop waiting / close the edit line / back",
            ),
            (
                "Tab / Shift-Tab (path)".to_string(),
                "complete from the draft's paths, cycle",
            ),
            (
                "y / n / Tab (new path?)".to_string(),
                "add it / change it / take the nearest",
            ),
        ],
        Screen::Dashboard => vec![
            (
                format!("{} / {}", k(Action::FocusNext), k(Action::FocusPrev)),
                "focus next / previous widget",
            ),
            (
                format!("{} {}", k(Action::Left), k(Action::Right)),
                "focus the widget left / right",
            ),
            (
                format!("{} {}", k(Action::Up), k(Action::Down)),
                "select a row",
            ),
            (
                format!("{} {}", k(Action::PageUp), k(Action::PageDown)),
                "a screenful up (newer) / down (older)",
            ),
            (
                format!("{} {}", k(Action::Top), k(Action::Bottom)),
                "first / last row (runs: older pages load)",
            ),
            (
                k(Action::Enter),
                "open: run detail, red flags, outbox record",
            ),
            (
                format!("{} (awaiting persona)", k(Action::Enter)),
                "open its genesis job (approve)",
            ),
            (
                format!("{} / {}", k(Action::Sort), k(Action::SortReverse)),
                "sort: next column / reverse (sortable lists)",
            ),
            (
                k(Action::CycleTimeRange),
                "time range 7/30/90 days (the two charts)",
            ),
            (
                k(Action::Flags),
                "red flags (on the widget's selected flag)",
            ),
            (k(Action::NextLayout), "next layout"),
            (k(Action::EditLayout), "edit the layout"),
            ("click / wheel".to_string(), "focus / scroll a widget"),
        ]
        .into_iter()
        .filter(|(_, what)| !(read_only && *what == "edit the layout"))
        .collect(),
        Screen::RunDetail(_) => vec![
            (
                format!("{} {}", k(Action::Up), k(Action::Down)),
                "select an id",
            ),
            (k(Action::Copy), "copy the selected id"),
            (
                format!("{} {}", k(Action::PageUp), k(Action::PageDown)),
                "scroll",
            ),
        ],
        Screen::Jobs(_) => vec![
            (
                format!("{} {}", k(Action::Up), k(Action::Down)),
                "select a job",
            ),
            (k(Action::Enter), "its run history (per-item errors)"),
            ("/".to_string(), "filter the jobs (Enter keeps, Esc clears)"),
            ("n".to_string(), "new job (writes)"),
            ("e".to_string(), "edit the job (writes)"),
            ("Space / x".to_string(), "enable / disable (writes)"),
            ("r".to_string(), "run now, then its outcome (writes)"),
            ("d".to_string(), "delete the job (asks first) (writes)"),
        ]
        .into_iter()
        .filter(|(_, what)| !(read_only && what.ends_with("(writes)")))
        .collect(),
        Screen::JobHistory(_) => vec![
            (
                format!("{} {}", k(Action::Up), k(Action::Down)),
                "select a run",
            ),
            (k(Action::Enter), "scroll its per-item errors (Esc: back)"),
            (
                format!("{} {}", k(Action::PageUp), k(Action::PageDown)),
                "a screenful (runs, or errors when scrolling them)",
            ),
            ("r".to_string(), "run the job now (writes)"),
        ]
        .into_iter()
        .filter(|(_, what)| !(read_only && what.ends_with("(writes)")))
        .collect(),
        Screen::JobForm(_) => vec![
            (
                "Tab / Shift-Tab / Enter".to_string(),
                "next / previous field",
            ),
            ("Tab (channel)".to_string(), "complete a known channel"),
            (
                "type / Up/Down / Enter (persona)".to_string(),
                "filter, pick, take (blank: all)",
            ),
            ("Space (enabled)".to_string(), "toggle on / off"),
            (
                "credential".to_string(),
                "ENV_VAR_NAME or /path/secrets.toml#key",
            ),
            (TEXT_MOVES.to_string(), "move in the text"),
            ("Ctrl-S".to_string(), "validate and save"),
            ("Esc".to_string(), "leave (asks before losing input)"),
        ],
        Screen::RedFlags(_) => vec![
            (
                format!("{} {}", k(Action::Up), k(Action::Down)),
                "select a flag",
            ),
            (k(Action::Enter), "what the flag counts (runs / items)"),
            (k(Action::Acknowledge), "acknowledge (asks first)"),
            (k(Action::Resolve), "resolve, or silence (asks first)"),
            (k(Action::ToggleResolved), "show / hide resolved flags"),
            (
                format!("{} / {}", k(Action::Sort), k(Action::SortReverse)),
                "sort: next column / reverse",
            ),
        ]
        .into_iter()
        // --read-only hides every action that writes.
        .filter(|(_, what)| !(read_only && what.ends_with("(asks first)")))
        .collect(),
        Screen::FlagDrill(_) => vec![
            (
                format!("{} {}", k(Action::Up), k(Action::Down)),
                "select a row",
            ),
            (k(Action::Enter), "open: run detail / published item"),
            (
                format!("{} {}", k(Action::PageUp), k(Action::PageDown)),
                "newer / older page",
            ),
            (k(Action::Acknowledge), "acknowledge the flag (asks first)"),
            (k(Action::Resolve), "resolve, or silence (asks first)"),
            (k(Action::Flags), "the flags list, on this flag"),
        ]
        .into_iter()
        .filter(|(_, what)| !(read_only && what.ends_with("(asks first)")))
        .collect(),
        Screen::ProjectForm(_) => vec![
            (
                "Tab / Shift-Tab / Enter".to_string(),
                "next / previous field",
            ),
            (
                "type / Up/Down / Enter (persona)".to_string(),
                "filter, pick, take",
            ),
            (
                "Tab (channels)".to_string(),
                "complete the channel being typed",
            ),
            (
                "Up/Down, Space (channels)".to_string(),
                "highlight, toggle a known channel",
            ),
            ("Ctrl-S".to_string(), "validate and create the project"),
            ("Esc".to_string(), "leave (asks before losing input)"),
        ],
        Screen::RunForm(_) => vec![
            (
                "Tab / Shift-Tab / Enter".to_string(),
                "next / previous field",
            ),
            (
                "type / Up/Down / Enter (project)".to_string(),
                "filter, pick, take (fills channels, templates)",
            ),
            (
                "Tab (channels)".to_string(),
                "complete the channel being typed",
            ),
            (
                "Up/Down, Space (channels)".to_string(),
                "highlight, toggle a known channel",
            ),
            ("Space / Left / Right (yes/no)".to_string(), "toggle"),
            ("Ctrl-S".to_string(), "validate (contract v1) and start"),
            ("Esc".to_string(), "leave (asks before losing input)"),
        ],
        Screen::Item(_) => vec![(
            format!("{} {}", k(Action::PageUp), k(Action::PageDown)),
            "scroll",
        )],
        Screen::Ask(_) => vec![
            ("Enter (question)".to_string(), "ask the analyst"),
            (
                "Up / Down (question)".to_string(),
                "earlier questions (kept across sessions)",
            ),
            (
                "Tab / Shift-Tab".to_string(),
                "question, persona, actions, citations",
            ),
            (
                "Ctrl-P / ←→ (persona)".to_string(),
                "the persona asked about",
            ),
            (
                format!("Ctrl-T / {}", k(Action::CycleTimeRange)),
                "time range 24h / 7d / 30d / 90d",
            ),
            (
                "Up / Down, Enter (citations)".to_string(),
                "select, open the item and its metrics",
            ),
            (
                format!("Enter / {} (actions)", k(Action::Copy)),
                "copy the action (OSC 52)",
            ),
            (
                format!("{} (citations)", k(Action::Copy)),
                "copy the item's id",
            ),
            ("PgUp / PgDn".to_string(), "scroll the answer"),
            (TEXT_MOVES.to_string(), "move in the text"),
            (
                TEXT_DELETES.to_string(),
                "delete a word / to the start / end",
            ),
            (
                "Esc".to_string(),
                "stop waiting / back (the question is kept)",
            ),
            ("? (empty box) / F1".to_string(), "this help"),
        ],
        Screen::LayoutEditor(_) => vec![
            ("Tab".to_string(), "next widget"),
            ("arrows / hjkl".to_string(), "move the widget"),
            ("Shift+arrows / HJKL".to_string(), "resize the widget"),
            ("+".to_string(), "add a widget"),
            ("d".to_string(), "remove the widget"),
            ("s".to_string(), "save under a name (asks, prefilled)"),
            ("n".to_string(), "rename your layout"),
            ("D".to_string(), "delete your layout (asks first)"),
            ("R".to_string(), "reset to the built-in default"),
            ("Esc".to_string(), "back (asks if unsaved)"),
        ],
    };
    rows.extend([
        (
            format!("{} {}", k(Action::HalfPageDown), k(Action::HalfPageUp)),
            "half a page down / up",
        ),
        (k(Action::Filter), "filter lists (Enter keeps, Esc clears)"),
        (k(Action::Palette), "command palette"),
        (k(Action::Refresh), "refresh now"),
        (k(Action::TogglePause), "pause / resume auto-refresh"),
        (k(Action::TimeZone), "times in the configured zone / UTC"),
        (
            k(Action::Mouse),
            "mouse capture on / off (off: select text)",
        ),
        (k(Action::Back), "back"),
        (
            format!("{}/F1 / {}", k(Action::Help), k(Action::Messages)),
            "this help / the session's messages, whole",
        ),
        (k(Action::Quit), "quit"),
    ]);
    let mut lines: Vec<Line<'static>> = rows
        .iter()
        .map(|(key, what)| Line::from(format!(" {key:<24} {what}")))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(" commands (:)", app.options.theme.header()));
    let room = room_above_status_line(area);
    let width = WIDTH.min(room.width);
    if lines.len() + PALETTE_COMMANDS.len() + 2 <= usize::from(room.height) {
        for (command, what) in PALETTE_COMMANDS {
            lines.push(Line::from(format!(" :{command:<23} {what}")));
        }
    } else {
        // Too short for one line each: the names only, several a line (the palette describes
        // them as you type).
        let mut line = String::new();
        for (command, _) in PALETTE_COMMANDS {
            let name = format!(" :{command} ");
            if line.chars().count() + name.chars().count() > usize::from(width.saturating_sub(2)) {
                lines.push(Line::from(std::mem::take(&mut line)));
            }
            line.push_str(&name);
        }
        lines.push(Line::from(line));
    }
    (lines, width)
}

const WIDTH: u16 = 72;

/// Above the status line and the key hints, which stay visible.
fn room_above_status_line(area: Rect) -> Rect {
    Rect {
        height: area.height.saturating_sub(crate::tui::app::FOOTER_ROWS),
        ..area
    }
}

/// How far the help scrolls in a terminal of `size` (0 when it fits).
pub fn max_scroll(app: &App, size: (u16, u16)) -> u16 {
    let area = Rect::new(0, 0, size.0, size.1);
    let (lines, _) = lines(app, area);
    let shown = room_above_status_line(area).height.saturating_sub(2);
    u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(shown)
}

/// The help popup, scrolled down `scroll` lines when it is taller than the terminal (the
/// border says what is hidden and how to see it).
pub fn render(app: &App, scroll: u16, area: Rect, buf: &mut Buffer) {
    let (lines, width) = lines(app, area);
    let room = room_above_status_line(area);
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let shown = total.min(room.height.saturating_sub(2));
    let scroll = scroll.min(total - shown);
    let popup = crate::tui::popups::centered(room, width, shown + 2);
    let glyphs = &app.options.theme.glyphs;
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_set(glyphs.border);
    if shown < total {
        let above = if scroll > 0 {
            format!("more {} ", glyphs.arrow_up)
        } else {
            String::new()
        };
        let below = if scroll + shown < total {
            format!("more {} ", glyphs.arrow_down)
        } else {
            String::new()
        };
        block = block
            .title(" Help (j/k PgUp/PgDn scroll, other keys close) ")
            .title_bottom(Line::from(format!(" {above}{below}")).right_aligned());
    } else {
        block = block.title(" Help: keys of this screen (any key closes) ");
    }
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .scroll((scroll, 0))
        .block(block)
        .render(popup, buf);
}
