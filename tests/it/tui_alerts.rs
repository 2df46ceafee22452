//! Alerts while the dashboard is open: the first load of the open flags is the baseline, a new
//! critical flag (or a warning escalated) rings the bell and sends a desktop notification as
//! configured (checked on the bytes the event loop writes), at most one per interval, and the
//! flag stays bold with a `NEW` marker in the red flags widget and list until seen.

use crate::tui_common::*;

use std::time::Duration;

use mpis_dash::config::{AlertsConfig, DesktopNotification};
use mpis_dash::store::red_flags::RedFlag;
use mpis_dash::tui::app::{App, AppOptions, Event, Screen};
use mpis_dash::tui::data::{WidgetData, WidgetKind};
use mpis_dash::tui::terminal::write_effects;
use mpis_dash::tui::worker::{Command, DataEvent};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];
const BEL: u8 = 0x07;

/// A stuck-runs flag that opens critical after the dashboard started.
fn stuck_runs() -> RedFlag {
    red_flag(
        0xf5,
        "stuck_runs",
        "critical",
        "3 runs stuck in running for over 6 h",
        "2025-05-20T11:58:00Z",
        json!({"count": 3, "threshold": 2}),
    )
}

/// The open flags with the new one, critical ones first (as the store orders them).
fn with_new_flag() -> Vec<RedFlag> {
    let mut flags = vec![stuck_runs()];
    flags.extend(open_flags());
    flags
}

fn open_flags_load(app: &mut App, flags: Vec<RedFlag>) {
    app.update(Event::Data(DataEvent::OpenFlags(Ok(flags))), app.now);
}

/// What the event loop writes after this update.
fn written(app: &mut App) -> Vec<u8> {
    let mut out = Vec::new();
    write_effects(app, &mut out, false).unwrap();
    out
}

fn with_alerts(bell: bool, desktop: DesktopNotification) -> AppOptions {
    AppOptions {
        alerts: AlertsConfig {
            bell,
            desktop,
            min_interval_secs: 60,
        },
        ..options()
    }
}

/// The red flags widget showing `flags` (its own load, as after a refresh).
fn widget_shows(app: &mut App, flags: Vec<RedFlag>) {
    let slot = slot_of(app, &WidgetKind::RedFlags);
    let WidgetData::RedFlags(mut data) = red_flags_data() else {
        unreachable!()
    };
    data.open_flags = flags;
    let generation = app.slots[slot].generation;
    app.update(
        Event::Data(DataEvent::Widget {
            slot,
            generation,
            result: Ok(WidgetData::RedFlags(data)),
        }),
        app.now,
    );
}

#[test]
fn the_refresh_asks_for_the_open_flags_and_the_first_load_is_only_the_baseline() {
    let mut app = loaded();
    let commands = app.update(Event::Tick, app.now.later(Duration::from_secs(6)));
    assert!(
        commands.contains(&Command::LoadOpenFlagCounts),
        "{commands:?}"
    );
    // Already critical when the dashboard opened: no news.
    open_flags_load(&mut app, open_flags());
    assert!(app.alert.is_none() && app.new_flags.is_empty());
    assert!(written(&mut app).is_empty());
    open_flags_load(&mut app, open_flags());
    assert!(written(&mut app).is_empty());
}

#[test]
fn a_new_critical_flag_rings_and_notifies_only_as_configured() {
    let osc9 = "\x1b]9;mpis-dash: critical red flag: 3 runs stuck in running for over 6 h\x07";
    let osc777 =
        "\x1b]777;notify;mpis-dash: critical red flag;3 runs stuck in running for over 6 h\x07";
    let cases = [
        (true, DesktopNotification::Osc9, format!("\x07{osc9}")),
        (true, DesktopNotification::Osc777, format!("\x07{osc777}")),
        (true, DesktopNotification::Off, "\x07".to_string()),
        (false, DesktopNotification::Osc9, osc9.to_string()),
        (false, DesktopNotification::Osc777, osc777.to_string()),
        (false, DesktopNotification::Off, String::new()),
    ];
    for (bell, desktop, expected) in cases {
        let mut app = loaded_with(with_alerts(bell, desktop), (80, 24));
        open_flags_load(&mut app, open_flags());
        open_flags_load(&mut app, with_new_flag());
        let bytes = written(&mut app);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            expected,
            "bell {bell}, {desktop:?}"
        );
        assert_eq!(
            bytes.contains(&BEL),
            bell || desktop != DesktopNotification::Off
        );
        // The status line says it whatever the terminal is told.
        let text = app
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default();
        assert!(text.contains("3 runs stuck"), "{text}");
        // Given once: the next write is empty.
        assert!(written(&mut app).is_empty());
    }
}

