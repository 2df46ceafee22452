//! The session's display toggles: the time zone times are shown in (`z`) and mouse capture
//! (`M`). Each changes plain state; the mouse's change is carried out by the event loop.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// `z`: the configured zone <-> UTC (configured UTC: UTC <-> local), said by name.
    pub(super) fn toggle_time_zone(&mut self) -> Vec<Command> {
        self.time_zone = self.time_zone.toggled(self.options.time_zone);
        let zone = self.times().describe(self.now.wall);
        self.say(format!("times in {zone}"), false);
        Vec::new()
    }

    /// `M`: mouse capture off (the terminal selects text) or back on.
    pub(super) fn toggle_mouse(&mut self) -> Vec<Command> {
        self.mouse_captured = !self.mouse_captured;
        self.mouse_change = Some(self.mouse_captured);
        if self.mouse_captured {
            self.say("mouse on", false);
        } else {
            self.say("mouse off: select text with your terminal", false);
        }
        Vec::new()
    }
}
