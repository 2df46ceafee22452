//! Issue 13's navigation: the key hints line (the bottom row: the keys of what has them now,
//! from the keymap, dropped whole from the end to fit, `? help` kept), half a page at a time
//! (Ctrl-D / Ctrl-U) beside g/G, the breadcrumb in the status line along which Esc goes back,
//! and sorting (`s` cycles the column, `S` reverses, the header marks it, the selection stays
//! on its row) kept in a saved layout.

use crate::common;
use crate::tui_common::*;

use std::collections::HashMap;

use mpis_dash::domain::red_flags::FlagKind;
use mpis_dash::domain::sort::SortOrder;
use mpis_dash::store::layouts::{self, NewLayout};
use mpis_dash::tui::app::{App, Event, Screen};
use mpis_dash::tui::data::{WidgetData, WidgetFilter, WidgetKind};
use mpis_dash::tui::key_hints;
use mpis_dash::tui::keymap::Keymap;
use mpis_dash::tui::worker::{Command, DataEvent};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (200, 50);

fn rows(app: &App, size: (u16, u16)) -> Vec<String> {
    view_text(app, size).lines().map(str::to_string).collect()
}

/// The bottom row (the hints), trailing blanks trimmed.
fn hints_row(app: &App, size: (u16, u16)) -> String {
    rows(app, size)
        .last()
        .cloned()
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

/// The status line (the row above the hints).
fn status_row(app: &App, size: (u16, u16)) -> String {
    let rows = rows(app, size);
    rows[rows.len() - 2].trim_end().to_string()
}

fn data(app: &mut App, event: DataEvent) -> Vec<Command> {
    app.update(Event::Data(event), app.now)
}

fn focus(app: &mut App, kind: WidgetKind) {
    app.focus = slot_of(app, &kind);
}

/// The dashboard's red-flags widget -> Enter -> the flags list, loaded.
fn flags_screen(app: &mut App) {
    focus(app, WidgetKind::RedFlags);
    press(app, KeyCode::Enter);
    // As the evaluator keys them: Enter on the first lists its failed runs.
    let mut flags = open_flags();
    flags[0].flag_key = Some(FlagKind::FailedRuns24h.key().to_string());
    data(app, DataEvent::Flags(Ok(flags)));
    assert!(matches!(app.screen, Screen::RedFlags(_)));
}

/// Each context's hints line at `size`, one per line, labelled.
fn hints_of_contexts(size: (u16, u16)) -> String {
    let mut out = Vec::new();
    let mut app = loaded_with(options(), size);
    focus(&mut app, WidgetKind::Runs);
    out.push(format!("dashboard, runs:      {}", hints_row(&app, size)));
    focus(&mut app, WidgetKind::EngagementChart);
    out.push(format!("dashboard, chart:     {}", hints_row(&app, size)));
    app.update(char_key('/'), app.now);
    out.push(format!("filter typed:         {}", hints_row(&app, size)));
    press(&mut app, KeyCode::Esc);
    app.update(char_key(':'), app.now);
    out.push(format!("palette:              {}", hints_row(&app, size)));
    press(&mut app, KeyCode::Esc);
    flags_screen(&mut app);
    out.push(format!("red flags:            {}", hints_row(&app, size)));
    press(&mut app, KeyCode::Esc);
    focus(&mut app, WidgetKind::Runs);
    press(&mut app, KeyCode::Enter);
    out.push(format!("run detail:           {}", hints_row(&app, size)));
    press(&mut app, KeyCode::Esc);
    app.update(char_key('?'), app.now);
    out.push(format!("help:                 {}", hints_row(&app, size)));
    press(&mut app, KeyCode::Esc);
    app.update(char_key(':'), app.now);
    type_text(&mut app, "project");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::ProjectForm(_)), "the form");
    out.push(format!("project form:         {}", hints_row(&app, size)));
    out.join("\n")
}

#[test]
fn the_hints_line_shows_the_keys_of_each_context_at_80_and_200_columns() {
    let small = hints_of_contexts(SMALL);
    insta::assert_snapshot!("hints_80", small);
    let large = hints_of_contexts(LARGE);
    insta::assert_snapshot!("hints_200", large);
    // Every context keeps its way to the help, at 80 columns too.
    for line in small
        .lines()
        .filter(|l| !l.starts_with("help:") && !l.starts_with("palette"))
    {
        assert!(
            line.contains("? help") || line.contains("F1 help"),
            "{line}"
        );
    }
}

