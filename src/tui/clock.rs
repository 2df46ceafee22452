//! When an event happened: the monotonic instant (ages, spinners, schedules) and the UTC wall
//! time (what records and defaults say). The event loop reads both clocks once per event and
//! passes them in with it (`App::update(event, now)`); `update`, the forms' key handling and the
//! renderers never read a clock, so tests choose the time they run at.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

/// A moment on both clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub instant: Instant,
    pub wall: DateTime<Utc>,
}

impl Now {
    /// Reads both clocks: the event loop does, for each event it passes on (and tests and
    /// benchmarks for the moment they start at).
    pub fn read() -> Now {
        Now {
            instant: Instant::now(),
            wall: Utc::now(),
        }
    }

    /// The same moment `by` later on both clocks (tests and benchmarks move time with it). A
    /// step beyond what the clocks can hold leaves that clock where it was.
    pub fn later(self, by: Duration) -> Now {
        let wall = TimeDelta::from_std(by)
            .ok()
            .and_then(|delta| self.wall.checked_add_signed(delta))
            .unwrap_or(self.wall);
        Now {
            instant: self.instant.checked_add(by).unwrap_or(self.instant),
            wall,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_moves_both_clocks_by_the_same_step() {
        let start = Now {
            instant: Instant::now(),
            wall: "2025-05-20T12:00:00Z".parse().expect("fixed timestamp"),
        };
        let later = start.later(Duration::from_secs(90));
        assert_eq!(later.instant - start.instant, Duration::from_secs(90));
        assert_eq!(
            later.wall,
            "2025-05-20T12:01:30Z"
                .parse::<DateTime<Utc>>()
                .expect("fixed timestamp")
        );
    }
}
