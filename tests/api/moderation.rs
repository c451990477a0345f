//! Roles and moderation (docs/API.md, "Roles and moderation"): roles on every account, who
//! may use `/api/admin/...`, role changes that never leave the board without an admin, bans
//! that end sessions on every instance, hidden posts and comments gone from every read path
//! and count, reports, and the append-only audit log.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, board_path, expect_error, expect_status, send};

backends!(
    every_account_is_a_user_until_given_a_role,
    plain_users_are_forbidden_on_every_admin_route,
    admins_change_roles_and_the_audit_records_it,
    the_last_admin_keeps_the_role,
    two_admins_demoting_each_other_at_once_leave_one,
    bad_role_requests_are_clear_errors,
    the_audit_log_pages_newest_first,
    bans_end_every_session_on_every_instance_and_refuse_login_until_they_end,
    who_may_ban_whom_and_bad_bans,
    hidden_posts_are_gone_for_everyone_else_and_come_back_with_every_count,
    hidden_comments_are_gone_from_threads_and_counts_and_come_back,
    reports_are_one_per_user_and_target_and_resolve_together,
    bad_moderation_requests_are_clear_errors,
);

/// Makes `user` an admin the way an operator's first step does (`board admin set-role`,
/// tested in tests/cli.rs): straight in the database.
async fn make_admin(app: &TestApp, user: &str) {
    app.execute(&format!(
        "update user set role = 'admin' where id = '{user}'"
    ))
    .await;
}

async fn set_role(app: &TestApp, token: &str, user: &str, role: &str) -> reqwest::Response {
    send(
        app.authed(
            Method::PUT,
            &format!("/api/admin/users/{user}/role"),
            Some(token),
        )
        .json(&json!({"role": role})),
    )
    .await
}

async fn audit(app: &TestApp, token: &str, cursor: Option<&str>) -> reqwest::Response {
    let mut request = app.authed(Method::GET, "/api/admin/audit", Some(token));
    if let Some(cursor) = cursor {
        request = request.query(&[("cursor", cursor)]);
    }
    send(request).await
}

async fn role_of(app: &TestApp, token: &str) -> String {
    let me = expect_status(app.me(token).await, 200).await;
    me["user"]["role"].as_str().unwrap().to_string()
}

async fn every_account_is_a_user_until_given_a_role(app: TestApp) {
    let email = format!("role-{}@example.com", uuid::Uuid::new_v4().simple());
    let signup = expect_status(app.signup(&email, "password123").await, 201).await;
    assert_eq!(signup["user"]["role"], "user");
    let login = app.login_ok(&email, "password123").await;
    let token = login["accessToken"].as_str().unwrap();
    assert_eq!(role_of(&app, token).await, "user");
    // The role is read from the database on every request, not from the token.
    make_admin(&app, signup["user"]["id"].as_str().unwrap()).await;
    assert_eq!(role_of(&app, token).await, "admin");
}

/// Every `/api/admin/...` operation the OpenAPI document lists, called by a plain user with a
/// well-formed request, is `403 forbidden` — so a route added later is covered too.
async fn plain_users_are_forbidden_on_every_admin_route(app: TestApp) {
    let (user, token) = app.user().await;
    let (other, _) = app.user().await;
    let document: Value = app
        .get("/api-docs/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let mut walked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/api/admin/") {
            continue;
        }
        let concrete = path
            .replace("{userId}", &other)
            .replace("{id}", &user)
            .replace("{commentId}", &user)
            .replace("{reportId}", "1");
        for method in operations.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = app.authed(method.clone(), &concrete, Some(&token));
            if method != Method::GET && method != Method::DELETE {
                request =
                    request.json(&json!({"role": "admin", "reason": "spam", "action": "dismiss"}));
            }
            let body = expect_error(send(request).await, 403, "forbidden").await;
            assert!(
                body["message"].as_str().unwrap().contains("role"),
                "{method} {path}: {body}"
            );
            walked += 1;
        }
    }
    assert!(
        walked >= 11,
        "only {walked} admin operations in the document"
    );
    // Nothing happened: the plain user did not become an admin.
    assert_eq!(role_of(&app, &token).await, "user");
}

