//! Honest and discoverable keys at 80x24: `y` says it sent the id to the terminal's clipboard
//! (OSC 52 needs the terminal's permission) and shows the id whole to copy by hand; `T` on a
//! widget without a time range says which widgets have one; help on the dashboard names Enter
//! on an awaiting persona (its genesis job).

use crate::tui_common::*;
use mpis_dash::tui::app::{App, Event, Overlay, Screen};
use mpis_dash::tui::data::WidgetKind;
use mpis_dash::tui::worker::DataEvent;
use ratatui::crossterm::event::KeyCode;

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn screen(app: &App) -> String {
    draw_view(app, (80, 24)).backend().to_string()
}

fn focus(app: &mut App, kind: &WidgetKind) {
    let slot = slot_of(app, kind);
    while app.focus != slot {
        press(app, KeyCode::Tab);
    }
}

#[test]
fn y_says_the_id_went_to_the_terminals_clipboard_and_shows_it_whole() {
    let mut app = loaded();
    focus(&mut app, &WidgetKind::Runs);
    press(&mut app, KeyCode::Char('j')); // the fixture's detail is of the second run
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::RunDetail(Ok(run_detail()))), app.now);
    assert!(matches!(app.screen, Screen::RunDetail(_)));
    press(&mut app, KeyCode::Char('y'));
    let run_id = run_detail().run.run_id.to_string();
    assert_eq!(app.clipboard, Some(run_id.clone()));
    assert!(
        message(&app) == "run_id sent via OSC 52",
        "{}",
        message(&app)
    );
    assert!(
        !message(&app).contains("copied"),
        "never claims it was copied"
    );
    assert!(matches!(app.overlay, Some(Overlay::Copied { .. })));
    let text = screen(&app);
    assert!(
        text.contains(&run_id),
        "the id whole, to select by hand: {text}"
    );
    assert!(
        text.contains("It arrives only if your terminal allows OSC"),
        "{text}"
    );
    assert!(
        text.contains("To copy it by hand, select it here:"),
        "{text}"
    );
    insta::assert_snapshot!("copied_popup_80x24", draw_view(&app, (80, 24)).backend());
    // Any key closes it; the run detail is still there.
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert!(matches!(app.screen, Screen::RunDetail(_)));
}

#[test]
fn t_on_a_widget_without_a_time_range_names_the_ones_with_one() {
    let mut app = loaded();
    focus(&mut app, &WidgetKind::Runs);
    let commands = app.update(char_key('T'), app.now);
    assert!(commands.is_empty());
    assert_eq!(
        message(&app),
        "Recent Runs has no time range; T cycles 7/30/90 days on Engagement Chart and Channel Performance"
    );
    // On the chart it cycles and reloads.
    focus(&mut app, &WidgetKind::EngagementChart);
    let commands = app.update(char_key('T'), app.now);
    assert_eq!(commands.len(), 1);
    assert!(message(&app).starts_with("time range"), "{}", message(&app));
}

#[test]
fn help_on_the_dashboard_names_enter_on_an_awaiting_persona() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('?'));
    let text = screen(&app);
    assert!(
        text.contains("Enter (awaiting persona) open its genesis job (approve)"),
        "{text}"
    );
    assert!(
        text.contains("Enter                    open: run detail, red flags, outbox record"),
        "{text}"
    );
    assert!(
        text.contains("time range 7/30/90 days (the two charts)"),
        "{text}"
    );
}
