//! The MPIS client against the MPIS sandbox over real HTTP on 127.0.0.1 (no mocks): every
//! route, every documented error, every fault.

use std::net::SocketAddr;
use std::time::Duration;

use mpis_dash::mpis::sandbox::{self, EXPORT_FILES, SandboxFaults, SandboxHandle};
use mpis_dash::mpis::{
    EditOp, EditOperation, GenesisApproveRequest, GenesisStartRequest, JobStatus, MetricInput,
    MetricsIngestRequest, MpisClient, MpisConfig, MpisError, PublishRecordRequest, SourceInput,
    SourceType, SummaryRange, cancellable,
};
use serde_json::{Value, json};
use uuid::Uuid;

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn sandbox(faults: SandboxFaults) -> SandboxHandle {
    sandbox::start(loopback(), faults)
        .await
        .expect("the sandbox binds 127.0.0.1:0")
}

/// Short timeouts and quick retries, so fault tests finish fast.
fn config(url: &str) -> MpisConfig {
    let mut config = MpisConfig::new(url);
    config.connect_timeout = Duration::from_millis(500);
    config.request_timeout = Duration::from_millis(200);
    config.genesis_timeout = Duration::from_millis(200);
    config.max_retries = 2;
    config.backoff_base = Duration::from_millis(5);
    config
}

fn client_for(sandbox: &SandboxHandle) -> MpisClient {
    MpisClient::new(config(&sandbox.url())).expect("a valid config")
}

fn patient_client_for(sandbox: &SandboxHandle) -> MpisClient {
    let mut config = config(&sandbox.url());
    config.request_timeout = Duration::from_secs(10);
    config.genesis_timeout = Duration::from_secs(10);
    MpisClient::new(config).expect("a valid config")
}

fn rejected(outcome: Result<impl std::fmt::Debug, MpisError>) -> (u16, String) {
    match outcome {
        Err(MpisError::Rejected { status, detail }) => (status, detail),
        other => panic!("expected a 4xx with a detail, got {other:?}"),
    }
}

fn start_request(name: &str) -> GenesisStartRequest {
    let mut request = GenesisStartRequest::new(name);
    request.inspiration_source = Some("Tim Keller".into());
    request.notes = Some("Warm, practical".into());
    request.sources = vec![
        SourceInput {
            kind: SourceType::Youtube,
            reference: "https://www.youtube.com/watch?v=abc".into(),
            metadata: Default::default(),
        },
        SourceInput {
            kind: SourceType::Text,
            reference: "Grace precedes effort.".into(),
            metadata: Default::default(),
        },
    ];
    request
}

// ------------------------------------------------------------------------------------------------
// Happy paths

#[tokio::test]
async fn health_answers_and_the_api_key_travels_as_a_header() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let mut config = config(&sandbox.url());
    config.api_key = Some("s3cret".into());
    let client = MpisClient::new(config).unwrap();

    let health = client.health().await.unwrap();
    assert_eq!(health.status, "healthy");
    assert_eq!(health.service, sandbox::SERVICE_NAME);
    assert_eq!(health.version, "1.0.0");
    let seen = sandbox.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/health");
    assert_eq!(seen[0].api_key.as_deref(), Some("s3cret"));
}