#[test]
fn a_keys_override_shows_in_the_hints() {
    let overrides = HashMap::from([("refresh".to_string(), "f5".to_string())]);
    let app = loaded_with(
        mpis_dash::tui::app::AppOptions {
            keymap: Keymap::with_overrides(&overrides).unwrap(),
            ..options()
        },
        LARGE,
    );
    let hints = hints_row(&app, LARGE);
    assert!(hints.contains("F5 refresh"), "{hints}");
    assert!(!hints.contains("r refresh"), "{hints}");
}

#[test]
fn no_hints_line_is_wider_than_80_columns_and_hints_are_never_cut() {
    let mut app = loaded();
    let check = |app: &App| {
        let fitted = key_hints::fit(key_hints::hints(app), 80);
        let text: Vec<String> = fitted
            .iter()
            .map(|h| format!("{} {}", h.key, h.label))
            .collect();
        let text = text.join("  ");
        assert!(mpis_dash::text::columns(&text) <= 80, "{text}");
        // What is drawn is exactly the fitted hints: none cut at the edge.
        assert_eq!(hints_row(app, SMALL), text);
    };
    for i in 0..app.slots.len() {
        app.focus = i;
        check(&app);
    }
    flags_screen(&mut app);
    check(&app);
    press(&mut app, KeyCode::Enter);
    check(&app);
}

// ---------------------------------------------------------------------------------------------
// Half a page, first and last

#[test]
fn ctrl_d_and_ctrl_u_move_half_the_visible_rows_of_the_focused_list() {
    let mut app = loaded();
    focus(&mut app, WidgetKind::Runs);
    let slot = app.focus;
    let half = (app.visible_rows(slot) / 2).max(1);
    assert!(half >= 1);
    app.update(ctrl('d'), app.now);
    assert_eq!(app.slots[slot].selected, half);
    app.update(ctrl('d'), app.now);
    assert_eq!(app.slots[slot].selected, 2 * half);
    app.update(ctrl('u'), app.now);
    assert_eq!(app.slots[slot].selected, half);
    app.update(ctrl('u'), app.now);
    app.update(ctrl('u'), app.now);
    assert_eq!(app.slots[slot].selected, 0, "stops at the top");
    // G: the last loaded row (and the next page asked for); g: the first.
    let commands = app.update(char_key('G'), app.now);
    assert!(!widget_loads(&commands).is_empty(), "older runs asked for");
    app.update(char_key('g'), app.now);
    assert_eq!(app.slots[slot].selected, 0);
}

#[test]
fn half_a_page_on_the_flags_screen_and_in_the_help() {
    let mut app = loaded();
    flags_screen(&mut app);
    app.update(ctrl('d'), app.now);
    let Screen::RedFlags(state) = &app.screen else {
        panic!("flags screen")
    };
    assert_eq!(
        state.selected, 2,
        "three flags: half a page goes to the last"
    );
    app.update(ctrl('u'), app.now);
    let Screen::RedFlags(state) = &app.screen else {
        panic!("flags screen")
    };
    assert_eq!(state.selected, 0);

    // The dashboard's help, taller than 80x24, scrolls by half its page.
    press(&mut app, KeyCode::Esc);
    app.update(char_key('?'), app.now);
    app.update(ctrl('d'), app.now);
    let Some(mpis_dash::tui::app::Overlay::Help { scroll }) = app.overlay else {
        panic!("help stays open: {:?}", app.overlay)
    };
    // Half of its page (the terminal less 4 rows), or its end when nearer.
    let max = mpis_dash::tui::popups::help::max_scroll(&app, app.size);
    assert!(max > 0, "the help is taller than 80x24");
    assert_eq!(scroll, ((SMALL.1 - 4) / 2).min(max));
}

#[test]
fn half_page_keys_can_be_moved_in_the_config_and_show_in_help() {
    let overrides = HashMap::from([("half_page_down".to_string(), "ctrl-f".to_string())]);
    let keymap = Keymap::with_overrides(&overrides).unwrap();
    assert_eq!(
        keymap.describe(mpis_dash::tui::keymap::Action::HalfPageDown),
        "Ctrl-f"
    );
    let mut app = loaded();
    app.update(char_key('?'), app.now);
    let screen = view_text(&app, LARGE);
    assert!(screen.contains("Ctrl-d Ctrl-u"), "{screen}");
    assert!(screen.contains("half a page down / up"), "{screen}");
    assert!(screen.contains("s / S"), "{screen}");
}

