//! The genesis job view: key and data sequences through `App::update` (pure), what the screen
//! shows, and the worker's status, edit and approval against the MPIS sandbox over real HTTP
//! (with the audit entries).

use crate::common;
use crate::tui_common;

use std::time::Duration;

use crate::tui_common::{id, options, press, started_with, type_text};
use mpis_dash::domain::genesis::EditOp;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::mpis::sandbox::{self, SandboxFaults};
use mpis_dash::mpis::types::{
    EditOperation, ExportPaths, GenesisApproveRequest, GenesisApproveResponse, GenesisStatus,
    JobStatus, PersonaCard, Progress,
};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::store::genesis::{GenesisDraft, PendingGenesisJob};
use mpis_dash::tui::app::{App, Event, Overlay, Screen};
use mpis_dash::tui::data::WidgetKind;
use mpis_dash::tui::forms::genesis_job::{
    ApproveFailure, CallKind, GenesisJobState, LATEST_DRAFT, POLL_EVERY,
};
use mpis_dash::tui::worker::{self, Command, DataEvent};
use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseEvent, MouseEventKind};
use serde_json::json;

fn job(app: &App) -> &GenesisJobState {
    match &app.screen {
        Screen::GenesisJob(state) => state,
        other => panic!("expected the genesis job view, got {other:?}"),
    }
}

fn status_text(app: &App) -> &str {
    app.message.as_ref().map_or("", |m| m.text.as_str())
}

fn open_job(app: &mut App) -> Vec<Command> {
    press(app, KeyCode::Char(':'));
    type_text(app, &format!("job {}", id(0x9e)));
    press(app, KeyCode::Enter)
}

fn status(state: JobStatus, draft_no: i32) -> GenesisStatus {
    GenesisStatus {
        job_id: id(0x9e),
        status: state,
        progress: Progress {
            stage: "awaiting_approval".into(),
            percent: 90,
            message: "Waiting for\u{1b}[31m approval".into(),
        },
        draft_no,
        human_prompt: Some("Review draft and approve".into()),
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
        errors: vec!["one thing went wrong".into()],
    }
}

fn app_with_job(read_only: bool) -> App {
    let mut opts = options();
    opts.read_only = read_only;
    let (mut app, _) = started_with(opts, (120, 40));
    assert_eq!(open_job(&mut app), opened(id(0x9e)));
    let loaded =
        DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 1)));
    // The first status asks the database for the draft it names, once.
    assert_eq!(
        app.update(Event::Data(loaded), app.now),
        vec![draft_request(1)]
    );
    app
}

/// What opening a job asks for: MPIS's status, and the newest draft stored in the database.
fn opened(job_id: uuid::Uuid) -> Vec<Command> {
    vec![
        Command::GenesisStatus(job_id),
        Command::LoadGenesisDraft {
            job_id,
            draft_no: LATEST_DRAFT,
        },
    ]
}

/// MPIS's answer to an edit: the new draft number, nothing committed.
fn draft_saved(draft_no: i32) -> GenesisApproveResponse {
    GenesisApproveResponse {
        job_id: id(0x9e),
        status: JobStatus::AwaitingApproval,
        draft_no,
        human_prompt: None,
        preview: None,
        persona_id: None,
        version: None,
        export_paths: None,
    }
}

fn draft_request(draft_no: i32) -> Command {
    Command::LoadGenesisDraft {
        job_id: id(0x9e),
        draft_no,
    }
}

fn stored_draft(draft_no: i32, core: serde_json::Value) -> GenesisDraft {
    GenesisDraft {
        job_id: id(0x9e),
        draft_no,
        core,
        human_prompt: Some("Review draft and approve".into()),
        created_at: tui_common::at("2026-11-30T10:15:00Z"),
    }
}

fn draft_arrives(app: &mut App, asked: i32, draft: Option<GenesisDraft>) -> Vec<Command> {
    app.update(
        Event::Data(DataEvent::GenesisDraft {
            job_id: id(0x9e),
            draft_no: asked,
            result: Ok(draft),
        }),
        app.now,
    )
}

/// A draft with `n` topic objects (a line each): taller than the screen for large `n`.
fn long_core(n: usize) -> serde_json::Value {
    let topics: Vec<serde_json::Value> = (0..n)
        .map(|i| json!({"name": format!("topic number {i}")}))
        .collect();
    json!({"credo": {"summary": "Calm voice"}, "topics": topics})
}

