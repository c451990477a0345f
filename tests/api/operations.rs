//! API.md, "Operations": health, Swagger UI, the OpenAPI document, request ids, headers.

use reqwest::{Method, redirect::Policy};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, backends, board_path, expect_status, mysql_base_url};

backends!(
    health_and_readiness_answer_json,
    the_root_redirects_to_swagger_ui,
    the_openapi_document_describes_every_operation,
    the_api_reference_lists_exactly_the_documented_operations,
    every_response_carries_a_request_id,
    security_headers_are_set_and_cors_is_off_by_default,
);

async fn health_and_readiness_answer_json(app: TestApp) {
    let live = app.get("/health").await;
    assert_eq!(live.status(), 200);
    assert_eq!(live.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({"status": "ready"})
    );
}

/// docs/API.md names each endpoint in a heading ``### `METHOD /path` ``: those headings and the
/// operations of the served OpenAPI document are the same set.
async fn the_api_reference_lists_exactly_the_documented_operations(app: TestApp) {
    let reference = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/API.md"))
        .expect("docs/API.md");
    let mut in_reference: Vec<String> = reference
        .lines()
        .filter_map(|line| line.strip_prefix("### `")?.strip_suffix('`'))
        .map(str::to_string)
        .collect();
    in_reference.sort();
    let document = expect_json(app.get("/api-docs/openapi.json").await).await;
    let mut in_document: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    in_document.sort();
    assert!(!in_document.is_empty());
    assert_eq!(
        in_reference, in_document,
        "docs/API.md vs /api-docs/openapi.json"
    );
}

async fn expect_json(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

async fn the_root_redirects_to_swagger_ui(app: TestApp) {
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let root = client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert!(root.status().is_redirection());
    assert_eq!(root.headers()["location"], "/swagger-ui/");
    let ui = app.get("/swagger-ui/").await;
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"));
    // The UI's own files are served from the binary (vendored), not fetched.
    let config = app.get("/swagger-ui/swagger-initializer.js").await;
    assert_eq!(config.status(), 200);
    assert!(
        config
            .text()
            .await
            .unwrap()
            .contains("/api-docs/openapi.json")
    );
}

async fn the_openapi_document_describes_every_operation(app: TestApp) {
    let doc: Value = app
        .get("/api-docs/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let operations = [
        (
            "/api/user/signup",
            "post",
            vec!["201", "400", "409", "413", "415"],
        ),
        ("/api/user/login", "post", vec!["200", "400", "401", "429"]),
        (
            "/api/board",
            "post",
            vec!["201", "400", "401", "413", "415"],
        ),
        ("/api/board/boards", "get", vec!["200", "400"]),
        ("/api/board/{id}", "get", vec!["200", "404"]),
        (
            "/api/board/{id}",
            "put",
            vec!["200", "400", "401", "403", "404"],
        ),
        (
            "/api/board/{id}",
            "delete",
            vec!["200", "401", "403", "404"],
        ),
        ("/health", "get", vec!["200"]),
        ("/health/ready", "get", vec!["200", "503"]),
    ];
    for (path, method, statuses) in operations {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} missing");
        for status in statuses {
            let response = &operation["responses"][status];
            assert!(
                response["description"].is_string(),
                "{method} {path} {status}"
            );
        }
    }
    for (path, method) in [
        ("/api/board", "post"),
        ("/api/board/{id}", "put"),
        ("/api/board/{id}", "delete"),
    ] {
        assert_eq!(
            doc["paths"][path][method]["security"],
            json!([{"bearer": []}]),
            "{method} {path}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let params: Vec<&str> = doc["paths"]["/api/board/boards"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        ["page", "per_page", "cursor", "userId", "q", "field"]
    );
}

async fn every_response_carries_a_request_id(app: TestApp) {
    let mine = app
        .request(Method::GET, "/health")
        .header("x-request-id", "my-trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.headers()["x-request-id"], "my-trace-123");
    let made = app.get("/api/board/boards").await;
    let id = made.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let error = app.get("/nope").await;
    assert!(error.headers().contains_key("x-request-id"));
    // An unusable id (too long) is replaced rather than echoed.
    let long = "x".repeat(500);
    let replaced = app
        .request(Method::GET, "/health")
        .header("x-request-id", &long)
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], long.as_str());
}

async fn security_headers_are_set_and_cors_is_off_by_default(app: TestApp) {
    let login = app.login("nobody@example.com", "12345678").await;
    assert_eq!(login.headers()["x-content-type-options"], "nosniff");
    assert_eq!(login.headers()["cache-control"], "no-store");
    let list = app
        .request(Method::GET, "/api/board/boards")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(list.headers().get("access-control-allow-origin").is_none());
    expect_status(list, 200).await;
}

/// MySQL closes idle connections (`wait_timeout`, a restart, an operator's KILL). Reads run on
/// connections of their own that are not pinged before use: one that the server closed is
/// replaced, and the read retried, without the client seeing an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_survive_connections_that_mysql_closed() {
    crate::helpers::run(
        Backend::MySql,
        |_| {},
        async |app: TestApp| {
            let (_, token) = app.user().await;
            let created = expect_status(app.create_board(&token, "t", "c").await, 201).await;
            let post = board_path(created["board"]["id"].as_str().unwrap());
            let reads = async || {
                let (one, list) = tokio::join!(app.get(&post), app.get("/api/board/boards"));
                expect_status(one, 200).await;
                let list = expect_status(list, 200).await;
                assert_eq!(list["totalBoard"], 1);
            };
            for _ in 0..4 {
                reads().await;
            }
            let database = app
                .scalar("select concat(database(), ?)", "")
                .await
                .unwrap();
            assert!(kill_connections_to(&database).await > 0);
            for _ in 0..4 {
                reads().await;
            }
        },
    )
    .await;
}

async fn kill_connections_to(database: &str) -> usize {
    use sqlx::{Connection, MySqlConnection};
    let mut admin = MySqlConnection::connect(&mysql_base_url()).await.unwrap();
    let ids: Vec<u64> = sqlx::query_scalar(
        "select cast(id as unsigned) from information_schema.processlist where db = ?",
    )
    .bind(database)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    for id in &ids {
        let kill = sqlx::AssertSqlSafe(format!("kill {id}"));
        let _ = sqlx::query(kill).execute(&mut admin).await;
    }
    ids.len()
}
