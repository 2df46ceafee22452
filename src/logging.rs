//! Log output: the subscriber every command installs (`cli::init_logging`), and the one
//! `serve` writes to stderr as text or as JSON lines (`--log-format`).
//!
//! In JSON each line is one object: `timestamp`, `level`, `target`, the event's `message` and
//! fields at the top level (`status`, `duration_ms` on the access line), and the request's span
//! as `span` (`request_id`, `run_id`, `project_id`, `n8n_execution_id`, `method`, `route`,
//! `status`, `duration_ms`). Nothing logs headers, bodies or query strings, so tokens, passwords
//! and API keys never reach the log.

use std::io::Write;

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// `--log-format`: how `serve` writes its log lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event, the request's span fields in front.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The filter `MPIS_DASH_LOG` sets (as `RUST_LOG`), else `default`.
pub fn filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_env("MPIS_DASH_LOG").unwrap_or_else(|_| EnvFilter::new(default))
}

/// `serve`'s default: its own info lines (the ready line's context, one access line per request,
/// the jobs' state changes), everyone else's warnings.
pub const SERVE_DEFAULT_FILTER: &str = "warn,mpis_dash=info";

/// Whether log lines on stderr may carry ANSI colours: only on a terminal (never into a pipe,
/// a file or a cron mail) and never with NO_COLOR set to anything but empty.
pub fn stderr_colour() -> bool {
    use std::io::IsTerminal;
    colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    )
}

/// [`stderr_colour`]'s rule on given values (no-color.org: any non-empty NO_COLOR).
pub fn colour(is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    is_terminal && no_color.is_none_or(|value| value.is_empty())
}

/// A subscriber writing `format` lines through `writer` (stderr for `serve`; a buffer in
/// tests); `ansi`: text lines coloured (JSON lines never are).
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn Subscriber + Send + Sync + 'static>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi && format == LogFormat::Text)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
    }
}

/// A writer to stderr that never panics (a closed stderr drops the line).
#[derive(Clone, Copy, Default)]
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for Stderr {
    type Writer = Stderr;
    fn make_writer(&'w self) -> Stderr {
        Stderr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some("".into())), "an empty NO_COLOR is unset");
        assert!(!colour(true, Some("1".into())));
        assert!(
            !colour(false, None),
            "a pipe or a file gets no escape codes"
        );
        assert!(!colour(false, Some("1".into())));
    }
}
