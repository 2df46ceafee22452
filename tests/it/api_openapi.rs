//! `GET /openapi.json` against the router it documents, over real HTTP and a real PostgreSQL:
//! the document is OpenAPI 3; it lists exactly the routes `api::router` declares (read from
//! `src/api/mod.rs`) and each answers as documented (no fallback 404/405); the shared error
//! answers it documents are the ones a route really gives (401/403 by role, 415/422 for a
//! body); real answers of the main routes match their documented schemas, field by field.

use std::collections::{BTreeSet, HashSet};

use mpis_dash::api::ApiLimits;
use mpis_dash::domain::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api_common::{self, Running, call, http, start, start_with};
use crate::common;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(api: &Running) -> Value {
    let (status, doc) = call(http().get(api.url("/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK, "public, like /health: {doc}");
    doc
}

/// Every (METHOD, path) of the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Every (METHOD, path) `api::router` declares, read from its source: each `.route("...", ...)`
/// of `router()`, under `/api` unless it comes after the `/api` groups (health, `/metrics`).
fn router_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../../src/api/mod.rs");
    let start = source.find("pub fn router(").expect("router()");
    let body = &source[start..];
    let body = &body[..body.find("\n}\n").expect("the end of router()")];
    let root_from = body.find("let health").expect("the health group");
    let mut out = BTreeSet::new();
    let mut from = 0;
    while let Some(at) = body[from..].find(".route(") {
        let open = from + at + ".route(".len();
        let mut depth = 1;
        let mut end = open;
        for (i, c) in body[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = open + i;
                break;
            }
        }
        let call = &body[open..end];
        let path = call.split('"').nth(1).expect("a path literal");
        let path = if open < root_from {
            format!("/api{path}")
        } else {
            path.to_string()
        };
        let after_path = &call[call.find(',').expect("a method router")..];
        for method in METHODS {
            let word = format!("{method}(");
            let found = after_path.match_indices(&word).any(|(i, _)| {
                i == 0 || !after_path[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if found {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
        from = end;
    }
    out
}

fn concrete(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('/').skip(1) {
        out.push('/');
        if part.starts_with('{') {
            out.push_str(&Uuid::new_v4().to_string());
        } else {
            out.push_str(part);
        }
    }
    out
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not documented");
    op
}

#[test]
fn the_router_source_reader_finds_the_known_routes() {
    let routes = router_routes();
    for (method, path) in [
        ("GET", "/health"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
        ("POST", "/api/projects"),
        ("GET", "/api/metrics/jobs"),
        ("PATCH", "/api/metrics/jobs/{job_id}"),
        ("DELETE", "/api/dashboards/layouts/{layout_id}"),
        ("POST", "/api/auth/login"),
    ] {
        assert!(
            routes.contains(&(method.to_string(), path.to_string())),
            "{method} {path} in {routes:?}"
        );
    }
    assert!(!routes.contains(&("GET".to_string(), "/api/health".to_string())));
    assert!(routes.len() > 30, "{routes:?}");
}

#[tokio::test]
async fn the_document_is_openapi_3_and_every_reference_resolves() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let doc = document(&api).await;
    if let Ok(path) = std::env::var("OPENAPI_DUMP") {
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "mpis-dash API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut ids = HashSet::new();
    for (method, path) in operations(&doc) {
        let op = operation(&doc, &method, &path);
        let id = op["operationId"].as_str().expect("an operationId");
        assert!(ids.insert(id.to_string()), "operationId {id} twice");
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}: no success answer"
        );
        for (status, response) in responses {
            assert!(
                status.parse::<u16>().is_ok(),
                "{method} {path}: status {status}"
            );
            assert!(
                response["description"].is_string(),
                "{method} {path} {status}"
            );
        }
        // Each `{param}` of the path is a required path parameter, and nothing else is.
        let declared: Vec<&str> = op["parameters"]
            .as_array()
            .map(|p| p.iter().filter(|p| p["in"] == "path").collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                assert_eq!(p["required"], true, "{method} {path}");
                p["name"].as_str().unwrap()
            })
            .collect();
        let in_path: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(declared, in_path, "{method} {path}");
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("a schema reference: {reference}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{reference} does not resolve"
        );
    }
    // The docs page is self-contained: it loads nothing from elsewhere.
    let page = http().get(api.url("/docs")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = page.text().await.unwrap();
    assert!(page.contains("/openapi.json"), "{page}");
    for outside in ["http://", "https://", "//cdn", "<link"] {
        assert!(!page.contains(outside), "the page loads {outside}");
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(reference)) => out.push(reference.clone()),
                    _ => collect_refs(inner, out),
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_lists_every_route_of_the_router_and_each_answers() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let doc = document(&api).await;
    let documented = operations(&doc);
    let routed = router_routes();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(
        missing.is_empty(),
        "routes without a document entry: {missing:?}"
    );
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");

    // Each documented operation reaches a handler (never the router's fallback 404 or its 405),
    // and every other method of a documented path is the router's 405.
    let client = api.http();
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        let url = api.url(&concrete(path));
        for method in METHODS {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = client.request(m.clone(), &url);
            if m != Method::GET && m != Method::DELETE {
                request = request.json(&json!({}));
            }
            let response = request.send().await.expect("an answer");
            let status = response.status();
            let text = response.text().await.unwrap();
            let fallback = status == StatusCode::NOT_FOUND && text == r#"{"detail":"Not Found"}"#;
            if documented.contains(&(method.to_uppercase(), path.clone())) {
                assert!(
                    status != StatusCode::METHOD_NOT_ALLOWED && !fallback,
                    "{method} {path} is documented but answers {status} {text}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is not documented but answers {text}"
                );
            }
        }
    }
}

#[tokio::test]
async fn each_route_documents_the_errors_it_really_answers() {
    let db = common::db().await;
    let api = start_with(db.pool.clone(), None, ApiLimits::default(), false).await;
    let doc = document(&api).await;
    let viewer = api_common::token(&db.pool, "openapi-viewer", Role::Viewer).await;
    let editor = api_common::token(&db.pool, "openapi-editor", Role::Editor).await;
    let admin = api_common::token(&db.pool, "openapi-admin", Role::Admin).await;
    let client = http();
    for (method, path) in operations(&doc) {
        let op = operation(&doc, &method, &path);
        let statuses: HashSet<&str> = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let case = format!("{method} {path}");
        let role = mpis_dash::api::openapi::role_of(
            &path,
            &Method::from_bytes(method.as_bytes()).unwrap(),
        );
        for shared in ["429", "503"] {
            assert!(statuses.contains(shared), "{case}: no {shared}");
        }
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let url = api.url(&concrete(&path));
        let description = op["description"].as_str().unwrap_or_default();
        match role {
            None => {
                assert!(op.get("security").is_none(), "{case}");
                assert!(description.contains("no token"), "{case}: {description}");
                assert!(!statuses.contains("403"), "{case}");
                let status = client
                    .request(m.clone(), &url)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{case} is public");
            }
            Some(role) => {
                assert_eq!(op["security"], json!([{"bearer": []}]), "{case}");
                assert!(
                    description.contains(&format!("{role} role")),
                    "{case}: {description}"
                );
                assert!(statuses.contains("401"), "{case}: no 401");
                let (status, body) = call(client.request(m.clone(), &url)).await;
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
                assert!(body["detail"].is_string(), "{case}: {body}");
                // A token one role short is refused with a 403, documented.
                let short = match role {
                    Role::Viewer => None,
                    Role::Editor => Some(&viewer),
                    Role::Admin => Some(&editor),
                };
                assert_eq!(statuses.contains("403"), short.is_some(), "{case}: 403");
                if let Some(short) = short {
                    let (status, body) =
                        call(client.request(m.clone(), &url).bearer_auth(short)).await;
                    assert_eq!(status, StatusCode::FORBIDDEN, "{case}: {body}");
                }
            }
        }
        // (The login answers 404 before reading a body while ADMIN_PASSWORD is not set.)
        if op.get("requestBody").is_some() && path != "/api/auth/login" {
            for shared in ["413", "415", "422"] {
                assert!(statuses.contains(shared), "{case}: no {shared}");
            }
            let (status, body) = call(
                client
                    .request(m.clone(), &url)
                    .bearer_auth(&admin)
                    .body("{}"),
            )
            .await;
            assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{case}: {body}");
            let (status, body) = call(
                client
                    .request(m.clone(), &url)
                    .bearer_auth(&admin)
                    .header("content-type", "application/json")
                    .body("{not json"),
            )
            .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {body}");
            assert_schema(
                &doc,
                &response_schema(&doc, &method, &path, 422),
                &body,
                &case,
            );
        }
        if path.contains('{') {
            assert!(statuses.contains("422"), "{case}: a bad path UUID is a 422");
            let bad = api.url(&path.replace(['{', '}'], ""));
            let mut request = client.request(m.clone(), &bad).bearer_auth(&admin);
            if op.get("requestBody").is_some() {
                request = request.json(&json!({}));
            }
            let (status, body) = call(request).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {body}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Real answers against the document's schemas

/// The schema the document gives for an answer.
fn response_schema(doc: &Value, method: &str, path: &str, status: u16) -> Value {
    let op = operation(doc, method, path);
    let response = &op["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path}: {status} is not documented"
    );
    response["content"]["application/json"]["schema"].clone()
}

fn assert_schema(doc: &Value, schema: &Value, value: &Value, case: &str) {
    let mut problems = Vec::new();
    check(doc, schema, value, "$", &mut problems);
    assert!(problems.is_empty(), "{case}: {problems:#?}\nin {value:#}");
}

/// A JSON Schema check of the parts the document uses ($ref, oneOf/anyOf/allOf, type, enum,
/// uuid and date-time formats, properties with required, items). Objects are closed: a field
/// the schema does not name is a problem, so an answer cannot grow undocumented fields.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check(
            doc,
            &doc["components"]["schemas"][name],
            value,
            at,
            problems,
        );
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            let fits = branches.iter().any(|branch| {
                let mut inner = Vec::new();
                check(doc, branch, value, at, &mut inner);
                inner.is_empty()
            });
            if !fits {
                problems.push(format!("{at}: fits none of {key} {schema}"));
            }
            return;
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for branch in all {
            check(doc, branch, value, at, problems);
        }
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let fits = allowed.is_empty()
        || allowed.contains(&kind)
        || (kind == "integer" && allowed.contains(&"number"));
    if !fits {
        problems.push(format!("{at}: {kind}, documented {allowed:?}"));
        return;
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        problems.push(format!("{at}: {value} not in {values:?}"));
    }
    if let Value::String(text) = value {
        match schema["format"].as_str() {
            Some("uuid") if Uuid::parse_str(text).is_err() => {
                problems.push(format!("{at}: {text:?} is not a uuid"))
            }
            Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
                problems.push(format!("{at}: {text:?} is not a date-time"))
            }
            _ => {}
        }
    }
    if let Value::Object(fields) = value
        && let Some(properties) = schema["properties"].as_object()
    {
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !fields.contains_key(name) {
                problems.push(format!("{at}: required {name} is missing"));
            }
        }
        let open = schema
            .get("additionalProperties")
            .is_some_and(|a| a != &json!(false));
        for (name, inner) in fields {
            match properties.get(name) {
                Some(property) => check(doc, property, inner, &format!("{at}.{name}"), problems),
                None if open => {}
                None => problems.push(format!("{at}.{name}: not documented")),
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, item_schema, item, &format!("{at}[{i}]"), problems);
        }
    }
}

#[test]
fn the_schema_check_catches_a_wrong_type_a_missing_field_and_an_extra_one() {
    let doc = json!({"components": {"schemas": {"P": {
        "type": "object", "required": ["id"],
        "properties": {"id": {"type": "string", "format": "uuid"},
                       "n": {"type": ["integer", "null"]}}}}}});
    let schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/P"}});
    let fine = json!([{"id": Uuid::new_v4(), "n": null}, {"id": Uuid::new_v4(), "n": 3}]);
    let mut problems = Vec::new();
    check(&doc, &schema, &fine, "$", &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    for bad in [
        json!([{"id": "x"}]),
        json!([{"n": 1}]),
        json!([{"id": Uuid::new_v4(), "n": "one"}]),
        json!([{"id": Uuid::new_v4(), "extra": 1}]),
        json!({"id": Uuid::new_v4()}),
    ] {
        let mut problems = Vec::new();
        check(&doc, &schema, &bad, "$", &mut problems);
        assert!(!problems.is_empty(), "{bad} passed");
    }
}

#[tokio::test]
async fn real_answers_of_the_main_routes_match_their_schemas() {
    let db = common::db().await;
    let api = start(db.pool.clone(), None, ApiLimits::default()).await;
    let doc = document(&api).await;
    let client = api.http();
    let project = common::persona_with_project(&db.pool, "Schema").await;

    let project_path = format!("/api/projects/{}", project.id);
    let unknown_project = format!("/api/projects/{}", Uuid::new_v4());
    let reads: Vec<(&str, &str)> = vec![
        ("/health", "/health"),
        ("/health/db", "/health/db"),
        ("/health/mpis", "/health/mpis"),
        ("/api/personas", "/api/personas"),
        ("/api/projects", "/api/projects"),
        (&project_path, "/api/projects/{project_id}"),
        (&unknown_project, "/api/projects/{project_id}"),
        ("/api/projects/nope", "/api/projects/{project_id}"),
        ("/api/red-flags", "/api/red-flags"),
        (
            "/api/red-flags/flags?include_resolved=true",
            "/api/red-flags/flags",
        ),
        ("/api/widgets", "/api/widgets"),
        ("/api/dashboards/layouts", "/api/dashboards/layouts"),
        ("/api/metrics/jobs", "/api/metrics/jobs"),
        ("/api/publisher/runs", "/api/publisher/runs"),
        ("/api/genesis/status/x", "/api/genesis/status/{job_id}"),
    ];
    let mut answers = Vec::new();
    for (path, template) in reads {
        let (status, body) = call(client.get(api.url(path))).await;
        answers.push((template, path, status.as_u16(), body));
    }
    for (template, path, status, body) in answers {
        let schema = response_schema(&doc, "GET", template, status);
        assert_schema(&doc, &schema, &body, &format!("GET {path} {status}"));
    }

    let mut posts: Vec<(&str, Value, u16)> = vec![
        (
            "/api/projects",
            json!({"name": "Schemas", "persona_id": project.persona_id, "channels": ["telegram"]}),
            200,
        ),
        ("/api/projects", json!({"name": 5}), 422),
        (
            "/api/publisher/runs",
            json!({
                "project_id": project.id, "persona_id": project.persona_id,
                "channels": ["telegram"], "date_from": "2025-12-15", "date_to": "2025-12-15",
                "templates": {"news_prompt_id": "bb0e8400-e29b-41d4-a716-446655440006",
                              "format_telegram_id": "cc0e8400-e29b-41d4-a716-446655440007"},
            }),
            202,
        ),
        (
            "/api/metrics/jobs",
            json!({"job_name": "schema job", "channel": "telegram", "schedule_cron": "0 * * * *",
                   "config": {"credential": {"env": "TELEGRAM_BOT_TOKEN"}}}),
            200,
        ),
        (
            "/api/dashboards/layouts",
            json!({"name": "Schema layout", "layout_config": {"widgets": []}}),
            200,
        ),
        ("/api/auth/login", json!({"password": "x"}), 404),
    ];
    let mut run_id = None;
    for (path, body, expected) in posts.drain(..) {
        let (status, answer) = call(client.post(api.url(path)).json(&body)).await;
        assert_eq!(status.as_u16(), expected, "POST {path}: {answer}");
        let schema = response_schema(&doc, "POST", path, expected);
        assert_schema(&doc, &schema, &answer, &format!("POST {path} {expected}"));
        if path == "/api/publisher/runs" {
            run_id = answer["run_id"].as_str().map(str::to_string);
        }
    }
    // The run as read, and in the list.
    let run_id = run_id.expect("the run's id");
    let (status, run) = call(client.get(api.url(&format!("/api/publisher/runs/{run_id}")))).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let schema = response_schema(&doc, "GET", "/api/publisher/runs/{run_id}", 200);
    assert_schema(&doc, &schema, &run, "GET run");
    let (_, page) = call(client.get(api.url("/api/publisher/runs"))).await;
    assert_eq!(page["runs"].as_array().map(Vec::len), Some(1), "{page}");
    let schema = response_schema(&doc, "GET", "/api/publisher/runs", 200);
    assert_schema(&doc, &schema, &page, "GET runs");
    let (_, jobs) = call(client.get(api.url("/api/metrics/jobs"))).await;
    assert_eq!(jobs.as_array().map(Vec::len), Some(1), "{jobs}");
    let schema = response_schema(&doc, "GET", "/api/metrics/jobs", 200);
    assert_schema(&doc, &schema, &jobs, "GET jobs");

    // The configuration routes' writes.
    const REGISTER: &str = "/api/widgets/register";
    let widget = json!({"widget_id": "schema-widget", "name": "Schema", "widget_type": "custom",
                        "schema": {"type": "object"}});
    checked(
        &doc,
        client.post(api.url(REGISTER)).json(&widget),
        "POST",
        REGISTER,
        200,
    )
    .await;
    checked(
        &doc,
        client.post(api.url(REGISTER)).json(&widget),
        "POST",
        REGISTER,
        409,
    )
    .await;
    let (_, layouts) = call(client.get(api.url("/api/dashboards/layouts"))).await;
    let layout = layouts[0]["id"]
        .as_str()
        .expect("a global layout")
        .to_string();
    let template = "/api/dashboards/layouts/{layout_id}";
    let url = api.url(&format!("/api/dashboards/layouts/{layout}"));
    let rename = json!({"name": "Renamed by the schema test"});
    checked(&doc, client.put(&url).json(&rename), "PUT", template, 200).await;
    checked(&doc, client.delete(&url), "DELETE", template, 200).await;
    let job = jobs[0]["id"].as_str().unwrap().to_string();
    let template = "/api/metrics/jobs/{job_id}";
    let url = api.url(&format!("/api/metrics/jobs/{job}"));
    checked(&doc, client.get(&url), "GET", template, 200).await;
    let off = json!({"enabled": false});
    checked(&doc, client.patch(&url).json(&off), "PATCH", template, 200).await;
    checked(&doc, client.delete(&url), "DELETE", template, 200).await;
    checked(&doc, client.get(&url), "GET", template, 404).await;

    // An error answer of each kind, and the check refuses an answer that is not documented.
    let (status, deleted) =
        call(client.delete(api.url(&format!("/api/dashboards/layouts/{}", Uuid::new_v4())))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let schema = response_schema(&doc, "DELETE", "/api/dashboards/layouts/{layout_id}", 404);
    assert_schema(&doc, &schema, &deleted, "DELETE layout 404");
    let schema = response_schema(&doc, "GET", "/api/projects/{project_id}", 200);
    let mut problems = Vec::new();
    check(
        &doc,
        &schema,
        &json!({"id": project.id, "name": "x", "surprise": 1}),
        "$",
        &mut problems,
    );
    assert!(problems.len() >= 2, "{problems:?}");
}

/// Sends and checks the answer's status and its documented schema; the answer.
async fn checked(
    doc: &Value,
    request: reqwest::RequestBuilder,
    method: &str,
    template: &str,
    expected: u16,
) -> Value {
    let (status, answer) = call(request).await;
    let case = format!("{method} {template} {expected}");
    assert_eq!(status.as_u16(), expected, "{case}: {answer}");
    let schema = response_schema(doc, method, template, expected);
    assert_schema(doc, &schema, &answer, &case);
    answer
}

#[tokio::test]
async fn real_answers_of_the_mpis_routes_match_their_schemas() {
    use mpis_dash::mpis::sandbox::{self, SandboxFaults};
    use mpis_dash::mpis::{MpisClient, MpisConfig};

    let db = common::db().await;
    let pool = &db.pool;
    let sandbox = sandbox::start_with_database(
        "127.0.0.1:0".parse().unwrap(),
        SandboxFaults::none(),
        pool.clone(),
    )
    .await
    .unwrap();
    let mut mpis = MpisConfig::new(sandbox.url());
    mpis.request_timeout = std::time::Duration::from_secs(5);
    let mpis = MpisClient::new(mpis).unwrap();
    let mut config = api_common::config();
    config.publish_forward_budget_ms = 3000;
    let api =
        api_common::start_configured(pool.clone(), Some(mpis), ApiLimits::default(), config).await;
    let doc = document(&api).await;
    let client = api.http();

    checked(
        &doc,
        client.get(api.url("/health/mpis")),
        "GET",
        "/health/mpis",
        200,
    )
    .await;

    // Publish: recorded, refused by MPIS, a key reused for another publication.
    const PUBLISH: &str = "/api/publisher/publish/record";
    let persona = common::persona(pool, "Schema publisher").await;
    let draft = common::draft(pool, persona, "telegram").await;
    let record = |draft: Uuid, item: &str| {
        json!({"draft_id": draft, "channel": "telegram", "channel_item_id": item,
               "channel_url": format!("https://t.me/demo/{item}")})
    };
    let post = |path: &str| client.post(api.url(path));
    let recorded = checked(
        &doc,
        post(PUBLISH)
            .header("Idempotency-Key", "schema-1")
            .json(&record(draft, "1")),
        "POST",
        PUBLISH,
        200,
    )
    .await;
    let item = recorded["published_item_id"]
        .as_str()
        .expect("forwarded")
        .to_string();
    checked(
        &doc,
        post(PUBLISH).json(&record(Uuid::new_v4(), "2")),
        "POST",
        PUBLISH,
        400,
    )
    .await;
    checked(
        &doc,
        post(PUBLISH)
            .header("Idempotency-Key", "schema-1")
            .json(&record(draft, "3")),
        "POST",
        PUBLISH,
        409,
    )
    .await;

    // Metrics of that item: one, a batch, an unknown item.
    const INGEST: &str = "/api/publisher/metrics/ingest";
    let entry =
        json!({"published_item_id": item, "channel": "telegram", "metrics": {"views": 120}});
    checked(&doc, post(INGEST).json(&entry), "POST", INGEST, 200).await;
    const BATCH: &str = "/api/publisher/metrics/ingest/batch";
    let batch = json!({"items": [entry, entry]});
    checked(&doc, post(BATCH).json(&batch), "POST", BATCH, 200).await;
    let unknown =
        json!({"published_item_id": Uuid::new_v4(), "channel": "telegram", "metrics": {}});
    checked(&doc, post(INGEST).json(&unknown), "POST", INGEST, 404).await;

    // Genesis: start, status, an edit, a stale approval, the approval, the export.
    let started = checked(
        &doc,
        post("/api/genesis/start").json(&json!({"persona_name": "Schema Person"})),
        "POST",
        "/api/genesis/start",
        200,
    )
    .await;
    let job = started["job_id"].as_str().unwrap().to_string();
    let status_path = format!("/api/genesis/status/{job}");
    checked(
        &doc,
        client.get(api.url(&status_path)),
        "GET",
        "/api/genesis/status/{job_id}",
        200,
    )
    .await;
    let unknown_job = format!("/api/genesis/status/{}", Uuid::new_v4());
    checked(
        &doc,
        client.get(api.url(&unknown_job)),
        "GET",
        "/api/genesis/status/{job_id}",
        404,
    )
    .await;
    const APPROVE: &str = "/api/genesis/approve";
    let edit = json!({"job_id": job, "draft_no": 1, "edits": [
        {"path": "credo.summary", "op": "replace", "value": "Checked"}]});
    checked(&doc, post(APPROVE).json(&edit), "POST", APPROVE, 200).await;
    let stale = json!({"job_id": job, "draft_no": 1, "confirm": true});
    checked(&doc, post(APPROVE).json(&stale), "POST", APPROVE, 400).await;
    let confirm = json!({"job_id": job, "draft_no": 2, "confirm": true});
    let committed = checked(&doc, post(APPROVE).json(&confirm), "POST", APPROVE, 200).await;
    let persona = committed["persona_id"].as_str().unwrap();
    let export = format!("/api/genesis/export/{persona}");
    checked(
        &doc,
        client.get(api.url(&export)),
        "GET",
        "/api/genesis/export/{persona_id}",
        200,
    )
    .await;
}
