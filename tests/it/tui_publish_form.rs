//! The publish record form: key sequences through `App::update` (pure), and the worker's
//! publish command against PostgreSQL and the MPIS sandbox over real HTTP.

use crate::common;
use crate::tui_common;

use mpis_dash::store::outbox::OutboxState;
use std::time::Duration;

use crate::tui_common::{
    cursor_of, draw_view, id, options, paste, press, started_with, text_before_cursor, type_text,
    under_cursor,
};
use chrono::Utc;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::mpis::sandbox::{self, SandboxFaults};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::store::drafts::{DraftChoice, EarlierPublish};
use mpis_dash::store::outbox::PublishRecord;
use mpis_dash::store::projects::Project;
use mpis_dash::tui::app::{App, Event, Overlay, Screen};
use mpis_dash::tui::clock::Now;
use mpis_dash::tui::forms::publish::PublishFormState;
use mpis_dash::tui::screens::publish_form;
use mpis_dash::tui::worker::{self, Command, DataEvent, PublishOutcome, PublishTargets};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn ctrl(app: &mut App, c: char) -> Vec<Command> {
    app.update(
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
        app.now,
    )
}

fn form(app: &App) -> &PublishFormState {
    match &app.screen {
        Screen::PublishForm(state) => state,
        other => panic!("expected the publish form, got {other:?}"),
    }
}

fn form_mut(app: &mut App) -> &mut PublishFormState {
    match &mut app.screen {
        Screen::PublishForm(state) => state,
        other => panic!("expected the publish form, got {other:?}"),
    }
}

fn open_form(app: &mut App) -> Vec<Command> {
    press(app, KeyCode::Char(':'));
    type_text(app, "publish");
    press(app, KeyCode::Enter)
}

fn drafts() -> Vec<DraftChoice> {
    (1..=3)
        .map(|n| DraftChoice {
            id: id(0xd000 + n),
            draft_no: 1,
            plan_title: format!("Plan {n}"),
            channel: if n == 2 { "instagram" } else { "telegram" }.to_string(),
            persona_name: "Alex".to_string(),
            created_at: tui_common::loaded_at(),
            status: "approved".to_string(),
            published_on: Vec::new(),
            publishes: Vec::new(),
        })
        .collect()
}

#[test]
fn the_palette_opens_the_form_which_loads_the_approved_drafts() {
    let (mut app, _) = started_with(options(), (120, 40));
    assert_eq!(
        open_form(&mut app),
        vec![Command::LoadDrafts, Command::LoadPublishTargets]
    );
    assert!(form(&app).drafts.loading && form(&app).targets.loading);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    assert_eq!(form(&app).drafts.value.as_ref().map(Vec::len), Some(3));
}

#[test]
fn submitting_an_empty_form_names_every_missing_field_and_sends_nothing() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    press(&mut app, KeyCode::Tab); // away from the first field
    assert!(ctrl(&mut app, 's').is_empty());
    let state = form(&app);
    let fields: Vec<&str> = state.errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["draft_id", "channel", "channel_item_id"]);
    assert_eq!(
        state.focus, 0,
        "focus moves to the first field with a problem"
    );
    assert!(state.error(0).is_some());
}

#[test]
fn typed_text_goes_into_fields_not_to_actions_and_a_valid_form_is_sent() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    // Down on the draft field picks drafts (and fills their channel); Up goes back.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(form(&app).form.draft_id_text, id(0xd002).to_string());
    assert_eq!(form(&app).form.channel_text, "instagram");
    press(&mut app, KeyCode::Up);
    assert_eq!(form(&app).form.channel_text, "telegram");
    // "q", "?" and ":" are text here.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "q?:42");
    assert!(!app.should_quit && app.overlay.is_none());
    assert_eq!(form(&app).form.channel_item_id, "q?:42");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "4242");
    let commands = ctrl(&mut app, 's');
    let [Command::Publish(valid)] = commands.as_slice() else {
        panic!("expected one Publish command, got {commands:?}");
    };
    assert_eq!(valid.draft_id(), id(0xd001));
    assert_eq!(valid.channel_item_id(), "q4242");
    let forwarded = valid.forwarded_json();
    assert_eq!(
        forwarded.as_object().map(|o| o.len()),
        Some(4),
        "only MPIS's four fields"
    );
    assert!(form(&app).submitting());
    // While it is in flight, keys do nothing but Esc.
    assert!(ctrl(&mut app, 's').is_empty());
}

