//! API tokens against a real PostgreSQL: create (secret once, hash only, audited), list,
//! revoke by name, and authenticate (unknown, expired, revoked, last use once a minute).

use crate::common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mpis_dash::domain::auth::{self, AuthFailure, Role};
use mpis_dash::store::StoreError;
use mpis_dash::store::tokens::{self, Authenticated};
use sqlx::PgPool;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

async fn last_used(pool: &PgPool, name: &str) -> Option<DateTime<Utc>> {
    sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE name = $1 AND revoked_at IS NULL")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn audit_events(pool: &PgPool, name: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT event_type, details->>'operator' FROM audit_log
         WHERE entity_type = 'api_token' AND details->>'name' = $1 ORDER BY created_at, event_type",
    )
    .bind(name)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_created_token_authenticates_with_its_name_and_role_and_is_audited() {
    let db = common::db().await;
    let pool = &db.pool;
    let created = tokens::create(pool, " n8n prod ", Role::Editor, None, "ana", t0())
        .await
        .unwrap();
    assert!(
        auth::looks_like_secret(&created.secret),
        "{}",
        created.secret
    );
    assert_eq!(created.token.name, "n8n prod");
    assert_eq!(created.token.role, "editor");
    assert_eq!(created.token.created_by, "ana");
    assert_eq!(created.token.created_at, t0());
    assert_eq!(created.token.last_used_at, None);

    let who = tokens::authenticate(pool, &created.secret, t0())
        .await
        .unwrap();
    assert_eq!(
        who,
        Ok(Authenticated {
            id: created.token.id,
            name: "n8n prod".into(),
            role: Role::Editor,
        })
    );
    assert_eq!(
        audit_events(pool, "n8n prod").await,
        vec![("api_token_created".to_string(), "ana".to_string())]
    );
}

#[tokio::test]
async fn only_the_hash_is_stored_and_the_secret_appears_nowhere() {
    let db = common::db().await;
    let pool = &db.pool;
    let created = tokens::create(pool, "ci", Role::Admin, None, "ana", t0())
        .await
        .unwrap();
    let secret = &created.secret;
    let random_part = &secret[auth::SECRET_PREFIX.len()..];
    // Every column of every row (and the audit entries), as text.
    let dumped: Vec<String> = sqlx::query_scalar(
        "SELECT row_to_json(t)::text FROM api_tokens t
         UNION ALL SELECT row_to_json(a)::text FROM audit_log a",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(dumped.len(), 2, "{dumped:?}");
    // The random bytes as hex (how JSON shows a bytea) are not there either.
    let raw = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        random_part,
    )
    .unwrap();
    for row in &dumped {
        assert!(!row.contains(random_part), "secret stored: {row}");
        assert!(!row.contains(&hex_of(&raw)), "secret's bytes stored: {row}");
    }
    let hash: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(hash, auth::secret_hash(secret).to_vec());
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn unknown_malformed_expired_and_revoked_secrets_are_refused_with_the_reason() {
    let db = common::db().await;
    let pool = &db.pool;
    let short = tokens::create(
        pool,
        "short",
        Role::Viewer,
        Some(t0() + Duration::hours(1)),
        "ana",
        t0(),
    )
    .await
    .unwrap();
    let gone = tokens::create(pool, "gone", Role::Viewer, None, "ana", t0())
        .await
        .unwrap();

    let other = auth::format_secret(&[7; auth::SECRET_BYTES]);
    assert_eq!(
        tokens::authenticate(pool, &other, t0()).await.unwrap(),
        Err(AuthFailure::Unknown)
    );
    for malformed in ["", "Bearer x", "mpd_", "mpd_short", &short.secret[1..]] {
        assert_eq!(
            tokens::authenticate(pool, malformed, t0()).await.unwrap(),
            Err(AuthFailure::Unknown),
            "{malformed:?}"
        );
    }

    let before = t0() + Duration::minutes(59);
    assert!(
        tokens::authenticate(pool, &short.secret, before)
            .await
            .unwrap()
            .is_ok()
    );
    assert_eq!(
        tokens::authenticate(pool, &short.secret, t0() + Duration::hours(1))
            .await
            .unwrap(),
        Err(AuthFailure::Expired {
            name: "short".into(),
            at: t0() + Duration::hours(1)
        })
    );

    let later = t0() + Duration::minutes(5);
    tokens::revoke(pool, "gone", "bo", later).await.unwrap();
    assert_eq!(
        tokens::authenticate(pool, &gone.secret, later)
            .await
            .unwrap(),
        Err(AuthFailure::Revoked {
            name: "gone".into(),
            at: later
        })
    );
    assert_eq!(
        audit_events(pool, "gone").await,
        vec![
            ("api_token_created".to_string(), "ana".to_string()),
            ("api_token_revoked".to_string(), "bo".to_string()),
        ]
    );
}

#[tokio::test]
async fn last_use_is_written_at_most_once_a_minute() {
    let db = common::db().await;
    let pool = &db.pool;
    let created = tokens::create(pool, "poller", Role::Viewer, None, "ana", t0())
        .await
        .unwrap();
    let s = &created.secret;
    let at = |secs: i64| t0() + Duration::seconds(secs);

    tokens::authenticate(pool, s, at(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last_used(pool, "poller").await, Some(at(10)));
    tokens::authenticate(pool, s, at(40))
        .await
        .unwrap()
        .unwrap();
    tokens::authenticate(pool, s, at(69))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        last_used(pool, "poller").await,
        Some(at(10)),
        "within the minute"
    );
    tokens::authenticate(pool, s, at(70))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last_used(pool, "poller").await, Some(at(70)));
    // A refused secret records no use.
    tokens::revoke(pool, "poller", "ana", at(200))
        .await
        .unwrap();
    tokens::authenticate(pool, s, at(300))
        .await
        .unwrap()
        .unwrap_err();
    let after: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE name = 'poller'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(after, Some(at(70)));
}

