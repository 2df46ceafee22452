//! The `:ask` screen's question history: the questions asked in this session and before it,
//! oldest first, at most [`LIMIT`]. Kept across sessions in a small text file in the data dir
//! (one question a line; a question is one line, as its text field keeps it). Reading
//! tolerates anything (a missing, unreadable or garbled file is an empty or partial history);
//! a write that fails is the caller's status message, never a crash.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Questions kept (the file and the session alike).
pub const LIMIT: usize = 100;
/// The file's name in the data dir.
pub const FILE_NAME: &str = "ask_history.txt";
/// A longer line is no question anyone typed (the API takes at most 1,000 characters).
const LINE_MAX: usize = 1_000;

/// The history file in `data_dir`.
pub fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// The questions in the file, oldest first: empty when there is none or it cannot be read;
/// invalid UTF-8, control characters, blank and overlong lines are dropped, not fatal.
pub fn load(path: &Path) -> Vec<String> {
    match std::fs::read(path) {
        Ok(bytes) => parse(&String::from_utf8_lossy(&bytes)),
        Err(_) => Vec::new(),
    }
}

fn parse(text: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .map(|line| crate::tui::text_field::one_line(line).trim().to_string())
        .filter(|line| !line.is_empty() && !line.contains('\u{fffd}'))
        .filter(|line| line.chars().count() <= LINE_MAX)
        .collect();
    bounded(lines)
}

/// `history` with `question` added last (moved there when it was asked before), at most
/// [`LIMIT`], oldest dropped first.
pub fn with(mut history: Vec<String>, question: &str) -> Vec<String> {
    let question = crate::tui::text_field::one_line(question)
        .trim()
        .to_string();
    if question.is_empty() {
        return history;
    }
    history.retain(|q| *q != question);
    history.push(question);
    bounded(history)
}

fn bounded(mut history: Vec<String>) -> Vec<String> {
    let extra = history.len().saturating_sub(LIMIT);
    history.drain(..extra);
    history
}

/// Adds `question` to the file as it is now (another session's questions kept), written whole
/// to a temporary file first and renamed over it, so a crash never leaves half a file.
pub fn append(path: &Path, question: &str) -> std::io::Result<()> {
    let history = with(load(path), question);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::File::create(&temporary)?;
    for line in &history {
        writeln!(file, "{line}")?;
    }
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_keeps_the_last_hundred_questions_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        assert!(load(&path).is_empty(), "no file yet: no history");
        for n in 0..(LIMIT + 20) {
            append(&path, &format!("question {n}")).unwrap();
        }
        let history = load(&path);
        assert_eq!(history.len(), LIMIT);
        assert_eq!(history[0], "question 20");
        assert_eq!(history[LIMIT - 1], format!("question {}", LIMIT + 19));
        // Asked again: moved to the end, not kept twice.
        append(&path, "question 20").unwrap();
        let history = load(&path);
        assert_eq!(history.len(), LIMIT);
        assert_eq!(history.last().unwrap(), "question 20");
        assert_eq!(history.iter().filter(|q| *q == "question 20").count(), 1);
    }

    #[test]
    fn a_corrupt_file_is_read_as_what_can_be_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        let mut bytes =
            b"top posts\n\xff\xfe garbage\n\n   \nwhat\x1b[2J lacks metrics\r\n".to_vec();
        bytes.extend("x".repeat(LINE_MAX + 1).as_bytes());
        bytes.extend(b"\ntrend\n");
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(
            load(&path),
            ["top posts", "what[2J lacks metrics", "trend"],
            "bad bytes, blank and overlong lines dropped; control characters removed"
        );
        // A directory where the file should be: no history, and a write error, not a panic.
        let dir_path = dir.path().join("is-a-dir");
        std::fs::create_dir(&dir_path).unwrap();
        assert!(load(&dir_path).is_empty());
        assert!(append(&dir_path, "top posts").is_err());
    }

    #[test]
    fn blank_questions_are_not_kept() {
        assert_eq!(with(vec!["a".into()], "  "), ["a"]);
        assert_eq!(with(vec!["a".into(), "b".into()], " a "), ["b", "a"]);
    }
}
