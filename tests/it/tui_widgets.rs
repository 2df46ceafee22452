//! Snapshot tests of the dashboard widgets: every widget in every state (loading, error, empty,
//! ready, stale) at the size of a cell in an 80x24 layout and at a large size, plus focus,
//! selection + filter, monochrome, tiny areas and sanitization. All data is fixed: fixed ids,
//! fixed timestamps, a fixed `loaded_at`.

use chrono::{DateTime, NaiveDate, Utc};
use mpis_dash::store::genesis::PendingGenesisJob;
use mpis_dash::store::jobs::IngestionJob;
use mpis_dash::store::metrics::{ChannelAggregate, DailyEngagement, ItemPerformance};
use mpis_dash::store::outbox::OutboxState;
use mpis_dash::store::outbox::{OutboxCounts, PublishRecord};
use mpis_dash::store::personas::PersonaSummary;
use mpis_dash::store::red_flags::RedFlag;
use mpis_dash::store::runs::{RunCursor, RunListRow};
use mpis_dash::tui::data::{
    LoadState, OutboxData, PersonasData, Recommendation, RedFlagsData, RunsData, WidgetData,
    WidgetKind,
};
use mpis_dash::tui::theme::Theme;
use mpis_dash::tui::widgets::{WidgetView, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use serde_json::{Value, json};
use sqlx::types::Json;
use uuid::Uuid;

const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J";

/// The cell a widget gets in an 80x24 layout (half width, a third of the height).
const SMALL: (u16, u16) = (40, 8);
const LARGE: (u16, u16) = (100, 20);

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("fixed timestamp")
}

fn loaded_at() -> DateTime<Utc> {
    at("2025-05-20T12:00:00Z")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

// ---------------------------------------------------------------------------------------------
// Rendering

struct Setup<'a> {
    kind: WidgetKind,
    state: LoadState,
    data: Option<&'a WidgetData>,
    error: Option<&'a str>,
    subtitle: &'a str,
    age_secs: Option<u64>,
    focused: bool,
    selected: usize,
    filter: Option<&'a str>,
    theme: Theme,
}

impl<'a> Setup<'a> {
    fn new(kind: WidgetKind, state: LoadState, data: Option<&'a WidgetData>) -> Self {
        let (error, age_secs) = match state {
            LoadState::Error => (Some("connection refused (os error 111)"), None),
            LoadState::Stale => (Some("database unreachable, retrying"), Some(720)),
            _ => (None, Some(3)),
        };
        Setup {
            kind,
            state,
            data,
            error,
            subtitle: "",
            age_secs,
            focused: false,
            selected: 0,
            filter: None,
            theme: Theme::default(),
        }
    }

    fn draw(&self, (width, height): (u16, u16)) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        self.draw_on(&mut terminal);
        terminal
    }

    fn draw_on(&self, terminal: &mut Terminal<TestBackend>) {
        let view = WidgetView {
            kind: &self.kind,
            subtitle: self.subtitle.to_string(),
            state: self.state,
            data: self.data,
            error: self.error,
            age_secs: self.age_secs,
            loaded_at: Some(loaded_at()),
            focused: self.focused,
            selected: self.selected,
            filter: self.filter,
            sort: None,
            theme: &self.theme,
            new_flags: &[],
        };
        terminal
            .draw(|f| render(&view, f.area(), f.buffer_mut()))
            .expect("draw");
    }
}

const STATES: [(LoadState, &str); 5] = [
    (LoadState::Loading, "loading"),
    (LoadState::Error, "error"),
    (LoadState::Empty, "empty"),
    (LoadState::Ready, "ready"),
    (LoadState::Stale, "stale"),
];

/// One snapshot per state and size: `<name>_<state>_<small|large>`.
fn snapshot_all_states(name: &str, id: &str, full: &WidgetData, empty: &WidgetData) {
    let kind = WidgetKind::from_id(id);
    for (state, state_name) in STATES {
        let data = match state {
            LoadState::Loading | LoadState::Error => None,
            LoadState::Empty => Some(empty),
            LoadState::Ready | LoadState::Stale => Some(full),
        };
        for (size, size_name) in [(SMALL, "small"), (LARGE, "large")] {
            let terminal = Setup::new(kind.clone(), state, data).draw(size);
            insta::assert_snapshot!(
                format!("{name}_{state_name}_{size_name}"),
                terminal.backend()
            );
        }
    }
}

fn cells(buffer: &Buffer) -> impl Iterator<Item = (u16, u16, &ratatui::buffer::Cell)> {
    let area = buffer.area;
    (area.top()..area.bottom())
        .flat_map(move |y| (area.left()..area.right()).map(move |x| (x, y)))
        .map(move |(x, y)| (x, y, &buffer[(x, y)]))
}

