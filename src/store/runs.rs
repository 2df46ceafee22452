//! Publishing runs: create, read, page, and complete with per-item results in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{StoreError, StoreResult, map_constraint};
use crate::domain::run_status::{self, RunStatus};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Run {
    pub id: Uuid,
    pub run_id: Uuid,
    pub project_id: Uuid,
    pub persona_id: Uuid,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub n8n_execution_id: Option<Uuid>,
    pub n8n_execution_ref: Option<String>,
    pub error_message: Option<String>,
    pub meta: Json<Value>,
}

impl Run {
    /// n8n's callback is recorded: another one is a replay or a conflict. A final run without
    /// an execution was failed here (the dispatcher gave up) and still takes n8n's report.
    pub fn completed_by_n8n(&self) -> bool {
        RunStatus::parse(&self.status).is_ok_and(RunStatus::is_final)
            && self.n8n_execution_ref.is_some()
    }
}

/// A row of the recent-runs list: the run plus the names an operator reads.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct RunListRow {
    pub id: Uuid,
    pub run_id: Uuid,
    pub status: String,
    pub project_id: Uuid,
    pub project_name: String,
    pub persona_id: Uuid,
    pub persona_name: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct RunItem {
    pub id: Uuid,
    pub run_id: Uuid,
    pub item_no: i32,
    pub draft_id: Option<Uuid>,
    pub channel: String,
    pub channel_item_id: Option<String>,
    pub channel_url: Option<String>,
    pub status: Option<String>,
    pub succeeded: bool,
    pub error: Option<String>,
    pub metrics: Json<Value>,
    pub published_item_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct NewRun {
    pub project_id: Uuid,
    pub persona_id: Uuid,
    pub channels: Vec<String>,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub templates: Value,
    pub options: Value,
}

/// Filters of the runs list; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub status: Option<RunStatus>,
    pub project_id: Option<Uuid>,
    pub persona_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    /// Case-insensitive text found in the error message, project or persona name.
    pub text: Option<String>,
}

/// Keyset cursor: the last row of the previous page (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunCursor {
    pub started_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunPage {
    pub rows: Vec<RunListRow>,
    /// Where the next (older) page starts; `None` on the last page.
    pub next: Option<RunCursor>,
}

/// One published item as the n8n completion callback reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemReport {
    pub draft_id: Option<Uuid>,
    pub channel: String,
    pub channel_item_id: Option<String>,
    pub channel_url: Option<String>,
    pub status: Option<String>,
    pub error: Option<String>,
    pub metrics: Value,
}

/// The completion callback's content (contract v1, with the documented `partial`).
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub status: RunStatus,
    pub persona_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// n8n's execution id as sent: numeric strings in practice, UUIDs in the old contract.
    pub n8n_execution_id: String,
    pub error: Option<String>,
    pub items: Vec<ItemReport>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompleteOutcome {
    pub run: Run,
    /// True when the same execution's callback arrived again and nothing was changed.
    pub replayed: bool,
    /// The run with its items and dispatch as this completion stored them (not on a replay).
    pub detail: Option<RunDetail>,
}

const RUN_COLUMNS: &str = "id, run_id, project_id, persona_id, status, started_at, completed_at, \
     n8n_execution_id, n8n_execution_ref, error_message, meta";

/// Creates a pending run with a fresh correlation id, and its dispatch to n8n (see
/// [`create_with_id`]).
pub async fn create(pool: &PgPool, new: &NewRun) -> StoreResult<Run> {
    create_with_id(pool, new, Uuid::new_v4()).await
}

