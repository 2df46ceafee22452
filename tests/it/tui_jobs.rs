//! `:jobs`: the ingestion jobs list, the create / edit form (a valid cron with its next three
//! runs, an invalid one named at its field) and a job's run history with per-item errors,
//! drawn at 80x24 and 200x50; the keys (filter keeping the selection, `:jobs NAME`, read-only
//! refusals); and through the real worker on a real database: a job created through the form,
//! enabled / disabled, and run now against the YouTube stand-in with its outcome said and its
//! per-item errors in the history.

use crate::common;
use crate::tui_common::*;

use std::time::Duration;

use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::ingest::standin::{self, Knobs, Platform, YOUTUBE_KEY};
use mpis_dash::jobs::ingest::Scheduler;
use mpis_dash::store::ingestion_runs::{IngestionRun, ItemError};
use mpis_dash::store::jobs::{self, IngestionJob, NewJob};
use mpis_dash::store::personas::PersonaSummary;
use mpis_dash::tui::app::{App, Event, PaletteNames, Screen, palette_completions};
use mpis_dash::tui::worker::{self, Command, DataEvent, JobsList};
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::types::Json;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use uuid::Uuid;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

// ---------------------------------------------------------------------------------------------
// Fixtures

fn persona(n: u128, name: &str) -> PersonaSummary {
    PersonaSummary {
        id: id(n),
        name: name.to_string(),
        slug: name.to_lowercase().replace(' ', "-"),
        language: Some("en".to_string()),
        active_version: Some("v1".to_string()),
        created_at: at("2025-05-01T09:00:00Z"),
    }
}

#[allow(clippy::too_many_arguments)]
fn job(
    n: u128,
    name: &str,
    channel: &str,
    persona: Option<u128>,
    cron: &str,
    last: Option<(&str, &str)>,
    enabled: bool,
    config: Value,
) -> IngestionJob {
    IngestionJob {
        id: id(0x7000 + n),
        job_name: name.to_string(),
        channel: channel.to_string(),
        persona_id: persona.map(id),
        schedule_cron: cron.to_string(),
        last_run_at: last.map(|(at_, _)| at(at_)),
        next_run_at: Some(at("2025-05-20T13:00:00Z")),
        enabled,
        config: Json(config),
        last_status: last.map(|(_, status)| status.to_string()),
        last_error: (last.map(|l| l.1) == Some("partial"))
            .then(|| "2 of 40 items failed".to_string()),
        created_at: at("2025-04-01T09:00:00Z"),
    }
}

fn jobs_list() -> JobsList {
    JobsList {
        jobs: vec![
            job(
                1,
                "instagram-insights",
                "instagram",
                Some(0x51),
                "0 */6 * * *",
                Some(("2025-05-20T06:00:00Z", "success")),
                true,
                json!({"credential": {"env": "IG_TOKEN"}, "lookback_hours": 48}),
            ),
            job(
                2,
                "telegram-views",
                "telegram",
                None,
                "*/15 * * * *",
                None,
                false,
                json!({}),
            ),
            job(
                3,
                "youtube-hourly",
                "youtube",
                Some(0x52),
                "0 * * * *",
                Some(("2025-05-20T11:00:00Z", "partial")),
                true,
                json!({"credential": {"file": "/etc/mpis-dash/secrets.toml", "key": "youtube"},
                       "base_url": "http://127.0.0.1:9000"}),
            ),
        ],
        personas: vec![persona(0x51, "Alex Tech"), persona(0x52, "Maria Mornings")],
    }
}

