//! Comments: docs/API.md → "Comments". One level of replies, thread order, exact counts.

use std::{collections::HashSet, sync::Arc};

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, board_path, expect_error, expect_status, send};

backends!(
    a_comment_is_created_read_edited_and_deleted_as_the_contract_says,
    the_thread_lists_each_top_level_comment_followed_by_its_replies,
    a_deleted_comment_with_live_replies_stays_as_a_placeholder,
    bad_comments_get_clear_errors_in_the_contract_order,
    only_the_author_changes_a_comment_and_only_under_its_post,
    cursor_pages_never_overlap_or_skip_while_comments_are_added,
    numbered_pages_cover_the_thread_once_and_link_the_next,
    comment_counts_show_on_the_post_list_and_leave_the_post_etag_alone,
    if_match_and_idempotency_keys_work_on_comments_as_on_posts,
    twenty_concurrent_comments_on_two_instances_are_twenty,
    a_reply_racing_the_deletion_of_its_parent_is_refused_or_placed_under_it,
    racing_deletions_on_two_instances_leave_the_counts_exact,
    deleting_an_account_deletes_its_comments_and_the_counts_follow,
    a_deleted_posts_comments_are_unreachable,
);

fn comments_path(board: &str) -> String {
    format!("{}/comments", board_path(board))
}

fn comment_path(board: &str, comment: &str) -> String {
    format!("{}/comments/{comment}", board_path(board))
}

async fn post_comment(app: &TestApp, token: &str, board: &str, body: Value) -> Response {
    send(
        app.authed(Method::POST, &comments_path(board), Some(token))
            .json(&body),
    )
    .await
}

/// Creates a comment (a reply under `parent`) and returns its id.
async fn comment(
    app: &TestApp,
    token: &str,
    board: &str,
    text: &str,
    parent: Option<&str>,
) -> String {
    let body = json!({"content": text, "parentId": parent});
    let created = expect_status(post_comment(app, token, board, body).await, 201).await;
    created["comment"]["id"].as_str().unwrap().to_string()
}

async fn thread(app: &TestApp, board: &str, query: &str) -> Value {
    expect_status(
        app.get(&format!("{}?{query}", comments_path(board))).await,
        200,
    )
    .await
}

/// The ids of a thread page, in order.
fn ids(page: &Value) -> Vec<String> {
    page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every listed id of the thread, walking it by cursor `per_page` at a time.
async fn walk(app: &TestApp, board: &str, per_page: u32) -> Vec<String> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = thread(app, board, &format!("per_page={per_page}&cursor={cursor}")).await;
        all.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => return all,
        }
    }
}

