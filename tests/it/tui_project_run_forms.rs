//! `:project` and `:run`: the two forms drawn (80x24 and 200x50, empty and with errors), their
//! keys (pickers filtered as typed, channels completed and toggled, Esc asking before typed
//! input is lost, Ctrl-S), contract v1's problems at their fields, the read-only refusal, and
//! key sequences that create a project and start a run through the real worker on a real
//! database (the run, its `run_dispatches` row, the run selected in the runs widget).

use crate::common;
use crate::tui_common::*;

use std::time::Duration;

use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::store::personas::PersonaSummary;
use mpis_dash::store::projects::Project;
use mpis_dash::tui::app::{App, AppOptions, Event, Screen};
use mpis_dash::tui::data::{WidgetData, WidgetKind};
use mpis_dash::tui::worker::{self, Command, DataEvent, RunChoices};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];
const NEWS: &str = "bb0e8400-e29b-41d4-a716-446655440006";
const TELEGRAM: &str = "cc0e8400-e29b-41d4-a716-446655440007";
const INSTAGRAM: &str = "dd0e8400-e29b-41d4-a716-446655440008";

fn personas() -> Vec<PersonaSummary> {
    [
        (0x51, "Alex - The Tech Philosopher", "alex-tech", "en"),
        (0x52, "Maria - Mindful Mornings", "maria-mornings", "en"),
        (0x53, "Ivan - Startup Chronicles", "ivan-startups", "ru"),
    ]
    .into_iter()
    .map(|(n, name, slug, language)| PersonaSummary {
        id: id(n),
        name: name.to_string(),
        slug: slug.to_string(),
        language: Some(language.to_string()),
        active_version: Some("v1".to_string()),
        created_at: at("2025-05-01T09:00:00Z"),
    })
    .collect()
}

fn choices() -> RunChoices {
    let project = |n, name: &str, persona, channels: &[&str]| Project {
        id: id(n),
        name: name.to_string(),
        persona_id: id(persona),
        channels: channels.iter().map(|c| c.to_string()).collect(),
        created_at: at("2025-05-02T09:00:00Z"),
    };
    RunChoices {
        projects: vec![
            project(0x61, "Tech Blog Project", 0x51, &["telegram", "instagram"]),
            project(0x62, "Mindful Mornings", 0x52, &["instagram", "tiktok"]),
            project(0x63, "Startup Chronicles", 0x53, &["youtube"]),
        ],
        personas: personas(),
        // The tech blog's last run had a news prompt and a telegram format.
        templates: vec![(
            id(0x61),
            json!({"news_prompt_id": NEWS, "format_telegram_id": TELEGRAM}),
        )],
    }
}

fn draw(app: &App) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    draw_view(app, app.size)
}

fn screen_text(app: &App) -> String {
    draw(app).backend().to_string()
}

/// The screen's line showing `label` (the field's row).
fn line_of(app: &App, label: &str) -> String {
    screen_text(app)
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no line with {label:?}"))
        .to_string()
}

fn palette(app: &mut App, command: &str) -> Vec<Command> {
    press(app, KeyCode::Char(':'));
    type_text(app, command);
    press(app, KeyCode::Enter)
}

fn project_form(size: (u16, u16)) -> App {
    let mut app = loaded_with(options(), size);
    let commands = palette(&mut app, "project");
    assert_eq!(commands, vec![Command::LoadPersonaChoices]);
    app.update(
        Event::Data(DataEvent::PersonaChoices(Ok(personas()))),
        app.now,
    );
    app
}

fn run_form(size: (u16, u16)) -> App {
    let mut app = loaded_with(options(), size);
    let commands = palette(&mut app, "run");
    assert_eq!(commands, vec![Command::LoadRunChoices]);
    app.update(Event::Data(DataEvent::RunChoices(Ok(choices()))), app.now);
    app
}

