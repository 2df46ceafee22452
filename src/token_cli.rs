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
use crate::text::{columns, pad};

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
            let revoked = revoked.map_err(store_error)?;
            println!(
                "revoked token {} ({})",
                sanitize(&revoked.name),
                sanitize(&revoked.role)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn when(at: Option<DateTime<Utc>>, none: &str) -> String {
    at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| none.to_string())
}

/// The table `token list` prints (plain text, names sanitized, columns padded by width).
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
                Some(at) if at <= now && row.revoked_at.is_none() => {
                    format!("{} (expired)", when(Some(at), ""))
                }
                other => when(other, "never"),
            };
            let revoked = match (&row.revoked_at, &row.revoked_by) {
                (Some(at), Some(by)) => format!("{} by {}", when(Some(*at), ""), sanitize(by)),
                (at, _) => when(*at, "-"),
            };
            [
                sanitize(&row.name).into_owned(),
                sanitize(&row.role).into_owned(),
                when(Some(row.created_at), ""),
                when(row.last_used_at, "never"),
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
