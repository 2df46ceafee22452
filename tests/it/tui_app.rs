//! Key-sequence tests of `App::update`: the dashboard's state machine driven by synthetic keys,
//! mouse events and worker answers, asserting on state and on the commands it asks for. No
//! database and no terminal: the app is pure.

use std::time::Duration;

use crate::tui_common::*;
use mpis_dash::domain::layout::{LayoutConfig, MAX_GRID_ROWS, Position};
use mpis_dash::domain::widget_catalog::BUILTIN_WIDGETS;
use mpis_dash::tui::app::{App, Connection, Event, Overlay, Screen};
use mpis_dash::tui::data::{LoadState, WidgetData, WidgetKind};
use mpis_dash::tui::worker::{Command, DataEvent};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};
use serde_json::json;

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn message_is_error(app: &App) -> bool {
    app.message.as_ref().is_some_and(|m| m.error)
}

fn editor(app: &App) -> &mpis_dash::tui::app::EditorState {
    match &app.screen {
        Screen::LayoutEditor(state) => state,
        other => panic!("not in the layout editor: {other:?}"),
    }
}

fn positions(config: &LayoutConfig) -> Vec<(String, u16, u16, u16, u16)> {
    config
        .widgets
        .iter()
        .map(|w| {
            let p = w.position;
            (w.widget_id.clone(), p.x, p.y, p.w, p.h)
        })
        .collect()
}

fn kinds(app: &App) -> Vec<WidgetKind> {
    app.slots.iter().map(|s| s.kind.clone()).collect()
}

/// The runs widget focused (Overview: red-flags is first, runs second).
fn focus_runs(app: &mut App) -> usize {
    let runs = slot_of(app, &WidgetKind::Runs);
    while app.focus != runs {
        press(app, KeyCode::Tab);
    }
    runs
}

/// Opens the red flags screen from the dashboard and answers its load with `flags`.
fn on_flags_screen(app: &mut App, flags: Vec<mpis_dash::store::red_flags::RedFlag>) {
    let commands = type_text(app, ":flags");
    assert!(commands.is_empty());
    let commands = press(app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadFlags {
            include_resolved: false
        }]
    );
    app.update(Event::Data(DataEvent::Flags(Ok(flags))), app.now);
}

// ---------------------------------------------------------------------------------------------
// Start

#[test]
fn init_asks_for_the_layouts_and_shows_loading() {
    let mut app = app();
    assert_eq!(app.init(), vec![Command::LoadLayouts]);
    assert!(app.layouts.loading);
    assert!(app.slots.is_empty());
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(app.connection, Connection::Connecting);
    assert!(!app.should_quit);
}

#[test]
fn layouts_arriving_load_one_widget_per_placement_of_the_default() {
    let (app, commands) = started();
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("Overview")
    );
    let expected = overview_config();
    assert_eq!(app.slots.len(), expected.widgets.len());
    assert_eq!(commands.len(), expected.widgets.len());
    for (i, (command, placement)) in commands.iter().zip(&expected.widgets).enumerate() {
        match command {
            Command::LoadWidget {
                slot,
                generation,
                kind,
                filter,
                cursor,
                page,
            } => {
                assert_eq!(*slot, i);
                assert_eq!(*generation, 1);
                assert_eq!(*kind, WidgetKind::from_id(&placement.widget_id));
                assert_eq!(*cursor, None);
                assert_eq!(*page, 0);
                if placement.widget_id == "engagement-chart" {
                    assert_eq!(filter.days, 30);
                }
            }
            other => panic!("expected LoadWidget, got {other:?}"),
        }
    }
    assert!(app.slots.iter().all(|s| s.data.loading));
    assert_eq!(app.focus, 0);
}

#[test]
fn the_preferred_layout_is_opened_by_name() {
    let options = mpis_dash::tui::app::AppOptions {
        preferred_layout: Some("on-call".to_string()),
        ..options()
    };
    let (app, commands) = started_with(options, (80, 24));
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("On-call")
    );
    assert_eq!(commands.len(), on_call_config().widgets.len());
}

#[test]
fn an_invalid_layout_config_falls_back_to_the_default_with_an_error() {
    let mut app = app();
    app.init();
    let broken = layout_row(0xbad, None, "Broken", json!({"widgets": "nope"}));
    let commands = app.update(Event::Data(DataEvent::Layouts(Ok(vec![broken]))), app.now);
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("Broken")
    );
    let placements: Vec<_> = app.slots.iter().map(|s| s.placement.clone()).collect();
    assert_eq!(placements, overview_config().widgets);
    assert_eq!(widget_loads(&commands).len(), 6);
    let text = message(&app);
    assert!(message_is_error(&app), "{text}");
    assert!(text.contains("\"Broken\" is invalid"), "{text}");
    assert!(text.contains("widgets"), "names the problem: {text}");
    assert!(text.contains("built-in default"), "{text}");
}

#[test]
fn layouts_failing_to_load_still_show_the_builtin_default() {
    let mut app = app();
    app.init();
    let commands = app.update(
        Event::Data(DataEvent::Layouts(Err("connection refused".to_string()))),
        app.now,
    );
    assert_eq!(widget_loads(&commands).len(), 6);
    assert!(message(&app).contains("connection refused"));
    assert!(message_is_error(&app));
}

// ---------------------------------------------------------------------------------------------
// Focus

#[test]
fn tab_and_shift_tab_cycle_the_focus() {
    let (mut app, _) = started();
    let count = app.slots.len();
    for expected in (1..count).chain([0]) {
        press(&mut app, KeyCode::Tab);
        assert_eq!(app.focus, expected);
    }
    app.update(shift(KeyCode::BackTab), app.now);
    assert_eq!(app.focus, count - 1);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.focus, count - 2);
}

