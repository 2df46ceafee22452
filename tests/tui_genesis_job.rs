//! The genesis job view: key and data sequences through `App::update` (pure), what the screen
//! shows, and the worker's status, edit and approval against the MPIS sandbox over real HTTP
//! (with the audit entries).

mod common;
mod tui_common;

use std::time::{Duration, Instant};

use mpis_dash::domain::genesis::EditOp;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::mpis::sandbox::{self, SandboxFaults};
use mpis_dash::mpis::types::{
    EditOperation, ExportPaths, GenesisApproveRequest, GenesisApproveResponse, GenesisStatus,
    JobStatus, PersonaCard, Progress,
};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::tui::app::{App, Event, Overlay, Screen};
use mpis_dash::tui::forms::genesis_job::{ApproveFailure, GenesisJobState};
use mpis_dash::tui::worker::{self, Command, DataEvent};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;
use tui_common::{id, options, press, started_with, type_text};

fn job(app: &App) -> &GenesisJobState {
    match &app.screen {
        Screen::GenesisJob(state) => state,
        other => panic!("expected the genesis job view, got {other:?}"),
    }
}

fn job_mut(app: &mut App) -> &mut GenesisJobState {
    match &mut app.screen {
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
    assert_eq!(open_job(&mut app), vec![Command::GenesisStatus(id(0x9e))]);
    let loaded =
        DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::AwaitingApproval, 1)));
    assert!(app.update(Event::Data(loaded)).is_empty());
    app
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
fn polling_happens_only_while_not_final_and_one_at_a_time() {
    let mut app = app_with_job(false);
    // Not due yet: nothing.
    assert_eq!(polls(&app.update(Event::Tick)), 0);
    job_mut(&mut app).next_poll = Instant::now() - Duration::from_secs(1);
    assert_eq!(polls(&app.update(Event::Tick)), 1);
    // In flight: no second request.
    assert_eq!(polls(&app.update(Event::Tick)), 0);
    let done = DataEvent::GenesisStatusLoaded(id(0x9e), Ok(status(JobStatus::Committed, 2)));
    app.update(Event::Data(done));
    job_mut(&mut app).next_poll = Instant::now() - Duration::from_secs(1);
    assert_eq!(polls(&app.update(Event::Tick)), 0, "final: no more polling");
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
    let answer = GenesisApproveResponse {
        job_id: id(0x9e),
        status: JobStatus::AwaitingApproval,
        draft_no: 2,
        human_prompt: None,
        preview: None,
        persona_id: None,
        version: None,
        export_paths: None,
    };
    let commands = app.update(Event::Data(DataEvent::GenesisApproved(
        id(0x9e),
        Ok(answer),
    )));
    assert_eq!(commands, vec![Command::GenesisStatus(id(0x9e))]);
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
    app.update(Event::Data(DataEvent::GenesisApproved(
        id(0x9e),
        Ok(answer),
    )));
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
        message: "MPIS refused (HTTP 400): Draft number mismatch: expected 2, got 1".into(),
        stale_draft: Some((2, 1)),
    };
    let commands = app.update(Event::Data(DataEvent::GenesisApproved(
        id(0x9e),
        Err(failure),
    )));
    assert_eq!(commands, vec![Command::GenesisStatus(id(0x9e))]);
    let expected = "draft 1 is out of date: MPIS is at draft 2; the view was refreshed";
    assert_eq!(status_text(&app), expected);
    assert!(render(&app).contains(expected));

    // Other errors: the status line, no reload.
    let failure = ApproveFailure {
        message: "MPIS unreachable".into(),
        stale_draft: None,
    };
    let commands = app.update(Event::Data(DataEvent::GenesisApproved(
        id(0x9e),
        Err(failure),
    )));
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
    // r reloads, Esc leaves.
    assert_eq!(
        press(&mut app, KeyCode::Char('r')),
        vec![Command::GenesisStatus(id(0x9e))]
    );
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Dashboard));
}

#[test]
fn help_lists_the_job_view_keys() {
    let mut app = app_with_job(false);
    app.overlay = Some(Overlay::Help);
    let screen = render(&app);
    for text in ["edit the draft", "approve the current draft"] {
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
    for event_type in ["genesis_draft_edited", "genesis_approved"] {
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
}