/// Creates a pending run under `run_id` (a client's own correlation id, or a fresh one) and
/// queues its dispatch to n8n in the same transaction (`store::dispatch`), so every way of
/// creating a run dispatches it. The project must exist and belong to the persona, and the
/// date range must be ordered. A `run_id` already taken is `Conflict("run_id")`.
pub async fn create_with_id(pool: &PgPool, new: &NewRun, run_id: Uuid) -> StoreResult<Run> {
    if new.date_to < new.date_from {
        return Err(StoreError::invalid(
            "date_to",
            format!("{} is before date_from {}", new.date_to, new.date_from),
        ));
    }
    let project_persona: Option<Uuid> =
        sqlx::query_scalar("SELECT persona_id FROM dashboard_projects WHERE id = $1")
            .bind(new.project_id)
            .fetch_optional(pool)
            .await?;
    match project_persona {
        None => return Err(StoreError::not_found("project", new.project_id)),
        Some(p) if p != new.persona_id => {
            return Err(StoreError::invalid(
                "persona_id",
                format!("project {} belongs to persona {p}", new.project_id),
            ));
        }
        Some(_) => {}
    }
    let meta = serde_json::json!({
        "channels": new.channels,
        "date_from": new.date_from.to_string(),
        "date_to": new.date_to.to_string(),
        "templates": non_null_object(&new.templates),
        "options": non_null_object(&new.options),
    });
    let mut tx = pool.begin().await?;
    let run = sqlx::query_as::<_, Run>(sqlx::AssertSqlSafe(format!(
        "INSERT INTO dashboard_runs (run_id, project_id, persona_id, meta) VALUES ($1, $2, $3, $4)
         ON CONFLICT (run_id) DO NOTHING
         RETURNING {RUN_COLUMNS}"
    )))
    .bind(run_id)
    .bind(new.project_id)
    .bind(new.persona_id)
    .bind(Json(meta))
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| map_constraint(e, StoreError::not_found("persona", new.persona_id)))?
    .ok_or_else(|| StoreError::Conflict("run_id".into()))?;
    super::dispatch::insert(&mut tx, run.run_id).await?;
    tx.commit().await?;
    Ok(run)
}

fn non_null_object(v: &Value) -> Value {
    if v.is_null() {
        serde_json::json!({})
    } else {
        v.clone()
    }
}

/// Looks a run up by its correlation id (`run_id`, not the row id).
pub async fn get(pool: &PgPool, run_id: Uuid) -> StoreResult<Option<Run>> {
    let run = sqlx::query_as::<_, Run>(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM dashboard_runs WHERE run_id = $1"
    )))
    .bind(run_id)
    .fetch_optional(pool)
    .await?;
    Ok(run)
}

/// A run with its per-item results and its dispatch to n8n, as `GET /api/publisher/runs/{id}`
/// and a completion's answer show it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDetail {
    pub run: Run,
    pub items: Vec<RunItem>,
    pub dispatch: Option<super::dispatch::RunDispatch>,
}

/// [`get`], [`items`] and `dispatch::get` in one statement (one round trip, one snapshot):
/// the run's read is the API's busiest route, and three statements cost three times the
/// database and pool work of one.
pub async fn detail(pool: &PgPool, run_id: Uuid) -> StoreResult<Option<RunDetail>> {
    let rows = sqlx::query(
        "SELECT r.id, r.run_id, r.project_id, r.persona_id, r.status, r.started_at,
                r.completed_at, r.n8n_execution_id, r.n8n_execution_ref, r.error_message, r.meta,
                d.state AS d_state, d.attempts AS d_attempts,
                d.next_attempt_at AS d_next_attempt_at, d.last_error AS d_last_error,
                d.last_status AS d_last_status, d.sent_at AS d_sent_at,
                d.created_at AS d_created_at,
                i.id AS i_id, i.item_no AS i_item_no, i.draft_id AS i_draft_id,
                i.channel AS i_channel, i.channel_item_id AS i_channel_item_id,
                i.channel_url AS i_channel_url, i.status AS i_status,
                i.succeeded AS i_succeeded, i.error AS i_error, i.metrics AS i_metrics,
                i.published_item_id AS i_published_item_id
         FROM dashboard_runs r
         LEFT JOIN run_dispatches d ON d.run_id = r.run_id
         LEFT JOIN dashboard_run_items i ON i.run_id = r.run_id
         WHERE r.run_id = $1
         ORDER BY i.item_no",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    detail_from_rows(&rows)
}

/// A run's detail from rows of the run's columns, its dispatch's as `d_*` and one item's as
/// `i_*` per row (no item: one row with NULL `i_*`). No rows: no run.
fn detail_from_rows(rows: &[sqlx::postgres::PgRow]) -> StoreResult<Option<RunDetail>> {
    use sqlx::{FromRow, Row};
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let run = Run::from_row(first)?;
    let dispatch = match first.try_get::<Option<super::dispatch::DispatchState>, _>("d_state")? {
        None => None,
        Some(state) => Some(super::dispatch::RunDispatch {
            run_id: run.run_id,
            state,
            attempts: first.try_get("d_attempts")?,
            next_attempt_at: first.try_get("d_next_attempt_at")?,
            last_error: first.try_get("d_last_error")?,
            last_status: first.try_get("d_last_status")?,
            sent_at: first.try_get("d_sent_at")?,
            created_at: first.try_get("d_created_at")?,
        }),
    };
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(id) = row.try_get::<Option<Uuid>, _>("i_id")? else {
            continue;
        };
        items.push(RunItem {
            id,
            run_id: run.run_id,
            item_no: row.try_get("i_item_no")?,
            draft_id: row.try_get("i_draft_id")?,
            channel: row.try_get("i_channel")?,
            channel_item_id: row.try_get("i_channel_item_id")?,
            channel_url: row.try_get("i_channel_url")?,
            status: row.try_get("i_status")?,
            succeeded: row.try_get("i_succeeded")?,
            error: row.try_get("i_error")?,
            metrics: row.try_get("i_metrics")?,
            published_item_id: row.try_get("i_published_item_id")?,
        });
    }
    Ok(Some(RunDetail {
        run,
        items,
        dispatch,
    }))
}

