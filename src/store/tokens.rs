//! API tokens (`api_tokens`, migration 0009): create (the secret returned once, only its hash
//! kept), list (never a hash or secret), revoke by name, and authenticate a secret. Creating
//! and revoking write an audit entry in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{StoreError, StoreResult, audit};
use crate::domain::auth::{self, AuthFailure, Role};

/// A token as `token list` shows it: everything but the hash.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

/// A new token: its row and the secret, which exists nowhere else after this.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub token: TokenRow,
    pub secret: String,
}

/// Who a secret authenticates as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

/// At most this many rows in a list (tokens are few; a page is all an operator reads).
pub const LIST_LIMIT: i64 = 1000;

/// Creates a token named `name` (validated here too) with `role`, expiring at `expires_at`
/// if given; `operator` is recorded as its creator and in the audit entry. An active token
/// of the same name is an `Invalid { field: "name" }`.
pub async fn create(
    pool: &PgPool,
    name: &str,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
    operator: &str,
    now: DateTime<Utc>,
) -> StoreResult<CreatedToken> {
    let name = auth::validate_name(name).map_err(|e| StoreError::invalid(e.field, e.message))?;
    if expires_at.is_some_and(|at| at <= now) {
        return Err(StoreError::invalid("expires_at", "is not in the future"));
    }
    let mut random = [0u8; auth::SECRET_BYTES];
    getrandom::fill(&mut random).map_err(|err| {
        StoreError::invalid("secret", format!("no random bytes from the OS: {err}"))
    })?;
    let secret = auth::format_secret(&random);
    let hash = auth::secret_hash(&secret);
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let token = sqlx::query_as::<_, TokenRow>(
        "INSERT INTO api_tokens (id, name, role, token_hash, created_at, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING
         id, name, role, created_at, created_by, last_used_at, expires_at, revoked_at, revoked_by",
    )
    .bind(id)
    .bind(&name)
    .bind(role.as_ref())
    .bind(&hash[..])
    .bind(now)
    .bind(operator)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await
    .map_err(
        |err| match super::map_constraint(err, StoreError::Conflict(String::new())) {
            StoreError::Conflict(constraint) if constraint == "api_tokens_active_name" => {
                StoreError::invalid(
                    "name",
                    format!(
                        "a token named {name:?} already exists (revoke it or choose another name)"
                    ),
                )
            }
            other => other,
        },
    )?;
    audit::record(
        &mut tx,
        "api_token_created",
        "api_token",
        id,
        operator,
        serde_json::json!({ "name": name, "role": role.as_ref(), "expires_at": expires_at }),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedToken { token, secret })
}

/// Every token, active ones first (by name), then revoked ones newest first; at most
/// [`LIST_LIMIT`].
pub async fn list(pool: &PgPool) -> StoreResult<Vec<TokenRow>> {
    let rows = sqlx::query_as::<_, TokenRow>(
        "SELECT id, name, role, created_at, created_by, last_used_at, expires_at, revoked_at, revoked_by
         FROM api_tokens
         ORDER BY revoked_at IS NOT NULL, revoked_at DESC, name, created_at LIMIT $1",
    )
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Revokes the active token named `name` (audited). An unknown name is `NotFound`; a name
/// whose tokens are all revoked already is `Invalid { field: "name" }` saying when.
pub async fn revoke(
    pool: &PgPool,
    name: &str,
    operator: &str,
    now: DateTime<Utc>,
) -> StoreResult<TokenRow> {
    let mut tx = pool.begin().await?;
    let revoked = sqlx::query_as::<_, TokenRow>(
        "UPDATE api_tokens SET revoked_at = $2, revoked_by = $3
         WHERE name = $1 AND revoked_at IS NULL RETURNING
         id, name, role, created_at, created_by, last_used_at, expires_at, revoked_at, revoked_by",
    )
    .bind(name)
    .bind(now)
    .bind(operator)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(token) = revoked else {
        let earlier: Option<(DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT revoked_at, revoked_by FROM api_tokens
             WHERE name = $1 ORDER BY revoked_at DESC LIMIT 1",
        )
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        return Err(match earlier {
            Some((at, by)) => StoreError::invalid(
                "name",
                format!(
                    "token {name:?} is already revoked (at {} by {by})",
                    at.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            ),
            None => StoreError::not_found("token", format!("{name:?}")),
        });
    };
    audit::record(
        &mut tx,
        "api_token_revoked",
        "api_token",
        token.id,
        operator,
        serde_json::json!({ "name": token.name, "role": token.role }),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    id: Uuid,
    name: String,
    role: String,
    token_hash: Vec<u8>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Who `secret` (as sent after `Bearer `) is at `now`, or why it is refused. One indexed read
/// by hash; `last_used_at` is written only when the last recorded use is a minute old or more.
/// A malformed secret is `Unknown` without touching the database.
pub async fn authenticate(
    pool: &PgPool,
    secret: &str,
    now: DateTime<Utc>,
) -> StoreResult<Result<Authenticated, AuthFailure>> {
    if !auth::looks_like_secret(secret) {
        return Ok(Err(AuthFailure::Unknown));
    }
    let hash = auth::secret_hash(secret);
    let row = sqlx::query_as::<_, AuthRow>(
        "SELECT id, name, role, token_hash, last_used_at, expires_at, revoked_at
         FROM api_tokens WHERE token_hash = $1",
    )
    .bind(&hash[..])
    .fetch_optional(pool)
    .await?;
    // The index found the row; the hashes are compared again in constant time, so nothing
    // about a near miss leaks through timing.
    let Some(row) = row.filter(|row| bool::from(row.token_hash.ct_eq(&hash[..]))) else {
        return Ok(Err(AuthFailure::Unknown));
    };
    if let Err(failure) = auth::check_usable(&row.name, row.expires_at, row.revoked_at, now) {
        return Ok(Err(failure));
    }
    let role = Role::parse(&row.role).map_err(|e| StoreError::invalid(e.field, e.message))?;
    if auth::last_used_due(row.last_used_at, now) {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2
             WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(row.id)
        .bind(now)
        .bind(now - auth::LAST_USED_EVERY)
        .execute(pool)
        .await?;
    }
    Ok(Ok(Authenticated {
        id: row.id,
        name: row.name,
        role,
    }))
}
