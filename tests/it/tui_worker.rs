//! The TUI's background worker against real PostgreSQL: every command's answer on the demo data,
//! live updates through LISTEN/NOTIFY, recovery when the database goes away (a private cluster
//! the test stops and starts), and sanitization from the database to the terminal's bytes.
//!
//! No timing asserts: every wait is a loop of `timeout(10 s, recv())` that skips unrelated events.
//! Figures (how fast NOTIFY arrived, how long the outage took to report) are printed for the
//! record only; run with `--nocapture` to see them.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mpis_dash::demo_data::seed_demo;
use mpis_dash::domain::layout::default_layouts;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::domain::run_status::RunStatus;
use mpis_dash::pg_local::{Durability, LocalCluster};
use mpis_dash::store::outbox::{self, NewPublishRecord};
use mpis_dash::store::runs::{self, Completion, ItemReport, RunCursor};
use mpis_dash::store::{self, audit, layouts, red_flags};
use mpis_dash::tui::app::{App, AppOptions, Connection, Event, Screen};
use mpis_dash::tui::clock::Now;
use mpis_dash::tui::data::{LoadState, WidgetData, WidgetFilter, WidgetKind};
use mpis_dash::tui::keymap::Keymap;
use mpis_dash::tui::theme::Theme;
use mpis_dash::tui::view::view;
use mpis_dash::tui::worker::{self, Command, DataEvent};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use serde_json::json;
use sqlx::{Connection as _, PgPool};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use uuid::Uuid;

const OPERATOR: &str = "alice";
/// The longest silence any wait tolerates.
const WAIT: Duration = Duration::from_secs(10);
const HOSTILE_NAME: &str = "Evil\u{1b}]0;pwned\u{7}\u{1b}[2J";
const HOSTILE_ERROR: &str = "\u{1b}[31mred\u{9b}";

// ---------------------------------------------------------------------------------------------
// The harness: a worker, its event stream, and optionally an App that sees every event.

struct Harness {
    commands: UnboundedSender<Command>,
    events: UnboundedReceiver<DataEvent>,
    /// When set, every event is fed into the app and the commands it returns go to the worker,
    /// as the real event loop does.
    app: Option<App>,
    /// Slots of direct `LoadWidget`s: far above any layout's, so the app ignores their answers.
    next_slot: usize,
}

impl Harness {
    fn spawn(pool: &PgPool) -> Harness {
        let (commands, events) = worker::spawn(
            pool.clone(),
            OPERATOR.to_string(),
            mpis_dash::tui::user_id(OPERATOR),
            Thresholds::default(),
        );
        Harness {
            commands,
            events,
            app: None,
            next_slot: 1_000,
        }
    }

    /// Attaches an app of `size` and sends what it asks for at start. Like the event loop,
    /// the harness stamps each event with the clocks' time (`Now::read`): the worker is real.
    fn with_app(mut self, size: (u16, u16)) -> Harness {
        let mut app = App::new(app_options(), size, Now::read());
        for command in app.init() {
            self.send(command);
        }
        self.app = Some(app);
        self
    }

    fn app(&self) -> &App {
        self.app.as_ref().expect("an app is attached")
    }

    fn send(&self, command: Command) {
        self.commands.send(command).expect("the worker is running");
    }

    /// A key press into the app; what it asks for goes to the worker.
    fn key(&mut self, code: KeyCode) {
        let app = self.app.as_mut().expect("an app is attached");
        for command in app.update(
            Event::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            Now::read(),
        ) {
            self.commands.send(command).expect("the worker is running");
        }
    }

    fn feed(&mut self, event: &DataEvent) {
        if let Some(app) = &mut self.app {
            for command in app.update(Event::Data(event.clone()), Now::read()) {
                self.commands.send(command).expect("the worker is running");
            }
        }
    }

    /// The next event within `limit`, if any (fed into the app).
    async fn try_next(&mut self, limit: Duration) -> Option<DataEvent> {
        match tokio::time::timeout(limit, self.events.recv()).await {
            Ok(Some(event)) => {
                self.feed(&event);
                Some(event)
            }
            Ok(None) => panic!("the worker dropped its event sender"),
            Err(_) => None,
        }
    }

    /// The next event; fails the test after 10 s of silence.
    async fn next(&mut self) -> DataEvent {
        self.try_next(WAIT)
            .await
            .expect("the worker answers within 10 s")
    }

