//! The genesis job view's edit and approved states (issue 10): the edit panel is always in
//! sight at 80x24 (even after PgDn), Tab completes and cycles the draft's paths, a path not in
//! the draft asks first naming the nearest, and a job already committed opens as approved
//! (persona, version, export paths) without the edit and approve keys; the worker finds the
//! committed job's persona in the database and its export paths in the MPIS sandbox.

use crate::common;
use crate::tui_common::{self, cursor_of, draw_view, id, options, press, started_with, type_text};

use std::time::Duration;

use mpis_dash::domain::genesis::EditOp;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::mpis::sandbox::{self, SandboxFaults};
use mpis_dash::mpis::types::{
    ExportPaths, GenesisApproveRequest, GenesisStatus, JobStatus, PersonaCard, Progress,
};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::store::genesis::GenesisDraft;
use mpis_dash::tui::app::{App, Event, Screen};
use mpis_dash::tui::forms::genesis_job::{CommittedJob, GenesisJobState};
use mpis_dash::tui::worker::{self, Command, DataEvent};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

const SIZE: (u16, u16) = (80, 24);

fn job(app: &App) -> &GenesisJobState {
    match &app.screen {
        Screen::GenesisJob(state) => state,
        other => panic!("expected the genesis job view, got {other:?}"),
    }
}

fn status(state: JobStatus, draft_no: i32, persona_id: Option<uuid::Uuid>) -> GenesisStatus {
    let (percent, message) = state.progress();
    GenesisStatus {
        job_id: id(0x9e),
        status: state.clone(),
        progress: Progress {
            stage: state.as_str().to_string(),
            percent,
            message: message.into(),
        },
        draft_no,
        human_prompt: Some("Review draft and approve".into()),
        preview: Some(PersonaCard {
            persona_id,
            name: "Sofia".into(),
            slug: "sofia".into(),
            active_version: "draft".into(),
            summary: "Grows food on a balcony.".into(),
            top_topics: vec!["gardening".into()],
            dominant_tones: vec!["warm".into()],
            next_actions: Vec::new(),
        }),
        errors: Vec::new(),
    }
}

/// A draft taller than the screen: 30 topics, a credo and an ethos.
fn core() -> serde_json::Value {
    let topics: Vec<serde_json::Value> = (0..30)
        .map(|i| json!({"name": format!("topic number {i}")}))
        .collect();
    json!({
        "credo": {"summary": "Grows food", "statements": ["Small steps", "Share the harvest"]},
        "ethos": {"virtues": ["patience"]},
        "topics": topics
    })
}

/// The job view at 80x24 with a status `state` and its stored draft 1.
fn opened(state: JobStatus, persona_id: Option<uuid::Uuid>) -> (App, Vec<Command>) {
    let (mut app, _) = started_with(options(), SIZE);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, &format!("job {}", id(0x9e)));
    press(&mut app, KeyCode::Enter);
    let commands = app.update(
        Event::Data(DataEvent::GenesisStatusLoaded(
            id(0x9e),
            Ok(status(state, 1, persona_id)),
        )),
        app.now,
    );
    app.update(
        Event::Data(DataEvent::GenesisDraft {
            job_id: id(0x9e),
            draft_no: 1,
            result: Ok(Some(GenesisDraft {
                job_id: id(0x9e),
                draft_no: 1,
                core: core(),
                human_prompt: None,
                created_at: tui_common::at("2026-11-30T10:15:00Z"),
            })),
        }),
        app.now,
    );
    (app, commands)
}

fn awaiting() -> App {
    opened(JobStatus::AwaitingApproval, None).0
}

fn screen(app: &App) -> String {
    draw_view(app, SIZE).backend().to_string()
}

/// The one edit sent, if the commands are exactly that.
fn sent_edit(commands: &[Command]) -> (String, EditOp, serde_json::Value) {
    match commands {
        [
            Command::GenesisApprove(GenesisApproveRequest {
                edits,
                confirm: false,
                ..
            }),
        ] if edits.len() == 1 => (edits[0].path.clone(), edits[0].op, edits[0].value.clone()),
        other => panic!("expected one edit sent, got {other:?}"),
    }
}

