//! Logs what something's state is when it changes, not on every attempt: "MPIS unavailable"
//! once when calls start failing (again if the kind of failure changes) and "answers again"
//! once when one succeeds. Retries happen every few seconds; a log written per attempt would
//! bury the one line an operator needs.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A change worth one log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Failing now (first failure, or a different kind of failure than before).
    Down { reason: String },
    /// Working again after failing for `after` with `reason`.
    Up { reason: String, after: Duration },
}

/// What is known about one thing (MPIS, the outbox's database): up, or down since when and
/// with which kind of failure. Shared by clones behind an `Arc`.
#[derive(Debug, Default)]
pub struct StateLog {
    down: Mutex<Option<Down>>,
}

#[derive(Debug, Clone)]
struct Down {
    kind: String,
    reason: String,
    since: Instant,
}

impl StateLog {
    pub fn new() -> StateLog {
        StateLog::default()
    }

    /// A failure of `kind` (a stable key such as `unreachable` or `HTTP 503`, so that a message
    /// with changing details is still one state); a change when the state was up or another
    /// kind.
    pub fn failed(&self, kind: &str, reason: &str, now: Instant) -> Option<Change> {
        let mut down = self.down.lock().unwrap_or_else(|e| e.into_inner());
        if down.as_ref().is_some_and(|d| d.kind == kind) {
            return None;
        }
        let since = down.as_ref().map_or(now, |d| d.since);
        *down = Some(Down {
            kind: kind.to_owned(),
            reason: reason.to_owned(),
            since,
        });
        Some(Change::Down {
            reason: reason.to_owned(),
        })
    }

    /// A success: a change when it was down.
    pub fn succeeded(&self, now: Instant) -> Option<Change> {
        let mut down = self.down.lock().unwrap_or_else(|e| e.into_inner());
        down.take().map(|d| Change::Up {
            reason: d.reason,
            after: now.saturating_duration_since(d.since),
        })
    }
}

/// "3 s", "2 min 5 s", "1 h 4 min": how long something was down, for the log.
pub fn format_outage(after: Duration) -> String {
    let secs = after.as_secs();
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_change_per_state_not_per_attempt() {
        let log = StateLog::new();
        let t0 = Instant::now();
        assert_eq!(log.succeeded(t0), None, "up and still up: nothing");
        assert_eq!(
            log.failed("unreachable", "refused", t0),
            Some(Change::Down {
                reason: "refused".into()
            })
        );
        for n in 1..5 {
            let later = t0 + Duration::from_secs(n);
            assert_eq!(log.failed("unreachable", "refused again", later), None);
        }
        // Another kind of failure is news; the outage still counts from its start.
        assert_eq!(
            log.failed("HTTP 503", "503", t0 + Duration::from_secs(6)),
            Some(Change::Down {
                reason: "503".into()
            })
        );
        assert_eq!(
            log.succeeded(t0 + Duration::from_secs(65)),
            Some(Change::Up {
                reason: "503".into(),
                after: Duration::from_secs(65)
            })
        );
        assert_eq!(log.succeeded(t0 + Duration::from_secs(70)), None);
    }

    #[test]
    fn outages_read_in_units_people_use() {
        assert_eq!(format_outage(Duration::from_secs(3)), "3 s");
        assert_eq!(format_outage(Duration::from_secs(125)), "2 min 5 s");
        assert_eq!(format_outage(Duration::from_secs(3840)), "1 h 4 min");
    }
}
