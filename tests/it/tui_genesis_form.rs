//! The genesis start form: key sequences through `App::update` (pure), what the screen shows,
//! and the worker's genesis start against the MPIS sandbox over real HTTP (with cancelling).

use crate::common;
use crate::tui_common;

use std::time::Duration;

use crate::tui_common::{
    cursor_of, draw_view, id, options, paste, press, started_with, text_before_cursor, type_text,
    under_cursor,
};
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::mpis::sandbox::{self, SandboxFaults};
use mpis_dash::mpis::types::{GenesisStartResponse, JobStatus, PersonaCard};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::store::genesis::PendingGenesisJob;
use mpis_dash::tui::app::{App, Event, Overlay, Screen};
use mpis_dash::tui::forms::genesis::GenesisFormState;
use mpis_dash::tui::forms::genesis_job::LATEST_DRAFT;
use mpis_dash::tui::screens::genesis_form;
use mpis_dash::tui::worker::{self, Command, DataEvent};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

fn ctrl(app: &mut App, c: char) -> Vec<Command> {
    app.update(
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
        app.now,
    )
}

fn form(app: &App) -> &GenesisFormState {
    match &app.screen {
        Screen::GenesisForm(state) => state,
        other => panic!("expected the genesis form, got {other:?}"),
    }
}

fn open_form(app: &mut App) -> Vec<Command> {
    press(app, KeyCode::Char(':'));
    type_text(app, "genesis");
    press(app, KeyCode::Enter)
}

fn app_with_form() -> App {
    let (mut app, _) = started_with(options(), (120, 40));
    // The form reads the jobs awaiting approval (starting a name again asks first).
    assert_eq!(open_form(&mut app), vec![Command::LoadGenesisJobs]);
    app.update(Event::Data(DataEvent::GenesisJobs(Ok(Vec::new()))), app.now);
    form(&app);
    app
}

fn status(app: &App) -> &str {
    app.message.as_ref().map_or("", |m| m.text.as_str())
}

#[test]
fn an_empty_submit_names_persona_name_and_sends_nothing() {
    let mut app = app_with_form();
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert!(ctrl(&mut app, 's').is_empty());
    let state = form(&app);
    let fields: Vec<&str> = state.errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["persona_name"]);
    assert_eq!(state.focus, 0, "focus moves to the first bad field");
    assert_eq!(state.errors_of(0), ["required"]);
    assert!(!state.submitting());
}

#[test]
fn public_persona_requires_a_public_name() {
    let mut app = app_with_form();
    type_text(&mut app, "Tim Keller");
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    press(&mut app, KeyCode::Char(' '));
    assert!(form(&app).form.public_persona);
    assert!(ctrl(&mut app, 's').is_empty());
    let state = form(&app);
    let fields: Vec<&str> = state.errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["public_name"]);
    assert_eq!(state.focus, 4);
    // Toggled off again, the same form is valid.
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::Char(' '));
    assert!(!form(&app).form.public_persona);
    assert!(matches!(
        ctrl(&mut app, 's').as_slice(),
        [Command::GenesisStart(_)]
    ));
}

#[test]
fn typed_text_never_triggers_actions_and_ctrl_c_still_quits() {
    let mut app = app_with_form();
    type_text(&mut app, "q?:/p");
    assert!(!app.should_quit && app.overlay.is_none());
    assert_eq!(form(&app).form.persona_name, "q?:/p");
    press(&mut app, KeyCode::Backspace);
    assert_eq!(form(&app).form.persona_name, "q?:/");
    ctrl(&mut app, 'c');
    assert!(app.should_quit);
}

#[test]
fn the_language_cycles_through_the_offered_languages() {
    let mut app = app_with_form();
    assert_eq!(form(&app).form.language, "en");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).form.language, "ru");
    press(&mut app, KeyCode::Down);
    assert_eq!(form(&app).form.language, "uk");
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    assert_eq!(form(&app).form.language, "en");
    press(&mut app, KeyCode::Up);
    assert_eq!(form(&app).form.language, "pl", "wraps around");
    // Letters do not change a choice.
    type_text(&mut app, "de");
    assert_eq!(form(&app).form.language, "pl");
}

fn go_to_sources(app: &mut App) {
    for _ in 0..6 {
        press(app, KeyCode::Tab);
    }
    assert_eq!(form(app).focus, 6);
}

