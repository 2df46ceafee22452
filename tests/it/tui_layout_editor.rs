//! The layout editor as an operator uses it at 80x24: neighbours pushed aside with a plain
//! message, save asking for a name (prefilled), rename, delete (built-ins refuse), Esc asking
//! before unsaved changes are lost, and a footer that fits 80 columns.

use crate::tui_common::*;
use mpis_dash::domain::layout::Position;
use mpis_dash::tui::app::{App, EditorState, Event, NamePurpose, Overlay, Screen};
use mpis_dash::tui::worker::{Command, DataEvent};
use ratatui::crossterm::event::KeyCode;

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn editor(app: &App) -> &EditorState {
    match &app.screen {
        Screen::LayoutEditor(state) => state,
        other => panic!("not in the layout editor: {other:?}"),
    }
}

/// The editor on alice's own layout "Mine" (On-call placements).
fn own_editor() -> App {
    let mut app = app();
    app.init();
    let mut rows = vec![own_layout()];
    rows.extend(layouts());
    app.update(Event::Data(DataEvent::Layouts(Ok(rows))), app.now);
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(editor(&app).name, "Mine");
    assert_eq!(editor(&app).own_id, Some(id(OWN_LAYOUT_ID)));
    app
}

fn prompt_input(app: &App) -> String {
    editor(app)
        .prompt
        .as_ref()
        .map(|p| p.input.clone())
        .unwrap_or_else(|| panic!("no name prompt"))
}

fn screen(app: &App) -> String {
    draw_view(app, (80, 24)).backend().to_string()
}

#[test]
fn a_move_pushes_the_neighbour_down_and_says_so_plainly() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    // Red Flags (x 0, w 4) one column right, onto Recent Runs (x 4): Runs moves below it.
    press(&mut app, KeyCode::Right);
    let state = editor(&app);
    assert!(state.problems.is_empty(), "{:?}", state.problems);
    assert_eq!(state.config.widgets[0].position.x, 1);
    assert_eq!(
        state.config.widgets[1].position,
        Position {
            x: 4,
            y: 2,
            w: 8,
            h: 2
        }
    );
    assert_eq!(
        message(&app),
        "5 widgets pushed down: Recent Runs, Engagement Chart, Channel Performance, Persona Overview, Recent Posts"
    );
    let text = screen(&app);
    assert!(text.contains("Layout editor: Overview (unsaved)"), "{text}");
    assert!(
        text.contains("Recent Runs"),
        "display names, not ids: {text}"
    );
    assert!(!text.contains("x0 y0"), "{text}");
}

#[test]
fn save_asks_for_a_name_prefilled_and_a_new_name_is_a_new_layout() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('+'));
    press(&mut app, KeyCode::Enter); // Red Flags at the bottom
    assert!(
        message(&app).starts_with("Red Flags added"),
        "{}",
        message(&app)
    );
    assert!(press(&mut app, KeyCode::Char('s')).is_empty());
    // A shared layout is saved as the operator's own copy: the name says whose.
    assert_eq!(prompt_input(&app), "Overview (alice)");
    assert_eq!(
        editor(&app).prompt.as_ref().map(|p| p.purpose),
        Some(NamePurpose::SaveAs)
    );
    let terminal = draw_view(&app, (80, 24));
    let text = terminal.backend().to_string();
    assert!(text.contains("Save layout as"), "{text}");
    assert!(text.contains("name: Overview (alice)"), "{text}");
    let before = text_before_cursor(&terminal).unwrap_or_default();
    assert!(
        before.ends_with("│name: Overview (alice)"),
        "the cursor ends the name: {before:?}"
    );
    app.update(ctrl('u'), app.now);
    // An empty name is refused in place.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(
        editor(&app).prompt.as_ref().unwrap().error.is_some(),
        "an empty name is an error"
    );
    type_text(&mut app, "Night shift");
    assert!(editor(&app).prompt.as_ref().unwrap().error.is_none());
    let config = editor(&app).config.to_json();
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Command::SaveLayout {
            own_id: None,
            name: "Night shift".to_string(),
            config,
        }]
    );
    // Esc in the name line cancels only the name.
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Esc);
    assert!(editor(&app).prompt.is_none());
    assert!(matches!(app.screen, Screen::LayoutEditor(_)));
}

#[test]
fn save_on_an_own_layout_keeps_its_name_or_makes_a_copy_under_another() {
    let mut app = own_editor();
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(prompt_input(&app), "Mine");
    let commands = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&commands[..], [Command::SaveLayout { own_id: Some(i), name, .. }] if *i == id(OWN_LAYOUT_ID) && name == "Mine"),
        "{commands:?}"
    );
    press(&mut app, KeyCode::Char('s'));
    type_text(&mut app, " 2");
    let commands = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&commands[..], [Command::SaveLayout { own_id: None, name, .. }] if name == "Mine 2"),
        "{commands:?}"
    );
}

