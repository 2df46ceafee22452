//! The API under test: `api::router` served over real HTTP on loopback (an ephemeral port)
//! against a real PostgreSQL, with tokens of each role, and the small helpers every API test
//! file uses (a JSON call, the `detail` checks). Shared by the `api_*` test files.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mpis_dash::api::{self, ApiLimits, ApiState};
use mpis_dash::config::{Config, Overrides};
use mpis_dash::domain::auth::Role;
use mpis_dash::mpis::MpisClient;
use mpis_dash::store::tokens;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// A running API: its base URL and an admin token for it (when its database works); sending
/// on (or dropping) `stop` stops it.
pub struct Running {
    pub base: String,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub done: tokio::task::JoinHandle<std::io::Result<()>>,
    pub token: Option<String>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client sending the admin token (most tests are about the routes; the auth matrix is
    /// about who may call them).
    pub fn http(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(token) = &self.token {
            let value = format!("Bearer {token}").parse().expect("a header value");
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        mpis_dash::tls::http_client_builder()
            .timeout(Duration::from_secs(20))
            .default_headers(headers)
            .build()
            .expect("client")
    }
}

/// The API with reads open to anyone (so the broken-database tests reach the routes) and an
/// admin token for writes, on the default config.
pub async fn start(pool: PgPool, mpis: Option<MpisClient>, limits: ApiLimits) -> Running {
    start_configured(pool, mpis, limits, config()).await
}

/// [`start`] with a config of the test's own (e.g. `n8n_webhook_url`, rate limits).
pub async fn start_configured(
    pool: PgPool,
    mpis: Option<MpisClient>,
    limits: ApiLimits,
    config: Config,
) -> Running {
    let token = tokio::time::timeout(
        Duration::from_secs(2),
        tokens::create(
            &pool,
            "tests-admin",
            Role::Admin,
            None,
            "tests",
            chrono::Utc::now(),
        ),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .map(|created| created.secret)
    // A database that is down: a well-formed token, so requests go through the check (which
    // needs the database too) as a real client's would.
    .or_else(|| Some(format!("mpd_{}", "A".repeat(43))));
    let mut running = start_with_config(pool, mpis, limits, true, config).await;
    running.token = token;
    running
}

/// The API without a token of its own; `anonymous_read` as `--allow-anonymous-read`.
pub async fn start_with(
    pool: PgPool,
    mpis: Option<MpisClient>,
    limits: ApiLimits,
    anonymous_read: bool,
) -> Running {
    start_with_config(pool, mpis, limits, anonymous_read, config()).await
}

pub async fn start_with_config(
    pool: PgPool,
    mpis: Option<MpisClient>,
    limits: ApiLimits,
    anonymous_read: bool,
    config: Config,
) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let line = api::server::ready_line(&listener).expect("local address");
    let base = line
        .strip_prefix("listening on ")
        .expect("the ready line")
        .to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = api::router(ApiState::new(
        pool,
        Arc::new(config),
        mpis,
        limits,
        anonymous_read,
    ));
    let done = tokio::spawn(api::server::serve(
        listener,
        app,
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(10),
    ));
    Running {
        base,
        stop: Some(stop),
        done,
        token: None,
    }
}

/// The defaults, as with an empty config file.
pub fn config() -> Config {
    Config::load(&Overrides {
        config_path: Some("/dev/null".into()),
        data_dir: Some(std::env::temp_dir()),
        ..Overrides::default()
    })
    .expect("the default config")
}

/// A token of `role` named `name`, created now, without expiry: its secret.
pub async fn token(pool: &PgPool, name: &str, role: Role) -> String {
    tokens::create(pool, name, role, None, "tests", chrono::Utc::now())
        .await
        .expect("a token")
        .secret
}

/// A client without a token.
pub fn http() -> reqwest::Client {
    mpis_dash::tls::http_client_builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// Sends and reads the answer as JSON (every answer of the API is JSON).
pub async fn call(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("an answer");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body: {text:?}"));
    (status, body)
}

/// A 4xx with a `detail`.
pub fn assert_detail(status: StatusCode, body: &Value, case: &str) {
    assert!(status.is_client_error(), "{case}: {status} {body}");
    assert!(body.get("detail").is_some(), "{case}: no detail in {body}");
}

/// The `loc` of each problem of a 422 list.
pub fn locs(body: &Value) -> Vec<Value> {
    body["detail"]
        .as_array()
        .unwrap_or_else(|| panic!("a list detail: {body}"))
        .iter()
        .map(|problem| problem["loc"].clone())
        .collect()
}

/// An auth matrix's tokens by name: `viewer`, `editor` and `admin` of their role, and two
/// admin tokens that no longer work: `expired` (a minute ago) and `revoked`.
pub async fn role_tokens(pool: &PgPool) -> HashMap<&'static str, String> {
    let mut secrets = HashMap::new();
    for (name, role) in [
        ("viewer", Role::Viewer),
        ("editor", Role::Editor),
        ("admin", Role::Admin),
        ("expired", Role::Admin),
        ("revoked", Role::Admin),
    ] {
        secrets.insert(name, token(pool, name, role).await);
    }
    sqlx::query(
        "UPDATE api_tokens SET expires_at = now() - INTERVAL '1 minute' WHERE name = 'expired'",
    )
    .execute(pool)
    .await
    .unwrap();
    tokens::revoke(pool, "revoked", "tests", chrono::Utc::now())
        .await
        .unwrap();
    secrets
}

/// A well-formed secret no database knows (the matrix's "unknown token").
pub fn unknown_secret() -> String {
    format!("mpd_{}", "B".repeat(43))
}

/// `request` with `authorization` as its header, or without one (the matrix's "no token").
pub fn authorized(
    request: reqwest::RequestBuilder,
    authorization: Option<&str>,
) -> reqwest::RequestBuilder {
    match authorization {
        Some(value) => request.header("authorization", value),
        None => request,
    }
}

/// A pool to a port nothing listens on: every query fails to connect (the database is down)
/// within `acquire`.
pub fn pool_to_closed_port(acquire: Duration) -> PgPool {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    PgPoolOptions::new()
        .acquire_timeout(acquire)
        .connect_lazy_with(
            PgConnectOptions::new()
                .host("127.0.0.1")
                .port(port)
                .username("nobody")
                .database("nothing"),
        )
}