fn snapshot_both(name: &str, scene: impl Fn((u16, u16)) -> App) {
    for size in SIZES {
        let app = scene(size);
        insta::assert_snapshot!(
            format!("{name}_{}x{}", size.0, size.1),
            draw(&app).backend()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The forms drawn

#[test]
fn project_form_snapshots() {
    snapshot_both("project_form_empty", project_form);
    snapshot_both("project_form_errors", |size| {
        let mut app = project_form(size);
        // No name, a persona no one has, a misspelt channel.
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "zzz");
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "telegramm");
        assert!(app.update(ctrl('s'), app.now).is_empty());
        app
    });
}

#[test]
fn run_form_snapshots() {
    snapshot_both("run_form_empty", run_form);
    snapshot_both("run_form_errors", |size| {
        let mut app = run_form(size);
        type_text(&mut app, "mind");
        press(&mut app, KeyCode::Enter);
        // date_to before date_from, a lookback out of range, max items not a number.
        press(&mut app, KeyCode::Tab);
        app.update(ctrl('u'), app.now);
        type_text(&mut app, "2025-05-22");
        for _ in 0..6 {
            press(&mut app, KeyCode::Tab);
        }
        app.update(ctrl('u'), app.now);
        type_text(&mut app, "0");
        press(&mut app, KeyCode::Tab);
        app.update(ctrl('u'), app.now);
        type_text(&mut app, "ten");
        assert!(app.update(ctrl('s'), app.now).is_empty());
        app
    });
}

// ---------------------------------------------------------------------------------------------
// Keys, validation

#[test]
fn the_project_form_names_each_problem_at_its_field() {
    let mut app = project_form((80, 24));
    assert!(app.update(ctrl('s'), app.now).is_empty(), "nothing sent");
    assert!(line_of(&app, "name ").contains("✖ is required"));
    assert!(line_of(&app, "persona ").contains("✖ is required"));
    // The name fixed: its error goes, the persona's stays.
    type_text(&mut app, "Spring");
    assert!(!line_of(&app, "name ").contains('✖'));
    assert!(line_of(&app, "persona ").contains('✖'));
    // An unknown channel is named with the nearest known one.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "instagramm");
    app.update(ctrl('s'), app.now);
    let Screen::ProjectForm(state) = &app.screen else {
        panic!("the form stays open")
    };
    let channels = state.error(2).expect("channels error");
    assert!(channels.contains("did you mean instagram"), "{channels}");
}

#[test]
fn the_persona_picker_filters_as_typed_and_enter_takes_the_match() {
    let mut app = project_form((80, 24));
    type_text(&mut app, "Spring posts");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "startup");
    let text = screen_text(&app);
    assert!(
        text.contains("personas (1 of 3 matching \"startup\")"),
        "{text}"
    );
    press(&mut app, KeyCode::Enter);
    // Channels: typed with Tab completion, and toggled with Down + Space.
    type_text(&mut app, "tel");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    let commands = app.update(ctrl('s'), app.now);
    let [Command::CreateProject(valid)] = commands.as_slice() else {
        panic!("one create: {commands:?}")
    };
    assert_eq!(valid.name, "Spring posts");
    assert_eq!(valid.persona_id, id(0x53));
    assert_eq!(valid.channels, vec!["telegram", "instagram"]);
}

#[test]
fn the_run_form_defaults_to_the_projects_channels_and_last_templates() {
    let mut app = run_form((80, 24));
    assert!(line_of(&app, "date from").contains("2025-05-20"), "today");
    assert!(line_of(&app, "date to").contains("2025-05-20"));
    assert!(line_of(&app, "lookback days").contains("1  (default)"));
    assert!(line_of(&app, "max items").contains("10  (default)"));
    type_text(&mut app, "tech");
    press(&mut app, KeyCode::Enter);
    assert!(line_of(&app, "project ").contains("persona Alex - The Tech Philosopher"));
    assert!(line_of(&app, "channels ").contains("telegram, instagram"));
    assert!(line_of(&app, "news prompt id").contains(NEWS));
    assert!(line_of(&app, "telegram format id").contains(TELEGRAM));
    assert!(line_of(&app, "instagram format id").contains("required for instagram"));
    // Instagram's format is what is missing, said at its field before anything is sent.
    assert!(app.update(ctrl('s'), app.now).is_empty());
    let line = line_of(&app, "instagram format id");
    assert!(
        line.contains("✖ is required when instagram is in channels"),
        "{line}"
    );
    assert!(!line_of(&app, "telegram format id").contains('✖'));
    // Pasted, then sent.
    paste(&mut app, INSTAGRAM);
    let commands = app.update(ctrl('s'), app.now);
    let [Command::StartRun(valid)] = commands.as_slice() else {
        panic!("one start: {commands:?}")
    };
    assert_eq!(valid.project_id, id(0x61));
    assert_eq!(valid.persona_id, id(0x51));
    assert_eq!(
        valid
            .templates
            .format_instagram_id
            .map(|u| u.to_string())
            .as_deref(),
        Some(INSTAGRAM)
    );
    assert_eq!(valid.options.max_items, 10);
    assert!(valid.options.include_image);
}

