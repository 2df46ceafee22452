//! Red flags: the counts behind them, the stored flag rows, acknowledge and resolve.
//!
//! The dashboard calls [`summary`] on every refresh; it must stay fast at millions of rows:
//! - failed runs: per-hour counts kept by a trigger on `dashboard_runs`, plus one partial hour
//!   counted directly, so the 24 h / 7 d figures are exact and read ~170 small rows;
//! - missing publish records: the partial index over unlinked run items;
//! - missing metrics: the evaluator ([`evaluate_and_record`]) counts the items tracked
//!   incrementally in `metrics_awaiting_items` ([`metrics_awaiting`], no anti-join over every
//!   published item) and keeps the count as a snapshot that the summary reads with its age.
//!   `mpis-dash check` always evaluates live;
//! - ingestion failing: the ingestion jobs table (a handful of rows) read whole, the rule of
//!   `domain::red_flags::ingestion` applied to each enabled job.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::{StoreError, StoreResult, audit, metrics_awaiting, runs};
use crate::domain::red_flags::ingestion::{self, Failing, JobHealth};
use crate::domain::red_flags::{self, Evaluation, FlagKind, RedFlagInputs, RunCounts, Thresholds};

const MISSING_METRICS: &str = "missing_metrics";
const SAMPLE_LIMIT: i64 = 10;
/// Who resolves a flag whose condition went away by itself.
pub const SYSTEM_RESOLVER: &str = "mpis-dash (condition cleared)";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct RedFlag {
    pub id: Uuid,
    pub flag_type: String,
    pub flag_key: Option<String>,
    pub severity: String,
    pub description: Option<String>,
    pub metadata: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    /// Silenced (still open, not an alert) until then, by whom; see [`silence`].
    pub silenced_until: Option<DateTime<Utc>>,
    pub silenced_by: Option<String>,
}

impl RedFlag {
    /// Whether the flag is silenced at `now` (open, and its silence has not ended).
    pub fn is_silenced(&self, now: DateTime<Utc>) -> bool {
        self.resolved_at.is_none() && self.silenced_until.is_some_and(|until| until > now)
    }
}

const FLAG_COLUMNS: &str = "id, flag_type, flag_key, severity, description, metadata, created_at, \
     last_seen_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, silenced_until, \
     silenced_by";

/// The missing-metrics figure and when it was computed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct Snapshot {
    value: i64,
    samples: Json<Value>,
    computed_at: DateTime<Utc>,
}

/// Exact failed/total counts of runs started at or after `cutoff`.
pub async fn run_counts_since(pool: &PgPool, cutoff: DateTime<Utc>) -> StoreResult<RunCounts> {
    let (total, failed): (i64, i64) = sqlx::query_as(
        "WITH edge AS (SELECT date_trunc('hour', $1::timestamptz, 'UTC') + INTERVAL '1 hour' AS t),
              whole AS (SELECT COALESCE(sum(total_runs), 0)::bigint AS total,
                               COALESCE(sum(failed_runs), 0)::bigint AS failed
                        FROM dashboard_run_hourly_stats, edge WHERE hour >= edge.t),
              part AS (SELECT count(*) AS total, count(*) FILTER (WHERE status = 'failed') AS failed
                       FROM dashboard_runs, edge WHERE started_at >= $1 AND started_at < edge.t)
         SELECT whole.total + part.total, whole.failed + part.failed FROM whole, part",
    )
    .bind(cutoff)
    .fetch_one(pool)
    .await?;
    Ok(RunCounts { total, failed })
}

