//! The `:ask` screen's side of `App` (the AI analyst): opening it (`:ask QUESTION` asks at
//! once), the question box with its history (Up/Down), the persona and time range, asking on
//! the worker (Esc stops waiting), the answer arriving, and the focus moving between the box,
//! the persona, the suggested actions and the citations (Enter on a citation opens the item
//! screen; Esc there comes back to the answer).

// A split `impl App`: the parent module's types and imports.
use super::*;

use crate::analyst::Asked;
use crate::api::analyst::QUESTION_MAX;
use crate::domain::analyst::TimeRange;
use crate::domain::analyst::range::PRESETS;
use crate::store::personas::PersonaSummary;
use crate::tui::ask_history;

/// Where the `:ask` screen's keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskFocus {
    Question,
    Persona,
    Actions,
    Citations,
}

/// An answer on its way.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAsk {
    /// Matches the worker's answer to this question (a later question or Esc drops it).
    pub seq: u64,
    pub since: Instant,
    /// What was asked (the box, persona and range may change while waiting).
    pub question: String,
    pub persona: String,
    pub range: &'static str,
}

/// An answer with what it answered.
#[derive(Debug, Clone, PartialEq)]
pub struct AskAnswer {
    pub question: String,
    /// The persona asked about, in words ("all personas", a name).
    pub persona: String,
    pub range: &'static str,
    pub asked: Asked,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AskState {
    pub question: String,
    pub cursor: Cursor,
    /// The personas to pick from (newest first), after "all personas".
    pub personas: Loadable<Vec<PersonaSummary>>,
    /// The persona asked about; `None`: every persona.
    pub persona: Option<Uuid>,
    /// Index into `PRESETS` (24h, 7d, 30d, 90d).
    pub range: usize,
    pub focus: AskFocus,
    /// Recalling the history: the question shown (index into `App::ask_history`) and what
    /// was typed before the first Up (Down past the newest brings it back).
    pub recalling: Option<(usize, String)>,
    pub pending: Option<PendingAsk>,
    pub answer: Option<AskAnswer>,
    /// Why the last question got no answer, in plain words.
    pub error: Option<String>,
    /// Lines the answer is scrolled down (PageUp/PageDown).
    pub scroll: u16,
    pub selected_action: usize,
    pub selected_citation: usize,
}

impl AskState {
    pub fn range_text(&self) -> &'static str {
        PRESETS[self.range.min(PRESETS.len() - 1)]
    }

    /// The persona asked about in words.
    pub fn persona_label(&self) -> String {
        match self.persona {
            None => "all personas".to_string(),
            Some(id) => self
                .personas
                .value
                .as_ref()
                .and_then(|all| all.iter().find(|p| p.id == id))
                .map_or_else(
                    || format!("persona {}", &id.simple().to_string()[..8]),
                    |p| crate::tui::widgets::clean(&p.name),
                ),
        }
    }

    fn citations(&self) -> usize {
        self.answer
            .as_ref()
            .map_or(0, |a| a.asked.answer.citations.len())
    }

    fn actions(&self) -> usize {
        self.answer
            .as_ref()
            .map_or(0, |a| a.asked.answer.suggested_actions.len())
    }

    /// The focus stops in Tab order: the lists only when the answer has any.
    fn stops(&self) -> Vec<AskFocus> {
        let mut stops = vec![AskFocus::Question, AskFocus::Persona];
        if self.actions() > 0 {
            stops.push(AskFocus::Actions);
        }
        if self.citations() > 0 {
            stops.push(AskFocus::Citations);
        }
        stops
    }

    fn move_focus(&mut self, step: i64) {
        let stops = self.stops();
        let at = stops.iter().position(|f| *f == self.focus).unwrap_or(0) as i64;
        let next = (at + step).rem_euclid(stops.len() as i64) as usize;
        self.focus = stops[next];
    }

    /// The next (or previous) persona: all, then each listed one.
    fn cycle_persona(&mut self, step: i64) {
        let mut options: Vec<Option<Uuid>> = vec![None];
        if let Some(all) = &self.personas.value {
            options.extend(all.iter().map(|p| Some(p.id)));
        }
        if options.len() == 1 && self.persona.is_some() {
            options.push(self.persona);
        }
        let at = options.iter().position(|p| *p == self.persona).unwrap_or(0) as i64;
        self.persona = options[(at + step).rem_euclid(options.len() as i64) as usize];
    }
}

