//! The one retry/backoff policy of mpis-dash (backon's exponential backoff with jitter): the
//! MPIS client's retries of safe calls, the outbox's next attempt at a queued record, and the
//! LISTEN connection's reconnects all wait the same way, each with its own first and longest
//! pause.
//!
//! Each pause doubles from `first` up to `max`, plus a random jitter of up to the pause itself,
//! so many clients failing together (every record queued during an MPIS outage) do not all
//! retry at the same moment.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    pub const fn new(first: Duration, max: Duration) -> Backoff {
        Backoff { first, max }
    }

    /// The builder for backon's `Retryable` and for iterating pauses, unlimited in count.
    pub fn builder(&self) -> ExponentialBuilder {
        ExponentialBuilder::new()
            .with_min_delay(self.first)
            .with_max_delay(self.max.max(self.first))
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
    }

    /// The pauses between tries, one after each failure, without end.
    pub fn pauses(&self) -> impl Iterator<Item = Duration> + use<> {
        self.builder().build()
    }

    /// The pause before try `attempt + 1`, after `attempt` failed tries (1 = the first failed).
    pub fn pause_after(&self, attempt: u32) -> Duration {
        let index = attempt.clamp(1, 64) as usize - 1;
        self.pauses().nth(index).unwrap_or(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_with_jitter_up_to_the_pause_and_stop_growing_at_max() {
        let policy = Backoff::new(Duration::from_secs(5), Duration::from_secs(600));
        for _ in 0..50 {
            for (attempt, low) in [(1, 5), (2, 10), (3, 20), (4, 40)] {
                let pause = policy.pause_after(attempt).as_secs_f64();
                assert!(
                    pause >= low as f64 && pause < 2.0 * low as f64,
                    "attempt {attempt}: {pause} s"
                );
            }
            let capped = policy.pause_after(30).as_secs_f64();
            assert!((600.0..1200.0).contains(&capped), "{capped}");
        }
    }

    #[test]
    fn zero_pauses_stay_zero() {
        // Tests set the outbox's backoff to zero so the next pass retries at once.
        let none = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(none.pause_after(1), Duration::ZERO);
        assert_eq!(none.pause_after(7), Duration::ZERO);
    }
}