fn runs() -> Vec<IngestionRun> {
    let run = |n: u128, started: &str, secs: i64, manual: bool, asked, rows, outcome: &str| {
        IngestionRun {
            id: id(0xb000 + n),
            job_id: id(0x7003),
            started_at: at(started),
            finished_at: Some(at(started) + chrono::Duration::seconds(secs)),
            items_asked: asked,
            rows_written: rows,
            outcome: outcome.to_string(),
            error: None,
            item_errors: Json(Vec::new()),
            triggered_by: if manual { "manual" } else { "schedule" }.to_string(),
        }
    };
    let mut partial = run(1, "2025-05-20T11:00:00Z", 4, false, 40, 38, "partial");
    partial.error = Some("2 of 40 items failed".to_string());
    partial.item_errors = Json(vec![
        ItemError {
            published_item_id: id(0xc001),
            error: "video dQw4w9WgXcQ not in the platform's answer".to_string(),
        },
        ItemError {
            published_item_id: id(0xc002),
            // Sanitized when drawn.
            error: "quota exceeded\u{1b}[31m for 9bZkp7q19f0".to_string(),
        },
    ]);
    let mut failed = run(3, "2025-05-20T09:00:00Z", 1, false, 40, 0, "failed");
    failed.error = Some("credentials refused: API key not valid".to_string());
    vec![
        partial,
        run(2, "2025-05-20T10:12:30Z", 2, true, 40, 40, "success"),
        failed,
    ]
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn draw(app: &App) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    draw_view(app, app.size)
}

fn screen_text(app: &App) -> String {
    draw(app).backend().to_string()
}

fn palette(app: &mut App, command: &str) -> Vec<Command> {
    press(app, KeyCode::Char(':'));
    type_text(app, command);
    press(app, KeyCode::Enter)
}

pub(crate) fn jobs_screen_with(options: mpis_dash::tui::app::AppOptions, size: (u16, u16)) -> App {
    let mut app = loaded_with(options, size);
    assert_eq!(palette(&mut app, "jobs"), vec![Command::LoadJobs]);
    app.update(Event::Data(DataEvent::Jobs(Ok(jobs_list()))), app.now);
    app
}

fn jobs_screen(size: (u16, u16)) -> App {
    jobs_screen_with(options(), size)
}

fn history(size: (u16, u16)) -> App {
    let mut app = jobs_screen(size);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadJobRuns(id(0x7003)), Command::LoadJobs]
    );
    app.update(
        Event::Data(DataEvent::JobRuns(id(0x7003), Ok(runs()))),
        app.now,
    );
    app
}

fn new_form(size: (u16, u16)) -> App {
    let mut app = jobs_screen(size);
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(matches!(app.screen, Screen::JobForm(_)));
    type_text(&mut app, "YouTube every 15");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "you");
    press(&mut app, KeyCode::Tab); // completes "youtube"
    press(&mut app, KeyCode::Tab); // persona (blank: all)
    press(&mut app, KeyCode::Tab); // cron
    app.update(ctrl('u'), app.now);
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
// Drawn

#[test]
fn jobs_list_snapshots() {
    snapshot_both("jobs_list", jobs_screen);
}

#[test]
fn job_form_with_a_valid_cron_shows_the_next_three_runs() {
    snapshot_both("job_form_valid_cron", |size| {
        let mut app = new_form(size);
        type_text(&mut app, "*/15 * * * *");
        app
    });
    let mut app = new_form((80, 24));
    type_text(&mut app, "*/15 * * * *");
    let text = screen_text(&app);
    // The app's time is 2025-05-20 12:00 UTC (a Tuesday).
    assert!(
        text.contains("next: Tue 05-20 12:15 · Tue 05-20 12:30 · Tue 05-20 12:45 UTC"),
        "{text}"
    );
}

#[test]
fn job_form_with_an_invalid_cron_names_the_field() {
    snapshot_both("job_form_invalid_cron", |size| {
        let mut app = new_form(size);
        type_text(&mut app, "0 * * *");
        assert!(app.update(ctrl('s'), app.now).is_empty());
        app
    });
    let mut app = new_form((80, 24));
    type_text(&mut app, "0 * * *");
    // As typed, before any submit.
    assert!(screen_text(&app).contains("has 4 fields"));
    assert!(app.update(ctrl('s'), app.now).is_empty());
    let Screen::JobForm(form) = &app.screen else {
        panic!("the form stays open")
    };
    let fields: Vec<&str> = form.errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["schedule_cron"]);
    let cron_line = screen_text(&app)
        .lines()
        .find(|l| l.contains("cron"))
        .unwrap()
        .to_string();
    assert!(cron_line.contains("✖ schedule_cron"), "{cron_line}");
}

