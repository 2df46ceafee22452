//! `:ask` (the AI analyst in the terminal) and the recommendations widget's fallback, on a real
//! database seeded where the right answers are known, through the real worker: the screen
//! with an answer and its citations and with a question the engine cannot answer (snapshots
//! at 80x24 and 200x50); typing a question and Enter; Up recalling earlier questions; Enter
//! on a citation opening the item screen and Esc coming back with the question kept; Esc
//! while asking; the history file; the widget showing the analyst's actions when MPIS has no
//! recommendations, and MPIS's own when it has some.

use crate::common;
use crate::tui_common::*;

use chrono::{DateTime, Duration, DurationRound, Utc};
use mpis_dash::domain::analyst::{Intent, TimeRange};
use mpis_dash::domain::layout::{LayoutConfig, Position, WidgetPlacement};
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::tui::app::{App, AskFocus, AskState, Event, Screen};
use mpis_dash::tui::data::WidgetData;
use mpis_dash::tui::worker::{self, Command, DataEvent};
use ratatui::crossterm::event::KeyCode;
use sqlx::PgPool;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use uuid::Uuid;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (200, 50);

/// Alex's telegram items (0.2000, 0.1800, published 09:05 and 09:30 two days before `now`) and
/// instagram items (0.0500, 0.0300, at 18:00): telegram is the best channel, 09:00 the best hour.
const TELEGRAM: [u128; 2] = [0x7001, 0x7002];
const INSTAGRAM: [u128; 2] = [0x7003, 0x7004];

async fn published(pool: &PgPool, id: Uuid, persona: Uuid, channel: &str, at: DateTime<Utc>) {
    let draft = common::draft(pool, persona, channel).await;
    sqlx::query(
        "INSERT INTO published_items (id, draft_id, channel, channel_item_id, channel_url, published_at)
         VALUES ($1, $2, $3, $4, 'https://example.org/post', $5)",
    )
    .bind(id)
    .bind(draft)
    .bind(channel)
    .bind(id.simple().to_string())
    .bind(at)
    .execute(pool)
    .await
    .expect("insert published item");
}

async fn measure(
    pool: &PgPool,
    item: Uuid,
    channel: &str,
    rate: f64,
    views: i32,
    at: DateTime<Utc>,
) {
    sqlx::query(
        "INSERT INTO normalized_metrics (published_item_id, channel, views, reactions,
             engagement_rate, measured_at, source)
         VALUES ($1, $2, $3, $4, $5::numeric(5,4), $6, 'test')",
    )
    .bind(item)
    .bind(channel)
    .bind(views)
    .bind(views / 10)
    .bind(rate)
    .bind(at)
    .execute(pool)
    .await
    .expect("insert measurement");
}

/// The items above for persona "Alex Tech" around `now`; returns Alex's id.
async fn seed(pool: &PgPool, now: DateTime<Utc>) -> Uuid {
    let alex = common::persona(pool, "Alex Tech").await;
    let day = (now - Duration::days(2))
        .duration_trunc(Duration::days(1))
        .expect("a day");
    let measured = now - Duration::hours(1);
    for (n, (rate, minute)) in TELEGRAM.iter().zip([(0.2, 5), (0.18, 30)]) {
        let at = day + Duration::hours(9) + Duration::minutes(minute);
        published(pool, id(*n), alex, "telegram", at).await;
        measure(pool, id(*n), "telegram", rate, 1000, measured).await;
    }
    for (n, rate) in INSTAGRAM.iter().zip([0.05, 0.03]) {
        published(pool, id(*n), alex, "instagram", day + Duration::hours(18)).await;
        measure(pool, id(*n), "instagram", rate, 500, measured).await;
    }
    alex
}

/// The real worker, answering the app's commands as the event loop would (each event at the
/// app's own fixed time, so what is drawn never depends on the clock).
struct Worker {
    commands: UnboundedSender<Command>,
    events: UnboundedReceiver<DataEvent>,
}

impl Worker {
    fn spawn(pool: &PgPool) -> Worker {
        Worker::with_phraser(pool, None)
    }

