//! API.md, `GET /api/board/boards`: paging, order, validation, the counter and the cursor.

use std::{collections::HashSet, sync::Arc};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, backends, board_path, expect_error, expect_status};

backends!(
    pages_cover_every_post_once_newest_first,
    bad_page_parameters_are_rejected,
    equal_timestamps_are_ordered_by_id_without_overlap,
    cursor_paging_walks_the_same_order_as_pages,
    the_total_stays_exact_under_concurrent_creates_and_deletes,
);

async fn list(app: &TestApp, query: &str) -> Value {
    expect_status(app.get(&format!("/api/board/boards{query}")).await, 200).await
}

fn ids(page: &Value) -> Vec<String> {
    page["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect()
}

async fn pages_cover_every_post_once_newest_first(app: TestApp) {
    let (_, token) = app.user().await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(
            app.board(&token, &format!("post {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    created.reverse(); // newest first

    let empty_default = list(&app, "").await;
    assert_eq!(empty_default["page"], 1);
    assert_eq!(empty_default["per_page"], 20);
    assert_eq!(ids(&empty_default), created[..20]);

    let mut seen = Vec::new();
    for page in 1..=3 {
        let body = list(&app, &format!("?page={page}&per_page=10")).await;
        assert_eq!(body["totalBoard"], 25);
        assert_eq!(body["totalPage"], 3);
        assert_eq!(body["page"], page);
        seen.extend(ids(&body));
    }
    assert_eq!(seen, created);
    let past = list(&app, "?page=4&per_page=10").await;
    assert_eq!(past["boards"], json!([]));
    assert_eq!(past["totalBoard"], 25);
    let far = list(&app, &format!("?page={}&per_page=100", i64::MAX)).await;
    assert_eq!(far["boards"], json!([]));
    // Timestamps really are newest first.
    let all = list(&app, "?per_page=100").await;
    let times: Vec<&str> = all["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
}

async fn bad_page_parameters_are_rejected(app: TestApp) {
    for query in [
        "page=0",
        "page=-1",
        "page=1.5",
        "page=1e2",
        "page=abc",
        "page=",
        "page=9223372036854775808",
        "page=99999999999999999999",
        "per_page=0",
        "per_page=101",
        "per_page=-5",
        "per_page=1.0",
        "per_page=x",
        "page=%00",
        "page=1&page=2",
        "cursor=garbage",
        "cursor=1_abc",
        "page=0&cursor=",
    ] {
        let body = expect_error(
            app.get(&format!("/api/board/boards?{query}")).await,
            400,
            "invalid_request",
        )
        .await;
        assert!(!body["message"].as_str().unwrap().is_empty(), "{query}");
    }
    // Unknown parameters are ignored.
    list(&app, "?page=1&per_page=100&sort=evil").await;
}

async fn equal_timestamps_are_ordered_by_id_without_overlap(app: TestApp) {
    let (user_id, _) = app.user().await;
    // The stored form of one instant: MySQL DATETIME(6), or sqlx's RFC 3339 text on SQLite.
    let instant = match app.backend {
        Backend::MySql => "2026-01-01 00:00:00.000000",
        Backend::Sqlite => "2026-01-01T00:00:00+00:00",
    };
    let mut ids_inserted = Vec::new();
    for _ in 0..9 {
        let id = uuid::Uuid::new_v4().to_string();
        let sql = format!(
            "insert into board (id, user_id, title, content, created_at) values ('{id}', '{user_id}', 't', 'c', '{instant}')"
        );
        app.execute(&sql).await;
        ids_inserted.push(id);
    }
    app.execute("update board_stats set live_count = live_count + 9 where id = 1")
        .await;
    ids_inserted.sort();
    ids_inserted.reverse();
    let mut seen = Vec::new();
    for page in 1..=3 {
        seen.extend(ids(&list(&app, &format!("?page={page}&per_page=4")).await));
    }
    assert_eq!(seen, ids_inserted);
    let mut walked = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let body = list(&app, &format!("?per_page=2&cursor={cursor}")).await;
        walked.extend(ids(&body));
        match body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(walked, ids_inserted);
}

async fn cursor_paging_walks_the_same_order_as_pages(app: TestApp) {
    let (_, token) = app.user().await;
    for i in 0..7 {
        app.board(&token, &format!("post {i}")).await;
    }
    let by_page: Vec<String> = ids(&list(&app, "?per_page=100").await);
    let mut walked = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    while pages < 10 {
        let body = list(&app, &format!("?per_page=3&cursor={cursor}")).await;
        assert_eq!(body["totalBoard"], 7);
        assert_eq!(body["totalPage"], 3);
        assert!(body.get("page").is_none());
        pages += 1;
        walked.extend(ids(&body));
        match body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(walked, by_page);
    let unique: HashSet<&String> = walked.iter().collect();
    assert_eq!(unique.len(), 7);
    // A cursor still works after the post it points at is deleted.
    let first = list(&app, "?per_page=3&cursor=").await;
    let next = first["nextCursor"].as_str().unwrap().to_string();
    let last_id = ids(&first)[2].clone();
    let response = app
        .request(Method::DELETE, &board_path(&last_id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_status(response, 200).await;
    let second = list(&app, &format!("?per_page=3&cursor={next}")).await;
    assert_eq!(ids(&second), by_page[3..6]);
}

async fn the_total_stays_exact_under_concurrent_creates_and_deletes(app: TestApp) {
    let app = Arc::new(app);
    let (_, token) = app.user().await;
    let mut doomed = Vec::new();
    for i in 0..10 {
        doomed.push(
            app.board(&token, &format!("doomed {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (app, token) = (app.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            app.create_board(&token, &format!("new {i}"), "c")
                .await
                .status()
                .as_u16()
        }));
    }
    // Each doomed post is deleted twice at once: only one delete may count.
    for id in doomed.iter().chain(doomed.iter()) {
        let (app, token, id) = (app.clone(), token.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            app.request(Method::DELETE, &board_path(&id))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 404).count(),
        10,
        "{statuses:?}"
    );
    let live = app
        .count("select count(*) from board where deleted_at is null")
        .await;
    assert_eq!(live, 20);
    assert_eq!(list(&app, "").await["totalBoard"], 20);
}