#[test]
fn the_time_comes_with_the_events_the_keys_published_at_and_the_ticks_spinner() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "77");
    // Ctrl-S at a moment the test chooses: "published at", left empty, is that moment.
    let pressed = Now {
        instant: app.now.instant,
        wall: tui_common::at("2026-11-24T20:17:07Z"),
    };
    let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
    let commands = app.update(Event::Key(ctrl_s), pressed);
    let [Command::Publish(valid)] = commands.as_slice() else {
        panic!("expected one Publish command, got {commands:?}");
    };
    assert_eq!(valid.published_at(), tui_common::at("2026-11-24T20:17:07Z"));
    assert_shows(&draw_form(&app, (80, 15)), &["submitting… 0s"]);
    // The spinner's elapsed time is the ticks' time since the key.
    app.update(Event::Tick, pressed.later(Duration::from_secs(7)));
    assert!(app.dirty, "the elapsed time counts up");
    assert_shows(&draw_form(&app, (80, 15)), &["submitting… 7s"]);
    app.update(Event::Tick, pressed.later(Duration::from_secs(125)));
    assert_shows(&draw_form(&app, (80, 15)), &["submitting… 2m"]);
}

#[test]
fn the_outcome_is_shown_and_the_form_is_ready_for_the_next_item() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "77");
    ctrl(&mut app, 's');
    app.update(
        Event::Data(DataEvent::Published(Err("database unreachable".into()))),
        app.now,
    );
    assert!(!form(&app).submitting());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.error && m.text.contains("not written"))
    );
    assert_eq!(
        form(&app).form.channel_item_id,
        "77",
        "kept for another try after a failure"
    );
    // Esc leaves, Ctrl-C quits from within the form.
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Dashboard));
    open_form(&mut app);
    ctrl(&mut app, 'c');
    assert!(app.should_quit);
}

#[test]
fn read_only_refuses_the_form() {
    let mut read_only = options();
    read_only.read_only = true;
    let (mut app, _) = started_with(read_only, (120, 40));
    assert!(open_form(&mut app).is_empty());
    assert!(matches!(app.screen, Screen::Dashboard));
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("read-only"))
    );
}

async fn publish(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<DataEvent>,
) -> Result<PublishOutcome, String> {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an answer in time")
            .expect("worker alive");
        if let DataEvent::Published(result) = event {
            return result;
        }
    }
}

#[tokio::test]
async fn the_worker_writes_the_outbox_first_then_forwards_once() {
    let db = common::db().await;
    let persona = common::persona(&db.pool, "Alex").await;
    let draft = common::draft(&db.pool, persona, "telegram").await;
    let sandbox = sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxFaults::none())
        .await
        .unwrap();
    let client = MpisClient::new(MpisConfig::new(sandbox.url())).unwrap();
    let (commands, mut events) = worker::spawn_with_mpis(
        db.pool.clone(),
        "alice".into(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
        Some(client),
    );
    let mut form = PublishFormState::default();
    form.form.draft_id_text = draft.to_string();
    form.form.channel_text = "telegram".into();
    form.form.channel_item_id = "9001".into();
    let valid = form.form.validate(Utc::now()).unwrap();

    commands.send(Command::Publish(valid.clone())).unwrap();
    let outcome = publish(&mut events).await.unwrap();
    assert!(outcome.created);
    assert_eq!(outcome.record.state, OutboxState::Forwarded);
    assert!(
        outcome.note.contains("forwarded to MPIS"),
        "{}",
        outcome.note
    );
    assert_eq!(sandbox.published().len(), 1);
    assert_eq!(outcome.record.created_by.as_deref(), Some("alice"));

    // The same form submitted again is the same record: not written twice, not sent twice.
    commands.send(Command::Publish(valid)).unwrap();
    let again = publish(&mut events).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.record.id, outcome.record.id);
    assert_eq!(sandbox.published().len(), 1);

    // MPIS down: the record is written and stays queued with the reason.
    sandbox.set_faults(SandboxFaults {
        force_5xx: true,
        ..SandboxFaults::none()
    });
    let mut other = PublishFormState::default();
    other.form.draft_id_text = draft.to_string();
    other.form.channel_text = "telegram".into();
    other.form.channel_item_id = "9002".into();
    commands
        .send(Command::Publish(other.form.validate(Utc::now()).unwrap()))
        .unwrap();
    let queued = publish(&mut events).await.unwrap();
    assert_eq!(queued.record.state, OutboxState::Queued);
    assert!(
        queued.note.starts_with("queued, will retry"),
        "{}",
        queued.note
    );
    let audit: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event_type = 'publish_recorded'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(audit, 2, "one audit entry per record written");
}