    fn with_phraser(pool: &PgPool, phraser: Option<mpis_dash::analyst_llm::Phraser>) -> Worker {
        let (commands, events) = worker::spawn_with(
            pool.clone(),
            "alice".to_string(),
            mpis_dash::tui::user_id("alice"),
            Thresholds::default(),
            worker::Services {
                phraser,
                ..worker::Services::default()
            },
        );
        Worker { commands, events }
    }

    /// Sends `commands`, then feeds the app every event until one `done` accepts arrives;
    /// commands the app returns meanwhile are sent too. Returns the accepted event.
    async fn run(
        &mut self,
        app: &mut App,
        commands: Vec<Command>,
        done: impl Fn(&DataEvent) -> bool,
    ) -> DataEvent {
        for command in commands {
            self.commands.send(command).expect("worker running");
        }
        loop {
            let event =
                tokio::time::timeout(std::time::Duration::from_secs(20), self.events.recv())
                    .await
                    .expect("the worker answers within 20 s")
                    .expect("worker running");
            let finished = done(&event);
            for command in app.update(Event::Data(event.clone()), app.now) {
                self.commands.send(command).expect("worker running");
            }
            if finished {
                return event;
            }
        }
    }
}

fn is_asked(event: &DataEvent) -> bool {
    matches!(event, DataEvent::Asked { .. })
}

fn is_personas(event: &DataEvent) -> bool {
    matches!(event, DataEvent::PersonaChoices(_))
}

fn ask_state(app: &App) -> &AskState {
    match &app.screen {
        Screen::Ask(state) => state,
        other => panic!("not the ask screen: {other:?}"),
    }
}

/// `:` + the command + Enter.
fn palette(app: &mut App, command: &str) -> Vec<Command> {
    let mut commands = app.update(char_key(':'), app.now);
    commands.extend(type_text(app, command));
    commands.extend(press(app, KeyCode::Enter));
    commands
}

/// A seeded database, the dashboard of `size` loaded, and `:ask` open with the personas in.
async fn ask_screen(size: (u16, u16)) -> (mpis_dash::scratch_db::ScratchDb, App, Worker) {
    let db = common::db().await;
    seed(&db.pool, loaded_at()).await;
    let mut app = loaded_with(options(), size);
    let mut worker = Worker::spawn(&db.pool);
    let commands = palette(&mut app, "ask");
    assert_eq!(commands, vec![Command::LoadPersonaChoices]);
    worker.run(&mut app, commands, is_personas).await;
    assert_eq!(ask_state(&app).persona_label(), "all personas");
    (db, app, worker)
}

async fn ask(app: &mut App, worker: &mut Worker, question: &str) {
    type_text(app, question);
    let commands = press(app, KeyCode::Enter);
    assert!(ask_state(app).pending.is_some(), "asking…");
    worker.run(app, commands, is_asked).await;
    assert!(ask_state(app).pending.is_none());
}