/// n8n picked the run up.
pub async fn mark_running(pool: &PgPool, run_id: Uuid) -> StoreResult<Run> {
    let updated = sqlx::query_as::<_, Run>(sqlx::AssertSqlSafe(format!(
        "UPDATE dashboard_runs SET status = 'running', updated_at = NOW()
         WHERE run_id = $1 AND status = 'pending' RETURNING {RUN_COLUMNS}"
    )))
    .bind(run_id)
    .fetch_optional(pool)
    .await?;
    match updated {
        Some(run) => Ok(run),
        None => Err(match get(pool, run_id).await? {
            Some(run) => {
                StoreError::Conflict(format!("run {run_id} is {}, not pending", run.status))
            }
            None => StoreError::not_found("run", run_id),
        }),
    }
}

/// One page of runs, newest first, with keyset paging so deep pages stay as fast as the first.
pub async fn list(
    pool: &PgPool,
    filter: &RunFilter,
    after: Option<RunCursor>,
    limit: i64,
) -> StoreResult<RunPage> {
    let limit = limit.clamp(1, 500);
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT r.id, r.run_id, r.status, r.project_id, pr.name AS project_name, r.persona_id,
                pe.name AS persona_name, r.started_at, r.completed_at, r.error_message
         FROM dashboard_runs r
         JOIN dashboard_projects pr ON pr.id = r.project_id
         JOIN personas pe ON pe.id = r.persona_id
         WHERE TRUE",
    );
    if let Some(status) = filter.status {
        q.push(" AND r.status = ").push_bind(status.as_str());
    }
    if let Some(project) = filter.project_id {
        q.push(" AND r.project_id = ").push_bind(project);
    }
    if let Some(persona) = filter.persona_id {
        q.push(" AND r.persona_id = ").push_bind(persona);
    }
    if let Some(since) = filter.since {
        q.push(" AND r.started_at >= ").push_bind(since);
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let pattern = format!("%{}%", escape_like(text.trim()));
        q.push(" AND (r.error_message ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR pr.name ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR pe.name ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some(cursor) = after {
        q.push(" AND (r.started_at, r.id) < (")
            .push_bind(cursor.started_at)
            .push(", ")
            .push_bind(cursor.id)
            .push(")");
    }
    q.push(" ORDER BY r.started_at DESC, r.id DESC LIMIT ")
        .push_bind(limit + 1);
    let mut rows: Vec<RunListRow> = q.build_query_as().fetch_all(pool).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| RunCursor {
            started_at: r.started_at,
            id: r.id,
        })
    } else {
        None
    };
    Ok(RunPage { rows, next })
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Per-item results of a run, in the order the callback reported them.
pub async fn items(pool: &PgPool, run_id: Uuid) -> StoreResult<Vec<RunItem>> {
    let rows = sqlx::query_as::<_, RunItem>(
        "SELECT id, run_id, item_no, draft_id, channel, channel_item_id, channel_url, status,
                succeeded, error, metrics, published_item_id
         FROM dashboard_run_items WHERE run_id = $1 ORDER BY item_no",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Records the n8n completion callback: final status by the aggregation rule, the per-item
/// results linked to their published items, all in one statement ([`complete_open`]). A
/// repeated callback of the same execution is a no-op (n8n retries); a different execution
/// completing a finished run is a conflict. A run the dispatcher gave up on (final, no
/// execution) takes n8n's callback after all: the send may have reached n8n although its answer
/// did not.
pub async fn complete(
    pool: &PgPool,
    run_id: Uuid,
    completion: &Completion,
) -> StoreResult<CompleteOutcome> {
    if let Some(detail) = complete_open(pool, run_id, completion).await? {
        return Ok(CompleteOutcome {
            run: detail.run.clone(),
            replayed: false,
            detail: Some(detail),
        });
    }
    // Not recorded: say why, from the run as it is now.
    let run = get(pool, run_id)
        .await?
        .ok_or_else(|| StoreError::not_found("run", run_id))?;
    if let Some(persona) = completion.persona_id
        && persona != run.persona_id
    {
        return Err(StoreError::invalid(
            "persona_id",
            format!("run {run_id} belongs to persona {}", run.persona_id),
        ));
    }
    if let Some(project) = completion.project_id
        && project != run.project_id
    {
        return Err(StoreError::invalid(
            "project_id",
            format!("run {run_id} belongs to project {}", run.project_id),
        ));
    }
    if run.completed_by_n8n() && run.n8n_execution_ref.as_deref() == Some(execution(completion)) {
        return Ok(CompleteOutcome {
            run,
            replayed: true,
            detail: None,
        });
    }
    Err(StoreError::Conflict(format!(
        "run {run_id} was already completed ({}) by n8n execution {}",
        run.status,
        run.n8n_execution_ref.as_deref().unwrap_or("unknown")
    )))
}

fn execution(completion: &Completion) -> &str {
    completion.n8n_execution_id.trim()
}

/// The completion callback's write, when the run takes it: the run exists, belongs to the
/// project and persona the callback names, and n8n has not completed it yet
/// ([`Run::completed_by_n8n`]). Then, in one statement (atomic, one round trip, the callback
/// being the API's busiest write): the run's final status, its items linked to their
/// published items, a dispatch still queued cancelled, and the run's detail as stored returned.
/// `None` when the run does not take it (unknown, someone else's, completed by n8n): nothing
/// was written; [`complete`] says why.
///
/// Two callbacks at once: the second's update waits for the first's row lock, then finds the
/// run completed by n8n and writes nothing.
pub async fn complete_open(
    pool: &PgPool,
    run_id: Uuid,
    completion: &Completion,
) -> StoreResult<Option<RunDetail>> {
    validate_completion(completion)?;
    let statuses: Vec<Option<&str>> = completion
        .items
        .iter()
        .map(|i| i.status.as_deref())
        .collect();
    let final_status = run_status::aggregate(completion.status, &statuses);
    // `completed_by_n8n`'s rule as the update's guard: final and an execution recorded.
    let final_statuses: Vec<&str> = RunStatus::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.as_str())
        .collect();
    let items = &completion.items;
    // One array per optional text column of the items, for UNNEST.
    let text = |column: fn(&ItemReport) -> Option<&str>| -> Vec<Option<&str>> {
        items.iter().map(column).collect()
    };
    let execution = execution(completion);
    let rows = sqlx::query(
        "WITH run AS (
             UPDATE dashboard_runs SET status = $2, completed_at = NOW(), n8n_execution_id = $3,
                    n8n_execution_ref = $4, error_message = $5, updated_at = NOW()
             WHERE run_id = $1
               AND ($6::uuid IS NULL OR project_id = $6) AND ($7::uuid IS NULL OR persona_id = $7)
               AND NOT (status = ANY($8::text[]) AND n8n_execution_ref IS NOT NULL)
             RETURNING id, run_id, project_id, persona_id, status, started_at, completed_at,
                       n8n_execution_id, n8n_execution_ref, error_message, meta),
         items AS (
             INSERT INTO dashboard_run_items (run_id, item_no, draft_id, channel,
                 channel_item_id, channel_url, status, succeeded, error, metrics,
                 published_item_id)
             SELECT $1, v.item_no, v.draft_id, v.channel, v.channel_item_id, v.channel_url,
                    v.status, v.succeeded, v.error, v.metrics,
                    -- Linked to MPIS's record of the same draft, channel and channel item id:
                    -- two lookups (`=` for an id, `IS NULL` for none), not IS NOT DISTINCT
                    -- FROM, which no index answers (idx_..._channel_item_id, migration 0012).
                    CASE WHEN v.succeeded THEN COALESCE((
                        SELECT p.id FROM published_items p
                        WHERE p.draft_id = v.draft_id AND p.channel_item_id = v.channel_item_id
                          AND lower(p.channel) = lower(v.channel)
                        ORDER BY p.published_at DESC LIMIT 1), (
                        SELECT p.id FROM published_items p
                        WHERE v.channel_item_id IS NULL
                          AND p.draft_id = v.draft_id AND p.channel_item_id IS NULL
                          AND lower(p.channel) = lower(v.channel)
                        ORDER BY p.published_at DESC LIMIT 1)) END
             FROM UNNEST($9::int[], $10::uuid[], $11::text[], $12::text[], $13::text[],
                         $14::text[], $15::bool[], $16::text[], $17::jsonb[])
                  AS v(item_no, draft_id, channel, channel_item_id, channel_url, status,
                       succeeded, error, metrics)
             WHERE EXISTS (SELECT 1 FROM run)
             RETURNING id, item_no, draft_id, channel, channel_item_id, channel_url, status,
                       succeeded, error, metrics, published_item_id),
         -- n8n ran it (started some other way, or before its dispatch was marked): not sent
         -- again.
         cancelled AS (
             UPDATE run_dispatches SET state = 'cancelled', last_error = $18,
                    locked_until = NULL, updated_at = NOW()
             WHERE run_id = $1 AND state = 'queued' AND EXISTS (SELECT 1 FROM run)
             RETURNING state, attempts, next_attempt_at, last_error, last_status, sent_at,
                       created_at),
         -- The dispatch as it is after this statement (a plain read sees it before).
         dispatch AS (
             SELECT * FROM cancelled
             UNION ALL
             SELECT state, attempts, next_attempt_at, last_error, last_status, sent_at,
                    created_at
             FROM run_dispatches WHERE run_id = $1 AND NOT EXISTS (SELECT 1 FROM cancelled))
         SELECT r.*,
                d.state AS d_state, d.attempts AS d_attempts,
                d.next_attempt_at AS d_next_attempt_at, d.last_error AS d_last_error,
                d.last_status AS d_last_status, d.sent_at AS d_sent_at,
                d.created_at AS d_created_at,
                i.id AS i_id, i.item_no AS i_item_no, i.draft_id AS i_draft_id,
                i.channel AS i_channel, i.channel_item_id AS i_channel_item_id,
                i.channel_url AS i_channel_url, i.status AS i_status,
                i.succeeded AS i_succeeded, i.error AS i_error, i.metrics AS i_metrics,
                i.published_item_id AS i_published_item_id
         FROM run r
         LEFT JOIN dispatch d ON TRUE
         LEFT JOIN items i ON TRUE
         ORDER BY i.item_no",
    )
    .bind(run_id)
    .bind(final_status.as_str())
    .bind(Uuid::parse_str(execution).ok())
    .bind(execution)
    .bind(completion.error.as_deref())
    .bind(completion.project_id)
    .bind(completion.persona_id)
    .bind(final_statuses)
    .bind((0..items.len() as i32).collect::<Vec<i32>>())
    .bind(items.iter().map(|i| i.draft_id).collect::<Vec<_>>())
    .bind(
        items
            .iter()
            .map(|i| i.channel.trim().to_lowercase())
            .collect::<Vec<_>>(),
    )
    .bind(text(|i| i.channel_item_id.as_deref()))
    .bind(text(|i| i.channel_url.as_deref()))
    .bind(text(|i| i.status.as_deref()))
    .bind(
        items
            .iter()
            .map(|i| !run_status::item_failed(i.status.as_deref()))
            .collect::<Vec<_>>(),
    )
    .bind(text(|i| i.error.as_deref()))
    .bind(items.iter().map(|i| Json(&i.metrics)).collect::<Vec<_>>())
    .bind("run completed before it was sent")
    .fetch_all(pool)
    .await
    .map_err(map_bad_text)?;
    detail_from_rows(&rows)
}