#[tokio::test]
async fn genesis_start_status_edit_confirm_export() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let client = patient_client_for(&sandbox);

    let started = client
        .genesis_start(&start_request("Tim Keller"))
        .await
        .unwrap();
    assert_eq!(started.status, JobStatus::AwaitingApproval);
    assert_eq!(started.draft_no, 1);
    assert!(
        started
            .human_prompt
            .as_deref()
            .is_some_and(|p| p.contains("Draft 1"))
    );
    let preview = started.preview.clone().unwrap();
    assert_eq!(preview.slug, "tim-keller");
    assert_eq!(preview.name, "Tim Keller");
    assert_eq!(preview.active_version, "draft");
    assert_eq!(preview.persona_id, None);
    assert_eq!(
        preview.next_actions,
        ["Add signature phrases", "Expand primary topics"]
    );
    assert!(preview.dominant_tones.len() <= 3);

    // The same name again gets the next free slug.
    let again = client
        .genesis_start(&GenesisStartRequest::new("Tim  Keller!"))
        .await
        .unwrap();
    assert_eq!(again.preview.unwrap().slug, "tim-keller-2");

    let status = client.genesis_status(started.job_id).await.unwrap();
    assert_eq!(status.status, JobStatus::AwaitingApproval);
    assert_eq!(status.progress.stage, "awaiting_approval");
    assert_eq!(status.progress.percent, 80);
    assert_eq!(status.progress.message, "Awaiting human approval");
    assert_eq!(status.draft_no, 1);
    assert!(status.errors.is_empty());
    assert_eq!(status.preview.as_ref(), Some(&preview));

    // Edits: a new draft, still awaiting approval.
    let edited = client
        .genesis_approve(&GenesisApproveRequest {
            job_id: started.job_id,
            draft_no: 1,
            confirm: true, // edits win over confirm
            edits: vec![
                EditOperation {
                    path: "lexicon.signature_phrases".into(),
                    op: EditOp::Add,
                    value: json!("Consider this..."),
                },
                EditOperation {
                    path: "topics.primary".into(),
                    op: EditOp::Replace,
                    value: json!(["faith", "work", "rest", "culture"]),
                },
                EditOperation {
                    path: "credo.statements[0]".into(),
                    op: EditOp::Remove,
                    value: Value::Null,
                },
                EditOperation {
                    path: "credo.summary".into(),
                    op: EditOp::Replace,
                    value: json!("Faith at work"),
                },
            ],
        })
        .await
        .unwrap();
    assert_eq!(edited.status, JobStatus::AwaitingApproval);
    assert_eq!(edited.draft_no, 2);
    assert_eq!(edited.persona_id, None);
    assert_eq!(edited.version, None);
    assert_eq!(edited.export_paths, None);
    let edited_preview = edited.preview.unwrap();
    assert_eq!(edited_preview.summary, "Faith at work");
    assert_eq!(
        edited_preview.top_topics,
        ["faith", "work", "rest", "culture"]
    );
    assert_eq!(
        edited_preview.next_actions,
        ["Review and confirm persona", "Test with sample prompts"]
    );
    assert!(
        edited
            .human_prompt
            .as_deref()
            .is_some_and(|p| p.contains("Draft 2"))
    );
    assert_eq!(
        client
            .genesis_status(started.job_id)
            .await
            .unwrap()
            .draft_no,
        2
    );

    // Confirm: the persona exists, with version 1.0 and the 13 exported files.
    let committed = client
        .genesis_approve(&GenesisApproveRequest {
            job_id: started.job_id,
            draft_no: 2,
            confirm: true,
            edits: vec![],
        })
        .await
        .unwrap();
    assert_eq!(committed.status, JobStatus::Committed);
    assert_eq!(committed.version.as_deref(), Some("1.0"));
    let persona_id = committed.persona_id.unwrap();
    let committed_preview = committed.preview.unwrap();
    assert_eq!(committed_preview.persona_id, Some(persona_id));
    assert_eq!(committed_preview.active_version, "1.0");
    let export_paths = committed.export_paths.unwrap();
    assert_eq!(export_paths.base_path, "/opt/mpis/personas/tim-keller");
    assert_eq!(export_paths.files.len(), 13);
    for (name, folder) in EXPORT_FILES {
        assert_eq!(
            export_paths.files.get(name).map(String::as_str),
            Some(format!("/opt/mpis/personas/tim-keller/{folder}/{name}").as_str())
        );
    }

    let status = client.genesis_status(started.job_id).await.unwrap();
    assert_eq!(status.status, JobStatus::Committed);
    assert!(status.status.is_final());
    assert_eq!(
        (status.progress.percent, status.progress.message.as_str()),
        (100, "Completed")
    );

    let export = client.genesis_export(persona_id).await.unwrap();
    assert_eq!(export.persona_id, persona_id);
    assert_eq!(export.slug, "tim-keller");
    assert_eq!(export.base_path, "/opt/mpis/personas/tim-keller");
    assert_eq!(export.files.core, "/opt/mpis/personas/tim-keller/core");
    assert_eq!(export.files.memory, "/opt/mpis/personas/tim-keller/memory");
    assert_eq!(export.files.docs, "/opt/mpis/personas/tim-keller/docs");

    // Approving again after the commit.
    let (status, detail) = rejected(
        client
            .genesis_approve(&GenesisApproveRequest {
                job_id: started.job_id,
                draft_no: 2,
                confirm: true,
                edits: vec![],
            })
            .await,
    );
    assert_eq!(status, 400);
    assert_eq!(detail, "Job is not awaiting approval: committed");
}

