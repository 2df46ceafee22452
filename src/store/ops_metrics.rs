//! The gauges `/metrics` reads at scrape time: one cheap query each (an index or a small
//! table), returning rows of label values and a number. Adding a gauge is one entry in
//! [`GAUGES`].

use sqlx::{PgPool, Row};

use super::StoreResult;

/// One gauge: its metric name, help text, label names, and the query giving one row per label
/// set: the label values as text in `labels`' order, then the value as `float8`.
#[derive(Debug, Clone, Copy)]
pub struct GaugeQuery {
    pub name: &'static str,
    pub help: &'static str,
    pub labels: &'static [&'static str],
    pub sql: &'static str,
}

/// A gauge entry: name, help, label names, query (see [`GaugeQuery`]).
pub const fn gauge(
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    sql: &'static str,
) -> GaugeQuery {
    GaugeQuery {
        name,
        help,
        labels,
        sql,
    }
}

/// Every gauge `/metrics` shows, one entry each.
#[rustfmt::skip]
pub const GAUGES: &[GaugeQuery] = &[
    // Publish records not in MPIS yet (queued: waiting or being retried; failed: refused by
    // MPIS until an operator retries). Both states always present.
    gauge("mpis_dash_outbox_records", "Publish records not forwarded to MPIS, by state", &["state"],
        "SELECT s.state, (SELECT count(*) FROM publish_records p WHERE p.state = s.state)::float8
         FROM (VALUES ('queued'), ('failed')) AS s(state)"),
    // Open red flags (silenced ones too: open until their condition clears).
    gauge("mpis_dash_red_flags_open", "Open red flags by type and severity", &["flag_type", "severity"],
        "SELECT flag_type, severity, count(*)::float8 FROM red_flags
         WHERE resolved_at IS NULL GROUP BY flag_type, severity"),
    // How late the ingestion scheduler is: the oldest due enabled job's age (0: none due).
    gauge("mpis_dash_ingestion_job_lag_seconds", "Age of the oldest due metrics ingestion job, in seconds (0: none due)", &[],
        "SELECT COALESCE(EXTRACT(EPOCH FROM NOW() - min(next_run_at)), 0)::float8
         FROM metrics_ingestion_jobs WHERE enabled AND next_run_at <= NOW()"),
    // Runs waiting to reach n8n (queued: new or being retried) and those it never took.
    gauge("mpis_dash_dispatch_queue", "Run dispatches to n8n not sent, by state", &["state"],
        "SELECT s.state, (SELECT count(*) FROM run_dispatches d WHERE d.state = s.state)::float8
         FROM (VALUES ('queued'), ('failed')) AS s(state)"),
];

/// One gauge's rows: the label values and the value.
pub async fn read(pool: &PgPool, gauge: &GaugeQuery) -> StoreResult<Vec<(Vec<String>, f64)>> {
    let rows = sqlx::query(gauge.sql).fetch_all(pool).await?;
    let mut values = Vec::with_capacity(rows.len());
    for row in rows {
        let mut labels = Vec::with_capacity(gauge.labels.len());
        for index in 0..gauge.labels.len() {
            labels.push(row.try_get::<String, _>(index)?);
        }
        values.push((labels, row.try_get::<f64, _>(gauge.labels.len())?));
    }
    Ok(values)
}