#[test]
fn h_l_and_arrows_move_the_focus_to_the_neighbour() {
    // Overview:  red-flags | runs
    //            engagement-chart | channel-performance
    //            recent-posts | persona-overview
    let (mut app, _) = started();
    let slot = |app: &App, id: &str| slot_of(app, &WidgetKind::from_id(id));
    let red_flags = slot(&app, "red-flags");
    let runs = slot(&app, "runs");
    let chart = slot(&app, "engagement-chart");
    let channels = slot(&app, "channel-performance");
    let posts = slot(&app, "recent-posts");
    let personas = slot(&app, "persona-overview");

    assert_eq!(app.focus, red_flags);
    press(&mut app, KeyCode::Char('l'));
    assert_eq!(app.focus, runs);
    press(&mut app, KeyCode::Char('h'));
    assert_eq!(app.focus, red_flags);
    press(&mut app, KeyCode::Left);
    assert_eq!(app.focus, red_flags, "nothing left of red-flags");

    // The row below: left/right stay in the same row.
    app.focus = chart;
    press(&mut app, KeyCode::Right);
    assert_eq!(app.focus, channels);
    press(&mut app, KeyCode::Left);
    assert_eq!(
        app.focus, chart,
        "left of channel-performance is the chart beside it"
    );

    app.focus = posts;
    press(&mut app, KeyCode::Char('l'));
    assert_eq!(
        app.focus, personas,
        "right of recent-posts is persona-overview"
    );
    press(&mut app, KeyCode::Char('h'));
    assert_eq!(app.focus, posts);
}

// ---------------------------------------------------------------------------------------------
// Navigation

#[test]
fn j_k_and_arrows_move_the_selection_within_bounds() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    assert_eq!(app.slots[runs].selected, 0);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    assert_eq!(app.slots[runs].selected, 2);
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.slots[runs].selected, 1);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.slots[runs].selected, 0, "stops at the top");
    for _ in 0..20 {
        press(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(
        app.slots[runs].selected,
        run_rows().len() - 1,
        "stops at the bottom"
    );
    assert_eq!(
        app.selected_run().map(|r| r.run_id),
        Some(run_rows().last().unwrap().run_id)
    );
}

// PageDown/PageUp, Home/End: tui_lists.rs.

#[test]
fn enter_on_runs_opens_run_detail_and_esc_returns() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    press(&mut app, KeyCode::Char('j'));
    let run_id = run_rows()[1].run_id;
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(commands, vec![Command::LoadRunDetail { run_id }]);
    match &app.screen {
        Screen::RunDetail(state) => {
            assert_eq!(state.run_id, run_id);
            assert!(state.detail.loading);
        }
        other => panic!("expected run detail, got {other:?}"),
    }
    app.update(Event::Data(DataEvent::RunDetail(Ok(run_detail()))), app.now);
    match &app.screen {
        Screen::RunDetail(state) => assert_eq!(state.detail.value, Some(run_detail())),
        other => panic!("{other:?}"),
    }
    // j/k pick an id, y copies it.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.clipboard, Some(run_detail().run.project_id.to_string()));
    press(&mut app, KeyCode::Esc); // closes the popup showing the id

    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(app.focus, runs);
    assert_eq!(
        app.slots[runs].selected, 1,
        "the selection survives the visit"
    );
}

/// The text a frame of `app` shows at `size`.
fn screen_text(app: &App, (width, height): (u16, u16)) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| mpis_dash::tui::view::view(app, f))
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn a_run_completed_by_mpis_itself_shows_its_uuid_execution_id_copyable() {
    // MPIS's own completion endpoint stores n8n's id in the UUID column, not in our text one.
    let execution = uuid::Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0042);
    let mut detail = run_detail();
    detail.run.n8n_execution_ref = None;
    detail.run.n8n_execution_id = Some(execution);
    let mut app = loaded_with(options(), (120, 40));
    focus_runs(&mut app);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::RunDetail(Ok(detail))), app.now);
    let screen = screen_text(&app, (120, 40));
    assert!(
        screen.contains(&format!("{:<28}{execution}", "n8n_execution_id")),
        "{screen}"
    );
    // run, project, persona, then the execution id: the fourth id.
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.clipboard, Some(execution.to_string()));
    assert!(message(&app).contains("n8n_execution_id sent via OSC 52"));
    press(&mut app, KeyCode::Esc); // closes the popup showing the id

    // Both present: our text reference wins (it is what n8n showed).
    let mut both = run_detail();
    both.run.n8n_execution_id = Some(execution);
    app.update(Event::Data(DataEvent::RunDetail(Ok(both))), app.now);
    app.message = None; // the message named the id
    let screen = screen_text(&app, (120, 40));
    assert!(
        screen.contains(&format!("{:<28}48213", "n8n_execution_id")),
        "{screen}"
    );
    assert!(!screen.contains(&execution.to_string()));
}

#[test]
fn run_detail_scrolls_with_page_keys_within_its_height() {
    let mut app = loaded();
    focus_runs(&mut app);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::RunDetail(Ok(run_detail()))), app.now);
    let scroll = |app: &App| match &app.screen {
        Screen::RunDetail(state) => state.scroll,
        other => panic!("{other:?}"),
    };
    assert!(press(&mut app, KeyCode::PageDown).is_empty());
    let bottom = scroll(&app);
    assert!(bottom > 0, "taller than 80x24: it scrolls");
    press(&mut app, KeyCode::PageDown);
    assert_eq!(scroll(&app), bottom, "not past the end");
    press(&mut app, KeyCode::PageUp);
    assert_eq!(scroll(&app), 0);
    // On a tall terminal everything fits: nothing to scroll.
    app.update(Event::Resize(200, 50), app.now);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(scroll(&app), 0);
}

#[test]
fn enter_respects_the_filter() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "nova");
    press(&mut app, KeyCode::Enter);
    assert!(!app.filter_editing);
    assert_eq!(app.filter, "nova");
    assert_eq!(app.row_count(runs), 3, "runs 2, 5 and 8 are Nova Finance's");
    press(&mut app, KeyCode::Char('j'));
    let commands = press(&mut app, KeyCode::Enter);
    // The second *shown* row is run 5, not run 2 (the second row of the page).
    assert_eq!(
        commands,
        vec![Command::LoadRunDetail { run_id: id(0x1005) }]
    );
}

