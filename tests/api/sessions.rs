//! docs/API.md, "Sessions and accounts": refresh tokens with rotation and reuse detection,
//! logout honoured by every instance, /me, password change and account deletion.

use std::time::{Duration, Instant};

use board::auth::Claims;
use futures::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{
    SECRET, TestApp, backends, board_path, expect_error, expect_status, jwt_claims, send,
};

backends!(configure = |config| config.login_rate_per_minute = 0;
    login_starts_a_session_with_a_refresh_token_stored_only_as_a_hash,
    refresh_rotates_and_a_reused_token_ends_the_session,
    concurrent_refreshes_of_one_token_give_exactly_one_200,
    logout_is_honoured_by_every_instance_within_a_second,
    a_refresh_racing_a_logout_leaves_no_token_alive,
    twenty_concurrent_logins_make_twenty_sessions,
    logins_past_the_cap_end_the_oldest_sessions,
    me_shows_the_account,
    a_password_change_ends_every_other_session,
    account_deletion_removes_the_posts_and_frees_the_email,
    tokens_of_the_original_service_work_until_logout,
    bad_session_bodies_get_clear_errors,
);

const PASSWORD: &str = "password123";

/// A fresh user logged in: (email, login JSON).
async fn session(app: &TestApp) -> (String, Value) {
    let email = format!("s-{}@example.com", uuid::Uuid::new_v4().simple());
    expect_status(app.signup(&email, PASSWORD).await, 201).await;
    let login = app.login_ok(&email, PASSWORD).await;
    (email, login)
}

/// Rows of `user_session` of one user.
async fn sessions_of(app: &TestApp, user_id: &str) -> i64 {
    app.count(&format!(
        "select count(*) from user_session where user_id = '{user_id}'"
    ))
    .await
}

fn access(login: &Value) -> String {
    login["accessToken"].as_str().unwrap().to_string()
}