fn render(app: &App) -> String {
    use ratatui::{Terminal, backend::TestBackend};
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
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

/// The screen's rows (120 columns each), trailing spaces trimmed.
fn rows(app: &App) -> Vec<String> {
    let screen: Vec<char> = render(app).chars().collect();
    screen
        .chunks(120)
        .map(|row| row.iter().collect::<String>().trim_end().to_string())
        .collect()
}

/// The row that contains `text`, trimmed; panics naming the screen when none does.
fn row_with(rows: &[String], text: &str) -> String {
    rows.iter()
        .find(|row| row.contains(text))
        .map(|row| {
            row.trim()
                .trim_start_matches('│')
                .trim_end_matches('│')
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| panic!("no row with {text:?} in\n{}", rows.join("\n")))
}

fn polls(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|c| matches!(c, Command::GenesisStatus(_)))
        .count()
}

#[test]
fn a_status_arriving_renders_its_fields() {
    let app = app_with_job(false);
    assert_eq!(job(&app).draft_no, 1);
    let screen = render(&app);
    for text in [
        format!("Genesis job {}", id(0x9e)).as_str(),
        "status awaiting_approval · draft 1",
        "90%",
        "Waiting for",
        "name: Alex (alex)",
        "summary: A calm voice.",
        "top topics: faith, city",
        "tones: warm",
        "next: Approve the draft",
        "MPIS asks: Review draft and approve",
        "one thing went wrong",
        "A approve",
    ] {
        assert!(screen.contains(text), "missing {text:?}");
    }
    assert!(!screen.contains('\u{1b}'));
}

#[test]
fn multi_line_text_from_mpis_is_shown_as_lines_still_sanitized() {
    let mut app = app_with_job(false);
    let mut markdown = status(JobStatus::AwaitingApproval, 1);
    markdown.human_prompt = Some(
        "## Review the draft\n\nPlease check:\r\n- the credo\u{1b}[31m\n\t- the tone\n".into(),
    );
    markdown.errors = vec!["source 2 failed:\nHTTP 404\u{7}".into()];
    if let Some(preview) = markdown.preview.as_mut() {
        preview.summary = "A calm voice.\nKind, direct.".into();
    }
    let loaded = DataEvent::GenesisStatusLoaded(id(0x9e), Ok(markdown));
    app.update(Event::Data(loaded), app.now);
    let rows = rows(&app);
    let screen = rows.join("\n");
    assert!(
        !screen.contains("\\x0a") && !screen.contains("\\x0d"),
        "{screen}"
    );
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'));
    // Each line of the prompt on its own row, indented under its label.
    assert_eq!(
        row_with(&rows, "MPIS asks:"),
        "MPIS asks: ## Review the draft"
    );
    assert_eq!(row_with(&rows, "Please check:"), "Please check:");
    assert_eq!(row_with(&rows, "- the credo"), "- the credo\\x1b[31m");
    assert_eq!(row_with(&rows, "- the tone"), "- the tone");
    let tone = rows.iter().find(|r| r.contains("- the tone")).unwrap();
    assert!(
        tone.contains("│      - the tone"),
        "a tab is four spaces: {tone:?}"
    );
    // Error details and the preview's summary too.
    assert_eq!(row_with(&rows, "source 2 failed"), "✖ source 2 failed:");
    assert_eq!(row_with(&rows, "HTTP 404"), "HTTP 404\\x07");
    assert_eq!(row_with(&rows, "summary:"), "summary: A calm voice.");
    assert_eq!(row_with(&rows, "Kind, direct."), "Kind, direct.");
}

#[test]
fn a_refused_edit_says_edit_refused_and_a_refused_approval_not_approved() {
    let mut app = app_with_job(false);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "credo.nothing");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "1");
    assert_eq!(press(&mut app, KeyCode::Enter).len(), 1);
    let failure = ApproveFailure {
        call: CallKind::Edit,
        message: "MPIS refused (HTTP 400): unknown path credo.nothing".into(),
        stale_draft: None,
    };
    app.update(
        Event::Data(DataEvent::GenesisApproved(id(0x9e), Err(failure))),
        app.now,
    );
    assert_eq!(
        status_text(&app),
        "edit refused: MPIS refused (HTTP 400): unknown path credo.nothing"
    );
    let screen = render(&app);
    assert!(screen.contains("edit refused: MPIS refused"), "{screen}");
    assert!(!screen.contains("not approved"));

    press(&mut app, KeyCode::Char('A'));
    press(&mut app, KeyCode::Char('y'));
    let failure = ApproveFailure {
        call: CallKind::Approve,
        message: "MPIS refused (HTTP 409): job is busy".into(),
        stale_draft: None,
    };
    app.update(
        Event::Data(DataEvent::GenesisApproved(id(0x9e), Err(failure))),
        app.now,
    );
    assert_eq!(
        status_text(&app),
        "not approved: MPIS refused (HTTP 409): job is busy"
    );
}

#[test]
fn the_approval_confirm_follows_a_newer_draft_and_approves_the_number_it_shows() {
    let mut app = app_with_job(false);
    press(&mut app, KeyCode::Char('A'));
    let question = |app: &App| match &app.overlay {
        Some(Overlay::Confirm(confirm)) => confirm.question.clone(),
        other => panic!("expected the confirm, got {other:?}"),
    };
    assert_eq!(question(&app), "Approve persona Alex draft 1 as alice?");
    // Someone else's edit: the poll says draft 2 while the confirm is open.
    let moved =
        DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 2)));
    app.update(Event::Data(moved), app.now);
    assert_eq!(
        question(&app),
        "MPIS moved on from draft 1 to draft 2 while you were asked. \
         Approve persona Alex draft 2 as alice?"
    );
    assert!(render(&app).contains("Approve persona Alex draft 2 as alice?"));
    // What it shows is what it sends.
    let commands = press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        commands,
        vec![Command::GenesisApprove(GenesisApproveRequest {
            job_id: id(0x9e),
            draft_no: 2,
            confirm: true,
            edits: Vec::new(),
        })]
    );

    // A job committed meanwhile closes the confirm: nothing is left to approve.
    let mut app = app_with_job(false);
    press(&mut app, KeyCode::Char('A'));
    let done = DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::Committed, 1)));
    app.update(Event::Data(done), app.now);
    assert!(app.overlay.is_none());
    assert!(status_text(&app).contains("nothing left to approve"));
}

