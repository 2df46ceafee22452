//! End to end: `--demo --theme light --ascii` in a tmux pane: the terminal gets ASCII only,
//! the dashboard shows its widgets, and the light theme's colors (blue accent, black borders,
//! never the dark theme's yellow or cyan) reach the terminal.

use std::path::PathBuf;
use std::time::Duration;

use crate::tmux_common::Tmux;

/// The demo's embedded cluster lives here; removed at the end (the dashboard stops it on q).
struct DataDir(PathBuf);

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn demo_in_the_light_theme_and_ascii_sends_only_ascii() {
    let dir = DataDir(
        std::env::temp_dir().join(format!("mpis-dash-look-{}", uuid::Uuid::new_v4().simple())),
    );
    let command = format!(
        "env -u DATABASE_URL -u NO_COLOR {} --data-dir {} --demo --theme light --ascii; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_mpis-dash"),
        dir.0.display()
    );
    let tmux = Tmux::start(&command, (120, 40));
    let screen = tmux.wait_for(
        &[
            "Red Flags",
            "Recent Runs",
            "Engagement",
            "Channel Performance",
            "db ok",
        ],
        Duration::from_secs(60),
    );
    let odd: Vec<char> = screen.chars().filter(|c| !c.is_ascii()).collect();
    assert!(odd.is_empty(), "non-ASCII {odd:?} on screen:\n{screen}");
    assert!(screen.contains("* db ok |"), "{screen}");
    assert!(screen.contains("+-"), "ASCII borders:\n{screen}");

    // With its escape sequences (tmux writes colors as palette indexes): the light theme's
    // blue accent and black borders; neither the dark theme's yellow nor its cyan.
    let colored = tmux.run(&["capture-pane", "-p", "-e", "-t", "app"]);
    assert!(colored.is_ascii(), "escape sequences and text alike");
    assert!(colored.contains("38;5;4m"), "blue (accent):\n{colored}");
    assert!(colored.contains("38;5;0m"), "black (borders):\n{colored}");
    for (color, index) in [
        ("yellow", "38;5;3m"),
        ("light yellow", "38;5;11m"),
        ("cyan", "38;5;6m"),
    ] {
        assert!(!colored.contains(index), "{color} on white:\n{colored}");
    }

    tmux.keys(&["q"]);
    tmux.wait_for(&["EXIT=0"], Duration::from_secs(30));
}

#[test]
fn an_unknown_theme_is_refused_before_the_database_opens_listing_the_built_in_ones() {
    let dir = DataDir(
        std::env::temp_dir().join(format!("mpis-dash-look-{}", uuid::Uuid::new_v4().simple())),
    );
    let command = format!(
        "env -u DATABASE_URL {} --data-dir {} --theme solarized; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_mpis-dash"),
        dir.0.display()
    );
    let tmux = Tmux::start(&command, (120, 40));
    let screen = tmux.wait_for(&["EXIT="], Duration::from_secs(20));
    assert!(screen.contains("EXIT=1"), "{screen}");
    for name in ["solarized", "dark", "light", "high-contrast", "colorblind"] {
        assert!(screen.contains(name), "{name}:\n{screen}");
    }
    assert!(
        !dir.0.join("postgres").exists(),
        "no cluster was started for a bad theme"
    );
}
