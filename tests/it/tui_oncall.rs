//! The on-call path as key sequences at 80x24 (and 200x50 for the flags table's widths): from
//! the red-flags widget to the flags list on the selected flag, to what the flag counts, to a
//! run or a published item and back; resolve of a flag whose condition holds offers a silence;
//! the status line points to the flags from any screen; numbers are never cut.

use crate::tui_common::*;

use chrono::Duration;
use mpis_dash::domain::red_flags::FlagKind;
use mpis_dash::store::flag_drill::{DrillCursor, DrillPage, DrillRow, MetricPoint, PublishedItem};
use mpis_dash::store::red_flags::{OpenFlagCounts, RedFlag};
use mpis_dash::store::runs::RunCursor;
use mpis_dash::tui::app::{App, Event, Overlay, Screen};
use mpis_dash::tui::data::WidgetKind;
use mpis_dash::tui::worker::{Command, DataEvent, ItemDetail};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (200, 50);

/// The fixture's open flags with the keys the evaluator gives them.
fn keyed_flags() -> Vec<RedFlag> {
    let mut flags = open_flags();
    for (flag, kind) in flags.iter_mut().zip([
        FlagKind::FailedRuns24h,
        FlagKind::FailedRuns7d,
        FlagKind::MissingMetrics,
    ]) {
        flag.flag_key = Some(kind.key().to_string());
    }
    // As the evaluator writes it: the thresholds among the numbers.
    flags[0].metadata.0 = json!({"failed_runs": 6, "total_runs": 20, "percentage": 30.0,
        "warning_pct": 10.0, "critical_pct": 25.0, "window": "last_24h"});
    flags
}

fn text(app: &App, (width, height): (u16, u16)) -> Vec<String> {
    let terminal = draw_view(app, (width, height));
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

fn data(app: &mut App, event: DataEvent) -> Vec<Command> {
    app.update(Event::Data(event), app.now)
}

/// The dashboard's red-flags widget (focused) -> Enter -> the flags list, loaded.
fn flags_list(app: &mut App, flags: Vec<RedFlag>) {
    assert_eq!(app.slots[app.focus].kind, WidgetKind::RedFlags);
    let commands = press(app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadFlags {
            include_resolved: false
        }]
    );
    data(app, DataEvent::Flags(Ok(flags)));
}

fn drill_rows() -> DrillPage {
    let runs = run_rows();
    DrillPage {
        rows: vec![
            DrillRow::Run {
                run: runs[1].clone(),
                missing_items: None,
            },
            DrillRow::Run {
                run: runs[4].clone(),
                missing_items: None,
            },
        ],
        next: Some(DrillCursor::Run(RunCursor {
            started_at: runs[4].started_at,
            id: runs[4].id,
        })),
    }
}

