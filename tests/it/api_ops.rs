//! Operating `serve`: correlation ids (generated, echoed, bad ones never reflected), the log
//! (the real binary's stderr: one JSON object a line with the request's ids, route, status and
//! duration; the request's other lines carry its ids too; no token, password or API key in
//! it), and `/metrics` (request counts and latencies by route and status, the outbox, open
//! flags, job lag; who may read it).

use std::io::{BufRead, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use mpis_dash::api::ApiLimits;
use mpis_dash::domain::auth::Role;
use mpis_dash::store::outbox::{self, NewPublishRecord};
use mpis_dash::store::red_flags;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api_common::{self, call, http, start, start_with, token};
use crate::common;

/// `mpis-dash serve` as a child process on an ephemeral port (stderr captured).
pub struct ServeProcess {
    pub child: Child,
    pub base: String,
}

impl ServeProcess {
    /// Starts `serve` on `database_url` with `args` after `serve` and extra `env`, and waits
    /// for the ready line.
    pub fn start(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> ServeProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mpis-dash"));
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("DATABASE_URL", database_url)
            .env("MPIS_DASH_CONFIG", "/dev/null")
            .env_remove("MPIS_DASH_LISTEN")
            .env_remove("MPIS_API_URL")
            .env_remove("MPIS_API_KEY")
            .env_remove("MPIS_DASH_LOG")
            .env_remove("MPIS_DASH_LOG_FORMAT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start mpis-dash serve");
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
        ServeProcess { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own child's pid.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        assert_eq!(sent, 0);
    }

    /// Waits for the exit (at most `within`): its code and everything it wrote to stderr.
    pub async fn wait(mut self, within: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("serve still running {within:?} after SIGTERM");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let mut stderr = String::new();
        let _ = self
            .child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr);
        (status.code(), stderr)
    }
}

#[tokio::test]
async fn a_request_id_is_generated_or_echoed_and_correlation_ids_come_back() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;

    // None sent: a new UUID each time.
    let first = http().get(api.url("/health")).send().await.unwrap();
    let second = http().get(api.url("/health")).send().await.unwrap();
    let id = |response: &reqwest::Response| {
        response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string()
    };
    assert!(Uuid::try_parse(&id(&first)).is_ok(), "{}", id(&first));
    assert_ne!(id(&first), id(&second));

    // A safe one is echoed as sent, on errors too (a 404 and a 401).
    for (path, status) in [
        ("/health", StatusCode::OK),
        ("/nowhere", StatusCode::NOT_FOUND),
        ("/api/personas", StatusCode::OK),
    ] {
        let response = http()
            .get(api.url(path))
            .header("X-Request-ID", "n8n-42:attempt.1_a")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(response.headers()["x-request-id"], "n8n-42:attempt.1_a");
    }
    let refused = http()
        .post(api.url("/api/projects"))
        .header("X-Request-ID", "refused-1")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers()["x-request-id"], "refused-1");

    // Correlation ids come back in their canonical form.
    let run = Uuid::new_v4();
    let project = Uuid::new_v4();
    let response = http()
        .get(api.url("/health"))
        .header("X-Run-ID", run.to_string().to_uppercase())
        .header("X-Project-ID", format!(" {project} "))
        .header("X-N8N-Execution-ID", "98765")
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert_eq!(headers["x-run-id"], run.to_string().as_str());
    assert_eq!(headers["x-project-id"], project.to_string().as_str());
    assert_eq!(headers["x-n8n-execution-id"], "98765");
    let execution = Uuid::new_v4().to_string();
    let response = http()
        .get(api.url("/health"))
        .header("X-N8N-Execution-ID", &execution)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-n8n-execution-id"], execution.as_str());

    // Bad values are never reflected: a bad request id is replaced, bad ids are dropped.
    for bad in [
        "has space",
        "Bearer mpd_not_a_request_id!",
        "<script>",
        &"x".repeat(200),
    ] {
        let response = http()
            .get(api.url("/health"))
            .header("X-Request-ID", bad)
            .header("X-Run-ID", bad)
            .header("X-Project-ID", "12345")
            .header("X-N8N-Execution-ID", "12a")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{bad}");
        let headers = response.headers();
        let echoed = headers["x-request-id"].to_str().unwrap();
        assert_ne!(echoed, bad);
        assert!(Uuid::try_parse(echoed).is_ok(), "{echoed}");
        for name in ["x-run-id", "x-project-id", "x-n8n-execution-id"] {
            assert!(headers.get(name).is_none(), "{name} for {bad:?}");
        }
    }
}

