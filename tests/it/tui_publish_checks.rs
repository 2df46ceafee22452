//! The publish form refuses wrong data (issue 10): a channel that is neither known nor
//! configured, a warning for a channel other than the draft's plan's, a confirm naming the
//! earlier publish on that channel, a picker that filters as you type and tells same-titled
//! drafts apart, and a field's error that goes when the field changes. Key sequences through
//! `App::update` at 80x24, drawn with the whole view.

use crate::tui_common::{self, draw_view, id, options, press, started_with, type_text};
use mpis_dash::store::drafts::{DraftChoice, EarlierPublish};
use mpis_dash::tui::app::{App, AppOptions, Event, Overlay, Screen};
use mpis_dash::tui::forms::publish::PublishFormState;
use mpis_dash::tui::worker::{Command, DataEvent};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SIZE: (u16, u16) = (80, 24);

fn form(app: &App) -> &PublishFormState {
    match &app.screen {
        Screen::PublishForm(state) => state,
        other => panic!("expected the publish form, got {other:?}"),
    }
}

fn submit(app: &mut App) -> Vec<Command> {
    app.update(
        Event::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
        app.now,
    )
}

/// The screen's text with wrapped lines joined again (each row's inside, trimmed, joined by a
/// space: ratatui wraps at spaces).
fn screen(app: &App) -> String {
    flat(&draw_view(app, SIZE).backend().to_string())
}

fn flat(text: &str) -> String {
    text.lines()
        .map(|row| {
            row.trim_matches('"')
                .trim_start_matches(['│', '┌', '└'])
                .trim_end_matches(['│', '┐', '┘'])
                .trim_end()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn draft(n: u128, title: &str, persona: &str, channel: &str) -> DraftChoice {
    DraftChoice {
        id: id(0xd000 + n),
        draft_no: n as i32,
        status: "approved".into(),
        plan_title: title.into(),
        channel: channel.into(),
        persona_name: persona.into(),
        created_at: tui_common::at(&format!("2026-11-2{n}T09:30:00Z")),
        published_on: Vec::new(),
        publishes: Vec::new(),
    }
}

/// Four approved drafts: two with the same title (other personas), one already published on
/// telegram (its plan's channel), one planned for youtube with a long title.
fn drafts() -> Vec<DraftChoice> {
    let mut published = draft(3, "Balcony tomatoes in March", "Sofia", "telegram");
    published.published_on = vec!["telegram".into()];
    published.publishes = vec![EarlierPublish {
        channel: "telegram".into(),
        channel_item_id: Some("msg-41".into()),
        published_at: tui_common::at("2026-11-30T18:05:00Z"),
        queued: false,
    }];
    vec![
        draft(1, "Morning routine", "Maria", "telegram"),
        draft(2, "Morning routine", "Alex", "telegram"),
        published,
        draft(
            4,
            "Why a startup's first hundred customers teach more than any investor deck ever will",
            "Ivan",
            "youtube",
        ),
    ]
}

fn open_with(options: AppOptions) -> App {
    let (mut app, _) = started_with(options, SIZE);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "publish");
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    app
}

fn open() -> App {
    open_with(options())
}

/// Types into the focused field after clearing it (Ctrl-U clears to the start).
fn replace_text(app: &mut App, text: &str) {
    press(app, KeyCode::End);
    app.update(
        Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        app.now,
    );
    type_text(app, text);
}

#[test]
fn an_unknown_channel_is_refused_naming_the_field_and_its_error_goes_when_it_changes() {
    let mut app = open();
    type_text(&mut app, "balcony");
    press(&mut app, KeyCode::Enter); // takes the one match, on to the channel
    assert_eq!(form(&app).focus, 1);
    replace_text(&mut app, "telegarm");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "msg-42");
    assert!(submit(&mut app).is_empty(), "nothing is sent");
    let state = form(&app);
    assert_eq!(state.focus, 1, "focus on the channel");
    let error = state.error(1).expect("the channel's error");
    assert!(
        error.starts_with("\"telegarm\" is not a known channel: did you mean telegram?"),
        "{error}"
    );
    let shown = screen(&app);
    assert!(shown.contains("✖ \"telegarm\" is not a known"), "{shown}");
    // Changing the field takes its error away (before any new submit); others stay.
    press(&mut app, KeyCode::Backspace);
    assert_eq!(form(&app).error(1), None);
    assert!(!screen(&app).contains("not a known channel"));
}

#[test]
fn a_configured_channel_is_accepted() {
    let mut app = open_with(AppOptions {
        channels: vec!["mastodon".into()],
        ..options()
    });
    type_text(&mut app, "Maria");
    press(&mut app, KeyCode::Enter);
    replace_text(&mut app, "Mastodon");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "post-9");
    match submit(&mut app).as_slice() {
        [Command::Publish(valid)] => assert_eq!(valid.channel().as_str(), "mastodon"),
        other => panic!("expected the publish, got {other:?}"),
    }
}

#[test]
fn a_channel_other_than_the_plans_is_warned_about_but_sent() {
    let mut app = open();
    type_text(&mut app, "investor");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        form(&app).form.channel_text,
        "youtube",
        "the plan's channel"
    );
    replace_text(&mut app, "tiktok");
    let shown = screen(&app);
    assert!(
        shown.contains("⚠ the draft was planned for youtube, not tiktok"),
        "{shown}"
    );
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "v-1");
    assert!(
        matches!(submit(&mut app).as_slice(), [Command::Publish(_)]),
        "a warning, not a refusal"
    );
    assert!(app.overlay.is_none());
}

