//! The tmux harness of the end-to-end tests: the real binary in a real terminal (a private
//! tmux server), driven by keys, its screen read as text.

use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server with one pane of the given size running the command; killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// `command` in a `width` x `height` pane (escape-time 0, so Esc is a key at once).
    pub fn start(command: &str, (width, height): (u16, u16)) -> Tmux {
        let socket = format!("mpis-dash-e2e-{}", uuid::Uuid::new_v4().simple());
        let (width, height) = (width.to_string(), height.to_string());
        let tmux = Tmux { socket };
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "app",
            "-x",
            &width,
            "-y",
            &height,
            command,
        ]);
        tmux.run(&["set", "-s", "escape-time", "0"]);
        tmux
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "app", key]);
        }
    }

    pub fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "app", "-l", text]);
    }

    /// Pastes `text` as a terminal does: bracketed (with its markers) when the program asked
    /// for bracketed paste, plain otherwise.
    pub fn paste(&self, text: &str) {
        self.run(&["set-buffer", "-b", "e2e", text]);
        self.run(&["paste-buffer", "-p", "-b", "e2e", "-t", "app"]);
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "app"])
    }

    /// Polls the screen until it shows every one of `needles` (bounded, no fixed sleeps).
    pub fn wait_for(&self, needles: &[&str], timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needles:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The program's exit status, which the wrapping shell prints as `EXIT=<code>`.
    pub fn wait_for_exit(&self, timeout: Duration) -> i32 {
        let screen = self.wait_for(&["EXIT="], timeout);
        let code = screen.split("EXIT=").nth(1).unwrap_or("");
        code.split_whitespace()
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or(-1)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}