#[test]
fn the_edit_panel_is_in_sight_after_page_down_and_typing_goes_there() {
    let mut app = awaiting();
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    let scrolled = job(&app).scroll;
    assert!(scrolled > 0, "the draft is taller than the screen");
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(job(&app).scroll, scrolled, "the approver keeps their place");
    type_text(&mut app, "credo.sum");
    let terminal = draw_view(&app, SIZE);
    let shown = terminal.backend().to_string();
    assert!(shown.contains("Edit draft 1"), "{shown}");
    assert!(shown.contains("▶ path    credo.sum"), "{shown}");
    // The terminal's cursor is in the path field, after what was typed.
    let (column, row) = cursor_of(&terminal).expect("a cursor");
    assert!(row < SIZE.1 - 1, "on screen");
    let line: String = shown.lines().nth(usize::from(row)).unwrap().to_string();
    assert!(line.contains("credo.sum"), "cursor row {row}: {line}");
    assert_eq!(column, 1 + 10 + 9, "after \"credo.sum\"");
    insta::assert_snapshot!("genesis_edit_panel_80x24", terminal.backend());
    // At 200x50 too: the panel at the bottom, the cursor in its path field.
    let terminal = draw_view(&app, (200, 50));
    let (_, row) = cursor_of(&terminal).expect("a cursor");
    let text = terminal.backend().to_string();
    let rows: Vec<&str> = text.lines().collect();
    assert!(
        rows[usize::from(row)].contains("▶ path    credo.sum"),
        "{text}"
    );
    assert!(
        rows[usize::from(row) - 1].contains("Edit draft 1"),
        "{text}"
    );
    assert!(usize::from(row) > 40, "docked at the bottom: row {row}");
    // PgDn still scrolls the draft above the panel while editing.
    press(&mut app, KeyCode::PageDown);
    assert!(job(&app).scroll > scrolled);
    assert!(job(&app).edit.is_some());
}

#[test]
fn tab_completes_and_cycles_the_drafts_paths() {
    let mut app = awaiting();
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "credo.s");
    let shown = screen(&app);
    assert!(
        shown.contains("Tab:    credo.statements · credo.statements[0]"),
        "{shown}"
    );
    let path = |app: &App| job(app).edit.as_ref().unwrap().draft.path.clone();
    press(&mut app, KeyCode::Tab);
    assert_eq!(path(&app), "credo.statements");
    press(&mut app, KeyCode::Tab);
    assert_eq!(path(&app), "credo.statements[0]");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(path(&app), "credo.summary");
    press(&mut app, KeyCode::Tab);
    assert_eq!(path(&app), "credo.statements", "round again");
    press(&mut app, KeyCode::BackTab);
    assert_eq!(path(&app), "credo.summary", "Shift-Tab back");
    assert_eq!(job(&app).edit.as_ref().unwrap().focus, 0);
    // Typing ends the cycle; a unique match completes, and Tab then moves on.
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(path(&app), "credo.summa");
    press(&mut app, KeyCode::Tab);
    assert_eq!(path(&app), "credo.summary");
    press(&mut app, KeyCode::Tab);
    assert_eq!(job(&app).edit.as_ref().unwrap().focus, 1, "on to the op");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Grows herbs");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        sent_edit(&commands),
        (
            "credo.summary".into(),
            EditOp::Replace,
            json!("Grows herbs")
        )
    );
}

#[test]
fn a_path_not_in_the_draft_asks_first_naming_the_nearest() {
    let mut app = awaiting();
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "credo.sumary");
    let shown = screen(&app);
    assert!(shown.contains("no path of the draft starts so"), "{shown}");
    press(&mut app, KeyCode::Tab); // nothing to complete: on to the op
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Grows herbs");
    assert!(press(&mut app, KeyCode::Enter).is_empty(), "asks first");
    let shown = screen(&app).replace("│\n│", " ");
    assert!(
        shown.contains("credo.sumary is not in draft 1 (nearest existing path:")
            && shown.contains("credo.summary"),
        "{shown}"
    );
    // n: back to the path, nothing sent.
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    let edit = job(&app).edit.as_ref().expect("still editing");
    assert!(edit.question.is_none());
    assert_eq!(edit.focus, 0);
    // Asked again; Tab takes the nearest path, Enter then sends it without a question.
    press(&mut app, KeyCode::Enter);
    assert!(job(&app).edit.as_ref().unwrap().question.is_some());
    press(&mut app, KeyCode::Tab);
    assert_eq!(job(&app).edit.as_ref().unwrap().draft.path, "credo.summary");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(sent_edit(&commands).0, "credo.summary");

    // y adds the new path as typed.
    let mut app = awaiting();
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "credo.motto");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Grow");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let commands = press(&mut app, KeyCode::Char('y'));
    assert_eq!(sent_edit(&commands).0, "credo.motto");

    // Removing what is not there is refused at once, naming the nearest.
    let mut app = awaiting();
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "ethos.vertues");
    press(&mut app, KeyCode::Tab); // no completion: on to the op
    press(&mut app, KeyCode::Right); // replace -> remove
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let error = job(&app)
        .edit
        .as_ref()
        .unwrap()
        .error
        .clone()
        .expect("an error");
    assert_eq!(error.field, "path");
    assert_eq!(
        error.message,
        "ethos.vertues is not in the draft (nearest existing path: ethos.virtues): nothing to remove"
    );
}