#[test]
fn enter_on_red_flags_opens_the_red_flags_screen_and_esc_returns() {
    let mut app = loaded();
    assert_eq!(app.slots[app.focus].kind, WidgetKind::RedFlags);
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadFlags {
            include_resolved: false
        }]
    );
    assert!(matches!(app.screen, Screen::RedFlags(_)));
    app.update(Event::Data(DataEvent::Flags(Ok(open_flags()))), app.now);
    press(&mut app, KeyCode::Char('j'));
    match &app.screen {
        Screen::RedFlags(state) => {
            assert_eq!(state.selected, 1);
            assert_eq!(state.flags.value.as_ref().map(Vec::len), Some(3));
        }
        other => panic!("{other:?}"),
    }
    // t shows resolved flags too, and reloads.
    let commands = press(&mut app, KeyCode::Char('t'));
    assert_eq!(
        commands,
        vec![Command::LoadFlags {
            include_resolved: true
        }]
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn enter_on_other_widgets_does_nothing() {
    let mut app = loaded();
    app.focus = slot_of(&app, &WidgetKind::ChannelPerformance);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.screen, Screen::Dashboard);
}

// ---------------------------------------------------------------------------------------------
// The `/` filter

#[test]
fn filter_typing_goes_into_the_filter_not_to_actions() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    press(&mut app, KeyCode::Char('/'));
    assert!(app.filter_editing);
    let commands = type_text(&mut app, "qrpje:?");
    assert!(commands.is_empty(), "no refresh: {commands:?}");
    assert!(!app.should_quit, "q while filtering must not quit");
    assert!(!app.paused);
    assert!(app.overlay.is_none());
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(app.filter, "qrpje:?");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "failed");
    // Enter keeps the filter and hands the keys back.
    press(&mut app, KeyCode::Enter);
    assert!(!app.filter_editing);
    assert_eq!(app.filter, "failed");
    assert_eq!(app.row_count(runs), 2);
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.selected_run().map(|r| r.run_id), Some(id(0x1007)));

    // Esc while typing clears it.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "x");
    press(&mut app, KeyCode::Esc);
    assert!(!app.filter_editing);
    assert_eq!(app.filter, "");
    assert_eq!(app.row_count(runs), 8);
}

#[test]
fn esc_on_the_dashboard_clears_a_kept_filter() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "weekly");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.filter, "");
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn the_filter_clamps_the_selection_to_what_it_shows() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    for _ in 0..6 {
        press(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "travel");
    assert_eq!(app.row_count(runs), 2);
    assert!(app.slots[runs].selected < 2);
    type_text(&mut app, "zzz");
    assert_eq!(app.row_count(runs), 0);
    assert_eq!(app.selected_run(), None);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(press(&mut app, KeyCode::Enter).is_empty(), "no run to open");
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn the_filter_counts_the_rows_of_the_widget_it_was_typed_in() {
    let mut app = loaded();
    let commands = app.update(char_key('L'), app.now); // On-call: red-flags, runs, outbox, jobs
    answer(&mut app, &commands);
    let outbox = slot_of(&app, &WidgetKind::Outbox);
    let jobs = slot_of(&app, &WidgetKind::IngestionJobs);
    let runs = slot_of(&app, &WidgetKind::Runs);
    assert_eq!(app.row_count(outbox), 2);
    assert_eq!(app.row_count(jobs), 2);
    app.focus = outbox;
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "telegram");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.row_count(outbox), 1);
    assert_eq!(app.row_count(jobs), 2, "another widget is not filtered");
    assert_eq!(app.row_count(runs), 8, "another widget is not filtered");
    // The selection cannot go past what is shown.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.slots[outbox].selected, 0);
}

// ---------------------------------------------------------------------------------------------
// Palette

#[test]
fn palette_opens_completes_and_runs() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    assert!(matches!(app.overlay, Some(Overlay::Palette(_))));
    type_text(&mut app, "fl");
    press(&mut app, KeyCode::Tab);
    match &app.overlay {
        Some(Overlay::Palette(p)) => assert_eq!(p.input, "flags"),
        other => panic!("{other:?}"),
    }
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadFlags {
            include_resolved: false
        }]
    );
    assert!(app.overlay.is_none());
    assert!(matches!(app.screen, Screen::RedFlags(_)));
}

#[test]
fn palette_keys_are_text_not_actions() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    let commands = type_text(&mut app, "rq");
    assert!(commands.is_empty());
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Backspace);
    match &app.overlay {
        Some(Overlay::Palette(p)) => assert_eq!(p.input, "r"),
        other => panic!("{other:?}"),
    }
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn palette_layout_switches_by_name_with_completion() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "layout on");
    press(&mut app, KeyCode::Tab);
    match &app.overlay {
        Some(Overlay::Palette(p)) => assert_eq!(p.input, "layout On-call"),
        other => panic!("{other:?}"),
    }
    let commands = press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("On-call")
    );
    assert_eq!(
        kinds(&app),
        [
            WidgetKind::RedFlags,
            WidgetKind::Runs,
            WidgetKind::Outbox,
            WidgetKind::IngestionJobs
        ]
    );
    assert_eq!(
        widget_loads(&commands),
        vec![(0, 1), (1, 1), (2, 1), (3, 1)]
    );

    // Typed in full, any case.
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "layout OVERVIEW");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("Overview")
    );
    assert_eq!(widget_loads(&commands).len(), 6);
}

#[test]
fn capital_l_cycles_the_layouts() {
    let mut app = loaded();
    let commands = app.update(char_key('L'), app.now);
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("On-call")
    );
    assert_eq!(widget_loads(&commands).len(), 4);
    app.update(char_key('L'), app.now);
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("Overview")
    );
}

#[test]
fn palette_unknown_command_names_it_and_stays_open() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "frobnicate");
    let commands = press(&mut app, KeyCode::Enter);
    assert!(commands.is_empty());
    match &app.overlay {
        Some(Overlay::Palette(p)) => {
            assert_eq!(p.input, "frobnicate");
            let error = p.error.as_deref().expect("an error");
            assert!(error.contains("frobnicate"), "{error}");
            assert!(error.contains("flags"), "lists the commands: {error}");
        }
        other => panic!("palette closed: {other:?}"),
    }
    // Typing clears the error.
    type_text(&mut app, "x");
    match &app.overlay {
        Some(Overlay::Palette(p)) => assert_eq!(p.error, None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn palette_unknown_layout_names_the_known_ones() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "layout Nightly");
    press(&mut app, KeyCode::Enter);
    match &app.overlay {
        Some(Overlay::Palette(p)) => {
            let error = p.error.as_deref().expect("an error");
            assert!(error.contains("Nightly"), "{error}");
            assert!(
                error.contains("Overview") && error.contains("On-call"),
                "{error}"
            );
        }
        other => panic!("palette closed: {other:?}"),
    }
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("Overview")
    );
}

