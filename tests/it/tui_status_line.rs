//! The status line (issue 10): a long message is shortened at a word with "… (m)", the
//! messages popup (`m`, `:messages`) shows every message whole with its time, newest first,
//! information expires after 10 s and errors after a key (once read) or a minute, and the open
//! screen's name is shown beside the layout's.

use std::time::Duration;

use crate::tui_common::*;
use mpis_dash::tui::app::{App, Event, Overlay};
use mpis_dash::tui::data::WidgetKind;
use mpis_dash::tui::worker::DataEvent;
use ratatui::crossterm::event::KeyCode;

const LONG_ERROR: &str = "error returned from database: could not connect to server: \
     Connection refused. Is the server running on host 127.0.0.1 and accepting TCP/IP \
     connections on port 5432?";

fn status_row(app: &App) -> String {
    let terminal = draw_view(app, (80, 24));
    let buffer = terminal.backend().buffer();
    // The status line: the row above the key hints.
    (0..80).map(|x| buffer[(x, 22)].symbol()).collect()
}

fn text(app: &App) -> String {
    draw_view(app, (80, 24)).backend().to_string()
}

/// The runs widget's load fails with `LONG_ERROR` (said as "Recent Runs: …", an error).
fn runs_fail(app: &mut App) {
    let runs = slot_of(app, &WidgetKind::Runs);
    let generation = app.slots[runs].generation;
    app.update(
        Event::Data(DataEvent::Widget {
            slot: runs,
            generation,
            result: Err(LONG_ERROR.to_string()),
        }),
        app.now,
    );
}

fn tick_after(app: &mut App, secs: u64) {
    let now = app.now.later(Duration::from_secs(secs));
    app.update(Event::Tick, now);
}

#[test]
fn a_long_message_is_shortened_at_a_word_and_read_whole_in_the_messages() {
    let mut app = loaded();
    runs_fail(&mut app);
    let row = status_row(&app);
    assert!(row.contains("Recent Runs: error"), "{row}");
    assert!(row.contains("… (m)"), "{row}");
    // Every word shown is whole: what precedes the ellipsis ends a word of the message.
    let shown = row.split(" │ ").last().unwrap().trim_end();
    let before = shown.trim_end_matches("… (m)").rsplit(' ').next().unwrap();
    assert!(
        LONG_ERROR
            .split(' ')
            .any(|w| w.trim_end_matches([':', '.', ',']) == before),
        "{before:?} is cut: {row}"
    );

    press(&mut app, KeyCode::Char('p')); // information after the error
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(app.overlay, Some(Overlay::Messages));
    let screen = text(&app);
    assert!(screen.contains("Messages, newest first"), "{screen}");
    // Newest first, with times; the long one whole (wrapped).
    let paused = screen.find("auto-refresh paused").expect("paused message");
    let error = screen.find("Recent Runs: error").expect("error message");
    assert!(paused < error, "newest first:\n{screen}");
    assert!(screen.contains("connections on port 5432?"), "{screen}");
    assert!(screen.contains("12:00:00"), "{screen}");
    insta::assert_snapshot!(
        "status_messages_popup_80x24",
        draw_view(&app, (80, 24)).backend()
    );
    // Any key closes it.
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.overlay, None);
    // And :messages opens it too.
    type_text(&mut app, ":messages");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.overlay, Some(Overlay::Messages));
}

#[test]
fn information_expires_after_ten_seconds() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('p'));
    assert!(status_row(&app).contains("auto-refresh paused"));
    tick_after(&mut app, 9);
    assert!(status_row(&app).contains("auto-refresh paused"));
    tick_after(&mut app, 2);
    assert!(app.dirty, "the expiry is drawn");
    assert!(!status_row(&app).contains("auto-refresh paused"));
    assert_eq!(app.message, None);
    assert_eq!(app.messages.len(), 1, "still in the log");
}

