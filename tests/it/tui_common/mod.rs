//! Fixtures shared by the TUI tests (`tui_app.rs`, `tui_screens.rs`): the two shipped layouts
//! as stored rows, fixed runs, flags and widget data, an `App` with the default options, and
//! helpers to press keys and to answer the worker's commands. Every id and timestamp is fixed.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use mpis_dash::domain::layout::LayoutConfig;
use mpis_dash::domain::widget_catalog::default_layouts;
use mpis_dash::store::genesis::PendingGenesisJob;
use mpis_dash::store::jobs::IngestionJob;
use mpis_dash::store::layouts::Layout;
use mpis_dash::store::metrics::{ChannelAggregate, DailyEngagement, ItemPerformance};
use mpis_dash::store::outbox::{OutboxCounts, PublishRecord};
use mpis_dash::store::personas::PersonaSummary;
use mpis_dash::store::red_flags::RedFlag;
use mpis_dash::store::runs::{Run, RunCursor, RunItem, RunListRow};
use mpis_dash::tui::app::{App, AppOptions, Event};
use mpis_dash::tui::clock::Now;
use mpis_dash::tui::data::{
    OutboxData, PersonasData, Recommendation, RedFlagsData, RunsData, WidgetData, WidgetKind,
};
use mpis_dash::tui::keymap::Keymap;
use mpis_dash::tui::theme::Theme;
use mpis_dash::tui::worker::{Command, DataEvent, RunDetail};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use sqlx::types::Json;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Ids and times

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("fixed timestamp")
}

/// The wall time every fixture pretends the data was loaded at.
pub fn loaded_at() -> DateTime<Utc> {
    at("2025-05-20T12:00:00Z")
}

/// The moment a test app starts at: wall time `loaded_at()` (the instant is only an origin).
/// Time then stands still: events pass `app.now`, unless a test moves on with
/// `app.now.later(..)`.
pub fn start() -> Now {
    Now {
        instant: Instant::now(),
        wall: loaded_at(),
    }
}

pub const OVERVIEW_ID: u128 = 0xa1;
pub const ON_CALL_ID: u128 = 0xa2;
pub const OWN_LAYOUT_ID: u128 = 0xa3;

// ---------------------------------------------------------------------------------------------
// Layouts

pub fn layout_row(n: u128, user_id: Option<Uuid>, name: &str, config: Value) -> Layout {
    Layout {
        id: id(n),
        user_id,
        name: name.to_string(),
        is_default: n == OVERVIEW_ID,
        layout_config: Json(config),
        created_at: at("2025-05-01T09:00:00Z"),
        updated_at: at("2025-05-01T09:00:00Z"),
    }
}

/// The two seeded global layouts ("Overview", the default, then "On-call").
pub fn layouts() -> Vec<Layout> {
    default_layouts()
        .into_iter()
        .zip([OVERVIEW_ID, ON_CALL_ID])
        .map(|((name, _, config), n)| layout_row(n, None, name, config.to_json()))
        .collect()
}

pub fn overview_config() -> LayoutConfig {
    default_layouts().remove(0).2
}

pub fn on_call_config() -> LayoutConfig {
    default_layouts().remove(1).2
}

/// alice's own layout (the On-call placements), listed first as `list_for_user` does.
pub fn own_layout() -> Layout {
    layout_row(
        OWN_LAYOUT_ID,
        Some(mpis_dash::tui::user_id("alice")),
        "Mine",
        on_call_config().to_json(),
    )
}

// ---------------------------------------------------------------------------------------------
// Runs

pub fn run_row(
    n: u128,
    status: &str,
    project: &str,
    persona: &str,
    started: &str,
    completed: Option<&str>,
    error: Option<&str>,
) -> RunListRow {
    RunListRow {
        id: id(n),
        run_id: id(0x1000 + n),
        status: status.to_string(),
        project_id: id(0x2000 + n),
        project_name: project.to_string(),
        persona_id: id(0x3000 + n),
        persona_name: persona.to_string(),
        started_at: at(started),
        completed_at: completed.map(at),
        error_message: error.map(str::to_string),
    }
}