fn screen_text(app: &App, size: (u16, u16)) -> String {
    let terminal = draw_view(app, size);
    let buffer = terminal.backend().buffer();
    (0..size.1)
        .map(|y| {
            (0..size.0)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_question_typed_and_entered_is_answered_with_its_citations() {
    for size in [SMALL, LARGE] {
        let (_db, mut app, mut worker) = ask_screen(size).await;
        type_text(&mut app, "which channel works best?");
        let commands = press(&mut app, KeyCode::Enter);
        // The dashboard's charts show 30 days: so does the question.
        let month = TimeRange::preset("30d", loaded_at()).unwrap();
        assert_eq!(
            commands,
            vec![Command::Ask {
                seq: 1,
                persona_id: None,
                range: month,
                question: "which channel works best?".to_string(),
            }]
        );
        assert!(screen_text(&app, size).contains("asking… 0s (Esc stops waiting)"));
        worker.run(&mut app, commands, is_asked).await;
        let state = ask_state(&app);
        let answer = &state.answer.as_ref().expect("an answer").asked.answer;
        assert_eq!(answer.understood_as, Some(Intent::BestChannel));
        let cited: Vec<Uuid> = answer
            .citations
            .iter()
            .map(|c| c.published_item_id)
            .collect();
        assert_eq!(cited, [id(TELEGRAM[0]), id(TELEGRAM[1])]);
        assert_eq!(
            state.question, "which channel works best?",
            "the question stays"
        );
        let terminal = draw_view(&app, size);
        insta::assert_snapshot!(
            format!("ask_answer_{}x{}", size.0, size.1),
            terminal.backend()
        );
    }
}

#[tokio::test]
async fn a_question_it_cannot_answer_lists_what_it_can() {
    for size in [SMALL, LARGE] {
        let (_db, mut app, mut worker) = ask_screen(size).await;
        ask(&mut app, &mut worker, "will it rain tomorrow").await;
        let answer = &ask_state(&app).answer.as_ref().unwrap().asked.answer;
        assert_eq!(answer.understood_as, None);
        assert_eq!(answer.confidence, 0.0);
        let text = screen_text(&app, size);
        assert!(text.contains("• which channel works best"), "{text}");
        assert!(text.contains("confidence 0.00"), "{text}");
        let terminal = draw_view(&app, size);
        insta::assert_snapshot!(
            format!("ask_cannot_answer_{}x{}", size.0, size.1),
            terminal.backend()
        );
    }
}

#[tokio::test]
async fn up_recalls_earlier_questions_and_down_brings_back_what_was_typed() {
    let (_db, mut app, mut worker) = ask_screen(SMALL).await;
    app.ask_history = vec!["top posts".to_string()]; // as read from the file at start
    ask(&mut app, &mut worker, "which channel works best").await;
    assert_eq!(app.ask_history, ["top posts", "which channel works best"]);
    press(&mut app, KeyCode::Char('u')); // Ctrl-U would clear; typing appends
    type_text(&mut app, "x");
    let typed = ask_state(&app).question.clone();
    press(&mut app, KeyCode::Up);
    assert_eq!(ask_state(&app).question, "which channel works best");
    press(&mut app, KeyCode::Up);
    assert_eq!(ask_state(&app).question, "top posts");
    press(&mut app, KeyCode::Up);
    assert_eq!(ask_state(&app).question, "top posts", "the oldest stays");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(
        ask_state(&app).question,
        typed,
        "Down past the newest: what was typed"
    );
    // A recalled question is asked as typed.
    press(&mut app, KeyCode::Up);
    let commands = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&commands[0], Command::Ask { question, .. } if question == "which channel works best")
    );
}

#[tokio::test]
async fn enter_on_a_citation_opens_the_item_and_esc_returns_to_the_answer() {
    let (_db, mut app, mut worker) = ask_screen(SMALL).await;
    ask(&mut app, &mut worker, "which channel works best").await;
    // Tab: persona, actions, citations.
    for expected in [AskFocus::Persona, AskFocus::Actions, AskFocus::Citations] {
        press(&mut app, KeyCode::Tab);
        assert_eq!(ask_state(&app).focus, expected);
    }
    press(&mut app, KeyCode::Down);
    assert!(screen_text(&app, SMALL).contains(" ▶ telegram"));
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadItem {
            id: id(TELEGRAM[1])
        }]
    );
    let event = worker
        .run(&mut app, commands, |e| matches!(e, DataEvent::Item(..)))
        .await;
    let DataEvent::Item(_, Ok(detail)) = event else {
        panic!("the item loads: {event:?}");
    };
    assert_eq!(detail.metrics.len(), 1, "its metric history");
    let Screen::Item(item) = &app.screen else {
        panic!("the item screen: {:?}", app.screen);
    };
    assert_eq!(item.id, id(TELEGRAM[1]));
    assert!(screen_text(&app, SMALL).contains("metrics, newest first (1)"));
    let commands = press(&mut app, KeyCode::Esc);
    assert!(commands.is_empty(), "the answer is kept, not asked again");
    let state = ask_state(&app);
    assert_eq!(state.question, "which channel works best");
    assert_eq!(state.focus, AskFocus::Citations);
    assert_eq!(state.selected_citation, 1);
    assert!(state.answer.is_some());
}

