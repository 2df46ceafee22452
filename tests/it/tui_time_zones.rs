//! Time zones on screen: the configured zone converts and names every absolute time, `z`
//! switches between it and UTC (configured UTC: UTC and local time), and a `[keys]` override
//! moves the toggle. Snapshots of the run detail in Europe/Berlin at 80x24 and 200x50.

use crate::tui_common::*;

use std::collections::HashMap;

use mpis_dash::domain::time_zone::DisplayZone;
use mpis_dash::tui::app::{App, AppOptions, Event};
use mpis_dash::tui::keymap::Keymap;
use mpis_dash::tui::worker::DataEvent;
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn berlin() -> AppOptions {
    AppOptions {
        time_zone: DisplayZone::Named(chrono_tz::Europe::Berlin),
        ..options()
    }
}

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// The run detail of the fixture run (started 2025-05-20 11:15 UTC or so), as in tui_screens.
fn run_detail_in(options: AppOptions, size: (u16, u16)) -> App {
    let mut app = loaded_with(options, size);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::RunDetail(Ok(run_detail()))), app.now);
    app
}

#[test]
fn z_switches_the_status_lines_time_between_the_configured_zone_and_utc() {
    let mut app = loaded_with(berlin(), (80, 24));
    // The fixtures load at 2025-05-20 12:00 UTC: summer time in Berlin.
    let screen = view_text(&app, (80, 24));
    assert!(screen.contains("14:00:00 CEST"), "{screen}");
    assert!(!screen.contains("12:00:00 UTC"), "{screen}");

    assert!(press(&mut app, KeyCode::Char('z')).is_empty());
    assert_eq!(app.time_zone, DisplayZone::Utc);
    assert_eq!(message(&app), "times in UTC");
    let screen = view_text(&app, (80, 24));
    assert!(screen.contains("12:00:00 UTC"), "{screen}");
    assert!(!screen.contains("CEST"), "{screen}");

    press(&mut app, KeyCode::Char('z'));
    assert_eq!(app.time_zone, DisplayZone::Named(chrono_tz::Europe::Berlin));
    assert_eq!(message(&app), "times in Europe/Berlin (CEST)");
}

#[test]
fn configured_utc_toggles_to_local_time_and_back() {
    let mut app = loaded();
    assert_eq!(app.time_zone, DisplayZone::Utc);
    press(&mut app, KeyCode::Char('z'));
    assert_eq!(app.time_zone, DisplayZone::Local);
    // The offset depends on the machine's zone; the name does not.
    assert!(
        message(&app).starts_with("times in local ("),
        "{}",
        message(&app)
    );
    press(&mut app, KeyCode::Char('z'));
    assert_eq!(app.time_zone, DisplayZone::Utc);
    assert_eq!(message(&app), "times in UTC");
}

#[test]
fn the_toggle_key_can_be_moved_in_the_config() {
    let overrides = HashMap::from([("time_zone".to_string(), "f9".to_string())]);
    let options = AppOptions {
        keymap: Keymap::with_overrides(&overrides).unwrap(),
        ..berlin()
    };
    let mut app = loaded_with(options, (80, 24));
    press(&mut app, KeyCode::Char('z'));
    assert_eq!(app.time_zone, DisplayZone::Named(chrono_tz::Europe::Berlin));
    press(&mut app, KeyCode::F(9));
    assert_eq!(app.time_zone, DisplayZone::Utc);
}

#[test]
fn the_run_detail_shows_its_times_in_the_zone_and_z_converts_them() {
    let mut app = run_detail_in(berlin(), (80, 24));
    let started = run_detail().run.started_at;
    let berlin_text = started
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%Y-%m-%d %H:%M:%S CEST")
        .to_string();
    let utc_text = started.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let screen = view_text(&app, (80, 24));
    assert!(screen.contains(&berlin_text), "{berlin_text} in {screen}");
    press(&mut app, KeyCode::Char('z'));
    let screen = view_text(&app, (80, 24));
    assert!(screen.contains(&utc_text), "{utc_text} in {screen}");
    assert!(!screen.contains(&berlin_text), "{screen}");
}

#[test]
fn run_detail_in_europe_berlin() {
    for size in SIZES {
        let app = run_detail_in(berlin(), size);
        let terminal = draw_view(&app, size);
        insta::assert_snapshot!(
            format!("run_detail_berlin_{}x{}", size.0, size.1),
            terminal.backend()
        );
    }
}
