//! Alerts while the dashboard is open: each load of the open flags is compared with the last
//! (`domain::alerts`), flags that turned critical are highlighted until seen, and a due alert
//! is left for the event loop to give (bell, desktop notification).

// A split `impl App`: the parent module's types and imports.
use super::*;
use crate::domain::alerts::FlagSnapshot;

impl App {
    pub(super) fn open_flags_loaded(&mut self, result: Result<Vec<RedFlag>, String>) {
        // An error leaves the last load to compare the next with.
        let Ok(flags) = result else { return };
        let wall = self.now.wall;
        let snapshots: Vec<FlagSnapshot> = flags
            .iter()
            .map(|flag| FlagSnapshot {
                id: flag.id,
                // A silenced flag is no alert (an escalation clears the silence).
                critical: flag.severity.eq_ignore_ascii_case("critical") && !flag.is_silenced(wall),
                name: flag
                    .description
                    .clone()
                    .unwrap_or_else(|| flag.flag_type.clone()),
            })
            .collect();
        let turned = self.alert_watch.observe(&snapshots);
        // Highlighted while open and unacknowledged.
        self.new_flags.retain(|id| {
            flags
                .iter()
                .any(|f| f.id == *id && f.acknowledged_at.is_none())
        });
        for id in turned {
            if !self.new_flags.contains(&id) {
                self.new_flags.push(id);
            }
        }
        self.mark_flags_seen(false);
        self.give_due_alert();
    }

    /// Takes the alert due now, if any: the status line says it, and the event loop rings
    /// and notifies as configured. True when there was one.
    pub(super) fn give_due_alert(&mut self) -> bool {
        let interval = Duration::from_secs(self.options.alerts.min_interval_secs);
        let Some(alert) = self.alert_watch.due(self.now.instant, interval) else {
            return false;
        };
        self.say(
            format!("{} {}", self.options.theme.glyphs.warning, alert.body),
            true,
        );
        self.alert = Some(alert);
        true
    }

    /// A highlighted flag the operator has now seen: the one shown in full on the red flags
    /// screen, or the one the operator moved the red flags widget's selection to
    /// (`selection_moved`; a selection resting on a row as a flag arrives there is no look).
    pub(super) fn mark_flags_seen(&mut self, selection_moved: bool) {
        if self.new_flags.is_empty() {
            return;
        }
        let mut seen = Vec::new();
        if let Screen::RedFlags(state) = &self.screen
            && let Some(flag) = state
                .flags
                .value
                .as_ref()
                .and_then(|f| f.get(state.selected))
        {
            seen.push(flag.id);
        }
        if selection_moved && let Some(id) = self.selected_widget_flag() {
            seen.push(id);
        }
        self.new_flags.retain(|id| !seen.contains(id));
    }

    /// The flag selected in the focused red flags widget on the dashboard, if any.
    pub(super) fn selected_widget_flag(&self) -> Option<Uuid> {
        if self.screen != Screen::Dashboard {
            return None;
        }
        let slot = self.slots.get(self.focus)?;
        let Some(WidgetData::RedFlags(data)) = slot.data.value.as_ref() else {
            return None;
        };
        let last = data.open_flags.len().checked_sub(1)?;
        data.open_flags.get(slot.selected.min(last)).map(|f| f.id)
    }
}
