//! The outbox widget's records: Enter opens a record's detail at 80x24, `R` retries a failed
//! one after a confirm (read-only refuses), and the retry goes through the store with an audit
//! entry, against a real PostgreSQL.

use std::time::Duration;

use crate::common;
use crate::tui_common::*;
use mpis_dash::domain::red_flags::Thresholds;
use mpis_dash::store::outbox::{self, NewPublishRecord, OutboxState};
use mpis_dash::store::{StoreError, audit};
use mpis_dash::tui::app::{App, Overlay};
use mpis_dash::tui::data::WidgetKind;
use mpis_dash::tui::worker::{self, Command, DataEvent};
use ratatui::crossterm::event::KeyCode;
use uuid::Uuid;

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// The On-call layout with its outbox widget focused and loaded (fixture: a queued record,
/// then a failed one after 10 tries).
fn on_outbox(read_only: bool) -> App {
    let mut options = options();
    options.read_only = read_only;
    let (mut app, _) = started_with(options, (80, 24));
    let commands = app.update(char_key('L'), app.now); // On-call
    answer(&mut app, &commands);
    app.focus = slot_of(&app, &WidgetKind::Outbox);
    app
}

fn screen(app: &App) -> String {
    draw_view(app, (80, 24)).backend().to_string()
}

#[test]
fn enter_opens_the_record_and_r_retries_a_failed_one_after_asking() {
    let mut app = on_outbox(false);
    press(&mut app, KeyCode::Down); // the failed record
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let record = match &app.overlay {
        Some(Overlay::OutboxRecord(record)) => record.clone(),
        other => panic!("no record open: {other:?}"),
    };
    assert_eq!(record.state, OutboxState::Failed);
    let text = screen(&app);
    for shown in [
        "refused by MPIS; not retried on its own",
        "instagram · item item-2",
        "attempts     10",
        "next attempt none",
        "last error   MPIS 503 Service Unavailable",
        "created      2025-05-20 09:00:00 UTC by ops",
        "forwarded    not yet",
        "MPIS item    none yet",
        "R retry (asks first)",
    ] {
        assert!(text.contains(shown), "{shown:?} in:\n{text}");
    }
    assert!(text.contains(&record.draft_id.to_string()), "{text}");
    // R asks first, y sends the retry.
    app.update(char_key('R'), app.now);
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => {
            assert!(confirm.question.starts_with("Retry the publish of draft"));
            assert_eq!(confirm.on_yes, Command::RetryPublishRecord(record.id));
        }
        other => panic!("no confirm: {other:?}"),
    }
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Command::RetryPublishRecord(record.id)]
    );
    // Any other key closes the detail.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn a_queued_record_is_not_retried_by_hand_and_read_only_refuses() {
    let mut app = on_outbox(false);
    press(&mut app, KeyCode::Enter); // the queued record (no try yet)
    let text = screen(&app);
    assert!(text.contains("queued: not sent yet"), "{text}");
    assert!(text.contains("attempts     none yet"), "{text}");
    assert!(!text.contains("R retry"), "{text}");
    assert!(app.update(char_key('R'), app.now).is_empty());
    assert!(
        matches!(app.overlay, Some(Overlay::OutboxRecord(_))),
        "stays open"
    );
    assert!(message(&app).starts_with("only a failed record is retried"));

    let mut app = on_outbox(true);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert!(!screen(&app).contains("R retry"));
    assert!(app.update(char_key('R'), app.now).is_empty());
    assert!(matches!(app.overlay, Some(Overlay::OutboxRecord(_))));
    assert_eq!(message(&app), "read-only: retrying a publish record is off");
}

#[test]
fn the_widget_never_says_gave_up_after_no_try() {
    let mut app = on_outbox(false);
    // Wide enough for the widget's "next" column.
    let wide = |app: &App| draw_view(app, (200, 50)).backend().to_string();
    let text = wide(&app);
    assert!(!text.contains("gave up"), "{text}");
    assert!(text.contains("refused"), "failed after 10 tries: {text}");
    // A record failed with no try counted says it was not sent.
    if let Some(mpis_dash::tui::data::WidgetData::Outbox(data)) =
        app.slots[app.focus].data.value.as_mut()
    {
        data.unforwarded[1].attempts = 0;
    }
    let text = wide(&app);
    assert!(text.contains("not sent"), "{text}");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("failed before it was sent; not retried"));
}

async fn failed_record(pool: &sqlx::PgPool) -> Uuid {
    let draft = Uuid::new_v4();
    let record = outbox::enqueue(
        pool,
        &NewPublishRecord {
            idempotency_key: format!("retry-test-{draft}"),
            run_id: None,
            project_id: None,
            persona_id: None,
            published_at: None,
            draft_id: draft,
            channel: "telegram".to_string(),
            channel_item_id: Some("501".to_string()),
            channel_url: None,
            created_by: "ops".to_string(),
        },
    )
    .await
    .unwrap()
    .record;
    outbox::claim(pool, record.id, Duration::from_secs(30))
        .await
        .unwrap()
        .expect("claimed");
    outbox::mark_failed(pool, record.id, "400 Draft not found")
        .await
        .unwrap();
    record.id
}

#[tokio::test]
async fn retry_queues_a_failed_record_again_with_an_audit_entry() {
    let db = common::db().await;
    let pool = &db.pool;
    let id = failed_record(pool).await;
    let record = outbox::retry_failed(pool, id, "alice").await.unwrap();
    assert_eq!(record.state, OutboxState::Queued);
    assert_eq!(record.attempts, 1, "the count of tries is kept");
    assert_eq!(record.last_error.as_deref(), Some("400 Draft not found"));
    let entries = audit::for_entity(pool, id, 10).await.unwrap();
    let retried = entries
        .iter()
        .find(|e| e.event_type == "publish_retried")
        .expect("an audit entry");
    assert_eq!(retried.details.0["operator"], "alice");
    assert_eq!(retried.details.0["last_error"], "400 Draft not found");
    assert_eq!(retried.details.0["attempts"], 1);
    // A queued record is not "retried" again, and an unknown one is not found.
    match outbox::retry_failed(pool, id, "alice").await {
        Err(StoreError::Conflict(message)) => {
            assert!(message.contains("is queued, not failed"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        outbox::retry_failed(pool, Uuid::new_v4(), "alice").await,
        Err(StoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn the_worker_retries_through_the_store_and_reports() {
    let db = common::db().await;
    let pool = &db.pool;
    let id = failed_record(pool).await;
    let (commands, mut events) = worker::spawn(
        pool.clone(),
        "alice".to_string(),
        mpis_dash::tui::user_id("alice"),
        Thresholds::default(),
    );
    commands.send(Command::RetryPublishRecord(id)).unwrap();
    let (message, ok) = loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the worker answers")
            .expect("open");
        if let DataEvent::ActionDone { message, ok } = event {
            break (message, ok);
        }
    };
    assert!(ok, "{message}");
    // No MPIS configured: queued for when one is.
    assert_eq!(
        message,
        "retry: queued: no MPIS configured; it is forwarded once one is"
    );
    let record = outbox::get(pool, id).await.unwrap().unwrap();
    assert_eq!(record.state, OutboxState::Queued);
}

#[test]
fn the_record_detail_at_80x24() {
    let mut app = on_outbox(false);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(
        "outbox_record_detail_80x24",
        draw_view(&app, (80, 24)).backend()
    );
}
