//! The status line's pointer to the red flags: an open critical flag (not silenced) says which
//! key opens the list, from any screen and any layout (with or without the red-flags widget).

use ratatui::text::Span;

use super::app::{App, Screen};
use super::keymap::Action;

/// `⚠ 1 critical: press F for flags`; once every critical flag is acknowledged the shorter
/// `⚠ 1 critical, acked (F)` (the on-call person knows; the status line's room goes to the
/// messages); nothing when no critical flag is open or the flags are already on screen.
pub fn status_hint(app: &App) -> Option<Span<'static>> {
    let counts = app.open_flag_counts?;
    if counts.critical == 0 || matches!(app.screen, Screen::RedFlags(_)) {
        return None;
    }
    let key = app.keymap.describe(Action::Flags);
    let press = if key.is_empty() {
        ":flags".to_string()
    } else {
        format!("press {key}")
    };
    let glyphs = &app.options.theme.glyphs;
    let lead = format!(" {} {}", glyphs.separator, glyphs.warning);
    let text = if counts.critical_unacknowledged > 0 {
        format!("{lead} {} critical: {press} for flags", counts.critical)
    } else if key.is_empty() {
        format!("{lead} {} critical, acked", counts.critical)
    } else {
        format!("{lead} {} critical, acked ({key})", counts.critical)
    };
    Some(Span::styled(text, app.options.theme.critical()))
}
