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
    AppOptions { theme, ..options() }
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
    app.update(Event::Data(DataEvent::RunDetail(Ok(run_detail()))), app.now);
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

/// What `app` draws that is not ASCII, asserting first that nothing non-ASCII reaches the
/// terminal: the symbols the screens draw themselves (every one should come from
/// `theme.glyphs`), text punctuation left to the last pass, one line per symbol.
fn ascii_problems(name: &str, size: (u16, u16), app: &App) -> Vec<String> {
    // What the terminal gets: nothing but ASCII.
    let sent = non_ascii(&render(app, true));
    assert!(sent.is_empty(), "{name}: {sent:?}");
    let mut found = non_ascii(&render(app, false));
    found.retain(|f| {
        !TEXT_PUNCTUATION
            .iter()
            .any(|p| f.starts_with(&format!("{p:?}")))
    });
    // One line per symbol is enough to find where it comes from.
    found.sort();
    found.dedup_by(|a, b| a.split(' ').next() == b.split(' ').next());
    found
        .into_iter()
        .map(|symbol| format!("{name} {}x{}: {symbol}", size.0, size.1))
        .collect()
}

#[test]
fn in_ascii_mode_every_main_screen_draws_ascii_only() {
    let mut problems = Vec::new();
    for size in SIZES {
        for (name, app) in main_screens(&ascii_options(), size) {
            problems.extend(ascii_problems(name, size, &app));
        }
    }
    assert!(
        problems.is_empty(),
        "non-ASCII symbols drawn in ASCII mode:\n{}",
        problems.join("\n")
    );
}

