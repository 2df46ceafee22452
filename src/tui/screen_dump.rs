//! `:dump`: a drawn frame as plain text (each row's symbols, no styles, trailing spaces
//! trimmed, one line per row) written to a new file. An existing file is never overwritten:
//! the dump goes to `NAME-1.txt`, `NAME-2.txt`… instead, so no earlier dump (or anything
//! else) is lost, and the status line names the file written.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use ratatui::buffer::Buffer;

/// The frame's text: one line per row, without trailing spaces. What is on screen was
/// sanitized before it was drawn.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut text = String::new();
    for y in area.top()..area.bottom() {
        let row: String = (area.left()..area.right())
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        text.push_str(row.trim_end_matches(' '));
        text.push('\n');
    }
    text
}

/// `~` and `~/…` from the home folder; anything else as typed (relative to the cwd).
pub fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    let Some(home) = home else {
        return path.to_path_buf();
    };
    match path.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => path.to_path_buf(),
    }
}

/// The first of `path`, `stem-1.ext`, `stem-2.ext`… (up to 999) that `exists` says is free.
pub fn free_name(path: &Path, exists: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    if !exists(path) {
        return Some(path.to_path_buf());
    }
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    let extension = path.extension().map(|e| e.to_string_lossy().into_owned());
    (1..1000)
        .map(|n| {
            let name = match &extension {
                Some(ext) => format!("{stem}-{n}.{ext}"),
                None => format!("{stem}-{n}"),
            };
            path.with_file_name(name)
        })
        .find(|candidate| !exists(candidate))
}

/// Writes `text` to a new file at `path` (`~` expanded; a taken name gets `-1`, `-2`…); the
/// folder is created when `create_folder` (the default dumps folder). Answers the path
/// written, or an error naming the path and the reason.
pub fn write(path: &Path, text: &str, create_folder: bool) -> Result<PathBuf, String> {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    let wanted = expand_home(path, home.as_deref());
    let wanted = std::path::absolute(&wanted).unwrap_or(wanted);
    let failed = |path: &Path, error: std::io::Error| {
        format!("dump not written to {}: {error}", path.display())
    };
    if create_folder && let Some(folder) = wanted.parent() {
        std::fs::create_dir_all(folder).map_err(|e| failed(folder, e))?;
    }
    // A file created between the check and the open is not overwritten either (create_new):
    // the next free name is tried.
    for _ in 0..10 {
        let target = free_name(&wanted, |p| p.exists()).ok_or_else(|| {
            format!(
                "dump not written to {}: no free name left",
                wanted.display()
            )
        })?;
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
        {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .map_err(|e| failed(&target, e))?;
                return Ok(target);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(failed(&target, e)),
        }
    }
    Err(format!(
        "dump not written to {}: the name kept being taken",
        wanted.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn the_text_is_the_symbols_row_by_row_without_trailing_spaces() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 6, 3));
        buffer.set_string(0, 0, "ab", ratatui::style::Style::default().bold());
        buffer.set_string(2, 1, "│ x", ratatui::style::Style::default());
        assert_eq!(text(&buffer), "ab\n  │ x\n\n");
    }

    #[test]
    fn home_is_expanded_only_at_the_start() {
        let home = Path::new("/home/ops");
        assert_eq!(
            expand_home(Path::new("~/dumps/x.txt"), Some(home)),
            PathBuf::from("/home/ops/dumps/x.txt")
        );
        assert_eq!(
            expand_home(Path::new("~"), Some(home)),
            PathBuf::from("/home/ops")
        );
        assert_eq!(
            expand_home(Path::new("a/~/x.txt"), Some(home)),
            PathBuf::from("a/~/x.txt")
        );
        assert_eq!(expand_home(Path::new("~/x"), None), PathBuf::from("~/x"));
    }

    #[test]
    fn a_taken_name_gets_the_next_free_number() {
        let taken = [PathBuf::from("/d/s.txt"), PathBuf::from("/d/s-1.txt")];
        let exists = |p: &Path| taken.iter().any(|t| t == p);
        assert_eq!(
            free_name(Path::new("/d/s.txt"), exists),
            Some(PathBuf::from("/d/s-2.txt"))
        );
        assert_eq!(
            free_name(Path::new("/d/new.txt"), exists),
            Some(PathBuf::from("/d/new.txt"))
        );
        assert_eq!(
            free_name(Path::new("/d/noext"), |p| p == Path::new("/d/noext")),
            Some(PathBuf::from("/d/noext-1"))
        );
    }

    #[test]
    fn writing_never_overwrites_and_errors_name_the_path() {
        let dir = std::env::temp_dir().join(format!("mpis-dash-dump-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub/screen.txt");
        let first = write(&path, "one\n", true).unwrap();
        assert_eq!(first, path);
        let second = write(&path, "two\n", true).unwrap();
        assert_eq!(second, dir.join("sub/screen-1.txt"));
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "one\n");
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "two\n");
        // A file where a folder should be: not writable, whoever we are.
        let blocked = first.join("x.txt");
        let error = write(&blocked, "x", false).unwrap_err();
        assert!(
            error.starts_with(&format!("dump not written to {}", blocked.display())),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
