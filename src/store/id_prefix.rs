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
    /// Several: how many, counted up to [`COUNT_UP_TO`] (more are said as "more than").
    Many(i64),
}

/// How far an ambiguous prefix's matches are counted: a short prefix of 400,000 runs is
/// "more than 1000", in a millisecond instead of a count of the whole range.
pub const COUNT_UP_TO: i64 = 1000;

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

/// The UUIDs starting with `prefix` (already normalized) as an inclusive range: the prefix
/// padded with 0s and with fs. A range, unlike `id::text LIKE 'abc%'`, is answered by the id's
/// own index, so a lookup stays instant at millions of rows. `None` when the dashes are not
/// where a UUID has them (then no id starts that way).
pub fn uuid_range(prefix: &str) -> Option<(Uuid, Uuid)> {
    let hex: String = prefix.chars().filter(|c| *c != '-').collect();
    let pad = |fill: char| {
        let mut digits = hex.clone();
        digits.extend(std::iter::repeat_n(fill, 32 - hex.len()));
        Uuid::parse_str(&digits).ok()
    };
    let (low, high) = (pad('0')?, pad('f')?);
    low.hyphenated()
        .to_string()
        .starts_with(prefix)
        .then_some((low, high))
}

/// The rows `select` (`... BETWEEN $1 AND $2 ... LIMIT 2`) finds for `prefix`, and how many
/// `count` finds when several (`LIMIT $3`: up to one more than [`COUNT_UP_TO`]).
async fn find(
    pool: &PgPool,
    select: &'static str,
    count: &'static str,
    prefix: &str,
) -> StoreResult<PrefixMatch> {
    let prefix = normalize(prefix)?;
    let Some((low, high)) = uuid_range(&prefix) else {
        return Ok(PrefixMatch::None);
    };
    let ids: Vec<(Uuid,)> = sqlx::query_as(select)
        .bind(low)
        .bind(high)
        .fetch_all(pool)
        .await?;
    Ok(match ids.as_slice() {
        [] => PrefixMatch::None,
        [(id,)] => PrefixMatch::One(*id),
        _ => {
            let (n,): (i64,) = sqlx::query_as(count)
                .bind(low)
                .bind(high)
                .bind(COUNT_UP_TO + 1)
                .fetch_one(pool)
                .await?;
            PrefixMatch::Many(n)
        }
    })
}

/// The run (`dashboard_runs.run_id`) an id prefix names.
pub async fn run(pool: &PgPool, prefix: &str) -> StoreResult<PrefixMatch> {
    find(
        pool,
        "SELECT run_id FROM dashboard_runs WHERE run_id BETWEEN $1 AND $2
         ORDER BY run_id LIMIT 2",
        "SELECT count(*) FROM (SELECT 1 FROM dashboard_runs WHERE run_id BETWEEN $1 AND $2
         LIMIT $3) AS matches",
        prefix,
    )
    .await
}

/// The genesis job (MPIS's `genesis_jobs.id`) an id prefix names.
pub async fn genesis_job(pool: &PgPool, prefix: &str) -> StoreResult<PrefixMatch> {
    find(
        pool,
        "SELECT id FROM genesis_jobs WHERE id BETWEEN $1 AND $2 ORDER BY id LIMIT 2",
        "SELECT count(*) FROM (SELECT 1 FROM genesis_jobs WHERE id BETWEEN $1 AND $2 LIMIT $3)
         AS matches",
        prefix,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_the_range_of_the_ids_starting_with_it() {
        let (low, high) = uuid_range("3f2a").unwrap();
        assert_eq!(low.to_string(), "3f2a0000-0000-0000-0000-000000000000");
        assert_eq!(high.to_string(), "3f2affff-ffff-ffff-ffff-ffffffffffff");
        let (low, high) = uuid_range("3f2a1b2c-1").unwrap();
        assert_eq!(low.to_string(), "3f2a1b2c-1000-0000-0000-000000000000");
        assert_eq!(high.to_string(), "3f2a1b2c-1fff-ffff-ffff-ffffffffffff");
        let whole = "3f2a1b2c-1d2e-4f5a-8b6c-7d8e9f0a1b2c";
        assert_eq!(
            uuid_range(whole),
            Some((whole.parse().unwrap(), whole.parse().unwrap()))
        );
    }

    #[test]
    fn dashes_where_no_uuid_has_them_match_nothing() {
        assert_eq!(uuid_range("3f-2a"), None);
        assert_eq!(
            uuid_range("3f2a1b2c1"),
            None,
            "the dash after 8 digits is missing"
        );
    }
}
