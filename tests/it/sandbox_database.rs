//! The MPIS sandbox on a database (as `--demo` runs it): genesis jobs, drafts and committed
//! personas land in MPIS's tables, and jobs found there (seeded, or from an earlier run) are
//! answered, edited and committed. Real PostgreSQL, real HTTP on 127.0.0.1.

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mpis_dash::demo_data::seed_demo;
use mpis_dash::mpis::sandbox::{self, SandboxFaults, SandboxHandle};
use mpis_dash::mpis::{
    EditOp, EditOperation, GenesisApproveRequest, GenesisApproveResponse, GenesisStartRequest,
    JobStatus, MpisClient, MpisConfig, MpisError, PersonaCore, SourceInput, SourceType,
};
use mpis_dash::store::genesis::awaiting_approval;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn sandbox_on(pool: &PgPool) -> SandboxHandle {
    sandbox::start_with_database(loopback(), SandboxFaults::none(), pool.clone())
        .await
        .expect("the sandbox binds 127.0.0.1:0")
}

fn client_for(sandbox: &SandboxHandle) -> MpisClient {
    let mut config = MpisConfig::new(sandbox.url());
    config.request_timeout = Duration::from_secs(10);
    config.genesis_timeout = Duration::from_secs(10);
    config.max_retries = 0;
    MpisClient::new(config).expect("a valid config")
}

fn start_request(name: &str) -> GenesisStartRequest {
    let mut request = GenesisStartRequest::new(name);
    request.language = "de".into();
    request.inspiration_source = Some("Hildegard of Bingen".into());
    request.sources = vec![SourceInput {
        kind: SourceType::Url,
        reference: "https://example.org/herbs".into(),
        metadata: Default::default(),
    }];
    request
}

fn edit(path: &str, op: EditOp, value: Value) -> EditOperation {
    EditOperation {
        path: path.into(),
        op,
        value,
    }
}

