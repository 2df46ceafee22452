//! The "ingestion failing" rule: an enabled ingestion job fails when its last N runs failed in a
//! row, or when it has had no successful run for 3 of its cron intervals since its last
//! success (since it was created, when it never succeeded). Disabled jobs never fail: nobody
//! expects them to run.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::schedule::Schedule;

/// How many of its intervals a job may go without a successful run.
pub const MISSED_INTERVALS: usize = 3;
/// The last of those runs gets this long to finish (at most; half its interval when that is
/// shorter), so a run in progress at the deadline does not raise the flag for a moment.
pub const MAX_GRACE: Duration = Duration::minutes(10);

/// What the rule reads of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobHealth<'a> {
    pub enabled: bool,
    pub schedule_cron: &'a str,
    /// Failed runs since the last successful one.
    pub consecutive_failures: i64,
    pub last_success_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Why a job counts as failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Failing {
    /// Its last `failures` runs failed (at least the threshold).
    InARow { failures: i64 },
    /// No successful run since `since` (its last success, or its creation), and its
    /// third scheduled run after that is past (with the grace) at `deadline`.
    NoSuccess {
        since: DateTime<Utc>,
        deadline: DateTime<Utc>,
    },
}

impl Failing {
    /// For people: `3 failed runs in a row`, `no successful run since 12-01 10:00 UTC`.
    pub fn describe(&self) -> String {
        match self {
            Failing::InARow { failures } => format!("{failures} failed runs in a row"),
            Failing::NoSuccess { since, .. } => format!(
                "no successful run for {MISSED_INTERVALS} intervals (since {})",
                since.format("%m-%d %H:%M UTC")
            ),
        }
    }
}

/// Whether `job` is failing at `now` with the threshold `failures_in_a_row` (N).
pub fn failing(job: &JobHealth<'_>, failures_in_a_row: i64, now: DateTime<Utc>) -> Option<Failing> {
    if !job.enabled {
        return None;
    }
    if job.consecutive_failures >= failures_in_a_row.max(1) {
        return Some(Failing::InARow {
            failures: job.consecutive_failures,
        });
    }
    let since = job.last_success_at.unwrap_or(job.created_at);
    let deadline = no_success_deadline(job.schedule_cron, since)?;
    (now >= deadline).then_some(Failing::NoSuccess { since, deadline })
}

/// When a job without a success since `since` starts failing: its third scheduled run after
/// `since`, plus that run's grace. `None` for a schedule that cannot be read or never fires
/// again (the failures in a row still count).
pub fn no_success_deadline(cron: &str, since: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let schedule = Schedule::parse(cron).ok()?;
    let mut previous = since;
    let mut runs = Vec::with_capacity(MISSED_INTERVALS);
    for _ in 0..MISSED_INTERVALS {
        let next = schedule.next_after(previous)?;
        runs.push(next);
        previous = next;
    }
    let last = *runs.last()?;
    let before_last = runs.len().checked_sub(2).map_or(since, |i| runs[i]);
    let grace = ((last - before_last) / 2).min(MAX_GRACE);
    Some(last + grace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, s).unwrap()
    }

    fn job(cron: &str, failures: i64, last_success: Option<DateTime<Utc>>) -> JobHealth<'_> {
        JobHealth {
            enabled: true,
            schedule_cron: cron,
            consecutive_failures: failures,
            last_success_at: last_success,
            created_at: at(8, 0, 0),
        }
    }

    #[test]
    fn failures_in_a_row_flag_from_the_threshold() {
        let now = at(10, 1, 0);
        let recent = Some(at(10, 0, 0));
        assert_eq!(failing(&job("*/5 * * * *", 2, recent), 3, now), None);
        assert_eq!(
            failing(&job("*/5 * * * *", 3, recent), 3, now),
            Some(Failing::InARow { failures: 3 })
        );
        assert_eq!(
            failing(&job("*/5 * * * *", 7, recent), 3, now),
            Some(Failing::InARow { failures: 7 })
        );
        // A threshold of 1: the first failure flags.
        assert_eq!(
            failing(&job("*/5 * * * *", 1, recent), 1, now),
            Some(Failing::InARow { failures: 1 })
        );
    }

    #[test]
    fn three_intervals_without_success_flag_after_the_third_run_had_its_grace() {
        // Every 5 minutes, last success 10:00:05: runs 10:05, 10:10, 10:15 (+2m30s grace).
        let j = job("*/5 * * * *", 0, Some(at(10, 0, 5)));
        assert_eq!(
            no_success_deadline(j.schedule_cron, at(10, 0, 5)),
            Some(at(10, 17, 30))
        );
        assert_eq!(failing(&j, 3, at(10, 14, 59)), None);
        assert_eq!(
            failing(&j, 3, at(10, 15, 30)),
            None,
            "third run in progress"
        );
        assert_eq!(
            failing(&j, 3, at(10, 17, 30)),
            Some(Failing::NoSuccess {
                since: at(10, 0, 5),
                deadline: at(10, 17, 30)
            })
        );
    }

    #[test]
    fn hourly_jobs_get_at_most_ten_minutes_of_grace() {
        let since = at(7, 30, 0);
        // Runs 08:00, 09:00, 10:00; grace min(30 min, 10 min).
        assert_eq!(no_success_deadline("0 * * * *", since), Some(at(10, 10, 0)));
        let j = job("0 * * * *", 1, Some(since));
        assert_eq!(failing(&j, 3, at(10, 9, 59)), None);
        assert!(matches!(
            failing(&j, 3, at(10, 10, 0)),
            Some(Failing::NoSuccess { .. })
        ));
    }

    #[test]
    fn a_job_that_never_succeeded_counts_from_its_creation() {
        // Created 08:00, every 15 minutes: 08:15, 08:30, 08:45 (+7m30s).
        let j = job("*/15 * * * *", 0, None);
        assert_eq!(failing(&j, 3, at(8, 52, 29)), None);
        assert_eq!(
            failing(&j, 3, at(8, 52, 30)),
            Some(Failing::NoSuccess {
                since: at(8, 0, 0),
                deadline: at(8, 52, 30)
            })
        );
    }

    #[test]
    fn a_success_clears_both_conditions() {
        let j = job("*/5 * * * *", 0, Some(at(10, 20, 3)));
        assert_eq!(failing(&j, 3, at(10, 21, 0)), None);
    }

    #[test]
    fn disabled_jobs_never_flag() {
        let mut j = job("*/5 * * * *", 9, None);
        j.enabled = false;
        assert_eq!(failing(&j, 3, at(23, 0, 0)), None);
    }

    #[test]
    fn an_unreadable_schedule_still_counts_failures_in_a_row() {
        assert_eq!(failing(&job("not cron", 0, None), 3, at(23, 0, 0)), None);
        assert_eq!(
            failing(&job("not cron", 3, None), 3, at(23, 0, 0)),
            Some(Failing::InARow { failures: 3 })
        );
    }

    #[test]
    fn reasons_read_well() {
        assert_eq!(
            Failing::InARow { failures: 4 }.describe(),
            "4 failed runs in a row"
        );
        let no_success = Failing::NoSuccess {
            since: at(9, 5, 0),
            deadline: at(9, 30, 0),
        };
        assert_eq!(
            no_success.describe(),
            "no successful run for 3 intervals (since 12-01 09:05 UTC)"
        );
        assert_eq!(
            serde_json::to_value(Failing::InARow { failures: 3 }).unwrap(),
            serde_json::json!({"reason": "in_a_row", "failures": 3})
        );
    }
}