#[test]
fn enter_lists_what_the_flag_counts_a_run_opens_and_esc_comes_back_to_the_same_row() {
    let mut app = loaded();
    flags_list(&mut app, keyed_flags());
    // Enter on the critical flag: its failed runs of the 24 h window, as at now.
    let commands = press(&mut app, KeyCode::Enter);
    assert!(
        commands.contains(&Command::LoadFlagDrill {
            kind: FlagKind::FailedRuns24h,
            at: app.now.wall,
            after: None,
        }),
        "{commands:?}"
    );
    data(&mut app, DataEvent::FlagDrill(Ok(drill_rows())));
    let screen = text(&app, SMALL).join("\n");
    assert!(screen.contains("[CRIT] 6 of 20 runs failed"), "{screen}");
    assert!(screen.contains("not acknowledged"), "{screen}");
    assert!(
        screen.contains("failed runs since 05-19 12:00 UTC: 1-2"),
        "{screen}"
    );
    assert!(screen.contains("more ↓ (PgDn)"), "{screen}");
    assert!(
        screen.contains("telegram: 429"),
        "the run's error: {screen}"
    );

    // The second run opens its detail; Esc comes back to the list, on the same run.
    press(&mut app, KeyCode::Char('j'));
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadRunDetail {
            run_id: run_rows()[4].run_id
        }]
    );
    let commands = press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::FlagDrill(_)));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadFlagDrill { .. }))
    );
    // The reload arrives with a new run on top: the selection follows the run, not the row.
    let mut page = drill_rows();
    page.rows.insert(
        0,
        DrillRow::Run {
            run: run_rows()[0].clone(),
            missing_items: None,
        },
    );
    data(&mut app, DataEvent::FlagDrill(Ok(page)));
    match &app.screen {
        Screen::FlagDrill(state) => assert_eq!(state.selected, 2),
        other => panic!("{other:?}"),
    }

    // PageDown: the next page from the keyset cursor, the window kept.
    let at = app.now.wall;
    app.now = app.now.later(std::time::Duration::from_secs(30));
    let commands = press(&mut app, KeyCode::PageDown);
    assert!(
        commands.contains(&Command::LoadFlagDrill {
            kind: FlagKind::FailedRuns24h,
            at,
            after: drill_rows().next,
        }),
        "{commands:?}"
    );
    // Esc twice: the flags list, then the dashboard.
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::RedFlags(_)));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::Dashboard));
}