#[test]
fn the_form_screen_shows_fields_errors_drafts_and_the_outcome() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    press(&mut app, KeyCode::Tab);
    ctrl(&mut app, 's');
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|f| mpis_dash::tui::view::view(&app, f))
        .unwrap();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    for text in [
        "Record a publish",
        "channel item id",
        "✖ required: the content draft that was published",
        "approved drafts (3 of 3;",
        "Plan 2",
        "Ctrl-S submit",
    ] {
        assert!(screen.contains(text), "missing {text:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Taller than the screen: the focused field scrolls into sight (snapshots:
// `tests/snapshots/tui_publish_form__<name>.snap`).

/// The form screen alone in a `width` x `height` area (below 80x24 `view` only says the terminal
/// is too small, but the screen itself must still keep the focused field in sight).
fn draw_form(app: &App, (width, height): (u16, u16)) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| {
            let area = f.area();
            if let Some(cursor) = publish_form::render(app, form(app), area, f.buffer_mut()) {
                f.set_cursor_position(cursor);
            }
        })
        .unwrap();
    terminal
}

fn text_of(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

fn assert_shows(terminal: &Terminal<TestBackend>, texts: &[&str]) {
    let screen = text_of(terminal);
    for text in texts {
        assert!(screen.contains(text), "missing {text:?} in\n{screen}");
    }
}

/// The form with six approved drafts loaded.
fn form_with_drafts() -> App {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    let mut many = drafts();
    for n in 4..=6 {
        let mut draft = many[0].clone();
        draft.id = id(0xd000 + n);
        draft.plan_title = format!("Plan {n}");
        many.push(draft);
    }
    app.update(Event::Data(DataEvent::Drafts(Ok(many))), app.now);
    app
}

#[test]
fn at_80x15_the_picked_draft_a_late_error_and_the_outcome_stay_in_sight() {
    let mut app = form_with_drafts();
    for _ in 0..5 {
        press(&mut app, KeyCode::Down);
    }
    assert_eq!(form(&app).picked, Some(4));
    let terminal = draw_form(&app, (80, 15));
    // Without the intro (too short for it) the form needs no scrolling here; the picker says
    // what it hides above the picked draft.
    assert_shows(&terminal, &["▶ draft", "▸", "Plan 5", "↑ 4 more", "more ↓"]);
    // The picked id is in the field, the cursor after it.
    assert!(text_before_cursor(&terminal).is_some_and(|t| t.ends_with("00000000d005")));
    insta::assert_snapshot!("picked_draft_80x15", terminal.backend());

    // The last field: typed text and its error after Ctrl-S.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "4242");
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "last tuesday");
    let terminal = draw_form(&app, (80, 15));
    assert_shows(&terminal, &["▶ published at (empty = now)", "last tuesday"]);
    assert!(
        text_before_cursor(&terminal)
            .is_some_and(|t| t.ends_with("published at (empty = now)  last tuesday"))
    );
    assert!(ctrl(&mut app, 's').is_empty());
    assert_eq!(form(&app).focus, 6, "the only bad field");
    let terminal = draw_form(&app, (80, 15));
    assert_shows(&terminal, &["▶ published at", "last tuesday", "✖"]);
    insta::assert_snapshot!("published_at_error_80x15", terminal.backend());

    // Corrected and sent: the spinner, then the outcome.
    for _ in 0.."last tuesday".len() {
        press(&mut app, KeyCode::Backspace);
    }
    assert_eq!(ctrl(&mut app, 's').len(), 1);
    assert_shows(&draw_form(&app, (80, 15)), &["submitting…"]);
    app.update(
        Event::Data(DataEvent::Published(Err("database unreachable".into()))),
        app.now,
    );
    let terminal = draw_form(&app, (80, 15));
    assert_shows(
        &terminal,
        &["▶ published at", "not written: database unreachable"],
    );

    // Back on the draft field, the picked draft is in sight again.
    for _ in 0..6 {
        press(&mut app, KeyCode::BackTab);
    }
    assert_eq!(form(&app).focus, 0);
    assert_shows(&draw_form(&app, (80, 15)), &["▶ draft", "Plan 5"]);
}

