//! `:dump [FILE]`: the screen as plain text for an incident ticket. The app only decides where
//! to (the file typed, else `<data dir>/dumps/mpis-dash-YYYYmmdd-HHMMSS.txt` in UTC); the event
//! loop writes the next frame it draws there (`screen_dump`), without the palette.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    pub(super) fn request_dump(&mut self, argument: &str) -> Vec<Command> {
        let default = argument.is_empty();
        let path = if default {
            let name = format!("mpis-dash-{}.txt", self.now.wall.format("%Y%m%d-%H%M%S"));
            match &self.options.dump_dir {
                Some(dir) => dir.join(name),
                None => std::path::PathBuf::from(name),
            }
        } else {
            std::path::PathBuf::from(argument)
        };
        self.pending_dump = Some(DumpRequest {
            // The dumps folder is created; a folder typed must exist (a typo is an error).
            create_folder: default && self.options.dump_dir.is_some(),
            path,
        });
        Vec::new()
    }

    /// What became of a dump: the file written, or why not (with the path).
    pub fn dump_written(&mut self, result: Result<std::path::PathBuf, String>) {
        match result {
            Ok(path) => self.say(format!("screen written to {}", path.display()), false),
            Err(error) => self.say(error, true),
        }
        self.dirty = true;
    }
}
