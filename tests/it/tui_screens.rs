//! Snapshot tests of whole frames (`view(&App, &mut Frame)` on a `TestBackend`) for every screen,
//! overlay and status, at 80x24 and 200x50. The app is driven through `update` with fixed data,
//! every event at the same moment (`tui_common::start()`: data loaded at `loaded_at()`, nothing
//! stale), so no clock shows in a frame.
//!
//! Snapshots: `tests/snapshots/tui_screens__<name>_<width>x<height>.snap`.

use crate::tui_common;

use crate::tui_common::*;
use mpis_dash::tui::app::{App, AppOptions, Event, Overlay, Screen};
use mpis_dash::tui::data::WidgetKind;
use mpis_dash::tui::theme::Theme;
use mpis_dash::tui::worker::DataEvent;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn draw(app: &App) -> Terminal<TestBackend> {
    let (width, height) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| mpis_dash::tui::view::view(app, f))
        .expect("draw");
    terminal
}

fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

/// Builds the scene at both sizes and snapshots it as `<name>_<w>x<h>`.
fn snapshot_both(name: &str, scene: impl Fn((u16, u16)) -> App) {
    for size in SIZES {
        let app = scene(size);
        let terminal = draw(&app);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), terminal.backend());
    }
}

pub(crate) fn dashboard(size: (u16, u16)) -> App {
    loaded_with(options(), size)
}

/// The dashboard showing the "On-call" layout, every widget loaded.
pub(crate) fn on_call(size: (u16, u16)) -> App {
    let mut app = loaded_with(options(), size);
    let commands = app.update(char_key('L'), app.now);
    answer(&mut app, &commands);
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("On-call")
    );
    app
}

pub(crate) fn flags_screen(size: (u16, u16)) -> App {
    let mut app = dashboard(size);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('t'));
    app.update(
        Event::Data(DataEvent::Flags(Ok(flags_with_history()))),
        app.now,
    );
    press(&mut app, KeyCode::Char('j'));
    match &app.screen {
        Screen::RedFlags(state) => assert!(state.include_resolved),
        other => panic!("{other:?}"),
    }
    app
}

// ---------------------------------------------------------------------------------------------
// Dashboard

#[test]
fn dashboard_overview() {
    snapshot_both("dashboard_overview", dashboard);
}

#[test]
fn dashboard_on_call() {
    snapshot_both("dashboard_on_call", on_call);
}

#[test]
fn dashboard_runs_focused_with_a_filter() {
    snapshot_both("dashboard_runs_filtered", |size| {
        let mut app = on_call(size);
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Char('/'));
        type_text(&mut app, "weekly");
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Char('j'));
        app
    });
}

#[test]
fn dashboard_loading() {
    snapshot_both("dashboard_loading", |size| started_with(options(), size).0);
}

#[test]
fn dashboard_before_the_layouts_arrive() {
    let mut app = App::new(options(), (80, 24), start());
    app.init();
    let terminal = draw(&app);
    insta::assert_snapshot!("dashboard_before_layouts_80x24", terminal.backend());
    assert!(screen_text(&terminal).contains("loading layout"));
}

// ---------------------------------------------------------------------------------------------
// Screens

#[test]
fn run_detail() {
    snapshot_both("run_detail", |size| {
        let mut app = dashboard(size);
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Char('j'));
        press(&mut app, KeyCode::Enter);
        app.update(
            Event::Data(DataEvent::RunDetail(Ok(tui_common::run_detail()))),
            app.now,
        );
        press(&mut app, KeyCode::Char('j'));
        app
    });
}

#[test]
fn run_detail_scrolled_to_the_end() {
    let mut app = dashboard((80, 24));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    app.update(
        Event::Data(DataEvent::RunDetail(Ok(tui_common::run_detail()))),
        app.now,
    );
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    let terminal = draw(&app);
    insta::assert_snapshot!("run_detail_scrolled_80x24", terminal.backend());
    let text = screen_text(&terminal);
    assert!(text.contains("[FAIL] #2"), "{text}");
    assert!(!text.contains("more ↓"), "{text}");
}

#[test]
fn run_detail_loading() {
    let mut app = dashboard((80, 24));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    let terminal = draw(&app);
    insta::assert_snapshot!("run_detail_loading_80x24", terminal.backend());
}