fn text_of(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Fixtures

fn red_flag(n: u128, flag_type: &str, severity: &str, description: &str, created: &str) -> RedFlag {
    RedFlag {
        id: id(n),
        flag_type: flag_type.to_string(),
        flag_key: None,
        severity: severity.to_string(),
        description: Some(description.to_string()),
        metadata: Json(json!({})),
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

fn red_flags() -> WidgetData {
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
        open_flags: vec![
            red_flag(
                0xf1,
                "failed_runs_24h",
                "critical",
                "6 of 20 runs failed in the last 24 h (30 %, critical threshold 25 %)",
                "2025-05-20T10:40:00Z",
            ),
            red_flag(
                0xf2,
                "failed_runs_7d",
                "warning",
                "16 of 140 runs failed in the last 7 days (11.4 %, threshold 10 %)",
                "2025-05-19T08:00:00Z",
            ),
            red_flag(
                0xf3,
                "missing_metrics",
                "warning",
                "8 published items have no metrics (threshold 5)",
                "2025-05-20T06:00:00Z",
            ),
        ],
    })
}

fn red_flags_all_clear() -> WidgetData {
    WidgetData::RedFlags(RedFlagsData {
        summary: json!({
            "status": "OK",
            "failed_runs": {
                "last_24h": {"total_runs": 12, "failed_runs": 0, "percentage": 0.0,
                             "alert": false, "severity": null},
                "last_7d": {"total_runs": 95, "failed_runs": 2, "percentage": 2.1,
                            "alert": false, "severity": null},
            },
            "missing_metrics": {"count": 0, "alert": false, "severity": null},
            "missing_publish_records": {"count": 0, "alert": false, "severity": null},
        }),
        overall: "OK".to_string(),
        open_flags: Vec::new(),
    })
}

fn run(
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

fn run_rows() -> Vec<RunListRow> {
    vec![
        run(
            1,
            "running",
            "Spring Launch",
            "Alex Tech",
            "2025-05-20T11:58:00Z",
            None,
            None,
        ),
        run(
            2,
            "failed",
            "Weekly Digest",
            "Nova Finance",
            "2025-05-20T11:40:00Z",
            Some("2025-05-20T11:42:05Z"),
            Some("telegram: 429 Too Many Requests (retry after 30 s)\nat publish step 3"),
        ),
        run(
            3,
            "success",
            "Spring Launch",
            "Alex Tech",
            "2025-05-20T10:00:00Z",
            Some("2025-05-20T10:04:12Z"),
            None,
        ),
        run(
            4,
            "partial",
            "Travel Tips May",
            "Mira Travel",
            "2025-05-20T08:30:00Z",
            Some("2025-05-20T08:31:40Z"),
            Some("instagram item 2: media upload timed out"),
        ),
        run(
            5,
            "pending",
            "Weekly Digest",
            "Nova Finance",
            "2025-05-20T07:00:00Z",
            None,
            None,
        ),
        run(
            6,
            "success",
            "Travel Tips May",
            "Mira Travel",
            "2025-05-19T18:00:00Z",
            Some("2025-05-19T19:15:00Z"),
            None,
        ),
        run(
            7,
            "failed",
            "Product Hunt Teaser Campaign 2025",
            "Alex Tech",
            "2025-05-19T09:00:00Z",
            Some("2025-05-19T09:00:07Z"),
            Some("n8n webhook returned 502 Bad Gateway"),
        ),
        run(
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

fn runs() -> WidgetData {
    WidgetData::Runs(RunsData {
        rows: run_rows(),
        next: Some(RunCursor {
            started_at: at("2025-05-18T07:00:00Z"),
            id: id(8),
        }),
        page: 0,
    })
}

fn runs_empty() -> WidgetData {
    WidgetData::Runs(RunsData {
        rows: Vec::new(),
        next: None,
        page: 0,
    })
}

fn post(
    n: u128,
    channel: &str,
    url: Option<&str>,
    published: &str,
    views: Option<i32>,
    reactions: Option<i32>,
    rate: Option<f64>,
) -> ItemPerformance {
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
}

fn recent_posts() -> WidgetData {
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
            Some("https://www.instagram.com/p/C7xYz12AbCd/?utm_source=mpis"),
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
        post(
            5,
            "x",
            Some("https://x.com/novafinance/status/1792"),
            "2025-05-19T17:45:00Z",
            Some(12040),
            Some(410),
            Some(0.0412),
        ),
        post(
            6,
            "instagram",
            Some("https://www.instagram.com/p/C7aa/"),
            "2025-05-18T12:00:00Z",
            Some(2_150_000),
            Some(98000),
            Some(0.0521),
        ),
    ])
}

fn engagement() -> WidgetData {
    let mut rows = Vec::new();
    let start = NaiveDate::from_ymd_opt(2025, 5, 7).expect("date");
    for day in 0..14u32 {
        let date = start + chrono::Days::new(u64::from(day));
        let d = f64::from(day);
        let series = [
            ("instagram", 0.06 + 0.02 * (d / 2.0).sin() + d * 0.001),
            ("linkedin", 0.025 + 0.004 * (d / 3.0).cos()),
            ("telegram", 0.04 + d * 0.002),
        ];
        for (channel, rate) in series {
            // LinkedIn posts only on weekdays.
            if channel == "linkedin" && day % 7 >= 5 {
                continue;
            }
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

fn channels() -> WidgetData {
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
        aggregate("youtube", 6, None, 5_210, 0),
    ])
}

fn persona(n: u128, name: &str, language: Option<&str>, version: Option<&str>) -> PersonaSummary {
    PersonaSummary {
        id: id(0x5000 + n),
        name: name.to_string(),
        slug: name.to_lowercase().replace(' ', "-"),
        language: language.map(str::to_string),
        active_version: version.map(str::to_string),
        created_at: at("2025-04-01T09:00:00Z"),
    }
}

fn pending(n: u128, name: &str, draft_no: i32, updated: &str) -> PendingGenesisJob {
    PendingGenesisJob {
        id: id(0x6000 + n),
        persona_name: name.to_string(),
        slug: name.to_lowercase().replace(' ', "-"),
        status: "awaiting_approval".to_string(),
        draft_no,
        created_at: at("2025-05-18T09:00:00Z"),
        updated_at: at(updated),
    }
}

fn personas() -> WidgetData {
    WidgetData::Personas(PersonasData {
        personas: vec![
            persona(1, "Alex Tech", Some("en"), Some("v3")),
            persona(2, "Nova Finance", Some("de"), Some("v1")),
            persona(3, "Mira Travel", Some("es"), Some("v2")),
            persona(4, "Kenji Gaming", None, None),
        ],
        awaiting_approval: vec![
            pending(1, "Lumen Wellness", 2, "2025-05-18T16:00:00Z"),
            pending(2, "Orbit Science", 1, "2025-05-20T11:15:00Z"),
        ],
    })
}

fn personas_empty() -> WidgetData {
    WidgetData::Personas(PersonasData {
        personas: Vec::new(),
        awaiting_approval: Vec::new(),
    })
}

fn recommendations() -> WidgetData {
    let rec = |n: u128, status: &str, computed: &str, items: &[&str]| Recommendation {
        persona_id: id(0x5000 + n),
        computed_at: at(computed),
        status: status.to_string(),
        items: items.iter().map(|s| s.to_string()).collect(),
    };
    WidgetData::Recommendations(vec![
        rec(
            1,
            "Alex Tech · completed",
            "2025-05-20T10:00:00Z",
            &[
                "Post between 8 and 9 am on weekdays: engagement is 1.8x the daily average",
                "More short videos on Instagram",
                "Reply to comments within the first hour",
            ],
        ),
        rec(
            2,
            "Nova Finance · completed",
            "2025-05-19T22:00:00Z",
            &[
                "Lead with a number in the first line",
                "Fewer hashtags on LinkedIn (3 at most)",
            ],
        ),
        rec(3, "Mira Travel · pending", "2025-05-18T07:00:00Z", &[]),
    ])
}

#[allow(clippy::too_many_arguments)] // one row of fixture data, read like a table
fn job(
    n: u128,
    name: &str,
    channel: &str,
    cron: &str,
    last: Option<&str>,
    next: Option<&str>,
    enabled: bool,
    status: Option<&str>,
    error: Option<&str>,
) -> IngestionJob {
    IngestionJob {
        id: id(0x7000 + n),
        job_name: name.to_string(),
        channel: channel.to_string(),
        persona_id: None,
        schedule_cron: cron.to_string(),
        last_run_at: last.map(at),
        next_run_at: next.map(at),
        enabled,
        config: Json(Value::Null),
        last_status: status.map(str::to_string),
        last_error: error.map(str::to_string),
        created_at: at("2025-04-01T09:00:00Z"),
    }
}

fn jobs() -> WidgetData {
    WidgetData::Jobs(vec![
        job(
            1,
            "instagram-insights",
            "instagram",
            "0 */6 * * *",
            Some("2025-05-20T06:00:00Z"),
            Some("2025-05-20T18:00:00Z"),
            true,
            Some("success"),
            None,
        ),
        job(
            2,
            "linkedin-stats",
            "linkedin",
            "30 7 * * 1-5",
            Some("2025-05-20T07:30:00Z"),
            Some("2025-05-21T07:30:00Z"),
            true,
            Some("failed"),
            Some("401 Unauthorized: access token expired"),
        ),
        job(
            3,
            "telegram-views",
            "telegram",
            "*/15 * * * *",
            Some("2025-05-20T11:45:00Z"),
            Some("2025-05-20T11:55:00Z"),
            true,
            Some("success"),
            None,
        ),
        job(4, "x-metrics", "x", "@daily", None, None, false, None, None),
        job(
            5,
            "legacy-import",
            "youtube",
            "every hour",
            None,
            None,
            true,
            None,
            None,
        ),
    ])
}

fn outbox_record(
    n: u128,
    channel: &str,
    item: Option<&str>,
    state: &str,
    attempts: i32,
    error: Option<&str>,
    next: &str,
) -> PublishRecord {
    PublishRecord {
        id: id(0x8000 + n),
        idempotency_key: format!("key-{n}"),
        run_id: Some(id(0x1000 + n)),
        project_id: None,
        persona_id: None,
        published_at: at("2025-05-20T09:00:00Z"),
        draft_id: id(0x9000 + n),
        channel: channel.to_string(),
        channel_item_id: item.map(str::to_string),
        channel_url: None,
        state: state.parse().expect("an outbox state"),
        attempts,
        last_error: error.map(str::to_string),
        next_attempt_at: at(next),
        mpis_published_item_id: None,
        forwarded_at: None,
        created_by: Some("ops".to_string()),
        created_at: at("2025-05-20T09:00:00Z"),
    }
}

fn outbox() -> WidgetData {
    WidgetData::Outbox(OutboxData {
        counts: OutboxCounts {
            queued: 2,
            forwarded: 318,
            failed: 1,
        },
        unforwarded: vec![
            outbox_record(
                1,
                "telegram",
                Some("1288"),
                "queued",
                0,
                None,
                "2025-05-20T11:59:00Z",
            ),
            outbox_record(
                2,
                "instagram",
                Some("C7xYz12AbCd"),
                "queued",
                3,
                Some("MPIS 503 Service Unavailable"),
                "2025-05-20T12:08:00Z",
            ),
            outbox_record(
                3,
                "linkedin",
                Some("urn:li:activity:7198000000000000"),
                "failed",
                10,
                Some("MPIS 422: published_items.draft_id does not exist"),
                "2025-05-20T10:00:00Z",
            ),
        ],
    })
}

fn outbox_empty() -> WidgetData {
    WidgetData::Outbox(OutboxData {
        counts: OutboxCounts {
            queued: 0,
            forwarded: 318,
            failed: 0,
        },
        unforwarded: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// Every widget in every state, small and large

#[test]
fn red_flags_states() {
    snapshot_all_states(
        "red_flags",
        "red-flags",
        &red_flags(),
        &red_flags_all_clear(),
    );
}

#[test]
fn runs_states() {
    snapshot_all_states("runs", "runs", &runs(), &runs_empty());
}

#[test]
fn recent_posts_states() {
    snapshot_all_states(
        "recent_posts",
        "recent-posts",
        &recent_posts(),
        &WidgetData::RecentPosts(Vec::new()),
    );
}

#[test]
fn engagement_chart_states() {
    snapshot_all_states(
        "engagement_chart",
        "engagement-chart",
        &engagement(),
        &WidgetData::Engagement(Vec::new()),
    );
}

#[test]
fn channel_performance_states() {
    snapshot_all_states(
        "channel_performance",
        "channel-performance",
        &channels(),
        &WidgetData::Channels(Vec::new()),
    );
}

#[test]
fn persona_overview_states() {
    snapshot_all_states(
        "persona_overview",
        "persona-overview",
        &personas(),
        &personas_empty(),
    );
}

#[test]
fn recommendations_states() {
    snapshot_all_states(
        "recommendations",
        "eidos-recommendations",
        &recommendations(),
        &WidgetData::Recommendations(Vec::new()),
    );
}

#[test]
fn ingestion_jobs_states() {
    snapshot_all_states(
        "ingestion_jobs",
        "ingestion-jobs",
        &jobs(),
        &WidgetData::Jobs(Vec::new()),
    );
}

#[test]
fn outbox_states() {
    snapshot_all_states("outbox", "outbox", &outbox(), &outbox_empty());
}

// ---------------------------------------------------------------------------------------------
// Focus, selection, filter, paging

#[test]
fn focused_and_unfocused_frames() {
    let data = runs();
    let mut setup = Setup::new(WidgetKind::Runs, LoadState::Ready, Some(&data));
    insta::assert_snapshot!("runs_unfocused", setup.draw(SMALL).backend());
    setup.focused = true;
    setup.subtitle = "failed";
    let terminal = setup.draw(SMALL);
    insta::assert_snapshot!("runs_focused", terminal.backend());
    // The focused border is colored; the selected (first) row is reversed.
    let buffer = terminal.backend().buffer();
    assert_eq!(buffer[(0, 0)].fg, Color::Cyan);
    assert!(buffer[(5, 2)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn runs_selection_and_filter() {
    let data = runs();
    let mut setup = Setup::new(WidgetKind::Runs, LoadState::Ready, Some(&data));
    setup.focused = true;
    setup.filter = Some("FAIL");
    setup.selected = 1;
    let terminal = setup.draw(SMALL);
    insta::assert_snapshot!("runs_filtered_selected", terminal.backend());
    let text = text_of(terminal.backend().buffer());
    assert!(
        !text.contains("success"),
        "the filter hides other rows:\n{text}"
    );
    // Row 0 is the header, rows 1 and 2 the two failed runs: the second one is selected.
    let buffer = terminal.backend().buffer();
    assert!(buffer[(5, 3)].modifier.contains(Modifier::REVERSED));
    assert!(!buffer[(5, 2)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn runs_selection_below_the_fold_scrolls_into_view() {
    let data = runs();
    let mut setup = Setup::new(WidgetKind::Runs, LoadState::Ready, Some(&data));
    setup.focused = true;
    setup.selected = 6;
    let terminal = setup.draw(SMALL);
    insta::assert_snapshot!("runs_scrolled_to_selection", terminal.backend());
    let text = text_of(terminal.backend().buffer());
    assert!(text.contains("▸ ✗ failed  Product Hunt"), "{text}");
}

#[test]
fn runs_filter_without_matches_and_last_page() {
    let data = WidgetData::Runs(RunsData {
        rows: run_rows(),
        next: None,
        page: 1,
    });
    let mut setup = Setup::new(WidgetKind::Runs, LoadState::Ready, Some(&data));
    setup.filter = Some("nothing like this");
    insta::assert_snapshot!("runs_filter_no_match_page_2", setup.draw(SMALL).backend());
}

#[test]
fn persona_overview_selection_over_personas_and_jobs() {
    let data = personas();
    let mut setup = Setup::new(WidgetKind::PersonaOverview, LoadState::Ready, Some(&data));
    setup.focused = true;
    setup.selected = 5; // the second genesis job
    insta::assert_snapshot!("persona_overview_job_selected", setup.draw(SMALL).backend());
    setup.selected = 0;
    setup.filter = Some("a");
    let terminal = setup.draw((40, 7));
    insta::assert_snapshot!("persona_overview_awaiting_hint", terminal.backend());
}

#[test]
fn red_flags_selected_flag_and_narrow_cell() {
    let data = red_flags();
    let mut setup = Setup::new(WidgetKind::RedFlags, LoadState::Ready, Some(&data));
    // A 4-column cell of an 80x24 layout: about 24x6 inside the border.
    insta::assert_snapshot!("red_flags_narrow_cell", setup.draw((26, 8)).backend());
    setup.focused = true;
    setup.selected = 2;
    let terminal = setup.draw((60, 11));
    insta::assert_snapshot!("red_flags_flag_selected", terminal.backend());
}

// ---------------------------------------------------------------------------------------------
// Color and monochrome

fn cell_at<'b>(buffer: &'b Buffer, needle: &str) -> Option<&'b ratatui::buffer::Cell> {
    let text = text_of(buffer);
    let width = usize::from(buffer.area.width);
    text.lines().enumerate().find_map(|(y, line)| {
        let byte = line.find(needle)?;
        let x = line[..byte].chars().count();
        debug_assert!(x < width);
        Some(&buffer[(x as u16, y as u16)])
    })
}

#[test]
fn red_flags_colors_critical_red_and_warning_yellow() {
    let data = red_flags();
    let setup = Setup::new(WidgetKind::RedFlags, LoadState::Ready, Some(&data));
    let terminal = setup.draw(SMALL);
    let buffer = terminal.backend().buffer();
    assert_eq!(cell_at(buffer, "[CRIT]").map(|c| c.fg), Some(Color::Red));
    assert_eq!(cell_at(buffer, "[WARN]").map(|c| c.fg), Some(Color::Yellow));
    assert_eq!(cell_at(buffer, "[ OK ]").map(|c| c.fg), Some(Color::Green));
}

#[test]
fn monochrome_keeps_the_text_markers() {
    let flags = red_flags();
    let mut setup = Setup::new(WidgetKind::RedFlags, LoadState::Ready, Some(&flags));
    setup.theme = Theme::monochrome();
    let terminal = setup.draw(SMALL);
    insta::assert_snapshot!("red_flags_monochrome", terminal.backend());
    let text = text_of(terminal.backend().buffer());
    for marker in ["[CRIT]", "[WARN]", "[ OK ]"] {
        assert!(text.contains(marker), "{marker} missing:\n{text}");
    }

    let runs = runs();
    let chart = engagement();
    for (kind, data) in [
        (WidgetKind::RedFlags, &flags),
        (WidgetKind::Runs, &runs),
        (WidgetKind::EngagementChart, &chart),
    ] {
        let mut setup = Setup::new(kind, LoadState::Stale, Some(data));
        setup.theme = Theme::monochrome();
        setup.focused = true;
        for size in [SMALL, LARGE] {
            let terminal = setup.draw(size);
            for (x, y, cell) in cells(terminal.backend().buffer()) {
                assert_eq!(
                    (cell.fg, cell.bg),
                    (Color::Reset, Color::Reset),
                    "color at {x},{y} in monochrome"
                );
            }
        }
    }
    let mut setup = Setup::new(WidgetKind::Runs, LoadState::Ready, Some(&runs));
    setup.theme = Theme::monochrome();
    let text = text_of(setup.draw(SMALL).backend().buffer());
    for marker in ["✗ failed", "✓ success", "▶ running"] {
        assert!(text.contains(marker), "{marker} missing:\n{text}");
    }
}

#[test]
fn engagement_chart_monochrome_tells_lines_apart_by_marker() {
    let data = engagement();
    let mut setup = Setup::new(WidgetKind::EngagementChart, LoadState::Ready, Some(&data));
    setup.theme = Theme::monochrome();
    insta::assert_snapshot!("engagement_chart_monochrome", setup.draw(LARGE).backend());
}

// ---------------------------------------------------------------------------------------------
// Sanitization

fn hostile_data() -> Vec<(WidgetKind, WidgetData)> {
    let h = |prefix: &str| format!("{prefix}{HOSTILE}");
    let mut runs = run_rows();
    runs[0].project_name = h("Proj");
    runs[0].persona_name = h("Evil");
    runs[0].error_message = Some(h("err"));
    runs[0].status = h("st");
    let mut posts = match recent_posts() {
        WidgetData::RecentPosts(p) => p,
        _ => unreachable!(),
    };
    posts[0].channel = h("tg");
    posts[0].channel_url = Some(h("https://t.me/"));
    let mut days = match engagement() {
        WidgetData::Engagement(d) => d,
        _ => unreachable!(),
    };
    for d in &mut days {
        if d.channel == "telegram" {
            d.channel = h("tg");
        }
    }
    let mut aggregates = match channels() {
        WidgetData::Channels(c) => c,
        _ => unreachable!(),
    };
    aggregates[0].channel = h("ig");
    let mut people = match personas() {
        WidgetData::Personas(p) => p,
        _ => unreachable!(),
    };
    people.personas[0].name = h("Evil");
    people.personas[0].language = Some(h("l"));
    people.personas[0].active_version = Some(h("v"));
    people.awaiting_approval[0].persona_name = h("Evil");
    let mut recs = match recommendations() {
        WidgetData::Recommendations(r) => r,
        _ => unreachable!(),
    };
    recs[0].status = h("Evil · ");
    recs[0].items[0] = h("Post ");
    let mut job_rows = match jobs() {
        WidgetData::Jobs(j) => j,
        _ => unreachable!(),
    };
    job_rows[0].job_name = h("job");
    job_rows[0].channel = h("ch");
    job_rows[1].last_error = Some(h("e"));
    job_rows[4].schedule_cron = h("cron");
    let mut out = match outbox() {
        WidgetData::Outbox(o) => o,
        _ => unreachable!(),
    };
    out.unforwarded[0].channel = h("ch");
    out.unforwarded[0].channel_item_id = Some(h("id"));
    out.unforwarded[1].last_error = Some(h("e"));
    out.unforwarded[2].state = OutboxState::Failed;
    let mut flags = match red_flags() {
        WidgetData::RedFlags(f) => f,
        _ => unreachable!(),
    };
    flags.overall = h("CRIT");
    flags.open_flags[0].description = Some(h("d"));
    flags.open_flags[1].acknowledged_by = Some(h("ops"));
    flags.summary["error"] = json!(h("boom"));
    vec![
        (WidgetKind::RedFlags, WidgetData::RedFlags(flags)),
        (
            WidgetKind::Runs,
            WidgetData::Runs(RunsData {
                rows: runs,
                next: None,
                page: 0,
            }),
        ),
        (WidgetKind::RecentPosts, WidgetData::RecentPosts(posts)),
        (WidgetKind::EngagementChart, WidgetData::Engagement(days)),
        (
            WidgetKind::ChannelPerformance,
            WidgetData::Channels(aggregates),
        ),
        (WidgetKind::PersonaOverview, WidgetData::Personas(people)),
        (
            WidgetKind::EidosRecommendations,
            WidgetData::Recommendations(recs),
        ),
        (WidgetKind::IngestionJobs, WidgetData::Jobs(job_rows)),
        (WidgetKind::Outbox, WidgetData::Outbox(out)),
    ]
}

fn assert_no_control_characters(buffer: &Buffer, what: &str) {
    for (x, y, cell) in cells(buffer) {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c)),
            "{what}: control character in cell {x},{y}: {:?}",
            cell.symbol()
        );
    }
}

#[test]
fn names_with_escape_sequences_are_shown_escaped() {
    let mut runs = run_rows();
    runs[0].project_name = format!("P{HOSTILE}");
    runs[1].persona_name = format!("Evil{HOSTILE}");
    let data = WidgetData::Runs(RunsData {
        rows: runs,
        next: None,
        page: 0,
    });
    let terminal = Setup::new(WidgetKind::Runs, LoadState::Ready, Some(&data)).draw(LARGE);
    insta::assert_snapshot!("runs_hostile_names", terminal.backend());
    let text = text_of(terminal.backend().buffer());
    // The columns are narrower than the escaped names: what fits is shown escaped.
    assert!(text.contains(r"P\x1b]0;pwned\x07"), "{text}");
    assert!(text.contains(r"Evil\x1b]0;pwn"), "{text}");
    assert_no_control_characters(terminal.backend().buffer(), "runs");

    let mut people = match personas() {
        WidgetData::Personas(p) => p,
        _ => unreachable!(),
    };
    people.personas[0].name = format!("Evil{HOSTILE}");
    people.awaiting_approval[0].persona_name = format!("Evil{HOSTILE}");
    let data = WidgetData::Personas(people);
    let terminal =
        Setup::new(WidgetKind::PersonaOverview, LoadState::Ready, Some(&data)).draw(LARGE);
    insta::assert_snapshot!("persona_overview_hostile_names", terminal.backend());
    let text = text_of(terminal.backend().buffer());
    assert_eq!(
        text.matches(r"Evil\x1b]0;pwned\x07\x1b[2J").count(),
        2,
        "{text}"
    );
    assert_no_control_characters(terminal.backend().buffer(), "persona-overview");
}

#[test]
fn no_widget_writes_a_control_character_whatever_the_data() {
    for (kind, data) in hostile_data() {
        for state in [LoadState::Ready, LoadState::Stale] {
            for size in [SMALL, LARGE, (26, 8), (200, 50)] {
                let mut setup = Setup::new(kind.clone(), state, Some(&data));
                setup.focused = true;
                setup.subtitle = HOSTILE;
                let terminal = setup.draw(size);
                let buffer = terminal.backend().buffer();
                assert_no_control_characters(buffer, kind.title());
                let text = text_of(buffer);
                assert!(
                    text.contains(r"\x1b"),
                    "{}: the escape is not shown:\n{text}",
                    kind.title()
                );
                // The `/` filter text is shown too: it is sanitized like the data.
                setup.filter = Some(HOSTILE);
                let terminal = setup.draw(size);
                assert_no_control_characters(terminal.backend().buffer(), kind.title());
            }
        }
    }
    // The error text of the error state as well.
    let mut setup = Setup::new(WidgetKind::Runs, LoadState::Error, None);
    setup.error = Some(HOSTILE);
    assert_no_control_characters(setup.draw(SMALL).backend().buffer(), "error state");
}

// ---------------------------------------------------------------------------------------------
// Tiny areas: never panic, never write outside the area

fn all_widgets() -> Vec<(WidgetKind, WidgetData, WidgetData)> {
    vec![
        (WidgetKind::RedFlags, red_flags(), red_flags_all_clear()),
        (WidgetKind::Runs, runs(), runs_empty()),
        (
            WidgetKind::RecentPosts,
            recent_posts(),
            WidgetData::RecentPosts(Vec::new()),
        ),
        (
            WidgetKind::EngagementChart,
            engagement(),
            WidgetData::Engagement(Vec::new()),
        ),
        (
            WidgetKind::ChannelPerformance,
            channels(),
            WidgetData::Channels(Vec::new()),
        ),
        (WidgetKind::PersonaOverview, personas(), personas_empty()),
        (
            WidgetKind::EidosRecommendations,
            recommendations(),
            WidgetData::Recommendations(Vec::new()),
        ),
        (
            WidgetKind::IngestionJobs,
            jobs(),
            WidgetData::Jobs(Vec::new()),
        ),
        (WidgetKind::Outbox, outbox(), outbox_empty()),
    ]
}

#[test]
fn tiny_areas_never_panic_and_stay_inside_their_area() {
    let sizes: Vec<(u16, u16)> = [0u16, 1, 2, 3, 4, 5, 7, 12, 20, 33, 64]
        .iter()
        .flat_map(|&w| [0u16, 1, 2, 3, 4, 5, 6, 9].map(move |h| (w, h)))
        .collect();
    let outside = "X";
    for (kind, full, empty) in all_widgets() {
        for (state, _) in STATES {
            let data = match state {
                LoadState::Loading | LoadState::Error => None,
                LoadState::Empty => Some(&empty),
                _ => Some(&full),
            };
            for &(width, height) in &sizes {
                for (focused, selected, filter) in [(false, 0, None), (true, 99, Some("e"))] {
                    let theme = Theme::default();
                    let view = WidgetView {
                        kind: &kind,
                        subtitle: "30d · telegram".to_string(),
                        state,
                        data,
                        error: (state == LoadState::Error).then_some("boom"),
                        age_secs: Some(700),
                        loaded_at: Some(loaded_at()),
                        focused,
                        selected,
                        filter,
                        sort: None,
                        theme: &theme,
                        new_flags: &[],
                    };
                    // The widget's area sits inside a bigger buffer filled with a sentinel.
                    let mut buffer = Buffer::filled(Rect::new(0, 0, 70, 12), {
                        let mut cell = ratatui::buffer::Cell::default();
                        cell.set_symbol(outside);
                        cell
                    });
                    let area = Rect::new(2, 1, width, height.min(10));
                    render(&view, area, &mut buffer);
                    for (x, y, cell) in cells(&buffer) {
                        if !area.contains((x, y).into()) {
                            assert_eq!(
                                cell.symbol(),
                                outside,
                                "{} ({state:?}) at {width}x{height} wrote outside its area at {x},{y}",
                                kind.title()
                            );
                        }
                    }
                }
            }
        }
    }
    // A 1x1 terminal, through the same path as the app.
    for (kind, full, _) in all_widgets() {
        let terminal = Setup::new(kind, LoadState::Ready, Some(&full)).draw((1, 1));
        assert_eq!(terminal.backend().buffer().area, Rect::new(0, 0, 1, 1));
    }
}

#[test]
fn engagement_chart_with_a_single_day_still_shows_points() {
    let day = NaiveDate::from_ymd_opt(2025, 5, 20).expect("date");
    let data = WidgetData::Engagement(vec![
        DailyEngagement {
            day,
            channel: "telegram".to_string(),
            measurements: 4,
            avg_engagement: Some(0.052),
            views: 1200,
        },
        DailyEngagement {
            day,
            channel: "x".to_string(),
            measurements: 1,
            avg_engagement: None,
            views: 80,
        },
    ]);
    let setup = Setup::new(WidgetKind::EngagementChart, LoadState::Ready, Some(&data));
    insta::assert_snapshot!(
        "engagement_chart_single_day_large",
        setup.draw((60, 12)).backend()
    );
    insta::assert_snapshot!(
        "engagement_chart_single_day_small",
        setup.draw(SMALL).backend()
    );
}

/// Column where `needle` starts on the buffer row that contains `row_marker` (a wide character
/// takes two cells, so cell positions, not character counts, are compared).
fn column_of(buffer: &Buffer, row_marker: &str, needle: &str) -> u16 {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        let symbols: Vec<(u16, &str)> = (area.left()..area.right())
            .map(|x| (x, buffer[(x, y)].symbol()))
            .collect();
        let row: String = symbols.iter().map(|(_, s)| *s).collect();
        if !row.contains(row_marker) {
            continue;
        }
        for (start, (x, _)) in symbols.iter().enumerate() {
            let rest: String = symbols[start..].iter().map(|(_, s)| *s).collect();
            if rest.starts_with(needle) {
                return *x;
            }
        }
    }
    panic!("{needle:?} not found on the row of {row_marker:?}:\n{buffer:?}");
}

#[test]
fn wide_characters_keep_the_columns_aligned() {
    let mut people = match personas() {
        WidgetData::Personas(p) => p,
        _ => unreachable!(),
    };
    people.personas[0].name = "東京の庭師さくら 🌱 ガーデニング".to_string();
    people.personas[0].active_version = Some("v7".to_string());
    let data = WidgetData::Personas(people);
    let setup = Setup::new(WidgetKind::PersonaOverview, LoadState::Ready, Some(&data));
    let terminal = setup.draw((60, 12));
    let buffer = terminal.backend().buffer();
    // The wide name is cut to its column; the version column starts where the others' does.
    assert_eq!(
        column_of(buffer, "東", "v7"),
        column_of(buffer, "Nova Finance", "v1")
    );
    // Cut by columns, the cut is marked with an ellipsis right before the next column.
    let ellipsis = column_of(buffer, "東", "…");
    assert!(ellipsis < column_of(buffer, "東", "v7"));
    assert!(
        ellipsis + 4 > column_of(buffer, "東", "v7"),
        "cut at the column, not early"
    );
}