#[tokio::test]
async fn an_action_and_a_cited_items_id_are_copied_with_osc_52() {
    let (_db, mut app, mut worker) = ask_screen(SMALL).await;
    ask(&mut app, &mut worker, "which channel works best").await;
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(ask_state(&app).focus, AskFocus::Actions);
    press(&mut app, KeyCode::Down);
    let second = ask_state(&app)
        .answer
        .as_ref()
        .and_then(|a| a.asked.answer.suggested_actions.get(1).cloned())
        .expect("the answer suggests two actions");
    let commands = press(&mut app, KeyCode::Enter);
    assert!(commands.is_empty(), "copying asks the worker nothing");
    assert_eq!(app.clipboard.take(), Some(second.clone()));
    assert!(
        screen_text(&app, SMALL).contains("the suggested action"),
        "the copied text is shown to copy by hand"
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());

    press(&mut app, KeyCode::Tab);
    assert_eq!(ask_state(&app).focus, AskFocus::Citations);
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.clipboard.take(), Some(id(TELEGRAM[0]).to_string()));
}

#[tokio::test]
async fn esc_while_asking_stops_waiting_and_a_late_answer_is_dropped() {
    let (_db, mut app, mut worker) = ask_screen(SMALL).await;
    type_text(&mut app, "top posts");
    let asked = press(&mut app, KeyCode::Enter);
    assert_eq!(press(&mut app, KeyCode::Esc), vec![Command::CancelAsk]);
    assert!(ask_state(&app).pending.is_none());
    assert!(
        matches!(app.screen, Screen::Ask(_)),
        "Esc stops waiting first"
    );
    // The answer of a question no longer waited for changes nothing.
    let answer = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        worker.commands.send(asked[0].clone()).unwrap();
        loop {
            if let Some(event @ DataEvent::Asked { .. }) = worker.events.recv().await {
                return event;
            }
        }
    })
    .await
    .unwrap();
    app.update(Event::Data(answer), app.now);
    assert!(ask_state(&app).answer.is_none());
    // Esc again leaves the screen.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);
}