#[test]
fn enter_inserts_a_newline_in_sources_and_a_valid_form_is_sent() {
    let mut app = app_with_form();
    type_text(&mut app, "Tim Keller");
    press(&mut app, KeyCode::Enter);
    assert_eq!(form(&app).focus, 1, "Enter moves on in a one-line field");
    press(&mut app, KeyCode::BackTab);
    go_to_sources(&mut app);
    type_text(&mut app, "https://example.org/a");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "youtu.be/abc123XYZ");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "grace and doubt");
    assert_eq!(form(&app).focus, 6, "still on sources");
    assert_eq!(
        form(&app).form.sources_text,
        "https://example.org/a\nyoutu.be/abc123XYZ\ngrace and doubt"
    );
    let commands = ctrl(&mut app, 's');
    let [Command::GenesisStart(valid)] = commands.as_slice() else {
        panic!("expected one GenesisStart, got {commands:?}");
    };
    let body = valid.to_request_json();
    assert_eq!(body["persona_name"], json!("Tim Keller"));
    assert_eq!(
        body["sources"],
        json!([
            {"type": "url", "ref": "https://example.org/a", "metadata": {}},
            {"type": "youtube", "ref": "https://youtu.be/abc123XYZ", "metadata": {}},
            {"type": "text", "ref": "grace and doubt", "metadata": {}},
        ])
    );
    let request = worker::genesis_request(valid);
    assert_eq!(
        serde_json::to_value(&request).unwrap()["sources"],
        body["sources"]
    );
    assert!(form(&app).submitting());
    // While in flight, other keys wait.
    assert!(ctrl(&mut app, 's').is_empty());
    type_text(&mut app, "x");
    assert!(form(&app).form.sources_text.ends_with("doubt"));
}

fn submitted() -> App {
    let mut app = app_with_form();
    type_text(&mut app, "Alex");
    assert_eq!(ctrl(&mut app, 's').len(), 1);
    app
}

#[test]
fn esc_while_in_flight_cancels_waiting_and_keeps_the_form() {
    let mut app = submitted();
    assert_eq!(press(&mut app, KeyCode::Esc), vec![Command::CancelGenesis]);
    assert!(!form(&app).submitting());
    assert!(status(&app).contains("cancelled waiting"));
    // The worker's "cancelled" that follows changes nothing.
    app.update(
        Event::Data(DataEvent::GenesisStarted(Err("cancelled".into()))),
        app.now,
    );
    assert!(status(&app).contains("cancelled waiting"));
    // Esc again leaves.
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Dashboard));
}

fn response() -> GenesisStartResponse {
    GenesisStartResponse {
        job_id: id(0x9e),
        status: JobStatus::AwaitingApproval,
        draft_no: 1,
        human_prompt: Some("Review the draft\u{1b}[31m and approve".into()),
        preview: Some(PersonaCard {
            persona_id: None,
            name: "Alex".into(),
            slug: "alex".into(),
            active_version: "draft".into(),
            summary: "A calm voice.".into(),
            top_topics: vec!["faith".into(), "city".into()],
            dominant_tones: vec!["warm".into()],
            next_actions: vec!["Approve the draft".into()],
        }),
    }
}

#[test]
fn the_answer_opens_the_job_view_in_place_of_the_form() {
    let mut app = submitted();
    let commands = app.update(
        Event::Data(DataEvent::GenesisStarted(Ok(response()))),
        app.now,
    );
    assert_eq!(
        commands,
        vec![
            Command::GenesisStatus(id(0x9e)),
            // The stored draft is read at once (it shows while MPIS is slow).
            Command::LoadGenesisDraft {
                job_id: id(0x9e),
                draft_no: LATEST_DRAFT,
            },
        ]
    );
    assert!(
        matches!(&app.screen, Screen::GenesisJob(job) if job.job_id == id(0x9e)),
        "the job view opens"
    );
    assert_eq!(
        status(&app),
        format!(
            "genesis job {} started: awaiting_approval, draft 1",
            id(0x9e)
        )
    );
    // The form is done: Esc goes back to where it was opened from, not to the filled form
    // (where Ctrl-S would start the same persona again).
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Dashboard), "{:?}", app.screen);
    assert!(app.back_stack.is_empty());

    // An error goes to the status line and the panel; the form stays for another try.
    let mut app = submitted();
    app.update(
        Event::Data(DataEvent::GenesisStarted(Err(
            "MPIS refused (HTTP 422): too long".into(),
        ))),
        app.now,
    );
    assert!(app.message.as_ref().is_some_and(|m| m.error));
    assert!(status(&app).contains("too long"));
    assert!(render(&app).contains("genesis not started: MPIS refused"));
    assert_eq!(form(&app).form.persona_name, "Alex");
}

