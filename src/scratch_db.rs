//! Throwaway databases for tests and benchmarks.
//!
//! `cargo test` must pass on a fresh machine with no setup: when `DATABASE_URL` is unset, the
//! first caller in a process starts a private throwaway cluster (through [`crate::pg_local`]) in
//! a temporary directory, which is stopped and removed when the process exits. Each test then
//! gets its own database, cloned from a template that already has the migrations applied.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use crate::pg_local::{Durability, LocalCluster};

const TEMPLATE_DB: &str = "mpis_dash_template";

/// Where the throwaway server is and how to reach its maintenance database.
struct Server {
    admin: PgConnectOptions,
    template: String,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
/// The cluster we started (if any) and the databases we created, for the exit hook.
static CLEANUP: Mutex<Option<Cleanup>> = Mutex::new(None);

struct Cleanup {
    cluster: Option<(LocalCluster, PathBuf)>,
}

/// A fresh, migrated database of its own.
pub struct ScratchDb {
    pub pool: PgPool,
    pub name: String,
    pub options: PgConnectOptions,
}

impl ScratchDb {
    /// Creates a new database from the migrated template.
    pub async fn new() -> Result<ScratchDb, String> {
        let template = server()?.template.clone();
        ScratchDb::from_template(&template, None).await
    }

    /// Creates an empty database with no migrations applied (migration tests start here).
    pub async fn empty() -> Result<ScratchDb, String> {
        ScratchDb::from_template("template0", None).await
    }

    /// A migrated database whose default time zone is `zone` (`ALTER DATABASE ... SET
    /// timezone`), as on a server set to local time. Our own sessions still run in UTC (sqlx
    /// asks for it at start-up); [`ScratchDb::pool_in_zone`] gives sessions like MPIS's.
    pub async fn with_time_zone(zone: &str) -> Result<ScratchDb, String> {
        let template = server()?.template.clone();
        ScratchDb::from_template(&template, Some(zone)).await
    }

    /// A pool on this database whose sessions run in `zone`, as a client that writes naive
    /// times (MPIS) sees the database when its time zone is not UTC.
    pub async fn pool_in_zone(&self, zone: &str) -> Result<PgPool, String> {
        let set_zone = format!("SET TIME ZONE '{}'", zone.replace('\'', "''"));
        PgPoolOptions::new()
            .max_connections(4)
            .after_connect(move |conn, _meta| {
                let set_zone = set_zone.clone();
                Box::pin(async move {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(set_zone))
                        .execute(conn)
                        .await
                        .map(|_| ())
                })
            })
            .connect_with(self.options.clone())
            .await
            .map_err(|e| format!("connect to {} in {zone}: {e}", self.name))
    }

    /// Creates a login role that may read every table of this database and change nothing
    /// (no DDL, no row writes) and returns a URL that connects as it.
    pub async fn read_only_url(&self) -> Result<String, String> {
        let role = format!("ro_{}", &self.name[2..]);
        let password = uuid::Uuid::new_v4().simple().to_string();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{password}';
             GRANT CONNECT ON DATABASE {db} TO {role};
             REVOKE CREATE ON SCHEMA public FROM PUBLIC;
             GRANT USAGE ON SCHEMA public TO {role};
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};",
            db = self.name
        )))
        .execute(&self.pool)
        .await
        .map_err(|e| format!("create read-only role: {e}"))?;
        let mut url = reqwest::Url::parse(&self.url()).map_err(|e| format!("database URL: {e}"))?;
        url.set_username(&role)
            .and_then(|()| url.set_password(Some(&password)))
            .map_err(|()| "database URL cannot carry a user".to_owned())?;
        Ok(url.to_string())
    }

    /// A `postgres://` URL of this database, for child processes (the CLI under test).
    pub fn url(&self) -> String {
        if let Ok(admin) = std::env::var("DATABASE_URL")
            && !admin.is_empty()
        {
            let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
            let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            return format!("{server}/{}{query}", self.name);
        }
        let socket = self
            .options
            .get_socket()
            .map(|dir| format!("?host={}", dir.display()))
            .unwrap_or_default();
        format!(
            "postgres://{}@{}:{}/{}{socket}",
            self.options.get_username(),
            self.options.get_host(),
            self.options.get_port(),
            self.name
        )
    }

    async fn from_template(template: &str, time_zone: Option<&str>) -> Result<ScratchDb, String> {
        let server = server()?;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = server
            .admin
            .connect()
            .await
            .map_err(|e| format!("connect to the test server: {e}"))?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE {template}"
        )))
        .execute(&mut admin)
        .await
        .map_err(|e| format!("create test database: {e}"))?;
        if let Some(zone) = time_zone {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {name} SET timezone = '{}'",
                zone.replace('\'', "''")
            )))
            .execute(&mut admin)
            .await
            .map_err(|e| format!("set the time zone of {name}: {e}"))?;
        }
        admin.close().await.ok();
        let options = server.admin.clone().database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options.clone())
            .await
            .map_err(|e| format!("connect to {name}: {e}"))?;
        Ok(ScratchDb {
            pool,
            name,
            options,
        })
    }
}

fn server() -> Result<&'static Server, String> {
    SERVER
        .get_or_init(|| {
            // Runs on its own thread: the caller may be inside a tokio runtime already.
            std::thread::spawn(start_server)
                .join()
                .unwrap_or_else(|_| Err("test server start-up panicked".to_string()))
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn start_server() -> Result<Server, String> {
    let admin = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url
            .parse::<PgConnectOptions>()
            .map_err(|e| format!("DATABASE_URL: {e}"))?,
        _ => {
            let dir = std::env::temp_dir().join(format!(
                "mpis-dash-test-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ));
            let cluster = LocalCluster::ensure(&dir, Durability::Throwaway)
                .map_err(|e| format!("throwaway cluster: {e}"))?;
            let options = cluster.connect_options("postgres");
            *CLEANUP.lock().map_err(|e| e.to_string())? = Some(Cleanup {
                cluster: Some((cluster, dir)),
            });
            // SAFETY: registering a plain extern "C" fn with atexit has no preconditions.
            unsafe {
                libc::atexit(stop_at_exit);
            }
            options
        }
    };
    let template = format!("{TEMPLATE_DB}_{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(create_template(&admin, &template))?;
    Ok(Server { admin, template })
}

async fn create_template(admin: &PgConnectOptions, template: &str) -> Result<(), String> {
    let mut conn = admin
        .connect()
        .await
        .map_err(|e| format!("connect to the test server: {e}"))?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {template}"
    )))
    .execute(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {template}")))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("create template database: {e}"))?;
    conn.close().await.ok();
    let mut conn = PgConnection::connect_with(&admin.clone().database(template))
        .await
        .map_err(|e| e.to_string())?;
    crate::store::migrate_connection(&mut conn)
        .await
        .map_err(|e| format!("migrate template: {e}"))?;
    conn.close().await.ok();
    Ok(())
}

extern "C" fn stop_at_exit() {
    if let Ok(mut guard) = CLEANUP.lock()
        && let Some(cleanup) = guard.take()
        && let Some((mut cluster, dir)) = cleanup.cluster
    {
        let _ = cluster.stop();
        let _ = std::fs::remove_dir_all(dir);
    }
}
