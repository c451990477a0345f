//! Hostile input at the edges of the HTTP layer: slow bodies (408), oversized and odd headers.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::{
    common::raw_http,
    helpers::{TestApp, backends, expect_error, expect_status},
};

backends!(configure = |config| config.request_timeout = Duration::from_secs(1);
    a_body_that_trickles_in_gets_408,
    a_head_that_trickles_in_is_cut_off,
    long_and_odd_headers_get_clear_answers,
    oversized_heads_get_the_envelope,
);

async fn a_body_that_trickles_in_gets_408(app: TestApp) {
    let (_, token) = app.user().await;
    let mut stream = raw_http::connect(app.authority()).await;
    let body = r#"{"title": "slow", "content": "loris"}"#;
    let request = raw_http::authed_post("/api/board", &token, body);
    let head = &request[..request.len() - body.len()];
    stream.write_all(head.as_bytes()).await.unwrap();
    // One byte every half second: the whole request would take ~18 s.
    for byte in body.bytes() {
        if stream.write_all(&[byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        if tokio::time::timeout(Duration::from_millis(1), stream.peek(&mut [0u8; 1]))
            .await
            .is_ok()
        {
            break;
        }
    }
    let text = raw_http::read_to_close(&mut stream).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#""code":"request_timeout""#), "{text}");
    assert_eq!(app.count("select count(*) from board").await, 0);
}

async fn a_head_that_trickles_in_is_cut_off(app: TestApp) {
    let mut stream = raw_http::connect(app.authority()).await;
    stream
        .write_all(b"GET /api/board/boards HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A header line every 300 ms, never the blank line that ends the head.
    let trickle = async {
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if stream
                .write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    };
    // REQUEST_TIMEOUT is 1 s here: the server closes the connection long before 10 s.
    tokio::time::timeout(Duration::from_secs(10), trickle)
        .await
        .expect("the server kept a never-ending request head open");
    // And it still serves everyone else.
    expect_status(app.get("/api/board/boards").await, 200).await;
}

async fn oversized_heads_get_the_envelope(app: TestApp) {
    // Past the app's limits: 101 headers, 65 KiB of headers, a 17 KiB URI.
    let mut request = app.request(Method::GET, "/api/board/boards");
    for i in 0..101 {
        request = request.header(format!("x-extra-{i}"), "1");
    }
    expect_error(request.send().await.unwrap(), 431, "headers_too_large").await;
    let response = app
        .request(Method::GET, "/api/board/boards")
        .header("x-big", "a".repeat(65 * 1024))
        .send()
        .await
        .unwrap();
    expect_error(response, 431, "headers_too_large").await;
    let response = app
        .get(&format!(
            "/api/board/boards?page=1&x={}",
            "a".repeat(17 * 1024)
        ))
        .await;
    expect_error(response, 414, "uri_too_long").await;
    // Far past them hyper answers by itself (no envelope), still a 4xx and never a crash.
    let mut request = app.request(Method::GET, "/api/board/boards");
    for i in 0..500 {
        request = request.header(format!("x-extra-{i}"), "1");
    }
    assert_eq!(request.send().await.unwrap().status(), 431);
    // A write with an oversized head stores nothing.
    let (_, token) = app.user().await;
    let response = app
        .request(Method::POST, "/api/board")
        .bearer_auth(&token)
        .header("x-big", "a".repeat(65 * 1024))
        .json(&json!({"title": "t", "content": "c"}))
        .send()
        .await
        .unwrap();
    expect_error(response, 431, "headers_too_large").await;
    assert_eq!(app.count("select count(*) from board").await, 0);
    expect_status(app.get("/api/board/boards").await, 200).await;
}

async fn long_and_odd_headers_get_clear_answers(app: TestApp) {
    let long = "a".repeat(10_000);
    // A 10 KB bearer token is just a bad token.
    let response = app
        .request(Method::POST, "/api/board")
        .header("authorization", format!("Bearer {long}"))
        .json(&json!({"title": "t", "content": "c"}))
        .send()
        .await
        .unwrap();
    expect_error(response, 401, "unauthorized").await;
    // Many unknown headers and a long one do not matter to a read.
    let mut request = app
        .request(Method::GET, "/api/board/boards")
        .header("x-long", &long);
    for i in 0..50 {
        request = request.header(format!("x-extra-{i}"), "1");
    }
    expect_status(request.send().await.unwrap(), 200).await;
    // A 10 KB query string is an invalid page, not a crash.
    let response = app.get(&format!("/api/board/boards?page={long}")).await;
    expect_error(response, 400, "invalid_request").await;
    // A 10 KB email and title are validation errors.
    expect_error(
        app.signup(&format!("{long}@example.com"), "12345678").await,
        400,
        "invalid_email",
    )
    .await;
    let (_, token) = app.user().await;
    expect_error(
        app.create_board(&token, &long, "c").await,
        400,
        "invalid_board",
    )
    .await;
    // NUL is refused in text that is stored.
    expect_error(
        app.create_board(&token, "a\u{0}b", "c").await,
        400,
        "invalid_board",
    )
    .await;
    expect_error(
        app.create_board(&token, "t", "c\u{0}").await,
        400,
        "invalid_board",
    )
    .await;
}