#[test]
fn polling_happens_only_while_not_final_and_one_at_a_time() {
    let mut app = app_with_job(false);
    let opened = app.now;
    // Not due yet: nothing.
    assert_eq!(polls(&app.update(Event::Tick, opened)), 0);
    // A tick once the interval has passed polls.
    let due = opened.later(POLL_EVERY);
    assert_eq!(polls(&app.update(Event::Tick, due)), 1);
    // In flight: no second request.
    assert_eq!(polls(&app.update(Event::Tick, due)), 0);
    let done = DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::Committed, 2)));
    app.update(Event::Data(done), due);
    assert_eq!(
        polls(&app.update(Event::Tick, due.later(POLL_EVERY))),
        0,
        "final: no more polling"
    );
}

#[test]
fn an_edit_with_a_bad_path_shows_the_error_and_sends_nothing() {
    let mut app = app_with_job(false);
    press(&mut app, KeyCode::Char('e'));
    assert!(job(&app).edit.is_some());
    type_text(&mut app, "credo..summary");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "\"x\"");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let error = job(&app).edit.as_ref().and_then(|e| e.error.clone());
    assert_eq!(error.map(|e| e.field), Some("path"));
    assert!(render(&app).contains("✖ path"));
}

#[test]
fn a_valid_edit_sends_one_edit_with_the_current_draft() {
    let mut app = app_with_job(false);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "credo.summary");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right); // replace -> remove
    press(&mut app, KeyCode::Left); // back to replace
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "\"New summary\"");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::GenesisApprove(GenesisApproveRequest {
            job_id: id(0x9e),
            draft_no: 1,
            confirm: false,
            edits: vec![EditOperation {
                path: "credo.summary".into(),
                op: EditOp::Replace,
                value: json!("New summary"),
            }],
        })]
    );
    assert!(job(&app).edit.is_none());
    // MPIS's answer: draft 2, and the status is reloaded.
    let answer = draft_saved(2);
    let commands = app.update(
        Event::Data(DataEvent::GenesisApproved(id(0x9e), Ok(answer))),
        app.now,
    );
    assert_eq!(
        commands,
        vec![draft_request(2), Command::GenesisStatus(id(0x9e))]
    );
    assert_eq!(job(&app).draft_no, 2);
}

#[test]
fn approving_asks_first_then_sends_the_confirm_and_shows_the_persona() {
    let mut app = app_with_job(false);
    assert!(press(&mut app, KeyCode::Char('A')).is_empty());
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => {
            assert_eq!(confirm.question, "Approve persona Alex draft 1 as alice?")
        }
        other => panic!("expected a confirm, got {other:?}"),
    }
    let commands = press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        commands,
        vec![Command::GenesisApprove(GenesisApproveRequest {
            job_id: id(0x9e),
            draft_no: 1,
            confirm: true,
            edits: Vec::new(),
        })]
    );
    let answer = GenesisApproveResponse {
        job_id: id(0x9e),
        status: JobStatus::Committed,
        draft_no: 1,
        human_prompt: None,
        preview: None,
        persona_id: Some(id(0x77)),
        version: Some("1.0".into()),
        export_paths: Some(ExportPaths {
            base_path: "/exports/alex".into(),
            files: [("credo".to_string(), "/exports/alex/credo.json".to_string())]
                .into_iter()
                .collect(),
        }),
    };
    app.update(
        Event::Data(DataEvent::GenesisApproved(id(0x9e), Ok(answer))),
        app.now,
    );
    let screen = render(&app);
    for text in [
        format!("persona {} · version 1.0", id(0x77)).as_str(),
        "exported to /exports/alex",
        "credo: /exports/alex/credo.json",
    ] {
        assert!(screen.contains(text), "missing {text:?}");
    }
}

#[test]
fn a_stale_draft_is_explained_and_the_status_reloaded() {
    let mut app = app_with_job(false);
    let failure = ApproveFailure {
        call: CallKind::Approve,
        message: "MPIS refused (HTTP 400): Draft number mismatch: expected 2, got 1".into(),
        stale_draft: Some((2, 1)),
    };
    let commands = app.update(
        Event::Data(DataEvent::GenesisApproved(id(0x9e), Err(failure))),
        app.now,
    );
    assert_eq!(commands, vec![Command::GenesisStatus(id(0x9e))]);
    let expected = "draft 1 is out of date: MPIS is at draft 2; the view was refreshed";
    assert_eq!(status_text(&app), expected);
    assert!(render(&app).contains(expected));

    // Other errors: the status line, no reload.
    let failure = ApproveFailure {
        call: CallKind::Approve,
        message: "MPIS unreachable".into(),
        stale_draft: None,
    };
    let commands = app.update(
        Event::Data(DataEvent::GenesisApproved(id(0x9e), Err(failure))),
        app.now,
    );
    assert!(commands.is_empty());
    assert!(status_text(&app).contains("MPIS unreachable"));
    assert!(app.message.as_ref().is_some_and(|m| m.error));
}

#[test]
fn read_only_opens_the_view_but_refuses_edit_and_approve() {
    let mut app = app_with_job(true);
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    assert!(job(&app).edit.is_none());
    assert!(status_text(&app).contains("read-only"));
    app.message = None;
    assert!(press(&mut app, KeyCode::Char('A')).is_empty());
    assert!(app.overlay.is_none());
    assert!(status_text(&app).contains("read-only"));
    // r reloads the status and the stored draft, Esc leaves.
    assert_eq!(press(&mut app, KeyCode::Char('r')), opened(id(0x9e)));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Dashboard));
}

