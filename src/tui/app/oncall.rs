//! The on-call path's side of `App`: from a flag to what it counts (the drill-in screen, paged),
//! from a row to a run or a published item (the item screen), acknowledging from there,
//! resolving only a flag whose condition cleared (else silencing it for a chosen time), and
//! the open-flag counts behind the status line's hint.

// A split `impl App`: the parent module's types and imports.
use super::*;

use crate::domain::red_flags::FlagKind;
use crate::store::flag_drill::{DrillCursor, DrillPage, DrillRow};
use crate::store::red_flags::OpenFlagCounts;
use crate::tui::worker::ItemDetail;

/// What a flag counts, one page at a time (keyset; PageDown/PageUp).
#[derive(Debug, Clone, PartialEq)]
pub struct FlagDrillState {
    pub flag: RedFlag,
    /// `None` for a flag this version cannot list (no or unknown `flag_key`).
    pub kind: Option<FlagKind>,
    /// When the flag's window is taken (kept while paging, so pages do not shift).
    pub at: DateTime<Utc>,
    pub page: Loadable<DrillPage>,
    /// Where the shown page starts, and the starts of the pages before it.
    pub cursor: Option<DrillCursor>,
    pub history: Vec<Option<DrillCursor>>,
    pub selected: usize,
}

impl FlagDrillState {
    /// The selected row's identity (a run's id or an item's id), to keep it across reloads.
    fn selected_id(&self) -> Option<Uuid> {
        self.page
            .value
            .as_ref()
            .and_then(|p| p.rows.get(self.selected))
            .map(row_id)
    }

    /// Rows shown before this page (for "rows 101-200").
    pub fn offset(&self) -> usize {
        self.history.len() * crate::tui::worker::DRILL_PAGE as usize
    }
}

pub fn row_id(row: &DrillRow) -> Uuid {
    row.id()
}

/// A published item and its metric history.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemState {
    pub id: Uuid,
    pub detail: Loadable<ItemDetail>,
    pub scroll: u16,
}

/// The question after `x` on a flag whose condition still holds: silence it for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceState {
    pub flag_id: Uuid,
    pub what: String,
}

/// The silence lengths offered: key, hours, label.
pub const SILENCE_CHOICES: [(char, i64, &str); 3] =
    [('1', 1, "1 h"), ('4', 4, "4 h"), ('d', 24, "24 h")];

impl App {
    /// Opens what `flag` counts (loads through `reload_screen`).
    pub(super) fn open_flag_drill(&mut self, flag: RedFlag) -> Vec<Command> {
        let kind = flag.flag_key.as_deref().and_then(FlagKind::from_key);
        self.open(Screen::FlagDrill(FlagDrillState {
            flag,
            kind,
            at: self.now.wall,
            page: Loadable::default(),
            cursor: None,
            history: Vec::new(),
            selected: 0,
        }))
    }

    /// Opens the flags list with flag `id` selected (once it is loaded).
    pub(super) fn open_flags_on(&mut self, id: Option<Uuid>) -> Vec<Command> {
        let commands = self.open_flags();
        if let Screen::RedFlags(state) = &mut self.screen {
            state.open_on = id;
        }
        commands
    }

    /// The flag selected in the focused red-flags widget, if any.
    pub(super) fn widget_flag(&self) -> Option<RedFlag> {
        let slot = self.slots.get(self.focus)?;
        let Some(WidgetData::RedFlags(data)) = slot.data.value.as_ref() else {
            return None;
        };
        data.open_flags.get(slot.selected).cloned()
    }

    /// `F`: the flags list, on the flag selected in the widget or the drill-in when there is one.
    pub(super) fn flags_key(&mut self) -> Vec<Command> {
        let id = match &self.screen {
            Screen::FlagDrill(state) => Some(state.flag.id),
            Screen::RedFlags(_) => return Vec::new(),
            _ => self.widget_flag().map(|f| f.id),
        };
        self.open_flags_on(id)
    }

