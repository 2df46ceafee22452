//! `mpis-dash token create | list | revoke`: API tokens from the command line. `create` prints
//! the secret on stdout and nothing else, so `TOKEN=$(mpis-dash token create ...)` works.
//! Input is checked before the database is opened; errors name the flag.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::config::Config;
use crate::database::{Database, SchemaPolicy};
use crate::domain::auth::{self, Role};
use crate::domain::form::FieldError;
use crate::sanitize::sanitize;
use crate::store::StoreError;
use crate::store::tokens::{self, TokenRow};
use crate::text::{columns, pad, short_duration};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret (shown this once; only its hash is kept).
    Create {
        /// A name for the token, unique among tokens not revoked (1-100 characters).
        #[arg(long)]
        name: String,
        /// viewer (reads), editor (also writes), admin (also widgets, jobs, tokens).
        #[arg(long)]
        role: String,
        /// Expire after e.g. 90m, 12h, 30d or 1w (default: never).
        #[arg(long)]
        expires_in: Option<String>,
    },
    /// List tokens: name, role, created, last used, expires, revoked (never a secret).
    List,
    /// Revoke the active token with this name.
    Revoke {
        /// The token's name.
        name: String,
    },
}

impl TokenCommand {
    /// Whether the command writes (and so may migrate the schema).
    pub fn writes(&self) -> bool {
        !matches!(self, TokenCommand::List)
    }
}

/// A flag's error: `--expires-in: "3x" has no known unit ...`.
fn flag_error(err: FieldError) -> anyhow::Error {
    anyhow::anyhow!("--{}: {}", err.field.replace('_', "-"), err.message)
}

/// A store error, with an `Invalid` field named as its flag.
fn store_error(err: StoreError) -> anyhow::Error {
    match err {
        StoreError::Invalid { field, message } => {
            anyhow::anyhow!("--{}: {message}", field.replace('_', "-"))
        }
        other => anyhow::anyhow!("{}", other.cause()),
    }
}

pub async fn run(
    config: &Config,
    policy: SchemaPolicy,
    command: TokenCommand,
) -> anyhow::Result<ExitCode> {
    let now = Utc::now();
    match command {
        TokenCommand::Create {
            name,
            role,
            expires_in,
        } => {
            let name = auth::validate_name(&name).map_err(flag_error)?;
            let role = Role::parse(&role).map_err(flag_error)?;
            let expires_at = expires_in
                .as_deref()
                .map(auth::parse_expires_in)
                .transpose()
                .map_err(flag_error)?
                .map(|d| now + d);
            let db = Database::open(config, 2, policy).await?;
            let created =
                tokens::create(&db.pool, &name, role, expires_at, &config.operator, now).await;
            db.close().await;
            let created = created.map_err(store_error)?;
            println!("{}", created.secret);
        }
        TokenCommand::List => {
            let db = Database::open(config, 2, policy).await?;
            let rows = tokens::list(&db.pool).await;
            db.close().await;
            let rows = rows.map_err(store_error)?;
            print!("{}", render_list(&rows, now));
        }
        TokenCommand::Revoke { name } => {
            let name = name.trim().to_string();
            let db = Database::open(config, 2, policy).await?;
            let revoked = tokens::revoke(&db.pool, &name, &config.operator, now).await;
            db.close().await;
            // NAME is positional here: the message itself names the token.
            let revoked = revoked.map_err(|err| match err {
                StoreError::Invalid { message, .. } => anyhow::anyhow!("{message}"),
                other => store_error(other),
            })?;
            println!(
                "revoked token {} ({})",
                sanitize(&revoked.name),
                sanitize(&revoked.role)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// "5m ago" (coarse, as the dashboard shows ages).
fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} ago",
        short_duration((now - at).num_seconds().max(0) as u64)
    )
}

/// The table `token list` prints: names in full (sanitized), the creation date, times as ages
/// ("5m ago", "in 29d"), so a row fits 80 columns; columns padded by display width.
pub fn render_list(rows: &[TokenRow], now: DateTime<Utc>) -> String {
    if rows.is_empty() {
        return "no API tokens (create one with `mpis-dash token create --name NAME --role ROLE`)\n"
            .to_string();
    }
    let header = ["NAME", "ROLE", "CREATED", "LAST USED", "EXPIRES", "REVOKED"];
    let lines: Vec<[String; 6]> = rows
        .iter()
        .map(|row| {
            let expires = match row.expires_at {
                None => "never".to_string(),
                Some(at) if at <= now => format!("expired {}", ago(at, now)),
                Some(at) => format!(
                    "in {}",
                    short_duration((at - now).num_seconds().max(0) as u64)
                ),
            };
            let revoked = match (row.revoked_at, &row.revoked_by) {
                (Some(at), Some(by)) => format!("{} by {}", ago(at, now), sanitize(by)),
                (Some(at), None) => ago(at, now),
                (None, _) => "-".to_string(),
            };
            [
                sanitize(&row.name).into_owned(),
                sanitize(&row.role).into_owned(),
                row.created_at.format("%Y-%m-%d").to_string(),
                row.last_used_at
                    .map_or_else(|| "never".to_string(), |at| ago(at, now)),
                expires,
                revoked,
            ]
        })
        .collect();
    let mut widths = header.map(columns);
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(columns(cell));
        }
    }
    let mut out = String::new();
    let mut push = |cells: &[&str]| {
        let last = cells.len() - 1;
        for (i, cell) in cells.iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(&pad(cell, widths[i]));
                out.push_str("  ");
            }
        }
        out.push('\n');
    };
    push(&header);
    for line in &lines {
        push(&line.each_ref().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    fn row(name: &str, role: &str, created: DateTime<Utc>) -> TokenRow {
        TokenRow {
            id: Uuid::nil(),
            name: name.into(),
            role: role.into(),
            created_at: created,
            created_by: "ana".into(),
            last_used_at: None,
            expires_at: None,
            revoked_at: None,
            revoked_by: None,
        }
    }

    #[test]
    fn the_list_shows_ages_fits_80_columns_and_sanitizes_names() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        let created = now - Duration::days(9);
        let mut n8n = row("n8n production", "editor", created);
        n8n.last_used_at = Some(now - Duration::minutes(5));
        n8n.expires_at = Some(now + Duration::days(21));
        let mut old = row("old\u{1b}[31m", "viewer", created);
        old.expires_at = Some(now - Duration::hours(3));
        let mut gone = row("grafana", "admin", created);
        gone.revoked_at = Some(now - Duration::days(2));
        gone.revoked_by = Some("bo".into());
        let table = render_list(&[n8n, old, gone], now);
        assert_eq!(
            table,
            "\
NAME            ROLE    CREATED     LAST USED  EXPIRES         REVOKED
n8n production  editor  2026-03-01  5m ago     in 21d          -
old\\x1b[31m     viewer  2026-03-01  never      expired 3h ago  -
grafana         admin   2026-03-01  never      never           2d ago by bo
"
        );
        assert!(table.lines().all(|l| columns(l) <= 80), "{table}");
    }

    #[test]
    fn an_empty_list_says_how_to_create_a_token() {
        assert!(render_list(&[], Utc::now()).starts_with("no API tokens"));
    }
}
