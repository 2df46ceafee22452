//! The dashboard's speed and footprint, measured in-process against a real PostgreSQL:
//! first frame, key-to-frame while a query hangs and while MPIS (the in-process sandbox) takes
//! 10 s to answer, frame render time, bytes written per refresh, LISTEN/NOTIFY latency, and
//! memory with large data. `cargo bench --bench tui`;
//! `MPIS_BENCH_ITEMS` sets the `--scale` size for the memory run (default 1,000,000; 0 skips it).

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use mpis_dash::demo_data;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::domain::run_status::RunStatus;
use mpis_dash::mpis::sandbox::{self, SandboxFaults};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::runs::{self, Completion, NewRun};
use mpis_dash::tui::app::{App, AppOptions, Event, Screen};
use mpis_dash::tui::clock::Now;
use mpis_dash::tui::keymap::Keymap;
use mpis_dash::tui::terminal::draw_if_dirty;
use mpis_dash::tui::theme::Theme;
use mpis_dash::tui::worker::{self, Command, DataEvent};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{Terminal, TerminalOptions, Viewport};
use sqlx::{Connection, PgPool};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// A writer that only counts what the terminal would receive.
#[derive(Clone, Default)]
struct Counter(Arc<Mutex<usize>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        *self.0.lock().map_err(|_| io::Error::other("poisoned"))? += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Counter {
    fn take(&self) -> usize {
        self.0
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or(0)
    }
}

fn options() -> AppOptions {
    AppOptions {
        operator: "bench".into(),
        refresh_interval: Duration::from_secs(3600), // refreshes are driven by the bench
        read_only: true,                             // no evaluator passes in the timings
        theme: Theme::default(),
        keymap: Keymap::default(),
        preferred_layout: None,
        source: "bench".into(),
        notices: Vec::new(),
        channels: Vec::new(),
        environment: None,
        time_zone: Default::default(),
        alerts: Default::default(),
        mouse: true,
        dump_dir: None,
    }
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn send(tx: &UnboundedSender<Command>, commands: Vec<Command>) {
    for c in commands {
        let _ = tx.send(c);
    }
}

/// A worker (with an MPIS client when given one), an app at 200x50 that asked for its layouts,
/// and a test terminal. With MPIS the app may write (the forms are refused in read-only mode).
fn start_app(
    pool: &PgPool,
    mpis: Option<MpisClient>,
) -> (
    UnboundedSender<Command>,
    UnboundedReceiver<DataEvent>,
    App,
    Terminal<TestBackend>,
) {
    let mut options = options();
    options.read_only = mpis.is_none();
    let (tx, rx) = worker::spawn_with_mpis(
        pool.clone(),
        "bench".into(),
        mpis_dash::tui::user_id("bench"),
        Thresholds::default(),
        mpis,
    );
    // Every event is stamped with the clocks' time, as the event loop does.
    let mut app = App::new(options, (200, 50), Now::read());
    app.update(Event::Resize(200, 50), Now::read());
    let terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    send(&tx, app.init());
    (tx, rx, app, terminal)
}

/// Feeds worker events into the app until every widget has data (or the timeout).
async fn until_loaded(
    app: &mut App,
    tx: &UnboundedSender<Command>,
    rx: &mut UnboundedReceiver<DataEvent>,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.slots.is_empty()
        || app
            .slots
            .iter()
            .any(|s| s.data.value.is_none() || s.data.loading)
    {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, rx.recv()).await {
            Ok(Some(event)) => send(tx, app.update(Event::Data(event), Now::read())),
            _ => break,
        }
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn max(samples: &[f64]) -> f64 {
    samples.iter().copied().fold(0.0, f64::max)
}

async fn first_frame_and_rendering(pool: &PgPool) {
    let started = Instant::now();
    let (tx, mut rx, mut app, mut terminal) = start_app(pool, None);
    draw_if_dirty(&mut terminal, &mut app).expect("draw");
    let first_frame = started.elapsed().as_secs_f64() * 1000.0;
    until_loaded(&mut app, &tx, &mut rx).await;
    app.dirty = true;
    draw_if_dirty(&mut terminal, &mut app).expect("draw");
    let with_data = started.elapsed().as_secs_f64() * 1000.0;
    println!("first frame (layout loading):             {first_frame:>8.2} ms  (target < 150 ms)");
    println!("first frame with every widget's data:     {with_data:>8.2} ms");

    let mut renders = Vec::new();
    for _ in 0..200 {
        app.dirty = true;
        let t = Instant::now();
        draw_if_dirty(&mut terminal, &mut app).expect("draw");
        renders.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "render a 200x50 dashboard frame:          {:>8.3} ms median, {:.3} ms max  (target < 2 ms)",
        median(renders.clone()),
        max(&renders)
    );

    // Bytes to the terminal: a full first draw, then a refresh that brings the same data.
    let counter = Counter::default();
    let fixed = Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 200, 50));
    let mut real = Terminal::with_options(
        CrosstermBackend::new(counter.clone()),
        TerminalOptions { viewport: fixed },
    )
    .expect("terminal");
    assert_eq!(
        real.get_frame().area().width,
        200,
        "the counted frame is 200x50"
    );
    counter.take();
    app.dirty = true;
    draw_if_dirty(&mut real, &mut app).expect("draw");
    let full = counter.take();
    send(&tx, app.refresh_all());
    until_loaded(&mut app, &tx, &mut rx).await;
    draw_if_dirty(&mut real, &mut app).expect("draw");
    let refresh = counter.take();
    for _ in 0..20 {
        app.update(Event::Tick, Now::read());
        draw_if_dirty(&mut real, &mut app).expect("draw");
    }
    let idle = counter.take();
    println!("bytes for a full 200x50 redraw:           {full:>8} B  (target < 30 KB)");
    println!("bytes for a refresh with unchanged data:  {refresh:>8} B  (target: near zero)");
    println!("bytes for 20 idle ticks (5 s):            {idle:>8} B");
}

async fn key_to_frame_while_a_query_hangs(pool: &PgPool, db: &ScratchDb) {
    let (tx, mut rx, mut app, mut terminal) = start_app(pool, None);
    until_loaded(&mut app, &tx, &mut rx).await;
    // Another session holds an exclusive lock: every runs query now waits.
    let mut blocker = sqlx::PgConnection::connect_with(&db.options)
        .await
        .expect("blocker");
    sqlx::raw_sql("BEGIN; LOCK TABLE dashboard_runs IN ACCESS EXCLUSIVE MODE;")
        .execute(&mut blocker)
        .await
        .expect("lock");
    send(&tx, app.refresh_all()); // these queries now hang on the lock
    let mut samples = Vec::new();
    for i in 0..300 {
        let event = match i % 6 {
            0 => key('j'),
            1 => key('k'),
            2 => Event::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
            3 => key('?'),
            4 => key('x'), // closes help
            _ => key('r'),
        };
        let t = Instant::now();
        send(&tx, app.update(event, Now::read()));
        draw_if_dirty(&mut terminal, &mut app).expect("draw");
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let still_waiting = app.slots.iter().filter(|s| s.data.loading).count();
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("unlock");
    println!(
        "key -> frame while queries hang on a lock: {:>8.3} ms median, {:.3} ms max over 300 keys ({} widgets still waiting)  (target < 16 ms)",
        median(samples.clone()),
        max(&samples),
        still_waiting
    );
}

fn keys(text: &str) -> impl Iterator<Item = Event> + '_ {
    text.chars().map(key)
}

fn special(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// `:genesis`, a name and Ctrl-S (the genesis form sends its start call), then `waiting` keys
/// typed while it is in flight, which the form ignores.
fn genesis_start_keys(name: &str, waiting: usize) -> Vec<Event> {
    let mut events = vec![key(':')];
    events.extend(keys("genesis"));
    events.push(special(KeyCode::Enter));
    events.extend(keys(name));
    events.push(ctrl('s'));
    events.extend(std::iter::repeat_n(key('x'), waiting));
    events
}

/// Hands every event the worker has sent so far to the app (and draws), untimed.
fn drain(
    app: &mut App,
    tx: &UnboundedSender<Command>,
    rx: &mut UnboundedReceiver<DataEvent>,
    terminal: &mut Terminal<TestBackend>,
    answers: &mut Vec<&'static str>,
) {
    while let Ok(event) = rx.try_recv() {
        match &event {
            DataEvent::GenesisStarted(Ok(_)) => answers.push("genesis started"),
            DataEvent::Published(_) => answers.push("published"),
            _ => {}
        }
        send(tx, app.update(Event::Data(event), Now::read()));
    }
    draw_if_dirty(terminal, app).expect("draw");
}

async fn key_to_frame_while_mpis_is_slow(pool: &PgPool) {
    const LATENCY: Duration = Duration::from_secs(10);
    let sandbox = sandbox::start(
        "127.0.0.1:0".parse().expect("address"),
        SandboxFaults {
            latency: LATENCY,
            ..SandboxFaults::none()
        },
    )
    .await
    .expect("sandbox");
    let client = MpisClient::new(MpisConfig::new(sandbox.url())).expect("client");
    let (tx, mut rx, mut app, mut terminal) = start_app(pool, Some(client));
    until_loaded(&mut app, &tx, &mut rx).await;
    let mut answers = Vec::new();

    // A publish record: written to the outbox, then forwarded to MPIS, which takes 10 s. Esc
    // leaves the form; the forward goes on in the worker.
    let mut opening = vec![key(':')];
    opening.extend(keys("publish"));
    opening.push(special(KeyCode::Enter));
    for event in opening {
        send(&tx, app.update(event, Now::read()));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !matches!(&app.screen, Screen::PublishForm(f) if f.drafts.value.is_some()) {
        assert!(Instant::now() < deadline, "approved drafts loaded");
        tokio::time::sleep(Duration::from_millis(5)).await;
        drain(&mut app, &tx, &mut rx, &mut terminal, &mut answers);
    }
    let mut filling = vec![
        special(KeyCode::Down),
        special(KeyCode::Tab),
        special(KeyCode::Tab),
    ];
    filling.extend(keys("bench-slow-mpis"));
    filling.push(ctrl('s'));
    for event in filling {
        send(&tx, app.update(event, Now::read()));
    }
    let publish_path = "/publisher/publish/record";
    while sandbox.request_count("POST", publish_path) == 0 {
        assert!(Instant::now() < deadline, "the publish reached MPIS");
        tokio::time::sleep(Duration::from_millis(5)).await;
        drain(&mut app, &tx, &mut rx, &mut terminal, &mut answers);
    }
    send(&tx, app.update(special(KeyCode::Esc), Now::read()));
    drain(&mut app, &tx, &mut rx, &mut terminal, &mut answers);
    let started = Instant::now();

    // 300 keys: eleven rounds of starting a genesis (the call goes out, keys typed meanwhile
    // wait, Esc stops waiting, Esc leaves the form) and dashboard keys (select, focus, help),
    // then a last start left in flight.
    let mut events = Vec::new();
    for _ in 0..11 {
        events.extend(genesis_start_keys("Bench", 2));
        events.extend([special(KeyCode::Esc), special(KeyCode::Esc)]);
        events.extend(keys("jk"));
        events.push(special(KeyCode::Tab));
        events.extend(keys("j?x"));
    }
    let last_round = events.len();
    events.extend(genesis_start_keys("Bench", 10));
    assert_eq!(events.len(), 300);
    let mut samples = Vec::new();
    let mut starts_before_last = 0;
    for (i, event) in events.into_iter().enumerate() {
        drain(&mut app, &tx, &mut rx, &mut terminal, &mut answers);
        if i == last_round {
            starts_before_last = sandbox.request_count("POST", "/genesis/start");
        }
        let t = Instant::now();
        send(&tx, app.update(event, Now::read()));
        draw_if_dirty(&mut terminal, &mut app).expect("draw");
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // The last start reaches MPIS (the cancelled ones may have been stopped before they did).
    while sandbox.request_count("POST", "/genesis/start") == starts_before_last {
        assert!(
            started.elapsed() < LATENCY / 2,
            "the last genesis start reached MPIS"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drain(&mut app, &tx, &mut rx, &mut terminal, &mut answers);
    let elapsed = started.elapsed();
    let submitting = matches!(&app.screen, Screen::GenesisForm(f) if f.submitting());
    let starts = sandbox.request_count("POST", "/genesis/start");
    assert!(
        elapsed < LATENCY,
        "measured within the latency: {elapsed:?}"
    );
    assert!(submitting, "the last genesis start is still in flight");
    assert_eq!(sandbox.request_count("POST", publish_path), 1);
    assert!(answers.is_empty(), "MPIS answered nothing yet: {answers:?}");
    println!(
        "key -> frame while MPIS takes 10 s:        {:>8.3} ms median, {:.3} ms max over 300 keys (12 genesis starts, 11 cancelled with Esc, {starts} reached MPIS; 1 publish forward; none answered after {:.1} s, the last start still in flight)  (target < 16 ms)",
        median(samples.clone()),
        max(&samples),
        elapsed.as_secs_f64()
    );
}

async fn notify_latency(pool: &PgPool) {
    let (tx, mut rx, mut app, mut terminal) = start_app(pool, None);
    until_loaded(&mut app, &tx, &mut rx).await;
    let project = mpis_dash::store::projects::list(pool, 1, 0)
        .await
        .expect("projects")
        .remove(0);
    let mut samples = Vec::new();
    for round in 0..20 {
        let run = runs::create(
            pool,
            &NewRun {
                project_id: project.id,
                persona_id: project.persona_id,
                channels: vec!["telegram".into()],
                date_from: Utc::now().date_naive(),
                date_to: Utc::now().date_naive(),
                templates: serde_json::json!({}),
                options: serde_json::json!({}),
            },
        )
        .await
        .expect("run");
        // Let the notification of the insert pass, then time the completion.
        tokio::time::sleep(Duration::from_millis(200)).await;
        while let Ok(event) = rx.try_recv() {
            send(&tx, app.update(Event::Data(event), Now::read()));
        }
        let committed = Instant::now();
        runs::complete(
            pool,
            run.run_id,
            &Completion {
                status: RunStatus::Failed,
                persona_id: None,
                project_id: None,
                n8n_execution_id: format!("bench-{round}"),
                error: Some("bench failure".into()),
                items: vec![],
            },
        )
        .await
        .expect("complete");
        // On screen = the runs widget shows the run as failed.
        loop {
            let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await
            else {
                break;
            };
            send(&tx, app.update(Event::Data(event), Now::read()));
            draw_if_dirty(&mut terminal, &mut app).expect("draw");
            let shown = app.slots.iter().any(|s| match &s.data.value {
                Some(mpis_dash::tui::data::WidgetData::Runs(d)) => d
                    .rows
                    .iter()
                    .any(|r| r.run_id == run.run_id && r.status == "failed"),
                _ => false,
            });
            if shown {
                samples.push(committed.elapsed().as_secs_f64() * 1000.0);
                break;
            }
        }
    }
    println!(
        "commit of a failed run -> on screen:       {:>8.1} ms median, {:.1} ms max over {} runs  (target < 1000 ms)",
        median(samples.clone()),
        max(&samples),
        samples.len()
    );
}

async fn memory_with_scale_data(items: u64) {
    let db = ScratchDb::new().await.expect("database");
    demo_data::seed_scale(&db.pool, items).await.expect("scale");
    let (tx, mut rx, mut app, mut terminal) = start_app(&db.pool, None);
    until_loaded(&mut app, &tx, &mut rx).await;
    let before = rss_mib();
    let mut peak = before;
    for _ in 0..50 {
        send(&tx, app.refresh_all());
        until_loaded(&mut app, &tx, &mut rx).await;
        for _ in 0..5 {
            send(
                &tx,
                app.update(
                    Event::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)),
                    Now::read(),
                ),
            );
        }
        draw_if_dirty(&mut terminal, &mut app).expect("draw");
        peak = peak.max(rss_mib());
    }
    println!(
        "RSS with {items} published items: {before:.1} MiB after the first load, {peak:.1} MiB peak over 50 refreshes  (target < 50 MB)"
    );
}

fn main() {
    let items = std::env::var("MPIS_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000u64);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let db = ScratchDb::new().await.expect("database");
        demo_data::seed_demo(&db.pool).await.expect("demo data");
        println!(
            "baseline RSS (runtime, pool, demo data loaded): {:.1} MiB",
            rss_mib()
        );
        first_frame_and_rendering(&db.pool).await;
        key_to_frame_while_a_query_hangs(&db.pool, &db).await;
        notify_latency(&db.pool).await;
        key_to_frame_while_mpis_is_slow(&db.pool).await;
        if items > 0 {
            memory_with_scale_data(items).await;
        }
    });
}