#[test]
fn rename_an_own_layout_but_not_a_built_in_one() {
    let mut app = own_editor();
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(prompt_input(&app), "Mine");
    assert!(screen(&app).contains("Rename layout"));
    app.update(ctrl('u'), app.now);
    type_text(&mut app, "Evening");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Command::RenameLayout {
            id: id(OWN_LAYOUT_ID),
            name: "Evening".to_string()
        }]
    );
    let renamed = layout_row(
        OWN_LAYOUT_ID,
        Some(mpis_dash::tui::user_id("alice")),
        "Evening",
        on_call_config().to_json(),
    );
    let commands = app.update(Event::Data(DataEvent::LayoutRenamed(Ok(renamed))), app.now);
    assert_eq!(commands, vec![Command::LoadLayouts]);
    assert_eq!(editor(&app).name, "Evening");
    assert_eq!(message(&app), "layout renamed to \"Evening\"");
    assert!(screen(&app).contains("Layout editor: Evening"));
    // A refusal is said and the editor stays.
    app.update(
        Event::Data(DataEvent::LayoutRenamed(Err(
            "name: must be 1 to 200 characters".into(),
        ))),
        app.now,
    );
    assert!(message(&app).starts_with("layout not renamed: name"));

    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(editor(&app).prompt.is_none());
    assert!(app.message.as_ref().unwrap().error);
    assert!(
        message(&app).starts_with("built-in layouts cannot be renamed: \"Overview\" is shared"),
        "{}",
        message(&app)
    );
}

#[test]
fn delete_asks_first_and_built_in_layouts_cannot_be_deleted() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    app.update(char_key('D'), app.now);
    assert!(app.overlay.is_none());
    assert!(
        message(&app).starts_with("built-in layouts cannot be deleted: \"Overview\" is shared"),
        "{}",
        message(&app)
    );

    let mut app = own_editor();
    app.update(char_key('D'), app.now);
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => {
            assert!(confirm.question.contains("Delete your layout \"Mine\"?"));
            assert_eq!(
                confirm.on_yes,
                Command::DeleteLayout {
                    id: id(OWN_LAYOUT_ID)
                }
            );
        }
        other => panic!("no confirm: {other:?}"),
    }
    // n keeps it.
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(matches!(app.screen, Screen::LayoutEditor(_)));
    app.update(char_key('D'), app.now);
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Command::DeleteLayout {
            id: id(OWN_LAYOUT_ID)
        }]
    );
    let commands = app.update(
        Event::Data(DataEvent::LayoutDeleted(Ok("Mine".to_string()))),
        app.now,
    );
    assert_eq!(commands, vec![Command::LoadLayouts]);
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(message(&app), "layout \"Mine\" deleted");
    // The list without it: the default opens.
    app.update(Event::Data(DataEvent::Layouts(Ok(layouts()))), app.now);
    assert_eq!(
        app.current_layout().map(|l| l.name.as_str()),
        Some("Overview")
    );
}

#[test]
fn esc_with_unsaved_changes_asks_save_discard_or_stay() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('l'));
    assert!(editor(&app).unsaved());
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(editor(&app).leaving);
    let text = screen(&app);
    assert!(
        text.contains("The layout \"Overview\" has unsaved changes."),
        "{text}"
    );
    assert!(text.contains("s save · d discard · Esc stay"), "{text}");
    // Esc: stay, changes kept.
    press(&mut app, KeyCode::Esc);
    assert!(!editor(&app).leaving);
    assert!(editor(&app).unsaved());
    // s: the name line.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(prompt_input(&app), "Overview (alice)");
    press(&mut app, KeyCode::Esc);
    // d: discard, back to the dashboard as it was.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(message(&app), "changes discarded");
    assert_eq!(app.slots[0].placement.position.x, 0);
    // No change (focus only): Esc leaves at once.
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn the_footer_fits_80_columns_and_help_has_the_rest() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    let terminal = draw_view(&app, (80, 24));
    let buffer = terminal.backend().buffer();
    let footer: String = (0..80).map(|x| buffer[(x, 21)].symbol()).collect();
    assert_eq!(
        footer,
        "└ Tab next · hjkl move · HJKL size · + add · d del · s save · ? more · Esc ────┘"
    );
    press(&mut app, KeyCode::Char('?'));
    let text = screen(&app);
    for key in [
        "rename your layout",
        "delete your layout (asks first)",
        "save under a name",
        "back (asks if unsaved)",
    ] {
        assert!(text.contains(key), "help names {key:?}: {text}");
    }
    // Wide terminals get every key in the footer.
    let app = loaded_with(options(), (200, 50));
    let mut app = app;
    press(&mut app, KeyCode::Char('e'));
    let text = draw_view(&app, (200, 50)).backend().to_string();
    assert!(
        text.contains("n rename · D delete · R reset · ? help · Esc back"),
        "{text}"
    );
}

#[test]
fn quitting_with_unsaved_changes_asks_first_and_ctrl_c_still_quits() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('l'));
    assert!(editor(&app).unsaved());
    // q asks (the layout would be lost), Esc stays with the changes.
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit);
    assert!(editor(&app).leaving);
    assert!(
        screen(&app).contains("s save · d discard and quit · Esc stay"),
        "{}",
        screen(&app)
    );
    press(&mut app, KeyCode::Esc);
    assert!(!app.should_quit);
    assert!(editor(&app).unsaved());
    // :quit from the palette asks too; d discards and quits.
    type_text(&mut app, ":quit");
    press(&mut app, KeyCode::Enter);
    assert!(!app.should_quit);
    assert!(editor(&app).quitting);
    press(&mut app, KeyCode::Char('d'));
    assert!(app.should_quit);
    // Ctrl-C is the way out that never asks.
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('l'));
    app.update(ctrl('c'), app.now);
    assert!(app.should_quit);
    // Without changes, q quits at once.
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit);
}