#[test]
fn the_stored_draft_is_shown_sanitized_under_the_preview() {
    let mut app = app_with_job(false);
    // Asked, not answered yet: nothing claims the draft is missing.
    assert!(!render(&app).contains("not in this database"));
    let core = json!({"credo": {"summary": "Calm\u{1b}[2J voice", "statements": ["Be kind"]}});
    assert!(draft_arrives(&mut app, 1, Some(stored_draft(1, core))).is_empty());
    let screen = render(&app);
    for text in [
        "── draft 1 as stored 2026-11-30 10:15 UTC ──",
        "credo.statements = [\"Be kind\"]",
        // Control characters stay escaped, as JSON writes them.
        "credo.summary = \"Calm\\u001b[2J voice\"",
    ] {
        assert!(screen.contains(text), "missing {text:?}");
    }
    assert!(!screen.contains('\u{1b}'));
    // The preview comes first, the draft after it.
    assert!(screen.find("── preview ──") < screen.find("── draft 1"));
    // The same draft number is not read again on the next poll.
    let again =
        DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 1)));
    assert!(app.update(Event::Data(again), app.now).is_empty());
}

#[test]
fn an_older_stored_draft_stands_in_and_a_missing_one_is_said() {
    let mut app = app_with_job(false);
    draft_arrives(&mut app, 1, None);
    assert!(render(&app).contains("not in this database (MPIS keeps its own)"));
    // MPIS moved to draft 3; the database only has draft 2 so far.
    let moved =
        DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 3)));
    assert_eq!(
        app.update(Event::Data(moved), app.now),
        vec![draft_request(3)]
    );
    draft_arrives(&mut app, 3, Some(stored_draft(2, json!({"credo": {}}))));
    let screen = render(&app);
    assert!(
        screen.contains("── draft 2 as stored 2026-11-30 10:15 UTC (draft 3 not stored yet) ──")
    );
    assert!(!screen.contains("not in this database"));
    // Asked again on the next poll, until draft 3 is there.
    let poll = DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 3)));
    assert_eq!(
        app.update(Event::Data(poll), app.now),
        vec![draft_request(3)]
    );
    // A late answer for an older request changes nothing.
    draft_arrives(&mut app, 1, Some(stored_draft(1, json!({"old": true}))));
    assert_eq!(job(&app).draft.as_ref().map(|d| d.draft_no), Some(2));
    draft_arrives(&mut app, 3, Some(stored_draft(3, json!({"credo": {}}))));
    assert!(render(&app).contains("── draft 3 as stored"));
    // A database error is said in the view.
    let poll = DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 4)));
    assert_eq!(
        app.update(Event::Data(poll), app.now),
        vec![draft_request(4)]
    );
    app.update(
        Event::Data(DataEvent::GenesisDraft {
            job_id: id(0x9e),
            draft_no: 4,
            result: Err("connection refused".into()),
        }),
        app.now,
    );
    assert!(render(&app).contains("draft not read from the database: connection refused"));
}

#[test]
fn a_long_draft_scrolls_and_says_there_is_more() {
    let mut app = app_with_job(false);
    draft_arrives(&mut app, 1, Some(stored_draft(1, long_core(80))));
    let screen = render(&app);
    assert!(screen.contains("more ↓"));
    assert!(screen.contains("status awaiting_approval"));
    assert!(!screen.contains("topic number 79"));
    press(&mut app, KeyCode::End);
    let bottom = job(&app).scroll;
    assert!(bottom > 0);
    let screen = render(&app);
    assert!(screen.contains("topic number 79"));
    assert!(!screen.contains("more ↓"));
    // Past the end stays at the end; j/k move one row; Home goes back to the top.
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(job(&app).scroll, bottom);
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(job(&app).scroll, bottom - 1);
    press(&mut app, KeyCode::PageUp);
    assert!(job(&app).scroll < bottom - 1);
    press(&mut app, KeyCode::Home);
    assert_eq!(job(&app).scroll, 0);
    assert!(render(&app).contains("status awaiting_approval"));
    // The mouse wheel scrolls three rows a notch, within the same limits.
    let wheel = |kind| {
        Event::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(wheel(MouseEventKind::ScrollDown), app.now);
    app.update(wheel(MouseEventKind::ScrollDown), app.now);
    assert_eq!(job(&app).scroll, 6);
    app.update(wheel(MouseEventKind::ScrollUp), app.now);
    assert_eq!(job(&app).scroll, 3);
    for _ in 0..100 {
        app.update(wheel(MouseEventKind::ScrollDown), app.now);
    }
    assert_eq!(job(&app).scroll, bottom);
}

#[test]
fn an_edit_in_flight_shows_a_spinner_refuses_more_and_esc_stops_waiting() {
    let mut app = app_with_job(false);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "credo.summary");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "\"New\"");
    assert_eq!(press(&mut app, KeyCode::Enter).len(), 1);
    assert_eq!(job(&app).pending.map(|p| p.what), Some(CallKind::Edit));
    // A tick three seconds later shows the elapsed time.
    app.update(Event::Tick, app.now.later(Duration::from_secs(3)));
    assert!(app.dirty, "the elapsed time counts up");
    let screen = render(&app);
    assert!(
        screen.contains("⠿ waiting for MPIS to answer the edit… 3s (Esc stops waiting)"),
        "{screen}"
    );
    // No second edit or approval with the same draft number meanwhile.
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    assert!(press(&mut app, KeyCode::Char('A')).is_empty());
    assert!(job(&app).edit.is_none() && app.overlay.is_none());
    assert!(status_text(&app).contains("waiting for MPIS"));
    // Esc stops waiting (the view stays, its status is reloaded); a second Esc leaves.
    assert_eq!(
        press(&mut app, KeyCode::Esc),
        vec![Command::GenesisStatus(id(0x9e))]
    );
    assert!(job(&app).pending.is_none());
    assert!(status_text(&app).contains("stopped waiting for the edit"));
    assert!(!render(&app).contains("waiting for MPIS to answer"));
    // MPIS's late answer is still applied.
    let answer = draft_saved(2);
    app.update(
        Event::Data(DataEvent::GenesisApproved(id(0x9e), Ok(answer))),
        app.now,
    );
    assert_eq!(job(&app).draft_no, 2);
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Dashboard));
}

