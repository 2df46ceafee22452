//! What `serve` writes to the log while it is given passwords, tokens and credentials: none of
//! them, at any level. A test binary of its own, so the subscriber (everything, TRACE) can be
//! the process-wide one (see outbox_log.rs for why a thread-local one misses events).

#[allow(dead_code)]
#[path = "it/api_common.rs"]
mod api_common;
#[path = "it/common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex};

use mpis_dash::api::ApiLimits;
use mpis_dash::config::Secret;
use serde_json::json;

#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_password_token_or_credential_reaches_the_log() {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");

    let db = common::db().await;
    let password = "pw-LEAKCHECK-9f2e";
    let mut config = api_common::config();
    config.admin_password = Secret::non_blank(password.to_string());
    config.rate_limit_per_sec = 1;
    config.rate_limit_burst = 2;
    let api =
        api_common::start_configured(db.pool.clone(), None, ApiLimits::default(), config).await;
    let client = api_common::http();
    let login = |password: &str| {
        client
            .post(api.url("/api/auth/login"))
            .json(&json!({ "password": password }))
            .send()
    };
    assert_eq!(login("wrong-LEAKCHECK-guess").await.unwrap().status(), 401);
    let answer: serde_json::Value = login(password).await.unwrap().json().await.unwrap();
    let token = answer["token"].as_str().expect("a token").to_string();
    let bearer = format!("Bearer {token}");
    let created = client
        .post(api.url("/api/metrics/jobs"))
        .header("authorization", &bearer)
        .json(&json!({
            "job_name": "leak-check", "channel": "telegram", "schedule_cron": "0 * * * *",
            "config": {"bot_token": "123:BOT-LEAKCHECK", "api_key": "KEY-LEAKCHECK"},
        }))
        .send()
        .await
        .unwrap();
    // Secret values are refused (a job names where its secret lives): the refusal neither
    // echoes nor logs them.
    assert_eq!(created.status(), 422);
    let refusal = created.text().await.unwrap();
    assert!(refusal.contains("credential"), "{refusal}");
    assert!(
        !refusal.contains("LEAKCHECK"),
        "a secret was echoed: {refusal}"
    );
    // Over the rate limit, with an unknown token, and more wrong passwords (up to 429).
    for _ in 0..4 {
        let _ = client
            .get(api.url("/api/metrics/jobs"))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
    }
    let unknown = format!("Bearer mpd_{}", "LEAKCHECKx".repeat(4) + "abc");
    let _ = client
        .get(api.url("/api/widgets"))
        .header("authorization", &unknown)
        .send()
        .await
        .unwrap();
    for _ in 0..6 {
        let _ = login("wrong-LEAKCHECK-guess").await.unwrap();
    }

    let text = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(text.contains("failed login"), "the log is captured: {text}");
    assert!(!text.contains(&token), "the token was logged");
    let secret_part = token.trim_start_matches("mpd_");
    assert!(!text.contains(secret_part), "the token's secret was logged");
    for line in text.lines() {
        assert!(!line.contains("LEAKCHECK"), "a secret was logged: {line}");
        assert!(!line.contains(password), "the password was logged: {line}");
    }
}