async fn admins_change_roles_and_the_audit_records_it(app: TestApp) {
    let (admin, admin_token) = app.user().await;
    make_admin(&app, &admin).await;
    let (helper, helper_token) = app.user().await;

    let changed = expect_status(
        set_role(&app, &admin_token, &helper, "moderator").await,
        200,
    )
    .await;
    assert_eq!(changed["user"]["id"], helper.as_str());
    assert_eq!(changed["user"]["role"], "moderator");
    assert_eq!(role_of(&app, &helper_token).await, "moderator");

    // A moderator reads the audit log but does not give roles.
    let log = expect_status(audit(&app, &helper_token, None).await, 200).await;
    let entry = &log["entries"][0];
    assert_eq!(entry["actor"], admin.as_str());
    assert_eq!(entry["action"], "role_change");
    assert_eq!(entry["targetKind"], "user");
    assert_eq!(entry["targetId"], helper.as_str());
    assert_eq!(entry["detail"], "user → moderator");
    assert!(entry["at"].as_str().is_some());
    expect_error(
        set_role(&app, &helper_token, &admin, "user").await,
        403,
        "forbidden",
    )
    .await;

    // Giving the role it has changes nothing and records nothing.
    expect_status(
        set_role(&app, &admin_token, &helper, "moderator").await,
        200,
    )
    .await;
    let log = expect_status(audit(&app, &admin_token, None).await, 200).await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);

    // Taking the role away counts at once, with the same token.
    expect_status(set_role(&app, &admin_token, &helper, "user").await, 200).await;
    expect_error(audit(&app, &helper_token, None).await, 403, "forbidden").await;
    let log = expect_status(audit(&app, &admin_token, None).await, 200).await;
    assert_eq!(log["entries"][0]["detail"], "moderator → user");
    assert_eq!(log["entries"][1]["detail"], "user → moderator");
}

async fn the_last_admin_keeps_the_role(app: TestApp) {
    let (admin, admin_token) = app.user().await;
    make_admin(&app, &admin).await;
    for role in ["moderator", "user"] {
        expect_error(
            set_role(&app, &admin_token, &admin, role).await,
            409,
            "last_admin",
        )
        .await;
    }
    assert_eq!(role_of(&app, &admin_token).await, "admin");
    let (second, second_token) = app.user().await;
    expect_status(set_role(&app, &admin_token, &second, "admin").await, 200).await;
    expect_status(set_role(&app, &admin_token, &admin, "user").await, 200).await;
    expect_error(
        set_role(&app, &second_token, &second, "user").await,
        409,
        "last_admin",
    )
    .await;
}

/// Two admins demoting each other at the same moment: one wins, the other finds itself the
/// last admin (or no longer an admin); never none left.
async fn two_admins_demoting_each_other_at_once_leave_one(app: TestApp) {
    for _ in 0..5 {
        let (a, a_token) = app.user().await;
        let (b, b_token) = app.user().await;
        app.execute("update user set role = 'user' where role = 'admin'")
            .await;
        make_admin(&app, &a).await;
        make_admin(&app, &b).await;
        let (first, second) = tokio::join!(
            set_role(&app, &a_token, &b, "user"),
            set_role(&app, &b_token, &a, "user"),
        );
        let mut statuses = [first.status().as_u16(), second.status().as_u16()];
        statuses.sort_unstable();
        assert!(
            statuses == [200, 403] || statuses == [200, 409],
            "{statuses:?}"
        );
        assert_eq!(
            app.count("select count(*) from user where role = 'admin'")
                .await,
            1
        );
    }
}

async fn bad_role_requests_are_clear_errors(app: TestApp) {
    let (admin, token) = app.user().await;
    make_admin(&app, &admin).await;
    let (other, _) = app.user().await;
    for role in ["root", "Admin", ""] {
        expect_error(
            set_role(&app, &token, &other, role).await,
            400,
            "invalid_request",
        )
        .await;
    }
    let missing = send(
        app.authed(
            Method::PUT,
            &format!("/api/admin/users/{other}/role"),
            Some(&token),
        )
        .json(&json!({})),
    )
    .await;
    expect_error(missing, 400, "invalid_request").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    expect_error(
        set_role(&app, &token, &unknown, "moderator").await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        set_role(&app, &token, "not-a-uuid", "moderator").await,
        404,
        "not_found",
    )
    .await;
    for cursor in ["abc", "-1", "0", "1.5", "99999999999999999999"] {
        expect_error(
            audit(&app, &token, Some(cursor)).await,
            400,
            "invalid_request",
        )
        .await;
    }
    expect_error(
        send(app.authed(Method::GET, "/api/admin/audit", None)).await,
        401,
        "unauthorized",
    )
    .await;
}

