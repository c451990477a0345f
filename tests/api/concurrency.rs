//! Races on one post between its author and others: no 5xx, a final state that one serial
//! order explains, and an exact `totalBoard`.

use std::{sync::Arc, time::Duration};

use reqwest::Method;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::{
    common::raw_http,
    helpers::{Backend, TestApp, backends, board_path, expect_status, send},
};

backends!(
    racing_updates_and_deletes_end_in_a_serial_state,
    author_counts_stay_exact_under_concurrent_creates_and_deletes_on_two_instances,
);

async fn racing_updates_and_deletes_end_in_a_serial_state(app: TestApp) {
    let app = Arc::new(app);
    let (_, author) = app.user().await;
    let (_, other) = app.user().await;
    let bystander = app.board(&other, "someone else's post").await;
    let board = app.board(&author, "original").await;
    let id = board["id"].as_str().unwrap().to_string();

    let mut tasks = Vec::new();
    for i in 0..24 {
        let (app, id) = (app.clone(), id.clone());
        let (token, is_author) = if i % 2 == 0 {
            (author.clone(), true)
        } else {
            (other.clone(), false)
        };
        tasks.push(tokio::spawn(async move {
            let (method, kind) = if i % 4 < 2 {
                (Method::PUT, "update")
            } else {
                (Method::DELETE, "delete")
            };
            let mut request = app.request(method, &board_path(&id)).bearer_auth(&token);
            let title = format!("title {i}");
            if kind == "update" {
                request = request.json(&json!({"title": title, "content": "c"}));
            }
            let response = request.send().await.unwrap();
            (kind, is_author, response.status().as_u16(), title)
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }

    for (kind, is_author, status, _) in &outcomes {
        assert!(*status < 500, "{kind} by author={is_author}: {status}");
        match (is_author, kind) {
            (false, _) => assert!([403, 404].contains(status), "other's {kind}: {status}"),
            (true, _) => assert!([200, 404].contains(status), "author's {kind}: {status}"),
        }
    }
    let deletes_ok = outcomes
        .iter()
        .filter(|(k, a, s, _)| *k == "delete" && *a && *s == 200)
        .count();
    assert_eq!(deletes_ok, 1, "exactly one delete wins: {outcomes:?}");

    // The post is deleted; its last title is the original or one a successful update wrote,
    // and no successful update happened after the delete.
    expect_status(app.get(&board_path(&id)).await, 404).await;
    let title = app
        .scalar("select title from board where id = ?", &id)
        .await
        .unwrap();
    let written: Vec<&String> = outcomes
        .iter()
        .filter(|(k, _, s, _)| *k == "update" && *s == 200)
        .map(|o| &o.3)
        .collect();
    assert!(
        title == "original" || written.contains(&&title),
        "title {title:?} not from a successful update"
    );
    let updated_at = app
        .scalar(
            "select cast(updated_at as char) from board where id = ?",
            &id,
        )
        .await;
    let deleted_at = app
        .scalar(
            "select cast(deleted_at as char) from board where id = ?",
            &id,
        )
        .await
        .unwrap();
    if let Some(updated_at) = updated_at {
        assert!(
            updated_at.replace('T', " ") <= deleted_at.replace('T', " "),
            "updated {updated_at} after deleted {deleted_at}"
        );
    }

    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(list["totalBoard"], 1);
    assert_eq!(list["boards"][0]["id"], bystander["id"]);
}

/// Clients that give up mid-request (here: closing 0–3 ms after sending it) cancel the request; a write
/// transaction still runs to its end, and no pooled connection is left inside an open
/// transaction (which would swallow later writes uncommitted and hold their locks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_writes_leave_no_transaction_open() {
    crate::helpers::run(
        Backend::MySql,
        |_| {},
        async |app: TestApp| {
            let (_, token) = app.user().await;
            let address = app.authority().to_string();
            let request =
                raw_http::authed_post("/api/board", &token, r#"{"title": "t", "content": "c"}"#);
            let mut tasks = Vec::new();
            for i in 0..800u64 {
                let (address, request) = (address.clone(), request.clone());
                tasks.push(tokio::spawn(async move {
                    let mut stream = raw_http::connect(&address).await;
                    stream.write_all(request.as_bytes()).await.unwrap();
                    tokio::time::sleep(Duration::from_micros((i % 40) * 75)).await;
                    drop(stream);
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
            // Writes still running finish; a transaction left open on a pooled connection
            // never does (it waits for a statement that never comes).
            let started = std::time::Instant::now();
            let open = loop {
                let open = app
                    .count(
                        "select count(*) from information_schema.innodb_trx t \
                     join information_schema.processlist p on p.id = t.trx_mysql_thread_id \
                     where p.db = database() and p.id <> connection_id()",
                    )
                    .await;
                if open == 0 || started.elapsed() > Duration::from_secs(10) {
                    break open;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            assert_eq!(open, 0, "transactions left open on pooled connections");
            // What was written is committed and counted.
            let live = app
                .count("select count(*) from board where deleted_at is null")
                .await;
            let list = expect_status(app.get("/api/board/boards").await, 200).await;
            assert_eq!(list["totalBoard"], live);
        },
    )
    .await;
}

/// `totalBoard` of one author, as `?userId=` answers it.
async fn author_total(app: &TestApp, author: &str) -> i64 {
    let list = expect_status(
        app.get(&format!("/api/board/boards?userId={author}")).await,
        200,
    )
    .await;
    list["totalBoard"].as_i64().unwrap()
}

async fn live_posts_of(app: &TestApp, author: &str) -> i64 {
    app.count(&format!(
        "select count(*) from board where user_id = '{author}' and deleted_at is null"
    ))
    .await
}

/// Per-author counts are kept with the writes: creates and racing deletes of one author's
/// posts, sent to two instances at once, leave them equal to the live rows; so does an
/// account whose count row is missing (one the original service created).
async fn author_counts_stay_exact_under_concurrent_creates_and_deletes_on_two_instances(
    app: TestApp,
) {
    let second = Arc::new(app.another_instance().await);
    let app = Arc::new(app);
    let (alice, alice_token) = app.user().await;
    let (bob, bob_token) = app.user().await;
    let mut doomed = Vec::new();
    for i in 0..8 {
        doomed.push(app.board(&alice_token, &format!("doomed {i}")).await["id"].clone());
    }

    let mut tasks = Vec::new();
    for i in 0..24 {
        let instance = if i % 2 == 0 {
            app.clone()
        } else {
            second.clone()
        };
        let token = if i % 3 == 0 {
            bob_token.clone()
        } else {
            alice_token.clone()
        };
        tasks.push(tokio::spawn(async move {
            instance
                .create_board(&token, &format!("new {i}"), "c")
                .await
                .status()
                .as_u16()
        }));
    }
    // Every doomed post deleted twice at once, once through each instance: one wins.
    for id in doomed.iter().chain(doomed.iter()) {
        let id = id.as_str().unwrap().to_string();
        for instance in [app.clone(), second.clone()] {
            let (token, id) = (alice_token.clone(), id.clone());
            tasks.push(tokio::spawn(async move {
                send(instance.delete_board(&id, Some(&token)))
                    .await
                    .status()
                    .as_u16()
            }));
        }
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| [200, 201, 404].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 24);

    assert_eq!(live_posts_of(&app, &alice).await, 16);
    assert_eq!(live_posts_of(&app, &bob).await, 8);
    for instance in [&app, &second] {
        assert_eq!(author_total(instance, &alice).await, 16);
        assert_eq!(author_total(instance, &bob).await, 8);
    }

    // Without its count row, an author is counted from the posts, and writes still work.
    app.execute(&format!(
        "delete from author_stats where user_id = '{alice}'"
    ))
    .await;
    assert_eq!(author_total(&app, &alice).await, 16);
    app.board(&alice_token, "one more").await;
    let first = expect_status(
        app.get(&format!("/api/board/boards?userId={alice}&per_page=1"))
            .await,
        200,
    )
    .await;
    assert_eq!(first["totalBoard"], 17);
    send(app.delete_board(
        first["boards"][0]["id"].as_str().unwrap(),
        Some(&alice_token),
    ))
    .await;
    send(app.delete_board(doomed[0].as_str().unwrap(), Some(&alice_token))).await;
    assert_eq!(author_total(&app, &alice).await, 16);
    assert_eq!(live_posts_of(&app, &alice).await, 16);
    assert_eq!(author_total(&app, &bob).await, 8);
}