#[test]
fn no_project_no_channels_and_bad_dates_are_each_named() {
    let mut app = run_form((80, 24));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    app.update(ctrl('u'), app.now);
    type_text(&mut app, "2025-13-01");
    app.update(ctrl('s'), app.now);
    let Screen::RunForm(state) = &app.screen else {
        panic!("the form stays open")
    };
    let fields: Vec<&str> = state.errors.iter().map(|e| e.field).collect();
    for field in [
        "project_id",
        "channels",
        "date_from",
        "templates.news_prompt_id",
    ] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    assert_eq!(state.focus, 0, "the first field with a problem has focus");
    let date = state.error(2).expect("date_from's error");
    assert!(
        date.contains("is not a date in the form YYYY-MM-DD"),
        "{date}"
    );
    assert!(line_of(&app, "date from").contains("✖ \"2025-13-01\" is not a date"));
}

#[test]
fn esc_asks_before_typed_input_is_lost() {
    // Nothing typed: Esc leaves at once.
    let mut app = project_form((80, 24));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);

    let mut app = project_form((80, 24));
    type_text(&mut app, "Half typed");
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::ProjectForm(_)));
    assert!(screen_text(&app).contains("Discard what you typed? y: discard and leave"));
    // n keeps editing, the text still there.
    press(&mut app, KeyCode::Char('n'));
    assert!(line_of(&app, "name ").contains("Half typed"));
    assert!(!screen_text(&app).contains("Discard what you typed?"));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.screen, Screen::Dashboard);

    // The run form asks once anything differs from its defaults (a toggled option too).
    let mut app = run_form((80, 24));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard, "defaults only: nothing lost");
    let mut app = run_form((80, 24));
    press(&mut app, KeyCode::BackTab); // products weekly
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::RunForm(_)));
    press(&mut app, KeyCode::Esc); // Esc answers "keep editing"
    assert!(matches!(app.screen, Screen::RunForm(_)));
    assert!(line_of(&app, "products weekly").contains("yes"));
}

#[test]
fn read_only_refuses_both_commands() {
    let options = AppOptions {
        read_only: true,
        ..options()
    };
    let mut app = loaded_with(options, (80, 24));
    assert!(palette(&mut app, "project").is_empty());
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(
        app.message.as_ref().map(|m| m.text.as_str()),
        Some("read-only: creating projects is off")
    );
    assert!(palette(&mut app, "run").is_empty());
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(
        app.message.as_ref().map(|m| m.text.as_str()),
        Some("read-only: starting runs is off")
    );
    // `:run ID` still opens a run (reading is allowed).
    let commands = palette(&mut app, "run 3f2a");
    assert!(matches!(
        commands.as_slice(),
        [Command::FindByPrefix { .. }]
    ));
}

#[test]
fn a_refused_write_is_shown_at_its_field() {
    let mut app = run_form((80, 24));
    type_text(&mut app, "startup");
    press(&mut app, KeyCode::Enter);
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    paste(&mut app, NEWS);
    let commands = app.update(ctrl('s'), app.now);
    assert!(
        matches!(commands.as_slice(), [Command::StartRun(_)]),
        "{commands:?}"
    );
    app.update(
        Event::Data(DataEvent::RunStarted(Err(worker::WriteRefused {
            field: Some("project_id".into()),
            message: "project 00000000-0000-0000-0000-000000000063 does not exist (any more?)"
                .into(),
        }))),
        app.now,
    );
    assert!(matches!(app.screen, Screen::RunForm(_)));
    assert!(
        line_of(&app, "project ").contains("✖ project"),
        "{}",
        screen_text(&app)
    );
}

// ---------------------------------------------------------------------------------------------
// Through the real worker

struct Live {
    app: App,
    commands: UnboundedSender<Command>,
    events: UnboundedReceiver<DataEvent>,
}

impl Live {
    fn new(pool: &PgPool, n8n_configured: bool) -> Live {
        let (commands, events) = worker::spawn(
            pool.clone(),
            "alice".to_string(),
            mpis_dash::tui::user_id("alice"),
            Thresholds::default(),
        );
        let mut app = loaded();
        app.n8n_configured = n8n_configured;
        Live {
            app,
            commands,
            events,
        }
    }

    fn send(&self, commands: Vec<Command>) {
        for command in commands {
            self.commands.send(command).expect("worker running");
        }
    }

    fn keys(&mut self, events: Vec<Event>) {
        for event in events {
            let commands = self.app.update(event, self.app.now);
            self.send(commands);
        }
    }

    fn typed(&mut self, text: &str) {
        let commands = type_text(&mut self.app, text);
        self.send(commands);
    }