#[tokio::test]
async fn ask_with_a_question_asks_at_once_and_the_history_file_keeps_it() {
    let db = common::db().await;
    seed(&db.pool, loaded_at()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = mpis_dash::tui::ask_history::path_in(dir.path());
    let mut app = loaded();
    app.ask_history_path = Some(path.clone());
    let mut worker = Worker::spawn(&db.pool);
    let commands = palette(&mut app, "ask best time to post");
    assert!(commands.contains(&Command::LoadPersonaChoices));
    assert!(commands.contains(&Command::RecordAskQuestion {
        path: path.clone(),
        question: "best time to post".to_string()
    }));
    worker
        .run(&mut app, commands, |e| {
            matches!(e, DataEvent::AskHistorySaved(_))
        })
        .await;
    let answer = &ask_state(&app).answer;
    if answer.is_none() {
        worker.run(&mut app, Vec::new(), is_asked).await;
    }
    let answer = &ask_state(&app).answer.as_ref().unwrap().asked.answer;
    assert_eq!(answer.understood_as, Some(Intent::BestHour));
    assert!(
        answer.answer.contains("09:00-09:59 UTC"),
        "{}",
        answer.answer
    );
    assert_eq!(
        mpis_dash::tui::ask_history::load(&path),
        ["best time to post"]
    );
    // A history that cannot be written is a message, not a crash.
    app.ask_history_path = Some(dir.path().to_path_buf()); // a directory
    type_text(&mut app, "x");
    let commands = press(&mut app, KeyCode::Enter);
    worker
        .run(&mut app, commands, |e| {
            matches!(e, DataEvent::AskHistorySaved(_))
        })
        .await;
    let message = app.message.as_ref().expect("a message");
    assert!(message.error && message.text.starts_with("question history not saved"));
}

/// A layout with just the recommendations widget (its persona filter when given).
fn recommendations_layout(persona: Option<Uuid>) -> Vec<mpis_dash::store::layouts::Layout> {
    let mut config = serde_json::Map::new();
    if let Some(persona) = persona {
        config.insert("persona_id".into(), persona.to_string().into());
    }
    let layout = LayoutConfig {
        widgets: vec![WidgetPlacement {
            widget_id: "eidos-recommendations".to_string(),
            position: Position {
                x: 0,
                y: 0,
                w: 12,
                h: 6,
            },
            config,
        }],
    };
    vec![layout_row(0xb1, None, "Analyst", layout.to_json())]
}

async fn recommendations_widget(pool: &PgPool, persona: Option<Uuid>) -> App {
    let mut app = app();
    let mut worker = Worker::spawn(pool);
    app.init();
    let commands = app.update(
        Event::Data(DataEvent::Layouts(Ok(recommendations_layout(persona)))),
        app.now,
    );
    worker
        .run(&mut app, commands, |e| {
            matches!(e, DataEvent::Widget { .. })
        })
        .await;
    app
}

#[tokio::test]
async fn without_mpis_recommendations_the_widget_shows_the_analysts_actions() {
    let db = common::db().await;
    let alex = seed(&db.pool, Utc::now()).await;
    for persona in [None, Some(alex)] {
        let app = recommendations_widget(&db.pool, persona).await;
        let Some(WidgetData::AnalystSuggestions(data)) = &app.slots[0].data.value else {
            panic!("the analyst's actions: {:?}", app.slots[0].data);
        };
        assert_eq!((data.persona_id, data.days), (persona, 30));
        assert!(!data.actions.is_empty() && data.actions.len() <= 3);
        assert!(
            data.actions
                .windows(2)
                .all(|w| w[0].confidence >= w[1].confidence),
            "most confident first"
        );
        if persona.is_none() {
            let terminal = draw_view(&app, SMALL);
            insta::assert_snapshot!("ask_recommendations_fallback_80x24", terminal.backend());
        }
    }
}

#[tokio::test]
async fn with_mpis_recommendations_the_widget_shows_them() {
    let db = common::db().await;
    let alex = seed(&db.pool, Utc::now()).await;
    sqlx::query(
        "INSERT INTO eidos_recommendations (persona_id, run_id, recommendations, status, computed_at)
         VALUES ($1, $2, '[\"Post between 8 and 9 am\"]', 'reviewed', now())",
    )
    .bind(alex)
    .bind(Uuid::new_v4())
    .execute(&db.pool)
    .await
    .unwrap();
    let app = recommendations_widget(&db.pool, None).await;
    let Some(WidgetData::Recommendations(recs)) = &app.slots[0].data.value else {
        panic!("MPIS's recommendations: {:?}", app.slots[0].data);
    };
    assert_eq!(recs[0].items, ["Post between 8 and 9 am"]);
    let text = screen_text(&app, SMALL);
    assert!(!text.contains("from the analyst"), "{text}");
}

/// The personas of the fixture, as `LoadPersonaChoices` answers them.
fn persona_choices() -> Vec<mpis_dash::store::personas::PersonaSummary> {
    match personas() {
        WidgetData::Personas(data) => data.personas,
        other => panic!("personas fixture: {other:?}"),
    }
}

#[test]
fn the_persona_and_range_default_to_the_dashboards_and_cycle_with_ctrl_p_and_ctrl_t() {
    let mut app = loaded();
    // The persona selected in the focused personas widget.
    app.focus = slot_of(&app, &mpis_dash::tui::data::WidgetKind::PersonaOverview);
    app.slots[app.focus].selected = 1;
    palette(&mut app, "ask");
    app.update(
        Event::Data(DataEvent::PersonaChoices(Ok(persona_choices()))),
        app.now,
    );
    let state = ask_state(&app);
    assert_eq!(state.persona, Some(id(0x5002)));
    assert_eq!(state.persona_label(), "Nova Finance");
    assert_eq!(state.range_text(), "30d", "the charts' range");
    // Ctrl-P: the next persona, then all personas after the last.
    app.update(ctrl('p'), app.now);
    assert_eq!(ask_state(&app).persona_label(), "Mira Travel");
    app.update(ctrl('p'), app.now);
    assert_eq!(ask_state(&app).persona_label(), "all personas");
    app.update(ctrl('p'), app.now);
    assert_eq!(ask_state(&app).persona_label(), "Alex Tech");
    // On the persona line, Left goes back.
    press(&mut app, KeyCode::Tab);
    assert_eq!(ask_state(&app).focus, AskFocus::Persona);
    press(&mut app, KeyCode::Left);
    assert_eq!(ask_state(&app).persona_label(), "all personas");
    // Ctrl-T: 30d -> 90d -> 24h; the question is asked over the range shown.
    app.update(ctrl('t'), app.now);
    app.update(ctrl('t'), app.now);
    assert_eq!(ask_state(&app).range_text(), "24h");
    assert!(screen_text(&app, SMALL).contains("Range 24h"));
    press(&mut app, KeyCode::BackTab);
    type_text(&mut app, "trend");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::Ask {
            seq: 1,
            persona_id: None,
            range: TimeRange::preset("24h", loaded_at()).unwrap(),
            question: "trend".to_string(),
        }]
    );
}