#[test]
fn palette_quit_quits() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "quit");
    press(&mut app, KeyCode::Enter);
    assert!(app.should_quit);
}

#[test]
fn palette_run_opens_a_run_by_id_and_rejects_garbage() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, &format!("run {}", id(0x1003)));
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadRunDetail { run_id: id(0x1003) }]
    );
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "run 42z");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    match &app.overlay {
        Some(Overlay::Palette(p)) => assert!(p.error.as_deref().unwrap().contains("usage")),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Confirm (red flags screen)

#[test]
fn acknowledge_asks_first_naming_the_flag_and_the_operator() {
    let mut app = loaded();
    on_flags_screen(&mut app, open_flags());
    assert!(press(&mut app, KeyCode::Char('a')).is_empty());
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => {
            assert!(
                confirm
                    .question
                    .contains("6 of 20 runs failed in the last 24 h"),
                "{}",
                confirm.question
            );
            assert!(confirm.question.contains("alice"), "{}", confirm.question);
            assert_eq!(confirm.on_yes, Command::AcknowledgeFlag { id: id(0xf1) });
        }
        other => panic!("no confirm: {other:?}"),
    }
    // n cancels, and nothing is written.
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(app.overlay.is_none());
    // Esc cancels too (and does not leave the screen).
    press(&mut app, KeyCode::Char('a'));
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.overlay.is_none());
    assert!(matches!(app.screen, Screen::RedFlags(_)));
    // Other keys leave the question open.
    press(&mut app, KeyCode::Char('a'));
    assert!(press(&mut app, KeyCode::Char('j')).is_empty());
    assert!(matches!(app.overlay, Some(Overlay::Confirm(_))));
    // y acknowledges.
    let commands = press(&mut app, KeyCode::Char('y'));
    assert_eq!(commands, vec![Command::AcknowledgeFlag { id: id(0xf1) }]);
    assert!(app.overlay.is_none());
}

#[test]
fn resolve_asks_first_and_yes_resolves_the_selected_flag() {
    let mut app = loaded();
    on_flags_screen(&mut app, open_flags());
    press(&mut app, KeyCode::Char('j'));
    // Resolve first asks the worker whether the condition still holds; it has cleared.
    let commands = press(&mut app, KeyCode::Char('x'));
    assert_eq!(commands, vec![Command::CheckFlagCondition { id: id(0xf2) }]);
    let flag = open_flags()[1].clone();
    app.update(
        Event::Data(DataEvent::FlagCondition(Ok((flag, false)))),
        app.now,
    );
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => {
            assert!(
                confirm.question.starts_with("Resolve"),
                "{}",
                confirm.question
            );
            assert!(
                confirm.question.contains("16 of 140"),
                "{}",
                confirm.question
            );
        }
        other => panic!("no confirm: {other:?}"),
    }
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(commands, vec![Command::ResolveFlag { id: id(0xf2) }]);

    // The worker reports back: the message shows and the screen and widgets reload.
    let commands = app.update(
        Event::Data(DataEvent::ActionDone {
            message: "resolved: 16 of 140 runs failed in the last 7 days".to_string(),
            ok: true,
        }),
        app.now,
    );
    assert!(message(&app).starts_with("resolved"));
    assert!(commands.contains(&Command::LoadFlags {
        include_resolved: false
    }));
}

#[test]
fn a_resolved_flag_cannot_be_acknowledged_again() {
    let mut app = loaded();
    on_flags_screen(&mut app, flags_with_history());
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, KeyCode::Char('a'));
    assert!(app.overlay.is_none());
    assert!(message(&app).contains("already resolved"));
}

#[test]
fn read_only_never_asks_and_says_so() {
    let options = mpis_dash::tui::app::AppOptions {
        read_only: true,
        ..options()
    };
    let mut app = loaded_with(options, (80, 24));
    on_flags_screen(&mut app, open_flags());
    for c in ['a', 'x'] {
        let commands = press(&mut app, KeyCode::Char(c));
        assert!(commands.is_empty());
        assert!(app.overlay.is_none());
        assert!(message(&app).contains("read-only"), "{}", message(&app));
    }
    // No editor either, and no evaluator writes on ticks.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(app.screen, Screen::Dashboard);
    assert!(message(&app).contains("read-only"));
    assert!(
        !app.update(Event::Tick, app.now)
            .contains(&Command::Evaluate)
    );
}

// ---------------------------------------------------------------------------------------------
// Layout editor

fn in_editor() -> App {
    let mut app = loaded();
    let commands = press(&mut app, KeyCode::Char('e'));
    assert!(commands.is_empty());
    app
}