async fn the_audit_log_pages_newest_first(app: TestApp) {
    let (admin, token) = app.user().await;
    make_admin(&app, &admin).await;
    let (target, _) = app.user().await;
    let roles = ["moderator", "user"];
    for i in 0..60 {
        expect_status(set_role(&app, &token, &target, roles[i % 2]).await, 200).await;
    }
    let first = expect_status(audit(&app, &token, None).await, 200).await;
    let first_entries = first["entries"].as_array().unwrap().clone();
    assert_eq!(first_entries.len(), 50);
    let cursor = first["nextCursor"].as_str().unwrap().to_string();
    let second = expect_status(audit(&app, &token, Some(&cursor)).await, 200).await;
    let second_entries = second["entries"].as_array().unwrap().clone();
    assert_eq!(second_entries.len(), 10);
    assert_eq!(second["nextCursor"], Value::Null);
    // Newest first: the last change (to `user`, the 60th) leads, and they alternate back.
    let details: Vec<&str> = first_entries
        .iter()
        .chain(&second_entries)
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    for (i, detail) in details.iter().enumerate() {
        let expected = if i % 2 == 0 {
            "moderator → user"
        } else {
            "user → moderator"
        };
        assert_eq!(*detail, expected, "entry {i}");
    }
    let times: Vec<&str> = details
        .iter()
        .zip(first_entries.iter().chain(&second_entries))
        .map(|(_, e)| e["at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
}

async fn make_moderator(app: &TestApp, user: &str) {
    app.execute(&format!(
        "update user set role = 'moderator' where id = '{user}'"
    ))
    .await;
}

/// A fresh user's (id, email, access token); the password is `password123`.
async fn account(app: &TestApp) -> (String, String, String) {
    let email = format!("m-{}@example.com", uuid::Uuid::new_v4().simple());
    let signup = expect_status(app.signup(&email, "password123").await, 201).await;
    let login = app.login_ok(&email, "password123").await;
    (
        signup["user"]["id"].as_str().unwrap().to_string(),
        email,
        login["accessToken"].as_str().unwrap().to_string(),
    )
}

async fn admin_call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.authed(method, path, Some(token));
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

async fn ban(app: &TestApp, token: &str, user: &str, body: Value) -> reqwest::Response {
    admin_call(
        app,
        Method::POST,
        &format!("/api/admin/users/{user}/ban"),
        token,
        Some(body),
    )
    .await
}

async fn audit_actions(app: &TestApp, token: &str) -> Vec<String> {
    let log = expect_status(audit(app, token, None).await, 200).await;
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// Waits (at most `within`) until `token` is refused on `app`; how long it took.
async fn until_refused(app: &TestApp, token: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if app.me(token).await.status() == 401 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "the token still worked after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn bans_end_every_session_on_every_instance_and_refuse_login_until_they_end(app: TestApp) {
    let other = app.another_instance().await;
    let (moderator, moderator_token) = app.user().await;
    make_moderator(&app, &moderator).await;
    let (user, email, token_here) = account(&app).await;
    let token_there = other.login_ok(&email, "password123").await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    // Both instances have just trusted the tokens (their session checks are cached).
    expect_status(app.me(&token_here).await, 200).await;
    expect_status(other.me(&token_there).await, 200).await;

    let banned = expect_status(
        ban(
            &app,
            &moderator_token,
            &user,
            json!({"reason": "spam", "until": null}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(banned["user"]["id"], user.as_str());
    assert_eq!(banned["ban"]["until"], Value::Null);
    expect_error(app.me(&token_here).await, 401, "unauthorized").await;
    let took = until_refused(&other, &token_there, Duration::from_secs(1)).await;
    eprintln!("the ban reached the other instance after {took:?}");

    let refused = expect_error(
        app.login(&email, "password123").await,
        403,
        "account_banned",
    )
    .await;
    assert_eq!(refused["until"], Value::Null, "{refused}");
    // A wrong password says nothing about the ban.
    expect_error(
        app.login(&email, "wrong-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    expect_error(
        other.login(&email, "password123").await,
        403,
        "account_banned",
    )
    .await;

    let lifted = expect_status(
        admin_call(
            &app,
            Method::DELETE,
            &format!("/api/admin/users/{user}/ban"),
            &moderator_token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(lifted["ban"], Value::Null);
    app.login_ok(&email, "password123").await;

    // A ban with an end: refused with `until` until then, then login works with nobody acting.
    let until = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let until_text = until.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let banned = expect_status(
        ban(
            &app,
            &moderator_token,
            &user,
            json!({"reason": "cool off", "until": until_text}),
        )
        .await,
        200,
    )
    .await;
    let answered =
        chrono::DateTime::parse_from_rfc3339(banned["ban"]["until"].as_str().unwrap()).unwrap();
    assert!(
        (answered.timestamp_micros() - until.timestamp_micros()).abs() <= 1,
        "{banned}"
    );
    let refused = expect_error(
        other.login(&email, "password123").await,
        403,
        "account_banned",
    )
    .await;
    let refused_until =
        chrono::DateTime::parse_from_rfc3339(refused["until"].as_str().unwrap()).unwrap();
    assert_eq!(refused_until, answered);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    other.login_ok(&email, "password123").await;

    let actions = audit_actions(&app, &moderator_token).await;
    assert_eq!(actions[..3], ["ban", "unban", "ban"]);
}

async fn who_may_ban_whom_and_bad_bans(app: TestApp) {
    let (admin, admin_token) = app.user().await;
    make_admin(&app, &admin).await;
    let (moderator, moderator_token) = app.user().await;
    make_moderator(&app, &moderator).await;
    let (other_moderator, _) = app.user().await;
    make_moderator(&app, &other_moderator).await;
    let (user, user_token) = app.user().await;
    let reason = json!({"reason": "abuse"});

    for target in [&other_moderator, &admin] {
        expect_error(
            ban(&app, &moderator_token, target, reason.clone()).await,
            403,
            "forbidden",
        )
        .await;
    }
    expect_error(
        ban(&app, &user_token, &moderator, reason.clone()).await,
        403,
        "forbidden",
    )
    .await;
    for (token, me) in [(&moderator_token, &moderator), (&admin_token, &admin)] {
        let body = expect_error(
            ban(&app, token, me, reason.clone()).await,
            400,
            "invalid_request",
        )
        .await;
        assert!(
            body["message"].as_str().unwrap().contains("yourself"),
            "{body}"
        );
    }
    let long = "가".repeat(501);
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    for body in [
        json!({"reason": ""}),
        json!({"reason": "   "}),
        json!({"reason": long}),
        json!({}),
        json!({"reason": "x", "until": "tomorrow"}),
        json!({"reason": "x", "until": "2030-01-01"}),
        json!({"reason": "x", "until": past}),
        json!({"reason": "x", "until": 5}),
    ] {
        expect_error(
            ban(&app, &moderator_token, &user, body.clone()).await,
            400,
            "invalid_request",
        )
        .await;
    }
    let unknown = uuid::Uuid::new_v4().to_string();
    expect_error(
        ban(&app, &moderator_token, &unknown, reason.clone()).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        ban(&app, &moderator_token, "nope", reason.clone()).await,
        404,
        "not_found",
    )
    .await;
    // Nothing above banned anyone: the user's token still works.
    expect_status(app.me(&user_token).await, 200).await;
    // A moderator bans a user; an admin bans a moderator.
    expect_status(
        ban(&app, &moderator_token, &user, reason.clone()).await,
        200,
    )
    .await;
    expect_status(
        ban(&app, &admin_token, &other_moderator, reason.clone()).await,
        200,
    )
    .await;
    expect_error(app.me(&user_token).await, 401, "unauthorized").await;
}

async fn total_board(app: &TestApp, query: &str) -> u64 {
    let page = expect_status(app.get(&format!("/api/board/boards{query}")).await, 200).await;
    page["totalBoard"].as_u64().unwrap()
}

async fn listed_ids(app: &TestApp, query: &str) -> Vec<String> {
    let page = expect_status(app.get(&format!("/api/board/boards{query}")).await, 200).await;
    page["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect()
}

/// Waits (at most a second) until the search `q` counts `total`.
async fn until_search_total(app: &TestApp, q: &str, total: u64) {
    let started = Instant::now();
    loop {
        let response = send(
            app.request(Method::GET, "/api/board/boards")
                .query(&[("q", q)]),
        )
        .await;
        if response.status() == 200 {
            let page: Value = response.json().await.unwrap();
            if page["totalBoard"] == total {
                return;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "search `{q}` did not reach {total} within a second"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn hidden_posts_are_gone_for_everyone_else_and_come_back_with_every_count(app: TestApp) {
    let (moderator, moderator_token) = app.user().await;
    make_moderator(&app, &moderator).await;
    let (author, author_token) = app.user().await;
    let kept = app.board(&author_token, "kept zebra").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = app.board(&author_token, "hidden quokka").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let comment_path = format!("/api/board/{id}/comments");
    expect_status(
        send(
            app.authed(Method::POST, &comment_path, Some(&author_token))
                .json(&json!({"content": "hi"})),
        )
        .await,
        201,
    )
    .await;
    let by_author = format!("?userId={author}");
    assert_eq!(total_board(&app, "").await, 2);
    assert_eq!(total_board(&app, &by_author).await, 2);
    until_search_total(&app, "quokka", 1).await;

    let hide_path = format!("/api/admin/boards/{id}/hide");
    let hidden = expect_status(
        admin_call(
            &app,
            Method::POST,
            &hide_path,
            &moderator_token,
            Some(json!({"reason": "off topic"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(hidden["board"]["id"], id.as_str());
    assert_eq!(hidden["board"]["hidden"]["by"], moderator.as_str());
    assert_eq!(hidden["board"]["hidden"]["reason"], "off topic");

    // Gone for everyone else, exactly as if deleted.
    expect_error(app.get(&board_path(&id)).await, 404, "not_found").await;
    expect_error(
        send(app.authed(Method::GET, &board_path(&id), Some(&author_token))).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        send(app.put_board(
            &id,
            Some(&author_token),
            json!({"title": "t", "content": "c"}),
        ))
        .await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        send(app.delete_board(&id, Some(&author_token))).await,
        404,
        "not_found",
    )
    .await;
    expect_error(app.get(&comment_path).await, 404, "not_found").await;
    assert_eq!(total_board(&app, "").await, 1);
    assert_eq!(total_board(&app, &by_author).await, 1);
    assert_eq!(listed_ids(&app, "").await, vec![kept.clone()]);
    assert_eq!(listed_ids(&app, &by_author).await, vec![kept.clone()]);
    until_search_total(&app, "quokka", 0).await;
    // Moderators still read it, with `hidden`.
    let seen = expect_status(
        send(app.authed(Method::GET, &board_path(&id), Some(&moderator_token))).await,
        200,
    )
    .await;
    assert_eq!(seen["board"]["title"], "hidden quokka");
    assert_eq!(seen["board"]["hidden"]["reason"], "off topic");
    assert!(seen["board"]["hidden"]["at"].as_str().is_some());
    // Hiding again changes nothing.
    expect_status(
        admin_call(
            &app,
            Method::POST,
            &hide_path,
            &moderator_token,
            Some(json!({"reason": "again"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(total_board(&app, "").await, 1);

    let restored = expect_status(
        admin_call(&app, Method::DELETE, &hide_path, &moderator_token, None).await,
        200,
    )
    .await;
    assert_eq!(restored["board"]["hidden"], Value::Null);
    expect_status(app.get(&board_path(&id)).await, 200).await;
    assert_eq!(total_board(&app, "").await, 2);
    assert_eq!(total_board(&app, &by_author).await, 2);
    until_search_total(&app, "quokka", 1).await;
    let comments = expect_status(app.get(&comment_path).await, 200).await;
    assert_eq!(comments["totalComment"], 1);
    let listed = expect_status(app.get("/api/board/boards").await, 200).await;
    let item = listed["boards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["commentCount"], 1);
    // Restoring a live post changes nothing; a post its author deleted cannot be hidden.
    expect_status(
        admin_call(&app, Method::DELETE, &hide_path, &moderator_token, None).await,
        200,
    )
    .await;
    assert_eq!(total_board(&app, "").await, 2);
    expect_status(
        send(app.delete_board(&kept, Some(&author_token))).await,
        200,
    )
    .await;
    expect_error(
        admin_call(
            &app,
            Method::POST,
            &format!("/api/admin/boards/{kept}/hide"),
            &moderator_token,
            Some(json!({"reason": "x"})),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        admin_call(
            &app,
            Method::DELETE,
            &format!("/api/admin/boards/{kept}/hide"),
            &moderator_token,
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(total_board(&app, "").await, 1);
    let actions = audit_actions(&app, &moderator_token).await;
    assert_eq!(actions, ["restore", "hide"]);
    // The counts equal what COUNT(*) says.
    assert_eq!(
        app.count("select count(*) from board where deleted_at is null")
            .await,
        1
    );
}

async fn thread(app: &TestApp, board: &str) -> Value {
    expect_status(app.get(&format!("/api/board/{board}/comments")).await, 200).await
}

async fn new_comment(app: &TestApp, token: &str, board: &str, body: Value) -> String {
    let created = expect_status(
        send(
            app.authed(
                Method::POST,
                &format!("/api/board/{board}/comments"),
                Some(token),
            )
            .json(&body),
        )
        .await,
        201,
    )
    .await;
    created["comment"]["id"].as_str().unwrap().to_string()
}

async fn hidden_comments_are_gone_from_threads_and_counts_and_come_back(app: TestApp) {
    let (moderator, moderator_token) = app.user().await;
    make_moderator(&app, &moderator).await;
    let (_, token) = app.user().await;
    let board = app.board(&token, "thread").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let head = new_comment(&app, &token, &board, json!({"content": "head"})).await;
    let reply = new_comment(
        &app,
        &token,
        &board,
        json!({"content": "reply", "parentId": head}),
    )
    .await;
    let lone = new_comment(&app, &token, &board, json!({"content": "lone"})).await;
    let before = thread(&app, &board).await;
    assert_eq!(before["totalComment"], 3);
    let comment_count = || async {
        let listed = expect_status(app.get("/api/board/boards").await, 200).await;
        listed["boards"][0]["commentCount"].as_u64().unwrap()
    };
    let hide = |id: String, reason: &'static str| {
        let token = moderator_token.clone();
        let app = &app;
        async move {
            expect_status(
                admin_call(
                    app,
                    Method::POST,
                    &format!("/api/admin/comments/{id}/hide"),
                    &token,
                    Some(json!({"reason": reason})),
                )
                .await,
                200,
            )
            .await
        }
    };

    // A head with a live reply: a placeholder, as if deleted.
    let hidden = hide(head.clone(), "rude").await;
    assert_eq!(hidden["comment"]["hidden"]["reason"], "rude");
    let now = thread(&app, &board).await;
    assert_eq!(now["totalComment"], 2);
    assert_eq!(now["comments"][0]["id"], head.as_str());
    assert_eq!(now["comments"][0]["content"], "");
    assert_eq!(now["comments"].as_array().unwrap().len(), 3);
    assert_eq!(comment_count().await, 2);
    // The reply and the lone comment too: the thread is empty, the placeholder gone with them.
    hide(reply.clone(), "rude").await;
    hide(lone.clone(), "spam").await;
    let now = thread(&app, &board).await;
    assert_eq!(now["totalComment"], 0);
    assert_eq!(now["comments"].as_array().unwrap().len(), 0);
    assert_eq!(now["totalPage"], 0);
    assert_eq!(comment_count().await, 0);
    // The author cannot edit or delete a hidden comment; moderators read it.
    expect_error(
        send(app.authed(
            Method::DELETE,
            &format!("/api/board/{board}/comments/{lone}"),
            Some(&token),
        ))
        .await,
        404,
        "not_found",
    )
    .await;
    let seen = expect_status(
        admin_call(
            &app,
            Method::GET,
            &format!("/api/admin/comments/{lone}"),
            &moderator_token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(seen["comment"]["content"], "lone");
    assert_eq!(seen["comment"]["hidden"]["reason"], "spam");

    for id in [&reply, &head, &lone] {
        let restored = expect_status(
            admin_call(
                &app,
                Method::DELETE,
                &format!("/api/admin/comments/{id}/hide"),
                &moderator_token,
                None,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(restored["comment"]["hidden"], Value::Null);
    }
    let after = thread(&app, &board).await;
    assert_eq!(after, before);
    assert_eq!(comment_count().await, 3);
    assert_eq!(
        app.count(&format!(
            "select listed_count from board_comment_stats where board_id = '{board}'"
        ))
        .await,
        3
    );
}

async fn report(app: &TestApp, token: &str, path: &str, reason: &str) -> reqwest::Response {
    send(
        app.authed(Method::POST, path, Some(token))
            .json(&json!({"reason": reason})),
    )
    .await
}

async fn open_reports(app: &TestApp, token: &str) -> Vec<Value> {
    let page = expect_status(
        admin_call(app, Method::GET, "/api/admin/reports", token, None).await,
        200,
    )
    .await;
    page["reports"].as_array().unwrap().clone()
}

async fn reports_are_one_per_user_and_target_and_resolve_together(app: TestApp) {
    let (moderator, moderator_token) = app.user().await;
    make_moderator(&app, &moderator).await;
    let (_, author_token) = app.user().await;
    let (first, first_token) = app.user().await;
    let (_, second_token) = app.user().await;
    let board = app.board(&author_token, "reported").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let comment = new_comment(&app, &author_token, &board, json!({"content": "bad"})).await;
    let board_report = format!("/api/board/{board}/report");
    let comment_report = format!("/api/board/{board}/comments/{comment}/report");

    // Ten identical reports at once: one report, no 500.
    let answers = futures::future::join_all(
        (0..10).map(|_| report(&app, &first_token, &board_report, "spam")),
    )
    .await;
    let mut statuses = Vec::new();
    let mut ids = Vec::new();
    for answer in answers {
        statuses.push(answer.status().as_u16());
        let body: Value = answer.json().await.unwrap();
        ids.push(body["report"]["id"].as_i64().unwrap_or(-1));
    }
    statuses.sort_unstable();
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    assert!(ids.iter().all(|id| *id == ids[0] && *id > 0), "{ids:?}");
    let second = expect_status(
        report(&app, &second_token, &board_report, "spam too").await,
        201,
    )
    .await;
    assert_eq!(second["report"]["reporters"], 2);
    expect_status(
        report(&app, &second_token, &comment_report, "rude").await,
        201,
    )
    .await;
    assert_eq!(app.count("select count(*) from moderation_report").await, 3);

    let queue = open_reports(&app, &moderator_token).await;
    assert_eq!(queue.len(), 3);
    assert_eq!(queue[0]["id"], ids[0]);
    assert_eq!(queue[0]["reporterId"], first.as_str());
    assert_eq!(queue[0]["targetKind"], "board");
    assert_eq!(queue[0]["targetId"], board.as_str());
    assert_eq!(queue[0]["status"], "open");
    assert_eq!(queue[0]["reporters"], 2);
    assert_eq!(queue[2]["targetKind"], "comment");
    assert_eq!(queue[2]["boardId"], board.as_str());
    assert_eq!(queue[2]["reporters"], 1);
    expect_error(
        admin_call(&app, Method::GET, "/api/admin/reports", &first_token, None).await,
        403,
        "forbidden",
    )
    .await;

    // Dismissing the comment's report leaves the comment alone.
    let comment_report_id = queue[2]["id"].as_i64().unwrap();
    let dismissed = expect_status(
        admin_call(
            &app,
            Method::POST,
            &format!("/api/admin/reports/{comment_report_id}/resolve"),
            &moderator_token,
            Some(json!({"action": "dismiss"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(dismissed["report"]["status"], "resolved");
    assert_eq!(dismissed["report"]["resolution"]["action"], "dismiss");
    assert_eq!(thread(&app, &board).await["totalComment"], 1);

    // Resolving one of the post's reports with `hide` hides it and resolves both.
    let resolved = expect_status(
        admin_call(
            &app,
            Method::POST,
            &format!("/api/admin/reports/{}/resolve", ids[0]),
            &moderator_token,
            Some(json!({"action": "hide", "note": "spam, as reported"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(resolved["report"]["resolution"]["action"], "hide");
    assert_eq!(resolved["report"]["resolution"]["by"], moderator.as_str());
    assert_eq!(
        resolved["report"]["resolution"]["note"],
        "spam, as reported"
    );
    expect_error(app.get(&board_path(&board)).await, 404, "not_found").await;
    assert!(open_reports(&app, &moderator_token).await.is_empty());
    let done = expect_status(
        admin_call(
            &app,
            Method::GET,
            "/api/admin/reports?status=resolved",
            &moderator_token,
            None,
        )
        .await,
        200,
    )
    .await;
    let done = done["reports"].as_array().unwrap();
    assert_eq!(done.len(), 3);
    assert!(done.iter().all(|r| r["status"] == "resolved"));
    // Once resolved, the same user may report the target again (when it is live again).
    expect_status(
        admin_call(
            &app,
            Method::DELETE,
            &format!("/api/admin/boards/{board}/hide"),
            &moderator_token,
            None,
        )
        .await,
        200,
    )
    .await;
    let again = expect_status(
        report(&app, &first_token, &board_report, "still spam").await,
        201,
    )
    .await;
    assert_ne!(again["report"]["id"], ids[0]);
    let actions = audit_actions(&app, &moderator_token).await;
    assert_eq!(actions, ["restore", "resolve", "hide", "resolve"]);
}

async fn bad_moderation_requests_are_clear_errors(app: TestApp) {
    let (moderator, moderator_token) = app.user().await;
    make_moderator(&app, &moderator).await;
    let (_, token) = app.user().await;
    let board = app.board(&token, "post").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let unknown = uuid::Uuid::new_v4().to_string();
    for body in [
        json!({"reason": ""}),
        json!({}),
        json!({"reason": "x".repeat(501)}),
    ] {
        expect_error(
            admin_call(
                &app,
                Method::POST,
                &format!("/api/admin/boards/{board}/hide"),
                &moderator_token,
                Some(body.clone()),
            )
            .await,
            400,
            "invalid_request",
        )
        .await;
        expect_error(
            report(
                &app,
                &token,
                &format!("/api/board/{board}/report"),
                body["reason"].as_str().unwrap_or(""),
            )
            .await,
            400,
            "invalid_request",
        )
        .await;
    }
    for path in [
        format!("/api/admin/boards/{unknown}/hide"),
        format!("/api/admin/comments/{unknown}/hide"),
        "/api/admin/boards/not-an-id/hide".to_string(),
    ] {
        expect_error(
            admin_call(
                &app,
                Method::POST,
                &path,
                &moderator_token,
                Some(json!({"reason": "x"})),
            )
            .await,
            404,
            "not_found",
        )
        .await;
    }
    expect_error(
        admin_call(
            &app,
            Method::GET,
            &format!("/api/admin/comments/{unknown}"),
            &moderator_token,
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        report(&app, &token, &format!("/api/board/{unknown}/report"), "x").await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        report(
            &app,
            &token,
            &format!("/api/board/{board}/comments/{unknown}/report"),
            "x",
        )
        .await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        send(
            app.authed(Method::POST, &format!("/api/board/{board}/report"), None)
                .json(&json!({"reason": "x"})),
        )
        .await,
        401,
        "unauthorized",
    )
    .await;
    for id in ["1", "0", "abc", "99999999999999999999"] {
        expect_error(
            admin_call(
                &app,
                Method::POST,
                &format!("/api/admin/reports/{id}/resolve"),
                &moderator_token,
                Some(json!({"action": "dismiss"})),
            )
            .await,
            404,
            "not_found",
        )
        .await;
    }
    let filed = expect_status(
        report(&app, &token, &format!("/api/board/{board}/report"), "x").await,
        201,
    )
    .await;
    let id = filed["report"]["id"].as_i64().unwrap();
    for body in [
        json!({"action": "delete"}),
        json!({}),
        json!({"action": "hide", "note": ""}),
    ] {
        expect_error(
            admin_call(
                &app,
                Method::POST,
                &format!("/api/admin/reports/{id}/resolve"),
                &moderator_token,
                Some(body),
            )
            .await,
            400,
            "invalid_request",
        )
        .await;
    }
    for query in ["?status=closed", "?cursor=abc", "?cursor=0"] {
        expect_error(
            admin_call(
                &app,
                Method::GET,
                &format!("/api/admin/reports{query}"),
                &moderator_token,
                None,
            )
            .await,
            400,
            "invalid_request",
        )
        .await;
    }
    // Nothing above changed the post or resolved the report.
    expect_status(app.get(&board_path(&board)).await, 200).await;
    assert_eq!(open_reports(&app, &moderator_token).await.len(), 1);
}

/// The log is append-only in the code itself: no statement in the sources updates or deletes
/// an audit entry.
#[test]
fn no_statement_changes_an_audit_entry() {
    let mut sources = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    dirs.push(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations").into());
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    assert!(sources.len() > 20);
    let mut inserts = 0;
    for (path, text) in &sources {
        let text = text
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for forbidden in [
            "update moderation_audit",
            "delete from moderation_audit",
            "truncate moderation_audit",
            "replace into moderation_audit",
            "drop table moderation_audit",
        ] {
            assert!(
                !text.contains(forbidden),
                "{} has `{forbidden}`",
                path.display()
            );
        }
        inserts += text.matches("insert into moderation_audit").count();
    }
    assert!(
        inserts >= 1,
        "the test reads the sources that write the log"
    );
}
