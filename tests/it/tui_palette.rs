//! The `:` palette (issue 10): a rejected command's input is selected so typing replaces it,
//! Tab / Down and Shift-Tab / Up go through the completions, and `:run` / `:job` take an id
//! prefix (looked up by the worker: one opens, none or several are said).

use crate::tui_common::*;
use mpis_dash::store::id_prefix::PrefixMatch;
use mpis_dash::tui::app::{App, Event, Overlay, PaletteState, Screen};
use mpis_dash::tui::worker::{Command, DataEvent, IdKind};
use ratatui::crossterm::event::KeyCode;

fn palette(app: &App) -> &PaletteState {
    match &app.overlay {
        Some(Overlay::Palette(p)) => p,
        other => panic!("the palette is not open: {other:?}"),
    }
}

fn found(app: &mut App, kind: IdKind, prefix: &str, result: PrefixMatch) -> Vec<Command> {
    app.update(
        Event::Data(DataEvent::PrefixFound {
            kind,
            prefix: prefix.to_string(),
            result: Ok(result),
        }),
        app.now,
    )
}

#[test]
fn a_rejected_command_is_selected_and_typing_replaces_it() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "frobnicate");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let p = palette(&app);
    assert!(p.error.as_deref().unwrap().contains("unknown command"));
    assert!(p.selected, "the rejected input is selected");
    // Typing replaces it (one key, not ten Backspaces) and the error goes.
    type_text(&mut app, "flags");
    let p = palette(&app);
    assert_eq!(p.input, "flags");
    assert_eq!(p.error, None);
    assert!(!p.selected);
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadFlags {
            include_resolved: false
        }]
    );

    // An arrow keeps the rejected text for editing instead.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "layout Nope");
    press(&mut app, KeyCode::Enter);
    assert!(palette(&app).selected);
    press(&mut app, KeyCode::Left);
    assert!(!palette(&app).selected);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(palette(&app).input, "layout Noe");
}

#[test]
fn up_down_and_tab_go_through_the_completions() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "layout ");
    press(&mut app, KeyCode::Tab);
    assert_eq!(palette(&app).input, "layout Overview");
    press(&mut app, KeyCode::Tab);
    assert_eq!(palette(&app).input, "layout On-call");
    press(&mut app, KeyCode::Tab);
    assert_eq!(palette(&app).input, "layout Overview", "Tab cycles");
    press(&mut app, KeyCode::Up);
    assert_eq!(palette(&app).input, "layout On-call");
    press(&mut app, KeyCode::Down);
    assert_eq!(palette(&app).input, "layout Overview");
    // The list is drawn with the shown completion marked.
    let text = format!("{:?}", draw_view(&app, (80, 24)).backend());
    assert!(text.contains("▸ layout Overview"), "{text}");
    assert!(text.contains("  layout On-call"), "{text}");
    // Typing ends the cycle: completions follow the text again.
    type_text(&mut app, "x");
    assert_eq!(palette(&app).completing, None);

    // Commands too, from what was typed.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "r");
    press(&mut app, KeyCode::Down);
    assert_eq!(palette(&app).input, "runs");
    press(&mut app, KeyCode::Down);
    assert_eq!(palette(&app).input, "run");
    press(&mut app, KeyCode::Down);
    assert_eq!(palette(&app).input, "refresh");
}

#[test]
fn run_takes_an_id_prefix_and_opens_the_one_it_names() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "run 3F2A");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::FindByPrefix {
            kind: IdKind::Run,
            prefix: "3f2a".to_string()
        }]
    );
    assert!(app.overlay.is_none());
    let commands = found(&mut app, IdKind::Run, "3f2a", PrefixMatch::One(id(0x1003)));
    assert_eq!(
        commands,
        vec![Command::LoadRunDetail { run_id: id(0x1003) }]
    );
    assert!(matches!(&app.screen, Screen::RunDetail(s) if s.run_id == id(0x1003)));
}

#[test]
fn an_ambiguous_prefix_says_how_many_and_lets_the_operator_type_more() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "job 9c");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::FindByPrefix {
            kind: IdKind::GenesisJob,
            prefix: "9c".to_string()
        }]
    );
    assert!(found(&mut app, IdKind::GenesisJob, "9c", PrefixMatch::Many(3)).is_empty());
    let p = palette(&app);
    assert_eq!(p.input, "job 9c");
    assert!(!p.selected, "typing goes on after the prefix");
    assert!(
        p.error.as_deref().unwrap().contains("3 genesis jobs"),
        "{:?}",
        p.error
    );
    type_text(&mut app, "2");
    assert_eq!(palette(&app).input, "job 9c2");

    // None: said so.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "run abc");
    press(&mut app, KeyCode::Enter);
    found(&mut app, IdKind::Run, "abc", PrefixMatch::None);
    assert!(
        palette(&app)
            .error
            .as_deref()
            .unwrap()
            .contains("no run id starts with abc")
    );
}

#[test]
fn a_prefix_that_cannot_be_an_id_is_refused_at_once_and_late_answers_are_dropped() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "run 42%");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(palette(&app).error.as_deref().unwrap().contains("usage"));
    press(&mut app, KeyCode::Esc);
    // An answer nobody waits for (another lookup, or none) opens nothing.
    assert!(found(&mut app, IdKind::Run, "ffff", PrefixMatch::One(id(1))).is_empty());
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn a_prefix_of_more_runs_than_counted_says_more_than() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "run 0");
    press(&mut app, KeyCode::Enter);
    let over = mpis_dash::store::id_prefix::COUNT_UP_TO + 1;
    assert!(found(&mut app, IdKind::Run, "0", PrefixMatch::Many(over)).is_empty());
    let error = palette(&app).error.clone().unwrap();
    assert!(
        error.contains("more than 1000 runs have an id starting with 0"),
        "{error}"
    );
}