/// A job id as MPIS makes them (the fixtures' `id(n)` all start with zeros).
fn job_id() -> uuid::Uuid {
    uuid::Uuid::parse_str("4c1d9e27-5b0a-4f3e-9d61-0a7b2c3d4e5f").unwrap()
}

/// The question of the confirm on screen, if one is open.
fn confirm_question(app: &App) -> Option<&str> {
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => Some(confirm.question.as_str()),
        _ => None,
    }
}

#[test]
fn starting_the_same_name_again_in_a_session_asks_first_naming_the_earlier_job() {
    let mut app = submitted();
    let mut answer = response();
    answer.job_id = job_id();
    app.update(Event::Data(DataEvent::GenesisStarted(Ok(answer))), app.now);
    press(&mut app, KeyCode::Esc);
    // A new form is empty.
    open_form(&mut app);
    assert_eq!(form(&app).form.persona_name, "");
    app.update(Event::Data(DataEvent::GenesisJobs(Ok(Vec::new()))), app.now);
    // Another name starts at once.
    type_text(&mut app, "Nova");
    let commands = ctrl(&mut app, 's');
    assert!(matches!(commands.as_slice(), [Command::GenesisStart(_)]));
    assert!(app.overlay.is_none());
    app.update(
        Event::Data(DataEvent::GenesisStarted(Err(
            "MPIS refused (HTTP 422): no".into(),
        ))),
        app.now,
    );

    // The same name (any case) asks first, naming the earlier job.
    for _ in 0.."Nova".len() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "alex");
    assert!(
        ctrl(&mut app, 's').is_empty(),
        "nothing sent before the answer"
    );
    let question = confirm_question(&app).expect("a confirm").to_string();
    assert!(
        question.starts_with("\"alex\" was started before: job 4c1d9e27 started here at "),
        "{question}"
    );
    assert!(question.ends_with("Start another genesis job for it (MPIS gives it a new slug)?"));
    assert!(
        !form(&app).submitting(),
        "no spinner while the question is open"
    );
    let screen = render(&app);
    assert!(screen.contains("was started before"), "{screen}");
    // No: nothing is sent, the form keeps its text.
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(app.overlay.is_none());
    assert_eq!(form(&app).form.persona_name, "alex");
    // Yes: sent, and the form waits for MPIS as usual.
    ctrl(&mut app, 's');
    let commands = press(&mut app, KeyCode::Char('y'));
    match commands.as_slice() {
        [Command::GenesisStart(valid)] => assert_eq!(valid.persona_name, "alex"),
        other => panic!("expected the start, got {other:?}"),
    }
    assert!(form(&app).submitting());
    assert!(status(&app).contains("starting the genesis job"));
}

#[test]
fn a_job_of_that_name_awaiting_approval_or_a_start_not_waited_for_asks_first() {
    // Known from the database (the form reads the jobs awaiting approval on opening).
    let (mut app, _) = started_with(options(), (120, 40));
    open_form(&mut app);
    let waiting = PendingGenesisJob {
        id: job_id(),
        persona_name: "Tim Keller".into(),
        slug: "tim-keller".into(),
        status: "awaiting_approval".into(),
        draft_no: 2,
        created_at: tui_common::at("2025-05-18T09:00:00Z"),
        updated_at: tui_common::at("2025-05-18T09:30:00Z"),
    };
    app.update(
        Event::Data(DataEvent::GenesisJobs(Ok(vec![waiting]))),
        app.now,
    );
    type_text(&mut app, "Tim  Keller");
    assert!(ctrl(&mut app, 's').is_empty());
    assert_eq!(
        confirm_question(&app),
        Some(
            "\"Tim  Keller\" was started before: job 4c1d9e27 (tim-keller) started 2025-05-18 09:00 UTC \
             is awaiting approval. Start another genesis job for it (MPIS gives it a new slug)?"
        )
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none() && !form(&app).submitting());

    // Esc while waiting: MPIS may have started it all the same.
    let mut app = submitted();
    press(&mut app, KeyCode::Esc);
    assert!(ctrl(&mut app, 's').is_empty());
    let question = confirm_question(&app).expect("a confirm");
    assert!(
        question.contains("was not waited for (MPIS may have made it)"),
        "{question}"
    );
}

