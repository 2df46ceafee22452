//! The dashboard's lists as lists (issue 10): PageDown/PageUp a screenful at a time, the next
//! page of runs fetched at the end (keyset) and appended, Home/End and g/G, the position on the
//! border ("1–4 of 8+ more ↓"), the `/` filter of the focused widget only, kept across a drill
//! into a run and back, and the selection kept by identity across refreshes.

use crate::tui_common::*;
use mpis_dash::tui::app::{App, Event, Screen};
use mpis_dash::tui::data::{RunsData, WidgetData, WidgetKind};
use mpis_dash::tui::worker::{Command, DataEvent};
use ratatui::crossterm::event::KeyCode;

fn focus_runs(app: &mut App) -> usize {
    let runs = slot_of(app, &WidgetKind::Runs);
    while app.focus != runs {
        press(app, KeyCode::Tab);
    }
    runs
}

fn screen_text(app: &App, size: (u16, u16)) -> String {
    let terminal = draw_view(app, size);
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

fn selected_run_id(app: &App) -> Option<uuid::Uuid> {
    app.selected_run().map(|r| r.run_id)
}

/// Answers a runs load with `data`.
fn answer_runs(app: &mut App, commands: &[Command], data: WidgetData) -> Vec<Command> {
    let [
        Command::LoadWidget {
            slot, generation, ..
        },
    ] = commands
    else {
        panic!("expected one LoadWidget, got {commands:?}");
    };
    app.update(
        Event::Data(DataEvent::Widget {
            slot: *slot,
            generation: *generation,
            result: Ok(data),
        }),
        app.now,
    )
}

#[test]
fn page_down_goes_a_screenful_and_fetches_the_next_page_at_the_end() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    // Overview at 80x24: four runs in sight.
    assert_eq!(app.visible_rows(runs), 4);
    assert!(screen_text(&app, (80, 24)).contains("1–4 of 8+ more ↓"));
    press(&mut app, KeyCode::Char('j'));

    // A screenful: the next four runs, no load (they are loaded).
    assert!(press(&mut app, KeyCode::PageDown).is_empty());
    assert_eq!(app.slots[runs].selected, 7);
    assert_eq!(selected_run_id(&app), Some(id(0x1008)));
    assert!(
        screen_text(&app, (80, 24)).contains("more ↑ 5–8 of 8+ more ↓"),
        "{}",
        screen_text(&app, (80, 24))
    );

    // At the end of what is loaded: the next page, after the last row (keyset).
    let commands = press(&mut app, KeyCode::PageDown);
    match commands.as_slice() {
        [
            Command::LoadWidget {
                slot, cursor, page, ..
            },
        ] => {
            assert_eq!(*slot, runs);
            assert_eq!(*cursor, Some(next_cursor()));
            assert_eq!(*page, 1);
        }
        other => panic!("expected one LoadWidget, got {other:?}"),
    }
    // The list stays while the page comes; a second PageDown does not ask again.
    assert_eq!(app.row_count(runs), 8);
    assert!(press(&mut app, KeyCode::PageDown).is_empty());
    assert!(answer_runs(&mut app, &commands, runs_second_page()).is_empty());
    // Appended, not replaced: the older runs follow the loaded ones, the selection goes on.
    assert_eq!(app.row_count(runs), 10);
    assert_eq!(selected_run_id(&app), Some(id(0x100a)));
    let text = screen_text(&app, (80, 24));
    assert!(text.contains("more ↑ 7–10 of 10 "), "{text}");

    // The end: nothing more to fetch.
    assert!(press(&mut app, KeyCode::PageDown).is_empty());
    // Back up a screenful at a time, to the top.
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.slots[runs].selected, 5);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.slots[runs].selected, 3);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.slots[runs].selected, 0);
    assert!(press(&mut app, KeyCode::PageUp).is_empty());
    assert_eq!(app.slots[runs].selected, 0);
}

#[test]
fn home_end_and_g_go_to_the_ends_and_end_fetches_older_runs() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    let commands = press(&mut app, KeyCode::End);
    assert_eq!(app.slots[runs].selected, 7, "the last loaded run at once");
    assert_eq!(commands.len(), 1, "and the older ones asked for");
    answer_runs(&mut app, &commands, runs_second_page());
    assert_eq!(
        app.slots[runs].selected, 9,
        "End reaches the end of what exists"
    );
    assert_eq!(selected_run_id(&app), Some(id(0x100a)));
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.slots[runs].selected, 0);
    assert!(app.update(char_key('G'), app.now).is_empty(), "all loaded");
    assert_eq!(app.slots[runs].selected, 9);
    press(&mut app, KeyCode::Home);
    assert_eq!(app.slots[runs].selected, 0);
}