/// Three recent runs (run_ids 0x1001..) of projects 0x2001.., and those projects plus one more,
/// newest first.
fn targets() -> PublishTargets {
    let runs = tui_common::run_rows()
        .into_iter()
        .take(3)
        .collect::<Vec<_>>();
    let mut projects: Vec<Project> = runs
        .iter()
        .map(|run| Project {
            id: run.project_id,
            name: run.project_name.clone(),
            persona_id: run.persona_id,
            channels: vec!["telegram".into(), "youtube".into()],
            created_at: tui_common::loaded_at(),
        })
        .collect();
    projects.push(Project {
        id: id(0x2999),
        name: "Quiet Project".into(),
        persona_id: id(0x3999),
        channels: vec!["tiktok".into()],
        created_at: tui_common::loaded_at(),
    });
    PublishTargets { runs, projects }
}

#[test]
fn channel_run_and_project_are_picked_with_up_and_down() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    // The approved drafts (the typed one among them, so no question before sending).
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    app.update(
        Event::Data(DataEvent::PublishTargets(Ok(targets()))),
        app.now,
    );
    // Channel: cycles MPIS's four, from what is typed.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Down);
    assert_eq!(form(&app).form.channel_text, "telegram");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(form(&app).form.channel_text, "tiktok");
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    assert_eq!(form(&app).form.channel_text, "youtube", "wraps around");
    assert!(text_of(&draw_form(&app, (120, 40))).contains("Up/Down: telegram · instagram"));
    // Run: the second recent run fills the run id and its project.
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    assert_eq!(form(&app).focus, 4);
    let screen = text_of(&draw_form(&app, (120, 40)));
    assert!(
        screen.contains("recent runs (3), Up/Down on the run field"),
        "{screen}"
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    let expected_run = targets().runs[1].clone();
    assert_eq!(form(&app).picked_run, Some(1));
    assert_eq!(form(&app).form.run_id_text, expected_run.run_id.to_string());
    assert_eq!(
        form(&app).form.project_id_text,
        expected_run.project_id.to_string()
    );
    assert_eq!(form(&app).picked_project, Some(1));
    let screen = text_of(&draw_form(&app, (120, 40)));
    let picked_row = screen
        .lines()
        .find(|l| l.contains("▸"))
        .unwrap_or_default()
        .to_string();
    assert!(
        picked_row.contains(&expected_run.project_name),
        "{picked_row}"
    );
    // Project: Up from the run's project goes to the newer one; the list wraps.
    press(&mut app, KeyCode::Tab);
    assert!(text_of(&draw_form(&app, (120, 40))).contains("projects (4), Up/Down"));
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    assert_eq!(form(&app).picked_project, Some(3));
    assert_eq!(form(&app).form.project_id_text, id(0x2999).to_string());
    // What was picked is what is sent.
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::BackTab);
    type_text(&mut app, "item-1");
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::BackTab);
    type_text(&mut app, &id(0xd001).to_string());
    let commands = ctrl(&mut app, 's');
    match commands.as_slice() {
        [Command::Publish(valid)] => {
            assert_eq!(valid.run_id(), Some(expected_run.run_id));
            assert_eq!(valid.project_id(), Some(id(0x2999)));
        }
        other => panic!("expected one publish, got {other:?}"),
    }
}

#[test]
fn run_and_project_pickers_say_what_is_missing() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    let screen = text_of(&draw_form(&app, (120, 40)));
    assert!(screen.contains("loading recent runs and projects…"));
    app.update(
        Event::Data(DataEvent::PublishTargets(Err("timeout".into()))),
        app.now,
    );
    let screen = text_of(&draw_form(&app, (120, 40)));
    assert!(screen.contains("cannot load runs and projects: timeout"));
    let empty = PublishTargets::default();
    app.update(Event::Data(DataEvent::PublishTargets(Ok(empty))), app.now);
    assert!(press(&mut app, KeyCode::Down).is_empty());
    assert_eq!(form(&app).form.run_id_text, "");
    assert!(text_of(&draw_form(&app, (120, 40))).contains("no runs in this database"));
    press(&mut app, KeyCode::Tab);
    assert!(text_of(&draw_form(&app, (120, 40))).contains("no projects in this database"));
}