fn refresh_token(login: &Value) -> String {
    login["refreshToken"].as_str().unwrap().to_string()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn logout(app: &TestApp, token: &str) -> reqwest::Response {
    send(app.authed(Method::POST, "/api/user/logout", Some(token))).await
}

async fn change_password(
    app: &TestApp,
    token: &str,
    current: &str,
    new: &str,
) -> reqwest::Response {
    send(
        app.authed(Method::PUT, "/api/user/password", Some(token))
            .json(&json!({"currentPassword": current, "newPassword": new})),
    )
    .await
}

async fn delete_account(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    send(
        app.authed(Method::DELETE, "/api/user/me", Some(token))
            .json(&json!({"password": password})),
    )
    .await
}

async fn login_starts_a_session_with_a_refresh_token_stored_only_as_a_hash(app: TestApp) {
    let (_, login) = session(&app).await;
    let refresh = refresh_token(&login);
    assert_eq!(refresh.len(), 64, "256 bits, hex");
    assert!(refresh.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(login["refreshExpiresIn"], 1_209_600);
    assert_eq!(login["expiresIn"], 900);
    assert_eq!(login["tokenType"], "Bearer");
    let claims = jwt_claims(&access(&login));
    let sid = claims["sid"].as_str().expect("sid claim");
    assert!(uuid::Uuid::parse_str(sid).is_ok(), "{claims}");
    // The original's claims are all still there.
    for claim in ["sub", "iat", "nbf", "exp", "jti", "type", "fresh"] {
        assert!(claims.get(claim).is_some(), "{claim} missing: {claims}");
    }
    let stored = app
        .scalar("select refresh_hash from user_session where id = ?", sid)
        .await
        .expect("the session row");
    assert_eq!(stored, sha256_hex(&refresh));
    assert_eq!(
        app.count(&format!(
            "select count(*) from user_session where refresh_hash = '{refresh}'"
        ))
        .await,
        0,
        "the token itself is not stored"
    );
}

async fn refresh_rotates_and_a_reused_token_ends_the_session(app: TestApp) {
    let (_, login) = session(&app).await;
    let first = refresh_token(&login);
    let rotated = expect_status(app.refresh(&first).await, 200).await;
    let second = refresh_token(&rotated);
    assert_ne!(first, second);
    assert_eq!(rotated["refreshExpiresIn"], 1_209_600);
    let new_access = access(&rotated);
    assert_eq!(
        jwt_claims(&new_access)["sid"],
        jwt_claims(&access(&login))["sid"],
        "same session"
    );
    expect_status(app.me(&new_access).await, 200).await;
    expect_status(app.me(&access(&login)).await, 200).await;

    // The used token again: refused, and the whole session is over (RFC 9700 §4.14).
    expect_error(app.refresh(&first).await, 401, "invalid_refresh_token").await;
    expect_error(app.refresh(&second).await, 401, "invalid_refresh_token").await;
    expect_error(app.me(&new_access).await, 401, "unauthorized").await;
    expect_error(app.me(&access(&login)).await, 401, "unauthorized").await;
    // Unknown tokens are refused alike.
    expect_error(
        app.refresh(&"0".repeat(64)).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    expect_error(app.refresh("").await, 401, "invalid_refresh_token").await;
}

async fn concurrent_refreshes_of_one_token_give_exactly_one_200(app: TestApp) {
    for _ in 0..3 {
        let (_, login) = session(&app).await;
        let token = refresh_token(&login);
        let attempts = (0..8).map(|_| app.refresh(&token));
        let statuses: Vec<u16> = join_all(attempts)
            .await
            .into_iter()
            .map(|response| response.status().as_u16())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 401),
            "{statuses:?}"
        );
    }
}

async fn logout_is_honoured_by_every_instance_within_a_second(app: TestApp) {
    let other = app.another_instance().await;
    let (_, login) = session(&app).await;
    let token = access(&login);
    // A session started on one instance is known to the other.
    expect_status(other.me(&token).await, 200).await;
    expect_status(app.me(&token).await, 200).await;

    expect_status(logout(&app, &token).await, 200).await;
    let logged_out = Instant::now();
    // At once on the instance that answered...
    expect_error(app.me(&token).await, 401, "unauthorized").await;
    // ...and within a second on the other one.
    loop {
        let status = other.me(&token).await.status();
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            logged_out.elapsed() < Duration::from_secs(1),
            "the other instance still accepts the token after {:?}",
            logged_out.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    expect_error(
        other.refresh(&refresh_token(&login)).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    expect_error(logout(&other, &token).await, 401, "unauthorized").await;
    let (_, token) = app.user().await;
    expect_status(app.create_board(&token, "still", "works").await, 201).await;
}

async fn a_refresh_racing_a_logout_leaves_no_token_alive(app: TestApp) {
    for _ in 0..5 {
        let (_, login) = session(&app).await;
        let (refresh, token) = (refresh_token(&login), access(&login));
        let (refreshed, logged_out) = tokio::join!(app.refresh(&refresh), logout(&app, &token));
        assert!(logged_out.status() == 200 || logged_out.status() == 401);
        if refreshed.status() == 200 {
            let rotated: Value = refreshed.json().await.unwrap();
            if logged_out.status() == 200 {
                // The session ended after all: nothing handed out outlives it.
                expect_error(app.me(&access(&rotated)).await, 401, "unauthorized").await;
                expect_error(
                    app.refresh(&refresh_token(&rotated)).await,
                    401,
                    "invalid_refresh_token",
                )
                .await;
            }
        } else {
            assert_eq!(refreshed.status(), 401);
        }
        expect_error(app.me(&access(&login)).await, 401, "unauthorized").await;
    }
}

async fn twenty_concurrent_logins_make_twenty_sessions(app: TestApp) {
    let email = format!("many-{}@example.com", uuid::Uuid::new_v4().simple());
    let signup = expect_status(app.signup(&email, PASSWORD).await, 201).await;
    let user_id = signup["user"]["id"].as_str().unwrap().to_string();
    let logins = (0..20).map(|_| app.login(&email, PASSWORD));
    let statuses: Vec<u16> = join_all(logins)
        .await
        .into_iter()
        .map(|response| response.status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let sessions = sessions_of(&app, &user_id).await;
    assert_eq!(sessions, 20);
}

async fn logins_past_the_cap_end_the_oldest_sessions(app: TestApp) {
    let (email, first) = session(&app).await;
    let user_id = jwt_claims(&access(&first))["sub"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..50 {
        app.login_ok(&email, PASSWORD).await;
    }
    let sessions = sessions_of(&app, &user_id).await;
    assert_eq!(sessions, 50, "at most 50 sessions per user");
    // The oldest one was ended.
    expect_error(app.me(&access(&first)).await, 401, "unauthorized").await;

    // Concurrent logins past the cap each end the oldest (on MySQL their inserts and range
    // deletes deadlock now and then, and the loser runs again): all 200. Each counts the
    // sessions committed before it, so a burst may leave a few over the cap until the next
    // login.
    for _ in 0..3 {
        let statuses: Vec<u16> = join_all((0..32).map(|_| app.login(&email, PASSWORD)))
            .await
            .into_iter()
            .map(|response| response.status().as_u16())
            .collect();
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    }
    app.login_ok(&email, PASSWORD).await;
    let sessions = sessions_of(&app, &user_id).await;
    assert_eq!(sessions, 50, "at most 50 sessions per user");
}

async fn me_shows_the_account(app: TestApp) {
    let (email, login) = session(&app).await;
    let body = expect_status(app.me(&access(&login)).await, 200).await;
    assert_eq!(body["user"]["email"], json!(email));
    assert_eq!(
        body["user"]["id"],
        jwt_claims(&access(&login))["sub"],
        "{body}"
    );
    assert!(body["user"]["created_at"].as_str().unwrap().ends_with('Z'));
    let text = body.to_string();
    assert!(
        !text.contains("password") && !text.contains("argon2"),
        "{text}"
    );
    expect_error(
        send(app.request(Method::GET, "/api/user/me")).await,
        401,
        "unauthorized",
    )
    .await;
}

async fn a_password_change_ends_every_other_session(app: TestApp) {
    let (email, mine) = session(&app).await;
    let other = app.login_ok(&email, PASSWORD).await;
    let me = access(&mine);

    expect_error(
        change_password(&app, &me, "wrong password", "new password 1").await,
        403,
        "wrong_password",
    )
    .await;
    expect_error(
        change_password(&app, &me, PASSWORD, "short").await,
        400,
        "invalid_password",
    )
    .await;
    expect_error(
        send(
            app.authed(Method::PUT, "/api/user/password", Some(&me))
                .json(&json!({"currentPassword": PASSWORD})),
        )
        .await,
        400,
        "invalid_request",
    )
    .await;
    expect_error(
        change_password(&app, "not-a-token", PASSWORD, "new password 1").await,
        401,
        "unauthorized",
    )
    .await;
    // Nothing changed so far.
    expect_status(app.me(&access(&other)).await, 200).await;

    expect_status(
        change_password(&app, &me, PASSWORD, "new password 1").await,
        200,
    )
    .await;
    // This session goes on, the other one has ended, tokens and refresh token alike.
    expect_status(app.me(&me).await, 200).await;
    expect_status(app.refresh(&refresh_token(&mine)).await, 200).await;
    expect_error(app.me(&access(&other)).await, 401, "unauthorized").await;
    expect_error(
        app.refresh(&refresh_token(&other)).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    // The old password is gone, the new one works.
    expect_error(
        app.login(&email, PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    app.login_ok(&email, "new password 1").await;
}

async fn account_deletion_removes_the_posts_and_frees_the_email(app: TestApp) {
    let (email, login) = session(&app).await;
    let token = access(&login);
    let user_id = jwt_claims(&token)["sub"].as_str().unwrap().to_string();
    let other_session = app.login_ok(&email, PASSWORD).await;
    let mut posts = Vec::new();
    for i in 0..5 {
        posts.push(app.board(&token, &format!("mine {i}")).await);
    }
    let (_, bystander) = app.user().await;
    let kept = app.board(&bystander, "someone else's").await;
    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(list["totalBoard"], 6);
    let theirs = format!("/api/board/boards?userId={user_id}");
    assert_eq!(
        expect_status(app.get(&theirs).await, 200).await["totalBoard"],
        5
    );

    expect_error(
        delete_account(&app, &token, "wrong password").await,
        403,
        "wrong_password",
    )
    .await;
    expect_error(
        send(app.authed(Method::DELETE, "/api/user/me", Some(&token))).await,
        415,
        "unsupported_media_type",
    )
    .await;
    expect_status(delete_account(&app, &token, PASSWORD).await, 200).await;

    // Every session has ended.
    expect_error(app.me(&token).await, 401, "unauthorized").await;
    expect_error(app.me(&access(&other_session)).await, 401, "unauthorized").await;
    expect_error(
        app.refresh(&refresh_token(&other_session)).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    expect_error(
        app.create_board(&token, "t", "c").await,
        401,
        "unauthorized",
    )
    .await;
    // The posts are gone from GET, the list and totalBoard; the bystander's stays.
    for post in &posts {
        expect_error(
            app.get(&board_path(post["id"].as_str().unwrap())).await,
            404,
            "not_found",
        )
        .await;
    }
    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(list["totalBoard"], 1);
    assert_eq!(list["boards"][0]["id"], kept["id"]);
    let theirs = expect_status(app.get(&theirs).await, 200).await;
    assert_eq!(theirs["totalBoard"], 0);
    assert_eq!(theirs["boards"], json!([]));
    // Soft-deleted: the rows stay, with deleted_at; the counter equals the live rows.
    assert_eq!(
        app.count(&format!(
            "select count(*) from board where user_id = '{user_id}' and deleted_at is not null"
        ))
        .await,
        5
    );
    assert_eq!(
        app.count("select count(*) from board where deleted_at is null")
            .await,
        1
    );
    // The account row stays (its posts point at it), without its email or a usable hash.
    let stored_email = app
        .scalar("select email from user where id = ?", &user_id)
        .await
        .unwrap();
    assert!(!stored_email.contains('@'), "{stored_email}");
    // The email is free: the old password does not log in, a new signup is a new account.
    expect_error(
        app.login(&email, PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    let again = expect_status(app.signup(&email, "another password").await, 201).await;
    assert_ne!(again["user"]["id"], json!(user_id));
    let fresh = app.login_ok(&email, "another password").await;
    let body = expect_status(app.me(&access(&fresh)).await, 200).await;
    assert_eq!(body["user"]["id"], again["user"]["id"]);
}

/// The original service signed tokens with the same key and claims but no `sid`.
fn original_token(user_id: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: user_id.into(),
        iat: now - 5,
        nbf: now - 5,
        exp: now + 900,
        jti: uuid::Uuid::new_v4().to_string(),
        token_type: "access".into(),
        fresh: json!(false),
        sid: None,
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

async fn tokens_of_the_original_service_work_until_logout(app: TestApp) {
    let (user_id, _) = app.user().await;
    let token = original_token(&user_id);
    assert!(jwt_claims(&token).get("sid").is_none());
    expect_status(app.create_board(&token, "from", "the old days").await, 201).await;
    expect_status(app.me(&token).await, 200).await;
    expect_status(logout(&app, &token).await, 200).await;
    expect_error(app.me(&token).await, 401, "unauthorized").await;
    expect_error(
        app.create_board(&token, "t", "c").await,
        401,
        "unauthorized",
    )
    .await;
    let jti = jwt_claims(&token)["jti"].as_str().unwrap().to_string();
    assert_eq!(
        app.count(&format!(
            "select count(*) from revoked_token where jti = '{jti}'"
        ))
        .await,
        1
    );
    // Another token of the same user (another jti) still works.
    expect_status(app.me(&original_token(&user_id)).await, 200).await;
}

async fn bad_session_bodies_get_clear_errors(app: TestApp) {
    let (_, login) = session(&app).await;
    let token = access(&login);
    for body in [
        json!({}),
        json!({"refreshToken": 5}),
        json!({"refreshToken": null}),
        json!([1]),
    ] {
        let response = send(app.request(Method::POST, "/api/user/refresh").json(&body)).await;
        expect_error(response, 400, "invalid_request").await;
    }
    let response = send(
        app.request(Method::POST, "/api/user/refresh")
            .body(r#"{"refreshToken": "x"}"#),
    )
    .await;
    expect_error(response, 415, "unsupported_media_type").await;
    let response = send(
        app.request(Method::POST, "/api/user/refresh")
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"refreshToken": "{}"}}"#,
                "a".repeat(1024 * 1024)
            )),
    )
    .await;
    expect_error(response, 413, "payload_too_large").await;
    for body in [json!({}), json!({"currentPassword": 1, "newPassword": "x"})] {
        let response = send(
            app.authed(Method::PUT, "/api/user/password", Some(&token))
                .json(&body),
        )
        .await;
        expect_error(response, 400, "invalid_request").await;
    }
    expect_error(
        delete_account(&app, &token, "short").await,
        400,
        "invalid_password",
    )
    .await;
    expect_error(
        send(app.request(Method::POST, "/api/user/logout")).await,
        401,
        "unauthorized",
    )
    .await;
    expect_error(
        send(app.request(Method::GET, "/api/user/logout")).await,
        405,
        "method_not_allowed",
    )
    .await;
    // Nothing secret in any answer.
    let text = expect_status(app.me(&token).await, 200).await.to_string();
    assert!(!text.contains(&refresh_token(&login)));
}