    /// Skips events until `pick` returns something.
    async fn wait_for<T>(&mut self, mut pick: impl FnMut(&DataEvent) -> Option<T>) -> T {
        loop {
            let event = self.next().await;
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    }

    /// Feeds events into the app until `done` holds for it.
    async fn wait_until_app(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        while !done(self.app()) {
            if self.try_next(WAIT).await.is_none() {
                panic!(
                    "no event for 10 s while waiting until {what}; connection {:?}, slots {:?}",
                    self.app().connection,
                    slot_states(self.app())
                );
            }
        }
    }

    /// Sends a command and returns the events up to the first one `pick` accepts, and its pick.
    async fn request<T>(
        &mut self,
        command: Command,
        mut pick: impl FnMut(&DataEvent) -> Option<T>,
    ) -> (Vec<DataEvent>, T) {
        self.send(command);
        let mut before = Vec::new();
        loop {
            let event = self.next().await;
            if let Some(found) = pick(&event) {
                return (before, found);
            }
            before.push(event);
        }
    }

    /// Loads a widget directly (not through the app); returns the events before its answer too.
    async fn widget_with_events(
        &mut self,
        kind: WidgetKind,
        cursor: Option<RunCursor>,
        page: usize,
    ) -> (Vec<DataEvent>, Result<WidgetData, String>) {
        self.next_slot += 1;
        let slot = self.next_slot;
        let command = Command::LoadWidget {
            slot,
            generation: 7,
            kind,
            filter: WidgetFilter {
                days: 30,
                ..WidgetFilter::default()
            },
            cursor,
            page,
        };
        self.request(command, |event| match event {
            DataEvent::Widget {
                slot: s,
                generation,
                result,
            } if *s == slot => {
                assert_eq!(*generation, 7, "the generation comes back unchanged");
                Some(result.clone())
            }
            _ => None,
        })
        .await
    }

    async fn widget(&mut self, kind: WidgetKind) -> Result<WidgetData, String> {
        self.widget_with_events(kind, None, 0).await.1
    }

    async fn action(&mut self, command: Command) -> (String, bool) {
        self.request(command, |event| match event {
            DataEvent::ActionDone { message, ok } => Some((message.clone(), *ok)),
            _ => None,
        })
        .await
        .1
    }

    async fn save_layout(&mut self, command: Command) -> Result<layouts::Layout, String> {
        self.request(command, |event| match event {
            DataEvent::LayoutSaved(result) => Some(result.clone()),
            _ => None,
        })
        .await
        .1
    }

    async fn delete_layout(&mut self, id: Uuid) -> Result<String, String> {
        self.request(Command::DeleteLayout { id }, |event| match event {
            DataEvent::LayoutDeleted(result) => Some(result.clone()),
            _ => None,
        })
        .await
        .1
    }

    async fn layouts(&mut self) -> Vec<layouts::Layout> {
        self.request(Command::LoadLayouts, |event| match event {
            DataEvent::Layouts(result) => Some(result.clone()),
            _ => None,
        })
        .await
        .1
        .expect("layouts load")
    }

    async fn flags(&mut self, include_resolved: bool) -> Vec<red_flags::RedFlag> {
        self.request(
            Command::LoadFlags { include_resolved },
            |event| match event {
                DataEvent::Flags(result) => Some(result.clone()),
                _ => None,
            },
        )
        .await
        .1
        .expect("flags load")
    }

    /// Waits until the change listener is up: LISTEN starts asynchronously, so a write made
    /// before it is not reported. Repeats `write` until some `Changed` arrives, then drains
    /// everything the repeated writes raised. Returns how long it took.
    async fn wait_for_listener<F, Fut>(&mut self, pool: &PgPool, mut write: F) -> Duration
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let started = Instant::now();
        let mut attempts = 0;
        'attempts: loop {
            attempts += 1;
            assert!(
                attempts <= 120,
                "no change notification after {attempts} writes; is the listener running?"
            );
            write().await;
            let window = Instant::now();
            while let Some(event) = self
                .try_next(Duration::from_millis(500).saturating_sub(window.elapsed()))
                .await
            {
                if matches!(event, DataEvent::Changed(_)) {
                    break 'attempts;
                }
            }
        }
        let took = started.elapsed();
        self.changes_until_barrier(pool).await;
        took
    }

    /// The tables reported changed until a NOTIFY of our own with a unique payload arrives.
    /// PostgreSQL delivers notifications in commit order, so everything committed before the
    /// barrier has been reported by then.
    async fn changes_until_barrier(&mut self, pool: &PgPool) -> BTreeSet<String> {
        let token = format!("barrier-{}", Uuid::new_v4().simple());
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(worker::CHANGES_CHANNEL)
            .bind(&token)
            .execute(pool)
            .await
            .expect("notify the barrier");
        let mut tables = BTreeSet::new();
        loop {
            if let DataEvent::Changed(changed) = self.next().await {
                if changed.contains(&token) {
                    return tables;
                }
                tables.extend(changed.into_iter().filter(|t| !t.starts_with("barrier-")));
            }
        }
    }
}

fn app_options() -> AppOptions {
    AppOptions {
        operator: OPERATOR.to_string(),
        // Long, so data only turns stale because loading it failed, never by age in a test.
        refresh_interval: Duration::from_secs(3600),
        read_only: false,
        theme: Theme::default(),
        keymap: Keymap::default(),
        preferred_layout: None,
        source: "test".to_string(),
        notices: Vec::new(),
        channels: Vec::new(),
        environment: None,
        time_zone: Default::default(),
        alerts: Default::default(),
        mouse: true,
        dump_dir: None,
    }
}