#[test]
fn red_flags_screen() {
    snapshot_both("red_flags_screen", flags_screen);
}

#[test]
fn layout_editor_with_the_widget_picker() {
    snapshot_both("layout_editor_picker", |size| {
        let mut app = dashboard(size);
        press(&mut app, KeyCode::Char('e'));
        press(&mut app, KeyCode::Char('+'));
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Down);
        app
    });
}

#[test]
fn layout_editor_with_a_problem() {
    snapshot_both("layout_editor_problem", |size| {
        let mut app = dashboard(size);
        press(&mut app, KeyCode::Char('e'));
        // An overlap the keys cannot make (they push aside), as a stored layout may hold.
        if let Screen::LayoutEditor(state) = &mut app.screen {
            state.config.widgets[0].position.x = 1;
        }
        press(&mut app, KeyCode::Char('s'));
        app
    });
}

// ---------------------------------------------------------------------------------------------
// Overlays

#[test]
fn help_on_the_dashboard() {
    snapshot_both("help_dashboard", |size| {
        let mut app = dashboard(size);
        press(&mut app, KeyCode::Char('?'));
        app
    });
}

#[test]
fn help_on_the_red_flags_screen() {
    snapshot_both("help_red_flags", |size| {
        let mut app = flags_screen(size);
        press(&mut app, KeyCode::Char('?'));
        assert_eq!(app.overlay, Some(Overlay::Help { scroll: 0 }));
        app
    });
}

#[test]
fn palette_with_completions() {
    snapshot_both("palette_completions", |size| {
        let mut app = dashboard(size);
        type_text(&mut app, ":r");
        app
    });
}

#[test]
fn palette_with_layout_completions() {
    let mut app = dashboard((80, 24));
    type_text(&mut app, ":layout ");
    let terminal = draw(&app);
    insta::assert_snapshot!("palette_layout_names_80x24", terminal.backend());
    let text = screen_text(&terminal);
    assert!(text.contains("layout Overview") && text.contains("layout On-call"));
    // The terminal's cursor stands after the typed space.
    assert!(text_before_cursor(&terminal).is_some_and(|t| t.ends_with("│:layout ")));
}

#[test]
fn palette_with_an_error() {
    snapshot_both("palette_error", |size| {
        let mut app = dashboard(size);
        type_text(&mut app, ":frobnicate");
        press(&mut app, KeyCode::Enter);
        app
    });
}

#[test]
fn confirm_dialog() {
    snapshot_both("confirm", |size| {
        let mut app = flags_screen(size);
        press(&mut app, KeyCode::Char('k'));
        press(&mut app, KeyCode::Char('a'));
        assert!(matches!(app.overlay, Some(Overlay::Confirm(_))));
        app
    });
}

// ---------------------------------------------------------------------------------------------
// Sizes, status line, theme

#[test]
fn terminal_too_small() {
    let app = dashboard((60, 20));
    let terminal = draw(&app);
    insta::assert_snapshot!("too_small_60x20", terminal.backend());
    let text = screen_text(&terminal);
    assert!(text.contains("terminal too small"), "{text}");
    assert!(text.contains("60x20") && text.contains("80x24"), "{text}");
}

#[test]
fn status_database_unreachable_keeps_the_data_marked_stale() {
    snapshot_both("status_unreachable", |size| {
        let mut app = dashboard(size);
        let commands = press(&mut app, KeyCode::Char('r'));
        for (slot, generation) in widget_loads(&commands) {
            app.update(
                Event::Data(DataEvent::Widget {
                    slot,
                    generation,
                    result: Err("connection refused (os error 111)".to_string()),
                }),
                app.now,
            );
        }
        app.update(
            Event::Data(DataEvent::Connection(Err(
                "connection refused (os error 111)".to_string(),
            ))),
            app.now,
        );
        app
    });
    let mut app = dashboard((200, 50));
    app.update(
        Event::Data(DataEvent::Connection(Err(
            "connection refused (os error 111)".to_string(),
        ))),
        app.now,
    );
    let text = screen_text(&draw(&app));
    assert!(
        text.contains("database unreachable, retrying: connection refused (os error 111)"),
        "{text}"
    );
}