#[test]
fn a_refresh_keeps_the_pages_loaded_and_the_selected_run() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    let commands = press(&mut app, KeyCode::End);
    answer_runs(&mut app, &commands, runs_second_page());
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('k'));
    }
    assert_eq!(selected_run_id(&app), Some(id(0x1007)));

    // A refresh asks for both pages from the newest.
    let commands = press(&mut app, KeyCode::Char('r'));
    let load = commands
        .iter()
        .find(|c| matches!(c, Command::LoadWidget { slot, .. } if *slot == runs))
        .cloned()
        .expect("runs reloaded");
    let Command::LoadWidget { cursor, page, .. } = &load else {
        unreachable!()
    };
    assert_eq!((*cursor, *page), (None, 1));

    // Two new runs arrived on top: the same run stays selected, two rows further down.
    let mut rows = vec![
        run_row(
            20,
            "running",
            "New",
            "Alex Tech",
            "2025-05-20T11:59:30Z",
            None,
            None,
        ),
        run_row(
            21,
            "running",
            "New",
            "Alex Tech",
            "2025-05-20T11:59:00Z",
            None,
            None,
        ),
    ];
    rows.extend(run_rows());
    let WidgetData::Runs(second) = runs_second_page() else {
        unreachable!()
    };
    rows.extend(second.rows);
    answer_runs(
        &mut app,
        &[load],
        WidgetData::Runs(RunsData {
            rows,
            next: None,
            page: 1,
        }),
    );
    assert_eq!(app.row_count(runs), 12);
    assert_eq!(selected_run_id(&app), Some(id(0x1007)));
    assert_eq!(app.slots[runs].selected, 8);
}

#[test]
fn the_filter_applies_to_the_focused_list_and_survives_a_drill_in() {
    let mut app = loaded();
    let runs = focus_runs(&mut app);
    let posts = slot_of(&app, &WidgetKind::RecentPosts);
    let posts_before = app.row_count(posts);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "fail");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.row_count(runs), 2);
    assert_eq!(
        app.row_count(posts),
        posts_before,
        "other widgets unfiltered"
    );
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(selected_run_id(&app), Some(id(0x1007)));

    // Into the run and back: the same filter, the same run.
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadRunDetail { run_id: id(0x1007) }]
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(app.filter, "fail");
    assert_eq!(app.row_count(runs), 2);
    assert_eq!(selected_run_id(&app), Some(id(0x1007)));

    // Clearing the filter keeps the run selected where it is in the whole list.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.filter, "");
    assert_eq!(app.row_count(runs), 8);
    assert_eq!(selected_run_id(&app), Some(id(0x1007)));
    assert_eq!(app.slots[runs].selected, 6);
}

#[test]
fn the_position_shows_at_200x50_too() {
    let mut app = loaded_with(options(), (200, 50));
    let runs = focus_runs(&mut app);
    let visible = app.visible_rows(runs);
    let text = screen_text(&app, (200, 50));
    if visible >= 8 {
        assert!(text.contains("1–8 of 8+ more ↓"), "{text}");
    } else {
        assert!(
            text.contains(&format!("1–{visible} of 8+ more ↓")),
            "{text}"
        );
    }
    insta::assert_snapshot!(
        "lists_runs_position_200x50",
        draw_view(&app, (200, 50)).backend()
    );
}

#[test]
fn a_short_list_keeps_its_header_and_says_what_is_hidden() {
    use mpis_dash::tui::theme::Theme;
    use mpis_dash::tui::widgets::{WidgetView, render};
    let data = runs_page();
    let theme = Theme::default();
    let view = WidgetView {
        kind: &WidgetKind::Runs,
        subtitle: String::new(),
        state: mpis_dash::tui::data::LoadState::Ready,
        data: Some(&data),
        error: None,
        age_secs: Some(1),
        loaded_at: Some(loaded_at()),
        focused: true,
        selected: 0,
        filter: None,
        sort: None,
        theme: &theme,
        new_flags: &[],
    };
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(40, 3)).expect("terminal");
    terminal
        .draw(|f| render(&view, f.area(), f.buffer_mut()))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    let row = |y: u16| -> String { (0..40).map(|x| buffer[(x, y)].symbol()).collect() };
    assert!(row(1).contains("status"), "the header stays: {}", row(1));
    assert!(
        row(2).contains("more ↓"),
        "hidden rows are named: {}",
        row(2)
    );
}