    /// Feeds every answer into the app (what it asks for goes to the worker) until `done`.
    async fn until(&mut self, done: impl Fn(&DataEvent) -> bool) -> DataEvent {
        loop {
            let event = tokio::time::timeout(Duration::from_secs(10), self.events.recv())
                .await
                .expect("an answer within 10 s")
                .expect("worker running");
            let commands = self.app.update(Event::Data(event.clone()), self.app.now);
            self.send(commands);
            if done(&event) {
                return event;
            }
        }
    }
}

#[tokio::test]
async fn keys_create_a_project_then_start_a_run_with_its_dispatch_row() {
    let db = common::db().await;
    let persona = common::persona(&db.pool, "Nina Field").await;
    let mut live = Live::new(&db.pool, false);

    // :project, a name, the persona by filter, channels completed and toggled, Ctrl-S.
    live.keys(vec![char_key(':')]);
    live.typed("project");
    live.keys(vec![key(KeyCode::Enter)]);
    live.until(|e| matches!(e, DataEvent::PersonaChoices(_)))
        .await;
    live.typed("Field notes");
    live.keys(vec![key(KeyCode::Tab)]);
    live.typed("nina");
    live.keys(vec![key(KeyCode::Enter)]);
    live.typed("tele");
    live.keys(vec![
        key(KeyCode::Tab),
        key(KeyCode::Down),
        key(KeyCode::Down),
        key(KeyCode::Char(' ')),
        ctrl('s'),
    ]);
    let created = live
        .until(|e| matches!(e, DataEvent::ProjectCreated(_)))
        .await;
    let DataEvent::ProjectCreated(Ok(project)) = created else {
        panic!("not created: {created:?}")
    };
    assert_eq!(project.persona_id, persona);
    assert_eq!(project.channels, vec!["telegram", "instagram"]);
    assert_eq!(live.app.screen, Screen::Dashboard);
    let said = live.app.message.clone().expect("said").text;
    assert!(
        said.starts_with("project \"Field notes\" created (telegram, instagram)"),
        "{said}"
    );

    // :run at once: the new project is there to pick; its channels come with it.
    live.keys(vec![char_key(':')]);
    live.typed("run");
    live.keys(vec![key(KeyCode::Enter)]);
    live.until(|e| matches!(e, DataEvent::RunChoices(_))).await;
    live.typed("field");
    live.keys(vec![key(KeyCode::Enter)]);
    assert!(line_of(&live.app, "project ").contains("persona Nina Field"));
    for _ in 0..3 {
        live.keys(vec![key(KeyCode::Tab)]);
    }
    live.keys(vec![Event::Paste(NEWS.into()), key(KeyCode::Tab)]);
    live.keys(vec![Event::Paste(TELEGRAM.into()), key(KeyCode::Tab)]);
    live.keys(vec![Event::Paste(INSTAGRAM.into()), ctrl('s')]);
    let started = live.until(|e| matches!(e, DataEvent::RunStarted(_))).await;
    let DataEvent::RunStarted(Ok(run)) = started else {
        panic!("not started: {started:?}")
    };
    let said = live.app.message.clone().expect("said").text;
    assert_eq!(
        said,
        format!(
            "run {} stays pending: n8n not configured",
            &run.run_id.simple().to_string()[..8]
        )
    );

    // The rows: the run (contract v1's meta) and its dispatch row, queued.
    let (status, project_id, meta): (String, uuid::Uuid, serde_json::Value) =
        sqlx::query_as("SELECT status, project_id, meta FROM dashboard_runs WHERE run_id = $1")
            .bind(run.run_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(status, "pending");
    assert_eq!(project_id, project.id);
    assert_eq!(meta["channels"], json!(["telegram", "instagram"]));
    assert_eq!(meta["templates"]["format_instagram_id"], json!(INSTAGRAM));
    assert_eq!(meta["options"]["max_items"], json!(10));
    let dispatch: String = sqlx::query_scalar("SELECT state FROM run_dispatches WHERE run_id = $1")
        .bind(run.run_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(dispatch, "queued");

    // The runs widget reloads and selects the new run.
    assert_eq!(live.app.screen, Screen::Dashboard);
    let slot = slot_of(&live.app, &WidgetKind::Runs);
    assert_eq!(live.app.focus, slot);
    // (Reloads of the changed table may overtake the first answer: until the list has it.)
    let has_run = |app: &App| {
        matches!(&app.slots[slot].data.value,
            Some(WidgetData::Runs(runs)) if runs.rows.iter().any(|r| r.run_id == run.run_id))
    };
    for _ in 0..10 {
        if has_run(&live.app) {
            break;
        }
        live.until(|e| matches!(e, DataEvent::Widget { slot: s, .. } if *s == slot))
            .await;
    }
    let selected = live.app.slots[slot].selected;
    let Some(WidgetData::Runs(runs)) = &live.app.slots[slot].data.value else {
        panic!("runs loaded")
    };
    assert_eq!(runs.rows[selected].run_id, run.run_id);

    // A second run of the project starts from these templates.
    live.keys(vec![char_key(':')]);
    live.typed("run");
    live.keys(vec![key(KeyCode::Enter)]);
    live.until(|e| matches!(e, DataEvent::RunChoices(_))).await;
    live.typed("field");
    live.keys(vec![key(KeyCode::Enter)]);
    assert!(line_of(&live.app, "instagram format id").contains(INSTAGRAM));
}

#[tokio::test]
async fn with_n8n_configured_the_status_line_says_queued() {
    let db = common::db().await;
    let project = common::persona_with_project(&db.pool, "Queued Quinn").await;
    let mut live = Live::new(&db.pool, true);
    live.keys(vec![char_key(':')]);
    live.typed("run");
    live.keys(vec![key(KeyCode::Enter)]);
    live.until(|e| matches!(e, DataEvent::RunChoices(_))).await;
    live.typed(&project.name);
    live.keys(vec![key(KeyCode::Enter)]);
    // Whatever channels the fixture project has: telegram only, set by hand.
    live.keys(vec![ctrl('u')]);
    live.typed("telegram");
    for _ in 0..3 {
        live.keys(vec![key(KeyCode::Tab)]);
    }
    live.keys(vec![Event::Paste(NEWS.into()), key(KeyCode::Tab)]);
    live.keys(vec![Event::Paste(TELEGRAM.into()), ctrl('s')]);
    let started = live.until(|e| matches!(e, DataEvent::RunStarted(_))).await;
    assert!(
        matches!(started, DataEvent::RunStarted(Ok(_))),
        "{started:?}"
    );
    let said = live.app.message.clone().expect("said").text;
    assert!(said.ends_with(" queued for n8n"), "{said}");
    assert_eq!(common::count(&db.pool, "run_dispatches").await, 1);
}

// ---------------------------------------------------------------------------------------------
// Palette and help

#[test]
fn the_palette_completes_and_describes_both_commands() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "pro");
    let text = screen_text(&app);
    assert!(
        text.contains("project                     new project (name, persona, channels)"),
        "{text}"
    );
    press(&mut app, KeyCode::Tab);
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(commands, vec![Command::LoadPersonaChoices]);
    assert!(matches!(app.screen, Screen::ProjectForm(_)));

    let mut app = loaded();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "run");
    assert!(screen_text(&app).contains("start a run; run ID (or its start) opens it"));
}