#[test]
fn status_paused_and_read_only() {
    snapshot_both("status_paused_read_only", |size| {
        let options = AppOptions {
            read_only: true,
            ..options()
        };
        let mut app = loaded_with(options, size);
        press(&mut app, KeyCode::Char('p'));
        app
    });
    let options = AppOptions {
        read_only: true,
        ..options()
    };
    let mut app = loaded_with(options, (80, 24));
    press(&mut app, KeyCode::Char('p'));
    let text = screen_text(&draw(&app));
    let status = text.lines().rev().nth(1).unwrap_or_default().to_string();
    assert!(status.contains("PAUSED"), "{status}");
    assert!(status.contains("READ-ONLY"), "{status}");
}

#[test]
fn the_status_line_keeps_what_the_operator_must_know_about_the_database() {
    let options = AppOptions {
        read_only: true,
        notices: vec![
            "db tz Asia/Kolkata is not UTC: MPIS times shifted".to_string(),
            "role ro \u{1b}[31mx may not write (red_flags)".to_string(),
        ],
        ..options()
    };
    let mut app = loaded_with(options, (200, 24));
    let text = screen_text(&draw(&app));
    let status = text.lines().rev().nth(1).unwrap_or_default().to_string();
    assert!(
        status.contains(
            "READ-ONLY │ ⚠ db tz Asia/Kolkata is not UTC: MPIS times shifted │ ⚠ role ro \\x1b[31mx may not write"
        ),
        "{status}"
    );
    // Still there after a message comes and goes.
    press(&mut app, KeyCode::Char('r'));
    let status = screen_text(&draw(&app))
        .lines()
        .rev()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(status.contains("⚠ db tz Asia/Kolkata"), "{status}");
}

#[test]
fn red_flags_screen_read_only_hides_the_actions() {
    let options = AppOptions {
        read_only: true,
        ..options()
    };
    let mut app = loaded_with(options, (80, 24));
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::Flags(Ok(open_flags()))), app.now);
    let terminal = draw(&app);
    insta::assert_snapshot!("red_flags_screen_read_only_80x24", terminal.backend());
    let text = screen_text(&terminal);
    assert!(!text.contains("acknowledge"), "{text}");
}

#[test]
fn help_in_read_only_lists_no_writing_keys() {
    let options = AppOptions {
        read_only: true,
        ..options()
    };
    let mut app = loaded_with(options, (200, 50));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('?'));
    let text = screen_text(&draw(&app));
    assert!(text.contains("show / hide resolved flags"), "{text}");
    assert!(!text.contains("acknowledge (asks first)"), "{text}");
    assert!(!text.contains("resolve (asks first)"), "{text}");
}

#[test]
fn monochrome_theme() {
    snapshot_both("monochrome", |size| {
        let options = AppOptions {
            theme: Theme::monochrome(),
            ..options()
        };
        let mut app = loaded_with(options, size);
        press(&mut app, KeyCode::Tab);
        app
    });
    // No color anywhere: state is told by text markers and modifiers alone.
    let options = AppOptions {
        theme: Theme::monochrome(),
        ..options()
    };
    let mut app = loaded_with(options, (200, 50));
    press(&mut app, KeyCode::Char('?'));
    let terminal = draw(&app);
    let buffer = terminal.backend().buffer();
    for cell in &buffer.content {
        assert_eq!(cell.fg, Color::Reset, "colored cell {cell:?}");
        assert_eq!(cell.bg, Color::Reset, "colored cell {cell:?}");
    }
    let flags = flags_screen((200, 50));
    let terminal = draw(&flags);
    let text = screen_text(&terminal);
    assert!(text.contains("[CRIT]") && text.contains("[WARN]") && text.contains("[DONE]"));
}

#[test]
fn the_focused_widget_is_marked_in_text_too() {
    let mut app = dashboard((200, 50));
    let runs = slot_of(&app, &WidgetKind::Runs);
    app.focus = runs;
    let text = screen_text(&draw(&app));
    assert!(text.contains("▶ Recent Runs"), "{text}");
    assert!(!text.contains("▶ Red Flags"), "{text}");
}