#[tokio::test]
async fn publish_record_sends_only_the_four_fields_and_is_deduplicated_by_key() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let client = client_for(&sandbox);
    let draft_id = Uuid::new_v4();
    let request = PublishRecordRequest {
        draft_id,
        channel: "telegram".into(),
        channel_item_id: Some("1234".into()),
        channel_url: Some("https://t.me/channel/1234".into()),
    };

    let first = client.publish_record(&request, "outbox-1").await.unwrap();
    assert_eq!(first.draft_id, draft_id);
    assert_eq!(first.channel, "telegram");
    assert!(
        (chrono::Utc::now() - first.published_at)
            .num_minutes()
            .abs()
            < 5
    );

    let published = sandbox.published();
    assert_eq!(published.len(), 1);
    assert_eq!(
        published[0].request,
        json!({
            "draft_id": draft_id, "channel": "telegram",
            "channel_item_id": "1234", "channel_url": "https://t.me/channel/1234"
        })
    );
    assert_eq!(published[0].idempotency_key.as_deref(), Some("outbox-1"));
    assert_eq!(published[0].response.id, first.id);
    let seen = sandbox.requests();
    assert_eq!(seen[0].idempotency_key.as_deref(), Some("outbox-1"));

    // The same key again: the first record, not a second one.
    let again = client.publish_record(&request, "outbox-1").await.unwrap();
    assert_eq!(again, first);
    assert_eq!(sandbox.published().len(), 1);

    // Another key is another record; optional fields left out are not sent at all.
    let bare = PublishRecordRequest {
        channel_item_id: None,
        channel_url: None,
        ..request.clone()
    };
    let second = client.publish_record(&bare, "outbox-2").await.unwrap();
    assert_ne!(second.id, first.id);
    let published = sandbox.published();
    assert_eq!(published.len(), 2);
    assert_eq!(
        published[1].request,
        json!({"draft_id": draft_id, "channel": "telegram"})
    );

    // An empty key is refused before anything is sent.
    let before = sandbox.requests().len();
    assert!(matches!(
        client.publish_record(&request, "  ").await,
        Err(MpisError::Config(_))
    ));
    assert_eq!(sandbox.requests().len(), before);
}

#[tokio::test]
async fn metrics_ingest_counts_the_metrics() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let client = client_for(&sandbox);
    let item = Uuid::new_v4();
    let answer = client
        .metrics_ingest(&MetricsIngestRequest {
            published_item_id: item,
            metrics: vec![
                MetricInput {
                    kind: "views".into(),
                    value: 1200.0,
                    meta: None,
                },
                MetricInput {
                    kind: "reactions".into(),
                    value: 87.0,
                    meta: Some(serde_json::Map::from_iter([(
                        "source".to_owned(),
                        json!("api"),
                    )])),
                },
            ],
            source: "manual".into(),
        })
        .await
        .unwrap();
    assert_eq!(answer.published_item_id, item);
    assert_eq!(answer.metrics_ingested, 2);
    assert!(
        (chrono::Utc::now() - answer.recorded_at)
            .num_minutes()
            .abs()
            < 5
    );
}

