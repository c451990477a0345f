//! docs/API.md, "Conditional requests, retries and filters": ETag, If-None-Match → 304,
//! If-Match → 412 (no lost updates), Idempotency-Key (no duplicate posts, across instances),
//! the author filter and next-page links.

use std::collections::HashSet;

use futures::future::join_all;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, board_path, expect_error, expect_status, send};

backends!(
    the_etag_is_one_on_every_answer_and_changes_with_the_post,
    if_none_match_answers_304_without_a_body,
    if_match_checks_come_after_token_body_existence_and_author,
    of_eight_writers_with_one_etag_exactly_one_wins,
    a_retry_with_the_same_idempotency_key_gets_the_first_answer,
    ten_concurrent_requests_with_one_key_make_one_post,
    a_retry_that_reaches_another_instance_is_replayed,
    an_expired_idempotency_key_is_a_new_request,
    bad_conditional_headers_are_400,
    the_author_filter_pages_by_page_and_by_cursor,
    next_page_links_follow_the_request_form,
);

fn etag_of(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_string()
}

async fn put_if(app: &TestApp, id: &str, token: &str, if_match: &str, title: &str) -> Response {
    send(
        app.put_board(id, Some(token), json!({"title": title, "content": "c"}))
            .header("if-match", if_match),
    )
    .await
}

async fn create_keyed(app: &TestApp, token: &str, key: &str, title: &str) -> Response {
    send(
        app.request(Method::POST, "/api/board")
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(&json!({"title": title, "content": "c"})),
    )
    .await
}