#[test]
fn read_only_refuses_the_form() {
    let mut read_only = options();
    read_only.read_only = true;
    let (mut app, _) = started_with(read_only, (120, 40));
    assert!(open_form(&mut app).is_empty());
    assert!(matches!(app.screen, Screen::Dashboard));
    assert!(status(&app).contains("read-only"));
}

fn render(app: &App) -> String {
    let mut terminal = ratatui::Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|f| mpis_dash::tui::view::view(app, f))
        .unwrap();
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect()
}

#[test]
fn the_screen_shows_labels_errors_the_slug_and_source_types() {
    let mut app = app_with_form();
    type_text(&mut app, "Тим Келлер");
    go_to_sources(&mut app);
    for line in [
        "https://example.org/x",
        "https://www.youtube.com/watch?v=abcdef",
        "just some text",
        "./notes.pdf",
        "ftp://old.example.org/file",
    ] {
        type_text(&mut app, line);
        press(&mut app, KeyCode::Enter);
    }
    ctrl(&mut app, 's');
    let screen = render(&app);
    for text in [
        "Start a persona genesis",
        "persona name",
        "language",
        "English (en)",
        "public persona",
        "Drive folder id",
        "sources (one a line)",
        "notes",
        "slug preview",
        "tim-keller",
        "[url]",
        "[youtube]",
        "[text]",
        "[file]",
        "✖ line 5:",
        "Ctrl-S submit",
    ] {
        assert!(screen.contains(text), "missing {text:?}");
    }
    // In flight: the spinner says how to stop waiting.
    let mut app = submitted();
    assert!(render(&app).contains("Esc cancels waiting"));
    press(&mut app, KeyCode::Esc);
    assert!(render(&app).contains("cancelled waiting"));
}

async fn started(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<DataEvent>,
) -> Result<GenesisStartResponse, String> {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .expect("an answer in time")
            .expect("worker alive");
        if let DataEvent::GenesisStarted(result) = event {
            return result;
        }
    }
}

fn valid(name: &str) -> mpis_dash::domain::genesis::ValidGenesis {
    let mut state = GenesisFormState::default();
    state.form.persona_name = name.into();
    state.form.sources_text = "https://example.org/talks\ngrace".into();
    state.form.validate().unwrap()
}

#[tokio::test]
async fn the_worker_starts_genesis_in_the_sandbox_and_can_cancel() {
    let db = common::db().await;
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

    commands.send(Command::GenesisStart(valid("Alex"))).unwrap();
    let response = started(&mut events).await.unwrap();
    assert_eq!(response.status, JobStatus::AwaitingApproval);
    assert_eq!(response.draft_no, 1);
    assert_eq!(response.preview.map(|p| p.name), Some("Alex".to_string()));

    // Slow MPIS: cancelling right away answers "cancelled" without waiting for it.
    sandbox.set_faults(SandboxFaults {
        latency: Duration::from_secs(5),
        ..SandboxFaults::none()
    });
    commands.send(Command::GenesisStart(valid("Slow"))).unwrap();
    commands.send(Command::CancelGenesis).unwrap();
    let error = started(&mut events).await.unwrap_err();
    assert!(error.contains("cancelled"), "{error}");
}