/// Completed runs with a successful item that never reached `published_items`, and a sample.
/// An item whose published item arrived late but is not linked yet (the evaluator links it)
/// is not missing: read-only evaluations must not count it either.
async fn missing_publish_records(pool: &PgPool) -> StoreResult<(i64, Vec<Value>)> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT ri.run_id) FROM dashboard_run_items ri
         JOIN dashboard_runs r ON r.run_id = ri.run_id
         WHERE ri.succeeded AND ri.published_item_id IS NULL
           AND r.status IN ('success', 'partial', 'failed') AND NOT EXISTS (
               SELECT 1 FROM published_items p
               WHERE p.draft_id = ri.draft_id AND lower(p.channel) = lower(ri.channel)
                 AND p.channel_item_id IS NOT DISTINCT FROM ri.channel_item_id)",
    )
    .fetch_one(pool)
    .await?;
    let sample: Vec<(Uuid, DateTime<Utc>, i64)> = sqlx::query_as(
        "SELECT r.run_id, r.started_at, count(*) AS items FROM dashboard_run_items ri
         JOIN dashboard_runs r ON r.run_id = ri.run_id
         WHERE ri.succeeded AND ri.published_item_id IS NULL
           AND r.status IN ('success', 'partial', 'failed') AND NOT EXISTS (
               SELECT 1 FROM published_items p
               WHERE p.draft_id = ri.draft_id AND lower(p.channel) = lower(ri.channel)
                 AND p.channel_item_id IS NOT DISTINCT FROM ri.channel_item_id)
         GROUP BY r.run_id, r.started_at ORDER BY r.started_at DESC LIMIT $1",
    )
    .bind(SAMPLE_LIMIT)
    .fetch_all(pool)
    .await?;
    let sample = sample
        .into_iter()
        .map(|(run_id, started_at, items)| {
            json!({"run_id": run_id, "started_at": started_at, "missing_items": items})
        })
        .collect();
    Ok((count, sample))
}

/// Runs still `running` that started before `cutoff` (now minus the run timeout), with the
/// oldest few as examples. Reads the partial index of running runs (migration 0011).
pub async fn stuck_runs(pool: &PgPool, cutoff: DateTime<Utc>) -> StoreResult<(i64, Vec<Value>)> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM dashboard_runs WHERE status = 'running' AND started_at < $1",
    )
    .bind(cutoff)
    .fetch_one(pool)
    .await?;
    if count == 0 {
        return Ok((0, Vec::new()));
    }
    let sample: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
        "SELECT run_id, started_at FROM dashboard_runs
         WHERE status = 'running' AND started_at < $1 ORDER BY started_at, id LIMIT $2",
    )
    .bind(cutoff)
    .bind(SAMPLE_LIMIT)
    .fetch_all(pool)
    .await?;
    let sample = sample
        .into_iter()
        .map(|(run_id, started_at)| json!({"run_id": run_id, "started_at": started_at}))
        .collect();
    Ok((count, sample))
}

/// An ingestion job as the "ingestion failing" rule reads it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct JobHealthRow {
    id: Uuid,
    job_name: String,
    channel: String,
    schedule_cron: String,
    enabled: bool,
    consecutive_failures: i32,
    last_success_at: Option<DateTime<Utc>>,
    last_run_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
}

/// An enabled ingestion job that is failing, and why (the flag's drill-in rows).
#[derive(Debug, Clone, PartialEq)]
pub struct FailingJob {
    pub id: Uuid,
    pub job_name: String,
    pub channel: String,
    pub schedule_cron: String,
    /// Failed runs since the last successful one.
    pub consecutive_failures: i32,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub why: Failing,
}

impl FailingJob {
    /// The job as the summary's `jobs` sample lists it.
    fn sample(&self) -> Value {
        json!({
            "job_id": self.id,
            "job_name": self.job_name,
            "channel": self.channel,
            "consecutive_failures": self.consecutive_failures,
            "last_success_at": self.last_success_at,
            "last_error": self.last_error,
            "why": self.why,
        })
    }
}