#[tokio::test]
async fn the_worker_loads_recent_runs_and_projects_to_pick_from() {
    let db = common::db().await;
    mpis_dash::demo_data::seed_demo(&db.pool).await.unwrap();
    let (commands, mut events) = worker::spawn(
        db.pool.clone(),
        "alice".into(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
    );
    commands.send(Command::LoadPublishTargets).unwrap();
    let targets = loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an answer in time")
            .expect("worker alive");
        if let DataEvent::PublishTargets(result) = event {
            break result.unwrap();
        }
    };
    assert_eq!(
        targets.runs.len(),
        50,
        "the 50 most recent of the demo's 120 runs"
    );
    assert!(
        targets
            .runs
            .windows(2)
            .all(|w| w[0].started_at >= w[1].started_at)
    );
    assert_eq!(targets.projects.len(), 3);
    // Each run's project is among the projects offered.
    assert!(
        targets
            .runs
            .iter()
            .all(|r| targets.projects.iter().any(|p| p.id == r.project_id))
    );
}

#[test]
fn help_on_the_form_names_every_picker_within_the_popup() {
    let (mut app, _) = started_with(options(), (80, 40));
    open_form(&mut app);
    app.overlay = Some(mpis_dash::tui::app::Overlay::Help { scroll: 0 });
    let mut terminal = Terminal::new(TestBackend::new(80, 40)).unwrap();
    terminal
        .draw(|f| mpis_dash::tui::view::view(&app, f))
        .unwrap();
    assert_shows(
        &terminal,
        &[
            "pick an approved draft",
            "cycle the four channels",
            "pick a recent run (fills its project)",
            "pick a project",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// The record's current state, drafts that are not approved, the picker's marks and room.

/// A publish record of draft 0xd001 on telegram in `state`.
fn record(state: &str) -> PublishRecord {
    PublishRecord {
        id: id(0x8001),
        idempotency_key: "key-1".into(),
        run_id: None,
        project_id: None,
        persona_id: None,
        published_at: tui_common::at("2025-05-20T09:00:00Z"),
        draft_id: id(0xd001),
        channel: "telegram".into(),
        channel_item_id: Some("4242".into()),
        channel_url: None,
        state: state.parse().expect("an outbox state"),
        attempts: 1,
        last_error: (state == "queued").then(|| "MPIS failed (HTTP 503)".to_string()),
        next_attempt_at: tui_common::at("2025-05-20T09:00:30Z"),
        mpis_published_item_id: (state == "forwarded").then(|| id(0xc0de)),
        forwarded_at: None,
        created_by: Some("alice".into()),
        created_at: tui_common::at("2025-05-20T09:00:00Z"),
    }
}

/// The form after submitting a record MPIS did not take yet (queued).
fn form_with_queued_record() -> App {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "4242");
    assert_eq!(ctrl(&mut app, 's').len(), 1);
    let queued = record("queued");
    let note = worker::publish_note(&queued, true);
    app.update(
        Event::Data(DataEvent::Published(Ok(PublishOutcome {
            record: queued,
            created: true,
            note,
        }))),
        app.now,
    );
    app
}

fn screen_of(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|f| mpis_dash::tui::view::view(app, f))
        .unwrap();
    text_of(&terminal)
}

#[test]
fn the_form_and_the_status_line_follow_the_record_until_it_is_forwarded() {
    let mut app = form_with_queued_record();
    let screen = screen_of(&app);
    assert!(
        screen.contains("[QUEUED] queued, will retry at 09:00:30 UTC: MPIS failed (HTTP 503)"),
        "{screen}"
    );
    // The outbox forwarded it: the NOTIFY on publish_records re-reads the record.
    let commands = app.update(
        Event::Data(DataEvent::Changed(vec!["publish_records".into()])),
        app.now,
    );
    assert_eq!(commands, vec![Command::LoadPublishRecord(id(0x8001))]);
    let forwarded = record("forwarded");
    let note = worker::publish_note(&forwarded, true);
    app.update(
        Event::Data(DataEvent::PublishRecordLoaded(
            id(0x8001),
            Ok((forwarded, note)),
        )),
        app.now,
    );
    let published = format!("forwarded to MPIS: published item {}", id(0xc0de));
    let screen = screen_of(&app);
    assert!(
        screen.contains(&format!("[FORWARDED] {published}")),
        "{screen}"
    );
    assert!(!screen.contains("QUEUED") && !screen.contains("will retry"));
    let message = app.message.as_ref().expect("a status line message");
    assert_eq!(message.text, format!("publish record: {published}"));
    assert!(!message.error);
    // Final: no more re-reads.
    assert!(
        app.update(
            Event::Data(DataEvent::Changed(vec!["publish_records".into()])),
            app.now
        )
        .is_empty()
    );
}

#[test]
fn without_notify_the_refresh_polls_the_queued_record_and_shows_a_refusal() {
    let mut app = form_with_queued_record();
    // The refresh (every interval, or `r`... here the tick after the interval) re-reads it.
    let commands = app.refresh_all();
    assert!(commands.contains(&Command::LoadPublishRecord(id(0x8001))));
    // An unchanged record changes nothing.
    let same = record("queued");
    let note = worker::publish_note(&same, true);
    app.message = None;
    app.update(
        Event::Data(DataEvent::PublishRecordLoaded(id(0x8001), Ok((same, note)))),
        app.now,
    );
    assert!(app.message.is_none());
    // MPIS refused it for good: said in red, with the reason.
    let mut failed = record("failed");
    failed.last_error = Some("MPIS refused (HTTP 422): unknown draft".into());
    let note = worker::publish_note(&failed, true);
    app.update(
        Event::Data(DataEvent::PublishRecordLoaded(
            id(0x8001),
            Ok((failed, note)),
        )),
        app.now,
    );
    let screen = screen_of(&app);
    assert!(
        screen.contains("[FAILED] MPIS refused it: MPIS refused (HTTP 422): unknown draft"),
        "{screen}"
    );
    assert!(app.message.as_ref().is_some_and(|m| m.error));
}

/// Types a draft id into the draft field (no picked draft).
fn type_draft_id(app: &mut App, draft: uuid::Uuid) -> Vec<Command> {
    type_text(app, &draft.to_string())
}

#[test]
fn a_typed_draft_that_is_not_approved_is_warned_about_and_asked_about() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    let typed = id(0xd0f1);
    // The id, once complete, is looked up (it is not among the approved drafts).
    assert_eq!(
        type_draft_id(&mut app, typed),
        vec![Command::LookupDraft(typed)]
    );
    assert!(screen_of(&app).contains("· checking its status…"));
    let mut unapproved = drafts()[0].clone();
    unapproved.id = typed;
    unapproved.status = "draft".into();
    app.update(
        Event::Data(DataEvent::DraftLookedUp(typed, Ok(Some(unapproved)))),
        app.now,
    );
    let screen = screen_of(&app);
    assert!(screen.contains("⚠ not approved (status draft)"), "{screen}");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "telegram");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "77");
    // Ctrl-S asks first; No sends nothing and keeps the form.
    assert!(ctrl(&mut app, 's').is_empty());
    let question = format!("Draft {typed} is not approved (status draft): publish anyway?");
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => assert_eq!(confirm.question, question),
        other => panic!("expected the confirm, got {other:?}"),
    }
    assert!(!form(&app).submitting());
    assert!(screen_of(&app).contains("publish anyway?"));
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert_eq!(form(&app).form.channel_item_id, "77");
    // Yes sends it, and the form waits for the answer.
    ctrl(&mut app, 's');
    let commands = press(&mut app, KeyCode::Char('y'));
    match commands.as_slice() {
        [Command::Publish(valid)] => assert_eq!(valid.draft_id(), typed),
        other => panic!("expected the publish, got {other:?}"),
    }
    assert!(form(&app).submitting());

    // A draft this database does not have is said too.
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    type_draft_id(&mut app, typed);
    app.update(
        Event::Data(DataEvent::DraftLookedUp(typed, Ok(None))),
        app.now,
    );
    assert!(screen_of(&app).contains("⚠ no such draft in this database"));

    // An approved draft typed by id is sent without a question.
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    assert!(
        type_draft_id(&mut app, id(0xd001)).is_empty(),
        "in the list"
    );
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "telegram");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "78");
    assert!(matches!(
        ctrl(&mut app, 's').as_slice(),
        [Command::Publish(_)]
    ));
    assert!(app.overlay.is_none());
}