#[tokio::test]
async fn analytics_summary_and_recommendations() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let client = client_for(&sandbox);
    let persona = Uuid::new_v4();

    let summary = client
        .persona_summary(persona, SummaryRange::Days7)
        .await
        .unwrap();
    assert_eq!(summary.persona_id, persona);
    assert_eq!(summary.range_type, "7d");
    assert_eq!(
        (summary.period_end - summary.period_start).num_days(),
        7,
        "{summary:?}"
    );
    let metrics = &summary.metrics;
    assert!(metrics.total_published > 0);
    let expected_rate =
        ((metrics.total_reactions + metrics.total_shares) / metrics.total_views * 10000.0).round()
            / 100.0;
    assert_eq!(metrics.engagement_rate, expected_rate);
    assert_eq!(metrics.best_performing_topics.len(), 3);
    assert!(metrics.best_performing_times.is_empty());
    assert!(!summary.insights.is_empty());
    assert_eq!(summary.trends.get("trend"), Some(&json!("stable")));

    let all = client
        .persona_summary(persona, SummaryRange::All)
        .await
        .unwrap();
    assert_eq!(all.range_type, "all");
    assert_eq!(all.period_start.to_rfc3339(), "2020-01-01T00:00:00+00:00");
    assert_eq!(
        sandbox.request_count("GET", &format!("/analytics/persona/{persona}/summary")),
        2
    );

    let recommendations = client.recommendations(persona).await.unwrap();
    assert_eq!(recommendations.persona_id, persona);
    assert_eq!(recommendations.status, "pending");
    assert_eq!(recommendations.recommendations.len(), 3);
    assert_eq!(recommendations.recommendations[0].id, 1);
    assert!(!recommendations.content_briefs.is_empty());
    assert_eq!(recommendations.experiments[0].variants.len(), 2);
    // Cached for a day: the same run.
    let again = client.recommendations(persona).await.unwrap();
    assert_eq!(again.run_id, recommendations.run_id);
    assert_eq!(again.computed_at, recommendations.computed_at);
}

// ------------------------------------------------------------------------------------------------
// Documented errors

#[tokio::test]
async fn genesis_errors_carry_mpis_details() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let client = patient_client_for(&sandbox);

    let unknown = Uuid::new_v4();
    let (status, detail) = rejected(client.genesis_status(unknown).await);
    assert_eq!((status, detail), (404, format!("Job not found: {unknown}")));
    let (status, detail) = rejected(
        client
            .genesis_approve(&GenesisApproveRequest {
                job_id: unknown,
                draft_no: 1,
                confirm: true,
                edits: vec![],
            })
            .await,
    );
    assert_eq!((status, detail), (400, format!("Job not found: {unknown}")));

    let job = client
        .genesis_start(&GenesisStartRequest::new("Alex"))
        .await
        .unwrap()
        .job_id;
    let approve = |draft_no: i32, confirm: bool, edits: Vec<EditOperation>| GenesisApproveRequest {
        job_id: job,
        draft_no,
        confirm,
        edits,
    };
    let add = |path: &str| EditOperation {
        path: path.into(),
        op: EditOp::Add,
        value: json!("x"),
    };

    let (status, detail) = rejected(client.genesis_approve(&approve(1, false, vec![])).await);
    assert_eq!(status, 400);
    assert_eq!(detail, "Either confirm=true or edits[] must be provided");

    let (status, detail) = rejected(
        client
            .genesis_approve(&approve(1, false, vec![add("missing.deeper.path")]))
            .await,
    );
    assert_eq!(
        (status, detail.as_str()),
        (400, "Edit error: Parent path not found")
    );

    let (_, detail) = rejected(
        client
            .genesis_approve(&approve(
                1,
                false,
                vec![EditOperation {
                    path: "credo.statements".into(),
                    op: EditOp::Replace,
                    value: Value::Null,
                }],
            ))
            .await,
    );
    assert_eq!(detail, "Edit error: Replace operation requires a value");

    let (_, detail) = rejected(
        client
            .genesis_approve(&approve(
                1,
                false,
                vec![EditOperation {
                    path: "credo.statements".into(),
                    op: EditOp::Replace,
                    value: json!(5),
                }],
            ))
            .await,
    );
    assert!(detail.starts_with("Validation error: "), "{detail}");

    // A failed edit changed nothing; a good one makes draft 2, and draft 1 is then stale.
    let edited = client
        .genesis_approve(&approve(1, false, vec![add("lexicon.signature_phrases")]))
        .await
        .unwrap();
    assert_eq!(edited.draft_no, 2);
    let stale = client.genesis_approve(&approve(1, true, vec![])).await;
    let err = stale.unwrap_err();
    assert_eq!(
        err,
        MpisError::Rejected {
            status: 400,
            detail: "Draft number mismatch: expected 2, got 1".into()
        }
    );
    assert_eq!(err.stale_draft(), Some((2, 1)));
    assert!(!err.is_retryable());

    let (status, detail) = rejected(client.genesis_export(Uuid::new_v4()).await);
    assert_eq!((status, detail.as_str()), (404, "Persona not found"));

    // Errors are answered once: a 4xx is never retried, even for a GET.
    assert_eq!(
        sandbox.request_count("GET", &format!("/genesis/status/{unknown}")),
        1
    );
}

