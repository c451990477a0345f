//! API.md, "Envelope" and "Details that are easy to miss": every client mistake is a clear
//! JSON error, never a 500, and no driver text ever leaves the server.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, backends, expect_error, expect_status};

backends!(
    malformed_bodies_are_invalid_requests,
    content_type_must_be_json,
    the_body_limit_is_one_mebibyte_inclusive,
    unknown_routes_and_wrong_methods_use_the_envelope,
    a_broken_database_gives_an_opaque_internal_error,
    a_closed_database_gives_unavailable_and_liveness_stays_up,
);

async fn malformed_bodies_are_invalid_requests(app: TestApp) {
    let (_, token) = app.user().await;
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"not json".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"string\"".to_vec(),
        b"{\"title\": \"t\", \"content\": \"c\", \"title\": \"dup\"}".to_vec(),
        b"{\"title\": \"\xff\xfe\", \"content\": \"c\"}".to_vec(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        b"{\"title\": 1e999, \"content\": \"c\"}".to_vec(),
        b"{\"title\": {\"a\": 1}, \"content\": \"c\"}".to_vec(),
    ];
    for body in bodies {
        let response = app
            .request(Method::POST, "/api/board")
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        expect_error(response, 400, "invalid_request").await;
    }
    assert_eq!(app.count("select count(*) from board").await, 0);
}

async fn content_type_must_be_json(app: TestApp) {
    let (_, token) = app.user().await;
    let body = json!({"title": "t", "content": "c"}).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = app
            .request(Method::POST, "/api/board")
            .bearer_auth(&token)
            .body(body.clone());
        if let Some(value) = content_type {
            request = request.header("content-type", value);
        }
        expect_error(request.send().await.unwrap(), 415, "unsupported_media_type").await;
    }
    let response = app
        .request(Method::POST, "/api/board")
        .bearer_auth(&token)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    expect_status(response, 201).await;
}

async fn the_body_limit_is_one_mebibyte_inclusive(app: TestApp) {
    let (_, token) = app.user().await;
    let limit = 1024 * 1024;
    // Exactly 1 MiB is read and then validated (content too long: 400, not 413).
    let prefix = r#"{"title": "t", "content": ""#;
    let suffix = r#""}"#;
    let exact = format!(
        "{prefix}{}{suffix}",
        "a".repeat(limit - prefix.len() - suffix.len())
    );
    assert_eq!(exact.len(), limit);
    let send = |body: String| {
        app.request(Method::POST, "/api/board")
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    expect_error(send(exact.clone()).await.unwrap(), 400, "invalid_board").await;
    let over = format!(
        "{prefix}{}{suffix}",
        "a".repeat(limit + 1 - prefix.len() - suffix.len())
    );
    expect_error(send(over).await.unwrap(), 413, "payload_too_large").await;
    assert_eq!(app.count("select count(*) from board").await, 0);
}

async fn unknown_routes_and_wrong_methods_use_the_envelope(app: TestApp) {
    expect_error(app.get("/nope").await, 404, "not_found").await;
    expect_error(app.get("/api/board").await, 405, "method_not_allowed").await;
    // The Swagger UI's own misses too.
    expect_error(app.get("/swagger-ui/nope.js").await, 404, "not_found").await;
    for (method, path, allow) in [
        (Method::PATCH, "/api/board/boards", "GET,HEAD"),
        (Method::GET, "/api/user/signup", "POST"),
        (
            Method::PATCH,
            "/api/board/11111111-1111-4111-8111-111111111111",
            "GET,HEAD,PUT,DELETE",
        ),
        (Method::DELETE, "/health", "GET,HEAD"),
        (Method::POST, "/swagger-ui/", "GET,HEAD"),
    ] {
        let response = app.request(method, path).send().await.unwrap();
        let allowed = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let mut allowed: Vec<&str> = allowed.split(',').map(str::trim).collect();
        allowed.sort();
        let mut expected: Vec<&str> = allow.split(',').collect();
        expected.sort();
        assert_eq!(allowed, expected, "{path}");
        expect_error(response, 405, "method_not_allowed").await;
    }
}

/// Sabotage: a dropped column makes every list query fail inside the database.
async fn a_broken_database_gives_an_opaque_internal_error(app: TestApp) {
    let (_, token) = app.user().await;
    app.board(&token, "t").await;
    app.execute("alter table board drop column content").await;
    let response = app.get("/api/board/boards").await;
    let body = expect_error(response, 500, "internal").await;
    let text = body.to_string().to_lowercase();
    for leak in [
        "content", "column", "sql", "mysql", "sqlite", "board", "select",
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
}

async fn a_closed_database_gives_unavailable_and_liveness_stays_up(app: TestApp) {
    expect_status_plain(&app, "/health/ready", 200, "ready").await;
    app.store.close().await;
    let response = app.get("/health/ready").await;
    assert!(response.headers().get("retry-after").is_some());
    expect_error(response, 503, "unavailable").await;
    expect_error(app.get("/api/board/boards").await, 503, "unavailable").await;
    expect_status_plain(&app, "/health", 200, "ok").await;
}

async fn expect_status_plain(app: &TestApp, path: &str, status: u16, value: &str) {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), status);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, json!({"status": value}));
}