#[test]
fn job_history_with_per_item_errors_snapshots() {
    snapshot_both("job_history", history);
    let mut app = history((80, 24));
    let text = screen_text(&app);
    assert!(
        text.contains("00000000-0000-0000-0000-00000000c001 video dQw4w9WgXcQ"),
        "{text}"
    );
    // The escape sequence is shown escaped, never sent to the terminal.
    assert!(!text.contains('\u{1b}'));
    // Enter scrolls the errors; Esc gives the keys back to the runs, then leaves.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    let Screen::JobHistory(state) = &app.screen else {
        panic!("history")
    };
    assert!(state.errors_focused);
    assert_eq!((state.scroll, state.selected), (1, 0));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    let Screen::JobHistory(state) = &app.screen else {
        panic!("history")
    };
    assert_eq!((state.errors_focused, state.selected), (false, 1));
    assert!(screen_text(&app).contains("no errors"));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Jobs(_)));
}

// ---------------------------------------------------------------------------------------------
// Keys

#[test]
fn the_filter_keeps_the_selected_job_across_reloads() {
    let mut app = jobs_screen((80, 24));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "hour");
    press(&mut app, KeyCode::Enter);
    let Screen::Jobs(state) = &app.screen else {
        panic!("jobs")
    };
    assert_eq!(state.rows().len(), 1);
    assert_eq!(state.selected_job().map(|j| j.id), Some(id(0x7003)));
    // A reload with a new job first: still the same job selected.
    let mut list = jobs_list();
    list.jobs.insert(
        0,
        job(
            9,
            "a-first",
            "tiktok",
            None,
            "@daily",
            None,
            true,
            json!({}),
        ),
    );
    press(&mut app, KeyCode::Esc); // clears the filter
    app.update(Event::Data(DataEvent::Jobs(Ok(list))), app.now);
    let Screen::Jobs(state) = &app.screen else {
        panic!("jobs")
    };
    assert_eq!(state.selected_job().map(|j| j.id), Some(id(0x7003)));
    assert_eq!(state.selected, 3);
}

#[test]
fn jobs_name_opens_that_jobs_history_and_completes() {
    let mut app = loaded();
    assert_eq!(
        palette(&mut app, "jobs telegram-views"),
        vec![Command::LoadJobs]
    );
    let commands = app.update(Event::Data(DataEvent::Jobs(Ok(jobs_list()))), app.now);
    assert_eq!(
        commands,
        vec![Command::LoadJobRuns(id(0x7002)), Command::LoadJobs]
    );
    assert!(matches!(&app.screen, Screen::JobHistory(h) if h.job.job_name == "telegram-views"));
    let names = PaletteNames {
        ingestion_jobs: app.job_names.clone().unwrap(),
        ..PaletteNames::default()
    };
    assert_eq!(
        palette_completions("jobs you", &names),
        vec!["jobs youtube-hourly"]
    );
    assert!(palette_completions("jo", &names).contains(&"jobs".to_string()));
    let mut app = loaded();
    palette(&mut app, "jobs nothing-like-it");
    app.update(Event::Data(DataEvent::Jobs(Ok(jobs_list()))), app.now);
    assert!(matches!(app.screen, Screen::Jobs(_)));
    assert!(app.message.unwrap().text.contains("no ingestion job named"));
}

#[test]
fn enter_on_the_dashboards_jobs_widget_opens_jobs_on_that_job() {
    let mut app = loaded();
    let commands = palette(&mut app, "layout On-call");
    answer(&mut app, &commands);
    let slot = slot_of(&app, &mpis_dash::tui::data::WidgetKind::IngestionJobs);
    app.focus = slot;
    app.slots[slot].selected = 1; // telegram-views in the widget's fixture
    assert_eq!(press(&mut app, KeyCode::Enter), vec![Command::LoadJobs]);
    app.update(Event::Data(DataEvent::Jobs(Ok(jobs_list()))), app.now);
    let Screen::Jobs(state) = &app.screen else {
        panic!("jobs: {:?}", app.screen)
    };
    assert_eq!(state.selected_job().map(|j| j.id), Some(id(0x7002)));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn read_only_refuses_every_write_but_shows_the_list_and_history() {
    let mut options = options();
    options.read_only = true;
    let mut app = jobs_screen_with(options, (80, 24));
    for key in ['n', 'e', 'x', ' ', 'r', 'd'] {
        app.message = None;
        assert!(press(&mut app, KeyCode::Char(key)).is_empty(), "{key}");
        let said = app.message.clone().expect("said");
        assert!(
            said.error && said.text.starts_with("read-only:"),
            "{key}: {}",
            said.text
        );
        assert!(matches!(app.screen, Screen::Jobs(_)), "{key}");
        assert!(app.overlay.is_none(), "{key}");
    }
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Command::LoadJobRuns(id(0x7001)), Command::LoadJobs]
    );
    assert!(press(&mut app, KeyCode::Char('r')).is_empty());
    assert!(app.message.clone().unwrap().text.starts_with("read-only:"));
}