/// Eight runs, newest first: run `n` has `run_id` `0x1000 + n`.
pub fn run_rows() -> Vec<RunListRow> {
    vec![
        run_row(
            1,
            "running",
            "Spring Launch",
            "Alex Tech",
            "2025-05-20T11:58:00Z",
            None,
            None,
        ),
        run_row(
            2,
            "failed",
            "Weekly Digest",
            "Nova Finance",
            "2025-05-20T11:40:00Z",
            Some("2025-05-20T11:42:05Z"),
            Some("telegram: 429 Too Many Requests (retry after 30 s)"),
        ),
        run_row(
            3,
            "success",
            "Spring Launch",
            "Alex Tech",
            "2025-05-20T10:00:00Z",
            Some("2025-05-20T10:04:12Z"),
            None,
        ),
        run_row(
            4,
            "partial",
            "Travel Tips May",
            "Mira Travel",
            "2025-05-20T08:30:00Z",
            Some("2025-05-20T08:31:40Z"),
            Some("instagram item 2: media upload timed out"),
        ),
        run_row(
            5,
            "pending",
            "Weekly Digest",
            "Nova Finance",
            "2025-05-20T07:00:00Z",
            None,
            None,
        ),
        run_row(
            6,
            "success",
            "Travel Tips May",
            "Mira Travel",
            "2025-05-19T18:00:00Z",
            Some("2025-05-19T19:15:00Z"),
            None,
        ),
        run_row(
            7,
            "failed",
            "Product Hunt Teaser",
            "Alex Tech",
            "2025-05-19T09:00:00Z",
            Some("2025-05-19T09:00:07Z"),
            Some("n8n webhook returned 502 Bad Gateway"),
        ),
        run_row(
            8,
            "success",
            "Weekly Digest",
            "Nova Finance",
            "2025-05-18T07:00:00Z",
            Some("2025-05-18T07:02:30Z"),
            None,
        ),
    ]
}

/// Where the page after `run_rows()` starts.
pub fn next_cursor() -> RunCursor {
    RunCursor {
        started_at: at("2025-05-18T07:00:00Z"),
        id: id(8),
    }
}

/// The newest page: `run_rows()`, with more to come.
pub fn runs_page() -> WidgetData {
    WidgetData::Runs(RunsData {
        rows: run_rows(),
        next: Some(next_cursor()),
        page: 0,
    })
}

/// The second (and last) page.
pub fn runs_second_page() -> WidgetData {
    WidgetData::Runs(RunsData {
        rows: vec![
            run_row(
                9,
                "success",
                "Weekly Digest",
                "Nova Finance",
                "2025-05-17T07:00:00Z",
                Some("2025-05-17T07:03:00Z"),
                None,
            ),
            run_row(
                10,
                "failed",
                "Spring Launch",
                "Alex Tech",
                "2025-05-16T07:00:00Z",
                Some("2025-05-16T07:00:30Z"),
                Some("project has no channels"),
            ),
        ],
        next: None,
        page: 1,
    })
}

/// The detail of run 2 (the failed one): two items, one failed, one not in `published_items`.
pub fn run_detail() -> RunDetail {
    let row = &run_rows()[1];
    let run = Run {
        id: row.id,
        run_id: row.run_id,
        project_id: row.project_id,
        persona_id: row.persona_id,
        status: row.status.clone(),
        started_at: row.started_at,
        completed_at: row.completed_at,
        n8n_execution_id: None,
        n8n_execution_ref: Some("48213".to_string()),
        error_message: row.error_message.clone(),
        meta: Json(json!({
            "channels": ["telegram", "instagram"],
            "date_from": "2025-05-19",
            "date_to": "2025-05-25",
        })),
    };
    let item = |no: i32, channel: &str, succeeded: bool| RunItem {
        id: id(0xb000 + no as u128),
        run_id: row.run_id,
        item_no: no,
        draft_id: Some(id(0x9000 + no as u128)),
        channel: channel.to_string(),
        channel_item_id: succeeded.then(|| "1287".to_string()),
        channel_url: succeeded.then(|| "https://t.me/novafinance/1287".to_string()),
        status: Some(if succeeded { "published" } else { "failed" }.to_string()),
        succeeded,
        error: (!succeeded).then(|| "429 Too Many Requests (retry after 30 s)".to_string()),
        metrics: Json(if succeeded {
            json!({"views": 120, "reactions": 9})
        } else {
            json!({})
        }),
        published_item_id: succeeded.then(|| id(0xc000 + no as u128)),
    };
    RunDetail {
        latest_metrics: vec![ItemPerformance {
            published_item_id: id(0xc000),
            channel: "telegram".to_string(),
            channel_url: Some("https://t.me/novafinance/1287".to_string()),
            published_at: row.started_at,
            views: Some(1540),
            reactions: Some(88),
            comments: Some(7),
            shares: Some(12),
            engagement_rate: Some(0.0694),
            measured_at: Some(row.started_at + chrono::Duration::hours(24)),
        }],
        run,
        project_name: row.project_name.clone(),
        persona_name: row.persona_name.clone(),
        items: vec![item(0, "telegram", true), item(1, "telegram", false)],
    }
}