#[tokio::test]
async fn without_mpis_the_worker_says_none_is_configured() {
    let db = common::db().await;
    let (commands, mut events) = worker::spawn_with_mpis(
        db.pool.clone(),
        "alice".into(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
        None,
    );
    commands.send(Command::GenesisStart(valid("Alex"))).unwrap();
    let error = started(&mut events).await.unwrap_err();
    assert!(error.contains("no MPIS configured"), "{error}");
}

#[test]
fn ticks_redraw_while_in_flight_and_help_lists_the_form_keys() {
    let mut idle = app_with_form();
    idle.update(Event::Tick, idle.now);
    idle.dirty = false;
    idle.update(Event::Tick, idle.now);
    assert!(!idle.dirty, "nothing to redraw while idle");
    let mut app = submitted();
    app.update(Event::Tick, app.now);
    app.dirty = false;
    app.update(Event::Tick, app.now);
    assert!(app.dirty, "the elapsed time counts up");
    app.overlay = Some(mpis_dash::tui::app::Overlay::Help { scroll: 0 });
    let screen = render(&app);
    for text in ["Space (public persona)", "Ctrl-S", ":genesis"] {
        assert!(screen.contains(text), "missing {text:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Taller than the screen: the focused field scrolls into sight (snapshots:
// `tests/snapshots/tui_genesis_form__<name>.snap`).

/// The form screen alone in a `width` x `height` area (below 80x24 `view` only says the terminal
/// is too small, but the screen itself must still keep the focused field in sight).
fn draw_form(app: &App, (width, height): (u16, u16)) -> ratatui::Terminal<TestBackend> {
    let mut terminal = ratatui::Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| {
            let area = f.area();
            if let Some(cursor) = genesis_form::render(app, form(app), area, f.buffer_mut()) {
                f.set_cursor_position(cursor);
            }
        })
        .unwrap();
    terminal
}

fn text_of(terminal: &ratatui::Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

/// Types `lines` into a multi-line field, Enter between them.
fn type_lines<S: AsRef<str>>(app: &mut App, lines: &[S]) {
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            press(app, KeyCode::Enter);
        }
        type_text(app, line.as_ref());
    }
}

/// A name, `sources` (one a line) and the notes field focused.
fn filled<S: AsRef<str>>(sources: &[S]) -> App {
    let mut app = app_with_form();
    type_text(&mut app, "Tim Keller");
    go_to_sources(&mut app);
    type_lines(&mut app, sources);
    press(&mut app, KeyCode::Tab);
    assert_eq!(form(&app).focus, 7, "on notes");
    app
}

const SOURCES: [&str; 4] = [
    "https://example.org/talks",
    "youtu.be/abc123XYZ",
    "grace and doubt",
    "./sermons.pdf",
];

#[test]
fn at_80x15_typing_in_notes_scrolls_the_first_field_out_and_shift_tab_brings_it_back() {
    let mut app = filled(&SOURCES);
    type_lines(&mut app, &["calm, warm", "quotes the psalms"]);
    let terminal = draw_form(&app, (80, 15));
    let screen = text_of(&terminal);
    for text in [
        "▶ notes",
        "calm, warm",
        "quotes the psalms",
        "more ↑",
        "Ctrl-S submit",
    ] {
        assert!(screen.contains(text), "missing {text:?} in\n{screen}");
    }
    // The terminal's cursor is after the last typed character.
    assert!(
        text_before_cursor(&terminal).is_some_and(|t| t.ends_with("    quotes the psalms")),
        "cursor at {:?} in\n{screen}",
        cursor_of(&terminal)
    );
    assert!(!screen.contains("persona name"), "scrolled out:\n{screen}");
    assert!(!screen.contains("more ↓"), "nothing below the notes");
    insta::assert_snapshot!("notes_80x15", terminal.backend());

    for _ in 0..7 {
        press(&mut app, KeyCode::BackTab);
    }
    assert_eq!(form(&app).focus, 0);
    let terminal = draw_form(&app, (80, 15));
    let screen = text_of(&terminal);
    for text in ["▶ persona name", "Tim Keller", "tim-keller", "more ↓"] {
        assert!(screen.contains(text), "missing {text:?} in\n{screen}");
    }
    assert!(
        text_before_cursor(&terminal)
            .is_some_and(|t| t.ends_with("persona name            Tim Keller")),
        "cursor at {:?} in\n{screen}",
        cursor_of(&terminal)
    );
    assert!(!screen.contains("more ↑"), "back at the top:\n{screen}");
    insta::assert_snapshot!("first_field_80x15", terminal.backend());

    // Every field in turn is in sight, with the cursor.
    for field in 0..8 {
        assert_eq!(form(&app).focus, field);
        let screen = text_of(&draw_form(&app, (80, 15)));
        assert!(
            screen.contains('▶'),
            "field {field} out of sight:\n{screen}"
        );
        press(&mut app, KeyCode::Tab);
    }
}

#[test]
fn at_80x15_an_error_on_a_late_field_is_in_sight_after_ctrl_s() {
    let mut sources = SOURCES.to_vec();
    sources.extend(["https://example.org/more", "ftp://old.example.org/file"]);
    let mut app = filled(&sources);
    type_text(&mut app, "a long note");
    assert!(ctrl(&mut app, 's').is_empty(), "a bad source sends nothing");
    assert_eq!(form(&app).focus, 6, "focus moves to sources");
    let terminal = draw_form(&app, (80, 15));
    let screen = text_of(&terminal);
    for text in [
        "▶ sources (one a line)",
        "ftp://old.example.org/file",
        "✖ line 6:",
        "more ↑",
        "more ↓",
    ] {
        assert!(screen.contains(text), "missing {text:?} in\n{screen}");
    }
    insta::assert_snapshot!("sources_error_80x15", terminal.backend());
}

#[test]
fn a_long_sources_list_keeps_the_line_being_edited_in_sight() {
    let lines: Vec<String> = (1..=20)
        .map(|n| format!("https://example.org/{n}"))
        .collect();
    let mut app = app_with_form();
    type_text(&mut app, "Tim Keller");
    go_to_sources(&mut app);
    type_lines(&mut app, &lines);
    let terminal = draw_form(&app, (80, 15));
    let screen = text_of(&terminal);
    assert!(
        text_before_cursor(&terminal).is_some_and(|t| t.ends_with("https://example.org/20")),
        "the last line with the cursor:\n{screen}"
    );
    assert!(screen.contains("more ↑") && screen.contains("more ↓"));
    assert!(!screen.contains("https://example.org/1 "));
}

#[test]
fn at_80x24_the_whole_screen_follows_the_focus() {
    let sources: Vec<String> = (1..=8)
        .map(|n| format!("https://example.org/talk-{n}"))
        .collect();
    let mut app = filled(&sources);
    type_lines(&mut app, &["one", "two", "three", "four", "five", "six"]);
    let mut terminal = ratatui::Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| mpis_dash::tui::view::view(&app, f))
        .unwrap();
    let screen = text_of(&terminal);
    for text in ["▶ notes", "six", "more ↑"] {
        assert!(screen.contains(text), "missing {text:?} in\n{screen}");
    }
    assert!(
        text_before_cursor(&terminal).is_some_and(|t| t.ends_with("│    six")),
        "cursor at {:?} in\n{screen}",
        cursor_of(&terminal)
    );
    insta::assert_snapshot!("notes_80x24", terminal.backend());
}

#[test]
fn at_80x15_the_spinner_and_then_the_refusal_are_in_sight() {
    // Sent from the first field: while waiting, the spinner is what is shown.
    let mut app = filled(&SOURCES);
    for _ in 0..7 {
        press(&mut app, KeyCode::BackTab);
    }
    assert_eq!(ctrl(&mut app, 's').len(), 1);
    let screen = text_of(&draw_form(&app, (80, 15)));
    assert!(
        screen.contains("Esc cancels waiting"),
        "the spinner:\n{screen}"
    );
    // The refusal is below; the focused field stays in sight (the status line has it too).
    app.update(
        Event::Data(DataEvent::GenesisStarted(Err(
            "MPIS refused (HTTP 422): too long".into(),
        ))),
        app.now,
    );
    let screen = text_of(&draw_form(&app, (80, 15)));
    assert!(screen.contains("▶ persona name") && screen.contains("more ↓"));
    // Further down, the refusal comes into sight along with the field.
    for _ in 0..7 {
        press(&mut app, KeyCode::Tab);
    }
    let screen = text_of(&draw_form(&app, (80, 15)));
    for text in ["▶ notes", "genesis not started: MPIS refused"] {
        assert!(screen.contains(text), "missing {text:?} in\n{screen}");
    }
}

// ---------------------------------------------------------------------------------------------
// Editing text: the terminal's cursor, words, what is seen as one character, pasted text

const SIZE: (u16, u16) = (120, 40);
/// Where the persona name's value starts on screen: the border, the marker and the label.
const VALUE_X: u16 = 1 + 2 + 24;
/// The persona name's row (the form's first line).
const NAME_Y: u16 = 1;

fn name(app: &App) -> &str {
    &form(app).form.persona_name
}

fn alt(app: &mut App, c: char) -> Vec<Command> {
    app.update(
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)),
        app.now,
    )
}

