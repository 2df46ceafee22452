//! The real binary: `token create` prints the secret and nothing else, `token list` shows
//! names and roles but never a secret, `token revoke`; bad input names the flag, exits 1.

use std::process::{Command, Output};

use chrono::Utc;
use mpis_dash::domain::auth::{self, AuthFailure, Role};
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::tokens;

fn mpis_dash(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("MPIS_DASH_CONFIG", "/dev/null")
        .env("MPIS_DASH_OPERATOR", "ops")
        .output()
        .expect("run mpis-dash")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn create_prints_only_the_secret_which_authenticates_and_list_never_shows_it() {
    let db = ScratchDb::new().await.unwrap();
    let out = mpis_dash(
        &db.url(),
        &[
            "token",
            "create",
            "--name",
            "n8n",
            "--role",
            "editor",
            "--expires-in",
            "30d",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    let stdout = text(&out.stdout);
    // One line, the secret, so `TOKEN=$(mpis-dash token create ...)` captures exactly it.
    assert!(
        stdout.ends_with('\n') && stdout.lines().count() == 1,
        "{stdout:?}"
    );
    let secret = stdout.trim_end();
    assert!(auth::looks_like_secret(secret), "{secret:?}");

    let who = tokens::authenticate(&db.pool, secret, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((who.name.as_str(), who.role), ("n8n", Role::Editor));
    let expires: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT expires_at FROM api_tokens WHERE name = 'n8n'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let days = (expires - Utc::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "{expires}");

    let viewer = mpis_dash(
        &db.url(),
        &["token", "create", "--name", "grafana", "--role", "viewer"],
    );
    assert_eq!(viewer.status.code(), Some(0), "{}", text(&viewer.stderr));
    let revoked = mpis_dash(&db.url(), &["token", "revoke", "grafana"]);
    assert_eq!(revoked.status.code(), Some(0), "{}", text(&revoked.stderr));
    assert_eq!(text(&revoked.stdout), "revoked token grafana (viewer)\n");

    let list = mpis_dash(&db.url(), &["token", "list"]);
    assert_eq!(list.status.code(), Some(0), "{}", text(&list.stderr));
    let table = text(&list.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    for column in ["NAME", "ROLE", "CREATED", "LAST USED", "EXPIRES", "REVOKED"] {
        assert!(lines[0].contains(column), "{table}");
    }
    assert!(
        lines[1].starts_with("n8n ") && lines[1].contains("editor"),
        "{table}"
    );
    assert!(lines[1].contains("in 29d"), "{table}");
    assert!(lines[1].contains("s ago"), "used just now: {table}");
    assert!(
        lines[2].starts_with("grafana ") && lines[2].contains("by ops"),
        "{table}"
    );
    assert!(lines[2].contains("never"), "grafana never expires: {table}");
    assert!(
        !table.contains(&secret[auth::SECRET_PREFIX.len()..]),
        "{table}"
    );
    assert!(!table.contains(text(&viewer.stdout).trim()), "{table}");

    let who = tokens::authenticate(&db.pool, text(&viewer.stdout).trim(), Utc::now())
        .await
        .unwrap();
    assert!(matches!(who, Err(AuthFailure::Revoked { .. })), "{who:?}");
}

#[tokio::test]
async fn bad_input_names_the_flag_prints_nothing_on_stdout_and_exits_1() {
    let db = ScratchDb::new().await.unwrap();
    for (args, says) in [
        (
            vec!["--name", "x", "--role", "root"],
            "--role: \"root\" is not a role",
        ),
        (vec!["--name", "", "--role", "viewer"], "--name: is empty"),
        (
            vec!["--name", "x", "--role", "viewer", "--expires-in", "3x"],
            "--expires-in:",
        ),
        (
            vec!["--name", "x", "--role", "viewer", "--expires-in", "0d"],
            "--expires-in:",
        ),
    ] {
        let mut all = vec!["token", "create"];
        all.extend(args.iter());
        let out = mpis_dash(&db.url(), &all);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "", "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let first = mpis_dash(
        &db.url(),
        &["token", "create", "--name", "dup", "--role", "admin"],
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let dup = mpis_dash(
        &db.url(),
        &["token", "create", "--name", "dup", "--role", "admin"],
    );
    assert_eq!(dup.status.code(), Some(1));
    assert_eq!(text(&dup.stdout), "");
    assert!(
        text(&dup.stderr).contains("--name: a token named \"dup\" already exists"),
        "{}",
        text(&dup.stderr)
    );

    let unknown = mpis_dash(&db.url(), &["token", "revoke", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("token not found: \"nope\""),
        "{}",
        text(&unknown.stderr)
    );
    assert_eq!(
        mpis_dash(&db.url(), &["token", "revoke", "dup"])
            .status
            .code(),
        Some(0)
    );
    let again = mpis_dash(&db.url(), &["token", "revoke", "dup"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).starts_with("mpis-dash: token \"dup\" is already revoked (at 20"),
        "{}",
        text(&again.stderr)
    );
    assert!(
        text(&again.stderr).contains(" UTC by ops)"),
        "{}",
        text(&again.stderr)
    );

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn list_on_a_database_without_tokens_says_how_to_create_one() {
    let db = ScratchDb::new().await.unwrap();
    let out = mpis_dash(&db.url(), &["token", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("no API tokens"),
        "{}",
        text(&out.stdout)
    );
}