/// The enabled ingestion jobs (how many) and those failing at `now` with the threshold
/// `failures_in_a_row`, longest streak first then by name. The jobs table holds a handful of
/// rows (one per channel and persona), so it is read whole and the rule (which needs each
/// job's cron) applied here.
pub async fn failing_jobs(
    pool: &PgPool,
    failures_in_a_row: i64,
    now: DateTime<Utc>,
) -> StoreResult<(i64, Vec<FailingJob>)> {
    let rows = sqlx::query_as::<_, JobHealthRow>(
        "SELECT id, job_name, channel, schedule_cron, enabled, consecutive_failures,
                last_success_at, last_run_at, last_error, created_at
         FROM metrics_ingestion_jobs WHERE enabled ORDER BY job_name, id",
    )
    .fetch_all(pool)
    .await?;
    let enabled = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let mut failing: Vec<FailingJob> = rows
        .into_iter()
        .filter_map(|row| {
            let health = JobHealth {
                enabled: row.enabled,
                schedule_cron: &row.schedule_cron,
                consecutive_failures: i64::from(row.consecutive_failures),
                last_success_at: row.last_success_at,
                created_at: row.created_at,
            };
            let why = ingestion::failing(&health, failures_in_a_row, now)?;
            Some(FailingJob {
                id: row.id,
                job_name: row.job_name,
                channel: row.channel,
                schedule_cron: row.schedule_cron,
                consecutive_failures: row.consecutive_failures,
                last_success_at: row.last_success_at,
                last_run_at: row.last_run_at,
                last_error: row.last_error,
                why,
            })
        })
        .collect();
    failing.sort_by(|a, b| {
        b.consecutive_failures
            .cmp(&a.consecutive_failures)
            .then_with(|| a.job_name.cmp(&b.job_name))
    });
    Ok((enabled, failing))
}

/// The missing-metrics rule as a CTE: published items without any normalized metrics (one
/// full anti-join, materialized once for the count and the examples).
const MISSING_CTE: &str = "missing AS MATERIALIZED (
     SELECT p.id, p.published_at, p.channel FROM published_items p
     WHERE NOT EXISTS (SELECT 1 FROM normalized_metrics m WHERE m.published_item_id = p.id))";

/// The count of `missing` and the newest `$1` of `newest` as the JSON examples.
const COUNT_AND_EXAMPLES: &str = "SELECT (SELECT count(*) FROM missing),
        COALESCE((SELECT jsonb_agg(jsonb_build_object('published_item_id', id,
                      'published_at', published_at, 'channel', channel)
                      ORDER BY published_at DESC, id DESC)
                  FROM (SELECT * FROM newest ORDER BY published_at DESC, id DESC LIMIT $1)
                       AS sample),
                 '[]'::jsonb)";

/// Published items without any normalized metrics (read only), with the newest few as
/// examples.
async fn count_missing_metrics(pool: &PgPool) -> StoreResult<(i64, Json<Value>)> {
    let counted = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH {MISSING_CTE}, newest AS (SELECT * FROM missing) {COUNT_AND_EXAMPLES}"
    )))
    .bind(SAMPLE_LIMIT)
    .fetch_one(pool)
    .await?;
    Ok(counted)
}

/// How many of the newest items without metrics the evaluator lists beside its count (the
/// drill-in's first pages; older ones are read live).
pub const MISSING_METRICS_LISTED: i64 = 1000;

/// Counts published items without any normalized metrics and stores the result as the
/// snapshot the dashboard reads, with the newest of them listed for the flag's drill-in
/// (`red_flag_missing_metric_items`), in one transaction. The items are tracked
/// incrementally ([`metrics_awaiting`]): brought up to date, then read, not an anti-join over
/// every published item.
pub async fn refresh_missing_metrics(pool: &PgPool) -> StoreResult<i64> {
    refresh_missing_metrics_at(pool, Utc::now()).await
}

