//! Search (API.md, "Search"): every term, lower-cased, as a substring of the lower-cased title
//! or content; exact counts; fresh on every instance within 1 s; an index that catches up
//! before it answers, and is rebuilt when its folder is gone or damaged.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::temp_dir::TempDir;
use crate::helpers::{TestApp, TestDb, backends, expect_error, expect_status, send};

backends!(
    results_are_exactly_the_substring_rule,
    every_term_must_occur_and_field_narrows_where,
    edits_and_deletes_are_reflected,
    search_combines_with_the_author_paging_and_link,
    bad_queries_are_invalid_query,
    another_instance_sees_writes_within_a_second,
    a_fresh_instance_answers_only_once_caught_up,
    an_index_deleted_or_damaged_while_down_is_rebuilt,
    a_restarted_instance_goes_on_from_its_index,
);

/// `GET /api/board/boards` with these query pairs (encoded by the client).
async fn search(app: &TestApp, pairs: &[(&str, &str)]) -> reqwest::Response {
    send(app.request(Method::GET, "/api/board/boards").query(pairs)).await
}

async fn search_ok(app: &TestApp, pairs: &[(&str, &str)]) -> Value {
    expect_status(search(app, pairs).await, 200).await
}

fn ids(page: &Value) -> Vec<String> {
    page["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect()
}

/// Waits (at most `within`) until the search `q` counts `total` matches; how long it took.
async fn until_total(app: &TestApp, q: &str, total: u64, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let response = search(app, &[("q", q)]).await;
        if response.status() == 200 {
            let page: Value = response.json().await.unwrap();
            if page["totalBoard"] == total {
                return started.elapsed();
            }
        }
        assert!(
            started.elapsed() < within,
            "`{q}` did not reach {total} matches within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn post(app: &TestApp, token: &str, title: &str, content: &str) -> String {
    let body = expect_status(app.create_board(token, title, content).await, 201).await;
    body["board"]["id"].as_str().unwrap().to_string()
}

async fn edit(app: &TestApp, token: &str, id: &str, title: &str, content: &str) {
    expect_status(
        send(
            app.authed(Method::PUT, &format!("/api/board/{id}"), Some(token))
                .json(&json!({"title": title, "content": content})),
        )
        .await,
        200,
    )
    .await;
}

async fn delete(app: &TestApp, token: &str, id: &str) {
    expect_status(
        send(app.authed(Method::DELETE, &format!("/api/board/{id}"), Some(token))).await,
        200,
    )
    .await;
}

/// Words of every kind a board sees: Korean, English in both cases, mixed, and the characters
/// that mean something to `LIKE`, to shells or to query parsers.
const WORDS: &[&str] = &[
    "게시판에서",
    "검색",
    "안녕하세요",
    "판에",
    "한국어",
    "게시판",
    "서울특별시",
    "공지사항",
    "Search",
    "search",
    "BOARD",
    "ARCH",
    "Rust",
    "rusty",
    "Hello,",
    "world!",
    "Rust로",
    "검색Search",
    "100%",
    "a_b",
    "back\\slash",
    "*star*",
    "\"quoted\"",
    "(paren)",
    "C++",
    "e-mail",
    "ÉCOLE",
    "straße",
    "x",
    "ab",
];

/// A small deterministic generator (no dependency for this alone).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below
    }

    fn words(&mut self, min: usize, max: usize) -> String {
        let count = min + self.next(max - min + 1);
        (0..count)
            .map(|_| WORDS[self.next(WORDS.len())])
            .collect::<Vec<_>>()
            .join(if self.next(4) == 0 { "  " } else { " " })
    }

    /// A piece (2 to 4 characters) of a random word, in a random case.
    fn term(&mut self) -> String {
        let word: Vec<char> = loop {
            let word: Vec<char> = WORDS[self.next(WORDS.len())].chars().collect();
            if word.len() >= 2 {
                break word;
            }
        };
        let len = (2 + self.next(3)).min(word.len());
        let start = self.next(word.len() - len + 1);
        let piece: String = word[start..start + len].iter().collect();
        match self.next(3) {
            0 => piece.to_uppercase(),
            1 => piece.to_lowercase(),
            _ => piece,
        }
    }
}