#[tokio::test]
async fn validation_errors_are_flattened_422s() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let client = client_for(&sandbox);

    let (status, detail) = rejected(client.genesis_start(&GenesisStartRequest::new("")).await);
    assert_eq!(status, 422);
    assert_eq!(
        detail,
        "persona_name: String should have at least 1 character"
    );
    let (status, detail) = rejected(
        client
            .genesis_start(&GenesisStartRequest::new("x".repeat(101)))
            .await,
    );
    assert_eq!(status, 422);
    assert_eq!(
        detail,
        "persona_name: String should have at most 100 characters"
    );

    // Malformed JSON straight to the sandbox: FastAPI's json_invalid form.
    let raw = mpis_dash::tls::http_client()
        .post(format!("{}/genesis/start", sandbox.url()))
        .header("content-type", "application/json")
        .body("{\"persona_name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 422);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["detail"][0]["type"], "json_invalid");
    assert_eq!(body["detail"][0]["loc"][0], "body");
    assert_eq!(body["detail"][0]["msg"], "JSON decode error");

    let raw = mpis_dash::tls::http_client()
        .post(format!("{}/publisher/publish/record", sandbox.url()))
        .body(r#"{"draft_id": "not-a-uuid", "channel": 7}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 422);
    let body: Value = raw.json().await.unwrap();
    let kinds: Vec<&str> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["uuid_parsing", "string_type"]);
}

#[tokio::test]
async fn publisher_and_analytics_not_found_errors() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let client = client_for(&sandbox);
    let record = |draft_id| PublishRecordRequest {
        draft_id,
        channel: "instagram".into(),
        channel_item_id: None,
        channel_url: None,
    };

    let (status, detail) = rejected(client.publish_record(&record(Uuid::nil()), "k1").await);
    assert_eq!(
        (status, detail),
        (400, format!("Draft {} not found", Uuid::nil()))
    );
    let unknown = Uuid::new_v4();
    sandbox.mark_unknown(unknown);
    let (status, detail) = rejected(client.publish_record(&record(unknown), "k2").await);
    assert_eq!(
        (status, detail),
        (400, format!("Draft {unknown} not found"))
    );
    assert!(sandbox.published().is_empty());
    assert_eq!(
        sandbox.request_count("POST", "/publisher/publish/record"),
        2,
        "a 400 is not retried"
    );

    let (status, detail) = rejected(
        client
            .metrics_ingest(&MetricsIngestRequest {
                published_item_id: unknown,
                metrics: vec![],
                source: "manual".into(),
            })
            .await,
    );
    assert_eq!(
        (status, detail),
        (400, format!("Published item {unknown} not found"))
    );

    let (status, detail) = rejected(client.persona_summary(unknown, SummaryRange::Days30).await);
    assert_eq!(
        (status, detail),
        (404, format!("Persona {unknown} not found"))
    );
    let (status, detail) = rejected(client.recommendations(Uuid::nil()).await);
    assert_eq!(
        (status, detail),
        (404, format!("Persona {} not found", Uuid::nil()))
    );
}