#[test]
fn e_opens_the_editor_with_the_current_placements() {
    let mut app = loaded();
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('e'));
    let state = editor(&app);
    assert_eq!(state.config, overview_config());
    assert_eq!(state.focus, 1, "starts on the focused widget");
    assert_eq!(state.picker, None);
    assert!(state.problems.is_empty());
    // Esc leaves without saving.
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn editor_arrows_move_and_shift_arrows_resize_within_the_grid() {
    let mut app = in_editor();
    // Focus channel-performance (x 8, w 4: flush with the right edge).
    let target = 3;
    while editor(&app).focus != target {
        press(&mut app, KeyCode::Tab);
    }
    let pos = |app: &App| editor(app).config.widgets[target].position;
    assert_eq!(
        pos(&app),
        Position {
            x: 8,
            y: 2,
            w: 4,
            h: 2
        }
    );
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char('l'));
    assert_eq!(pos(&app).x, 8, "cannot move past the 12th column");
    app.update(shift(KeyCode::Right), app.now);
    app.update(char_key('L'), app.now);
    assert_eq!(pos(&app).w, 4, "cannot grow past the 12th column");
    app.update(shift(KeyCode::Left), app.now);
    assert_eq!(pos(&app).w, 3);
    app.update(char_key('H'), app.now);
    app.update(char_key('H'), app.now);
    app.update(char_key('H'), app.now);
    assert_eq!(pos(&app).w, 1, "never narrower than one column");
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char('l'));
    assert_eq!(pos(&app).x, 10);
    app.update(shift(KeyCode::Up), app.now);
    assert_eq!(pos(&app).h, 1);
    app.update(char_key('K'), app.now);
    assert_eq!(pos(&app).h, 1, "never shorter than one row");
    app.update(char_key('J'), app.now);
    app.update(shift(KeyCode::Down), app.now);
    assert_eq!(pos(&app).h, 3);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(pos(&app).y, 0, "cannot move above the top");
    for _ in 0..100 {
        press(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(
        pos(&app).y,
        MAX_GRID_ROWS - 3,
        "cannot move below the row limit"
    );
    for _ in 0..100 {
        press(&mut app, KeyCode::Left);
    }
    assert_eq!(pos(&app).x, 0);
    // Still on the dashboard's back stack, nothing saved.
    assert!(app.back_stack.contains(&Screen::Dashboard));
}

#[test]
fn editor_overlap_is_a_problem_and_save_is_refused() {
    let mut app = in_editor();
    // An overlap the keys cannot make (they push neighbours aside), as a stored layout may hold:
    // red-flags (x 0, w 4) one column right, over runs (x 4).
    if let Screen::LayoutEditor(state) = &mut app.screen {
        state.config.widgets[0].position.x = 1;
    }
    press(&mut app, KeyCode::Tab);
    let problems = editor(&app).problems.clone();
    assert!(!problems.is_empty());
    assert!(
        problems[0].starts_with("Red Flags overlaps Recent Runs"),
        "{problems:?}"
    );
    let commands = press(&mut app, KeyCode::Char('s'));
    assert!(commands.is_empty());
    assert!(editor(&app).prompt.is_none(), "no name asked for");
    assert!(message_is_error(&app));
    assert!(
        message(&app).starts_with("cannot save"),
        "{}",
        message(&app)
    );
    assert!(matches!(app.screen, Screen::LayoutEditor(_)));
    // Back where it was: valid again.
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::Left);
    assert!(editor(&app).problems.is_empty());
}

#[test]
fn editor_plus_enter_adds_a_widget_from_the_catalog_and_d_removes() {
    let mut app = in_editor();
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(editor(&app).picker, Some(0));
    // Up from the first entry wraps to the last: outbox.
    press(&mut app, KeyCode::Up);
    assert_eq!(editor(&app).picker, Some(BUILTIN_WIDGETS.len() - 1));
    // Keys in the picker do not move the widget or quit.
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Enter);
    let state = editor(&app);
    assert_eq!(state.picker, None);
    assert_eq!(state.config.widgets.len(), 7);
    let added = state.config.widgets.last().unwrap();
    assert_eq!(added.widget_id, "outbox");
    assert_eq!(
        added.position,
        Position {
            x: 0,
            y: 6,
            w: 6,
            h: 2
        }
    );
    assert_eq!(state.focus, 6);
    assert!(state.problems.is_empty(), "{:?}", state.problems);

    // Esc in the picker adds nothing.
    press(&mut app, KeyCode::Char('+'));
    press(&mut app, KeyCode::Esc);
    assert_eq!(editor(&app).config.widgets.len(), 7);
    assert!(matches!(app.screen, Screen::LayoutEditor(_)));

    press(&mut app, KeyCode::Char('d'));
    assert_eq!(editor(&app).config, overview_config());
    assert_eq!(editor(&app).focus, 5);
}

#[test]
fn editor_valid_save_emits_save_layout_with_the_config() {
    let mut app = in_editor();
    // Remove persona-overview and widen recent-posts into its place.
    for _ in 0..5 {
        press(&mut app, KeyCode::Tab);
    }
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(editor(&app).focus, 4, "recent-posts, the widget before it");
    for _ in 0..6 {
        app.update(char_key('L'), app.now);
    }
    let config = editor(&app).config.clone();
    assert_eq!(
        positions(&config).last().unwrap(),
        &("recent-posts".to_string(), 0, 4, 12, 2)
    );
    assert!(
        press(&mut app, KeyCode::Char('s')).is_empty(),
        "asks for a name"
    );
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::SaveLayout {
            own_id: None,
            name: "Overview (alice)".to_string(),
            config: config.to_json(),
        }]
    );
    assert_eq!(
        LayoutConfig::from_json(&config.to_json()).unwrap(),
        config,
        "the JSON reads back"
    );

    // Saved: back to the dashboard, layouts reloaded.
    let commands = app.update(
        Event::Data(DataEvent::LayoutSaved(Ok(layout_row(
            OWN_LAYOUT_ID,
            Some(mpis_dash::tui::user_id("alice")),
            "Overview (alice)",
            config.to_json(),
        )))),
        app.now,
    );
    assert!(commands.contains(&Command::LoadLayouts), "{commands:?}");
    assert_eq!(app.screen, Screen::Dashboard);
    assert!(message(&app).contains("saved"));
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("Overview (alice)"),
        "the saved layout is shown"
    );
}

#[test]
fn editor_save_on_an_own_layout_updates_it() {
    let mut app = app();
    app.init();
    let mut rows = vec![own_layout()];
    rows.extend(layouts());
    app.update(Event::Data(DataEvent::Layouts(Ok(rows))), app.now);
    assert_eq!(app.current_layout().map(|l| l.name.as_str()), Some("Mine"));
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('s'));
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::SaveLayout {
            own_id: Some(id(OWN_LAYOUT_ID)),
            name: "Mine".to_string(),
            config: on_call_config().to_json(),
        }]
    );
    // D on an own layout asks before deleting it.
    app.update(char_key('D'), app.now);
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => assert_eq!(
            confirm.on_yes,
            Command::DeleteLayout {
                id: id(OWN_LAYOUT_ID)
            }
        ),
        other => panic!("no confirm: {other:?}"),
    }
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Command::DeleteLayout {
            id: id(OWN_LAYOUT_ID)
        }]
    );
}

#[test]
fn editor_reset_on_a_global_layout_restores_the_default() {
    let mut app = loaded();
    app.update(char_key('L'), app.now); // On-call
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(editor(&app).config, on_call_config());
    press(&mut app, KeyCode::Char('d'));
    let commands = app.update(char_key('R'), app.now);
    assert!(commands.is_empty());
    assert!(app.overlay.is_none(), "nothing of the user's is deleted");
    assert_eq!(editor(&app).config, overview_config());
    assert_eq!(editor(&app).focus, 0);
    assert!(message(&app).contains("reset"), "{}", message(&app));
}