fn slot_states(app: &App) -> Vec<(String, LoadState, bool, Option<String>)> {
    app.slots
        .iter()
        .map(|s| {
            (
                s.kind.title().to_string(),
                s.data.state(
                    app.now.instant,
                    app.stale_after_secs(),
                    WidgetData::is_empty,
                ),
                s.data.loading,
                s.data.error.clone(),
            )
        })
        .collect()
}

fn all_slots_settled(app: &App) -> bool {
    !app.slots.is_empty()
        && app
            .slots
            .iter()
            .all(|s| !s.data.loading && (s.data.value.is_some() || s.data.error.is_some()))
}

fn slot_of(app: &App, kind: &WidgetKind) -> usize {
    app.slots
        .iter()
        .position(|s| &s.kind == kind)
        .unwrap_or_else(|| panic!("the layout shows {kind:?}"))
}

fn state_of(app: &App, index: usize) -> LoadState {
    app.slots[index].data.state(
        app.now.instant,
        app.stale_after_secs(),
        WidgetData::is_empty,
    )
}

fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut text = String::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

fn render(app: &App) -> Buffer {
    let (width, height) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| view(app, frame)).expect("draw");
    terminal.backend().buffer().clone()
}

async fn complete(pool: &PgPool, run: &runs::Run, status: RunStatus, error: Option<&str>) {
    let items = vec![ItemReport {
        draft_id: None,
        channel: "telegram".to_string(),
        channel_item_id: None,
        channel_url: None,
        status: Some(
            if status == RunStatus::Failed {
                "failed"
            } else {
                "success"
            }
            .to_string(),
        ),
        error: error.map(str::to_string),
        metrics: json!({}),
    }];
    runs::complete(
        pool,
        run.run_id,
        &Completion {
            status,
            persona_id: Some(run.persona_id),
            project_id: Some(run.project_id),
            n8n_execution_id: format!("{}", 5_000 + run.run_id.as_u128() % 1_000),
            error: error.map(str::to_string),
            items,
        },
    )
    .await
    .expect("complete the run");
}

// ---------------------------------------------------------------------------------------------
// 1. Every command on the demo data

