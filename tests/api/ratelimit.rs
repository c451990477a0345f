//! API.md, `LOGIN_RATE_PER_MINUTE` and `TRUSTED_PROXIES`: login limits per client IP and per email.

use board::config::TrustedNet;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, backends, expect_error, expect_status, send};

backends!(configure = |config| {
        config.login_rate_per_minute = 3;
        config.trusted_proxies = vec![TrustedNet::parse("127.0.0.1").unwrap()];
    };
    logins_past_the_limit_get_429_with_retry_after,
    the_limit_also_holds_per_email_across_addresses,
    password_checks_count_against_the_login_limit_of_the_email,
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

async fn password_checks_count_against_the_login_limit_of_the_email(app: TestApp) {
    expect_status(app.signup("owner@test.com", "12345678").await, 201).await;
    // One login (from its own address) leaves two attempts of this email's three.
    let login = expect_status(
        login_from(&app, "198.51.100.50", "owner@test.com").await,
        200,
    )
    .await;
    let token = login["accessToken"].as_str().unwrap().to_string();
    let change = |ip: &'static str, current: &'static str| {
        app.authed(Method::PUT, "/api/user/password", Some(&token))
            .header("x-forwarded-for", format!("203.0.113.9, {ip}"))
            .json(&json!({"currentPassword": current, "newPassword": "a new password"}))
    };
    for ip in ["198.51.100.51", "198.51.100.52"] {
        expect_error(
            send(change(ip, "wrong password")).await,
            403,
            "wrong_password",
        )
        .await;
    }
    // The email's budget is spent: refused before the password is even checked.
    let limited = send(change("198.51.100.53", "12345678")).await;
    assert!(limited.headers().get("retry-after").is_some());
    expect_error(limited, 429, "too_many_requests").await;
    let deletion = app
        .authed(Method::DELETE, "/api/user/me", Some(&token))
        .header("x-forwarded-for", "203.0.113.9, 198.51.100.54")
        .json(&json!({"password": "12345678"}));
    expect_error(send(deletion).await, 429, "too_many_requests").await;
    expect_error(
        login_from(&app, "198.51.100.55", "owner@test.com").await,
        429,
        "too_many_requests",
    )
    .await;
    // Nothing changed: the account and its password are as they were.
    expect_status(app.me(&token).await, 200).await;
}