#[test]
fn the_approval_in_flight_shows_a_spinner_until_mpis_answers() {
    let mut app = app_with_job(false);
    press(&mut app, KeyCode::Char('A'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(job(&app).pending.map(|p| p.what), Some(CallKind::Approve));
    assert!(render(&app).contains("waiting for MPIS to answer the approval… 0s"));
    let failure = ApproveFailure {
        call: CallKind::Approve,
        message: "MPIS timed out".into(),
        stale_draft: None,
    };
    app.update(
        Event::Data(DataEvent::GenesisApproved(id(0x9e), Err(failure))),
        app.now,
    );
    assert!(job(&app).pending.is_none());
    assert!(!render(&app).contains("waiting for MPIS"));
    // Once committed, nothing is left to edit or approve.
    let done = DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::Committed, 1)));
    app.update(Event::Data(done), app.now);
    assert!(press(&mut app, KeyCode::Char('A')).is_empty());
    assert!(app.overlay.is_none());
    assert!(status_text(&app).contains("the job is finished"));
}

#[test]
fn enter_on_a_job_awaiting_approval_in_persona_overview_opens_it() {
    let mut app = tui_common::loaded_with(options(), (120, 40));
    let slot = tui_common::slot_of(&app, &WidgetKind::PersonaOverview);
    app.focus = slot;
    // Three personas, then the job: Enter on a persona says where jobs are.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(app.screen, Screen::Dashboard));
    assert!(status_text(&app).contains("awaiting approval"));
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(press(&mut app, KeyCode::Enter), opened(id(0x6001)));
    assert_eq!(job(&app).job_id, id(0x6001));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Dashboard));
}

#[test]
fn the_palette_opens_an_awaiting_job_by_persona_name() {
    let mut app = tui_common::loaded_with(options(), (120, 40));
    // Completions after "genesis ": new, then the awaiting jobs' persona names.
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "genesis or");
    press(&mut app, KeyCode::Tab);
    match &app.overlay {
        Some(Overlay::Palette(palette)) => assert_eq!(palette.input, "genesis Orbit Science"),
        other => panic!("expected the palette, got {other:?}"),
    }
    assert_eq!(press(&mut app, KeyCode::Enter), opened(id(0x6001)));
    assert_eq!(job(&app).job_id, id(0x6001));
    // By slug prefix too; an unknown name is an error that lists the awaiting ones.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "genesis nobody");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    match &app.overlay {
        Some(Overlay::Palette(palette)) => assert_eq!(
            palette.error.as_deref(),
            Some("no job awaiting approval for \"nobody\"; awaiting: Orbit Science")
        ),
        other => panic!("expected the palette with an error, got {other:?}"),
    }
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "genesis orbit-sci");
    press(&mut app, KeyCode::Enter);
    assert_eq!(job(&app).job_id, id(0x6001));
    // Plain `:genesis` still starts a new job.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "genesis");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::GenesisForm(_)));
}

/// Two jobs of "Orbit Science" (started a day apart) and one of "Alex", as MPIS makes ids.
fn same_name_jobs() -> Vec<PendingGenesisJob> {
    let job = |id: &str, name: &str, slug: &str, created: &str| PendingGenesisJob {
        id: uuid::Uuid::parse_str(id).unwrap(),
        persona_name: name.into(),
        slug: slug.into(),
        status: "awaiting_approval".into(),
        draft_no: 1,
        created_at: tui_common::at(created),
        updated_at: tui_common::at(created),
    };
    vec![
        job(
            "1f0c2a9b-0000-4000-8000-000000000001",
            "Orbit Science",
            "orbit-science",
            "2025-05-18T09:00:00Z",
        ),
        job(
            "7d3e4410-0000-4000-8000-000000000002",
            "Orbit Science",
            "orbit-science-2",
            "2025-05-19T14:30:00Z",
        ),
        job(
            "cafe0001-0000-4000-8000-000000000003",
            "Alex",
            "alex",
            "2025-05-20T08:00:00Z",
        ),
    ]
}

/// The dashboard on the "On-call" layout, loaded: no persona-overview widget.
fn on_call_app() -> App {
    let mut app = tui_common::loaded_with(options(), (120, 40));
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "layout On-call");
    let commands = press(&mut app, KeyCode::Enter);
    assert!(!commands.is_empty());
    tui_common::answer(&mut app, &commands);
    assert!(
        app.slots
            .iter()
            .all(|s| s.kind != WidgetKind::PersonaOverview)
    );
    app
}

