//! An id typed short: the rows whose UUID starts with what was typed (`:run 3f2a`, `:job 9c`),
//! enough to tell one from several (LIMIT 2), and how many when several.

use sqlx::PgPool;
use uuid::Uuid;

use super::{StoreError, StoreResult};

/// What an id prefix names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixMatch {
    None,
    One(Uuid),
    /// Several: how many.
    Many(i64),
}

/// The prefix as a UUID's text starts (lower case hex and dashes), or `Invalid`.
pub fn normalize(prefix: &str) -> StoreResult<String> {
    let prefix = prefix.trim().to_ascii_lowercase();
    if prefix.is_empty() || prefix.len() > 36 {
        return Err(StoreError::invalid("id", "an id or the start of one"));
    }
    if !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(StoreError::invalid(
            "id",
            "an id has only 0-9, a-f and dashes",
        ));
    }
    Ok(prefix)
}

/// The rows `select` (`... LIKE $1 || '%' ... LIMIT 2`) finds for `prefix`, and how many
/// `count` finds when several; the prefix is bound (hex and dashes only: no LIKE wildcard).
async fn find(
    pool: &PgPool,
    select: &'static str,
    count: &'static str,
    prefix: &str,
) -> StoreResult<PrefixMatch> {
    let prefix = normalize(prefix)?;
    let ids: Vec<(Uuid,)> = sqlx::query_as(select).bind(&prefix).fetch_all(pool).await?;
    Ok(match ids.as_slice() {
        [] => PrefixMatch::None,
        [(id,)] => PrefixMatch::One(*id),
        _ => {
            let (n,): (i64,) = sqlx::query_as(count).bind(&prefix).fetch_one(pool).await?;
            PrefixMatch::Many(n)
        }
    })
}

/// The run (`dashboard_runs.run_id`) an id prefix names.
pub async fn run(pool: &PgPool, prefix: &str) -> StoreResult<PrefixMatch> {
    find(
        pool,
        "SELECT run_id FROM dashboard_runs WHERE run_id::text LIKE $1 || '%'
         ORDER BY run_id LIMIT 2",
        "SELECT count(*) FROM dashboard_runs WHERE run_id::text LIKE $1 || '%'",
        prefix,
    )
    .await
}

/// The genesis job (MPIS's `genesis_jobs.id`) an id prefix names.
pub async fn genesis_job(pool: &PgPool, prefix: &str) -> StoreResult<PrefixMatch> {
    find(
        pool,
        "SELECT id FROM genesis_jobs WHERE id::text LIKE $1 || '%' ORDER BY id LIMIT 2",
        "SELECT count(*) FROM genesis_jobs WHERE id::text LIKE $1 || '%'",
        prefix,
    )
    .await
}