/// `n` approved drafts, the first published on its channel, the second on another one.
fn many_drafts(n: u128) -> Vec<DraftChoice> {
    (1..=n)
        .map(|k| {
            let mut draft = drafts()[0].clone();
            draft.id = id(0xd000 + k);
            draft.plan_title = format!("Plan {k}");
            draft.published_on = match k {
                1 => vec!["telegram".into()],
                2 => vec!["youtube".into()],
                _ => Vec::new(),
            };
            draft.publishes = draft
                .published_on
                .iter()
                .map(|channel| EarlierPublish {
                    channel: channel.clone(),
                    channel_item_id: Some("7".into()),
                    published_at: tui_common::loaded_at(),
                    queued: false,
                })
                .collect();
            draft
        })
        .collect()
}

#[test]
fn the_picker_marks_published_drafts_and_fills_the_height_it_has() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(many_drafts(40)))), app.now);
    let terminal = draw_form(&app, (120, 40));
    let screen = text_of(&terminal);
    assert!(
        screen.contains("approved drafts (40 of 40; ✓ published on its channel, ○ elsewhere)"),
        "{screen}"
    );
    let row = |title: &str| {
        screen
            .lines()
            .find(|l| l.contains(&format!("{title} ")))
            .unwrap_or_else(|| panic!("no {title} in {screen}"))
            .to_string()
    };
    assert!(row("Plan 1").contains("✓ telegram"), "{}", row("Plan 1"));
    assert!(row("Plan 2").contains("○ telegram"), "{}", row("Plan 2"));
    assert!(row("Plan 3").contains("    telegram"), "{}", row("Plan 3"));
    // 40 rows tall: the picker shows as many drafts (two lines each) as fit, not five.
    let shown = screen.lines().filter(|l| l.contains("Plan ")).count();
    assert!(shown >= 12, "only {shown} drafts shown:\n{screen}");
    assert!(!screen.contains("more ↓") || shown < 40);
    // The picked draft stays in sight further down the list, and says it is published.
    for _ in 0..30 {
        press(&mut app, KeyCode::Down);
    }
    let screen = text_of(&draw_form(&app, (120, 40)));
    assert!(
        screen.contains("▸") && screen.contains("Plan 30"),
        "{screen}"
    );
    // Back to the first one, published on telegram (its channel, filled in).
    for _ in 0..29 {
        press(&mut app, KeyCode::Up);
    }
    assert_eq!(form(&app).picked, Some(0));
    let screen = text_of(&draw_form(&app, (120, 40)));
    assert!(
        screen.contains("⚠ already published here 05-20 12:00 UTC (item 7)"),
        "{screen}"
    );
}