#[test]
fn publishing_again_on_the_same_channel_asks_naming_the_earlier_publish() {
    let mut app = open();
    type_text(&mut app, "balcony");
    // The picker marks it published on its channel.
    let shown = screen(&app);
    assert!(shown.contains("✓ telegram   Balcony tomatoes"), "{shown}");
    press(&mut app, KeyCode::Enter);
    assert!(
        screen(&app).contains("⚠ already published here 11-30 18:05 UTC (item msg-41)"),
        "{}",
        screen(&app)
    );
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "msg-50");
    assert!(submit(&mut app).is_empty(), "asks first");
    let question = match &app.overlay {
        Some(Overlay::Confirm(confirm)) => confirm.question.clone(),
        other => panic!("expected the confirm, got {other:?}"),
    };
    assert_eq!(
        question,
        "Draft \"Balcony tomatoes in March\" was already published on telegram 2026-11-30 18:05 UTC (item msg-41). Record another publish?"
    );
    // No: nothing sent, the form as it was.
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(!form(&app).submitting());
    assert_eq!(form(&app).form.channel_item_id, "msg-50");
    // Another channel: no question.
    press(&mut app, KeyCode::BackTab);
    replace_text(&mut app, "instagram");
    assert!(
        !screen(&app).contains("already published here"),
        "nothing published on instagram"
    );
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::Tab);
    replace_text(&mut app, "telegram");
    // Yes: sent.
    submit(&mut app);
    match press(&mut app, KeyCode::Char('y')).as_slice() {
        [Command::Publish(valid)] => assert_eq!(valid.draft_id(), id(0xd003)),
        other => panic!("expected the publish, got {other:?}"),
    }
}

#[test]
fn the_picker_filters_as_you_type_and_tells_same_titled_drafts_apart() {
    let mut app = open();
    let shown = screen(&app);
    // Persona, creation date, short id and draft number under each title.
    assert!(
        shown.contains("Maria · 2026-11-21 09:30 UTC · #"),
        "persona and date:\n{shown}"
    );
    type_text(&mut app, "morning");
    let state = form(&app);
    assert_eq!(state.visible_drafts(), [0, 1]);
    let shown = screen(&app);
    assert!(shown.contains("(2 of 4 matching \"morning\""), "{shown}");
    assert!(
        shown.contains("Maria ·") && shown.contains("Alex ·"),
        "{shown}"
    );
    // Down picks among the matches only; Enter takes it.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(form(&app).picked, Some(1));
    press(&mut app, KeyCode::Enter);
    assert_eq!(form(&app).form.draft_id_text, id(0xd002).to_string());
    assert_eq!(form(&app).focus, 1);
    // Nothing matches: said so.
    let mut app = open();
    type_text(&mut app, "zebra");
    assert!(form(&app).visible_drafts().is_empty());
    assert!(screen(&app).contains("none matches"));
}

#[test]
fn a_long_title_is_shown_whole_at_80x24() {
    let mut app = open();
    type_text(&mut app, "ivan");
    let terminal = draw_view(&app, SIZE);
    let shown = flat(&terminal.backend().to_string());
    // Wrapped, not cut.
    assert!(
        shown.contains("first hundred customers teach more than any investor deck ever will"),
        "{shown}"
    );
    insta::assert_snapshot!("publish_picker_filtered_80x24", terminal.backend());
}

#[test]
fn after_a_publish_the_drafts_are_read_again_so_the_next_one_on_that_channel_asks() {
    let mut app = open();
    type_text(&mut app, "Maria");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "m-1");
    assert!(matches!(submit(&mut app).as_slice(), [Command::Publish(_)]));
    let record = mpis_dash::store::outbox::PublishRecord {
        id: id(0x8001),
        idempotency_key: "key-1".into(),
        run_id: None,
        project_id: None,
        persona_id: None,
        published_at: tui_common::at("2026-12-01T08:00:00Z"),
        draft_id: id(0xd001),
        channel: "telegram".into(),
        channel_item_id: Some("m-1".into()),
        channel_url: None,
        state: "forwarded".parse().expect("a state"),
        attempts: 1,
        last_error: None,
        next_attempt_at: tui_common::at("2026-12-01T08:00:00Z"),
        mpis_published_item_id: Some(id(0xc0de)),
        forwarded_at: None,
        created_by: Some("alice".into()),
        created_at: tui_common::at("2026-12-01T08:00:00Z"),
    };
    let outcome = mpis_dash::tui::worker::PublishOutcome {
        record,
        created: true,
        note: "forwarded to MPIS".into(),
    };
    let commands = app.update(Event::Data(DataEvent::Published(Ok(outcome))), app.now);
    assert_eq!(commands, vec![Command::LoadDrafts]);
    // The list comes back in another order, the draft now published on telegram.
    let mut again = drafts();
    again.reverse();
    let maria = again.iter_mut().find(|d| d.id == id(0xd001)).unwrap();
    maria.published_on = vec!["telegram".into()];
    maria.publishes = vec![EarlierPublish {
        channel: "telegram".into(),
        channel_item_id: Some("m-1".into()),
        published_at: tui_common::at("2026-12-01T08:00:00Z"),
        queued: false,
    }];
    app.update(Event::Data(DataEvent::Drafts(Ok(again))), app.now);
    assert_eq!(form(&app).picked, Some(3), "still the same draft, by id");
    type_text(&mut app, "m-2");
    assert!(submit(&mut app).is_empty(), "asks first");
    assert!(matches!(&app.overlay, Some(Overlay::Confirm(c)) if c.question.contains("(item m-1)")));
}