#[test]
fn a_committed_job_opens_as_approved_without_edit_and_approve() {
    let persona = id(0x7e);
    let (mut app, commands) = opened(JobStatus::Committed, Some(persona));
    assert!(
        commands.contains(&Command::LoadGenesisCommitted {
            job_id: id(0x9e),
            persona_id: Some(persona),
        }),
        "{commands:?}"
    );
    let shown = screen(&app);
    assert!(shown.contains("── approved ──"), "{shown}");
    assert!(
        !shown.contains("e edit draft") && !shown.contains("A approve"),
        "{shown}"
    );
    assert!(shown.contains("r reload"), "{shown}");
    app.update(
        Event::Data(DataEvent::GenesisCommitted(
            id(0x9e),
            Ok(CommittedJob {
                persona_id: Some(persona),
                version: Some("1.0".into()),
                export_paths: Some(ExportPaths {
                    base_path: "/opt/mpis/personas/sofia".into(),
                    files: [(
                        "core".to_string(),
                        "/opt/mpis/personas/sofia/core".to_string(),
                    )]
                    .into_iter()
                    .collect(),
                }),
                export_error: None,
            }),
        )),
        app.now,
    );
    let terminal = draw_view(&app, SIZE);
    let shown = terminal.backend().to_string();
    assert!(
        shown.contains(&format!("persona {persona} · version 1.0")),
        "{shown}"
    );
    assert!(
        shown.contains("exported to /opt/mpis/personas/sofia"),
        "{shown}"
    );
    assert!(
        !shown.contains("MPIS asks"),
        "no prompt to approve:\n{shown}"
    );
    insta::assert_snapshot!("genesis_committed_80x24", terminal.backend());
    // e and A are refused, saying why.
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    assert!(job(&app).edit.is_none());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("the job is finished")),
        "{:?}",
        app.message
    );
    assert!(press(&mut app, KeyCode::Char('A')).is_empty());
    assert!(app.overlay.is_none());
    // Asked once, not on every reload.
    let again = app.update(
        Event::Data(DataEvent::GenesisStatusLoaded(
            id(0x9e),
            Ok(status(JobStatus::Committed, 1, Some(persona))),
        )),
        app.now,
    );
    assert!(
        !again
            .iter()
            .any(|c| matches!(c, Command::LoadGenesisCommitted { .. }))
    );
    // A job awaiting approval asks nothing of the kind.
    let (_, commands) = opened(JobStatus::AwaitingApproval, None);
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::LoadGenesisCommitted { .. }))
    );
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
async fn the_worker_reads_a_committed_jobs_persona_version_and_export_paths() {
    let db = common::db().await;
    let sandbox = sandbox::start_with_database(
        "127.0.0.1:0".parse().unwrap(),
        SandboxFaults::none(),
        db.pool.clone(),
    )
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
    form.form.persona_name = "Sofia".into();
    commands
        .send(Command::GenesisStart(form.form.validate().unwrap()))
        .unwrap();
    let job_id = next_event(&mut events, |e| match e {
        DataEvent::GenesisStarted(r) => Some(r),
        _ => None,
    })
    .await
    .unwrap()
    .job_id;
    commands
        .send(Command::GenesisApprove(GenesisApproveRequest {
            job_id,
            draft_no: 1,
            confirm: true,
            edits: Vec::new(),
        }))
        .unwrap();
    let approved = next_event(&mut events, |e| match e {
        DataEvent::GenesisApproved(_, r) => Some(r),
        _ => None,
    })
    .await
    .unwrap();
    let persona = approved.persona_id.expect("committed");

    // Opened later, the preview naming no persona: the database says which, MPIS where.
    commands
        .send(Command::LoadGenesisCommitted {
            job_id,
            persona_id: None,
        })
        .unwrap();
    let (asked, committed) = next_event(&mut events, |e| match e {
        DataEvent::GenesisCommitted(j, r) => Some((j, r)),
        _ => None,
    })
    .await;
    assert_eq!(asked, job_id);
    let committed = committed.unwrap();
    assert_eq!(committed.persona_id, Some(persona));
    assert_eq!(committed.version.as_deref(), Some("1.0"));
    assert_eq!(committed.export_error, None);
    let paths = committed.export_paths.expect("export paths");
    assert!(paths.base_path.ends_with("/sofia"), "{}", paths.base_path);
    assert_eq!(
        paths.files.keys().map(String::as_str).collect::<Vec<_>>(),
        ["core", "docs", "memory"]
    );
}