impl App {
    /// `:ask` (`question` empty) opens the screen; `:ask QUESTION` opens it and asks. On the
    /// screen already, the question replaces the one in the box.
    pub(super) fn open_ask(&mut self, question: &str) -> Vec<Command> {
        let mut commands = Vec::new();
        if !matches!(self.screen, Screen::Ask(_)) {
            let state = AskState {
                question: String::new(),
                cursor: Cursor::END,
                personas: Loadable {
                    loading: true,
                    ..Loadable::default()
                },
                persona: self.dashboard_persona(),
                range: self.dashboard_range(),
                focus: AskFocus::Question,
                recalling: None,
                pending: None,
                answer: None,
                error: None,
                scroll: 0,
                selected_action: 0,
                selected_citation: 0,
            };
            commands.extend(self.open(Screen::Ask(state)));
            commands.push(Command::LoadPersonaChoices);
        }
        if let Screen::Ask(state) = &mut self.screen
            && !question.trim().is_empty()
        {
            text_field::set(&mut state.question, &mut state.cursor, question.trim());
            state.focus = AskFocus::Question;
            state.recalling = None;
            commands.extend(self.submit_ask());
        }
        commands
    }

    /// The persona the dashboard shows: the one selected in a focused personas widget, else a
    /// widget's persona filter (the focused one's first); else every persona.
    fn dashboard_persona(&self) -> Option<Uuid> {
        let focused = self.slots.get(self.focus);
        if let Some(slot) = focused
            && let Some(WidgetData::Personas(data)) = slot.data.value.as_ref()
        {
            let (personas, _) =
                crate::tui::widgets::persona_overview::filtered(data, self.active_filter());
            if let Some(persona) = personas.get(slot.selected) {
                return Some(persona.id);
            }
        }
        focused
            .and_then(|s| s.filter.persona_id)
            .or_else(|| self.slots.iter().find_map(|s| s.filter.persona_id))
    }

    /// The range the dashboard's charts show (the focused one's first), else 7 days.
    fn dashboard_range(&self) -> usize {
        let charts = |s: &&Slot| {
            matches!(
                s.kind,
                WidgetKind::EngagementChart | WidgetKind::ChannelPerformance
            )
        };
        let days = self
            .slots
            .get(self.focus)
            .filter(charts)
            .or_else(|| self.slots.iter().find(charts))
            .map_or(7, |s| s.filter.days);
        let text = format!("{days}d");
        PRESETS.iter().position(|p| *p == text).unwrap_or(1)
    }

    /// Enter in the question box: the question goes to the worker (and into the history).
    fn submit_ask(&mut self) -> Vec<Command> {
        let Screen::Ask(state) = &mut self.screen else {
            return Vec::new();
        };
        let question = state.question.trim().to_string();
        if question.is_empty() {
            self.say(
                "type a question first, e.g. \"which channel works best\"",
                true,
            );
            return Vec::new();
        }
        if question.chars().count() > QUESTION_MAX {
            self.say(
                format!("a question has at most {QUESTION_MAX} characters"),
                true,
            );
            return Vec::new();
        }
        let Some(range) = TimeRange::preset(state.range_text(), self.now.wall) else {
            return Vec::new(); // the presets are exactly what `preset` reads
        };
        self.ask_seq += 1;
        let seq = self.ask_seq;
        state.pending = Some(PendingAsk {
            seq,
            since: self.now.instant,
            question: question.clone(),
            persona: state.persona_label(),
            range: state.range_text(),
        });
        state.error = None;
        state.recalling = None;
        let persona_id = state.persona;
        let mut commands = vec![Command::Ask {
            seq,
            persona_id,
            range,
            question: question.clone(),
        }];
        self.ask_history = ask_history::with(std::mem::take(&mut self.ask_history), &question);
        if let Some(path) = &self.ask_history_path {
            commands.push(Command::RecordAskQuestion {
                path: path.clone(),
                question,
            });
        }
        commands
    }

