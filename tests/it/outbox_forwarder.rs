//! The publish outbox forwarder against the MPIS sandbox over real HTTP and a real PostgreSQL:
//! nothing lost while MPIS is down, forwarded once when it is back, once after a restart, and
//! never twice when an earlier attempt got through.

use crate::common;

use mpis_dash::store::outbox::OutboxState;
use std::time::Duration;

use chrono::Utc;
use mpis_dash::jobs::outbox::Forwarder;
use mpis_dash::mpis::sandbox::{self, SandboxFaults, SandboxHandle};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::outbox::{self, NewPublishRecord, PublishRecord};
use sqlx::PgPool;
use uuid::Uuid;

async fn mpis() -> (SandboxHandle, MpisClient) {
    let sandbox = sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxFaults::none())
        .await
        .unwrap();
    let mut config = MpisConfig::new(sandbox.url());
    config.request_timeout = Duration::from_secs(2);
    let client = MpisClient::new(config).unwrap();
    (sandbox, client)
}

fn forwarder(pool: &PgPool, client: &MpisClient) -> Forwarder<MpisClient> {
    let mut forwarder = Forwarder::new(pool.clone(), client.clone());
    // Retries due at once, so a test can run the next pass straight away.
    forwarder.backoff_base = Duration::ZERO;
    forwarder.backoff_max = Duration::ZERO;
    forwarder
}

async fn enqueue(pool: &PgPool, draft_id: Uuid, item: &str) -> PublishRecord {
    outbox::enqueue(
        pool,
        &NewPublishRecord {
            idempotency_key: format!("publish:{draft_id}:telegram:{item}"),
            run_id: Some(Uuid::new_v4()),
            project_id: None,
            persona_id: None,
            published_at: Some(Utc::now()),
            draft_id,
            channel: "telegram".into(),
            channel_item_id: Some(item.to_string()),
            channel_url: Some(format!("https://t.me/demo/{item}")),
            created_by: "alice".into(),
        },
    )
    .await
    .unwrap()
    .record
}

async fn state(pool: &PgPool, id: Uuid) -> PublishRecord {
    outbox::get(pool, id).await.unwrap().unwrap()
}

#[tokio::test]
async fn mpis_down_keeps_the_record_queued_and_back_up_forwards_it_once() {
    let db = common::db().await;
    let (sandbox, client) = mpis().await;
    let record = enqueue(&db.pool, Uuid::new_v4(), "101").await;
    let forwarder = forwarder(&db.pool, &client);

    for down in [
        SandboxFaults {
            force_5xx: true,
            ..SandboxFaults::none()
        },
        SandboxFaults {
            drop_connections: true,
            ..SandboxFaults::none()
        },
    ] {
        sandbox.set_faults(down);
        let report = forwarder.run_once().await.unwrap();
        assert_eq!((report.forwarded, report.retrying), (0, 1));
        let waiting = state(&db.pool, record.id).await;
        assert_eq!(
            waiting.state,
            OutboxState::Queued,
            "nothing lost while MPIS is down"
        );
        assert!(waiting.last_error.is_some());
    }
    assert_eq!(state(&db.pool, record.id).await.attempts, 2);

    sandbox.set_faults(SandboxFaults::none());
    let report = forwarder.run_once().await.unwrap();
    assert_eq!(report.forwarded, 1);
    let done = state(&db.pool, record.id).await;
    assert_eq!(done.state, OutboxState::Forwarded);
    let published = sandbox.published();
    assert_eq!(published.len(), 1, "forwarded once");
    assert_eq!(done.mpis_published_item_id, Some(published[0].response.id));
    // Only MPIS's four fields left the dashboard; the local ones stayed.
    let sent = published[0].request.as_object().unwrap();
    let mut keys: Vec<_> = sent.keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["channel", "channel_item_id", "channel_url", "draft_id"]
    );

    // Later passes find nothing to do.
    assert_eq!(forwarder.run_once().await.unwrap().forwarded, 0);
    assert_eq!(sandbox.published().len(), 1);
}