async fn the_etag_is_one_on_every_answer_and_changes_with_the_post(app: TestApp) {
    let (_, token) = app.user().await;
    let created = app.create_board(&token, "t", "c").await;
    let first = etag_of(&created);
    assert!(
        first.starts_with('"') && first.ends_with('"'),
        "strong: {first}"
    );
    let id = expect_status(created, 201).await["board"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = app.get(&board_path(&id)).await;
    assert_eq!(etag_of(&got), first);
    assert_eq!(got.headers()["cache-control"], "no-cache");
    let updated =
        send(app.put_board(&id, Some(&token), json!({"title": "u", "content": "c"}))).await;
    let second = etag_of(&updated);
    assert_ne!(second, first);
    expect_status(updated, 200).await;
    assert_eq!(etag_of(&app.get(&board_path(&id)).await), second);
    // The same text again is still a change (updated_at moves), so a new version.
    let again = send(app.put_board(&id, Some(&token), json!({"title": "u", "content": "c"}))).await;
    assert_ne!(etag_of(&again), second);
}

async fn if_none_match_answers_304_without_a_body(app: TestApp) {
    let (_, token) = app.user().await;
    let post = app.board(&token, "t").await;
    let path = board_path(post["id"].as_str().unwrap());
    let tag = etag_of(&app.get(&path).await);
    for matching in [
        tag.clone(),
        format!("W/{tag}"),
        "*".to_string(),
        format!("\"other\", {tag}"),
    ] {
        let response = send(
            app.request(Method::GET, &path)
                .header("if-none-match", &matching)
                .header("x-request-id", "conditional-1"),
        )
        .await;
        assert_eq!(response.status(), 304, "{matching}");
        assert_eq!(etag_of(&response), tag);
        assert_eq!(response.headers()["x-request-id"], "conditional-1");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(response.text().await.unwrap().is_empty());
    }
    let changed = send(
        app.request(Method::GET, &path)
            .header("if-none-match", "\"old\""),
    )
    .await;
    expect_status(changed, 200).await;
    send(app.delete_board(post["id"].as_str().unwrap(), Some(&token))).await;
    let gone = send(
        app.request(Method::GET, &path)
            .header("if-none-match", &tag),
    )
    .await;
    expect_error(gone, 404, "not_found").await;
}

async fn if_match_checks_come_after_token_body_existence_and_author(app: TestApp) {
    let (_, author) = app.user().await;
    let (_, other) = app.user().await;
    let post = app.board(&author, "t").await;
    let id = post["id"].as_str().unwrap().to_string();
    let tag = etag_of(&app.get(&board_path(&id)).await);
    let missing = uuid::Uuid::new_v4().to_string();

    // 401 before anything else, even with a malformed If-Match.
    let response = send(
        app.put_board(&id, None, json!({"title": "x", "content": "c"}))
            .header("if-match", "garbage"),
    )
    .await;
    expect_error(response, 401, "unauthorized").await;
    // 400 for the header (or the body) before looking the post up.
    expect_error(
        put_if(&app, &missing, &author, "garbage", "x").await,
        400,
        "invalid_request",
    )
    .await;
    // 404, 403, then 412.
    expect_error(
        put_if(&app, &missing, &author, "\"x\"", "x").await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        put_if(&app, &id, &other, "\"x\"", "x").await,
        403,
        "forbidden",
    )
    .await;
    expect_error(
        put_if(&app, &id, &author, "\"x\"", "x").await,
        412,
        "precondition_failed",
    )
    .await;
    // Strong comparison: a weak tag never matches.
    expect_error(
        put_if(&app, &id, &author, &format!("W/{tag}"), "x").await,
        412,
        "precondition_failed",
    )
    .await;
    let unchanged = expect_status(app.get(&board_path(&id)).await, 200).await;
    assert_eq!(unchanged["board"]["title"], "t", "a 412 changes nothing");

    let updated = put_if(&app, &id, &author, &format!("\"x\", {tag}"), "x").await;
    let new_tag = etag_of(&updated);
    expect_status(updated, 200).await;
    // The old tag is stale now; `*` matches any live post.
    expect_error(
        put_if(&app, &id, &author, &tag, "y").await,
        412,
        "precondition_failed",
    )
    .await;
    expect_status(put_if(&app, &id, &author, "*", "y").await, 200).await;

    // Deletes alike.
    let delete_if =
        |tag: String| send(app.delete_board(&id, Some(&author)).header("if-match", tag));
    expect_error(delete_if(new_tag).await, 412, "precondition_failed").await;
    let current = etag_of(&app.get(&board_path(&id)).await);
    expect_status(delete_if(current.clone()).await, 200).await;
    expect_error(delete_if(current).await, 404, "not_found").await;
    expect_error(put_if(&app, &id, &author, "*", "z").await, 404, "not_found").await;
}

async fn of_eight_writers_with_one_etag_exactly_one_wins(app: TestApp) {
    let (_, token) = app.user().await;
    for round in 0..3 {
        let post = app.board(&token, "t").await;
        let id = post["id"].as_str().unwrap().to_string();
        let tag = etag_of(&app.get(&board_path(&id)).await);
        let titles: Vec<String> = (0..8).map(|i| format!("writer {i}")).collect();
        let writers = titles
            .iter()
            .map(|title| put_if(&app, &id, &token, &tag, title));
        let answers = join_all(writers).await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 412).count(),
            7,
            "round {round}: {statuses:?}"
        );
        // The stored post is the winner's.
        let mut winner = None;
        for answer in answers {
            if answer.status() == 200 {
                winner = Some(expect_status(answer, 200).await["board"]["title"].clone());
            }
        }
        let stored = expect_status(app.get(&board_path(&id)).await, 200).await;
        assert_eq!(Some(stored["board"]["title"].clone()), winner);
    }
}

async fn a_retry_with_the_same_idempotency_key_gets_the_first_answer(app: TestApp) {
    let (_, token) = app.user().await;
    let first = create_keyed(&app, &token, "order-42", "once").await;
    assert!(first.headers().get("idempotent-replayed").is_none());
    let tag = etag_of(&first);
    let first: Value = expect_status(first, 201).await;
    let retry = create_keyed(&app, &token, "order-42", "once").await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(etag_of(&retry), tag);
    let retry: Value = expect_status(retry, 201).await;
    assert_eq!(retry, first, "the first answer again");
    // Even after the post was edited, the retry gets the first answer.
    let id = first["board"]["id"].as_str().unwrap();
    send(app.put_board(id, Some(&token), json!({"title": "edited", "content": "c"}))).await;
    let later = expect_status(create_keyed(&app, &token, "order-42", "once").await, 201).await;
    assert_eq!(later, first);
    assert_eq!(app.count("select count(*) from board").await, 1);
    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(list["totalBoard"], 1);

    // The same key with another body is refused, and creates nothing.
    let reused = create_keyed(&app, &token, "order-42", "twice").await;
    expect_error(reused, 422, "idempotency_key_reused").await;
    // Keys are per user, and case-sensitive.
    let (_, someone) = app.user().await;
    expect_status(create_keyed(&app, &someone, "order-42", "once").await, 201).await;
    expect_status(create_keyed(&app, &token, "ORDER-42", "once").await, 201).await;
    assert_eq!(app.count("select count(*) from board").await, 3);
}

