//! `:dump [FILE]` writes the screen as drawn (without the palette) as plain text, never over an
//! existing file, into the dumps folder by default; `M` and `mouse = false` switch mouse
//! capture, and the event loop writes the escape sequences for it.

use crate::tui_common::*;

use std::path::{Path, PathBuf};

use mpis_dash::tui::app::{App, AppOptions, PaletteNames, palette_completions};
use mpis_dash::tui::terminal::{draw_if_dirty, write_effects};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

fn message(app: &App) -> (String, bool) {
    app.message
        .as_ref()
        .map(|m| (m.text.clone(), m.error))
        .unwrap_or_default()
}

/// The backend's buffer as `:dump` promises it: rows, trailing spaces trimmed, a line each.
fn buffer_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            let row: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect();
            format!("{}\n", row.trim_end())
        })
        .collect()
}

/// A drawn dashboard, `:dump ARGUMENT` typed and sent, and the next frame drawn (when the
/// dump is written); returns the terminal of that frame.
fn dump(app: &mut App, argument: &str) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    draw_if_dirty(&mut terminal, app).unwrap();
    press(app, KeyCode::Char(':'));
    type_text(app, format!("dump {argument}").trim_end());
    press(app, KeyCode::Enter);
    draw_if_dirty(&mut terminal, app).unwrap();
    terminal
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mpis-dash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn dump_writes_the_screen_as_drawn_and_never_overwrites() {
    let dir = temp_dir("dump");
    let path = dir.join("screen.txt");
    let mut app = loaded();
    let terminal = dump(&mut app, path.to_str().unwrap());
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, buffer_text(&terminal));
    assert!(written.contains("Red Flags"), "{written}");
    assert!(
        !written.contains("dump"),
        "the palette is not in it: {written}"
    );
    assert_eq!(written.lines().count(), 24);
    assert!(written.lines().all(|l| !l.ends_with(' ')));
    assert_eq!(
        message(&app),
        (format!("screen written to {}", path.display()), false)
    );

    // Again: the first stays, the second goes next to it.
    dump(&mut app, path.to_str().unwrap());
    let second = dir.join("screen-1.txt");
    assert_eq!(
        message(&app),
        (format!("screen written to {}", second.display()), false)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    assert!(second.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dump_without_a_file_goes_to_the_dumps_folder_named_by_the_utc_time() {
    let dir = temp_dir("dumps");
    let options = AppOptions {
        dump_dir: Some(dir.join("dumps")),
        ..options()
    };
    let mut app = loaded_with(options, (80, 24));
    dump(&mut app, "");
    // The fixtures' clock: 2025-05-20 12:00:00 UTC.
    let path = dir.join("dumps/mpis-dash-20250520-120000.txt");
    assert!(path.exists(), "{:?}", message(&app));
    assert_eq!(
        message(&app),
        (format!("screen written to {}", path.display()), false)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unwritable_dump_names_the_path_and_the_reason() {
    let dir = temp_dir("dump-blocked");
    // A file where the folder should be: refused whoever runs the test (root too).
    let blocker = dir.join("not-a-folder");
    std::fs::write(&blocker, "x").unwrap();
    let path = blocker.join("screen.txt");
    let mut app = loaded();
    dump(&mut app, path.to_str().unwrap());
    let (text, error) = message(&app);
    assert!(error, "{text}");
    assert!(
        text.starts_with(&format!("dump not written to {}: ", path.display())),
        "{text}"
    );
    assert!(text.contains("Not a directory"), "{text}");
    assert!(!Path::new(&path).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_palette_completes_and_describes_dump() {
    assert_eq!(
        palette_completions("du", &PaletteNames::default()),
        vec!["dump".to_string()]
    );
    assert!(
        mpis_dash::tui::app::PALETTE_COMMANDS
            .iter()
            .any(|(name, what)| *name == "dump" && what.contains("FILE"))
    );
}

#[test]
fn m_turns_mouse_capture_off_and_on_and_the_loop_writes_the_sequences() {
    let mut app = loaded();
    assert!(app.mouse_captured);
    assert!(press(&mut app, KeyCode::Char('M')).is_empty());
    assert!(!app.mouse_captured);
    assert_eq!(
        message(&app),
        (
            "mouse off: select text with your terminal".to_string(),
            false
        )
    );
    let mut out = Vec::new();
    write_effects(&mut app, &mut out, false).unwrap();
    let off = String::from_utf8(out).unwrap();
    assert!(
        off.contains("\x1b[?1000l") && off.contains("\x1b[?1006l"),
        "{off:?}"
    );
    // Written once.
    let mut out = Vec::new();
    write_effects(&mut app, &mut out, false).unwrap();
    assert!(out.is_empty());

    press(&mut app, KeyCode::Char('M'));
    assert!(app.mouse_captured);
    assert_eq!(message(&app), ("mouse on".to_string(), false));
    let mut out = Vec::new();
    write_effects(&mut app, &mut out, false).unwrap();
    let on = String::from_utf8(out).unwrap();
    assert!(
        on.contains("\x1b[?1000h") && on.contains("\x1b[?1006h"),
        "{on:?}"
    );
}

#[test]
fn mouse_false_in_the_config_starts_without_capture() {
    let options = AppOptions {
        mouse: false,
        ..options()
    };
    let mut app = loaded_with(options, (80, 24));
    assert!(!app.mouse_captured);
    // Nothing to switch until the operator asks.
    let mut out = Vec::new();
    write_effects(&mut app, &mut out, false).unwrap();
    assert!(out.is_empty());
    press(&mut app, KeyCode::Char('M'));
    assert!(app.mouse_captured);
}