#[tokio::test]
async fn every_command_answers_with_the_right_event_on_the_demo_data() {
    let db = common::db().await;
    let pool = &db.pool;
    seed_demo(pool).await.expect("seed the demo data");
    let mut h = Harness::spawn(pool);

    // Layouts: the two global ones.
    let names: Vec<String> = h.layouts().await.into_iter().map(|l| l.name).collect();
    assert!(names.iter().any(|n| n == "Overview"), "{names:?}");
    assert!(names.iter().any(|n| n == "On-call"), "{names:?}");

    // Every widget kind.
    match h.widget(WidgetKind::RedFlags).await.expect("red flags") {
        WidgetData::RedFlags(d) => {
            assert!(!d.open_flags.is_empty(), "the demo raises flags");
            assert_ne!(d.overall, "ok", "{d:?}");
            assert_eq!(d.summary["failed_runs"]["last_24h"]["total_runs"], 12);
        }
        other => panic!("red flags answered with {other:?}"),
    }
    let first_page = match h.widget(WidgetKind::Runs).await.expect("runs") {
        WidgetData::Runs(d) => d,
        other => panic!("runs answered with {other:?}"),
    };
    assert_eq!(first_page.rows.len(), 50);
    assert_eq!(first_page.page, 0);
    assert!(first_page.next.is_some(), "120 demo runs need more pages");
    match h
        .widget(WidgetKind::RecentPosts)
        .await
        .expect("recent posts")
    {
        WidgetData::RecentPosts(d) => assert!(!d.is_empty()),
        other => panic!("recent posts answered with {other:?}"),
    }
    match h
        .widget(WidgetKind::EngagementChart)
        .await
        .expect("engagement")
    {
        WidgetData::Engagement(d) => assert!(!d.is_empty()),
        other => panic!("engagement answered with {other:?}"),
    }
    match h
        .widget(WidgetKind::ChannelPerformance)
        .await
        .expect("channels")
    {
        WidgetData::Channels(d) => {
            let channels: BTreeSet<&str> = d.iter().map(|c| c.channel.as_str()).collect();
            assert!(channels.contains("telegram") && channels.contains("instagram"));
        }
        other => panic!("channel performance answered with {other:?}"),
    }
    match h
        .widget(WidgetKind::PersonaOverview)
        .await
        .expect("personas")
    {
        WidgetData::Personas(d) => {
            assert_eq!(d.personas.len(), 3, "{:?}", d.personas);
            assert_eq!(d.awaiting_approval.len(), 1);
            assert_eq!(
                d.awaiting_approval[0].persona_name,
                "Sofia - Urban Gardener"
            );
        }
        other => panic!("personas answered with {other:?}"),
    }
    match h
        .widget(WidgetKind::EidosRecommendations)
        .await
        .expect("recommendations (the demo has none: the analyst's actions stand in)")
    {
        WidgetData::AnalystSuggestions(d) => assert_eq!((d.persona_id, d.days), (None, 30)),
        other => panic!("recommendations answered with {other:?}"),
    }
    match h.widget(WidgetKind::IngestionJobs).await.expect("jobs") {
        WidgetData::Jobs(d) => assert_eq!(d.len(), 4),
        other => panic!("jobs answered with {other:?}"),
    }
    match h.widget(WidgetKind::Outbox).await.expect("outbox") {
        WidgetData::Outbox(d) => {
            assert_eq!(d.unforwarded.len(), 2);
            assert_eq!((d.counts.queued, d.counts.failed), (1, 1));
        }
        other => panic!("outbox answered with {other:?}"),
    }
    let error = h
        .widget(WidgetKind::Unsupported("weather-map".to_string()))
        .await
        .expect_err("a custom widget cannot be drawn");
    assert!(error.contains("weather-map"), "{error}");

    // Runs paging: each `next` cursor continues exactly where the page ended.
    let mut seen: Vec<Uuid> = first_page.rows.iter().map(|r| r.id).collect();
    let mut cursor = first_page.next;
    let mut previous_last = first_page.rows.last().cloned().expect("a row");
    let mut page = 0;
    while let Some(at) = cursor {
        page += 1;
        let data = match h
            .widget_with_events(WidgetKind::Runs, Some(at), page)
            .await
            .1
        {
            Ok(WidgetData::Runs(d)) => d,
            other => panic!("runs page {page}: {other:?}"),
        };
        assert_eq!(data.page, page);
        assert!(!data.rows.is_empty());
        let first = &data.rows[0];
        assert!(
            (first.started_at, first.id) < (previous_last.started_at, previous_last.id),
            "page {page} starts after the end of the previous one"
        );
        seen.extend(data.rows.iter().map(|r| r.id));
        previous_last = data.rows.last().cloned().expect("a row");
        cursor = data.next;
    }
    assert_eq!(page, 2, "120 runs are three pages of 50");
    assert_eq!(seen.len(), 120);
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>().len(),
        120,
        "no run twice"
    );

    // Run detail of a completed demo run, and of an unknown one.
    let done = first_page
        .rows
        .iter()
        .find(|r| r.status == "success")
        .expect("a successful run on the first page");
    let detail = h
        .request(
            Command::LoadRunDetail {
                run_id: done.run_id,
            },
            |event| match event {
                DataEvent::RunDetail(result) => Some(result.clone()),
                _ => None,
            },
        )
        .await
        .1
        .expect("run detail");
    assert_eq!(detail.run.run_id, done.run_id);
    assert_eq!(detail.project_name, done.project_name);
    assert_eq!(detail.persona_name, done.persona_name);
    assert!(
        !detail.items.is_empty(),
        "a completed demo run has its items"
    );
    assert!(detail.items.iter().all(|i| i.run_id == done.run_id));

    // An older successful run: its published items have been measured, and the detail carries
    // the latest measurement of each.
    let measured = first_page
        .rows
        .iter()
        .skip(10)
        .find(|r| r.status == "success")
        .expect("an older successful run");
    let detail = h
        .request(
            Command::LoadRunDetail {
                run_id: measured.run_id,
            },
            |event| match event {
                DataEvent::RunDetail(result) => Some(result.clone()),
                _ => None,
            },
        )
        .await
        .1
        .expect("run detail");
    let published: Vec<Uuid> = detail
        .items
        .iter()
        .filter_map(|i| i.published_item_id)
        .collect();
    assert!(!published.is_empty());
    assert_eq!(
        detail.latest_metrics.len(),
        published.len(),
        "one latest measurement per item"
    );
    assert!(
        detail
            .latest_metrics
            .iter()
            .all(|m| published.contains(&m.published_item_id))
    );
    assert!(
        detail
            .latest_metrics
            .iter()
            .all(|m| m.measured_at.is_some())
    );
    let unknown = Uuid::new_v4();
    let error = h
        .request(
            Command::LoadRunDetail { run_id: unknown },
            |event| match event {
                DataEvent::RunDetail(result) => Some(result.clone()),
                _ => None,
            },
        )
        .await
        .1
        .expect_err("no such run");
    assert!(
        error.contains("not found") && error.contains(&unknown.to_string()),
        "{error}"
    );

    // Acknowledge and resolve a flag: done as the operator, with audit entries.
    let open = h.flags(false).await;
    // Any flag but missing publish records, whose condition this test clears further down.
    let flag = open
        .iter()
        .find(|f| f.flag_key.as_deref() != Some("missing_publish_records"))
        .unwrap_or_else(|| panic!("the demo raises more than one flag: {open:?}"))
        .clone();
    let (message, ok) = h.action(Command::AcknowledgeFlag { id: flag.id }).await;
    assert!(ok, "{message}");
    assert!(message.starts_with("acknowledged"), "{message}");
    let (message, ok) = h.action(Command::ResolveFlag { id: flag.id }).await;
    assert!(ok, "{message}");
    assert!(message.starts_with("resolved"), "{message}");
    let stored = red_flags::get(pool, flag.id).await.unwrap().expect("flag");
    assert_eq!(stored.acknowledged_by.as_deref(), Some(OPERATOR));
    assert_eq!(stored.resolved_by.as_deref(), Some(OPERATOR));
    let entries = audit::for_entity(pool, flag.id, 10).await.unwrap();
    let events: BTreeSet<&str> = entries.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        events,
        BTreeSet::from(["red_flag_acknowledged", "red_flag_resolved"])
    );
    assert!(
        entries.iter().all(|e| e.details.0["operator"] == OPERATOR),
        "{entries:?}"
    );
    assert!(
        !h.flags(false).await.iter().any(|f| f.id == flag.id),
        "a resolved flag is hidden"
    );
    assert!(
        h.flags(true).await.iter().any(|f| f.id == flag.id),
        "and shown with resolved ones"
    );

    // Unknown and already resolved flags: a failed action with a clear message.
    let unknown = Uuid::new_v4();
    let (message, ok) = h.action(Command::ResolveFlag { id: unknown }).await;
    assert!(!ok);
    assert!(
        message.contains("red flag not found") && message.contains(&unknown.to_string()),
        "{message}"
    );
    let (message, ok) = h.action(Command::AcknowledgeFlag { id: flag.id }).await;
    assert!(!ok);
    assert!(message.contains("already resolved"), "{message}");

    // Evaluate keeps flags current: the resolved flag's condition still holds, so it opens
    // again; a condition that cleared gets its flag resolved by the system.
    let key = flag.flag_key.clone().expect("evaluator flags have a key");
    let missing_publish = open
        .iter()
        .find(|f| f.flag_key.as_deref() == Some("missing_publish_records"))
        .expect("the demo has runs missing publish records")
        .clone();
    sqlx::query("DELETE FROM dashboard_run_items WHERE succeeded AND published_item_id IS NULL")
        .execute(pool)
        .await
        .unwrap();
    let (_, outcome) = h
        .request(Command::Evaluate, |event| match event {
            DataEvent::Connection(Ok(())) => Some(Ok(())),
            DataEvent::ActionDone { message, ok: false } => Some(Err(message.clone())),
            _ => None,
        })
        .await;
    outcome.expect("the evaluation succeeds quietly");
    let open_now = h.flags(false).await;
    let reopened = open_now
        .iter()
        .find(|f| f.flag_key.as_deref() == Some(key.as_str()))
        .unwrap_or_else(|| panic!("{key} is open again: {open_now:?}"));
    assert_ne!(reopened.id, flag.id, "as a new flag");
    assert!(reopened.acknowledged_by.is_none());
    let cleared = red_flags::get(pool, missing_publish.id)
        .await
        .unwrap()
        .expect("flag");
    assert_eq!(
        cleared.resolved_by.as_deref(),
        Some(red_flags::SYSTEM_RESOLVER)
    );
    assert!(
        !open_now
            .iter()
            .any(|f| f.flag_key.as_deref() == Some("missing_publish_records")),
        "{open_now:?}"
    );

    // Layouts: save as the operator's own, update it, reject an invalid one, delete it.
    let alice = mpis_dash::tui::user_id(OPERATOR);
    let on_call = default_layouts().remove(1).2.to_json();
    let saved = h
        .save_layout(Command::SaveLayout {
            own_id: None,
            name: "Overview (alice)".to_string(),
            config: on_call.clone(),
        })
        .await
        .expect("layout saved");
    assert_eq!(saved.user_id, Some(alice));
    assert!(saved.is_default);
    assert_eq!(saved.layout_config.0, on_call);
    let listed = h.layouts().await;
    assert_eq!(
        listed[0].id, saved.id,
        "the operator's own layout comes first"
    );
    let overview = default_layouts().remove(0).2.to_json();
    let updated = h
        .save_layout(Command::SaveLayout {
            own_id: Some(saved.id),
            name: "ignored on update".to_string(),
            config: overview.clone(),
        })
        .await
        .expect("layout updated");
    assert_eq!(updated.id, saved.id);
    assert_eq!(updated.name, "Overview (alice)");
    assert_eq!(updated.layout_config.0, overview);
    let error = h
        .save_layout(Command::SaveLayout {
            own_id: None,
            name: "broken".to_string(),
            config: json!({"widgets": [
                {"widget_id": "runs", "position": {"x": 0, "y": 0, "w": 8, "h": 2}},
                {"widget_id": "red-flags", "position": {"x": 6, "y": 0, "w": 6, "h": 2}},
            ]}),
        })
        .await
        .expect_err("overlapping widgets are refused");
    assert!(error.contains("layout_config"), "{error}");
    assert!(error.contains("overlap"), "{error}");
    let deleted = h.delete_layout(saved.id).await;
    assert_eq!(deleted, Ok("Overview (alice)".to_string()));
    assert!(layouts::get(pool, saved.id).await.unwrap().is_none());
    assert!(!h.layouts().await.iter().any(|l| l.user_id.is_some()));
    let message = h.delete_layout(saved.id).await.unwrap_err();
    assert!(message.contains("layout not found"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// 2. Live updates

#[tokio::test]
async fn writes_to_our_tables_are_reported_live_and_mpis_tables_are_not() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Live").await;
    let mut h = Harness::spawn(pool);

    let project_ref = &project;
    let listening = h
        .wait_for_listener(pool, move || {
            let new = common::new_run(project_ref);
            async move {
                runs::create(pool, &new).await.expect("create a run");
            }
        })
        .await;
    eprintln!(
        "[measure] listener up {} ms after spawn",
        listening.as_millis()
    );

    // Completing a run (with items) reports both run tables.
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    // A new run queues its dispatch (migration 0013 notifies that table too).
    assert_eq!(
        h.changes_until_barrier(pool).await,
        BTreeSet::from(["dashboard_runs".to_string(), "run_dispatches".to_string()])
    );
    complete(pool, &run, RunStatus::Failed, Some("telegram said no")).await;
    let committed = Instant::now();
    let first = h
        .wait_for(|event| match event {
            DataEvent::Changed(tables) => Some(tables.clone()),
            _ => None,
        })
        .await;
    eprintln!(
        "[measure] first Changed {:?} {} µs after the completion committed",
        first,
        committed.elapsed().as_micros()
    );
    let mut tables: BTreeSet<String> = first.into_iter().collect();
    tables.extend(h.changes_until_barrier(pool).await);
    // The completion also cancelled the run's queued dispatch.
    assert_eq!(
        tables,
        BTreeSet::from([
            "dashboard_run_items".to_string(),
            "dashboard_runs".to_string(),
            "run_dispatches".to_string()
        ])
    );

    // A new red flag: with these thresholds any failed run raises one, however many runs the
    // listener hand-shake created.
    let thresholds = Thresholds {
        failed_runs_warning_pct: 0.0,
        ..Thresholds::default()
    };
    let evaluation = red_flags::evaluate_and_record(pool, &thresholds, chrono::Utc::now())
        .await
        .unwrap();
    assert!(!evaluation.flags.is_empty(), "{:?}", evaluation.summary);
    let tables = h.changes_until_barrier(pool).await;
    assert!(tables.contains("red_flags"), "{tables:?}");
    eprintln!("[measure] one evaluation pass reported {tables:?}");

    // A publish record.
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    assert_eq!(
        h.changes_until_barrier(pool).await,
        BTreeSet::new(),
        "MPIS's content tables have no trigger"
    );
    let enqueued = outbox::enqueue(
        pool,
        &NewPublishRecord {
            idempotency_key: format!("live-{}", Uuid::new_v4()),
            run_id: Some(run.run_id),
            project_id: Some(project.id),
            persona_id: Some(project.persona_id),
            published_at: None,
            draft_id: draft,
            channel: "telegram".to_string(),
            channel_item_id: Some("777".to_string()),
            channel_url: None,
            created_by: OPERATOR.to_string(),
        },
    )
    .await
    .unwrap();
    assert!(enqueued.created);
    assert_eq!(
        h.changes_until_barrier(pool).await,
        BTreeSet::from(["publish_records".to_string()])
    );

    // A write to an MPIS table: nothing within a second, and nothing before a later barrier.
    common::persona(pool, "Quiet").await;
    let window = Instant::now();
    let mut events = Vec::new();
    while let Some(event) = h
        .try_next(Duration::from_secs(1).saturating_sub(window.elapsed()))
        .await
    {
        events.push(event);
    }
    assert!(
        !events.iter().any(|e| matches!(e, DataEvent::Changed(_))),
        "{events:?}"
    );
    let tables = h.changes_until_barrier(pool).await;
    assert!(!tables.contains("personas"), "{tables:?}");
    assert!(tables.is_empty(), "{tables:?}");
}

// ---------------------------------------------------------------------------------------------
// 3. Resilience: a private cluster that goes away and comes back

/// A private throwaway cluster, stopped and removed when the test ends (also on failure).
struct PrivateCluster {
    root: PathBuf,
    cluster: Option<LocalCluster>,
}

impl PrivateCluster {
    fn start() -> PrivateCluster {
        // Directly under the temp dir: as root the server runs as `postgres`, which must reach it.
        let root =
            std::env::temp_dir().join(format!("mpis-dash-worker-{}", Uuid::new_v4().simple()));
        let mut guard = PrivateCluster {
            root,
            cluster: None,
        };
        guard.ensure();
        guard
    }

    fn ensure(&mut self) {
        let cluster =
            tokio::task::block_in_place(|| LocalCluster::ensure(&self.root, Durability::Throwaway))
                .expect("the private cluster starts");
        assert!(cluster.started_here());
        self.cluster = Some(cluster);
    }

    fn cluster(&self) -> &LocalCluster {
        self.cluster.as_ref().expect("cluster")
    }

    fn stop(&mut self) {
        let cluster = self.cluster.as_mut().expect("cluster");
        tokio::task::block_in_place(|| cluster.stop()).expect("the private cluster stops");
        assert!(!cluster.is_running());
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if let Some(mut cluster) = self.cluster.take()
            && cluster.is_running()
        {
            let _ = cluster.stop();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_reports_an_outage_keeps_stale_data_and_recovers_by_itself() {
    let mut server = PrivateCluster::start();
    let mut admin = sqlx::PgConnection::connect_with(&server.cluster().connect_options("postgres"))
        .await
        .expect("connect to the private cluster");
    sqlx::query("CREATE DATABASE mpis_dash_resilience")
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let pool = store::connect(server.cluster().connect_options("mpis_dash_resilience"), 4)
        .await
        .expect("pool");
    store::migrate(&pool).await.expect("migrations");
    let project = common::persona_with_project(&pool, "Resilient").await;
    runs::create(&pool, &common::new_run(&project))
        .await
        .unwrap();

    let mut h = Harness::spawn(&pool).with_app((120, 40));
    h.wait_until_app("every widget has loaded", all_slots_settled)
        .await;
    let runs_slot = slot_of(h.app(), &WidgetKind::Runs);
    assert_eq!(h.app().connection, Connection::Ok);
    assert_eq!(state_of(h.app(), runs_slot), LoadState::Ready);
    let shown_before = h.app().slots[runs_slot].data.value.clone();

    // Up: a widget loads and the connection is reported fine.
    let (before, result) = h.widget_with_events(WidgetKind::Runs, None, 0).await;
    assert!(result.is_ok(), "{result:?}");
    assert!(
        before.contains(&DataEvent::Connection(Ok(()))),
        "{before:?}"
    );

    // Down: the reason is reported and the widget fails, neither hanging nor panicking.
    server.stop();
    let stopped = Instant::now();
    let (before, result) = h.widget_with_events(WidgetKind::Runs, None, 0).await;
    let reported = stopped.elapsed();
    let reason = before
        .iter()
        .find_map(|e| match e {
            DataEvent::Connection(Err(reason)) => Some(reason.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Connection(Err) before the widget's answer: {before:?}"));
    let error = result.expect_err("the widget cannot load with the database down");
    eprintln!(
        "[measure] outage reported {} ms after the stop: {reason:?}; widget error {error:?}",
        reported.as_millis()
    );
    assert!(!reason.is_empty());

    // The app shows the outage and keeps the old rows, marked stale.
    let commands = h.app.as_mut().unwrap().refresh_all();
    for command in commands {
        h.send(command);
    }
    h.wait_until_app("the outage is shown", |app| {
        matches!(app.connection, Connection::Unreachable(_)) && all_slots_settled(app)
    })
    .await;
    let app = h.app();
    assert_eq!(state_of(app, runs_slot), LoadState::Stale);
    assert_eq!(
        app.slots[runs_slot].data.value, shown_before,
        "old rows kept"
    );
    assert!(app.slots[runs_slot].data.error.is_some());
    let screen = buffer_text(&render(app));
    assert!(
        screen.contains("database unreachable, retrying"),
        "{screen}"
    );

    // Back: a new load succeeds and the connection is reported fine again.
    server.ensure();
    let restarted = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (before, result) = h.widget_with_events(WidgetKind::Runs, None, 0).await;
        if result.is_ok() {
            assert!(
                before.contains(&DataEvent::Connection(Ok(()))),
                "{before:?}"
            );
            break;
        }
        assert!(attempts < 10, "still failing after the restart: {result:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!(
        "[measure] first successful load {} ms after the restart ({attempts} attempt(s))",
        restarted.elapsed().as_millis()
    );
    let commands = h.app.as_mut().unwrap().refresh_all();
    for command in commands {
        h.send(command);
    }
    h.wait_until_app("the app has recovered", |app| {
        app.connection == Connection::Ok
            && all_slots_settled(app)
            && app.slots.iter().all(|s| s.data.error.is_none())
    })
    .await;
    assert_eq!(state_of(h.app(), runs_slot), LoadState::Ready);
    assert_eq!(
        h.app().message.as_ref().map(|m| m.text.as_str()),
        Some("database reachable again")
    );

    // The listener reconnects by itself: a later write is reported again.
    let (pool_ref, project_ref) = (&pool, &project);
    let relistened = h
        .wait_for_listener(pool_ref, move || {
            let new = common::new_run(project_ref);
            async move {
                runs::create(pool_ref, &new).await.expect("create a run");
            }
        })
        .await;
    eprintln!(
        "[measure] change listener back {} ms after the first retried write",
        relistened.as_millis()
    );
    let run = runs::create(&pool, &common::new_run(&project))
        .await
        .unwrap();
    complete(&pool, &run, RunStatus::Success, None).await;
    assert_eq!(
        h.changes_until_barrier(&pool).await,
        BTreeSet::from([
            "dashboard_run_items".to_string(),
            "dashboard_runs".to_string(),
            "run_dispatches".to_string()
        ])
    );
    drop(h);
    pool.close().await;
}

// ---------------------------------------------------------------------------------------------
// 4. Sanitization from the database to the terminal

/// A byte buffer the terminal writes into and the test reads afterwards (ratatui's own
/// `CrosstermBackend::writer` accessor is behind an unstable feature).
#[derive(Clone, Default)]
struct Written(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Written {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_escape_sequence_stored_in_the_database_never_reaches_the_terminal() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona_id: Uuid = sqlx::query_scalar(
        "INSERT INTO personas (name, slug, language, active_version) VALUES ($1, $2, 'en', 'v1')
         RETURNING id",
    )
    .bind(HOSTILE_NAME)
    .bind(format!("evil-{}", Uuid::new_v4().simple()))
    .fetch_one(pool)
    .await
    .unwrap();
    let project = common::project(pool, persona_id, "Plain project").await;
    let run = runs::create(pool, &common::new_run(&project))
        .await
        .unwrap();
    complete(pool, &run, RunStatus::Failed, Some(HOSTILE_ERROR)).await;

    let mut h = Harness::spawn(pool).with_app((120, 40));
    h.wait_until_app("every widget has loaded", all_slots_settled)
        .await;
    let app = h.app();
    let runs_slot = slot_of(app, &WidgetKind::Runs);
    let personas_slot = slot_of(app, &WidgetKind::PersonaOverview);
    match &app.slots[runs_slot].data.value {
        Some(WidgetData::Runs(d)) => {
            assert_eq!(d.rows[0].persona_name, HOSTILE_NAME, "stored as is");
            assert_eq!(d.rows[0].error_message.as_deref(), Some(HOSTILE_ERROR));
        }
        other => panic!("runs: {other:?}"),
    }
    match &app.slots[personas_slot].data.value {
        Some(WidgetData::Personas(d)) => assert_eq!(d.personas[0].name, HOSTILE_NAME),
        other => panic!("personas: {other:?}"),
    }

    // The dashboard: the persona name in full, the run's error as far as its column goes.
    let screen = assert_drawn_safely(app);
    assert!(
        screen.contains("Evil\\x1b]0;pwned\\x07\\x1b[2J"),
        "{screen}"
    );
    assert!(screen.contains("\\x1b[31m"), "{screen}");

    // The run detail screen (Tab to the runs widget, Enter): the error text in full.
    while h.app().focus != runs_slot {
        h.key(KeyCode::Tab);
    }
    h.key(KeyCode::Enter);
    h.wait_until_app(
        "the run detail has loaded",
        |app| matches!(&app.screen, Screen::RunDetail(state) if state.detail.value.is_some()),
    )
    .await;
    let screen = assert_drawn_safely(h.app());
    assert!(screen.contains("\\x1b[31mred\\x9b"), "{screen}");
    assert!(screen.contains("Evil\\x1b]0;pwned"), "{screen}");
}

/// Draws `app` on a test buffer and on a crossterm backend writing into memory; asserts that
/// no control character reaches a cell or the bytes (no OSC title sequence, no clear screen, no
/// BEL, no C1 CSI). Returns the screen's text.
fn assert_drawn_safely(app: &App) -> String {
    let buffer = render(app);
    for (index, cell) in buffer.content.iter().enumerate() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "cell {index} holds {:?}",
            cell.symbol()
        );
    }
    let screen = buffer_text(&buffer);

    let written = Written::default();
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(written.clone()),
        TerminalOptions {
            // Fixed: `Terminal::new` would ask the real terminal for its size (none under test).
            viewport: Viewport::Fixed(Rect::new(0, 0, app.size.0, app.size.1)),
        },
    )
    .expect("terminal over a byte buffer");
    terminal.draw(|frame| view(app, frame)).expect("draw");
    drop(terminal);
    let bytes = written.0.lock().unwrap().clone();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!bytes.is_empty());
    assert!(!contains(b"\x1b]0;"), "an OSC title sequence was emitted");
    assert!(!contains(b"\x1b]"), "an OSC sequence was emitted");
    assert!(!contains(b"\x1b[2J"), "a clear screen was emitted");
    assert!(!bytes.contains(&0x07), "a BEL was emitted");
    let text = String::from_utf8(bytes).expect("UTF-8 output");
    assert!(!text.contains('\u{9b}'), "a C1 CSI was emitted");
    // What the operator sees of the escape arrives as plain text.
    assert!(
        text.contains("\\x1b]0;pwned"),
        "the escape is shown as text"
    );
    screen
}