// ---------------------------------------------------------------------------------------------
// Refresh, pause, ticks

#[test]
fn r_reissues_every_load_with_a_new_generation() {
    let mut app = loaded();
    let commands = press(&mut app, KeyCode::Char('r'));
    assert_eq!(
        widget_loads(&commands),
        (0..6).map(|i| (i, 2)).collect::<Vec<_>>()
    );
    // On a screen, the screen's data is reloaded too.
    press(&mut app, KeyCode::Enter);
    let commands = press(&mut app, KeyCode::Char('r'));
    assert_eq!(widget_loads(&commands).len(), 6);
    assert!(commands.contains(&Command::LoadFlags {
        include_resolved: false
    }));
}

#[test]
fn ticks_refresh_when_due_and_pause_stops_them() {
    // Refresh every tick: the interval has always passed.
    let options = mpis_dash::tui::app::AppOptions {
        refresh_interval: Duration::ZERO,
        ..options()
    };
    let (mut app, _) = started_with(options, (80, 24));
    let commands = app.update(Event::Tick, app.now);
    assert_eq!(widget_loads(&commands).len(), 6);
    assert!(
        commands.contains(&Command::Evaluate),
        "first tick evaluates"
    );

    press(&mut app, KeyCode::Char('p'));
    assert!(app.paused);
    assert!(message(&app).contains("paused"));
    let commands = app.update(Event::Tick, app.now);
    assert!(widget_loads(&commands).is_empty(), "{commands:?}");

    // Resuming refreshes at once.
    let commands = press(&mut app, KeyCode::Char('p'));
    assert!(!app.paused);
    assert_eq!(widget_loads(&commands).len(), 6);
}

#[test]
fn a_tick_before_the_interval_does_not_refresh() {
    let started = start();
    let mut app = App::new(options(), (80, 24), started);
    app.init();
    let a_minute_later = started.later(Duration::from_secs(60));
    app.update(
        Event::Data(DataEvent::Layouts(Ok(layouts()))),
        a_minute_later,
    );
    // The layouts were just loaded: the next refresh is 5 s away. The evaluator was due at
    // construction time (a minute ago), so it runs, and then not again for a while.
    let commands = app.update(Event::Tick, a_minute_later);
    assert_eq!(commands, vec![Command::Evaluate]);
    assert!(app.update(Event::Tick, app.now).is_empty());
}

#[test]
fn ages_follow_the_time_the_ticks_bring_and_an_idle_tick_redraws_only_when_one_shows() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('p')); // paused: no refresh replaces the data meanwhile
    let loaded_at = app.now;
    app.update(Event::Tick, loaded_at); // the evaluator's first pass
    let runs = slot_of(&app, &WidgetKind::Runs);
    let state = |app: &App| {
        app.slots[runs].data.state(
            app.now.instant,
            app.stale_after_secs(),
            WidgetData::is_empty,
        )
    };
    // Three seconds on: nothing visible changed, so nothing is drawn.
    app.dirty = false;
    assert!(
        app.update(Event::Tick, loaded_at.later(Duration::from_secs(3)))
            .is_empty()
    );
    assert_eq!(state(&app), LoadState::Ready);
    assert!(!app.dirty);
    // Past twice the refresh interval (10 s) the data is stale, aged by the tick's time.
    app.update(Event::Tick, loaded_at.later(Duration::from_secs(11)));
    assert_eq!(state(&app), LoadState::Stale);
    assert_eq!(app.slots[runs].data.age_secs(app.now.instant), Some(11));
    assert!(app.dirty, "the stale marker appeared");
}

#[test]
fn a_tick_without_a_layout_only_evaluates() {
    let started = start();
    let mut app = App::new(options(), (80, 24), started);
    app.init();
    let a_minute_later = started.later(Duration::from_secs(60));
    assert_eq!(
        app.update(Event::Tick, a_minute_later),
        vec![Command::Evaluate]
    );
}

// ---------------------------------------------------------------------------------------------
// Data events

#[test]
fn out_of_date_widget_results_are_ignored() {
    let (mut app, first) = started();
    let runs = slot_of(&app, &WidgetKind::Runs);
    assert!(
        first
            .iter()
            .any(|c| matches!(c, Command::LoadWidget { slot, generation: 1, .. } if *slot == runs))
    );
    press(&mut app, KeyCode::Char('r')); // generation 2 now
    app.update(
        Event::Data(DataEvent::Widget {
            slot: runs,
            generation: 1,
            result: Ok(runs_page()),
        }),
        app.now,
    );
    assert_eq!(
        app.slots[runs].data.value, None,
        "the old answer is dropped"
    );
    assert!(app.slots[runs].data.loading);
    app.update(
        Event::Data(DataEvent::Widget {
            slot: runs,
            generation: 1,
            result: Err("late failure".to_string()),
        }),
        app.now,
    );
    assert_eq!(app.slots[runs].data.error, None);
    // Out of range slots are ignored too.
    app.update(
        Event::Data(DataEvent::Widget {
            slot: 99,
            generation: 2,
            result: Ok(runs_page()),
        }),
        app.now,
    );
    app.update(
        Event::Data(DataEvent::Widget {
            slot: runs,
            generation: 2,
            result: Ok(runs_page()),
        }),
        app.now,
    );
    assert_eq!(app.slots[runs].data.value, Some(runs_page()));
    assert!(app.last_refresh.is_some());
}

#[test]
fn connection_loss_and_recovery() {
    let mut app = loaded();
    assert_eq!(app.connection, Connection::Ok);
    app.update(
        Event::Data(DataEvent::Connection(Err(
            "connection refused (os error 111)".to_string(),
        ))),
        app.now,
    );
    assert_eq!(
        app.connection,
        Connection::Unreachable("connection refused (os error 111)".to_string())
    );
    app.update(Event::Data(DataEvent::Connection(Ok(()))), app.now);
    assert_eq!(app.connection, Connection::Ok);
    assert!(
        message(&app).contains("reachable again"),
        "{}",
        message(&app)
    );
    assert!(!message_is_error(&app));
}