    pub(super) fn reload_flag_drill(&mut self) -> Vec<Command> {
        let wall = self.now.wall;
        let Screen::FlagDrill(state) = &mut self.screen else {
            return Vec::new();
        };
        let Some(kind) = state.kind else {
            return Vec::new();
        };
        // The first page follows the clock (as the flag's count does); later pages keep theirs.
        if state.cursor.is_none() {
            state.at = wall;
        }
        state.page.start();
        vec![
            Command::LoadFlagDrill {
                kind,
                at: state.at,
                after: state.cursor,
            },
            // The flag itself (acknowledged, silenced meanwhile?).
            Command::LoadFlags {
                include_resolved: true,
            },
        ]
    }

    pub(super) fn flag_drill_loaded(&mut self, result: Result<DrillPage, String>) {
        let Now { instant, wall } = self.now;
        let Screen::FlagDrill(state) = &mut self.screen else {
            return;
        };
        match result {
            Ok(page) => {
                let keep = state.selected_id();
                let found = keep.and_then(|id| page.rows.iter().position(|r| row_id(r) == id));
                state.selected = found
                    .unwrap_or(state.selected)
                    .min(page.rows.len().saturating_sub(1));
                state.page.succeed(page, wall, instant);
                state.page.error = None;
            }
            Err(error) => state.page.fail(error),
        }
    }