    /// The `:ask` screen that waits for answer `seq` (open, or under the item screen).
    fn asking(&mut self, seq: u64) -> Option<&mut AskState> {
        std::iter::once(&mut self.screen)
            .chain(self.back_stack.iter_mut())
            .find_map(|screen| match screen {
                Screen::Ask(state) if state.pending.as_ref().is_some_and(|p| p.seq == seq) => {
                    Some(state)
                }
                _ => None,
            })
    }

    /// The worker's answer; dropped when its question was replaced or Esc stopped waiting.
    pub(super) fn asked(&mut self, seq: u64, result: Result<Asked, String>) {
        let Some(state) = self.asking(seq) else {
            return;
        };
        let Some(pending) = state.pending.take() else {
            return; // `asking` found it waiting
        };
        match result {
            Ok(asked) => {
                state.answer = Some(AskAnswer {
                    question: pending.question,
                    persona: pending.persona,
                    range: pending.range,
                    asked,
                });
                state.error = None;
                state.scroll = 0;
                state.selected_action = 0;
                state.selected_citation = 0;
                // A list the new answer lacks cannot keep the focus.
                if !state.stops().contains(&state.focus) {
                    state.focus = AskFocus::Question;
                }
            }
            Err(error) => state.error = Some(error),
        }
    }

    pub(super) fn ask_personas_loaded(&mut self, result: &Result<Vec<PersonaSummary>, String>) {
        let Now { instant, wall } = self.now;
        if let Screen::Ask(state) = &mut self.screen {
            match result {
                Ok(personas) => state.personas.succeed(personas.clone(), wall, instant),
                Err(error) => state.personas.fail(error.clone()),
            }
        }
    }

    pub(super) fn ask_history_saved(&mut self, result: Result<(), String>) {
        if let Err(error) = result {
            self.say(format!("question history not saved: {error}"), true);
        }
    }