async fn ten_concurrent_requests_with_one_key_make_one_post(app: TestApp) {
    let (_, token) = app.user().await;
    let requests = (0..10).map(|_| create_keyed(&app, &token, "burst", "one post"));
    let mut ids = HashSet::new();
    let mut fresh = 0;
    for response in join_all(requests).await {
        match response.status().as_u16() {
            201 => {
                if response.headers().get("idempotent-replayed").is_none() {
                    fresh += 1;
                }
                let body = expect_status(response, 201).await;
                ids.insert(body["board"]["id"].as_str().unwrap().to_string());
            }
            409 => {
                expect_error(response, 409, "idempotency_in_progress").await;
            }
            other => panic!("unexpected {other}: {}", response.text().await.unwrap()),
        }
    }
    assert_eq!(fresh, 1);
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.count("select count(*) from board").await, 1);
    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(list["totalBoard"], 1);
}

async fn a_retry_that_reaches_another_instance_is_replayed(app: TestApp) {
    let other = app.another_instance().await;
    let (_, token) = app.user().await;
    let first = expect_status(create_keyed(&app, &token, "cross", "here").await, 201).await;
    let retry = create_keyed(&other, &token, "cross", "here").await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(expect_status(retry, 201).await, first);
    expect_error(
        create_keyed(&other, &token, "cross", "elsewhere").await,
        422,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(app.count("select count(*) from board").await, 1);
}

async fn an_expired_idempotency_key_is_a_new_request(app: TestApp) {
    let (_, token) = app.user().await;
    let first = expect_status(create_keyed(&app, &token, "old", "t").await, 201).await;
    let aged = chrono::Utc::now() - chrono::Duration::hours(25);
    let aged = match app.backend {
        crate::helpers::Backend::MySql => aged.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        crate::helpers::Backend::Sqlite => aged.to_rfc3339(),
    };
    app.execute(&format!("update idempotency_key set created_at = '{aged}'"))
        .await;
    let again = create_keyed(&app, &token, "old", "t").await;
    assert!(again.headers().get("idempotent-replayed").is_none());
    let again = expect_status(again, 201).await;
    assert_ne!(again["board"]["id"], first["board"]["id"]);
    assert_eq!(app.count("select count(*) from board").await, 2);
    assert_eq!(app.count("select count(*) from idempotency_key").await, 1);
}

async fn bad_conditional_headers_are_400(app: TestApp) {
    let (_, token) = app.user().await;
    let post = app.board(&token, "t").await;
    let id = post["id"].as_str().unwrap();
    for key in [String::new(), "k".repeat(256), "tab\tkey".into()] {
        let response = send(
            app.request(Method::POST, "/api/board")
                .bearer_auth(&token)
                .header("idempotency-key", key.as_str())
                .json(&json!({"title": "t", "content": "c"})),
        )
        .await;
        expect_error(response, 400, "invalid_request").await;
    }
    let response = send(
        app.request(Method::POST, "/api/board")
            .bearer_auth(&token)
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(b"\xc3\xa9").unwrap(),
            )
            .json(&json!({"title": "t", "content": "c"})),
    )
    .await;
    expect_error(response, 400, "invalid_request").await;
    expect_status(create_keyed(&app, &token, &"k".repeat(255), "t").await, 201).await;
    for bad in ["nope", "\"unterminated", "*, \"a\"", "W/x"] {
        let response = send(
            app.request(Method::GET, &board_path(id))
                .header("if-none-match", bad),
        )
        .await;
        expect_error(response, 400, "invalid_request").await;
        expect_error(
            put_if(&app, id, &token, bad, "x").await,
            400,
            "invalid_request",
        )
        .await;
    }
    for bad in [
        "abc",
        "1",
        "00000000000000000000000000000000",
        "30d112cc-839d-49b1-b36f",
    ] {
        let response = app.get(&format!("/api/board/boards?userId={bad}")).await;
        expect_error(response, 400, "invalid_request").await;
    }
    assert_eq!(app.count("select count(*) from board").await, 2);
}