#[test]
fn edit_opens_the_job_as_stored_and_saves_every_field_keeping_other_config_keys() {
    let mut app = jobs_screen((80, 24));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    let Screen::JobForm(form) = &app.screen else {
        panic!("the form: {:?}", app.screen)
    };
    assert_eq!(form.editing, Some(id(0x7003)));
    assert_eq!(form.value(2), "Maria Mornings");
    assert_eq!(form.credential.value, "/etc/mpis-dash/secrets.toml#youtube");
    assert_eq!(form.base_url.value, "http://127.0.0.1:9000");
    // Nothing changed: Esc leaves at once.
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Jobs(_)));
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "-2");
    // Changed: Esc asks first; n keeps editing.
    press(&mut app, KeyCode::Esc);
    assert!(screen_text(&app).contains("Discard what you typed?"));
    press(&mut app, KeyCode::Char('n'));
    for _ in 0..7 {
        press(&mut app, KeyCode::Tab);
    }
    press(&mut app, KeyCode::Char(' ')); // enabled: no
    let commands = app.update(ctrl('s'), app.now);
    let [Command::SaveJob(Some(job_id), valid)] = commands.as_slice() else {
        panic!("saved: {commands:?}")
    };
    assert_eq!(*job_id, id(0x7003));
    assert_eq!(valid.job_name, "youtube-hourly-2");
    assert_eq!(valid.persona_id, Some(id(0x52)));
    assert!(!valid.enabled);
    assert_eq!(
        valid.config,
        json!({"credential": {"file": "/etc/mpis-dash/secrets.toml", "key": "youtube"},
               "base_url": "http://127.0.0.1:9000"})
    );
    // Saved: back to the list, that job selected.
    let mut saved = jobs_list().jobs.remove(2);
    saved.job_name = "youtube-hourly-2".into();
    let commands = app.update(Event::Data(DataEvent::JobSaved(false, Ok(saved))), app.now);
    assert_eq!(commands, vec![Command::LoadJobs]);
    assert!(
        app.message
            .clone()
            .unwrap()
            .text
            .starts_with("job \"youtube-hourly-2\" saved")
    );
}

#[test]
fn delete_asks_first_then_sends_the_delete() {
    let mut app = jobs_screen((80, 24));
    assert!(press(&mut app, KeyCode::Char('d')).is_empty());
    assert!(screen_text(&app).contains("Delete the ingestion job \"instagram-insights\""));
    let commands = press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        commands,
        vec![Command::DeleteJob {
            id: id(0x7001),
            name: "instagram-insights".to_string()
        }]
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
    fn new(pool: &PgPool) -> Live {
        let scheduler = Scheduler::new(
            pool.clone(),
            &crate::api_common::config(),
            mpis_dash::ingest::channel_fetchers(),
        );
        let (commands, events) = worker::spawn_with(
            pool.clone(),
            "alice".to_string(),
            mpis_dash::tui::user_id("alice"),
            Thresholds::default(),
            worker::Services {
                scheduler: Some(scheduler),
                ..worker::Services::default()
            },
        );
        Live {
            app: loaded(),
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
            let event = tokio::time::timeout(Duration::from_secs(20), self.events.recv())
                .await
                .expect("an answer within 20 s")
                .expect("worker running");
            let commands = self.app.update(Event::Data(event.clone()), self.app.now);
            self.send(commands);
            if done(&event) {
                return event;
            }
        }
    }

    async fn open_jobs(&mut self) {
        self.keys(vec![char_key(':')]);
        self.typed("jobs");
        self.keys(vec![key(KeyCode::Enter)]);
        self.until(|e| matches!(e, DataEvent::Jobs(_))).await;
    }

    fn said(&self) -> String {
        self.app.message.clone().expect("said").text
    }
}