    /// Every key on the `:ask` screen.
    pub(super) fn ask_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Screen::Ask(state) = &mut self.screen else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Char('c') if ctrl => {
                self.should_quit = true;
                return Vec::new();
            }
            KeyCode::Esc if state.pending.is_some() => {
                state.pending = None;
                self.say("stopped waiting for the answer", false);
                return vec![Command::CancelAsk];
            }
            KeyCode::Esc => return self.back(),
            KeyCode::F(1) => return self.action(Action::Help),
            KeyCode::Char('t') if ctrl => {
                state.range = (state.range + 1) % PRESETS.len();
                return Vec::new();
            }
            KeyCode::Char('p') if ctrl => {
                state.cycle_persona(1);
                return Vec::new();
            }
            KeyCode::Tab => {
                state.move_focus(1);
                return Vec::new();
            }
            KeyCode::BackTab => {
                state.move_focus(-1);
                return Vec::new();
            }
            KeyCode::PageDown => {
                state.scroll = state.scroll.saturating_add(10);
                return Vec::new();
            }
            // Ctrl-D / Ctrl-U scroll the answer, except in the question (Ctrl-U deletes there).
            _ if state.focus != AskFocus::Question
                && matches!(
                    self.keymap.action(&key),
                    Some(Action::HalfPageDown | Action::HalfPageUp)
                ) =>
            {
                let down = self.keymap.action(&key) == Some(Action::HalfPageDown);
                return self.half_page(down);
            }
            KeyCode::PageUp => {
                state.scroll = state.scroll.saturating_sub(10);
                return Vec::new();
            }
            _ => {}
        }
        if state.focus == AskFocus::Question {
            match key.code {
                KeyCode::Enter => return self.submit_ask(),
                KeyCode::Up => {
                    self.recall(true);
                    return Vec::new();
                }
                KeyCode::Down => {
                    self.recall(false);
                    return Vec::new();
                }
                // `?` opens the help from an empty box; in a question it is a question mark.
                KeyCode::Char('?') if state.question.is_empty() => {
                    return self.action(Action::Help);
                }
                _ => {
                    if text_field::edit(&mut state.question, &mut state.cursor, &key).changed() {
                        state.recalling = None;
                    }
                    return Vec::new();
                }
            }
        }
        let Some(action) = self.keymap.action(&key) else {
            return Vec::new();
        };
        let Screen::Ask(state) = &mut self.screen else {
            return Vec::new();
        };
        match (state.focus, action) {
            (AskFocus::Persona, Action::Left | Action::Up) => state.cycle_persona(-1),
            (AskFocus::Persona, Action::Right | Action::Down | Action::Enter) => {
                state.cycle_persona(1)
            }
            (AskFocus::Actions, Action::Up) => {
                state.selected_action = state.selected_action.saturating_sub(1)
            }
            (AskFocus::Actions, Action::Down) => {
                state.selected_action =
                    (state.selected_action + 1).min(state.actions().saturating_sub(1))
            }
            // An action or a citation's item id to paste elsewhere (a ticket, a chat).
            (AskFocus::Actions, Action::Copy | Action::Enter) => {
                let action = state.answer.as_ref().and_then(|a| {
                    a.asked
                        .answer
                        .suggested_actions
                        .get(state.selected_action)
                        .cloned()
                });
                if let Some(action) = action {
                    self.copy_text("the suggested action", action);
                }
            }
            (AskFocus::Citations, Action::Copy) => {
                let id = state.answer.as_ref().and_then(|a| {
                    a.asked
                        .answer
                        .citations
                        .get(state.selected_citation)
                        .map(|c| c.published_item_id.to_string())
                });
                if let Some(id) = id {
                    self.copy_text("the cited item's id", id);
                }
            }
            (AskFocus::Citations, Action::Up) => {
                state.selected_citation = state.selected_citation.saturating_sub(1)
            }
            (AskFocus::Citations, Action::Down) => {
                state.selected_citation =
                    (state.selected_citation + 1).min(state.citations().saturating_sub(1))
            }
            (AskFocus::Citations, Action::Enter) => {
                let id = state.answer.as_ref().and_then(|a| {
                    a.asked
                        .answer
                        .citations
                        .get(state.selected_citation)
                        .map(|c| c.published_item_id)
                });
                if let Some(id) = id {
                    return self.open_item(id);
                }
            }
            (_, Action::CycleTimeRange) => state.range = (state.range + 1) % PRESETS.len(),
            (_, Action::Enter | Action::Up | Action::Down | Action::Left | Action::Right) => {}
            _ => return self.action(action),
        }
        Vec::new()
    }

    /// Up (`older`) / Down in the question box: the history's questions, newest first; Down
    /// past the newest brings back what was typed.
    fn recall(&mut self, older: bool) {
        let history = &self.ask_history;
        let Screen::Ask(state) = &mut self.screen else {
            return;
        };
        let next = match (&state.recalling, older) {
            (None, true) if !history.is_empty() => Some(history.len() - 1),
            (None, _) => return,
            (Some((at, _)), true) => Some(at.saturating_sub(1)),
            (Some((at, _)), false) if at + 1 < history.len() => Some(at + 1),
            (Some(_), false) => None,
        };
        let typed = state
            .recalling
            .take()
            .map_or_else(|| state.question.clone(), |(_, typed)| typed);
        match next {
            Some(at) => {
                text_field::set(&mut state.question, &mut state.cursor, &history[at]);
                state.recalling = Some((at, typed));
            }
            None => text_field::set(&mut state.question, &mut state.cursor, &typed),
        }
    }

    /// The mouse wheel on the screen scrolls the answer.
    pub(super) fn ask_wheel(&mut self, action: Action) -> Vec<Command> {
        if let Screen::Ask(state) = &mut self.screen {
            match action {
                Action::Down => state.scroll = state.scroll.saturating_add(1),
                Action::Up => state.scroll = state.scroll.saturating_sub(1),
                _ => {}
            }
        }
        Vec::new()
    }

    /// Pasted text goes into the question box when it has focus.
    pub(super) fn ask_paste(&mut self, text: &str) -> bool {
        let Screen::Ask(state) = &mut self.screen else {
            return false;
        };
        if state.focus != AskFocus::Question {
            return false;
        }
        let line = text_field::one_line(text);
        if text_field::insert(&mut state.question, &mut state.cursor, &line).changed() {
            state.recalling = None;
        }
        true
    }
}