#[test]
fn an_escalated_warning_alerts_and_quiet_time_arrivals_are_summed_up_after_the_interval() {
    let mut app = loaded();
    open_flags_load(&mut app, open_flags());
    // The 7-day warning turns critical.
    let mut escalated = open_flags();
    escalated[1].severity = "critical".to_string();
    open_flags_load(&mut app, escalated.clone());
    let first = String::from_utf8(written(&mut app)).unwrap();
    assert!(first.contains("16 of 140 runs failed"), "{first:?}");
    // Two more within the minute: nothing until it is over.
    let mut more = escalated.clone();
    more.push(stuck_runs());
    more[2].severity = "critical".to_string();
    open_flags_load(&mut app, more);
    assert!(written(&mut app).is_empty());
    app.update(Event::Tick, app.now.later(Duration::from_secs(30)));
    assert!(written(&mut app).is_empty());
    app.update(Event::Tick, app.now.later(Duration::from_secs(31)));
    let summary = String::from_utf8(written(&mut app)).unwrap();
    assert!(
        summary.contains("2 new critical flags: 8 published items have no metrics, 3 runs stuck"),
        "{summary:?}"
    );
}

#[test]
fn inside_tmux_the_notification_is_passed_through() {
    let mut app = loaded_with(with_alerts(false, DesktopNotification::Osc9), (80, 24));
    open_flags_load(&mut app, open_flags());
    open_flags_load(&mut app, with_new_flag());
    let mut out = Vec::new();
    write_effects(&mut app, &mut out, true).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("\x1bPtmux;\x1b\x1b]9;"), "{text:?}");
    assert!(text.ends_with("\x07\x1b\\"), "{text:?}");
}

/// The dashboard after the new flag arrived: its widget lists it first, bold and `NEW`.
fn new_flag_on_the_dashboard(size: (u16, u16)) -> App {
    let mut app = loaded_with(options(), size);
    open_flags_load(&mut app, open_flags());
    open_flags_load(&mut app, with_new_flag());
    widget_shows(&mut app, with_new_flag());
    app
}

#[test]
fn a_new_flag_is_marked_in_the_widget_until_the_operator_selects_it() {
    // At 80x24 the widget is too narrow to list flags; at 200x50 it lists them.
    let mut app = new_flag_on_the_dashboard((200, 50));
    assert_eq!(app.new_flags, vec![id(0xf5)]);
    let screen = view_text(&app, (200, 50));
    assert!(screen.contains("[CRIT] NEW 3 runs stuck"), "{screen}");
    // The selection resting on its row as it arrived is no look; a refresh changes nothing.
    widget_shows(&mut app, with_new_flag());
    open_flags_load(&mut app, with_new_flag());
    assert_eq!(app.new_flags, vec![id(0xf5)]);
    // Down to another flag, then back up to it: seen.
    press(&mut app, KeyCode::Down);
    assert_eq!(app.new_flags, vec![id(0xf5)]);
    press(&mut app, KeyCode::Up);
    assert!(app.new_flags.is_empty());
    let screen = view_text(&app, (200, 50));
    assert!(!screen.contains("NEW"), "{screen}");
}

#[test]
fn opening_the_flags_list_on_it_or_acknowledging_it_counts_as_seen() {
    // The list opened from the widget on the new flag shows it in full: seen.
    let mut app = new_flag_on_the_dashboard((80, 24));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let mut flags = with_new_flag();
    flags.rotate_left(1);
    app.update(Event::Data(DataEvent::Flags(Ok(flags))), app.now);
    assert!(matches!(app.screen, Screen::RedFlags(_)));
    // Selected: the flag the widget had selected, not the new one.
    assert_eq!(app.new_flags, vec![id(0xf5)]);
    let screen = view_text(&app, (80, 24));
    assert!(screen.contains("NEW 3 runs stuck"), "{screen}");
    // Down through the list to it.
    for _ in 0..3 {
        press(&mut app, KeyCode::Down);
    }
    assert!(app.new_flags.is_empty());

    // Acknowledged elsewhere: the next load drops the mark.
    let mut app = new_flag_on_the_dashboard((80, 24));
    let mut acknowledged = with_new_flag();
    acknowledged[0].acknowledged_at = Some(loaded_at());
    acknowledged[0].acknowledged_by = Some("bob".to_string());
    open_flags_load(&mut app, acknowledged);
    assert!(app.new_flags.is_empty());
}

/// The flags list opened from the widget on another flag: the new one stays marked.
fn new_flag_in_the_list(size: (u16, u16)) -> App {
    let mut app = new_flag_on_the_dashboard(size);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::Flags(Ok(with_new_flag()))), app.now);
    app
}

#[test]
fn new_flag_highlight() {
    // The dashboard (at 80x24 the widget has no room for the list: the status line says it)
    // and the flags list.
    for size in SIZES {
        let app = new_flag_on_the_dashboard(size);
        let terminal = draw_view(&app, size);
        insta::assert_snapshot!(
            format!("new_flag_widget_{}x{}", size.0, size.1),
            terminal.backend()
        );
        let app = new_flag_in_the_list(size);
        assert_eq!(app.new_flags, vec![id(0xf5)]);
        let terminal = draw_view(&app, size);
        insta::assert_snapshot!(
            format!("new_flag_list_{}x{}", size.0, size.1),
            terminal.backend()
        );
    }
}
