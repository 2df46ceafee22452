//! `mpis-dash status`: a plain-text overview (red flags, recent runs, channels, approvals,
//! outbox, ingestion jobs) for a quick look over SSH, `watch`, or a script.
//!
//! Loading is one round of the same store calls the dashboard makes; rendering is a pure
//! function of the loaded data, and every string from the database goes through `sanitize`.

use crate::time_display::{self, TimeDisplay};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::red_flags::{Evaluation, Thresholds};
use crate::domain::schedule::Schedule;
use crate::sanitize::sanitize;
use crate::store::StoreResult;
use crate::store::genesis::{self, PendingGenesisJob};
use crate::store::jobs::{self, IngestionJob};
use crate::store::metrics::{self, ChannelAggregate};
use crate::store::outbox::{self, OutboxCounts};
use crate::store::red_flags::{self, RedFlag};
use crate::store::runs::{self, RunFilter, RunListRow};

const RECENT_RUNS: i64 = 10;
const CHANNEL_DAYS: i32 = 30;

/// Everything the overview shows, read in one go.
#[derive(Debug, Clone)]
pub struct StatusData {
    pub evaluation: Evaluation,
    pub open_flags: Vec<RedFlag>,
    pub runs: Vec<RunListRow>,
    pub channels: Vec<ChannelAggregate>,
    pub approvals: Vec<PendingGenesisJob>,
    pub outbox: OutboxCounts,
    pub jobs: Vec<IngestionJob>,
}