/// Overlays and the layout editor in ASCII mode: what reaches the terminal is ASCII, and
/// borders, markers and arrows come from `theme.glyphs` there too.
#[test]
fn in_ascii_mode_the_editor_palette_and_dialogs_draw_ascii_only() {
    type Scene = (&'static str, fn(&mut App));
    let scenes: Vec<Scene> = vec![
        ("layout editor", |app| {
            press(app, KeyCode::Char('e'));
            press(app, KeyCode::Char('+'));
            press(app, KeyCode::Down);
        }),
        ("palette", |app| {
            type_text(app, ":r");
        }),
        ("palette error", |app| {
            type_text(app, ":frobnicate");
            press(app, KeyCode::Enter);
        }),
        ("confirm", |app| {
            press(app, KeyCode::Enter);
            app.update(
                Event::Data(DataEvent::Flags(Ok(flags_with_history()))),
                app.now,
            );
            press(app, KeyCode::Char('a'));
        }),
        ("messages", |app| {
            type_text(app, ":frobnicate");
            press(app, KeyCode::Enter);
            press(app, KeyCode::Esc);
            press(app, KeyCode::Char('m'));
            assert!(app.overlay.is_some(), "the messages popup");
        }),
    ];
    let mut problems = Vec::new();
    for size in SIZES {
        for (name, scene) in &scenes {
            let mut app = loaded_with(ascii_options(), size);
            scene(&mut app);
            problems.extend(ascii_problems(name, size, &app));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Environments

/// The options a dashboard on `environment` starts with, through the same rules as the binary
/// (`domain::environment`, then the badge), with `--read-write` or not.
fn options_on(environment: &str, read_write: bool) -> (AppOptions, Option<String>) {
    use mpis_dash::domain::environment::{resolve, session_access};
    let env = resolve(environment, &Default::default());
    let access = session_access(false, read_write, Some(&env));
    let badge = mpis_dash::tui::environment_badge::Badge::new(
        &env,
        mpis_dash::tui::color_depth::ColorDepth::TrueColor,
    )
    .expect("badge");
    let options = AppOptions {
        read_only: access.read_only,
        environment: Some(badge),
        ..options()
    };
    (options, access.message)
}

fn started_on(environment: &str, read_write: bool, size: (u16, u16)) -> App {
    let (options, message) = options_on(environment, read_write);
    let mut app = loaded_with(options, size);
    if let Some(message) = message {
        app.announce(message);
    }
    app
}

#[test]
fn the_environment_badge_leads_the_status_line() {
    for size in SIZES {
        let app = started_on("production", false, size);
        let terminal = render(&app, true);
        insta::assert_snapshot!(
            format!("production_badge_{}x{}", size.0, size.1),
            terminal.backend()
        );
        let buffer = terminal.backend().buffer();
        // The status line is above the key hints line.
        let status_y = size.1 - 2;
        let badge: String = (0..12).map(|x| buffer[(x, status_y)].symbol()).collect();
        assert_eq!(badge, " PRODUCTION ");
        let cell = &buffer[(1, status_y)];
        assert_eq!(cell.fg, ratatui::style::Color::Red);
        assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    }
    // Without color (NO_COLOR, monochrome) the badge is still reversed video.
    let (options, _) = options_on("staging", false);
    let options = AppOptions {
        theme: Theme::monochrome(),
        ..options
    };
    let app = loaded_with(options, (80, 24));
    let terminal = render(&app, true);
    let cell = &terminal.backend().buffer()[(1, 22)];
    assert_eq!(cell.symbol(), "S");
    assert_eq!(cell.fg, ratatui::style::Color::Reset);
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    assert!(!app.options.read_only, "staging writes");
}

#[test]
fn production_refuses_a_write_key_by_default_and_read_write_allows_it() {
    let mut app = started_on("production", false, (80, 24));
    assert!(app.options.read_only);
    let said = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains("read-only by default"), "{said}");
    // The red flags list, the first flag selected, then `a` (acknowledge).
    press(&mut app, KeyCode::Enter);
    app.update(
        Event::Data(DataEvent::Flags(Ok(flags_with_history()))),
        app.now,
    );
    assert!(matches!(app.screen, Screen::RedFlags(_)));
    let commands = press(&mut app, KeyCode::Char('a'));
    assert!(commands.is_empty(), "{commands:?}");
    assert!(app.overlay.is_none(), "no confirmation is asked");
    let said = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains("read-only"), "{said}");

    // `--read-write` for this session: the same key asks to acknowledge.
    let mut app = started_on("production", true, (80, 24));
    assert!(!app.options.read_only);
    let said = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains("read-write"), "{said}");
    press(&mut app, KeyCode::Enter);
    app.update(
        Event::Data(DataEvent::Flags(Ok(flags_with_history()))),
        app.now,
    );
    press(&mut app, KeyCode::Char('a'));
    assert!(app.overlay.is_some(), "acknowledging asks first");
}

// ---------------------------------------------------------------------------------------------
// ASCII snapshots and the screenshots in assets/

#[test]
fn dashboard_in_ascii_mode() {
    for size in SIZES {
        let mut app = loaded_with(ascii_options(), size);
        press(&mut app, KeyCode::Tab);
        insta::assert_snapshot!(
            format!("dashboard_ascii_{}x{}", size.0, size.1),
            render(&app, true).backend()
        );
    }
}

/// The screen as plain text, one line per row, trailing spaces cut (the cell after a wide
/// character is skipped: the character covers it).
fn plain_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buffer.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = mpis_dash::text::columns(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `assets/screenshots/<name>_<w>x<h>.txt` of the main screens (the README shows them):
/// written with `UPDATE_ASSETS=1`, otherwise each must equal what the dashboard draws now.
#[test]
fn the_screenshots_in_assets_are_what_the_dashboard_draws() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/screenshots");
    let update = std::env::var_os("UPDATE_ASSETS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for size in SIZES {
        let mut scenes = main_screens(&options(), size);
        scenes.push(("dashboard_ascii", {
            let mut app = loaded_with(ascii_options(), size);
            press(&mut app, KeyCode::Tab);
            app
        }));
        for (name, app) in scenes {
            if matches!(name, "dashboard_focused" | "dashboard_on_call") {
                continue;
            }
            let file = dir.join(format!("{name}_{}x{}.txt", size.0, size.1));
            let text = plain_text(&render(&app, true));
            if update {
                std::fs::create_dir_all(&dir).expect("assets/screenshots");
                std::fs::write(&file, &text).expect("write the screenshot");
            } else if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
                stale.push(file.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "screenshots differ from the dashboard (run with UPDATE_ASSETS=1 and review):\n{}",
        stale.join("\n")
    );
    // The README shows the 80x24 dashboard inline: the same text, copied by hand.
    let readme = std::fs::read_to_string(dir.join("../../README.md")).expect("README.md");
    let dashboard = std::fs::read_to_string(dir.join("dashboard_80x24.txt")).expect("screenshot");
    assert!(
        readme.contains(&format!("```text\n{dashboard}```")),
        "README.md's inline dashboard differs from assets/screenshots/dashboard_80x24.txt: copy it"
    );
}