#[test]
fn an_error_is_said_in_plain_words_and_an_empty_question_is_not_sent() {
    let mut app = loaded();
    palette(&mut app, "ask");
    assert!(press(&mut app, KeyCode::Enter).is_empty(), "nothing to ask");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .starts_with("type a question first")
    );
    // `?` in an empty box is the help, listing the screen's keys; in a question, a character.
    app.update(char_key('?'), app.now);
    let help = screen_text(&app, LARGE);
    assert!(
        help.contains("earlier questions (kept across sessions)"),
        "{help}"
    );
    press(&mut app, KeyCode::Esc);
    type_text(&mut app, "why did runs fail?");
    assert_eq!(ask_state(&app).question, "why did runs fail?");
    let commands = press(&mut app, KeyCode::Enter);
    let Command::Ask { seq, .. } = commands[0] else {
        panic!("asked: {commands:?}");
    };
    app.update(
        Event::Data(DataEvent::Asked {
            seq,
            result: Err("the analyst could not read the dashboard's data: database \
                         unreachable: connection refused"
                .to_string()),
        }),
        app.now,
    );
    let state = ask_state(&app);
    assert!(state.pending.is_none() && state.answer.is_none());
    let text = screen_text(&app, SMALL);
    assert!(
        text.contains("No answer: the analyst could not read the dashboard's data:"),
        "{text}"
    );
}

