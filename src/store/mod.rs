//! PostgreSQL storage: one file per aggregate, plain runtime queries with `FromRow` types.
//!
//! Every function takes a pool (or a transaction where several writes must land together) and
//! returns domain-friendly rows. Queries read pages and aggregates, never whole tables.

pub mod analyst;
pub mod audit;
pub mod database_info;
pub mod dispatch;
pub mod drafts;
pub mod flag_drill;
pub mod genesis;
pub mod id_prefix;
pub mod ingestion_runs;
pub mod jobs;
pub mod layouts;
pub(crate) mod lease;
pub mod listen;
pub mod metrics;
pub mod metrics_awaiting;
pub mod ops_metrics;
pub mod outbox;
pub mod personas;
pub mod projects;
pub mod recommendations;
pub mod red_flags;
pub mod runs;
pub mod seed;
pub mod tokens;
pub mod widgets;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

/// The embedded migrations (MPIS tables where missing, the dashboard tables, our additions).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// What a store call can fail with, so callers (CLI, HTTP, TUI) can say what happened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} not found: {id}")]
    NotFound { entity: &'static str, id: String },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// What went wrong in one line for an operator: PostgreSQL's own message when the server
    /// answered (permission denied, no such database), "database unreachable" only when it
    /// did not.
    pub fn cause(&self) -> String {
        match self {
            StoreError::Database(err) => describe_sqlx(err),
            StoreError::Migrate(
                sqlx::migrate::MigrateError::Execute(err)
                | sqlx::migrate::MigrateError::ExecuteMigration(err, _),
            ) => format!("migration failed: {}", describe_sqlx(err)),
            other => other.to_string(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> StoreError {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

fn describe_sqlx(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => format!("database unreachable: {io}"),
        sqlx::Error::PoolTimedOut => "database unreachable: no connection within 5 s".to_owned(),
        sqlx::Error::Tls(tls) => format!("database unreachable: TLS: {tls}"),
        other => format!("database error: {other}"),
    }
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A pooled connection idle this long is pinged before it is handed out (see [`connect`]).
pub const PING_IF_IDLE: Duration = Duration::from_secs(1);

/// Opens a pool. Short acquire timeout: a dashboard must say "unreachable" quickly, not hang.
pub async fn connect(options: PgConnectOptions, max_connections: u32) -> StoreResult<PgPool> {
    // One direct attempt first: a pool retries until its timeout and then says only "timed
    // out", where this names the cause (refused, no such database, authentication) at once.
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(Ok(probe)) => {
            let _ = probe.close().await;
        }
        Ok(Err(err)) => return Err(err.into()),
        Err(_) => return Err(sqlx::Error::PoolTimedOut.into()),
    }
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(CONNECT_TIMEOUT)
        // sqlx's default liveness check pings every connection on every acquire: one extra
        // round trip per statement (`serve`'s run read: two instead of one). A connection idle
        // for at least PING_IF_IDLE is still pinged (a dead one is dropped and another taken, as
        // before); one back from use within that time is handed out as it is.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

pub async fn migrate(pool: &PgPool) -> StoreResult<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

pub async fn migrate_connection(conn: &mut PgConnection) -> StoreResult<()> {
    MIGRATOR.run(conn).await?;
    Ok(())
}

/// Maps a foreign-key or unique violation to a clear error instead of a raw SQL text.
pub(crate) fn map_constraint(err: sqlx::Error, on_fk: StoreError) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        match db.code().as_deref() {
            Some("23503") => return on_fk,
            Some("23505") => {
                return StoreError::Conflict(db.constraint().unwrap_or("unique").to_string());
            }
            _ => {}
        }
    }
    StoreError::Database(err)
}