#[test]
fn the_palette_opens_a_job_by_name_from_a_layout_without_persona_overview() {
    let mut app = on_call_app();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "genesis alex");
    // The jobs are read from the database, then the name is resolved.
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Command::LoadGenesisJobs]
    );
    assert!(status_text(&app).contains("looking up genesis jobs"));
    let commands = app.update(
        Event::Data(DataEvent::GenesisJobs(Ok(same_name_jobs()))),
        app.now,
    );
    let alex = same_name_jobs()[2].id;
    assert_eq!(commands, opened(alex));
    assert_eq!(job(&app).job_id, alex);

    // Nothing of that name: the palette says which jobs there are.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "genesis nobody");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Command::LoadGenesisJobs]
    );
    app.update(
        Event::Data(DataEvent::GenesisJobs(Ok(same_name_jobs()))),
        app.now,
    );
    match &app.overlay {
        Some(Overlay::Palette(palette)) => assert_eq!(
            palette.error.as_deref(),
            Some(
                "no job awaiting approval for \"nobody\"; awaiting: \
                 Orbit Science · started 05-18 09:00 UTC · 1f0c2a9b, \
                 Orbit Science · started 05-19 14:30 UTC · 7d3e4410, Alex"
            )
        ),
        other => panic!("expected the palette with an error, got {other:?}"),
    }
}

#[test]
fn two_jobs_of_one_name_are_told_apart_in_completions_and_a_choice() {
    let mut app = on_call_app();
    // Typing `genesis ` reads the jobs for the completions (once).
    press(&mut app, KeyCode::Char(':'));
    assert_eq!(
        type_text(&mut app, "genesis orb"),
        vec![Command::LoadGenesisJobs]
    );
    app.update(
        Event::Data(DataEvent::GenesisJobs(Ok(same_name_jobs()))),
        app.now,
    );
    let screen = render(&app);
    for text in [
        "genesis Orbit Science · started 05-18 09:00 UTC · 1f0c2a9b",
        "genesis Orbit Science · started 05-19 14:30 UTC · 7d3e4410",
    ] {
        assert!(screen.contains(text), "missing {text:?} in {screen}");
    }
    press(&mut app, KeyCode::Tab);
    match &app.overlay {
        Some(Overlay::Palette(palette)) => assert_eq!(
            palette.input,
            "genesis Orbit Science · started 05-18 09:00 UTC · 1f0c2a9b"
        ),
        other => panic!("expected the palette, got {other:?}"),
    }
    // Enter on a completion opens that job (the lookup reads the jobs afresh).
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Command::LoadGenesisJobs]
    );
    let commands = app.update(
        Event::Data(DataEvent::GenesisJobs(Ok(same_name_jobs()))),
        app.now,
    );
    assert_eq!(commands, opened(same_name_jobs()[0].id));

    // The bare name is a choice between the two, with start time and short id.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "genesis Orbit Science");
    press(&mut app, KeyCode::Enter);
    assert!(
        app.update(
            Event::Data(DataEvent::GenesisJobs(Ok(same_name_jobs()))),
            app.now
        )
        .is_empty()
    );
    match &app.overlay {
        Some(Overlay::PickJob(pick)) => assert_eq!(pick.jobs, same_name_jobs()[..2].to_vec()),
        other => panic!("expected the choice, got {other:?}"),
    }
    let screen = render(&app);
    for text in [
        "Which genesis job?",
        "Orbit Science · started 2025-05-18 09:00 UTC · job 1f0c2a9b · draft 1",
        "Orbit Science · started 2025-05-19 14:30 UTC · job 7d3e4410 · draft 1",
    ] {
        assert!(screen.contains(text), "missing {text:?} in {screen}");
    }
    assert!(press(&mut app, KeyCode::Down).is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        opened(same_name_jobs()[1].id)
    );
    assert!(app.overlay.is_none());
}

#[test]
fn help_lists_the_job_view_keys() {
    let mut app = app_with_job(false);
    app.overlay = Some(Overlay::Help { scroll: 0 });
    let screen = render(&app);
    for text in [
        "edit the draft",
        "approve the current draft",
        "stop waiting / close the edit line / back",
        "scroll (the stored draft is at the end)",
    ] {
        assert!(screen.contains(text), "missing {text:?}");
    }
}

async fn next_event<T>(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<DataEvent>,
    pick: impl Fn(DataEvent) -> Option<T>,
) -> T {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .expect("an answer in time")
            .expect("worker alive");
        if let Some(found) = pick(event) {
            return found;
        }
    }
}

