//! Opens the database a command works on: the configured one, or the embedded cluster.

use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use crate::config::Config;
use crate::domain::time_zone;
use crate::pg_local::{Durability, LocalCluster, PgLocalError};
use crate::store::database_info::{self, ClientTimeZone, SchemaVersion, WriteAccess};
use crate::store::{self, StoreError};

/// The database the embedded cluster keeps MPIS's and the dashboard's tables in.
pub const EMBEDDED_DATABASE: &str = "mpis";

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("DATABASE_URL / database_url is not a valid PostgreSQL URL: {0}")]
    BadUrl(sqlx::Error),
    #[error("embedded database: {0}")]
    Embedded(#[from] PgLocalError),
    #[error("cannot connect to {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: StoreError,
    },
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A command that must not change the schema found it missing or behind.
    #[error("{0}")]
    SchemaNotReady(SchemaVersion),
}

/// Whether opening may change the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaPolicy {
    /// `migrate`, `serve`, `demo-data`, the dashboard when it may write: apply what is missing.
    Migrate,
    /// `status`, `check`, `--read-only`: never change the schema (a SELECT-only role must do);
    /// a schema that is missing or behind is [`OpenError::SchemaNotReady`].
    RequireCurrent,
}

/// An open database with a current schema; dropping it stops the embedded cluster if we
/// started it (through `LocalCluster`'s own `Drop`).
pub struct Database {
    pub pool: PgPool,
    /// Where it is, for messages (never includes a password).
    pub target: String,
    /// Whether our role may write (a SELECT-only role, a standby: read-only).
    pub access: WriteAccess,
    /// The zone MPIS's sessions get; `None` when it could not be read.
    pub time_zone: Option<ClientTimeZone>,
    /// The schema version this open migrated from, when it migrated.
    pub migrated_from: Option<i64>,
    cluster: Option<LocalCluster>,
}

impl Database {
    /// Connects (starting the embedded cluster when no URL is configured) and makes sure the
    /// schema is current: by migrating, or (read-only) by refusing when it is not.
    pub async fn open(
        config: &Config,
        max_connections: u32,
        policy: SchemaPolicy,
    ) -> Result<Database, OpenError> {
        let (options, target, cluster) = match &config.database_url {
            Some(url) => {
                let options: PgConnectOptions = url.parse().map_err(OpenError::BadUrl)?;
                let target = describe(&options);
                (options, target, None)
            }
            None => {
                let root = config.data_dir.join("postgres");
                let dir = root.clone();
                let cluster = tokio::task::spawn_blocking(move || {
                    LocalCluster::ensure(&dir, Durability::Durable)
                })
                .await
                .map_err(|e| StoreError::invalid("embedded cluster", e.to_string()))??;
                ensure_database(&cluster).await?;
                let options = cluster.connect_options(EMBEDDED_DATABASE);
                let target = format!("embedded cluster in {}", root.display());
                (options, target, Some(cluster))
            }
        };
        let pool = store::connect(options, max_connections)
            .await
            .map_err(|source| OpenError::Connect {
                target: target.clone(),
                source,
            })?;
        // Checked first even when migrating: an up-to-date schema needs no DDL rights (a
        // dashboard on a role that can write rows but not create tables still starts).
        let version = database_info::schema_version(&pool).await?;
        let mut migrated_from = None;
        if !version.is_current() {
            match policy {
                SchemaPolicy::Migrate => {
                    store::migrate(&pool).await?;
                    migrated_from = Some(version.applied);
                }
                SchemaPolicy::RequireCurrent => return Err(OpenError::SchemaNotReady(version)),
            }
        }
        let access = database_info::write_access(&pool).await?;
        let time_zone = match database_info::client_time_zone(&pool).await {
            Ok(zone) => Some(zone),
            Err(err) => {
                tracing::warn!("cannot read the database's time zone: {err}");
                None
            }
        };
        if let Some(warning) = time_zone
            .as_ref()
            .and_then(|tz| time_zone::shifted_timestamps_warning(&tz.zone))
        {
            tracing::warn!("{warning}");
        }
        Ok(Database {
            pool,
            target,
            access,
            time_zone,
            migrated_from,
            cluster,
        })
    }

    /// The status-line / `status` explanation when MPIS's timestamps are shifted.
    pub fn time_zone_warning(&self) -> Option<String> {
        let tz = self.time_zone.as_ref()?;
        time_zone::shifted_timestamps_warning(&tz.zone)
            .map(|warning| format!("{warning} (from the {})", tz.source))
    }

    /// Closes the pool and stops the embedded cluster if this process started it.
    pub async fn close(mut self) {
        self.pool.close().await;
        if let Some(mut cluster) = self.cluster.take() {
            let _ = tokio::task::spawn_blocking(move || cluster.stop_if_started_here()).await;
        }
    }
}

async fn ensure_database(cluster: &LocalCluster) -> Result<(), OpenError> {
    let target = "the embedded cluster".to_string();
    let admin = store::connect(cluster.connect_options("postgres"), 1)
        .await
        .map_err(|source| OpenError::Connect {
            target: target.clone(),
            source,
        })?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(EMBEDDED_DATABASE)
            .fetch_one(&admin)
            .await
            .map_err(StoreError::from)?;
    if !exists {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {EMBEDDED_DATABASE}"
        )))
        .execute(&admin)
        .await
        .map_err(StoreError::from)?;
    }
    // MPIS writes naive UTC times, so the embedded server runs in UTC whatever zone initdb took
    // from the machine (a file setting, so the time-zone check reads it back).
    let log_zone: String = sqlx::query_scalar("SELECT current_setting('log_timezone')")
        .fetch_one(&admin)
        .await
        .map_err(StoreError::from)?;
    if !time_zone::is_utc(&log_zone) {
        // One statement each: ALTER SYSTEM refuses to run inside a transaction block.
        for statement in [
            "ALTER SYSTEM SET timezone = 'UTC'",
            "ALTER SYSTEM SET log_timezone = 'UTC'",
            "SELECT pg_reload_conf()",
        ] {
            sqlx::raw_sql(statement)
                .execute(&admin)
                .await
                .map_err(StoreError::from)?;
        }
    }
    admin.close().await;
    Ok(())
}

impl OpenError {
    /// One line for an operator (`check`'s UNKNOWN): the real cause, not always
    /// "unreachable".
    pub fn cause(&self) -> String {
        match self {
            OpenError::Connect { target, source } => format!("{} ({target})", source.cause()),
            OpenError::Store(err) => err.cause(),
            other => other.to_string(),
        }
    }
}

fn describe(options: &PgConnectOptions) -> String {
    format!(
        "database {} on {}:{}",
        options.get_database().unwrap_or("(default)"),
        options.get_host(),
        options.get_port()
    )
}
