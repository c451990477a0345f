//! CORS is off by default (see operations.rs) and, when configured, allows exactly the listed origins.

use reqwest::Method;

use crate::helpers::{TestApp, backends, expect_status};

backends!(configure = |config| config.cors_origins = vec!["https://app.example".into()];
    only_listed_origins_get_cors_headers,
);

async fn only_listed_origins_get_cors_headers(app: TestApp) {
    let preflight = app
        .request(Method::OPTIONS, "/api/board")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );

    let allowed = app
        .request(Method::GET, "/api/board/boards")
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(
        allowed.headers()["access-control-expose-headers"],
        "x-request-id,etag,link,idempotent-replayed"
    );
    expect_status(allowed, 200).await;

    let other = app
        .request(Method::GET, "/api/board/boards")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    expect_status(other, 200).await;
}
