//! API.md, `LOGIN_RATE_PER_MINUTE` and `TRUSTED_PROXIES`: login limits per client IP and per email.

use board::config::TrustedNet;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, backends, expect_error, expect_status};

backends!(configure = |config| {
        config.login_rate_per_minute = 3;
        config.trusted_proxies = vec![TrustedNet::parse("127.0.0.1").unwrap()];
    };
    logins_past_the_limit_get_429_with_retry_after,
    the_limit_also_holds_per_email_across_addresses,
);

async fn login_from(app: &TestApp, ip: &str, email: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/user/login")
        .header("x-forwarded-for", format!("203.0.113.9, {ip}"))
        .json(&json!({"email": email, "password": "12345678"}))
        .send()
        .await
        .unwrap()
}

async fn logins_past_the_limit_get_429_with_retry_after(app: TestApp) {
    expect_status(app.signup("test@test.com", "12345678").await, 201).await;
    for i in 0..3 {
        let email = format!("user{i}@test.com");
        expect_error(
            login_from(&app, "198.51.100.1", &email).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let limited = login_from(&app, "198.51.100.1", "test@test.com").await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    expect_error(limited, 429, "too_many_requests").await;
    // Another client address is not affected.
    expect_status(login_from(&app, "198.51.100.2", "test@test.com").await, 200).await;
}

async fn the_limit_also_holds_per_email_across_addresses(app: TestApp) {
    expect_status(app.signup("victim@test.com", "12345678").await, 201).await;
    for i in 0..3 {
        let response = login_from(&app, &format!("198.51.100.{}", 10 + i), "victim@test.com").await;
        expect_status(response, 200).await;
    }
    expect_error(
        login_from(&app, "198.51.100.99", "victim@test.com").await,
        429,
        "too_many_requests",
    )
    .await;
    // Other accounts from fresh addresses still log in (well, try to).
    expect_error(
        login_from(&app, "198.51.100.100", "other@test.com").await,
        401,
        "invalid_credentials",
    )
    .await;
}