#[tokio::test]
async fn the_worker_edits_and_approves_in_the_sandbox_with_audit_entries() {
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
    let mut form = mpis_dash::tui::forms::genesis::GenesisFormState::default();
    form.form.persona_name = "Alex".into();
    commands
        .send(Command::GenesisStart(form.form.validate().unwrap()))
        .unwrap();
    let started = next_event(&mut events, |e| match e {
        DataEvent::GenesisStarted(r) => Some(r),
        _ => None,
    })
    .await
    .unwrap();
    let job_id = started.job_id;

    commands.send(Command::GenesisStatus(job_id)).unwrap();
    let (loaded_id, loaded) = next_event(&mut events, |e| match e {
        DataEvent::GenesisStatusLoaded(j, r) => Some((j, r)),
        _ => None,
    })
    .await;
    let loaded = loaded.unwrap();
    assert_eq!(loaded_id, job_id);
    assert_eq!(loaded.status, JobStatus::AwaitingApproval);
    assert_eq!(loaded.draft_no, 1);

    let approve = |draft_no: i32, confirm: bool, edits: Vec<EditOperation>| {
        Command::GenesisApprove(GenesisApproveRequest {
            job_id,
            draft_no,
            confirm,
            edits,
        })
    };
    let approved = |e: DataEvent| match e {
        DataEvent::GenesisApproved(j, r) => Some((j, r)),
        _ => None,
    };
    let edit = EditOperation {
        path: "credo.summary".into(),
        op: EditOp::Replace,
        value: json!("New summary"),
    };
    commands.send(approve(1, false, vec![edit])).unwrap();
    let (_, edited) = next_event(&mut events, approved).await;
    assert_eq!(edited.unwrap().draft_no, 2);

    commands.send(approve(1, true, Vec::new())).unwrap();
    let (_, stale) = next_event(&mut events, approved).await;
    assert_eq!(stale.unwrap_err().stale_draft, Some((2, 1)));

    commands.send(approve(2, true, Vec::new())).unwrap();
    let (_, done) = next_event(&mut events, approved).await;
    let done = done.unwrap();
    assert!(done.persona_id.is_some());
    assert_eq!(done.version.as_deref(), Some("1.0"));
    let paths = done.export_paths.expect("export paths");
    assert!(!paths.base_path.is_empty());
    assert!(!paths.files.is_empty());

    let entries = mpis_dash::store::audit::for_entity(&db.pool, job_id, 10)
        .await
        .unwrap();
    for event_type in [
        "genesis_started",
        "genesis_draft_edited",
        "genesis_approved",
    ] {
        let entry = entries
            .iter()
            .find(|e| e.event_type == event_type)
            .unwrap_or_else(|| panic!("no {event_type} entry"));
        assert_eq!(entry.entity_type.as_deref(), Some("genesis_job"));
        assert_eq!(entry.details.0["operator"], "alice");
    }
    let approved_entry = entries
        .iter()
        .find(|e| e.event_type == "genesis_approved")
        .unwrap();
    assert_eq!(approved_entry.details.0["draft_no"], 2);
    assert_eq!(approved_entry.details.0["version"], "1.0");
    let started_entry = entries
        .iter()
        .find(|e| e.event_type == "genesis_started")
        .unwrap();
    assert_eq!(started_entry.details.0["persona_name"], "Alex");
}

#[tokio::test]
async fn without_mpis_the_job_view_calls_say_none_is_configured() {
    let db = common::db().await;
    let (commands, mut events) = worker::spawn_with_mpis(
        db.pool.clone(),
        "alice".into(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
        None,
    );
    commands.send(Command::GenesisStatus(id(1))).unwrap();
    let (_, result) = next_event(&mut events, |e| match e {
        DataEvent::GenesisStatusLoaded(j, r) => Some((j, r)),
        _ => None,
    })
    .await;
    assert!(result.unwrap_err().contains("no MPIS configured"));
    // A failure says whether an edit or the approval failed.
    for (confirm, call) in [(false, CallKind::Edit), (true, CallKind::Approve)] {
        let request = GenesisApproveRequest {
            job_id: id(1),
            draft_no: 1,
            confirm,
            edits: Vec::new(),
        };
        commands.send(Command::GenesisApprove(request)).unwrap();
        let (_, result) = next_event(&mut events, |e| match e {
            DataEvent::GenesisApproved(j, r) => Some((j, r)),
            _ => None,
        })
        .await;
        assert_eq!(result.unwrap_err().call, call);
    }
}

#[tokio::test]
async fn the_worker_reads_the_jobs_awaiting_approval_for_the_palette() {
    let db = common::db().await;
    for (name, slug, status) in [
        ("Orbit Science", "orbit-science", "awaiting_approval"),
        ("Orbit Science", "orbit-science-2", "awaiting_approval"),
        ("Orbit Science", "orbit-science-3", "committed"),
    ] {
        sqlx::query("INSERT INTO genesis_jobs (persona_name, slug, status) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(slug)
            .bind(status)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let (commands, mut events) = worker::spawn(
        db.pool.clone(),
        "alice".into(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
    );
    commands.send(Command::LoadGenesisJobs).unwrap();
    let jobs = next_event(&mut events, |e| match e {
        DataEvent::GenesisJobs(result) => Some(result),
        _ => None,
    })
    .await
    .unwrap();
    let mut slugs: Vec<&str> = jobs.iter().map(|j| j.slug.as_str()).collect();
    slugs.sort();
    assert_eq!(slugs, ["orbit-science", "orbit-science-2"]);
    // Fed to the app on a layout without persona-overview, the name offers both.
    let mut app = on_call_app();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "genesis orbit science");
    press(&mut app, KeyCode::Enter);
    app.update(Event::Data(DataEvent::GenesisJobs(Ok(jobs))), app.now);
    assert!(matches!(&app.overlay, Some(Overlay::PickJob(pick)) if pick.jobs.len() == 2));
}

#[tokio::test]
async fn the_worker_reads_the_draft_mpis_stored_in_the_database() {
    let db = common::db().await;
    let job_id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO genesis_jobs (persona_name, slug, status, draft_no)
         VALUES ('Alex', 'alex', 'awaiting_approval', 2) RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO genesis_drafts (job_id, draft_no, draft_core_json, human_prompt)
         VALUES ($1, 2, $2, 'Review draft 2')",
    )
    .bind(job_id)
    .bind(json!({"credo": {"summary": "from the database"}}))
    .execute(&db.pool)
    .await
    .unwrap();
    let (commands, mut events) = worker::spawn(
        db.pool.clone(),
        "alice".into(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
    );
    commands
        .send(Command::LoadGenesisDraft {
            job_id,
            draft_no: 2,
        })
        .unwrap();
    let (answered_job, asked, draft) = next_event(&mut events, |e| match e {
        DataEvent::GenesisDraft {
            job_id,
            draft_no,
            result,
        } => Some((job_id, draft_no, result)),
        _ => None,
    })
    .await;
    assert_eq!((answered_job, asked), (job_id, 2));
    let draft = draft.unwrap().expect("the stored draft");
    assert_eq!(draft.core["credo"]["summary"], "from the database");
    assert_eq!(draft.human_prompt.as_deref(), Some("Review draft 2"));
}

#[test]
fn the_stored_draft_shows_while_mpis_has_not_answered_yet() {
    let (mut app, _) = started_with(options(), (120, 40));
    assert_eq!(open_job(&mut app), opened(id(0x9e)));
    draft_arrives(
        &mut app,
        LATEST_DRAFT,
        Some(stored_draft(
            2,
            json!({"credo": {"summary": "kept in the database"}}),
        )),
    );
    let screen = render(&app);
    assert!(screen.contains("loading the job status from MPIS…"));
    assert!(screen.contains("── draft 2 as stored 2026-11-30 10:15 UTC ──"));
    assert!(screen.contains("kept in the database"));
    assert!(!screen.contains("not stored yet"));
    // Until MPIS says which draft is current, nothing is edited or approved.
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    assert!(press(&mut app, KeyCode::Char('A')).is_empty());
    assert!(job(&app).edit.is_none() && app.overlay.is_none());
    assert!(status_text(&app).contains("has not answered the job status yet"));
    // MPIS answers with draft 2, which is already here: no second read. Draft 3 is read.
    let loaded =
        DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 2)));
    assert!(app.update(Event::Data(loaded), app.now).is_empty());
    let moved =
        DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 3)));
    assert_eq!(
        app.update(Event::Data(moved), app.now),
        vec![draft_request(3)]
    );
}