#[tokio::test]
async fn a_record_written_before_a_crash_is_forwarded_after_restart_once() {
    let db = common::db().await;
    let (sandbox, client) = mpis().await;
    // The local write happened; the process died before any forward.
    let record = enqueue(&db.pool, Uuid::new_v4(), "202").await;

    // "Restart": a new forwarder on the same database.
    let report = forwarder(&db.pool, &client).run_once().await.unwrap();
    assert_eq!(report.forwarded, 1);
    assert_eq!(
        state(&db.pool, record.id).await.state,
        OutboxState::Forwarded
    );
    assert_eq!(sandbox.published().len(), 1);
}

#[tokio::test]
async fn a_send_that_got_through_before_a_crash_is_not_sent_twice() {
    let db = common::db().await;
    let (sandbox, client) = mpis().await;
    let lease = Duration::from_secs(60);

    // 1. Through the idempotency key (an MPIS that honours it, like the sandbox): the process
    //    claimed and sent the record, then died before marking it; its lease runs out.
    let record = enqueue(&db.pool, Uuid::new_v4(), "303").await;
    let claimed = outbox::claim_due(&db.pool, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    use mpis_dash::jobs::outbox::Forward;
    let first_id = client.forward(&claimed[0]).await.unwrap();
    sqlx::query(
        "UPDATE publish_records SET locked_until = NOW() - INTERVAL '1 second' WHERE id = $1",
    )
    .bind(record.id)
    .execute(&db.pool)
    .await
    .unwrap();
    let report = forwarder(&db.pool, &client).run_once().await.unwrap();
    assert_eq!(report.forwarded, 1);
    assert_eq!(
        state(&db.pool, record.id).await.mpis_published_item_id,
        Some(first_id)
    );
    assert_eq!(sandbox.published().len(), 1, "one record in MPIS");

    // 2. Through MPIS's own table (the dashboard shares MPIS's database, and MPIS ignores the
    //    key): the item is already in published_items, so nothing is sent at all.
    let persona = common::persona(&db.pool, "Alex").await;
    let draft = common::draft(&db.pool, persona, "telegram").await;
    let record = enqueue(&db.pool, draft, "404").await;
    let existing = common::published_item(&db.pool, draft, "telegram", "404", Utc::now()).await;
    let sends_before = sandbox.request_count("POST", "/publisher/publish/record");
    let report = forwarder(&db.pool, &client).run_once().await.unwrap();
    assert_eq!(report.already_recorded, 1);
    assert_eq!(
        sandbox.request_count("POST", "/publisher/publish/record"),
        sends_before
    );
    let done = state(&db.pool, record.id).await;
    assert_eq!(
        (done.state.as_str(), done.mpis_published_item_id),
        ("forwarded", Some(existing))
    );
}

#[tokio::test]
async fn mpis_refusing_the_record_fails_it_for_good_with_its_reason() {
    let db = common::db().await;
    let (sandbox, client) = mpis().await;
    let draft = Uuid::new_v4();
    sandbox.mark_unknown(draft);
    let record = enqueue(&db.pool, draft, "505").await;
    let forwarder = forwarder(&db.pool, &client);
    let report = forwarder.run_once().await.unwrap();
    assert_eq!(report.failed, 1);
    let failed = state(&db.pool, record.id).await;
    assert_eq!(failed.state, OutboxState::Failed);
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains(&draft.to_string()),
        "{failed:?}"
    );
    // Failed records are not retried.
    assert_eq!(forwarder.run_once().await.unwrap(), Default::default());
}

/// MPIS on the dashboard's database, as the real one: it ignores idempotency keys and writes
/// `published_at` as naive UTC, which a database outside UTC shifts.
async fn mpis_on(db: &ScratchDb, faults: SandboxFaults) -> (SandboxHandle, MpisClient) {
    let sandbox =
        sandbox::start_with_database("127.0.0.1:0".parse().unwrap(), faults, db.pool.clone())
            .await
            .unwrap();
    let mut config = MpisConfig::new(sandbox.url());
    config.request_timeout = Duration::from_secs(2);
    (sandbox, MpisClient::new(config).unwrap())
}