pub async fn load(
    pool: &PgPool,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> StoreResult<StatusData> {
    // No evaluator may run beside a one-shot command: count missing metrics live unless the
    // stored figure is fresh. Nothing is written (`status` works with a SELECT-only role).
    let max_age = Some(chrono::Duration::seconds(60));
    Ok(StatusData {
        evaluation: red_flags::summary_within(pool, thresholds, now, max_age).await?,
        open_flags: red_flags::list(pool, false, 20).await?,
        runs: runs::list(pool, &RunFilter::default(), None, RECENT_RUNS)
            .await?
            .rows,
        channels: metrics::per_channel(pool, CHANNEL_DAYS, None).await?,
        approvals: genesis::awaiting_approval(pool, 10).await?,
        outbox: outbox::counts(pool).await?,
        jobs: jobs::list(pool, 20).await?,
    })
}

/// The overview as text lines (no colors, so it pipes and logs cleanly). `notices` are what
/// the operator must know about the database itself (a time zone that shifts MPIS's times,
/// a read-only role), shown under the header.
pub fn render(
    data: &StatusData,
    target: &str,
    notices: &[String],
    now: DateTime<Utc>,
    times: TimeDisplay,
) -> String {
    let mut out = Vec::new();
    out.push(format!(
        "mpis-dash status - {} - {}",
        sanitize(target),
        times.format(now, time_display::MINUTE)
    ));
    for notice in notices {
        out.push(format!("NOTE: {}", sanitize(notice)));
    }
    out.push(String::new());
    out.push(format!(
        "RED FLAGS: {}",
        crate::domain::red_flags::one_line(&data.evaluation)
    ));
    for flag in &data.open_flags {
        let marker = if flag.severity == "critical" {
            "[!!]"
        } else {
            "[! ]"
        };
        let mut ack = match &flag.acknowledged_by {
            Some(who) => format!(" (acknowledged by {})", sanitize(who)),
            None => String::new(),
        };
        if let (true, Some(until), Some(who)) = (
            flag.is_silenced(now),
            flag.silenced_until,
            &flag.silenced_by,
        ) {
            ack.push_str(&format!(
                " (silenced by {} until {})",
                sanitize(who),
                times.format(until, time_display::MINUTE)
            ));
        }
        out.push(format!(
            "  {marker} {:<8} {}{ack}, open {}",
            flag.severity,
            sanitize(flag.description.as_deref().unwrap_or(&flag.flag_type)),
            age(flag.created_at, now)
        ));
    }
    out.push(String::new());
    out.push(format!("RECENT RUNS (newest {})", data.runs.len()));
    out.push(format!(
        "  {:<8} {:<11} {:>8}  {:<22} {:<26} ERROR",
        "STATUS", "STARTED", "TOOK", "PROJECT", "PERSONA"
    ));
    for run in &data.runs {
        let took = run
            .completed_at
            .map(|done| duration(done - run.started_at))
            .unwrap_or_else(|| "-".to_string());
        out.push(format!(
            "  {:<8} {:<11} {:>8}  {} {} {}",
            run.status,
            age(run.started_at, now),
            took,
            pad(&run.project_name, 22),
            pad(&run.persona_name, 26),
            fit(run.error_message.as_deref().unwrap_or(""), 60)
        ));
    }
    if data.runs.is_empty() {
        out.push("  no runs yet".to_string());
    }
    out.push(String::new());
    out.push(format!("CHANNELS (last {CHANNEL_DAYS} days)"));
    out.push(format!(
        "  {:<12} {:>12} {:>14} {:>12}",
        "CHANNEL", "MEASURED", "AVG ENGAGEMENT", "VIEWS"
    ));
    for c in &data.channels {
        let rate = c
            .avg_engagement
            .map(|r| format!("{:.2} %", r * 100.0))
            .unwrap_or_else(|| "-".to_string());
        out.push(format!(
            "  {} {:>12} {:>14} {:>12}",
            pad(&c.channel, 12),
            c.measurements,
            rate,
            c.views
        ));
    }
    if data.channels.is_empty() {
        out.push("  no metrics in this period".to_string());
    }
    out.push(String::new());
    out.push(format!("AWAITING APPROVAL ({})", data.approvals.len()));
    for job in &data.approvals {
        out.push(format!(
            "  {} (draft {}), waiting {}",
            fit(&job.persona_name, 40),
            job.draft_no,
            duration(now - job.updated_at)
        ));
    }
    out.push(String::new());
    out.push(format!(
        "OUTBOX: {} queued, {} failed, {} forwarded",
        data.outbox.queued, data.outbox.failed, data.outbox.forwarded
    ));
    out.push(String::new());
    out.push("INGESTION JOBS".to_string());
    for job in &data.jobs {
        let schedule = Schedule::parse(&job.schedule_cron)
            .map(|s| s.describe())
            .unwrap_or_else(|_| format!("invalid schedule {}", job.schedule_cron));
        let next = match (job.enabled, job.next_run_at) {
            (false, _) => "disabled".to_string(),
            (true, Some(at)) => format!("next {}", times.format(at, time_display::MINUTE)),
            (true, None) => "no next run".to_string(),
        };
        out.push(format!(
            "  {} {} {} {}",
            pad(&job.job_name, 28),
            pad(&job.channel, 10),
            pad(&schedule, 40),
            next
        ));
    }
    if data.jobs.is_empty() {
        out.push("  none".to_string());
    }
    out.join("\n") + "\n"
}

/// Sanitized, and cut to `width` terminal columns with an ellipsis.
fn fit(text: &str, width: usize) -> String {
    crate::text::fit(&sanitize(text), width)
}

/// Sanitized, fitted and padded to exactly `width` terminal columns (a table cell).
fn pad(text: &str, width: usize) -> String {
    crate::text::pad(&sanitize(text), width)
}

/// "5m ago", "3h ago", "2d ago".
fn age(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ago", duration(now - at))
}

fn duration(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d{:02}h", secs / 86400, secs % 86400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::red_flags::{RedFlagInputs, RunCounts, evaluate};
    use uuid::Uuid;

    fn data_with_run(persona_name: &str, error: &str) -> StatusData {
        let now = Utc::now();
        StatusData {
            evaluation: evaluate(
                &RedFlagInputs {
                    runs_24h: RunCounts {
                        total: 20,
                        failed: 3,
                    },
                    runs_7d: RunCounts {
                        total: 140,
                        failed: 12,
                    },
                    ..RedFlagInputs::default()
                },
                &Thresholds::default(),
            ),
            open_flags: vec![],
            runs: vec![RunListRow {
                id: Uuid::nil(),
                run_id: Uuid::nil(),
                status: "failed".into(),
                project_id: Uuid::nil(),
                project_name: "Tech Blog".into(),
                persona_id: Uuid::nil(),
                persona_name: persona_name.into(),
                started_at: now - chrono::Duration::minutes(90),
                completed_at: Some(now - chrono::Duration::minutes(88)),
                error_message: Some(error.into()),
            }],
            channels: vec![],
            approvals: vec![],
            outbox: OutboxCounts::default(),
            jobs: vec![],
        }
    }

    #[test]
    fn shows_the_flags_line_and_the_run_with_its_age_and_duration() {
        let text = render(
            &data_with_run("Alex", "Invalid bot token"),
            "db",
            &[],
            Utc::now(),
            TimeDisplay::default(),
        );
        assert!(
            text.contains("RED FLAGS: WARNING - failed runs 24h 15.0% (3/20)"),
            "{text}"
        );
        assert!(
            text.contains("failed   1h30m ago         2m  Tech Blog"),
            "{text}"
        );
        assert!(text.contains("Invalid bot token"));
        assert!(text.contains("no metrics in this period"));
    }

    #[test]
    fn an_escape_sequence_stored_in_a_name_is_never_emitted() {
        let text = render(
            &data_with_run("Evil\u{1b}]0;owned\u{7}\u{1b}[2J", "line1\nline2"),
            "db",
            &["zone \u{1b}[31mX".to_owned()],
            Utc::now(),
            TimeDisplay::default(),
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
        assert!(text.contains("Evil\\x1b]0;owned\\x07"), "{text}");
        assert!(text.contains("line1\\x0aline2"), "{text}");
        assert!(text.contains("NOTE: zone \\x1b[31mX"), "{text}");
    }

    #[test]
    fn times_are_in_the_configured_zone_and_name_it() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 20, 5, 0).unwrap();
        let berlin = TimeDisplay::new(crate::domain::time_zone::DisplayZone::Named(
            chrono_tz::Europe::Berlin,
        ));
        let text = render(&data_with_run("Alex", "x"), "db", &[], now, berlin);
        assert!(
            text.starts_with("mpis-dash status - db - 2026-12-02 21:05 CET"),
            "{text}"
        );
        let text = render(
            &data_with_run("Alex", "x"),
            "db",
            &[],
            now,
            TimeDisplay::default(),
        );
        assert!(
            text.starts_with("mpis-dash status - db - 2026-12-02 20:05 UTC"),
            "{text}"
        );
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        assert_eq!(fit("abcdefghij", 5), "abcd…");
        assert_eq!(fit("abc", 5), "abc");
    }
}