/// Where the terminal's cursor is on the whole frame.
fn cursor(app: &App) -> Option<(u16, u16)> {
    cursor_of(&draw_view(app, SIZE))
}

#[test]
fn the_cursor_moves_with_left_right_home_end_and_text_goes_in_at_it() {
    let mut app = app_with_form();
    type_text(&mut app, "Tim Keler");
    assert_eq!(cursor(&app), Some((VALUE_X + 9, NAME_Y)));
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    type_text(&mut app, "l");
    assert_eq!(name(&app), "Tim Keller");
    let terminal = draw_view(&app, SIZE);
    assert_eq!(cursor_of(&terminal), Some((VALUE_X + 8, NAME_Y)));
    assert_eq!(under_cursor(&terminal).as_deref(), Some("e"));
    // No ▏ is drawn: the terminal's own cursor is the only one.
    assert!(!text_of(&terminal).contains('▏'));

    press(&mut app, KeyCode::Home);
    assert_eq!(cursor(&app), Some((VALUE_X, NAME_Y)));
    press(&mut app, KeyCode::Delete);
    assert_eq!(name(&app), "im Keller");
    type_text(&mut app, "T");
    press(&mut app, KeyCode::Right);
    assert_eq!(cursor(&app), Some((VALUE_X + 2, NAME_Y)));
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Right);
    assert_eq!(cursor(&app), Some((VALUE_X + 10, NAME_Y)));
    assert_eq!(name(&app), "Tim Keller");

    // Off a text field (the language choice) the cursor is hidden; back on, it is where it was.
    press(&mut app, KeyCode::Tab);
    assert_eq!(cursor(&app), None);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(cursor(&app), Some((VALUE_X + 10, NAME_Y)));
}