async fn stored(pool: &PgPool, name: &str) -> IngestionJob {
    jobs::list(pool, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.job_name == name)
        .expect("stored")
}

#[tokio::test]
async fn keys_create_a_job_through_the_form_then_disable_and_enable_it() {
    let db = common::db().await;
    let persona = common::persona(&db.pool, "Nina Field").await;
    let mut live = Live::new(&db.pool);
    live.open_jobs().await;
    live.keys(vec![char_key('n')]);
    live.typed("Nina on YouTube");
    live.keys(vec![key(KeyCode::Tab)]);
    live.typed("yout");
    live.keys(vec![key(KeyCode::Tab), key(KeyCode::Tab)]);
    live.typed("nina");
    live.keys(vec![key(KeyCode::Enter)]); // takes the persona, on to the cron
    live.keys(vec![ctrl('u')]);
    live.typed("*/30 * * * *");
    live.keys(vec![key(KeyCode::Tab)]);
    live.typed("48");
    live.keys(vec![key(KeyCode::Tab)]);
    live.typed("http://127.0.0.1:9/youtube");
    live.keys(vec![key(KeyCode::Tab)]);
    live.typed("YT_API_KEY");
    live.keys(vec![ctrl('s')]);
    let saved = live.until(|e| matches!(e, DataEvent::JobSaved(..))).await;
    let DataEvent::JobSaved(true, Ok(job)) = saved else {
        panic!("not saved: {saved:?}")
    };
    assert!(
        live.said()
            .starts_with("job \"Nina on YouTube\" created: next run")
    );
    let row = stored(&db.pool, "Nina on YouTube").await;
    assert_eq!(row.id, job.id);
    assert_eq!(
        (
            row.channel.as_str(),
            row.persona_id,
            row.schedule_cron.as_str()
        ),
        ("youtube", Some(persona), "*/30 * * * *")
    );
    assert_eq!(
        row.config.0,
        json!({"lookback_hours": 48, "base_url": "http://127.0.0.1:9/youtube",
               "credential": {"env": "YT_API_KEY"}})
    );
    assert!(row.enabled && row.next_run_at.is_some());
    // Back on the list, the new job selected once it arrives.
    live.until(|e| matches!(e, DataEvent::Jobs(_))).await;
    let Screen::Jobs(state) = &live.app.screen else {
        panic!("back on the list: {:?}", live.app.screen)
    };
    assert_eq!(state.selected_job().map(|j| j.id), Some(job.id));

    // x: disabled (one write), the status line says so; Space: enabled again.
    live.keys(vec![char_key('x')]);
    live.until(|e| matches!(e, DataEvent::JobToggled(_))).await;
    assert!(live.said().contains("disabled"), "{}", live.said());
    assert!(!stored(&db.pool, "Nina on YouTube").await.enabled);
    live.until(|e| matches!(e, DataEvent::Jobs(_))).await;
    live.keys(vec![char_key(' ')]);
    live.until(|e| matches!(e, DataEvent::JobToggled(_))).await;
    assert!(live.said().contains("enabled: next run"), "{}", live.said());
    assert!(stored(&db.pool, "Nina on YouTube").await.enabled);

    // A second job of the same name is refused at the name field.
    live.until(|e| matches!(e, DataEvent::Jobs(_))).await;
    live.keys(vec![char_key('n')]);
    live.typed("Nina on YouTube");
    live.keys(vec![key(KeyCode::Tab)]);
    live.typed("youtube");
    live.keys(vec![ctrl('s')]);
    let saved = live.until(|e| matches!(e, DataEvent::JobSaved(..))).await;
    assert!(matches!(saved, DataEvent::JobSaved(true, Err(_))));
    let Screen::JobForm(form) = &live.app.screen else {
        panic!("the form stays open")
    };
    assert_eq!(form.errors[0].field, "job_name");
    assert!(form.errors[0].message.contains("already exists"));
}