// ---------------------------------------------------------------------------------------------
// The edit line's text fields: the cursor, word keys, pasted text

/// The focused edit field's text before the terminal's cursor, `None` when it is hidden.
fn before_cursor(app: &App) -> Option<String> {
    tui_common::text_before_cursor(&tui_common::draw_view(app, (120, 40)))
}

#[test]
fn the_edit_path_and_value_have_a_cursor_word_keys_and_take_pastes_as_text() {
    let mut app = app_with_job(false);
    // Scrolled down, `e` brings the edit line (near the top) back into sight.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(job(&app).scroll, 0);
    type_text(&mut app, "credo.sumary");
    assert!(before_cursor(&app).is_some_and(|t| t.ends_with("▶ path    credo.sumary")));
    // Left and a typed letter mend the path; j and k are text here, not scrolling.
    for _ in 0..3 {
        press(&mut app, KeyCode::Left);
    }
    type_text(&mut app, "m");
    assert_eq!(
        job(&app).edit.as_ref().map(|e| e.draft.path.as_str()),
        Some("credo.summary")
    );
    assert!(before_cursor(&app).is_some_and(|t| t.ends_with("▶ path    credo.summ")));
    app.update(
        Event::Key(ratatui::crossterm::event::KeyEvent::new(
            KeyCode::Char('b'),
            KeyModifiers::ALT,
        )),
        app.now,
    );
    // A dotted path is one word (Unicode's word boundaries), so Alt-B goes to its start.
    assert!(
        before_cursor(&app).is_some_and(|t| t.ends_with("▶ path    ")),
        "Alt-B to the start of the word: {:?}",
        before_cursor(&app)
    );
    // On the op (a choice) no cursor is shown; the value takes a paste as one line.
    press(&mut app, KeyCode::Tab);
    assert_eq!(before_cursor(&app), None);
    tui_common::paste(&mut app, "x");
    assert!(status_text(&app).contains("paste ignored"));
    press(&mut app, KeyCode::Tab);
    tui_common::paste(&mut app, "\"A calm,\nkind voice\"\n");
    let edit = job(&app).edit.clone().expect("still editing");
    assert_eq!(edit.draft.value_text, "\"A calm, kind voice\"");
    assert!(before_cursor(&app).is_some_and(|t| t.ends_with("▶ value   \"A calm, kind voice\"")));
    // Alt-B, Ctrl-W: the word before "voice" goes.
    app.update(
        Event::Key(ratatui::crossterm::event::KeyEvent::new(
            KeyCode::Char('b'),
            KeyModifiers::ALT,
        )),
        app.now,
    );
    assert!(before_cursor(&app).is_some_and(|t| t.ends_with("▶ value   \"A calm, kind ")));
    app.update(
        Event::Key(ratatui::crossterm::event::KeyEvent::new(
            KeyCode::Char('w'),
            KeyModifiers::CONTROL,
        )),
        app.now,
    );
    let edit = job(&app).edit.clone().expect("still editing");
    assert_eq!(edit.draft.value_text, "\"A calm, voice\"");
    assert!(!app.should_quit && app.overlay.is_none());
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(commands.len(), 1, "sent: {commands:?}");
}
