//! How the dashboard looks: ASCII mode (every cell of every main screen ASCII, from
//! `theme.glyphs`), the environment's badge, and the text screenshots in `assets/screenshots/`
//! (written with `UPDATE_ASSETS=1`, otherwise compared, so the README's pictures stay true).

use crate::tui_common::*;
use crate::tui_jobs;
use mpis_dash::tui::app::{App, AppOptions, Event, Screen};
use mpis_dash::tui::theme::{Theme, ThemeConfig, ThemeOptions};
use mpis_dash::tui::worker::DataEvent;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn ascii_options() -> AppOptions {
    let theme = Theme::build(
        &ThemeConfig::default(),
        ThemeOptions {
            ascii: true,
            ..ThemeOptions::default()
        },
    )
    .expect("theme");
    AppOptions {
        theme,
        ..options()
    }
}

/// The frame as the screens draw it (without ASCII mode's last pass) or as `view` sends it.
fn render(app: &App, folded: bool) -> Terminal<TestBackend> {
    let (width, height) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| {
            if folded {
                mpis_dash::tui::view::view(app, f)
            } else {
                mpis_dash::tui::view::draw(app, f)
            }
        })
        .expect("draw");
    terminal
}

/// Every non-ASCII symbol with the line it is on.
fn non_ascii(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    let lines: Vec<String> = buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect())
        .collect();
    buffer
        .content
        .iter()
        .enumerate()
        .filter(|(_, cell)| !cell.symbol().is_ascii())
        .map(|(i, cell)| format!("{:?} in {:?}", cell.symbol(), lines[i / width]))
        .collect()
}

fn run_detail_screen(options: AppOptions, size: (u16, u16)) -> App {
    let mut app = loaded_with(options, size);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    app.update(
        Event::Data(DataEvent::RunDetail(Ok(run_detail()))),
        app.now,
    );
    assert!(matches!(app.screen, Screen::RunDetail(_)));
    app
}

fn red_flags_screen(options: AppOptions, size: (u16, u16)) -> App {
    let mut app = loaded_with(options, size);
    press(&mut app, KeyCode::Enter);
    app.update(
        Event::Data(DataEvent::Flags(Ok(flags_with_history()))),
        app.now,
    );
    assert!(matches!(app.screen, Screen::RedFlags(_)));
    app
}

fn help_popup(options: AppOptions, size: (u16, u16)) -> App {
    let mut app = loaded_with(options, size);
    press(&mut app, KeyCode::Char('?'));
    app
}

fn on_call(options: AppOptions, size: (u16, u16)) -> App {
    let mut app = loaded_with(options, size);
    let commands = app.update(char_key('L'), app.now);
    answer(&mut app, &commands);
    app
}

/// The main screens, by name, with the options given.
fn main_screens(options: &AppOptions, size: (u16, u16)) -> Vec<(&'static str, App)> {
    let focused = {
        let mut app = loaded_with(options.clone(), size);
        press(&mut app, KeyCode::Tab);
        app
    };
    vec![
        ("dashboard", loaded_with(options.clone(), size)),
        ("dashboard_focused", focused),
        ("dashboard_on_call", on_call(options.clone(), size)),
        ("red_flags", red_flags_screen(options.clone(), size)),
        ("run_detail", run_detail_screen(options.clone(), size)),
        ("jobs", tui_jobs::jobs_screen_with(options.clone(), size)),
        ("help", help_popup(options.clone(), size)),
    ]
}

/// Punctuation inside texts, left to `view`'s last pass in ASCII mode: the one-column ellipsis
/// of a cut text (`text::fit`, shared with `status`) and the middle dot between words.
const TEXT_PUNCTUATION: [&str; 2] = ["…", "·"];

#[test]
fn in_ascii_mode_every_main_screen_draws_ascii_only() {
    let mut problems = Vec::new();
    for size in SIZES {
        for (name, app) in main_screens(&ascii_options(), size) {
            // What the terminal gets: nothing but ASCII.
            let sent = non_ascii(&render(&app, true));
            assert!(sent.is_empty(), "{name}: {sent:?}");
            // What the screens draw themselves: every symbol from `theme.glyphs` (borders,
            // markers, arrows, bars, chart lines), only text punctuation left to the last pass.
            let mut found = non_ascii(&render(&app, false));
            found.retain(|f| !TEXT_PUNCTUATION.iter().any(|p| f.starts_with(&format!("{p:?}"))));
            // One line per symbol is enough to find where it comes from.
            found.sort();
            found.dedup_by(|a, b| a.split(' ').next() == b.split(' ').next());
            for symbol in found {
                problems.push(format!("{name} {}x{}: {symbol}", size.0, size.1));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "non-ASCII symbols drawn in ASCII mode:\n{}",
        problems.join("\n")
    );
}