fn validate_completion(completion: &Completion) -> StoreResult<()> {
    if !completion.status.is_final() {
        return Err(StoreError::invalid(
            "status",
            format!(
                "{} is not a completion status: a run completes as success, failed or partial",
                completion.status
            ),
        ));
    }
    if completion.n8n_execution_id.trim().is_empty() {
        return Err(StoreError::invalid("n8n_execution_id", "must not be empty"));
    }
    for (index, item) in completion.items.iter().enumerate() {
        if item.channel.trim().is_empty() {
            return Err(StoreError::invalid(
                format!("published_items[{index}].channel"),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

/// Text PostgreSQL cannot store (NUL bytes, `\u0000` in JSON) is bad input, not a server fault.
fn map_bad_text(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && matches!(db.code().as_deref(), Some("22P05" | "22021" | "22P02"))
    {
        return StoreError::invalid("published_items", db.message().to_string());
    }
    map_constraint(
        err,
        StoreError::invalid("published_items", "refers to a missing row"),
    )
}

/// Links successful items to published items that appeared after the callback (n8n may record
/// the publish in MPIS late). Returns how many items were linked.
pub async fn link_published_items(pool: &PgPool) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE dashboard_run_items ri SET published_item_id = (
             SELECT p.id FROM published_items p
             WHERE p.draft_id = ri.draft_id AND lower(p.channel) = lower(ri.channel)
               AND p.channel_item_id IS NOT DISTINCT FROM ri.channel_item_id
             ORDER BY p.published_at DESC LIMIT 1)
         WHERE ri.succeeded AND ri.published_item_id IS NULL AND ri.draft_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM published_items p
                       WHERE p.draft_id = ri.draft_id AND lower(p.channel) = lower(ri.channel)
                         AND p.channel_item_id IS NOT DISTINCT FROM ri.channel_item_id)",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// A contract v1 run request, validated, as `create` takes it: templates and options with
/// their defaults filled in, so the stored `meta` is the body n8n gets.
impl From<&crate::domain::publisher_contract::ValidRun> for NewRun {
    fn from(run: &crate::domain::publisher_contract::ValidRun) -> Self {
        NewRun {
            project_id: run.project_id,
            persona_id: run.persona_id,
            channels: run
                .channels
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            date_from: run.date_from,
            date_to: run.date_to,
            templates: serde_json::to_value(&run.templates).unwrap_or_default(),
            options: serde_json::to_value(run.options).unwrap_or_default(),
        }
    }
}

impl From<&crate::domain::publisher_contract::ValidItem> for ItemReport {
    fn from(item: &crate::domain::publisher_contract::ValidItem) -> Self {
        ItemReport {
            draft_id: Some(item.draft_id),
            channel: item.channel.as_str().to_string(),
            channel_item_id: item.channel_item_id.clone(),
            channel_url: item.channel_url.clone(),
            status: item.status.clone(),
            error: item.error.clone(),
            metrics: item.metrics.clone(),
        }
    }
}

/// A contract v1 completion, validated (`domain::publisher_contract`), as `complete` takes it.
impl From<&crate::domain::publisher_contract::ValidCompletion> for Completion {
    fn from(c: &crate::domain::publisher_contract::ValidCompletion) -> Self {
        Completion {
            status: c.status,
            persona_id: Some(c.persona_id),
            project_id: Some(c.project_id),
            n8n_execution_id: c.n8n_execution_id.as_text(),
            error: c.error.clone(),
            items: c.items.iter().map(ItemReport::from).collect(),
        }
    }
}

/// What a completed run recorded, for comparing a repeated callback
/// (`publisher_contract::completion_replay`).
pub fn stored_completion(
    run: &Run,
    items: &[RunItem],
) -> Option<crate::domain::publisher_contract::StoredCompletion> {
    let status = RunStatus::parse(&run.status)
        .ok()
        .filter(|s| s.is_final())?;
    Some(crate::domain::publisher_contract::StoredCompletion {
        status,
        n8n_execution_ref: run.n8n_execution_ref.clone(),
        error: run.error_message.clone(),
        items: items
            .iter()
            .filter_map(|i| {
                Some(crate::domain::publisher_contract::ValidItem {
                    draft_id: i.draft_id?,
                    channel: crate::domain::channel::Channel::parse(&i.channel),
                    channel_item_id: i.channel_item_id.clone(),
                    channel_url: i.channel_url.clone(),
                    status: i.status.clone(),
                    error: i.error.clone(),
                    metrics: i.metrics.0.clone(),
                })
            })
            .collect(),
    })
}
