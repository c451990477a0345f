//! HTTP/1.1 written by hand, for what a client library will not send: trickled heads and
//! bodies, requests abandoned mid-way, heads past the limits.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// How long any raw exchange may take before the test fails.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);

/// A request with `Host`, `Connection: close` and, when there is a body, `Content-Length`.
pub fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

/// A JSON `POST` with a bearer token.
pub fn authed_post(path: &str, token: &str, body: &str) -> String {
    let bearer = format!("Bearer {token}");
    request(
        "POST",
        path,
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        body,
    )
}

/// `host:port` of a base URL such as `http://127.0.0.1:1234`.
pub fn authority(base: &str) -> &str {
    base.trim_start_matches("http://").trim_end_matches('/')
}

pub async fn connect(authority: &str) -> TcpStream {
    tokio::time::timeout(EXCHANGE_TIMEOUT, TcpStream::connect(authority))
        .await
        .expect("connect in time")
        .expect("the test server accepts")
}

/// Sends `request` and reads the whole answer (the server closes the connection).
pub async fn exchange(authority: &str, request: &str) -> String {
    let mut stream = connect(authority).await;
    stream.write_all(request.as_bytes()).await.unwrap();
    read_to_close(&mut stream).await
}

/// Everything the server sends until it closes the connection.
pub async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut response = Vec::new();
    let _ = tokio::time::timeout(EXCHANGE_TIMEOUT, stream.read_to_end(&mut response)).await;
    String::from_utf8_lossy(&response).into_owned()
}

/// `exchange` for tests that are not async (the CLI tests drive a child process).
pub fn exchange_blocking(authority: &str, request: &str) -> String {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(exchange(authority, request))
}