// ---------------------------------------------------------------------------------------------
// Red flags

pub fn red_flag(
    n: u128,
    flag_type: &str,
    severity: &str,
    description: &str,
    created: &str,
    metadata: Value,
) -> RedFlag {
    RedFlag {
        id: id(n),
        flag_type: flag_type.to_string(),
        flag_key: None,
        severity: severity.to_string(),
        description: Some(description.to_string()),
        metadata: Json(metadata),
        created_at: at(created),
        last_seen_at: loaded_at(),
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
        resolved_by: None,
        silenced_until: None,
        silenced_by: None,
    }
}

/// The open flags: a critical one first, then two warnings.
pub fn open_flags() -> Vec<RedFlag> {
    vec![
        red_flag(
            0xf1,
            "failed_runs_24h",
            "critical",
            "6 of 20 runs failed in the last 24 h",
            "2025-05-20T10:40:00Z",
            json!({"failed": 6, "total": 20, "percentage": 30.0, "threshold": 25.0}),
        ),
        red_flag(
            0xf2,
            "failed_runs_7d",
            "warning",
            "16 of 140 runs failed in the last 7 days",
            "2025-05-19T08:00:00Z",
            json!({"failed": 16, "total": 140, "percentage": 11.4, "threshold": 10.0}),
        ),
        red_flag(
            0xf3,
            "missing_metrics",
            "warning",
            "8 published items have no metrics",
            "2025-05-20T06:00:00Z",
            json!({"count": 8, "threshold": 5}),
        ),
    ]
}

/// The open flags with the second one acknowledged by bob, plus one resolved by carol.
pub fn flags_with_history() -> Vec<RedFlag> {
    let mut flags = open_flags();
    flags[1].acknowledged_at = Some(at("2025-05-19T09:10:00Z"));
    flags[1].acknowledged_by = Some("bob".to_string());
    let mut resolved = red_flag(
        0xf4,
        "missing_publish_records",
        "warning",
        "2 runs have items missing from published_items",
        "2025-05-18T07:00:00Z",
        json!({"count": 2}),
    );
    resolved.acknowledged_at = Some(at("2025-05-18T08:00:00Z"));
    resolved.acknowledged_by = Some("carol".to_string());
    resolved.resolved_at = Some(at("2025-05-18T09:30:00Z"));
    resolved.resolved_by = Some("carol".to_string());
    flags.push(resolved);
    flags
}

pub fn red_flags_data() -> WidgetData {
    WidgetData::RedFlags(RedFlagsData {
        summary: json!({
            "status": "CRITICAL",
            "evaluated_at": "2025-05-20T11:59:30Z",
            "failed_runs": {
                "last_24h": {"total_runs": 20, "failed_runs": 6, "percentage": 30.0,
                             "alert": true, "severity": "critical"},
                "last_7d": {"total_runs": 140, "failed_runs": 16, "percentage": 11.4,
                            "alert": true, "severity": "warning"},
            },
            "missing_metrics": {"count": 8, "alert": true, "severity": "warning",
                                "as_of": "2025-05-20T11:45:00Z"},
            "missing_publish_records": {"count": 0, "alert": false, "severity": null},
        }),
        overall: "CRITICAL".to_string(),
        open_flags: open_flags(),
    })
}

// ---------------------------------------------------------------------------------------------
// The other widgets' data