#[tokio::test]
async fn the_worker_reads_drafts_with_their_publishes_and_the_record_as_it_is_now() {
    let db = common::db().await;
    let persona = common::persona(&db.pool, "Alex").await;
    let approved = common::draft(&db.pool, persona, "telegram").await;
    let elsewhere = common::draft(&db.pool, persona, "telegram").await;
    let unapproved = common::draft(&db.pool, persona, "instagram").await;
    sqlx::query("UPDATE content_drafts SET status = 'approved' WHERE id = ANY($1)")
        .bind(vec![approved, elsewhere])
        .execute(&db.pool)
        .await
        .unwrap();
    common::published_item(&db.pool, approved, "telegram", "1", Utc::now()).await;
    // Only queued (not yet forwarded) records count besides MPIS's published items.
    let sandbox = sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        SandboxFaults {
            force_5xx: true,
            ..SandboxFaults::none()
        },
    )
    .await
    .unwrap();
    let client = MpisClient::new(MpisConfig::new(sandbox.url())).unwrap();
    let (commands, mut events) = worker::spawn_with_mpis(
        db.pool.clone(),
        "alice".into(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
        Some(client.clone()),
    );
    let mut form = PublishFormState::default();
    form.form.draft_id_text = elsewhere.to_string();
    form.form.channel_text = "YouTube".into();
    form.form.channel_item_id = "v1".into();
    commands
        .send(Command::Publish(form.form.validate(Utc::now()).unwrap()))
        .unwrap();
    let queued = publish(&mut events).await.unwrap();
    assert_eq!(queued.record.state, OutboxState::Queued);

    commands.send(Command::LoadDrafts).unwrap();
    let listed = next(&mut events, |e| match e {
        DataEvent::Drafts(r) => Some(r),
        _ => None,
    })
    .await
    .unwrap();
    let published_on = |id| {
        listed
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.published_on.clone())
    };
    assert_eq!(listed.len(), 2, "the approved ones");
    assert_eq!(published_on(approved), Some(vec!["telegram".to_string()]));
    assert_eq!(published_on(elsewhere), Some(vec!["youtube".to_string()]));
    // Each earlier publish with its item and whether it is still queued (what a confirm names).
    let publishes = |id| {
        listed
            .iter()
            .find(|d| d.id == id)
            .map(|d| {
                d.publishes
                    .iter()
                    .map(|p| (p.channel.clone(), p.channel_item_id.clone(), p.queued))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        publishes(approved),
        [("telegram".to_string(), Some("1".to_string()), false)]
    );
    assert_eq!(
        publishes(elsewhere),
        [("youtube".to_string(), Some("v1".to_string()), true)]
    );

    commands.send(Command::LookupDraft(unapproved)).unwrap();
    let (asked, found) = next(&mut events, |e| match e {
        DataEvent::DraftLookedUp(id, r) => Some((id, r)),
        _ => None,
    })
    .await;
    assert_eq!(asked, unapproved);
    let found = found.unwrap().expect("in the database");
    assert_eq!(
        (found.status.as_str(), found.channel.as_str()),
        ("draft", "instagram")
    );
    commands.send(Command::LookupDraft(id(0xdead))).unwrap();
    let (_, missing) = next(&mut events, |e| match e {
        DataEvent::DraftLookedUp(id, r) => Some((id, r)),
        _ => None,
    })
    .await;
    assert_eq!(missing, Ok(None));

    // MPIS is back and the outbox forwards the record: re-read, it says so.
    sandbox.set_faults(SandboxFaults::none());
    sqlx::query("UPDATE publish_records SET next_attempt_at = now()")
        .execute(&db.pool)
        .await
        .unwrap();
    mpis_dash::jobs::outbox::Forwarder::new(db.pool.clone(), client)
        .run_once()
        .await
        .unwrap();
    commands
        .send(Command::LoadPublishRecord(queued.record.id))
        .unwrap();
    let (asked, now) = next(&mut events, |e| match e {
        DataEvent::PublishRecordLoaded(id, r) => Some((id, r)),
        _ => None,
    })
    .await;
    assert_eq!(asked, queued.record.id);
    let (record, note) = now.unwrap();
    assert_eq!(record.state, OutboxState::Forwarded);
    assert!(
        note.starts_with("forwarded to MPIS: published item "),
        "{note}"
    );
}

/// The next event `pick` takes, skipping others.
async fn next<T>(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<DataEvent>,
    pick: impl Fn(DataEvent) -> Option<T>,
) -> T {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an answer in time")
            .expect("worker alive");
        if let Some(found) = pick(event) {
            return found;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Editing text: the cursor, sideways scrolling, pasted text

#[test]
fn a_long_url_scrolls_sideways_and_text_goes_in_at_the_cursor() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    for _ in 0..2 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "4242");
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    type_text(&mut app, "-");
    assert_eq!(form(&app).form.channel_item_id, "42-42");

    press(&mut app, KeyCode::Tab);
    let url = format!("https://example.org/{}", "x".repeat(60)); // 80 columns
    type_text(&mut app, &url);
    // At 80 columns the field has 78 - 30 = 48; the cursor keeps the last one.
    let terminal = draw_view(&app, (80, 24));
    let (x, _) = cursor_of(&terminal).expect("a cursor");
    assert_eq!(x, 1 + 30 + 47);
    let row = text_before_cursor(&terminal).unwrap_or_default();
    assert!(
        row.ends_with(&format!("channel url                 {}", &url[33..])),
        "{row:?}"
    );
    ctrl(&mut app, 'a');
    let terminal = draw_view(&app, (80, 24));
    assert_eq!(cursor_of(&terminal).map(|(x, _)| x), Some(1 + 30));
    assert_eq!(under_cursor(&terminal).as_deref(), Some("h"));
    assert!(text_of(&terminal).contains(&url[..48]));
    assert_eq!(form(&app).form.channel_url, url, "nothing lost");
}

#[test]
fn pasted_text_goes_into_the_focused_field_as_one_line_and_never_as_keys() {
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    app.update(Event::Data(DataEvent::Drafts(Ok(drafts()))), app.now);
    // A pasted draft id (copied with its line break) is looked up like a typed one.
    let other = id(0xd0ff);
    let commands = paste(&mut app, &format!("{other}\n"));
    assert_eq!(form(&app).form.draft_id_text, other.to_string());
    assert_eq!(commands, vec![Command::LookupDraft(other)]);
    // "q", ":" and "?" pasted are text; line breaks become spaces.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    paste(&mut app, "q:?\r\n42");
    assert!(!app.should_quit && app.overlay.is_none());
    assert_eq!(form(&app).form.channel_item_id, "q:? 42");
    // While the submission is in flight nothing takes a paste.
    form_mut(&mut app).submitted_at = Some(app.now.instant);
    paste(&mut app, "more");
    assert_eq!(form(&app).form.channel_item_id, "q:? 42");
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("paste ignored"))
    );
}