#[test]
fn help_lists_the_commands_and_each_forms_keys() {
    let mut app = loaded_with(options(), (200, 50));
    press(&mut app, KeyCode::Char('?'));
    let text = screen_text(&app);
    assert!(
        text.contains(":project                 new project"),
        "{text}"
    );
    assert!(
        text.contains(":run                     start a run"),
        "{text}"
    );

    let mut app = project_form((200, 50));
    press(&mut app, KeyCode::Char('?'));
    // A form takes every key as text: `?` is typed, not help.
    assert!(line_of(&app, "name ").contains('?'));

    // The forms' own keys, as the help shows them (opened as the other forms' tests do).
    for mut app in [project_form((80, 24)), run_form((80, 24))] {
        app.overlay = Some(mpis_dash::tui::app::Overlay::Help { scroll: 0 });
        let text = screen_text(&app);
        assert!(text.contains("leave (asks before losing input)"), "{text}");
        assert!(text.contains("complete the channel being typed"), "{text}");
    }
}

#[test]
fn names_from_the_database_reach_the_terminal_sanitized() {
    let mut app = loaded();
    palette(&mut app, "project");
    let mut hostile = personas();
    hostile[0].name = "Evil\u{1b}]0;pwned\u{7}\u{1b}[2J".to_string();
    app.update(Event::Data(DataEvent::PersonaChoices(Ok(hostile))), app.now);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "evil");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::BackTab);
    let terminal = draw(&app);
    let text = terminal.backend().to_string();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(line_of(&app, "persona ").contains("Evil"), "{text}");
    assert!(
        text.contains("personas (1 of 3 matching \"evil\")"),
        "{text}"
    );
}