/// The contract's rule, computed here: every term, lower-cased, in the lower-cased text.
fn oracle_matches(title: &str, content: &str, terms: &[String], field: &str) -> bool {
    let (title, content) = (title.to_lowercase(), content.to_lowercase());
    terms.iter().all(|term| {
        let term = term.to_lowercase();
        match field {
            "title" => title.contains(&term),
            "content" => content.contains(&term),
            _ => title.contains(&term) || content.contains(&term),
        }
    })
}

/// Every page of a search by cursor, and its count.
async fn all_pages(app: &TestApp, q: &str, field: &str) -> (Vec<String>, u64) {
    let mut found = Vec::new();
    let mut cursor = String::new();
    let mut total = None;
    loop {
        let page = search_ok(
            app,
            &[
                ("q", q),
                ("field", field),
                ("per_page", "7"),
                ("cursor", &cursor),
            ],
        )
        .await;
        let count = page["totalBoard"].as_u64().unwrap();
        assert_eq!(
            *total.get_or_insert(count),
            count,
            "the count changed between pages"
        );
        found.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => return (found, count),
        }
    }
}

async fn results_are_exactly_the_substring_rule(app: TestApp) {
    let (_, token) = app.user().await;
    let mut random = Lcg(20_261_203);
    let mut posts = Vec::new();
    for _ in 0..40 {
        let title = random.words(1, 4);
        // `oracle` (in no generated word) tells when all of them are in the index.
        let content = format!("{} oracle", random.words(2, 12));
        post(&app, &token, &title, &content).await;
        posts.push((title, content));
    }
    until_total(&app, "oracle", 40, Duration::from_secs(5)).await;
    // The list's order is the search's order: read it back with the stored texts.
    let list = expect_status(app.get("/api/board/boards?per_page=100").await, 200).await;
    let listed: Vec<(String, String, String)> = list["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_string(),
                b["title"].as_str().unwrap().to_string(),
                b["content"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed.len(), 40);

    let mut queries: Vec<Vec<String>> = [
        "판에", "arch", "0%", "a_", "\\s", "*s", "\"q", "(p", "++", "ß", "éc",
    ]
    .iter()
    .filter(|q| q.chars().count() >= 2)
    .map(|q| vec![q.to_string()])
    .collect();
    for _ in 0..25 {
        let terms = 1 + random.next(3);
        queries.push((0..terms).map(|_| random.term()).collect());
    }
    let mut matched_some = 0;
    for terms in &queries {
        for field in ["all", "title", "content"] {
            let expected: Vec<String> = listed
                .iter()
                .filter(|(_, title, content)| oracle_matches(title, content, terms, field))
                .map(|(id, _, _)| id.clone())
                .collect();
            let q = terms.join(" ");
            let (found, total) = all_pages(&app, &q, field).await;
            assert_eq!(found, expected, "q={q:?} field={field}");
            assert_eq!(total, expected.len() as u64, "q={q:?} field={field}");
            if !expected.is_empty() {
                matched_some += 1;
            }
        }
    }
    // The generated queries are not all misses.
    assert!(
        matched_some > queries.len(),
        "only {matched_some} queries matched anything"
    );
}

async fn every_term_must_occur_and_field_narrows_where(app: TestApp) {
    let (_, token) = app.user().await;
    let both = post(&app, &token, "게시판에서 Search", "rust 검색").await;
    let title_only = post(&app, &token, "Search everything", "nothing here").await;
    let content_only = post(&app, &token, "unrelated", "a board to search").await;
    until_total(&app, "search", 3, Duration::from_secs(5)).await;

    let page = search_ok(&app, &[("q", "판에 ARCH")]).await;
    assert_eq!(ids(&page), std::slice::from_ref(&both));
    let page = search_ok(&app, &[("q", "search rust")]).await;
    assert_eq!(ids(&page), std::slice::from_ref(&both));
    let page = search_ok(&app, &[("q", "search"), ("field", "title")]).await;
    assert_eq!(ids(&page), [title_only.clone(), both.clone()]);
    assert_eq!(page["totalBoard"], 2);
    let page = search_ok(&app, &[("q", "search"), ("field", "content")]).await;
    assert_eq!(ids(&page), std::slice::from_ref(&content_only));
    let page = search_ok(&app, &[("q", "search"), ("field", "all")]).await;
    assert_eq!(ids(&page), [content_only, title_only, both]);
    // A term of one post and a term of another: no post has both.
    let page = search_ok(&app, &[("q", "everything board")]).await;
    assert_eq!(page["totalBoard"], 0);
    assert_eq!(page["totalPage"], 0);
    assert_eq!(ids(&page), Vec::<String>::new());
    // A term never split by the index: whitespace is where chunks end.
    let page = search_ok(&app, &[("q", "searcheverything")]).await;
    assert_eq!(page["totalBoard"], 0);
}

async fn edits_and_deletes_are_reflected(app: TestApp) {
    let (_, token) = app.user().await;
    let id = post(&app, &token, "공지사항 first", "original words").await;
    until_total(&app, "original", 1, Duration::from_secs(5)).await;
    edit(&app, &token, &id, "공지사항 second", "replacement text").await;
    until_total(&app, "original", 0, Duration::from_secs(1)).await;
    until_total(&app, "replacement", 1, Duration::from_secs(1)).await;
    until_total(&app, "공지사항", 1, Duration::from_secs(1)).await;
    delete(&app, &token, &id).await;
    until_total(&app, "공지사항", 0, Duration::from_secs(1)).await;

    // An account deletion takes its posts out of search too.
    let (_, other) = app.user().await;
    post(&app, &other, "goodbye post", "one").await;
    post(&app, &other, "goodbye again", "two").await;
    until_total(&app, "goodbye", 2, Duration::from_secs(1)).await;
    expect_status(
        send(
            app.authed(Method::DELETE, "/api/user/me", Some(&other))
                .json(&json!({"password": "password123"})),
        )
        .await,
        200,
    )
    .await;
    until_total(&app, "goodbye", 0, Duration::from_secs(1)).await;
}

async fn search_combines_with_the_author_paging_and_link(app: TestApp) {
    let (alice, alice_token) = app.user().await;
    let (_, bob_token) = app.user().await;
    for i in 0..5 {
        post(&app, &alice_token, &format!("한국어 note {i}"), "c").await;
        post(&app, &bob_token, &format!("한국어 memo {i}"), "c").await;
    }
    until_total(&app, "한국어", 10, Duration::from_secs(5)).await;

    let page = search_ok(
        &app,
        &[("q", "한국어"), ("userId", &alice), ("per_page", "2")],
    )
    .await;
    assert_eq!(page["totalBoard"], 5);
    assert_eq!(page["totalPage"], 3);
    assert!(
        page["boards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["userId"] == alice.as_str())
    );

    // Page numbers: page 2 follows page 1, the Link names the next page with the query.
    let response = search(
        &app,
        &[("q", "한국어 no"), ("per_page", "2"), ("page", "1")],
    )
    .await;
    let link = response.headers()["link"].to_str().unwrap().to_string();
    let first: Value = expect_status(response, 200).await;
    assert_eq!(first["totalBoard"], 5, "\"no\" is in \"note\" only");
    assert_eq!(
        link,
        "</api/board/boards?page=2&per_page=2&q=%ED%95%9C%EA%B5%AD%EC%96%B4%20no>; rel=\"next\""
    );
    let next = link.trim_start_matches('<').split('>').next().unwrap();
    let second = expect_status(app.get(next).await, 200).await;
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!(a.len(), 2);
    assert_eq!(b.len(), 2);
    assert!(a.iter().all(|id| !b.contains(id)));
    let third = search_ok(
        &app,
        &[("q", "한국어 no"), ("per_page", "2"), ("page", "3")],
    )
    .await;
    assert_eq!(ids(&third).len(), 1);
    let past = search_ok(
        &app,
        &[("q", "한국어 no"), ("per_page", "2"), ("page", "9")],
    )
    .await;
    assert_eq!(ids(&past), Vec::<String>::new());
    assert_eq!(past["totalBoard"], 5);

    // By cursor, with `field` carried by the Link too.
    let response = search(
        &app,
        &[
            ("q", "memo"),
            ("field", "title"),
            ("per_page", "3"),
            ("cursor", ""),
        ],
    )
    .await;
    let link = response.headers()["link"].to_str().unwrap().to_string();
    let first: Value = expect_status(response, 200).await;
    assert!(
        link.ends_with("&q=memo&field=title>; rel=\"next\""),
        "{link}"
    );
    let next = link.trim_start_matches('<').split('>').next().unwrap();
    let second = expect_status(app.get(next).await, 200).await;
    assert_eq!(ids(&first).len(), 3);
    assert_eq!(ids(&second).len(), 2);
    assert!(second["nextCursor"].is_null());
    assert!(second.get("page").is_none());
    // A listed search result carries what a list item carries.
    assert_eq!(first["boards"][0]["commentCount"], 0);
}

async fn bad_queries_are_invalid_query(app: TestApp) {
    let eleven = ["ab"; 11].join(" ");
    let long = "가".repeat(201);
    for pairs in [
        vec![("q", "a")],
        vec![("q", "ab c")],
        vec![("q", "")],
        vec![("q", "   ")],
        vec![("q", eleven.as_str())],
        vec![("q", long.as_str())],
        vec![("q", "board"), ("field", "body")],
        vec![("q", "board"), ("field", "")],
        vec![("field", "TITLE")],
    ] {
        let body = expect_error(search(&app, &pairs).await, 400, "invalid_query").await;
        assert!(
            body["message"].as_str().unwrap().len() > 5,
            "{pairs:?}: {body}"
        );
    }
    // The limits themselves are fine: 10 terms, 200 characters (after trimming).
    let ten = ["ab"; 10].join(" ");
    search_ok(&app, &[("q", &ten)]).await;
    let at_limit = format!("  {}  ", "가".repeat(200));
    search_ok(&app, &[("q", &at_limit)]).await;
    // Characters that mean something to LIKE or to query parsers are plain.
    for q in ["%%", "__", "\\\\", "**", "\"\"", "((", "a%", "'or 1=1--"] {
        let page = search_ok(&app, &[("q", q)]).await;
        assert_eq!(page["totalBoard"], 0, "{q}");
    }
}

async fn another_instance_sees_writes_within_a_second(app: TestApp) {
    let other = app.another_instance().await;
    let (_, token) = app.user().await;
    let id = post(&app, &token, "서울특별시 news", "fresh").await;
    let took = until_total(&other, "서울특별시", 1, Duration::from_secs(1)).await;
    edit(&app, &token, &id, "renamed", "fresh").await;
    until_total(&other, "서울특별시", 0, Duration::from_secs(1)).await;
    until_total(&other, "renamed", 1, Duration::from_secs(1)).await;
    // And the other way round, several writes at once.
    let (_, token2) = other.user().await;
    for i in 0..10 {
        post(&other, &token2, &format!("burst{i} together"), "c").await;
    }
    until_total(&app, "together", 10, Duration::from_secs(1)).await;
    delete(&other, &token2, &id_of(&other, "burst3").await).await;
    until_total(&app, "together", 9, Duration::from_secs(1)).await;
    eprintln!("first write visible on the other instance after {took:?}");
}

async fn id_of(app: &TestApp, q: &str) -> String {
    let page = search_ok(app, &[("q", q)]).await;
    ids(&page).remove(0)
}

async fn a_fresh_instance_answers_only_once_caught_up(app: TestApp) {
    let (_, token) = app.user().await;
    for i in 0..60 {
        post(
            &app,
            &token,
            &format!("catchup {i}"),
            &"긴 내용 ".repeat(50),
        )
        .await;
    }
    until_total(&app, "catchup", 60, Duration::from_secs(5)).await;
    let db = TestDb::existing_for(&app);
    let fresh = TestApp::spawn_unready(&db, |_| {}).await;
    // Until it is ready it refuses searches; once ready it has everything. Never a part.
    let started = Instant::now();
    loop {
        let ready = fresh.get("/health/ready").await.status() == 200;
        let response = search(&fresh, &[("q", "catchup")]).await;
        match response.status().as_u16() {
            503 => {
                expect_error(response, 503, "unavailable").await;
            }
            200 => {
                let page: Value = response.json().await.unwrap();
                assert_eq!(page["totalBoard"], 60, "a partial answer");
            }
            other => panic!("unexpected status {other}"),
        }
        if ready {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never got ready"
        );
    }
    let page = search_ok(&fresh, &[("q", "catchup")]).await;
    assert_eq!(page["totalBoard"], 60);
}

async fn an_index_deleted_or_damaged_while_down_is_rebuilt(app: TestApp) {
    let (_, token) = app.user().await;
    let folder = TempDir::new("board-search-kept");
    let dir = folder.path().join("index");
    let db = TestDb::existing_for(&app);
    let kept = dir.clone();
    let first = TestApp::spawn_with(&db, move |config| config.search_index_dir = kept).await;
    for i in 0..5 {
        post(&first, &token, &format!("rebuild {i}"), "c").await;
    }
    until_total(&first, "rebuild", 5, Duration::from_secs(5)).await;
    stop(first).await;

    // Gone while the server was down.
    std::fs::remove_dir_all(&dir).unwrap();
    let kept = dir.clone();
    let second = TestApp::spawn_with(&db, move |config| config.search_index_dir = kept).await;
    assert_eq!(
        search_ok(&second, &[("q", "rebuild")]).await["totalBoard"],
        5
    );
    stop(second).await;

    // Damaged: every file of the index overwritten with garbage.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::write(&path, b"not an index").unwrap();
        }
    }
    let kept = dir.clone();
    let third = TestApp::spawn_with(&db, move |config| config.search_index_dir = kept).await;
    assert_eq!(
        search_ok(&third, &[("q", "rebuild")]).await["totalBoard"],
        5
    );
    post(&third, &token, "rebuild 5", "c").await;
    until_total(&third, "rebuild", 6, Duration::from_secs(1)).await;
}

/// Stops a server and waits until it has closed its database; its search follower lets go
/// of the index folder at its next poll (a new server on the folder waits for that too).
async fn stop(app: TestApp) {
    let store = app.store.clone();
    drop(app);
    let started = Instant::now();
    while !store.is_closed() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not stop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn a_restarted_instance_goes_on_from_its_index(app: TestApp) {
    let (_, token) = app.user().await;
    let folder = TempDir::new("board-search-kept");
    let dir = folder.path().join("index");
    let db = TestDb::existing_for(&app);
    let kept = dir.clone();
    let first = TestApp::spawn_with(&db, move |config| config.search_index_dir = kept).await;
    let gone = post(&first, &token, "restart before", "c").await;
    until_total(&first, "restart", 1, Duration::from_secs(5)).await;
    stop(first).await;

    // Written while it was down, by another instance.
    post(&app, &token, "restart during", "c").await;
    delete(&app, &token, &gone).await;
    let kept = dir.clone();
    let again = TestApp::spawn_with(&db, move |config| config.search_index_dir = kept).await;
    let page = search_ok(&again, &[("q", "restart")]).await;
    assert_eq!(page["totalBoard"], 1);
    assert_eq!(page["boards"][0]["title"], "restart during");
}