async fn board_id(app: &TestApp, token: &str) -> String {
    app.board(token, "a post")
        .await
        .get("id")
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

async fn a_comment_is_created_read_edited_and_deleted_as_the_contract_says(app: TestApp) {
    let (user, token) = app.user().await;
    let board = board_id(&app, &token).await;
    let response = post_comment(
        &app,
        &token,
        &board,
        json!({"content": "  첫 댓글입니다  "}),
    )
    .await;
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let created = expect_status(response, 201).await;
    let c = &created["comment"];
    assert_eq!(c["content"], "첫 댓글입니다", "stored trimmed: {c}");
    assert_eq!(c["boardId"], board.as_str());
    assert_eq!(c["userId"], user.as_str());
    assert_eq!(c["parentId"], Value::Null);
    assert!(c["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(c["updated_at"], Value::Null);
    assert_eq!(c["deleted_at"], Value::Null);
    assert!(etag.starts_with('"'), "{etag}");
    let id = c["id"].as_str().unwrap().to_string();

    let page = thread(&app, &board, "").await;
    assert_eq!(page["totalComment"], 1);
    assert_eq!(page["totalPage"], 1);
    assert_eq!(page["page"], 1);
    assert_eq!(page["per_page"], 50);
    assert_eq!(page["nextCursor"], Value::Null);
    assert_eq!(page["comments"][0], *c);

    let edited = send(
        app.authed(Method::PUT, &comment_path(&board, &id), Some(&token))
            .json(&json!({"content": "고쳤습니다"})),
    )
    .await;
    let new_etag = edited.headers()["etag"].to_str().unwrap().to_string();
    let edited = expect_status(edited, 200).await;
    assert_eq!(edited["comment"]["content"], "고쳤습니다");
    assert!(edited["comment"]["updated_at"].is_string());
    assert_ne!(new_etag, etag);

    let deleted = send(app.authed(Method::DELETE, &comment_path(&board, &id), Some(&token))).await;
    let deleted = expect_status(deleted, 200).await;
    assert!(deleted["comment"]["deleted_at"].is_string());
    let again = send(app.authed(Method::DELETE, &comment_path(&board, &id), Some(&token))).await;
    expect_error(again, 404, "not_found").await;
    let page = thread(&app, &board, "").await;
    assert_eq!(page["totalComment"], 0);
    assert_eq!(page["totalPage"], 0);
    assert_eq!(page["comments"], json!([]));
}

async fn the_thread_lists_each_top_level_comment_followed_by_its_replies(app: TestApp) {
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let board = board_id(&app, &alice).await;
    let a = comment(&app, &alice, &board, "A", None).await;
    let b = comment(&app, &bob, &board, "B", None).await;
    let b1 = comment(&app, &alice, &board, "B1", Some(&b)).await;
    let a1 = comment(&app, &bob, &board, "A1", Some(&a)).await;
    let c = comment(&app, &bob, &board, "C", None).await;
    let a2 = comment(&app, &alice, &board, "A2", Some(&a)).await;
    let page = thread(&app, &board, "").await;
    assert_eq!(ids(&page), vec![a.clone(), a1, a2, b.clone(), b1, c]);
    assert_eq!(page["totalComment"], 6);
    assert_eq!(page["comments"][1]["parentId"], a.as_str());
    // Replies are one level deep.
    let a1 = page["comments"][1]["id"].as_str().unwrap();
    let nested = post_comment(&app, &bob, &board, json!({"content": "x", "parentId": a1})).await;
    expect_error(nested, 400, "invalid_parent").await;
}

async fn a_deleted_comment_with_live_replies_stays_as_a_placeholder(app: TestApp) {
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let board = board_id(&app, &alice).await;
    let a = comment(&app, &alice, &board, "A", None).await;
    let a1 = comment(&app, &bob, &board, "A1", Some(&a)).await;
    let b = comment(&app, &alice, &board, "B", None).await;
    let delete =
        |token: &str, id: &str| app.authed(Method::DELETE, &comment_path(&board, id), Some(token));
    expect_status(send(delete(&alice, &a)).await, 200).await;
    let page = thread(&app, &board, "").await;
    assert_eq!(ids(&page), vec![a.clone(), a1.clone(), b.clone()]);
    assert_eq!(page["comments"][0]["content"], "");
    assert!(page["comments"][0]["deleted_at"].is_string());
    assert_eq!(page["totalComment"], 2);
    assert_eq!(page["totalPage"], 1);
    let paged = thread(&app, &board, "per_page=1").await;
    assert_eq!(
        paged["totalPage"], 3,
        "the placeholder takes a place: {paged}"
    );
    // A placeholder cannot be answered or changed.
    let reply = post_comment(&app, &bob, &board, json!({"content": "x", "parentId": a})).await;
    expect_error(reply, 400, "invalid_parent").await;
    expect_error(send(delete(&alice, &a)).await, 404, "not_found").await;

    // Its last reply gone, the placeholder goes too.
    expect_status(send(delete(&bob, &a1)).await, 200).await;
    let page = thread(&app, &board, "per_page=1").await;
    assert_eq!(ids(&page), vec![b]);
    assert_eq!(page["totalComment"], 1);
    assert_eq!(page["totalPage"], 1);
}

async fn bad_comments_get_clear_errors_in_the_contract_order(app: TestApp) {
    let (_, token) = app.user().await;
    let board = board_id(&app, &token).await;
    let other_board = board_id(&app, &token).await;
    let top = comment(&app, &token, &board, "top", None).await;
    let reply = comment(&app, &token, &board, "reply", Some(&top)).await;
    let elsewhere = comment(&app, &token, &other_board, "elsewhere", None).await;
    let gone = comment(&app, &token, &board, "gone", None).await;
    let deleted =
        send(app.authed(Method::DELETE, &comment_path(&board, &gone), Some(&token))).await;
    expect_status(deleted, 200).await;

    for content in [
        json!(""),
        json!(" \n\t "),
        json!("a".repeat(5_001)),
        json!("a\u{0}b"),
    ] {
        let answer = post_comment(&app, &token, &board, json!({"content": content})).await;
        expect_error(answer, 400, "invalid_comment").await;
    }
    assert_eq!(
        expect_status(
            post_comment(&app, &token, &board, json!({"content": "가".repeat(5_000)})).await,
            201
        )
        .await["comment"]["content"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        5_000
    );
    for body in [
        json!({}),
        json!({"content": 5}),
        json!({"content": "x", "parentId": 7}),
    ] {
        expect_error(
            post_comment(&app, &token, &board, body).await,
            400,
            "invalid_request",
        )
        .await;
    }
    let unknown = uuid::Uuid::new_v4().to_string();
    for parent in ["not-a-uuid", &elsewhere, &reply, &gone, &unknown] {
        let answer = post_comment(
            &app,
            &token,
            &board,
            json!({"content": "x", "parentId": parent}),
        )
        .await;
        expect_error(answer, 400, "invalid_parent").await;
    }
    // Order: 401 → 400 (body) → 404 (post) → 400 invalid_parent.
    let no_token = send(
        app.request(Method::POST, &comments_path(&board))
            .json(&json!({"content": ""})),
    )
    .await;
    expect_error(no_token, 401, "unauthorized").await;
    let missing_post = uuid::Uuid::new_v4().to_string();
    let bad_body = post_comment(&app, &token, &missing_post, json!({"content": ""})).await;
    expect_error(bad_body, 400, "invalid_comment").await;
    let bad_parent = post_comment(
        &app,
        &token,
        &missing_post,
        json!({"content": "x", "parentId": "zz"}),
    )
    .await;
    expect_error(bad_parent, 404, "not_found").await;
    for board_ref in [
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        &missing_post,
    ] {
        expect_error(app.get(&comments_path(board_ref)).await, 404, "not_found").await;
    }
    // Comment ids that are not UUIDs are simply not found.
    for id in ["x", "1", "00000000-0000-0000-0000-000000000000", &unknown] {
        let put = app
            .authed(Method::PUT, &comment_path(&board, id), Some(&token))
            .json(&json!({"content": "y"}));
        expect_error(send(put).await, 404, "not_found").await;
        let delete = app.authed(Method::DELETE, &comment_path(&board, id), Some(&token));
        expect_error(send(delete).await, 404, "not_found").await;
    }
    for query in [
        "per_page=0",
        "per_page=101",
        "page=0",
        "cursor=zz",
        "page=x",
    ] {
        let answer = app.get(&format!("{}?{query}", comments_path(&board))).await;
        expect_error(answer, 400, "invalid_request").await;
    }
    // The post's own count saw none of the refusals.
    assert_eq!(thread(&app, &board, "").await["totalComment"], 3);
}

async fn only_the_author_changes_a_comment_and_only_under_its_post(app: TestApp) {
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let board = board_id(&app, &alice).await;
    let other_board = board_id(&app, &alice).await;
    let id = comment(&app, &alice, &board, "mine", None).await;
    let put = |token: &str, board: &str| {
        app.authed(Method::PUT, &comment_path(board, &id), Some(token))
            .json(&json!({"content": "changed"}))
    };
    expect_error(send(put(&bob, &board)).await, 403, "forbidden").await;
    let delete = app.authed(Method::DELETE, &comment_path(&board, &id), Some(&bob));
    expect_error(send(delete).await, 403, "forbidden").await;
    // Under another post the comment does not exist.
    expect_error(send(put(&alice, &other_board)).await, 404, "not_found").await;
    // 401 → 400 → 404 → 403.
    let no_token = app
        .request(Method::PUT, &comment_path(&board, &id))
        .json(&json!({"content": ""}));
    expect_error(send(no_token).await, 401, "unauthorized").await;
    let bad = app
        .authed(Method::PUT, &comment_path(&board, &id), Some(&bob))
        .json(&json!({"content": ""}));
    expect_error(send(bad).await, 400, "invalid_comment").await;
    assert_eq!(
        thread(&app, &board, "").await["comments"][0]["content"],
        "mine"
    );
}

async fn cursor_pages_never_overlap_or_skip_while_comments_are_added(app: TestApp) {
    let (_, token) = app.user().await;
    let board = board_id(&app, &token).await;
    let mut tops = Vec::new();
    for n in 0..6 {
        let top = comment(&app, &token, &board, &format!("top {n}"), None).await;
        comment(&app, &token, &board, &format!("reply {n}"), Some(&top)).await;
        tops.push(top);
    }
    let before = walk(&app, &board, 50).await;
    assert_eq!(before.len(), 12);

    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut added = 0;
    loop {
        let response = app
            .get(&format!(
                "{}?per_page=5&cursor={cursor}",
                comments_path(&board)
            ))
            .await;
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string());
        let page = expect_status(response, 200).await;
        seen.extend(ids(&page));
        // Between two pages: a reply to an earlier thread and a new top-level comment.
        comment(
            &app,
            &token,
            &board,
            "late reply",
            Some(&tops[added % tops.len()]),
        )
        .await;
        comment(&app, &token, &board, "late", None).await;
        added += 1;
        match page["nextCursor"].as_str() {
            Some(next) => {
                let link = link.expect("a next page has a Link");
                assert_eq!(
                    link,
                    format!(
                        "<{}?per_page=5&cursor={next}>; rel=\"next\"",
                        comments_path(&board)
                    )
                );
                cursor = next.to_string();
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no comment twice: {seen:?}");
    for id in &before {
        assert!(seen.contains(id), "{id} skipped");
    }
    // What was seen is in thread order: the order of the final list.
    let after = walk(&app, &board, 100).await;
    let positions: Vec<usize> = seen
        .iter()
        .map(|id| after.iter().position(|a| a == id).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert_eq!(thread(&app, &board, "").await["totalComment"], after.len());
}

async fn numbered_pages_cover_the_thread_once_and_link_the_next(app: TestApp) {
    let (_, token) = app.user().await;
    let board = board_id(&app, &token).await;
    for n in 0..7 {
        let top = comment(&app, &token, &board, &format!("top {n}"), None).await;
        if n % 2 == 0 {
            comment(&app, &token, &board, "reply", Some(&top)).await;
        }
    }
    let all = walk(&app, &board, 100).await;
    assert_eq!(all.len(), 11);
    let mut paged = Vec::new();
    for page in 1..=4 {
        let response = app
            .get(&format!("{}?page={page}&per_page=3", comments_path(&board)))
            .await;
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string());
        let body = expect_status(response, 200).await;
        assert_eq!(body["totalPage"], 4);
        assert_eq!(body["totalComment"], 11);
        assert_eq!(body["page"], page);
        paged.extend(ids(&body));
        let expected = (page < 4).then(|| {
            format!(
                "<{}?page={}&per_page=3>; rel=\"next\"",
                comments_path(&board),
                page + 1
            )
        });
        assert_eq!(link, expected);
    }
    assert_eq!(paged, all);
    let past = thread(&app, &board, "page=9&per_page=3").await;
    assert_eq!(past["comments"], json!([]));
}

async fn comment_counts_show_on_the_post_list_and_leave_the_post_etag_alone(app: TestApp) {
    let (_, token) = app.user().await;
    let quiet = board_id(&app, &token).await;
    let busy = board_id(&app, &token).await;
    let etag = |response: &Response| response.headers()["etag"].to_str().unwrap().to_string();
    let before = etag(&app.get(&board_path(&busy)).await);
    let top = comment(&app, &token, &busy, "1", None).await;
    comment(&app, &token, &busy, "2", Some(&top)).await;
    comment(&app, &token, &busy, "3", None).await;
    let get = app.get(&board_path(&busy)).await;
    assert_eq!(etag(&get), before);
    let body = expect_status(get, 200).await;
    assert!(body["board"].get("commentCount").is_none(), "{body}");

    let counts = |list: &Value| -> Vec<(String, u64)> {
        list["boards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["id"].as_str().unwrap().to_string(),
                    b["commentCount"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let expected = vec![(busy.clone(), 3), (quiet.clone(), 0)];
    for query in ["", "?page=1", "?cursor=", "?per_page=1&page=2"] {
        let list = expect_status(app.get(&format!("/api/board/boards{query}")).await, 200).await;
        let got = counts(&list);
        let want: Vec<_> = if query.contains("page=2") {
            expected[1..].to_vec()
        } else {
            expected.clone()
        };
        assert_eq!(got, want, "{query}");
    }
    let delete = app.authed(Method::DELETE, &comment_path(&busy, &top), Some(&token));
    expect_status(send(delete).await, 200).await;
    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(counts(&list)[0], (busy, 2));
}

async fn if_match_and_idempotency_keys_work_on_comments_as_on_posts(app: TestApp) {
    let (_, token) = app.user().await;
    let board = board_id(&app, &token).await;
    let created = post_comment(&app, &token, &board, json!({"content": "v1"})).await;
    let etag = created.headers()["etag"].to_str().unwrap().to_string();
    let id = expect_status(created, 201).await["comment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let put = |if_match: &str, content: &str| {
        app.authed(Method::PUT, &comment_path(&board, &id), Some(&token))
            .header("If-Match", if_match)
            .json(&json!({"content": content}))
    };
    expect_error(
        send(put("\"stale\"", "v2")).await,
        412,
        "precondition_failed",
    )
    .await;
    let updated = send(put(&etag, "v2")).await;
    let new_etag = updated.headers()["etag"].to_str().unwrap().to_string();
    expect_status(updated, 200).await;
    expect_error(send(put(&etag, "v3")).await, 412, "precondition_failed").await;
    let delete = |if_match: &str| {
        app.authed(Method::DELETE, &comment_path(&board, &id), Some(&token))
            .header("If-Match", if_match)
    };
    expect_error(send(delete(&etag)).await, 412, "precondition_failed").await;
    expect_status(send(delete(&new_etag)).await, 200).await;

    let keyed = |key: &str, body: Value| {
        app.authed(Method::POST, &comments_path(&board), Some(&token))
            .header("Idempotency-Key", key)
            .json(&body)
    };
    let first = send(keyed("comment-1", json!({"content": "once"}))).await;
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = expect_status(first, 201).await;
    let retry = send(keyed("comment-1", json!({"content": "once"}))).await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry = expect_status(retry, 201).await;
    assert_eq!(retry["comment"], first["comment"]);
    let top = first["comment"]["id"].as_str().unwrap();
    // A reply under a key replays with its parent.
    let reply = json!({"content": "answer", "parentId": top});
    let first_reply = expect_status(send(keyed("comment-2", reply.clone())).await, 201).await;
    let replayed = expect_status(send(keyed("comment-2", reply)).await, 201).await;
    assert_eq!(replayed["comment"], first_reply["comment"]);
    // The parent's id in capitals names the same parent: the same request.
    let shouted = json!({"content": "answer", "parentId": top.to_uppercase()});
    let replayed = expect_status(send(keyed("comment-2", shouted)).await, 201).await;
    assert_eq!(replayed["comment"], first_reply["comment"]);
    let other = send(keyed("comment-1", json!({"content": "another"}))).await;
    expect_error(other, 422, "idempotency_key_reused").await;
    let unknown_parent = json!({"content": "answer", "parentId": uuid::Uuid::new_v4().to_string()});
    let other = send(keyed("comment-2", unknown_parent)).await;
    expect_error(other, 422, "idempotency_key_reused").await;
    // A key used for a post is not a comment's.
    let post = app
        .request(Method::POST, "/api/board")
        .bearer_auth(&token)
        .header("Idempotency-Key", "post-key")
        .json(&json!({"title": "t", "content": "once"}));
    expect_status(send(post).await, 201).await;
    let reused = send(keyed("post-key", json!({"content": "once"}))).await;
    expect_error(reused, 422, "idempotency_key_reused").await;
    let page = thread(&app, &board, "").await;
    assert_eq!(page["totalComment"], 2, "{page}");
}

async fn twenty_concurrent_comments_on_two_instances_are_twenty(app: TestApp) {
    let second = Arc::new(app.another_instance().await);
    let app = Arc::new(app);
    let (_, token) = app.user().await;
    let board = board_id(&app, &token).await;
    let top = comment(&app, &token, &board, "top", None).await;
    let mut tasks = Vec::new();
    for n in 0..20 {
        let instance = if n % 2 == 0 {
            app.clone()
        } else {
            second.clone()
        };
        let (token, board, top) = (token.clone(), board.clone(), top.clone());
        tasks.push(tokio::spawn(async move {
            let parent = (n % 4 == 0).then_some(top);
            let body = json!({"content": format!("comment {n}"), "parentId": parent});
            post_comment(&instance, &token, &board, body)
                .await
                .status()
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    let page = thread(&app, &board, "per_page=100").await;
    assert_eq!(page["totalComment"], 21);
    assert_eq!(ids(&page).len(), 21);
    assert_eq!(ids(&page)[0], top);
    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(list["boards"][0]["commentCount"], 21);
}

async fn a_reply_racing_the_deletion_of_its_parent_is_refused_or_placed_under_it(app: TestApp) {
    let second = Arc::new(app.another_instance().await);
    let app = Arc::new(app);
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let board = board_id(&app, &alice).await;
    let mut outcomes = HashSet::new();
    for round in 0..8 {
        let parent = comment(&app, &alice, &board, &format!("parent {round}"), None).await;
        let reply = {
            let (second, bob, board, parent) =
                (second.clone(), bob.clone(), board.clone(), parent.clone());
            tokio::spawn(async move {
                let body = json!({"content": "reply", "parentId": parent});
                let answer = post_comment(&second, &bob, &board, body).await;
                let status = answer.status().as_u16();
                (status, answer.json::<Value>().await.unwrap())
            })
        };
        let delete = app.authed(Method::DELETE, &comment_path(&board, &parent), Some(&alice));
        expect_status(send(delete).await, 200).await;
        let (status, body) = reply.await.unwrap();
        let listed = walk(&app, &board, 100).await;
        match status {
            201 => {
                let reply = body["comment"]["id"].as_str().unwrap().to_string();
                let at = listed
                    .iter()
                    .position(|id| *id == parent)
                    .expect("placeholder listed");
                assert_eq!(
                    listed.get(at + 1),
                    Some(&reply),
                    "the reply under its placeholder"
                );
            }
            400 => {
                assert_eq!(body["code"], "invalid_parent");
                assert!(
                    !listed.contains(&parent),
                    "a deleted parent without replies is gone"
                );
            }
            other => panic!("reply racing its parent's deletion: {other} {body}"),
        }
        outcomes.insert(status);
    }
    // The counts agree with the list: every listed comment but the placeholders is live.
    let page = thread(&app, &board, "per_page=100").await;
    let live = page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["deleted_at"].is_null())
        .count();
    assert_eq!(page["totalComment"], live);
    assert_eq!(page["totalPage"], u64::from(!ids(&page).is_empty()));
}

async fn racing_deletions_on_two_instances_leave_the_counts_exact(app: TestApp) {
    let second = Arc::new(app.another_instance().await);
    let app = Arc::new(app);
    let (_, token) = app.user().await;
    let board = board_id(&app, &token).await;
    let mut doomed = Vec::new();
    for n in 0..5 {
        let top = comment(&app, &token, &board, &format!("top {n}"), None).await;
        let reply = comment(&app, &token, &board, "reply", Some(&top)).await;
        comment(&app, &token, &board, "kept reply", Some(&top)).await;
        doomed.push(top);
        doomed.push(reply);
    }
    let mut tasks = Vec::new();
    for id in &doomed {
        for instance in [app.clone(), second.clone(), app.clone()] {
            let (token, board, id) = (token.clone(), board.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                let delete =
                    instance.authed(Method::DELETE, &comment_path(&board, &id), Some(&token));
                send(delete).await.status().as_u16()
            }));
        }
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        doomed.len(),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [200, 404].contains(s)),
        "{statuses:?}"
    );
    // Five placeholders, each with its kept reply.
    let page = thread(&app, &board, "per_page=100").await;
    assert_eq!(page["totalComment"], 5);
    assert_eq!(ids(&page).len(), 10);
    assert_eq!(page["totalPage"], 1);
    assert_eq!(thread(&app, &board, "per_page=3").await["totalPage"], 4);
}

async fn deleting_an_account_deletes_its_comments_and_the_counts_follow(app: TestApp) {
    let (_, owner) = app.user().await;
    let leaving_email = format!("leaving-{}@example.com", uuid::Uuid::new_v4().simple());
    expect_status(app.signup(&leaving_email, "password123").await, 201).await;
    let leaving = app.login_ok(&leaving_email, "password123").await["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let board = board_id(&app, &owner).await;
    let owners = comment(&app, &owner, &board, "owner's", None).await;
    comment(&app, &leaving, &board, "reply to owner", Some(&owners)).await;
    let leavers = comment(&app, &leaving, &board, "leaver's, answered", None).await;
    let answer = comment(&app, &owner, &board, "owner answers", Some(&leavers)).await;
    let lonely = comment(&app, &leaving, &board, "leaver's, alone", None).await;
    comment(&app, &leaving, &board, "self reply", Some(&lonely)).await;
    // A deleted comment of the owner's whose only live reply is the leaver's.
    let orphan = comment(&app, &owner, &board, "owner's, to be deleted", None).await;
    comment(&app, &leaving, &board, "leaver answers", Some(&orphan)).await;
    let delete = app.authed(Method::DELETE, &comment_path(&board, &orphan), Some(&owner));
    expect_status(send(delete).await, 200).await;
    assert_eq!(thread(&app, &board, "").await["totalComment"], 7);

    let gone = app
        .authed(Method::DELETE, "/api/user/me", Some(&leaving))
        .json(&json!({"password": "password123"}));
    expect_status(send(gone).await, 200).await;
    let page = thread(&app, &board, "per_page=100").await;
    assert_eq!(ids(&page), vec![owners, leavers.clone(), answer]);
    assert_eq!(page["comments"][1]["content"], "", "a placeholder: {page}");
    assert_eq!(page["totalComment"], 2);
    assert_eq!(page["totalPage"], 1);
    assert_eq!(thread(&app, &board, "per_page=1").await["totalPage"], 3);
    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(list["boards"][0]["commentCount"], 2);
}

async fn a_deleted_posts_comments_are_unreachable(app: TestApp) {
    let (_, token) = app.user().await;
    let board = board_id(&app, &token).await;
    let id = comment(&app, &token, &board, "soon gone", None).await;
    expect_status(send(app.delete_board(&board, Some(&token))).await, 200).await;
    expect_error(app.get(&comments_path(&board)).await, 404, "not_found").await;
    let body = json!({"content": "x"});
    expect_error(
        post_comment(&app, &token, &board, body.clone()).await,
        404,
        "not_found",
    )
    .await;
    let put = app
        .authed(Method::PUT, &comment_path(&board, &id), Some(&token))
        .json(&body);
    expect_error(send(put).await, 404, "not_found").await;
    let delete = app.authed(Method::DELETE, &comment_path(&board, &id), Some(&token));
    expect_error(send(delete).await, 404, "not_found").await;
}