// ---------------------------------------------------------------------------------------------
// Breadcrumbs

#[test]
fn enter_enter_esc_esc_walks_in_and_out_along_the_breadcrumb() {
    let mut app = loaded();
    assert!(status_row(&app, LARGE).contains("│ Overview"), "dashboard");
    flags_screen(&mut app);
    assert!(
        status_row(&app, LARGE).contains("│ Overview › Red flags"),
        "{}",
        status_row(&app, LARGE)
    );
    // Enter on the critical flag: what it counts.
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::FlagDrill(_)));
    let status = status_row(&app, LARGE);
    assert!(
        status.contains("│ Overview › Red flags › failed runs 24h"),
        "{status}"
    );
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen, Screen::RedFlags(_)));
    assert!(status_row(&app, LARGE).contains("│ Overview › Red flags"));
    assert!(!status_row(&app, LARGE).contains("failed runs"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);
    assert!(
        !status_row(&app, LARGE).contains("›"),
        "back on the dashboard"
    );

    // A run from the runs widget: its short id.
    focus(&mut app, WidgetKind::Runs);
    press(&mut app, KeyCode::Enter);
    let run = &run_rows()[0];
    let short: String = run.run_id.to_string().chars().take(8).collect();
    let status = status_row(&app, LARGE);
    assert!(
        status.contains(&format!("Overview › Run {short}")),
        "{status}"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn another_layout_starts_a_new_breadcrumb() {
    let mut app = loaded();
    flags_screen(&mut app);
    let commands = app.update(char_key('L'), app.now);
    answer(&mut app, &commands);
    assert_eq!(app.screen, Screen::Dashboard);
    assert!(app.back_stack.is_empty(), "{:?}", app.back_stack.len());
    let status = status_row(&app, LARGE);
    assert!(status.contains("│ On-call"), "{status}");
    assert!(!status.contains("Red flags"), "{status}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        app.screen,
        Screen::Dashboard,
        "Esc does not go back into the other layout"
    );
}

#[test]
fn a_deep_breadcrumb_at_80_columns_collapses_on_the_left() {
    let mut app = loaded();
    flags_screen(&mut app);
    press(&mut app, KeyCode::Enter);
    // A message crowds the status line: the place shrinks to "… › current".
    app.update(
        Event::Data(DataEvent::ActionDone {
            message: "flag acknowledged by alice, it stays open until the condition clears"
                .to_string(),
            ok: true,
        }),
        app.now,
    );
    let status = status_row(&app, SMALL);
    assert!(status.contains("… › failed runs 24h"), "{status}");
    insta::assert_snapshot!("breadcrumb_80x24", view_text(&app, SMALL));
}

#[test]
fn database_names_in_the_breadcrumb_are_cleaned() {
    let mut app = loaded();
    flags_screen(&mut app);
    if let Some(flags) = match &mut app.screen {
        Screen::RedFlags(state) => state.flags.value.as_mut(),
        _ => None,
    } {
        flags[0].flag_type = "evil\u{1b}[2J_flag".to_string();
    }
    press(&mut app, KeyCode::Enter);
    let crumbs = mpis_dash::tui::breadcrumbs::places(&app);
    let last = crumbs.last().unwrap();
    assert!(!last.contains('\u{1b}'), "{last:?}");
    assert!(last.contains("evil"), "{last:?}");
}

// ---------------------------------------------------------------------------------------------
// Sorting

fn post_ids(app: &App, slot: usize) -> Vec<u128> {
    match &app.slots[slot].data.value {
        Some(WidgetData::RecentPosts(rows)) => rows
            .iter()
            .map(|p| p.published_item_id.as_u128() - 0x4000)
            .collect(),
        other => panic!("posts: {other:?}"),
    }
}

#[test]
fn s_cycles_the_sort_column_capital_s_reverses_and_the_selection_stays_on_its_row() {
    let mut app = loaded();
    focus(&mut app, WidgetKind::RecentPosts);
    let slot = app.focus;
    assert_eq!(post_ids(&app, slot), [1, 2, 3, 4], "newest first as loaded");
    // Select post 2 (instagram).
    press(&mut app, KeyCode::Down);
    assert_eq!(app.slots[slot].selected, 1);

    // s: published (newest first: as loaded), s: engagement, the best first, unmeasured last.
    app.update(char_key('s'), app.now);
    assert_eq!(
        app.slots[slot].filter.sort,
        Some(SortOrder {
            column: "published",
            descending: true
        })
    );
    app.update(char_key('s'), app.now);
    assert_eq!(post_ids(&app, slot), [2, 1, 3, 4]);
    assert_eq!(app.slots[slot].selected, 0, "post 2 still selected");
    let screen = view_text(&app, LARGE);
    assert!(screen.contains("engage▼"), "{screen}");

    // S: the same column the other way; the unmeasured post stays last.
    app.update(char_key('S'), app.now);
    assert_eq!(post_ids(&app, slot), [3, 1, 2, 4]);
    assert_eq!(app.slots[slot].selected, 2, "post 2 still selected");
    assert!(view_text(&app, LARGE).contains("engage▲"));
    // Written into the placement, which the layout editor saves.
    let config = &app.slots[slot].placement.config;
    assert_eq!(config["sort"], json!("engagement"));
    assert_eq!(config["sort_desc"], json!(false));

    // A refresh's rows arrive sorted, the selection on the same post.
    let commands = app.update(char_key('r'), app.now);
    answer(&mut app, &commands);
    assert_eq!(post_ids(&app, slot), [3, 1, 2, 4]);
    assert_eq!(app.slots[slot].selected, 2);
}

#[test]
fn runs_sort_the_rows_loaded_and_say_so() {
    let mut app = loaded();
    focus(&mut app, WidgetKind::Runs);
    let slot = app.focus;
    app.update(char_key('s'), app.now);
    app.update(char_key('s'), app.now);
    assert_eq!(app.slots[slot].filter.sort.unwrap().column, "status");
    let statuses: Vec<String> = match &app.slots[slot].data.value {
        Some(WidgetData::Runs(d)) => d.rows.iter().map(|r| r.status.clone()).collect(),
        _ => panic!("runs"),
    };
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(statuses, sorted);
    let screen = view_text(&app, LARGE);
    assert!(screen.contains("sorted: loaded rows"), "{screen}");
    assert!(screen.contains("status▲"), "{screen}");
    assert!(status_row(&app, LARGE).contains("sorted by status ascending (the rows loaded)"));
}

#[test]
fn a_widget_that_cannot_be_sorted_says_so() {
    let mut app = loaded();
    focus(&mut app, WidgetKind::PersonaOverview);
    app.update(char_key('s'), app.now);
    assert!(app.slots[app.focus].filter.sort.is_none());
    assert!(status_row(&app, LARGE).contains("Personas cannot be sorted"));
}

#[test]
fn the_flags_screen_sorts_and_keeps_the_selected_flag() {
    let mut app = loaded();
    flags_screen(&mut app);
    press(&mut app, KeyCode::Down); // the 7 d warning (0xf2)
    // s: severity (worst first, as listed), s: opened (newest first).
    app.update(char_key('s'), app.now);
    app.update(char_key('s'), app.now);
    let Screen::RedFlags(state) = &app.screen else {
        panic!("flags")
    };
    let ids: Vec<u128> = state
        .flags
        .value
        .as_ref()
        .unwrap()
        .iter()
        .map(|f| f.id.as_u128())
        .collect();
    assert_eq!(ids, [0xf1, 0xf3, 0xf2]);
    assert_eq!(state.selected, 2, "the 7 d warning still selected");
    assert!(view_text(&app, LARGE).contains("opened▼"));
}

#[test]
fn sorted_widgets_at_80x24_and_200x50() {
    for (size, name) in [(SMALL, "sorted_80x24"), (LARGE, "sorted_200x50")] {
        let mut app = loaded_with(options(), size);
        focus(&mut app, WidgetKind::ChannelPerformance);
        app.update(char_key('s'), app.now);
        app.update(char_key('s'), app.now); // channel, A to Z
        focus(&mut app, WidgetKind::RecentPosts);
        app.update(char_key('s'), app.now);
        app.update(char_key('s'), app.now); // engagement, best first
        focus(&mut app, WidgetKind::RedFlags);
        app.update(char_key('S'), app.now); // severity, mildest first
        insta::assert_snapshot!(name, view_text(&app, size));
    }
}

#[test]
fn a_layout_config_sort_is_read_and_bad_values_are_named() {
    let config = json!({"sort": "views", "sort_desc": false});
    let filter = WidgetFilter::from_config("recent-posts", config.as_object().unwrap());
    assert_eq!(
        filter.sort,
        Some(SortOrder {
            column: "views",
            descending: false
        })
    );
    let mut layout = overview_config();
    layout.widgets[1]
        .config
        .insert("sort".into(), json!("engagement"));
    layout.widgets[4]
        .config
        .insert("sort_desc".into(), json!("yes"));
    let known = mpis_dash::domain::widget_catalog::builtin_widget_ids();
    let errors: Vec<String> = layout
        .validate(&known)
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        errors,
        [
            "widgets[1].config.sort (runs): \"engagement\" is not one of started, status, project, persona, took",
            "widgets[4].config.sort_desc (recent-posts): \"yes\" is not true or false",
        ]
    );
}

#[tokio::test]
async fn a_sort_survives_save_and_reload_from_the_database() {
    let db = common::db().await;
    let pool = &db.pool;
    let mut app = loaded();
    focus(&mut app, WidgetKind::RecentPosts);
    app.update(char_key('s'), app.now);
    app.update(char_key('s'), app.now);
    app.update(char_key('S'), app.now); // engagement, lowest first
    // The layout editor saves what the dashboard shows: e, s, Enter.
    app.update(char_key('e'), app.now);
    app.update(char_key('s'), app.now);
    let commands = press(&mut app, KeyCode::Enter);
    let [Command::SaveLayout { name, config, .. }] = &commands[..] else {
        panic!("save: {commands:?}")
    };
    let saved = layouts::create(
        pool,
        &NewLayout {
            user_id: Some(mpis_dash::tui::user_id("alice")),
            name: name.clone(),
            is_default: true,
            config: config.clone(),
        },
    )
    .await
    .expect("saved");

    // A new dashboard reads it back: the posts widget is sorted as it was left.
    let reread = layouts::get(pool, saved.id).await.unwrap().expect("stored");
    let fresh = app_with_layout(reread);
    let slot = slot_of(&fresh, &WidgetKind::RecentPosts);
    assert_eq!(
        fresh.slots[slot].filter.sort,
        Some(SortOrder {
            column: "engagement",
            descending: false
        })
    );
    assert_eq!(post_ids(&fresh, slot), [3, 1, 2, 4]);
    assert!(view_text(&fresh, LARGE).contains("engage▲"));

    // A bad sort is refused by the store, naming the path.
    let mut bad = config.clone();
    bad["widgets"][4]["config"]["sort"] = json!("likes");
    let error = layouts::create(
        pool,
        &NewLayout {
            user_id: Some(mpis_dash::tui::user_id("alice")),
            name: "bad sort".to_string(),
            is_default: false,
            config: bad,
        },
    )
    .await
    .expect_err("refused");
    assert!(
        error.to_string().contains("widgets[4].config.sort"),
        "{error}"
    );
}

/// A dashboard started on `layout` alone, every widget loaded.
fn app_with_layout(layout: mpis_dash::store::layouts::Layout) -> App {
    let mut app = App::new(options(), LARGE, start());
    app.init();
    let commands = app.update(Event::Data(DataEvent::Layouts(Ok(vec![layout]))), app.now);
    answer(&mut app, &commands);
    app
}

#[test]
fn on_the_ask_screen_ctrl_u_edits_the_question_and_scrolls_the_answer_elsewhere() {
    let mut app = loaded();
    app.update(char_key(':'), app.now);
    type_text(&mut app, "ask");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "best channel");
    let ask = |app: &App| match &app.screen {
        Screen::Ask(state) => (state.question.clone(), state.scroll),
        _ => panic!("the ask screen"),
    };
    // In the question Ctrl-U is the text field's: delete to the start.
    app.update(ctrl('u'), app.now);
    assert_eq!(ask(&app), (String::new(), 0));
    // Elsewhere (the persona line) Ctrl-D / Ctrl-U scroll the answer half a page.
    press(&mut app, KeyCode::Tab);
    app.update(ctrl('d'), app.now);
    let (_, scrolled) = ask(&app);
    assert!(scrolled > 1, "half a page: {scrolled}");
    app.update(ctrl('u'), app.now);
    assert_eq!(ask(&app).1, 0);
}