#[test]
fn a_widget_error_after_success_keeps_the_value_and_marks_it_stale() {
    let mut app = loaded();
    let runs = slot_of(&app, &WidgetKind::Runs);
    let commands = press(&mut app, KeyCode::Char('r'));
    let generation = widget_loads(&commands)
        .into_iter()
        .find(|(s, _)| *s == runs)
        .unwrap()
        .1;
    app.update(
        Event::Data(DataEvent::Widget {
            slot: runs,
            generation,
            result: Err("connection refused".to_string()),
        }),
        app.now,
    );
    let slot = &app.slots[runs];
    assert_eq!(slot.data.value, Some(runs_page()));
    assert_eq!(slot.data.error.as_deref(), Some("connection refused"));
    assert_eq!(
        slot.data.state(
            app.now.instant,
            app.stale_after_secs(),
            WidgetData::is_empty
        ),
        LoadState::Stale
    );
    // Without a value first, an error is an error.
    let (mut fresh, commands) = started();
    let (slot, generation) = widget_loads(&commands)[0];
    fresh.update(
        Event::Data(DataEvent::Widget {
            slot,
            generation,
            result: Err("boom".to_string()),
        }),
        fresh.now,
    );
    assert_eq!(
        fresh.slots[slot].data.state(
            fresh.now.instant,
            fresh.stale_after_secs(),
            WidgetData::is_empty
        ),
        LoadState::Error
    );
}

#[test]
fn changed_tables_reload_only_the_widgets_that_show_them() {
    let mut app = loaded();
    let commands = app.update(
        Event::Data(DataEvent::Changed(vec!["dashboard_runs".to_string()])),
        app.now,
    );
    let mut reloaded: Vec<WidgetKind> = widget_loads(&commands)
        .into_iter()
        .map(|(s, _)| app.slots[s].kind.clone())
        .collect();
    reloaded.sort_by_key(|k| k.title().to_string());
    assert_eq!(reloaded, [WidgetKind::Runs, WidgetKind::RedFlags]);
    assert_eq!(commands.len(), 2);

    let commands = app.update(
        Event::Data(DataEvent::Changed(vec!["personas".to_string()])),
        app.now,
    );
    assert!(commands.is_empty());

    // The red flags screen reloads on red_flags changes.
    press(&mut app, KeyCode::Enter);
    let commands = app.update(
        Event::Data(DataEvent::Changed(vec!["red_flags".to_string()])),
        app.now,
    );
    assert!(commands.contains(&Command::LoadFlags {
        include_resolved: false
    }));
    assert_eq!(
        widget_loads(&commands).len(),
        1,
        "only the red-flags widget"
    );
}

#[test]
fn a_listen_gap_reloads_every_widget_and_the_open_screen() {
    let mut app = loaded();
    press(&mut app, KeyCode::Enter); // the red flags screen
    let commands = app.update(Event::Data(DataEvent::ChangesMissed), app.now);
    assert_eq!(widget_loads(&commands).len(), app.slots.len());
    assert!(commands.contains(&Command::LoadFlags {
        include_resolved: false
    }));
}

#[test]
fn run_detail_for_another_run_is_ignored() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, &format!("run {}", id(0x1003)));
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::RunDetail(Ok(run_detail()))), app.now);
    match &app.screen {
        Screen::RunDetail(state) => assert_eq!(state.detail.value, None),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Mouse

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Event {
    Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn click_focuses_the_widget_under_the_cursor() {
    let mut app = loaded();
    let rects = app.slot_rects();
    assert_eq!(rects.len(), 6);
    for (i, rect) in rects.iter().enumerate().rev() {
        let (x, y) = (rect.x + rect.width / 2, rect.y + rect.height / 2);
        app.update(
            mouse(MouseEventKind::Down(MouseButton::Left), x, y),
            app.now,
        );
        assert_eq!(app.focus, i, "click at {x},{y}");
    }
    // A click on the status line changes nothing.
    app.focus = 2;
    app.update(
        mouse(MouseEventKind::Down(MouseButton::Left), 10, 22),
        app.now,
    );
    assert_eq!(app.focus, 2);
}

#[test]
fn the_wheel_focuses_and_moves_the_selection() {
    let mut app = loaded();
    let runs = slot_of(&app, &WidgetKind::Runs);
    let rect = app.slot_rects()[runs];
    let (x, y) = (rect.x + 2, rect.y + 2);
    app.update(mouse(MouseEventKind::ScrollDown, x, y), app.now);
    app.update(mouse(MouseEventKind::ScrollDown, x, y), app.now);
    assert_eq!(app.focus, runs);
    assert_eq!(app.slots[runs].selected, 2);
    app.update(mouse(MouseEventKind::ScrollUp, x, y), app.now);
    assert_eq!(app.slots[runs].selected, 1);

    // On a screen, the wheel moves its selection.
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "flags");
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::Flags(Ok(open_flags()))), app.now);
    app.update(mouse(MouseEventKind::ScrollDown, 5, 5), app.now);
    match &app.screen {
        Screen::RedFlags(state) => assert_eq!(state.selected, 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn resize_relayouts_at_once() {
    let mut app = loaded();
    let before = app.slot_rects();
    app.update(Event::Resize(200, 50), app.now);
    let after = app.slot_rects();
    assert_ne!(before, after);
    assert_eq!(after.iter().map(|r| r.right()).max(), Some(200));
    assert!(
        after.iter().all(|r| r.bottom() <= 48),
        "the status line and the key hints stay free"
    );
    app.update(Event::Resize(60, 20), app.now);
    assert!(app.too_small());
}

// ---------------------------------------------------------------------------------------------
// Quit and help

#[test]
fn q_and_ctrl_c_quit() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit);
    let mut app = loaded();
    app.update(ctrl('c'), app.now);
    assert!(app.should_quit);
    // Ctrl-C quits from the help overlay too.
    let mut app = loaded();
    press(&mut app, KeyCode::Char('?'));
    app.update(ctrl('c'), app.now);
    assert!(app.should_quit);
}

#[test]
fn key_releases_are_ignored() {
    let mut app = loaded();
    app.update(
        Event::Key(KeyEvent {
            code: KeyCode::Char('q'),
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Release,
            state: KeyEventState::NONE,
        }),
        app.now,
    );
    assert!(!app.should_quit);
}