/// Every page of `query` (page by page, or cursor by cursor) and what the first page said.
async fn walk(app: &TestApp, query: &str, by_cursor: bool) -> (Vec<String>, Value) {
    let mut ids = Vec::new();
    let mut first = None;
    let mut next = if by_cursor {
        format!("/api/board/boards?{query}&cursor=")
    } else {
        format!("/api/board/boards?{query}&page=1")
    };
    for _ in 0..100 {
        let response = app.get(&next).await;
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string());
        let body = expect_status(response, 200).await;
        ids.extend(
            body["boards"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["id"].as_str().unwrap().to_string()),
        );
        first.get_or_insert(body);
        match link {
            Some(link) => {
                next = link
                    .strip_prefix('<')
                    .and_then(|l| l.split_once(">; rel=\"next\""))
                    .map(|(target, _)| target.to_string())
                    .expect("a Link to the next page");
            }
            None => return (ids, first.unwrap()),
        }
    }
    panic!("more than 100 pages");
}

async fn the_author_filter_pages_by_page_and_by_cursor(app: TestApp) {
    let (alice, alice_token) = app.user().await;
    let (_, bob_token) = app.user().await;
    let mut alices = Vec::new();
    for i in 0..7 {
        alices.push(
            app.board(&alice_token, &format!("a{i}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        app.board(&bob_token, &format!("b{i}")).await;
    }
    // One of hers deleted: not listed, not counted.
    let deleted = alices.remove(3);
    send(app.delete_board(&deleted, Some(&alice_token))).await;
    alices.reverse(); // newest first
    for by_cursor in [false, true] {
        let query = format!("per_page=2&userId={alice}");
        let (ids, first) = walk(&app, &query, by_cursor).await;
        assert_eq!(ids, alices, "by cursor: {by_cursor}");
        assert_eq!(first["totalBoard"], 6);
        assert_eq!(first["totalPage"], 3);
    }
    // Upper-case UUIDs name the same author; an unknown one has no posts.
    let upper = expect_status(
        app.get(&format!(
            "/api/board/boards?userId={}",
            alice.to_uppercase()
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(upper["totalBoard"], 6);
    let nobody = expect_status(
        app.get(&format!(
            "/api/board/boards?userId={}",
            uuid::Uuid::new_v4()
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(nobody["totalBoard"], 0);
    assert_eq!(nobody["boards"], json!([]));
    // Without the filter, everyone's.
    let all = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(all["totalBoard"], 13);
}

async fn next_page_links_follow_the_request_form(app: TestApp) {
    let (_, token) = app.user().await;
    for i in 0..5 {
        app.board(&token, &format!("p{i}")).await;
    }
    let link = |response: &Response| {
        response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let first = app.get("/api/board/boards?page=1&per_page=2").await;
    assert_eq!(
        link(&first).as_deref(),
        Some("</api/board/boards?page=2&per_page=2>; rel=\"next\"")
    );
    let middle = app.get("/api/board/boards?page=2&per_page=2").await;
    assert_eq!(
        link(&middle).as_deref(),
        Some("</api/board/boards?page=3&per_page=2>; rel=\"next\"")
    );
    let last = app.get("/api/board/boards?page=3&per_page=2").await;
    assert_eq!(link(&last), None);
    assert_eq!(
        link(&app.get("/api/board/boards?page=9&per_page=2").await),
        None
    );
    // Defaults: 5 posts fit on the first page of 20.
    assert_eq!(link(&app.get("/api/board/boards").await), None);

    let by_cursor = app.get("/api/board/boards?per_page=2&cursor=").await;
    let target = link(&by_cursor).expect("a next page");
    let body = expect_status(by_cursor, 200).await;
    assert_eq!(
        target,
        format!(
            "</api/board/boards?per_page=2&cursor={}>; rel=\"next\"",
            body["nextCursor"].as_str().unwrap()
        )
    );
    let (ids, _) = walk(&app, "per_page=2", true).await;
    assert_eq!(ids.len(), 5);
    let (ids, _) = walk(&app, "per_page=2", false).await;
    assert_eq!(ids.len(), 5);
}