#[test]
fn an_error_stays_until_a_key_once_read_or_a_minute() {
    let mut app = loaded();
    runs_fail(&mut app);
    tick_after(&mut app, 30);
    assert!(
        status_row(&app).contains("Recent Runs"),
        "still there at 30 s"
    );
    // A key soon after the error does not take it away (it may not have been read).
    let mut app2 = loaded();
    runs_fail(&mut app2);
    press(&mut app2, KeyCode::Char('j'));
    assert!(app2.message.is_some());
    // A key after it has been up a while does.
    let now = app.now.later(Duration::from_secs(1));
    app.update(char_key('j'), now);
    assert_eq!(app.message, None);
    // Untouched, it goes after a minute.
    runs_fail(&mut app2);
    tick_after(&mut app2, 61);
    assert_eq!(app2.message, None);
}

#[test]
fn the_open_screen_is_named_beside_the_layout_as_a_breadcrumb() {
    let mut app = loaded();
    assert!(status_row(&app).contains("│ Overview"));
    let runs = slot_of(&app, &WidgetKind::Runs);
    while app.focus != runs {
        press(&mut app, KeyCode::Tab);
    }
    press(&mut app, KeyCode::Enter);
    let row = status_row(&app);
    // The breadcrumb: the layout, then the run by its short id.
    assert!(row.contains("Overview › Run 00000000"), "{row}");
    press(&mut app, KeyCode::Esc);
    type_text(&mut app, ":flags");
    press(&mut app, KeyCode::Enter);
    let row = status_row(&app);
    assert!(row.contains("Overview › Red flags"), "{row}");
}

/// At 80 columns an open critical flag, the screen's name and a message all show: "refreshed"
/// shrinks to the time, then the place to the screen's name, before the message is cut.
#[test]
fn a_crowded_status_line_keeps_the_flag_hint_and_the_screen_name() {
    use mpis_dash::store::red_flags::OpenFlagCounts;
    let mut app = loaded();
    app.update(
        Event::Data(DataEvent::OpenFlagCounts(Ok(OpenFlagCounts {
            critical: 1,
            critical_unacknowledged: 1,
            warning: 0,
            silenced: 0,
        }))),
        app.now,
    );
    let row = status_row(&app);
    assert!(row.contains("refreshed "), "room for the long form: {row}");
    assert!(row.contains("press F for flags"), "{row}");
    let runs = slot_of(&app, &WidgetKind::Runs);
    while app.focus != runs {
        press(&mut app, KeyCode::Tab);
    }
    press(&mut app, KeyCode::Enter);
    let row = status_row(&app);
    assert!(row.contains("press F for flags"), "{row}");
    assert!(
        row.contains("│ … › Run 00000000"),
        "the breadcrumb collapsed: {row}"
    );
    assert!(
        !row.contains("refreshed"),
        "the short form when crowded: {row}"
    );
    assert!(row.contains("UTC"), "the time keeps its zone: {row}");
    // Once acknowledged, the shorter form leaves the room to the messages.
    app.update(
        Event::Data(DataEvent::OpenFlagCounts(Ok(OpenFlagCounts {
            critical: 1,
            critical_unacknowledged: 0,
            warning: 0,
            silenced: 0,
        }))),
        app.now,
    );
    let row = status_row(&app);
    assert!(row.contains("⚠ 1 critical, acked (F)"), "{row}");
    assert!(!row.contains("press F"), "{row}");
}

/// Help taller than an 80x24 terminal scrolls with the moving keys (the border says what is
/// hidden); any other key closes it.
#[test]
fn help_taller_than_the_terminal_scrolls_and_any_other_key_closes_it() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('?'));
    let first = text(&app);
    assert!(first.contains("more ↓"), "{first}");
    assert!(!first.contains("more ↑"), "{first}");
    assert!(first.contains("Tab / Shift-Tab"), "{first}");
    press(&mut app, KeyCode::Char('G'));
    let last = text(&app);
    assert!(last.contains("more ↑"), "{last}");
    assert!(!last.contains("more ↓"), "{last}");
    assert!(
        last.contains(":dashboard"),
        "the last commands line shows: {last}"
    );
    assert!(
        !last.contains("Tab / Shift-Tab"),
        "scrolled past the first row: {last}"
    );
    press(&mut app, KeyCode::Char('k'));
    assert!(text(&app).contains("more ↓"));
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.overlay, None);
    // At 200x50 it fits: nothing to scroll, j closes it as any key does.
    let mut app = loaded_with(options(), (200, 50));
    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.overlay, None);
}
