//! Alerts while the dashboard is open: which red flags turned critical since the last load
//! (a new critical flag, or an open warning escalated), whether to alert now (at most one
//! alert per interval; what arrived meanwhile is summed up in the next one), and the alert's
//! text, free of control characters. The first load after start is the baseline: what was
//! already critical then is no news.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// What the rules need of one open flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagSnapshot {
    pub id: Uuid,
    pub critical: bool,
    /// Its description or type, as the operator reads it.
    pub name: String,
}

/// The notification: a fixed title and a body naming the flag(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub title: String,
    pub body: String,
}

pub const ALERT_TITLE: &str = "mpis-dash: critical red flag";
/// The longest body sent (terminals show a line or two of a notification).
const BODY_MAX_CHARS: usize = 160;

/// The open flags of the last load, and the flags waiting to be told.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertWatch {
    /// Open flags of the previous load and whether each was critical; `None` before the first.
    previous: Option<HashMap<Uuid, bool>>,
    /// Flags that turned critical and were not told yet (quiet time), oldest first.
    pending: Vec<FlagSnapshot>,
    last_alert: Option<Instant>,
}

impl AlertWatch {
    /// Compares a load of the open flags with the previous one; returns the flags that turned
    /// critical (none on the first load, the baseline), which also wait to be told.
    pub fn observe(&mut self, open: &[FlagSnapshot]) -> Vec<Uuid> {
        let now: HashMap<Uuid, bool> = open.iter().map(|f| (f.id, f.critical)).collect();
        let Some(previous) = self.previous.replace(now) else {
            return Vec::new();
        };
        let turned: Vec<&FlagSnapshot> = open
            .iter()
            .filter(|f| f.critical && previous.get(&f.id) != Some(&true))
            .collect();
        for flag in &turned {
            if !self.pending.iter().any(|p| p.id == flag.id) {
                self.pending.push((*flag).clone());
            }
        }
        turned.iter().map(|f| f.id).collect()
    }

    /// The alert to give at `now`, if a flag waits and the last alert is at least
    /// `min_interval` ago; taking it empties the wait.
    pub fn due(&mut self, now: Instant, min_interval: Duration) -> Option<Alert> {
        if self.pending.is_empty() {
            return None;
        }
        let quiet = self
            .last_alert
            .is_some_and(|last| now.saturating_duration_since(last) < min_interval);
        if quiet {
            return None;
        }
        self.last_alert = Some(now);
        let flags = std::mem::take(&mut self.pending);
        Some(alert_for(&flags))
    }
}

fn alert_for(flags: &[FlagSnapshot]) -> Alert {
    let body = match flags {
        [one] => one.name.clone(),
        many => format!(
            "{} new critical flags: {}",
            many.len(),
            many.iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Alert {
        title: ALERT_TITLE.to_string(),
        body: notification_text(&body),
    }
}

/// Text safe inside an OSC sequence: control characters (C0, DEL, C1: BEL, ESC, ST…) become
/// spaces, runs of white space one space, and at most `BODY_MAX_CHARS` characters (then `…`).
pub fn notification_text(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.chars().count() <= BODY_MAX_CHARS {
        return words;
    }
    let mut cut: String = words.chars().take(BODY_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn flag(n: u128, critical: bool, name: &str) -> FlagSnapshot {
        FlagSnapshot {
            id: Uuid::from_u128(n),
            critical,
            name: name.to_string(),
        }
    }

    #[test]
    fn the_first_load_is_the_baseline_and_never_alerts() {
        let mut watch = AlertWatch::default();
        let start = Instant::now();
        assert!(
            watch
                .observe(&[flag(1, true, "failed runs 30%")])
                .is_empty()
        );
        assert_eq!(watch.due(start, MINUTE), None);
        // Still open and still critical on the next load: no news.
        assert!(
            watch
                .observe(&[flag(1, true, "failed runs 30%")])
                .is_empty()
        );
        assert_eq!(watch.due(start, MINUTE), None);
    }

    #[test]
    fn a_new_critical_flag_alerts_once_with_its_name() {
        let mut watch = AlertWatch::default();
        let start = Instant::now();
        watch.observe(&[]);
        // A new warning is no alert.
        assert!(
            watch
                .observe(&[flag(2, false, "missing metrics 7")])
                .is_empty()
        );
        assert_eq!(watch.due(start, MINUTE), None);
        let turned = watch.observe(&[
            flag(2, false, "missing metrics 7"),
            flag(3, true, "stuck runs 3"),
        ]);
        assert_eq!(turned, vec![Uuid::from_u128(3)]);
        assert_eq!(
            watch.due(start, MINUTE),
            Some(Alert {
                title: ALERT_TITLE.to_string(),
                body: "stuck runs 3".to_string()
            })
        );
        assert_eq!(watch.due(start, MINUTE), None, "told once");
    }

    #[test]
    fn an_open_warning_escalating_to_critical_alerts() {
        let mut watch = AlertWatch::default();
        let start = Instant::now();
        watch.observe(&[flag(4, false, "failed runs 12%")]);
        let turned = watch.observe(&[flag(4, true, "failed runs 27%")]);
        assert_eq!(turned, vec![Uuid::from_u128(4)]);
        assert_eq!(
            watch.due(start, MINUTE).map(|a| a.body),
            Some("failed runs 27%".to_string())
        );
    }

    #[test]
    fn alerts_are_rate_limited_and_the_quiet_time_is_summed_up_in_the_next() {
        let mut watch = AlertWatch::default();
        let start = Instant::now();
        watch.observe(&[]);
        watch.observe(&[flag(1, true, "a")]);
        assert!(watch.due(start, MINUTE).is_some());
        // Three more within the minute: nothing yet.
        watch.observe(&[flag(1, true, "a"), flag(2, true, "b")]);
        watch.observe(&[flag(1, true, "a"), flag(2, true, "b"), flag(3, true, "c")]);
        watch.observe(&[
            flag(1, true, "a"),
            flag(2, true, "b"),
            flag(3, true, "c"),
            flag(4, true, "d"),
        ]);
        assert_eq!(watch.due(start + Duration::from_secs(59), MINUTE), None);
        let alert = watch.due(start + MINUTE, MINUTE).unwrap();
        assert_eq!(alert.body, "3 new critical flags: b, c, d");
        assert_eq!(watch.due(start + MINUTE * 5, MINUTE), None);
    }

    #[test]
    fn a_flag_that_closes_and_reopens_critical_is_news_again() {
        let mut watch = AlertWatch::default();
        let start = Instant::now();
        watch.observe(&[flag(1, true, "a")]);
        watch.observe(&[]);
        assert_eq!(
            watch.observe(&[flag(1, true, "a")]),
            vec![Uuid::from_u128(1)]
        );
        assert!(watch.due(start, MINUTE).is_some());
    }

    #[test]
    fn the_text_has_no_control_characters_and_is_bounded() {
        assert_eq!(
            notification_text("evil\u{1b}]9;pwn\u{7}\u{9c} name\n\tx"),
            "evil ]9;pwn name x"
        );
        let long = notification_text(&"x".repeat(500));
        assert_eq!(long.chars().count(), BODY_MAX_CHARS);
        assert!(long.ends_with('…'));
        let mut watch = AlertWatch::default();
        watch.observe(&[]);
        watch.observe(&[flag(1, true, "bell\u{7}here")]);
        let alert = watch.due(Instant::now(), MINUTE).unwrap();
        assert_eq!(alert.body, "bell here");
    }
}