#[tokio::test]
async fn run_now_against_the_youtube_stand_in_says_the_outcome_and_the_history_has_the_errors() {
    use std::os::unix::fs::PermissionsExt;
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Ada").await;
    let draft = common::draft(pool, persona, "youtube").await;
    let mut items = Vec::new();
    for platform_id in ["dQw4w9WgXcQ", "9bZkp7q19f0", "kJQP7kiw5Fk"] {
        let published = chrono::Utc::now() - chrono::Duration::hours(1);
        items.push(common::published_item(pool, draft, "youtube", platform_id, published).await);
    }
    // YouTube leaves one video out of its answer.
    let api = standin::start_with(
        Platform::Youtube,
        Knobs {
            unknown_ids: ["kJQP7kiw5Fk".to_string()].into(),
            ..Knobs::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.toml");
    std::fs::write(&secrets, format!("youtube = \"{YOUTUBE_KEY}\"\n")).unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let job = jobs::create(
        pool,
        &NewJob {
            job_name: "yt-standin".into(),
            channel: "youtube".into(),
            persona_id: Some(persona),
            schedule_cron: "0 0 1 1 *".into(),
            config: json!({
                "credential": {"file": secrets.to_str().unwrap(), "key": "youtube"},
                "base_url": api.base_url,
            }),
            enabled: true,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();

    let mut live = Live::new(pool);
    live.open_jobs().await;
    live.keys(vec![char_key('r')]);
    assert_eq!(live.said(), "job \"yt-standin\": running…");
    assert!(live.app.jobs_running.contains(&job.id));
    let started = live
        .until(|e| matches!(e, DataEvent::JobRunStarted(..)))
        .await;
    let DataEvent::JobRunStarted(_, Ok(run_id)) = started else {
        panic!("not started: {started:?}")
    };
    assert!(live.said().contains("running… (run"), "{}", live.said());
    assert!(screen_text(&live.app).contains("▶ running…"));
    // A second r while it runs starts nothing.
    live.keys(vec![char_key('r')]);
    assert!(live.said().contains("running already"));
    let finished = live
        .until(|e| matches!(e, DataEvent::JobRunFinished(..)))
        .await;
    let DataEvent::JobRunFinished(_, Ok(run)) = finished else {
        panic!("not finished: {finished:?}")
    };
    assert_eq!(run.id, run_id);
    assert_eq!(
        live.said(),
        "job \"yt-standin\": ◐ partial — 2 rows from 3 items, 1 item errors (Enter: history)"
    );
    assert!(live.app.jobs_running.is_empty());
    let written: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM normalized_metrics WHERE source = 'ingest:yt-standin'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(written, 2);

    // Enter: the history, this run first, triggered by run now, its item's error below.
    live.until(|e| matches!(e, DataEvent::Jobs(_))).await;
    live.keys(vec![key(KeyCode::Enter)]);
    live.until(|e| matches!(e, DataEvent::JobRuns(..))).await;
    let text = screen_text(&live.app);
    assert!(text.contains("run now"), "{text}");
    assert!(text.contains("◐ partial"), "{text}");
    let failed_item: Uuid = items[2];
    assert!(
        text.contains(&format!(
            "{failed_item} YouTube returned no video kJQP7kiw5Fk"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn run_now_without_a_scheduler_says_it_is_off() {
    let db = common::db().await;
    let job = jobs::create(
        &db.pool,
        &NewJob {
            job_name: "lonely".into(),
            channel: "youtube".into(),
            persona_id: None,
            schedule_cron: "@daily".into(),
            config: json!({}),
            enabled: true,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let (commands, mut events) = worker::spawn(
        db.pool.clone(),
        "alice".to_string(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
    );
    commands.send(Command::RunJobNow(job.id)).unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap();
        if let DataEvent::JobRunStarted(id, result) = event {
            assert_eq!(id, job.id);
            assert!(result.unwrap_err().contains("run now is off"));
            break;
        }
    }
}