#[test]
fn the_run_detail_takes_half_a_page_and_g_and_capital_g() {
    let mut app = loaded();
    focus(&mut app, WidgetKind::Runs);
    press(&mut app, KeyCode::Down); // the run the detail fixture is of
    press(&mut app, KeyCode::Enter);
    data(&mut app, DataEvent::RunDetail(Ok(run_detail())));
    let scroll = |app: &App| match &app.screen {
        Screen::RunDetail(state) => state.scroll,
        _ => panic!("run detail"),
    };
    app.update(char_key('G'), app.now);
    let end = scroll(&app);
    assert!(end > 0, "the detail is taller than 80x24");
    app.update(char_key('g'), app.now);
    assert_eq!(scroll(&app), 0);
    app.update(ctrl('d'), app.now);
    assert_eq!(scroll(&app), ((SMALL.1 - 2 - 4) / 2).min(end));
}

#[test]
fn ctrl_d_in_the_layout_editor_removes_no_widget_and_s_still_saves_there() {
    let mut app = loaded();
    app.update(char_key('e'), app.now);
    let count = |app: &App| match &app.screen {
        Screen::LayoutEditor(state) => state.config.widgets.len(),
        _ => panic!("the layout editor"),
    };
    let before = count(&app);
    app.update(ctrl('d'), app.now);
    assert_eq!(count(&app), before);
    // `s` is the editor's save here (its own letters come before the keymap's sort).
    app.update(char_key('s'), app.now);
    let Screen::LayoutEditor(state) = &app.screen else {
        panic!("the layout editor")
    };
    assert!(state.prompt.is_some(), "save asks for a name");
}