/// An OpenAI-compatible chat endpoint on 127.0.0.1:0 that rewords the engine's answer (its
/// figures kept) behind a terminal escape sequence, as text from the network may be. Its URL.
async fn rewording_model() -> String {
    use axum::Json;
    use serde_json::{Value, json};
    async fn reword(Json(body): Json<Value>) -> Json<Value> {
        let facts: Value =
            serde_json::from_str(body["messages"][1]["content"].as_str().unwrap()).unwrap();
        let text = format!("\u{1b}[2JIn short: {}", facts["answer"].as_str().unwrap());
        Json(json!({"choices": [{"message": {"role": "assistant", "content": text}}]}))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/v1/chat/completions",
        listener.local_addr().unwrap()
    );
    let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(reword));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn a_language_models_wording_is_said_and_shown_sanitized() {
    let db = common::db().await;
    seed(&db.pool, loaded_at()).await;
    let phraser = mpis_dash::analyst_llm::Phraser::new(
        &rewording_model().await,
        "test-model",
        None,
        std::time::Duration::from_secs(5),
    );
    let mut app = loaded();
    let mut worker = Worker::with_phraser(&db.pool, Some(phraser));
    let commands = palette(&mut app, "ask which channel works best");
    worker.run(&mut app, commands, is_asked).await;
    let asked = &ask_state(&app).answer.as_ref().expect("an answer").asked;
    assert_eq!(asked.phrased_by, mpis_dash::analyst::PhrasedBy::Llm);
    assert!(
        asked
            .answer
            .answer
            .starts_with("\u{1b}[2JIn short: telegram works best")
    );
    let text = screen_text(&app, SMALL);
    assert!(
        text.contains("worded by a language model (figures checked)"),
        "{text}"
    );
    assert!(text.contains("In short: telegram works best"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no escape sequence reaches the terminal: {text}"
    );
}

#[test]
fn the_wheel_and_page_keys_scroll_the_answer() {
    use ratatui::crossterm::event::{KeyModifiers, MouseEvent, MouseEventKind};
    let mut app = loaded();
    palette(&mut app, "ask");
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
    assert_eq!(ask_state(&app).scroll, 2);
    app.update(wheel(MouseEventKind::ScrollUp), app.now);
    assert_eq!(ask_state(&app).scroll, 1);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(ask_state(&app).scroll, 11);
    press(&mut app, KeyCode::PageUp);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(ask_state(&app).scroll, 0);
}

#[test]
fn the_answer_says_what_was_asked_even_when_the_box_changed_meanwhile() {
    let mut app = loaded();
    palette(&mut app, "ask");
    type_text(&mut app, "top posts");
    let commands = press(&mut app, KeyCode::Enter);
    let Command::Ask { seq, .. } = commands[0] else {
        panic!("asked: {commands:?}");
    };
    // While waiting: another range, more typing.
    app.update(ctrl('t'), app.now);
    type_text(&mut app, " and more");
    let asked = mpis_dash::analyst::Asked {
        answer: mpis_dash::domain::analyst::answer(
            Some(Intent::TopPosts),
            &mpis_dash::domain::analyst::Aggregates::default(),
        ),
        phrased_by: mpis_dash::analyst::PhrasedBy::Engine,
    };
    app.update(
        Event::Data(DataEvent::Asked {
            seq,
            result: Ok(asked),
        }),
        app.now,
    );
    let answer = ask_state(&app).answer.as_ref().expect("an answer");
    assert_eq!(
        (
            answer.question.as_str(),
            answer.persona.as_str(),
            answer.range
        ),
        ("top posts", "all personas", "30d")
    );
    assert_eq!(
        ask_state(&app).question,
        "top posts and more",
        "the box is left alone"
    );
    assert_eq!(ask_state(&app).range_text(), "90d");
}

#[test]
fn a_new_answer_without_the_focused_list_gives_the_focus_back_to_the_question() {
    let answered = |app: &mut App, intent: Option<Intent>, data| {
        let commands = press(app, KeyCode::Enter);
        let Command::Ask { seq, .. } = commands[0] else {
            panic!("asked: {commands:?}");
        };
        let asked = mpis_dash::analyst::Asked {
            answer: mpis_dash::domain::analyst::answer(intent, &data),
            phrased_by: mpis_dash::analyst::PhrasedBy::Engine,
        };
        app.update(
            Event::Data(DataEvent::Asked {
                seq,
                result: Ok(asked),
            }),
            app.now,
        );
    };
    let mut app = loaded();
    palette(&mut app, "ask");
    type_text(&mut app, "top posts");
    // No rated data: one action, no citation.
    answered(&mut app, Some(Intent::TopPosts), Default::default());
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(ask_state(&app).focus, AskFocus::Actions);
    press(&mut app, KeyCode::Down);
    // The answer arrives while the actions have the focus (asked from the palette).
    palette(&mut app, "ask why did runs fail");
    if let Screen::Ask(state) = &mut app.screen {
        state.focus = AskFocus::Actions;
    }
    let seq = ask_state(&app).pending.as_ref().unwrap().seq;
    app.update(
        Event::Data(DataEvent::Asked {
            seq,
            result: Ok(mpis_dash::analyst::Asked {
                answer: mpis_dash::domain::analyst::answer(
                    Some(Intent::FailedRuns),
                    &Default::default(),
                ),
                phrased_by: mpis_dash::analyst::PhrasedBy::Engine,
            }),
        }),
        app.now,
    );
    assert!(
        ask_state(&app)
            .answer
            .as_ref()
            .unwrap()
            .asked
            .answer
            .suggested_actions
            .is_empty()
    );
    assert_eq!(ask_state(&app).focus, AskFocus::Question);
    press(&mut app, KeyCode::Down); // nothing to select, nothing breaks
}