pub fn recent_posts() -> WidgetData {
    let post =
        |n: u128, channel: &str, url: Option<&str>, published: &str, views, reactions, rate| {
            ItemPerformance {
                published_item_id: id(0x4000 + n),
                channel: channel.to_string(),
                channel_url: url.map(str::to_string),
                published_at: at(published),
                views,
                reactions,
                comments: Some(3),
                shares: Some(1),
                engagement_rate: rate,
                measured_at: rate.map(|_| loaded_at()),
            }
        };
    WidgetData::RecentPosts(vec![
        post(
            1,
            "telegram",
            Some("https://t.me/alextech/1287"),
            "2025-05-20T11:30:00Z",
            Some(1520),
            Some(95),
            Some(0.0787),
        ),
        post(
            2,
            "instagram",
            Some("https://www.instagram.com/p/C7xYz12AbCd/"),
            "2025-05-20T09:00:00Z",
            Some(48210),
            Some(3120),
            Some(0.1043),
        ),
        post(
            3,
            "linkedin",
            Some("https://www.linkedin.com/feed/update/urn:li:activity:7198"),
            "2025-05-20T06:15:00Z",
            Some(830),
            Some(22),
            Some(0.0341),
        ),
        post(
            4,
            "telegram",
            None,
            "2025-05-20T05:00:00Z",
            None,
            None,
            None,
        ),
    ])
}

pub fn engagement() -> WidgetData {
    let mut rows = Vec::new();
    let start = NaiveDate::from_ymd_opt(2025, 5, 7).expect("date");
    for day in 0..14u32 {
        let date = start + chrono::Days::new(u64::from(day));
        let d = f64::from(day);
        let series = [
            ("instagram", 0.06 + 0.02 * (d / 2.0).sin() + d * 0.001),
            ("telegram", 0.04 + d * 0.002),
        ];
        for (channel, rate) in series {
            rows.push(DailyEngagement {
                day: date,
                channel: channel.to_string(),
                measurements: 3 + i64::from(day % 4),
                avg_engagement: Some((rate * 10_000.0).round() / 10_000.0),
                views: 1_000 + i64::from(day) * 130,
            });
        }
    }
    WidgetData::Engagement(rows)
}

pub fn channels() -> WidgetData {
    let aggregate = |channel: &str, measurements, avg, views, reactions| ChannelAggregate {
        channel: channel.to_string(),
        measurements,
        avg_engagement: avg,
        views,
        reactions,
        comments: reactions / 10,
        shares: reactions / 20,
    };
    WidgetData::Channels(vec![
        aggregate("instagram", 84, Some(0.0712), 1_204_500, 61_200),
        aggregate("linkedin", 40, Some(0.0264), 38_900, 1_020),
        aggregate("telegram", 120, Some(0.0455), 182_340, 6_480),
    ])
}

pub fn personas() -> WidgetData {
    let persona = |n: u128, name: &str, language: &str, version: &str| PersonaSummary {
        id: id(0x5000 + n),
        name: name.to_string(),
        slug: name.to_lowercase().replace(' ', "-"),
        language: Some(language.to_string()),
        active_version: Some(version.to_string()),
        created_at: at("2025-04-01T09:00:00Z"),
    };
    WidgetData::Personas(PersonasData {
        personas: vec![
            persona(1, "Alex Tech", "en", "v3"),
            persona(2, "Nova Finance", "de", "v1"),
            persona(3, "Mira Travel", "es", "v2"),
        ],
        awaiting_approval: vec![PendingGenesisJob {
            id: id(0x6001),
            persona_name: "Orbit Science".to_string(),
            slug: "orbit-science".to_string(),
            status: "awaiting_approval".to_string(),
            draft_no: 1,
            created_at: at("2025-05-18T09:00:00Z"),
            updated_at: at("2025-05-20T11:15:00Z"),
        }],
    })
}

pub fn recommendations() -> WidgetData {
    WidgetData::Recommendations(vec![Recommendation {
        persona_id: id(0x5001),
        computed_at: at("2025-05-20T10:00:00Z"),
        status: "Alex Tech · completed".to_string(),
        items: vec!["Post between 8 and 9 am on weekdays".to_string()],
    }])
}

pub fn jobs() -> WidgetData {
    let job =
        |n: u128, name: &str, channel: &str, cron: &str, last: &str, next: &str| IngestionJob {
            id: id(0x7000 + n),
            job_name: name.to_string(),
            channel: channel.to_string(),
            persona_id: None,
            schedule_cron: cron.to_string(),
            last_run_at: Some(at(last)),
            next_run_at: Some(at(next)),
            enabled: true,
            config: Json(Value::Null),
            last_status: Some("success".to_string()),
            last_error: None,
            created_at: at("2025-04-01T09:00:00Z"),
        };
    WidgetData::Jobs(vec![
        job(
            1,
            "instagram-insights",
            "instagram",
            "0 */6 * * *",
            "2025-05-20T06:00:00Z",
            "2025-05-20T18:00:00Z",
        ),
        job(
            2,
            "telegram-views",
            "telegram",
            "*/15 * * * *",
            "2025-05-20T11:45:00Z",
            "2025-05-20T12:15:00Z",
        ),
    ])
}

