//! API.md, "Users": signup and login.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, expect_error, expect_status, jwt_claims};

backends!(
    signup_returns_201_with_the_user_and_never_the_password,
    signup_normalises_the_email_and_refuses_a_taken_one,
    signup_validates_email_and_password_edges,
    concurrent_signups_with_one_email_give_exactly_one_201,
    login_returns_a_bearer_token_with_the_original_claims,
    unknown_email_and_wrong_password_look_the_same,
    login_validates_before_looking_up,
    no_response_ever_contains_the_password_or_its_hash,
);

async fn signup_returns_201_with_the_user_and_never_the_password(app: TestApp) {
    let body = expect_status(app.signup("test@test.com", "12345678").await, 201).await;
    assert_eq!(body["message"], "Success");
    let user = body["user"].as_object().unwrap();
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["created_at", "email", "id", "role"]);
    assert_eq!(user["email"], "test@test.com");
    assert_eq!(user["role"], "user");
    let id = uuid::Uuid::parse_str(user["id"].as_str().unwrap()).unwrap();
    assert_eq!(id.get_version_num(), 4);
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));

    let stored = app
        .scalar("select password from user where id = ?", &id.to_string())
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "stored {stored}");
    assert!(!stored.contains("12345678"));
}

async fn signup_normalises_the_email_and_refuses_a_taken_one(app: TestApp) {
    let body = expect_status(
        app.signup("  Mixed.Case@Example.COM ", "12345678").await,
        201,
    )
    .await;
    assert_eq!(body["user"]["email"], "mixed.case@example.com");
    expect_error(
        app.signup("mixed.case@example.com", "12345678").await,
        409,
        "email_taken",
    )
    .await;
    expect_error(
        app.signup("MIXED.CASE@EXAMPLE.COM", "other-password").await,
        409,
        "email_taken",
    )
    .await;
    assert_eq!(app.count("select count(*) from user").await, 1);
}

async fn signup_validates_email_and_password_edges(app: TestApp) {
    for email in [
        "", "plain", "a@b", "@b.co", "a@", "a@@b.co", "a b@c.co", "a@b.co.", "a@.co",
    ] {
        expect_error(app.signup(email, "12345678").await, 400, "invalid_email").await;
    }
    let long_local = "a".repeat(254 - "@b.co".len());
    expect_status(
        app.signup(&format!("{long_local}@b.co"), "12345678").await,
        201,
    )
    .await;
    expect_error(
        app.signup(&format!("{long_local}a@b.co"), "12345678").await,
        400,
        "invalid_email",
    )
    .await;

    expect_error(
        app.signup("p7@example.com", "1234567").await,
        400,
        "invalid_password",
    )
    .await;
    expect_status(app.signup("p8@example.com", "12345678").await, 201).await;
    expect_status(app.signup("p128@example.com", &"x".repeat(128)).await, 201).await;
    expect_error(
        app.signup("p129@example.com", &"x".repeat(129)).await,
        400,
        "invalid_password",
    )
    .await;
    // Characters, not bytes: eight Korean characters are a valid password.
    expect_status(
        app.signup("korean@example.com", "비밀번호비밀번호").await,
        201,
    )
    .await;

    // Missing fields and wrong types are malformed requests.
    for body in [
        json!({"email": "x@y.co"}),
        json!({"password": "12345678"}),
        json!({"email": 1, "password": "12345678"}),
        json!({"email": null, "password": "12345678"}),
        json!(["x@y.co", "12345678"]),
    ] {
        let response = app
            .request(Method::POST, "/api/user/signup")
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_error(response, 400, "invalid_request").await;
    }
    assert_eq!(app.count("select count(*) from user").await, 4);
}

async fn concurrent_signups_with_one_email_give_exactly_one_201(app: TestApp) {
    let app = std::sync::Arc::new(app);
    let attempts: Vec<_> = (0..20)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.signup("race@example.com", &format!("password{i}"))
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
    assert_eq!(app.count("select count(*) from user").await, 1);
}

async fn login_returns_a_bearer_token_with_the_original_claims(app: TestApp) {
    let signup = expect_status(app.signup("test@test.com", "12345678").await, 201).await;
    let body = expect_status(app.login(" TEST@test.com", "12345678").await, 200).await;
    assert_eq!(body["message"], "Success");
    assert_eq!(body["tokenType"], "Bearer");
    assert_eq!(body["expiresIn"], 900);
    let claims = jwt_claims(body["accessToken"].as_str().unwrap());
    assert_eq!(claims["sub"], signup["user"]["id"]);
    assert_eq!(claims["type"], "access");
    assert_eq!(claims["fresh"], false);
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
    assert_eq!(claims["nbf"], claims["iat"]);
}

async fn unknown_email_and_wrong_password_look_the_same(app: TestApp) {
    expect_status(app.signup("test@test.com", "12345678").await, 201).await;
    let wrong = expect_error(
        app.login("test@test.com", "wrong-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown = expect_error(
        app.login("nobody@test.com", "12345678").await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong, unknown);
}

async fn login_validates_before_looking_up(app: TestApp) {
    expect_error(
        app.login("not-an-email", "12345678").await,
        400,
        "invalid_email",
    )
    .await;
    expect_error(
        app.login("test@test.com", "short").await,
        400,
        "invalid_password",
    )
    .await;
    let response = app
        .request(Method::POST, "/api/user/login")
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "invalid_request").await;
}

async fn no_response_ever_contains_the_password_or_its_hash(app: TestApp) {
    let password = "a-distinctive-password";
    let mut bodies = Vec::new();
    let signup = app.signup("secret@test.com", password).await;
    bodies.push(signup.text().await.unwrap());
    bodies.push(
        app.signup("secret@test.com", password)
            .await
            .text()
            .await
            .unwrap(),
    );
    let login = app
        .login("secret@test.com", password)
        .await
        .text()
        .await
        .unwrap();
    let token = serde_json::from_str::<Value>(&login).unwrap()["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    bodies.push(login);
    bodies.push(
        app.login("secret@test.com", "wrong-password!")
            .await
            .text()
            .await
            .unwrap(),
    );
    bodies.push(
        app.create_board(&token, "t", "c")
            .await
            .text()
            .await
            .unwrap(),
    );
    bodies.push(app.get("/api/board/boards").await.text().await.unwrap());
    let hash = app
        .scalar(
            "select password from user where email = ?",
            "secret@test.com",
        )
        .await
        .unwrap();
    for body in &bodies {
        assert!(!body.contains(password), "{body}");
        assert!(!body.contains(&hash), "{body}");
        assert!(!body.contains("$argon2"), "{body}");
        assert!(!body.contains("\"password\""), "{body}");
    }
    // The token's claims carry nothing about the password either.
    let claims = jwt_claims(&token).to_string();
    assert!(!claims.contains(password) && !claims.contains("argon2"));
}