#[tokio::test]
async fn a_lost_response_on_a_database_outside_utc_is_recorded_in_mpis_once() {
    // +05:30: MPIS's naive UTC times land 5 h 30 min early.
    let db = ScratchDb::with_time_zone("Asia/Kolkata").await.unwrap();
    let like_mpis = SandboxFaults {
        ignore_idempotency_keys: true,
        ..SandboxFaults::none()
    };
    let (sandbox, client) = mpis_on(
        &db,
        SandboxFaults {
            drop_responses: true,
            ..like_mpis.clone()
        },
    )
    .await;
    let persona = common::persona(&db.pool, "Alex").await;
    let draft = common::draft(&db.pool, persona, "telegram").await;
    let record = enqueue(&db.pool, draft, "606").await;
    let forwarder = forwarder(&db.pool, &client);

    // MPIS records the publish, but its answer never arrives.
    let report = forwarder.run_once().await.unwrap();
    assert_eq!((report.forwarded, report.retrying), (0, 1));
    assert_eq!(common::count(&db.pool, "published_items").await, 1);
    let published_at: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT published_at FROM published_items")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(
        record.created_at - published_at > chrono::Duration::hours(5),
        "MPIS's time is shifted by the zone ({published_at} vs {}), so no clock could match it",
        record.created_at
    );

    // The retries find MPIS's item by draft, channel and item id, and send nothing.
    sandbox.set_faults(like_mpis);
    let sends = sandbox.request_count("POST", "/publisher/publish/record");
    for _ in 0..3 {
        forwarder.run_once().await.unwrap();
    }
    assert_eq!(
        sandbox.request_count("POST", "/publisher/publish/record"),
        sends
    );
    assert_eq!(common::count(&db.pool, "published_items").await, 1);
    let done = state(&db.pool, record.id).await;
    assert_eq!(done.state, OutboxState::Forwarded);
    assert_eq!(
        done.mpis_published_item_id,
        Some(sandbox.published()[0].response.id)
    );
}

#[tokio::test]
async fn an_item_that_is_another_records_publish_is_not_taken_for_this_one() {
    let db = common::db().await;
    let (sandbox, client) = mpis_on(
        &db,
        SandboxFaults {
            ignore_idempotency_keys: true,
            ..SandboxFaults::none()
        },
    )
    .await;
    let persona = common::persona(&db.pool, "Alex").await;
    let draft = common::draft(&db.pool, persona, "telegram").await;
    let without_item_id = |key: &str| NewPublishRecord {
        idempotency_key: key.to_owned(),
        run_id: None,
        project_id: None,
        persona_id: None,
        published_at: None,
        draft_id: draft,
        channel: "telegram".into(),
        channel_item_id: None,
        channel_url: None,
        created_by: "alice".into(),
    };
    let forwarder = forwarder(&db.pool, &client);
    let first = outbox::enqueue(&db.pool, &without_item_id("first"))
        .await
        .unwrap()
        .record;
    assert_eq!(forwarder.run_once().await.unwrap().forwarded, 1);

    // A deliberate second publish of the same draft (no item id either): MPIS's first item is
    // the first record's, so this one is sent and gets an item of its own.
    let second = outbox::enqueue(&db.pool, &without_item_id("second"))
        .await
        .unwrap()
        .record;
    assert_eq!(outbox::find_in_mpis(&db.pool, &second).await.unwrap(), None);
    assert_eq!(forwarder.run_once().await.unwrap().forwarded, 1);
    assert_eq!(sandbox.published().len(), 2);
    let (first, second) = (
        state(&db.pool, first.id).await,
        state(&db.pool, second.id).await,
    );
    assert_ne!(first.mpis_published_item_id, second.mpis_published_item_id);
}

#[tokio::test]
async fn forwarding_one_record_sends_that_record_only() {
    let db = common::db().await;
    let (sandbox, client) = mpis().await;
    let waiting = enqueue(&db.pool, Uuid::new_v4(), "801").await;
    let submitted = enqueue(&db.pool, Uuid::new_v4(), "802").await;
    let forwarder = forwarder(&db.pool, &client);

    let report = forwarder.forward_one(submitted.id).await.unwrap();
    assert_eq!(report.forwarded, 1);
    assert_eq!(
        state(&db.pool, submitted.id).await.state,
        OutboxState::Forwarded
    );
    assert_eq!(state(&db.pool, waiting.id).await.state, OutboxState::Queued);
    assert_eq!(sandbox.published().len(), 1);
    // A record that is no longer queued (or held by another forwarder) is left alone.
    assert_eq!(
        forwarder.forward_one(submitted.id).await.unwrap(),
        Default::default()
    );
    assert_eq!(sandbox.published().len(), 1);
}
