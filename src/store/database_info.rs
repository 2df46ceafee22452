//! What kind of database we are on: how far the dashboard schema is migrated, whether our role
//! may write, and the time zone that a client sending none (MPIS) gets. All of it is read with
//! SELECTs only, so read-only commands can ask before they do anything.

use sqlx::PgPool;

use super::{MIGRATOR, StoreResult};

/// The dashboard schema's version (the newest applied migration; 0 when none) and the one this
/// build needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    pub applied: i64,
    pub needed: i64,
}

impl SchemaVersion {
    /// A database migrated by a newer build is current too: its additions do not break ours.
    pub fn is_current(&self) -> bool {
        self.applied >= self.needed
    }
}

impl std::fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the dashboard schema is at version {}, this build needs {}: run `mpis-dash migrate`",
            self.applied, self.needed
        )
    }
}

/// The newest migration this build embeds.
pub fn needed_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

pub async fn schema_version(pool: &PgPool) -> StoreResult<SchemaVersion> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    let applied = if exists {
        sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(max(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(pool)
        .await?
    } else {
        0
    };
    Ok(SchemaVersion {
        applied,
        needed: needed_version(),
    })
}

/// Whether this connection may write the dashboard's tables, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteAccess {
    Granted,
    Denied(String),
}

/// Tables every writer of ours touches: the evaluator's flags, the outbox, the audit log.
const WRITTEN_TABLES: [&str; 3] = ["red_flags", "publish_records", "audit_log"];

pub async fn write_access(pool: &PgPool) -> StoreResult<WriteAccess> {
    let (standby, read_only_session, role): (bool, bool, String) = sqlx::query_as(
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on',
                current_user::text",
    )
    .fetch_one(pool)
    .await?;
    if standby {
        return Ok(WriteAccess::Denied(
            "the server is a read-only standby".to_owned(),
        ));
    }
    if read_only_session {
        return Ok(WriteAccess::Denied(
            "the session is read-only (default_transaction_read_only)".to_owned(),
        ));
    }
    // The first table we may not both insert into and update (a missing table counts too);
    // `'INSERT, UPDATE'` in one call would be true if either is held.
    let refused: Option<String> = sqlx::query_scalar(
        "SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS w(t, n)
         WHERE NOT COALESCE(has_table_privilege(to_regclass(t), 'INSERT')
                            AND has_table_privilege(to_regclass(t), 'UPDATE'), false)
         ORDER BY n LIMIT 1",
    )
    .bind(WRITTEN_TABLES)
    .fetch_optional(pool)
    .await?;
    if let Some(table) = refused {
        return Ok(WriteAccess::Denied(format!(
            "role {role} may not write ({table})"
        )));
    }
    Ok(WriteAccess::Granted)
}

/// The time zone a client that sends none gets (MPIS's connections), and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTimeZone {
    pub zone: String,
    pub source: String,
}

/// Our own sessions always run in UTC (sqlx sends `TimeZone=UTC` at start-up, which outranks
/// every server-side setting), so the zone MPIS gets is worked out from where PostgreSQL would
/// take it for a client connecting as our role to this database: a database-and-role,
/// role, database or global setting (`ALTER ... SET timezone`), else the configuration file
/// (readable by superusers and `pg_read_all_settings`), else `log_timezone`, which initdb sets
/// to the same zone as `timezone`.
pub async fn client_time_zone(pool: &PgPool) -> StoreResult<ClientTimeZone> {
    let stored: Option<(String, String)> = sqlx::query_as(
        "SELECT substr(c, strpos(c, '=') + 1),
                CASE WHEN s.setdatabase <> 0 AND s.setrole <> 0 THEN 'database and role setting'
                     WHEN s.setrole <> 0 THEN 'role setting'
                     WHEN s.setdatabase <> 0 THEN 'database setting'
                     ELSE 'setting for all roles' END
         FROM pg_db_role_setting s, unnest(s.setconfig) AS c
         WHERE lower(split_part(c, '=', 1)) = 'timezone'
           AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
           AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))
         ORDER BY (s.setdatabase <> 0 AND s.setrole <> 0) DESC, (s.setrole <> 0) DESC,
                  (s.setdatabase <> 0) DESC
         LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    if let Some((zone, source)) = stored {
        return Ok(ClientTimeZone { zone, source });
    }
    // Not readable without privileges; that is no error, just a less direct answer below.
    let from_file: Option<String> = sqlx::query_scalar(
        "SELECT setting FROM pg_file_settings
         WHERE lower(name) = 'timezone' AND applied AND error IS NULL
         ORDER BY seqno DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .ok()
    .flatten();
    if let Some(zone) = from_file {
        return Ok(ClientTimeZone {
            zone,
            source: "server configuration".to_owned(),
        });
    }
    let zone: String = sqlx::query_scalar("SELECT current_setting('log_timezone')")
        .fetch_one(pool)
        .await?;
    Ok(ClientTimeZone {
        zone,
        source: "server log_timezone".to_owned(),
    })
}