async fn approve(
    client: &MpisClient,
    job_id: Uuid,
    draft_no: i32,
    confirm: bool,
    edits: Vec<EditOperation>,
) -> GenesisApproveResponse {
    client
        .genesis_approve(&GenesisApproveRequest {
            job_id,
            draft_no,
            confirm,
            edits,
        })
        .await
        .expect("the approval is accepted")
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct JobRow {
    persona_name: String,
    slug: String,
    status: String,
    draft_no: i32,
    persona_id: Option<Uuid>,
    input_json: Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

async fn job_row(pool: &PgPool, job_id: Uuid) -> JobRow {
    sqlx::query_as(
        "SELECT persona_name, slug, status, draft_no, persona_id, input_json, created_at,
                updated_at
           FROM genesis_jobs WHERE id = $1",
    )
    .bind(job_id)
    .fetch_one(pool)
    .await
    .expect("the job row")
}

/// `(draft_no, core, human_prompt)` of every draft of a job, in order.
async fn draft_rows(pool: &PgPool, job_id: Uuid) -> Vec<(i32, Value, Option<String>)> {
    sqlx::query_as(
        "SELECT draft_no, draft_core_json, human_prompt FROM genesis_drafts
          WHERE job_id = $1 ORDER BY draft_no",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await
    .expect("the draft rows")
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct PersonaRow {
    name: String,
    slug: String,
    description: Option<String>,
    language: Option<String>,
    active_version: Option<String>,
}

async fn persona_row(pool: &PgPool, persona_id: Uuid) -> PersonaRow {
    sqlx::query_as(
        "SELECT name, slug, description, language, active_version FROM personas WHERE id = $1",
    )
    .bind(persona_id)
    .fetch_one(pool)
    .await
    .expect("the persona row")
}

/// `(version, core_json, reason)` of every version of a persona.
async fn version_rows(pool: &PgPool, persona_id: Uuid) -> Vec<(String, Value, Option<String>)> {
    sqlx::query_as(
        "SELECT version, core_json, reason FROM persona_versions WHERE persona_id = $1
          ORDER BY version",
    )
    .bind(persona_id)
    .fetch_all(pool)
    .await
    .expect("the version rows")
}

async fn genesis_counts(pool: &PgPool) -> [i64; 4] {
    [
        common::count(pool, "genesis_jobs").await,
        common::count(pool, "genesis_drafts").await,
        common::count(pool, "personas").await,
        common::count(pool, "persona_versions").await,
    ]
}

fn core_of(value: &Value) -> PersonaCore {
    serde_json::from_value(value.clone()).expect("a draft in PersonaCore's shape")
}

#[tokio::test]
async fn a_started_job_is_stored_awaiting_approval_with_its_first_draft() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = sandbox_on(pool).await;
    let client = client_for(&sandbox);

    let started = client
        .genesis_start(&start_request("Hildegard Herbalist"))
        .await
        .unwrap();
    let preview = started.preview.clone().unwrap();
    assert_eq!(preview.slug, "hildegard-herbalist");

    let job = job_row(pool, started.job_id).await;
    assert_eq!(job.persona_name, "Hildegard Herbalist");
    assert_eq!(job.slug, "hildegard-herbalist");
    assert_eq!(job.status, "awaiting_approval");
    assert_eq!(job.draft_no, 1);
    assert_eq!(job.persona_id, None);
    assert_eq!(job.input_json["persona_name"], "Hildegard Herbalist");
    assert_eq!(job.input_json["language"], "de");
    assert_eq!(
        job.input_json["sources"],
        json!([{"type": "url", "ref": "https://example.org/herbs", "metadata": {}}])
    );

    let drafts = draft_rows(pool, started.job_id).await;
    assert_eq!(drafts.len(), 1);
    let (draft_no, core, human_prompt) = &drafts[0];
    assert_eq!(*draft_no, 1);
    assert_eq!(human_prompt, &started.human_prompt);
    let core = core_of(core);
    assert_eq!(core.language, "de");
    assert_eq!(core.origin.sources, ["url:https://example.org/herbs"]);
    // The stored draft is the one the preview was made from.
    assert_eq!(
        core.card(None, "Hildegard Herbalist", "hildegard-herbalist", "draft"),
        preview
    );

    // The dashboard's own query lists it.
    let pending = awaiting_approval(pool, 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, started.job_id);
    assert_eq!(
        (pending[0].slug.as_str(), pending[0].draft_no),
        ("hildegard-herbalist", 1)
    );
}

#[tokio::test]
async fn an_edit_is_draft_two_and_a_confirm_creates_the_persona() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = sandbox_on(pool).await;
    let client = client_for(&sandbox);
    let started = client
        .genesis_start(&start_request("Hildegard Herbalist"))
        .await
        .unwrap();
    let created = job_row(pool, started.job_id).await;

    let edited = approve(
        &client,
        started.job_id,
        1,
        false,
        vec![
            edit(
                "lexicon.signature_phrases",
                EditOp::Add,
                json!("Green strength"),
            ),
            edit(
                "credo.summary",
                EditOp::Replace,
                json!("Herbs, patience, prayer"),
            ),
        ],
    )
    .await;
    assert_eq!(edited.draft_no, 2);

    let job = job_row(pool, started.job_id).await;
    assert_eq!(
        (job.status.as_str(), job.draft_no),
        ("awaiting_approval", 2)
    );
    assert!(job.updated_at >= created.updated_at);
    let drafts = draft_rows(pool, started.job_id).await;
    assert_eq!(
        drafts.iter().map(|d| d.0).collect::<Vec<_>>(),
        [1, 2],
        "draft 1 is kept"
    );
    let (_, draft_two, prompt_two) = &drafts[1];
    assert_eq!(prompt_two, &edited.human_prompt);
    assert!(prompt_two.as_deref().unwrap_or("").contains("Draft 2"));
    let core_two = core_of(draft_two);
    assert_eq!(core_two.lexicon.signature_phrases, ["Green strength"]);
    assert_eq!(core_two.credo.summary, "Herbs, patience, prayer");
    assert_eq!(core_of(&drafts[0].1).lexicon.signature_phrases.len(), 0);

    let committed = approve(&client, started.job_id, 2, true, vec![]).await;
    assert_eq!(committed.status, JobStatus::Committed);
    let persona_id = committed.persona_id.unwrap();

    let job = job_row(pool, started.job_id).await;
    assert_eq!(job.status, "committed");
    assert_eq!(job.persona_id, Some(persona_id));
    assert_eq!(job.draft_no, 2);
    assert_eq!(
        persona_row(pool, persona_id).await,
        PersonaRow {
            name: "Hildegard Herbalist".into(),
            slug: "hildegard-herbalist".into(),
            description: Some("Herbs, patience, prayer".into()),
            language: Some("de".into()),
            active_version: Some("1.0".into()),
        }
    );
    assert_eq!(
        version_rows(pool, persona_id).await,
        [(
            "1.0".to_owned(),
            draft_two.clone(),
            Some("Initial persona creation via Genesis".to_owned())
        )]
    );
    assert!(awaiting_approval(pool, 10).await.unwrap().is_empty());
    assert_eq!(genesis_counts(pool).await, [1, 2, 1, 1]);

    // Approving again: MPIS's 400, and nothing more written.
    let again = client
        .genesis_approve(&GenesisApproveRequest {
            job_id: started.job_id,
            draft_no: 2,
            confirm: true,
            edits: vec![],
        })
        .await;
    match again {
        Err(MpisError::Rejected { status, detail }) => {
            assert_eq!(status, 400);
            assert_eq!(detail, "Job is not awaiting approval: committed");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    assert_eq!(genesis_counts(pool).await, [1, 2, 1, 1]);
}

#[tokio::test]
async fn the_seeded_demo_job_is_answered_edited_and_confirmed() {
    let db = common::db().await;
    let pool = &db.pool;
    seed_demo(pool).await.unwrap();
    let job_id: Uuid =
        sqlx::query_scalar("SELECT id FROM genesis_jobs WHERE slug = 'sofia-urban-gardener'")
            .fetch_one(pool)
            .await
            .unwrap();

    let sandbox = sandbox_on(pool).await;
    let client = client_for(&sandbox);
    let status = client.genesis_status(job_id).await.unwrap();
    assert_eq!(status.status, JobStatus::AwaitingApproval);
    assert_eq!(status.draft_no, 1);
    assert_eq!(status.progress.percent, 80);
    assert!(
        status
            .human_prompt
            .as_deref()
            .is_some_and(|p| p.contains("Draft 1") && p.contains("Sofia - Urban Gardener"))
    );
    let preview = status.preview.unwrap();
    assert_eq!(preview.name, "Sofia - Urban Gardener");
    assert_eq!(preview.slug, "sofia-urban-gardener");
    assert_eq!(
        preview.summary,
        "Grows food on a city balcony and teaches others to."
    );
    assert_eq!(
        preview.top_topics,
        ["balcony gardening", "composting", "seasonal food"]
    );
    assert_eq!(preview.dominant_tones, ["warm", "practical"]);
    assert_eq!(preview.next_actions, ["Add signature phrases"]);

    let edited = approve(
        &client,
        job_id,
        1,
        false,
        vec![edit(
            "lexicon.signature_phrases",
            EditOp::Add,
            json!("Start with one pot"),
        )],
    )
    .await;
    assert_eq!(edited.draft_no, 2);
    assert_eq!(
        edited.preview.unwrap().next_actions,
        ["Review and confirm persona", "Test with sample prompts"]
    );
    assert_eq!(job_row(pool, job_id).await.draft_no, 2);
    assert_eq!(draft_rows(pool, job_id).await.len(), 2);

    let committed = approve(&client, job_id, 2, true, vec![]).await;
    let persona_id = committed.persona_id.unwrap();
    let persona = persona_row(pool, persona_id).await;
    assert_eq!(persona.slug, "sofia-urban-gardener");
    assert_eq!(persona.language.as_deref(), Some("en"));
    assert_eq!(persona.active_version.as_deref(), Some("1.0"));
    let job = job_row(pool, job_id).await;
    assert_eq!(
        (job.status.as_str(), job.persona_id),
        ("committed", Some(persona_id))
    );

    // A later run (a new sandbox, nothing in memory) finds the committed job and its persona.
    sandbox.shutdown().await;
    let later = sandbox_on(pool).await;
    let client = client_for(&later);
    let status = client.genesis_status(job_id).await.unwrap();
    assert_eq!(status.status, JobStatus::Committed);
    assert_eq!(status.draft_no, 2);
    assert_eq!(status.preview.unwrap().persona_id, Some(persona_id));
    let export = client.genesis_export(persona_id).await.unwrap();
    assert_eq!(export.slug, "sofia-urban-gardener");

    // An id in neither memory nor the database is still MPIS's 404.
    let unknown = Uuid::new_v4();
    match client.genesis_status(unknown).await {
        Err(MpisError::Rejected { status, detail }) => {
            assert_eq!(status, 404);
            assert_eq!(detail, format!("Job not found: {unknown}"));
        }
        other => panic!("expected a 404, got {other:?}"),
    }
}

#[tokio::test]
async fn a_job_approved_first_without_a_status_call_is_loaded_too() {
    let db = common::db().await;
    let pool = &db.pool;
    let first = sandbox_on(pool).await;
    let started = client_for(&first)
        .genesis_start(&start_request("Wanderer"))
        .await
        .unwrap();
    first.shutdown().await;

    let second = sandbox_on(pool).await;
    let client = client_for(&second);
    // Stale draft numbers are checked against the stored job.
    match client
        .genesis_approve(&GenesisApproveRequest {
            job_id: started.job_id,
            draft_no: 3,
            confirm: true,
            edits: vec![],
        })
        .await
    {
        Err(MpisError::Rejected { status, detail }) => {
            assert_eq!(status, 400);
            assert_eq!(detail, "Draft number mismatch: expected 1, got 3");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    let committed = approve(&client, started.job_id, 1, true, vec![]).await;
    let persona_id = committed.persona_id.unwrap();
    assert_eq!(persona_row(pool, persona_id).await.slug, "wanderer");
    let (_, first_core, _) = &draft_rows(pool, started.job_id).await[0];
    assert_eq!(
        version_rows(pool, persona_id).await[0].1,
        first_core.clone()
    );
}

#[tokio::test]
async fn slugs_taken_in_the_database_are_numbered() {
    let db = common::db().await;
    let pool = &db.pool;
    sqlx::query("INSERT INTO personas (name, slug) VALUES ('Tim Keller', 'tim-keller')")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO genesis_jobs (persona_name, slug, status) VALUES ('Tim Keller', 'tim-keller-2', 'failed')",
    )
    .execute(pool)
    .await
    .unwrap();
    let sandbox = sandbox_on(pool).await;
    let client = client_for(&sandbox);

    let started = client
        .genesis_start(&GenesisStartRequest::new("Tim Keller"))
        .await
        .unwrap();
    assert_eq!(started.preview.unwrap().slug, "tim-keller-3");
    assert_eq!(job_row(pool, started.job_id).await.slug, "tim-keller-3");

    // Committing it does not collide with the persona's UNIQUE slug.
    let committed = approve(&client, started.job_id, 1, true, vec![]).await;
    let persona_id = committed.persona_id.unwrap();
    assert_eq!(persona_row(pool, persona_id).await.slug, "tim-keller-3");

    // Two starts at once still get different slugs.
    let request = GenesisStartRequest::new("Twin");
    let (a, b) = tokio::join!(
        client.genesis_start(&request),
        client.genesis_start(&request)
    );
    let mut slugs = vec![
        a.unwrap().preview.unwrap().slug,
        b.unwrap().preview.unwrap().slug,
    ];
    slugs.sort();
    assert_eq!(slugs, ["twin", "twin-2"]);
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM genesis_jobs WHERE persona_name = 'Twin' ORDER BY slug",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(stored, ["twin", "twin-2"]);
}

#[tokio::test]
async fn database_failures_are_500s_with_a_detail() {
    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = sandbox_on(pool).await;
    pool.close().await;
    let http = mpis_dash::tls::http_client();

    let start = http
        .post(format!("{}/genesis/start", sandbox.url()))
        .json(&json!({"persona_name": "Nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status().as_u16(), 500);
    let body: Value = start.json().await.unwrap();
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("Genesis failed: "), "{body}");
    assert!(detail.contains("closed"), "{body}");

    let unknown = Uuid::new_v4();
    let status = http
        .get(format!("{}/genesis/status/{unknown}", sandbox.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status().as_u16(), 500);
    let body: Value = status.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("closed")),
        "{body}"
    );

    let approve = http
        .post(format!("{}/genesis/approve", sandbox.url()))
        .json(&json!({"job_id": unknown, "draft_no": 1, "confirm": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status().as_u16(), 500);
    let body: Value = approve.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("closed")),
        "{body}"
    );
}

#[tokio::test]
async fn without_a_database_nothing_is_written() {
    let db = common::db().await;
    let pool = &db.pool;
    let before = genesis_counts(pool).await;
    let sandbox = sandbox::start(loopback(), SandboxFaults::none())
        .await
        .unwrap();
    let client = client_for(&sandbox);
    let started = client
        .genesis_start(&start_request("Memory Only"))
        .await
        .unwrap();
    approve(
        &client,
        started.job_id,
        1,
        false,
        vec![edit("lexicon.keywords", EditOp::Add, json!("ram"))],
    )
    .await;
    let committed = approve(&client, started.job_id, 2, true, vec![]).await;
    assert!(committed.persona_id.is_some());
    assert_eq!(genesis_counts(pool).await, before);
    assert_eq!(before, [0, 0, 0, 0]);
}

#[tokio::test]
async fn a_publish_record_is_a_published_item_and_marks_the_plan_published() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Alex").await;
    let draft = common::draft(pool, persona, "telegram").await;
    let sandbox = sandbox_on(pool).await;
    let client = client_for(&sandbox);
    let request = mpis_dash::mpis::types::PublishRecordRequest {
        draft_id: draft,
        channel: "telegram".into(),
        channel_item_id: Some("4242".into()),
        channel_url: Some("https://t.me/alex/4242".into()),
    };
    let answer = client.publish_record(&request, "key-1").await.unwrap();
    let row: (Uuid, String, Option<String>, Option<String>, DateTime<Utc>) = sqlx::query_as(
        "SELECT draft_id, channel, channel_item_id, channel_url, published_at
         FROM published_items WHERE id = $1",
    )
    .bind(answer.id)
    .fetch_one(pool)
    .await
    .expect("MPIS's published item row, with the id it answered");
    assert_eq!(row.0, draft);
    assert_eq!(row.1, "telegram");
    assert_eq!(row.2.as_deref(), Some("4242"));
    assert_eq!(row.3.as_deref(), Some("https://t.me/alex/4242"));
    assert!((row.4 - answer.published_at).num_milliseconds().abs() < 1);
    let plan_status: String = sqlx::query_scalar(
        "SELECT cp.status FROM content_plans cp JOIN content_drafts d ON d.plan_id = cp.id
         WHERE d.id = $1",
    )
    .bind(draft)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(plan_status, "published");

    // The same idempotency key: the first answer, no second row.
    let again = client.publish_record(&request, "key-1").await.unwrap();
    assert_eq!(again.id, answer.id);
    // A draft MPIS does not have: its 400, and nothing written.
    let mut unknown = request.clone();
    unknown.draft_id = Uuid::new_v4();
    match client.publish_record(&unknown, "key-2").await {
        Err(MpisError::Rejected { status, detail }) => {
            assert_eq!(status, 400);
            assert_eq!(detail, format!("Draft {} not found", unknown.draft_id));
        }
        other => panic!("expected MPIS's 400, got {other:?}"),
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM published_items")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}