#[tokio::test]
async fn a_name_is_unique_among_active_tokens_and_free_again_once_revoked() {
    let db = common::db().await;
    let pool = &db.pool;
    let first = tokens::create(pool, "n8n", Role::Editor, None, "ana", t0())
        .await
        .unwrap();
    let err = tokens::create(pool, "n8n", Role::Viewer, None, "ana", t0())
        .await
        .unwrap_err();
    match &err {
        StoreError::Invalid { field, message } => {
            assert_eq!(field, "name");
            assert!(message.contains("already exists"), "{message}");
        }
        other => panic!("expected a name error, got {other:?}"),
    }
    tokens::revoke(pool, "n8n", "ana", t0()).await.unwrap();
    let second = tokens::create(pool, "n8n", Role::Viewer, None, "ana", t0())
        .await
        .unwrap();
    assert_ne!(first.secret, second.secret);
    assert_eq!(
        tokens::authenticate(pool, &second.secret, t0())
            .await
            .unwrap()
            .map(|a| a.role),
        Ok(Role::Viewer)
    );
    let listed = tokens::list(pool).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, second.token.id, "active first");
    assert_eq!(listed[0].revoked_at, None);
    assert_eq!(listed[1].id, first.token.id);
    assert_eq!(listed[1].revoked_by.as_deref(), Some("ana"));
}

#[tokio::test]
async fn revoking_an_unknown_or_already_revoked_name_is_a_clear_error() {
    let db = common::db().await;
    let pool = &db.pool;
    let unknown = tokens::revoke(pool, "nope", "ana", t0()).await.unwrap_err();
    assert!(
        matches!(&unknown, StoreError::NotFound { entity: "token", id } if id.contains("nope")),
        "{unknown:?}"
    );
    tokens::create(pool, "once", Role::Viewer, None, "ana", t0())
        .await
        .unwrap();
    tokens::revoke(pool, "once", "ana", t0()).await.unwrap();
    let again = tokens::revoke(pool, "once", "bo", t0()).await.unwrap_err();
    match &again {
        StoreError::Invalid { field, message } => {
            assert_eq!(field, "name");
            assert!(message.contains("already revoked"), "{message}");
            assert!(message.contains("by ana"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing audited for the refusals.
    assert_eq!(audit_events(pool, "nope").await, vec![]);
    assert_eq!(audit_events(pool, "once").await.len(), 2);
}

#[tokio::test]
async fn bad_names_and_past_expiries_are_refused_before_anything_is_written() {
    let db = common::db().await;
    let pool = &db.pool;
    for (name, expires_at, field) in [
        ("", None, "name"),
        ("a\u{1b}b", None, "name"),
        (&*"x".repeat(101), None, "name"),
        ("ok", Some(t0()), "expires_at"),
    ] {
        let err = tokens::create(pool, name, Role::Viewer, expires_at, "ana", t0())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid { field: f, .. } if f == field),
            "{name:?}: {err:?}"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}