pub fn outbox() -> WidgetData {
    let record =
        |n: u128, channel: &str, state: &str, attempts, error: Option<&str>| PublishRecord {
            id: id(0x8000 + n),
            idempotency_key: format!("key-{n}"),
            run_id: Some(id(0x1000 + n)),
            project_id: None,
            persona_id: None,
            published_at: at("2025-05-20T09:00:00Z"),
            draft_id: id(0x9000 + n),
            channel: channel.to_string(),
            channel_item_id: Some(format!("item-{n}")),
            channel_url: None,
            state: state.parse().expect("an outbox state"),
            attempts,
            last_error: error.map(str::to_string),
            next_attempt_at: at("2025-05-20T12:08:00Z"),
            mpis_published_item_id: None,
            forwarded_at: None,
            created_by: Some("ops".to_string()),
            created_at: at("2025-05-20T09:00:00Z"),
        };
    WidgetData::Outbox(OutboxData {
        counts: OutboxCounts {
            queued: 1,
            forwarded: 318,
            failed: 1,
        },
        unforwarded: vec![
            record(1, "telegram", "queued", 0, None),
            record(
                2,
                "instagram",
                "failed",
                10,
                Some("MPIS 503 Service Unavailable"),
            ),
        ],
    })
}

/// The fixture data of a widget kind.
pub fn data_for(kind: &WidgetKind) -> WidgetData {
    match kind {
        WidgetKind::RedFlags => red_flags_data(),
        WidgetKind::Runs => runs_page(),
        WidgetKind::RecentPosts => recent_posts(),
        WidgetKind::EngagementChart => engagement(),
        WidgetKind::ChannelPerformance => channels(),
        WidgetKind::PersonaOverview => personas(),
        WidgetKind::EidosRecommendations => recommendations(),
        WidgetKind::IngestionJobs => jobs(),
        WidgetKind::Outbox => outbox(),
        WidgetKind::Unsupported(id) => panic!("no fixture for {id}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The app

pub fn options() -> AppOptions {
    AppOptions {
        operator: "alice".to_string(),
        refresh_interval: Duration::from_secs(5),
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

/// A fresh app at 80x24 with the default options; nothing loaded yet.
pub fn app() -> App {
    App::new(options(), (80, 24), start())
}

/// `init`, then the two seeded layouts arrive: the dashboard shows "Overview" (no widget data
/// yet). Returns the app and the commands the layouts produced.
pub fn started_with(options: AppOptions, size: (u16, u16)) -> (App, Vec<Command>) {
    let mut app = App::new(options, size, start());
    assert_eq!(app.init(), vec![Command::LoadLayouts]);
    let commands = app.update(Event::Data(DataEvent::Layouts(Ok(layouts()))), app.now);
    (app, commands)
}

pub fn started() -> (App, Vec<Command>) {
    started_with(options(), (80, 24))
}

/// Answers every `LoadWidget` in `commands` with the fixture data of its kind.
pub fn answer(app: &mut App, commands: &[Command]) -> Vec<Command> {
    let mut more = Vec::new();
    for command in commands {
        if let Command::LoadWidget {
            slot,
            generation,
            kind,
            ..
        } = command
        {
            more.extend(app.update(
                Event::Data(DataEvent::Widget {
                    slot: *slot,
                    generation: *generation,
                    result: Ok(data_for(kind)),
                }),
                app.now,
            ));
        }
    }
    more
}

/// A started app with every widget of "Overview" loaded.
pub fn loaded() -> App {
    loaded_with(options(), (80, 24))
}

pub fn loaded_with(options: AppOptions, size: (u16, u16)) -> App {
    let (mut app, commands) = started_with(options, size);
    let more = answer(&mut app, &commands);
    assert!(more.is_empty(), "answers asked for more: {more:?}");
    app.update(Event::Data(DataEvent::Connection(Ok(()))), app.now);
    app
}

/// Index of the first slot of `kind`.
pub fn slot_of(app: &App, kind: &WidgetKind) -> usize {
    app.slots
        .iter()
        .position(|s| &s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} slot"))
}

/// The `LoadWidget` commands among `commands`: (slot, generation).
pub fn widget_loads(commands: &[Command]) -> Vec<(usize, u64)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::LoadWidget {
                slot, generation, ..
            } => Some((*slot, *generation)),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Keys and mouse

pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn char_key(c: char) -> Event {
    // Upper-case letters and symbols arrive with SHIFT from crossterm.
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Event::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

pub fn shift(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::SHIFT))
}

pub fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(key(code), app.now)
}

/// Types `text` one key at a time; returns every command the keys produced.
pub fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| app.update(char_key(c), app.now))
        .collect()
}

pub fn alt(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

pub fn paste(app: &mut App, text: &str) -> Vec<Command> {
    app.update(Event::Paste(text.to_string()), app.now)
}

// ---------------------------------------------------------------------------------------------
// The terminal's cursor

/// The whole frame (`view`) on a `TestBackend` of `size`.
pub fn draw_view(app: &App, (width, height): (u16, u16)) -> ratatui::Terminal<TestBackend> {
    let mut terminal = ratatui::Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| mpis_dash::tui::view::view(app, f))
        .expect("draw");
    terminal
}

/// The screen's text, rows joined by line breaks.
pub fn view_text(app: &App, size: (u16, u16)) -> String {
    terminal_text(&draw_view(app, size))
}

fn terminal_text(terminal: &ratatui::Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `red-flags` widget alone in a `width` x `height` cell, as text.
pub fn red_flags_widget_text(data: &WidgetData, (width, height): (u16, u16)) -> String {
    use mpis_dash::tui::data::LoadState;
    use mpis_dash::tui::widgets::{WidgetView, render};
    let kind = WidgetKind::from_id("red-flags");
    let theme = Theme::default();
    let view = WidgetView {
        kind: &kind,
        subtitle: String::new(),
        state: LoadState::Ready,
        data: Some(data),
        error: None,
        age_secs: Some(3),
        loaded_at: Some(loaded_at()),
        focused: false,
        selected: 0,
        filter: None,
        sort: None,
        theme: &theme,
        new_flags: &[],
    };
    let mut terminal = ratatui::Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| render(&view, f.area(), f.buffer_mut()))
        .expect("draw");
    terminal_text(&terminal) + "\n"
}

/// The `red-flags` widget's data for an evaluation, its flags open since 06:00.
pub fn red_flags_widget_data(e: mpis_dash::domain::red_flags::Evaluation) -> WidgetData {
    let open_flags = e
        .flags
        .iter()
        .map(|f| {
            red_flag(
                0x51,
                f.kind.key(),
                f.severity.as_str(),
                &f.description,
                "2025-05-20T06:00:00Z",
                f.metadata.clone(),
            )
        })
        .collect();
    WidgetData::RedFlags(RedFlagsData {
        summary: e.summary,
        overall: e.overall.as_str().to_string(),
        open_flags,
    })
}

/// Where the terminal's cursor is after the last frame: (column, row), `None` when hidden.
pub fn cursor_of(terminal: &ratatui::Terminal<TestBackend>) -> Option<(u16, u16)> {
    let backend = terminal.backend();
    backend.cursor_visible().then(|| {
        let at = backend.cursor_position();
        (at.x, at.y)
    })
}

/// What the cursor's row shows left of the cursor (wide characters once), `None` when the
/// cursor is hidden: a field's text before the cursor ends it.
pub fn text_before_cursor(terminal: &ratatui::Terminal<TestBackend>) -> Option<String> {
    let (x, y) = cursor_of(terminal)?;
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    let mut col = 0;
    while col < x {
        let symbol = buffer[(col, y)].symbol();
        text.push_str(symbol);
        // A wide character's second cell is blank.
        col += (unicode_width::UnicodeWidthStr::width(symbol) as u16).max(1);
    }
    Some(text)
}

/// The character under the cursor (a space past a field's end).
pub fn under_cursor(terminal: &ratatui::Terminal<TestBackend>) -> Option<String> {
    let (x, y) = cursor_of(terminal)?;
    Some(terminal.backend().buffer()[(x, y)].symbol().to_string())
}