#[test]
fn words_go_with_ctrl_w_and_alt_b_alt_f_and_the_line_with_ctrl_u_ctrl_k() {
    let mut app = app_with_form();
    type_text(&mut app, "Timothy J Keller");
    alt(&mut app, 'b');
    assert_eq!(cursor(&app), Some((VALUE_X + 10, NAME_Y)), "before Keller");
    ctrl(&mut app, 'w');
    assert_eq!(name(&app), "Timothy Keller");
    assert_eq!(cursor(&app), Some((VALUE_X + 8, NAME_Y)));
    alt(&mut app, 'b');
    assert_eq!(cursor(&app), Some((VALUE_X, NAME_Y)));
    alt(&mut app, 'f');
    assert_eq!(cursor(&app), Some((VALUE_X + 8, NAME_Y)));
    ctrl(&mut app, 'k');
    assert_eq!(name(&app), "Timothy ");
    type_text(&mut app, "Keller");
    alt(&mut app, 'b');
    ctrl(&mut app, 'u');
    assert_eq!(name(&app), "Keller");
    assert_eq!(cursor(&app), Some((VALUE_X, NAME_Y)));
    // None of these keys left the form or opened anything.
    assert!(!app.should_quit && app.overlay.is_none());
}

#[test]
fn one_backspace_removes_a_wide_a_combined_and_a_joined_character() {
    let mut app = app_with_form();
    // CJK: two columns each.
    type_text(&mut app, "名前");
    assert_eq!(cursor(&app), Some((VALUE_X + 4, NAME_Y)));
    press(&mut app, KeyCode::Backspace);
    assert_eq!(name(&app), "名");
    assert_eq!(cursor(&app), Some((VALUE_X + 2, NAME_Y)));
    ctrl(&mut app, 'u');
    // e + a combining acute accent: one character on screen, one Backspace.
    type_text(&mut app, "Rene\u{301}");
    assert_eq!(cursor(&app), Some((VALUE_X + 4, NAME_Y)));
    press(&mut app, KeyCode::Backspace);
    assert_eq!(name(&app), "Ren");
    ctrl(&mut app, 'u');
    // A woman technologist: woman, zero-width joiner, laptop.
    type_text(&mut app, "hi 👩\u{200d}💻");
    assert_eq!(
        cursor(&app),
        Some((VALUE_X + 5, NAME_Y)),
        "two columns, as drawn"
    );
    press(&mut app, KeyCode::Left);
    assert_eq!(
        cursor(&app),
        Some((VALUE_X + 3, NAME_Y)),
        "Left steps over it"
    );
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(name(&app), "hi ");
}

#[test]
fn a_value_wider_than_its_field_scrolls_sideways_to_the_cursor() {
    let mut app = app_with_form();
    let long: String = "abcdefghij".repeat(6); // 60 columns
    type_text(&mut app, &long);
    // At 80 columns the value has 78 - 26 = 52; the cursor keeps the last one.
    let terminal = draw_view(&app, (80, 24));
    assert_eq!(cursor_of(&terminal), Some((78, NAME_Y)));
    let row = text_before_cursor(&terminal).unwrap_or_default();
    assert!(
        row.ends_with(&format!("persona name            {}", &long[9..])),
        "the end in sight: {row:?}"
    );
    press(&mut app, KeyCode::Home);
    let terminal = draw_view(&app, (80, 24));
    assert_eq!(cursor_of(&terminal), Some((VALUE_X, NAME_Y)));
    assert!(text_of(&terminal).contains(&long[..52]));
    // Unfocused, the start shows, cut with an ellipsis.
    press(&mut app, KeyCode::Tab);
    let screen = text_of(&draw_view(&app, (80, 24)));
    assert!(screen.contains(&format!("{}…", &long[..51])), "{screen}");
    assert_eq!(name(&app), long, "nothing lost");
}