    pub(super) fn flag_drill_action(&mut self, action: Action) -> Vec<Command> {
        let Screen::FlagDrill(state) = &mut self.screen else {
            return Vec::new();
        };
        let rows = state.page.value.as_ref().map_or(0, |p| p.rows.len());
        match action {
            Action::Down => state.selected = (state.selected + 1).min(rows.saturating_sub(1)),
            Action::Up => state.selected = state.selected.saturating_sub(1),
            // The ends of the page shown (PageDown / PageUp go to the next / previous page).
            Action::Top => state.selected = 0,
            Action::Bottom => state.selected = rows.saturating_sub(1),
            Action::PageDown => {
                let Some(next) = state.page.value.as_ref().and_then(|p| p.next) else {
                    self.say("this is the last page", false);
                    return Vec::new();
                };
                state.history.push(state.cursor);
                state.cursor = Some(next);
                state.selected = 0;
                return self.reload_flag_drill();
            }
            Action::PageUp => {
                let Some(previous) = state.history.pop() else {
                    state.selected = 0;
                    return Vec::new();
                };
                state.cursor = previous;
                state.selected = 0;
                return self.reload_flag_drill();
            }
            Action::Enter => {
                let row = state
                    .page
                    .value
                    .as_ref()
                    .and_then(|p| p.rows.get(state.selected))
                    .cloned();
                return match row {
                    Some(DrillRow::Run { run, .. }) => self.open_run(run.run_id),
                    Some(DrillRow::Item(item)) => self.open_item(item.id),
                    // A job's runs are on the jobs screen; the row already says why it fails.
                    Some(DrillRow::Job(_)) | None => Vec::new(),
                };
            }
            Action::Acknowledge | Action::Resolve => {
                let flag = state.flag.clone();
                return self.ask_about_flag(flag, action);
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn open_item(&mut self, id: Uuid) -> Vec<Command> {
        self.open(Screen::Item(ItemState {
            id,
            detail: Loadable::default(),
            scroll: 0,
        }))
    }

    pub(super) fn item_loaded(&mut self, id: Uuid, result: Result<ItemDetail, String>) {
        let Now { instant, wall } = self.now;
        if let Screen::Item(state) = &mut self.screen
            && state.id == id
        {
            match result {
                Ok(detail) => {
                    state.detail.succeed(detail, wall, instant);
                    state.detail.error = None;
                }
                Err(error) => state.detail.fail(error),
            }
        }
    }

    pub(super) fn item_action(&mut self, action: Action) -> Vec<Command> {
        let body = self.grid_area();
        let times = self.times();
        let Screen::Item(state) = &mut self.screen else {
            return Vec::new();
        };
        // Never past the last line, so Up moves at once after End.
        let max = crate::tui::screens::item::max_scroll(&self.options.theme, times, state, body);
        state.scroll = match action {
            Action::Down => state.scroll.saturating_add(1),
            Action::Up => state.scroll.saturating_sub(1),
            Action::PageDown => state.scroll.saturating_add(10),
            Action::PageUp => state.scroll.saturating_sub(10),
            Action::Top => 0,
            Action::Bottom => max,
            _ => state.scroll,
        }
        .min(max);
        Vec::new()
    }

    /// `a` / `x` on a flag: acknowledge asks first; resolve first checks whether the condition
    /// still holds (answered by `FlagCondition`).
    pub(super) fn ask_about_flag(&mut self, flag: RedFlag, action: Action) -> Vec<Command> {
        if self.options.read_only {
            self.say("read-only: acknowledging and resolving are off", true);
            return Vec::new();
        }
        if flag.resolved_at.is_some() {
            self.say("that flag is already resolved", true);
            return Vec::new();
        }
        if action == Action::Resolve {
            self.say("checking whether the flag's condition still holds…", false);
            return vec![Command::CheckFlagCondition { id: flag.id }];
        }
        let what = flag_label(&flag);
        self.overlay = Some(Overlay::Confirm(ConfirmState {
            question: format!("Acknowledge \"{what}\" as {}?", self.options.operator),
            on_yes: Command::AcknowledgeFlag { id: flag.id },
        }));
        Vec::new()
    }

    /// The answer to `CheckFlagCondition`: resolve (condition cleared) or silence (it holds).
    pub(super) fn flag_condition(&mut self, result: Result<(RedFlag, bool), String>) {
        match result {
            Err(error) => self.say(format!("cannot check the flag: {error}"), true),
            Ok((flag, _)) if flag.resolved_at.is_some() => {
                self.say("that flag is already resolved", true)
            }
            Ok((flag, true)) => {
                self.message = None;
                self.overlay = Some(Overlay::Silence(SilenceState {
                    flag_id: flag.id,
                    what: flag_label(&flag),
                }));
            }
            Ok((flag, false)) => {
                self.message = None;
                self.overlay = Some(Overlay::Confirm(ConfirmState {
                    question: format!(
                        "Resolve \"{}\" as {}? Its condition has cleared.",
                        flag_label(&flag),
                        self.options.operator
                    ),
                    on_yes: Command::ResolveFlag { id: flag.id },
                }));
            }
        }
    }

    /// A key while the silence question is open.
    pub(super) fn silence_key(&mut self, state: SilenceState, key: KeyEvent) -> Vec<Command> {
        if key.code == KeyCode::Esc || key.code == KeyCode::Char('n') {
            self.say("cancelled: the flag stays open", false);
            return Vec::new();
        }
        let chosen = SILENCE_CHOICES
            .iter()
            .find(|(c, _, _)| key.code == KeyCode::Char(*c));
        match chosen {
            Some((_, hours, _)) => {
                self.say("working…", false);
                vec![Command::SilenceFlag {
                    id: state.flag_id,
                    hours: *hours,
                    times: self.times(),
                }]
            }
            None => {
                self.overlay = Some(Overlay::Silence(state));
                Vec::new()
            }
        }
    }

    pub(super) fn open_flag_counts_loaded(&mut self, result: Result<OpenFlagCounts, String>) {
        // An error leaves the last counts; the status line shows the connection state.
        if let Ok(counts) = result {
            self.open_flag_counts = Some(counts);
        }
    }
}

fn flag_label(flag: &RedFlag) -> String {
    crate::tui::widgets::clean(flag.description.as_deref().unwrap_or(&flag.flag_type))
}