/// As [`refresh_missing_metrics`] at `now` (which decides whether the periodic full recount
/// of [`metrics_awaiting::sync`] is due).
pub async fn refresh_missing_metrics_at(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<i64> {
    let started = std::time::Instant::now();
    let mut tx = pool.begin().await?;
    metrics_awaiting::sync(&mut tx, now).await?;
    // The list is rewritten as a difference: an evaluation every few seconds that finds the
    // same items writes nothing (rewriting it whole left dead rows for every walk to skip).
    sqlx::query(
        "WITH newest AS MATERIALIZED (
             SELECT published_item_id, published_at, channel FROM metrics_awaiting_items
             ORDER BY published_at DESC, published_item_id DESC LIMIT $1),
         gone AS (
             DELETE FROM red_flag_missing_metric_items l
             WHERE NOT EXISTS (SELECT 1 FROM newest n
                               WHERE n.published_item_id = l.published_item_id))
         INSERT INTO red_flag_missing_metric_items AS l (published_item_id, published_at, channel)
         SELECT published_item_id, published_at, channel FROM newest
         ON CONFLICT (published_item_id) DO UPDATE
             SET published_at = EXCLUDED.published_at, channel = EXCLUDED.channel
             WHERE (l.published_at, l.channel) IS DISTINCT FROM
                   (EXCLUDED.published_at, EXCLUDED.channel)",
    )
    .bind(MISSING_METRICS_LISTED)
    .execute(&mut *tx)
    .await?;
    let (count, samples): (i64, Json<Value>) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH missing AS (
             SELECT published_item_id AS id, published_at, channel FROM metrics_awaiting_items),
         newest AS (SELECT * FROM missing ORDER BY published_at DESC, id DESC LIMIT $1)
         {COUNT_AND_EXAMPLES}"
    )))
    .bind(SAMPLE_LIMIT)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO red_flag_snapshots (snapshot, value, samples, computed_at, duration_ms)
         VALUES ($1, $2, $3, NOW(), $4)
         ON CONFLICT (snapshot) DO UPDATE SET value = EXCLUDED.value, samples = EXCLUDED.samples,
             computed_at = EXCLUDED.computed_at, duration_ms = EXCLUDED.duration_ms",
    )
    .bind(MISSING_METRICS)
    .bind(count)
    .bind(samples)
    .bind(started.elapsed().as_millis().min(i32::MAX as u128) as i32)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(count)
}

/// Whether the evaluator's list of items without metrics stands beside a stored count (else
/// the drill-in reads live, as the summary counts live).
pub async fn missing_metrics_listed(pool: &PgPool) -> StoreResult<bool> {
    Ok(stored_snapshot(pool).await?.is_some())
}

/// Recounts missing metrics when the snapshot is absent or older than `max_age`. Returns
/// whether it recounted.
pub async fn refresh_missing_metrics_if_older(
    pool: &PgPool,
    max_age: Duration,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let fresh = stored_snapshot(pool)
        .await?
        .is_some_and(|snapshot| now - snapshot.computed_at <= max_age);
    if fresh {
        return Ok(false);
    }
    refresh_missing_metrics(pool).await?;
    Ok(true)
}

async fn stored_snapshot(pool: &PgPool) -> StoreResult<Option<Snapshot>> {
    let snapshot = sqlx::query_as::<_, Snapshot>(
        "SELECT value, samples, computed_at FROM red_flag_snapshots WHERE snapshot = $1",
    )
    .bind(MISSING_METRICS)
    .fetch_optional(pool)
    .await?;
    Ok(snapshot)
}

/// The stored snapshot when it is at most `max_age` old (any age when `None`), else a live
/// count. Never writes, so read-only roles and commands can call it.
async fn missing_metrics_snapshot(
    pool: &PgPool,
    max_age: Option<Duration>,
    now: DateTime<Utc>,
) -> StoreResult<Snapshot> {
    if let Some(snapshot) = stored_snapshot(pool).await?
        && max_age.is_none_or(|max| now - snapshot.computed_at <= max)
    {
        return Ok(snapshot);
    }
    let (value, samples) = count_missing_metrics(pool).await?;
    Ok(Snapshot {
        value,
        samples,
        computed_at: now,
    })
}

