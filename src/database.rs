//! Opens the database a command works on: the configured one, or the embedded cluster.

use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use crate::config::Config;
use crate::pg_local::{Durability, LocalCluster, PgLocalError};
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
}

/// An open, migrated database; dropping it stops the embedded cluster if we started it
/// (through `LocalCluster`'s own `Drop`).
pub struct Database {
    pub pool: PgPool,
    /// Where it is, for messages (never includes a password).
    pub target: String,
    cluster: Option<LocalCluster>,
}

impl Database {
    /// Connects (starting the embedded cluster when no URL is configured) and applies the
    /// migrations.
    pub async fn open(config: &Config, max_connections: u32) -> Result<Database, OpenError> {
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
        store::migrate(&pool).await?;
        Ok(Database {
            pool,
            target,
            cluster,
        })
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
    admin.close().await;
    Ok(())
}

fn describe(options: &PgConnectOptions) -> String {
    format!(
        "database {} on {}:{}",
        options.get_database().unwrap_or("(default)"),
        options.get_host(),
        options.get_port()
    )
}