#[test]
fn capital_g_on_a_published_item_goes_to_its_last_line_and_k_moves_at_once() {
    use mpis_dash::store::flag_drill::{MetricPoint, PublishedItem};
    use mpis_dash::tui::app::ItemState;
    use mpis_dash::tui::data::Loadable;
    use mpis_dash::tui::worker::ItemDetail;
    let mut app = loaded();
    let item = PublishedItem {
        id: id(0x7001),
        draft_id: id(0x6001),
        channel: "telegram".to_string(),
        channel_item_id: Some("tg-4711".to_string()),
        channel_url: None,
        published_at: at("2025-05-20T09:00:00Z"),
    };
    // Thirty measurements: taller than 80x24.
    let metrics = (0..30)
        .map(|minute| MetricPoint {
            measured_at: at(&format!("2025-05-20T10:{minute:02}:00Z")),
            views: Some(100 + minute),
            impressions: None,
            reach: None,
            reactions: Some(3),
            comments: Some(1),
            shares: None,
            saves: None,
            clicks: None,
            engagement_rate: Some(0.04),
            source: "n8n".to_string(),
        })
        .collect();
    let mut detail = Loadable::default();
    detail.succeed(ItemDetail { item, metrics }, app.now.wall, app.now.instant);
    app.back_stack.push(Screen::Dashboard);
    app.screen = Screen::Item(ItemState {
        id: id(0x7001),
        detail,
        scroll: 0,
    });
    let scroll = |app: &App| match &app.screen {
        Screen::Item(state) => state.scroll,
        _ => panic!("the item"),
    };
    app.update(char_key('G'), app.now);
    let end = scroll(&app);
    assert!(end > 0);
    // The last measurement listed is in sight.
    assert!(view_text(&app, SMALL).contains("2025-05-20 10:29"));
    app.update(char_key('j'), app.now);
    assert_eq!(scroll(&app), end, "not past the end");
    app.update(char_key('k'), app.now);
    assert_eq!(scroll(&app), end - 1);
    app.update(char_key('g'), app.now);
    app.update(ctrl('d'), app.now);
    assert_eq!(scroll(&app), ((SMALL.1 - 2 - 4) / 2).min(end));
    let status = status_row(&app, LARGE);
    assert!(status.contains("Overview › item 00000000"), "{status}");
}