#[test]
fn help_opens_with_question_mark_and_any_key_closes_it() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: 0 }));
    // The closing key does nothing else (r would refresh; j would scroll a help taller than
    // the terminal, so it is not a closing key here).
    assert!(press(&mut app, KeyCode::Char('r')).is_empty());
    assert_eq!(app.overlay, None);
    assert_eq!(app.slots[runs].selected, 0);
    // q closes help without quitting.
    app.update(char_key('?'), app.now);
    app.update(
        Event::Key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT)),
        app.now,
    );
    assert_eq!(app.overlay, None, "the second ? closed it");
    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, None);
    assert!(!app.should_quit);
}

// ---------------------------------------------------------------------------------------------
// Text fields: the palette's and the filter's cursor, pasted text, Alt word keys

/// The palette's input starts here: the popup's corner (2, 1), its border and the ":".
const PALETTE_X: u16 = 2 + 1 + 1;
const PALETTE_Y: u16 = 2;

fn palette_input(app: &App) -> String {
    match &app.overlay {
        Some(Overlay::Palette(p)) => p.input.clone(),
        other => panic!("expected the palette, got {other:?}"),
    }
}

#[test]
fn the_palette_edits_at_its_cursor_and_shows_it() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    assert_eq!(
        cursor_of(&draw_view(&app, app.size)),
        Some((PALETTE_X, PALETTE_Y))
    );
    type_text(&mut app, "flgs");
    assert_eq!(
        cursor_of(&draw_view(&app, app.size)),
        Some((PALETTE_X + 4, PALETTE_Y))
    );
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    type_text(&mut app, "a");
    assert_eq!(palette_input(&app), "flags");
    let terminal = draw_view(&app, app.size);
    assert_eq!(cursor_of(&terminal), Some((PALETTE_X + 3, PALETTE_Y)));
    assert_eq!(under_cursor(&terminal).as_deref(), Some("g"));
    press(&mut app, KeyCode::Home);
    assert_eq!(
        cursor_of(&draw_view(&app, app.size)),
        Some((PALETTE_X, PALETTE_Y))
    );
    // Ctrl-K from the start empties it; Ctrl-U from the end too.
    app.update(ctrl('k'), app.now);
    assert_eq!(palette_input(&app), "");
    type_text(&mut app, "flags");
    assert!(matches!(
        press(&mut app, KeyCode::Enter).as_slice(),
        [Command::LoadFlags { .. }]
    ));
    // Closed, it has no cursor; neither has a screen without a text field.
    assert_eq!(cursor_of(&draw_view(&app, app.size)), None);
}

#[test]
fn the_filter_edits_at_its_cursor_in_the_status_line() {
    let mut app = loaded();
    // The status line is above the key hints line.
    let status_row = app.size.1 - 2;
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "nva");
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Right);
    type_text(&mut app, "o");
    assert_eq!(app.filter, "nova");
    let terminal = draw_view(&app, app.size);
    assert_eq!(cursor_of(&terminal).map(|(_, y)| y), Some(status_row));
    assert!(
        text_before_cursor(&terminal).is_some_and(|t| t.ends_with(" │ /no")),
        "{:?}",
        text_before_cursor(&terminal)
    );
    assert_eq!(under_cursor(&terminal).as_deref(), Some("v"));
    // Enter keeps the filter and hands the keys back: no cursor any more.
    press(&mut app, KeyCode::Enter);
    assert_eq!(cursor_of(&draw_view(&app, app.size)), None);
    assert_eq!(app.filter, "nova");
}

#[test]
fn a_paste_is_text_for_the_palette_or_filter_and_does_nothing_elsewhere() {
    let mut app = loaded();
    // On the dashboard no text field has focus: a pasted "q" or ":" is not a key.
    assert!(paste(&mut app, "q:/?").is_empty());
    assert!(!app.should_quit && app.overlay.is_none() && !app.filter_editing);
    assert!(!app.paused);
    assert!(message(&app).contains("paste ignored"), "{}", message(&app));

    // Into the palette: one line (the trailing line break does not run it).
    press(&mut app, KeyCode::Char(':'));
    paste(&mut app, "layout\nOn-call\n");
    assert_eq!(palette_input(&app), "layout On-call");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("On-call")
    );

    // Into the filter.
    press(&mut app, KeyCode::Char('/'));
    paste(&mut app, "Nova\n");
    assert!(app.filter_editing);
    assert_eq!(app.filter, "Nova");

    // Over help (no field), nothing changes.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('?'));
    paste(&mut app, "x");
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    assert_eq!(app.filter, "Nova");
}

#[test]
fn alt_b_and_alt_f_reach_a_focused_text_field_and_an_escape_read_still_unfolds() {
    let mut app = loaded();
    let none = KeyModifiers::NONE;
    let alt_b = KeyEvent::new(KeyCode::Char('b'), KeyModifiers::ALT);
    let alt_f = KeyEvent::new(KeyCode::Char('f'), KeyModifiers::ALT);
    let alt_colon = KeyEvent::new(KeyCode::Char(':'), KeyModifiers::ALT);
    let esc = KeyEvent::new(KeyCode::Esc, none);
    // No text field: Esc then b, read together, are both keys.
    assert!(!app.editing_text());
    assert_eq!(
        app.unfold_key(alt_b),
        vec![esc, KeyEvent::new(KeyCode::Char('b'), none)]
    );
    // In the palette, Alt-B and Alt-F are word motions; Esc then ':' is still two keys.
    press(&mut app, KeyCode::Char(':'));
    assert!(app.editing_text());
    assert_eq!(app.unfold_key(alt_b), vec![alt_b]);
    assert_eq!(app.unfold_key(alt_f), vec![alt_f]);
    assert_eq!(
        app.unfold_key(alt_colon),
        vec![esc, KeyEvent::new(KeyCode::Char(':'), none)]
    );
    type_text(&mut app, "layout On");
    for key in app.unfold_key(alt_b) {
        app.update(Event::Key(key), app.now);
    }
    assert!(
        matches!(app.overlay, Some(Overlay::Palette(_))),
        "not closed by Esc"
    );
    assert_eq!(
        cursor_of(&draw_view(&app, app.size)),
        Some((PALETTE_X + 7, PALETTE_Y)),
        "before \"On\""
    );
    app.update(Event::Key(alt_f), app.now);
    assert_eq!(
        cursor_of(&draw_view(&app, app.size)),
        Some((PALETTE_X + 9, PALETTE_Y))
    );
}
