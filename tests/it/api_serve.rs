//! `mpis-dash serve` over real HTTP on loopback against a real PostgreSQL: health, personas,
//! projects, every error shape (always a `detail`, bad input always a 4xx), a database that is
//! down or hangs (503 within the limits), the graceful stop, and the real binary.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mpis_dash::api::ApiLimits;
use mpis_dash::mpis::sandbox::{self, SandboxFaults};
use mpis_dash::mpis::{MpisClient, MpisConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

use crate::api_common::{self, assert_detail, call, http, locs, start, start_with};
use crate::common;

/// A pool to a port that accepts connections but never answers (a hung server).
fn pool_to_silent_port(listener: &std::net::TcpListener) -> PgPool {
    PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(60))
        .connect_lazy_with(
            PgConnectOptions::new()
                .host("127.0.0.1")
                .port(listener.local_addr().expect("addr").port())
                .username("nobody")
                .database("nothing"),
        )
}

#[tokio::test]
async fn health_says_service_version_and_database() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let (status, body) = call(api.http().get(api.url("/health"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "ok", "service": "mpis-dash", "version": env!("CARGO_PKG_VERSION")})
    );
    let (status, body) = call(api.http().get(api.url("/health/db"))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
    let (status, body) = call(api.http().get(api.url("/health/mpis"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "not_configured");
    assert!(body["detail"].as_str().unwrap().contains("MPIS_API_URL"));
}

#[tokio::test]
async fn health_mpis_answers_from_the_sandbox_and_names_an_unreachable_mpis() {
    let db = common::db().await;
    let mpis = sandbox::start(SocketAddr::from(([127, 0, 0, 1], 0)), SandboxFaults::none())
        .await
        .expect("sandbox");
    let client = MpisClient::new(MpisConfig::new(mpis.url())).expect("client");
    let api = start(db.pool.clone(), Some(client), ApiLimits::default()).await;
    let (status, body) = call(api.http().get(api.url("/health/mpis"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["mpis_url"], mpis.url());

    let gone = format!("http://127.0.0.1:{}", {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    });
    let client = MpisClient::new(MpisConfig::new(gone.clone())).expect("client");
    let api = start(db.pool.clone(), Some(client), ApiLimits::default()).await;
    let (status, body) = call(api.http().get(api.url("/health/mpis"))).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(body["detail"].as_str().unwrap().contains(&gone), "{body}");
}

#[tokio::test]
async fn personas_are_listed_newest_first_in_the_reference_shape() {
    let db = common::db().await;
    let older = common::persona(&db.pool, "Older").await;
    let newer = common::persona(&db.pool, "Newer").await;
    sqlx::query("UPDATE personas SET created_at = created_at - INTERVAL '1 day' WHERE id = $1")
        .bind(older)
        .execute(&db.pool)
        .await
        .unwrap();
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let (status, body) = call(api.http().get(api.url("/api/personas"))).await;
    assert_eq!(status, StatusCode::OK);
    let rows = body.as_array().expect("a list");
    let ids: Vec<_> = rows.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [newer.to_string(), older.to_string()]);
    let mut keys: Vec<_> = rows[0].as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["active_version", "created_at", "id", "name"]);
    assert_eq!(rows[0]["name"], "Newer");
    assert_eq!(rows[0]["active_version"], "v1");

    let (status, body) = call(api.http().get(api.url("/api/personas?limit=1&offset=1"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["id"], older.to_string());
    let (status, body) = call(api.http().get(api.url("/api/personas?limit=0"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), [json!(["query", "limit"])]);
}

#[tokio::test]
async fn a_project_is_created_listed_and_read_back() {
    let db = common::db().await;
    let persona = common::persona(&db.pool, "Ada").await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let (status, created) = call(api.http().post(api.url("/api/projects")).json(&json!({
        "name": "  Spring launch ",
        "persona_id": persona,
        "channels": ["telegram", "Instagram"],
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["name"], "Spring launch");
    assert_eq!(created["persona_id"], persona.to_string());
    assert_eq!(created["channels"], json!(["telegram", "instagram"]));
    let created_at = created["created_at"]
        .as_str()
        .expect("a non-null created_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(created_at).is_ok(),
        "{created_at}"
    );
    let mut keys: Vec<_> = created.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["channels", "created_at", "id", "name", "persona_id"]);

    let id = created["id"].as_str().unwrap();
    let (status, read) = call(api.http().get(api.url(&format!("/api/projects/{id}")))).await;
    assert_eq!((status, &read), (StatusCode::OK, &created));
    let (status, list) = call(api.http().get(api.url("/api/projects"))).await;
    assert_eq!((status, list), (StatusCode::OK, json!([created])));

    let (status, body) = call(
        api.http()
            .get(api.url(&format!("/api/projects/{}", Uuid::new_v4()))),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Project not found"})
        )
    );
    let (status, body) = call(api.http().get(api.url("/api/projects/not-a-uuid"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(locs(&body), [json!(["path", "project_id"])]);
    assert_eq!(body["detail"][0]["type"], "uuid_parsing");
}

#[tokio::test]
async fn bad_input_is_always_a_4xx_with_a_detail() {
    let db = common::db().await;
    let persona = common::persona(&db.pool, "Ada").await;
    let limits = ApiLimits {
        body_limit: 2048,
        ..ApiLimits::default()
    };
    let api = start(db.pool.clone(), None, limits).await;
    let projects = api.url("/api/projects");
    let json_post = |body: String| {
        api.http()
            .post(&projects)
            .header("content-type", "application/json")
            .body(body)
    };
    let valid = json!({"name": "P", "persona_id": persona, "channels": []});
    let too_large = json!({"name": "x".repeat(4096), "persona_id": persona, "channels": []});
    // (case, request, status, the locations named when it is a 422 list)
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, Option<Vec<Value>>)> = vec![
        (
            "malformed JSON",
            json_post("{\"name\": ".into()),
            422,
            Some(vec![json!(["body"])]),
        ),
        (
            "not an object",
            json_post("[1, 2]".into()),
            422,
            Some(vec![json!(["body"])]),
        ),
        (
            "wrong types",
            json_post(json!({"name": 5, "persona_id": 7, "channels": "telegram"}).to_string()),
            422,
            Some(vec![
                json!(["body", "name"]),
                json!(["body", "persona_id"]),
                json!(["body", "channels"]),
            ]),
        ),
        (
            "missing fields",
            json_post("{}".into()),
            422,
            Some(vec![
                json!(["body", "name"]),
                json!(["body", "persona_id"]),
                json!(["body", "channels"]),
            ]),
        ),
        (
            "a channel that is not a string",
            json_post(
                json!({"name": "P", "persona_id": persona, "channels": ["ok", null]}).to_string(),
            ),
            422,
            Some(vec![json!(["body", "channels", 1])]),
        ),
        (
            "bad persona UUID",
            json_post(json!({"name": "P", "persona_id": "abc", "channels": []}).to_string()),
            422,
            Some(vec![json!(["body", "persona_id"])]),
        ),
        (
            "unknown persona",
            json_post(
                json!({"name": "P", "persona_id": Uuid::new_v4(), "channels": []}).to_string(),
            ),
            422,
            Some(vec![json!(["body", "persona_id"])]),
        ),
        (
            "name too long",
            json_post(
                json!({"name": "x".repeat(201), "persona_id": persona, "channels": []}).to_string(),
            ),
            422,
            Some(vec![json!(["body", "name"])]),
        ),
        (
            "missing content type",
            api.http().post(&projects).body(valid.to_string()),
            415,
            None,
        ),
        (
            "text content type",
            api.http()
                .post(&projects)
                .header("content-type", "text/plain")
                .body(valid.to_string()),
            415,
            None,
        ),
        ("too large", json_post(too_large.to_string()), 413, None),
        (
            "bad UUID in the path",
            api.http().get(api.url("/api/projects/123")),
            422,
            Some(vec![json!(["path", "project_id"])]),
        ),
        (
            "bad query",
            api.http().get(api.url("/api/projects?limit=abc")),
            422,
            Some(vec![json!(["query"])]),
        ),
        (
            "unknown route",
            api.http().get(api.url("/api/nothing")),
            404,
            None,
        ),
        ("wrong method", api.http().delete(&projects), 405, None),
    ];
    for (case, request, expected, expected_locs) in cases {
        let (status, body) = call(request).await;
        assert_detail(status, &body, case);
        assert_eq!(status.as_u16(), expected, "{case}: {body}");
        if let Some(expected_locs) = expected_locs {
            assert_eq!(locs(&body), expected_locs, "{case}: {body}");
        }
    }
    // Nothing bad was stored.
    let (_, list) = call(api.http().get(api.url("/api/projects"))).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn a_database_that_is_down_is_a_503_with_a_detail_within_the_limits() {
    let api = start(
        api_common::pool_to_closed_port(Duration::from_secs(2)),
        None,
        ApiLimits::default(),
    )
    .await;
    for path in ["/api/personas", "/api/projects", "/health/db"] {
        let began = Instant::now();
        let (status, body) = call(api.http().get(api.url(path))).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("database unreachable")),
            "{path}: {body}"
        );
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "{path}: {:?}",
            began.elapsed()
        );
    }
    let (status, body) = call(api.http().post(api.url("/api/projects")).json(&json!({
        "name": "P", "persona_id": Uuid::new_v4(), "channels": []
    })))
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
}

#[tokio::test]
async fn a_hung_database_is_cut_by_the_request_timeout_and_in_flight_requests_finish_on_stop() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let limits = ApiLimits {
        request_timeout: Duration::from_millis(1500),
        health_db_timeout: Duration::from_millis(300),
        ..ApiLimits::default()
    };
    let mut api = start(pool_to_silent_port(&silent), None, limits).await;

    let began = Instant::now();
    let (status, body) = call(api.http().get(api.url("/health/db"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("no answer within"),
        "{body}"
    );
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "{:?}",
        began.elapsed()
    );

    // A request in flight when the stop is asked for still gets its answer.
    let in_flight = tokio::spawn(call(api.http().get(api.url("/api/projects"))));
    tokio::time::sleep(Duration::from_millis(300)).await;
    api.stop.take().expect("running").send(()).expect("stop");
    let (status, body) = in_flight.await.expect("the request task");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["detail"], "request timed out after 1.5 s");
    tokio::time::timeout(Duration::from_secs(5), &mut api.done)
        .await
        .expect("the server stops after its last request")
        .expect("the task")
        .expect("no I/O error");
    // And it no longer accepts connections.
    assert!(api.http().get(api.url("/health")).send().await.is_err());
}

#[tokio::test]
async fn the_binary_serves_until_sigterm_and_exits_0() {
    use std::io::BufRead;
    let db = common::db().await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mpis-dash"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", db.url())
        .env("MPIS_DASH_CONFIG", "/dev/null")
        .env_remove("MPIS_DASH_LISTEN")
        .env_remove("MPIS_API_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start mpis-dash serve");
    let stdout = child.stdout.take().expect("stdout");
    let (line_tx, line_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = line_tx.send(line);
    });
    let line = line_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the ready line within 30 s");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the ready line: {line:?}"))
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let (status, body) = call(http().get(format!("{base}/health"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["service"], "mpis-dash");

    // SAFETY: kill(2) on our own child's pid.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "serve still running 15 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    use std::io::Read;
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr);
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
}

/// Who may call what: each `/api` route x no token / a malformed header / an unknown, expired or
/// revoked token / viewer / editor / admin. Reads need a viewer, writes an editor; a refusal is
/// 401 with `WWW-Authenticate: Bearer` or 403 naming the role needed. `/health` is public, and
/// `--allow-anonymous-read` opens reads only.
#[tokio::test]
async fn the_auth_matrix_of_every_api_route() {
    let db = common::db().await;
    let pool = &db.pool;
    let persona = common::persona(pool, "Ada").await;
    let secrets = api_common::role_tokens(pool).await;
    let api = start_with(pool.clone(), None, ApiLimits::default(), false).await;
    let project = json!({"name": "Matrix", "persona_id": persona, "channels": ["telegram"]});
    let some_id = Uuid::new_v4();

    // (caller, its Authorization header, expected status for a read, for a write, detail part)
    let unknown = format!("Bearer {}", api_common::unknown_secret());
    let bearer = |name: &str| format!("Bearer {}", secrets[name]);
    let callers: Vec<(&str, Option<String>, u16, u16, &str)> = vec![
        ("no token", None, 401, 401, "missing token"),
        (
            "not bearer",
            Some("Token abc".into()),
            401,
            401,
            "Bearer <token>",
        ),
        ("unknown", Some(unknown), 401, 401, "unknown token"),
        ("expired", Some(bearer("expired")), 401, 401, "expired"),
        ("revoked", Some(bearer("revoked")), 401, 401, "revoked"),
        (
            "viewer",
            Some(bearer("viewer")),
            200,
            403,
            "needs the editor role",
        ),
        ("editor", Some(bearer("editor")), 200, 200, ""),
        ("admin", Some(bearer("admin")), 200, 200, ""),
    ];
    let client = http();
    for (caller, header, read, write, detail) in &callers {
        let requests = [
            (
                "GET /api/personas",
                client.get(api.url("/api/personas")),
                *read,
            ),
            (
                "GET /api/projects",
                client.get(api.url("/api/projects")),
                *read,
            ),
            (
                "GET /api/projects/{id}",
                client.get(api.url(&format!("/api/projects/{some_id}"))),
                if *read == 200 { 404 } else { *read },
            ),
            (
                "POST /api/projects",
                client.post(api.url("/api/projects")).json(&project),
                *write,
            ),
        ];
        for (route, request, expected) in requests {
            let request = api_common::authorized(request, header.as_deref());
            let response = request.send().await.expect("an answer");
            let status = response.status().as_u16();
            let challenge = response.headers().get("www-authenticate").cloned();
            let body: Value = response.json().await.expect("a JSON body");
            assert_eq!(status, expected, "{caller} {route}: {body}");
            assert!(
                body["detail"].is_string()
                    || body["detail"].is_array()
                    || status == 200
                    || status == 404,
                "{caller} {route}: {body}"
            );
            if status == 401 {
                assert_eq!(
                    challenge.as_ref().map(|v| v.to_str().unwrap()),
                    Some("Bearer"),
                    "{caller} {route}"
                );
            }
            if status == 401 || status == 403 {
                let text = body["detail"].as_str().unwrap_or_default();
                assert!(
                    text.contains(detail),
                    "{caller} {route}: {text:?} lacks {detail:?}"
                );
                assert!(
                    !text.contains("mpd_"),
                    "a refusal never echoes a secret: {text}"
                );
            }
        }
    }
    // Health is public.
    let (status, _) = call(client.get(api.url("/health"))).await;
    assert_eq!(status, StatusCode::OK);
    // The secrets were never stored or logged as such: the table holds hashes only.
    let found: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_tokens WHERE encode(token_hash, 'escape') LIKE '%mpd_%'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(found, 0);

    // --allow-anonymous-read: reads without a token, writes still need an editor.
    let open = start_with(pool.clone(), None, ApiLimits::default(), true).await;
    let (status, _) = call(client.get(open.url("/api/personas"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(client.post(open.url("/api/projects")).json(&project)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = call(
        client
            .post(open.url("/api/projects"))
            .header("authorization", bearer("viewer"))
            .json(&project),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

/// `GET /api/red-flags` in the old shape plus severities and the documented arrays, the flag
/// rows, and acknowledge / resolve as the calling token (audited), with 404 / 409 / 422.
#[tokio::test]
async fn red_flags_are_summarized_listed_acknowledged_and_resolved() {
    use mpis_dash::domain::red_flags::Thresholds;
    use mpis_dash::store::{audit, red_flags};
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Ada").await;
    let draft = common::draft(pool, project.persona_id, "telegram").await;
    let now = chrono::Utc::now();
    for n in 0..6 {
        common::published_item(pool, draft, "telegram", &format!("m{n}"), now).await;
    }
    red_flags::evaluate_and_record(pool, &Thresholds::default(), now)
        .await
        .unwrap();
    let api = start(pool.clone(), None, ApiLimits::default()).await;

    let (status, summary) = call(api.http().get(api.url("/api/red-flags"))).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    for window in ["last_24h", "last_7d"] {
        for field in ["total_runs", "failed_runs", "percentage", "alert"] {
            assert!(
                !summary["failed_runs"][window][field].is_null(),
                "{window}.{field}: {summary}"
            );
        }
    }
    assert_eq!(summary["missing_metrics"]["count"], 6);
    assert_eq!(summary["missing_metrics"]["alert"], true);
    assert_eq!(
        summary["missing_metrics"]["items"].as_array().map(Vec::len),
        Some(6)
    );
    assert!(summary["missing_metrics"]["as_of"].is_string(), "{summary}");
    // The arrays come with their samples (none missing: none listed, as the domain's tests say).
    assert_eq!(summary["missing_publish_records"]["count"], 0);
    assert!(
        summary["missing_publish_records"].get("runs").is_none(),
        "{summary}"
    );
    assert!(summary["evaluated_at"].is_string(), "{summary}");

    let (status, flags) = call(api.http().get(api.url("/api/red-flags/flags"))).await;
    assert_eq!(status, StatusCode::OK, "{flags}");
    let flag = flags
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["flag_type"] == "missing_metrics")
        .expect("the missing-metrics flag")
        .clone();
    let id = flag["id"].as_str().unwrap().to_string();
    let (status, body) = call(api.http().get(api.url("/api/red-flags/flags?limit=0"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(locs(&body), [json!(["query", "limit"])]);

    let ack = api.url(&format!("/api/red-flags/flags/{id}/acknowledge"));
    let (status, acked) = call(api.http().post(&ack)).await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert_eq!(
        acked["acknowledged_by"], "tests-admin",
        "as the calling token"
    );
    let resolve = api.url(&format!("/api/red-flags/flags/{id}/resolve"));
    let (status, resolved) = call(api.http().post(&resolve)).await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["resolved_by"], "tests-admin");
    assert_eq!(resolved["acknowledged_by"], "tests-admin", "history kept");
    let entries = audit::for_entity(pool, Uuid::parse_str(&id).unwrap(), 10)
        .await
        .unwrap();
    let events: Vec<&str> = entries.iter().map(|e| e.event_type.as_str()).collect();
    assert!(
        events.contains(&"red_flag_acknowledged") && events.contains(&"red_flag_resolved"),
        "{events:?}"
    );

    let (status, body) = call(api.http().post(&resolve)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("already resolved"),
        "{body}"
    );
    let unknown = api.url(&format!(
        "/api/red-flags/flags/{}/acknowledge",
        Uuid::new_v4()
    ));
    let (status, body) = call(api.http().post(&unknown)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = call(api.http().post(api.url("/api/red-flags/flags/42/resolve"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(locs(&body), [json!(["path", "flag_id"])]);
}