/// Everything the evaluation needs, read the fast way (see the module comment).
/// `max_snapshot_age`: how old the missing-metrics snapshot may be before it is counted live
/// (`None`: any age, the refresh path).
/// `thresholds`: the run timeout (how long a run may be `running` before it counts as stuck)
/// and the failures in a row that make an ingestion job failing.
pub async fn inputs(
    pool: &PgPool,
    now: DateTime<Utc>,
    max_snapshot_age: Option<Duration>,
    thresholds: &Thresholds,
) -> StoreResult<(RedFlagInputs, DateTime<Utc>)> {
    let run_timeout = thresholds.run_timeout;
    let runs_24h = run_counts_since(pool, now - Duration::hours(24)).await?;
    let runs_7d = run_counts_since(pool, now - Duration::hours(168)).await?;
    let (missing_publish_records, missing_publish_record_runs) =
        missing_publish_records(pool).await?;
    let (stuck_runs, stuck_run_samples) = stuck_runs(pool, now - run_timeout.duration()).await?;
    let (ingestion_jobs_enabled, failing) =
        failing_jobs(pool, thresholds.ingestion_failures_in_a_row, now).await?;
    let snapshot = missing_metrics_snapshot(pool, max_snapshot_age, now).await?;
    let samples = match snapshot.samples.0 {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    let inputs = RedFlagInputs {
        runs_24h,
        runs_7d,
        missing_metrics: snapshot.value,
        missing_publish_records,
        missing_metrics_items: samples,
        missing_publish_record_runs,
        stuck_runs,
        stuck_run_samples,
        ingestion_failing: i64::try_from(failing.len()).unwrap_or(i64::MAX),
        ingestion_jobs_enabled,
        ingestion_failing_jobs: failing
            .iter()
            .take(usize::try_from(SAMPLE_LIMIT).unwrap_or(10))
            .map(FailingJob::sample)
            .collect(),
    };
    Ok((inputs, snapshot.computed_at))
}

/// The summary the dashboard shows on every refresh (§1.6.13 shape plus severities, status,
/// `evaluated_at` and the age of the missing-metrics figure as `missing_metrics.as_of`).
/// Reads only.
pub async fn summary(
    pool: &PgPool,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> StoreResult<Evaluation> {
    summary_within(pool, thresholds, now, None).await
}

/// As [`summary`], with the missing-metrics figure counted live when the stored one is older
/// than `max_snapshot_age` (one-shot readers: `status`, a read-only `check`). Reads only.
pub async fn summary_within(
    pool: &PgPool,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
    max_snapshot_age: Option<Duration>,
) -> StoreResult<Evaluation> {
    let (inputs, as_of) = inputs(pool, now, max_snapshot_age, thresholds).await?;
    let mut evaluation = red_flags::evaluate(&inputs, thresholds);
    annotate(&mut evaluation.summary, now, as_of);
    Ok(evaluation)
}

fn annotate(summary: &mut Value, now: DateTime<Utc>, missing_metrics_as_of: DateTime<Utc>) {
    if let Some(object) = summary.as_object_mut() {
        object.insert("evaluated_at".into(), json!(now));
    }
    if let Some(missing) = summary
        .get_mut("missing_metrics")
        .and_then(Value::as_object_mut)
    {
        missing.insert("as_of".into(), json!(missing_metrics_as_of));
    }
}

/// One full evaluation: link late publish records, recount missing metrics, evaluate, then
/// open/update one flag row per condition and resolve the flags whose condition cleared.
pub async fn evaluate_and_record(
    pool: &PgPool,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> StoreResult<Evaluation> {
    evaluate_and_record_within(pool, thresholds, now, Duration::zero()).await
}

/// As [`evaluate_and_record`], but the missing-metrics anti-join is skipped when its snapshot
/// is at most `max_snapshot_age` old: several open dashboards (or `serve` instances) evaluating
/// every few seconds then share one recount instead of each running it.
pub async fn evaluate_and_record_within(
    pool: &PgPool,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
    max_snapshot_age: Duration,
) -> StoreResult<Evaluation> {
    runs::link_published_items(pool).await?;
    if max_snapshot_age <= Duration::zero() {
        refresh_missing_metrics_at(pool, now).await?;
    } else {
        refresh_missing_metrics_if_older(pool, max_snapshot_age, now).await?;
    }
    let evaluation = summary(pool, thresholds, now).await?;
    let mut tx = pool.begin().await?;
    for flag in &evaluation.flags {
        upsert_open_flag(&mut tx, flag).await?;
    }
    let raised: Vec<&str> = evaluation.flags.iter().map(|f| f.kind.key()).collect();
    let evaluated: Vec<&str> = all_kinds().iter().map(|k| k.key()).collect();
    sqlx::query(
        "UPDATE red_flags SET resolved_at = NOW(), resolved_by = $3, updated_at = NOW()
         WHERE resolved_at IS NULL AND flag_key = ANY($1) AND NOT (flag_key = ANY($2))",
    )
    .bind(&evaluated)
    .bind(&raised)
    .bind(SYSTEM_RESOLVER)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(evaluation)
}

fn all_kinds() -> &'static [FlagKind] {
    FlagKind::ALL
}

/// Opens the condition's flag or updates the open one. An acknowledgement (and a silence)
/// lasts until the condition clears, whatever the numbers and description become meanwhile;
/// only an escalation from warning to critical clears them, so the on-call person hears
/// about it again.
async fn upsert_open_flag(
    tx: &mut Transaction<'_, Postgres>,
    flag: &red_flags::Flag,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO red_flags (flag_type, flag_key, severity, description, metadata, last_seen_at)
         VALUES ($1, $1, $2, $3, $4, NOW())
         ON CONFLICT (flag_key) WHERE resolved_at IS NULL AND flag_key IS NOT NULL
         DO UPDATE SET severity = EXCLUDED.severity, description = EXCLUDED.description,
             metadata = EXCLUDED.metadata, last_seen_at = NOW(), updated_at = NOW(),
             acknowledged_at = CASE WHEN red_flags.severity = 'warning' AND EXCLUDED.severity = 'critical'
                                    THEN NULL ELSE red_flags.acknowledged_at END,
             acknowledged_by = CASE WHEN red_flags.severity = 'warning' AND EXCLUDED.severity = 'critical'
                                    THEN NULL ELSE red_flags.acknowledged_by END,
             silenced_until = CASE WHEN red_flags.severity = 'warning' AND EXCLUDED.severity = 'critical'
                                   THEN NULL ELSE red_flags.silenced_until END,
             silenced_by = CASE WHEN red_flags.severity = 'warning' AND EXCLUDED.severity = 'critical'
                                THEN NULL ELSE red_flags.silenced_by END",
    )
    .bind(flag.kind.key())
    .bind(flag.severity.as_str())
    .bind(&flag.description)
    .bind(Json(&flag.metadata))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Open flags, critical first then newest; with `include_resolved`, resolved ones follow.
pub async fn list(pool: &PgPool, include_resolved: bool, limit: i64) -> StoreResult<Vec<RedFlag>> {
    let rows = sqlx::query_as::<_, RedFlag>(sqlx::AssertSqlSafe(format!(
        "SELECT {FLAG_COLUMNS} FROM red_flags
         WHERE $1 OR resolved_at IS NULL
         ORDER BY (resolved_at IS NOT NULL), (severity = 'critical') DESC, created_at DESC
         LIMIT $2"
    )))
    .bind(include_resolved)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub async fn get(pool: &PgPool, id: Uuid) -> StoreResult<Option<RedFlag>> {
    let row = sqlx::query_as::<_, RedFlag>(sqlx::AssertSqlSafe(format!(
        "SELECT {FLAG_COLUMNS} FROM red_flags WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Marks an open flag as seen by `operator`, with an audit entry.
pub async fn acknowledge(pool: &PgPool, id: Uuid, operator: &str) -> StoreResult<RedFlag> {
    change_open_flag(
        pool,
        id,
        operator,
        "red_flag_acknowledged",
        "acknowledged_at = NOW(), acknowledged_by = $2",
    )
    .await
}

/// Resolves an open flag as `operator`, with an audit entry. If its condition still holds, the
/// next evaluation opens a new flag: ask [`condition_holds`] first and offer [`silence`].
pub async fn resolve(pool: &PgPool, id: Uuid, operator: &str) -> StoreResult<RedFlag> {
    change_open_flag(
        pool,
        id,
        operator,
        "red_flag_resolved",
        "resolved_at = NOW(), resolved_by = $2",
    )
    .await
}

async fn change_open_flag(
    pool: &PgPool,
    id: Uuid,
    operator: &str,
    event: &str,
    assignments: &str,
) -> StoreResult<RedFlag> {
    let operator = operator.trim();
    if operator.is_empty() {
        return Err(StoreError::invalid("operator", "must not be empty"));
    }
    let mut tx = pool.begin().await?;
    let flag = sqlx::query_as::<_, RedFlag>(sqlx::AssertSqlSafe(format!(
        "UPDATE red_flags SET {assignments}, updated_at = NOW()
         WHERE id = $1 AND resolved_at IS NULL RETURNING {FLAG_COLUMNS}"
    )))
    .bind(id)
    .bind(operator)
    .fetch_optional(&mut *tx)
    .await?;
    audited(pool, tx, id, flag, event, operator, json!({})).await
}

/// The end of a change to an open flag: the audit entry and the commit, or, when no open flag
/// `id` was changed, why not (already resolved, or no such flag) with nothing written.
async fn audited(
    pool: &PgPool,
    mut tx: Transaction<'_, Postgres>,
    id: Uuid,
    changed: Option<RedFlag>,
    event: &str,
    operator: &str,
    extra: Value,
) -> StoreResult<RedFlag> {
    let Some(flag) = changed else {
        tx.rollback().await?;
        return Err(match get(pool, id).await? {
            Some(_) => StoreError::Conflict(format!("red flag {id} is already resolved")),
            None => StoreError::not_found("red flag", id),
        });
    };
    let mut details = json!({"flag_type": flag.flag_type, "severity": flag.severity, "description": flag.description});
    if let (Some(details), Value::Object(extra)) = (details.as_object_mut(), extra) {
        details.extend(extra);
    }
    audit::record(&mut tx, event, "red_flag", flag.id, operator, details).await?;
    tx.commit().await?;
    Ok(flag)
}

/// Silences an open flag until `until` as `operator` (the flag stays open with its
/// acknowledgement; it is not an alert meanwhile), with an audit entry, in one transaction.
pub async fn silence(
    pool: &PgPool,
    id: Uuid,
    operator: &str,
    until: DateTime<Utc>,
) -> StoreResult<RedFlag> {
    let operator = operator.trim();
    if operator.is_empty() {
        return Err(StoreError::invalid("operator", "must not be empty"));
    }
    let mut tx = pool.begin().await?;
    let flag = sqlx::query_as::<_, RedFlag>(sqlx::AssertSqlSafe(format!(
        "UPDATE red_flags SET silenced_until = $3, silenced_by = $2, updated_at = NOW()
         WHERE id = $1 AND resolved_at IS NULL RETURNING {FLAG_COLUMNS}"
    )))
    .bind(id)
    .bind(operator)
    .bind(until)
    .fetch_optional(&mut *tx)
    .await?;
    let until = json!({ "silenced_until": until });
    audited(pool, tx, id, flag, "red_flag_silenced", operator, until).await
}

/// Whether the condition behind flag `id` still holds now (a fresh, read-only evaluation):
/// resolving it would only bring it back as a new flag. `false` for a flag no evaluation
/// raises (no `flag_key`, or a kind this version does not know).
pub async fn condition_holds(
    pool: &PgPool,
    thresholds: &Thresholds,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<(RedFlag, bool)> {
    let flag = get(pool, id)
        .await?
        .ok_or_else(|| StoreError::not_found("red flag", id))?;
    let Some(key) = flag.flag_key.clone() else {
        return Ok((flag, false));
    };
    let evaluation = summary(pool, thresholds, now).await?;
    let holds = evaluation.flags.iter().any(|f| f.kind.key() == key);
    Ok((flag, holds))
}

/// The `flag_key`s of open flags silenced at `now` (for `check`: not alerts meanwhile).
pub async fn silenced_keys(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<Vec<String>> {
    let keys = sqlx::query_scalar(
        "SELECT flag_key FROM red_flags
         WHERE resolved_at IS NULL AND flag_key IS NOT NULL AND silenced_until > $1
         ORDER BY flag_key",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    Ok(keys)
}

/// Open flags that are alerts now, by severity, and the silenced ones: what the status line
/// needs on every refresh (one query on the open flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenFlagCounts {
    pub critical: i64,
    /// Of `critical`, those nobody has acknowledged yet.
    pub critical_unacknowledged: i64,
    pub warning: i64,
    pub silenced: i64,
}

pub async fn open_counts(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<OpenFlagCounts> {
    let counts = sqlx::query_as::<_, OpenFlagCounts>(
        "SELECT count(*) FILTER (WHERE live AND severity = 'critical') AS critical,
                count(*) FILTER (WHERE live AND severity = 'critical' AND NOT acknowledged)
                    AS critical_unacknowledged,
                count(*) FILTER (WHERE live AND severity <> 'critical') AS warning,
                count(*) FILTER (WHERE NOT live) AS silenced
         FROM (SELECT severity, silenced_until IS NULL OR silenced_until <= $1 AS live,
                      acknowledged_at IS NOT NULL AS acknowledged
               FROM red_flags WHERE resolved_at IS NULL) AS open",
    )
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(counts)
}
