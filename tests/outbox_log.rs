//! What the publish outbox and the MPIS client write to the log at the default level (warn):
//! one line when a state changes, never one per attempt. A test binary of its own, so the
//! subscriber can be the process-wide one: tracing caches per call site whether anyone listens,
//! and a thread-local subscriber misses events whose call site another test's thread saw first.

#[path = "it/common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::Utc;
use mpis_dash::jobs::outbox::Forwarder;
use mpis_dash::mpis::sandbox::{self, SandboxFaults};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::store::outbox::{self, NewPublishRecord};
use sqlx::PgPool;
use uuid::Uuid;

/// Everything logged at warn and above in this process.
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

impl CapturedLog {
    fn global() -> CapturedLog {
        static LOG: OnceLock<CapturedLog> = OnceLock::new();
        LOG.get_or_init(|| {
            let log = CapturedLog::default();
            let writer = log.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::WARN)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
            log
        })
        .clone()
    }

    /// How many lines contain `needle`.
    fn count(&self, needle: &str) -> usize {
        let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
        text.lines().filter(|line| line.contains(needle)).count()
    }
}

async fn enqueue(pool: &PgPool, draft_id: Uuid, item: &str) {
    outbox::enqueue(
        pool,
        &NewPublishRecord {
            idempotency_key: format!("publish:{draft_id}:telegram:{item}"),
            run_id: None,
            project_id: None,
            persona_id: None,
            published_at: Some(Utc::now()),
            draft_id,
            channel: "telegram".into(),
            channel_item_id: Some(item.to_string()),
            channel_url: None,
            created_by: "alice".into(),
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn an_outage_is_logged_at_warn_once_when_it_starts_and_once_when_it_ends() {
    let log = CapturedLog::global();
    let db = common::db().await;
    let sandbox = sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxFaults::none())
        .await
        .unwrap();
    let mut config = MpisConfig::new(sandbox.url());
    config.request_timeout = Duration::from_secs(2);
    let client = MpisClient::new(config).unwrap();
    let mut forwarder = Forwarder::new(db.pool.clone(), client);
    // Retries due at once, so the next pass tries again straight away.
    forwarder.backoff_base = Duration::ZERO;
    forwarder.backoff_max = Duration::ZERO;
    for item in ["701", "702"] {
        enqueue(&db.pool, Uuid::new_v4(), item).await;
    }

    sandbox.set_faults(SandboxFaults {
        force_5xx: true,
        ..SandboxFaults::none()
    });
    for _ in 0..3 {
        assert_eq!(forwarder.run_once().await.unwrap().retrying, 2);
    }
    // Six failed sends: one line that MPIS is down, one that the outbox keeps retrying, with
    // the reason.
    assert_eq!(log.count("WARN"), 2, "{:?}", log.0);
    assert_eq!(log.count("MPIS unavailable: MPIS failed (HTTP 503)"), 1);
    assert_eq!(log.count("kept queued, retried with backoff"), 1);
    assert_eq!(log.count("HTTP 503"), 2);

    // MPIS drops connections instead: another kind of failure is news.
    sandbox.set_faults(SandboxFaults {
        drop_connections: true,
        ..SandboxFaults::none()
    });
    forwarder.run_once().await.unwrap();
    forwarder.run_once().await.unwrap();
    assert_eq!(log.count("MPIS unavailable: MPIS unreachable"), 1);
    assert_eq!(log.count("kept queued"), 2);

    sandbox.set_faults(SandboxFaults::none());
    assert_eq!(forwarder.run_once().await.unwrap().forwarded, 2);
    assert_eq!(log.count("MPIS answers again after"), 1);
    assert_eq!(log.count("publish outbox forwards again after"), 1);

    // A record MPIS refuses is its own state change: one line, and no more for it.
    let refused = Uuid::new_v4();
    sandbox.mark_unknown(refused);
    enqueue(&db.pool, refused, "703").await;
    forwarder.run_once().await.unwrap();
    forwarder.run_once().await.unwrap();
    assert_eq!(log.count("refused by MPIS, not retried"), 1);
    assert_eq!(log.count("WARN"), 7, "nothing else while all is well");
}