/// Each line the binary wrote to stderr, as JSON (every line must be one object).
fn json_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("a JSON line: {line:?}")))
        .collect()
}

#[tokio::test]
async fn serve_logs_json_lines_with_the_request_ids_and_never_a_secret() {
    let db = common::db().await;
    let viewer = token(&db.pool, "log-viewer", Role::Viewer).await;
    let editor = token(&db.pool, "log-editor", Role::Editor).await;
    let mpis_key = "mpis-api-key-SECRET-4242";
    // MPIS on a port nothing listens on: its client logs a warning inside the request.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mpis_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let serve = ServeProcess::start(
        &db.url(),
        &["--log-format", "json"],
        &[("MPIS_API_URL", &mpis_url), ("MPIS_API_KEY", mpis_key)],
    );

    let run = Uuid::new_v4();
    let response = http()
        .get(serve.url("/api/personas?api_key=query-SECRET-1"))
        .bearer_auth(&viewer)
        .header("X-Request-ID", "log-test-1")
        .header("X-Run-ID", run.to_string())
        .header("X-N8N-Execution-ID", "777")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _) = call(
        http()
            .get(serve.url("/health/mpis"))
            .header("X-Request-ID", "log-test-mpis"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let wrong = "mpd_WRONGwrongWRONGwrongWRONGwrongWRONGwrong1234";
    let (status, _) = call(http().get(serve.url("/api/projects")).bearer_auth(wrong)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        http()
            .post(serve.url("/api/projects"))
            .bearer_auth(&editor)
            .json(&json!({"name": 5, "password": "body-SECRET-pw", "api_key": "body-SECRET-key"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    serve.terminate();
    let (code, stderr) = serve.wait(Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "{stderr}");

    let lines = json_lines(&stderr);
    // The access line: one object with everything the brief lists.
    let access: Vec<&Value> = lines
        .iter()
        .filter(|line| line["span"]["request_id"] == "log-test-1" && line.get("status").is_some())
        .collect();
    assert_eq!(access.len(), 1, "one access line: {stderr}");
    let line = access[0];
    assert_eq!(line["level"], "INFO");
    assert!(
        chrono::DateTime::parse_from_rfc3339(line["timestamp"].as_str().unwrap()).is_ok(),
        "{line}"
    );
    assert_eq!(line["status"], 200);
    assert!(line["duration_ms"].as_f64().unwrap() >= 0.0, "{line}");
    assert_eq!(line["message"], "answered");
    assert_eq!(line["target"], "mpis_dash::api::correlation");
    let span = &line["span"];
    assert_eq!(span["route"], "/api/personas");
    assert_eq!(span["method"], "GET");
    assert_eq!(span["status"], 200);
    assert_eq!(span["run_id"], run.to_string().as_str());
    assert_eq!(span["n8n_execution_id"], "777");
    assert!(span.get("project_id").is_none(), "not sent, not logged");

    // Every line of the MPIS check carries its request id: the client's warning too.
    let mpis_lines: Vec<&Value> = lines
        .iter()
        .filter(|line| line["span"]["request_id"] == "log-test-mpis")
        .collect();
    assert!(
        mpis_lines.len() >= 2,
        "a warning and the access line: {stderr}"
    );
    assert!(
        mpis_lines
            .iter()
            .any(|line| line["level"] == "WARN" && line["span"]["route"] == "/health/mpis"),
        "{stderr}"
    );
    // One access line per request: four requests.
    let access_lines = lines
        .iter()
        .filter(|line| line["target"] == "mpis_dash::api::correlation")
        .count();
    assert_eq!(access_lines, 4, "{stderr}");

    for secret in [
        viewer.as_str(),
        editor.as_str(),
        wrong,
        mpis_key,
        "query-SECRET-1",
        "body-SECRET-pw",
        "body-SECRET-key",
    ] {
        assert!(!stderr.contains(secret), "{secret} in the log: {stderr}");
    }
    // The token's random part alone is not there either.
    assert!(!stderr.contains(&viewer[4..20]));
}

#[tokio::test]
async fn serve_logs_text_lines_with_the_request_span_in_front() {
    let db = common::db().await;
    let serve = ServeProcess::start(&db.url(), &["--allow-anonymous-read"], &[]);
    let project = Uuid::new_v4();
    let (status, _) = call(
        http()
            .get(serve.url(&format!("/api/projects/{project}")))
            .header("X-Request-ID", "text-log-1")
            .header("X-Project-ID", project.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    serve.terminate();
    let (code, stderr) = serve.wait(Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "{stderr}");
    let line = stderr
        .lines()
        .find(|line| line.contains("text-log-1"))
        .unwrap_or_else(|| panic!("the access line: {stderr}"));
    assert!(line.contains(" INFO "), "{line}");
    assert!(line.contains("route=/api/projects/{project_id}"), "{line}");
    assert!(line.contains(&format!("project_id={project}")), "{line}");
    assert!(line.contains("status=404"), "{line}");
    assert!(line.contains("duration_ms="), "{line}");
    assert!(
        serde_json::from_str::<Value>(line).is_err(),
        "text, not JSON"
    );
}

/// The value of the sample `name{labels}` (labels as written, in order), if present.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .map(|value| value.trim().parse().expect("a number"))
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_read_the_gauges() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let viewer = token(&db.pool, "prometheus", Role::Viewer).await;

    // Some traffic: three reads of one project route (two ids, one pattern), a 404 scan.
    let project = common::persona_with_project(&db.pool, "Metrics").await;
    for id in [project.id, project.id, Uuid::new_v4()] {
        api.http()
            .get(api.url(&format!("/api/projects/{id}")))
            .send()
            .await
            .unwrap();
    }
    for path in ["/wp-admin", "/.env", "/x/y/z"] {
        http().get(api.url(path)).send().await.unwrap();
    }
    // A queued and a failed publish record; open flags from an evaluation.
    for (item, fail) in [("1", false), ("2", true)] {
        let draft = Uuid::new_v4();
        let record = outbox::enqueue(
            &db.pool,
            &NewPublishRecord {
                idempotency_key: format!("publish:{draft}:telegram:{item}"),
                run_id: None,
                project_id: None,
                persona_id: None,
                published_at: Some(Utc::now()),
                draft_id: draft,
                channel: "telegram".into(),
                channel_item_id: Some(item.into()),
                channel_url: None,
                created_by: "alice".into(),
            },
        )
        .await
        .unwrap()
        .record;
        if fail {
            outbox::mark_failed(&db.pool, record.id, "refused")
                .await
                .unwrap();
        }
    }
    for _ in 0..3 {
        common::run_at(&db.pool, &project, Utc::now(), "failed").await;
    }
    red_flags::evaluate_and_record(&db.pool, &Default::default(), Utc::now())
        .await
        .unwrap();
    // An ingestion job due for 10 minutes.
    sqlx::query(
        "INSERT INTO metrics_ingestion_jobs (job_name, channel, schedule_cron, next_run_at)
         VALUES ('late', 'telegram', '*/5 * * * *', NOW() - interval '10 minutes')",
    )
    .execute(&db.pool)
    .await
    .unwrap();

    let response = http()
        .get(api.url("/metrics"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let route = "/api/projects/{project_id}";
    assert_eq!(
        sample(
            &text,
            &format!(
                "mpis_dash_http_requests_total{{route=\"{route}\",method=\"GET\",status=\"200\"}}"
            )
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!(
                "mpis_dash_http_requests_total{{route=\"{route}\",method=\"GET\",status=\"404\"}}"
            )
        ),
        Some(1.0)
    );
    // Scanned paths never become labels.
    assert_eq!(
        sample(
            &text,
            "mpis_dash_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"
        ),
        Some(3.0)
    );
    assert!(!text.contains("wp-admin") && !text.contains(&project.id.to_string()));
    // The latency histogram: all requests in the +Inf bucket, a sum.
    assert_eq!(
        sample(
            &text,
            &format!(
                "mpis_dash_http_request_duration_seconds_bucket{{route=\"{route}\",method=\"GET\",status=\"200\",le=\"+Inf\"}}"
            )
        ),
        Some(2.0),
        "{text}"
    );
    assert!(text.contains("# TYPE mpis_dash_http_request_duration_seconds histogram"));
    assert_eq!(sample(&text, "mpis_dash_database_up"), Some(1.0));
    assert_eq!(
        sample(&text, "mpis_dash_outbox_records{state=\"queued\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "mpis_dash_outbox_records{state=\"failed\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "mpis_dash_red_flags_open{flag_type=\"failed_runs_24h\",severity=\"critical\"}"
        ),
        Some(1.0),
        "{text}"
    );
    let lag = sample(&text, "mpis_dash_ingestion_job_lag_seconds").unwrap();
    assert!((599.0..700.0).contains(&lag), "{lag}");

    // The /metrics request itself is counted by the next scrape.
    let again = http()
        .get(api.url("/metrics"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        sample(
            &again,
            "mpis_dash_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}"
        ),
        Some(1.0)
    );
}

/// Who may scrape: any valid token (a viewer is enough), nobody else; with
/// `--allow-anonymous-read`, anyone. What is not a scrape is a 4xx with a detail.
#[tokio::test]
async fn metrics_need_a_viewer_token_unless_reads_are_anonymous() {
    let db = common::db().await;
    let pool = &db.pool;
    let secrets = api_common::role_tokens(pool).await;
    let api = start_with(pool.clone(), None, ApiLimits::default(), false).await;
    let open = start_with(pool.clone(), None, ApiLimits::default(), true).await;
    let bearer = |name: &str| Some(format!("Bearer {}", secrets[name]));
    let callers: Vec<(&str, Option<String>, u16, &str)> = vec![
        ("no token", None, 401, "missing token"),
        (
            "not bearer",
            Some("Token abc".into()),
            401,
            "Bearer <token>",
        ),
        (
            "unknown",
            Some(format!("Bearer {}", api_common::unknown_secret())),
            401,
            "unknown token",
        ),
        ("expired", bearer("expired"), 401, "expired"),
        ("revoked", bearer("revoked"), 401, "revoked"),
        ("viewer", bearer("viewer"), 200, ""),
        ("editor", bearer("editor"), 200, ""),
        ("admin", bearer("admin"), 200, ""),
    ];
    for (caller, header, expected, detail) in &callers {
        for (api, anonymous) in [(&api, false), (&open, true)] {
            let mut request = http().get(api.url("/metrics"));
            if let Some(value) = header {
                request = request.header("authorization", value);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            // Anonymous reads let a request without a token through; a bad token is still bad.
            let expected = if anonymous && header.is_none() {
                200
            } else {
                *expected
            };
            assert_eq!(status, expected, "{caller}, anonymous reads {anonymous}");
            if status == 200 {
                let text = response.text().await.unwrap();
                assert!(text.contains("mpis_dash_database_up 1"), "{caller}: {text}");
            } else {
                assert_eq!(response.headers()["www-authenticate"], "Bearer");
                let body: Value = response.json().await.unwrap();
                let said = body["detail"].as_str().unwrap_or_default();
                assert!(said.contains(detail), "{caller}: {body}");
            }
        }
    }

    // Not a scrape: always a 4xx with a detail, never a 500; a query string changes nothing.
    let admin = &secrets["admin"];
    for (case, request, expected) in [
        ("POST", http().post(api.url("/metrics")).body("x"), 405),
        ("PUT", http().put(api.url("/metrics")), 405),
        ("DELETE", http().delete(api.url("/metrics")), 405),
        ("a sub-path", http().get(api.url("/metrics/extra")), 404),
        ("trailing slash", http().get(api.url("/metrics/")), 404),
    ] {
        let (status, body) = call(request.bearer_auth(admin)).await;
        assert_eq!(status.as_u16(), expected, "{case}: {body}");
        assert!(body.get("detail").is_some(), "{case}: {body}");
    }
    let response = http()
        .get(api.url("/metrics?name[]=mpis_dash_database_up&format=json"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("# TYPE"));
}

#[tokio::test]
async fn metrics_still_answer_when_the_database_is_down() {
    let pool = api_common::pool_to_closed_port(Duration::from_millis(300));
    let api = start_with(pool, None, ApiLimits::default(), true).await;
    http().get(api.url("/health")).send().await.unwrap();
    let began = Instant::now();
    let response = http().get(api.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(sample(&text, "mpis_dash_database_up"), Some(0.0), "{text}");
    assert!(sample(&text, "mpis_dash_outbox_records{state=\"queued\"}").is_none());
    assert_eq!(
        sample(
            &text,
            "mpis_dash_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"}"
        ),
        Some(1.0)
    );
}