#[test]
fn the_widgets_selected_flag_is_the_one_the_flags_list_opens_on() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('j')); // the widget's second flag (f2)
    // The list arrives in another order: the same flag (by id) is selected, not the row.
    let mut flags = keyed_flags();
    flags.rotate_left(1); // f2, f3, f1
    let commands = press(&mut app, KeyCode::Char('F'));
    assert_eq!(
        commands,
        vec![Command::LoadFlags {
            include_resolved: false
        }]
    );
    data(&mut app, DataEvent::Flags(Ok(flags.clone())));
    match &app.screen {
        Screen::RedFlags(state) => assert_eq!(state.selected, 0, "f2 is first now"),
        other => panic!("{other:?}"),
    }
    // Enter there lists what f2 counts (its 7-day window).
    let commands = press(&mut app, KeyCode::Enter);
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::LoadFlagDrill {
            kind: FlagKind::FailedRuns7d,
            ..
        }
    )));
    // F from the drill-in goes to the list on the same flag.
    let commands = press(&mut app, KeyCode::Char('F'));
    assert!(commands.contains(&Command::LoadFlags {
        include_resolved: false
    }));
    data(&mut app, DataEvent::Flags(Ok(keyed_flags())));
    match &app.screen {
        Screen::RedFlags(state) => assert_eq!(state.selected, 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn resolving_a_flag_whose_condition_holds_offers_a_silence_and_a_cleared_one_resolves() {
    let mut app = loaded();
    flags_list(&mut app, keyed_flags());
    let flag = keyed_flags()[0].clone();
    let commands = press(&mut app, KeyCode::Char('x'));
    assert_eq!(commands, vec![Command::CheckFlagCondition { id: flag.id }]);
    data(&mut app, DataEvent::FlagCondition(Ok((flag.clone(), true))));
    assert!(matches!(app.overlay, Some(Overlay::Silence(_))));
    let screen = text(&app, SMALL).join("\n");
    assert!(screen.contains("its condition still"), "{screen}");
    assert!(screen.contains("1: 1 h  4: 4 h  d: 24 h"), "{screen}");
    // Other keys leave the question open; 4 silences for 4 hours.
    assert!(press(&mut app, KeyCode::Char('z')).is_empty());
    assert!(matches!(app.overlay, Some(Overlay::Silence(_))));
    let commands = press(&mut app, KeyCode::Char('4'));
    assert_eq!(
        commands,
        vec![Command::SilenceFlag {
            id: flag.id,
            hours: 4,
            times: Default::default(),
        }]
    );
    assert!(app.overlay.is_none());

    // Esc cancels: nothing is written.
    press(&mut app, KeyCode::Char('x'));
    data(&mut app, DataEvent::FlagCondition(Ok((flag.clone(), true))));
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.overlay.is_none());

    // Cleared: the confirm resolves as before.
    press(&mut app, KeyCode::Char('x'));
    data(
        &mut app,
        DataEvent::FlagCondition(Ok((flag.clone(), false))),
    );
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => {
            assert!(
                confirm.question.contains("has cleared"),
                "{}",
                confirm.question
            );
            assert_eq!(confirm.on_yes, Command::ResolveFlag { id: flag.id });
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_silenced_flag_shows_who_and_until_when_and_the_table_never_cuts_a_number() {
    let mut app = loaded_with(options(), LARGE);
    let mut flags = keyed_flags();
    flags[0].acknowledged_by = Some("alice".to_string());
    flags[0].acknowledged_at = Some(at("2025-05-20T11:00:00Z"));
    flags[0].silenced_by = Some("bob".to_string());
    flags[0].silenced_until = Some(loaded_at() + Duration::hours(4));
    flags_list(&mut app, flags);
    for size in [SMALL, LARGE] {
        app.update(Event::Resize(size.0, size.1), app.now);
        let lines = text(&app, size);
        let screen = lines.join("\n");
        // In the table (who) and in the selected flag's details below it.
        let row = lines
            .iter()
            .find(|l| l.contains("▸ [CRIT] 6 of 20 runs"))
            .expect("the critical flag's row");
        assert!(
            row.contains("silenced by bob until 16:00"),
            "{size:?}: {row}"
        );
        assert!(row.contains("ack by alice"), "{size:?}: {row}");
        assert!(
            screen.contains("silenced by bob until 2025-05-20 16:00 UTC"),
            "{size:?}:\n{screen}"
        );
        // Every threshold shown is shown whole.
        for (at, _) in screen.match_indices("critical_pct=") {
            let value = &screen[at + "critical_pct=".len()..];
            assert!(
                value.starts_with("25.0"),
                "{size:?}: cut number in\n{screen}"
            );
        }
        for (at, _) in screen.match_indices("percentage=") {
            let value = &screen[at + "percentage=".len()..];
            assert!(
                value.starts_with("30.0") || value.starts_with("11.4"),
                "{size:?}: cut number in\n{screen}"
            );
        }
    }
    // With room, the columns take what they need: the numbers in the table row itself.
    app.update(Event::Resize(LARGE.0, LARGE.1), app.now);
    let lines = text(&app, LARGE);
    let row = lines
        .iter()
        .find(|l| l.contains("[CRIT] 6 of 20 runs failed in the last 24 h"))
        .expect("the critical flag's row");
    assert!(row.contains("critical_pct=25.0"), "{row}");
    assert!(row.contains("silenced by bob until 16:00"), "{row}");
}

#[test]
fn the_status_line_says_press_f_for_flags_from_any_screen_while_a_critical_flag_is_open() {
    let mut app = loaded();
    let status = |app: &App| text(app, SMALL).iter().rev().nth(1).cloned().unwrap();
    assert!(!status(&app).contains("for flags"), "nothing loaded yet");
    data(
        &mut app,
        DataEvent::OpenFlagCounts(Ok(OpenFlagCounts {
            critical: 1,
            critical_unacknowledged: 1,
            warning: 2,
            silenced: 0,
        })),
    );
    assert!(
        status(&app).contains("⚠ 1 critical: press F for flags"),
        "{}",
        status(&app)
    );
    // From another screen too (the run detail shows no widget).
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::RunDetail(_)));
    assert!(
        status(&app).contains("press F for flags"),
        "{}",
        status(&app)
    );
    // F opens the flags list from there.
    let commands = press(&mut app, KeyCode::Char('F'));
    assert!(commands.contains(&Command::LoadFlags {
        include_resolved: false
    }));
    // Silenced (or only warnings): no hint.
    data(
        &mut app,
        DataEvent::OpenFlagCounts(Ok(OpenFlagCounts {
            critical: 0,
            critical_unacknowledged: 0,
            warning: 2,
            silenced: 1,
        })),
    );
    press(&mut app, KeyCode::Esc);
    assert!(!status(&app).contains("for flags"), "{}", status(&app));
    // The counts are asked for on each refresh, whatever the layout shows.
    let later = app.now.later(std::time::Duration::from_secs(60));
    let commands = app.update(Event::Tick, later);
    assert!(
        commands.contains(&Command::LoadOpenFlagCounts),
        "{commands:?}"
    );
}

#[test]
fn an_item_without_metrics_opens_with_its_fields_and_history() {
    let mut app = loaded();
    let flags = keyed_flags();
    flags_list(&mut app, flags);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j')); // missing metrics
    let commands = press(&mut app, KeyCode::Enter);
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::LoadFlagDrill {
            kind: FlagKind::MissingMetrics,
            ..
        }
    )));
    let item = PublishedItem {
        id: id(0x5001),
        draft_id: id(0x6001),
        channel: "telegram".to_string(),
        channel_item_id: Some("tg-4711".to_string()),
        channel_url: Some("https://t.me/alex/4711".to_string()),
        published_at: at("2025-05-20T09:00:00Z"),
    };
    data(
        &mut app,
        DataEvent::FlagDrill(Ok(DrillPage {
            rows: vec![DrillRow::Item(item.clone())],
            next: None,
        })),
    );
    let screen = text(&app, SMALL).join("\n");
    assert!(
        screen.contains("published items without metrics: 1-1"),
        "{screen}"
    );
    assert!(screen.contains("tg-4711"), "{screen}");
    assert!(!screen.contains("more ↓"), "{screen}");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(commands, vec![Command::LoadItem { id: item.id }]);
    data(
        &mut app,
        DataEvent::Item(
            item.id,
            Ok(ItemDetail {
                item: item.clone(),
                metrics: Vec::new(),
            }),
        ),
    );
    let screen = text(&app, SMALL).join("\n");
    assert!(screen.contains("https://t.me/alex/4711"), "{screen}");
    assert!(screen.contains("no metrics recorded"), "{screen}");
    // With measurements: newest first, as loaded.
    let point = |views, hour: &str| MetricPoint {
        measured_at: at(&format!("2025-05-20T{hour}:00:00Z")),
        views: Some(views),
        impressions: None,
        reach: None,
        reactions: Some(3),
        comments: Some(1),
        shares: None,
        saves: None,
        clicks: None,
        engagement_rate: Some(0.0412),
        source: "n8n".to_string(),
    };
    data(
        &mut app,
        DataEvent::Item(
            item.id,
            Ok(ItemDetail {
                item,
                metrics: vec![point(250, "11"), point(120, "10")],
            }),
        ),
    );
    let lines = text(&app, SMALL);
    let newest = lines.iter().position(|l| l.contains("2025-05-20 11:00"));
    let older = lines.iter().position(|l| l.contains("2025-05-20 10:00"));
    assert!(newest.is_some() && newest < older, "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("4.12%")), "{lines:#?}");
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::FlagDrill(_)));
}

#[test]
fn the_short_red_flags_widget_keeps_its_header_and_announces_hidden_rows() {
    let app = loaded();
    let lines = text(&app, SMALL);
    // The widget is the top-left cell of Overview: its first inner row is the header.
    assert!(lines[1].contains("CRITICAL · 3 open"), "{lines:#?}");
    let widget: Vec<&str> = lines[1..6].iter().map(|l| &l[..]).collect();
    assert!(
        widget.iter().any(|l| l.contains("more ↓")),
        "hidden rows are announced: {widget:#?}"
    );
    // No warning-only rows under a CRITICAL header: the critical check is among the rows.
    assert!(widget.iter().any(|l| l.contains("[CRIT]")), "{widget:#?}");
}
