//! API.md, "Posts": create, read, update, soft delete, and who may do what.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, board_path, expect_error, expect_status, send};

backends!(
    the_seed_readme_curl_sequence_works_end_to_end,
    title_and_content_limits_count_characters_and_bytes,
    text_is_stored_and_returned_as_sent,
    a_client_cannot_set_ids_or_timestamps,
    update_checks_token_then_body_then_existence_then_author,
    delete_checks_token_then_existence_then_author_and_is_soft,
    ids_that_are_not_post_ids_are_not_found,
);

async fn the_seed_readme_curl_sequence_works_end_to_end(app: TestApp) {
    // 회원가입, 로그인
    let signup = expect_status(app.signup("test@test.com", "12345678").await, 201).await;
    let user_id = signup["user"]["id"].as_str().unwrap().to_string();
    let login = expect_status(app.login("test@test.com", "12345678").await, 200).await;
    let token = login["accessToken"].as_str().unwrap().to_string();

    // 게시글 작성
    let created = expect_status(
        app.create_board(&token, "안녕하세요.", "반갑습니다.").await,
        201,
    )
    .await;
    let board = &created["board"];
    assert_eq!(board["title"], "안녕하세요.");
    assert_eq!(board["content"], "반갑습니다.");
    assert_eq!(board["userId"], json!(user_id));
    assert!(board["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(board["updated_at"], Value::Null);
    assert_eq!(board["deleted_at"], Value::Null);
    let id = board["id"].as_str().unwrap().to_string();

    // 게시글 리스트 조회
    let list = expect_status(app.get("/api/board/boards?page=1&per_page=10").await, 200).await;
    assert_eq!(list["totalBoard"], 1);
    assert_eq!(list["totalPage"], 1);
    assert_eq!(list["page"], 1);
    assert_eq!(list["per_page"], 10);
    let mut listed = board.clone();
    listed["commentCount"] = json!(0);
    assert_eq!(list["boards"][0], listed);

    // 게시글 조회
    let got = expect_status(app.get(&board_path(&id)).await, 200).await;
    assert_eq!(got["board"], *board);

    // 게시글 수정
    let updated = expect_status(
        send(app.put_board(
            &id,
            Some(&token),
            json!({"title": "안녕하세요2.", "content": "반갑습니다2."}),
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(updated["board"]["title"], "안녕하세요2.");
    assert_eq!(updated["board"]["content"], "반갑습니다2.");
    assert_eq!(updated["board"]["created_at"], board["created_at"]);
    assert!(
        updated["board"]["updated_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let got = expect_status(app.get(&board_path(&id)).await, 200).await;
    assert_eq!(got["board"], updated["board"]);

    // 게시글 삭제
    let deleted = expect_status(send(app.delete_board(&id, Some(&token))).await, 200).await;
    assert!(
        deleted["board"]["deleted_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(deleted["board"]["title"], "안녕하세요2.");
    expect_error(app.get(&board_path(&id)).await, 404, "not_found").await;
    let list = expect_status(app.get("/api/board/boards?page=1&per_page=10").await, 200).await;
    assert_eq!(list["totalBoard"], 0);
    assert_eq!(list["totalPage"], 0);
    assert_eq!(list["boards"], json!([]));
}

async fn title_and_content_limits_count_characters_and_bytes(app: TestApp) {
    let (_, token) = app.user().await;
    expect_status(app.create_board(&token, &"가".repeat(200), "c").await, 201).await;
    expect_error(
        app.create_board(&token, &"가".repeat(201), "c").await,
        400,
        "invalid_board",
    )
    .await;
    expect_status(
        app.create_board(&token, "t", &"a".repeat(65_535)).await,
        201,
    )
    .await;
    expect_error(
        app.create_board(&token, "t", &"a".repeat(65_536)).await,
        400,
        "invalid_board",
    )
    .await;
    // 21,845 three-byte characters are 65,535 bytes.
    let korean = expect_status(
        app.create_board(&token, "t", &"가".repeat(21_845)).await,
        201,
    )
    .await;
    assert_eq!(korean["board"]["content"].as_str().unwrap().len(), 65_535);
    expect_error(
        app.create_board(&token, "t", &"가".repeat(21_846)).await,
        400,
        "invalid_board",
    )
    .await;
    expect_error(
        app.create_board(&token, "", "c").await,
        400,
        "invalid_board",
    )
    .await;
    expect_error(
        app.create_board(&token, "   ", "c").await,
        400,
        "invalid_board",
    )
    .await;
    expect_error(
        app.create_board(&token, "t", "").await,
        400,
        "invalid_board",
    )
    .await;
    for body in [
        json!({"title": "t"}),
        json!({"content": "c"}),
        json!({"title": 1, "content": "c"}),
        json!({"title": "t", "content": null}),
    ] {
        let response = app
            .request(Method::POST, "/api/board")
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_error(response, 400, "invalid_request").await;
    }
    assert_eq!(app.count("select count(*) from board").await, 3);
    // The longest values come back whole.
    let list = expect_status(app.get("/api/board/boards?per_page=100").await, 200).await;
    let lengths: Vec<usize> = list["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["content"].as_str().unwrap().len())
        .collect();
    assert!(lengths.contains(&65_535));
}

async fn text_is_stored_and_returned_as_sent(app: TestApp) {
    let (_, token) = app.user().await;
    let title = "  <script>alert('x')</script> \"quotes\" ; DROP TABLE board; -- 😀 ";
    let content = "line1\nline2\t<b>bold</b> & 'single' \\ backslash 😀 한국어";
    let created = expect_status(app.create_board(&token, title, content).await, 201).await;
    assert_eq!(created["board"]["title"], title.trim());
    assert_eq!(created["board"]["content"], content);
    let id = created["board"]["id"].as_str().unwrap();
    let got = expect_status(app.get(&board_path(id)).await, 200).await;
    assert_eq!(got["board"]["title"], title.trim());
    assert_eq!(got["board"]["content"], content);
    assert_eq!(app.count("select count(*) from board").await, 1);
}

async fn a_client_cannot_set_ids_or_timestamps(app: TestApp) {
    let (user_id, token) = app.user().await;
    let forged = json!({
        "title": "t", "content": "c", "id": "11111111-1111-4111-8111-111111111111",
        "userId": "someone-else", "user_id": "someone-else", "created_at": "2000-01-01T00:00:00Z",
        "deleted_at": "2000-01-01T00:00:00Z"
    });
    let response = app
        .request(Method::POST, "/api/board")
        .bearer_auth(&token)
        .json(&forged)
        .send()
        .await
        .unwrap();
    let body = expect_status(response, 201).await;
    assert_ne!(body["board"]["id"], forged["id"]);
    assert_eq!(body["board"]["userId"], json!(user_id));
    assert_ne!(body["board"]["created_at"], forged["created_at"]);
    assert_eq!(body["board"]["deleted_at"], Value::Null);
    let id = body["board"]["id"].as_str().unwrap();
    let updated = expect_status(
        send(app.put_board(id, Some(&token), forged.clone())).await,
        200,
    )
    .await;
    assert_eq!(updated["board"]["id"], json!(id));
    assert_eq!(updated["board"]["deleted_at"], Value::Null);
    assert_eq!(updated["board"]["created_at"], body["board"]["created_at"]);
}

async fn update_checks_token_then_body_then_existence_then_author(app: TestApp) {
    let (_, author) = app.user().await;
    let (_, other) = app.user().await;
    let board = app.board(&author, "original").await;
    let id = board["id"].as_str().unwrap();
    let missing = uuid::Uuid::new_v4().to_string();
    let good = json!({"title": "new", "content": "new"});
    let bad = json!({"title": "", "content": "new"});

    // 401 beats a bad body and a missing post.
    expect_error(
        send(app.put_board(&missing, None, bad.clone())).await,
        401,
        "unauthorized",
    )
    .await;
    expect_error(
        send(app.put_board(id, Some("garbage"), good.clone())).await,
        401,
        "unauthorized",
    )
    .await;
    // 400 beats a missing post and a foreign post.
    expect_error(
        send(app.put_board(&missing, Some(&other), bad.clone())).await,
        400,
        "invalid_board",
    )
    .await;
    expect_error(
        send(app.put_board(id, Some(&other), bad.clone())).await,
        400,
        "invalid_board",
    )
    .await;
    expect_error(
        send(app.put_board("not-a-uuid", Some(&other), json!({"x": 1}))).await,
        400,
        "invalid_request",
    )
    .await;
    // 404 beats 403.
    expect_error(
        send(app.put_board(&missing, Some(&other), good.clone())).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        send(app.put_board("not-a-uuid", Some(&other), good.clone())).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        send(app.put_board(id, Some(&other), good.clone())).await,
        403,
        "forbidden",
    )
    .await;

    let unchanged = expect_status(app.get(&board_path(id)).await, 200).await;
    assert_eq!(unchanged["board"], board);

    let updated = expect_status(send(app.put_board(id, Some(&author), good)).await, 200).await;
    assert_eq!(updated["board"]["title"], "new");
    assert!(updated["board"]["updated_at"].is_string());

    // A deleted post cannot be updated.
    expect_status(send(app.delete_board(id, Some(&author))).await, 200).await;
    expect_error(
        send(app.put_board(id, Some(&author), json!({"title": "again", "content": "c"}))).await,
        404,
        "not_found",
    )
    .await;
}

async fn delete_checks_token_then_existence_then_author_and_is_soft(app: TestApp) {
    let (_, author) = app.user().await;
    let (_, other) = app.user().await;
    let keep = app.board(&author, "keep").await;
    let board = app.board(&author, "to delete").await;
    let id = board["id"].as_str().unwrap();
    let missing = uuid::Uuid::new_v4().to_string();

    expect_error(
        send(app.delete_board(&missing, None)).await,
        401,
        "unauthorized",
    )
    .await;
    expect_error(send(app.delete_board(id, None)).await, 401, "unauthorized").await;
    expect_error(
        send(app.delete_board(&missing, Some(&other))).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        send(app.delete_board(id, Some(&other))).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        expect_status(app.get("/api/board/boards").await, 200).await["totalBoard"],
        2
    );

    let deleted = expect_status(send(app.delete_board(id, Some(&author))).await, 200).await;
    assert!(deleted["board"]["deleted_at"].is_string());
    expect_error(
        send(app.delete_board(id, Some(&author))).await,
        404,
        "not_found",
    )
    .await;
    expect_error(app.get(&board_path(id)).await, 404, "not_found").await;

    let list = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(list["totalBoard"], 1);
    assert_eq!(list["boards"].as_array().unwrap().len(), 1);
    assert_eq!(list["boards"][0]["id"], keep["id"]);
    // The row stays, marked deleted.
    assert_eq!(app.count("select count(*) from board").await, 2);
    assert!(
        app.scalar(
            "select cast(deleted_at as char) from board where id = ?",
            id
        )
        .await
        .is_some()
    );
    assert!(
        app.scalar(
            "select cast(deleted_at as char) from board where id = ?",
            keep["id"].as_str().unwrap()
        )
        .await
        .is_none()
    );
}

async fn ids_that_are_not_post_ids_are_not_found(app: TestApp) {
    let (_, token) = app.user().await;
    let board = app.board(&token, "t").await;
    let id = board["id"].as_str().unwrap();
    for bad in [
        "abc",
        "00000000-0000-0000-0000-000000000000",
        "1",
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
        "30d112cc-839d-49b1-b36f-86823eb65dca",
        "'%20or%20'1'='1",
        &"a".repeat(10_000),
        &id.replace('-', ""),
        "%FF%FE",
    ] {
        expect_error(app.get(&board_path(bad)).await, 404, "not_found").await;
        expect_error(
            send(app.delete_board(bad, Some(&token))).await,
            404,
            "not_found",
        )
        .await;
    }
    // The canonical form in upper case names the same post.
    let got = expect_status(app.get(&board_path(id.to_uppercase())).await, 200).await;
    assert_eq!(got["board"]["id"], json!(id));
    assert_eq!(
        expect_status(app.get("/api/board/boards").await, 200).await["totalBoard"],
        1
    );
}