// ------------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn latency_beyond_the_request_timeout_is_a_timeout() {
    let sandbox = sandbox(SandboxFaults {
        latency: Duration::from_secs(2),
        ..SandboxFaults::none()
    })
    .await;
    let mut config = config(&sandbox.url());
    config.max_retries = 0;
    let client = MpisClient::new(config).unwrap();

    let err = client.health().await.unwrap_err();
    assert_eq!(
        err,
        MpisError::Timeout {
            after: Duration::from_millis(200)
        }
    );
    assert!(err.is_retryable());
    // Genesis start has its own (here also short) deadline.
    let err = client
        .genesis_start(&GenesisStartRequest::new("Slow"))
        .await
        .unwrap_err();
    assert!(matches!(err, MpisError::Timeout { .. }), "{err:?}");

    // MPIS fast again: the same client works.
    sandbox.set_faults(SandboxFaults::none());
    assert_eq!(client.health().await.unwrap().status, "healthy");
}

#[tokio::test]
async fn forced_5xx_is_retried_for_gets_and_never_for_genesis_start() {
    let sandbox = sandbox(SandboxFaults {
        force_5xx: true,
        ..SandboxFaults::none()
    })
    .await;
    let client = client_for(&sandbox); // max_retries = 2

    let err = client.health().await.unwrap_err();
    assert!(
        matches!(err, MpisError::ServerError { status: 503, ref excerpt } if excerpt == "Service Unavailable"),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(sandbox.request_count("GET", "/health"), 3, "1 + 2 retries");

    let err = client
        .genesis_start(&GenesisStartRequest::new("Once"))
        .await
        .unwrap_err();
    assert!(matches!(err, MpisError::ServerError { status: 503, .. }));
    assert_eq!(sandbox.request_count("POST", "/genesis/start"), 1);

    let err = client
        .genesis_approve(&GenesisApproveRequest {
            job_id: Uuid::new_v4(),
            draft_no: 1,
            confirm: true,
            edits: vec![],
        })
        .await
        .unwrap_err();
    assert!(matches!(err, MpisError::ServerError { .. }));
    assert_eq!(sandbox.request_count("POST", "/genesis/approve"), 1);

    let err = client
        .metrics_ingest(&MetricsIngestRequest {
            published_item_id: Uuid::new_v4(),
            metrics: vec![],
            source: "manual".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, MpisError::ServerError { .. }));
    assert_eq!(
        sandbox.request_count("POST", "/publisher/metrics/ingest"),
        1
    );

    // publish_record is never retried inside the client (real MPIS ignores the key): one
    // attempt, carrying the key; the outbox retries across passes.
    let request = PublishRecordRequest {
        draft_id: Uuid::new_v4(),
        channel: "telegram".into(),
        channel_item_id: None,
        channel_url: None,
    };
    assert!(client.publish_record(&request, "key-9").await.is_err());
    let attempts: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == "/publisher/publish/record")
        .collect();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].idempotency_key.as_deref(), Some("key-9"));

    // MPIS back up: the outbox's next try goes through, once.
    sandbox.set_faults(SandboxFaults::none());
    let recorded = client.publish_record(&request, "key-9").await.unwrap();
    assert_eq!(sandbox.published().len(), 1);
    assert_eq!(sandbox.published()[0].response.id, recorded.id);
}

#[tokio::test]
async fn random_500s_are_ridden_out_by_get_retries() {
    let sandbox = sandbox(SandboxFaults {
        error_rate: 0.5,
        ..SandboxFaults::none()
    })
    .await;
    let mut config = config(&sandbox.url());
    config.max_retries = 30; // 0.5^31: never fails in practice
    config.backoff_base = Duration::from_millis(1);
    let client = MpisClient::new(config).unwrap();

    let calls = 20;
    for _ in 0..calls {
        assert_eq!(client.health().await.unwrap().status, "healthy");
    }
    // With half of the answers 500s, some calls needed retries (all 20 first tries succeeding
    // has a chance of one in a million).
    assert!(sandbox.request_count("GET", "/health") > calls);
}