#[test]
fn pasted_text_goes_into_the_focused_field_and_is_never_keys() {
    let mut app = app_with_form();
    // Into a single-line field: its lines as spaces, a trailing line break dropped.
    paste(&mut app, "Tim\r\nKeller\n");
    assert_eq!(name(&app), "Tim Keller");
    // A pasted "q" or ":" is text: nothing quits, no palette opens.
    paste(&mut app, " q");
    paste(&mut app, ":");
    assert!(!app.should_quit && app.overlay.is_none());
    assert_eq!(name(&app), "Tim Keller q:");
    assert_eq!(cursor(&app), Some((VALUE_X + 13, NAME_Y)));

    // Into sources: a list of URLs becomes lines, each with its detected type.
    go_to_sources(&mut app);
    paste(
        &mut app,
        "https://example.org/talks\nyoutu.be/abc123XYZ\r\n./sermons.pdf\n",
    );
    assert_eq!(
        form(&app).form.sources_text,
        "https://example.org/talks\nyoutu.be/abc123XYZ\n./sermons.pdf\n"
    );
    let terminal = draw_view(&app, SIZE);
    let screen = text_of(&terminal);
    for text in [
        "[url]     https://example.org/talks",
        "[youtube] youtu.be/abc123XYZ",
        "[file]    ./sermons.pdf",
    ] {
        assert!(screen.contains(text), "missing {text:?} in\n{screen}");
    }
    // The cursor waits on the new empty line below them.
    assert!(
        text_before_cursor(&terminal).is_some_and(|t| t.trim_end() == "│"),
        "{:?}",
        text_before_cursor(&terminal)
    );

    // With no text field focused (the language choice), a paste does nothing and says so.
    for _ in 0..3 {
        press(&mut app, KeyCode::BackTab);
    }
    assert_eq!(form(&app).focus, 3, "the public persona toggle");
    paste(&mut app, "yes");
    assert!(status(&app).contains("paste ignored"), "{}", status(&app));
    assert!(!form(&app).form.public_persona);
}

#[test]
fn sources_edit_as_lines_enter_up_down_and_backspace_joining_them() {
    let mut app = app_with_form();
    go_to_sources(&mut app);
    type_text(&mut app, "one");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "two");
    // Up goes to the line above (same column), not to the field above.
    press(&mut app, KeyCode::Up);
    assert_eq!(form(&app).focus, 6);
    type_text(&mut app, "!");
    assert_eq!(form(&app).form.sources_text, "one!\ntwo");
    assert!(text_before_cursor(&draw_view(&app, SIZE)).is_some_and(|t| t.ends_with("one!")));
    // Down to the second line, Home, Backspace: the lines join.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(form(&app).form.sources_text, "one!two");
    assert!(text_before_cursor(&draw_view(&app, SIZE)).is_some_and(|t| t.ends_with("one!")));
    // Past the first line Up is the form's again: the field above.
    press(&mut app, KeyCode::Up);
    assert_eq!(form(&app).focus, 5);
}

#[test]
fn moving_up_a_long_sources_list_keeps_the_cursor_line_in_sight() {
    let lines: Vec<String> = (1..=20)
        .map(|n| format!("https://example.org/{n}"))
        .collect();
    let mut app = app_with_form();
    type_text(&mut app, "Tim Keller");
    go_to_sources(&mut app);
    type_lines(&mut app, &lines);
    for _ in 0..15 {
        press(&mut app, KeyCode::Up);
    }
    assert_eq!(form(&app).focus, 6, "still in sources, on line 5");
    let terminal = draw_form(&app, (80, 15));
    let screen = text_of(&terminal);
    // Up keeps the column where it can: after "https://example.org/" on the shorter line.
    assert!(
        text_before_cursor(&terminal)
            .is_some_and(|t| t.ends_with("[url]     https://example.org/5")),
        "cursor at {:?} in\n{screen}",
        cursor_of(&terminal)
    );
    assert!(screen.contains("more ↑") && screen.contains("more ↓"));
    assert!(!screen.contains("https://example.org/20"), "{screen}");
}