#[tokio::test]
async fn malformed_bodies_are_bad_bodies_with_a_printable_excerpt() {
    let sandbox = sandbox(SandboxFaults {
        malformed_bodies: true,
        ..SandboxFaults::none()
    })
    .await;
    let client = client_for(&sandbox);

    let err = client.health().await.unwrap_err();
    let MpisError::BadBody {
        status,
        excerpt,
        reason,
    } = &err
    else {
        panic!("expected BadBody, got {err:?}");
    };
    assert_eq!(*status, 200);
    assert!(excerpt.starts_with("{\""), "{excerpt}");
    assert!(
        excerpt.contains("\\x1b[31m"),
        "the escape is shown, not sent: {excerpt}"
    );
    assert!(!excerpt.chars().any(char::is_control), "{excerpt}");
    assert!(excerpt.chars().count() <= 220, "{excerpt}");
    assert!(reason.contains("not the expected JSON"), "{reason}");
    assert!(!err.is_retryable());
    assert!(!err.user_message().chars().any(char::is_control));
    assert_eq!(sandbox.request_count("GET", "/health"), 1, "not retried");

    // A 4xx whose body is broken has no detail to show: also a BadBody.
    let err = client.genesis_status(Uuid::new_v4()).await.unwrap_err();
    assert!(
        matches!(err, MpisError::BadBody { status: 404, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn dropped_connections_are_unreachable_and_retryable() {
    let sandbox = sandbox(SandboxFaults::none()).await;
    let client = client_for(&sandbox);
    // A pooled keep-alive connection exists before MPIS starts dropping.
    client.health().await.unwrap();

    sandbox.set_faults(SandboxFaults {
        drop_connections: true,
        ..SandboxFaults::none()
    });
    let err = client.health().await.unwrap_err();
    assert!(
        matches!(&err, MpisError::Unreachable { url, reason }
            if url.ends_with("/health") && reason.contains("dropped")),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(sandbox.request_count("GET", "/health"), 1 + 3);

    let err = client
        .genesis_start(&GenesisStartRequest::new("Dropped"))
        .await
        .unwrap_err();
    assert!(matches!(err, MpisError::Unreachable { .. }), "{err:?}");
    assert_eq!(sandbox.request_count("POST", "/genesis/start"), 1);

    // Up again.
    sandbox.set_faults(SandboxFaults::none());
    assert_eq!(client.health().await.unwrap().status, "healthy");
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    // Bind a port, then free it: nothing listens there.
    let listener = std::net::TcpListener::bind(loopback()).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = MpisClient::new(config(&format!("http://{addr}"))).unwrap();

    let err = client.health().await.unwrap_err();
    assert_eq!(
        err,
        MpisError::Unreachable {
            url: format!("http://{addr}/health"),
            reason: "connection refused".into()
        }
    );
    assert!(err.is_retryable());
    assert!(err.user_message().contains("connection refused"));
    let err = client
        .genesis_start(&GenesisStartRequest::new("Nobody home"))
        .await
        .unwrap_err();
    assert!(matches!(err, MpisError::Unreachable { .. }));
}

#[tokio::test]
async fn a_bad_url_is_a_config_error() {
    for url in ["", "localhost:8080", "ftp://host", "http://host/?x=1"] {
        assert!(
            matches!(
                MpisClient::new(MpisConfig::new(url)),
                Err(MpisError::Config(_))
            ),
            "{url}"
        );
    }
}

#[tokio::test]
async fn cancelling_a_call_leaves_the_client_usable() {
    let sandbox = sandbox(SandboxFaults {
        latency: Duration::from_secs(5),
        ..SandboxFaults::none()
    })
    .await;
    let mut config = config(&sandbox.url());
    config.request_timeout = Duration::from_secs(30);
    let client = MpisClient::new(config).unwrap();

    // Esc: the cancel signal fires while MPIS is still thinking.
    let (esc, pressed) = tokio::sync::oneshot::channel::<()>();
    let call = cancellable(client.health(), async {
        let _ = pressed.await;
    });
    let (outcome, ()) = tokio::join!(call, async {
        // Wait until the request reached the sandbox, then press Esc.
        while sandbox.request_count("GET", "/health") == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let _ = esc.send(());
    });
    assert_eq!(outcome.unwrap_err(), MpisError::Cancelled);

    // Dropping a future mid-flight is the same: the next call works.
    sandbox.set_faults(SandboxFaults::none());
    assert_eq!(client.health().await.unwrap().status, "healthy");
}
